"""Calculation: footprints of targets and of every activity, shaped into results.

The mixin :class:`Calculation` gives :class:`lca.project.Project` its queries: it
resolves methods, takes the matrices and the kept factorization from
:mod:`lca.engine`, and shapes supplies into :class:`lca.results.Footprint`
(by process, by gas, by stage, fossil/biogenic split). It owns no state of its
own beyond the per-generation cache the project drops after any write.
"""
from __future__ import annotations

import difflib
import functools
import math

import numpy as np
import pandas as pd

from . import engine, inventory
from .errors import InputError, LcaError
from .results import ActivityRef, Footprint
from .units import float32_problem

GWP100 = ("IPCC 2021", "climate change", "global warming potential (GWP100)")
METHOD_ALIASES = {
    "GWP100": GWP100,
    "GWP20": ("IPCC 2021", "climate change", "global warming potential (GWP20)"),
    "EF3.1-climate": ("EF v3.1", "climate change", "global warming potential (GWP100)"),
}
# Sub-indicators used for the fossil / biogenic / land-use split of a climate method.
SPLIT_CATEGORIES = {
    "IPCC 2021": {"fossil": "climate change: fossil", "biogenic": "climate change: biogenic",
                  "land_use": "climate change: land use"},
    "EF v3.1": {"fossil": "climate change: fossil", "biogenic": "climate change: biogenic",
                "land_use": "climate change: land use and land use change"},
}


def _snapshot(fn):
    """Public queries see one consistent project state.

    Waits (shared lock) while another process writes; at the start of the outermost
    call drops caches if any process wrote since (generation), never in the middle.
    """
    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        if self._busy:
            return fn(self, *args, **kwargs)
        with self.lock(shared=True):
            self._activate()
            self._busy += 1
            try:
                return fn(self, *args, **kwargs)
            finally:
                self._busy -= 1

    return wrapper


def _check_amount(amount) -> float:
    try:
        value = float(amount)
    except (TypeError, ValueError):
        raise InputError(f"amount {amount!r} is not a number") from None
    problem = float32_problem(value)
    if problem:
        raise InputError(f"amount {problem}: give a finite number within the float32 range")
    return value


class Calculation:
    """Footprint queries of a project (mixed into :class:`lca.project.Project`)."""

    def _system(self) -> engine.System:
        if "system" not in self._cache:
            from .project import _quiet  # Brightway's chatter to stderr

            bd = self._activate()
            names = [n for n in bd.databases if n != inventory.BIOSPHERE_DB]
            nodes = self._node_table()
            bridge = self._bridge()
            if bridge is not None:  # the open background's codes resolve to an imported release
                names = [n for n in names if n != inventory.BACKGROUND_DB]
            with _quiet():
                dps = [bd.Database(n).datapackage() for n in names]
            if bridge is not None:
                dps.append(bridge.datapackage)
            first = int(nodes[nodes["database"] == inventory.BACKGROUND_DB]["id"].iloc[0])
            try:
                self._cache["system"] = engine.build_system(dps, first)
            except engine.NonSquareSystemError as exc:
                refs = [str(nodes.loc[i, "ref"]) if i in nodes.index else f"node id {i}" for i in exc.node_ids]
                more = f" (and {len(refs) - 10} more)" if len(refs) > 10 else ""
                raise LcaError(f"{exc} Activities or products concerned: {', '.join(refs[:10]) or 'none found'}"
                               f"{more}. Give each a production exchange of its own product.") from None
        return self._cache["system"]

    def _bridge(self):
        """The :class:`lca.background.bridge.Bridge` of ``self.background`` (None on the open background)."""
        if not getattr(self, "background", None):
            return None
        if "bridge" not in self._cache:
            from .background import bridge

            self._cache["bridge"] = bridge.build(self._activate(), self.background, self._node_table())
        return self._cache["bridge"]

    def _background_dbs(self) -> set:
        """Databases whose nodes count as background in results: the open one and imported ones."""
        from .background import release

        return {inventory.BACKGROUND_DB} | set(release.backgrounds(self._activate()))

    def method(self, method) -> tuple:
        """Short name (``GWP100``, ``GWP20``, ``EF3.1-climate``) or tuple -> Brightway method tuple."""
        bd = self._activate()
        if isinstance(method, str):
            if method in METHOD_ALIASES:
                return METHOD_ALIASES[method]
            close = difflib.get_close_matches(method, list(METHOD_ALIASES), n=3)
            raise InputError(f"unknown method {method!r}; use one of {sorted(METHOD_ALIASES)} "
                             f"or a Brightway method tuple{' (did you mean ' + close[0] + '?)' if close else ''}")
        tup = tuple(method)
        if tup not in bd.methods:
            close = difflib.get_close_matches(" | ".join(tup), [" | ".join(m) for m in bd.methods], n=3)
            raise InputError(f"unknown method {tup}; closest: {close}. Use a short name "
                             f"({', '.join(METHOD_ALIASES)}) or a method tuple of this project: "
                             "`lca info` lists how many there are and the short names")
        return tup

    def _c(self, method: tuple) -> np.ndarray:
        key = ("c", method)
        if key not in self._cache:
            bd = self._activate()
            system = self._system()
            cfs = []
            for flow, cf in bd.Method(method).load():
                fid = flow if isinstance(flow, int) else bd.get_id(tuple(flow))
                cfs.append((fid, float(cf)))
            self._cache[key] = engine.characterization_vector(system, cfs, method)
        return self._cache[key]

    def _scores(self, method: tuple) -> np.ndarray:
        key = ("scores", method)
        if key not in self._cache:
            system = self._system()
            self._cache[key] = self._guarded(lambda: engine.all_scores(system, self._c(method)))
        return self._cache[key]

    def _guarded(self, fn):
        try:
            return fn()
        except engine.SingularSystemError as exc:
            nodes = self._node_table()
            names = [f"{nodes.loc[i, 'ref']} ({nodes.loc[i, 'name']})" for i in exc.node_ids if i in nodes.index]
            raise LcaError(
                "the product system is singular (no unique solution); activities whose net "
                f"production is zero or negative: {', '.join(names[:10]) or 'none found (check loops)'}. "
                "Fix their production amount or self-consumption."
            ) from None

    def _split_methods(self, method: tuple) -> dict[str, tuple]:
        bd = self._activate()
        cats = SPLIT_CATEGORIES.get(method[0])
        if not cats or len(method) < 3 or method[1] != "climate change":
            return {}
        out = {}
        for part, cat in cats.items():
            m = (method[0], cat, method[2])
            if m in bd.methods:
                out[part] = m
        return out

    @_snapshot
    def footprint(self, target, amount: float = 1.0, method="GWP100") -> Footprint:
        """Cradle-to-gate footprint of ``amount`` units of ``target``."""
        amount = _check_amount(amount)
        m = self.method(method)
        node_id, ref = self.resolve_target(target)
        system = self._system()
        nodes = self._node_table()
        col = system.col_of[node_id]
        demand = np.zeros(system.n)
        demand[system.product_row[col]] = amount
        x = self._guarded(lambda: system.solve(demand))
        negative = engine.check_supply(system, x)
        if negative:
            names = [nodes.loc[int(system.activity_ids[c]), "ref"] for c in negative[:10]]
            raise LcaError(
                f"negative supply in the product system of {ref.ref}: {', '.join(names)}. "
                "A loop consumes more than it produces; check the amounts in that loop."
            )
        bridge = self._bridge()
        if bridge is not None:
            bridge.check_supply(system, x)  # an unmapped material: InputError naming it and the mapping
        self._check_declared_pcfs(x, m, ref)
        c = self._c(m)
        g = system.B @ x  # inventory by flow row
        direct = self._direct(m) * x  # characterized direct emissions by activity
        total = float(c @ g)
        if not math.isfinite(total):
            raise LcaError(f"the footprint of {ref.ref} is not finite; check the data of its supply chain")
        cols = self._columns()
        nz = np.nonzero(direct)[0]  # only the activities that emit (a table over all nodes is slow)
        nz = nz[np.argsort(-np.abs(direct[nz]), kind="stable")]
        by_process = pd.DataFrame({
            "ref": cols["ref"][nz], "name": cols["name"][nz], "location": cols["location"][nz],
            "score": direct[nz],
        })
        by_flow = self._by_flow(c * g)
        split = {part: float(self._c(sm) @ g) for part, sm in self._split_methods(m).items()}
        stages = self._by_stage(system, x, m)
        fp = Footprint(target=ref, amount=amount, method=m, score_unit=self._score_unit(m), total=total,
                       by_process=by_process.reset_index(drop=True), by_flow=by_flow, by_stage=stages,
                       split=split)
        if hasattr(target, "extras"):
            fp.extras = target.extras(fp)
        if bridge is not None:
            fp.background = bridge.summary(system, x)
        return fp

    def _check_declared_pcfs(self, x: np.ndarray, method: tuple, ref: ActivityRef) -> None:
        """A supplier-declared PCF is stored as its GWP100 CO2e; refuse it under other methods."""
        from .supply import rollup

        cols = self._columns()
        pcf = cols["is_pcf"]
        if pcf.any() and np.any(x[pcf] != 0) and not rollup.pcf_characterizable(method):
            used = ", ".join(cols["ref"][pcf & (x != 0)][:5])
            raise LcaError(
                f"the supply chain of {ref.ref} uses supplier-declared PCFs ({used}), which are stated "
                f"in kg CO2e (IPCC AR6 GWP100) and cannot be characterized with {' | '.join(method)}; "
                "use GWP100 or EF3.1-climate"
            )

    def _score_unit(self, method: tuple) -> str:
        bd = self._activate()
        return bd.methods.get(method, {}).get("unit") or "kg CO2-Eq"

    def _by_flow(self, contributions: np.ndarray) -> pd.DataFrame:
        self._activate()
        system = self._system()
        nz = np.nonzero(contributions)[0]
        if "flow_names" not in self._cache:
            from bw2data.backends import ActivityDataset as AD

            self._cache["flow_names"] = {
                i: (n, "::".join(d.get("categories", ())))
                for i, n, d in AD.select(AD.id, AD.name, AD.data).where(AD.database == inventory.BIOSPHERE_DB).tuples()
            }
        names = self._cache["flow_names"]
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
        cols = self._columns()
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
        key = ("bg_row_scores", method)
        if key not in self._cache:
            cols = self._columns()
            s_row = np.zeros(system.n)
            bg = cols["is_bg"]
            s_row[system.product_row[bg]] = self._scores(method)[bg]
            self._cache[key] = s_row
        A = system.A
        sub = A[:, fg_cols]
        upstream = -(sub.T @ self._cache[key])
        return x[fg_cols] * (self._direct(method)[fg_cols] + upstream)

    def _direct(self, method: tuple) -> np.ndarray:
        """Characterized direct emissions per unit of each activity (``B^T c``), by column."""
        key = ("direct", method)
        if key not in self._cache:
            self._cache[key] = np.asarray(self._system().B.T @ self._c(method)).ravel()
        return self._cache[key]

    def _columns(self) -> dict:
        """Node attributes in system column order (ref, name, location, database, stage label, is_bg)."""
        if "columns" not in self._cache:
            system = self._system()
            nodes = self._node_table().loc[system.activity_ids]
            stage = nodes["stage"].where(nodes["stage"].notna() & (nodes["stage"] != ""), nodes["name"])
            stage_code, stage_names = pd.factorize(stage.fillna("").astype(str).to_numpy(object))
            self._cache["columns"] = {
                "ref": nodes["ref"].to_numpy(object), "name": nodes["name"].to_numpy(object),
                "location": nodes["location"].to_numpy(object), "database": nodes["database"].to_numpy(object),
                "stage_code": stage_code, "stage_names": stage_names,  # stage label (else name) per column
                "is_bg": nodes["database"].isin(self._background_dbs()).to_numpy(bool),
                # supplier-declared PCF stand-ins (lca.supply.link: code COMPANY/pcf:ID)
                "is_pcf": ((nodes["database"] != inventory.BACKGROUND_DB)
                           & nodes["code"].str.contains("/pcf:", regex=False)).to_numpy(bool),
            }
        return self._cache["columns"]

    @_snapshot
    def footprints(self, method="GWP100", database: str | None = None) -> pd.Series:
        """Every activity's cradle-to-gate score per unit of its product, by one adjoint solve."""
        m = self.method(method)
        bd = self._activate()
        if database is not None and database not in bd.databases:
            raise InputError(f"unknown database {database!r}; databases: {sorted(bd.databases)}")
        scores = self._scores(m)
        cols = self._columns()
        series = pd.Series(scores, index=pd.Index(cols["ref"], name="ref"), name=" | ".join(m))
        if database is not None:
            series = series[cols["database"] == database]
        bridge = self._bridge()
        if bridge is not None and bridge.unmapped:
            # activities whose supply chain uses a code without a mapping have no score on this
            # background: left out (named in .attrs and on stderr), never given a wrong number
            dep = bridge.dependents(self._system())
            if database is not None:
                dep = dep[cols["database"] == database]
            if dep.any():
                omitted = list(series.index[dep])
                series = series[~dep]
                series.attrs["omitted"] = omitted
                series.attrs["unmapped"] = sorted(bridge.unmapped_codes)
                import sys

                if not bridge.warned:
                    bridge.warned = True
                    print(f"lca: {len(omitted)} activities left out: their supply chains use materials not mapped "
                          f"to {self.background!r} ({', '.join(sorted(bridge.unmapped_codes)[:8])}"
                          f"{'...' if len(bridge.unmapped_codes) > 8 else ''}; mapping {bridge.mapping})",
                          file=sys.stderr)
        bad = ~np.isfinite(series.values)
        if bad.any():
            refs = list(series.index[bad][:5])
            raise LcaError(f"{int(bad.sum())} footprint(s) are not finite, e.g. {', '.join(refs)}; check the "
                           "amounts of these activities and their inputs, and run `lca init` to check the project")
        return series
