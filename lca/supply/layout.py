"""Sheet-layout rules: which sheets a workbook has, their header rows and shape, the example rows, rows into fields.

:func:`locate_sheets` finds the template's sheets by name (English or Chinese) and
reports unknown, duplicate and misnamed ones; :func:`table_rows` maps a table
sheet's header row to column keys (unknown, duplicate, missing, unnamed columns),
reports hidden rows and columns and merged cells, skips the template's example
rows (or refuses one that holds data of its own) and parses each remaining row
(:func:`lca.supply.fields.parse_field`); :func:`supplier` reads the field/value
Supplier sheet into a :class:`~lca.supply.records.SupplierInfo`.
"""
from __future__ import annotations

from datetime import date

from lca.errors import Severity
from lca.supply.cells import as_text as _as_text
from lca.supply.fields import Ctx, Row, parse_field
from lca.supply.records import SupplierInfo
from lca.supply.sheets import (EXAMPLE_IDS, SHEETS, SUPPLIER_HEADER as _SUPPLIER_HEADER, TEMPLATE_VERSION, Column,
                               SheetSpec, key_index as _key_index, match as _match, match_header, match_sheet)
from lca.supply.workbook import Cell, RawRow, RawSheet, column_letter
from lca.text import norm_key as _norm_key, norm_text as _norm_text

__all__ = ["MAX_ROW_WARNINGS", "locate_sheets", "supplier", "table_rows"]

# Per-row warnings (hidden rows) reported one by one; beyond this, one summary warning with the count.
MAX_ROW_WARNINGS = 20


def _sheet_checks(ctx: Ctx, sheet: RawSheet, spec: SheetSpec) -> None:
    """Workbook-shape findings for a data sheet: hidden rows/columns, merged cells."""
    title = sheet.title
    if sheet.header_hidden:
        ctx.add(title, 1, None, "hidden_header",
                "the header row 1 is hidden but names the columns: unhide it to check the headers", Severity.WARNING)
    hidden = [r.number for r in sheet.rows if r.hidden]
    for n in hidden[:MAX_ROW_WARNINGS]:
        ctx.add(title, n, None, "hidden_row", f"row {n} is hidden but is read as data: unhide it to check it",
                Severity.WARNING)
    if len(hidden) > MAX_ROW_WARNINGS:
        more = hidden[MAX_ROW_WARNINGS:]
        ctx.add(title, more[0], None, "hidden_row",
                f"{len(more)} more hidden rows are read as data (rows {', '.join(map(str, more[:5]))}"
                f"{', ...' if len(more) > 5 else ''}; {len(hidden)} in all): unhide all rows "
                "(select the sheet, Format > Unhide Rows) to check them", Severity.WARNING)
    for lo, hi in sheet.hidden_columns[:50]:
        ctx.add(title, None, None, "hidden_column",
                f"columns {column_letter(lo)}..{column_letter(hi)} are hidden: unhide them to check them", Severity.WARNING)
    for r1, c1, r2, c2 in sheet.merged:
        ref = f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}"
        if r2 >= 2:
            ctx.add(title, max(r1, 2), None, "merged_cells",
                    f"cells {ref} are merged: only the first holds a value; unmerge them and fill every cell")
        else:
            ctx.add(title, 1, None, "merged_cells", f"header cells {ref} are merged: unmerge them", Severity.WARNING)


def _map_headers(ctx: Ctx, sheet: RawSheet, spec: SheetSpec) -> dict[int, str]:
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
                    f"is ignored (columns: {', '.join(c.key for c in spec.columns)})", Severity.WARNING)
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
                f"column {column_letter(col)} has data but no header: it is ignored", Severity.WARNING)
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


def _example_row(ctx: Ctx, sheet: RawSheet, spec: SheetSpec, number: int, cells: dict[str, Cell]) -> None:
    """The template's example row is skipped, unless data was typed into it: then it is an error naming the row."""
    changed = [key for key, cell in cells.items() if key != spec.example_column
               and not _same_as_example(cell, spec.column(key))]
    if changed:
        ex = _as_text(cells[spec.example_column].value)
        ctx.add(sheet.title, number, changed[0], "example_row",
                f"row {number} is the template's example row ({spec.example_column} {ex}) but holds data of its "
                f"own ({', '.join(changed)}): example rows are never imported; give the row your own "
                f"{spec.example_column} (or delete the example row)")


def table_rows(ctx: Ctx, sheet: RawSheet, spec: SheetSpec) -> list[Row]:
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
        row = Row(ctx, sheet, spec, raw.number, cells)
        values = row.values
        for col in columns:
            if col.key not in cells and col.need != "R":
                values[col.key] = None  # what parse_field does for an empty optional cell, without the call
            else:
                parse_field(row, col)
        rows.append(row)
    return rows


def supplier(ctx: Ctx, sheet: RawSheet | None) -> tuple[SupplierInfo | None, bool]:
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
                        f"row {raw.number} has a value but no field name in column A: it is ignored", Severity.WARNING)
            continue
        key = _match(_as_text(label.value), index)
        if key is None:
            ctx.add(sheet.title, raw.number, None, "unknown_field",
                    f"{label.coordinate}: field {_as_text(label.value)!r} is not part of the Supplier sheet "
                    "and is ignored", Severity.WARNING)
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
        r = Row(ctx, sheet, spec, row_of.get(col.key, 0) or None, {col.key: fields[col.key]} if col.key in fields else {})
        if col.key not in row_of and col.need == "R":
            ctx.add(sheet.title, None, col.key, "missing_value",
                    f"field {col.key} ({col.zh}) is missing: add a row with it in column A and its value in "
                    f"column {column_letter(value_col)}")
            ok = False
            continue
        parse_field(r, col)
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


def _misnamed(ctx: Ctx, title: str, sheet: RawSheet) -> bool:
    """A sheet with a data sheet's header but another name is an error (its rows would be silently lost)."""
    key = _header_of(sheet)
    if key is None:
        return False
    spec = SHEETS[key]
    msg = (f"工作表“{title}”含有{spec.zh}（{spec.key}）表的列，但名称不是该表的名称，其中各行都不会被读取："
           f"请将工作表改名为“{spec.zh}”或“{spec.key}”（每类一张表）" if ctx.lang == "zh" else
           f"sheet {title!r} has the columns of the {spec.key} ({spec.zh}) sheet but not its name, so none of its "
           f"rows would be read: rename the sheet to {spec.key} or {spec.zh} (one sheet per kind)")
    ctx.add(title, None, None, "misnamed_sheet", msg)
    return True


def locate_sheets(ctx: Ctx) -> dict[str, RawSheet]:
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
                    f"(sheets: {', '.join(f'{s.key}/{s.zh}' for s in SHEETS.values())})", Severity.WARNING)
            continue
        if key in found:
            ctx.add(title, None, None, "duplicate_sheet",
                    f"sheet {title!r} and sheet {found[key].title!r} are both the {key} sheet: keep one")
            continue
        found[key] = sheet
        ctx.titles[key] = title
    return found
