"""Issue details wholly in a Chinese workbook's language (issues 20 and 24): every code the import raises,
driven through a real Chinese workbook, has a detail with no English sentence; values, cells and keys kept."""
from __future__ import annotations

import re
from datetime import date

import openpyxl
import pytest

from lca import issue_codes
from lca.issue_details import english_run, zh
from lca.supply import importer
from lca.supply.fill import write_workbook

HAN = re.compile(r"[\u4e00-\u9fff]")


def book(cid="T20Z", year=2025):
    return {
        "Supplier": {"company_name": f"{cid} 有限公司", "company_id": cid, "country": "CN",
                     "reporting_period_start": date(year, 1, 1), "reporting_period_end": date(year, 12, 31)},
        "Products": [{"product_id": "P", "product_name": "零件", "declared_unit": "kg",
                      "production_region": "CN-JS"}],
        "Materials": [{"product_id": "P", "line_id": 1, "material": "polypropylene", "amount": 0.9, "unit": "kg",
                       "source": "background"}],
        "Energy": [{"product_id": "P", "carrier": "electricity", "amount": 1, "unit": "kWh"}],
    }


def _set(path, value):
    def f(d):
        *keys, last = path
        for k in keys:
            d = d[k]
        d[last] = value
    return f


def _add(sheet, row):
    return lambda d: d.setdefault(sheet, []).append(row)


# (code expected, a change to the correct Chinese workbook that raises it)
CASES = [
    ("not_a_number", [_set(("Materials", 0, "amount"), "abc")]),
    ("not_a_number", [_set(("Materials", 0, "amount"), "5kg")]),
    ("not_a_number", [_set(("Materials", 0, "amount"), True)]),
    ("ambiguous_decimal", [_set(("Materials", 0, "amount"), "1,5")]),
    ("not_a_date", [_set(("Supplier", "reporting_period_start"), "2025/01/01")]),
    ("out_of_range", [_set(("Supplier", "reporting_period_start"), "1890-01-01")]),
    ("bad_period", [_set(("Supplier", "reporting_period_end"), date(2024, 6, 1))]),
    ("unknown_source", [_set(("Materials", 0, "source"), "库存")]),
    ("unknown_carrier", [_set(("Energy", 0, "carrier"), "等离子")]),
    ("unknown_region", [_set(("Products", 0, "production_region"), "XX-YY")]),
    ("unknown_country", [_set(("Supplier", "country"), "ZZ")]),
    ("unknown_gas", [_add("Emissions", {"product_id": "P", "gas": "XYZ", "amount": 1, "unit": "kg"})]),
    ("bad_ef_unit", [_set(("Energy", 0, "supplier_ef_kgco2e_per_unit"), 0.5),
                     _set(("Energy", 0, "supplier_ef_unit"), "kWh/kg")]),
    ("implausible_factor", [_set(("Energy", 0, "supplier_ef_kgco2e_per_unit"), 50)]),
    ("unit_mismatch", [_set(("Energy", 0, "supplier_ef_kgco2e_per_unit"), 0.5),
                       _set(("Energy", 0, "supplier_ef_unit"), "kg CO2e/kg")]),
    ("unknown_unit", [_set(("Energy", 0, "unit"), "kg")]),
    ("unknown_unit", [_set(("Energy", 0, "unit"), "斤")]),
    ("ignored_value", [_set(("Energy", 0, "supplier_ef_unit"), "kg CO2e/kWh")]),
    ("unknown_material", [_set(("Materials", 0, "material"), "unobtainium alloy")]),
    ("unit_mismatch", [_set(("Materials", 0, "unit"), "kWh")]),
    ("bad_reference", [_set(("Materials", 0, "source"), "supplier_product"),
                       _set(("Materials", 0, "reference"), "no-slash")]),
    ("missing_value", [_set(("Materials", 0, "source"), "supplier_product")]),
    ("missing_value", [_set(("Materials", 0, "source"), "supplier_pcf")]),
    ("unknown_reference", [_set(("Materials", 0, "source"), "supplier_pcf"),
                           _set(("Materials", 0, "reference"), "NOPE")]),
    ("self_reference", [_set(("Materials", 0, "source"), "supplier_product"),
                        _set(("Materials", 0, "reference"), "T20Z/P")]),
    ("unknown_product", [_set(("Materials", 0, "product_id"), "Q")]),
    ("unknown_product", [_set(("Materials", 0, "source"), "supplier_product"),
                         _set(("Materials", 0, "reference"), "T20Z/NOSUCH")]),
    ("duplicate_id", [_add("Products", {"product_id": "P", "product_name": "零件二", "declared_unit": "kg",
                                        "production_region": "CN-JS"})]),
    ("duplicate_id", [_add("Materials", {"product_id": "P", "line_id": 1, "material": "polypropylene",
                                         "amount": 0.1, "unit": "kg", "source": "background"})]),
    ("empty_product", [_add("Products", {"product_id": "P2", "product_name": "零件二", "declared_unit": "kg",
                                         "production_region": "CN-JS"})]),
    ("mass_inconsistent", [_set(("Products", 0, "mass_kg"), 5)]),
    ("missing_value", [_set(("Products", 0, "declared_unit"), "piece")]),
    ("missing_value", [_set(("Supplier", "company_id"), None)]),
    ("missing_value", [_set(("Materials", 0, "amount"), None)]),
    ("bad_email", [_set(("Supplier", "contact_email"), "not-an-address")]),
    ("text_too_long", [_set(("Products", 0, "product_name"), "长" * 1200)]),
    ("bad_id", [_set(("Products", 0, "product_id"), "P 1")]),
    ("negative_value", [_set(("Materials", 0, "amount"), -1)]),
    ("out_of_range", [_set(("Materials", 0, "recycled_share"), 30)]),
    ("unused_pcf", [_add("SupplierPCFs", {"pcf_id": "PCF1", "supplier_name": "某供应商", "product_name": "粒料",
                                          "declared_unit": "kg", "pcf_kgco2e": 2.0})]),
    ("pcf_outdated", [_set(("Materials", 0, "source"), "supplier_pcf"), _set(("Materials", 0, "reference"), "PCF1"),
                      _add("SupplierPCFs", {"pcf_id": "PCF1", "supplier_name": "某供应商", "product_name": "粒料",
                                            "declared_unit": "kg", "pcf_kgco2e": 2.0,
                                            "reference_period_end": date(2019, 12, 31)})]),
    ("ambiguous_na", [_set(("Products", 0, "production_region"), "NA")]),
    ("implausible_intensity", [_set(("Energy", 0, "amount"), 100000)]),
]


def _workbook(tmp_path, n, changes, edit=None):
    data = book()
    for change in changes:
        change(data)
    path = write_workbook(tmp_path / f"w{n}.xlsx", data, "zh")
    if edit:
        wb = openpyxl.load_workbook(path)
        edit(wb)
        wb.save(path)
    return path


def _assert_chinese(issue):
    detail = issue.message
    assert HAN.search(detail), detail
    assert english_run(detail) is None, (issue.code, detail, english_run(detail))
    text = issue_codes.message(issue, "zh")
    assert english_run(text.split("详情：", 1)[1]) is None, text


def _edits():
    def formula(wb):
        wb["物料"]["D2"] = "=1+1"                            # formula_no_cache (openpyxl saves no value)

    def unknown_column(wb):
        ws = wb["物料"]
        ws.cell(1, 20, "备注栏")
        ws.cell(2, 21, "孤立值")                             # unnamed_column

    def unknown_sheet(wb):
        wb.create_sheet("杂项")["A1"] = "随便写的"

    def hidden(wb):
        wb["物料"].row_dimensions[2].hidden = True
        wb["物料"].column_dimensions["J"].hidden = True

    def merged(wb):
        wb["能源"].merge_cells("A2:B2")

    def missing_column(wb):
        wb["物料"].delete_cols(4)

    def duplicate_header(wb):
        ws = wb["物料"]
        ws.cell(1, 12, ws.cell(1, 4).value)

    def misnamed(wb):
        wb["物料"].title = "物料清单"

    return [("formula_no_cache", formula), ("unknown_column", unknown_column), ("unnamed_column", unknown_column),
            ("unknown_sheet", unknown_sheet), ("hidden_row", hidden), ("hidden_column", hidden),
            ("merged_cells", merged), ("missing_column", missing_column), ("duplicate_header", duplicate_header),
            ("misnamed_sheet", misnamed)]


def test_every_issue_of_a_chinese_workbook_has_a_chinese_detail(tmp_path):
    seen: dict[str, int] = {}
    failures = []
    cases = [(code, changes, None) for code, changes in CASES] + [(code, [], edit) for code, edit in _edits()]
    for n, (code, changes, edit) in enumerate(cases):
        issues = importer.read_file(_workbook(tmp_path, n, changes, edit)).issues
        if not any(i.code == code for i in issues):
            failures.append(("not raised", code, [(i.code, i.message) for i in issues]))
        for i in issues:                                     # every issue of the file, not only the one sought
            try:
                _assert_chinese(i)
            except AssertionError:
                failures.append(("english", i.code, i.message))
            seen[i.code] = seen.get(i.code, 0) + 1
    assert not failures, "\n".join(map(str, failures))
    assert len(seen) >= 40, sorted(seen)


def test_values_cells_and_keys_stay_as_they_are(tmp_path):
    path = _workbook(tmp_path, 0, [_set(("Materials", 0, "amount"), "1.5吨"),
                                   _set(("Materials", 0, "material"), "unobtainium alloy")])
    by_code = {i.code: i.message for i in importer.read_file(path).issues}
    assert by_code["not_a_number"].startswith("D2 (amount)：'1.5吨' 不是数字（单位请填在单位列"), by_code
    assert "'unobtainium alloy' 不是已知的物料或数据集" in by_code["unknown_material"]
    assert "inventories/aliases.csv" in by_code["unknown_material"]


def test_fixes_are_specific_to_the_field(tmp_path):
    """"没有则填 0" (fill in 0 if none) belongs to quantities only, never to a unit or an id."""
    for n, (field, expect_zero) in enumerate([(("Materials", 0, "unit"), False), (("Supplier", "company_id"), False),
                                              (("Products", 0, "product_id"), False),
                                              (("Materials", 0, "amount"), True),
                                              (("Materials", 0, "material"), False)]):
        issues = importer.read_file(_workbook(tmp_path, n, [_set(field, None)])).issues
        (miss,) = [i for i in issues if i.code == "missing_value" and i.column == field[-1]]
        assert ("没有则填 0" in issue_codes.message(miss, "zh")) is expect_zero, miss.message


def test_english_workbook_keeps_english_details(tmp_path):
    data = book()
    data["Materials"][0]["amount"] = "abc"
    path = write_workbook(tmp_path / "en.xlsx", data, "en")
    (i,) = [i for i in importer.read_file(path).issues if i.code == "not_a_number"]
    assert i.message == "D2 (amount): 'abc' is not a number: enter a number such as 1.5"


@pytest.mark.parametrize("code,message", [
    ("duplicate_company", "company_id 'A' is also in a.xlsx: import one workbook per company (a company's workbook "
                          "replaces its previous data)"),
    ("company_mismatch", "the file is company B's data; this request is for A"),
    ("requested_product_missing", "product X was requested but is not in the file"),
    ("nothing_to_import", "w.xlsx is a blank template: fill in the Supplier sheet and at least one product, then "
                          "import it again"),
])
def test_import_and_portal_details_in_chinese(code, message):
    """Details raised outside the validator (importer, portal) are said in Chinese when shown."""
    out = zh(code, message)
    assert HAN.search(out) and english_run(out) is None, out


def test_unknown_detail_is_never_half_translated():
    assert zh("not_a_number", "something entirely new happened here") == "something entirely new happened here"


def test_an_empty_pcf_value_is_not_told_to_be_0(tmp_path):
    changes = [_set(("Materials", 0, "source"), "supplier_pcf"), _set(("Materials", 0, "reference"), "PCF1"),
               _add("SupplierPCFs", {"pcf_id": "PCF1", "supplier_name": "某供应商", "product_name": "粒料",
                                     "declared_unit": "kg", "pcf_kgco2e": None})]
    (miss,) = [i for i in importer.read_file(_workbook(tmp_path, 0, changes)).issues
               if i.code == "missing_value" and i.column == "pcf_kgco2e"]
    assert "供应商声明中的碳足迹值" in miss.message and "没有则填 0" not in miss.message


WRITES_PROJECT = True


def test_import_details_of_a_chinese_chain_in_chinese(project, tmp_path):
    """The importer's own issues (not the validator's) for Chinese workbooks: said in Chinese when shown."""
    buyer = book("T20ZB")
    buyer["Materials"].append({"product_id": "P", "line_id": 2, "material": "零件", "amount": 0.1, "unit": "kg",
                               "source": "supplier_product", "reference": "T20ZS/X"})   # not imported yet
    buyer["Products"][0]["declared_pcf_kgco2e"] = 500                                   # far from computed
    seller = book("T20ZS")
    seller["Products"].append({"product_id": "X", "product_name": "零件X", "declared_unit": "kg",
                               "production_region": "CN-JS"})
    seller["Materials"].append({"product_id": "X", "line_id": 2, "material": "polypropylene", "amount": 1,
                                "unit": "kg", "source": "background"})
    rep = project.import_files([write_workbook(tmp_path / "b.xlsx", buyer, "zh")])
    first = {i.code: i for i in rep.errors + rep.warnings}
    assert "unresolved_reference" in first, [(i.code, i.message) for i in rep.errors + rep.warnings]
    rep = project.import_files([write_workbook(tmp_path / "s.xlsx", seller, "zh"),
                                write_workbook(tmp_path / "s2.xlsx", seller, "zh")])
    dup = {i.code: i for i in rep.errors + rep.warnings}
    assert "duplicate_company" in dup
    assert project.import_files([write_workbook(tmp_path / "s.xlsx", seller, "zh")]).ok
    rep = project.import_files([write_workbook(tmp_path / "b2.xlsx", buyer, "zh")])
    later = {i.code: i for i in rep.errors + rep.warnings}
    del seller["Products"][1], seller["Materials"][1]                                    # X removed
    rep = project.import_files([write_workbook(tmp_path / "s3.xlsx", seller, "zh")])
    removed = {i.code: i for i in rep.errors + rep.warnings}
    assert "product_removed" in removed, [(i.code, i.message) for i in rep.errors + rep.warnings]
    shown = [first["unresolved_reference"], dup["duplicate_company"], removed["product_removed"]]
    assert "declared_pcf_differs" in later, [(i.code, i.message) for i in later.values()]
    shown.append(later["declared_pcf_differs"])
    for issue in shown:
        text = issue_codes.message(issue, "zh").split("详情：", 1)[1]
        assert HAN.search(text) and english_run(text) is None, (issue.code, text)


def test_lca_import_report_of_a_chinese_workbook_is_wholly_chinese(project, tmp_path):
    from cli_util import lca_in_process

    path = _workbook(tmp_path, 0, [_set(("Materials", 0, "amount"), "abc"), _set(("Energy", 0, "unit"), "kg")])
    r = lca_in_process(project.path, "import", str(path))
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert lines[0] == "导入被拒绝（未写入任何数据）：1 个文件，2 个错误，0 个警告", lines
    assert any("工作表 物料，第 2 行，amount 列：[not_a_number] 不是数字" in ln for ln in lines), lines
    for ln in lines:
        assert english_run(ln.replace(str(path), "").replace(path.name, "")) is None, ln
