"""The command line: a thin shell that parses arguments, calls the API and prints.

Exit codes (``exit_code`` of the :mod:`lca.errors` classes): 0 success; 2 invalid
input or request, including a file that cannot be read or written (message on stderr,
nothing written); 3 the project is locked by another writer and the wait timed out;
1 the project is damaged beyond automatic repair, or anything unexpected (a bug).
"""
from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from .errors import InputError, IntegrityError, LcaError, LockTimeout

BUG_URL = "https://github.com/green-lca/green-lca/issues"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lca", description="Carbon footprints of green-industry products "
                                "and their supply chains (Brightway 2.5).")
    p.add_argument("--project", metavar="DIR", help="project directory (default: $LCA_PROJECT, "
                   "else the per-user data directory shown by `lca info`)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    s = sub.add_parser("info", help="project path, versions, databases, methods")
    s.add_argument("--json", action="store_true")
    sub.add_parser("init", help="set up the project (done lazily by every other command)")

    s = sub.add_parser("search", help="find background or supplier activities")
    s.add_argument("text")
    s.add_argument("--limit", type=int, default=10)
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("footprint", help="cradle-to-gate footprint of an activity or a model")
    s.add_argument("target", nargs="?", help="'database:code', 'COMPANY_ID/PRODUCT_ID', or a code")
    s.add_argument("--model", help="product model: battery_pack, vehicle, pv_module")
    s.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="model parameter")
    s.add_argument("--amount", type=float, default=None)
    s.add_argument("--method", default="GWP100")
    s.add_argument("--json", action="store_true")
    s.add_argument("--top", type=int, default=10, help="processes and flows to print")

    s = sub.add_parser("footprints", help="every activity's footprint at once (one adjoint solve)")
    s.add_argument("--database")
    s.add_argument("--method", default="GWP100")
    s.add_argument("--out", metavar="FILE", help=".csv or .parquet (default: CSV on stdout)")

    s = sub.add_parser("template", help="blank supplier workbook")
    s.add_argument("out")
    s.add_argument("--lang", choices=["en", "zh", "both"], default="both")
    s.add_argument("--force", action="store_true", help="overwrite an existing file")

    s = sub.add_parser("import", help="validate and store supplier workbooks (or PACT JSON)")
    s.add_argument("files", nargs="+")
    s.add_argument("--dry-run", action="store_true")
    s.add_argument("--annotate", metavar="OUT.xlsx")
    s.add_argument("--lang", choices=["en", "zh"], help="language of messages and the annotated copy "
                                                      "(default: the workbook's)")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("suppliers", help="stored companies and their submissions")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("withdraw", help="withdraw one company's submission (atomic; rebuilds the suppliers database)")
    s.add_argument("company_id")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("profile", help="supply-chain carbon profile of an imported product")
    s.add_argument("product", help="COMPANY_ID/PRODUCT_ID")
    s.add_argument("--method", default="GWP100")
    s.add_argument("--json", action="store_true")
    s.add_argument("--excel", metavar="OUT.xlsx")
    s.add_argument("--plot", metavar="OUT.png")
    s.add_argument("--pact", metavar="OUT.json")
    s.add_argument("--allow-incomplete", action="store_true")

    s = sub.add_parser("compare", help="side-by-side design comparison")
    s.add_argument("targets", nargs="+", help="targets, or models as NAME[:key=value,key=value]; "
                   "TARGET:amount=A compares A units of it")
    s.add_argument("--method", default="GWP100")
    s.add_argument("--json", action="store_true")
    s.add_argument("--plot", metavar="OUT.png")
    s.add_argument("--uncertainty", type=int, metavar="N", help="paired Monte Carlo with N samples")
    s.add_argument("--seed", type=int)
    s.add_argument("--scheduler", metavar="local:N|tcp://HOST:PORT")
    s.add_argument("--allow-different-units", action="store_true",
                   help="compare targets whose units differ (with a warning)")
    _add_uncertainty_commands(sub)

    s = sub.add_parser("demo", help="the whole job on the bundled examples")
    s.add_argument("--out", metavar="DIR", default="lca-demo")
    _add_server_commands(sub)
    _add_background_commands(sub)
    return p


def _add_uncertainty_commands(sub) -> None:
    """``lca uncertainty``, ``lca sensitivity``, ``lca models``, ``lca model`` (:mod:`lca.uncertainty`)."""
    for name, text in (("uncertainty", "Monte Carlo distribution of a footprint"),
                       ("sensitivity", "Sobol indices of a model's parameters")):
        s = sub.add_parser(name, help=text)
        s.add_argument("target", nargs="?", help="'database:code', 'COMPANY_ID/PRODUCT_ID' or NAME[:k=v,...]")
        s.add_argument("--model", help="product model: battery_pack, vehicle, pv_module")
        s.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="model parameter")
        s.add_argument("--n", type=int, default=10_000 if name == "uncertainty" else 1024,
                       help="samples" if name == "uncertainty" else "Sobol base sample size (a power of two)")
        s.add_argument("--seed", type=int)
        s.add_argument("--amount", type=float, default=1.0)
        s.add_argument("--method", default="GWP100")
        s.add_argument("--json", action="store_true")
        s.add_argument("--plot", metavar="OUT.png")
        if name == "uncertainty":
            s.add_argument("--scheduler", metavar="local:N|tcp://HOST:PORT")
            s.add_argument("--no-background", action="store_true", help="keep the matrices at their static values")
            s.add_argument("--no-foreground", action="store_true", help="keep model parameters and rows static")
    s = sub.add_parser("models", help="product models and their parameters")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("model", help="one model's parameters: default, unit, distribution, source")
    s.add_argument("name")
    s.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="model parameter")
    s.add_argument("--json", action="store_true")


def _one_target(args):
    if args.model and args.target:
        raise InputError(f"give TARGET or --model, not both (got {args.target!r} and --model {args.model})")
    if args.model:
        from . import models

        return models.get_model(args.model, **parse_settings(args.set))
    if not args.target:
        raise InputError("give a TARGET ('database:code') or --model NAME")
    if args.set:
        raise InputError("--set applies to --model only")
    return parse_target(args.target)


def _uncertainty_command(proj, args) -> int:
    from .results import dumps

    target = _one_target(args)
    if args.command == "uncertainty":
        res = proj.uncertainty(target, n=args.n, seed=args.seed, scheduler=args.scheduler, amount=args.amount,
                               method=args.method, background=not args.no_background,
                               foreground=not args.no_foreground)
    else:
        res = proj.sensitivity(target, n=args.n, seed=args.seed, amount=args.amount, method=args.method)
    if args.plot:
        res.plot(args.plot)
    _out(dumps(res.to_dict()) if args.json else res.summary())
    return 0


def _models_command(proj, args) -> int:
    from . import models
    from .results import dumps

    names = sorted(models.MODELS) if args.command == "models" else [args.name]
    out = {}
    for name in names:
        m = models.get_model(name, **(parse_settings(args.set) if args.command == "model" else {}))
        out[name] = {"unit": m.unit, "parameters": m.parameter_entries()}
    if args.json:
        _out(dumps(out))
        return 0
    for name, info in out.items():
        _out(f"{name} (per {info['unit']}):")
        for k, e in info["parameters"].items():
            d = e["dist"] or {}
            kind = d.get("type", "-")
            rng = (f"[{d['min']:g}, {d['max']:g}]" if "min" in d and "max" in d else
                   f"gsd {d['gsd']:g}" if "gsd" in d else f"sd {d['sd']:g}" if "sd" in d else "")
            flag = "" if e["sampled"] else " (not sampled)"
            _out(f"  {k:<26} {e['value']!s:>10} {str(e['unit'])[:34]:<34} {kind} {rng}{flag}")
            if args.command == "model":
                _out(f"      source: {e['source']}")
                if d.get("source"):
                    _out(f"      distribution: {d['source']}")
    return 0


COMPUTING = ("search", "footprint", "footprints", "profile", "compare", "publish", "uncertainty", "sensitivity",
             "demo")


def _add_background_commands(sub) -> None:
    """``lca background import`` and ``--background NAME`` on every computing command (:mod:`lca.background`)."""
    s = sub.add_parser("background", help="import a background database (ecoinvent release, Brightway database)")
    bsub = s.add_subparsers(dest="background_command", metavar="ACTION")
    bsub.required = True
    a = bsub.add_parser("import", help="import an ecoSpold2 release folder (datasets/ + MasterData/), or copy "
                        "a database of another Brightway project")
    a.add_argument("dir", nargs="?", help="the release folder")
    a.add_argument("--name", help="the background's name (then --background NAME)")
    a.add_argument("--brightway-dir", metavar="D", help="Brightway base directory to copy from")
    a.add_argument("--bw-project", metavar="P", help="project in --brightway-dir")
    a.add_argument("--database", metavar="DB", help="database of --bw-project to copy")
    a.add_argument("--mapping", metavar="FILE.csv", help="material mapping (default: the release's in "
                   "inventories/mappings)")
    a.add_argument("--release", help="ecoinvent release of a copied database, e.g. 3.10 (for its mapping)")
    a.add_argument("--flow-map", metavar="FILE.csv", help="release_uuid,ecoinvent_uuid: the ecoinvent 3.9 flow "
                   "whose IPCC 2021 / EF 3.1 factors a new release flow gets")
    a.add_argument("--json", action="store_true")
    for name in COMPUTING:
        if name in sub.choices and name != "demo":
            sub.choices[name].add_argument("--background", metavar="NAME", default=None,
                                           help="imported background that models and supplier materials "
                                           "resolve to (default: the open background)")


def _background_command(args) -> int:
    from .project import open_project
    from .results import dumps

    if args.brightway_dir is None and not args.dir:
        raise InputError("give the release folder (lca background import DIR --name NAME) or --brightway-dir")
    if args.brightway_dir is None and not args.name:
        raise InputError("give --name NAME for the imported background")
    proj = open_project(args.project)
    res = proj.import_background(args.dir, name=args.name, brightway_dir=args.brightway_dir,
                                 bw_project=args.bw_project, database=args.database, mapping=args.mapping,
                                 release=args.release, flow_map=args.flow_map,
                                 progress=sys.stderr.isatty() or not args.json)
    if args.json:
        _out(dumps(res.to_dict()))
    else:
        _out(f"imported {res.name}: {res.datasets} datasets, {res.exchanges} exchanges from {res.source} "
             f"(release {res.release or 'unknown'}, {res.system_model or 'unknown system model'}) in "
             f"{res.seconds:.1f} s; {len(res.new_flows)} new elementary flow(s) added to biosphere3 "
             f"({sum(1 for f in res.new_flows if f.get('characterized_as'))} characterized as their ecoinvent "
             "3.9 flow)")
    return 0


def _add_server_commands(sub) -> None:
    """``lca publish``, ``lca clients``, ``lca serve`` (the PACT v3 host system, :mod:`lca.server`)."""
    s = sub.add_parser("publish", help="store a PACT v3 ProductFootprint for `lca serve`")
    s.add_argument("product", nargs="?", help="COMPANY_ID/PRODUCT_ID of an imported supplier product")
    s.add_argument("--model", help="product model: battery_pack, vehicle, pv_module")
    s.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="model parameter")
    s.add_argument("--client", action="append", default=[], metavar="NAME",
                   help="only this API client may see it (repeatable; default: every client)")
    s.add_argument("--period", metavar="START:END", help="model reference period, ISO dates "
                   "(default: this calendar year)")
    s.add_argument("--mass-kg", type=float, help="model mass per declared unit [kg] where the model has none")
    s.add_argument("--company-id", help="model publisher's company code (default GREEN-LCA-MODELS)")
    s.add_argument("--company-name", help="model publisher's company name")
    s.add_argument("--method", default="GWP100")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("clients", help="API clients of `lca serve` (add prints the secret once)")
    csub = s.add_subparsers(dest="clients_command", metavar="ACTION")
    csub.required = True
    a = csub.add_parser("add", help="register a client; prints its id and secret once")
    a.add_argument("name")
    a.add_argument("--events-url", metavar="URL", help="the partner's HTTPS base URL for answers to its "
                   "requests (BASE/3/events)")
    a.add_argument("--events-client-id", metavar="ID", help="our client id at the partner's API")
    a.add_argument("--events-client-secret", metavar="SECRET", help="our secret at the partner's API "
                   "(default: $LCA_EVENTS_CLIENT_SECRET)")
    a.add_argument("--events-ca", metavar="PEM", help="CA certificate to trust for the partner's endpoint")
    a.add_argument("--json", action="store_true")
    a = csub.add_parser("list", help="registered clients (no secrets)")
    a.add_argument("--json", action="store_true")
    a = csub.add_parser("remove", help="delete a client and revoke its tokens")
    a.add_argument("name")

    s = sub.add_parser("serve", help="PACT v3 Data Exchange API over HTTPS")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8443)
    s.add_argument("--cert", metavar="FILE", help="TLS certificate (PEM)")
    s.add_argument("--key", metavar="FILE", help="TLS private key (PEM)")
    s.add_argument("--dev-cert", action="store_true", help="self-signed certificate for local use")
    s.add_argument("--token-ttl", type=int, default=3600, metavar="S", help="access token lifetime [s]")
    s.add_argument("--token-rate", type=int, default=30, metavar="N",
                   help="token requests per minute per client address")


def _server_command(args) -> int:
    """``clients`` and ``serve``: they use the project directory, never its Brightway data."""
    import os

    from .project import default_path
    from .results import dumps

    path = (Path(args.project).expanduser() if args.project else default_path()).resolve()
    if args.command == "serve":
        from .server.run import serve

        serve(path, host=args.host, port=args.port, cert=args.cert, key=args.key, dev_cert=args.dev_cert,
              token_ttl=args.token_ttl, token_rate=args.token_rate, echo=lambda t: print(t, file=sys.stderr))
        return 0
    from .server import clients

    if args.clients_command == "add":
        auth = None
        if args.events_client_id:
            secret = args.events_client_secret or os.environ.get("LCA_EVENTS_CLIENT_SECRET")
            if not secret:
                raise InputError("--events-client-id needs --events-client-secret or $LCA_EVENTS_CLIENT_SECRET")
            auth = (args.events_client_id, secret)
        new = clients.add(path, args.name, events_url=args.events_url, events_auth=auth, events_ca=args.events_ca)
        if args.json:
            _out(dumps({"name": new["name"], "client_id": new["client_id"], "client_secret": new["client_secret"]}))
        else:
            _out(f"client {new['name']}\n  client_id:     {new['client_id']}\n  client_secret: {new['client_secret']}")
            print("the secret is shown only now; store it safely (only its hash is kept)", file=sys.stderr)
    elif args.clients_command == "list":
        rows = clients.listing(path)
        if args.json:
            _out(dumps({"clients": rows}))
        else:
            for r in rows:
                _out(f"{r['name']:<24} {r['client_id']}  {r['events_url'] or ''}")
    else:
        clients.remove(path, args.name)
        _out(f"removed client {args.name}; its tokens no longer work")
    return 0


def _publish(proj, args) -> int:
    """``lca publish``: compute, then store for the server."""
    from .results import dumps
    from .server import publish

    if bool(args.model) == bool(args.product):
        raise InputError("give PRODUCT (COMPANY_ID/PRODUCT_ID) or --model NAME")
    if args.model:
        period = None
        if args.period:
            start, sep, end = args.period.partition(":")
            if not sep:
                raise InputError(f"--period {args.period!r}: write START:END, e.g. 2025-01-01:2025-12-31")
            period = (start, end)
        res = publish.publish_model(proj, args.model, parse_settings(args.set), access=args.client, period=period,
                                    mass_kg=args.mass_kg, company_id=args.company_id,
                                    company_name=args.company_name, method=args.method)
    else:
        if args.set or args.period or args.mass_kg is not None:
            raise InputError("--set, --period and --mass-kg apply to --model only")
        res = publish.publish_product(proj, args.product, access=args.client, method=args.method)
    if args.json:
        _out(dumps(res))
    elif res["unchanged"]:
        _out(f"{res['product']}: unchanged, already published as {res['id']}")
    else:
        _out(f"{res['product']}: published {res['id']}"
             + (f" (deprecates {', '.join(res['deprecated'])})" if res["deprecated"] else ""))
    return 0


def parse_value(text: str):
    """``--set`` values: int, float, true/false, else the string."""
    low = text.strip().lower()
    if low in ("true", "yes"):
        return True
    if low in ("false", "no"):
        return False
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def parse_settings(items: list[str]) -> dict:
    out = {}
    for item in items:
        if "=" not in item:
            raise InputError(f"--set {item!r}: write KEY=VALUE, e.g. --set capacity_kwh=75")
        key, value = item.split("=", 1)
        out[key.strip()] = parse_value(value)
    return out


def parse_target(text: str):
    """``NAME[:k=v,k=v]`` for a known model name, else the text as a target."""
    return parse_target_amount(text)[0]


def parse_target_amount(text: str):
    """(target, amount or None): ``TARGET:amount=A`` (or ``amount=A`` among a model's settings) sets A."""
    from . import models

    amount = None
    head, sep, tail = text.rpartition(":amount=")
    if sep and "," not in tail and ":" not in tail:
        amount, text = _amount(tail), head
    name, _, params = text.partition(":")
    if name in models.MODELS:
        settings = parse_settings([p for p in params.split(",") if p]) if params else {}
        if "amount" in settings:
            amount = _amount(str(settings.pop("amount")))
        return models.get_model(name, **settings), amount
    return text, amount


def _amount(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InputError(f"amount={text!r} is not a number (write TARGET:amount=75)") from None


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _print_footprint(fp, top: int) -> None:
    _out(f"{fp.target.name} [{fp.target.ref}]")
    basis = fp.extras.get("basis") if isinstance(fp.extras, dict) else None
    _out(f"  {fp.amount:g} {fp.unit}{f' ({basis})' if basis else ''}: {fp.total:.6g} {fp.score_unit}  "
         f"({' | '.join(fp.method)})")
    if fp.split:
        _out("  split: " + ", ".join(f"{k} {v:.4g}" for k, v in fp.split.items()))
    if fp.by_stage:
        _out("  by stage:")
        for k, v in fp.by_stage.items():
            _out(f"    {k:<40} {v:>12.4g}")
    _out("  top processes (direct emissions):")
    for r in fp.by_process.head(top).itertuples():
        _out(f"    {r.score:>12.4g}  {r.name} [{r.ref}]")
    _out("  by gas:")
    for r in fp.by_flow.head(top).itertuples():
        _out(f"    {r.score:>12.4g}  {r.flow} ({r.categories})")
    for k, v in fp.extras.items():
        _out(f"  {k}: {v}")


def run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    from .project import open_project
    from .results import dumps

    if args.command == "template":
        from .supply.template import write_template

        if Path(args.out).exists() and not args.force:
            raise InputError(f"{args.out} exists: refusing to overwrite it (it may be a filled workbook); "
                             "choose another name or add --force")
        write_template(Path(args.out), lang=args.lang)
        _out(f"wrote {args.out}")
        return 0

    if args.command in ("serve", "clients"):
        return _server_command(args)
    if args.command == "background":
        return _background_command(args)
    proj = open_project(args.project, background=getattr(args, "background", None))
    cmd = args.command
    if cmd == "publish":
        return _publish(proj, args)
    if cmd == "info":
        info = proj.info()
        if args.json:
            _out(dumps(info))
        else:
            for k, v in info.items():
                _out(f"{k}: {v}")
    elif cmd == "init":
        _out(f"project ready: {proj.path}")
    elif cmd == "search":
        refs = proj.search(args.text, limit=args.limit)
        if args.json:
            _out(dumps({"query": args.text, "results": [r.to_dict() for r in refs]}))
        else:
            for r in refs:
                _out(f"{r.ref:<55} {r.name} [{r.location}] ({r.unit})")
            if not refs:
                print(f"nothing matches {args.text!r}", file=sys.stderr)
    elif cmd == "footprint":
        if args.model and args.target:
            raise InputError(f"give TARGET or --model, not both (got {args.target!r} and --model {args.model})")
        if args.model:
            from . import models

            target = models.get_model(args.model, **parse_settings(args.set))
        elif args.target:
            if args.set:
                raise InputError("--set applies to --model only")
            target = parse_target(args.target)
        else:
            raise InputError("give a TARGET ('database:code') or --model NAME")
        # one amount rule: 1 unit of the reference product unless --amount (a battery pack per kWh)
        fp = proj.footprint(target, amount=1.0 if args.amount is None else args.amount, method=args.method)
        if args.json:
            _out(fp.to_json())
        else:
            _print_footprint(fp, args.top)
    elif cmd == "footprints":
        series = proj.footprints(method=args.method, database=args.database)
        frame = series.rename("score").to_frame()
        if args.out:
            out = Path(args.out)
            if out.suffix == ".parquet":
                try:
                    frame.to_parquet(out)
                except ImportError:
                    raise InputError(f"--out {out}: writing parquet needs pyarrow (pip install pyarrow); "
                                     "or write a .csv file") from None
            elif out.suffix == ".csv":
                frame.to_csv(out)
            else:
                raise InputError(f"--out {out}: use a .csv or .parquet file name")
            print(f"wrote {len(frame)} footprints to {out}", file=sys.stderr)
        else:
            sys.stdout.write(frame.to_csv())
    elif cmd == "import":
        report = proj.import_files([Path(f) for f in args.files], dry_run=args.dry_run, annotate=args.annotate,
                                   lang=args.lang)
        if args.json:
            _out(dumps(report.to_dict()))
        else:
            _out(report.summary())
        return 0 if report.ok else 2
    elif cmd == "profile":
        prof = proj.profile(args.product, method=args.method, allow_incomplete=args.allow_incomplete)
        if args.excel:
            prof.to_excel(args.excel)
        if args.plot:
            prof.plot(args.plot)
        if args.pact:
            Path(args.pact).write_text(dumps(prof.to_pact(), indent=2), encoding="utf-8")
        if args.json:
            _out(dumps(prof.to_dict()))
        else:
            _out(prof.summary())
    elif cmd in ("uncertainty", "sensitivity"):
        return _uncertainty_command(proj, args)
    elif cmd in ("models", "model"):
        return _models_command(proj, args)
    elif cmd == "compare":
        parsed = [parse_target_amount(t) for t in args.targets]
        cmp = proj.compare([p[0] for p in parsed], method=args.method, amounts=[p[1] for p in parsed],
                           uncertainty=args.uncertainty, seed=args.seed, scheduler=args.scheduler,
                           units="warn" if args.allow_different_units else "refuse")
        if args.plot:
            cmp.plot(args.plot)
        if args.json:
            _out(dumps(cmp.to_dict()))
        else:
            _out(cmp.summary())
    elif cmd in ("suppliers", "withdraw"):
        return _submissions_command(proj, args)
    elif cmd == "demo":
        from . import demo

        demo.run(proj, Path(args.out), echo=_out)
    return 0


def _submissions_command(proj, args) -> int:
    """``lca suppliers`` / ``lca withdraw COMPANY_ID``: list or withdraw stored submissions."""
    from .results import dumps
    from .supply import store

    if args.command == "suppliers":
        subs = store.submissions(proj)
        if args.json:
            _out(dumps({"suppliers": subs}))
        else:
            for s in subs:
                _out(f"{s['company_id']}\t{s['company_name']}\t{s['reporting_period_start']}..{s['reporting_period_end']}"
                     f"\t{s['source_file']}\t{s['stored_at']}\t{', '.join(s['products'])}")
        return 0
    users = store.withdraw(proj, args.company_id)
    if args.json:
        _out(dumps({"withdrawn": args.company_id, "unresolved_users": users}))
    else:
        _out(f"withdrew {args.company_id}" + (f"; now unresolved: {', '.join(users)}" if users else ""))
    return 0


def _os_error_message(exc: OSError) -> str:
    """One line naming the file: ``cannot write/read PATH: REASON; choose a writable path``."""
    name = exc.filename if exc.filename is not None else "a file"
    if exc.filename2 is not None:
        name = f"{name} -> {exc.filename2}"
    reason = exc.strerror or str(exc)
    return f"cannot write/read {name}: {reason}; choose a writable path (or an existing file to read)"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        code = run(argv)
    except LockTimeout as exc:
        print(f"lca: {exc}", file=sys.stderr)
        code = exc.exit_code
    except InputError as exc:
        print(f"lca: error: {exc}", file=sys.stderr)
        for issue in exc.issues[:200]:
            if str(issue) not in str(exc):
                print(f"  {issue}", file=sys.stderr)
        code = exc.exit_code
    except IntegrityError as exc:
        print(f"lca: project damaged: {exc}", file=sys.stderr)
        code = exc.exit_code
    except LcaError as exc:
        print(f"lca: error: {exc}", file=sys.stderr)
        code = exc.exit_code
    except OSError as exc:  # a path the user gave (--out, --excel, --plot, --pact...) cannot be used
        print(f"lca: error: {_os_error_message(exc)}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        code = 130
    except Exception:
        traceback.print_exc()
        print(f"lca: unexpected error (a bug); please report it with the trace above at {BUG_URL}",
              file=sys.stderr)
        code = 1
    sys.stdout.flush()
    return code


if __name__ == "__main__":
    raise SystemExit(main())
