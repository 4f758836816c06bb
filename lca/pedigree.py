"""Pedigree scores -> lognormal uncertainty of an inventory amount (pure functions over the table).

The table is ``inventories/uncertainty.toml`` (read by :func:`lca.inventory.uncertainty_table`):
``sigma = sqrt(basic variance + sum of the five pedigree variances)`` of ln(amount), after the
ecoinvent v3 data quality guideline (Weidema et al. 2013); the amount is the median. Brightway
stores it as ``uncertainty type`` 2, ``loc = ln|amount|``, ``scale = sigma``, ``negative``.
"""
from __future__ import annotations

import math

from .errors import InputError

PEDIGREE_KEYS = ("reliability", "completeness", "temporal", "geographical", "technological")
BW_LOGNORMAL = 2


def pedigree_sigma_of(table: dict, scores, basic: str = "technosphere") -> float:
    """sigma of ln(amount) [-] for pedigree ``scores`` (reliability .. technological, each 1..5)."""
    t = table["pedigree"]
    var = float(t["basic_variance"].get(basic, t["basic_variance"]["other"]))
    if len(scores) != 5:
        raise InputError(f"pedigree {scores!r}: give five scores (reliability, completeness, temporal, "
                         "geographical, technological), each 1..5")
    for key, s in zip(PEDIGREE_KEYS, scores):
        s = int(s)
        if not 1 <= s <= 5:
            raise InputError(f"pedigree score {key}={s} is outside 1..5")
        var += float(t["variance"][key][s - 1])
    return math.sqrt(var)


def basic_kind(exchange_type: str, flow_or_input: str | None) -> str:
    """The basic-variance kind of an exchange: ``technosphere``, ``transport``, a CO2 flow or ``other``."""
    if exchange_type == "technosphere":
        return "transport" if str(flow_or_input or "").startswith("transport") else "technosphere"
    if flow_or_input in ("CO2 fossil", "CO2 non-fossil"):
        return flow_or_input
    return "other"


def background_pedigree(table: dict, ds: dict) -> list[int]:
    """Pedigree scores of a background dataset: its category's row; reliability 4 if it carries an ``estimate``."""
    cats = table["background"]["category"]
    scores = list(cats.get(ds.get("category"), cats["default"])["pedigree"])
    if ds.get("estimate"):
        scores[0] = max(scores[0], 4)
    return scores


def lognormal_fields(amount: float, sigma: float) -> dict:
    """Brightway uncertainty fields of a lognormal amount (median ``amount``), or ``{}`` if it is exact."""
    amount = float(amount)
    if amount == 0 or sigma <= 0 or not math.isfinite(amount):
        return {}
    return {"uncertainty type": BW_LOGNORMAL, "loc": math.log(abs(amount)), "scale": float(sigma),
            "negative": amount < 0}
