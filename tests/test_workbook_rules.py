"""Workbook rules: each class of wrong input refused or right, in English and Chinese workbooks built here.

Renamed data sheets, example rows with data, products without rows, self-references, percent cells and
``30%`` text in every share field, the mass check with bought products, emission-factor units and ranges.
"""
from __future__ import annotations

import copy
import datetime as dt
import sys
from pathlib import Path

import openpyxl
import pytest

WRITES_PROJECT = True  # conftest: this module works on its own copy of the session project

sys.path.insert(0, str(Path(__file__).parent))
from xlsx_factory import build  # noqa: E402

from lca.supply.rules import dict_resolver, validate_file  # noqa: E402
from lca.supply.sheets import SHEETS  # noqa: E402

RESOLVE = dict_resolver({
    "lithium carbonate": ("lithium-carbonate-brine", "kilogram"),
    "碳酸锂": ("lithium-carbonate-brine", "kilogram"),
    "steel": ("steel-bf-bof", "kilogram"),
    "钢": ("steel-bf-bof", "kilogram"),
})

SUPPLIER = [["field", "value"], ["company_name", "ACME Cell"], ["company_id", "ACME"], ["country", "CN"],
            ["reporting_period_start", dt.date(2025, 1, 1)], ["reporting_period_end", dt.date(2025, 12, 31)],
            ["template_version", 1]]
PRODUCTS = [["product_id", "product_name", "declared_unit", "declared_amount", "mass_kg", "production_region"],
            ["CELL", "LFP cell", "piece", 1, 5.0, "CN-FJ"],
            ["CAM", "cathode", "kg", 1, None, "CN-SC"]]
MATERIALS = [["product_id", "line_id", "material", "amount", "unit", "source", "reference", "recycled_share"],
             ["CELL", 1, "lithium carbonate", 0.5, "kg", "background", None, None],
             ["CELL", 2, "cathode", 2.0, "kg", "supplier_product", "ACME/CAM", None],
             ["CELL", 3, "steel", 2.5, "kg", "background", None, None],
             ["CAM", 1, "steel", 1.0, "kg", "background", None, None]]
ENERGY = [["product_id", "carrier", "amount", "unit"], ["CELL", "electricity", 10, "kWh"]]
PCFS = [["pcf_id", "supplier_name", "product_name", "declared_unit", "pcf_kgco2e", "primary_data_share"],
        ["PCF1", "Anode Co", "graphite", "kg", 8.0, 40]]


def english() -> dict[str, list[list]]:
    return copy.deepcopy({"Supplier": SUPPLIER, "Products": PRODUCTS, "Materials": MATERIALS, "Energy": ENERGY})


def chinese(sheets: dict[str, list[list]]) -> dict[str, list[list]]:
    """The same workbook with Chinese sheet names, headers and Supplier field names."""
    out = {}
    for key, rows in sheets.items():
        spec = SHEETS[key]
        if spec.layout == "fields":
            out[spec.zh] = [["字段", "值"]] + [[spec.column(r[0]).zh, r[1]] for r in rows[1:]]
        else:
            out[spec.zh] = [[spec.column(h).zh for h in rows[0]]] + copy.deepcopy(rows[1:])
    return out


def run(tmp_path, sheets, lang, name="w.xlsx", formats=None):
    """Validate the workbook (Chinese if lang == 'zh'); ``formats``: {(sheet key, cell): number format}."""
    book = chinese(sheets) if lang == "zh" else sheets
    path = build(tmp_path / f"{lang}-{name}", book)
    if formats:
        wb = openpyxl.load_workbook(path)
        for (key, ref), fmt in formats.items():
            wb[SHEETS[key].zh if lang == "zh" else key][ref].number_format = fmt
        wb.save(path)
    return validate_file(path, RESOLVE)


def errors(issues):
    return [(i.sheet, i.row, i.column, i.code) for i in issues if i.severity == "error"]


LANGS = pytest.mark.parametrize("lang", ["en", "zh"])


@LANGS
def test_the_base_workbook_is_clean(tmp_path, lang):
    sub, issues = run(tmp_path, english(), lang)
    assert errors(issues) == [] and len(sub.materials) == 4


# ---------------------------------------------------------------- finding 1: a renamed data sheet

@LANGS
@pytest.mark.parametrize("title", ["物料清单", "BOM"])
def test_a_renamed_data_sheet_is_an_error_naming_it(tmp_path, lang, title):
    s = english()
    book = chinese(s) if lang == "zh" else s
    materials = book.pop("物料" if lang == "zh" else "Materials")
    book[title] = materials
    path = build(tmp_path / "renamed.xlsx", book)
    sub, issues = validate_file(path, RESOLVE)
    (err,) = [i for i in issues if i.code == "misnamed_sheet"]
    assert err.severity == "error" and err.sheet == title and "Materials" in err.message and "物料" in err.message


@LANGS
def test_an_unrelated_extra_sheet_is_only_a_warning(tmp_path, lang):
    s = english()
    s_book = chinese(s) if lang == "zh" else s
    s_book["Notes"] = [["remark"], ["see e-mail"]]
    sub, issues = validate_file(build(tmp_path / "notes.xlsx", s_book), RESOLVE)
    assert errors(issues) == [] and [i.code for i in issues if i.sheet == "Notes"] == ["unknown_sheet"]


# ---------------------------------------------------------------- finding 4: data in the example row

@LANGS
@pytest.mark.parametrize("example_id", ["EXAMPLE", "示例"])
def test_data_typed_into_the_example_row_is_an_error_naming_the_row(tmp_path, lang, example_id):
    s = english()
    s["Materials"].insert(1, [example_id, 1, "lithium carbonate", 0.8, "kg", "background", None, None])
    sub, issues = run(tmp_path, s, lang)
    assert [(e[1], e[3]) for e in errors(issues)] == [(2, "example_row")]
    (err,) = [i for i in issues if i.code == "example_row"]
    assert ("第 2 行" if lang == "zh" else "row 2") in err.message   # in the workbook's language
    assert example_id in err.message and "amount" in err.message


@LANGS
def test_the_untouched_template_example_row_is_skipped(tmp_path, lang):
    s = english()
    heads = s["Materials"][0]
    col = SHEETS["Materials"].column
    s["Materials"].insert(1, [None if col(h).example == "" else col(h).example for h in heads])
    sub, issues = run(tmp_path, s, lang)
    assert errors(issues) == [] and len(sub.materials) == 4


# ---------------------------------------------------------------- finding 11 (import side): an empty product

@LANGS
def test_a_product_without_rows_is_an_error(tmp_path, lang):
    s = english()
    s["Products"].append(["EMPTY", "nothing", "kg", 1, None, "CN"])
    sub, issues = run(tmp_path, s, lang)
    assert errors(issues) == [(SHEETS["Products"].zh if lang == "zh" else "Products", 4, "product_id",
                               "empty_product")]


# ---------------------------------------------------------------- finding 9: a product that consumes itself

@LANGS
def test_a_product_consuming_itself_is_an_error_naming_both(tmp_path, lang):
    s = english()
    s["Materials"].append(["CELL", 4, "recycled cells", 0.5, "piece", "supplier_product", "ACME/CELL", None])
    sub, issues = run(tmp_path, s, lang)
    assert [(e[1], e[2], e[3]) for e in errors(issues)] == [(6, "reference", "self_reference")]
    (err,) = [i for i in issues if i.code == "self_reference"]
    assert "'CELL'" in err.message and "ACME/CELL" in err.message


# ---------------------------------------------------------------- finding 2: percent cells and text

@LANGS
def test_percent_cells_and_text_in_every_share_field(tmp_path, lang):
    s = english()
    s["Materials"][1][7] = 0.3           # H2: 0.3 formatted 0% -> 30 % -> 0.3 of a 0..1 field
    s["Materials"][3][7] = "30%"         # H4: text 30% -> 0.3
    s["SupplierPCFs"] = copy.deepcopy(PCFS) + [["PCF2", "Anode Co", "graphite", "kg", 8.0, "55%"],
                                               ["PCF3", "Anode Co", "graphite", "kg", 8.0, 0.55]]
    s["SupplierPCFs"][1][5] = 0.4        # F2: 0.4 formatted 0% -> 40 (a 0..100 field)
    s["Materials"] += [["CAM", 1 + i, "graphite", 0.1, "kg", "supplier_pcf", f"PCF{i}", None] for i in (1, 2, 3)]
    sub, issues = run(tmp_path, s, lang, formats={("Materials", "H2"): "0%", ("SupplierPCFs", "F2"): "0%"})
    assert errors(issues) == []
    shares = {m.line_id: m.recycled_share for m in sub.materials if m.product_id == "CELL"}
    assert shares == {"1": pytest.approx(0.3, abs=1e-12), "2": None, "3": pytest.approx(0.3, abs=1e-12)}
    pds = {p.pcf_id: p.primary_data_share for p in sub.pcfs}
    assert pds == {"PCF1": pytest.approx(40.0), "PCF2": pytest.approx(55.0), "PCF3": pytest.approx(0.55)}
    (warn,) = [i for i in issues if i.code == "share_below_one"]
    assert warn.row == 4 and warn.severity == "warning" and "55" in warn.message


@LANGS
def test_a_share_above_its_scale_is_refused(tmp_path, lang):
    s = english()
    s["Materials"][1][7] = 30            # 30 in a 0..1 field: refused with the hint
    sub, issues = run(tmp_path, s, lang)
    (err,) = [i for i in issues if i.severity == "error"]
    assert err.code == "out_of_range" and "0.3" in err.message


# ---------------------------------------------------------------- mass check with bought products

@LANGS
def test_bought_products_in_pieces_give_no_false_mass_alarm(tmp_path, lang):
    s = english()
    s["Products"].append(["PACK", "pack", "piece", 1, 60.0, "CN-FJ"])
    s["Materials"] += [["PACK", 1, "cells", 10, "piece", "supplier_product", "ACME/CELL", None],   # 10 x 5 kg
                       ["PACK", 2, "modules", 2, "piece", "supplier_product", "OTHER/MOD", None],  # unknown mass
                       ["PACK", 3, "steel", 4, "kg", "background", None, None]]
    sub, issues = run(tmp_path, s, lang)
    assert not [i for i in issues if i.code == "mass_inconsistent"]
    s["Products"][-1][4] = 20.0          # 54 kg known already > 20 kg * 1.5: flagged, with the lower bound
    sub, issues = run(tmp_path, s, lang, name="heavy.xlsx")
    (warn,) = [i for i in issues if i.code == "mass_inconsistent"]
    if lang == "zh":  # wholly in the workbook's language (issue 24)
        assert "至少 54 千克" in warn.message and "kg of materials" not in warn.message
    else:
        assert "54 kg" in warn.message and "at least" in warn.message


# ---------------------------------------------------------------- finding 3: emission-factor units and ranges

def _ef_rows(*rows):
    s = english()
    s["Energy"] = [["product_id", "carrier", "amount", "unit", "supplier_ef_kgco2e_per_unit", "supplier_ef_unit"],
                   *[["CELL", *r] for r in rows]]
    return s


@LANGS
def test_mwh_and_kwh_with_one_per_kwh_factor_give_the_same_kg(tmp_path, lang):
    # 2 MWh = 2000 kWh at 0.5 kg CO2e/kWh = 1000 kg CO2e, whichever way it is written
    s = _ef_rows(["electricity", 2, "MWh", 0.5, None], ["electricity", 2000, "kWh", 0.5, None],
                 ["electricity", 2, "MWh", 500, "kg CO2e/MWh"], ["electricity", 0.2, "万千瓦时", 0.5, "千克CO2e/千瓦时"],
                 ["electricity", 2, "兆瓦时", 0.5, "t CO2e/MWh"])
    sub, issues = run(tmp_path, s, lang)
    assert errors(issues) == []
    kg = [e.amount * e.supplier_ef_kgco2e_per_unit for e in sub.energy]
    assert kg == pytest.approx([1000.0, 1000.0, 1000.0, 1000.0, 1000.0], rel=1e-12)
    assert [e.reference_amount for e in sub.energy] == pytest.approx([2000.0] * 5, rel=1e-12)
    assert sub.energy[0].supplier_ef_unit == "kg CO2e/kWh" and sub.energy[0].supplier_ef_stated == 0.5


@LANGS
def test_a_factor_outside_its_carrier_range_is_refused_naming_cell_and_range(tmp_path, lang):
    # 600 "per kWh" (a per-MWh figure without its unit) and 10 kg CO2e/m3 of natural gas are implausible
    s = _ef_rows(["electricity", 2, "MWh", 600, None], ["natural_gas", 100, "m3", 10, None],
                 ["natural_gas", 1, "万立方米", 21800, "kg CO2e/万m3"])
    sub, issues = run(tmp_path, s, lang)
    bad = [i for i in issues if i.code == "implausible_factor"]
    assert [(i.row, i.column) for i in bad] == [(2, "supplier_ef_kgco2e_per_unit"), (3, "supplier_ef_kgco2e_per_unit")]
    assert "E2" in bad[0].message and "0..1.5 kg CO2e/kWh" in bad[0].message
    assert "1.5..3.5 kg CO2e/m3" in bad[1].message
    assert len(errors(issues)) == 2  # 21800 kg per 10^4 m3 = 2.18 kg/m3: plausible


@LANGS
def test_chinese_statistical_units_convert_by_hand(tmp_path, lang):
    s = english()
    s["Energy"] = [["product_id", "carrier", "amount", "unit", "sourcing"],
                   ["CELL", "电力", 1.5, "万度", "绿电"], ["CELL", "天然气", 2, "万立方米", None],
                   ["CELL", "原煤", 1, "吨标准煤", None], ["CELL", "天然气", 100, "标方", None]]
    s["Transport"] = [["product_id", "mode", "mass_t", "distance_km"], ["CELL", "汽运", 0.005, 300]]
    s["Emissions"] = [["product_id", "gas", "amount", "unit"], ["CELL", "二氧化碳", 1, "kg"],
                      ["CELL", "甲烷", 2, "g"], ["CELL", "氧化亚氮", 3, "g"]]
    sub, issues = run(tmp_path, s, lang)
    assert errors(issues) == []
    e = sub.energy
    assert (e[0].carrier, e[0].sourcing, e[0].reference_amount) == ("electricity", "ppa_renewable", pytest.approx(15000))
    assert e[1].reference_amount == pytest.approx(20000)               # m3
    assert e[2].reference_amount == pytest.approx(29307.6 / 20.908)    # kg raw coal in 1 tce (GB/T 2589-2020)
    assert e[3].reference_amount == pytest.approx(100)
    assert sub.transport[0].mode == "truck"
    assert [(x.gas, x.amount_kg) for x in sub.emissions] == [("CO2", 1.0), ("CH4", pytest.approx(0.002)),
                                                            ("N2O", pytest.approx(0.003))]


# ---------------------------------------------------------------- Chinese end to end, submissions, template

def test_a_chinese_workbook_gets_a_chinese_annotated_copy(project, tmp_path, capsys):
    from lca import cli

    s = english()
    s["Materials"][1][7] = 30            # an error: 30 in a 0..1 share
    path = build(tmp_path / "zh.xlsx", chinese(s))
    out = tmp_path / "marked.xlsx"
    code = cli.main(["--project", str(project.path), "import", "--dry-run", "--annotate", str(out), str(path)])
    printed = capsys.readouterr().err  # a refused import's report is on stderr (issue 24)
    assert code == 2 and "超出允许范围" in printed      # the summary speaks the workbook's language
    wb = openpyxl.load_workbook(out)
    issues = wb["问题"]
    assert [c.value for c in issues[1]][:6] == ["级别", "工作表", "行", "列", "代码", "问题"]
    row = [c.value for c in issues[2]]
    assert row[0] == "错误" and row[4] == "out_of_range" and row[5] == "数值超出允许范围" and "请" in row[6]
    comment = wb["物料"]["H2"].comment.text
    assert "错误" in comment and "数值超出允许范围" in comment
    # --lang en overrides the workbook's language
    code = cli.main(["--project", str(project.path), "import", "--dry-run", "--lang", "en", "--annotate",
                     str(tmp_path / "en.xlsx"), str(path)])
    assert code == 2 and "Issues" in openpyxl.load_workbook(tmp_path / "en.xlsx").sheetnames
    capsys.readouterr()


def test_template_refuses_to_overwrite_without_force(tmp_path, capsys):
    from lca import cli

    out = tmp_path / "t.xlsx"
    out.write_bytes(b"a filled workbook")
    assert cli.main(["template", str(out)]) == 2
    assert out.read_bytes() == b"a filled workbook" and "--force" in capsys.readouterr().err
    assert cli.main(["template", "--force", "--lang", "zh", str(out)]) == 0
    assert "说明" in openpyxl.load_workbook(out).sheetnames


def test_a_reimport_that_removes_a_referenced_product_warns(project, tmp_path):
    seller = english()
    seller["Supplier"][2][1] = "T14A-SELLER"
    seller["Materials"][2][6] = "T14A-SELLER/CAM"
    buyer = copy.deepcopy({"Supplier": SUPPLIER, "Products": [PRODUCTS[0], ["PACK", "pack", "kg", 1, None, "CN"]],
                           "Materials": [MATERIALS[0], ["PACK", 1, "cells", 2, "kg", "supplier_product",
                                                        "T14A-SELLER/CAM", None]]})
    buyer["Supplier"][2][1] = "T14A-BUYER"
    buyer["Energy"] = [["product_id", "carrier", "amount", "unit"], ["PACK", "electricity", 1, "kWh"]]
    rep = project.import_files([build(tmp_path / "s.xlsx", seller), build(tmp_path / "b.xlsx", buyer)])
    assert rep.ok, [str(i) for i in rep.errors]
    renamed = copy.deepcopy(seller)
    renamed["Products"][2][0] = "CAM2"
    renamed["Materials"] = [r if r[0] != "CAM" else ["CAM2", *r[1:]] for r in renamed["Materials"]]
    renamed["Materials"][2][6] = "T14A-SELLER/CAM2"
    rep = project.import_files([build(tmp_path / "s2.xlsx", renamed)], dry_run=True)
    (warn,) = [i for i in rep.warnings if i.code == "product_removed"]
    assert "T14A-BUYER/PACK" in warn.message and "T14A-SELLER/CAM" in warn.message


def test_the_chinese_template_is_chinese_throughout(tmp_path):
    import re

    from lca.supply.template import write_template

    han = re.compile(r"[\u4e00-\u9fff]")
    for spec in SHEETS.values():
        for col in spec.columns:
            assert han.search(col.zh) and han.search(col.zh_help), (spec.key, col.key)
    write_template(tmp_path / "zh.xlsx", lang="zh")
    ws = openpyxl.load_workbook(tmp_path / "zh.xlsx")["说明"]
    helps = [r[4] for r in ws.iter_rows(min_row=1, values_only=True) if r[0] in {s.zh for s in SHEETS.values()}]
    assert len(helps) == sum(len(s.columns) for s in SHEETS.values())
    assert all(h and han.search(h) for h in helps)


def test_chinese_search_finds_every_lithium_dataset(project):
    from lca import inventory

    bg = inventory.load_background()
    lithium = {c for c, d in bg.datasets.items() if "lithium" in f"{c} {d['name']} {d['product']}".lower()
               or c == "lipf6"}
    assert len(lithium) >= 5
    found = {r.ref.split(":", 1)[1] for r in project.search("锂", limit=200)}
    assert lithium <= found, sorted(lithium - found)


def test_suppliers_lists_and_withdraw_is_atomic(project, tmp_path, capsys, monkeypatch):
    import json

    from lca import cli
    from lca.supply import store

    seller = english()
    seller["Supplier"][2][1] = "T14A-WD-SELLER"
    seller["Materials"][2][6] = "T14A-WD-SELLER/CAM"
    buyer = copy.deepcopy({"Supplier": SUPPLIER, "Products": [PRODUCTS[0], ["PACK", "pack", "kg", 1, None, "CN"]],
                           "Materials": [MATERIALS[0], ["PACK", 1, "cathode", 2, "kg", "supplier_product",
                                                        "T14A-WD-SELLER/CAM", None]]})
    buyer["Supplier"][2][1] = "T14A-WD-BUYER"
    rep = project.import_files([build(tmp_path / "s.xlsx", seller), build(tmp_path / "b.xlsx", buyer)])
    assert rep.ok, [str(i) for i in rep.errors]
    capsys.readouterr()
    assert cli.main(["--project", str(project.path), "suppliers", "--json"]) == 0
    listed = {s["company_id"]: s for s in json.loads(capsys.readouterr().out)["suppliers"]}
    assert listed["T14A-WD-SELLER"]["products"] == ["CELL", "CAM"] and listed["T14A-WD-SELLER"]["source_file"] == "s.xlsx"
    # a failing rewrite loses nothing: the submission is back and still listed
    monkeypatch.setattr(store, "_write", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        store.withdraw(project, "T14A-WD-SELLER")
    monkeypatch.undo()
    assert "T14A-WD-SELLER" in {s["company_id"] for s in store.submissions(project)}
    assert cli.main(["--project", str(project.path), "withdraw", "T14A-WD-SELLER", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"withdrawn": "T14A-WD-SELLER", "unresolved_users": ["T14A-WD-BUYER/PACK"]}
    assert "T14A-WD-SELLER" not in {s["company_id"] for s in store.submissions(project)}
    assert not any(a.ref.startswith("suppliers:T14A-WD-SELLER") for a in project.search("T14A-WD-SELLER", limit=50))
    assert cli.main(["--project", str(project.path), "withdraw", "T14A-WD-SELLER"]) == 2
    assert "no submission" in capsys.readouterr().err
    assert cli.main(["--project", str(project.path), "withdraw", "T14A-WD-BUYER"]) == 0
