"""Results: typed, plain-data footprints and carbon profiles with ``to_dict`` / ``to_json``.

Nothing here computes a footprint; the calculator (:mod:`lca.calc`) and the
roll-up (:mod:`lca.supply.rollup`) fill these in. JSON is written with
``allow_nan=False``: a non-finite number is refused. Files (Excel, PACT JSON,
plots) are written by :mod:`lca.report` from these objects; the ``to_excel`` /
``to_pact`` / ``plot`` methods only delegate there (``lca.report`` never imports
this module, so there is no cycle).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError, LcaError

# the axes of CarbonProfile.array, in order
DIMENSIONS = ("tier", "supplier", "material", "stage", "gas", "region")


@dataclass(frozen=True)
class ActivityRef:
    """A Brightway activity as users see it: ``ref`` is ``"database:code"``."""

    ref: str
    name: str
    product: str | None
    location: str | None
    unit: str | None

    @property
    def key(self) -> tuple[str, str]:
        db, code = self.ref.split(":", 1)
        return db, code

    def to_dict(self) -> dict:
        """The one JSON shape of a target (``target`` of every result's ``to_dict``)."""
        return {"ref": self.ref, "name": self.name, "product": self.product,
                "location": self.location, "unit": self.unit}


def finite(value: float, what: str) -> float:
    """``value`` as a float, or :class:`LcaError` if it is NaN or infinite."""
    value = float(value)
    if not math.isfinite(value):
        raise LcaError(f"{what} is not finite ({value}); refusing to report it")
    return value


def dumps(obj: dict, indent: int | None = None) -> str:
    """JSON text; NaN and infinity are refused (``allow_nan=False``)."""
    try:
        return json.dumps(obj, ensure_ascii=False, allow_nan=False, indent=indent)
    except ValueError as exc:
        raise LcaError(f"refusing to write a non-finite number to JSON: {exc}") from exc


@dataclass
class Footprint:
    """Cradle-to-gate footprint of ``amount`` units of a target, under one method.

    ``by_process``: DataFrame (ref, name, location, score), largest first;
    ``by_flow``: DataFrame (flow, categories, score), largest first; ``by_stage``:
    ``{stage: score}`` where the target defines stages; ``split``: fossil,
    biogenic and land-use parts (IPCC 2021 sub-indicators) where available;
    ``extras``: other reference units of a model (per pack, per module, per m2...).
    """

    target: ActivityRef
    amount: float
    method: tuple
    score_unit: str
    total: float
    by_process: pd.DataFrame
    by_flow: pd.DataFrame
    by_stage: dict = field(default_factory=dict)
    split: dict = field(default_factory=dict)
    extras: dict = field(default_factory=dict)
    background: dict = field(default_factory=dict)  # an imported background: its name, mapping, datasets used
    notes: list = field(default_factory=list)  # e.g. avoided burdens (lca.negative_supply)
    warnings: list[str] = field(default_factory=list)  # e.g. a database changed outside green-lca

    @property
    def unit(self) -> str | None:
        return self.target.unit

    def to_dict(self, top: int | None = 50) -> dict:
        proc = self.by_process if top is None else self.by_process.head(top)
        flow = self.by_flow if top is None else self.by_flow.head(top)
        return {
            "target": self.target.to_dict(),
            "amount": finite(self.amount, f"amount of {self.target.ref}"),
            "method": list(self.method),
            "score_unit": self.score_unit,
            "total": finite(self.total, f"total of {self.target.ref}"),
            "by_stage": {k: finite(v, f"stage {k} of {self.target.ref}") for k, v in self.by_stage.items()},
            "by_process": [
                {"ref": r.ref, "name": r.name, "location": r.location, "score": finite(r.score, r.ref)}
                for r in proc.itertuples()
            ],
            "by_flow": [{"flow": r.flow, "categories": r.categories, "score": finite(r.score, r.flow)}
                        for r in flow.itertuples()],
            "split": {k: finite(v, f"{k} part of {self.target.ref}") for k, v in self.split.items()},
            "extras": _finite_tree(self.extras),
            **({"background": self.background} if self.background else {}),
            **({"notes": list(self.notes)} if self.notes else {}),
            **({"warnings": list(self.warnings)} if self.warnings else {}),
        }

    def to_json(self, indent: int | None = None) -> str:
        return dumps(self.to_dict(), indent=indent)


def _finite_tree(obj):
    if isinstance(obj, dict):
        return {str(k): _finite_tree(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite_tree(v) for v in obj]
    if isinstance(obj, float):
        return finite(obj, "value")
    return obj


@dataclass
class CarbonProfile:
    """Supply-chain carbon profile of one supplier product (see :mod:`lca.supply.rollup`).

    ``total`` and every breakdown are per ``declared_amount`` of ``declared_unit``
    [score_unit, kg CO2-Eq for climate methods].
    """

    product: str
    name: str
    company: str
    method: tuple
    score_unit: str
    declared_unit: str
    declared_amount: float
    mass_kg: float | None
    labels: dict[str, list]
    array: object  # sparse.COO over DIMENSIONS
    total_market_based: float
    primary_data_share: float
    dqi: dict[str, float]
    green_electricity_share: float | None
    recycled_share: float | None
    green_factory_share: float
    unresolved: list[dict]
    complete: bool
    not_characterized: list[dict] = field(default_factory=list)
    declared_pcf: float | None = None
    declared_pcfs: list[dict] = field(default_factory=list)
    suppliers: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reference_period: tuple[str | None, str | None] = (None, None)
    region: str | None = None
    fossil: float = 0.0
    biogenic: float = 0.0
    biogenic_uptake: float = 0.0
    processes: list[dict] = field(default_factory=list)  # largest direct emitters, as in `lca footprint`
    # outbound transport of the product: outside the cradle-to-gate total [score_unit per declared amount]
    distribution: float = 0.0
    distribution_lines: list[dict] = field(default_factory=list)
    line_items: list[dict] = field(default_factory=list)  # workbook line -> dataset -> amount x factor = contribution
    methodology: list[dict] = field(default_factory=list)  # {key, en, zh, text}: boundary, indicators, sources
    background: str | None = None  # the imported background database computed on; None = the open background
    electricity_kwh: float = 0.0         # traceable electricity of the chain [kWh per declared amount]
    green_electricity_kwh: float = 0.0   # of which renewable [kWh]
    recycled_unmodelled: list[dict] = field(default_factory=list)  # declared recycled shares no route modelled
    # the trail to the last dataset (lca.supply.trail): every contributing background dataset
    # {ref, name, contribution, source, year, geography, database}, and the companies' own direct lines
    # with their period; together they sum to the total
    background_datasets: list[dict] = field(default_factory=list)
    direct_lines: list[dict] = field(default_factory=list)

    # -- figures ---------------------------------------------------------------------
    @property
    def total(self) -> float:
        return float(self.array.data.sum()) if self.array.nnz else 0.0

    @property
    def total_per_declared_unit(self) -> float:
        return self.total / self.declared_amount

    @property
    def dqr(self) -> float:
        return self.dqi.get("overall", float("nan"))

    def by(self, dimension: str) -> pd.DataFrame:
        """Scores by one dimension (tier, supplier, material, stage, gas, region), largest first; sums to total."""
        if dimension not in DIMENSIONS:
            raise InputError(f"unknown dimension {dimension!r}; use one of {', '.join(DIMENSIONS)}")
        axis = DIMENSIONS.index(dimension)
        arr = self.array  # summed over the other axes (numpy: sparse's own reduction is compiled by numba per process)
        vec = np.bincount(arr.coords[axis], weights=arr.data, minlength=arr.shape[axis]) if arr.nnz \
            else np.zeros(arr.shape[axis])
        names = list(self.labels[dimension])
        # an axis without labels still has length 1 (sparse arrays need a shape): never more scores than labels
        df = pd.DataFrame({dimension: names, "score": np.asarray(vec, dtype=float).ravel()[:len(names)]})
        df = df[df["score"] != 0]
        if dimension == "tier":
            return df.reset_index(drop=True)
        return df.sort_values("score", key=np.abs, ascending=False).reset_index(drop=True)

    def by_dict(self, dimension: str) -> dict[str, float]:
        df = self.by(dimension)
        return {str(k): finite(v, f"{dimension} {k}") for k, v in zip(df[dimension], df["score"])}

    # -- outputs ---------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The JSON of ``lca profile --json``: the footprint's keys (``target``, ``amount``, ``by_process``,
        ``by_flow``...) beside the profile's own; each value computed once, the keys that repeat one
        (``amount`` = ``declared_amount``, ``by_flow`` = ``by_gas`` as rows) are the contract's."""
        total = finite(self.total, "total")
        amount = finite(self.declared_amount, "declared_amount")
        by = {d: self.by_dict(d) for d in DIMENSIONS}
        return {
            # the one shape of a target (ActivityRef.to_dict), and whose product it is
            "target": {**ActivityRef(self.product, self.name, self.name, self.region, self.declared_unit).to_dict(),
                       "company": self.company},
            "amount": amount,
            "method": list(self.method),
            "score_unit": self.score_unit,
            "total": total,
            "declared_unit": self.declared_unit,
            "declared_amount": amount,
            "total_per_declared_unit": finite(self.total_per_declared_unit, "total per declared unit"),
            "total_market_based": finite(self.total_market_based, "market-based total"),
            "mass_kg": None if self.mass_kg is None else finite(self.mass_kg, "mass"),
            "primary_data_share": finite(self.primary_data_share, "primary data share"),
            "dqr": finite(self.dqr, "dqr") if self.dqi else None,
            "dqi": {k: finite(v, k) for k, v in self.dqi.items()},
            "green_electricity_share": (None if self.green_electricity_share is None
                                        else finite(self.green_electricity_share, "green electricity share")),
            "recycled_share": None if self.recycled_share is None else finite(self.recycled_share, "recycled"),
            "green_factory_share": finite(self.green_factory_share, "green factory share"),
            "unresolved": list(self.unresolved),
            "complete": self.complete,
            "not_characterized": list(self.not_characterized),
            "declared_pcf": self.declared_pcf,
            "declared_pcfs": list(self.declared_pcfs),
            "suppliers": list(self.suppliers),
            "warnings": list(self.warnings),
            "fossil": finite(self.fossil, "fossil"), "biogenic": finite(self.biogenic, "biogenic"),
            # outside the cradle-to-gate total: the product's own outbound transport
            "distribution": finite(self.distribution, "distribution"),
            "distribution_lines": [{k: (finite(v, k) if isinstance(v, float) else v) for k, v in d.items()}
                                   for d in self.distribution_lines],
            "electricity_kwh": finite(self.electricity_kwh, "electricity"),
            "green_electricity_kwh": finite(self.green_electricity_kwh, "green electricity"),
            "recycled_unmodelled": list(self.recycled_unmodelled),
            "background_datasets": [dict(b, contribution=finite(b["contribution"], b["ref"]))
                                    for b in self.background_datasets],
            "direct_lines": [dict(o, contribution=finite(o["contribution"], f"{o['product']} row {o['row']}"))
                             for o in self.direct_lines],
            "methodology": {m["key"]: m["text"] for m in self.methodology},
            **({"background": self.background} if self.background else {}),
            **{f"by_{d}": by[d] for d in DIMENSIONS},
            # the keys of `lca footprint --json`, for tools that read both
            "by_process": list(self.processes),
            "by_flow": [{"flow": k, "score": v} for k, v in by["gas"].items()],
        }

    def to_json(self, indent: int | None = None) -> str:
        return dumps(self.to_dict(), indent=indent)

    def to_pact(self) -> dict:
        from .report import pact

        return pact.product_footprint(self)

    def to_excel(self, path) -> Path:
        from .report import excel

        return excel.write_profile(self, Path(path))

    def plot(self, path, lang: str = "en") -> Path:
        """Hotspot chart (PNG): by stage, supplier, material and tier; ``lang`` ``en`` or ``zh``."""
        from .report import plots

        return plots.hotspots(self, Path(path), lang=lang)

    def summary(self) -> str:
        lines = [f"{self.name} [{self.product}] ({self.company})",
                 f"  {self.declared_amount:g} {self.declared_unit}: {self.total:.6g} {self.score_unit} "
                 f"location-based, {self.total_market_based:.6g} market-based  ({' | '.join(self.method)})"]
        if self.distribution_lines:
            lines.append(f"  distribution (outbound transport, not in the cradle-to-gate total): "
                         f"{self.distribution:.6g} {self.score_unit}")
        if self.declared_pcf is not None:
            lines.append(f"  declared by the supplier: {self.declared_pcf:.6g}")
        lines.append(f"  primary data share {self.primary_data_share:.1f}%, DQR {self.dqr:.2f}, "
                     + (f"green electricity {self.green_electricity_share:.1f}%, "
                        if self.green_electricity_share is not None else "")
                     + (f"recycled content {self.recycled_share:.1f}%, " if self.recycled_share is not None else "")
                     + f"green factories {self.green_factory_share:.1f}%")
        if not self.complete:
            lines.append("  INCOMPLETE: unresolved " + ", ".join(u["reference"] for u in self.unresolved))
        for d in ("tier", "stage", "supplier", "material", "gas", "region"):
            lines.append(f"  by {d}:")
            for k, v in list(self.by_dict(d).items())[:8]:
                lines.append(f"    {k:<44} {v:>14.6g}")
        for w in self.warnings:
            lines.append(f"  warning: {w}")
        return "\n".join(lines)


PERCENTILES = (2.5, 5, 25, 50, 75, 95, 97.5)  # reported by Distribution.to_dict [%]


@dataclass
class Distribution:
    """Monte Carlo samples of a footprint (:func:`lca.uncertainty.uncertainty`).

    ``samples``: one score per sample [score unit] for ``amount`` units of ``target``;
    ``static``: the deterministic footprint; ``seed``: the seed that reproduces the samples.
    """

    target: ActivityRef
    amount: float
    method: tuple
    score_unit: str
    samples: "object"  # numpy array
    static: float
    seed: int
    settings: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(len(self.samples))

    @property
    def mean(self) -> float:
        return float(self.samples.mean())

    @property
    def median(self) -> float:
        return self.percentile(50)

    @property
    def std(self) -> float:
        return float(self.samples.std(ddof=1)) if self.n > 1 else 0.0

    def percentile(self, q: float) -> float:
        """The ``q``-th percentile [score unit] (numpy's linear interpolation)."""
        return float(np.percentile(self.samples, q))

    def percentiles(self, qs=PERCENTILES) -> dict:
        vals = np.percentile(self.samples, list(qs))
        return {f"p{q:g}": float(v) for q, v in zip(qs, vals)}

    def to_dict(self, samples: bool = False) -> dict:
        out = {"target": self.target.to_dict(), "amount": finite(self.amount, "amount"), "method": list(self.method),
               "score_unit": self.score_unit, "n": self.n, "seed": int(self.seed),
               "static": finite(self.static, "static value"), "mean": finite(self.mean, "mean"),
               "median": finite(self.median, "median"), "std": finite(self.std, "standard deviation")}
        out.update({k: finite(v, k) for k, v in self.percentiles().items()})
        out["settings"] = self.settings
        if samples:
            out["samples"] = [finite(float(v), "sample") for v in self.samples]
        return out

    def to_json(self, indent: int | None = None, samples: bool = False) -> str:
        return dumps(self.to_dict(samples=samples), indent=indent)

    def summary(self) -> str:
        p = self.percentiles()
        return (f"{self.target.ref} ({self.target.name}), {self.amount:g} {self.target.unit}, "
                f"{' | '.join(self.method)}:\n"
                f"  static {self.static:.6g} {self.score_unit}; Monte Carlo n={self.n}, seed={self.seed}\n"
                f"  mean {self.mean:.6g}, median {self.median:.6g}, std {self.std:.4g}\n"
                f"  p5 {p['p5']:.6g}  p25 {p['p25']:.6g}  p75 {p['p75']:.6g}  p95 {p['p95']:.6g}")

    def plot(self, path) -> Path:
        """Histogram with the static value and the 5th/50th/95th percentiles (PNG)."""
        from .report import uncertainty_plots

        return uncertainty_plots.histogram(self, Path(path))
