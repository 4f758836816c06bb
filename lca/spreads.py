"""Uncertainty spreads that cannot be sampled: NaN, infinite or negative, refused naming the dataset and the exchange.

A distribution's spread (``scale``, ``shape``) or bounds (``minimum``, ``maximum``) that is
NaN, infinite or negative has no defined sample; it is refused, never replaced by a fixed
value. Processed Brightway arrays carry NaN for the fields a distribution does not use,
so only the fields each stats_arrays distribution needs (:data:`SPREAD_FIELDS`) are checked.
"""
from __future__ import annotations

import numpy as np

from .errors import InputError

# stats_arrays distribution ids -> the spread fields they need
SPREAD_FIELDS = {2: ("scale",), 3: ("scale",), 4: ("minimum", "maximum"), 5: ("minimum", "maximum"),
                 6: (), 7: ("minimum", "maximum"), 8: ("scale", "shape"), 9: ("scale", "shape"),
                 10: ("shape",), 11: ("scale", "shape"), 12: ("scale", "shape")}
NAMES = {2: "lognormal", 3: "normal", 4: "uniform", 5: "triangular", 6: "bernoulli", 7: "discrete uniform",
         8: "weibull", 9: "gamma", 10: "beta", 11: "generalized extreme value", 12: "student's t"}
MAX_NAMED = 10


def bad_entries(dist) -> np.ndarray:
    """Indices of the entries of a bw_processing distributions array whose needed spread is not usable."""
    kind = np.asarray(dist["uncertainty_type"], np.int64)
    bad = np.zeros(len(kind), bool)
    fields = set(dist.dtype.names or ())
    for k, need in SPREAD_FIELDS.items():
        sel = kind == k
        if not sel.any():
            continue
        for f in need:
            if f not in fields:
                continue
            v = np.asarray(dist[f], dtype=np.float64)[sel]
            wrong = ~np.isfinite(v) | ((v < 0) if f in ("scale", "shape") else False)
            bad[np.nonzero(sel)[0][wrong]] = True
    return np.nonzero(bad)[0]


def refuse(dist, indices, data, matrix: str) -> None:
    """InputError naming dataset (consumer) and exchange (input) of every unusable spread of ``dist``."""
    bad = bad_entries(dist)
    if not len(bad):
        return
    from bw2data.backends import ActivityDataset as AD

    ids = {int(i) for b in bad[:MAX_NAMED] for i in (indices["row"][b], indices["col"][b])}
    names = {i: f"{n!r} ({db}:{c})" for i, db, c, n in AD.select(AD.id, AD.database, AD.code, AD.name)
             .where(AD.id << list(ids)).tuples()}
    matrix = matrix.replace("_matrix", "")
    lines = []
    for b in bad[:MAX_NAMED]:
        k = int(dist["uncertainty_type"][b])
        fields = ", ".join(f"{f} {float(dist[f][b])!r}" for f in SPREAD_FIELDS.get(k, ()) if f in dist.dtype.names)
        lines.append(f"dataset {names.get(int(indices['col'][b]), indices['col'][b])}: {matrix} input "
                     f"{names.get(int(indices['row'][b]), indices['row'][b])}, amount {float(data[b])!r}: "
                     f"{NAMES.get(k, k)} distribution "
                     f"with {fields}")
    more = f" (and {len(bad) - MAX_NAMED} more)" if len(bad) > MAX_NAMED else ""
    raise InputError(f"{len(bad)} uncertainty distribution(s) with a NaN, infinite or negative spread cannot be "
                     "sampled (they are not replaced by a fixed value): " + "; ".join(lines) + more
                     + ". Correct the spread or remove the distribution (uncertainty type 0) in the database")
