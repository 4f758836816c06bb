"""Removing an imported background nothing depends on, atomically under the project's lock.

``lca background remove NAME`` deletes an imported background
under the project's write lock; it is refused while anything links to it (an activity of
another database -- a model, a supplier product, a foreground imported with it -- with an
exchange from it), naming those activities. The removal is marked pending in the project
state first, so a removal stopped half-way is completed by the next command
(:func:`lca.integrity.rebuild`: a pending database without a source is deleted). The
elementary flows an import added to ``biosphere3`` stay (other databases may use them).
"""
from __future__ import annotations

from .. import brightway, hooks, inventory
from ..errors import InputError
from .release import TMP_SUFFIX, backgrounds

MAX_NAMED = 10


def dependents(bd, name: str) -> list[tuple[str, str, str]]:
    """(database, code, name) of the activities of other databases that have an exchange from ``name``."""
    from bw2data.backends import ActivityDataset as AD
    from bw2data.backends import ExchangeDataset as ED

    keys = sorted({(db, code) for db, code in ED.select(ED.output_database, ED.output_code).where(
        (ED.input_database == name) & (ED.output_database != name)).tuples()})
    out = []
    for db, code in keys:
        row = AD.select(AD.name).where((AD.database == db) & (AD.code == code)).tuples().first()
        out.append((db, code, row[0] if row else ""))
    return out


def remove(project, name: str) -> dict:
    """Delete imported background ``name`` (see module docstring); ``{name, datasets}`` of what was removed."""
    name = str(name or "").strip()
    if name == inventory.BACKGROUND_DB:
        raise InputError("the open background 'background' is green-lca's own and cannot be removed; "
                         "remove an imported one (lca background list)")
    with project.lock():
        bd = project.activate()
        have = backgrounds(bd)
        if name not in have or name.endswith(TMP_SUFFIX):
            raise InputError(f"background {name!r} is not imported in this project; imported backgrounds: "
                             f"{', '.join(sorted(have)) or 'none'}")
        deps = dependents(bd, name)
        linked = sorted(n for n in bd.databases if n != name and name in (bd.databases[n].get("depends") or ()))
        if deps or linked:
            shown = ", ".join(f"{db}:{code} ({nm})" for db, code, nm in deps[:MAX_NAMED])
            more = f" (and {len(deps) - MAX_NAMED} more)" if len(deps) > MAX_NAMED else ""
            dbs = sorted({db for db, _, _ in deps} | set(linked))
            raise InputError(f"background {name!r} cannot be removed: {len(deps)} activit(ies) of "
                             f"{', '.join(dbs)} link to it{': ' + shown + more if shown else ''}. Remove or "
                             "re-link those first (withdraw the supplier, delete the database); nothing was "
                             "changed")
        datasets = have[name].get("datasets")
        project.state.set_pending(name, True)  # a removal stopped half-way is completed by the next command
        try:
            with brightway.quiet():
                del bd.databases[name]
        finally:
            project.forget_caches()
        project.state.set_pending(name, False)
    return {"name": name, "datasets": datasets}


hooks.provide("remove_background", remove)  # Project.remove_background answers through this (lca.hooks)
