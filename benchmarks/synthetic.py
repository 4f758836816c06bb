"""A seeded synthetic background of ecoinvent scale, written through ``Project.write_database``.

Structure (what a real supply-chain database looks like):

- a *core* of ``n_core`` basic activities (energy, transport, bulk materials)
  that loop sparsely among themselves (each core activity buys from ~6 other
  core activities, in both directions of the index order, so the core is a
  strongly connected block);
- the other activities sit in ``n_tiers`` tiers (in supply-chain order); each
  buys ~``n_tech`` inputs: about a third from the core and the rest from
  "nearby" upstream activities (the distance back is lognormal with a median of
  ``NEAR_MEDIAN`` positions, so mostly the same or the previous tier), plus a
  rare (2 %) link to a slightly *downstream* activity of the same tier. Uniform
  long-range links are deliberately absent: their LU factors fill in almost
  completely, which no real database does.

Well-posedness: every activity produces 1 unit and its technosphere inputs sum
to at most ``0.8`` units (column-wise diagonal dominance of ``A = I - Q`` with
``Q >= 0``), so ``A^-1 = sum Q^k >= 0``: every supply is non-negative and the
system is non-singular. Amounts are synthetic and carry no unit meaning beyond
"per unit of product"; they are NOT data about any real product (estimated,
synthetic, for benchmarking only).

Biosphere: ``n_bio`` exchanges per activity drawn (without replacement) from
the flows characterized by IPCC 2021 GWP100 with a positive factor, always
including CO2 fossil, CH4 fossil and N2O (the flows every real process has);
amounts are lognormal, smaller for the rarer gases.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

DB_NAME = "synthetic"
GWP100 = ("IPCC 2021", "climate change", "global warming potential (GWP100)")
FULL = {"n": 20_000, "n_core": 300, "n_tiers": 20, "n_tech": 12, "n_bio": 30, "seed": 20240601}
QUICK = {"n": 2_000, "n_core": 100, "n_tiers": 10, "n_tech": 12, "n_bio": 30, "seed": 20240601}
INPUT_SUM_MAX = 0.8  # technosphere inputs per unit of product, column sum upper bound [-]
MARKER = "benchmarks-synthetic.json"
STRUCTURE_VERSION = 2  # bump when the generator changes: cached projects are regenerated
NEAR_MEDIAN = 30  # median distance [positions] of a "nearby" upstream supplier


def gwp_flows(project) -> list[tuple[str, float]]:
    """(biosphere3 code, GWP100 factor) of every flow of the method, sorted by code."""
    bd = project.activate()
    from bw2data.backends import ActivityDataset as AD

    cfs = {}
    for flow, cf in bd.Method(GWP100).load():
        fid = flow if isinstance(flow, int) else bd.get_id(tuple(flow))
        cfs[int(fid)] = float(cf)
    codes = dict(AD.select(AD.id, AD.code).where(AD.id.in_(list(cfs))).tuples())
    return sorted((codes[i], cf) for i, cf in cfs.items() if i in codes)


def structure(n: int, n_core: int, n_tiers: int, n_tech: int, seed: int):
    """Technosphere links as arrays (consumer column, supplier column, amount); seeded."""
    rng = np.random.default_rng(seed)
    cons, sup, amt = [], [], []
    tier_edges = np.linspace(n_core, n, n_tiers + 1).astype(int)
    for j in range(n):
        if j < n_core:
            k = int(rng.integers(4, 9))  # core: 4..8 other core inputs, loops both ways
            cands = rng.choice(n_core - 1, size=min(k, n_core - 1), replace=False)
            srcs = np.where(cands >= j, cands + 1, cands)
        else:
            t = int(np.searchsorted(tier_edges, j, side="right") - 1)
            k = max(3, int(rng.poisson(n_tech)))
            k_core = max(1, int(round(k / 3)))
            srcs = list(rng.choice(n_core, size=k_core, replace=False))
            k_near = k - k_core
            # "nearby" upstream: the distance back is lognormal (median ~NEAR_MEDIAN positions), so most
            # inputs come from the same or the previous tier; never downstream (nearly triangular)
            back = np.minimum(1 + rng.lognormal(np.log(NEAR_MEDIAN), 1.0, size=k_near).astype(np.int64),
                              j - n_core)
            for b in back:
                srcs.append(int(j - b) if b > 0 else int(rng.integers(0, n_core)))
            if rng.random() < 0.02 and j + 1 < tier_edges[t + 1]:  # a small loop within the tier
                srcs.append(int(rng.integers(j + 1, min(j + 50, tier_edges[t + 1]))))
            srcs = np.unique(np.asarray(srcs, dtype=np.int64))
            srcs = srcs[srcs != j]
        w = rng.lognormal(0.0, 1.0, size=len(srcs))
        w *= rng.uniform(0.3, INPUT_SUM_MAX) / w.sum()
        cons.append(np.full(len(srcs), j))
        sup.append(np.asarray(srcs, dtype=np.int64))
        amt.append(w)
    return np.concatenate(cons), np.concatenate(sup), np.concatenate(amt)


def datasets(codes_cfs: list[tuple[str, float]], bio_codes: dict[str, str], n: int, n_core: int,
             n_tiers: int, n_tech: int, n_bio: int, seed: int, db: str = DB_NAME) -> list[dict]:
    """The bw2data dictionaries of the synthetic database (deterministic for a given seed)."""
    cons, sup, amt = structure(n, n_core, n_tiers, n_tech, seed)
    rng = np.random.default_rng(seed + 1)
    always = [bio_codes["CO2 fossil"], bio_codes["CH4 fossil"], bio_codes["N2O"]]
    pool = [c for c, cf in codes_cfs if cf > 0 and c not in always]
    code = [f"syn-{i:05d}" for i in range(n)]
    order = np.argsort(cons, kind="stable")
    cons, sup, amt = cons[order], sup[order], amt[order]
    starts = np.searchsorted(cons, np.arange(n + 1))
    kinds = ("electricity", "transport", "steel", "cement", "chemicals", "plastics", "aluminium", "glass")
    out = []
    for j in range(n):
        core = j < n_core
        exc = [{"input": (db, code[j]), "amount": 1.0, "type": "production"}]
        for s, a in zip(sup[starts[j]:starts[j + 1]], amt[starts[j]:starts[j + 1]]):
            exc.append({"input": (db, code[int(s)]), "amount": float(a), "type": "technosphere"})
        picks = rng.choice(len(pool), size=n_bio - len(always), replace=False)
        flows = always + [pool[int(p)] for p in picks]
        amounts = rng.lognormal(-1.0 if core else -3.0, 1.0, size=len(flows))
        amounts[1:3] *= 1e-2  # CH4, N2O: a percent of the CO2 mass
        amounts[3:] *= 1e-5   # the other gases: traces
        for f, a in zip(flows, amounts):
            exc.append({"input": ("biosphere3", f), "amount": float(a), "type": "biosphere"})
        name = f"{'core ' + kinds[j % len(kinds)] if core else 'product'} {j:05d}"
        out.append({"database": db, "code": code[j], "name": name, "unit": "kilogram", "location": "GLO",
                    "reference product": name, "type": "process", "exchanges": exc})
    return out


def ensure(project, params: dict, db: str = DB_NAME, log=print) -> float:
    """Write the synthetic database into ``project`` unless the same one is there; seconds spent writing."""
    marker = Path(project.path) / MARKER
    bd = project.activate()
    if db in bd.databases and marker.exists():
        try:
            if json.loads(marker.read_text()) == {"db": db, "version": STRUCTURE_VERSION, **params}:
                return 0.0
        except ValueError:
            pass
    t0 = time.perf_counter()
    data = datasets(gwp_flows(project), project.biosphere_codes(), db=db, **params)
    t1 = time.perf_counter()
    project.write_database(db, data)
    t2 = time.perf_counter()
    marker.write_text(json.dumps({"db": db, "version": STRUCTURE_VERSION, **params}))
    log(f"  generated {len(data)} activities in {t1 - t0:.1f} s, written (validate + lock + bw2data) "
        f"in {t2 - t1:.1f} s")
    return t2 - t1
