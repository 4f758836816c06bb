"""Supply-chain roll-up: hand-computed three-tier chain, import order, supplier loops, breakdowns.

Expected values are computed by hand here from the workbook numbers and the
IPCC 2021 GWP100 factors (CH4 fossil 29.8, N2O 273, SF6 25200, CO2 1), or by a
plain numpy solve; background scores come from the core footprint of the
background dataset alone.
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from lca import InputError
from lca.supply.fill import write_workbook

import background_matrix

WRITES_PROJECT = True  # conftest: this module works on its own copy of the session project

CH4, N2O, SF6 = 29.8, 273.0, 25200.0
PERIOD = {"reporting_period_start": date(2024, 1, 1), "reporting_period_end": date(2024, 12, 31)}
REL = 1e-6  # Brightway stores float32 (about 7 significant digits)


def chain(tmp, p: str, lang=("en", "zh", "en")):
    """Three workbooks: {p}SALT (tier 2) -> {p}CAM (tier 1) -> {p}PACK (tier 0)."""
    salt = {
        "Supplier": {"company_name": f"{p} Salt Co", "company_id": f"{p}SALT", "country": "CN", **PERIOD},
        "Products": [{"product_id": "salt", "product_name": "lithium salt", "declared_unit": "t",
                      "declared_amount": 2, "production_region": "CN-QH"}],
        # a declared PCF per t, bought in kg
        "Materials": [{"product_id": "salt", "line_id": 1, "material": "soda", "amount": 50, "unit": "kg",
                       "source": "supplier_pcf", "reference": "PCF1"}],
        "Emissions": [{"product_id": "salt", "gas": "CH4", "amount": 3, "unit": "kg"},
                      {"product_id": "salt", "gas": "N2O", "amount": 500, "unit": "g"},
                      {"product_id": "salt", "gas": "SF6", "amount": 1, "unit": "g"}],
        "SupplierPCFs": [{"pcf_id": "PCF1", "supplier_name": "Soda Works", "product_name": "soda ash",
                          "declared_unit": "t", "pcf_kgco2e": 4000, "primary_data_share": 40}],
    }
    cam = {
        "Supplier": {"company_name": f"{p} Cathode Co", "company_id": f"{p}CAM", "country": "CN", **PERIOD},
        "Products": [{"product_id": "cam", "product_name": "cathode", "declared_unit": "kg",
                      "declared_amount": 1000, "production_region": "CN-HN"}],
        "Materials": [{"product_id": "cam", "line_id": 1, "material": "lithium salt", "amount": 0.25, "unit": "t",
                       "source": "supplier_product", "reference": f"{p}SALT/salt"}],
        "Emissions": [{"product_id": "cam", "gas": "CO2", "amount": 0.139, "unit": "t"}],
    }
    pack = {
        "Supplier": {"company_name": f"{p} Pack Co", "company_id": f"{p}PACK", "country": "CN", **PERIOD},
        "Products": [{"product_id": "pack", "product_name": "pack", "declared_unit": "piece",
                      "declared_amount": 1, "mass_kg": 2.5, "production_region": "CN-GD"}],
        "Materials": [{"product_id": "pack", "line_id": 1, "material": "cathode", "amount": 2000, "unit": "g",
                       "source": "supplier_product", "reference": f"{p}CAM/cam"}],
        "Emissions": [{"product_id": "pack", "gas": "N2O", "amount": 1, "unit": "g"}],
    }
    return [write_workbook(tmp / f"{p}salt.xlsx", salt, lang[0]),
            write_workbook(tmp / f"{p}cam.xlsx", cam, lang[1]),
            write_workbook(tmp / f"{p}pack.xlsx", pack, lang[2])]


def hand():
    """The three-tier chain by hand, per pack (one piece)."""
    salt_kg = 2.0 * 250 / 1000  # 2 kg cathode x 250 kg salt per 1000 kg cathode = 0.5 kg salt
    per_salt_kg = 1 / 2000  # workbook quantities are per 2 t
    tiers = {
        "0": 0.001 * N2O,
        "1": 2.0 * 139.0 / 1000,
        "2": salt_kg * per_salt_kg * (3 * CH4 + 0.5 * N2O + 0.001 * SF6),
        "3": salt_kg * per_salt_kg * (50 / 1000 * 4000),
    }
    gases = {
        "N2O": 0.001 * N2O + salt_kg * per_salt_kg * 0.5 * N2O,
        "CH4 fossil": salt_kg * per_salt_kg * 3 * CH4,
        "SF6": salt_kg * per_salt_kg * 0.001 * SF6,
        "CO2 fossil": 2.0 * 139.0 / 1000,
        "declared PCF (CO2e)": tiers["3"],
    }
    primary = tiers["0"] + tiers["1"] + tiers["2"] + 0.40 * tiers["3"]
    return sum(tiers.values()), tiers, gases, primary


def test_three_tier_chain_matches_hand_calculation(project, tmp_path):
    report = project.import_files(chain(tmp_path, "HT3-"))
    assert report.ok, report.summary()
    total, tiers, gases, primary = hand()
    prof = project.profile("HT3-PACK/pack")
    assert prof.total == pytest.approx(total, rel=REL)
    assert prof.declared_unit == "piece" and prof.declared_amount == 1
    assert prof.by_dict("tier") == pytest.approx(tiers, rel=REL)
    assert prof.by_dict("gas") == pytest.approx(gases, rel=REL)
    assert prof.primary_data_share == pytest.approx(100 * primary / total, rel=REL)
    assert prof.total_market_based == pytest.approx(total, rel=REL)  # no electricity
    stages = prof.by_dict("stage")
    assert stages["own direct emissions"] == pytest.approx(tiers["0"], rel=REL)
    assert stages["purchased components"] == pytest.approx(total - tiers["0"], rel=REL)
    # declared_amount other than 1: the cathode's total is per 1000 kg
    cam = project.profile("HT3-CAM/cam")
    per_kg = (139.0 + 250 * (total - tiers["0"] - tiers["1"]) / 0.5) / 1000
    assert cam.declared_amount == 1000
    assert cam.total == pytest.approx(1000 * per_kg, rel=REL)
    assert cam.total_per_declared_unit == pytest.approx(per_kg, rel=REL)


def test_every_breakdown_sums_to_total(project, tmp_path):
    assert project.import_files(chain(tmp_path, "HTS-")).ok
    prof = project.profile("HTS-PACK/pack")
    for dim in ("tier", "supplier", "material", "stage", "gas", "region"):
        assert sum(prof.by_dict(dim).values()) == pytest.approx(prof.total, rel=1e-12)
    # the array against the hand calculation (prof.total is the array's sum, so not against that)
    assert float(prof.array.sum()) == pytest.approx(hand()[0], rel=REL)
    d = prof.to_dict()
    for key in ("by_tier", "by_supplier", "by_material", "by_stage", "by_gas", "by_region"):
        assert sum(d[key].values()) == pytest.approx(d["total"], rel=1e-12)


def test_import_order_does_not_matter(project, tmp_path):
    total, tiers, gases, _ = hand()
    files = chain(tmp_path, "HTR-", lang=("zh", "both", "zh"))
    # buyer first: accepted with a warning, no total until its suppliers arrive
    report = project.import_files([files[2]])
    assert report.ok
    assert any(w.code == "unresolved_reference" for w in report.warnings)
    with pytest.raises(InputError, match="unresolved"):
        project.profile("HTR-PACK/pack")
    partial = project.profile("HTR-PACK/pack", allow_incomplete=True)
    assert not partial.complete and partial.unresolved
    assert partial.total == pytest.approx(tiers["0"], rel=REL)
    assert project.import_files([files[1]]).ok
    assert project.import_files([files[0]]).ok
    prof = project.profile("HTR-PACK/pack")
    assert prof.complete
    assert prof.total == pytest.approx(total, rel=REL)
    assert prof.by_dict("gas") == pytest.approx(gases, rel=REL)


def test_two_suppliers_buying_from_each_other(project, tmp_path):
    x = {"Supplier": {"company_name": "Loop X", "company_id": "LOOP-X", "country": "CN", **PERIOD},
         "Products": [{"product_id": "x", "product_name": "x", "declared_unit": "kg", "production_region": "CN"}],
         "Materials": [{"product_id": "x", "line_id": 1, "material": "y", "amount": 0.2, "unit": "kg",
                        "source": "supplier_product", "reference": "LOOP-Y/y"}],
         "Emissions": [{"product_id": "x", "gas": "CO2", "amount": 1, "unit": "kg"}]}
    y = {"Supplier": {"company_name": "Loop Y", "company_id": "LOOP-Y", "country": "CN", **PERIOD},
         "Products": [{"product_id": "y", "product_name": "y", "declared_unit": "t", "declared_amount": 2,
                       "production_region": "CN"}],
         "Materials": [{"product_id": "y", "line_id": 1, "material": "x", "amount": 800, "unit": "kg",
                        "source": "supplier_product", "reference": "LOOP-X/x"}],
         "Emissions": [{"product_id": "y", "gas": "CH4", "amount": 6, "unit": "kg"}]}
    files = [write_workbook(tmp_path / "x.xlsx", x), write_workbook(tmp_path / "y.xlsx", y)]
    assert project.import_files(files).ok
    # per kg: s_x = 1 + 0.2 s_y ; s_y = 6*29.8/2000 + 0.4 s_x
    A = np.array([[1.0, -0.2], [-0.4, 1.0]])
    b = np.array([1.0, 6 * CH4 / 2000])
    s_x, s_y = np.linalg.solve(A, b)
    px = project.profile("LOOP-X/x")
    py = project.profile("LOOP-Y/y")
    assert px.total == pytest.approx(s_x, rel=REL)
    assert py.total == pytest.approx(2000 * s_y, rel=REL)
    assert sum(px.by_dict("tier").values()) == pytest.approx(s_x, rel=1e-12)
    # gas split of the loop: CO2 comes from x's own emission over all loop passes
    supply = np.linalg.solve(np.array([[1.0, -0.4], [-0.2, 1.0]]), np.array([1.0, 0.0]))  # x, y supplies
    assert px.by_dict("gas")["CO2 fossil"] == pytest.approx(supply[0] * 1.0, rel=REL)
    assert px.by_dict("gas")["CH4 fossil"] == pytest.approx(supply[1] * 6 * CH4 / 2000, rel=REL)


def test_background_lines_use_the_background_footprint(project, tmp_path):
    wb = {"Supplier": {"company_name": "BG Co", "company_id": "BG-ONE", "country": "CN", **PERIOD},
          "Products": [{"product_id": "p", "product_name": "p", "declared_unit": "kg", "declared_amount": 4,
                        "production_region": "CN-SC"}],
          "Materials": [{"product_id": "p", "line_id": 1, "material": "sodium-hydroxide", "amount": 2000,
                         "unit": "g", "source": "background"}],
          "Energy": [{"product_id": "p", "carrier": "electricity", "amount": 0.01, "unit": "MWh",
                      "sourcing": "ppa_renewable"}],
          "Transport": [{"product_id": "p", "mode": "rail", "mass_t": 0.004, "distance_km": 500}]}
    assert project.import_files([write_workbook(tmp_path / "bg.xlsx", wb)]).ok
    s = {c: project.footprint(f"background:{c}").total for c in
         ("sodium-hydroxide", "electricity-cn-sc", "electricity-wind", "transport-rail")}
    prof = project.profile("BG-ONE/p")
    expected = 2 * s["sodium-hydroxide"] + 10 * s["electricity-cn-sc"] + 2 * s["transport-rail"]
    assert prof.total == pytest.approx(expected, rel=1e-5)
    assert prof.total_market_based == pytest.approx(expected - 10 * s["electricity-cn-sc"]
                                                    + 10 * s["electricity-wind"], rel=1e-5)
    # chain-wide definition: the 10 kWh PPA over every traceable kWh (also those the sodium hydroxide, rail and
    # grid supply chains consume; the PPA is linked to the grid location-based), background read straight from
    # the TOML files and solved with scipy
    bg_kwh, bg_green = background_matrix.electricity_kwh({"sodium-hydroxide": 2.0, "transport-rail": 2.0,
                                                          "electricity-cn-sc": 10.0})
    assert bg_kwh > 0
    assert prof.green_electricity_share == pytest.approx(100 * (10 + bg_green) / (10 + bg_kwh), rel=1e-5)
    assert prof.electricity_kwh == pytest.approx(10 + bg_kwh, rel=1e-5)
    stages = prof.by_dict("stage")
    assert stages["raw materials"] == pytest.approx(2 * s["sodium-hydroxide"], rel=1e-5)
    assert stages["own energy"] == pytest.approx(10 * s["electricity-cn-sc"], rel=1e-5)


def test_declared_pcf_refused_under_gwp20(project, tmp_path):
    assert project.import_files(chain(tmp_path, "G20-")).ok
    with pytest.raises(InputError, match="GWP100"):
        project.profile("G20-PACK/pack", method="GWP20")
    prof = project.profile("G20-PACK/pack", method="GWP20", allow_incomplete=True)
    assert prof.not_characterized and not prof.complete
    assert "declared PCF (CO2e)" not in prof.by_dict("gas")


def test_to_array_sums_duplicates_as_sparse_does_and_refuses_a_coordinate_outside_the_shape():
    """The profile's array is canonicalised with numpy (sparse is told it is sorted and unique): on random
    contributions with duplicates it equals sparse's own COO, and every one-axis sum equals sparse's sum."""
    import types

    import sparse

    from lca.results import DIMENSIONS
    from lca.supply.rollup import to_array

    rng = np.random.default_rng(0)
    for _ in range(40):
        shape = tuple(int(x) for x in rng.integers(1, 5, size=len(DIMENSIONS)))
        n = int(rng.integers(1, 40))
        coords = [tuple(int(rng.integers(0, s)) for s in shape) for _ in range(n)]
        data = list(rng.normal(size=n))
        acc = types.SimpleNamespace(labels={d: ["x"] * shape[i] for i, d in enumerate(DIMENSIONS)},
                                    coords=coords, data=data)
        got, want = to_array(acc), sparse.COO(np.array(coords).T, np.array(data), shape=shape)
        assert np.allclose(got.todense(), want.todense(), rtol=0, atol=1e-12)
        assert np.all(np.diff(np.ravel_multi_index(got.coords, shape)) > 0)  # sorted and unique, as declared
        for axis in range(len(DIMENSIONS)):
            others = tuple(i for i in range(len(DIMENSIONS)) if i != axis)
            assert np.allclose(np.bincount(got.coords[axis], weights=got.data, minlength=shape[axis]),
                               want.sum(axis=others).todense())
    bad = types.SimpleNamespace(labels={d: ["x"] for d in DIMENSIONS}, coords=[(0, 0, 0, 0, 1, 0)], data=[1.0])
    with pytest.raises(ValueError):
        to_array(bad)
