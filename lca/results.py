"""Results: typed, plain-data footprints and comparisons with ``to_dict`` / ``to_json``.

Nothing here computes a footprint; the engine and the project fill these in.
JSON is written with ``allow_nan=False``: a non-finite number is refused.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import pandas as pd

from .errors import LcaError


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

    @property
    def unit(self) -> str | None:
        return self.target.unit

    def to_dict(self, top: int | None = 50) -> dict:
        proc = self.by_process if top is None else self.by_process.head(top)
        flow = self.by_flow if top is None else self.by_flow.head(top)
        return {
            "target": {"ref": self.target.ref, "name": self.target.name, "unit": self.target.unit,
                       "location": self.target.location},
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
