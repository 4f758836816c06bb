"""Background commands: ``lca background import|list|remove`` (ecoinvent releases, Brightway databases)."""
from __future__ import annotations

import sys

from ..errors import InputError
from .common import dumps, out


def register(sub) -> None:
    """Add ``lca background ...`` to the ``lca`` sub-parsers."""
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
    a.add_argument("--allocate", choices=["economic", "mass"], help="split multi-output datasets of a copied "
                   "database by this rule (the products' price or mass property)")
    a.add_argument("--with-linked", action="store_true", help="copy --database with the databases of --bw-project "
                   "it links to (dependencies first; all or nothing)")
    a.add_argument("--mapping", metavar="FILE.csv", help="material mapping (default: the release's in "
                   "inventories/mappings)")
    a.add_argument("--release", help="ecoinvent release of a copied database, e.g. 3.10 (for its mapping)")
    a.add_argument("--flow-map", metavar="FILE.csv", help="release_uuid,ecoinvent_uuid: the ecoinvent 3.9 flow "
                   "whose IPCC 2021 / EF 3.1 factors a new release flow gets")
    a.add_argument("--json", action="store_true")
    a.set_defaults(handler=import_background)
    ls = bsub.add_parser("list", help="the open background and the imported ones")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=list_backgrounds)
    rm = bsub.add_parser("remove", help="delete an imported background (refused while anything links to it)")
    rm.add_argument("name", metavar="NAME")
    rm.add_argument("--json", action="store_true")
    rm.set_defaults(handler=remove_background)


def import_background(args) -> int:
    """``lca background import DIR --name NAME`` (or ``--brightway-dir D --bw-project P --database DB``)."""
    from ..project import open_project

    if args.brightway_dir is None and not args.dir:
        raise InputError("give the release folder (lca background import DIR --name NAME) or --brightway-dir")
    if args.brightway_dir is None and not args.name:
        raise InputError("give --name NAME for the imported background")
    proj = open_project(args.project)
    res = proj.import_background(args.dir, name=args.name, brightway_dir=args.brightway_dir,
                                 bw_project=args.bw_project, database=args.database, mapping=args.mapping,
                                 release=args.release, flow_map=args.flow_map, with_linked=args.with_linked,
                                 allocate=args.allocate,
                                 progress=sys.stderr.isatty() or not args.json)
    if args.json:
        out(dumps(res.to_dict()))
    else:
        out(f"imported {res.name}: {res.datasets} datasets, {res.exchanges} exchanges from {res.source} "
            f"(release {res.release or 'unknown'}, {res.system_model or 'unknown system model'}) in "
            f"{res.seconds:.1f} s; {len(res.new_flows)} new elementary flow(s) added to biosphere3 "
            f"({sum(1 for f in res.new_flows if f.get('characterized_as'))} characterized as their ecoinvent "
            "3.9 flow)")
    return 0


def list_backgrounds(args) -> int:
    """``lca background list [--json]``: ``[{name, kind, source, release, system_model, mapping, datasets, ...}]``
    (``Project.info()["backgrounds"]``)."""
    from ..project import open_project

    rows = [{"name": name, **meta} for name, meta in open_project(args.project).info()["backgrounds"].items()]
    if args.json:
        out(dumps(rows))
    else:
        for r in rows:
            rel = f"release {r['release']}" if r.get("release") else r["kind"]
            out(f"{r['name']}\t{rel}\t{r.get('datasets') or 0} datasets\t{r.get('source') or ''}")
    return 0


def remove_background(args) -> int:
    """``lca background remove NAME``: atomic, refused (naming them) while activities link to it."""
    from ..project import open_project

    res = open_project(args.project).remove_background(args.name)
    out(dumps(res) if args.json else f"removed background {res['name']} ({res['datasets']} datasets)")
    return 0
