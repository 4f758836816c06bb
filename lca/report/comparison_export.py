"""Comparison exports: the side-by-side table of a comparison as CSV and as an Excel workbook.

Reads a :class:`lca.compare.Comparison` by its attributes. One row per target with full
column names: label, basis (one amount rule: ``per kWh``, ``per pack (75 kWh)``), unit,
amount, total, difference and ratio to the first, the model's other units (per pack, per
m2, per module), each stage, and with Monte Carlo the percentiles, P(lower than the first)
and a flag where the static and Monte Carlo rankings disagree. The workbook adds a sheet of
``pairs`` (P(row < column)) and the disagreements in words. Text is written as text (never a
formula: lca.report.excel.put).
"""
from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from ..files import atomic_write, atomic_write_text


def _header_and_rows(cmp) -> tuple[list[str], list[list]]:
    unit = cmp.score_unit
    flagged = {i for d in cmp.disagreements() for i in d}
    extras = [c for c in ("per pack", "per kg pack", "per m2", "per module", "per kWh generated")
              if c in cmp.frame.columns]
    header = ["target", "basis", "unit", "amount", f"total [{unit}]", f"per unit [{unit}]",
              f"difference to the first [{unit}]", "ratio to the first"]
    header += [f"{c} [{unit}]" for c in extras] + [f"{s[7:]} [{unit}]" for s in cmp.stages]
    mc = cmp.samples is not None
    if mc:
        header += [f"Monte Carlo p5 [{unit}]", f"Monte Carlo median [{unit}]", f"Monte Carlo p95 [{unit}]",
                   "P(lower than the first)", "static and Monte Carlo rankings disagree"]
    rows = []
    for i, (label, (_, r)) in enumerate(zip(cmp.labels, cmp.frame.iterrows())):
        row = [label, r["basis"], str(r["unit"]), float(r["amount"]), float(r["total"]), float(r["per_unit"]),
               float(r["difference_to_first"]), None if math.isnan(r["ratio_to_first"]) else float(r["ratio_to_first"])]
        row += [None if math.isnan(r[c]) else float(r[c]) for c in extras]
        row += [float(r[s]) for s in cmp.stages]
        if mc:
            u = cmp.uncertainty_of(i)
            row += [u["p5"], u["median"], u["p95"], u["p_lower"], "yes" if i in flagged else "no"]
        rows.append(row)
    return header, rows


def write_csv(cmp, path: Path) -> Path:
    """The comparison table as CSV (UTF-8 with a byte-order mark, as spreadsheets read it)."""
    header, rows = _header_and_rows(cmp)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    return atomic_write_text(path, "\ufeff" + buf.getvalue(), encoding="utf-8")


def write_excel(cmp, path: Path) -> Path:
    """The comparison as a workbook: ``comparison`` (the table), with Monte Carlo ``pairs`` and ``notes``."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from .excel import NUMBER, put

    def _table(ws, start_row, head, rows, formats):
        for j, h in enumerate(head, start=1):
            put(ws, start_row, j, h).font = Font(bold=True)
        for i, r in enumerate(rows, start=start_row + 1):
            for j, v in enumerate(r, start=1):
                put(ws, i, j, v, formats.get(j))

    def _finish(ws, widths, _title, header_row):
        for col, width in widths.items():
            ws.column_dimensions[col].width = width
        ws.freeze_panes = ws.cell(row=header_row + 1, column=2)

    header, rows = _header_and_rows(cmp)
    wb = Workbook()
    ws = wb.active
    ws.title = "comparison"
    title = cmp.title() if hasattr(cmp, "title") else "comparison"
    put(ws, 1, 1, title)
    _table(ws, 2, header, rows, {j: NUMBER for j in range(4, len(header) + 1)})
    _finish(ws, {"A": 36, "B": 20, "C": 16}, title, header_row=2)
    pairs = cmp.pairs()
    if pairs is not None:
        wp = wb.create_sheet("pairs")
        put(wp, 1, 1, "P(row < column), paired Monte Carlo draws")
        _table(wp, 2, ["target"] + list(cmp.labels),
               [[lbl] + [float(v) for v in row] for lbl, row in zip(cmp.labels, pairs)],
               {j: "0.000" for j in range(2, len(cmp.labels) + 2)})
        _finish(wp, {"A": 36}, title, header_row=2)
        wn = wb.create_sheet("notes")
        notes = cmp.disagreement_notes() or ["the static and Monte Carlo rankings agree for every pair"]
        for i, note in enumerate(notes, start=1):
            put(wn, i, 1, note)
        wn.column_dimensions["A"].width = 160
    return atomic_write(path, lambda tmp: wb.save(tmp))
