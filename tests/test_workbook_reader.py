"""Safe reading of untrusted workbooks: zip bombs, XML attacks, huge sheets and damaged files refused within bounds."""
from __future__ import annotations

import datetime as dt
import string
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from xlsx_factory import (LAUGHS, MACRO_MAIN, NS, build, inline,  # noqa: E402
                          num, rewrite_member, sheet_xml, write_raw_xlsx, write_zip_bomb)

import lca.supply.workbook as W  # noqa: E402
from lca.errors import InputError  # noqa: E402
from lca.supply.rules import dict_resolver, validate  # noqa: E402
from lca.supply.workbook import read_workbook  # noqa: E402


def _peak_mb(fn):
    """(result of ``fn()``, peak memory it allocated [MB]), measured with tracemalloc.

    Not the process's ``ru_maxrss``: that is a high-water mark of the whole run, which earlier tests
    may already have raised above anything ``fn`` allocates, so its delta would stay 0."""
    tracing = tracemalloc.is_tracing()
    if tracing:
        tracemalloc.reset_peak()
    else:
        tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        out = fn()
        return out, (tracemalloc.get_traced_memory()[1] - base) / 2**20
    finally:
        if not tracing:
            tracemalloc.stop()


def _refused(path, code: str, match: str | None = None) -> InputError:
    with pytest.raises(InputError) as info:
        read_workbook(path)
    err = info.value
    assert err.issues and err.issues[0].code == code, err.issues
    assert str(path) in str(err) and "\n" not in str(err)
    if match:
        assert match in str(err)
    return err


# ---------------------------------------------------------------- XML attacks


def test_billion_laughs_in_shared_strings_refused_fast(tmp_path):
    shared = LAUGHS + f'<sst xmlns="{NS}"><si><t>&lol9;</t></si></sst>'
    p = write_raw_xlsx(tmp_path / "laughs.xlsx", sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), shared)
    t = time.perf_counter()
    _refused(p, "forbidden_xml", "DTD")
    assert time.perf_counter() - t < 2


def test_billion_laughs_in_sheet_refused_fast(tmp_path):
    sheet = LAUGHS + f'<worksheet xmlns="{NS}"><sheetData><row r="1">{inline("A1", "&lol9;")}</row></sheetData></worksheet>'
    p = write_raw_xlsx(tmp_path / "laughs2.xlsx", sheet)
    t = time.perf_counter()
    _refused(p, "forbidden_xml")
    assert time.perf_counter() - t < 2


def test_external_entity_refused(tmp_path):
    sheet = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
             f'<worksheet xmlns="{NS}"><sheetData><row r="1">{inline("A1", "&xxe;")}</row></sheetData></worksheet>')
    p = write_raw_xlsx(tmp_path / "xxe.xlsx", sheet)
    err = _refused(p, "forbidden_xml")
    assert "root:" not in str(err)


def test_dtd_in_workbook_part_refused(tmp_path):
    p = write_raw_xlsx(tmp_path / "dtd.xlsx", sheet_xml(""))
    rewrite_member(p, "xl/workbook.xml", lambda b: b.replace(b"<workbook", b"<!DOCTYPE w [<!ENTITY a 'b'>]><workbook", 1))
    _refused(p, "forbidden_xml")


# ---------------------------------------------------------------- zip level

@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> Path:
    """~0.8 MB that inflates to ~300 MB of rows (millions of cells)."""
    return write_zip_bomb(tmp_path_factory.mktemp("bomb") / "bomb.xlsx")


def test_zip_bomb_refused_fast_and_small(zip_bomb):
    assert zip_bomb.stat().st_size < 2_000_000
    t = time.perf_counter()
    _refused(zip_bomb, "zip_bomb", "inflates")
    assert time.perf_counter() - t < 2
    _, peak = _peak_mb(lambda: _refused(zip_bomb, "zip_bomb", "inflates"))  # again, memory traced
    assert peak < 100


def test_total_uncompressed_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(W, "MAX_TOTAL_UNCOMPRESSED", 10_000)
    p = write_raw_xlsx(tmp_path / "big.xlsx", sheet_xml(
        "".join(f'<row r="{i}">{num(f"A{i}", i)}</row>' for i in range(1, 1000))))
    _refused(p, "too_large", "uncompressed")


def test_member_count_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(W, "MAX_MEMBERS", 10)
    p = write_raw_xlsx(tmp_path / "many.xlsx", sheet_xml(""),
                       extra_members={f"xl/media/x{i}.bin": b"x" for i in range(20)})
    _refused(p, "too_many_members")


def test_vba_project_refused(tmp_path):
    p = write_raw_xlsx(tmp_path / "macro.xlsx", sheet_xml(""), extra_members={"xl/vbaProject.bin": b"\x00" * 100})
    _refused(p, "macros", "macros")


def test_macro_content_type_refused(tmp_path):
    p = write_raw_xlsx(tmp_path / "macro2.xlsx", sheet_xml(""), main_type=MACRO_MAIN)
    _refused(p, "macros")


@pytest.mark.parametrize("content,match", [
    (b"product_id,amount\nP1,1.5\n", "not a zip archive"),
    (b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n", "PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ".xls"),
    (b"", "empty"),
])
def test_not_a_workbook(tmp_path, content, match):
    p = tmp_path / "fake.xlsx"
    p.write_bytes(content)
    _refused(p, "not_xlsx", match)


def test_truncated_zip(tmp_path):
    good = build(tmp_path / "good.xlsx", {"Products": [["product_id"], ["P1"]]})
    p = tmp_path / "trunc.xlsx"
    p.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    _refused(p, "not_xlsx", "damaged or truncated")


def test_zip_without_workbook(tmp_path):
    p = tmp_path / "odd.xlsx"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("hello.txt", "hi")
    _refused(p, "not_xlsx")


def test_damaged_sheet_xml(tmp_path):
    p = write_raw_xlsx(tmp_path / "broken.xlsx", sheet_xml("<row r='1'><c r='A1'><v>1</v></row>"))
    _refused(p, "damaged_file", "damaged XML")


# ---------------------------------------------------------------- far cells, dimension, caps

def test_far_cell_is_cheap(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Products"
    ws["A1"] = "product_id"
    ws["XFD1048576"] = 1
    wb.save(tmp_path / "far.xlsx")
    t = time.perf_counter()
    raw, issues = read_workbook(tmp_path / "far.xlsx")
    assert time.perf_counter() - t < 1
    (raw, issues), peak = _peak_mb(lambda: read_workbook(tmp_path / "far.xlsx"))  # again, memory traced
    assert peak < 50
    assert raw.sheets["Products"].rows == []
    (far,) = [i for i in issues if i.code == "beyond_column_cap"]
    assert far.sheet == "Products" and "XFD1048576" in far.message and far.severity == "warning"


def test_far_row_is_one_row(tmp_path):
    p = write_raw_xlsx(tmp_path / "farrow.xlsx", sheet_xml(
        f'<row r="1">{inline("A1", "product_id")}</row><row r="1048576">{inline("A1048576", "P1")}</row>'))
    raw, _ = read_workbook(p)
    (row,) = raw.sheets["Products"].rows
    assert row.number == 1048576 and row.cells[1].value == "P1"


def test_wrong_dimension_is_ignored(tmp_path):
    p = build(tmp_path / "dim.xlsx", {"Products": [["product_id"]] + [[f"P{i}"] for i in range(5)]})
    rewrite_member(p, "xl/worksheets/sheet1.xml",
                   lambda b: b.replace(b'<dimension ref="A1:A6"/>', b'<dimension ref="A1:A2"/>'))
    assert b'ref="A1:A2"' in zipfile.ZipFile(p).read("xl/worksheets/sheet1.xml")
    raw, _ = read_workbook(p)
    assert [r.cells[1].value for r in raw.sheets["Products"].rows] == [f"P{i}" for i in range(5)]


def test_row_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(W, "MAX_ROWS", 3)
    p = build(tmp_path / "rows.xlsx", {"Products": [["product_id"]] + [[f"P{i}"] for i in range(5)]})
    _refused(p, "too_many_rows", "more than 3 data rows")


def test_element_cap_bounds_time(tmp_path, monkeypatch):
    monkeypatch.setattr(W, "MAX_ELEMENTS", 1000)
    p = write_raw_xlsx(tmp_path / "el.xlsx", sheet_xml("<row/>" * 5000))
    _refused(p, "too_large", "XML elements")


NBSP = " \u00a0 "


def test_empty_rows_and_blank_text_are_not_stored(tmp_path):
    p = write_raw_xlsx(tmp_path / "empty.xlsx", sheet_xml(
        "".join(f'<row r="{i}"/>' for i in range(2, 500)) + f'<row r="600">{inline("B600", NBSP)}</row>'
        + f'<row r="700">{inline("C700", "x")}</row>'))
    raw, _ = read_workbook(p)
    rows = raw.sheets["Products"].rows
    assert [(r.number, list(r.cells)) for r in rows] == [(700, [3])]


# ---------------------------------------------------------------- cell kinds

def test_cell_kinds_from_raw_xml(tmp_path):
    shared = (f'<?xml version="1.0"?><sst xmlns="{NS}"><si><t>shared</t></si>'
              '<si><r><t>ri</t></r><r><t>ch</t></r><rPh><t>PHONETIC</t></rPh></si></sst>')
    row = ('<row r="2">' + num("A2", "1.5") + '<c r="B2" t="s"><v>0</v></c><c r="C2" t="s"><v>1</v></c>'
           '<c r="D2" t="b"><v>1</v></c><c r="E2" t="e"><v>#DIV/0!</v></c>'
           '<c r="F2"><f>1+1</f><v>2</v></c><c r="G2"><f>A2*2</f></c>'
           '<c r="H2" t="str"><f>"a"&amp;"b"</f><v>ab</v></c><c r="I2"><f>[1]Sheet1!A1</f><v>7</v></c>'
           + inline("J2", "inline") + '<c r="K2" t="d"><v>2025-01-31T00:00:00</v></c></row>')
    p = write_raw_xlsx(tmp_path / "kinds.xlsx", sheet_xml(row), shared)
    raw, _ = read_workbook(p)
    cells = raw.sheets["Products"].rows[0].cells
    got = {c.coordinate: (c.value, c.kind, c.formula_state) for c in cells.values()}
    assert got == {
        "A2": (1.5, "number", None), "B2": ("shared", "text", None), "C2": ("rich", "text", None),
        "D2": (True, "bool", None), "E2": ("#DIV/0!", "error", None), "F2": (2.0, "number", "formula_cached"),
        "G2": (None, "formula_nocache", "formula_nocache"), "H2": ("ab", "text", "formula_cached"),
        "I2": (7.0, "number", "formula_cached"), "J2": ("inline", "text", None),
        "K2": (dt.datetime(2025, 1, 31), "date", None),
    }
    assert cells[9].external and not cells[6].external


def test_dates_via_number_format(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Supplier"
    ws["A1"], ws["B1"] = "x", dt.date(2025, 3, 1)
    ws["C1"] = 45000
    ws["D1"] = 45000
    ws["D1"].number_format = "yyyy/mm/dd"
    wb.save(tmp_path / "d.xlsx")
    raw, _ = read_workbook(tmp_path / "d.xlsx")
    h = raw.sheets["Supplier"].header
    assert h[2].value == dt.datetime(2025, 3, 1) and h[2].kind == "date"
    assert h[3].kind == "number"
    assert h[4].value == dt.datetime(2023, 3, 15) and h[4].kind == "date"


def test_hidden_sheets_rows_and_merged(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Products"
    ws.append(["product_id", "product_name"])
    ws.append(["P1", "a"])
    ws.append(["P2", "b"])
    ws.row_dimensions[3].hidden = True
    ws.merge_cells("B2:B3")
    for title, state in (("Secret", "hidden"), ("Deep", "veryHidden")):
        s = wb.create_sheet(title)
        s["A1"] = "x"
        s.sheet_state = state
    wb.save(tmp_path / "h.xlsx")
    raw, issues = read_workbook(tmp_path / "h.xlsx")
    hidden = {i.sheet: i for i in issues if i.code == "hidden_sheet"}
    assert set(hidden) == {"Secret", "Deep"} and all(i.severity == "warning" for i in hidden.values())
    assert raw.sheets["Deep"].state == "veryHidden"
    prod = raw.sheets["Products"]
    assert [r.hidden for r in prod.rows] == [False, True]
    assert prod.merged == [(2, 2, 3, 2)]


# ---------------------------------------------------------------- fuzz

_TITLES = ["Supplier", "Products", "Materials", "Energy", "Transport", "Emissions", "SupplierPCFs", "供应商",
           "物料", "说明", "Other"]
_HEADERS = ["product_id", "line_id", "material", "amount", "unit", "source", "reference", "carrier", "gas",
            "mode", "mass_t", "distance_km", "pcf_id", "产品编号", "数量", "field", "value", "company_id",
            "template_version", "declared_unit", "production_region", "mass_kg", "product_name"]
_values = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.dates(min_value=dt.date(1901, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.sampled_from(["1,5", "1.234,5", "NA", "None", "-", "\u00a0 7 \u00a0", "'7", "EXAMPLE", "kg", "kWh",
                     "background", "supplier_pcf", "CN-GD", "CO2", "P1", "1", "=1+1", "=A1/0", "2025-01-31",
                     "31/01/2025", "1e999", "#N/A", "truck", "electricity"] + _HEADERS),
    st.text(alphabet=string.ascii_letters + string.digits + string.punctuation + " 中文\u00a0", max_size=12),
)
_sheet = st.tuples(st.sampled_from(_TITLES),
                   st.lists(st.lists(_values, max_size=8), max_size=8),
                   st.booleans())


@settings(max_examples=60, deadline=3000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_sheet, min_size=1, max_size=4))
def test_fuzz_reader_and_validator_only_raise_input_error(sheets):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    used = set()
    for title, rows, hidden in sheets:
        if title in used:
            continue
        used.add(title)
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
        if hidden and len(used) > 1:
            ws.sheet_state = "hidden"
    resolver = dict_resolver({"steel": ("steel-bf-bof", "kilogram")})
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "fuzz.xlsx"
        wb.save(p)
        t = time.perf_counter()
        try:
            raw, issues = read_workbook(p)
            sub, more = validate(raw, resolver)
        except InputError:
            return
        assert time.perf_counter() - t < 2
    for i in issues + more:
        assert i.severity in ("error", "warning") and i.code and i.message
        assert i.code.replace("_", "").isalnum() and i.code == i.code.lower()
    if not any(i.severity == "error" for i in more):
        for p_ in sub.products:
            assert p_.declared_amount > 0
