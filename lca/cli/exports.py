"""Export command: ``lca export DATABASE --format olca-jsonld|bw-excel OUT`` (:mod:`lca.exports`)."""
from __future__ import annotations

from .common import dumps, out


def register(sub) -> None:
    """Add ``lca export`` to the ``lca`` sub-parsers."""
    s = sub.add_parser("export", help="write a database as openLCA JSON-LD (zip) or bw2io Excel, to re-run elsewhere")
    s.add_argument("database", metavar="DATABASE", help="background, suppliers, models or an imported background")
    s.add_argument("--format", required=True, choices=["olca-jsonld", "bw-excel"], dest="fmt")
    s.add_argument("out", metavar="OUT", help="the file to write (.zip for olca-jsonld, .xlsx for bw-excel)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=export)


def export(args) -> int:
    from ..project import open_project

    res = open_project(args.project).export(args.database, args.fmt, args.out)
    out(dumps(res) if args.json else f"wrote {res['path']}: {res['processes']} processes, {res['exchanges']} "
        f"exchanges ({args.fmt}; databases {', '.join(res['databases'])})")
    return 0
