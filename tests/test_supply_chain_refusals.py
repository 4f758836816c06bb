"""A supply chain end to end: a three-tier chain with outbound transport and percent cells, a self-referencing
product and a renamed sheet -- each refused or right (the workbook rules and the roll-up together).

Expected figures are computed here by hand from the workbook numbers, the IPCC 2021 GWP100 factor of CH4
(29.8) and the footprints of single background datasets.
"""
from __future__ import annotations

from datetime import date

import openpyxl
import pytest

from lca.supply.fill import write_workbook
from lca.supply.sheets import SHEETS

WRITES_PROJECT = True  # conftest: this module works on its own copy of the session project

PERIOD = {"reporting_period_start": date(2024, 1, 1), "reporting_period_end": date(2024, 12, 31)}
CH4 = 29.8
REL = 1e-5


def percent_cell(path, sheet_key: str, column: str, row: int, fraction: float, lang: str) -> None:
    """Make one cell of a written workbook a percent-formatted number (Excel stores 55% as 0.55)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEETS[sheet_key].zh if lang == "zh" else sheet_key]
    j = [c.key for c in SHEETS[sheet_key].columns].index(column) + 1
    ws.cell(row=row, column=j).value = fraction
    ws.cell(row=row, column=j).number_format = "0%"
    wb.save(path)


def books(p: str):
    salt = {"Supplier": {"company_name": f"{p}盐湖锂业", "company_id": f"{p}SALT", "country": "CN", **PERIOD},
            "Products": [{"product_id": "li", "product_name": "碳酸锂", "declared_unit": "t",
                          "production_region": "CN-QH"}],
            "Materials": [{"product_id": "li", "line_id": 1, "material": "soda", "amount": 2, "unit": "t",
                           "source": "supplier_pcf", "reference": "S1"}],
            "Emissions": [{"product_id": "li", "gas": "CH4", "amount": 10, "unit": "kg"}],
            "SupplierPCFs": [{"pcf_id": "S1", "supplier_name": "Soda Works", "product_name": "soda ash",
                              "declared_unit": "t", "pcf_kgco2e": 500, "primary_data_share": 40}],
            "Transport": [{"product_id": "li", "mode": "rail", "mass_t": 1, "distance_km": 1500,
                           "direction": "outbound"}]}
    cam = {"Supplier": {"company_name": f"{p}正极材料", "company_id": f"{p}CAM", "country": "CN", **PERIOD},
           "Products": [{"product_id": "cam", "product_name": "磷酸铁锂正极", "declared_unit": "kg",
                         "declared_amount": 1000, "production_region": "CN-HN"}],
           "Materials": [{"product_id": "cam", "line_id": 1, "material": "碳酸锂", "amount": 0.25, "unit": "t",
                          "source": "supplier_product", "reference": f"{p}SALT/li"}],
           "Transport": [{"product_id": "cam", "mode": "rail", "mass_t": 0.25, "distance_km": 1500},
                         {"product_id": "cam", "mode": "truck", "mass_t": 1, "distance_km": 800,
                          "direction": "outbound"}],
           "Emissions": [{"product_id": "cam", "gas": "CO2", "amount": 0.2, "unit": "t"}]}
    pack = {"Supplier": {"company_name": f"{p}电池包", "company_id": f"{p}PACK", "country": "CN", **PERIOD},
            "Products": [{"product_id": "pack", "product_name": "储能电池包", "declared_unit": "piece",
                          "mass_kg": 3, "production_region": "CN-GD"}],
            "Materials": [{"product_id": "pack", "line_id": 1, "material": "正极", "amount": 2, "unit": "kg",
                           "source": "supplier_product", "reference": f"{p}CAM/cam"}],
            "Transport": [{"product_id": "pack", "mode": "truck", "mass_t": 0.002, "distance_km": 800},
                          {"product_id": "pack", "mode": "ship_sea", "mass_t": 0.003, "distance_km": 12000,
                           "direction": "outbound"}],
            "Emissions": [{"product_id": "pack", "gas": "CO2", "amount": 0.5, "unit": "kg"}]}
    return salt, cam, pack


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_three_tier_chain_with_outbound_transport_and_percent_cells(project, tmp_path, lang):
    p = f"TR{lang}-"
    salt, cam, pack = books(p)
    files = [write_workbook(tmp_path / f"{n}.xlsx", b, lang) for n, b in (("salt", salt), ("cam", cam),
                                                                          ("pack", pack))]
    percent_cell(files[0], "SupplierPCFs", "primary_data_share", 2, 0.40, lang)  # typed as 40% in Excel
    report = project.import_files(files)
    assert report.ok, report.summary()
    truck, rail, ship = (project.footprint(f"background:transport-{m}").total for m in ("truck", "rail", "ship-sea"))
    salt_t = 2 * 0.25 / 1000  # t of lithium salt per pack
    tier2 = salt_t * (10 * CH4)                     # the salt maker's own CH4
    tier3 = salt_t * 2 * 500                        # its declared soda PCF
    tier1 = 2 * (200 + 0.25 * 1500 * rail) / 1000   # cathode CO2 + its inbound rail leg
    tier0 = 0.5 + 1.6 * truck                       # pack CO2 + its inbound truck leg (0.002 t x 800 km)
    total = tier0 + tier1 + tier2 + tier3           # no outbound leg of anyone
    prof = project.profile(f"{p}PACK/pack")
    assert prof.total == pytest.approx(total, rel=REL)
    assert prof.by_dict("tier") == pytest.approx({"0": tier0, "1": tier1, "2": tier2, "3": tier3}, rel=REL)
    assert prof.distribution == pytest.approx(0.003 * 12000 * ship, rel=REL)
    # the declared PCF's 40% (a percent cell) is read as 40 %, not 0.4 %
    primary = tier0 + tier1 + tier2 + 0.40 * tier3
    assert prof.primary_data_share == pytest.approx(100 * primary / total, rel=REL)
    assert sum(i["contribution"] for i in prof.line_items) == pytest.approx(prof.total, rel=1e-9)
    pcf = prof.to_pact()["pcf"]
    assert float(pcf["pcfExcludingBiogenicUptake"]) == pytest.approx(total, rel=1e-5)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_self_referencing_product_is_refused(project, tmp_path, lang):
    _, _, pack = books(f"TS{lang}-")
    pack["Materials"].append({"product_id": "pack", "line_id": 2, "material": "pack", "amount": 0.5,
                              "unit": "piece", "source": "supplier_product", "reference": f"TS{lang}-PACK/pack"})
    report = project.import_files([write_workbook(tmp_path / "self.xlsx", pack, lang)])
    assert not report.ok
    assert any(e.code == "self_reference" and e.row == 3 for e in report.errors)


@pytest.mark.parametrize("title", ["BOM", "物料清单"])
def test_a_renamed_data_sheet_is_refused(project, tmp_path, title):
    _, _, pack = books("TN-")
    path = write_workbook(tmp_path / "renamed.xlsx", pack, "en")
    wb = openpyxl.load_workbook(path)
    wb["Materials"].title = title
    wb.save(path)
    report = project.import_files([path])
    assert not report.ok
    assert any(e.code == "misnamed_sheet" and title in (e.sheet or "") + e.message for e in report.errors)
