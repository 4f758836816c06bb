"""The bridge: green-lca's background codes computed on an imported release.

With ``background=NAME`` a project's product system keeps every node it has (models,
suppliers and the open ``background`` codes they link to), but the open background's own
matrices are replaced by one column per background code: produce one unit, buy ``factor``
units of the release dataset the mapping resolves it to (:mod:`lca.background.mapping`).
So ``background:steel-sheet`` scores exactly ``factor`` x the release's steel market, and
models and supply chains need no change to compute on the release. The bridge is an
in-memory bw_processing datapackage; nothing is written to the project.

A code that does not resolve keeps only its production (no inputs): :class:`Bridge`
records why, and the project refuses any result whose supply uses it
(:meth:`Bridge.check_supply`, :meth:`Bridge.dependents`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import inventory
from ..errors import InputError
from .mapping import Resolved, Resolver, grid_regions, mapping_file
from .release import backgrounds


@dataclass
class Bridge:
    """The bridged background columns of one release: resolutions and refusals by node id."""

    name: str
    mapping: str
    datapackage: object
    resolved: dict[int, Resolved] = field(default_factory=dict)
    unmapped: dict[int, InputError] = field(default_factory=dict)
    unmapped_codes: set = field(default_factory=set)
    warned: bool = False  # the left-out activities were reported once
    _dep: object = None  # dependents(), computed once (the bridge lives in one project state's cache)

    def check_supply(self, system, x: np.ndarray) -> None:
        """InputError (the first unmapped material's) if the supply ``x`` uses an unmapped code."""
        for node_id, err in self.unmapped.items():
            col = system.col_of.get(node_id)
            if col is not None and x[col] != 0:
                raise err

    def dependents(self, system) -> np.ndarray:
        """Boolean by column: the activity's supply chain uses an unmapped code."""
        if self._dep is not None and len(self._dep) == system.n:
            return self._dep
        e = np.zeros(system.n)
        for node_id in self.unmapped:
            col = system.col_of.get(node_id)
            if col is not None:
                e[col] = 1.0
        if not e.any():
            return np.zeros(system.n, dtype=bool)
        y = system.solve_adjoint(e)[system.product_row]
        self._dep = np.abs(y) > 0
        return self._dep

    def omit_dependents(self, series, system, select=None):
        """``series`` (scores by column, optionally ``select``-ed) without the activities whose supply
        chain uses an unmapped code: they have no score on this background, never a wrong one. The
        omitted refs are in ``.attrs["omitted"]`` and reported once on stderr."""
        import sys

        dep = self.dependents(system)
        if select is not None:
            dep = dep[select]
        if not dep.any():
            return series
        omitted = list(series.index[dep])
        series = series[~dep]
        series.attrs["omitted"] = omitted
        series.attrs["unmapped"] = sorted(self.unmapped_codes)
        if not self.warned:
            self.warned = True
            codes = sorted(self.unmapped_codes)
            print(f"lca: {len(omitted)} activities left out: their supply chains use materials not mapped to "
                  f"{self.name!r} ({', '.join(codes[:8])}{'...' if len(codes) > 8 else ''}; mapping "
                  f"{self.mapping})", file=sys.stderr)
        return series

    def used(self, system, x: np.ndarray) -> list[dict]:
        """The resolutions a supply ``x`` uses (background code -> release dataset), largest supply first."""
        out = []
        for node_id, r in self.resolved.items():
            col = system.col_of.get(node_id)
            if col is not None and x[col] != 0:
                out.append((abs(float(x[col])), r))
        out.sort(key=lambda t: -t[0])
        return [r.to_dict() for _, r in out]

    def summary(self, system, x: np.ndarray) -> dict:
        """What a result says about its background: name, mapping, Chinese grid regions used, datasets."""
        used = self.used(system, x)
        regions = {}
        table = grid_regions()
        for u in used:
            code = u["code"]
            if code.startswith("electricity-cn"):
                loc = inventory.load_background().datasets.get(code, {}).get("location")
                if loc in table:
                    regions[loc] = u["location"]
        return {"name": self.name, "mapping": self.mapping, "cn_grid_regions": regions,
                "cn_grid_method": "the grid region's electricity market (not a provincial mix), by the province -> "
                                  "grid region table inventories/mappings/cn-grid-regions.csv",
                "datasets": used}


def known(bd, name: str) -> dict:
    """The metadata of imported background ``name``; InputError listing the backgrounds if there is none."""
    have = backgrounds(bd)
    if name not in have:
        raise InputError(f"background {name!r} is not imported in this project; backgrounds: "
                         f"{', '.join(['background (the open default)'] + sorted(have))}. Import one with "
                         "`lca background import DIR --name NAME`")
    return have[name]


def _check_factors(bd, name: str, meta: dict) -> None:
    """InputError if the release flows' factors (their 3.9 twins', :mod:`lca.background.flows`) are gone."""
    from bw2data.backends import ActivityDataset as AD

    from .flows import missing_factors

    gone = missing_factors(bd, AD, meta.get("twins") or {})
    if gone:
        methods = sorted({" | ".join(m) for m, _ in gone})
        raise InputError(f"{len({c for _, c in gone})} release flow(s) of background {name!r} lost their "
                         f"characterization factors in {len(methods)} method(s) (e.g. {methods[0]}): the methods "
                         f"were rewritten after the import. Import it again: lca background import "
                         f"{meta.get('source', 'DIR')} --name {name}")


def build(bd, name: str, nodes) -> Bridge:
    """The bridge datapackage for background ``name`` over the project's node table ``nodes``."""
    import bw_processing as bwp

    meta = known(bd, name)
    _check_factors(bd, name, meta)
    path = meta.get("mapping") or str(mapping_file(meta.get("release"), meta.get("system_model")))
    if not meta.get("mapping") and not mapping_file(meta.get("release"), meta.get("system_model")).exists():
        raise InputError(f"background {name!r} is release {meta.get('release') or 'unknown (not recorded)'}: models "
                         f"and supplier materials on it need a material mapping "
                         f"{Path(path).name if meta.get('release') else 'ecoinvent-<release>-cutoff.csv'}, which green-lca "
                         "does not ship (it has "
                         f"{', '.join(sorted(p.name for p in Path(path).parent.glob('ecoinvent-*.csv')))}); import "
                         f"it again with --release X.Y (the release it is) or --mapping FILE.csv (a mapping of your "
                         f"own; source {meta.get('source')})")
    rel = nodes[nodes["database"] == name]
    id_of = dict(zip(rel["code"], rel["id"]))
    resolver = Resolver(name, path, zip(rel["code"], rel["name"], rel["product"], rel["location"], rel["unit"]))
    bg = nodes[nodes["database"] == inventory.BACKGROUND_DB]
    rows, cols, vals, flips = [], [], [], []
    bridge = Bridge(name=name, mapping=str(path), datapackage=None)
    for node_id, code in zip(bg["id"].astype(int), bg["code"]):
        rows.append(node_id)
        cols.append(node_id)
        vals.append(1.0)
        flips.append(False)
        try:
            r = resolver.resolve(code)
        except InputError as exc:
            bridge.unmapped[node_id] = exc
            bridge.unmapped_codes.add(code.split("@")[0])
            continue
        bridge.resolved[node_id] = r
        rows.append(int(id_of[r.key[1]]))
        cols.append(node_id)
        vals.append(r.factor)
        flips.append(True)
    dp = bwp.create_datapackage(sum_intra_duplicates=True, sum_inter_duplicates=False)
    indices = np.array(list(zip(rows, cols)), dtype=bwp.INDICES_DTYPE)
    dp.add_persistent_vector(matrix="technosphere_matrix", name=f"bridge-{name}", indices_array=indices,
                             data_array=np.array(vals, dtype=np.float64), flip_array=np.array(flips, dtype=bool))
    bridge.datapackage = dp
    return bridge
