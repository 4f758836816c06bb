"""The trail to the last dataset: a three-tier supplier chain whose profile (JSON and Excel) lists the grid and
every upstream background dataset with source and year, and every own direct line with its period, summing to
the total. Expected values: the open background read straight from the TOML files and solved with scipy
(tests/background_matrix.py), characterized with bw2io's shipped IPCC 2021 factors; own emissions by hand."""
from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from lca.supply.fill import write_workbook

import background_matrix
import shipped_lcia

WRITES_PROJECT = True
ROOT = Path(__file__).resolve().parent.parent
PERIOD = {"reporting_period_start": date(2024, 1, 1), "reporting_period_end": date(2024, 12, 31)}
GWP100 = ("IPCC 2021", "climate change", "global warming potential (GWP100)")
REL = 1e-5


def shipped_cf_by_alias() -> dict[str, float]:
    """flows.csv alias -> IPCC 2021 GWP100 factor from bw2io's shipped LCIA data (by name and categories)."""
    by = shipped_lcia.cfs_by_name(GWP100)
    out = {}
    with open(ROOT / "inventories" / "flows.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(ln for ln in fh if not ln.startswith("#")):
            cats = tuple(row["categories"].split("::"))
            # a flow in a top compartment carries the factor of that compartment's unspecified flow too
            out[row["alias"]] = by.get((row["name"], cats), by.get((row["name"], cats + ("unspecified",)), 0.0))
    return out


def chain(tmp: Path) -> list[Path]:
    """TRSALT (tier 2, Qinghai grid) -> TRCAM (tier 1, Hunan) -> TRPACK (tier 0, Guangdong)."""
    salt = {"Supplier": {"company_name": "Trail Salt Co", "company_id": "TRSALT", "country": "CN", **PERIOD},
            "Products": [{"product_id": "salt", "product_name": "lithium salt", "declared_unit": "kg",
                          "declared_amount": 1, "production_region": "CN-QH"}],
            "Materials": [{"product_id": "salt", "line_id": 1, "material": "sodium-hydroxide", "amount": 1.5,
                           "unit": "kg", "source": "background"}],
            "Energy": [{"product_id": "salt", "carrier": "electricity", "amount": 12, "unit": "kWh"}],
            "Emissions": [{"product_id": "salt", "gas": "CH4", "amount": 0.01, "unit": "kg"}]}
    cam = {"Supplier": {"company_name": "Trail Cathode Co", "company_id": "TRCAM", "country": "CN", **PERIOD},
           "Products": [{"product_id": "cam", "product_name": "cathode", "declared_unit": "kg",
                         "declared_amount": 1, "production_region": "CN-HN"}],
           "Materials": [{"product_id": "cam", "line_id": 1, "material": "lithium salt", "amount": 0.4,
                          "unit": "kg", "source": "supplier_product", "reference": "TRSALT/salt"}],
           "Energy": [{"product_id": "cam", "carrier": "electricity", "amount": 20, "unit": "kWh"}],
           "Emissions": [{"product_id": "cam", "gas": "CO2", "amount": 0.5, "unit": "kg"}]}
    pack = {"Supplier": {"company_name": "Trail Pack Co", "company_id": "TRPACK", "country": "CN", **PERIOD},
            "Products": [{"product_id": "pack", "product_name": "pack", "declared_unit": "piece",
                          "declared_amount": 1, "mass_kg": 3, "production_region": "CN-GD"}],
            "Materials": [{"product_id": "pack", "line_id": 1, "material": "cathode", "amount": 2, "unit": "kg",
                           "source": "supplier_product", "reference": "TRCAM/cam"}],
            "Energy": [{"product_id": "pack", "carrier": "electricity", "amount": 8, "unit": "kWh"}],
            "Emissions": [{"product_id": "pack", "gas": "N2O", "amount": 0.002, "unit": "kg"}]}
    return [write_workbook(tmp / "trsalt.xlsx", salt), write_workbook(tmp / "trcam.xlsx", cam),
            write_workbook(tmp / "trpack.xlsx", pack)]


@pytest.fixture(scope="module")
def prof(project, tmp_path_factory):
    res = project.import_files(chain(tmp_path_factory.mktemp("trail")))
    assert res.ok, res
    return project.profile("TRPACK/pack")


def independent():
    """(contribution by background code, own direct total) of one pack, by scipy on the TOML files."""
    cam_kg = 2.0
    salt_kg = cam_kg * 0.4
    demand = {"electricity-cn-gd": 8.0, "electricity-cn-hn": 20.0 * cam_kg,
              "electricity-cn-qh": 12.0 * salt_kg, "sodium-hydroxide": 1.5 * salt_kg}
    x = background_matrix.supply(demand)
    cf = shipped_cf_by_alias()
    out = {}
    noise = 1e-12 * max(abs(v) for v in x.values())  # spsolve's rounding where the chain does not reach
    for code, ds in background_matrix.datasets().items():
        direct = sum(float(e["amount"]) * cf[e["flow"]] for e in ds.get("exchanges", []) if e["type"] == "biosphere")
        if abs(x[code]) > noise and direct != 0:
            out[code] = x[code] * direct
    own = 0.002 * cf["N2O"] + cam_kg * 0.5 * cf["CO2 fossil"] + salt_kg * 0.01 * cf["CH4 fossil"]
    return out, own


def test_json_lists_every_background_dataset_with_source_and_year_summing_to_the_total(prof):
    want, own = independent()
    d = prof.to_dict()
    got = {b["ref"].split(":", 1)[1]: b for b in d["background_datasets"]}
    assert set(got) == set(want)  # every upstream dataset, at any depth, and nothing else
    assert len(want) > 5  # the grids and what generates their electricity, the chemical and its inputs
    for code, b in got.items():
        assert b["contribution"] == pytest.approx(want[code], rel=REL, abs=1e-12), code
        assert b["source"] and isinstance(b["year"], int) and b["geography"] and b["database"] == "background"
        assert set(b) == {"ref", "name", "contribution", "source", "year", "geography", "database"}
    # the grids of every tier, three tiers up included
    assert {"electricity-cn-gd", "electricity-cn-hn", "electricity-cn-qh"} <= set(got)
    lines = d["direct_lines"]
    assert {(o["company"], o["period_start"], o["period_end"]) for o in lines} == {
        (c, "2024-01-01", "2024-12-31") for c in ("Trail Salt Co", "Trail Cathode Co", "Trail Pack Co")}
    assert sum(o["contribution"] for o in lines) == pytest.approx(own, rel=REL)
    total = sum(b["contribution"] for b in d["background_datasets"]) + sum(o["contribution"] for o in lines)
    assert total == pytest.approx(d["total"], rel=REL)
    assert d["total"] == pytest.approx(sum(want.values()) + own, rel=REL)


def test_excel_report_lists_the_trail(prof, tmp_path):
    want, own = independent()
    path = prof.to_excel(tmp_path / "trail.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["Background datasets"]
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] and str(r[0]).startswith("background:")]
    assert {r[0].split(":", 1)[1] for r in rows} == set(want)
    for r in rows:
        assert r[4] and isinstance(r[5], int) and r[6] == pytest.approx(want[r[0].split(":", 1)[1]], rel=REL)
    labels = {str(r[5]).split(" |")[0]: r[6] for r in ws.iter_rows(min_row=2, values_only=True) if r[5] and r[6]
              and not str(r[0] or "").startswith("background:")}
    assert labels["together"] == pytest.approx(labels["profile total"], rel=REL)
    own_rows = [r for r in wb["Direct lines"].iter_rows(min_row=2, values_only=True) if r[0] and r[5]]
    assert len(own_rows) == 3 and all(r[7] == "2024-01-01" and r[8] == "2024-12-31" for r in own_rows)
    assert sum(r[9] for r in own_rows) == pytest.approx(own, rel=REL)
    assert np.isclose(sum(want.values()) + own, labels["profile total"], rtol=REL)
