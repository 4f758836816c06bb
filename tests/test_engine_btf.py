"""The block-triangular factorization of the engine against scipy's plain sparse solve.

Matrices are built here with loops (strongly connected blocks) inside an otherwise
triangular supply chain, rows in a shuffled product order (``product_row`` not the
identity); every solve is compared with ``scipy.sparse.linalg.spsolve`` of the same
system, forward (``A x = d``) and adjoint (``A^T y = e``).
"""
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve

from lca import engine


def supply_chain(n: int, loops: list[tuple[int, int]], seed: int):
    """``A = P (I - Q)``: activity j buys from a few upstream activities (lower index) and, inside each
    (start, stop) loop, from every other member; column sums of Q stay below 0.8 (non-singular).
    Rows are shuffled by a product permutation; returns (A, product_row)."""
    rng = np.random.default_rng(seed)
    rows, cols, vals = [], [], []
    for j in range(n):
        srcs = set(rng.choice(j, size=min(j, 3), replace=False).tolist()) if j else set()
        for a, b in loops:
            if a <= j < b:
                srcs |= {k for k in range(a, b) if k != j}
        srcs = sorted(srcs)
        if srcs:
            w = rng.uniform(0.05, 1.0, len(srcs))
            w *= rng.uniform(0.2, 0.8) / w.sum()
            rows += srcs
            cols += [j] * len(srcs)
            vals += list(-w)
    Q = sp.csc_matrix((vals, (rows, cols)), shape=(n, n))
    M = sp.identity(n, format="csc") + Q  # activity order: M[i, i] = 1 (production)
    product_row = rng.permutation(n)  # activity i's product is row product_row[i] of A
    A = sp.lil_matrix((n, n))
    A[product_row, :] = M.tolil()
    return sp.csc_matrix(A), product_row


@pytest.mark.parametrize("loops", [[], [(0, 6)], [(3, 9), (20, 24), (40, 70)], [(0, 80)]])
def test_forward_and_adjoint_solves_equal_a_plain_sparse_solve(loops):
    A, product_row = supply_chain(80, loops, seed=len(loops))
    btf = engine.BlockTriangular(A, product_row)
    rng = np.random.default_rng(7)
    d, e = rng.normal(size=80), rng.normal(size=80)
    assert np.allclose(btf.solve(d, False), spsolve(A, d), rtol=1e-10, atol=1e-12)
    assert np.allclose(btf.solve(e, True), spsolve(sp.csc_matrix(A.T), e), rtol=1e-10, atol=1e-12)
    # one segment per loop, and the loop-free runs between them
    assert len(btf.segments) <= 2 * len(loops) + 1
    assert btf.largest_block == max([b - a for a, b in loops], default=1)


def test_a_large_loop_goes_to_pardiso_when_present(monkeypatch):
    monkeypatch.setattr(engine, "PARDISO_MIN_BLOCK", 10)
    A, product_row = supply_chain(60, [(10, 30)], seed=3)
    btf = engine.BlockTriangular(A, product_row)
    kinds = {type(s[4]).__name__ for s in btf.segments}
    assert ("_PardisoBlock" in kinds) == engine.HAVE_PARDISO
    d = np.arange(60, dtype=float)
    assert np.allclose(btf.solve(d, False), spsolve(A, d), rtol=1e-10)
    assert np.allclose(btf.solve(d, True), spsolve(sp.csc_matrix(A.T), d), rtol=1e-10)
    btf.free()


def test_a_singular_loop_is_reported():
    # two activities that each make one unit and consume exactly the other's unit: I - [[0,1],[1,0]]
    A = sp.csc_matrix(np.array([[1.0, -1.0, 0.0], [-1.0, 1.0, -0.5], [0.0, 0.0, 1.0]]))
    with pytest.raises(engine.SingularSystem):
        engine.BlockTriangular(A, np.arange(3))


def test_system_uses_it_and_checks_the_residual():
    A, product_row = supply_chain(50, [(5, 12)], seed=11)
    B = sp.csr_matrix(np.ones((1, 50)))
    system = engine.System(A=A, B=B, activity_ids=np.arange(50), flow_ids=np.arange(1),
                           product_row=product_row, col_of={i: i for i in range(50)}, row_of_flow={0: 0})
    d = np.zeros(50)
    d[product_row[49]] = 1.0  # one unit of the most downstream activity's product
    x = system.solve(d)
    assert np.allclose(A @ x, d, atol=1e-12)
    assert isinstance(system._btf, engine.BlockTriangular)
    scores = engine.all_scores(system, np.ones(1))  # adjoint: every activity's total per unit
    assert scores[49] == pytest.approx(float(np.ones(50) @ x), rel=1e-12)
