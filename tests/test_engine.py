"""The engine on a small hand-made system with a loop, checked against a hand/scipy solve."""
import math

import numpy as np
import pytest

import lca

WRITES_PROJECT = True  # conftest: this module works on its own copy of the session project

CO2_CF, CH4_CF = 1.0, 29.8  # IPCC 2021 GWP100 [kg CO2e/kg], AR6 WG1 Table 7.15

# Amounts chosen exactly representable in float32 (Brightway stores matrices as float32).
E_COAL = 0.5     # kg coal per kWh
E_CO2 = 0.75     # kg CO2 per kWh
C_ELEC = 0.125   # kWh per kg coal (mining uses electricity: the loop)
C_CH4 = 0.015625 # kg CH4 per kg coal
S_ELEC = 2.0     # kWh per kg steel
S_COAL = 0.25    # kg coal per kg steel
S_CO2 = 1.5      # kg CO2 per kg steel


@pytest.fixture(scope="module")
def handmade(project):
    bio = project.biosphere_codes()
    db = "handmade"

    def ds(code, unit, tech, biof):
        exc = [{"input": (db, code), "amount": 1.0, "type": "production"}]
        exc += [{"input": (db, c), "amount": a, "type": "technosphere"} for c, a in tech]
        exc += [{"input": ("biosphere3", bio[f]), "amount": a, "type": "biosphere"} for f, a in biof]
        return {"database": db, "code": code, "name": code, "unit": unit, "location": "CN",
                "reference product": code, "type": "process", "exchanges": exc}

    project.write_database(db, [
        ds("elec", "kilowatt hour", [("coal", E_COAL)], [("CO2 fossil", E_CO2)]),
        ds("coal", "kilogram", [("elec", C_ELEC)], [("CH4 fossil", C_CH4)]),
        ds("steel", "kilogram", [("elec", S_ELEC), ("coal", S_COAL)], [("CO2 fossil", S_CO2)]),
    ])
    return db


def hand_solution():
    # e = E_CO2 + E_COAL*c ; c = CH4_CF*C_CH4 + C_ELEC*e  =>  e (1 - E_COAL*C_ELEC) = E_CO2 + E_COAL*CH4_CF*C_CH4
    e = (E_CO2 * CO2_CF + E_COAL * CH4_CF * C_CH4) / (1 - E_COAL * C_ELEC)
    c = CH4_CF * C_CH4 + C_ELEC * e
    s = S_CO2 * CO2_CF + S_ELEC * e + S_COAL * c
    return {"elec": e, "coal": c, "steel": s}


def test_footprint_equals_hand_solution(project, handmade):
    expected = hand_solution()
    for code, value in expected.items():
        fp = project.footprint(f"{handmade}:{code}", amount=3.0)
        assert fp.total == pytest.approx(3.0 * value, rel=1e-6)
        assert fp.by_process["score"].sum() == pytest.approx(fp.total, rel=1e-9)
        assert fp.by_flow["score"].sum() == pytest.approx(fp.total, rel=1e-9)
    steel = project.footprint(f"{handmade}:steel")
    gases = dict(zip(steel.by_flow["flow"], steel.by_flow["score"]))
    # methane part by hand: all CH4 comes from coal; coal supply for 1 kg steel
    e_supply = (S_ELEC + S_COAL * C_ELEC) / (1 - E_COAL * C_ELEC)
    coal_supply = S_COAL + E_COAL * e_supply
    assert gases["Methane, fossil"] == pytest.approx(coal_supply * C_CH4 * CH4_CF, rel=1e-6)
    assert steel.split["fossil"] == pytest.approx(steel.total, rel=1e-9)


def test_footprints_equal_one_footprint_per_activity(project, handmade):
    """Every activity of the hand-made system, plus a seeded sample of the background."""
    series = project.footprints()
    assert len(series) == len(project.calc.nodes())
    refs = [r for r in series.index if r.startswith(f"{handmade}:")]
    rng = np.random.default_rng(42)
    refs += list(rng.choice([r for r in series.index if r not in refs], size=25, replace=False))
    for ref in refs:
        assert project.footprint(ref).total == pytest.approx(series[ref], rel=1e-9, abs=1e-12), ref


def test_footprints_of_one_database(project, handmade):
    series = project.footprints(database=handmade)
    assert sorted(series.index) == [f"{handmade}:coal", f"{handmade}:elec", f"{handmade}:steel"]
    for code, value in hand_solution().items():
        assert series[f"{handmade}:{code}"] == pytest.approx(value, rel=1e-6)


def test_scipy_plain_solve_agrees(project, handmade):
    """An independent dense solve of the same matrices."""
    system = project.calc.system()
    c = project.calc.characterization(project.method("GWP100"))
    A = system.A.toarray()
    B = system.B.toarray()
    y = np.linalg.solve(A.T, B.T @ c)
    scores = y[system.product_row]
    assert np.allclose(scores, project.footprints().values, rtol=1e-8, atol=1e-12)


def test_gwp20_weighs_methane_more(project, handmade):
    g100 = project.footprint(f"{handmade}:coal", method="GWP100").total
    g20 = project.footprint(f"{handmade}:coal", method="GWP20").total
    assert g20 > g100


def test_unknown_method_and_bad_amount(project, handmade):
    with pytest.raises(lca.InputError, match="GWP100"):
        project.footprint(f"{handmade}:coal", method="GWP999")
    with pytest.raises(lca.InputError):
        project.footprint(f"{handmade}:coal", amount=float("nan"))


def test_target_forms(project, handmade):
    ref = project.search("steel", limit=50)
    hit = [r for r in ref if r.ref == f"{handmade}:steel"][0]
    totals = {
        project.footprint(hit).total,
        project.footprint((handmade, "steel")).total,
        project.footprint(f"{handmade}:steel").total,
    }
    assert len(totals) == 1


def test_unknown_target_names_closest(project, handmade):
    with pytest.raises(lca.InputError, match="handmade:steel"):
        project.footprint("handmade:steal")


def test_singular_system_names_activities(project):
    bio = project.biosphere_codes()
    db = "singular"
    project.write_database(db, [
        {"database": db, "code": "self-eater", "name": "self eater", "unit": "kilogram", "location": "GLO",
         "reference product": "x", "type": "process",
         "exchanges": [{"input": (db, "self-eater"), "amount": 1.0, "type": "production"},
                       {"input": (db, "self-eater"), "amount": 1.0, "type": "technosphere"},
                       {"input": ("biosphere3", bio["CO2 fossil"]), "amount": 1.0, "type": "biosphere"}]},
    ])
    try:
        with pytest.raises(lca.LcaError, match="singular:self-eater"):
            project.footprint("singular:self-eater")
        with pytest.raises(lca.LcaError, match="singular"):
            project.footprints()
    finally:
        project.delete_database(db)
    assert math.isfinite(project.footprints().sum())


def test_negative_supply_is_an_error(project):
    bio = project.biosphere_codes()
    db = "overloop"
    # a consumes 2 b per unit, b consumes 1 a per unit: the loop consumes more than it produces
    project.write_database(db, [
        {"database": db, "code": "a", "name": "a", "unit": "kilogram", "location": "GLO", "reference product": "a",
         "type": "process", "exchanges": [{"input": (db, "a"), "amount": 1.0, "type": "production"},
                                          {"input": (db, "b"), "amount": 2.0, "type": "technosphere"},
                                          {"input": ("biosphere3", bio["CO2 fossil"]), "amount": 1.0, "type": "biosphere"}]},
        {"database": db, "code": "b", "name": "b", "unit": "kilogram", "location": "GLO", "reference product": "b",
         "type": "process", "exchanges": [{"input": (db, "b"), "amount": 1.0, "type": "production"},
                                          {"input": (db, "a"), "amount": 1.0, "type": "technosphere"}]},
    ])
    try:
        with pytest.raises(lca.LcaError, match="negative supply"):
            project.footprint("overloop:a")
    finally:
        project.delete_database(db)


def test_nan_amount_never_reaches_brightway(project):
    with pytest.raises(lca.InputError, match="finite"):
        project.write_database("bad", [{"database": "bad", "code": "x", "name": "x", "unit": "kilogram",
                                         "exchanges": [{"input": ("bad", "x"), "amount": float("nan"),
                                                        "type": "production"}]}])
    assert "bad" not in project.info()["databases"]
