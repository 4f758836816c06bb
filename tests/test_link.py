"""Linking (lca.supply.link): each class of silently-wrong number closed at the link.

Every test writes its own workbook (lca.supply.fill), reads it with the
importer's reader and links the records with :func:`lca.supply.link.build`,
then checks the Brightway exchanges and line table against numbers written by
hand. Roll-up figures are in tests/test_profile_figures.py.
"""
from __future__ import annotations

import csv
import math
import tomllib
from datetime import date

import pytest

from lca import inventory
from lca.supply import importer, link
from lca.supply.fill import write_workbook

WRITES_PROJECT = True  # conftest: this module works on its own copy of the session project

PERIOD = {"reporting_period_start": date(2024, 1, 1), "reporting_period_end": date(2024, 12, 31)}


def supplier(cid, **kw):
    return {"company_name": f"{cid} Co", "company_id": cid, "country": "CN", **PERIOD, **kw}


def product(pid="p", unit="kg", **kw):
    return {"product_id": pid, "product_name": pid, "declared_unit": unit, "production_region": "CN", **kw}


def linked(project, tmp_path, *books, lang="en"):
    """Write each book, read it as an import does, link all of them: (Built, reader issues)."""
    records, issues = [], []
    for i, data in enumerate(books):
        path = write_workbook(tmp_path / f"b{i}.xlsx", data, lang)
        read = importer.read_file(path, importer.resolver())
        recs, found = read.records, read.issues
        records += recs
        issues += found
    return link.build(records, inventory.load_background(), project.biosphere_codes()), issues


def dataset(built, code):
    return next(d for d in built.datasets if d["code"] == code)


def test_outbound_transport_is_distribution_never_an_exchange(project, tmp_path):
    data = {"Supplier": supplier("LK-OUT"), "Products": [product(declared_amount=2)],
            "Transport": [{"product_id": "p", "mode": "truck", "mass_t": 0.002, "distance_km": 300},
                          {"product_id": "p", "mode": "truck", "mass_t": 0.002, "distance_km": 800,
                           "direction": "outbound"},
                          {"product_id": "p", "mode": "ship_sea", "mass_t": 0.002, "distance_km": 9000,
                           "direction": "outbound"}]}
    built, _ = linked(project, tmp_path, data)
    techno = [e for e in dataset(built, "LK-OUT/p")["exchanges"] if e["type"] == "technosphere"]
    # only the inbound leg: 0.002 t x 300 km per 2 kg = 0.3 t km per kg
    assert [(e["input"][1], e["amount"]) for e in techno] == [("transport-truck", pytest.approx(0.3))]
    dist = [line for line in built.lines if line.kind == "distribution"]
    assert sorted((line.input[1], line.amount) for line in dist) == [
        ("transport-ship-sea", pytest.approx(9.0)), ("transport-truck", pytest.approx(0.8))]
    assert all(line.label.startswith("distribution") for line in dist)


def test_duplicate_inputs_are_summed_in_float64(project, tmp_path):
    n = 5000
    data = {"Supplier": supplier("LK-MANY"), "Products": [product()],
            "Materials": [{"product_id": "p", "line_id": i, "material": "part", "amount": 0.001, "unit": "kg",
                           "source": "supplier_pcf", "reference": "P1"} for i in range(1, n + 1)],
            "SupplierPCFs": [{"pcf_id": "P1", "supplier_name": "S", "product_name": "part", "declared_unit": "kg",
                              "pcf_kgco2e": 1.0}]}
    built, _ = linked(project, tmp_path, data)
    techno = [e for e in dataset(built, "LK-MANY/p")["exchanges"] if e["type"] == "technosphere"]
    assert len(techno) == 1  # one matrix entry: Brightway never sums 5000 float32 duplicates
    assert techno[0]["amount"] == pytest.approx(5.0, abs=1e-12)
    assert len([line for line in built.lines if line.activity == "LK-MANY/p"]) == n  # lines stay per row
    assert "and 4995 more" in techno[0]["comment"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_line_is_labelled_by_the_dataset_it_is_computed_with(project, tmp_path, lang):
    data = {"Supplier": supplier(f"LK-LAB{lang}"), "Products": [product()],
            "Materials": [
                {"product_id": "p", "line_id": 1, "material": "copper", "amount": 1, "unit": "kg",
                 "source": "background", "reference": "background:aluminium-recycled"},
                {"product_id": "p", "line_id": 2, "material": "铜", "amount": 1, "unit": "kg",
                 "source": "background", "reference": "background:copper-primary"},
                {"product_id": "p", "line_id": 3, "material": "housing alloy", "amount": 1, "unit": "kg",
                 "source": "background", "reference": "background:aluminium-cast"}]}
    built, _ = linked(project, tmp_path, data, lang=lang)
    by_row = {line.row: line for line in built.lines}
    assert by_row[2].input[1] == "aluminium-recycled"
    assert "aluminium" in by_row[2].label and "copper" in by_row[2].label  # product of the dataset, typed name beside
    assert not by_row[2].label.startswith("copper")
    assert by_row[3].label == "铜"  # the name means the dataset: kept as typed
    assert by_row[4].label == "housing alloy"  # a free name contradicts nothing
    mismatch = [i for i in built.issues if i.code == "material_mismatch"]
    assert len(mismatch) == 1 and mismatch[0].row == 2
    assert "copper-primary" in mismatch[0].message and "aluminium-recycled" in mismatch[0].message


def test_a_product_consuming_itself_is_an_error(project, tmp_path):
    data = {"Supplier": supplier("LK-SELF"), "Products": [product()],
            "Materials": [{"product_id": "p", "line_id": 1, "material": "itself", "amount": 0.5, "unit": "kg",
                           "source": "supplier_product", "reference": "LK-SELF/p"}],
            "Emissions": [{"product_id": "p", "gas": "CO2", "amount": 1, "unit": "kg"}]}
    built, issues = linked(project, tmp_path, data)
    found = [i for i in built.issues + issues if i.severity == "error" and "self" in i.code]
    assert found and found[0].row == 2 and "LK-SELF/p" in found[0].message
    # refused already when the workbook is read (issue-14a), so nothing is linked; never an exchange that
    # would double the footprint
    techno = [e for d in built.datasets if d["code"] == "LK-SELF/p" for e in d["exchanges"]
              if e["type"] == "technosphere"]
    assert techno == []


def test_recycled_share_counts_only_where_a_route_models_it(project, tmp_path):
    data = {"Supplier": supplier("LK-REC"), "Products": [product()],
            "Materials": [
                {"product_id": "p", "line_id": 1, "material": "aluminium", "amount": 2, "unit": "kg",
                 "source": "background", "recycled_share": 0.3},
                {"product_id": "p", "line_id": 2, "material": "polypropylene", "amount": 1, "unit": "kg",
                 "source": "background", "recycled_share": 0.5}]}
    built, _ = linked(project, tmp_path, data)
    al = [line for line in built.lines if line.row == 2]
    assert sorted((line.input[1], round(line.amount, 12)) for line in al) == [
        ("aluminium-wrought", 1.4), ("aluminium-wrought-recycled", 0.6)]
    assert sum(line.recycled_kg for line in al) == pytest.approx(0.6)
    (pp,) = [line for line in built.lines if line.row == 3]
    assert pp.amount == 1.0 and pp.recycled_kg == 0.0 and pp.recycled_unmodelled_kg == pytest.approx(0.5)
    warn = [i for i in built.issues if i.code == "no_recycled_route"]
    assert len(warn) == 1 and warn[0].row == 3 and "NOT counted" in warn[0].message


ROUTE_MATERIALS = {  # common recycled materials (issue 14): generic name -> must have a recycled route
    "aluminium": "aluminium-wrought", "cast aluminium": "aluminium-cast", "primary aluminium": "aluminium-primary-cn",
    "copper": "copper-primary", "steel": "steel-sheet", "crude steel": "steel-bf-bof", "nickel": "nickel-class1",
    "nickel sulfate": "nickel-sulfate", "cobalt": "cobalt", "cobalt sulfate": "cobalt-sulfate",
    "lithium carbonate": None, "lithium hydroxide": None}


def test_common_recycled_materials_have_sourced_routes():
    bg = inventory.load_background()
    routes = link.recycled_routes()
    for name, expected in ROUTE_MATERIALS.items():
        code = inventory.resolve_material(name, bg).code
        assert code is not None, name
        if expected:
            assert code == expected, name
        assert code in routes, f"{name} ({code}) has no recycled route"
    root = inventory.inventories_dir()
    with open(root / "recycled_routes.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    recycled = {r["recycled_code"] for r in rows}
    for r in rows:
        assert bg.datasets[r["code"]]["unit"] == bg.datasets[r["recycled_code"]]["unit"], r
        assert r["note"].strip(), r
    doc = tomllib.loads((root / "background" / "materials-recycled.toml").read_text(encoding="utf-8"))
    for ds in doc["dataset"]:
        assert ds["code"] in recycled or ds["code"] in routes, ds["code"]
        assert ds.get("range") and ds.get("source") and ds.get("estimate"), ds["code"]
        for exc in ds["exchanges"]:
            assert exc.get("unit") and exc.get("source") and exc.get("range"), (ds["code"], exc)
            assert math.isfinite(exc["amount"]) and exc["amount"] > 0


def test_data_quality_comes_from_one_table():
    assert link.dqr("emission") == (1.0, 1.0, 1.0)
    assert link.dqr("electricity", own_region=False) == (2.0, 3.0, 2.0)
    assert link.dqr("background", own_region=True, age_years=2) == (3.0, 2.0, 2.0)
    assert link.dqr("background", own_region=False, age_years=5) == (3.0, 3.0, 3.0)
    assert link.dqr("background", own_region=False, age_years=9) == (3.0, 3.0, 4.0)
    assert link.dqr("background", age_years=None)[2] == 3.0  # unknown age: 5 years assumed


def test_a_suppliers_database_built_by_other_link_code_is_rebuilt(project, tmp_path, monkeypatch):
    from lca.supply import lines, linkers

    data = {"Supplier": supplier("LK-UPG"), "Products": [product()],
            "Emissions": [{"product_id": "p", "gas": "CO2", "amount": 1, "unit": "kg"}],
            "Transport": [{"product_id": "p", "mode": "truck", "mass_t": 0.001, "distance_km": 1000,
                           "direction": "outbound"}]}
    truck = project.footprint("background:transport-truck").total
    # the old link code: an outbound row was an exchange of the product (in its cradle-to-gate)
    with monkeypatch.context() as old:
        old.setattr(lines, "LINK_VERSION", "old")
        old.setattr(linkers, "OUTBOUND", "(no such direction)")
        assert project.import_files([write_workbook(tmp_path / "upg.xlsx", data)]).ok
        assert project.profile("LK-UPG/p").total == pytest.approx(1.0 + truck, rel=1e-5)
    # the current code opens the same project: the database is stale, rebuilt, and right
    import lca

    reopened = lca.open_project(project.path)
    prof = reopened.profile("LK-UPG/p")
    assert prof.total == pytest.approx(1.0, rel=1e-6)
    assert prof.distribution == pytest.approx(truck, rel=1e-5)
    assert project.footprint("suppliers:LK-UPG/p").total == pytest.approx(1.0, rel=1e-6)
