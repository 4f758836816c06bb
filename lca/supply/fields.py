"""Field rules: one cell of a template row read into its typed value, with the issues it raises.

:class:`Ctx` collects the issues of one workbook; :class:`Row` is one data row
being validated. :func:`parse_field` applies a column's rules of
:data:`lca.supply.sheets.SHEETS` to its cell: formula and error cells,
placeholders, required values, the column's type (numbers and shares with their
range, dates, enumerations, regions, units, gases, ids, e-mail addresses, the
template version). Whole sheets are :mod:`lca.supply.layout`'s, the records and
cross-row checks :mod:`lca.supply.rules`'.
"""
from __future__ import annotations

import re
from typing import Callable

from lca.errors import InputIssue, Severity, UnknownIssueCode
from lca.issue_codes import CATALOGUE
from lca.supply.cells import (Bad as _Bad, as_text as _as_text, is_placeholder as _is_placeholder, parse_date,
                              parse_ef_unit, parse_enum, parse_gas, parse_number, parse_region)
from lca.issue_details import zh as _zh_detail
from lca.supply.records import Resolution
from lca.supply.sheets import ID_RULE as _ID, TEMPLATE_VERSION, Column, SheetSpec
from lca.supply.workbook import Cell, RawSheet, RawWorkbook
from lca.text import norm_text as _norm_text
from lca.units import UNITS, normalize_unit

__all__ = ["Ctx", "Row", "parse_field"]


class Ctx:
    """Collects issues for one workbook."""

    def __init__(self, raw: RawWorkbook, resolve: Callable[[str], Resolution]):
        self.raw, self.resolve = raw, resolve
        self.issues: list[InputIssue] = []
        self.titles: dict[str, str] = {}
        self.pcf_ids: set[str] = set()
        self.lang = "en"  # the workbook's language (set by validate once the sheet titles are known)

    def add(self, sheet: str | None, row: int | None, column: str | None, code: str, message: str,
            severity: Severity = Severity.ERROR) -> None:
        if code not in CATALOGUE:  # a bug, not bad input: every code has its title and fix in both languages
            raise UnknownIssueCode(f"issue code {code!r} is not in lca/issue_codes.py: add it there with its "
                                   "title and fix in English and Chinese")
        if self.lang == "zh":  # the detail wholly in the workbook's language
            message = _zh_detail(code, message)
        self.issues.append(InputIssue(sheet, row, column, code, message, severity, self.raw.path))

    @property
    def has_errors(self) -> bool:
        return any(i.severity == Severity.ERROR for i in self.issues)


class Row:
    """One data row being validated: typed values by column key; ``ok`` False after an error."""

    def __init__(self, ctx: Ctx, sheet: RawSheet, spec: SheetSpec, number: int, cells: dict[str, Cell]):
        self.ctx, self.sheet, self.spec, self.number, self.cells = ctx, sheet, spec, number, cells
        self.values: dict[str, object] = {}
        self.ok = True

    def error(self, key: str | None, code: str, message: str, severity: Severity = Severity.ERROR) -> None:
        cell = self.cells.get(key) if key else None
        where = f"{cell.coordinate} ({key}): " if cell else (f"row {self.number}, {key}: " if key else "")
        self.ctx.add(self.sheet.title, self.number, key, code, where + message, severity)
        if severity == Severity.ERROR:
            self.ok = False

    def get(self, key: str):
        return self.values.get(key)


def _cell_value(row: Row, key: str, cell: Cell) -> object:
    """The usable value of a cell after the formula/error rules, or raises _Bad."""
    if cell.external:
        raise _Bad("external_link", f"the formula ={cell.formula} takes its value from another workbook: "
                                    "paste the value instead")
    if cell.kind == "formula_nocache":
        raise _Bad("formula_no_cache", f"the formula ={cell.formula} has no saved value: "
                                       "open and save the file in Excel first")
    if cell.kind == "error":
        raise _Bad("error_cell", f"the cell holds the Excel error {cell.value}: fix the formula or enter the value")
    if cell.formula is not None:
        row.error(key, "formula_value", f"formula ={cell.formula or '(shared)'}: its saved value "
                                        f"{_as_text(cell.value)!r} is used; check it, or paste values", Severity.WARNING)
    return cell.value


_FILL_HINTS = {  # column type -> (English, Chinese): what a required empty cell takes
    "number": ("enter a number (0 if there is none)", "请填写数字（没有则填 0）"),
    "unit": ("enter the unit, e.g. kg, t, kWh, MWh, m3", "请填写单位，如 kg、t、kWh、MWh、m3"),
    "id": ("enter the id: letters, digits, '.', '_' or '-', at most 64 characters",
           "请填写编号：字母、数字、“.”“_”或“-”，最多 64 个字符"),
    "line": ("enter the line number", "请填写行号"),
    "date": ("enter a date such as 2025-01-31", "请填写日期，如 2025-01-31"),
    "enum": ("choose one of the values the template lists", "请从模板列出的取值中选择"),
    "region": ("enter a region code such as CN, CN-GD or CN-EAST", "请填写地区代码，如 CN、CN-GD、CN-EAST"),
    "country": ("enter an ISO country code such as CN", "请填写国家代码，如 CN"),
    "gas": ("enter the gas, e.g. CO2, CH4, N2O", "请填写气体，如 CO2、CH4、N2O"),
    "version": ("enter 1 (template version 1)", "请填写 1（模板版本 1）"),
}


_FILL_HINTS_BY_KEY = {  # column key -> (English, Chinese): where the column's type alone gives the wrong fix
    "pcf_kgco2e": ("enter the PCF from the supplier's declaration, in kg CO2e per its declared unit (never 0 for "
                   "an unknown value)", "请填写供应商声明中的碳足迹值，单位为每声明单位 kg CO2e（未知时不要填 0）"),
    "material": ("enter the material's name (a name of inventories/aliases.csv, e.g. polypropylene)",
                 "请填写物料名称（inventories/aliases.csv 中的名称，如 聚丙烯）"),
    "company_name": ("enter the company's registered name", "请填写企业注册名称"),
    "product_name": ("enter the product's name", "请填写产品名称"),
    "supplier_name": ("enter the supplier's name", "请填写供应商名称"),
}


def required_message(col: Column, lang: str, placeholder=None) -> str:
    """The message for a required cell left empty (or holding a placeholder), with the fix for its field."""
    en, zh = _FILL_HINTS_BY_KEY.get(col.key) or _FILL_HINTS.get(col.type, ("fill it in", "请填写"))
    if lang == "zh":
        head = f"“{placeholder}”是占位符而非数值：" if placeholder is not None else ""
        return f"{head}{col.zh}（{col.key}）为必填项：{zh}"
    head = f"{placeholder!r} is a placeholder, not a value: " if placeholder is not None else ""
    return f"{head}{col.key} ({col.zh}) is required: {en}"


def parse_field(row: Row, col: Column) -> None:
    """Parse one column of a row into ``row.values[col.key]`` (None when blank); report problems."""
    cell = row.cells.get(col.key)
    if cell is None:
        if col.need == "R":
            row.error(col.key, "missing_value", required_message(col, row.ctx.lang))
        row.values[col.key] = None
        return
    try:
        value = _cell_value(row, col.key, cell)
        if _is_placeholder(value) and not (col.type in ("region", "country") and _norm_text(value) == "na"):
            if col.need == "R":
                raise _Bad("missing_value", required_message(col, row.ctx.lang, value))
            row.values[col.key] = None
            return
        row.values[col.key] = _convert(row, col, value)
    except _Bad as bad:
        row.error(col.key, bad.code, bad.message)
        row.values[col.key] = None


def _share(row: Row, col: Column, value: object) -> float:
    """A share cell in the column's scale: a percent-formatted cell or ``30%`` text is a percentage.

    A plain number in a 0..100 column below 1 (0.55: a fraction typed into a percent field?) warns.
    """
    cell = row.cells.get(col.key)
    percent = None  # [%] when the cell says it is a percentage
    if cell is not None and cell.percent and isinstance(value, (int, float)) and not isinstance(value, bool):
        percent = parse_number(value) * 100.0
    elif isinstance(value, str) and _as_text(value).endswith(("%", "％")):
        percent = parse_number(_as_text(value).rstrip("%％"))
    if percent is not None:
        x = percent / 100.0 if col.scale == "fraction" else percent
    else:
        x = parse_number(value)
        if col.scale == "percent" and 0 < x < 1:
            msg = (f"{col.zh}（{col.key}）是 0..100 的百分数，{x:g} 低于 1%：若指 {x * 100:g}%，请填 {x * 100:g}"
                   "（或将单元格设为百分比格式）" if row.ctx.lang == "zh" else
                   f"{x:g} in {col.key} ({col.zh}), a percentage 0..100, is below 1 %: if you meant "
                   f"{x * 100:g} %, enter {x * 100:g} (or format the cell as a percentage)")
            row.error(col.key, "share_below_one", msg, Severity.WARNING)
    _check_range(x, col, row.ctx.lang)
    return x


def _convert(row: Row, col: Column, value: object) -> object:
    t = col.type
    if t == "number":
        if col.scale:
            return _share(row, col, value)
        x = parse_number(value)
        _check_range(x, col, row.ctx.lang)
        return x
    if t == "date":
        return parse_date(value)
    if t == "enum":
        return parse_enum(value, col.enum or "")
    if t in ("region", "country"):
        code = parse_region(value, countries_only=(t == "country"))
        if code == "NA":
            row.error(col.key, "ambiguous_na", "'NA' is read as Namibia; if you meant 'not available', "
                                               "leave the cell empty", Severity.WARNING)
        return code
    if t == "unit":
        u = normalize_unit(value)
        if u is None:
            raise _Bad("unknown_unit", f"“{_as_text(value)}”不是已知单位：请使用 {'、'.join(UNITS)} 之一"
                       if row.ctx.lang == "zh" else
                       f"{_as_text(value)!r} is not a known unit: use one of {', '.join(UNITS)}")
        return u
    if t == "gas":
        return parse_gas(value)
    if t == "ef_unit":
        kg, unit = parse_ef_unit(value)
        return (kg, unit)
    if t == "version":
        try:
            v = parse_number(value)
        except _Bad:
            v = None
        if v != TEMPLATE_VERSION:
            raise _Bad("unsupported_template_version",
                       f"template_version {_as_text(value)!r} is not supported: this program reads version "
                       f"{TEMPLATE_VERSION}; fill in a new template (lca template OUT.xlsx)")
        return TEMPLATE_VERSION
    text = _as_text(value)
    if t == "id":
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", text):
            raise _Bad("bad_id", f"“{text}”不是有效编号：只能用字母、数字、“.”“_”“-”，最多 64 个字符"
                       if row.ctx.lang == "zh" else f"{text!r} is not a valid id: use {_ID}")
    elif t == "line":
        if len(text) > 64:
            raise _Bad("bad_id", "line_id is longer than 64 characters")
    elif t == "email":
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
            row.error(col.key, "bad_email", f"{text!r} does not look like an e-mail address", Severity.WARNING)
    elif len(text) > 1000:
        raise _Bad("text_too_long", f"text of {len(text)} characters: keep it under 1000")
    return text


def _check_range(x: float, col: Column, lang: str = "en") -> None:
    """``x`` within the column's bounds, else the refusal (in the workbook's language ``lang``)."""
    if col.min is not None and (x <= col.min if col.min_open else x < col.min):
        op = ">" if col.min_open else ">="
        raise _Bad("negative_value" if x < 0 else "out_of_range",
                   f"不允许 {x:g}：{col.zh}（{col.key}）须 {op} {col.min:g}" if lang == "zh" else
                   f"{x:g} is not allowed: {col.key} must be {op} {col.min:g}")
    if col.max is not None and x > col.max:
        share = col.scale == "fraction" and x <= 100
        if lang == "zh":
            hint = f"（比例为 0..1：{x:g}% 即 {x / 100:g}；或将单元格设为百分比格式）" if share else ""
            raise _Bad("out_of_range", f"{x:g} 超过{col.zh}（{col.key}）的上限 {col.max:g}{hint}")
        hint = f" (a share, 0..1: {x:g}% is {x / 100:g}; or format the cell as a percentage)" if share else ""
        raise _Bad("out_of_range", f"{x:g} is above the maximum {col.max:g} of {col.key}{hint}")
