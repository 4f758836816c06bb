"""Tier by company (issue 24, interface.md "Tier (by company)"): stable when a company splits its products.

The same three-company chain twice: the cell maker makes its cell in one product (A), or in two, an electrode
it makes for itself and the cell (B). Every tier is checked by hand, and both are the same.
"""
from __future__ import annotations

from datetime import date

import pytest

from lca.supply.fill import write_workbook

WRITES_PROJECT = True
PERIOD = {"reporting_period_start": date(2025, 1, 1), "reporting_period_end": date(2025, 12, 31)}


def sup(cid, name):
    return {"company_name": name, "company_id": cid, "country": "CN", **PERIOD}


def chain(tag: str, split: bool) -> list[dict]:
    cam = {"Supplier": sup(f"T24T{tag}-CAM", f"{tag} cathode maker"),
           "Products": [{"product_id": "C", "product_name": "cathode material", "declared_unit": "kg",
                         "production_region": "CN-JS"}],
           "Materials": [{"product_id": "C", "line_id": 1, "material": "background:steel-sheet", "amount": 0.6,
                          "unit": "kg", "source": "background"}],
           "Energy": [{"product_id": "C", "carrier": "electricity", "amount": 8, "unit": "kWh"}]}
    cell_id = f"T24T{tag}-CELL"
    if not split:
        cell = {"Supplier": sup(cell_id, f"{tag} cell maker"),
                "Products": [{"product_id": "CELL", "product_name": "battery cell", "declared_unit": "piece",
                              "mass_kg": 2.0, "production_region": "CN-JS"}],
                "Materials": [
                    {"product_id": "CELL", "line_id": 1, "material": "cathode", "amount": 1.2, "unit": "kg",
                     "source": "supplier_product", "reference": f"T24T{tag}-CAM/C"},
                    {"product_id": "CELL", "line_id": 2, "material": "background:aluminium-cast", "amount": 0.5,
                     "unit": "kg", "source": "background"}],
                "Energy": [{"product_id": "CELL", "carrier": "electricity", "amount": 3, "unit": "kWh"}]}
    else:  # the electrode made in-house as its own product: 1 kWh of the 3 moves there
        cell = {"Supplier": sup(cell_id, f"{tag} cell maker"),
                "Products": [{"product_id": "E", "product_name": "electrode", "declared_unit": "piece",
                              "mass_kg": 1.2, "production_region": "CN-JS"},
                             {"product_id": "CELL", "product_name": "battery cell", "declared_unit": "piece",
                              "mass_kg": 2.0, "production_region": "CN-JS"}],
                "Materials": [
                    {"product_id": "E", "line_id": 1, "material": "cathode", "amount": 1.2, "unit": "kg",
                     "source": "supplier_product", "reference": f"T24T{tag}-CAM/C"},
                    {"product_id": "CELL", "line_id": 1, "material": "electrode", "amount": 1, "unit": "piece",
                     "source": "supplier_product", "reference": f"{cell_id}/E"},
                    {"product_id": "CELL", "line_id": 2, "material": "background:aluminium-cast", "amount": 0.5,
                     "unit": "kg", "source": "background"}],
                "Energy": [{"product_id": "E", "carrier": "electricity", "amount": 1, "unit": "kWh"},
                           {"product_id": "CELL", "carrier": "electricity", "amount": 2, "unit": "kWh"}]}
    pack = {"Supplier": sup(f"T24T{tag}-PACK", f"{tag} pack maker"),
            "Products": [{"product_id": "PACK", "product_name": "battery pack", "declared_unit": "piece",
                          "mass_kg": 30.0, "production_region": "CN-JS"}],
            "Materials": [
                {"product_id": "PACK", "line_id": 1, "material": "cells", "amount": 10, "unit": "piece",
                 "source": "supplier_product", "reference": f"{cell_id}/CELL"},
                {"product_id": "PACK", "line_id": 2, "material": "background:steel-sheet", "amount": 5,
                 "unit": "kg", "source": "background"}],
            "Energy": [{"product_id": "PACK", "carrier": "electricity", "amount": 20, "unit": "kWh"}]}
    return [cam, cell, pack]


@pytest.fixture(scope="module")
def profiles(project, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tiers")
    out = {}
    for tag, split in (("A", False), ("B", True)):
        paths = [write_workbook(tmp / f"{tag}{i}.xlsx", d) for i, d in enumerate(chain(tag, split))]
        rep = project.import_files(paths)
        assert rep.ok, rep.summary()
        out[tag] = project.profile(f"T24T{tag}-PACK/PACK")
    bg = project.footprints(database="background")
    out["f"] = {k: float(bg[f"background:{k}"]) for k in ("electricity-cn-js", "steel-sheet", "aluminium-cast")}
    return out


def test_every_tier_by_hand_and_the_split_moves_nothing(profiles):
    f = profiles["f"]
    grid, steel, alu = f["electricity-cn-js"], f["steel-sheet"], f["aluminium-cast"]
    expected = {
        "0": 20 * grid,                                # the pack maker's own energy
        "1": 5 * steel + 10 * 3 * grid,                # its background steel; the cell maker's own energy
        "2": 10 * 0.5 * alu + 10 * 1.2 * 8 * grid,     # the cell maker's background; the cathode maker's energy
        "3": 10 * 1.2 * 0.6 * steel,                   # the cathode maker's background
    }
    for tag in ("A", "B"):
        by_tier = {k: v for k, v in profiles[tag].by_dict("tier").items() if abs(v) > 0}
        assert set(by_tier) == set(expected), (tag, by_tier)
        for t, v in expected.items():
            assert by_tier[t] == pytest.approx(v, rel=1e-6), (tag, t)
    assert profiles["A"].total == pytest.approx(profiles["B"].total, rel=1e-9)


def test_line_items_put_the_in_house_electrode_at_the_cell_makers_tier(profiles):
    items = profiles["B"].line_items
    electrode_energy = [i for i in items if i["product"].endswith("/E") and i["kind"] == "energy"]
    assert electrode_energy and {i["tier"] for i in electrode_energy} == {"1"}
