"""Design-question commands: ``lca sweep`` (one parameter over a range) and the comparison exports."""
from __future__ import annotations

from pathlib import Path

from .common import computing, dumps, out, parse_settings, project


def register(sub) -> None:
    """Add ``lca sweep`` to the ``lca`` sub-parsers."""
    s = computing(sub, "sweep", help="a model's footprint over a range of one parameter")
    s.add_argument("--model", required=True, help="product model: battery_pack, vehicle, pv_module")
    s.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="model parameter")
    s.add_argument("--vary", required=True, metavar="PARAM=START:STOP:STEP", help="the parameter to vary")
    s.add_argument("--amount", type=float, default=1.0,
                   help="units of the reference product (default 1: a battery pack per kWh)")
    s.add_argument("--uncertainty", type=int, metavar="N", help="Monte Carlo bands with N paired draws per point")
    s.add_argument("--seed", type=int)
    s.add_argument("--scheduler", metavar="local:N|tcp://HOST:PORT")
    s.add_argument("--method", default="GWP100")
    fmt = s.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true")
    fmt.add_argument("--csv", action="store_true")
    s.add_argument("--plot", metavar="OUT.png")
    s.set_defaults(handler=sweep)


def sweep(args) -> int:
    """``lca sweep --model NAME --vary PARAM=START:STOP:STEP``: one row per value (table, JSON or CSV)."""
    from ..sweep import parse_range
    from ..sweep import sweep as sweep_

    param, values = parse_range(args.vary)
    res = sweep_(project(args), args.model, parse_settings(args.set), param, values, amount=args.amount,
                 method=args.method, uncertainty=args.uncertainty, seed=args.seed, scheduler=args.scheduler)
    if args.plot:
        res.plot(Path(args.plot))
    if args.json:
        out(dumps(res.to_dict()))
    elif args.csv:
        out(res.to_csv().rstrip("\n"))
    else:
        out(res.summary())
    return 0
