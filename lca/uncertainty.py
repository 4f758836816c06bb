"""Monte Carlo: sampled footprints of models, supplier products and background activities.

Two sources of uncertainty, both on by default:

- **background** (every database in the project's matrices: background, suppliers,
  stored models): each matrix entry's Brightway distribution (lognormal from the
  pedigree or DQR tables, :mod:`lca.distributions`) is sampled by inverse CDF; the
  score of every activity upstream of the targets is then computed for a whole
  chunk of samples at once by *block substitution over the strongly connected
  components* of that upstream system: activities outside loops are solved level
  by level with vectorized sparse products (``z_j = (g_j - sum_i A_ij z_i) / A_jj``,
  ``A^T z = B^T c``), each loop by one batched dense solve. No per-sample
  factorization, and no bw2calc ``next()``.
- **foreground** (product models): the model's parameters with a distribution
  (``inventories/parameters/*.toml``; a value the user sets is taken as known) and
  its step rows (pedigree of the parameter file) are drawn, the model is built once
  per chunk with sample arrays as amounts, and its supply is accumulated in
  topological order, vectorized over the chunk.

Reproducibility: samples come in chunks of :data:`CHUNK`; chunk ``k`` of stream
``s`` draws from ``numpy.random.SeedSequence(seed, spawn_key=(s, k))`` (model
parameters: ``(s, crc32(name), k)``), so the numbers depend on the seed and the
targets only, not on how many workers run the chunks (:mod:`lca.scheduler`).
Parameter and row streams are keyed by name, not by target: two targets that
share a parameter see the same draws (common random numbers, for paired
comparisons), and every target of one call shares the background draws.
"""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, connected_components

from . import distributions, hooks, inventory, spreads
from .errors import InputError, LcaError
from .models.base import basis, flow_cfs
from .results import Distribution

CHUNK = 2048  # samples per chunk [-]: fixed, so the random streams do not depend on the workers
BLOCK = 128  # samples per solve block inside a chunk [-] (speed only: results do not depend on it)
STREAM_BACKGROUND, STREAM_PARAMS, STREAM_ROWS = 0, 1, 2
MAX_SAMPLES = 10_000_000  # a larger n is refused (memory of the returned samples) [-]
MODELS_DB = "models"


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=tuple(key))))


def _crc(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


# -- the matrix entries and their distributions -----------------------------------------------------
@dataclass
class Entries:
    """Every technosphere and biosphere matrix entry of a project's system, as the datapackages store them.

    Technosphere entry ``e``: supplier column ``sup[e]``, consumer column ``con[e]``, signed static value
    ``val[e]`` (Brightway's flip applied); biosphere entry: flow row ``flow[e]``, column ``bcol[e]``,
    ``bval[e]``. ``dist`` / ``bdist``: (type, loc, scale, min, max, negative, sign) arrays."""

    sup: np.ndarray
    con: np.ndarray
    val: np.ndarray
    dist: tuple
    flow: np.ndarray
    bcol: np.ndarray
    bval: np.ndarray
    bdist: tuple
    n: int


def _resource(dp, name):
    try:
        return dp.get_resource(name)[0]
    except KeyError:
        return None


def read_entries(system, datapackages) -> Entries:
    """The entries of ``system``'s matrices with their distributions, from the bw_processing ``datapackages``."""
    col_of = system.col_of
    parts = {"technosphere_matrix": [], "biosphere_matrix": []}
    for dp in datapackages:
        for res in dp.resources:
            if res.get("kind") != "indices" or res.get("matrix") not in parts:
                continue
            base = res["name"][: -len(".indices")]
            idx = _resource(dp, base + ".indices")
            data = np.asarray(_resource(dp, base + ".data"), dtype=np.float64)
            flip = _resource(dp, base + ".flip")
            dist = _resource(dp, base + ".distributions")
            if dist is not None:  # a NaN or negative spread: refused naming dataset and exchange (lca.spreads)
                spreads.refuse(dist, idx, data, res["matrix"])
            parts[res["matrix"]].append((idx, data, None if flip is None else np.asarray(flip, bool), dist))

    def dist_arrays(dist, n):
        if dist is None:
            z = np.zeros(n)
            return (np.zeros(n, np.int64), z, z, z, z, np.zeros(n, bool))
        return (np.asarray(dist["uncertainty_type"], np.int64), np.nan_to_num(dist["loc"]),
                np.nan_to_num(dist["scale"]), np.nan_to_num(dist["minimum"]), np.nan_to_num(dist["maximum"]),
                np.asarray(dist["negative"], bool))

    def collect(items, row_map):
        rows, cols, vals, dists = [], [], [], []
        for idx, data, flip, dist in items:
            r = np.array([row_map(int(i)) for i in idx["row"]], dtype=np.int64)
            c = np.array([col_of.get(int(i), -1) for i in idx["col"]], dtype=np.int64)
            keep = (r >= 0) & (c >= 0)
            sign = np.where(flip, -1.0, 1.0) if flip is not None else np.ones(len(data))
            d = dist_arrays(dist, len(data))
            rows.append(r[keep]), cols.append(c[keep]), vals.append((data * sign)[keep])
            dists.append(tuple(a[keep] for a in d) + (sign[keep],))
        if not rows:
            e = np.zeros(0)
            return np.zeros(0, np.int64), np.zeros(0, np.int64), e, (np.zeros(0, np.int64), e, e, e, e,
                                                                     np.zeros(0, bool), e)
        cat = tuple(np.concatenate([d[k] for d in dists]) for k in range(7))
        return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), cat

    sup, con, val, dist = collect(parts["technosphere_matrix"], lambda i: col_of.get(i, -1))
    flow, bcol, bval, bdist = collect(parts["biosphere_matrix"], lambda i: system.row_of_flow.get(i, -1))
    return Entries(sup=sup, con=con, val=val, dist=dist, flow=flow, bcol=bcol, bval=bval, bdist=bdist, n=system.n)


def _sample(dist: tuple, static: np.ndarray, u: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Signed sampled values (rows = entries, columns = samples); entries outside ``mask`` keep ``static``."""
    kind, loc, scale, lo, hi, neg, sign = dist
    out = np.repeat(static[:, None], u.shape[1], axis=1)
    if mask.any():
        raw = distributions.bw_ppf(kind[mask], loc[mask], scale[mask], lo[mask], hi[mask], neg[mask],
                                   static[mask] * sign[mask], u)
        out[mask] = raw * sign[mask][:, None]
    return out


# -- the upstream system of some columns, solved for a chunk of samples ------------------------------
class BackgroundSampler:
    """Scores per unit of the ``targets`` columns for chunks of sampled matrices (see module docstring).

    Only the activities upstream of the targets take part. ``c``: characterization factors by biosphere
    row. Picklable (arrays only); the level schedule is rebuilt lazily in each process that uses it."""

    def __init__(self, entries: Entries, c: np.ndarray, targets):
        targets = np.unique(np.asarray(list(targets), dtype=np.int64))
        n = entries.n
        G = sp.csr_matrix((np.ones(len(entries.sup)), (entries.con, entries.sup)), shape=(n, n))
        seen = np.zeros(n, bool)
        for t in targets:
            if not seen[t]:
                seen[breadth_first_order(G, int(t), directed=True, return_predecessors=False)] = True
        cols = np.nonzero(seen)[0]
        local = np.full(n, -1, np.int64)
        local[cols] = np.arange(len(cols))
        self.m = len(cols)
        self.cols = cols
        self.target_local = local[targets]
        self.targets = targets
        te = np.nonzero(seen[entries.con])[0]
        self.sup, self.con = local[entries.sup[te]], local[entries.con[te]]
        self.val = entries.val[te]
        self.dist = tuple(a[te] for a in entries.dist)
        be = np.nonzero(seen[entries.bcol])[0]
        cf = c[entries.flow[be]]
        nz = cf != 0
        be = be[nz]
        self.bcol, self.bval, self.bcf = local[entries.bcol[be]], entries.bval[be], cf[nz]
        self.bdist = tuple(a[be] for a in entries.bdist)
        self.unc = self.dist[0] > 1  # entries with a distribution (types 0 and 1: none)
        self.bunc = self.bdist[0] > 1
        self._schedule = None

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_schedule"] = None  # rebuilt per process
        return state

    @property
    def n_uncertain(self) -> int:
        return int(self.unc.sum() + self.bunc.sum())

    def _plan(self):
        """Levels of the condensation DAG (suppliers first); per level singletons and loop blocks."""
        if self._schedule is not None:
            return self._schedule
        m = self.m
        off = self.sup != self.con
        G = sp.csr_matrix((np.ones(int(off.sum())), (self.con[off], self.sup[off])), shape=(m, m))
        ncomp, lab = connected_components(G, directed=True, connection="strong")
        # condensation edges consumer component -> supplier component; level = 1 + max supplier level
        cs, ss = lab[self.con[off]], lab[self.sup[off]]
        ext = cs != ss
        cond = sp.csr_matrix((np.ones(int(ext.sum())), (cs[ext], ss[ext])), shape=(ncomp, ncomp))
        cond.sum_duplicates()
        level = np.full(ncomp, -1, np.int64)
        indeg = np.asarray((cond > 0).sum(axis=1)).ravel()  # suppliers still unsolved
        rev = cond.T.tocsr()  # supplier -> its consumers
        frontier = list(np.nonzero(indeg == 0)[0])
        lv = 0
        while frontier:
            nxt = []
            for k in frontier:
                level[k] = lv
            for k in frontier:
                for j in rev.indices[rev.indptr[k]:rev.indptr[k + 1]]:
                    indeg[j] -= 1
                    if indeg[j] == 0:
                        nxt.append(j)
            frontier, lv = nxt, lv + 1
        if np.any(level < 0):
            raise LcaError("internal: the upstream system has no topological order of its loops")
        size = np.bincount(lab, minlength=ncomp)
        col_level = level[lab]
        plan = []
        diag = ~off
        for L in range(lv):
            cols_L = np.nonzero((col_level == L) & (size[lab] == 1))[0]
            step = {"cols": cols_L, "blocks": []}
            if len(cols_L):
                pos = np.full(m, -1, np.int64)
                pos[cols_L] = np.arange(len(cols_L))
                e_off = np.nonzero(off & (pos[self.con] >= 0))[0]
                e_dg = np.nonzero(diag & (pos[self.con] >= 0))[0]
                step["e_off"], step["e_dg"] = e_off, e_dg
                step["agg_off"] = sp.csr_matrix((np.ones(len(e_off)), (pos[self.con[e_off]], np.arange(len(e_off)))),
                                                shape=(len(cols_L), len(e_off)))
                step["agg_dg"] = sp.csr_matrix((np.ones(len(e_dg)), (pos[self.con[e_dg]], np.arange(len(e_dg)))),
                                               shape=(len(cols_L), len(e_dg)))
            for k in np.nonzero((level == L) & (size > 1))[0]:
                members = np.nonzero(lab == k)[0]
                pos = np.full(m, -1, np.int64)
                pos[members] = np.arange(len(members))
                inside = np.nonzero((pos[self.con] >= 0) & (pos[self.sup] >= 0))[0]
                outside = np.nonzero((pos[self.con] >= 0) & (pos[self.sup] < 0))[0]
                step["blocks"].append({
                    "cols": members, "inside": inside, "outside": outside,
                    "agg_out": sp.csr_matrix((np.ones(len(outside)), (pos[self.con[outside]], np.arange(len(outside)))),
                                             shape=(len(members), len(outside))),
                    "qi": pos[self.con[inside]], "qj": pos[self.sup[inside]],
                })
            plan.append(step)
        self._schedule = {"plan": plan,
                          "agg_b": sp.csr_matrix((np.ones(len(self.bcol)), (self.bcol, np.arange(len(self.bcol)))),
                                                 shape=(m, len(self.bcol)))}
        return self._schedule

    def solve(self, V: np.ndarray, BV: np.ndarray) -> np.ndarray:
        """Scores ``z`` (upstream columns x samples) for technosphere values ``V`` and biosphere values ``BV``."""
        sched = self._plan()
        S = V.shape[1]
        g = sched["agg_b"] @ (BV * self.bcf[:, None])  # characterized direct emissions per column
        z = np.zeros((self.m, S))
        for step in sched["plan"]:
            cols = step["cols"]
            if len(cols):
                e_off = step["e_off"]
                contrib = step["agg_off"] @ (V[e_off] * z[self.sup[e_off]])
                dg = step["agg_dg"] @ V[step["e_dg"]]
                z[cols] = (g[cols] - contrib) / dg
            for blk in step["blocks"]:
                k = len(blk["cols"])
                out = blk["outside"]
                rhs = g[blk["cols"]] - blk["agg_out"] @ (V[out] * z[self.sup[out]])  # (k, S)
                Q = np.zeros((S, k, k))
                np.add.at(Q, (slice(None), blk["qi"], blk["qj"]), V[blk["inside"]].T)
                z[blk["cols"]] = np.linalg.solve(Q, rhs.T[:, :, None])[:, :, 0].T
        return z

    def values(self, seed: int, chunk: int, S: int, sampled: bool) -> tuple[np.ndarray, np.ndarray]:
        """Technosphere and biosphere values for chunk ``chunk`` of ``S`` samples (static if not ``sampled``)."""
        if not sampled or self.n_uncertain == 0:
            return self.val[:, None], self.bval[:, None]
        rng = _rng(seed, STREAM_BACKGROUND, chunk)
        u = rng.random((int(self.unc.sum()), S))
        ub = rng.random((int(self.bunc.sum()), S))
        return _sample(self.dist, self.val, u, self.unc), _sample(self.bdist, self.bval, ub, self.bunc)

    def scores(self, seed: int, chunk: int, S: int, sampled: bool) -> np.ndarray:
        """Scores of every upstream column (local order) for one chunk: (m, S) or (m, 1) when static.

        The chunk's uniform numbers are drawn at once (the streams do not depend on blocking); the
        inverse CDFs and the solve then run on blocks of :data:`BLOCK` samples, whose temporaries stay
        in the CPU cache and below malloc's mmap threshold (the same numbers, 2-4x less time)."""
        if not sampled or self.n_uncertain == 0:
            return self.solve(self.val[:, None], self.bval[:, None])
        rng = _rng(seed, STREAM_BACKGROUND, chunk)
        u = rng.random((int(self.unc.sum()), S))
        ub = rng.random((int(self.bunc.sum()), S))
        z = np.empty((self.m, S))
        for a in range(0, S, BLOCK):
            b = min(S, a + BLOCK)
            z[:, a:b] = self.solve(_sample(self.dist, self.val, u[:, a:b], self.unc),
                                   _sample(self.bdist, self.bval, ub[:, a:b], self.bunc))
        return z


# -- targets ----------------------------------------------------------------------------------------
@dataclass
class ModelTarget:
    """A product model's foreground, evaluated for sample arrays (see module docstring)."""

    model: object
    bg_local: dict  # background code -> local column of the BackgroundSampler
    flow_cf: dict  # flow alias -> characterization factor
    amount: float
    params: dict = field(default_factory=dict)  # name (``sub.name`` for sub-models) -> entry (value, dist)

    def builds(self, draws: dict, row_draw) -> tuple[list[dict], str]:
        own = {k: v for k, v in draws.items() if "." not in k}
        data, ref = self.model.sampled_build(own, row_draw)
        for name, sub in self.model.submodels().items():
            sd = {k.split(".", 1)[1]: v for k, v in draws.items() if k.startswith(name + ".")}
            data = data + sub.sampled_build(sd, row_draw)[0]
        return data, ref

    def evaluate(self, z: np.ndarray, draws: dict, row_draw, S: int) -> np.ndarray:
        """Score of ``amount`` units per sample, given background scores ``z`` (local columns x S or x 1)."""
        data, ref = self.builds(draws, row_draw)
        by_code = {d["code"]: d for d in data}
        order, state = [], {}

        def visit(code):  # reverse post-order of the consumer -> supplier graph: consumers first
            stack = [(code, iter(_fg_inputs(by_code[code])))]
            state[code] = 1
            while stack:
                c, it = stack[-1]
                nxt = next(it, None)
                if nxt is None:
                    state[c] = 2
                    order.append(c)
                    stack.pop()
                elif state.get(nxt) == 1:
                    raise LcaError(f"model {self.model.name}: its steps form a loop at {nxt}; "
                                   "Monte Carlo of looped models is not supported")
                elif nxt not in state:
                    state[nxt] = 1
                    stack.append((nxt, iter(_fg_inputs(by_code[nxt]))))

        visit(ref)
        order.reverse()
        x = {code: np.zeros(S) for code in order}
        x[ref] = np.ones(S)
        total = np.zeros(S)
        for code in order:
            xc = x[code]
            for e in by_code[code]["exchanges"]:
                kind, inp = e["type"], e["input"]
                if kind == "production":
                    continue
                a = e["amount"]
                if kind == "technosphere" and inp[0] == MODELS_DB:
                    x[inp[1]] = x[inp[1]] + xc * a
                elif kind == "technosphere":
                    total = total + xc * a * z[self.bg_local[inp[1]]]
                elif kind == "biosphere":
                    total = total + xc * a * self.flow_cf.get(e.get("flow_alias", ""), 0.0)
        return total * self.amount


def _fg_inputs(d: dict) -> list[str]:
    return [e["input"][1] for e in d["exchanges"] if e["type"] == "technosphere" and e["input"][0] == MODELS_DB]


def _model_params(model) -> dict:
    """Sampled parameters of a model and its sub-models: name -> entry (``battery.cell_energy`` for subs)."""
    out = {k: e for k, e in model.parameter_entries().items() if e["sampled"]}
    for name, sub in model.submodels().items():
        out.update({f"{name}.{k}": e for k, e in sub.parameter_entries().items() if e["sampled"]})
    return out


def _bg_codes(model) -> set[str]:
    codes = set()
    data = model.product_system()[0] if hasattr(model, "product_system") else model.own_datasets()[0]
    for d in data:
        for e in d["exchanges"]:
            if e["type"] == "technosphere" and e["input"][0] == inventory.BACKGROUND_DB:
                codes.add(e["input"][1])
    return codes


@dataclass
class Job:
    """Everything a worker needs to compute chunks: picklable (arrays, model definitions)."""

    bg: BackgroundSampler
    targets: list  # ("column", local index, amount) or ("model", ModelTarget)
    n: int
    seed: int
    background: bool = True
    foreground: bool = True
    rows: bool = True
    only: tuple | None = None  # sample only these model parameters (None: all with a distribution)
    dists: dict = field(default_factory=dict)  # parameter name -> distribution overriding battery.toml & co.

    @property
    def n_chunks(self) -> int:
        return max(1, math.ceil(self.n / CHUNK))

    def chunk_size(self, k: int) -> int:
        return min(CHUNK, self.n - k * CHUNK)

    def run_chunk(self, k: int) -> np.ndarray:
        """Samples of every target for chunk ``k``: array (targets, chunk size)."""
        S = self.chunk_size(k)
        z = self.bg.scores(self.seed, k, S, self.background)
        out = np.empty((len(self.targets), S))
        for i, t in enumerate(self.targets):
            if t[0] == "column":
                out[i] = np.broadcast_to(z[t[1]], (S,)) * t[2]
            else:
                out[i] = t[1].evaluate(z, self.draws(t[1], k, S), self.row_draw(t[1], k), S)
        return out

    def draws(self, target: ModelTarget, k: int, S: int) -> dict:
        if not self.foreground:
            return {}
        out = {}
        for name, e in target.params.items():
            if self.only is not None and name not in self.only:
                continue
            dist = self.dists.get(name, e["dist"])
            u = _rng(self.seed, STREAM_PARAMS, _crc(name), k).random(S)
            out[name] = distributions.ppf(dist, e["value"], u)
        return out

    def row_draw(self, target: ModelTarget, k: int):
        if not (self.foreground and self.rows):
            return None
        rng = _rng(self.seed, STREAM_ROWS, _crc(target.model.name), k)
        S = self.chunk_size(k)
        return lambda sigma: np.exp(sigma * rng.standard_normal(S))

    def static(self) -> np.ndarray:
        """The targets' values with every distribution at its static value (one sample)."""
        z = self.bg.scores(self.seed, 0, 1, False)
        return np.array([float(np.ravel(z[t[1]])[0]) * t[2] if t[0] == "column"
                         else float(t[1].evaluate(z, {}, None, 1)[0]) for t in self.targets])


def run(job: Job, scheduler=None, timings: dict | None = None) -> np.ndarray:
    """All samples of ``job`` (targets x n), in-process or on a Dask scheduler (:mod:`lca.scheduler`).

    ``timings`` (optional dict) receives ``setup`` and ``compute`` [s] of a scheduler run."""
    if scheduler is None:
        parts = [job.run_chunk(k) for k in range(job.n_chunks)]
    else:
        from . import scheduler as sched

        parts = sched.map_chunks(job, scheduler, timings)
    return np.concatenate(parts, axis=1)


# -- building jobs from a project ---------------------------------------------------------------------
def entries_of(project) -> Entries:
    """The project's matrix entries with distributions (cached per project state)."""
    calc = project.calc

    def build():  # the same datapackages as the solved system (an imported background's bridge too)
        return read_entries(calc.system(), calc.datapackages())

    return calc.cached(("uncertainty", "entries"), build)


def make_job(project, targets, amounts, n: int, seed: int, method="GWP100", background: bool = True,
             foreground: bool = True, rows: bool = True, only=None, dists=None,
             write_models: bool = True) -> tuple[Job, list]:
    """A :class:`Job` for ``targets`` (models, activity refs, supplier products) and their amounts.

    ``write_models=False``: models are evaluated from their own datasets without being written into the
    ``models`` database (their refs are None; :mod:`lca.sweep` samples many variants of one model)."""
    n = int(n)
    if not 1 <= n <= MAX_SAMPLES:
        raise InputError(f"n={n}: give a number of samples between 1 and {MAX_SAMPLES}")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))
    seed = int(seed)
    if seed < 0:
        raise InputError(f"seed={seed}: give a non-negative integer")
    m = project.method(method)
    kinds = [hasattr(t, "sampled_build") for t in targets]
    refs, ids = [None] * len(targets), [None] * len(targets)
    # models first: writing one rewrites the models database, so node ids are kept only once all are written
    for i in sorted(range(len(targets)), key=lambda i: not kinds[i]):
        if kinds[i] and not write_models:
            continue
        ids[i], refs[i] = project.resolve_target(targets[i])  # writes a model's datasets on first use
    calc = project.calc
    system = calc.system()
    nodes = calc.nodes()
    c = calc.characterization(m)
    col_of_code = {}
    need = set()
    for t, ref, node_id, is_model in zip(targets, refs, ids, kinds):
        if is_model:
            for code in _bg_codes(t):
                nid = int(nodes[nodes["ref"] == f"{inventory.BACKGROUND_DB}:{code}"]["id"].iloc[0])
                col_of_code[code] = system.col_of[nid]
                need.add(system.col_of[nid])
        else:
            col_of_code[ref.ref] = system.col_of[node_id]
            need.add(system.col_of[node_id])
    bg = BackgroundSampler(entries_of(project), c, sorted(need))
    local = {int(col): int(i) for i, col in zip(range(bg.m), bg.cols)}
    cfs = flow_cfs(project, m)
    specs = []
    for t, ref, is_model, amount in zip(targets, refs, kinds, amounts):
        if is_model:
            mt = copy_model(t)
            bg_local = {code: local[col_of_code[code]] for code in _bg_codes(t)}
            specs.append(("model", ModelTarget(mt, bg_local, cfs, float(amount), _model_params(t))))
        else:
            specs.append(("column", local[col_of_code[ref.ref]], float(amount)))
    only = tuple(only) if only is not None else None
    job = Job(bg=bg, targets=specs, n=n, seed=seed, background=background, foreground=foreground, rows=rows,
              only=only, dists=dict(dists or {}))
    if only is not None:
        known = set().union(*[s[1].params for s in specs if s[0] == "model"]) if specs else set()
        unknown = sorted(set(only) - known)
        if unknown:
            raise InputError(f"only={unknown}: not sampled parameters of the target(s); sampled: {sorted(known)}")
    return job, refs


def copy_model(model):
    """A shallow copy of a model and of its submodels, for a job (models hold no project: picklable)."""
    import copy as _copy

    m = _copy.copy(model)
    for name, sub in model.submodels().items():
        setattr(m, name, _copy.copy(sub))
    return m


def uncertainty(project, target, n: int = 10_000, seed: int | None = None, amount: float = 1.0,
                method="GWP100", scheduler=None, background: bool = True, foreground: bool = True,
                rows: bool = True, only=None, dists=None) -> Distribution:
    """Monte Carlo distribution of ``amount`` units of ``target`` (see module docstring).

    Parameters
    ----------
    target : model, str, ActivityRef or tuple
        What :meth:`lca.Project.footprint` accepts.
    n : int, default 10 000
        Samples [-].
    seed : int, optional
        Seed of every random stream; the same seed gives the same samples with any scheduler.
    amount : float, default 1.0
        Units of the target [its unit].
    scheduler : str, optional
        ``local:N`` (a Dask LocalCluster of N worker processes) or ``tcp://HOST:PORT``; None: in-process.
    background, foreground, rows : bool
        Sample the matrices' distributions / the model parameters / the model step rows.
    only : list of str, optional
        Sample only these model parameters. ``dists``: name -> distribution replacing the file's.
    """
    job, refs = make_job(project, [target], [amount], n, seed, method, background, foreground, rows, only, dists)
    samples = run(job, scheduler)[0]
    static = float(project.footprint(target, amount=amount, method=method).total)
    m = project.method(method)
    return Distribution(target=refs[0], amount=float(amount), method=m, score_unit=project.calc.score_unit(m),
                        samples=samples, static=static, seed=job.seed,
                        settings={"basis": basis(target, amount, refs[0].unit), "background": background, "foreground": foreground, "rows": rows,
                                  "parameters": sorted(job.targets[0][1].params) if job.targets[0][0] == "model"
                                  else [], "scheduler": scheduler or "in-process"})


hooks.provide("uncertainty", uncertainty)  # Project.uncertainty answers through this (lca.hooks)
