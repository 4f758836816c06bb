"""Copying a Brightway database together with the databases it links to: dependencies first, all or nothing.

``lca background import --brightway-dir D --bw-project P --database FG --with-linked`` copies ``FG``
and every database of ``P`` it links to (transitively; the biosphere databases are linked by flow
code as for one database). Each is checked and swapped in by :func:`lca.background.release.import_brightway`,
the databases ``FG`` links to first, each under its own name (``FG`` under ``--name``), with its
exchanges from those databases pointing at their copies; one copied before from the same source is
linked to as it is. If any of them is refused, the ones this call added are removed again (nothing
depends on them yet): the project is as it was. Databases
that link to each other in a loop cannot be copied one after the other and are refused.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from . import manage, release
from .release import check_name

BIOSPHERE_TYPES = {"emission", "natural resource", "inventory indicator", "economic", "social"}


def source_links(project, base: Path, bw_project: str, database: str) -> dict[str, list[str]]:
    """Database -> the databases (not biosphere) it links to, for ``database`` and all it reaches in ``bw_project``."""
    import bw2data as bd

    from .. import brightway

    if bw_project not in release.bw_project_names(base):
        raise InputError(f"Brightway project {bw_project!r} is not in {base}")
    project.activate()
    try:
        brightway.point_elsewhere(base, bw_project)
        out, todo = {}, [database]
        while todo:
            db = todo.pop()
            if db in out:
                continue
            if db not in bd.databases:
                raise InputError(f"database {db!r} is not in Brightway project {bw_project!r} ({base})")
            from bw2data.backends import ExchangeDataset as ED

            inputs = {d for (d,) in ED.select(ED.input_database).where(ED.output_database == db).distinct().tuples()}
            bio = {n for n in inputs if _types(n) <= BIOSPHERE_TYPES}
            out[db] = sorted(inputs - {db} - bio)
            todo.extend(out[db])
        return out
    finally:
        brightway.forget_pointing()
        project.activate()


def _types(db: str) -> set:
    from bw2data.backends import ActivityDataset as AD

    return {t for (t,) in AD.select(AD.type).where(AD.database == db).distinct().tuples()}


def order(graph: dict[str, list[str]], root: str) -> list[str]:
    """The databases in the order they can be copied (what a database links to before it); InputError on a loop."""
    done, out, stack = set(), [], set()

    def visit(db):
        if db in done:
            return
        if db in stack:
            raise InputError(f"databases {', '.join(sorted(stack))} link to each other in a loop; they cannot be "
                             "copied one after the other: merge them into one database in the source project")
        stack.add(db)
        for d in graph.get(db, ()):
            visit(d)
        stack.discard(db)
        done.add(db)
        out.append(db)

    visit(root)
    return out


def import_with_linked(project, brightway_dir, bw_project: str, database: str, name: str | None = None,
                       progress: bool = False, mapping=None, release: str | None = None, allocate=None):
    """Copy ``database`` and the databases it links to (see module docstring); the import of ``database``,
    its ``linked`` listing the others (dependencies first)."""
    from .release import backgrounds, import_brightway
    base = Path(brightway_dir).expanduser()
    graph = source_links(project, base, bw_project, database)
    names = {db: (name or db) if db == database else db for db in graph}
    for db, target in names.items():
        check_name(target)
    done, fresh = [], []
    have = backgrounds(project.activate())
    try:
        for db in order(graph, database):
            source = f"{base.resolve()}::{bw_project}::{db}"
            if db != database and have.get(names[db], {}).get("source") == source:
                continue  # copied from the same source before: linked to as it is
            links = {d: names[d] for d in graph[db]}
            done.append(import_brightway(project, base, bw_project, db, name=names[db], progress=progress,
                                         mapping=mapping if db == database else None, release=release, links=links,
                                         allocate=allocate))
            if not done[-1].replaced:
                fresh.append(done[-1].name)
    except BaseException:
        for copied in reversed(fresh):  # new in this call, nothing links to them yet: the project as it was
            manage.remove(project, copied)
        raise
    main = done[-1]
    main.linked = [res.name for res in done[:-1]]
    return main
