"""Design-analysis commands: ``lca compare``, ``uncertainty``, ``sensitivity``, ``models``, ``model``."""
from __future__ import annotations

from .common import add_model_options, computing, dumps, one_target, out, parse_settings, parse_target_amount, project


def register(sub) -> None:
    """Add the design-analysis commands to the ``lca`` sub-parsers."""
    s = computing(sub, "compare", help="side-by-side design comparison")
    s.add_argument("targets", nargs="+", help="targets, or models as NAME[:key=value,key=value]; "
                   "TARGET:amount=A compares A units of it")
    s.add_argument("--method", default="GWP100")
    s.add_argument("--json", action="store_true")
    s.add_argument("--plot", metavar="OUT.png")
    s.add_argument("--excel", metavar="OUT.xlsx", help="the table (and pairs with --uncertainty) as a workbook")
    s.add_argument("--csv", metavar="OUT.csv", help="the table as CSV")
    s.add_argument("--lang", choices=["en", "zh"], default="en", help="language of the chart's labels and stages")
    s.add_argument("--uncertainty", type=int, metavar="N", help="paired Monte Carlo with N samples")
    s.add_argument("--seed", type=int)
    s.add_argument("--scheduler", metavar="local:N|tcp://HOST:PORT")
    s.add_argument("--allow-different-units", action="store_true",
                   help="compare targets whose units differ (with a warning)")
    s.set_defaults(handler=compare)

    for name, text in (("uncertainty", "Monte Carlo distribution of a footprint"),
                       ("sensitivity", "Sobol indices of a model's parameters")):
        s = computing(sub, name, help=text)
        s.add_argument("target", nargs="?", help="'database:code', 'COMPANY_ID/PRODUCT_ID' or NAME[:k=v,...]")
        add_model_options(s)
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
            s.set_defaults(handler=uncertainty)
        else:
            s.set_defaults(handler=sensitivity)

    s = sub.add_parser("models", help="product models and their parameters")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=models_)
    s = sub.add_parser("model", help="one model's parameters: default, unit, distribution, source")
    s.add_argument("name")
    s.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="model parameter")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=model)


def compare(args) -> int:
    """``lca compare TARGET_OR_MODEL ...``: side by side under one method, optionally paired Monte Carlo."""
    parsed = [parse_target_amount(t) for t in args.targets]
    cmp = project(args).compare([p[0] for p in parsed], method=args.method, amounts=[p[1] for p in parsed],
                                uncertainty=args.uncertainty, seed=args.seed, scheduler=args.scheduler,
                                units="warn" if args.allow_different_units else "refuse", lang=args.lang)
    if args.plot:
        cmp.plot(args.plot)
    if args.excel:
        cmp.to_excel(args.excel)
    if args.csv:
        cmp.to_csv(args.csv)
    out(dumps(cmp.to_dict()) if args.json else cmp.summary())
    return 0


def uncertainty(args) -> int:
    """``lca uncertainty TARGET | --model NAME``: Monte Carlo distribution of a footprint."""
    target = one_target(args)
    res = project(args).uncertainty(target, n=args.n, seed=args.seed, scheduler=args.scheduler, amount=args.amount,
                                    method=args.method, background=not args.no_background,
                                    foreground=not args.no_foreground)
    return _show(res, args)


def sensitivity(args) -> int:
    """``lca sensitivity TARGET | --model NAME``: ranked drivers of the variance."""
    target = one_target(args)
    res = project(args).sensitivity(target, n=args.n, seed=args.seed, amount=args.amount, method=args.method)
    return _show(res, args)


def _show(res, args) -> int:
    if args.plot:
        res.plot(args.plot)
    if args.json:
        out(dumps(res.to_dict()))
        return 0
    settings = getattr(res, "settings", None)
    basis = settings.get("basis") if isinstance(settings, dict) else None
    out(res.summary() + (f"\n  basis: {basis} (one amount rule: --amount X for X units)" if basis else ""))
    return 0


def models_(args) -> int:
    """``lca models``: every product model and its parameters."""
    from .. import models as _models

    return _print_models(sorted(_models.MODELS), {}, args, detail=False)


def model(args) -> int:
    """``lca model NAME``: one model's parameters with default, unit, distribution and source."""
    return _print_models([args.name], parse_settings(args.set), args, detail=True)


def _print_models(names, settings, args, detail: bool) -> int:
    from .. import models as _models

    table = {}
    for name in names:
        m = _models.get_model(name, **settings)
        table[name] = {"unit": m.unit, "parameters": m.parameter_entries(), "choices": m.choices(),
                       "fixed": m.fixed()}
    if args.json:
        out(dumps(table))
        return 0
    for name, facts in table.items():
        out(f"{name} (per {facts['unit']}):")
        for k, e in facts["parameters"].items():
            d = e["dist"] or {}
            kind = d.get("type", "-")
            rng = (f"[{d['min']:g}, {d['max']:g}]" if "min" in d and "max" in d else
                   f"gsd {d['gsd']:g}" if "gsd" in d else f"sd {d['sd']:g}" if "sd" in d else "")
            flag = ("" if e["sampled"] else " (not sampled)") + (
                f" (not settable: {facts['fixed'][k]})" if k in facts["fixed"] else "")
            out(f"  {k:<26} {e['value']!s:>10} {str(e['unit'])[:34]:<34} {kind} {rng}{flag}")
            if detail:
                out(f"      source: {e['source']}")
                if d.get("source"):
                    out(f"      distribution: {d['source']}")
        out("  categorical (--set NAME=VALUE, one of the values):")
        shown: dict = {}  # values list -> the first parameter that listed it
        for k, c in facts["choices"].items():
            labels = c.get("labels", {})
            key = repr(c["values"])
            if key in shown:
                text = f"as {shown[key]}"
            else:
                shown[key] = k
                text = ", ".join(f"{v} {labels.get(v, '')}".strip() if len(str(labels.get(v, ""))) <= 30 else str(v)
                                 for v in c["values"])
            out(f"  {k:<26} {c['value']!s:>10}  values: {text}")
    return 0
