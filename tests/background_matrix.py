"""Test helper: the open background as a plain scipy matrix, read straight from inventories/background/*.toml.

Independent of Brightway and of lca's own loader, for hand checks of chain-wide
quantities (e.g. the electricity a background chain consumes).
"""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

ROOT = Path(__file__).resolve().parent.parent / "inventories" / "background"


@lru_cache(maxsize=1)
def datasets() -> dict[str, dict]:
    out = {}
    for path in sorted(ROOT.glob("*.toml")):
        for ds in tomllib.loads(path.read_text(encoding="utf-8"))["dataset"]:
            out[ds["code"]] = ds
    return out


@lru_cache(maxsize=1)
def matrix():
    """(codes, technosphere matrix A with inputs negative, index)."""
    ds = datasets()
    codes = sorted(ds)
    index = {c: i for i, c in enumerate(codes)}
    rows, cols, vals = list(range(len(codes))), list(range(len(codes))), [1.0] * len(codes)
    for c, d in ds.items():
        for e in d.get("exchanges", []):
            if e["type"] == "technosphere":
                rows.append(index[e["input"]])
                cols.append(index[c])
                vals.append(-float(e["amount"]))
    A = sp.csc_matrix((vals, (rows, cols)), shape=(len(codes), len(codes)))
    return codes, A, index


def supply(demand: dict[str, float]) -> dict[str, float]:
    codes, A, index = matrix()
    b = np.zeros(len(codes))
    for c, v in demand.items():
        b[index[c]] = v
    x = spla.spsolve(A, b)
    return dict(zip(codes, x))


def electricity_kwh(demand: dict[str, float]) -> tuple[float, float]:
    """(kWh bought by the non-electricity datasets of the chain, of which from renewable generation)."""
    ds = datasets()
    x = supply(demand)
    total = green = 0.0
    for c, d in ds.items():
        if str(d.get("category", "")).startswith("electricity"):
            continue
        for e in d.get("exchanges", []):
            if e["type"] != "technosphere":
                continue
            cat = str(ds[e["input"]].get("category", ""))
            if cat.startswith("electricity"):
                total += x[c] * float(e["amount"])
                if cat == "electricity renewable":
                    green += x[c] * float(e["amount"])
    return total, green
