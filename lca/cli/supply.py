"""Supplier-data commands: ``lca template``, ``import``, ``suppliers``, ``withdraw``, ``profile``."""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import InputError
from .common import computing, dumps, out, project


def register(sub) -> None:
    """Add the supplier-data commands to the ``lca`` sub-parsers."""
    s = sub.add_parser("template", help="blank supplier workbook")
    s.add_argument("out")
    s.add_argument("--lang", choices=["en", "zh", "both"], default="both")
    s.add_argument("--force", action="store_true", help="overwrite an existing file")
    s.set_defaults(handler=template)

    s = sub.add_parser("import", help="validate and store supplier workbooks (or PACT JSON)")
    s.add_argument("files", nargs="+")
    s.add_argument("--dry-run", action="store_true")
    s.add_argument("--annotate", metavar="OUT.xlsx")
    s.add_argument("--lang", choices=["en", "zh"], help="language of messages and the annotated copy "
                                                      "(default: the workbook's)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=import_files)

    s = sub.add_parser("suppliers", help="expected suppliers: answered, stale or missing, with their submissions")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=suppliers)

    s = sub.add_parser("withdraw", help="withdraw one company's submission (atomic; rebuilds the suppliers database)")
    s.add_argument("company_id")
    s.add_argument("--period", type=int, metavar="YEAR", help="only this reporting year's submission")
    s.add_argument("--by", help="who withdraws, for the archive log (default: the OS user)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=withdraw)

    s = computing(sub, "profile", help="supply-chain carbon profile of an imported product")
    s.add_argument("product", help="COMPANY_ID/PRODUCT_ID")
    s.add_argument("--method", default="GWP100")
    s.add_argument("--json", action="store_true")
    s.add_argument("--excel", metavar="OUT.xlsx")
    s.add_argument("--plot", metavar="OUT.png")
    s.add_argument("--lang", choices=["en", "zh"], default="en", help="language of the chart's own words")
    s.add_argument("--pact", metavar="OUT.json")
    s.add_argument("--allow-incomplete", action="store_true")
    s.set_defaults(handler=profile)


def template(args) -> int:
    """``lca template OUT.xlsx``: a blank supplier workbook (never overwrites without ``--force``)."""
    from ..supply.template import write_template

    if Path(args.out).exists() and not args.force:
        raise InputError(f"{args.out} exists: refusing to overwrite it (it may be a filled workbook); "
                         "choose another name or add --force")
    write_template(Path(args.out), lang=args.lang)
    out(f"wrote {args.out}")
    return 0


def import_files(args) -> int:
    """``lca import FILE...``: validate and store supplier workbooks; exit 2 on any error."""
    report = project(args).import_files([Path(f) for f in args.files], dry_run=args.dry_run,
                                        annotate=args.annotate, lang=args.lang,
                                        strict=getattr(args, "strict", False), by=getattr(args, "by", None))
    if args.json:
        out(dumps(report.to_dict()))
    elif report.ok:
        out(report.summary())
    else:  # a refused import is an error: its report goes to stderr (README: errors on stderr)
        sys.stderr.write(report.summary() + "\n")
    return 0 if report.ok else 2


def suppliers(args) -> int:
    """``lca suppliers``: every expected supplier with its state (answered, stale, missing) and submission."""
    from ..supply import roster

    rows = roster.roster(project(args))
    stored = [r for r in rows if r["state"] != "missing"]
    missing = [r for r in rows if r["state"] == "missing"]
    if args.json:
        out(dumps({"suppliers": stored, "missing": missing}))
        return 0
    out("company_id\tstate\tcompany_name\tperiod\tfile\tstored_at\tproducts\treferenced_by")
    for s in stored:
        out(f"{s['company_id']}\t{s['state']}\t{s['company_name']}\t{s['reporting_period_start']}.."
            f"{s['reporting_period_end']}\t{s['source_file']}\t{s['stored_at']}\t{', '.join(s['products'])}\t"
            f"{', '.join(s['referenced_by'])}")
    for s in missing:
        out(f"{s['company_id']}\tmissing\t\t\t\t\t{', '.join(s['products'])}\t{', '.join(s['referenced_by'])}")
    return 0


def withdraw(args) -> int:
    """``lca withdraw COMPANY_ID``: withdraw one company's submission atomically."""
    from ..supply import store

    users = store.withdraw(project(args), args.company_id, by=args.by, period=args.period)
    if args.json:
        out(dumps({"withdrawn": args.company_id, "unresolved_users": users}))
    else:
        out(f"withdrew {args.company_id}" + (f"; now unresolved: {', '.join(users)}" if users else ""))
    return 0


def profile(args) -> int:
    """``lca profile COMPANY/PRODUCT``: the supply-chain carbon profile and its reports."""
    from ..files import atomic_write_text

    prof = project(args).profile(args.product, method=args.method, allow_incomplete=args.allow_incomplete,
                                 period=getattr(args, "period", None))
    if args.excel:
        prof.to_excel(args.excel)
    if args.plot:
        prof.plot(args.plot, lang=args.lang)
    if args.pact:
        atomic_write_text(Path(args.pact), dumps(prof.to_pact(), indent=2))
    out(dumps(prof.to_dict()) if args.json else prof.summary())
    return 0
