"""Supplier data over time: ``lca suppliers history|diff|restore``, ``lca import --strict --by``, ``lca profile --period --against``.

Adds actions to the ``suppliers`` command of :mod:`lca.cli.supply` (registered before this
module in :data:`lca.cli.GROUPS`): plain ``lca suppliers [--json]`` keeps working. Each
handler is a thin shell over :mod:`lca.supply.history` and :mod:`lca.supply.periods`.
"""
from __future__ import annotations

from .common import dumps, out, project


def register(sub) -> None:
    """Add ``history``, ``diff`` and ``restore`` under ``lca suppliers``, and the options of ``import``."""
    parent = sub.choices["suppliers"]
    actions = parent.add_subparsers(dest="action", metavar="ACTION")
    actions.required = False

    s = actions.add_parser("history", help="every archived version of a company's submission")
    s.add_argument("company_id")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=history)

    s = actions.add_parser("diff", help="lines added, removed, changed between two versions, and the effect "
                                        "on every dependent product's total")
    s.add_argument("company_id")
    s.add_argument("versions", nargs="*", type=int, metavar="VERSION", help="OLD NEW (default: the two latest)")
    s.add_argument("--method", default="GWP100")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=diff)

    s = actions.add_parser("restore", help="make an archived version the stored submission again (atomic)")
    s.add_argument("company_id")
    s.add_argument("version", type=int)
    s.add_argument("--by", help="who restores (default: the OS user)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=restore)

    prof = sub.choices["profile"]
    prof.add_argument("--period", type=int, metavar="YEAR", help="reporting year of the profile (default: the latest)")
    prof.add_argument("--against", type=int, metavar="YEAR",
                      help="also the change against another reporting year, by supplier, material and stage")
    prof.set_defaults(handler=profile)

    imp = sub.choices["import"]
    imp.add_argument("--strict", action="store_true",
                     help="plausibility warnings (implausible_intensity) are errors: nothing is stored")
    imp.add_argument("--by", help="who imports, for the archive (default: the OS user)")


def history(args) -> int:
    """``lca suppliers history COMPANY``: versions with period, import time, who, file and sha256."""
    from ..supply import history as hist

    found = hist.history(project(args), args.company_id)
    if args.json:
        out(dumps({"company_id": args.company_id, "history": found}))
        return 0
    out("version\tperiod\timported\tby\tfile\tsha256\tactive")
    for e in found:
        out(f"{e['version']}\t{e['period']}\t{e['imported']}\t{e['by']}\t{e['file']}\t{e['sha256']}\t"
            f"{'active' if e['active'] else ''}")
    return 0


def diff(args) -> int:
    """``lca suppliers diff COMPANY [OLD NEW]``: what changed and its effect on the totals."""
    from ..errors import InputError
    from ..supply import history as hist

    if len(args.versions) not in (0, 2):
        raise InputError("give two versions (OLD NEW) or none (the two latest); see lca suppliers history "
                         f"{args.company_id}")
    old, new = (args.versions or [None, None])
    d = hist.diff(project(args), args.company_id, old, new, method=args.method)
    if args.json:
        out(dumps(d))
        return 0
    out(f"{d['company_id']}: version {d['old']} ({d['old_period']}) -> {d['new']} ({d['new_period']})")
    for kind in ("added", "removed"):
        for r in d[kind]:
            out(f"  {kind}: {r['sheet']} {r['key']}")
    for r in d["changed"]:
        fields = ", ".join(f"{k} {v[0]!r} -> {v[1]!r}" for k, v in r["fields"].items())
        out(f"  changed: {r['sheet']} {r['key']}: {fields}")
    out(f"effect on totals [{d['score_unit']} per declared amount]:")
    for ref, v in d["effect"].items():
        out(f"  {ref}\t{v:+.6g}")
    return 0


def restore(args) -> int:
    """``lca suppliers restore COMPANY VERSION``: put an archived version back."""
    from ..supply import history as hist

    done = hist.restore(project(args), args.company_id, args.version, by=args.by)
    out(dumps(done) if args.json else f"restored {args.company_id} version {args.version}")
    return 0


def profile(args) -> int:
    """``lca profile PRODUCT [--period YEAR] [--against YEAR]``: one period's profile, and its change."""
    from . import supply

    if args.against is None:
        return supply.profile(args)
    from ..supply import periods

    proj = project(args)
    new = proj.profile(args.product, method=args.method, allow_incomplete=args.allow_incomplete, period=args.period)
    old = proj.profile(args.product, method=args.method, allow_incomplete=args.allow_incomplete, period=args.against)
    change = periods.against(new, old)
    if args.excel:
        new.to_excel(args.excel)
    if args.json:
        out(dumps({**new.to_dict(), "against": change}))
        return 0
    out(new.summary())
    t = change["total"]
    out(f"\nchange {change['against']} -> {change['period']} [{change['score_unit']} per declared amount]: "
        f"{t['old']:.6g} -> {t['new']:.6g} ({t['change']:+.6g})")
    for dim in ("by_supplier", "by_material", "by_stage"):
        out(f"  {dim[3:]}:")
        for label, v in change[dim].items():
            out(f"    {label}\t{v['old']:.6g}\t{v['new']:.6g}\t{v['change']:+.6g}")
    return 0
