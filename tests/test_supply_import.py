"""Import robustness: good data, then each bad file -> exit 2, the place named, stored data unchanged."""
from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path

import pytest

from lca import cli
from lca.supply import store
from lca.supply.fill import write_workbook

WRITES_PROJECT = True  # conftest: this module works on its own copy of the session project

PERIOD = {"reporting_period_start": date(2024, 1, 1), "reporting_period_end": date(2024, 12, 31)}


def good(name="RB Co"):
    return {
        "Supplier": {"company_name": name, "company_id": "RB-CO", "country": "CN", **PERIOD},
        "Products": [{"product_id": "p", "product_name": "part", "declared_unit": "kg", "production_region": "CN-JS"}],
        "Materials": [{"product_id": "p", "line_id": 1, "material": "polypropylene", "amount": 0.5, "unit": "kg",
                       "source": "background"}],
        "Emissions": [{"product_id": "p", "gas": "N2O", "amount": 2, "unit": "g"}],
    }


def _bad_variants(tmp: Path) -> dict[str, Path]:
    out = {}

    def variant(name, mutate, lang="en"):
        data = good()
        mutate(data)
        out[name] = write_workbook(tmp / f"{name}.xlsx", data, lang)

    variant("comma_decimal", lambda d: d["Materials"][0].update(amount="0,7"))
    variant("unknown_material", lambda d: d["Materials"][0].update(material="unobtainium"))
    variant("negative_amount", lambda d: d["Emissions"][0].update(amount=-1))
    variant("unknown_gas", lambda d: d["Emissions"][0].update(gas="XYZ"))
    variant("bad_unit", lambda d: d["Materials"][0].update(unit="kWh"))
    variant("unknown_pcf", lambda d: d["Materials"].append(
        {"product_id": "p", "line_id": 2, "material": "x", "amount": 1, "unit": "kg", "source": "supplier_pcf",
         "reference": "NOPE"}))
    variant("duplicate_product", lambda d: d["Products"].append(dict(d["Products"][0])))
    # a formula without a cached value (openpyxl writes none)
    data = good()
    path = write_workbook(tmp / "formula.xlsx", data)
    import openpyxl

    wb = openpyxl.load_workbook(path)
    wb["Materials"]["D2"] = "=1/0"
    wb.save(path)
    out["formula_no_cache"] = path
    (tmp / "text.xlsx").write_text("company,amount\nRB-CO,1\n")
    out["not_a_workbook"] = tmp / "text.xlsx"
    macro = tmp / "macro.xlsx"
    src = write_workbook(tmp / "m.xlsx", good())
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(macro, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr("xl/vbaProject.bin", b"\x00" * 64)
    out["macro"] = macro
    (tmp / "nan.pact.json").write_text('{"id": "x", "pcf": {"pcfExcludingBiogenicUptake": NaN}}')
    out["pact_nan"] = tmp / "nan.pact.json"
    return out


def test_bad_files_exit_2_and_leave_data_unchanged(project, tmp_path, capsys):
    first = write_workbook(tmp_path / "good.xlsx", good())
    assert cli.main(["--project", str(project.path), "import", str(first)]) == 0
    before = project.profile("RB-CO/p").total
    stored = (store.submissions_dir(project) / "RB-CO.json").read_text(encoding="utf-8")
    capsys.readouterr()
    for name, path in _bad_variants(tmp_path).items():
        code = cli.main(["--project", str(project.path), "import", "--json", str(path)])
        out = capsys.readouterr()
        assert code == 2, (name, out.out, out.err)
        doc = json.loads(out.out)
        assert doc["ok"] is False and doc["errors"], name
        issue = doc["errors"][0]
        assert issue["message"] and issue["code"], name
        if name in ("comma_decimal", "unknown_material", "negative_amount", "unknown_gas", "bad_unit"):
            assert issue["sheet"] and issue["row"] and issue["column"], (name, issue)
        assert project.profile("RB-CO/p").total == before, name
        assert (store.submissions_dir(project) / "RB-CO.json").read_text(encoding="utf-8") == stored, name


def test_reimport_replaces_company_data_and_dry_run_writes_nothing(project, tmp_path):
    assert project.import_files([write_workbook(tmp_path / "a.xlsx", good())]).ok
    base = project.profile("RB-CO/p").total
    data = good()
    data["Emissions"][0]["amount"] = 4  # +2 g N2O
    path = write_workbook(tmp_path / "b.xlsx", data)
    dry = project.import_files([path], dry_run=True)
    assert dry.ok and dry.products == ["RB-CO/p"]
    assert project.profile("RB-CO/p").total == base
    assert project.import_files([path]).ok
    assert project.profile("RB-CO/p").total == pytest.approx(base + 0.002 * 273.0, rel=1e-6)
    assert project.import_files([write_workbook(tmp_path / "c.xlsx", good())]).ok
    assert project.profile("RB-CO/p").total == pytest.approx(base, rel=1e-6)


def test_annotate_writes_marked_copy(project, tmp_path):
    data = good()
    data["Materials"][0]["material"] = "unobtainium"
    path = write_workbook(tmp_path / "bad.xlsx", data)
    out = tmp_path / "marked.xlsx"
    report = project.import_files([path], annotate=out)
    assert not report.ok and out.exists() and report.annotated == [str(out)]


def test_pact_footprint_import_is_a_supplier_product(project, tmp_path):
    doc = json.loads((Path(__file__).resolve().parents[1] / "examples" / "05-bms-shenzhen.pact.json")
                     .read_text(encoding="utf-8"))
    doc["companyIds"] = ["urn:pact:company:customcode:buyer-assigned:PACT-TEST"]
    p = tmp_path / "f.pact.json"
    p.write_text(json.dumps(doc))
    report = project.import_files([p])
    assert report.ok, report.summary()
    assert report.products == ["PACT-TEST/BMS-16S"]
    prof = project.profile("PACT-TEST/BMS-16S")
    assert prof.total == pytest.approx(96.5, rel=1e-6)
    assert prof.primary_data_share == pytest.approx(35.0, rel=1e-6)
    doc["pcf"]["ipccCharacterizationFactors"] = ["AR5"]
    p.write_text(json.dumps(doc))
    bad = project.import_files([p])
    assert not bad.ok and bad.errors[0].code == "not_ar6"
