"""The blank template: structure, languages, and the round trip through reader + validator."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from lca.errors import InputError
from lca.supply.rules import dict_resolver, validate_file
from lca.supply.sheets import SHEETS, match_sheet
from lca.supply.template import write_template

RESOLVE = dict_resolver({"lithium carbonate": ("lithium-carbonate-brine", "kilogram")})


@pytest.mark.parametrize("lang", ["en", "zh", "both"])
def test_round_trip_blank_template(tmp_path, lang):
    p = tmp_path / f"t_{lang}.xlsx"
    write_template(p, lang)
    sub, issues = validate_file(p, RESOLVE)
    assert [i for i in issues if i.severity == "error"] == []
    assert [i.code for i in issues] == ["blank_workbook"]
    assert sub.is_empty and sub.supplier is None
    assert (sub.products, sub.materials, sub.energy, sub.transport, sub.emissions, sub.pcfs) == ((),) * 6


@pytest.mark.parametrize("lang,title,header", [("en", "Materials", "product_id"), ("zh", "物料", "产品编号"),
                                               ("both", "Materials | 物料", "product_id | 产品编号")])
def test_sheets_headers_and_layout(tmp_path, lang, title, header):
    p = tmp_path / "t.xlsx"
    write_template(p, lang)
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames[0] in ("Instructions", "说明", "Instructions | 说明")
    assert [match_sheet(t) for t in wb.sheetnames[1:]] == list(SHEETS)
    ws = wb[title]
    assert ws["A1"].value == header and ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]][:3] == ([header] + ([
        {"en": "line_id", "zh": "行号", "both": "line_id | 行号"}[lang],
        {"en": "material", "zh": "物料名称", "both": "material | 物料名称"}[lang]]))
    assert ws["A2"].value == "EXAMPLE"  # the example row
    assert ws.column_dimensions["C"].width >= 20


def test_every_column_is_in_the_template(tmp_path):
    p = tmp_path / "t.xlsx"
    write_template(p, "en")
    wb = openpyxl.load_workbook(p)
    for key, spec in SHEETS.items():
        ws = wb[key]
        if spec.layout == "fields":
            assert [r[0].value for r in ws.iter_rows(min_row=2)] == [c.key for c in spec.columns]
            assert ws["B9"].value == 1  # template_version pre-filled
        else:
            assert [c.value for c in ws[1]] == [c.key for c in spec.columns]


def test_data_validation_dropdowns_and_ranges(tmp_path):
    p = tmp_path / "t.xlsx"
    write_template(p, "en")
    wb = openpyxl.load_workbook(p)
    dv = {str(d.sqref).split(":")[0]: d for d in wb["Energy"].data_validations.dataValidation}
    carrier = dv["B2"]
    assert carrier.type == "list" and carrier.formula1.startswith("'Instructions'!$")
    col = carrier.formula1.split("!$")[1].split("$")[0]
    listed = [c.value for c in wb["Instructions"][col][1:] if c.value]
    assert listed == ["electricity", "natural_gas", "coal", "diesel", "gasoline", "lpg", "steam", "heat", "hydrogen"]
    assert dv["C2"].type == "decimal" and dv["C2"].operator == "greaterThanOrEqual" and dv["C2"].formula1 == "0"
    tdv = {str(d.sqref).split(":")[0]: d for d in wb["Transport"].data_validations.dataValidation}
    assert tdv["C2"].operator == "greaterThan"
    pdv = {str(d.sqref).split(":")[0]: d for d in wb["SupplierPCFs"].data_validations.dataValidation}
    assert (pdv["F2"].operator, pdv["F2"].formula1, pdv["F2"].formula2) == ("between", "0", "100")
    regions_col = {str(d.sqref).split(":")[0]: d for d in wb["Products"].data_validations.dataValidation}["F2"]
    col = regions_col.formula1.split("!$")[1].split("$")[0]
    regions = [c.value for c in wb["Instructions"][col][1:] if c.value]
    assert regions[:2] == ["CN", "CN-NORTH"] and "CN-GD" in regions and "DE" in regions and len(regions) > 280


def test_filled_template_imports(tmp_path):
    """The examples are valid data: with a real product id and a Supplier sheet, they import cleanly."""
    p = tmp_path / "t.xlsx"
    write_template(p, "both")
    wb = openpyxl.load_workbook(p)
    sup = wb["Supplier | 供应商"]
    values = {"company_name": "ACME", "company_id": "ACME", "country": "CN",
              "reporting_period_start": dt.date(2025, 1, 1), "reporting_period_end": dt.date(2025, 12, 31)}
    for row in sup.iter_rows(min_row=2):
        key = row[0].value.split(" | ")[0]
        if key in values:
            row[1].value = values[key]
    for title in wb.sheetnames[2:]:
        ws = wb[title]
        if ws["A2"].value == "EXAMPLE":
            ws["A2"].value = "P1"
    wb["Materials | 物料"]["F2"].value = "supplier_pcf"
    wb["Materials | 物料"]["G2"].value = "P1"   # the SupplierPCFs example, now pcf_id P1
    wb.save(p)
    sub, issues = validate_file(p, RESOLVE)
    assert [(i.sheet, i.code) for i in issues] == [("Products | 产品", "mass_inconsistent")]
    assert sub.supplier.company_id == "ACME"
    assert [len(x) for x in (sub.products, sub.materials, sub.energy, sub.transport, sub.emissions, sub.pcfs)] == \
        [1, 1, 1, 1, 1, 1]


def test_bad_language_or_suffix():
    with pytest.raises(InputError, match="language"):
        write_template("x.xlsx", "fr")
    with pytest.raises(InputError, match=".xlsx"):
        write_template("x.xls", "en")
