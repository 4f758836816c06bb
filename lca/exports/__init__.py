"""Exports a verifier can re-run elsewhere: a database as openLCA JSON-LD (olca-schema) or as bw2io's Excel.

``lca export DATABASE --format olca-jsonld|bw-excel OUT`` (:func:`export`):

- ``olca-jsonld`` (:mod:`lca.exports.olca`): a zip of olca-schema entities (in ``ZipWriter``'s layout) with
  the database's processes, every database they link to (so the zip computes on its own in
  openLCA: a supplier product with the background datasets it buys), their product and
  elementary flows, and one unit group and flow property per Brightway unit;
- ``bw-excel`` (:mod:`lca.exports.bw_excel`): the layout of bw2io's ``write_lci_excel``, fed from one load (the file bw2io's
  ``ExcelImporter`` reads back), of that database alone; its links to other databases are
  by name, reference product, location, unit and database, as bw2io writes them.

Both are written to a temporary file and moved into place; nothing in the project changes.
"""
from __future__ import annotations

from pathlib import Path

from .. import hooks, inventory
from ..errors import InputError

FORMATS = ("olca-jsonld", "bw-excel")


def export(project, database: str, fmt: str, out) -> dict:
    """Write ``database`` of ``project`` in format ``fmt`` to ``out``; ``{database, format, path, databases,
    processes, exchanges}`` of what was written."""
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    bd = project.activate()
    if database not in bd.databases or database == inventory.BIOSPHERE_DB:
        have = sorted(n for n in bd.databases if n != inventory.BIOSPHERE_DB)
        raise InputError(f"unknown database {database!r}; databases that can be exported: {', '.join(have)}")
    out = Path(out).expanduser()
    if not out.parent.is_dir():
        raise InputError(f"cannot write {out}: {out.parent} is not a directory")
    with project.lock(shared=True):
        if fmt == "olca-jsonld":
            from . import olca

            if out.suffix.lower() != ".zip":
                raise InputError(f"{out}: an openLCA JSON-LD export is a .zip file")
            return olca.write(project, database, out)
        from . import bw_excel

        if out.suffix.lower() != ".xlsx":
            raise InputError(f"{out}: a bw2io Excel export is an .xlsx file")
        return bw_excel.write(project, database, out)


hooks.provide("export", export)  # Project.export answers through this (lca.hooks)
