"""Validation rules: a raw workbook checked against the template, all problems at once, into a Submission.

:func:`validate` checks a :class:`~lca.supply.workbook.RawWorkbook` against
:data:`lca.supply.sheets.SHEETS` (cells parsed by :mod:`lca.supply.cells`) and
returns a :class:`~lca.supply.records.Submission` plus every problem found, each
an :class:`lca.InputIssue` with sheet (the title as in the workbook), Excel row,
column (the header key) and a code of the catalogue :mod:`lca.issue_codes`.

Example rows: a row whose ``product_id`` (or ``pcf_id`` in SupplierPCFs) is
``EXAMPLE`` or ``示例`` is the template's example and is skipped silently.
"""
from __future__ import annotations

import difflib
import re
from datetime import date
from typing import Callable

from lca.errors import InputIssue
from lca.issue_codes import CATALOGUE
from lca.supply.cells import (Bad as _Bad, as_text as _as_text, is_placeholder as _is_placeholder, parse_date,
                              parse_ef_unit, parse_enum, parse_gas, parse_number, parse_region)
from lca.supply.records import (EmissionLine, EnergyLine, MaterialLine, Product, Resolution, Submission,
                                SupplierInfo, SupplierPCF, TransportLine)
from lca.supply.sheets import (EXAMPLE_IDS, ID_RULE as _ID, SHEETS, SUPPLIER_HEADER as _SUPPLIER_HEADER,
                               TEMPLATE_VERSION, Column, SheetSpec, key_index as _key_index, match as _match,
                               match_header, match_sheet)
from lca.supply.workbook import Cell, RawRow, RawSheet, RawWorkbook, column_letter
from lca.text import norm_key as _norm_key, norm_text as _norm_text
from lca.units import CARRIERS, UNITS, convert, convert_carrier, dimension, is_convertible, normalize_unit

__all__ = ["validate", "validate_file", "dict_resolver", "MASS_TOLERANCE", "PCF_VALIDITY_YEARS", "MAX_ROW_WARNINGS"]

# Product mass vs declared amount / vs the mass of its materials: a relative gap above this is flagged.
# green-lca's own screening threshold (not a standard): it catches unit slips (g vs kg, per piece vs per
# batch) that are factors of 2 or more, while packaging, losses and rounding stay well below it.
MASS_TOLERANCE = 0.5
# A declared PCF older than this (its reference period ended this many years before the workbook's
# period starts) is out of date: PACT v3 and the TfS guideline ask for an update at least every 3 years.
PCF_VALIDITY_YEARS = 3
# Per-row warnings (hidden rows) reported one by one; beyond this, one summary warning with the count.
MAX_ROW_WARNINGS = 20


# ---------------------------------------------------------------- resolvers

def dict_resolver(entries: dict[str, tuple[str, str]]) -> Callable[[str], Resolution]:
    """A ``resolve_material`` from ``{name: (code, bw_unit)}``; names match case-insensitively.

    ``database:code`` strings resolve when the code (or the whole string) is a
    known code. Unknown names get up to 5 suggestions (difflib).
    """
    by_name = {_norm_text(k): v for k, v in entries.items()}
    by_code = {code: unit for code, unit in entries.values()}
    names = list(entries)

    def resolve(name: str) -> Resolution:
        hit = by_name.get(_norm_text(name))
        if hit:
            return Resolution(hit[0], hit[1])
        if ":" in name:
            code = name.split(":", 1)[1]
            for c in (name, code):
                if c in by_code:
                    return Resolution(c, by_code[c])
        close = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
        if not close:
            low = _norm_text(name)
            close = [n for n in names if low and (low in _norm_text(n) or _norm_text(n) in low)][:5]
        return Resolution(None, None, tuple(close))

    return resolve


# ---------------------------------------------------------------- validation context

class _Ctx:
    """Collects issues for one workbook."""

    def __init__(self, raw: RawWorkbook, resolve: Callable[[str], Resolution]):
        self.raw, self.resolve = raw, resolve
        self.issues: list[InputIssue] = []
        self.titles: dict[str, str] = {}
        self.pcf_ids: set[str] = set()

    def add(self, sheet: str | None, row: int | None, column: str | None, code: str, message: str,
            severity: str = "error") -> None:
        assert code in CATALOGUE, f"issue code {code!r} is not in lca/issue_codes.py"
        self.issues.append(InputIssue(sheet, row, column, code, message, severity, self.raw.path))

    @property
    def has_errors(self) -> bool:
        return any(i.severity == "error" for i in self.issues)


class _Row:
    """One data row being validated: typed values by column key; ``ok`` False after an error."""

    def __init__(self, ctx: _Ctx, sheet: RawSheet, spec: SheetSpec, number: int, cells: dict[str, Cell]):
        self.ctx, self.sheet, self.spec, self.number, self.cells = ctx, sheet, spec, number, cells
        self.values: dict[str, object] = {}
        self.ok = True

    def error(self, key: str | None, code: str, message: str, severity: str = "error") -> None:
        cell = self.cells.get(key) if key else None
        where = f"{cell.coordinate} ({key}): " if cell else (f"row {self.number}, {key}: " if key else "")
        self.ctx.add(self.sheet.title, self.number, key, code, where + message, severity)
        if severity == "error":
            self.ok = False

    def get(self, key: str):
        return self.values.get(key)


def _cell_value(row: _Row, key: str, cell: Cell) -> object:
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
                                        f"{_as_text(cell.value)!r} is used; check it, or paste values", "warning")
    return cell.value


def _parse_field(row: _Row, col: Column) -> None:
    """Parse one column of a row into ``row.values[col.key]`` (None when blank); report problems."""
    cell = row.cells.get(col.key)
    if cell is None:
        if col.need == "R":
            row.error(col.key, "missing_value", f"{col.key} ({col.zh}) is required: fill it in")
        row.values[col.key] = None
        return
    try:
        value = _cell_value(row, col.key, cell)
        if _is_placeholder(value) and not (col.type in ("region", "country") and _norm_text(value) == "na"):
            if col.need == "R":
                raise _Bad("missing_value", f"{value!r} is a placeholder, not a value: {col.key} ({col.zh}) "
                                            "is required; enter it (0 if there is none)")
            row.values[col.key] = None
            return
        row.values[col.key] = _convert(row, col, value)
    except _Bad as bad:
        row.error(col.key, bad.code, bad.message)
        row.values[col.key] = None


def _share(row: _Row, col: Column, value: object) -> float:
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
            row.error(col.key, "share_below_one",
                      f"{x:g} in {col.key} ({col.zh}), a percentage 0..100, is below 1 %: if you meant "
                      f"{x * 100:g} %, enter {x * 100:g} (or format the cell as a percentage)", "warning")
    _check_range(x, col)
    return x


def _convert(row: _Row, col: Column, value: object) -> object:
    t = col.type
    if t == "number":
        if col.scale:
            return _share(row, col, value)
        x = parse_number(value)
        _check_range(x, col)
        return x
    if t == "date":
        return parse_date(value)
    if t == "enum":
        return parse_enum(value, col.enum or "")
    if t in ("region", "country"):
        code = parse_region(value, countries_only=(t == "country"))
        if code == "NA":
            row.error(col.key, "ambiguous_na", "'NA' is read as Namibia; if you meant 'not available', "
                                               "leave the cell empty", "warning")
        return code
    if t == "unit":
        u = normalize_unit(value)
        if u is None:
            raise _Bad("unknown_unit", f"{_as_text(value)!r} is not a known unit: use one of {', '.join(UNITS)}")
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
            raise _Bad("bad_id", f"{text!r} is not a valid id: use {_ID}")
    elif t == "line":
        if len(text) > 64:
            raise _Bad("bad_id", "line_id is longer than 64 characters")
    elif t == "email":
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
            row.error(col.key, "bad_email", f"{text!r} does not look like an e-mail address", "warning")
    elif len(text) > 1000:
        raise _Bad("text_too_long", f"text of {len(text)} characters: keep it under 1000")
    return text


def _check_range(x: float, col: Column) -> None:
    if col.min is not None and (x <= col.min if col.min_open else x < col.min):
        op = ">" if col.min_open else ">="
        raise _Bad("negative_value" if x < 0 else "out_of_range",
                   f"{x:g} is not allowed: {col.key} must be {op} {col.min:g}")
    if col.max is not None and x > col.max:
        hint = ""
        if col.scale == "fraction" and x <= 100:
            hint = f" (a share, 0..1: {x:g}% is {x / 100:g}; or format the cell as a percentage)"
        raise _Bad("out_of_range", f"{x:g} is above the maximum {col.max:g} of {col.key}{hint}")


# ---------------------------------------------------------------- sheets

def _sheet_checks(ctx: _Ctx, sheet: RawSheet, spec: SheetSpec) -> None:
    """Workbook-shape findings for a data sheet: hidden rows/columns, merged cells."""
    title = sheet.title
    if sheet.header_hidden:
        ctx.add(title, 1, None, "hidden_header",
                "the header row 1 is hidden but names the columns: unhide it to check the headers", "warning")
    hidden = [r.number for r in sheet.rows if r.hidden]
    for n in hidden[:MAX_ROW_WARNINGS]:
        ctx.add(title, n, None, "hidden_row", f"row {n} is hidden but is read as data: unhide it to check it",
                "warning")
    if len(hidden) > MAX_ROW_WARNINGS:
        more = hidden[MAX_ROW_WARNINGS:]
        ctx.add(title, more[0], None, "hidden_row",
                f"{len(more)} more hidden rows are read as data (rows {', '.join(map(str, more[:5]))}"
                f"{', ...' if len(more) > 5 else ''}; {len(hidden)} in all): unhide all rows "
                "(select the sheet, Format > Unhide Rows) to check them", "warning")
    for lo, hi in sheet.hidden_columns[:50]:
        ctx.add(title, None, None, "hidden_column",
                f"columns {column_letter(lo)}..{column_letter(hi)} are hidden: unhide them to check them", "warning")
    for r1, c1, r2, c2 in sheet.merged:
        ref = f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}"
        if r2 >= 2:
            ctx.add(title, max(r1, 2), None, "merged_cells",
                    f"cells {ref} are merged: only the first holds a value; unmerge them and fill every cell")
        else:
            ctx.add(title, 1, None, "merged_cells", f"header cells {ref} are merged: unmerge them", "warning")


def _map_headers(ctx: _Ctx, sheet: RawSheet, spec: SheetSpec) -> dict[int, str]:
    """Column number -> key; reports duplicate, unknown and missing columns."""
    title = sheet.title
    mapping: dict[int, str] = {}
    seen: dict[str, int] = {}
    for col in sorted(sheet.header):
        cell = sheet.header[col]
        key = match_header(_as_text(cell.value), spec) if cell.kind == "text" else None
        if key is None:
            ctx.add(title, 1, None, "unknown_column",
                    f"{cell.coordinate}: column {_as_text(cell.value)!r} is not part of the {spec.key} sheet and "
                    f"is ignored (columns: {', '.join(c.key for c in spec.columns)})", "warning")
            continue
        if key in seen:
            ctx.add(title, 1, key, "duplicate_header",
                    f"{cell.coordinate}: column {key} also appears in {column_letter(seen[key])}1: keep one")
            continue
        seen[key] = col
        mapping[col] = key
    data_cols = {c for r in sheet.rows for c in r.cells}
    for col in sorted(data_cols - set(sheet.header))[:20]:
        ctx.add(title, 1, None, "unnamed_column",
                f"column {column_letter(col)} has data but no header: it is ignored", "warning")
    for c in spec.columns:
        if c.need == "R" and c.key not in seen:
            ctx.add(title, 1, c.key, "missing_column",
                    f"required column {c.key} ({c.zh}) is missing: add it to row 1")
    return mapping


def _is_example(cells: dict[str, Cell], spec: SheetSpec) -> bool:
    if not spec.example_column:
        return False
    cell = cells.get(spec.example_column)
    return cell is not None and cell.kind == "text" and _norm_text(str(cell.value)) in EXAMPLE_IDS


def _same_as_example(cell: Cell, col: Column) -> bool:
    example = col.example
    if example is None or example == "":
        return False
    if isinstance(example, (int, float)) and cell.kind == "number":
        return float(cell.value) == float(example)
    return cell.kind == "text" and _norm_text(str(cell.value)) == _norm_text(str(example))


def _example_row(ctx: _Ctx, sheet: RawSheet, spec: SheetSpec, number: int, cells: dict[str, Cell]) -> None:
    """The template's example row is skipped, unless data was typed into it: then it is an error naming the row."""
    changed = [key for key, cell in cells.items() if key != spec.example_column
               and not _same_as_example(cell, spec.column(key))]
    if changed:
        ex = _as_text(cells[spec.example_column].value)
        ctx.add(sheet.title, number, changed[0], "example_row",
                f"row {number} is the template's example row ({spec.example_column} {ex}) but holds data of its "
                f"own ({', '.join(changed)}): example rows are never imported; give the row your own "
                f"{spec.example_column} (or delete the example row)")


def _table_rows(ctx: _Ctx, sheet: RawSheet, spec: SheetSpec) -> list[_Row]:
    """Parse every data row of a table sheet into typed values."""
    _sheet_checks(ctx, sheet, spec)
    mapping = _map_headers(ctx, sheet, spec)
    if any(i.code == "missing_column" and i.sheet == sheet.title for i in ctx.issues):
        return []
    rows = []
    columns = spec.columns
    for raw in sheet.rows:
        cells = {mapping[c]: cell for c, cell in raw.cells.items() if c in mapping}
        if not cells:
            continue
        if _is_example(cells, spec):
            _example_row(ctx, sheet, spec, raw.number, cells)
            continue
        row = _Row(ctx, sheet, spec, raw.number, cells)
        values = row.values
        for col in columns:
            if col.key not in cells and col.need != "R":
                values[col.key] = None  # what _parse_field does for an empty optional cell, without the call
            else:
                _parse_field(row, col)
        rows.append(row)
    return rows


def _supplier(ctx: _Ctx, sheet: RawSheet | None) -> tuple[SupplierInfo | None, bool]:
    """(SupplierInfo or None, blank) from the field/value Supplier sheet."""
    spec = SHEETS["Supplier"]
    if sheet is None:  # reported by validate (a required sheet)
        return None, False
    _sheet_checks(ctx, sheet, spec)
    value_col, rows = 2, list(sheet.rows)
    hidx = {_norm_key(a): k for k, alts in _SUPPLIER_HEADER.items() for a in alts}
    head = {c: _match(_as_text(cell.value), hidx) for c, cell in sheet.header.items()}
    if head.get(1) != "field":
        if sheet.header:
            rows.insert(0, RawRow(1, sheet.header))  # no header row: row 1 is a field
    else:
        value_col = next((c for c, h in head.items() if h == "value"), 2)
    fields: dict[str, Cell] = {}
    row_of: dict[str, int] = {}
    index = _key_index(spec.columns)
    for raw in rows:
        label = raw.cells.get(1)
        if label is None:
            if raw.cells:
                ctx.add(sheet.title, raw.number, None, "unknown_field",
                        f"row {raw.number} has a value but no field name in column A: it is ignored", "warning")
            continue
        key = _match(_as_text(label.value), index)
        if key is None:
            ctx.add(sheet.title, raw.number, None, "unknown_field",
                    f"{label.coordinate}: field {_as_text(label.value)!r} is not part of the Supplier sheet "
                    "and is ignored", "warning")
            continue
        if key in row_of:
            ctx.add(sheet.title, raw.number, key, "duplicate_field",
                    f"{label.coordinate}: field {key} is also in row {row_of[key]}: keep one")
            continue
        row_of[key] = raw.number
        if value_col in raw.cells:
            fields[key] = raw.cells[value_col]
    blank = not any(k != "template_version" for k in fields)
    if blank:
        return None, True
    values: dict[str, object] = {}
    ok = True
    for col in spec.columns:
        r = _Row(ctx, sheet, spec, row_of.get(col.key, 0) or None, {col.key: fields[col.key]} if col.key in fields else {})
        if col.key not in row_of and col.need == "R":
            ctx.add(sheet.title, None, col.key, "missing_value",
                    f"field {col.key} ({col.zh}) is missing: add a row with it in column A and its value in "
                    f"column {column_letter(value_col)}")
            ok = False
            continue
        _parse_field(r, col)
        ok &= r.ok
        values[col.key] = r.values.get(col.key)
    start, end = values.get("reporting_period_start"), values.get("reporting_period_end")
    if isinstance(start, date) and isinstance(end, date) and end <= start:
        ctx.add(sheet.title, row_of.get("reporting_period_end"), "reporting_period_end", "bad_period",
                f"the reporting period ends ({end}) before it starts ({start}): check both dates")
        ok = False
    if not ok:
        return None, False
    return SupplierInfo(
        company_name=values["company_name"], company_id=values["company_id"], country=values["country"],
        reporting_period_start=start, reporting_period_end=end, green_factory=values.get("green_factory"),
        contact_email=values.get("contact_email"), template_version=TEMPLATE_VERSION), False


def _header_of(sheet: RawSheet) -> str | None:
    """The data sheet whose required columns (or, for Supplier, at least 3 field names) a sheet's row 1 holds."""
    texts = [_as_text(c.value) for c in sheet.header.values() if c.kind == "text"]
    fits = []
    for spec in SHEETS.values():
        if spec.layout == "fields":
            labels = [_as_text(r.cells[1].value) for r in sheet.rows if 1 in r.cells and r.cells[1].kind == "text"]
            index = _key_index(spec.columns)
            if len({_match(t, index) for t in labels + texts[:1]} - {None}) >= 3:
                fits.append(spec.key)
            continue
        keys = {match_header(t, spec) for t in texts}
        required = {c.key for c in spec.columns if c.need == "R"}
        if required <= keys:
            fits.append(spec.key)
    return fits[0] if len(fits) == 1 else None


def _misnamed(ctx: _Ctx, title: str, sheet: RawSheet) -> bool:
    """A sheet with a data sheet's header but another name is an error (its rows would be silently lost)."""
    key = _header_of(sheet)
    if key is None:
        return False
    spec = SHEETS[key]
    ctx.add(title, None, None, "misnamed_sheet",
            f"sheet {title!r} has the columns of the {spec.key} ({spec.zh}) sheet but not its name, so none of its "
            f"rows would be read: rename the sheet to {spec.key} or {spec.zh} (one sheet per kind)")
    return True


def _locate_sheets(ctx: _Ctx) -> dict[str, RawSheet]:
    found: dict[str, RawSheet] = {}
    for title, sheet in ctx.raw.sheets.items():
        key = match_sheet(title)
        if key == "Instructions":
            continue
        if key is None and _misnamed(ctx, title, sheet):
            continue
        if key is None:
            ctx.add(title, None, None, "unknown_sheet",
                    f"sheet {title!r} is not part of the template and is ignored "
                    f"(sheets: {', '.join(f'{s.key}/{s.zh}' for s in SHEETS.values())})", "warning")
            continue
        if key in found:
            ctx.add(title, None, None, "duplicate_sheet",
                    f"sheet {title!r} and sheet {found[key].title!r} are both the {key} sheet: keep one")
            continue
        found[key] = sheet
        ctx.titles[key] = title
    return found


# ---------------------------------------------------------------- records from rows

def _check_unique(r: "_Row", key: str, value, seen: dict[str, int]) -> None:
    """An id used twice in one sheet is an error naming the row that used it first."""
    if value is None:
        return
    if value in seen:
        r.error(key, "duplicate_id", f"{key} {value!r} is already used in row {seen[value]}: give each row its own id")
    else:
        seen[value] = r.number


def _products(ctx: _Ctx, rows: list[_Row]) -> dict[str, Product]:
    out: dict[str, Product] = {}
    seen: dict[str, int] = {}
    for r in rows:
        pid = r.get("product_id")
        _check_unique(r, "product_id", pid, seen)
        unit, mass = r.get("declared_unit"), r.get("mass_kg")
        amount = r.get("declared_amount") if r.get("declared_amount") is not None else 1.0
        if unit is not None and unit not in ("kg", "t") and mass is None and r.cells.get("mass_kg") is None:
            r.error("mass_kg", "missing_value",
                    f"mass_kg (质量(kg)) is required when declared_unit is {unit}: enter the mass per declared amount")
        if unit in ("kg", "t"):
            implied = amount * UNITS[unit].base_factor
            if mass is not None and abs(mass - implied) > MASS_TOLERANCE * implied:
                r.error("mass_kg", "mass_inconsistent",
                        f"mass_kg {mass:g} does not match the declared {amount:g} {unit} ({implied:g} kg; more "
                        f"than {MASS_TOLERANCE:.0%} apart): correct mass_kg or leave it empty", "warning")
            mass = implied if mass is None else mass
        if not r.ok or pid is None:
            continue
        out[pid] = Product(pid, r.get("product_name"), unit, float(amount), r.get("production_region"), mass,
                           r.get("declared_pcf_kgco2e"), r.get("annual_output"), r.number)
    return out


def _check_product(r: _Row, products: dict[str, Product], all_ids: set[str]) -> Product | None:
    pid = r.get("product_id")
    if pid is None:
        return None
    if pid not in all_ids:
        known = ", ".join(sorted(all_ids)[:10]) or "none"
        r.error("product_id", "unknown_product",
                f"product_id {pid!r} is not in the Products sheet (known: {known}): add it there or fix the id")
        return None
    return products.get(pid)


def _materials(rows: list[_Row], products: dict[str, Product], ids: set[str],
               pcfs: dict[str, SupplierPCF], company_id: str | None) -> list[MaterialLine]:
    out: list[MaterialLine] = []
    seen: dict[tuple[str, str], int] = {}
    for r in rows:
        _check_product(r, products, ids)
        pid, line = r.get("product_id"), r.get("line_id")
        if pid is not None and line is not None:
            if (pid, line) in seen:
                r.error("line_id", "duplicate_id", f"line_id {line!r} of product {pid!r} is already used in "
                                                   f"row {seen[(pid, line)]}")
            else:
                seen[(pid, line)] = r.number
        dataset, ds_unit, ds_amount = _link_material(r, pcfs, ids, company_id)
        if not r.ok:
            continue
        out.append(MaterialLine(pid, line, r.get("material"), r.get("amount"), r.get("unit"), r.get("source"),
                                r.get("reference"), r.get("origin_region"), r.get("recycled_share"),
                                r.get("supplier_name"), dataset, ds_unit, ds_amount, r.number))
    return out


def _link_material(r: _Row, pcfs: dict[str, SupplierPCF], ids: set[str], company_id: str | None):
    """Check source/reference/material/unit of a Materials row; (dataset, its unit, converted amount)."""
    source, ref, unit, amount = r.get("source"), r.get("reference"), r.get("unit"), r.get("amount")
    material = r.get("material")
    if source is None or material is None:
        return None, None, None
    if source == "supplier_product":
        if ref is None:
            r.error("reference", "missing_value", "a supplier_product line needs reference COMPANY_ID/PRODUCT_ID")
        elif not re.fullmatch(r"[A-Za-z0-9._-]{1,64}/[A-Za-z0-9._-]{1,64}", ref):
            r.error("reference", "bad_reference",
                    f"{ref!r} is not COMPANY_ID/PRODUCT_ID (e.g. ACME-CATHODE/NCM811-CAM)")
        elif company_id and ref.split("/")[0] == company_id and ref.split("/")[1] not in ids:
            r.error("reference", "unknown_product",
                    f"{ref!r} names your own company but product {ref.split('/')[1]!r} is not in Products")
        elif company_id and ref == f"{company_id}/{r.get('product_id')}":
            r.error("reference", "self_reference",
                    f"product {r.get('product_id')!r} lists itself ({ref}) as its own material {material!r}: a "
                    "product cannot be an input of itself (its footprint would be inflated by 1/(1 - amount)); "
                    "reference the real input (another product or a dataset) or delete the row")
        res = r.ctx.resolve(material)
        return (res.code, res.unit, None) if res.code else (None, None, None)
    if source == "supplier_pcf":
        if ref is None:
            r.error("reference", "missing_value", "a supplier_pcf line needs reference = a pcf_id of SupplierPCFs")
            return None, None, None
        pcf = pcfs.get(ref)
        if pcf is None and ref in r.ctx.pcf_ids:
            return None, None, None  # that PCF row has its own error
        if pcf is None:
            known = ", ".join(sorted(pcfs)[:10]) or "none"
            r.error("reference", "unknown_reference",
                    f"pcf_id {ref!r} is not in the SupplierPCFs sheet (known: {known})")
            return None, None, None
        bw = UNITS[pcf.declared_unit].bw_unit
        return None, bw, _converted(r, amount, unit, bw, f"the PCF {ref} is per {pcf.declared_unit}")
    # background
    if ref is not None and not re.fullmatch(r"[^:\s]+:[^:\s]+", ref):
        r.error("reference", "bad_reference", f"{ref!r} is not a dataset reference database:code")
        return None, None, None
    res = r.ctx.resolve(ref or material)
    if res.code is None:
        sugg = f" Closest known names: {', '.join(res.suggestions)}." if res.suggestions else ""
        why = f" {res.reason}." if getattr(res, "reason", "") else ""
        key = "reference" if ref else "material"
        r.error(key, "unknown_material",
                f"{(ref or material)!r} is not a known material or dataset.{why}{sugg} Use a name from "
                "inventories/aliases.csv or a dataset database:code")
        return None, None, None
    if res.unit is None:
        return res.code, None, None
    return res.code, res.unit, _converted(r, amount, unit, res.unit, f"the dataset {res.code} is per {res.unit}")


def _converted(r: _Row, amount, unit, target: str, why: str) -> float | None:
    if unit is None or amount is None:
        return None
    if not is_convertible(unit, target):
        ok_units = [u for u, d in UNITS.items() if d.dimension == dimension(target)]
        r.error("unit", "unit_mismatch", f"{unit} cannot be converted: {why}; use one of {', '.join(ok_units)}")
        return None
    return convert(amount, unit, target)


def _energy(rows: list[_Row], products: dict[str, Product], ids: set[str]) -> list[EnergyLine]:
    out = []
    for r in rows:
        prod = _check_product(r, products, ids)
        carrier, unit, amount = r.get("carrier"), r.get("unit"), r.get("amount")
        ref_amount = None
        if carrier is not None and unit is not None:
            allowed = CARRIERS[carrier].units
            if unit not in allowed:
                r.error("unit", "unknown_unit", f"{unit} is not a unit for {carrier}: use one of {', '.join(allowed)}")
            elif amount is not None:
                ref_amount = convert_carrier(carrier, amount, unit)
        region, sourcing = r.get("grid_region"), r.get("sourcing")
        if carrier is not None and carrier != "electricity":
            for key, val in (("grid_region", region), ("sourcing", sourcing)):
                if val is not None:
                    r.error(key, "ignored_value", f"{key} applies to electricity only and is ignored for {carrier}",
                            "warning")
            region = sourcing = None
        elif carrier == "electricity":
            region = region or (prod.production_region if prod else None)
            sourcing = sourcing or "grid"
        ef_row, ef_unit_text = _supplier_ef(r, carrier, unit)
        if not r.ok:
            continue
        out.append(EnergyLine(r.get("product_id"), carrier, amount, unit, ref_amount,
                              CARRIERS[carrier].reference_unit, region, sourcing, ef_row, r.number,
                              r.get("supplier_ef_kgco2e_per_unit"), ef_unit_text))
    return out


def _supplier_ef(r: _Row, carrier: str | None, unit: str | None) -> tuple[float | None, str | None]:
    """The supplier's emission factor per the row's unit [kg CO2e / unit], and its unit as stated.

    The factor is stated in ``supplier_ef_unit`` or, when that is empty, in kg CO2e/kWh for
    electricity and kg CO2e per the row's unit for other carriers. It must lie in the carrier's
    plausible range (``inventories/vocabulary/carriers.csv``), else the cell is refused naming the range.
    """
    ef, stated = r.get("supplier_ef_kgco2e_per_unit"), r.get("supplier_ef_unit")
    if ef is None:
        if stated is not None:
            r.error("supplier_ef_unit", "ignored_value",
                    "supplier_ef_unit is given without supplier_ef_kgco2e_per_unit and is ignored", "warning")
        return None, None
    if carrier is None or unit is None or unit not in CARRIERS[carrier].units:
        return None, None  # the row has its own error
    c = CARRIERS[carrier]
    if stated is None:
        kg_per, per_unit = 1.0, ("kWh" if carrier == "electricity" else unit)
    else:
        kg_per, per_unit = stated
        if per_unit not in c.units:
            r.error("supplier_ef_unit", "unit_mismatch",
                    f"an emission factor per {per_unit} does not fit {carrier}: use kg CO2e per one of "
                    f"{', '.join(c.units)}")
            return None, None
    text = f"{'kg' if kg_per == 1.0 else 't' if kg_per == 1000.0 else 'g'} CO2e/{per_unit}"
    per_reference = ef * kg_per / convert_carrier(carrier, 1.0, per_unit)  # [kg CO2e / reference unit]
    lo, hi = c.ef_range
    ref_unit = {"kilowatt hour": "kWh", "cubic meter": "m3", "kilogram": "kg", "megajoule": "MJ"}.get(
        c.reference_unit, c.reference_unit)
    if not lo <= per_reference <= hi:
        r.error("supplier_ef_kgco2e_per_unit", "implausible_factor",
                f"{ef:g} {text} is {per_reference:.4g} kg CO2e/{ref_unit}, outside the plausible range "
                f"{lo:g}..{hi:g} kg CO2e/{ref_unit} for {carrier} ({c.ef_range_source}): check the value and "
                "its unit (supplier_ef_unit; empty means "
                f"{'kg CO2e/kWh' if carrier == 'electricity' else 'kg CO2e per the row unit'})")
        return None, None
    return per_reference * convert_carrier(carrier, 1.0, unit), text


def _transport(rows, products, ids) -> list[TransportLine]:
    out = []
    for r in rows:
        _check_product(r, products, ids)
        if r.ok:
            out.append(TransportLine(r.get("product_id"), r.get("mode"), r.get("mass_t"), r.get("distance_km"),
                                     r.get("direction") or "inbound", r.number))
    return out


def _emissions(rows, products, ids) -> list[EmissionLine]:
    out = []
    for r in rows:
        _check_product(r, products, ids)
        if r.ok:
            amount, unit = r.get("amount"), r.get("unit")
            out.append(EmissionLine(r.get("product_id"), r.get("gas"), amount, unit,
                                    amount * UNITS[unit].base_factor, r.number))
    return out


def _pcfs(ctx: _Ctx, rows: list[_Row], supplier: SupplierInfo | None) -> dict[str, SupplierPCF]:
    out: dict[str, SupplierPCF] = {}
    seen: dict[str, int] = {}
    for r in rows:
        pid = r.get("pcf_id")
        _check_unique(r, "pcf_id", pid, seen)
        end = r.get("reference_period_end")
        if end is not None and supplier is not None:
            start = supplier.reporting_period_start
            limit = _years_before(start, PCF_VALIDITY_YEARS)
            if end < limit:
                r.error("reference_period_end", "pcf_outdated",
                        f"the PCF's reference period ended {end}, more than {PCF_VALIDITY_YEARS} years before this workbook's period "
                        f"({start}): ask the supplier for an updated PCF (PACT validity)", "warning")
        if not r.ok or pid is None:
            continue
        verified = r.get("verified")
        out[pid] = SupplierPCF(pid, r.get("supplier_name"), r.get("product_name"), r.get("declared_unit"),
                               r.get("pcf_kgco2e"), r.get("primary_data_share"), r.get("dqr_technological"),
                               r.get("dqr_geographical"), r.get("dqr_temporal"), r.get("standard"), end,
                               None if verified is None else verified == "yes", r.number)
    return out


def _years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def _empty_products(ctx: _Ctx, rows: dict[str, list], products: dict[str, Product]) -> None:
    """A product without a single Materials, Energy, Transport or Emissions row is an error (its footprint: 0)."""
    used = {r.get("product_id") for key in ("Materials", "Energy", "Transport", "Emissions")
            for r in rows.get(key, [])}
    for pid, p in products.items():
        if pid not in used:
            ctx.add(ctx.titles.get("Products", "Products"), p.row, "product_id", "empty_product",
                    f"product {pid!r} has no Materials, Energy, Transport or Emissions row: its footprint would be "
                    "0 kg CO2e; add its inputs and emissions (or delete the product)")


def _line_mass(m: MaterialLine, products: dict[str, Product], company_id: str | None) -> float | None:
    """[kg] of a Materials line per declared amount, or None when the workbook does not tell it.

    A line in a mass unit weighs its amount; a ``supplier_product`` line of the same company's
    product in that product's declared unit weighs amount x its mass per declared unit; bought
    products of other companies (and PCF lines in pieces, m2...) have a mass known only elsewhere.
    """
    if dimension(m.unit) == "mass":
        return m.amount * UNITS[m.unit].base_factor
    if m.source == "supplier_product" and company_id and m.reference_company == company_id:
        p = products.get(m.reference_product or "")
        if p is not None and p.mass_kg and m.unit == p.declared_unit:
            return m.amount * p.mass_kg / p.declared_amount
    return None


def _mass_balance(ctx: _Ctx, products: dict[str, Product], materials: list[MaterialLine], title: str,
                  company_id: str | None = None) -> None:
    """Warn when the mass of a product differs from the mass of its materials by more than MASS_TOLERANCE.

    When some lines' masses are unknown (bought products in pieces), the known lines give a lower
    bound: only materials heavier than the product are flagged then, never a shortfall.
    """
    totals: dict[str, float] = {}
    unknown: dict[str, int] = {}
    for m in materials:
        kg = _line_mass(m, products, company_id)
        if kg is None:
            unknown[m.product_id] = unknown.get(m.product_id, 0) + 1
        else:
            totals[m.product_id] = totals.get(m.product_id, 0.0) + kg
    for pid, total in totals.items():
        p = products.get(pid)
        if p is None or not p.mass_kg or total <= 0:
            continue
        n_unknown = unknown.get(pid, 0)
        gap = total - p.mass_kg
        if gap > MASS_TOLERANCE * p.mass_kg or (not n_unknown and -gap > MASS_TOLERANCE * p.mass_kg):
            also = (f" (plus {n_unknown} line(s) of unknown mass, so at least {total:g} kg)" if n_unknown else "")
            ctx.add(title, p.row, "mass_kg", "mass_inconsistent",
                    f"product {pid}: materials weigh {total:g} kg per declared amount{also} but mass_kg is "
                    f"{p.mass_kg:g} kg (more than {MASS_TOLERANCE:.0%} apart): check amounts, units and "
                    "declared_amount", "warning")


# ---------------------------------------------------------------- entry point

def validate(raw: RawWorkbook, resolve_material: Callable[[str], Resolution]
             ) -> tuple[Submission, list[InputIssue]]:
    """Check a workbook against template version 1 and build typed records.

    Parameters
    ----------
    raw : RawWorkbook
        From :func:`lca.supply.workbook.read_workbook`.
    resolve_material : callable
        ``name_or_ref -> Resolution``: material names (English/Chinese) and
        ``database:code`` strings to background datasets.

    Returns
    -------
    (Submission, list[InputIssue])
        All problems at once, sorted by sheet order and row. When any issue has
        severity ``error`` the submission is partial and must not be stored.
        A blank workbook (the template as written) gives an empty submission
        and one ``blank_workbook`` warning.
    """
    ctx = _Ctx(raw, resolve_material)
    sheets = _locate_sheets(ctx)
    for spec in SHEETS.values():
        if spec.required and spec.key not in sheets:
            ctx.add(spec.key, None, None, "missing_sheet",
                    f"the {spec.key} ({spec.zh}) sheet is missing: use the template")
    supplier, blank = _supplier(ctx, sheets.get("Supplier"))
    rows = {key: _table_rows(ctx, sheets[key], SHEETS[key]) for key in SHEETS
            if key != "Supplier" and key in sheets and (sheets[key].header or sheets[key].rows)}
    if blank and not any(rows.values()) and not ctx.has_errors:
        ctx.add(ctx.titles.get("Supplier", "Supplier"), None, None, "blank_workbook",
                "the workbook is blank: fill in the Supplier sheet and at least one product", "warning")
        return Submission(None, source_file=raw.path, sheet_titles=dict(ctx.titles)), _sorted(ctx)
    if blank:
        ctx.add(ctx.titles.get("Supplier", "Supplier"), None, None, "missing_value",
                "the Supplier sheet is empty: fill in company_name, company_id, country and the reporting period")
    all_ids = {r.get("product_id") for r in rows.get("Products", []) if r.get("product_id")}
    products = _products(ctx, rows.get("Products", []))
    ctx.pcf_ids = {r.get("pcf_id") for r in rows.get("SupplierPCFs", []) if r.get("pcf_id")}
    pcfs = _pcfs(ctx, rows.get("SupplierPCFs", []), supplier)
    company = supplier.company_id if supplier else None
    materials = _materials(rows.get("Materials", []), products, all_ids, pcfs, company)
    energy = _energy(rows.get("Energy", []), products, all_ids)
    transport = _transport(rows.get("Transport", []), products, all_ids)
    emissions = _emissions(rows.get("Emissions", []), products, all_ids)
    if "Products" in sheets and not rows.get("Products"):
        ctx.add(ctx.titles["Products"], None, None, "no_products",
                "the Products sheet has no product: add at least one row below the header")
    _mass_balance(ctx, products, materials, ctx.titles.get("Products", "Products"), company)
    _empty_products(ctx, rows, products)
    used = {m.reference for m in materials if m.source == "supplier_pcf"}
    for pid, pcf in pcfs.items():
        if pid not in used:
            ctx.add(ctx.titles["SupplierPCFs"], pcf.row, "pcf_id", "unused_pcf",
                    f"pcf_id {pid!r} is not referenced by any Materials line", "warning")
    sub = Submission(supplier, tuple(products.values()), tuple(materials), tuple(energy), tuple(transport),
                     tuple(emissions), tuple(pcfs.values()), raw.path, dict(ctx.titles))
    return sub, _sorted(ctx)


def _sorted(ctx: _Ctx) -> list[InputIssue]:
    order = {t: i for i, t in enumerate(ctx.raw.sheets)}
    return sorted(ctx.issues, key=lambda i: (order.get(i.sheet or "", -1), i.row or 0))


def validate_file(path, resolve_material: Callable[[str], Resolution]) -> tuple[Submission, list[InputIssue]]:
    """Read (safely) and validate a workbook file; file-level warnings come first.

    Raises lca.InputError when the file itself is refused (see ``read_workbook``).
    """
    from lca.supply.workbook import read_workbook
    raw, issues = read_workbook(path)
    sub, more = validate(raw, resolve_material)
    return sub, issues + more
