"""Excel report of a carbon profile: a workbook an auditor can follow, in English and Chinese.

Sheets (labels ``English | 中文``):

- Summary: totals (location- and market-based), distribution (outbound
  transport, outside the total), indicators, completeness;
- Line items: each workbook line of the chain -> the dataset it is linked to
  (with its source and year) -> amount x factor = contribution; the
  contributions sum to the total (a closing row says so);
- Methodology: method, boundary, cut-offs, allocation, data sources and
  versions, the indicators' definitions (from the profile's ``methodology``);
- one per breakdown (tier, stage, supplier, material, gas, region) with a
  native Excel bar chart; Distribution; Data quality; Declared vs computed
  (the supplier-declared PCF beside the computed one); Declared PCFs;
  Unresolved; Warnings.

Every sheet has number formats, a frozen header row, and a print set-up
(landscape, fit to one page wide, header row repeated, page numbers).

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
ZH = {  # English label -> Chinese label
    "tier": "层级", "stage": "阶段", "supplier": "供应商", "material": "物料", "gas": "气体", "region": "地区",
    "item": "项目", "value": "数值", "unit": "单位", "score": "碳排放", "share [%]": "占比 [%]",
    "product": "产品", "name": "名称", "company": "企业", "method": "评价方法", "score unit": "结果单位",
    "declared unit": "声明单位", "declared amount": "声明数量",
    "total (location-based)": "合计（基于位置）", "total (market-based)": "合计（基于市场）",
    "total per declared unit": "每声明单位合计",
    "distribution (outbound transport, not in the total)": "分销运输（出厂运输，不计入合计）",
    "declared by the supplier": "供应商自报", "difference declared vs computed [%]": "自报与计算差异 [%]",
    "primary data share [%]": "初级数据占比 [%]", "data quality rating (1 best, 5 worst)": "数据质量评级（1最好，5最差）",
    "green electricity share [%]": "绿电占比 [%]", "traceable electricity [kWh]": "可追溯用电量 [kWh]",
    "recycled content share [%]": "再生材料含量 [%]", "share from green factories [%]": "绿色工厂占比 [%]",
    "complete": "完整", "reference period": "报告期", "boundary": "系统边界",
    "file": "文件", "sheet": "工作表", "row": "行", "kind": "类型", "typed as": "填报名称",
    "typed amount": "填报数量", "typed unit": "填报单位", "dataset": "数据集", "dataset name": "数据集名称",
    "source": "数据来源", "year": "年份", "amount": "用量", "factor": "排放因子", "contribution": "贡献",
    "primary share": "初级数据比例", "total of the line items": "明细合计", "profile total": "碳足迹合计",
    "line": "行", "mode": "运输方式", "freight [t km]": "货运量 [吨公里]", "topic": "主题", "definition": "定义",
    "indicator": "指标", "per": "单位", "computed": "计算值", "declared by supplier": "供应商自报",
    "difference [%]": "差异 [%]", "green factory": "绿色工厂", "used by": "使用方", "pcf_id": "编号",
    "kg CO2e per unit": "每单位 kg CO2e", "standard": "核算标准", "verified": "第三方核查",
    "reference": "引用", "reason": "原因", "warning": "警告",
    "Supply-chain carbon profile": "供应链碳足迹报告",
}
NUMBER = "#,##0.000"
SMALL = "0.000E+00"
PERCENT = "0.0"


def bi(label: str) -> str:
    """``English | 中文`` (the English label alone where no translation is listed)."""
    zh = ZH.get(label.split(" [", 1)[0]) or ZH.get(label)
    return f"{label} | {zh}" if zh else label


def put(ws, row: int, col: int, value, number_format: str | None = None):
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
        if number_format:
            cell.number_format = number_format
        return cell
    cell.value = str(value)
    cell.data_type = "s"  # also for text openpyxl would take as a formula (=...) or an error (#N/A)
    return cell


def _percent(fraction: float | None) -> float | None:
    return None if fraction is None else 100 * fraction


def _table(ws, start_row: int, header: list[str], rows: list[list], formats: dict[int, str] | None = None) -> int:
    """Header (bilingual, bold) and rows from ``start_row``; ``formats``: column (1-based) -> number format."""
    from openpyxl.styles import Alignment, Font, PatternFill

    fill = PatternFill("solid", fgColor="DDEBF7")
    for j, h in enumerate(header, start=1):
        cell = put(ws, start_row, j, bi(h))
        cell.font, cell.fill = Font(bold=True), fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    formats = formats or {}
    for i, r in enumerate(rows, start=start_row + 1):
        for j, v in enumerate(r, start=1):
            put(ws, i, j, v, formats.get(j))
    return start_row + len(rows)


def _finish(ws, widths: dict[str, float], title: str, header_row: int = 1, wrap: str = "") -> None:
    """Column widths, frozen header, autofilter, and the print set-up of a sheet."""
    from openpyxl.styles import Alignment

    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    for col in wrap:
        for cell in ws[col][header_row:]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    if ws.max_row > header_row:
        ws.auto_filter.ref = f"A{header_row}:{ws.cell(row=ws.max_row, column=ws.max_column).coordinate}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.oddHeader.center.text = title
    ws.oddFooter.center.text = "&P / &N"
    ws.oddFooter.right.text = "green-lca"


def write_profile(profile, path: Path) -> Path:
    """Write the report workbook of ``profile`` to ``path`` (.xlsx)."""
    from openpyxl import Workbook

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError(f"--excel {path}: the report is an .xlsx file")
    d = profile.to_dict()  # refuses non-finite values
    title = f"{d['target']['ref']}: {bi('Supply-chain carbon profile')}"
    wb = Workbook()
    _summary(wb.active, profile, d, title)
    _line_items(wb.create_sheet("Line items"), profile, d, title)
    _methodology(wb.create_sheet("Methodology"), profile, title)
    _breakdowns(wb, d, title)
    _distribution(wb.create_sheet("Distribution"), profile, d, title)
    _data_quality(wb.create_sheet("Data quality"), profile, d, title)
    _declared(wb, d, title)
    from . import trail_sheets  # every background dataset that contributes, and the own direct lines

    trail_sheets.write(wb, d, title, put=put, table=_table, finish=_finish, bi=bi, number=NUMBER, percent=PERCENT)
    return atomic_write(path, wb.save)


def _summary(ws, profile, d: dict, title: str) -> None:
    from openpyxl.styles import Font

    ws.title = "Summary"
    put(ws, 1, 1, bi("Supply-chain carbon profile")).font = Font(bold=True, size=14)
    unit, total = d["score_unit"], d["total"]
    rows = [
        ["product", d["target"]["ref"], ""], ["name", d["target"]["name"], ""],
        ["company", d["target"]["company"], ""], ["method", " | ".join(d["method"]), ""],
        ["score unit", unit, ""], ["declared unit", d["declared_unit"], ""],
        ["declared amount", d["declared_amount"], d["declared_unit"]],
        ["total (location-based)", total, unit], ["total (market-based)", d["total_market_based"], unit],
        ["total per declared unit", d["total_per_declared_unit"], f"{unit} / {d['declared_unit']}"],
        ["distribution (outbound transport, not in the total)", d["distribution"], unit],
        ["declared by the supplier", d["declared_pcf"], unit],
        ["difference declared vs computed [%]", _percent(declared_difference(d["declared_pcf"], total)), "%"],
        ["primary data share [%]", d["primary_data_share"], "%"],
        ["data quality rating (1 best, 5 worst)", d["dqr"], ""],
        ["green electricity share [%]", d["green_electricity_share"], "%"],
        ["traceable electricity [kWh]", d["electricity_kwh"], "kWh"],
        ["recycled content share [%]", d["recycled_share"], "%"],
        ["share from green factories [%]", d["green_factory_share"], "%"],
        ["complete", "yes" if d["complete"] else "NO: unresolved references, see sheet Unresolved", ""],
        ["reference period", f"{profile.reference_period[0]} .. {profile.reference_period[1]}", ""],
        ["boundary", "cradle-to-gate; outbound transport excluded (reported as distribution); definitions: "
                     "sheet Methodology | 从摇篮到大门；出厂运输不计入（单列为分销运输）；定义见“Methodology”工作表", ""],
    ]
    _table(ws, 3, ["item", "value", "unit"], [[bi(r[0]), r[1], r[2]] for r in rows], {2: NUMBER})
    for r in range(4, 4 + len(rows)):
        if "[%]" in str(ws.cell(row=r, column=1).value) or "rating" in str(ws.cell(row=r, column=1).value):
            ws.cell(row=r, column=2).number_format = PERCENT if "[%]" in str(ws.cell(row=r, column=1).value) \
                else "0.00"
    _finish(ws, {"A": 58, "B": 60, "C": 22}, title, header_row=3, wrap="B")


LINE_HEADER = ["product", "company", "file", "sheet", "row", "kind", "tier", "stage", "material", "typed as",
               "typed amount", "typed unit", "dataset", "dataset name", "source", "year", "amount", "unit",
               "factor", "contribution", "share [%]", "primary share"]


def _line_items(ws, profile, d: dict, title: str) -> None:
    unit, total = d["score_unit"], d["total"]
    items = sorted(profile.line_items, key=lambda i: -abs(i["contribution"]))
    header = LINE_HEADER[:18] + [f"factor [{unit} per unit]", f"contribution [{unit}]", "share [%]", "primary share"]
    rows = [[i["product"], i["company"], i["file"], i["sheet"], i["row"], i["kind"], i["tier"], i["stage"],
             i["material"], i["typed"], i["typed_amount"], i["typed_unit"], i["dataset"], i["dataset_name"],
             i["dataset_source"], i["dataset_year"], i["amount"], i["unit"], i["factor"], i["contribution"],
             100 * i["contribution"] / total if total else 0.0, i["primary_share"]] for i in items]
    end = _table(ws, 1, header, rows, {11: NUMBER, 17: SMALL, 19: SMALL, 20: NUMBER, 21: PERCENT, 22: "0%"})
    summed = sum(i["contribution"] for i in items)
    from openpyxl.styles import Font

    put(ws, end + 2, 19, bi("total of the line items")).font = Font(bold=True)
    put(ws, end + 2, 20, summed, NUMBER).font = Font(bold=True)
    put(ws, end + 3, 19, bi("profile total")).font = Font(bold=True)
    put(ws, end + 3, 20, total, NUMBER).font = Font(bold=True)
    put(ws, end + 4, 1, "each row: amount [unit, per declared amount of the product] x factor = contribution; "
                        "distribution (outbound transport) is not a line item, see sheet Distribution | "
                        "每行：用量 × 排放因子 = 贡献；出厂运输不在明细中，见“Distribution”工作表")
    _finish(ws, {"A": 22, "B": 20, "C": 16, "D": 11, "E": 6, "F": 14, "G": 6, "H": 18, "I": 24, "J": 18, "K": 12,
                 "L": 9, "M": 30, "N": 36, "O": 48, "P": 7, "Q": 12, "R": 13, "S": 14, "T": 14, "U": 9, "V": 9},
            title, wrap="NO")


def _methodology(ws, profile, title: str) -> None:
    rows = [[m["en"], m["zh"], m["text"]] for m in profile.methodology]
    _table(ws, 1, ["topic", "topic", "definition"], rows)
    put(ws, 1, 2, "主题")
    _finish(ws, {"A": 28, "B": 16, "C": 120}, title, wrap="C")


def _breakdowns(wb, d: dict, title: str) -> None:
    from openpyxl.chart import BarChart, Reference

    total = d["total"]
    for dim, sheet in DIM_TITLES.items():
        sh = wb.create_sheet(sheet)
        items = list(d[f"by_{dim}"].items())
        end = _table(sh, 1, [dim, f"score [{d['score_unit']}]", "share [%]"],
                     [[k, v, (100 * v / total if total else 0.0)] for k, v in items], {2: NUMBER, 3: PERCENT})
        _finish(sh, {"A": 44, "B": 22, "C": 14}, title)
        if items:
            chart = BarChart()
            chart.type = "bar"
            chart.title = f"{sheet} ({d['score_unit']})"
            chart.y_axis.title = d["score_unit"]
            chart.add_data(Reference(sh, min_col=2, min_row=1, max_row=end), titles_from_data=True)
            chart.set_categories(Reference(sh, min_col=1, min_row=2, max_row=end))
            chart.legend = None
            chart.height = max(7.5, 0.6 * len(items) + 3)
            chart.width = 18
            sh.add_chart(chart, "E2")


def _distribution(ws, profile, d: dict, title: str) -> None:
    unit = d["score_unit"]
    rows = [[x["where"], x["mode"], x["t_km"], x["dataset"], x["factor"], x["score"]] for x in profile.distribution_lines]
    end = _table(ws, 1, ["line", "mode", "freight [t km]", "dataset", f"factor [{unit} per t km]",
                         f"score [{unit}]"], rows, {3: NUMBER, 5: SMALL, 6: NUMBER})
    put(ws, end + 2, 1, "outbound transport of the product (delivery to the customer): outside the cradle-to-gate "
                        "total and PACT's pcf fields | 出厂运输（送达客户）：不计入从摇篮到大门的合计及 PACT 碳足迹字段")
    _finish(ws, {"A": 22, "B": 14, "C": 16, "D": 32, "E": 20, "F": 16}, title)


def _data_quality(ws, profile, d: dict, title: str) -> None:
    dq = d["dqi"]
    text = {m["key"]: m["text"] for m in profile.methodology}
    _table(ws, 1, ["indicator", "value", "definition"], [
        [bi("primary data share [%]"), d["primary_data_share"], text.get("primary_data_share", "")],
        ["DQR technological", dq.get("technological"), text.get("dqr", "")],
        ["DQR geographical", dq.get("geographical"), ""],
        ["DQR temporal", dq.get("temporal"), ""],
        ["DQR overall", dq.get("overall"), "mean of the three"],
        [bi("green electricity share [%]"), d["green_electricity_share"], text.get("green_electricity_share", "")],
        [bi("recycled content share [%]"), d["recycled_share"], text.get("recycled_share", "")],
        [bi("share from green factories [%]"), d["green_factory_share"], text.get("green_factory_share", "")],
    ], {2: "0.00"})
    _finish(ws, {"A": 40, "B": 12, "C": 110}, title, wrap="C")


def _declared(wb, d: dict, title: str) -> None:
    sh = wb.create_sheet("Declared vs computed")
    rows = []
    for s in d["suppliers"]:
        diff = _percent(declared_difference(s.get("declared"), s.get("computed")))
        rows.append([s["product"], s["name"], s["company"], f"{s['declared_amount']:g} {s['declared_unit']}",
                     s["computed"], s["declared"], diff, s.get("green_factory")])
    _table(sh, 1, ["product", "name", "company", "per", f"computed [{d['score_unit']}]",
                   "declared by supplier", "difference [%]", "green factory"], rows,
           {5: NUMBER, 6: NUMBER, 7: PERCENT})
    _finish(sh, dict(zip("ABCDEFGH", (28, 30, 30, 14, 18, 18, 14, 14))), title)

    sh = wb.create_sheet("Declared PCFs")
    _table(sh, 1, ["used by", "line", "material", "supplier", "pcf_id", "kg CO2e per unit", "unit",
                   "primary data share [%]", "standard", "verified"],
           [[p["product"], p["where"], p["material"], p["supplier"], p["pcf_id"], p["pcf_kgco2e_per_unit"],
             p["unit"], p["primary_data_share"], p["standard"], p["verified"]] for p in d["declared_pcfs"]],
           {6: NUMBER, 8: PERCENT})
    _finish(sh, dict(zip("ABCDEFGHIJ", (22, 18, 22, 22, 10, 14, 12, 14, 14, 10))), title)

    sh = wb.create_sheet("Unresolved")
    _table(sh, 1, ["product", "line", "reference", "reason"],
           [[u["product"], u["where"], u["reference"], u["reason"]] for u in d["unresolved"]]
           + [[u["product"], u["where"], u["label"], u["why"]] for u in d["not_characterized"]])
    _finish(sh, {"A": 24, "B": 18, "C": 28, "D": 80}, title, wrap="D")
    sh = wb.create_sheet("Warnings")
    _table(sh, 1, ["warning"], [[w] for w in d["warnings"]])
    _finish(sh, {"A": 150}, title, wrap="A")
