"""One rule for negative inputs: avoided burdens computed by `footprint` as by `footprints` and bw2calc (with a
note), a loop that consumes more than it produces refused saying what was found; NaN or negative uncertainty
spreads refused naming dataset and exchange (never replaced by a fixed value). Expected values by hand, by a
plain scipy solve and by bw2calc itself."""
import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import lca

WRITES_PROJECT = True
GWP100 = ("IPCC 2021", "climate change", "global warming potential (GWP100)")


def ds(db, code, tech=(), bio=(), production=1.0):
    exc = [{"input": (db, code), "amount": production, "type": "production"}]
    exc += [{"input": (db, c), "amount": a, "type": "technosphere"} for c, a in tech]
    exc += [dict({"input": ("biosphere3", f), "amount": a, "type": "biosphere"}, **extra) for f, a, extra in bio]
    return {"database": db, "code": code, "name": f"{db} {code}", "unit": "kilogram", "location": "CN",
            "reference product": code, "type": "process", "exchanges": exc}


@pytest.fixture(scope="module")
def co2(project):
    return project.biosphere_codes()["CO2 fossil"]


@pytest.fixture(scope="module")
def avoided(project, co2):
    """main makes 1 kg using 1 kg mat and giving 0.5 kg of a by-product that avoids `sub` (a negative input);
    sub itself uses 0.25 kg mat."""
    db = "avoid"
    project.write_database(db, [
        ds(db, "main", tech=[("mat", 1.0), ("sub", -0.5)], bio=[(co2, 1.0, {})]),
        ds(db, "mat", bio=[(co2, 2.0, {})]),
        ds(db, "sub", tech=[("mat", 0.25)], bio=[(co2, 3.0, {})]),
    ])
    # by hand: x = (1, 1 - 0.5 * 0.25, -0.5) -> 1 + 2 * 0.875 - 0.5 * 3 = 1.25
    A = sp.csc_matrix(np.array([[1.0, 0, 0], [-1.0, 1.0, -0.25], [0.5, 0, 1.0]]))  # rows/cols main, mat, sub
    x = spla.spsolve(A, np.array([1.0, 0, 0]))
    assert x[2] < 0 and x @ np.array([1.0, 2.0, 3.0]) == pytest.approx(1.25)
    return db, 1.25


def test_footprint_and_footprints_agree_on_avoided_burdens_as_bw2calc(project, avoided):
    db, want = avoided
    fp = project.footprint(f"{db}:main")
    assert fp.total == pytest.approx(want, rel=1e-6)
    assert project.footprints(database=db)[f"{db}:main"] == pytest.approx(want, rel=1e-6)
    import bw2calc as bc

    bd = project.activate()
    node = bd.get_node(database=db, code="main")
    lca_ = bc.LCA({node.id: 1.0}, method=GWP100)
    lca_.lci()
    lca_.lcia()
    assert lca_.score == pytest.approx(want, rel=1e-6)
    assert fp.notes and "avoided burdens" in fp.notes[0] and f"{db}:main avoids {db}:sub" in fp.notes[0]
    assert fp.to_dict()["notes"] == fp.notes


def test_a_waste_treatment_written_to_the_project_is_solved_as_bw2calc_and_a_self_eater_refused(project, co2):
    """ecoinvent's waste convention written with bw2data: prod gives off 0.2 kg waste (input -0.2) to wtreat,
    whose reference amount is -1 kg; wtreat buys 0.3 kg mat (2 kg CO2/kg) and emits 0.5 kg CO2 per kg treated."""
    db = "wastefg"
    project.write_database(db, [ds(db, "prod", tech=[("wtreat", -0.2)], bio=[(co2, 1.0, {})]),
                                ds(db, "wtreat", tech=[("mat", 0.3)], bio=[(co2, 0.5, {})], production=-1.0),
                                ds(db, "mat", bio=[(co2, 2.0, {})])])
    try:
        # plain scipy: rows/cols prod, wtreat, mat; scores per unit of each reference product
        A = sp.csc_matrix(np.array([[1.0, 0, 0], [0.2, -1.0, 0], [0, -0.3, 1.0]]))
        want = spla.spsolve(A.T, np.array([1.0, 0.5, 2.0]))
        assert want.tolist() == pytest.approx([1.0 + 0.2 * 1.1, -1.1, 2.0])
        got = project.footprints(database=db)
        import bw2calc as bc

        bd = project.activate()
        for k, code in enumerate(("prod", "wtreat", "mat")):
            assert got[f"{db}:{code}"] == pytest.approx(want[k], rel=1e-6)
            assert project.footprint(f"{db}:{code}").total == pytest.approx(want[k], rel=1e-6)
            lca_ = bc.LCA({bd.get_node(database=db, code=code).id: 1.0}, method=GWP100)
            lca_.lci()
            lca_.lcia()
            assert lca_.score == pytest.approx(want[k], rel=1e-6)
        assert "waste treatment" in project.footprint(f"{db}:wtreat").notes[0]
        assert not project.footprint(f"{db}:prod").notes  # every supply positive: nothing to note
    finally:
        project.delete_database(db)
    db = "wasteeater"  # gives off 1.5 kg of the waste it treats per kg: net +0.5 against a production of -1
    project.write_database(db, [ds(db, "p", tech=[("p", -1.5)], bio=[(co2, 1.0, {})], production=-1.0)])
    try:
        with pytest.raises(lca.LcaError, match="wasteeater:p"):
            project.footprint(f"{db}:p")
    finally:
        project.delete_database(db)
    assert np.all(np.isfinite(project.footprints().values))


def test_a_loop_that_consumes_more_than_it_produces_is_refused_saying_what_was_found(project, co2):
    db = "overloop2"
    project.write_database(db, [ds(db, "p", tech=[("q", 2.0)], bio=[(co2, 1.0, {})]),
                                ds(db, "q", tech=[("p", 1.0)], bio=[(co2, 1.0, {})])])
    try:
        assert np.all(np.linalg.solve([[1.0, -1.0], [-2.0, 1.0]], [1.0, 0.0]) < 0)  # really negative
        with pytest.raises(lca.LcaError) as exc:
            project.footprint(f"{db}:p")
        msg = str(exc.value)
        assert "negative supply" in msg and "every input of the chain is positive" in msg
        assert f"{db}:p (-1)" in msg and f"{db}:q (-2)" in msg
    finally:
        project.delete_database(db)


def test_footprints_refuses_what_depends_on_a_loop_that_consumes_more_than_it_produces(project, co2):
    """The same loop as above, bought by `user`; `free` is independent. `footprints` refuses the three whose
    chains run through the loop (as `footprint` refuses each), keeps the others, and a productive loop passes."""
    db = "overloop3"
    project.write_database(db, [ds(db, "p", tech=[("q", 2.0)], bio=[(co2, 1.0, {})]),
                                ds(db, "q", tech=[("p", 1.0)], bio=[(co2, 1.0, {})]),
                                ds(db, "user", tech=[("p", 1.0)], bio=[(co2, 1.0, {})]),
                                ds(db, "free", bio=[(co2, 4.0, {})])])
    try:
        with pytest.raises(lca.LcaError) as exc:
            project.footprints(database=db)
        msg = str(exc.value)
        assert msg.startswith("3 footprint(s) cannot be computed")
        assert f"{db}:user" in msg and f"{db}:p" in msg and f"{db}:q" in msg and f"{db}:free" not in msg.split("(")[1]
        with pytest.raises(lca.LcaError, match="negative supply"):
            project.footprint(f"{db}:user")
        assert project.footprint(f"{db}:free").total == pytest.approx(4.0, rel=1e-6)
    finally:
        project.delete_database(db)
    db = "okloop"  # p uses 0.5 q, q uses 1 p: gain 0.5 < 1; by hand x = (2, 1) for 1 p: score 2 + 1 = 3
    project.write_database(db, [ds(db, "p", tech=[("q", 0.5)], bio=[(co2, 1.0, {})]),
                                ds(db, "q", tech=[("p", 1.0)], bio=[(co2, 1.0, {})])])
    try:
        want = spla.spsolve(sp.csc_matrix(np.array([[1.0, -1.0], [-0.5, 1.0]])).T, np.array([1.0, 1.0]))
        got = project.footprints(database=db)
        assert got[f"{db}:p"] == pytest.approx(want[0], rel=1e-6) == pytest.approx(3.0)
        assert got[f"{db}:q"] == pytest.approx(want[1], rel=1e-6)
    finally:
        project.delete_database(db)


@pytest.mark.parametrize("waste, use, ok", [(2.0, 1.0, False), (0.5, 0.3, True)])
def test_a_loop_through_a_waste_treatment_is_judged_alike_by_footprint_and_footprints(project, co2, waste, use, ok):
    """mat (1 kg CO2/kg) hands `waste` kg of waste per kg to wt (ecoinvent's convention: reference amount -1),
    which uses `use` kg of mat per kg treated (0.5 kg CO2/kg); user buys 1 kg mat. With 2 kg waste and 1 kg mat
    per kg treated the loop consumes more than it makes: both refuse (the waste handed over is no avoided
    burden); with 0.5 and 0.3 both give the plain scipy solve."""
    db = f"wasteloop{int(ok)}"
    project.write_database(db, [ds(db, "mat", tech=[("wt", -waste)], bio=[(co2, 1.0, {})]),
                                ds(db, "wt", tech=[("mat", use)], bio=[(co2, 0.5, {})], production=-1.0),
                                ds(db, "user", tech=[("mat", 1.0)])])
    try:
        # rows/cols mat, wt, user (Brightway: production - inputs)
        A = sp.csc_matrix(np.array([[1.0, -use, -1.0], [waste, -1.0, 0.0], [0.0, 0.0, 1.0]]))
        x = spla.spsolve(A, np.array([0.0, 0.0, 1.0]))
        assert (x.min() < 0) != ok
        if ok:
            want = float(x @ np.array([1.0, 0.5, 0.0]))
            assert project.footprint(f"{db}:user").total == pytest.approx(want, rel=1e-6)
            assert project.footprints(database=db)[f"{db}:user"] == pytest.approx(want, rel=1e-6)
        else:
            with pytest.raises(lca.LcaError, match="negative supply"):
                project.footprint(f"{db}:user")
            with pytest.raises(lca.LcaError, match="cannot be computed"):
                project.footprints(database=db)
    finally:
        project.delete_database(db)


@pytest.mark.parametrize("scale, word", [(float("nan"), "nan"), (-0.4, "-0.4")])
def test_a_nan_or_negative_spread_is_refused_naming_dataset_and_exchange(project, co2, scale, word):
    db = f"spread{'nan' if scale != scale else 'neg'}"
    project.write_database(db, [ds(db, "p", tech=[("q", 2.0)], bio=[(co2, 1.5, {"uncertainty type": 2,
                                                                               "loc": np.log(1.5), "scale": scale})]),
                                ds(db, "q", bio=[(co2, 1.0, {})])])
    try:
        assert project.footprint(f"{db}:p").total == pytest.approx(3.5, rel=1e-6)  # the static value stands
        with pytest.raises(lca.InputError) as exc:
            project.uncertainty(f"{db}:p", n=20, seed=1)
        msg = str(exc.value)
        assert f"'{db} p' ({db}:p)" in msg and "'Carbon dioxide, fossil'" in msg and "biosphere input" in msg
        assert f"scale {word}" in msg and "amount 1.5" in msg and "lognormal" in msg
    finally:
        project.delete_database(db)
