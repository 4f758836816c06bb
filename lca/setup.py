"""Offline project set-up: biosphere3, the LCIA methods bw2io ships, the open background database.

:func:`setup` is what :meth:`lca.project.Project.setup` does: idempotent, under the
project's write lock, repairing what a killed earlier set-up left. The functions
take the project as their first argument and use only its store interface
(``lock``, ``activate``, ``write_database``, the pending marks); this module does
not import :mod:`lca.project`.
"""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from . import brightway, inventory
from .errors import IntegrityError
from .methods import METHOD_FAMILIES

BW_PROJECT = "green-lca"  # the Brightway project inside a project's ``brightway/`` directory


def is_set_up(project) -> bool:
    """Whether ``project`` was set up with the current ``inventories/`` and no write is pending."""
    state = project._state()
    return (
        state.get("setup_complete") is True
        and state.get("inventories_version") == inventory.inventories_version()
        and not state.get("pending")
    )


def setup(project, force: bool = False):
    """Set ``project`` up offline and idempotently (see :meth:`lca.project.Project.setup`); return it."""
    if not force and is_set_up(project):
        project.activate()
        project._check_integrity()
        return project
    with project.lock():
        bd = project.activate()
        state = project._state()
        if inventory.BIOSPHERE_DB not in bd.databases or inventory.BIOSPHERE_DB in project._pending():
            write_biosphere(project)
        write_methods(bd)
        if (
            force
            or state.get("inventories_version") != inventory.inventories_version()
            or inventory.BACKGROUND_DB not in bd.databases
            or inventory.BACKGROUND_DB in project._pending()
        ):
            write_background(project)
        for pending in project._pending():
            project._rebuild(pending)
        project._bump(setup_complete=True, inventories_version=inventory.inventories_version(),
                      bw_project=BW_PROJECT)
        project._check_integrity(repair=True)
    return project


def write_biosphere(project) -> None:
    """(Re)write biosphere3 from bw2io's shipped flow list, marked pending while it is written."""
    import bw2io

    bd = project.activate()
    project._set_pending(inventory.BIOSPHERE_DB, True)
    with brightway.quiet():
        if inventory.BIOSPHERE_DB in bd.databases:  # a killed earlier attempt: start again
            del bd.databases[inventory.BIOSPHERE_DB]
        bw2io.create_default_biosphere3()
    project._set_pending(inventory.BIOSPHERE_DB, False)


def write_methods(bd) -> None:
    """IPCC 2021 and EF v3.1 from bw2io's shipped LCIA data (flow keys converted to tuples)."""
    import bw2io

    wanted = [m for m in shipped_methods() if m["name"][0] in METHOD_FAMILIES]
    # a method registered by a writer killed before its data file was written is redone
    missing = [m for m in wanted if m["name"] not in bd.methods or not method_ok(bd, m["name"])]
    if not missing:
        return
    with brightway.quiet():
        for m in missing:
            method = bd.Method(m["name"])
            method.register(unit=m.get("unit"), description=m.get("description", ""),
                            source="bw2io " + bw2io.__version__ if hasattr(bw2io, "__version__") else "bw2io")
            method.write([(tuple(e["input"]), float(e["amount"])) for e in m["exchanges"]])


def write_background(project) -> None:
    """(Re)write the open background database from ``inventories/`` (validated, journaled)."""
    bg = inventory.load_background()
    data = inventory.brightway_datasets(bg, project.biosphere_codes())
    project.write_database(inventory.BACKGROUND_DB, data)


def biosphere_codes(project) -> dict[str, str]:
    """Flow alias (``flows.csv``) -> biosphere3 code, read from the project's biosphere3.

    Raises
    ------
    lca.IntegrityError
        A flow of ``flows.csv`` is not in biosphere3 (the fix: ``lca init``).
    """
    project.activate()
    from bw2data.backends import ActivityDataset as AD

    by_key: dict[tuple, list[str]] = {}
    for alias, f in inventory.flows().items():
        by_key.setdefault((f.name, f.categories), []).append(alias)
    out: dict[str, str] = {}
    for row in AD.select(AD.code, AD.name, AD.data).where(AD.database == inventory.BIOSPHERE_DB):
        for alias in by_key.get((row.name, tuple(row.data.get("categories", ()))), ()):
            out[alias] = row.code
    missing = sorted(set(inventory.flows()) - set(out))
    if missing:
        raise IntegrityError(f"biosphere3 lacks flows {missing}; run `lca init` to rebuild")
    return out


def method_ok(bd, name: tuple) -> bool:
    """The method's data file exists and loads (a writer may have been killed after registering it)."""
    try:
        return bool(bd.Method(name).load())
    except Exception:
        return False


_SHIPPED: list = []


def shipped_methods() -> list[dict]:
    """The LCIA methods in bw2io's ``lcia_39_ecoinvent.zip``, names as tuples (read once per process)."""
    if not _SHIPPED:
        import bw2io

        fp = Path(bw2io.__file__).parent / "data" / "lcia" / "lcia_39_ecoinvent.zip"
        with zipfile.ZipFile(fp) as zf:
            data = json.load(io.TextIOWrapper(zf.open("data.json"), encoding="utf-8"))
        for m in data:
            m["name"] = tuple(m["name"])
        _SHIPPED.extend(data)
    return _SHIPPED
