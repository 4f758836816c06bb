"""The solver: technosphere and biosphere matrices from bw2calc, one kept factorization, adjoint scores.

bw2calc builds the matrices from the processed Brightway datapackages; this
module keeps one factorization of the technosphere matrix per project state
and reuses it for every demand (forward solves) and for the all-products
scores (one adjoint solve ``A^T y = B^T c``). Results are plain arrays; shaping
them into reports is :mod:`lca.results`' job.

The factorization is block-triangular (:class:`BlockTriangular`): supply chains
are nearly acyclic, so the matrix is permuted to block-triangular form by its
strongly connected components (SCCs, in topological order); runs of activities
outside loops are triangular (factorized without fill), each loop is one small
diagonal block (SuperLU on its transpose, or PARDISO for a large block), and a
solve is a block substitution. A general LU of the whole matrix fills in every
column that reaches a loop, which costs an order of magnitude more time and
memory on supply-chain structures (benchmarks/RESULTS.md).

Precision: Brightway stores matrix values as float32 (about 7 significant
digits); solves are done in float64 on those values.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .errors import LcaError, NonSquareSystemError, SingularSystemError  # noqa: F401 (engine.X)

# pypardiso (MKL's PARDISO, fast on x86_64) is imported only when a loop needs it: its import
# searches the file system for MKL (~0.25-0.7 s of every cold start otherwise)
try:
    import importlib.util

    HAVE_PARDISO = importlib.util.find_spec("pypardiso") is not None
except Exception:  # pragma: no cover
    HAVE_PARDISO = False

SOLVER = ("block-triangular (SCC) + SuperLU" + (", PARDISO for large loops" if HAVE_PARDISO else ""))
# A supply below -NEGATIVE_SUPPLY_TOL * (largest |supply|) is a real negative supply; above it,
# solver noise of a float64 solve on float32 data [-, relative].
NEGATIVE_SUPPLY_TOL = 1e-9
# Loops (SCC blocks) of at least this many activities are factorized by PARDISO when present.
# An estimate, not a measured crossover: no loop of about this size was benchmarked (the
# benchmarks' loops are far smaller or far larger; benchmarks/RESULTS.md).
PARDISO_MIN_BLOCK = 2000
RESIDUAL_TOL = 1e-8  # normwise backward error ||Mx - b|| / (||M|| ||x|| + ||b||) accepted after a solve [-]
# Residual accepted against the right-hand side alone, ||Mx - b|| <= RHS_RESIDUAL_TOL * ||b|| (infinity
# norms) [-]: a pivot-perturbed solve of a singular matrix can pass the backward-error test with a
# huge ||x||; a real solution reproduces its demand to float32-data accuracy (~1e-7) or better.
RHS_RESIDUAL_TOL = 1e-6


class _SuperLUBlock:
    """A diagonal block ``D`` factorized as ``D^T`` (SuperLU is fast on the transpose of supply chains)."""

    def __init__(self, D: sp.csr_matrix, triangular: bool):
        from scipy.sparse.linalg import splu

        # D is block-lower-triangular's diagonal block; D^T of a triangular run is upper triangular,
        # where the natural order has no fill and partial pivoting has no other row to choose
        try:
            self.lu = splu(sp.csc_matrix(D.T), permc_spec="NATURAL" if triangular else "COLAMD")
        except RuntimeError as exc:  # "Factor is exactly singular"
            raise SingularSystem(str(exc)) from exc

    def solve(self, rhs: np.ndarray, transposed: bool) -> np.ndarray:
        return self.lu.solve(rhs, trans="N" if transposed else "T")

    def free(self) -> None:
        self.lu = None


class _PardisoBlock:
    """A large loop factorized by PARDISO; the transposed solve reuses the factors (iparm(12))."""

    def __init__(self, D: sp.csr_matrix):
        from pypardiso import PyPardisoSolver

        D = sp.csr_matrix(D)
        D.sort_indices()
        self.solver = PyPardisoSolver()
        self.solver.factorize(D)
        self.D = D
        self.Dt = sp.csc_matrix((D.data, D.indices, D.indptr), shape=D.shape[::-1])  # D^T, same arrays

    def solve(self, rhs: np.ndarray, transposed: bool) -> np.ndarray:
        return np.asarray(self.solver.solve(self.Dt if transposed else self.D, rhs)).ravel()

    def free(self) -> None:
        self.solver.free_memory(everything=True)


def _csr_where(P: sp.csr_matrix, keep: np.ndarray) -> sp.csr_matrix:
    """The entries of CSR matrix ``P`` where ``keep`` (one flag per stored entry), as CSR of the same shape."""
    rows = np.repeat(np.arange(P.shape[0]), np.diff(P.indptr))
    counts = np.bincount(rows[keep], minlength=P.shape[0])
    indptr = np.concatenate([[0], np.cumsum(counts)])
    return sp.csr_matrix((P.data[keep], P.indices[keep], indptr), shape=P.shape)


def _row_range(P: sp.csr_matrix, start: int, stop: int, col_offset: int = 0, ncols: int | None = None) -> sp.csr_matrix:
    """Rows ``start:stop`` of CSR matrix ``P`` (columns shifted by ``-col_offset``), cut from its arrays."""
    a, b = int(P.indptr[start]), int(P.indptr[stop])
    return sp.csr_matrix((P.data[a:b], P.indices[a:b] - col_offset, P.indptr[start:stop + 1] - a),
                         shape=(stop - start, P.shape[1] if ncols is None else ncols))


class BlockTriangular:
    """Factorization of ``A`` in block-triangular form (strongly connected components).

    Rows are first put in the order of their activities (``M[i, :] = A[product_row[i], :]``, so the
    production amounts are on the diagonal). In the order of the SCC labels (scipy labels them in
    reverse topological order: a supplier's label is above its consumers'), ``M`` is block lower
    triangular: every input comes from a later position or from the same loop. Consecutive
    activities outside loops form one triangular segment, each loop its own segment; ``M x = d`` is
    solved segment by segment from the first (the most downstream) on, ``M^T z = e`` from the last.
    If the labels are ever not topological, the whole matrix becomes one block (a general LU).
    """

    def __init__(self, A: sp.spmatrix, product_row: np.ndarray, labels: np.ndarray | None = None):
        n = A.shape[1]
        self.product_row = np.asarray(product_row)
        M = sp.csr_matrix(A)[self.product_row, :]
        coo = M.tocoo()
        lab = None if labels is None else np.asarray(labels, dtype=np.int64)
        # labels kept from an earlier factorization of the same matrix (lca.cache) are used if they
        # still order it block-triangularly; otherwise (and the first time) they are computed
        if lab is None or lab.shape != (n,) or (n and (lab.min() < 0 or np.any(lab[coo.row] < lab[coo.col]))):
            from scipy.sparse.csgraph import connected_components

            _, lab = connected_components(M, directed=True, connection="strong")
            if np.any(lab[coo.row] < lab[coo.col]):  # not topological: one general block
                lab = np.zeros(n, dtype=np.int64)
        self.labels = lab
        order = np.argsort(lab, kind="stable")
        size = np.bincount(lab)[lab[order]]  # size of each position's SCC
        P = M[order][:, order].tocsr()
        P.sort_indices()
        self.order = order
        # segments: runs of activities outside loops (triangular), each loop its own
        bounds = [0]
        while bounds[-1] < n:
            start = bounds[-1]
            stop = start + 1
            if size[start] == 1:
                while stop < n and size[stop] == 1:
                    stop += 1
            else:
                stop = start + int(size[start])
            bounds.append(stop)
        seg = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))  # segment of each position
        # split P into its diagonal blocks and the rest (L, strictly block-lower); every part is
        # then a contiguous row range of a CSR matrix, cut without scipy's indexing (one per segment)
        rows = np.repeat(np.arange(n), np.diff(P.indptr))
        inside = seg[rows] == seg[P.indices]
        Dall = _csr_where(P, inside)
        L = _csr_where(P, ~inside)
        LT = L.T.tocsr()  # rows of L^T = columns of L: each segment's "below" part
        self.segments: list[tuple[int, int, sp.csr_matrix, sp.csr_matrix, object]] = []
        for start, stop in zip(bounds[:-1], bounds[1:]):
            D = _row_range(Dall, start, stop, col_offset=start, ncols=stop - start)
            left = _row_range(L, start, stop)  # M x = d: this segment's rows, earlier columns (x = 0 beyond)
            below = _row_range(LT, start, stop)  # M^T z = e: this segment's columns, later rows
            if size[start] == 1:
                block = _SuperLUBlock(D, triangular=True)
            elif HAVE_PARDISO and stop - start >= PARDISO_MIN_BLOCK:
                block = _PardisoBlock(D)
            else:
                block = _SuperLUBlock(D, triangular=False)
            self.segments.append((start, stop, left, below, block))
        self.largest_block = int(np.bincount(lab).max()) if n else 0

    def solve(self, rhs: np.ndarray, transposed: bool) -> np.ndarray:
        n = len(self.order)
        out = np.empty(n)
        if not transposed:  # A x = d  <=>  M x = d[product_row]
            d = rhs[self.product_row][self.order]
            x = np.zeros(n)
            for start, stop, left, _, block in self.segments:
                r = d[start:stop] - left @ x if left.nnz else d[start:stop]
                x[start:stop] = block.solve(r, False)
            out[self.order] = x
            return out
        # A^T y = e  <=>  M^T z = e with y[product_row] = z
        e = rhs[self.order]
        z = np.zeros(n)
        for start, stop, _, below, block in reversed(self.segments):
            r = e[start:stop] - below @ z if below.nnz else e[start:stop]
            z[start:stop] = block.solve(r, True)
        zz = np.empty(n)
        zz[self.order] = z
        out[self.product_row] = zz
        return out

    def loops_consuming_more_than_made(self, M: sp.csr_matrix, signs: np.ndarray) -> list[np.ndarray]:
        """The loops (SCCs) whose every input is positive and that consume more than they make, each as
        an array of positions of ``M`` (rows in activity order, production on the diagonal).

        With rows multiplied by their activity's production sign, a loop without credits is a
        Z-matrix ``D``; it makes more than it consumes iff it is a nonsingular M-matrix, i.e. iff
        ``D y = 1`` has ``y > 0`` (then ``D^-1 >= 0``: every demand gives a positive supply).
        A loop holding a credit (a positive off-diagonal entry) is not judged here.
        """
        out = []
        for start, stop, _, _, block in self.segments:
            if stop - start < 2 or self.labels[self.order[start]] != self.labels[self.order[stop - 1]]:
                continue  # a triangular run of activities outside loops
            pos = self.order[start:stop]
            s = signs[pos].astype(np.float64)
            D = sp.diags(s) @ M[pos][:, pos]
            D = sp.coo_matrix(D)
            if np.any(D.data[D.row != D.col] > 0):
                continue
            y = np.asarray(block.solve(s, False), dtype=np.float64)  # D_signed y = s  <=>  (sign D) y = 1
            if not np.all(np.isfinite(y)) or np.any(y <= 0):  # productive: y_i >= 1 / D_ii > 0 in any units
                out.append(pos)
        return out

    def free(self) -> None:
        for *_, block in self.segments:
            block.free()
        self.segments = []


@dataclass
class System:
    """The matrices of every database of a project at one moment, and their factorization.

    ``A`` is the technosphere matrix (products x activities), ``B`` the biosphere
    matrix (flows x activities). Activity ``i`` has product row ``product_row[i]``.
    """

    A: sp.csc_matrix
    B: sp.csr_matrix
    activity_ids: np.ndarray  # column -> node id
    flow_ids: np.ndarray  # biosphere row -> node id
    product_row: np.ndarray  # column -> row of its reference product
    col_of: dict[int, int]  # node id -> column
    row_of_flow: dict[int, int]  # flow id -> biosphere row
    # sign of each activity's own production exchange (+1, or -1 for ecoinvent's waste treatments with a
    # negative reference amount; 0 when unknown: then +1 is assumed), by column
    production_sign: object = None
    _btf: object = field(default=None, repr=False)  # BlockTriangular factorization of A, kept
    _norms: object = field(default=None, repr=False)  # infinity norms of A and A^T
    _diag: object = field(default=None, repr=False)  # net production of each activity
    # SCC labels of A (lca.cache keeps them); on_factorized(labels) is called after a new factorization
    labels: object = field(default=None, repr=False)
    on_factorized: object = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return self.A.shape[1]

    # -- the arrays of a system (lca.cache stores them) -----------------------------------
    def to_arrays(self) -> dict:
        """The matrices and index arrays as plain numpy arrays (:meth:`from_arrays` inverts it)."""
        return {"A_data": self.A.data, "A_indices": self.A.indices, "A_indptr": self.A.indptr,
                "A_shape": np.asarray(self.A.shape, dtype=np.int64),
                "B_data": self.B.data, "B_indices": self.B.indices, "B_indptr": self.B.indptr,
                "B_shape": np.asarray(self.B.shape, dtype=np.int64),
                "activity_ids": self.activity_ids, "flow_ids": self.flow_ids, "product_row": self.product_row,
                "production_sign": self.signs()}

    ARRAYS = ("A_data", "A_indices", "A_indptr", "A_shape", "B_data", "B_indices", "B_indptr", "B_shape",
              "activity_ids", "flow_ids", "product_row", "production_sign")

    @classmethod
    def from_arrays(cls, d: dict) -> "System":
        """A system from :meth:`to_arrays`; ValueError if the arrays do not form one."""
        A = sp.csc_matrix((d["A_data"], d["A_indices"], d["A_indptr"]), shape=tuple(int(x) for x in d["A_shape"]))
        B = sp.csr_matrix((d["B_data"], d["B_indices"], d["B_indptr"]), shape=tuple(int(x) for x in d["B_shape"]))
        A.check_format(full_check=True)
        B.check_format(full_check=True)
        n = A.shape[1]
        act, flows, prow = (np.asarray(d[k], dtype=np.int64) for k in ("activity_ids", "flow_ids", "product_row"))
        if A.shape[0] != n or B.shape[1] != n or act.shape != (n,) or prow.shape != (n,) \
                or flows.shape != (B.shape[0],) or (n and (prow.min() < 0 or prow.max() >= n)):
            raise ValueError("the stored arrays do not form a product system")
        sign = np.asarray(d["production_sign"], dtype=np.int8)
        if sign.shape != (n,):
            raise ValueError("the stored arrays do not form a product system")
        return cls(A=A, B=B, activity_ids=act, flow_ids=flows, product_row=prow, production_sign=sign,
                   col_of=dict(zip(act.tolist(), range(n))), row_of_flow=dict(zip(flows.tolist(), range(len(flows)))))

    def signs(self) -> np.ndarray:
        """Sign of each activity's production exchange, by column: +1, or -1 for a waste treatment
        (ecoinvent's convention: a negative reference amount); +1 where it is not known."""
        if self.production_sign is None:
            return np.ones(self.n, dtype=np.int8)
        s = np.asarray(self.production_sign, dtype=np.int8)
        return np.where(s == 0, 1, s).astype(np.int8)

    def reset_factorization(self) -> None:
        """Forget the kept factorizations (benchmarks; the matrices are unchanged)."""
        if self._btf is not None:
            self._btf.free()
        self._btf = None

    # -- factorization -------------------------------------------------------------------
    def _solve(self, rhs: np.ndarray, transposed: bool) -> np.ndarray:
        if self._btf is None:  # one factorization, kept for every demand and for the adjoint
            self._btf = BlockTriangular(self.A, self.product_row, labels=self.labels)
            fresh = self.labels is None or not np.array_equal(self.labels, self._btf.labels)
            self.labels = self._btf.labels
            if fresh and self.on_factorized is not None:
                self.on_factorized(self.labels)
        return self._btf.solve(rhs, transposed)

    def loops_consuming_more_than_made(self) -> list[np.ndarray]:
        """The loops whose every input is positive and that consume more than they make, each as an array
        of columns (:meth:`BlockTriangular.loops_consuming_more_than_made`); ``[]`` for a sound system."""
        if self._btf is None:
            self._solve(np.zeros(self.n), False)  # factorize
        M = sp.csr_matrix(self.A)[self.product_row, :]
        return self._btf.loops_consuming_more_than_made(M, self.signs())

    def solve(self, demand: np.ndarray) -> np.ndarray:
        """Supply vector ``x`` with ``A x = demand`` (demand by product row)."""
        return self._checked(demand, transposed=False)

    def solve_adjoint(self, rhs: np.ndarray) -> np.ndarray:
        """``y`` with ``A^T y = rhs`` (rhs by activity column); ``y`` is by product row."""
        return self._checked(rhs, transposed=True)

    def _checked(self, rhs: np.ndarray, transposed: bool) -> np.ndarray:
        rhs = np.asarray(rhs, dtype=np.float64)
        if suspicious_columns(self):
            raise singular_error(self)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                x = np.asarray(self._solve(rhs, transposed), dtype=np.float64).ravel()
            except SingularSystem:
                x = np.full(self.n, np.nan)
            except Exception as exc:  # pypardiso raises on structurally singular input
                if "singular" in str(exc).lower() or "zero pivot" in str(exc).lower():
                    x = np.full(self.n, np.nan)
                else:
                    raise
        if not np.all(np.isfinite(x)):
            raise singular_error(self)
        # normwise backward error ||Mx - b|| / (||M|| ||x|| + ||b||), infinity norm of M = A or A^T
        if self._norms is None:  # computed once per system (the matrices never change)
            absA = abs(self.A)
            self._norms = (float(absA.sum(axis=1).max()) if self.A.nnz else 0.0,
                           float(absA.sum(axis=0).max()) if self.A.nnz else 0.0)
        norm_m = self._norms[1 if transposed else 0]
        denom = norm_m * float(np.abs(x).max()) + float(np.abs(rhs).max())
        residual = float(np.abs((x @ self.A if transposed else self.A @ x) - rhs).max())
        # a pivot-perturbed solve of a singular matrix can look backward-stable: also ask
        # that the residual be small against the right-hand side itself
        if denom > 0 and (residual > RESIDUAL_TOL * denom or residual > RHS_RESIDUAL_TOL * float(np.abs(rhs).max())):
            raise singular_error(self)
        return x


class SingularSystem(Exception):
    """Internal: the factorization failed."""


def singular_error(system: System) -> SingularSystemError:
    """The :class:`lca.errors.SingularSystemError` of ``system``, naming its suspicious activities."""
    columns = suspicious_columns(system)
    return SingularSystemError(columns, [int(system.activity_ids[c]) for c in columns])


def suspicious_columns(system: System) -> list[int]:
    """Activities whose net production (their product's entry in A) is zero or of the other sign than their
    production exchange: a dataset that consumes as much of its own product as it makes, or more.

    A negative net production with a negative production exchange is ecoinvent's waste treatment
    (cut-off: reference amount -1 kg of the waste; its producers have a negative input of it): the
    system is solvable as it is, and bw2calc solves it so.
    """
    if system._diag is None:
        cols = np.arange(system.n)
        ok = system.product_row >= 0
        diag = np.zeros(system.n)
        diag[ok] = np.asarray(system.A[system.product_row[ok], cols[ok]]).ravel()
        system._diag = diag
    return [int(c) for c in np.nonzero(system._diag * system.signs() <= 0)[0]]


def build_system(data_objs: list, any_demand_id: int) -> System:
    """Load the matrices of ``data_objs`` (bw_processing datapackages) through bw2calc."""
    import bw2calc as bc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lca = bc.LCA(demand={any_demand_id: 1.0}, data_objs=data_objs)
        lca.load_lci_data()
    A = sp.csc_matrix(lca.technosphere_matrix, dtype=np.float64)
    B = sp.csr_matrix(lca.biosphere_matrix, dtype=np.float64)
    act = lca.dicts.activity  # node id -> column
    prod = lca.dicts.product  # node id -> row
    bio = lca.dicts.biosphere
    activity_ids = np.empty(A.shape[1], dtype=np.int64)
    product_row = np.full(A.shape[1], -1, dtype=np.int64)
    for node_id, col in act.items():
        activity_ids[col] = node_id
        product_row[col] = prod.get(node_id, -1)
    sign = production_signs(lca, product_row)
    flow_ids = np.empty(B.shape[0], dtype=np.int64)
    for node_id, row in bio.items():
        flow_ids[row] = node_id
    if A.shape[0] != A.shape[1]:
        no_product = [int(activity_ids[c]) for c in np.nonzero(product_row < 0)[0]]
        no_activity = sorted(int(i) for i in set(prod) - set(act))  # products nobody makes
        raise NonSquareSystemError(
            f"the technosphere matrix is {A.shape[0]} products x {A.shape[1]} activities; every "
            f"activity must produce exactly one product ({len(no_product)} activit(ies) without a "
            f"product row, {len(no_activity)} product(s) without an activity).",
            no_product + no_activity,
        )
    return System(
        A=A, B=B, activity_ids=activity_ids, flow_ids=flow_ids, product_row=product_row,
        col_of=dict(act), row_of_flow=dict(bio), production_sign=sign,
    )


def production_signs(lca, product_row: np.ndarray) -> np.ndarray:
    """Sign of each activity's production exchange (by column; 0 where none is found), from the entries
    bw2calc put in the technosphere matrix: those on the activity's own product row that are not flipped
    (production, or substitution of its own product), summed."""
    total = np.zeros(len(product_row))
    for group in lca.technosphere_mm.groups:
        if getattr(group, "empty", False) or not len(getattr(group, "row_masked", ())):
            continue
        rows, cols = np.asarray(group.row_masked), np.asarray(group.col_masked)
        data = np.asarray(group.data_current, dtype=np.float64)
        try:
            flip = np.asarray(group.flip, dtype=bool)
        except KeyError:  # no flip array: nothing is an input
            flip = np.zeros(len(rows), dtype=bool)
        own = (product_row[cols] == rows) & ~flip
        np.add.at(total, cols[own], data[own])
    return np.sign(total).astype(np.int8)


def characterization_vector(system: System, cfs: list[tuple[int, float]], method_name) -> np.ndarray:
    """Characterization factors by biosphere row; NaN or infinite factors are an error."""
    c = np.zeros(system.B.shape[0])
    for flow_id, cf in cfs:
        if not math.isfinite(cf):
            raise LcaError(f"method {method_name} has a non-finite characterization factor for flow id {flow_id}")
        row = system.row_of_flow.get(flow_id)
        if row is not None:
            c[row] += cf
    return c


def all_scores(system: System, c: np.ndarray) -> np.ndarray:
    """Score per one unit of each activity's reference product, by activity column (adjoint solve)."""
    g = system.B.T @ c  # direct characterized emissions per unit of each activity
    y = system.solve_adjoint(g)  # by product row
    return y[system.product_row]


def check_supply(system: System, x: np.ndarray) -> list[int]:
    """Columns with a negative supply (beyond float noise: :data:`NEGATIVE_SUPPLY_TOL`, relative)."""
    tol = NEGATIVE_SUPPLY_TOL * float(np.abs(x).max()) if len(x) else 0.0
    return [int(c) for c in np.nonzero(x < -tol)[0]]
