"""Filled-in supplier workbooks from plain data (for examples, tests and benchmarks).

``write_workbook(path, data, lang)`` writes template version 1 sheets with
header cells in English keys (``en``), Chinese labels (``zh``) or
``key | 中文`` (``both``), sheet names to match, and the given rows. ``data`` is
``{"Supplier": {field: value}, "Products": [row dict, ...], "Materials": [...],
"Energy": [...], "Transport": [...], "Emissions": [...], "SupplierPCFs": [...]}``.
Every text cell is written as a string cell (never a formula).
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from ..files import atomic_write
from .sheets import SHEETS, TEMPLATE_VERSION
from .template import header as _head  # the template's header text (key, 中文 or key | 中文)


def _put(ws, row: int, col: int, value) -> None:
    if value is None or value == "":
        return
    cell = ws.cell(row=row, column=col)
    if isinstance(value, (bool, int, float, date)):
        cell.value = value
    else:
        cell.value = str(value)
        cell.data_type = "s"


def write_workbook(path, data: dict, lang: str = "en") -> Path:
    from openpyxl import Workbook

    path = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEETS["Supplier"].zh if lang == "zh" else "Supplier"
    heads = {"en": ("field", "value"), "zh": ("字段", "值"), "both": ("field | 字段", "value | 值")}[lang]
    _put(ws, 1, 1, heads[0])
    _put(ws, 1, 2, heads[1])
    sup = dict(data["Supplier"])
    sup.setdefault("template_version", TEMPLATE_VERSION)
    for r, col in enumerate(SHEETS["Supplier"].columns, start=2):
        _put(ws, r, 1, _head(col, lang))
        _put(ws, r, 2, sup.get(col.key))
    for key in ("Products", "Materials", "Energy", "Transport", "Emissions", "SupplierPCFs"):
        rows = data.get(key)
        if rows is None:
            continue
        spec = SHEETS[key]
        sh = wb.create_sheet(spec.zh if lang == "zh" else key)
        cols = [c for c in spec.columns]
        for j, col in enumerate(cols, start=1):
            _put(sh, 1, j, _head(col, lang))
        for i, row in enumerate(rows, start=2):
            for j, col in enumerate(cols, start=1):
                _put(sh, i, j, row.get(col.key))
    return atomic_write(path, wb.save, fsync=False)
