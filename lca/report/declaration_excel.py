"""The verifier's package of a battery declaration: an Excel workbook in English and Chinese.

Sheets (``English | 中文`` labels with ``lang="both"``):

- Declaration / 声明: manufacturer, battery, plant, rule set with version and status, per kWh and per
  stage, the lifetime inputs and their clauses, the uncertainty (p5, p50, p95);
- Lines / 明细: every line of the chain with its process kind, the stage and the rule that put it there
  (clause and the status of the clause and of the rule: regulation, draft, assumption...), the dataset,
  the amount per battery, the factor per unit (amount x factor = declared), its value as linked and as
  declared; closing rows show that the lines sum to the total and, stage by stage, to each stage
  (per battery and per kWh of the lifetime energy);
- Electricity / 电力: each electricity line with its kWh, sourcing, grid region and the factor the rule gave;
- Primary data / 初级数据: the processes the rules require company-specific data for, covered or not;
- Methodology / 方法 and Warnings / 警告.

Every text cell is written as a string (never a formula); non-finite numbers are refused; the file is
written atomically.
"""
from __future__ import annotations

import math
from pathlib import Path

from ..errors import InputError, LcaError
from ..files import atomic_write

ZH = {
    "Declaration": "声明", "Lines": "明细", "Electricity": "电力", "Primary data": "初级数据", "Methodology": "方法",
    "Warnings": "警告", "item": "项目", "value": "数值", "unit": "单位", "clause": "条款", "status": "状态",
    "manufacturer": "制造商", "battery model": "电池型号", "plant (production region)": "生产地区",
    "rule set": "规则", "rule set version": "规则版本", "rule set status": "规则状态", "rule file": "规则文件",
    "carbon footprint per kWh delivered": "单位全生命周期能量碳足迹", "carbon footprint of one battery": "单个电池碳足迹",
    "lifetime energy": "全生命周期总能量", "usable capacity": "可用容量", "full equivalent cycles per year": "年等效全循环次数",
    "service life": "使用年限", "cycle life": "循环寿命", "full cycles counted": "计入的全循环次数",
    "declarable": "可申报", "yes": "是", "no (draft: required primary data missing)": "否（草稿：缺少必需的初级数据）",
    "raw_material_acquisition": "原材料获取及预处理", "main_production": "主要产品生产", "distribution": "分销",
    "end_of_life": "寿命终止及回收", "p5": "p5", "p50": "p50", "p95": "p95", "Monte Carlo samples": "蒙特卡洛样本数",
    "seed": "随机种子", "battery mass": "电池质量", "company": "企业", "product": "产品", "where": "位置",
    "line kind": "行类型", "process kind": "过程类型", "stage": "阶段", "rule": "规则", "dataset": "数据集",
    "amount per battery": "每个电池用量", "as linked [kg CO2e]": "按填报 [kg CO2e]",
    "declared [kg CO2e]": "申报值 [kg CO2e]", "primary share": "初级数据比例", "sum of the lines": "明细合计",
    "declared total": "申报合计", "kWh per battery": "每个电池电量 [kWh]", "sourcing": "电力来源", "grid region": "电网区域",
    "factor [kg CO2e/kWh]": "排放因子 [kg CO2e/kWh]", "basis": "依据", "grid factor as linked": "填报电网因子",
    "required kind": "要求的过程", "data": "数据", "covered": "已覆盖", "secondary": "次级数据",
    "note": "说明", "warning": "警告", "clause status": "条款状态", "rule status": "规则状态",
    "factor [kg CO2e per unit]": "排放因子 [kg CO2e/单位]", "sum of the lines of stage": "该阶段明细合计",
    "per kWh delivered": "单位全生命周期能量",
    "Battery carbon footprint declaration": "动力电池碳足迹声明",
}
NUMBER = "0.000###"


def _label(text: str, lang: str, zh: dict = ZH) -> str:
    if lang == "zh":
        return zh.get(text, text)
    if lang == "both" and text in zh and zh[text] != text:
        return f"{text} | {zh[text]}"
    return text


def _put(ws, row: int, col: int, value):
    cell = ws.cell(row=row, column=col)
    if value is None:
        return cell
    if isinstance(value, bool):
        cell.value = str(value).lower()
        cell.data_type = "s"
    elif isinstance(value, (int, float)):
        if not math.isfinite(float(value)):
            raise LcaError(f"non-finite value in the declaration ({value}); refusing to write it")
        cell.value = value
        cell.number_format = NUMBER
    else:
        cell.value = str(value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def _width(value) -> int:
    """Display width of a cell's text: CJK characters take two columns, numbers about twelve."""
    if value is None:
        return 0
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return 12
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(value))


def _per_unit(line: dict):
    """kg CO2e per unit of the line's amount (declared value / amount), so amount x factor = declared."""
    amount = line["amount"]
    return line["kgco2e"] / amount if amount else None


def _table(ws, header: list[str], rows: list[list], lang: str, start: int = 1) -> int:
    from openpyxl.styles import Font

    for j, h in enumerate(header, start=1):
        _put(ws, start, j, _label(h, lang)).font = Font(bold=True)
    for i, r in enumerate(rows, start=start + 1):
        for j, v in enumerate(r, start=1):
            _put(ws, i, j, v)
    ws.freeze_panes = ws.cell(row=start + 1, column=1)
    for j, h in enumerate(header, start=1):  # wide enough for the longest text (CJK counts double), 12..60
        longest = max([_width(_label(h, lang))] + [_width(r[j - 1]) for r in rows if j <= len(r)])
        ws.column_dimensions[ws.cell(row=start, column=j).column_letter].width = max(12, min(60, longest + 2))
    ws.page_setup.orientation = "landscape"
    return start + 1 + len(rows)


def write(decl, path, lang: str = "both") -> Path:
    """Write the verifier's package of ``decl`` (a :class:`lca.declaration.Declaration`) to ``path``."""
    if lang not in ("en", "zh", "both"):
        raise InputError(f"lang={lang!r}: use en, zh or both")
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = _label("Declaration", "zh" if lang == "zh" else "en")[:31]
    d = decl.to_dict()
    life = decl.lifetime
    rs = decl.rules_info
    zh = {**ZH, **(rs.get("stage_names_zh") or {})}  # a rule set's own Chinese stage names (MIIT) win
    cyc = life["cycles_per_year"]
    yrs = life["service_years"]
    rows = [
        ["Battery carbon footprint declaration", None, None, None, None],
        ["manufacturer", decl.manufacturer, "", "", ""],
        ["battery model", f"{decl.target} ({decl.name})", "", "", ""],
        ["plant (production region)", decl.plant, "", "", ""],
        ["rule set", rs["name"], "", rs["title"] if lang != "zh" else rs["title_zh"], rs["status"]],
        ["rule set version", rs["version"], "", rs["source"], ""],
        ["rule file", rs["file"], "", "", ""],
        ["declarable", "yes" if decl.declarable else "no (draft: required primary data missing)", "", "", ""],
        ["carbon footprint per kWh delivered", decl.per_kwh, "kg CO2e/kWh", "", ""],
        ["carbon footprint of one battery", decl.total_kgco2e, "kg CO2e", "", ""],
    ]
    rows += [[s, v, "kg CO2e/kWh", "", ""] for s, v in decl.stages.items()]
    rows += [
        ["lifetime energy", decl.lifetime_energy_kwh, "kWh", f"{life['formula']}: {life['clause']}", life["status"]],
        ["usable capacity", life["usable_kwh"], "kWh", "given by the declarant", ""],
        ["full equivalent cycles per year", cyc["value"], "1/a", cyc.get("clause", ""), cyc.get("status", "")],
        ["service life", yrs["value"], "a", yrs.get("clause") or yrs.get("rule", ""), yrs.get("status", "")],
        ["cycle life", life.get("cycle_life"), "cycles", "", ""],
        ["full cycles counted", life["full_cycles"], "cycles", "", ""],
        ["battery mass", decl.battery.get("mass_kg"), "kg", "", ""],
    ]
    if decl.uncertainty:
        u = decl.uncertainty
        rows += [["Monte Carlo samples", u["n"], "", u.get("method", ""), ""], ["seed", u["seed"], "", "", ""]]
        rows += [[p, u[p], "kg CO2e/kWh", "", ""] for p in ("p5", "p50", "p95")]
    _table(ws, ["item", "value", "unit", "clause", "status"],
           [[_label(r[0], lang, zh) if isinstance(r[0], str) else r[0],
             _label(r[1], lang) if isinstance(r[1], str) and r[1] in ZH else r[1], *r[2:]] for r in rows], lang)

    ws = wb.create_sheet(_label("Lines", "zh" if lang == "zh" else "en")[:31])
    lines = [[x["company"], x["product"], x["where"], x["line_kind"], x["kind"], _label(x["stage"], lang, zh), x["rule"],
              x["clause"], x.get("status", ""), x.get("rule_status", ""), x["dataset"], x["amount"], x["unit"],
              _per_unit(x), x["as_linked_kgco2e"], x["kgco2e"], x["primary_share"]] for x in d["lines"]]
    header = ["company", "product", "where", "line kind", "process kind", "stage", "rule", "clause", "clause status",
              "rule status", "dataset", "amount per battery", "unit", "factor [kg CO2e per unit]",
              "as linked [kg CO2e]", "declared [kg CO2e]", "primary share"]
    end = _table(ws, header, lines, lang)
    col = header.index("declared [kg CO2e]") + 1
    # amount x factor = declared, line by line; the lines sum to the total, stage by stage; / lifetime energy
    total = sum(x["kgco2e"] for x in d["lines"])
    _put(ws, end + 1, 1, _label("sum of the lines", lang))
    _put(ws, end + 1, col, total)
    _put(ws, end + 2, 1, _label("declared total", lang))
    _put(ws, end + 2, col, decl.total_kgco2e)
    _put(ws, end + 1, col + 2, _label("per kWh delivered", lang))  # beyond the table's last column
    _put(ws, end + 2, col + 2, decl.per_kwh)
    _put(ws, end + 2, col + 3, "kg CO2e/kWh")
    row = end + 3
    for s in decl.stages:
        _put(ws, row, 1, _label("sum of the lines of stage", lang))
        _put(ws, row, header.index("stage") + 1, _label(s, lang, zh))
        _put(ws, row, col, sum(x["kgco2e"] for x in d["lines"] if x["stage"] == s))
        _put(ws, row, col + 2, decl.stages[s])
        _put(ws, row, col + 3, "kg CO2e/kWh")
        row += 1
    _put(ws, row, 1, _label("lifetime energy", lang))
    _put(ws, row, col, decl.lifetime_energy_kwh)
    _put(ws, row, col + 2, "kWh")

    ws = wb.create_sheet(_label("Electricity", "zh" if lang == "zh" else "en")[:31])
    _table(ws, ["company", "product", "where", "kWh per battery", "sourcing", "grid region", "factor [kg CO2e/kWh]",
                "basis", "rule", "status", "declared [kg CO2e]", "grid factor as linked"],
           [[e["company"], e["product"], e["where"], e["kwh"], e["sourcing"], e["grid_region"], e["factor"], e["basis"],
             e["rule"], e["status"], e["kgco2e"], e["as_linked_factor"]] for e in d["electricity"]], lang)

    ws = wb.create_sheet(_label("Primary data", "zh" if lang == "zh" else "en")[:31])
    pdata = d["primary_data"]
    prow = [[c["kind"], "covered", c.get("process"), c.get("company"), c.get("data")] for c in pdata["covered"]]
    prow += [[c["kind"], "secondary", c.get("process"), c.get("company"), c.get("data")] for c in pdata["secondary"]]
    end = _table(ws, ["required kind", "status", "product", "company", "data"],
                 [[r[0], _label(r[1], lang), *r[2:]] for r in prow], lang)
    _put(ws, end + 1, 1, f"{pdata['clause']} ({pdata['status']})")

    ws = wb.create_sheet(_label("Methodology", "zh" if lang == "zh" else "en")[:31])
    _table(ws, ["note"], [[m] for m in decl.methodology], lang)
    ws.column_dimensions["A"].width = 160
    ws = wb.create_sheet(_label("Warnings", "zh" if lang == "zh" else "en")[:31])
    _table(ws, ["warning"], [[w] for w in decl.warnings], lang)
    ws.column_dimensions["A"].width = 160
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError(f"{path}: the verifier's package is an .xlsx file")
    return atomic_write(path, lambda tmp: wb.save(tmp))
