"""The solver: technosphere and biosphere matrices from bw2calc, one kept factorization, adjoint scores.

bw2calc builds the matrices from the processed Brightway datapackages; this
module keeps one LU factorization of the technosphere matrix per project state
and reuses it for every demand (forward solves) and for the all-products
scores (one adjoint solve ``A^T y = B^T c``). Results are plain arrays; shaping
them into reports is :mod:`lca.results`' job.

Precision: Brightway stores matrix values as float32 (about 7 significant
digits); solves are done in float64 on those values.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .errors import LcaError

try:  # pypardiso: MKL's PARDISO, fast on x86_64
    from pypardiso import PyPardisoSolver

    HAVE_PARDISO = True
except Exception:  # pragma: no cover - platform without MKL
    PyPardisoSolver = None
    HAVE_PARDISO = False

NEGATIVE_SUPPLY_TOL = 1e-9  # relative to the largest supply [-]
RESIDUAL_TOL = 1e-8  # normwise backward error accepted after a solve [-]


@dataclass
class Solve:
    """One inventory: supply per activity [its unit] and the characterized contributions."""

    supply: np.ndarray  # by activity column
    inventory: np.ndarray  # by biosphere row [kg or flow unit]


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
    solver: str = field(default="")
    _lu_t: object = field(default=None, repr=False)  # SuperLU of A^T
    _pardiso: object = field(default=None, repr=False)  # PyPardisoSolver holding the factors of A
    _pardiso_t: object = field(default=None, repr=False)  # unused (one factorization serves both)
    _A_csr: object = field(default=None, repr=False)
    _At_csr: object = field(default=None, repr=False)  # A^T as CSC over the arrays of _A_csr
    _norms: object = field(default=None, repr=False)  # infinity norms of A and A^T
    _diag: object = field(default=None, repr=False)  # net production of each activity

    @property
    def n(self) -> int:
        return self.A.shape[1]

    def reset_factorization(self) -> None:
        """Forget the kept factorizations (benchmarks; the matrices are unchanged)."""
        if self._pardiso is not None:
            self._pardiso.free_memory(everything=True)
        self._lu_t = self._pardiso = self._pardiso_t = None

    # -- factorization -------------------------------------------------------------------
    def _solve(self, rhs: np.ndarray, transposed: bool) -> np.ndarray:
        if HAVE_PARDISO:
            # One PARDISO factorization of A, kept and reused for every demand and for the
            # adjoint: A^T y = b is solved with the same factors by handing PARDISO the same
            # arrays as a CSC matrix (pypardiso then sets iparm(12) for a transposed solve).
            if self._pardiso is None:
                A_csr = sp.csr_matrix(self.A)
                A_csr.sort_indices()
                solver = PyPardisoSolver()
                solver.factorize(A_csr)
                self._A_csr = A_csr
                self._At_csr = sp.csc_matrix((A_csr.data, A_csr.indices, A_csr.indptr), shape=A_csr.shape[::-1])
                self._pardiso = solver
            return self._pardiso.solve(self._At_csr if transposed else self._A_csr, rhs)
        if self._lu_t is None:
            # SuperLU factorizes A^T much faster than A for tiered supply-chain structures;
            # forward solves then use the same factors with trans="T".
            from scipy.sparse.linalg import splu

            try:
                self._lu_t = splu(sp.csc_matrix(self.A.T), permc_spec="COLAMD")
            except RuntimeError as exc:  # "Factor is exactly singular"
                raise SingularSystem(str(exc)) from exc
        return self._lu_t.solve(rhs, trans="N" if transposed else "T")

    def solve(self, demand: np.ndarray) -> np.ndarray:
        """Supply vector ``x`` with ``A x = demand`` (demand by product row)."""
        return self._checked(demand, transposed=False)

    def solve_adjoint(self, rhs: np.ndarray) -> np.ndarray:
        """``y`` with ``A^T y = rhs`` (rhs by activity column); ``y`` is by product row."""
        return self._checked(rhs, transposed=True)

    def _checked(self, rhs: np.ndarray, transposed: bool) -> np.ndarray:
        rhs = np.asarray(rhs, dtype=np.float64)
        if suspicious_columns(self):
            raise SingularSystemError(self)
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
            raise SingularSystemError(self)
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
        if denom > 0 and (residual > RESIDUAL_TOL * denom or residual > 1e-6 * float(np.abs(rhs).max())):
            raise SingularSystemError(self)
        return x


class SingularSystem(Exception):
    """Internal: the factorization failed."""


class SingularSystemError(LcaError):
    """The technosphere matrix is singular: some activity produces nothing net."""

    def __init__(self, system: System):
        self.columns = suspicious_columns(system)
        self.node_ids = [int(system.activity_ids[c]) for c in self.columns]
        super().__init__(
            "the product system is singular (no unique solution): check that each activity "
            "produces more of its product than it consumes itself"
        )


def suspicious_columns(system: System) -> list[int]:
    """Activities whose net production (their product's entry in A) is zero or negative."""
    if system._diag is None:
        cols = np.arange(system.n)
        ok = system.product_row >= 0
        diag = np.zeros(system.n)
        diag[ok] = np.asarray(system.A[system.product_row[ok], cols[ok]]).ravel()
        system._diag = diag
    return [int(c) for c in np.nonzero(system._diag <= 0)[0]]


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
    flow_ids = np.empty(B.shape[0], dtype=np.int64)
    for node_id, row in bio.items():
        flow_ids[row] = node_id
    if A.shape[0] != A.shape[1]:
        raise LcaError(
            f"the technosphere matrix is {A.shape[0]} products x {A.shape[1]} activities; "
            "every activity must produce exactly one product"
        )
    return System(
        A=A, B=B, activity_ids=activity_ids, flow_ids=flow_ids, product_row=product_row,
        col_of=dict(act), row_of_flow=dict(bio),
        solver="pypardiso" if HAVE_PARDISO else "scipy SuperLU (A^T factorization)",
    )


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
    """Columns with a negative supply (beyond float noise)."""
    tol = NEGATIVE_SUPPLY_TOL * max(1.0, float(np.abs(x).max()))
    return [int(c) for c in np.nonzero(x < -tol)[0]]
