"""A database as bw2io's Excel (the layout of ``bw2io.export.excel.write_lci_excel``), the file bw2io's ExcelImporter reads back.

bw2io's own writer asks SQLite for each activity's exchanges and for each exchange's input node
(one query per exchange: 24 s of a 36 s export of the open background, measured with py-spy).
Here the rows come from bw2io's own formatter (:class:`bw2io.export.csv.CSVFormatter`, so the
columns, their order and the cell formats are bw2io's), fed from one load of the database, one
read of the input nodes of each database it links to and one query of its activity parameters;
the cells are written as ``write_lci_excel`` writes them (xlsxwriter, bold section rows).
"""
from __future__ import annotations

import numbers
import os
import tempfile
from pathlib import Path

from .. import brightway
from ..errors import InputError

_HIGHLIGHTED = {"Activity", "Database", "Exchanges", "Parameters", "Database parameters", "Project parameters"}
_INPUT_FIELDS = ("name", "unit", "location", "categories")  # what bw2io copies from an exchange's input node


def _formatter(bd, database: str):
    """bw2io's CSVFormatter over ``database``, its per-exchange and per-activity queries answered from memory."""
    from bw2data.parameters import ActivityParameter
    from bw2io.export.csv import CSVFormatter

    data = bd.Database(database).load()
    acts = []
    for key, d in data.items():
        d = dict(d)
        d["database"], d["code"] = key
        acts.append(d)
    acts.sort(key=lambda d: d.get("name") or "")  # bw2io orders the activities by name
    linked = {tuple(e["input"])[0] for d in acts for e in d.get("exchanges", ())}
    nodes = {key: {k: d[k] for k in _INPUT_FIELDS if d.get(k)} for key, d in data.items()}
    for other in sorted(linked - {database}):
        if other in bd.databases:
            for key, d in bd.Database(other).load().items():
                nodes[key] = {k: d[k] for k in _INPUT_FIELDS if d.get(k)}
    params: dict[tuple, list] = {}
    for p in ActivityParameter.select().where(ActivityParameter.database == database):
        params.setdefault((p.database, p.code), []).append(p)

    class Formatter(CSVFormatter):
        def get_exchanges(self, act):
            exchanges = []
            for e in act.get("exchanges", ()):
                row = {k: v for k, v in e.items() if k not in ("input", "output")}
                inp = tuple(e["input"])
                if inp not in nodes:  # bw2io's writer fails here too (its exchange has no input node)
                    raise InputError(f"database {database!r}, dataset {act.get('code')!r}: an exchange's input "
                                     f"{inp} is in no database of this project, so the export could not name it; "
                                     "run `lca init --repair` (it restores the databases green-lca provides) or re-import that database")
                row.update(nodes[inp])
                exchanges.append(row)
            exchanges.sort(key=lambda x: (x.get("type"), x.get("name")))
            return self.order_dicts(exchanges)

        def get_activity_parameters(self, act):
            found = params.get((act["database"], act["code"]))
            if not found:
                return {}
            dct = self.order_dicts([p.dict for p in found], "parameter")
            dct["group"] = found[0].group
            return dct

    return Formatter(database, objs=acts)


def write(project, database: str, out: Path) -> dict:
    """Write ``database`` in bw2io's Excel layout to ``out`` (via a temporary directory beside it)."""
    import xlsxwriter
    from bw2io.export.excel import create_valid_worksheet_name

    bd = project.activate()
    with brightway.quiet():
        formatter = _formatter(bd, database)
        rows = formatter.get_formatted_data()
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".lca-export-") as tmp:
        path = Path(tmp) / "export.xlsx"
        workbook = xlsxwriter.Workbook(str(path))
        bold = workbook.add_format({"bold": True})
        bold.set_font_size(12)
        sheet = workbook.add_worksheet(create_valid_worksheet_name(database))
        for r, row in enumerate(rows):
            style = bold if row and row[0] in _HIGHLIGHTED else None
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, numbers.Number):
                    sheet.write_number(r, c, value, style)
                elif isinstance(value, str):
                    sheet.write_string(r, c, value, style)
        workbook.close()
        os.replace(path, out)
    acts = formatter.objs
    return {"database": database, "format": "bw-excel", "path": str(out), "databases": [database],
            "processes": len(acts), "exchanges": sum(len(a.get("exchanges", ())) for a in acts)}
