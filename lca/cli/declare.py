"""Declaration command: ``lca declare`` (battery carbon footprint declaration, verifier's package, passport)."""
from __future__ import annotations

from .common import add_model_options, computing, dumps, one_target, out, project


def register(sub) -> None:
    """Add ``lca declare`` to the ``lca`` sub-parsers."""
    s = computing(sub, "declare", help="battery carbon footprint declaration (MIIT 2025, EU Art. 7 draft, JRC)")
    s.add_argument("target", nargs="?", help="an imported pack COMPANY_ID/PRODUCT_ID")
    add_model_options(s)
    s.add_argument("--rules", required=True, metavar="NAME|FILE",
                   help="rule set: cn-miit-2025, eu-2024-draft, jrc-2023, or your own FILE.toml")
    s.add_argument("--usable-kwh", type=float, metavar="X", help="usable energy capacity at beginning of life [kWh]")
    s.add_argument("--cycles-per-year", type=float, metavar="N", help="full equivalent cycles per year")
    s.add_argument("--vehicle-category", metavar="C", help="vehicle category of the rule set (M1, N1, L, M2...)")
    s.add_argument("--service-years", type=float, metavar="Y", help="service life [years]")
    s.add_argument("--cycle-life", type=float, metavar="N", help="full cycles the battery lasts (caps the lifetime)")
    s.add_argument("--capacity-kwh", type=float, metavar="X",
                   help="nominal kWh of one battery, for a pack declared per kWh")
    s.add_argument("--kind", action="append", default=[], metavar="COMPANY/PRODUCT=KIND",
                   help="process kind of a supplier product whose name does not say it (e.g. =active_material)")
    s.add_argument("--draft", action="store_true",
                   help="give a result marked 'not declarable' instead of refusing missing primary data")
    s.add_argument("--uncertainty", type=int, metavar="N", help="Monte Carlo samples (p5, p50, p95)")
    s.add_argument("--seed", type=int)
    s.add_argument("--lang", choices=("zh", "en", "both"), default="en")
    s.add_argument("--json", action="store_true")
    s.add_argument("--excel", metavar="OUT.xlsx", help="the verifier's package (English | 中文)")
    s.add_argument("--passport", metavar="OUT.json", help="battery passport carbon-footprint attributes")
    s.add_argument("--study-url", metavar="URL", help="web link of the public carbon footprint study (passport)")
    s.set_defaults(handler=declare)


def _kinds(items: list[str]) -> dict:
    from ..errors import InputError

    kinds = {}
    for item in items:
        if "=" not in item:
            raise InputError(f"--kind {item!r}: write COMPANY_ID/PRODUCT_ID=KIND, e.g. --kind CAM1/p1=active_material")
        k, v = item.split("=", 1)
        kinds[k.strip()] = v.strip()
    return kinds


def declare(args) -> int:
    """``lca declare TARGET | --model NAME --rules NAME|FILE``: the declaration, its package and passport."""
    from ..errors import InputError

    try:
        return _declare(args)
    except InputError as exc:
        if args.lang != "zh":
            raise
        from ..declare_messages import zh

        raise InputError(zh(str(exc)), exc.issues) from None


def _declare(args) -> int:
    target = one_target(args)
    d = project(args).declare(
        target, rules=args.rules, usable_kwh=args.usable_kwh, cycles_per_year=args.cycles_per_year,
        vehicle_category=args.vehicle_category, service_years=args.service_years, cycle_life=args.cycle_life,
        capacity_kwh=args.capacity_kwh, draft=args.draft, uncertainty=args.uncertainty, seed=args.seed,
        kinds=_kinds(args.kind))
    d.study_url = args.study_url
    passport = d.to_passport() if args.passport else None  # refused for a not-declarable draft, before any file
    if passport is not None:
        from ..report.passport import placeholder_warning

        if w := placeholder_warning(d):
            d.warnings.append(w)
    text = dumps(d.to_dict())  # refuses NaN before anything is written
    if args.excel:
        d.to_excel(args.excel, lang="both")  # the verifier's package is always bilingual
    if args.passport:
        from ..files import atomic_write_text

        atomic_write_text(args.passport, dumps(passport, indent=2))
    out(text if args.json else d.summary(lang=args.lang))
    return 0
