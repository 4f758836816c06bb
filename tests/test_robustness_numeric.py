"""Numeric guards (solving, float32 limits): errors naming the activities, never nan or 0.

Each case writes its own small database into the session project; expected values by hand.
"""
import json
import math

import numpy as np
import pytest

import lca
from lca.results import dumps

WRITES_PROJECT = True  # conftest: this module works on its own copy of the session project


def ds(db, code, production=1.0, tech=(), bio=()):
    exc = [{"input": (db, code), "amount": production, "type": "production"}]
    exc += [{"input": (db, c), "amount": a, "type": "technosphere"} for c, a in tech]
    exc += [{"input": ("biosphere3", f), "amount": a, "type": "biosphere"} for f, a in bio]
    return {"database": db, "code": code, "name": f"{db} {code}", "unit": "kilogram", "location": "CN",
            "reference product": code, "type": "process", "exchanges": exc}


@pytest.fixture(scope="module")
def co2(project):
    return project.biosphere_codes()["CO2 fossil"]


def test_self_consumption_equal_to_production_is_singular(project, co2):
    project.write_database("num-singular", [
        ds("num-singular", "ok", tech=[("loop", 1.0)], bio=[(co2, 1.0)]),
        ds("num-singular", "loop", tech=[("loop", 1.0)], bio=[(co2, 2.0)]),  # makes 1, uses 1: net 0
    ])
    try:
        with pytest.raises(lca.LcaError, match="num-singular:loop") as exc:
            project.footprint("num-singular:ok")
        assert "singular" in str(exc.value) and "nan" not in str(exc.value).lower()
        with pytest.raises(lca.LcaError, match="num-singular:loop"):
            project.footprints()
    finally:
        project.delete_database("num-singular")


def test_zero_production_is_singular(project, co2):
    project.write_database("num-zero", [ds("num-zero", "nothing", production=0.0, bio=[(co2, 1.0)])])
    try:
        with pytest.raises(lca.LcaError, match="num-zero:nothing"):
            project.footprint("num-zero:nothing")
    finally:
        project.delete_database("num-zero")


def test_loop_consuming_more_than_it_produces_is_negative_supply(project, co2):
    # p uses 2 q, q uses 1 p: A = [[1, -1], [-2, 1]]; A x = (1, 0) gives x = (-1, -2) by hand
    project.write_database("num-neg", [
        ds("num-neg", "p", tech=[("q", 2.0)], bio=[(co2, 1.0)]),
        ds("num-neg", "q", tech=[("p", 1.0)], bio=[(co2, 1.0)]),
    ])
    try:
        A = np.array([[1.0, -1.0], [-2.0, 1.0]])
        assert np.all(np.linalg.solve(A, [1.0, 0.0]) < 0)  # the hand solution really is negative
        with pytest.raises(lca.LcaError, match="negative supply") as exc:
            project.footprint("num-neg:p")
        assert "num-neg:" in str(exc.value)
    finally:
        project.delete_database("num-neg")


@pytest.mark.parametrize("amount", [float("nan"), float("inf"), -float("inf"), 1e39, -3.5e38, 1e-40,
                                    "1,5", "7", None, True])
def test_bad_amounts_never_reach_brightway(project, co2, amount):
    from bw2data.backends import ActivityDataset as AD

    project.activate()
    data = [ds("num-bad", "good", bio=[(co2, 1.0)]), ds("num-bad", "bad", bio=[(co2, amount)])]
    with pytest.raises(lca.InputError, match=r"bad: amount") as exc:
        project.write_database("num-bad", data)
    assert "good:" not in str(exc.value)
    assert "num-bad" not in __import__("bw2data").databases
    assert AD.select().where(AD.database == "num-bad").count() == 0  # nothing committed to SQLite
    assert not project.state.pending()


def test_bad_amount_keeps_the_old_database(project, co2):
    project.write_database("num-keep", [ds("num-keep", "a", bio=[(co2, 0.5)])])
    try:
        with pytest.raises(lca.InputError, match="a: amount nan"):
            project.write_database("num-keep", [ds("num-keep", "a", bio=[(co2, float("nan"))])])
        assert project.footprint("num-keep:a").total == pytest.approx(0.5, rel=1e-7)
    finally:
        project.delete_database("num-keep")


def test_float32_precision_is_documented_behaviour(project, co2):
    # 0.1 is stored as float32 (0.100000001490116...): about 7 significant digits, never worse
    project.write_database("num-f32", [ds("num-f32", "a", bio=[(co2, 0.1)])])
    try:
        total = project.footprint("num-f32:a", amount=1000.0).total
        assert total == pytest.approx(100.0, rel=6e-8)
        assert total == pytest.approx(1000.0 * float(np.float32(0.1)), rel=1e-12)
    finally:
        project.delete_database("num-f32")


@pytest.mark.parametrize("amount", [float("nan"), float("inf"), 1e39, "x"])
def test_bad_demand_amount(project, amount):
    with pytest.raises(lca.InputError, match="amount"):
        project.footprint("background:electricity-cn", amount=amount)


@pytest.mark.parametrize("cf", [float("nan"), float("inf")])
def test_non_finite_characterization_factor_is_an_error_not_zero(project, co2, cf):
    bd = project.activate()
    name = ("test robustness", "climate change", f"cf {cf}")
    method = bd.Method(name)
    method.register(unit="kg CO2-Eq")
    method.write([(("biosphere3", co2), cf)])
    try:
        with pytest.raises(lca.LcaError, match="not finite|non-finite"):
            project.footprint("background:electricity-cn", method=name)
        with pytest.raises(lca.LcaError, match="not finite|non-finite"):
            project.footprints(method=name)
    finally:
        method.deregister()


def test_every_background_result_finite_and_supplies_non_negative(project):
    from scipy.sparse.linalg import spsolve

    series = project.footprints(database="background")
    assert np.all(np.isfinite(series.values))
    system = project.calc.system()
    nodes = project.calc.nodes()
    refs = nodes.loc[system.activity_ids, "ref"].values
    for ref in ("background:electricity-cn", "background:electricity-cn-sc"):
        cols = np.nonzero(refs == ref)[0]
        assert len(cols) == 1, (ref, len(cols))  # both grids are in every project's background
        d = np.zeros(system.n)
        d[system.product_row[cols[0]]] = 1.0
        x = spsolve(system.A.tocsc(), d)  # plain scipy, not the engine's solver
        assert np.all(np.isfinite(x)) and x.min() >= -1e-9 * np.abs(x).max()


def test_json_refuses_non_finite_numbers():
    with pytest.raises(lca.LcaError, match="non-finite"):
        dumps({"total": float("nan")})
    with pytest.raises(lca.LcaError, match="non-finite"):
        dumps({"by": [1.0, float("inf")]})
    assert json.loads(dumps({"total": 1.5})) == {"total": 1.5}


def test_footprint_json_refuses_nan(project):
    fp = project.footprint("background:electricity-cn")
    fp.total = math.nan
    with pytest.raises(lca.LcaError, match="total"):
        fp.to_json()
