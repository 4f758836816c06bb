"""The calculator: matrices, scores and result tables of one project state.

A :class:`Calculator` belongs to one :class:`lca.project.Project` (``project.calc``)
and is what every module that computes with a project uses -- the roll-up, the
models, comparisons, uncertainty -- instead of the project's internals:

- look-ups: :meth:`~Calculator.nodes` (every activity as a table), :meth:`~Calculator.search`,
  :meth:`~Calculator.method`, :meth:`~Calculator.score_unit`,
  :meth:`~Calculator.split_methods`;
- matrices and solves: :meth:`~Calculator.system` (the :class:`lca.engine.System`
  with its kept factorization), :meth:`~Calculator.characterization` (``c`` by flow
  row), :meth:`~Calculator.solve` / :meth:`~Calculator.solve_adjoint` (singular
  systems become an :class:`lca.LcaError` naming the activities);
- scores: :meth:`~Calculator.scores` (every activity's cradle-to-gate score, one
  adjoint solve), :meth:`~Calculator.direct` (``B^T c``);
- results: :meth:`~Calculator.footprint` -> :class:`lca.results.Footprint`,
  :meth:`~Calculator.footprints` -> :class:`pandas.Series`;
- a cache: :meth:`~Calculator.cached` keeps any derived value until the project
  state changes (the project calls :meth:`~Calculator.clear` after every write and
  when another process wrote).

The calculator does not take the project's file lock or write: the project's public
queries hold its shared lock around these calls (:mod:`lca.project`). Cached builds
run under :data:`lca.brightway.LOCK`, so threads sharing a project build each value
once.
"""
from __future__ import annotations

import functools
import hashlib
import math
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from . import brightway, cache, engine, fingerprints, inventory, methods, negative_supply
from .errors import InputError, LcaError
from .results import ActivityRef, Footprint
from .units import float32_problem


def check_amount(amount) -> float:
    """``amount`` as a float; InputError if it is not a finite number within the float32 range."""
    try:
        value = float(amount)
    except (TypeError, ValueError):
        raise InputError(f"amount {amount!r} is not a number") from None
    problem = float32_problem(value)
    if problem:
        raise InputError(f"amount {problem}: give a finite number within the float32 range")
    return value


class Calculator:
    """Matrices, scores and result tables of one project state (see module docstring).

    Parameters
    ----------
    activate : callable
        ``activate()`` points bw2data at the project's Brightway directory and returns
        the bw2data module (:meth:`lca.project.Project.activate`).
    """

    def __init__(self, activate: Callable, background: str | None = None, cache_dir: Path | None = None):
        self._activate = activate
        # what a fresh process would rebuild, kept on disk keyed by the databases' state (lca.cache)
        self.store = cache.Store(cache_dir) if cache_dir is not None else None
        # an imported background (lca.background) the open background's codes resolve to; None = open
        self.background = background
        self._cache: dict = {}
        # values built from named content, kept across clear(): slot -> (key, value) (see kept())
        self._kept: dict = {}
        # the process's Brightway lock: builds use bw2data and the solver (one thread at a time),
        # and one lock for both cannot deadlock against the project's queries
        self._lock = brightway.LOCK

    # -- the cache -------------------------------------------------------------------
    def cached(self, key, build: Callable):
        """The value cached under ``key``, built by ``build()`` on first use in this project state.

        ``key`` is any hashable; modules namespace theirs (e.g. ``("gas_scores", method)``).
        """
        with self._lock:
            try:
                return self._cache[key]
            except KeyError:
                pass
            value = build()
            self._cache[key] = value
            return value

    def kept(self, slot, key, build: Callable):
        """The value of ``slot`` built from the content ``key`` names (a database's stamp from
        :meth:`cache_stamps`, a cache key made of them), kept across :meth:`clear`. ``key`` must name
        everything the value is built from (a value that also reads ``inventories/`` is not kept here).

        A write changes the stamps of what it changes and of nothing else, so after adding one model
        variant the background's node table and datapackage are not read again. One value per slot: a
        new key replaces the old value; a ``None`` key builds every time. ``slot`` is ``(kind, database)``:
        the slots of a database that is gone are dropped when the stamps are next read (a kept
        datapackage holds its processed file open).
        """
        with self._lock:
            held = self._kept.get(slot)
            if key is not None and held is not None and held[0] == key:
                return held[1]
            value = build()
            if key is not None:  # no stamp (a database the stamps do not list yet): never kept
                self._kept[slot] = (key, value)
            return value

    def clear(self, *keys) -> None:
        """Drop the cached values ``keys`` (every value when none is given)."""
        with self._lock:
            if not keys:
                self._cache = {}
            for key in keys:
                self._cache.pop(key, None)

    # -- look-ups --------------------------------------------------------------------
    def nodes(self) -> pd.DataFrame:
        """Every activity (not biosphere) as a table indexed by node id.

        Columns: id, database, code, name, product, location, unit, stage, ref
        (``"database:code"``).
        """
        return self.cached("nodes", self._build_nodes)

    NODE_COLUMNS = ["id", "database", "code", "name", "product", "location", "unit", "stage"]

    def _build_nodes(self) -> pd.DataFrame:
        # one stored table per database, keyed by that database's fingerprint: a write to one database
        # (a model variant added, an import) reads back only its own activities (each row unpickles
        # the dataset for unit and stage: 3,600 for the open background)
        parts = []
        for name, stamp in self.cache_stamps().items():
            if name == inventory.BIOSPHERE_DB:
                continue
            key = cache.make_key("nodes", {name: stamp[0]})
            store_name = "nodes_" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]
            parts.append(self.kept(("nodes", name), key, functools.partial(
                self._stored, store_name, key, self.NODE_COLUMNS, functools.partial(self._query_nodes, name))))
        df = pd.DataFrame({c: [v for part in parts for v in part[c]] for c in self.NODE_COLUMNS},
                          columns=self.NODE_COLUMNS)
        df = df.sort_values("id", kind="stable") if len(df) else df
        df["ref"] = df["database"] + ":" + df["code"]
        return df.set_index("id", drop=False)

    def _query_nodes(self, database: str) -> dict:
        self._activate()
        from bw2data.backends import ActivityDataset as AD

        rows = [
            (i, db, code, name, product, loc, data.get("unit"), data.get("stage"))
            for i, db, code, name, product, loc, data in AD.select(
                AD.id, AD.database, AD.code, AD.name, AD.product, AD.location, AD.data
            ).where(AD.database == database).tuples()
        ]
        return {c: [r[i] for r in rows] for i, c in enumerate(self.NODE_COLUMNS)}

    def _stored(self, name: str, key: str, names: list[str], build: Callable) -> dict:
        """Table columns from the cache (:mod:`lca.cache`) under ``key``, else ``build()`` and stored."""
        if self.store is not None:
            arrays = self.store.load(name, key, tuple(names))
            if arrays is not None:
                try:
                    columns = cache.table_columns(arrays, names)
                    if len({len(v) for v in columns.values()}) == 1:
                        return columns
                except (ValueError, UnicodeDecodeError, IndexError, KeyError):
                    pass  # a file that does not decode: rebuilt below
        columns = build()
        if self.store is not None:
            try:
                arrays = cache.table_arrays(columns)
            except TypeError:  # values that are not text (e.g. a location tuple): not cached
                return columns
            self.store.save(name, key, arrays)
        return columns

    def cache_stamps(self) -> dict:
        """Per database: [fingerprint, processed time, dirty, processed file [size, mtime]] (keys of :mod:`lca.cache`)."""
        def build():
            bd = self._activate()
            fps = fingerprints.of_dir(Path(bd.projects.dir))
            out = {}
            for name in sorted(bd.databases):
                meta = bd.databases[name]
                out[name] = [fps.get(name, {}).get("fingerprint"), meta.get("processed"), bool(meta.get("dirty")),
                             cache.file_stamp(bd.Database(name).filepath_processed())]
            self._kept = {slot: held for slot, held in self._kept.items() if slot[1] in out}
            return out

        return self.cached("cache_stamps", build)

    def ref_of(self, row) -> ActivityRef:
        """An :class:`~lca.results.ActivityRef` from a row of :meth:`nodes`."""
        return ActivityRef(ref=row["ref"], name=row["name"], product=row["product"],
                           location=row["location"], unit=row["unit"])

    def search(self, text: str, limit: int = 10) -> list[ActivityRef]:
        """Activities matching ``text`` (every word in name, product or ref; a material alias, English or Chinese)."""
        nodes = self.nodes()
        hits: list[str] = []
        res = inventory.resolve_material(text)
        if res.code:
            hits.append(f"{inventory.BACKGROUND_DB}:{res.code}")
        low = text.casefold().strip()
        words = low.split()
        mask = pd.Series(True, index=nodes.index)
        hay = (nodes["name"].fillna("") + " " + nodes["product"].fillna("") + " " + nodes["ref"]).str.casefold()
        for w in words:
            mask &= hay.str.contains(w, regex=False)
        found = nodes[mask].copy()
        found["variant"] = found["code"].str.contains("@")
        found = found.sort_values(["variant", "database", "code"])
        hits.extend(found["ref"].tolist())
        hits.extend(f"{inventory.BACKGROUND_DB}:{c}" for c in inventory.alias_codes(text))  # Chinese names
        for code in res.suggestions:
            c = inventory.aliases().get(code, code)
            hits.append(f"{inventory.BACKGROUND_DB}:{c}")
        by_ref = nodes.set_index("ref")
        out, seen = [], set()
        for ref in hits:
            if ref in seen or ref not in by_ref.index:
                continue
            seen.add(ref)
            out.append(self.ref_of(by_ref.loc[ref].to_dict() | {"ref": ref}))
            if len(out) >= limit:
                break
        return out

    def method(self, method) -> tuple:
        """Short name (``GWP100``, ``GWP20``, ``EF3.1-climate``) or tuple -> Brightway method tuple."""
        return methods.resolve(method, self._activate().methods)

    def split_methods(self, method: tuple) -> dict[str, tuple]:
        """The fossil / biogenic / land-use sub-indicators of ``method`` present in the project."""
        return methods.split_methods(method, self._activate().methods)

    def score_unit(self, method: tuple) -> str:
        """The unit of ``method``'s scores (e.g. ``kg CO2-Eq``)."""
        return self._activate().methods.get(method, {}).get("unit") or methods.DEFAULT_SCORE_UNIT

    def flow_names(self) -> dict[int, tuple[str, str]]:
        """Biosphere node id -> (flow name, ``::``-joined categories)."""
        def query():
            self._activate()
            from bw2data.backends import ActivityDataset as AD

            rows = [(i, n, "::".join(d.get("categories", ()))) for i, n, d in AD.select(AD.id, AD.name, AD.data)
                    .where(AD.database == inventory.BIOSPHERE_DB).tuples()]
            return {"id": [r[0] for r in rows], "name": [r[1] for r in rows], "categories": [r[2] for r in rows]}

        def build():
            key = cache.make_key("flow_names", self.cache_stamps().get(inventory.BIOSPHERE_DB, [None])[0])
            t = self._stored("flow_names", key, ["id", "name", "categories"], query)
            return {int(i): (n, c) for i, n, c in zip(t["id"], t["name"], t["categories"])}

        return self.cached("flow_names", build)

    # -- an imported background ------------------------------------------------------
    def bridge(self):
        """The :class:`lca.background.bridge.Bridge` of :attr:`background` (None on the open background)."""
        if not self.background:
            return None
        from .background import bridge

        return self.cached("bridge", lambda: bridge.build(self._activate(), self.background, self.nodes()))

    def background_dbs(self) -> set:
        """Databases whose nodes count as background in results: the open one and imported ones."""
        from .background import release

        return {inventory.BACKGROUND_DB} | set(release.backgrounds(self._activate()))

    # -- matrices and solves ---------------------------------------------------------
    def system(self) -> engine.System:
        """The product system of every database but the biosphere (A, B, kept factorization)."""
        return self.cached("system", self._build_system)

    def datapackages(self) -> list:
        """The bw_processing datapackages the product system is built from (one per database but the
        biosphere; on an imported background the open background's own exchanges are replaced by the
        bridge to the release). Everything that reads matrix entries (the solve, Monte Carlo) uses these."""
        bd = self._activate()
        names = [n for n in bd.databases if n != inventory.BIOSPHERE_DB]
        bridge = self.bridge()
        if bridge is not None:  # the open background's codes resolve to an imported release
            names = [n for n in names if n != inventory.BACKGROUND_DB]
        stamps = self.cache_stamps()
        with brightway.quiet():  # a database's processed arrays are read again only when its stamp moved
            dps = [self.kept(("datapackage", n), stamps.get(n), bd.Database(n).datapackage) for n in names]
        if bridge is not None:
            dps.append(bridge.datapackage)
        return dps

    def _system_key(self) -> str:
        return cache.make_key("system", self.cache_stamps())

    def _build_system(self) -> engine.System:
        """The system from the cache (:mod:`lca.cache`) when the databases did not change, else from bw2calc.

        On an imported background (a bridge built in memory) the system is always built.
        """
        if self.store is None or self.background:
            return self._build_system_bw()
        key = self._system_key()
        system = None
        arrays = self.store.load("system", key, engine.System.ARRAYS)
        if arrays is not None:
            try:
                system = engine.System.from_arrays(arrays)
            except (ValueError, TypeError, IndexError):
                system = None
        if system is None:
            system = self._build_system_bw()
            self.store.save("system", key, system.to_arrays())
        structure = self.store.load("structure", key, ("labels",))
        if structure is not None:
            system.labels = structure["labels"]  # checked before use (lca.engine.BlockTriangular)
        store = self.store
        system.on_factorized = lambda labels: store.save("structure", key, {"labels": labels})
        return system

    def _build_system_bw(self) -> engine.System:
        dps = self.datapackages()
        nodes = self.nodes()
        first = int(nodes[nodes["database"] == inventory.BACKGROUND_DB]["id"].iloc[0])
        try:
            return engine.build_system(dps, first)
        except engine.NonSquareSystemError as exc:
            refs = [str(nodes.loc[i, "ref"]) if i in nodes.index else f"node id {i}" for i in exc.node_ids]
            more = f" (and {len(refs) - 10} more)" if len(refs) > 10 else ""
            raise LcaError(f"{exc} Activities or products concerned: {', '.join(refs[:10]) or 'none found'}"
                           f"{more}. Give each a production exchange of its own product.") from None

    def factors(self, method: tuple) -> list[tuple[int, float]]:
        """(biosphere flow node id, characterization factor) of ``method`` [score unit / flow unit]."""
        def compute():
            bd = self._activate()
            return [(flow if isinstance(flow, int) else bd.get_id(tuple(flow)), float(cf))
                    for flow, cf in bd.Method(method).load()]

        return self.cached(("factors", method), compute)

    def flow_cfs(self, method: tuple, codes: dict[str, str]) -> dict[str, float]:
        """Flow alias -> characterization factor of ``method`` (0 if none; a flow's factors summed, as in
        :meth:`characterization`), for ``codes``: flow alias -> biosphere3 code."""
        from bw2data.backends import ActivityDataset as AD

        self._activate()
        wanted = sorted(set(codes.values()))
        id_of = dict(AD.select(AD.code, AD.id).where((AD.database == inventory.BIOSPHERE_DB)
                                                      & AD.code.in_(wanted)).tuples()) if wanted else {}
        by_id: dict[int, float] = {}
        for fid, cf in self.factors(method):
            by_id[fid] = by_id.get(fid, 0.0) + cf
        return {alias: by_id.get(id_of.get(code), 0.0) for alias, code in codes.items()}

    def characterization(self, method: tuple) -> np.ndarray:
        """Characterization factors of ``method`` by system flow row (``c``) [score unit / flow unit]."""
        def compute():
            return engine.characterization_vector(system, self.factors(method), method)

        def build():
            if self.store is None or self.background:
                return compute()
            bd = self._activate()
            m = bd.Method(method)
            key = cache.make_key("c", self._system_key(), list(method), bd.methods.get(method),
                                 cache.file_stamp(Path(bd.projects.dir) / "intermediate" / (m.filename + ".pickle")), cache.file_stamp(m.filepath_processed()))
            name = "c-" + cache.make_key(list(method))[:12]  # one file per method
            stored = self.store.load(name, key, ("c",))
            if stored is not None and stored["c"].shape == (system.B.shape[0],) and np.all(np.isfinite(stored["c"])):
                return stored["c"].astype(np.float64)
            c = compute()
            self.store.save(name, key, {"c": c})
            return c

        system = self.system()
        return self.cached(("c", method), build)

    def guarded(self, fn: Callable):
        """``fn()``, with a singular system reported as an LcaError naming the activities concerned."""
        try:
            return fn()
        except engine.SingularSystemError as exc:
            nodes = self.nodes()
            names = [f"{nodes.loc[i, 'ref']} ({nodes.loc[i, 'name']})" for i in exc.node_ids if i in nodes.index]
            raise LcaError(
                "the product system is singular (no unique solution); activities whose net "
                f"production is zero or negative: {', '.join(names[:10]) or 'none found (check loops)'}. "
                "Fix their production amount or self-consumption."
            ) from None

    def solve(self, demand: np.ndarray) -> np.ndarray:
        """Supply ``x`` of every activity (by column) for final ``demand`` (by product row): ``A x = f``."""
        system = self.system()
        return self.guarded(lambda: system.solve(demand))

    def solve_adjoint(self, rhs: np.ndarray) -> np.ndarray:
        """``y`` with ``A^T y = rhs`` (scores of every product for ``rhs = B^T c``)."""
        system = self.system()
        return self.guarded(lambda: system.solve_adjoint(rhs))

    # -- scores ----------------------------------------------------------------------
    def scores(self, method: tuple) -> np.ndarray:
        """Every activity's cradle-to-gate score per unit of its product, by column (one adjoint solve)."""
        def build():
            system = self.system()
            c = self.characterization(method)
            return self.guarded(lambda: engine.all_scores(system, c))

        return self.cached(("scores", method), build)

    def direct(self, method: tuple) -> np.ndarray:
        """Characterized direct emissions per unit of each activity (``B^T c``), by column."""
        return self.cached(("direct", method),
                           lambda: np.asarray(self.system().B.T @ self.characterization(method)).ravel())

    def columns(self) -> dict:
        """Node attributes in system column order (ref, name, location, database, stage label, is_bg, is_pcf)."""
        def build():
            system = self.system()
            nodes = self.nodes().loc[system.activity_ids]
            stage = nodes["stage"].where(nodes["stage"].notna() & (nodes["stage"] != ""), nodes["name"])
            stage_code, stage_names = pd.factorize(stage.fillna("").astype(str).to_numpy(object))
            return {
                "ref": nodes["ref"].to_numpy(object), "name": nodes["name"].to_numpy(object),
                "location": nodes["location"].to_numpy(object), "database": nodes["database"].to_numpy(object),
                "stage_code": stage_code, "stage_names": stage_names,  # stage label (else name) per column
                "is_bg": nodes["database"].isin(self.background_dbs()).to_numpy(bool),
                # supplier-declared PCF stand-ins (lca.supply.link: code COMPANY/pcf:ID)
                "is_pcf": ((nodes["database"] != inventory.BACKGROUND_DB)
                           & nodes["code"].str.contains("/pcf:", regex=False)).to_numpy(bool),
            }

        return self.cached("columns", build)

    # -- results ---------------------------------------------------------------------
    def footprint(self, node_id: int, ref: ActivityRef, amount: float, method: tuple) -> Footprint:
        """Cradle-to-gate :class:`~lca.results.Footprint` of ``amount`` units of node ``node_id``.

        Parameters
        ----------
        node_id : int
            Brightway node id of the target activity.
        ref : ActivityRef
            The target as users see it.
        amount : float
            Units of the target's reference product [unit of the target].
        method : tuple
            A resolved method tuple (:meth:`method`).
        """
        system = self.system()
        col = system.col_of[node_id]
        demand = np.zeros(system.n)
        demand[system.product_row[col]] = amount
        x = self.solve(demand)
        # a waste treatment (negative reference amount): its supply chain is checked as treated (x negated)
        sign = float(system.signs()[col])
        # avoided burdens: computed as bw2calc does, with a note; a loop consuming more than it makes: refused
        notes = negative_supply.check(system, sign * x, ref.ref, lambda c: str(self.columns()["ref"][c]))
        if sign < 0:
            notes = [negative_supply.waste_note(ref.ref, amount)] + notes
        bridge = self.bridge()
        if bridge is not None:
            bridge.check_supply(system, sign * x)  # an unmapped material: InputError naming it and the mapping
        self._check_declared_pcfs(x, method, ref)
        c = self.characterization(method)
        g = system.B @ x  # inventory by flow row
        direct = self.direct(method) * x  # characterized direct emissions by activity
        total = float(c @ g)
        if not math.isfinite(total):
            raise LcaError(f"the footprint of {ref.ref} is not finite; check the data of its supply chain")
        cols = self.columns()
        nz = np.nonzero(direct)[0]  # only the activities that emit (a table over all nodes is slow)
        nz = nz[np.argsort(-np.abs(direct[nz]), kind="stable")]
        by_process = pd.DataFrame({
            "ref": cols["ref"][nz], "name": cols["name"][nz], "location": cols["location"][nz],
            "score": direct[nz],
        })
        by_flow = self._by_flow(c * g)
        split = {part: float(self.characterization(sm) @ g) for part, sm in self.split_methods(method).items()}
        stages = self._by_stage(system, x, method)
        return Footprint(target=ref, amount=amount, method=method, score_unit=self.score_unit(method),
                         total=total, by_process=by_process.reset_index(drop=True), by_flow=by_flow,
                         by_stage=stages, split=split,
                         background=bridge.summary(system, x) if bridge is not None else {}, notes=notes)

    def footprints(self, method: tuple, database: str | None = None) -> pd.Series:
        """Every activity's cradle-to-gate score per unit of its product, indexed by ``database:code``."""
        if database is not None and database not in self._activate().databases:
            raise InputError(f"unknown database {database!r}; databases: {sorted(self._activate().databases)}")
        scores = self.scores(method)
        cols = self.columns()
        series = pd.Series(scores, index=pd.Index(cols["ref"], name="ref"), name=" | ".join(method))
        if database is not None:
            series = series[cols["database"] == database]
        bridge = self.bridge()
        if bridge is not None and bridge.unmapped:
            series = bridge.omit_dependents(series, self.system(), None if database is None
                                            else cols["database"] == database)
        loops, hit = self.cached("overproducing", lambda: negative_supply.overproducing_dependents(self.system()))
        if loops:
            hit_refs = set(cols["ref"][hit])
            negative_supply.refuse_overproducing(
                loops, [r for r in series.index if r in hit_refs], lambda c: str(cols["ref"][c]))
        bad = ~np.isfinite(series.values)
        if bad.any():
            refs = list(series.index[bad][:5])
            raise LcaError(f"{int(bad.sum())} footprint(s) are not finite, e.g. {', '.join(refs)}; check the "
                           "amounts of these activities and their inputs, and run `lca init` to check the project")
        return series

    def _check_declared_pcfs(self, x: np.ndarray, method: tuple, ref: ActivityRef) -> None:
        """A supplier-declared PCF is stored as its GWP100 CO2e; refuse it under other methods."""
        cols = self.columns()
        pcf = cols["is_pcf"]
        if pcf.any() and np.any(x[pcf] != 0) and not methods.pcf_characterizable(method):
            used = ", ".join(cols["ref"][pcf & (x != 0)][:5])
            raise LcaError(
                f"the supply chain of {ref.ref} uses supplier-declared PCFs ({used}), which are stated "
                f"in kg CO2e (IPCC AR6 GWP100) and cannot be characterized with {' | '.join(method)}; "
                "use GWP100 or EF3.1-climate"
            )

    def _by_flow(self, contributions: np.ndarray) -> pd.DataFrame:
        system = self.system()
        nz = np.nonzero(contributions)[0]
        names = self.flow_names()
        rows = [(names[int(system.flow_ids[r])][0], names[int(system.flow_ids[r])][1], float(contributions[r]))
                for r in nz]
        df = pd.DataFrame(rows, columns=["flow", "categories", "score"])
        df = df.groupby(["flow", "categories"], as_index=False)["score"].sum()
        return df.sort_values("score", key=np.abs, ascending=False).reset_index(drop=True)

    def _by_stage(self, system, x, method) -> dict:
        """Scores of foreground activities grouped by their ``stage`` field.

        A foreground activity's share is its own emissions plus the cradle-to-gate
        footprint of what it buys from the background, times its supply.
        """
        tol = 1e-12 * float(np.abs(x).max()) if len(x) else 0.0  # solver noise, not a real supply
        cols = self.columns()
        fg_cols = np.nonzero((np.abs(x) > tol) & ~cols["is_bg"])[0]
        if not len(fg_cols):
            return {}
        share = self._foreground_share_array(system, x, method, fg_cols)
        # group by stage (or name where no stage) without a Python loop over the columns
        codes = cols["stage_code"][fg_cols]
        sums = np.bincount(codes, weights=share, minlength=len(cols["stage_names"]))
        used = np.unique(codes)
        used = used[np.argsort(-np.abs(sums[used]), kind="stable")]
        return {str(cols["stage_names"][i]): float(sums[i]) for i in used}

    def _foreground_share_array(self, system, x, method, fg_cols: np.ndarray) -> np.ndarray:
        """Per foreground column of ``fg_cols``: (direct emissions + background inputs' footprints)
        x supply, by one sparse product.

        ``upstream[col] = -sum over input rows r (not col's own product row, supplied by a
        background activity) of A[r, col] * score(supplier of r)``; a background score placed
        on its product row and zero elsewhere makes that ``-(A^T s)[col]`` (the product row
        of a foreground column carries a foreground supplier, hence zero).
        """
        def build():
            cols = self.columns()
            s_row = np.zeros(system.n)
            bg = cols["is_bg"]
            s_row[system.product_row[bg]] = self.scores(method)[bg]
            return s_row

        s_row = self.cached(("bg_row_scores", method), build)
        sub = system.A[:, fg_cols]
        upstream = -(sub.T @ s_row)
        return x[fg_cols] * (self.direct(method)[fg_cols] + upstream)
