"""Line values: what one unit of each linked line is worth, by gas, in the project's solved system.

The roll-up's second step (after the tiers): for every line of the chain, its
value per one unit of its activity, split by gas --

- an emission line: its amount x the method's factor of its flow;
- a declared-PCF line: its amount x the declared kg CO2e (AR6 GWP100; 0 under
  other methods, see :func:`lca.methods.pcf_characterizable`);
- any other line: its amount x the per-gas cradle-to-gate score of its input
  (one adjoint solve per gas present, cached per method: :func:`gas_scores`);

and, for energy lines, the market-based minus the location-based value.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import inventory

PCF_GAS = "declared PCF (CO2e)"


@dataclass
class LineValues:
    """Per-line values (rows follow ``lines``) [score unit per unit of the line's activity]."""

    lines: list                  # the lines valued (lca.supply.lines.Line)
    gases: list[str]             # gas labels; the last is PCF_GAS
    by_gas: np.ndarray           # (lines, gases)
    market_delta: np.ndarray     # (lines,) market-based minus location-based (energy lines; else 0)

    @property
    def per_unit(self) -> np.ndarray:
        """Each line's value over all gases."""
        return self.by_gas.sum(axis=1)


def gas_scores(project, method: tuple) -> tuple[list[str], np.ndarray, dict[int, int]]:
    """Per-gas cradle-to-gate scores of every activity: (gas labels, array[columns, gases], flow row -> gas)."""
    return project.calc.cached(("gas_scores", method), lambda: _compute_gas_scores(project, method))


def _compute_gas_scores(project, method: tuple) -> tuple[list[str], np.ndarray, dict[int, int]]:
    calc = project.calc
    system = calc.system()
    c = calc.characterization(method)
    names = flow_alias_by_row(project)
    rows_with = np.nonzero(c)[0]
    present = set(system.B.tocsr()[rows_with].nonzero()[0])
    groups: dict[str, list[int]] = {}
    for i in sorted(present):
        r = int(rows_with[i])
        groups.setdefault(names.get(r, f"flow {int(system.flow_ids[r])}"), []).append(r)
    labels = sorted(groups)
    out = np.zeros((system.n, len(labels)))
    row_gas = {}
    for k, gas in enumerate(labels):
        c_gas = np.zeros_like(c)
        c_gas[groups[gas]] = c[groups[gas]]
        for r in groups[gas]:
            row_gas[r] = k
        y = calc.solve_adjoint(system.B.T @ c_gas)
        out[:, k] = y[system.product_row]
    return labels, out, row_gas


def flow_alias_by_row(project) -> dict[int, str]:
    """System flow row -> flow alias (``flows.csv``), else the biosphere name and categories."""
    return project.calc.cached(("flow_alias_rows",), lambda: _compute_flow_alias_by_row(project))


def _compute_flow_alias_by_row(project) -> dict[int, str]:
    system = project.calc.system()
    # the calculator's flow names (stored in the cold-start cache, keyed by the biosphere's fingerprint)
    by_id = {i: (n, tuple(c.split("::")) if c else ()) for i, (n, c) in project.calc.flow_names().items()}
    alias = {(f.name, f.categories): f.alias for f in inventory.flows().values()}
    # flows.csv lists alias and gas_code for the same flow; keep the alias (first spelling)
    out = {}
    for r, fid in enumerate(system.flow_ids):
        name = by_id.get(int(fid))
        if name is None:
            continue
        out[r] = alias.get(name) or (name[0] + (f" ({'::'.join(name[1])})" if name[1] else ""))
    return out


class ColumnLookup:
    """Brightway keys ``(database, code)`` and flow aliases -> the solved system's column / flow row."""

    def __init__(self, project):
        self.bd = project.activate()
        self.system = project.calc.system()
        self.codes = project.biosphere_codes()
        self._cols: dict = {}
        self._rows: dict = {}

    def column(self, key) -> int:
        key = tuple(key)
        if key not in self._cols:
            self._cols[key] = self.system.col_of[int(self.bd.get_id(key))]
        return self._cols[key]

    def flow_row(self, alias: str) -> int | None:
        if alias not in self._rows:
            node = self.bd.get_id((inventory.BIOSPHERE_DB, self.codes[alias]))
            self._rows[alias] = self.system.row_of_flow.get(node)
        return self._rows[alias]


def line_values(project, method: tuple, lines: list, pcf_ok: bool) -> LineValues:
    """The value of one unit of each line's activity, by gas (see module docstring)."""
    calc = project.calc
    scores = calc.scores(method)
    gas_labels, per_gas, row_gas = gas_scores(project, method)
    c = calc.characterization(method)
    lookup = ColumnLookup(project)
    n_gas = len(gas_labels) + 1
    by_gas = np.zeros((len(lines), n_gas))
    market_delta = np.zeros(len(lines))
    for k, line in enumerate(lines):
        if line.kind == "emission":
            r = lookup.flow_row(line.flow)
            if r is not None and c[r] != 0:
                by_gas[k, row_gas.get(r, 0)] = line.amount * c[r]
        elif line.kind == "supplier_pcf":
            by_gas[k, n_gas - 1] = line.amount * line.pcf_kgco2e if pcf_ok else 0.0
        else:
            col = lookup.column(line.input)
            by_gas[k, :n_gas - 1] = line.amount * per_gas[col]
            if line.kind == "energy":
                market_delta[k] = _market_based(line, scores, col, lookup, pcf_ok) - line.amount * scores[col]
    return LineValues(lines=lines, gases=gas_labels + [PCF_GAS], by_gas=by_gas, market_delta=market_delta)


def _market_based(line, scores: np.ndarray, col: int, lookup: ColumnLookup, pcf_ok: bool) -> float:
    """Market-based value of one unit of an energy line: supplier factor, contractual dataset, else the grid."""
    location_based = line.amount * scores[col]
    if line.mb_ef is not None:
        return line.amount * line.mb_ef if pcf_ok else location_based
    if line.mb_input is not None:
        return line.amount * scores[lookup.column(line.mb_input)]
    return location_based


def distribution_values(project, method: tuple, lines: list, amount: float) -> list[dict]:
    """The outbound-transport (distribution) lines of a product, valued for ``amount`` of it."""
    scores = project.calc.scores(method)
    lookup = ColumnLookup(project)
    out = []
    for line in lines:
        per_unit = float(scores[lookup.column(line.input)])
        out.append({"where": line.where, "mode": line.typed, "t_km": amount * line.amount,
                    "dataset": line.dataset, "factor": per_unit, "score": amount * line.amount * per_unit})
    return out
