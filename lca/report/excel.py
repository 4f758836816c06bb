"""Excel report of a carbon profile: a workbook a sustainability team can send on.

Sheets: Summary, one per breakdown (tier, stage, supplier, material, gas,
region) with a native Excel bar chart, Data quality, Declared vs computed (the
supplier-declared PCF beside the computed one), Declared PCFs used, Unresolved
and Warnings.

Safety: every text cell is written as a string, never a formula -- text that
begins with ``=``, ``+``, ``-``, ``@``, tab or CR (formula injection, OWASP
"CSV injection") gets ``data_type = "s"`` explicitly; non-finite numbers are
refused. The file is written atomically (:func:`lca.files.atomic_write`).
"""
from __future__ import annotations

import math
from pathlib import Path

from ..declared import declared_difference
from ..errors import InputError, LcaError
from ..files import atomic_write

DIM_TITLES = {"tier": "By tier", "stage": "By stage", "supplier": "By supplier", "material": "By material",
              "gas": "By gas", "region": "By region"}


def put(ws, row: int, col: int, value):
    """Write one cell safely: text as a string cell (never a formula), numbers finite."""
    cell = ws.cell(row=row, column=col)
    if value is None:
        return cell
    if isinstance(value, bool):
        cell.value = "yes" if value else "no"
        return cell
    if isinstance(value, (int, float)):
        if not math.isfinite(float(value)):
            raise LcaError(f"refusing to write a non-finite number to {ws.title}!{cell.coordinate}")
        cell.value = value
        return cell
    cell.value = str(value)
    cell.data_type = "s"  # also for text openpyxl would take as a formula (=...) or an error (#N/A)
    return cell


def _percent(fraction: float | None) -> float | None:
    return None if fraction is None else 100 * fraction


def _table(ws, start_row: int, header: list[str], rows: list[list]) -> int:
    from openpyxl.styles import Font

    for j, h in enumerate(header, start=1):
        put(ws, start_row, j, h).font = Font(bold=True)
    for i, r in enumerate(rows, start=start_row + 1):
        for j, v in enumerate(r, start=1):
            put(ws, i, j, v)
    return start_row + len(rows)


def write_profile(profile, path: Path) -> Path:
    """Write the report workbook of ``profile`` to ``path`` (.xlsx)."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError(f"--excel {path}: the report is an .xlsx file")
    d = profile.to_dict()  # refuses non-finite values
    total = d["total"]
    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    put(ws, 1, 1, "Supply-chain carbon profile").font = Font(bold=True, size=14)
    rows = [
        ["product", d["target"]["ref"]], ["name", d["target"]["name"]], ["company", d["target"]["company"]],
        ["method", " | ".join(d["method"])], ["score unit", d["score_unit"]],
        ["declared unit", d["declared_unit"]], ["declared amount", d["declared_amount"]],
        ["total (location-based)", total], ["total (market-based)", d["total_market_based"]],
        ["total per declared unit", d["total_per_declared_unit"]],
        ["declared by the supplier", d["declared_pcf"]],
        ["difference declared vs computed [%]", _percent(declared_difference(d["declared_pcf"], total))],
        ["primary data share [%]", d["primary_data_share"]], ["data quality rating (1 best, 5 worst)", d["dqr"]],
        ["green electricity share [%]", d["green_electricity_share"]],
        ["recycled content share [%]", d["recycled_share"]],
        ["share from green factories [%]", d["green_factory_share"]],
        ["complete", "yes" if d["complete"] else "NO: unresolved references, see sheet Unresolved"],
        ["reference period", f"{profile.reference_period[0]} .. {profile.reference_period[1]}"],
    ]
    _table(ws, 3, ["item", "value"], rows)
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 50

    for dim, title in DIM_TITLES.items():
        sh = wb.create_sheet(title)
        items = list(d[f"by_{dim}"].items())
        end = _table(sh, 1, [dim, f"score [{d['score_unit']}]", "share [%]"],
                     [[k, v, (100 * v / total if total else 0.0)] for k, v in items])
        sh.column_dimensions["A"].width = 44
        sh.column_dimensions["B"].width = 18
        if items:
            chart = BarChart()
            chart.type = "bar"
            chart.title = f"{title} ({d['score_unit']})"
            chart.y_axis.title = d["score_unit"]
            chart.add_data(Reference(sh, min_col=2, min_row=1, max_row=end), titles_from_data=True)
            chart.set_categories(Reference(sh, min_col=1, min_row=2, max_row=end))
            chart.legend = None
            chart.height = max(7.5, 0.6 * len(items) + 3)
            chart.width = 18
            sh.add_chart(chart, "E2")

    sh = wb.create_sheet("Data quality")
    dq = d["dqi"]
    _table(sh, 1, ["indicator", "value", "definition"], [
        ["primary data share [%]", d["primary_data_share"],
         "PACT: own activity data of every company (energy, direct emissions, transport) is primary; "
         "declared PCFs count with their declared share; background datasets are secondary"],
        ["DQR technological", dq.get("technological"), "footprint-weighted, 1 (very good) .. 5 (very poor)"],
        ["DQR geographical", dq.get("geographical"), ""],
        ["DQR temporal", dq.get("temporal"), ""],
        ["DQR overall", dq.get("overall"), "mean of the three"],
        ["green electricity share [%]", d["green_electricity_share"], "renewable-sourced kWh / all kWh in the chain"],
        ["recycled content share [%]", d["recycled_share"], "recycled mass / mass of background materials"],
        ["share from green factories [%]", d["green_factory_share"],
         "footprint arising at MIIT green factories (provincial or national)"],
    ])
    sh.column_dimensions["A"].width = 34
    sh.column_dimensions["C"].width = 90

    sh = wb.create_sheet("Declared vs computed")
    rows = []
    for s in d["suppliers"]:
        diff = _percent(declared_difference(s.get("declared"), s.get("computed")))
        rows.append([s["product"], s["name"], s["company"], f"{s['declared_amount']:g} {s['declared_unit']}",
                     s["computed"], s["declared"], diff, s.get("green_factory")])
    _table(sh, 1, ["product", "name", "company", "per", f"computed [{d['score_unit']}]",
                   "declared by supplier", "difference [%]", "green factory"], rows)
    for col, w in zip("ABCDEFGH", (28, 30, 30, 14, 18, 18, 14, 14)):
        sh.column_dimensions[col].width = w

    sh = wb.create_sheet("Declared PCFs")
    _table(sh, 1, ["used by", "line", "material", "supplier", "pcf_id", "kg CO2e per unit", "unit",
                   "primary data share [%]", "standard", "verified"],
           [[p["product"], p["where"], p["material"], p["supplier"], p["pcf_id"], p["pcf_kgco2e_per_unit"],
             p["unit"], p["primary_data_share"], p["standard"], p["verified"]] for p in d["declared_pcfs"]])

    sh = wb.create_sheet("Unresolved")
    _table(sh, 1, ["product", "line", "reference", "reason"],
           [[u["product"], u["where"], u["reference"], u["reason"]] for u in d["unresolved"]]
           + [[u["product"], u["where"], u["label"], u["why"]] for u in d["not_characterized"]])
    sh = wb.create_sheet("Warnings")
    _table(sh, 1, ["warning"], [[w] for w in d["warnings"]])

    return atomic_write(path, wb.save)
