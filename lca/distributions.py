"""Distributions of inventory numbers: parameter ranges, pedigree and DQR -> GSD, Brightway fields, quantiles.

Three sources of uncertainty, all data in ``inventories/``:

- a model parameter's ``dist`` (``inventories/parameters/*.toml``): ``uniform`` /
  ``triangular`` (``min``, ``max``; the mode is the parameter's value), ``lognormal``
  (``gsd``; the value is the median), ``normal`` (``sd``, optional ``min``/``max``
  clipping) or ``fixed`` (a design choice or a constant, with its reason);
- an inventory amount (background exchange, model step row): lognormal with the
  amount as median and ``sigma = sqrt(basic variance + pedigree variances)``
  (``inventories/uncertainty.toml``, after Weidema et al. 2013);
- supplier data: the mean data quality rating (DQR, 1..5) -> GSD, the explicit
  table ``[dqr] gsd`` of ``inventories/uncertainty.toml`` (green-lca's own; no
  standard defines one), linear between its rows.

Sampling is by inverse CDF (:func:`ppf`) of uniform numbers, so Monte Carlo and
Sobol designs (uniform in [0, 1]) share one code path. Brightway stores a
lognormal as ``uncertainty type`` 2 with ``loc = ln(|median|)``, ``scale = sigma``
and ``negative`` for negative amounts (:func:`lognormal_fields`).
"""
from __future__ import annotations

import math
import os
import tomllib
from pathlib import Path

import numpy as np

from . import inventory, pedigree
from .errors import InputError


def ndtri(u):
    """The standard normal quantile (``scipy.special.ndtri``, imported on first use: ~0.3 s of a cold start)."""
    from scipy.special import ndtri as _ndtri

    return _ndtri(u)


PEDIGREE_KEYS = pedigree.PEDIGREE_KEYS
DIST_TYPES = ("fixed", "uniform", "triangular", "lognormal", "normal")
# Brightway / stats_arrays uncertainty type ids
BW_UNDEFINED, BW_NONE, BW_LOGNORMAL, BW_NORMAL, BW_UNIFORM, BW_TRIANGULAR = 0, 1, 2, 3, 4, 5
_U_EPS = 1e-12  # uniform numbers are clipped to [eps, 1 - eps] before an inverse CDF [-]


# -- the data file --------------------------------------------------------------------------------
def table() -> dict:
    """``inventories/uncertainty.toml`` as a dict (pedigree variances, background categories, DQR table)."""
    return inventory.uncertainty_table()


def pedigree_sigma(scores, basic: str = "technosphere") -> float:
    """sigma of ln(amount) [-] for pedigree ``scores`` (reliability .. technological, each 1..5)."""
    return pedigree.pedigree_sigma_of(table(), scores, basic)


basic_kind = pedigree.basic_kind
lognormal_fields = pedigree.lognormal_fields


def dqr_gsd(dqr, gsd_table: list | None = None) -> float:
    """GSD [-] of a supplier amount from its DQR (one number or the technological, geographical, temporal triple).

    ``gsd_table``: the ``[dqr] gsd`` row as :func:`dqr_gsd_table` gave it (one read for many amounts,
    as linking a whole submission set does); default read now."""
    vals = [float(v) for v in (dqr if isinstance(dqr, (list, tuple)) else [dqr]) if v is not None]
    if not vals:
        vals = [3.0]
    mean = min(5.0, max(1.0, sum(vals) / len(vals)))
    row = tuple(gsd_table if gsd_table is not None else _dqr_table())
    key = (row, mean)
    got = _GSD.get(key)
    if got is None:  # a handful of distinct means: interpolated once each
        got = float(np.interp(mean, [1, 2, 3, 4, 5], row))
        if len(_GSD) > 4096:
            _GSD.clear()
        _GSD[key] = got
    return got


_GSD: dict = {}  # (gsd row, mean DQR) -> GSD


def dqr_gsd_table() -> list:
    """The ``[dqr] gsd`` row of ``inventories/uncertainty.toml`` (GSD at DQR 1..5), read now."""
    return list(_dqr_table())


_DQR: dict = {}  # (path, mtime, size) -> the [dqr] gsd row: one stat per call, not a re-hash of every file


_DIRS: dict = {}  # $LCA_INVENTORIES -> the inventories directory (resolved once per process)


def _dqr_table() -> list:
    env = os.environ.get("LCA_INVENTORIES")
    if env not in _DIRS:  # the file's path as text, built once (a Path per call cost more than the stat)
        _DIRS[env] = str(inventory.inventories_dir() / "uncertainty.toml")
    path = _DIRS[env]
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{path} is missing; reinstall green-lca") from None
    key = (path, st.st_mtime_ns, st.st_size)
    if key not in _DQR:
        _DQR.clear()
        _DQR[key] = [float(g) for g in tomllib.loads(Path(path).read_text(encoding="utf-8"))["dqr"]["gsd"]]
    return _DQR[key]


def dqr_uncertainty(amount: float, dqr, gsd_table: list | None = None) -> dict:
    """Brightway uncertainty fields of a supplier amount or declared PCF from its DQR (:func:`dqr_gsd`)."""
    return lognormal_fields(amount, math.log(dqr_gsd(dqr, gsd_table)))


# -- parameter distributions ---------------------------------------------------------------------
def check_dist(name: str, value: float, dist: dict | None, where: str = "") -> dict:
    """A parameter's ``dist`` validated against its value; InputError naming the parameter and file."""
    at = f" in {where}" if where else ""
    if not isinstance(dist, dict) or "type" not in dist:
        raise InputError(f"parameter {name}{at} has no dist = {{ type = ..., source = ... }}")
    kind = dist["type"]
    if kind not in DIST_TYPES:
        raise InputError(f"parameter {name}{at}: dist type {kind!r} is not one of {', '.join(DIST_TYPES)}")
    if not dist.get("source"):
        raise InputError(f"parameter {name}{at}: dist has no source")
    if kind in ("uniform", "triangular"):
        lo, hi = float(dist["min"]), float(dist["max"])
        if not lo <= value <= hi or lo >= hi:
            raise InputError(f"parameter {name}{at}: value {value} is outside its {kind} range [{lo}, {hi}]")
    elif kind == "lognormal":
        if float(dist["gsd"]) < 1 or value <= 0:
            raise InputError(f"parameter {name}{at}: lognormal needs gsd >= 1 and a positive value")
    elif kind == "normal" and float(dist["sd"]) < 0:
        raise InputError(f"parameter {name}{at}: normal needs sd >= 0")
    return dist


def ppf(dist: dict | None, value: float, u: np.ndarray) -> np.ndarray:
    """Inverse CDF of a parameter distribution at uniform numbers ``u`` (the value for ``fixed``/None).

    Triangular: mode = ``value``; lognormal: median = ``value``; normal: mean = ``value``, clipped to
    ``min``/``max`` when given."""
    u = np.clip(np.asarray(u, dtype=np.float64), _U_EPS, 1 - _U_EPS)
    kind = None if dist is None else dist.get("type")
    if kind in (None, "fixed"):
        return np.full(u.shape, float(value))
    if kind == "uniform":
        lo, hi = float(dist["min"]), float(dist["max"])
        return lo + (hi - lo) * u
    if kind == "triangular":
        lo, hi, c = float(dist["min"]), float(dist["max"]), float(value)
        fc = (c - lo) / (hi - lo)
        left = lo + np.sqrt(u * (hi - lo) * (c - lo))
        right = hi - np.sqrt((1 - u) * (hi - lo) * (hi - c))
        return np.where(u < fc, left, right)
    if kind == "lognormal":
        return float(value) * np.exp(math.log(float(dist["gsd"])) * ndtri(u))
    if kind == "normal":
        x = float(value) + float(dist["sd"]) * ndtri(u)
        return np.clip(x, dist.get("min", -np.inf), dist.get("max", np.inf))
    raise InputError(f"distribution type {kind!r} is not one of {', '.join(DIST_TYPES)}")


def bw_ppf(kind: np.ndarray, loc: np.ndarray, scale: np.ndarray, lo: np.ndarray, hi: np.ndarray,
           negative: np.ndarray, amount: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse CDF of Brightway-stored distributions, one row per exchange, columns = samples.

    Types: 2 lognormal (``loc`` = ln median, ``scale`` = sigma, sign from ``negative``), 3 normal
    (``loc``, ``scale``), 4 uniform (``min``, ``max``), 5 triangular (``min``, ``loc`` = mode, ``max``);
    anything else keeps ``amount``. Values are the exchange amounts before Brightway's sign flip."""
    u = np.clip(u, _U_EPS, 1 - _U_EPS)
    out = np.repeat(amount[:, None], u.shape[1], axis=1).astype(np.float64)
    m = kind == BW_LOGNORMAL
    if m.any():
        sign = np.where(negative[m], -1.0, 1.0)[:, None]
        out[m] = sign * np.exp(loc[m, None] + scale[m, None] * ndtri(u[m]))
    m = kind == BW_NORMAL
    if m.any():
        out[m] = loc[m, None] + scale[m, None] * ndtri(u[m])
    m = kind == BW_UNIFORM
    if m.any():
        out[m] = lo[m, None] + (hi[m, None] - lo[m, None]) * u[m]
    m = kind == BW_TRIANGULAR
    if m.any():
        a, b, c = lo[m, None], hi[m, None], loc[m, None]
        fc = (c - a) / (b - a)
        uu = u[m]
        out[m] = np.where(uu < fc, a + np.sqrt(uu * (b - a) * (c - a)), b - np.sqrt((1 - uu) * (b - a) * (b - c)))
    return out
