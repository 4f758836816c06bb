"""Profile figures that are never silently wrong: one test per class of roll-up error.

Each test writes its own workbooks (en and zh where the language matters) and
checks the profile against numbers computed here by hand from the workbook
values and the footprints of single background datasets (``lca footprint``).
"""
from __future__ import annotations

import json
from datetime import date

import pytest

from lca import InputError
from lca.supply.fill import write_workbook

WRITES_PROJECT = True  # conftest: this module works on its own copy of the session project

PERIOD = {"reporting_period_start": date(2024, 1, 1), "reporting_period_end": date(2024, 12, 31)}
CH4 = 29.8
REL = 1e-5  # float32 matrices


def supplier(cid, **kw):
    return {"company_name": f"{cid} Co", "company_id": cid, "country": "CN", **PERIOD, **kw}


def product(pid="p", unit="kg", **kw):
    return {"product_id": pid, "product_name": pid, "declared_unit": unit, "production_region": "CN", **kw}


def fp(project, code: str) -> float:
    return project.footprint(f"background:{code}").total


def imported(project, tmp_path, books, lang="en"):
    files = [write_workbook(tmp_path / f"{lang}{i}.xlsx", b, lang) for i, b in enumerate(books)]
    report = project.import_files(files)
    assert report.ok, report.summary()
    return report


# -- finding 6: outbound transport -------------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_outbound_transport_is_distribution_outside_cradle_to_gate(project, tmp_path, lang):
    p = f"OUT{lang}-"
    cell = {"Supplier": supplier(f"{p}CELL"), "Products": [product("cell", declared_amount=10)],
            "Emissions": [{"product_id": "cell", "gas": "CO2", "amount": 20, "unit": "kg"}],
            # the cell maker's delivery to the pack maker: 0.01 t x 1000 km per 10 kg
            "Transport": [{"product_id": "cell", "mode": "truck", "mass_t": 0.01, "distance_km": 1000,
                           "direction": "outbound"}]}
    pack = {"Supplier": supplier(f"{p}PACK"), "Products": [product("pack", unit="piece", mass_kg=12)],
            "Materials": [{"product_id": "pack", "line_id": 1, "material": "cell", "amount": 10, "unit": "kg",
                           "source": "supplier_product", "reference": f"{p}CELL/cell"}],
            # the pack maker's inbound leg of the same cells, and its own delivery to the customer
            "Transport": [{"product_id": "pack", "mode": "truck", "mass_t": 0.01, "distance_km": 1000},
                          {"product_id": "pack", "mode": "ship_sea", "mass_t": 0.012, "distance_km": 10000,
                           "direction": "outbound"}]}
    imported(project, tmp_path, [cell, pack], lang)
    truck, ship = fp(project, "transport-truck"), fp(project, "transport-ship-sea")
    cradle_to_gate = 20.0 + 10 * truck  # cells' CO2 + ONE truck leg (the pack maker's inbound), never two
    prof = project.profile(f"{p}PACK/pack")
    assert prof.total == pytest.approx(cradle_to_gate, rel=REL)
    assert prof.distribution == pytest.approx(120 * ship, rel=REL)
    assert sum(prof.by_dict("stage").values()) == pytest.approx(cradle_to_gate, rel=1e-12)
    assert not any("distribution" in k for k in prof.by_dict("material"))
    d = json.loads(prof.to_json())
    assert d["distribution"] == pytest.approx(120 * ship, rel=REL) and d["total"] == pytest.approx(prof.total)
    pact = prof.to_pact()["pcf"]
    assert float(pact["pcfExcludingBiogenicUptake"]) == pytest.approx(cradle_to_gate, rel=1e-5)
    assert float(pact["pcfIncludingBiogenicUptake"]) == pytest.approx(cradle_to_gate, rel=1e-5)
    # the cell maker's own profile: its delivery is its distribution, not its cradle-to-gate
    cell_prof = project.profile(f"{p}CELL/cell")
    assert cell_prof.total == pytest.approx(20.0, rel=REL)
    assert cell_prof.distribution == pytest.approx(10 * truck, rel=REL)
    boundary = {m["key"]: m["text"] for m in prof.methodology}["boundary"]
    assert "outbound" in boundary and "distribution" in boundary


def test_a_buyer_without_inbound_transport_is_warned_about_the_missing_leg(project, tmp_path):
    cell = {"Supplier": supplier("OUTW-CELL"), "Products": [product("cell")],
            "Emissions": [{"product_id": "cell", "gas": "CO2", "amount": 2, "unit": "kg"}],
            "Transport": [{"product_id": "cell", "mode": "truck", "mass_t": 0.001, "distance_km": 500,
                           "direction": "outbound"}]}
    pack = {"Supplier": supplier("OUTW-PACK"), "Products": [product("pack")],
            "Materials": [{"product_id": "pack", "line_id": 1, "material": "cell", "amount": 1, "unit": "kg",
                           "source": "supplier_product", "reference": "OUTW-CELL/cell"}]}
    imported(project, tmp_path, [cell, pack])
    prof = project.profile("OUTW-PACK/pack")
    assert prof.total == pytest.approx(2.0, rel=REL)  # the supplier's outbound leg is not added
    assert any("OUTW-CELL/cell" in w and "OUTW-PACK/pack" in w and "inbound" in w for w in prof.warnings)


# -- finding 7: honest indicators ----------------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_green_factory_share_counts_only_own_gate_to_gate_activities(project, tmp_path, lang):
    p = f"GF{lang}-"
    anode = {"Supplier": supplier(f"{p}ANODE", green_factory="national"),
             "Products": [product("anode", production_region="CN-NM")],
             "Materials": [{"product_id": "anode", "line_id": 1, "material": "graphite-synthetic", "amount": 1,
                            "unit": "kg", "source": "background"}],
             "Energy": [{"product_id": "anode", "carrier": "electricity", "amount": 5, "unit": "kWh"}],
             "Emissions": [{"product_id": "anode", "gas": "CH4", "amount": 0.01, "unit": "kg"}]}
    cell = {"Supplier": supplier(f"{p}CELL"), "Products": [product("cell")],
            "Materials": [{"product_id": "cell", "line_id": 1, "material": "anode", "amount": 0.5, "unit": "kg",
                           "source": "supplier_product", "reference": f"{p}ANODE/anode"}],
            "Emissions": [{"product_id": "cell", "gas": "CO2", "amount": 1, "unit": "kg"}]}
    imported(project, tmp_path, [anode, cell], lang)
    graphite, grid = fp(project, "graphite-synthetic"), fp(project, "electricity-cn-nm")
    own_gate_to_gate = 0.5 * (5 * grid + 0.01 * CH4)
    total = 1.0 + 0.5 * graphite + own_gate_to_gate
    prof = project.profile(f"{p}CELL/cell")
    assert prof.total == pytest.approx(total, rel=REL)
    assert prof.green_factory_share == pytest.approx(100 * own_gate_to_gate / total, rel=REL)
    assert prof.green_factory_share < 100 * (total - 1.0) / total  # the graphite is NOT credited


def test_recycled_content_only_where_a_route_changed_the_number(project, tmp_path):
    book = {"Supplier": supplier("REC-A"), "Products": [product()],
            "Materials": [{"product_id": "p", "line_id": 1, "material": "aluminium", "amount": 2, "unit": "kg",
                           "source": "background", "recycled_share": 0.3},
                          {"product_id": "p", "line_id": 2, "material": "polypropylene", "amount": 2, "unit": "kg",
                           "source": "background", "recycled_share": 0.5}]}
    report = imported(project, tmp_path, [book])
    assert any(w.code == "no_recycled_route" and w.row == 3 for w in report.warnings)
    wrought, recycled, pp = fp(project, "aluminium-wrought"), fp(project, "aluminium-wrought-recycled"), \
        fp(project, "polypropylene")
    prof = project.profile("REC-A/p")
    assert prof.total == pytest.approx(2 * (0.7 * wrought + 0.3 * recycled) + 2 * pp, rel=REL)
    assert recycled < 0.2 * wrought  # the recycled route does change the number (finding 10)
    assert prof.recycled_share == pytest.approx(100 * 0.6 / 4.0, rel=1e-9)  # only the modelled 0.6 kg
    assert [u["recycled_kg"] for u in prof.recycled_unmodelled] == [pytest.approx(1.0)]
    assert any("polypropylene" in w and "not counted" in w for w in prof.warnings)


def test_green_electricity_share_is_over_the_whole_chain(project, tmp_path):
    book = {"Supplier": supplier("GE-A"), "Products": [product(production_region="CN-SC")],
            "Materials": [{"product_id": "p", "line_id": 1, "material": "aluminium-primary-cn", "amount": 1,
                           "unit": "kg", "source": "background"}],
            "Energy": [{"product_id": "p", "carrier": "electricity", "amount": 3, "unit": "kWh",
                        "sourcing": "green_certificate"}]}
    imported(project, tmp_path, [book])
    prof = project.profile("GE-A/p")
    # the smelter's 13.5 kWh (and more upstream) are in the chain: 3 green kWh of at least 16.5
    assert prof.electricity_kwh > 16.5
    assert prof.green_electricity_kwh == pytest.approx(3.0, rel=1e-6)  # grid mixes are not green
    assert prof.green_electricity_share == pytest.approx(100 * 3.0 / prof.electricity_kwh, rel=1e-9)
    assert prof.green_electricity_share < 100 * 3 / 16.5


# -- finding 9: loops --------------------------------------------------------------------
def loop_books(p, x_per_y, y_per_x):
    x = {"Supplier": supplier(f"{p}X"), "Products": [product("x")],
         "Materials": [{"product_id": "x", "line_id": 1, "material": "y", "amount": x_per_y, "unit": "kg",
                        "source": "supplier_product", "reference": f"{p}Y/y"}],
         "Emissions": [{"product_id": "x", "gas": "CO2", "amount": 1, "unit": "kg"}]}
    y = {"Supplier": supplier(f"{p}Y"), "Products": [product("y")],
         "Materials": [{"product_id": "y", "line_id": 1, "material": "x", "amount": y_per_x, "unit": "kg",
                        "source": "supplier_product", "reference": f"{p}X/x"}]}
    return [x, y]


def test_a_loop_that_consumes_what_it_produces_is_refused_with_the_names(project, tmp_path):
    imported(project, tmp_path, loop_books("LPR-", 1.25, 1.0))
    with pytest.raises(InputError) as exc:
        project.profile("LPR-X/x")
    assert "LPR-X/x" in str(exc.value) and "LPR-Y/y" in str(exc.value) and "loop" in str(exc.value)


def test_a_loop_that_inflates_is_solved_and_named(project, tmp_path):
    imported(project, tmp_path, loop_books("LPW-", 0.5, 0.5))
    prof = project.profile("LPW-X/x")
    assert prof.total == pytest.approx(1 / (1 - 0.25), rel=REL)  # s_x = 1 + 0.5 * 0.5 * s_x
    assert any("LPW-X/x" in w and "LPW-Y/y" in w and "loop" in w for w in prof.warnings)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_product_consuming_itself_is_refused(project, tmp_path, lang):
    book = {"Supplier": supplier(f"SELF{lang}"), "Products": [product()],
            "Materials": [{"product_id": "p", "line_id": 1, "material": "itself", "amount": 0.5, "unit": "kg",
                           "source": "supplier_product", "reference": f"SELF{lang}/p"}],
            "Emissions": [{"product_id": "p", "gas": "CO2", "amount": 1, "unit": "kg"}]}
    report = project.import_files([write_workbook(tmp_path / "self.xlsx", book, lang)])
    assert not report.ok
    assert any(e.row == 2 and f"SELF{lang}/p" in e.message for e in report.errors)


# -- finding 11: a product with no rows ------------------------------------------------------
def test_a_product_with_no_rows_is_refused_not_crashed(project, tmp_path):
    book = {"Supplier": supplier("EMPTY"),
            "Products": [product("full"), product("empty")],
            "Emissions": [{"product_id": "full", "gas": "CO2", "amount": 1, "unit": "kg"}]}
    report = project.import_files([write_workbook(tmp_path / "empty.xlsx", book)])
    if report.ok:  # accepted at import: the profile refuses it with a message, never a crash (exit 1)
        with pytest.raises(InputError, match="EMPTY/empty has no input and no emission rows"):
            project.profile("EMPTY/empty")
    else:  # refused at import (issue-14a's structural check): the error names the product
        assert any("empty" in e.message for e in report.errors)


def test_an_empty_profile_array_still_has_breakdowns():
    import numpy as np
    import sparse

    from lca.results import DIMENSIONS, CarbonProfile

    arr = sparse.COO(np.zeros((len(DIMENSIONS), 0), dtype=np.int64), np.zeros(0), shape=(1,) * len(DIMENSIONS))
    prof = CarbonProfile(product="A/b", name="b", company="A", method=("m",), score_unit="kg CO2-Eq",
                         declared_unit="kg", declared_amount=1.0, mass_kg=1.0, labels={d: [] for d in DIMENSIONS},
                         array=arr, total_market_based=0.0, primary_data_share=0.0, dqi={},
                         green_electricity_share=None, recycled_share=None, green_factory_share=0.0,
                         unresolved=[], complete=True)
    assert prof.by_dict("supplier") == {} and "by tier" in prof.summary()


# -- finding 13: many small lines on one PCF -------------------------------------------------
@pytest.mark.slow  # a large import (5,000 lines); the line-item sums are checked quick by the tests below
def test_five_thousand_small_lines_on_one_pcf_total_five(project, tmp_path, capsys):
    from lca import cli

    book = {"Supplier": supplier("MANY"), "Products": [product()],
            "Materials": [{"product_id": "p", "line_id": i, "material": "part", "amount": 0.001, "unit": "kg",
                           "source": "supplier_pcf", "reference": "P1"} for i in range(1, 5001)],
            "SupplierPCFs": [{"pcf_id": "P1", "supplier_name": "S", "product_name": "part", "declared_unit": "kg",
                              "pcf_kgco2e": 1.0}]}
    imported(project, tmp_path, [book])
    prof = project.profile("MANY/p")
    assert prof.total == pytest.approx(5.0, rel=1e-12)  # 5000 x 0.001 kg x 1 kg CO2e/kg, by hand
    assert len(prof.line_items) == 5000
    assert sum(i["contribution"] for i in prof.line_items) == pytest.approx(prof.total, rel=1e-9)
    code = cli.main(["--project", str(project.path), "profile", "MANY/p", "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["total"] == pytest.approx(5.0, rel=1e-12)


def test_line_items_sum_to_the_total_and_show_amount_times_factor(project, tmp_path):
    book = {"Supplier": supplier("LI-A"), "Products": [product(declared_amount=2)],
            "Materials": [{"product_id": "p", "line_id": 1, "material": "copper", "amount": 1, "unit": "kg",
                           "source": "background", "recycled_share": 0.4}],
            "Energy": [{"product_id": "p", "carrier": "electricity", "amount": 4, "unit": "kWh"}],
            "Emissions": [{"product_id": "p", "gas": "CH4", "amount": 10, "unit": "g"}]}
    imported(project, tmp_path, [book])
    prof = project.profile("LI-A/p")
    items = prof.line_items
    assert sum(i["contribution"] for i in items) == pytest.approx(prof.total, rel=1e-9)
    for i in items:
        assert i["amount"] * i["factor"] == pytest.approx(i["contribution"], rel=1e-9)
        assert i["dataset"] and i["sheet"] and i["row"]
    by = {(i["row"], i["dataset"]): i for i in items}
    assert by[(2, "background:copper-primary")]["amount"] == pytest.approx(0.6)
    assert by[(2, "background:copper-recycled")]["amount"] == pytest.approx(0.4)
    assert by[(2, "background:copper-primary")]["dataset_year"] == 2022
    assert "Copper" in by[(2, "background:copper-primary")]["dataset_source"]
    assert by[(2, "background:electricity-cn")]["factor"] == pytest.approx(fp(project, "electricity-cn"), rel=REL)
    (ch4,) = [i for i in items if i["kind"] == "emission"]
    assert ch4["amount"] == pytest.approx(0.01) and ch4["factor"] == pytest.approx(CH4, rel=1e-6)
