"""Checks of a background database before it is written: production, self-consumption, solvability, amounts, spreads.

Every background path (an ecoSpold2 release folder, a database copied from another
Brightway project) runs :func:`check` on the complete data before anything is written
(:func:`lca.background.release._install`). A database that would make the project's
product system singular is refused here, so that one bad import cannot stop every other
footprint of the project:

- ``bad_production``: the reference (production) amount is zero or not finite. A negative
  reference amount is ecoinvent's convention for waste treatment (cut-off: -1 kg of the waste
  for its treatment; its producers have a negative input of it) and is accepted: the system
  is solvable as it is (bw2calc solves it so, and so does :mod:`lca.engine`);
- ``self_consumption``: the dataset consumes as much of its own product as it makes, or
  more: its net production is zero or of the other sign than its production exchange;
- ``bad_amount``: an amount that is not a finite float32 number;
- ``bad_spread``: an uncertainty distribution with a NaN, infinite or negative spread
  (scale, shape) or bounds (minimum > maximum), or an unknown distribution type;
- ``singular_block``: the technosphere of the new database on its own has no unique
  solution: a sparse LU of each strongly connected block (loop) of its own datasets fails,
  or its solution does not reproduce the demand, or a loop without avoided burdens gives a
  negative supply (it consumes more than it produces); the block's datasets are named.

Each refusal names the dataset (name, location, file or code) and the exchange (input name
and code, amount, unit). Pure: reads only the data it is given.
"""
from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from ..errors import InputError, InputIssue
from ..spreads import SPREAD_FIELDS
from ..units import FLOAT32_MAX, FLOAT32_TINY, float32_problem

MAX_NAMED = 10  # datasets of a singular block named in its message
RESIDUAL_TOL = 1e-6  # ||D x - 1|| / ||1|| accepted for a block's own solve [-]
UNCERTAINTY_TYPES = {0, 1} | set(SPREAD_FIELDS)


def dataset_label(d: dict) -> str:
    """``'name' (location, file or code)`` of a dataset as the user knows it."""
    where = d.get("filename") or d.get("code")
    loc = d.get("location")
    return f"{d.get('name')!r} ({', '.join(str(x) for x in (loc, where) if x)})"


def exchange_label(e: dict, inputs: dict) -> str:
    """``input 'name' (db:code), amount A unit`` of an exchange; names looked up in ``inputs`` when absent."""
    inp = tuple(e.get("input") or ())
    known = inputs.get(inp, {})
    name = e.get("name") or known.get("name")
    unit = e.get("unit") or known.get("unit") or ""
    code = ":".join(str(x) for x in inp).replace(".importing:", ":", 1) if inp else "no input"
    return f"{e.get('type')} input {name!r} ({code}), amount {e.get('amount')!r} {unit}".rstrip()


def _issue(code: str, message: str, d: dict) -> InputIssue:
    return InputIssue(sheet=None, row=None, column=None, code=code, message=message,
                      file=str(d.get("filename") or d.get("code")))


def check(database: str, data: list[dict], flows: dict | None = None) -> list[InputIssue]:
    """Every problem of ``data`` (datasets of ``database``, exchanges with ``input`` keys) as an issue.

    ``flows``: biosphere flow code -> flow dict (names and units of biosphere inputs in messages).
    Empty list: the database is safe to write (on its own it has a unique, finite solution).
    """
    inputs: dict[tuple, dict] = {(database, d.get("code")): d for d in data}
    for code, f in (flows or {}).items():
        inputs.setdefault(("biosphere3", code), f)
    issues: list[InputIssue] = []
    for d in data:
        issues += _dataset_issues(database, d, inputs)
    if not any(i.code in ("bad_production", "self_consumption", "bad_amount") for i in issues):
        issues += _solvability(database, data)
    return issues


def _dataset_issues(database: str, d: dict, inputs: dict) -> list[InputIssue]:
    out = []
    ds = dataset_label(d)
    own = (database, d.get("code"))
    production = 0.0
    self_use = 0.0
    for e in d.get("exchanges", ()):
        amount = e.get("amount")
        prob = float32_problem(amount)
        if prob:
            out.append(_issue("bad_amount", f"dataset {ds}: {exchange_label(e, inputs)}: {prob} (a finite "
                                               f"number within the float32 range: |x| <= {FLOAT32_MAX:g}, 0 or "
                                               f"|x| >= {FLOAT32_TINY:g}); correct it in the source", d))
            continue
        out += _spread_issues(d, e, ds, inputs)
        same = tuple(e.get("input") or ()) == own
        if e.get("type") == "production" and same:
            production += float(amount)
        elif e.get("type") == "technosphere" and same:
            self_use += float(amount)
        elif e.get("type") == "substitution" and same:
            self_use -= float(amount)
    prods = [e for e in d.get("exchanges", ()) if e.get("type") == "production"]
    if prods and not any(float32_problem(e.get("amount")) for e in prods):
        label = exchange_label(prods[0], inputs).replace("production input", "reference product", 1)
        if production == 0:
            out.append(_issue("bad_production", f"dataset {ds}: {label}: a reference amount of 0 makes "
                                                   "nothing (the product system would be singular); give the "
                                                   "amount the dataset makes", d))
        elif (production - self_use) * math.copysign(1.0, production) <= 0:  # a waste treatment: both negative
            e = next(e for e in d["exchanges"] if e.get("type") in ("technosphere", "substitution")
                     and tuple(e.get("input") or ()) == own)
            out.append(_issue("self_consumption", f"dataset {ds}: {exchange_label(e, inputs)} of its own "
                                                     f"product, {self_use:g} in all, against its production "
                                                     f"{production:g}: the net production is "
                                                     f"{production - self_use:g}, zero or of the other sign than "
                                                     "the production (the product system would be singular or "
                                                     "negative); correct the amounts", d))
    return out


def _spread_issues(d: dict, e: dict, ds: str, inputs: dict) -> list[InputIssue]:
    kind = e.get("uncertainty type", e.get("uncertainty_type"))
    if kind in (None, 0, 1):
        return []
    try:
        kind = int(kind)
    except (TypeError, ValueError):
        kind = -1
    where = f"dataset {ds}: {exchange_label(e, inputs)}"
    if kind not in UNCERTAINTY_TYPES:
        return [_issue("bad_spread", f"{where}: uncertainty type {e.get('uncertainty type')!r} is not a "
                                        "stats_arrays distribution (0-12); correct or remove it", d)]
    out = []
    for key in SPREAD_FIELDS[kind]:
        v = e.get(key)
        if v is None:
            continue
        try:
            x = float(v)
        except (TypeError, ValueError):
            x = math.nan
        if not math.isfinite(x) or (key in ("scale", "shape") and x < 0):
            out.append(_issue("bad_spread", f"{where}: uncertainty {key} {v!r} (distribution type {kind}) is "
                                               f"{'negative' if math.isfinite(x) else 'not a finite number'}; "
                                               "give a finite, non-negative spread or remove the distribution "
                                               "(it is not replaced by a fixed value)", d))
    lo, hi = e.get("minimum"), e.get("maximum")
    if kind in (4, 5, 7) and lo is not None and hi is not None and not out:
        if float(lo) > float(hi):
            out.append(_issue("bad_spread", f"{where}: uncertainty minimum {lo!r} is above the maximum "
                                               f"{hi!r}; correct the bounds", d))
    return out


def matrix(database: str, data: list[dict]) -> sp.csr_matrix:
    """The technosphere matrix of ``data`` on its own (production +, technosphere -, substitution +),
    products in the order of the datasets; inputs from other databases are left out."""
    col = {d.get("code"): j for j, d in enumerate(data)}
    rows, cols, vals = [], [], []
    sign = {"production": 1.0, "technosphere": -1.0, "substitution": 1.0}
    for j, d in enumerate(data):
        for e in d.get("exchanges", ()):
            inp = tuple(e.get("input") or ())
            if e.get("type") in sign and inp[:1] == (database,) and inp[1] in col:
                rows.append(col[inp[1]])
                cols.append(j)
                vals.append(sign[e["type"]] * float(e.get("amount") or 0.0))
    n = len(data)
    return sp.csr_matrix((vals, (rows, cols)), shape=(n, n))


def _solvability(database: str, data: list[dict]) -> list[InputIssue]:
    """Each strongly connected block of the database's own technosphere factorized by a sparse LU."""
    from scipy.sparse.csgraph import connected_components
    from scipy.sparse.linalg import splu

    n = len(data)
    if not n:
        return []
    A = matrix(database, data)
    _, lab = connected_components(A, directed=True, connection="strong")
    sizes = np.bincount(lab)
    out = []
    for block in np.nonzero(sizes > 1)[0]:  # singletons: production and self-consumption checked above
        idx = np.nonzero(lab == block)[0]
        D = A[idx][:, idx].tocsc()
        why = None
        with np.errstate(all="ignore"):
            try:
                x = splu(D).solve(np.ones(len(idx)))
            except RuntimeError:  # "Factor is exactly singular"
                x, why = None, "its sparse LU is exactly singular"
            if x is not None:
                if not np.all(np.isfinite(x)):
                    why = "its solve is not finite"
                elif np.abs(D @ x - 1.0).max() > RESIDUAL_TOL:
                    why = f"its solve misses the demand by {np.abs(D @ x - 1.0).max():.2g} (numerically singular)"
                else:
                    off = D - sp.diags(D.diagonal())
                    if off.nnz and off.data.max() <= 0 and x.min() < 0:
                        why = "it consumes more than it produces (the supply of one unit of each is negative)"
        if why:
            names = [dataset_label(data[i]) for i in idx[:MAX_NAMED]]
            more = f" (and {len(idx) - MAX_NAMED} more)" if len(idx) > MAX_NAMED else ""
            out.append(_issue("singular_block",
                              f"the loop of {len(idx)} datasets {', '.join(names)}{more} has no unique solution: "
                              f"{why}; correct the amounts of the exchanges between them", data[int(idx[0])]))
    return out


def refuse(name: str, issues: list[InputIssue]) -> None:
    """InputError listing ``issues`` (nothing was written), if there are any."""
    if not issues:
        return
    shown = "\n".join(f"  [{i.code}] {i.message}" for i in issues[:50])
    more = f"\n  (and {len(issues) - 50} more)" if len(issues) > 50 else ""
    raise InputError(f"refusing to import background {name!r}; nothing was written. {len(issues)} problem(s):\n"
                     + shown + more, issues)
