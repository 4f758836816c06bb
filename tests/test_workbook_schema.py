"""Validation of supplier workbooks (template version 1) into typed records."""
from __future__ import annotations

import copy
import datetime as dt
import sys
from pathlib import Path

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from xlsx_factory import build, inline, num, sheet_xml, write_raw_xlsx  # noqa: E402

from lca.supply.annotate import annotate  # noqa: E402
from lca.supply.rules import dict_resolver, validate_file  # noqa: E402
from lca.supply.sheets import SHEETS, match_header, match_sheet  # noqa: E402

RESOLVE = dict_resolver({
    "lithium carbonate": ("lithium-carbonate-brine", "kilogram"),
    "碳酸锂": ("lithium-carbonate-brine", "kilogram"),
    "steel": ("steel-bf-bof", "kilogram"),
    "nitrogen gas": ("nitrogen-liquid", "cubic meter"),
})

SUPPLIER = [["field", "value"], ["company_name", "ACME Cathode"], ["company_id", "ACME-CAM"], ["country", "CN"],
            ["green_factory", "national"], ["reporting_period_start", dt.date(2025, 1, 1)],
            ["reporting_period_end", "2025-12-31"], ["contact_email", "a@b.cn"], ["template_version", 1]]
PRODUCTS = [["product_id", "product_name", "declared_unit", "declared_amount", "mass_kg", "production_region",
             "declared_pcf_kgco2e"],
            ["P1", "LFP cell", "kWh", 1, 6.0, "CN-FJ", 60],
            ["P2", "cathode", "kg", None, None, "CN-SC", None]]
MATERIALS = [["product_id", "line_id", "material", "amount", "unit", "source", "reference", "recycled_share"],
             ["P1", 1, "lithium carbonate", 0.6, "kg", "background", None, 0.2],
             ["P1", 2, "碳酸锂", 500, "g", "background", None, None],
             ["P1", 3, "cathode powder", 2.5, "kg", "supplier_pcf", "PCF1", None],
             ["P1", 4, "cathode", 2.0, "kg", "supplier_product", "ACME-CAM/P2", None],
             ["P2", 1, "steel", 1.0, "kg", "background", None, None]]
ENERGY = [["product_id", "carrier", "amount", "unit", "grid_region", "sourcing"],
          ["P1", "electricity", 0.12, "MWh", None, None],  # 20 kWh/kg of cell: plausible (issue 24)
          ["P1", "natural_gas", 0.1, "GJ", None, None],
          ["P2", "electricity", 3, "kWh", "CN-SC", "green_certificate"]]
TRANSPORT = [["product_id", "mode", "mass_t", "distance_km", "direction"], ["P1", "truck", 0.006, 800, None]]
EMISSIONS = [["product_id", "gas", "amount", "unit"], ["P1", "CH4", 5, "g"]]
PCFS = [["pcf_id", "supplier_name", "product_name", "declared_unit", "pcf_kgco2e", "primary_data_share",
         "reference_period_end", "verified"],
        ["PCF1", "Cathode Co", "NCM", "kg", 12.5, 40, dt.date(2024, 12, 31), "yes"]]


def good() -> dict[str, list[list]]:
    return copy.deepcopy({"Supplier": SUPPLIER, "Products": PRODUCTS, "Materials": MATERIALS, "Energy": ENERGY,
                          "Transport": TRANSPORT, "Emissions": EMISSIONS, "SupplierPCFs": PCFS})


def run(tmp_path, sheets, name="w.xlsx", resolve=RESOLVE):
    p = build(tmp_path / name, sheets)
    return validate_file(p, resolve)


def codes(issues, severity=None):
    return [(i.sheet, i.row, i.column, i.code) for i in issues if severity is None or i.severity == severity]


def one_error(tmp_path, sheets):
    sub, issues = run(tmp_path, sheets)
    errs = [i for i in issues if i.severity == "error"]
    assert len(errs) == 1, [str(i) for i in errs]
    return errs[0]


# ---------------------------------------------------------------- the happy path

def test_good_workbook_gives_typed_records(tmp_path):
    sub, issues = run(tmp_path, good())
    assert codes(issues, "error") == []
    assert sub.supplier.company_id == "ACME-CAM" and sub.supplier.reporting_period_end == dt.date(2025, 12, 31)
    assert sub.supplier.green_factory == "national"
    p1, p2 = sub.products
    assert (p1.product_id, p1.declared_unit, p1.declared_amount, p1.mass_kg, p1.production_region) == \
        ("P1", "kWh", 1.0, 6.0, "CN-FJ")
    assert p2.mass_kg == 1.0 and p2.declared_amount == 1.0  # derived from declared_unit kg
    m = {(x.product_id, x.line_id): x for x in sub.materials}
    assert m[("P1", "1")].dataset == "lithium-carbonate-brine" and m[("P1", "1")].recycled_share == 0.2
    assert m[("P1", "2")].dataset_amount == pytest.approx(0.5) and m[("P1", "2")].dataset_unit == "kilogram"
    assert m[("P1", "3")].dataset_unit == "kilogram" and m[("P1", "3")].dataset_amount == 2.5
    assert (m[("P1", "4")].reference_company, m[("P1", "4")].reference_product) == ("ACME-CAM", "P2")
    e = {(x.product_id, x.carrier): x for x in sub.energy}
    assert e[("P1", "electricity")].reference_amount == pytest.approx(120)
    assert e[("P1", "electricity")].grid_region == "CN-FJ" and e[("P1", "electricity")].sourcing == "grid"
    assert e[("P1", "natural_gas")].reference_amount == pytest.approx(100 / 38.931)
    assert e[("P1", "natural_gas")].reference_unit == "cubic meter" and e[("P1", "natural_gas")].grid_region is None
    assert e[("P2", "electricity")].sourcing == "green_certificate"
    (t,) = sub.transport
    assert t.tkm == pytest.approx(4.8) and t.direction == "inbound"
    (em,) = sub.emissions
    assert (em.gas, em.amount_kg) == ("CH4", pytest.approx(0.005))
    (pcf,) = sub.pcfs
    assert pcf.verified is True and pcf.reference_period_end == dt.date(2024, 12, 31)
    assert sub.product_ref("P1") == "ACME-CAM/P1"
    assert sub.sheet_titles["Materials"] == "Materials"


def test_chinese_sheet_names_and_headers(tmp_path):
    s = good()
    zh = {"Supplier": "供应商", "Products": "产品", "Materials": "物料"}
    sheets = {zh.get(k, k): v for k, v in s.items()}
    sheets["产品"][0] = ["产品编号", "产品名称", "声明单位", "声明数量", "质量(kg)", "生产地区", "自报碳足迹"]
    sheets["物料"][0] = ["产品编号", "行号", "物料名称", "数量", "单位", "数据来源", "引用", "再生料比例"]
    sheets["供应商"] = [["字段", "值"]] + [[SHEETS["Supplier"].column(k).zh, v] for k, v in SUPPLIER[1:]]
    sub, issues = run(tmp_path, sheets)
    assert codes(issues, "error") == []
    assert len(sub.products) == 2 and len(sub.materials) == 5 and sub.supplier.company_name == "ACME Cathode"
    assert sub.sheet_titles["Materials"] == "物料"


def test_bilingual_and_sloppy_headers(tmp_path):
    s = good()
    s["Products"][0] = ["product_id | 产品编号", " Product Name ", "DECLARED-UNIT", "declared amount",
                        "mass_kg 质量(kg)", "production_region｜生产地区", "declared_pcf_kgco2e"]
    sub, issues = run(tmp_path, s)
    assert codes(issues) == []
    assert [p.product_id for p in sub.products] == ["P1", "P2"]


@pytest.mark.parametrize("text,key", [("amount", "amount"), ("数量", "amount"), ("amount | 数量", "amount"),
                                      ("Amount\n数量", "amount"), ("amount | 单位", None), ("amt", None),
                                      ("质量（kg）", None)])
def test_match_header(text, key):
    assert match_header(text, SHEETS["Materials"]) == key


def test_match_header_fullwidth():
    assert match_header("质量（kg）", SHEETS["Products"]) == "mass_kg"
    assert match_sheet("SupplierPCFs | 供应商碳足迹") == "SupplierPCFs" and match_sheet("说明") == "Instructions"


# ---------------------------------------------------------------- numbers

@pytest.mark.parametrize("value,code", [("1,5", "ambiguous_decimal"), ("1.234,5", "ambiguous_decimal"),
                                        ("1,500", "ambiguous_decimal"), ("NA", "missing_value"),
                                        ("None", "missing_value"), ("-", "missing_value"),
                                        ("1.5 kg", "not_a_number"), ("abc", "not_a_number"), (True, "not_a_number"),
                                        (-1, "negative_value"), ("1e999", "not_finite"), (4e38, "out_of_range"),
                                        ("=1/0", "formula_no_cache"), (dt.date(2025, 1, 1), "not_a_number")])
def test_bad_numbers_name_the_cell(tmp_path, value, code):
    s = good()
    s["Materials"][1][3] = value
    err = one_error(tmp_path, s)
    assert (err.sheet, err.row, err.column, err.code) == ("Materials", 2, "amount", code)
    assert err.message.startswith("D2 (amount)")


@pytest.mark.parametrize("value,expected", [("'7", 7.0), ("\u00a07.5\u00a0", 7.5), ("1.5e3", 1500.0),
                                            ("  2 ", 2.0), ("７", 7.0), (".5", 0.5)])
def test_unambiguous_text_numbers(tmp_path, value, expected):
    s = good()
    s["Materials"][1][3] = value
    sub, issues = run(tmp_path, s)
    assert codes(issues, "error") == []
    assert sub.materials[0].amount == expected


def test_non_finite_raw_cell(tmp_path):
    """A forged <v>inf</v> numeric cell."""
    rows = (f'<row r="1">{inline("A1", "product_id")}{inline("B1", "product_name")}{inline("C1", "declared_unit")}'
            f'{inline("D1", "production_region")}{inline("E1", "declared_amount")}</row>'
            f'<row r="2">{inline("A2", "P1")}{inline("B2", "x")}{inline("C2", "kg")}{inline("D2", "CN")}'
            f'{num("E2", "inf")}</row>')
    p = write_raw_xlsx(tmp_path / "inf.xlsx", sheet_xml(rows))
    _, issues = validate_file(p, RESOLVE)
    assert ("Products", 2, "declared_amount", "not_finite") in codes(issues)


def test_optional_placeholder_is_blank(tmp_path):
    s = good()
    s["Products"][1][6] = "N/A"
    sub, issues = run(tmp_path, s)
    assert codes(issues, "error") == [] and sub.products[0].declared_pcf_kgco2e is None


def test_error_cell_and_cached_formula(tmp_path):
    s = good()
    p = build(tmp_path / "f.xlsx", s)
    # replace Materials!D2 by a cached formula and D3 by an error cell, at the XML level
    import zipfile
    with zipfile.ZipFile(p) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    name = "xl/worksheets/sheet3.xml"
    xml = members[name].decode()
    import re
    xml = re.sub(r'<c r="D2"[^>]*>.*?</c>', '<c r="D2"><f>0.3*2</f><v>0.6</v></c>', xml)
    xml = re.sub(r'<c r="D3"[^>]*>.*?</c>', '<c r="D3" t="e"><v>#DIV/0!</v></c>', xml)
    members[name] = xml.encode()
    with zipfile.ZipFile(p, "w") as zf:
        for n, d in members.items():
            zf.writestr(n, d)
    sub, issues = validate_file(p, RESOLVE)
    assert ("Materials", 2, "amount", "formula_value") in codes(issues, "warning")
    assert codes(issues, "error") == [("Materials", 3, "amount", "error_cell")]
    assert "#DIV/0!" in [i for i in issues if i.code == "error_cell"][0].message


# ---------------------------------------------------------------- dates, ids, enums, regions

@pytest.mark.parametrize("value,code", [("31/12/2025", "not_a_date"), ("2025-13-01", "not_a_date"),
                                        ("Dec 2025", "not_a_date"), (45000, "not_a_date"), ("1800-01-01", "out_of_range")])
def test_text_dates_refused(tmp_path, value, code):
    s = good()
    s["Supplier"][6][1] = value
    err = one_error(tmp_path, s)
    assert (err.sheet, err.row, err.column, err.code) == ("Supplier", 7, "reporting_period_end", code)


def test_period_end_before_start(tmp_path):
    s = good()
    s["Supplier"][6][1] = "2024-06-30"
    err = one_error(tmp_path, s)
    assert (err.row, err.column, err.code) == (7, "reporting_period_end", "bad_period")


def test_supplier_required_fields_and_version(tmp_path):
    s = good()
    del s["Supplier"][2]  # company_id row
    s["Supplier"][-1][1] = 2
    _, issues = run(tmp_path, s)
    got = codes(issues, "error")
    assert ("Supplier", None, "company_id", "missing_value") in got
    assert ("Supplier", 8, "template_version", "unsupported_template_version") in got


@pytest.mark.parametrize("sheet,row,col,value,code", [
    ("Supplier", 2, 1, "ACME CAM!", "bad_id"),
    ("Supplier", 3, 1, "CN-GD", "unknown_country"),
    ("Supplier", 4, 1, "gold", "unknown_value"),
    ("Products", 1, 2, "kWhh", "unknown_unit"),
    ("Products", 1, 5, "CN-XX", "unknown_region"),
    ("Products", 1, 3, 0, "out_of_range"),
    ("Materials", 1, 5, "background2", "unknown_source"),
    ("Materials", 1, 4, "lbs", "unknown_unit"),
    ("Materials", 1, 7, 1.5, "out_of_range"),
    ("Energy", 1, 1, "nuclear", "unknown_carrier"),
    ("Energy", 1, 3, "kg", "unknown_unit"),
    ("Energy", 1, 4, "MARS", "unknown_region"),
    ("Energy", 1, 5, "solar", "unknown_sourcing"),
    ("Transport", 1, 1, "rocket", "unknown_mode"),
    ("Transport", 1, 2, 0, "out_of_range"),
    ("Emissions", 1, 1, "H2O", "unknown_gas"),
    ("Emissions", 1, 3, "L", "unknown_unit"),
    ("SupplierPCFs", 1, 5, 101, "out_of_range"),
    ("SupplierPCFs", 1, 7, "maybe", "unknown_value"),
])
def test_rule_violations(tmp_path, sheet, row, col, value, code):
    s = good()
    s[sheet][row][col] = value
    err = one_error(tmp_path, s)
    header = s[sheet][0][col] if sheet != "Supplier" else s[sheet][row][0]
    assert (err.sheet, err.row, err.column, err.code) == (sheet, row + 1, header, code)


def test_enum_synonyms_and_case(tmp_path):
    s = good()
    s["Energy"][1][1] = "电力"
    s["Energy"][1][4] = "cn-fj"
    s["Transport"][1][1] = "TRUCK"
    s["Emissions"][1][1] = "ch4 fossil"
    s["Materials"][1][4] = "千克"
    sub, issues = run(tmp_path, s)
    assert codes(issues, "error") == []
    assert sub.energy[0].carrier == "electricity" and sub.energy[0].grid_region == "CN-FJ"
    assert sub.transport[0].mode == "truck" and sub.emissions[0].gas == "CH4" and sub.materials[0].unit == "kg"


def test_namibia_warning(tmp_path):
    s = good()
    s["Products"][1][5] = "NA"
    sub, issues = run(tmp_path, s)
    assert ("Products", 2, "production_region", "ambiguous_na") in codes(issues, "warning")
    assert sub.products[0].production_region == "NA"


def test_duplicate_ids(tmp_path):
    s = good()
    s["Products"].append(["P1", "dup", "kg", None, None, "CN", None])
    s["Materials"].append(["P1", 1, "steel", 1, "kg", "background", None, None])
    s["SupplierPCFs"].append(["PCF1", "x", "y", "kg", 1, None, None, None])
    _, issues = run(tmp_path, s)
    assert set(codes(issues, "error")) == {("Products", 4, "product_id", "duplicate_id"),
                                           ("Materials", 7, "line_id", "duplicate_id"),
                                           ("SupplierPCFs", 3, "pcf_id", "duplicate_id")}


def test_references(tmp_path):
    s = good()
    s["Materials"][3][6] = "PCF9"
    s["Materials"][4][6] = "no-slash"
    s["Materials"][5][0] = "P9"
    s["Materials"].append(["P1", 9, "steel", 1, "kg", "supplier_product", None, None])
    s["Materials"].append(["P1", 10, "steel", 1, "kg", "supplier_product", "ACME-CAM/P7", None])
    s["Materials"].append(["P1", 11, "steel", 1, "kg", "background", "not a ref", None])
    s["Materials"].append(["P1", 12, "steel", 1, "kg", "supplier_product", "OTHER-CO/X1", None])  # fine
    _, issues = run(tmp_path, s)
    assert codes(issues, "error") == [
        ("Materials", 4, "reference", "unknown_reference"), ("Materials", 5, "reference", "bad_reference"),
        ("Materials", 6, "product_id", "unknown_product"), ("Materials", 7, "reference", "missing_value"),
        ("Materials", 8, "reference", "unknown_product"), ("Materials", 9, "reference", "bad_reference")]


def test_unknown_material_lists_closest_names(tmp_path):
    s = good()
    s["Materials"][1][2] = "lithium carbonat"
    err = one_error(tmp_path, s)
    assert (err.row, err.column, err.code) == (2, "material", "unknown_material")
    assert "lithium carbonate" in err.message


def test_unit_mismatch_with_dataset(tmp_path):
    s = good()
    s["Materials"][5][4] = "m3"
    err = one_error(tmp_path, s)
    assert (err.sheet, err.row, err.column, err.code) == ("Materials", 6, "unit", "unit_mismatch")
    assert "kilogram" in err.message


def test_background_reference(tmp_path):
    s = good()
    s["Materials"][5][6] = "background:steel-bf-bof"
    sub, issues = run(tmp_path, s)
    assert codes(issues, "error") == []
    assert [m.dataset for m in sub.materials if m.product_id == "P2"] == ["steel-bf-bof"]


def test_mass_required_unless_mass_unit(tmp_path):
    s = good()
    s["Products"][1][4] = None
    err = one_error(tmp_path, s)
    assert (err.row, err.column, err.code) == (2, "mass_kg", "missing_value")


def test_missing_and_duplicate_and_extra_columns(tmp_path):
    s = good()
    s["Transport"][0] = ["product_id", "mode", "mass_t", "direction", "extra"]
    s["Emissions"][0] = ["product_id", "gas", "amount", "unit", "数量"]
    s["Emissions"][1].append(3)
    _, issues = run(tmp_path, s)
    got = codes(issues)
    assert ("Transport", 1, "distance_km", "missing_column") in got
    assert ("Transport", 1, None, "unknown_column") in got
    assert ("Emissions", 1, "amount", "duplicate_header") in got


def test_merged_cells_in_data_are_errors(tmp_path):
    p = build(tmp_path / "m.xlsx", good())
    wb = openpyxl.load_workbook(p)
    wb["Materials"].merge_cells("A2:A3")
    wb.save(p)
    _, issues = validate_file(p, RESOLVE)
    assert ("Materials", 2, None, "merged_cells") in codes(issues, "error")


def test_hidden_rows_in_data_sheets_warn(tmp_path):
    p = build(tmp_path / "h.xlsx", good())
    wb = openpyxl.load_workbook(p)
    wb["Materials"].row_dimensions[3].hidden = True
    wb.save(p)
    sub, issues = validate_file(p, RESOLVE)
    assert codes(issues, "warning") == [("Materials", 3, None, "hidden_row")]
    assert len(sub.materials) == 5


def test_example_rows_skipped(tmp_path):
    """The template's own example rows are skipped; an example row with data typed into it is an error (issue 14)."""
    s = good()
    for key in ("Products", "Materials", "SupplierPCFs"):
        heads = s[key][0]
        s[key].insert(1, [SHEETS[key].column(h).example if SHEETS[key].column(h).example != "" else None
                          for h in heads])
    sub, issues = run(tmp_path, s)
    assert codes(issues) == []
    assert "EXAMPLE" not in [p.product_id for p in sub.products] and len(sub.materials) == 5
    s = good()
    s["Products"].insert(1, ["EXAMPLE", "x", "kg", None, None, "CN", None])
    s["Materials"].insert(1, ["示例", 1, "nonsense", "1,5", "zz", "background", None, None])
    s["SupplierPCFs"].insert(1, ["example", "x", "y", "kg", 1, None, None, None])
    sub, issues = run(tmp_path, s, name="typed.xlsx")
    assert [(i.sheet, i.row, i.code) for i in issues if i.severity == "error"] == [
        ("Products", 2, "example_row"), ("Materials", 2, "example_row"), ("SupplierPCFs", 2, "example_row")]


def test_unknown_and_duplicate_sheets(tmp_path):
    s = good()
    s["Notes"] = [["anything"]]
    s["产品"] = PRODUCTS
    _, issues = run(tmp_path, s)
    assert ("Notes", None, None, "unknown_sheet") in codes(issues, "warning")
    assert ("产品", None, None, "duplicate_sheet") in codes(issues, "error")


def test_missing_required_sheets(tmp_path):
    _, issues = run(tmp_path, {"Materials": MATERIALS})
    got = codes(issues, "error")
    assert ("Supplier", None, None, "missing_sheet") in got and ("Products", None, None, "missing_sheet") in got


def test_computed_warnings_mass_and_pcf_period(tmp_path):
    s = good()
    s["Products"][1][4] = 100.0          # materials weigh 0.6+0.5+2.5+2.0 = 5.6 kg
    s["SupplierPCFs"][1][6] = dt.date(2021, 6, 30)  # ends > 3 years before 2025-01-01
    _, issues = run(tmp_path, s)
    assert codes(issues, "warning") == [("Products", 2, "mass_kg", "mass_inconsistent"),
                                        ("SupplierPCFs", 2, "reference_period_end", "pcf_outdated")]
    assert "5.6 kg" in issues[0].message
    s["Products"][1][4] = 8.0            # within 50%
    s["SupplierPCFs"][1][6] = dt.date(2022, 1, 1)
    _, issues = run(tmp_path, s, "w2.xlsx")
    assert codes(issues) == []


def test_energy_options_for_non_electricity_warn(tmp_path):
    s = good()
    s["Energy"][2][4] = "CN-SC"
    sub, issues = run(tmp_path, s)
    assert codes(issues) == [("Energy", 3, "grid_region", "ignored_value")]
    assert sub.energy[1].grid_region is None


def test_annotate_marks_cells(tmp_path):
    s = good()
    s["Materials"][1][3] = "1,5"
    s["Products"][1][4] = 100.0
    p = build(tmp_path / "a.xlsx", s)
    _, issues = validate_file(p, RESOLVE)
    out = tmp_path / "annotated.xlsx"
    assert annotate(p, issues, out) == 2
    wb = openpyxl.load_workbook(out)
    d2 = wb["Materials"]["D2"]
    assert d2.fill.fgColor.rgb == "FFFFC7CE" and "ambiguous_decimal" in d2.comment.text
    e2 = wb["Products"]["E2"]
    assert e2.fill.fgColor.rgb == "FFFFEB9C" and "mass_inconsistent" in e2.comment.text
    assert wb.sheetnames[0] == "Issues" and wb["Issues"]["E2"].value in ("ambiguous_decimal", "mass_inconsistent")
    with pytest.raises(Exception, match="must not overwrite"):
        annotate(p, issues, p)


def test_annotate_never_writes_formulas(tmp_path):
    s = good()
    s["Materials"][1][2] = "=HYPERLINK(\"http://evil\")"
    p = build(tmp_path / "inj.xlsx", s)
    wb = openpyxl.load_workbook(p)
    wb["Materials"]["C2"].data_type = "s"
    wb.save(p)
    _, issues = validate_file(p, RESOLVE)
    out = tmp_path / "inj_out.xlsx"
    annotate(p, issues, out)
    import zipfile
    with zipfile.ZipFile(out) as zf:
        issues_xml = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in issues_xml
