"""Blank supplier workbook: template version 1 written from the sheet spec in :mod:`lca.supply.sheets`.

Every sheet and column of the schema, headers in English (``key``), Chinese
(``中文``) or both (``key | 中文``), an Instructions sheet (``说明``) explaining
each field with its unit and allowed values (the drop-down lists live on that
sheet too, so no hidden sheet is needed), Excel data validation (drop-downs and
number ranges), frozen header rows, column widths and one example row per data
sheet. Example rows carry ``product_id`` (``pcf_id`` in SupplierPCFs) =
``EXAMPLE``; the importer recognizes and skips them.
"""
from __future__ import annotations

import os

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from lca.errors import InputError
from lca.files import atomic_write
from lca.supply.cells import gas_codes
from lca.supply.sheets import (CN_GRID_REGIONS, CN_PROVINCES, COUNTRIES, ENUMS, SHEETS, TEMPLATE_VERSION, Column,
                               SheetSpec)
from lca.units import CARRIERS, UNITS

__all__ = ["write_template", "LANGS"]

LANGS = ("en", "zh", "both")
_LAST_ROW = 10_001  # data validation applies to rows 2.._LAST_ROW
_HEAD_REQUIRED = PatternFill("solid", fgColor="FFD9E1F2")
_HEAD_OPTIONAL = PatternFill("solid", fgColor="FFEDEDED")
_EXAMPLE = PatternFill("solid", fgColor="FFF2F2F2")
_NEED = {"R": ("required", "必填"), "C": ("conditional", "条件必填"), "O": ("optional", "选填")}

_GENERAL = {
    "en": [
        "Supplier workbook, template version 1. One workbook = one company, one reporting period, one or more products.",
        "Fill one row per record below the header row. Do not rename sheets or header cells; extra columns are ignored.",
        "Rows whose product_id (pcf_id in SupplierPCFs) is EXAMPLE are examples: they are never imported and data "
        "typed into them is refused; delete them and fill your own rows.",
        "Shares: recycled_share is a fraction 0..1, primary_data_share a percentage 0..100; a cell formatted as a "
        "percentage (30%) or the text 30% is read as 30 % in either.",
        "Emission factors (supplier_ef_kgco2e_per_unit) are in supplier_ef_unit (e.g. kg CO2e/kWh); when it is "
        "empty: kg CO2e/kWh for electricity, kg CO2e per the row's unit otherwise. Implausible factors are refused.",
        "Numbers: numeric cells, or text with a dot decimal (1.5). '1,5' and '1.234,5' are refused. No units in number cells.",
        "Dates: date cells or ISO text 2025-01-31.",
        "Quantities in Materials, Energy, Transport and Emissions are per declared_amount of the product's declared_unit.",
        "Formulas: the saved value is used and reported as a warning; save the file in Excel/WPS before sending it.",
        "Leave a cell empty when a value is unknown (do not write NA, - or None).",
    ],
    "zh": [
        "供应商数据表，模板版本 1。一个文件 = 一家企业、一个报告期、一个或多个产品。",
        "在表头下方逐行填写。请勿修改工作表名称和表头；多余的列将被忽略。",
        "产品编号（供应商碳足迹表中为编号）为 EXAMPLE 的行是示例：不会导入，在示例行中填写的数据会被拒绝；请删除示例行后填写自己的数据。",
        "比例：再生料比例为 0..1 的小数，初级数据比例为 0..100 的百分数；百分比格式的单元格（30%）或文本 30% 在两者中均按 30% 读取。",
        "特定排放因子的单位见“排放因子单位”（如 kg CO2e/kWh）；留空时电力为 kg CO2e/kWh，其他能源为每该行单位的 kg CO2e。不合理的因子会被拒绝。",
        "数字：使用数字单元格，或以小数点表示小数的文本（1.5）。'1,5' 和 '1.234,5' 会被拒绝。数字单元格中不要写单位。",
        "日期：日期单元格或 ISO 格式文本 2025-01-31。",
        "物料、能源、运输、直接排放表中的数量均为每声明数量（declared_amount）产品的数量。",
        "公式：使用已保存的计算结果并给出警告；发送前请在 Excel/WPS 中保存文件。",
        "未知数值请留空（不要填写 NA、- 或 None）。",
    ],
}


def _title(spec_key: str, zh: str, lang: str) -> str:
    return {"en": spec_key, "zh": zh, "both": f"{spec_key} | {zh}"}[lang]


def header(col: Column, lang: str) -> str:
    """A column's header text in ``lang``: its key, its Chinese name, or ``key | 中文`` (``both``)."""
    return {"en": col.key, "zh": col.zh, "both": f"{col.key} | {col.zh}"}[lang]


def _help(col: Column, lang: str) -> str:
    en = col.en_help
    zh = col.zh_help or col.en_help
    unit = f" [{col.unit}]" if col.unit else ""
    return {"en": en + unit, "zh": zh + unit, "both": f"{en}{unit}\n{zh}"}[lang].strip()


def _allowed(spec: SheetSpec, col: Column) -> list[str] | None:
    """The drop-down list of a column, or None."""
    if col.type == "enum":
        return list(ENUMS[col.enum or ""])
    if col.type == "unit":
        if spec.key == "Energy":
            return [u for u in UNITS if any(u in c.units for c in CARRIERS.values())]
        return [u for u in UNITS if u != "tkm"]
    if col.type == "region":
        return _regions()
    if col.type == "country":
        return ["CN"] + sorted(COUNTRIES - {"CN"})
    if col.type == "gas":
        return sorted(set(gas_codes().values()))
    return None


def _regions() -> list[str]:
    return (["CN", *CN_GRID_REGIONS, *(f"CN-{p}" for p in CN_PROVINCES), "EU", "GLO"]
            + sorted(COUNTRIES - {"CN"}))


class _Lists:
    """Allowed-value lists written as columns of the Instructions sheet; returns range formulas."""

    def __init__(self, ws, first_col: int):
        self.ws, self.col, self.ranges = ws, first_col, {}

    def formula(self, name: str, values: list[str]) -> str:
        key = (name, tuple(values))
        if key not in self.ranges:
            c = self.col
            self.ws.cell(1, c, name).font = Font(bold=True)
            for i, v in enumerate(values, start=2):
                self.ws.cell(i, c, v).data_type = "s"
            letter = get_column_letter(c)
            self.ws.column_dimensions[letter].width = max(12, len(name) + 2)
            title = self.ws.title.replace("'", "''")
            self.ranges[key] = f"'{title}'!${letter}$2:${letter}${len(values) + 1}"
            self.col += 1
        return self.ranges[key]


def _validation(ws, spec: SheetSpec, col: Column, ref: str, lists: _Lists, lang: str) -> None:
    values = _allowed(spec, col)
    dv = None
    if values:
        dv = DataValidation(type="list", formula1=lists.formula(f"{col.key}", values), allow_blank=True)
        dv.error = f"{col.key}: choose a value from the list / 请从列表中选择"
    elif col.type == "number" and (col.min is not None or col.max is not None):
        if col.min is not None and col.max is not None:
            dv = DataValidation(type="decimal", operator="between", formula1=str(col.min), formula2=str(col.max),
                                allow_blank=True)
        else:
            dv = DataValidation(type="decimal", operator="greaterThan" if col.min_open else "greaterThanOrEqual",
                                formula1=str(col.min), allow_blank=True)
        dv.error = f"{col.key}: a number, {'>' if col.min_open else '>='} {col.min:g}" + (
            f" and <= {col.max:g}" if col.max is not None else "")
    elif col.type == "date":
        dv = DataValidation(type="date", operator="greaterThan", formula1="18264", allow_blank=True)  # > 1950-01-01
        dv.error = f"{col.key}: a date, e.g. 2025-01-31"
    if dv is None:
        return
    dv.showErrorMessage = True
    dv.errorTitle = "green-lca"
    dv.prompt = _help(col, lang)[:250] or None
    dv.showInputMessage = bool(dv.prompt)
    ws.add_data_validation(dv)
    dv.add(ref)


def _head_cell(ws, row: int, col_no: int, text: str, required: bool, note: str) -> None:
    cell = ws.cell(row, col_no, text)
    cell.data_type = "s"
    cell.font = Font(bold=True)
    cell.fill = _HEAD_REQUIRED if required else _HEAD_OPTIONAL
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    if note:
        cell.comment = Comment(note, "green-lca", width=300, height=120)


def _table_sheet(wb: Workbook, spec: SheetSpec, lang: str, lists: _Lists) -> None:
    ws = wb.create_sheet(_title(spec.key, spec.zh, lang))
    for i, col in enumerate(spec.columns, start=1):
        need = _NEED[col.need][1 if lang == "zh" else 0]
        _head_cell(ws, 1, i, header(col, lang), col.need == "R", f"{need}. {_help(col, lang)}".strip(". "))
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(col.width, len(header(col, lang)) + 4)
        example = ws.cell(2, i, col.example if col.example != "" else None)
        example.fill = _EXAMPLE
        example.font = Font(italic=True, color="FF7F7F7F")
        if isinstance(col.example, str):
            example.data_type = "s"
        _validation(ws, spec, col, f"{letter}2:{letter}{_LAST_ROW}", lists, lang)
    ws.freeze_panes = "A2"


def _supplier_sheet(wb: Workbook, spec: SheetSpec, lang: str, lists: _Lists) -> None:
    ws = wb.create_sheet(_title(spec.key, spec.zh, lang))
    heads = {"en": ("field", "value", "note"), "zh": ("字段", "值", "说明"),
             "both": ("field | 字段", "value | 值", "note | 说明")}[lang]
    for i, h in enumerate(heads, start=1):
        _head_cell(ws, 1, i, h, i < 3, "")
    for r, col in enumerate(spec.columns, start=2):
        label = ws.cell(r, 1, header(col, lang))
        label.data_type = "s"
        label.font = Font(bold=col.need == "R")
        if col.key == "template_version":
            ws.cell(r, 2, TEMPLATE_VERSION)
        need = _NEED[col.need][1 if lang == "zh" else 0]
        note = ws.cell(r, 3, f"{need}: {_help(col, lang)}".rstrip(": "))
        note.data_type = "s"
        note.alignment = Alignment(wrap_text=True, vertical="top")
        _validation(ws, spec, col, f"B{r}", lists, lang)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].width = 70
    ws.freeze_panes = "A2"


def _instructions(ws, lang: str) -> int:
    """Write the general rules and one line per field; return the first free column for the lists."""
    bilingual = lang == "both"
    texts = _GENERAL["zh" if lang == "zh" else "en"] + (_GENERAL["zh"] if bilingual else [])
    row = 1
    ws.cell(row, 1, "说明" if lang == "zh" else "Instructions").font = Font(bold=True, size=14)
    for t in texts:
        row += 1
        ws.cell(row, 1, t).data_type = "s"
    row += 2
    heads = ("sheet", "column", "R/C/O", "allowed values / range", "description") if lang != "zh" else (
        "工作表", "列", "必填", "允许值/范围", "说明")
    for i, h in enumerate(heads, start=1):
        ws.cell(row, i, h).font = Font(bold=True)
    for spec in SHEETS.values():
        for col in spec.columns:
            row += 1
            values = ENUMS[col.enum] if col.type == "enum" else ()
            rng = []
            if col.min is not None:
                rng.append(f"{'>' if col.min_open else '>='} {col.min:g}")
            if col.max is not None:
                rng.append(f"<= {col.max:g}")
            if col.unit:
                rng.append(f"[{col.unit}]")
            cells = (_title(spec.key, spec.zh, lang), header(col, lang), col.need,
                     ", ".join(values) or " ".join(rng) or col.type, _help(col, lang))
            for i, v in enumerate(cells, start=1):
                c = ws.cell(row, i, v)
                c.data_type = "s"
                c.alignment = Alignment(wrap_text=i == 5, vertical="top")
    for letter, width in zip("ABCDE", (22, 34, 8, 36, 80)):
        ws.column_dimensions[letter].width = width
    return 8


def write_template(path: str | os.PathLike, lang: str = "en") -> None:
    """Write the blank supplier workbook (template version 1).

    Parameters
    ----------
    path : str or PathLike
        Output ``.xlsx`` file (overwritten).
    lang : {"en", "zh", "both"}
        Header and sheet-name language: English keys, Chinese labels, or ``key | 中文``.

    Raises
    ------
    lca.InputError
        For an unknown ``lang`` or a path that does not end in ``.xlsx``.
    """
    if lang not in LANGS:
        raise InputError(f"unknown template language {lang!r}: use one of {', '.join(LANGS)}")
    if not str(path).lower().endswith(".xlsx"):
        raise InputError(f"{path}: the template must be written to an .xlsx file")
    wb = Workbook()
    ws = wb.active
    ws.title = _title("Instructions", "说明", lang)
    lists = _Lists(ws, _instructions(ws, lang))
    for spec in SHEETS.values():
        if spec.layout == "fields":
            _supplier_sheet(wb, spec, lang, lists)
        else:
            _table_sheet(wb, spec, lang, lists)
    wb.active = 1
    atomic_write(path, wb.save, fsync=False)
