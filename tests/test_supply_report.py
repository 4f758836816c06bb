"""Profile reports: Excel (charts, formula injection), PACT JSON consistency, PNG, CLI profile."""
from __future__ import annotations

import json
import re
import zipfile
from datetime import date

import openpyxl
import pytest

from lca import cli
from lca.supply.fill import write_workbook

WRITES_PROJECT = True  # conftest: this module works on its own copy of the session project

PERIOD = {"reporting_period_start": date(2024, 1, 1), "reporting_period_end": date(2024, 12, 31)}
EVIL = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture(scope="module")
def prof(project, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    sup = {"Supplier": {"company_name": EVIL, "company_id": "RP-SUP", "country": "CN", **PERIOD,
                        "green_factory": "national"},
           "Products": [{"product_id": "s", "product_name": "+cmd|' /C calc'!A0", "declared_unit": "kg",
                         "production_region": "CN-JS", "declared_pcf_kgco2e": 1.0}],
           "Emissions": [{"product_id": "s", "gas": "CO2", "amount": 2, "unit": "kg"}]}
    buyer = {"Supplier": {"company_name": "RP Buyer", "company_id": "RP-BUY", "country": "CN", **PERIOD},
             "Products": [{"product_id": "b", "product_name": "buyer part", "declared_unit": "piece",
                           "declared_amount": 10, "mass_kg": 30, "production_region": "CN-GD"}],
             "Materials": [{"product_id": "b", "line_id": 1, "material": "s", "amount": 3, "unit": "kg",
                            "source": "supplier_product", "reference": "RP-SUP/s", "supplier_name": EVIL},
                           {"product_id": "b", "line_id": 2, "material": "separator", "amount": 5, "unit": "m2",
                            "source": "supplier_pcf", "reference": "S1"}],
             "Emissions": [{"product_id": "b", "gas": "CH4", "amount": 10, "unit": "g"}],
             "SupplierPCFs": [{"pcf_id": "S1", "supplier_name": "-Sep Co", "product_name": "sep",
                               "declared_unit": "m2", "pcf_kgco2e": 0.5, "primary_data_share": 80,
                               "dqr_technological": 2, "dqr_geographical": 1, "dqr_temporal": 1}]}
    files = [write_workbook(tmp / "sup.xlsx", sup), write_workbook(tmp / "buy.xlsx", buyer, "zh")]
    report = project.import_files(files)
    assert report.ok, report.summary()
    assert any(w.code == "declared_pcf_differs" for w in report.warnings)  # declared 1.0 vs computed 2.0
    return project.profile("RP-BUY/b")


def test_hand_total(prof):
    assert prof.total == pytest.approx(3 * 2.0 + 5 * 0.5 + 0.010 * 29.8, rel=1e-6)
    assert prof.declared_amount == 10 and prof.total_per_declared_unit == pytest.approx(prof.total / 10)


def test_excel_report_has_charts_and_no_formulas(prof, tmp_path):
    path = prof.to_excel(tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    for title in ("Summary", "By tier", "By stage", "By supplier", "By material", "By gas", "By region",
                  "Data quality", "Declared vs computed"):
        assert title in wb.sheetnames
    assert wb["By supplier"]._charts, "native bar chart expected"
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert sum(n.startswith("xl/charts/chart") for n in names) >= 6
        sheets = [n for n in names if n.startswith("xl/worksheets/sheet")]
        xml = "".join(zf.read(n).decode("utf-8") for n in sheets)
        strings = zf.read("xl/sharedStrings.xml").decode("utf-8") if "xl/sharedStrings.xml" in names else ""
    assert "<f>" not in xml and "<f " not in xml, "no cell may be a formula"
    assert "HYPERLINK" in (xml + strings)  # stored as text
    values = [c.value for row in wb["By supplier"].iter_rows() for c in row]
    assert EVIL in values
    # declared PCF beside the computed one
    rows = list(wb["Declared vs computed"].iter_rows(values_only=True))
    sup = next(r for r in rows if r[0] == "RP-SUP/s")
    assert sup[4] == pytest.approx(2.0, rel=1e-6) and sup[5] == 1.0


def test_pact_values_consistent(prof):
    pf = prof.to_pact()
    pcf = pf["pcf"]
    assert pf["specVersion"].startswith("3.") and pcf["ipccCharacterizationFactors"] == ["AR6"]
    assert pcf["declaredUnitOfMeasurement"] == "piece"
    n = float(pcf["declaredUnitAmount"])
    assert n == 10
    assert float(pcf["pcfExcludingBiogenicUptake"]) * n == pytest.approx(prof.total, rel=1e-8)
    assert float(pcf["fossilGhgEmissions"]) <= float(pcf["pcfExcludingBiogenicUptake"]) + 1e-9
    assert float(pcf["productMassPerDeclaredUnit"]) == pytest.approx(3.0)
    assert float(pcf["primaryDataShare"]) == pytest.approx(prof.primary_data_share, rel=1e-8)
    # by hand: own emissions of both companies primary, the PCF line 80 % primary
    assert prof.primary_data_share == pytest.approx(
        100 * (6.0 + 0.298 + 0.8 * 2.5) / (6.0 + 0.298 + 2.5), rel=1e-6)
    for key in ("pcfExcludingBiogenicUptake", "declaredUnitAmount", "exemptedEmissionsPercent"):
        assert re.fullmatch(r"[+-]?\d+(\.\d+)?", pcf[key])
    assert pcf["referencePeriodStart"] == "2024-01-01T00:00:00Z"
    assert pcf["geographyCountrySubdivision"] == "CN-GD"
    json.dumps(pf, allow_nan=False)


def test_plot_and_cli_profile(project, prof, tmp_path, capsys):
    png = prof.plot(tmp_path / "h.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code = cli.main(["--project", str(project.path), "profile", "RP-BUY/b", "--json",
                     "--pact", str(tmp_path / "p.json"), "--excel", str(tmp_path / "x.xlsx")])
    out = capsys.readouterr().out
    assert code == 0
    doc = json.loads(out)
    assert doc["total"] == pytest.approx(prof.total)
    assert set(doc) >= {"by_tier", "by_supplier", "by_material", "by_stage", "by_gas", "by_region",
                        "primary_data_share", "dqr", "total_market_based", "unresolved"}
    assert cli.main(["--project", str(project.path), "profile", "NOPE/x"]) == 2
