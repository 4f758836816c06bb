"""A database as bw2io's Excel (``bw2io.export.excel.write_lci_excel``), the file bw2io's ExcelImporter reads back."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .. import brightway


def write(project, database: str, out: Path) -> dict:
    """Write ``database`` with bw2io's Excel writer to ``out`` (via a temporary directory beside it)."""
    from bw2io.export.excel import write_lci_excel

    bd = project.activate()
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".lca-export-") as tmp:
        with brightway.quiet():
            path = write_lci_excel(database, dirpath=tmp)
        os.replace(path, out)
    acts = bd.Database(database)
    n_exc = sum(len(a.get("exchanges", ())) for a in acts.load().values())
    return {"database": database, "format": "bw-excel", "path": str(out), "databases": [database],
            "processes": len(acts), "exchanges": n_exc}
