"""The engine (lca.engine) on small hand-built scipy.sparse systems: no Brightway project, no set-up.

Each system is written out by hand, its solution worked out by hand in the comments
and checked against ``scipy.sparse.linalg.spsolve``: forward supply (``A x = d``),
adjoint scores (``A^T y = B^T c``), products in a shuffled row order, loops, what is
refused (singular systems, non-finite factors), and the float32 limits of the data
Brightway stores.
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve

from lca import engine
from lca.errors import LcaError
from lca.units import FLOAT32_MAX


def system(A, B=None, product_row=None, ids=None) -> engine.System:
    A = sp.csc_matrix(np.asarray(A, dtype=np.float64))
    n = A.shape[1]
    B = sp.csr_matrix(np.ones((1, n)) if B is None else np.asarray(B, dtype=np.float64))
    ids = np.arange(100, 100 + n) if ids is None else np.asarray(ids)
    return engine.System(A=A, B=B, activity_ids=ids, flow_ids=np.arange(B.shape[0]),
                         product_row=np.arange(n) if product_row is None else np.asarray(product_row),
                         col_of={int(i): c for c, i in enumerate(ids)},
                         row_of_flow={r: r for r in range(B.shape[0])})


# A three-step chain: cell (0) needs 2 kg cathode (1); cathode needs 0.5 kWh electricity (2) per kg.
CHAIN = [[1.0, 0.0, 0.0],
         [-2.0, 1.0, 0.0],
         [0.0, -0.5, 1.0]]
# emissions [kg CO2] per unit of each activity: 1, 3, 0.8
CHAIN_B = [[1.0, 3.0, 0.8]]


def test_a_chain_solves_to_the_hand_supply_and_scores():
    s = system(CHAIN, CHAIN_B)
    x = s.solve(np.array([1.0, 0.0, 0.0]))
    # 1 cell -> 2 kg cathode -> 2 x 0.5 = 1 kWh
    assert x.tolist() == pytest.approx([1.0, 2.0, 1.0], abs=1e-15)
    # adjoint: score per unit of electricity 0.8; of cathode 3 + 0.5 x 0.8 = 3.4; of a cell 1 + 2 x 3.4 = 7.8
    scores = engine.all_scores(s, np.array([1.0]))
    assert scores.tolist() == pytest.approx([7.8, 3.4, 0.8], rel=1e-14)
    assert float((np.asarray(CHAIN_B) @ x)[0]) == pytest.approx(scores[0], rel=1e-14)
    A = sp.csc_matrix(np.array(CHAIN))
    assert np.allclose(x, spsolve(A, np.array([1.0, 0.0, 0.0])), rtol=1e-14)
    assert len(s._btf.segments) == 1 and s._btf.largest_block == 1  # no loop: one triangular run


def test_a_loop_solves_to_the_hand_values():
    # electricity (0) needs 0.1 kg coal (1) per kWh; coal mining needs 0.2 kWh per kg; a kWh is demanded
    A = [[1.0, -0.2],
         [-0.1, 1.0]]
    s = system(A)
    x = s.solve(np.array([1.0, 0.0]))
    # x0 = 1 + 0.2 x1, x1 = 0.1 x0  ->  x0 = 1 / (1 - 0.02) = 1.0204..., x1 = 0.1 x0
    assert x[0] == pytest.approx(1 / 0.98, rel=1e-14)
    assert x[1] == pytest.approx(0.1 / 0.98, rel=1e-14)
    assert s._btf.largest_block == 2
    y = s.solve_adjoint(np.array([2.0, 5.0]))
    assert np.allclose(y, spsolve(sp.csc_matrix(np.array(A).T), np.array([2.0, 5.0])), rtol=1e-14)


def test_product_rows_in_another_order_than_the_activities():
    # the same chain with its product rows shuffled: activity j's product is row product_row[j]
    perm = np.array([2, 0, 1])
    P = np.zeros((3, 3))
    P[perm, np.arange(3)] = 1.0
    A = P @ np.array(CHAIN)  # row perm[i] of A is row i of CHAIN
    s = system(A, CHAIN_B, product_row=perm)
    d = np.zeros(3)
    d[perm[0]] = 1.0  # one cell, by its product row
    x = s.solve(d)
    assert x.tolist() == pytest.approx([1.0, 2.0, 1.0], abs=1e-15)
    assert np.allclose(x, spsolve(sp.csc_matrix(A), d), rtol=1e-14)
    assert engine.all_scores(s, np.array([1.0])).tolist() == pytest.approx([7.8, 3.4, 0.8], rel=1e-14)


def test_one_factorization_serves_every_demand():
    s = system(CHAIN, CHAIN_B)
    s.solve(np.array([1.0, 0.0, 0.0]))
    kept = s._btf
    x = s.solve(np.array([0.0, 1.0, 0.0]))
    assert s._btf is kept
    assert x.tolist() == pytest.approx([0.0, 1.0, 0.5], abs=1e-15)
    s.reset_factorization()
    assert s._btf is None
    assert s.solve(np.array([0.0, 0.0, 3.0])).tolist() == pytest.approx([0.0, 0.0, 3.0], abs=1e-15)


def test_an_activity_that_makes_nothing_is_refused_by_name():
    A = [[1.0, 0.0, 0.0],
         [-2.0, 0.0, 0.0],  # activity 1 produces nothing of its own product
         [0.0, -0.5, 1.0]]
    s = system(A, ids=[7, 8, 9])
    assert engine.suspicious_columns(s) == [1]
    with pytest.raises(engine.SingularSystemError) as err:
        s.solve(np.array([1.0, 0.0, 0.0]))
    assert err.value.node_ids == [8] and err.value.columns == [1]
    assert isinstance(err.value, LcaError)
    with pytest.raises(engine.SingularSystemError):
        s.solve_adjoint(np.ones(3))


def test_a_waste_treatment_negative_on_the_diagonal_is_solved_and_a_sign_flip_refused():
    # ecoinvent's cut-off waste: product (0) gives off 0.2 kg waste (a negative input: +0.2 in A), treated by
    # activity 1 whose production exchange is -1 kg of the waste; 2 kg CO2 per kg product, 0.5 per kg treated
    A = [[1.0, 0.0], [0.2, -1.0]]
    s = system(A, B=[[2.0, 0.5]])
    s.production_sign = np.array([1, -1], dtype=np.int8)
    assert engine.suspicious_columns(s) == []
    x = s.solve(np.array([1.0, 0.0]))
    assert x.tolist() == pytest.approx([1.0, 0.2], abs=1e-15)  # 0.2 kg treated: every supply positive
    # per unit of each reference product, as np.linalg.solve(A^T, B^T c): (2.1, -0.5)
    want = np.linalg.solve(np.asarray(A).T, np.array([2.0, 0.5]))
    assert engine.all_scores(s, np.ones(1)).tolist() == pytest.approx(want.tolist(), abs=1e-15)
    assert want.tolist() == pytest.approx([2.1, -0.5])
    # without the sign (a production of +1 and a self-input of 2: net -1) the same matrix is refused by name
    s2 = system(A, ids=[7, 8])
    with pytest.raises(engine.SingularSystemError) as err:
        s2.solve(np.array([1.0, 0.0]))
    assert err.value.node_ids == [8]
    # a waste treatment that gives off more of its waste than it treats: net +0.5 against a production of -1
    s3 = system([[1.0, 0.0], [0.2, 0.5]], ids=[7, 8])
    s3.production_sign = np.array([1, -1], dtype=np.int8)
    with pytest.raises(engine.SingularSystemError) as err:
        s3.solve_adjoint(np.ones(2))
    assert err.value.node_ids == [8]
    # the sign survives the cold-start cache's arrays
    back = engine.System.from_arrays(s.to_arrays())
    assert back.signs().tolist() == [1, -1] and engine.suspicious_columns(back) == []


def test_a_loop_that_consumes_all_it_makes_is_refused():
    # each activity makes 1 unit and needs 1 unit of the other's product: det = 1 - 1 = 0
    s = system([[1.0, -1.0], [-1.0, 1.0]])
    assert engine.suspicious_columns(s) == []  # the diagonal alone looks fine
    with pytest.raises(engine.SingularSystemError):
        s.solve(np.array([1.0, 0.0]))


def test_a_loop_singular_after_float64_rounding_is_refused():
    # 1 - 1e-17 rounds to 1 in float64: numerically the loop above; no solution may slip through
    s = system([[1.0, -(1.0 - 1e-17)], [-1.0, 1.0]])
    with pytest.raises(engine.SingularSystemError):
        s.solve(np.array([1.0, 0.0]))


def test_an_ill_conditioned_loop_is_solved_as_its_matrix_says():
    # x0 - (1 - e) x1 = 1 and x1 = x0 give x0 = x1 = 1 / e, e = 1 - fl(1 - 1e-9) as stored
    a = 1.0 - 1e-9
    s = system([[1.0, -a], [-1.0, 1.0]])
    x = s.solve(np.array([1.0, 0.0]))
    assert x.tolist() == pytest.approx([1 / (1.0 - a)] * 2, rel=1e-6)
    assert np.allclose(x, spsolve(sp.csc_matrix(s.A), np.array([1.0, 0.0])), rtol=1e-6)


def test_a_negative_supply_is_found_beyond_float_noise():
    x = np.array([1.0, -1e-12, -0.5, 2.0])
    assert engine.check_supply(system(np.eye(4)), x) == [2]  # -1e-12 is noise against max 2.0
    assert engine.check_supply(system(np.eye(4)), np.zeros(4)) == []


def test_characterization_vector_sums_and_refuses_non_finite_factors():
    s = system(CHAIN, [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    c = engine.characterization_vector(s, [(0, 1.0), (1, 28.0), (1, 2.0), (99, 5.0)], "m")
    assert c.tolist() == [1.0, 30.0]  # flow 99 is not in the system: ignored; duplicates summed
    for bad in (float("nan"), float("inf")):
        with pytest.raises(LcaError, match="non-finite characterization factor"):
            engine.characterization_vector(s, [(0, bad)], ("IPCC 2021", "x"))


def test_float32_data_is_solved_in_float64_on_the_stored_values():
    # Brightway stores 0.1 as float32 (0.100000001490116...): the supply is that of the stored value
    a32 = float(np.float32(0.1))
    assert a32 != 0.1
    s = system([[1.0, 0.0], [-a32, 1.0]])
    x = s.solve(np.array([1.0, 0.0]))
    assert x[1] == a32  # exact: one multiplication, done in float64
    assert abs(x[1] - 0.1) / 0.1 == pytest.approx(abs(a32 - 0.1) / 0.1) and abs(x[1] - 0.1) < 1e-8


def test_float32_extremes_do_not_overflow_the_float64_solve():
    big = float(np.float32(FLOAT32_MAX))
    with np.errstate(over="ignore"):
        assert np.isfinite(np.float32(big)) and not np.isfinite(np.float32(big) * np.float32(2))
    # an activity producing FLOAT32_MAX units per run, buying FLOAT32_MAX units of an input per run
    s = system([[big, 0.0], [-big, 1.0]])
    x = s.solve(np.array([1.0, 0.0]))
    assert x[0] == pytest.approx(1.0 / big, rel=1e-15)
    assert x[1] == pytest.approx(1.0, rel=1e-12)
    # a chain whose total exceeds float32 (2 x FLOAT32_MAX) stays finite in float64
    s = system([[1.0, 0.0], [-big, 1.0]])
    x = s.solve(np.array([2.0, 0.0]))
    assert np.isfinite(x).all() and x[1] == pytest.approx(2 * big, rel=1e-12)
    with np.errstate(over="ignore"):
        assert not np.isfinite(np.float32(x[1]))  # would overflow if it were stored as float32
