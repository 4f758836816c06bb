"""Core commands: ``lca info``, ``init``, ``search``, ``footprint``, ``footprints``, ``demo``."""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import InputError
from .common import add_model_options, computing, dumps, out, parse_settings, parse_target, project


def register(sub) -> None:
    """Add the core commands to the ``lca`` sub-parsers."""
    s = sub.add_parser("info", help="project path, versions, databases, methods")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=info)
    s = sub.add_parser("init", help="set up the project (done lazily by every other command)")
    s.add_argument("--repair", action="store_true", help="restore the databases green-lca provides that were "
                   "changed outside it (`lca info` lists them under modified_outside)")
    s.set_defaults(handler=init)

    s = computing(sub, "search", help="find background or supplier activities")
    s.add_argument("text")
    s.add_argument("--limit", type=int, default=10)
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=search)

    s = computing(sub, "footprint", help="cradle-to-gate footprint of an activity or a model")
    s.add_argument("target", nargs="?", help="'database:code', 'COMPANY_ID/PRODUCT_ID', or a code")
    add_model_options(s)
    s.add_argument("--amount", type=float, default=None)
    s.add_argument("--method", default="GWP100")
    s.add_argument("--json", action="store_true")
    s.add_argument("--top", type=int, default=10, help="processes and flows to print")
    s.set_defaults(handler=footprint)

    s = computing(sub, "footprints", help="every activity's footprint at once (one adjoint solve)")
    s.add_argument("--database")
    s.add_argument("--method", default="GWP100")
    s.add_argument("--out", metavar="FILE", help=".csv or .parquet (default: CSV on stdout)")
    s.set_defaults(handler=footprints)

    s = sub.add_parser("demo", help="the whole job on the bundled examples")
    s.add_argument("--out", metavar="DIR", default="lca-demo")
    s.set_defaults(handler=demo)


def info(args) -> int:
    """``lca info``: the project's path, versions, databases, methods, inventories version."""
    facts = project(args).info()
    if args.json:
        out(dumps(facts))
    else:
        for k, v in facts.items():
            out(f"{k}: {v}")
    return 0


def init(args) -> int:
    """``lca init``: set the project up (every other command does it lazily)."""
    proj = project(args)
    if getattr(args, "repair", False):
        for d in proj.repair():
            out(f"{d['database']}: {'restored, ' + d['how'] if d['restored'] else 'not restored: ' + d['how']}")
        left = proj.modified_outside()
        if left:
            print("lca: still changed outside green-lca: " + ", ".join(d["database"] for d in left), file=sys.stderr)
    out(f"project ready: {proj.path}")
    return 0


def search(args) -> int:
    """``lca search TEXT``: background or supplier activities by name (English or Chinese)."""
    refs = project(args).search(args.text, limit=args.limit)
    if args.json:
        out(dumps({"query": args.text, "results": [r.to_dict() for r in refs]}))
    else:
        for r in refs:
            out(f"{r.ref:<55} {r.name} [{r.location}] ({r.unit})")
        if not refs:
            print(f"nothing matches {args.text!r}", file=sys.stderr)
    return 0


def footprint(args) -> int:
    """``lca footprint TARGET | --model NAME``: cradle-to-gate footprint."""
    if args.model and args.target:
        raise InputError(f"give TARGET or --model, not both (got {args.target!r} and --model {args.model})")
    if args.model:
        from .. import models

        target = models.get_model(args.model, **parse_settings(args.set))
    elif args.target:
        if args.set:
            raise InputError("--set applies to --model only")
        target = parse_target(args.target)
    else:
        raise InputError("give a TARGET ('database:code') or --model NAME")
    proj = project(args)
    # one amount rule: 1 unit of the reference product unless --amount (a battery pack per kWh)
    fp = proj.footprint(target, amount=1.0 if args.amount is None else args.amount, method=args.method)
    if args.json:
        out(fp.to_json())
    else:
        print_footprint(fp, args.top)
    return 0


def print_footprint(fp, top: int) -> None:
    """The text form of a :class:`~lca.results.Footprint`: total, split, stages, top processes and gases."""
    out(f"{fp.target.name} [{fp.target.ref}]")
    basis = fp.extras.get("basis") if isinstance(fp.extras, dict) else None
    out(f"  {fp.amount:g} {fp.unit}{f' ({basis})' if basis else ''}: {fp.total:.6g} {fp.score_unit}  "
        f"({' | '.join(fp.method)})")
    if fp.split:
        out("  split: " + ", ".join(f"{k} {v:.4g}" for k, v in fp.split.items()))
    if fp.by_stage:
        out("  by stage:")
        for k, v in fp.by_stage.items():
            out(f"    {k:<40} {v:>12.4g}")
    out("  top processes (direct emissions):")
    for r in fp.by_process.head(top).itertuples():
        out(f"    {r.score:>12.4g}  {r.name} [{r.ref}]")
    out("  by gas:")
    for r in fp.by_flow.head(top).itertuples():
        out(f"    {r.score:>12.4g}  {r.flow} ({r.categories})")
    for k, v in fp.extras.items():
        out(f"  {k}: {v}")
    for note in getattr(fp, "notes", ()):  # e.g. avoided burdens (lca.negative_supply)
        out(f"  note: {note}")
    for w in getattr(fp, "warnings", ()):
        print(f"lca: warning: {w}", file=sys.stderr)


def footprints(args) -> int:
    """``lca footprints``: every activity's footprint in one adjoint solve, as CSV or parquet."""
    series = project(args).footprints(method=args.method, database=args.database)
    for w in series.attrs.get("warnings", ()):
        print(f"lca: warning: {w}", file=sys.stderr)
    frame = series.rename("score").to_frame()
    if not args.out:
        sys.stdout.write(frame.to_csv())
        return 0
    from ..files import atomic_write

    path = Path(args.out)
    if path.suffix == ".parquet":
        try:
            atomic_write(path, frame.to_parquet)
        except ImportError:
            raise InputError(f"--out {path}: writing parquet needs pyarrow (pip install pyarrow); "
                             "or write a .csv file") from None
    elif path.suffix == ".csv":
        atomic_write(path, frame.to_csv)
    else:
        raise InputError(f"--out {path}: use a .csv or .parquet file name")
    print(f"wrote {len(frame)} footprints to {path}", file=sys.stderr)
    return 0


def demo(args) -> int:
    """``lca demo``: the whole job on the bundled examples."""
    from .. import demo as _demo

    _demo.run(project(args), Path(args.out), echo=out)
    return 0
