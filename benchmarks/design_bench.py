"""Design-answer benchmarks (issue 21): a 100-point sweep, and Monte Carlo against bw2calc's partitioned MC.

    python benchmarks/design_bench.py [--quick] [--project DIR]

1. ``lca sweep``-equivalent, 100 points of one battery parameter (``lca.sweep.sweep``: one adjoint
   solve for the background scores, a small foreground solve per point), wall time in the
   process after the project is open, against the naive path (``Project.footprint`` of each
   point, which writes each variant into the ``models`` database and solves it; timed on 10
   points and scaled to 100). Target: the 100 points in < 5 s. Correctness: the sweep's
   points equal those footprints (1e-5 relative: float32 matrices).
2. Background-and-foreground Monte Carlo of the LFP pack per sample (``lca.uncertainty``)
   against bw2calc 3.1's ``PartitionedMonteCarloLCA`` (static background solved once, the
   foreground resampled: the fastest bw2calc Monte Carlo, and it samples less) with the
   ``models`` database stochastic and every other database static. Target >= 20x per sample.

Ratios are of times measured in the same run on the same project.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

from scratch import brightway_scratch

ROOT = Path(__file__).resolve().parent.parent


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer samples")
    ap.add_argument("--project", help="project directory to set up and keep")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    with brightway_scratch("green-lca-designbench-") as tmp:
        return run(args, Path(args.project) if args.project else tmp / "project")


def run(args, pdir: Path) -> int:
    import numpy as np

    import lca
    from lca import uncertainty as mc
    from lca.models import battery_pack
    from lca.sweep import sweep as lca_sweep

    ok = True
    print(f"green-lca design benchmarks ({'quick' if args.quick else 'full'}), {time.strftime('%Y-%m-%d %H:%M')}, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    proj = lca.open_project(pdir)
    proj.footprint(battery_pack("LFP", 60.0))  # the project's matrices and factorization built once

    # -- 1. a 100-point sweep
    values = [20.0 + 0.35 * i for i in range(100)]
    t = time.perf_counter()
    res = lca_sweep(proj, "battery_pack", {"chemistry": "LFP"}, "cell_energy", values)
    sweep_s = time.perf_counter() - t
    t = time.perf_counter()
    naive = [proj.footprint(battery_pack("LFP", cell_energy=v)).total for v in values[:10]]
    naive_s = (time.perf_counter() - t) * 10
    err = max(abs(a - b) / abs(b) for a, b in zip(res.totals[:10], naive))
    ok &= sweep_s < 5.0 and err < 1e-5
    print(f"1 sweep, 100 points of cell_energy: {sweep_s:.2f} s [target < 5 s]; footprint per point (writes "
          f"and solves each variant) {naive_s:.1f} s for 100 (from 10): {naive_s / sweep_s:.0f}x; "
          f"max relative difference to the footprints {err:.1e}")

    # -- 2. background + foreground MC vs bw2calc PartitionedMonteCarloLCA
    import bw2calc as bc
    import bw2data as bd

    pack = battery_pack("LFP", 60.0)
    proj.footprint(pack)
    proj.activate()
    names = [n for n in bd.databases]
    dps = [bd.Database(n).datapackage() for n in names]
    node = bd.get_node(database="models", code=pack.reference_code)
    method = proj.method("GWP100")
    k = 10 if args.quick else 40
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        pmc = bc.PartitionedMonteCarloLCA({node.id: 1.0}, static_databases=[n for n in names if n != "models"],
                                          data_objs=dps + [bd.Method(method).datapackage()], seed_override=1)
        pmc.lci()
        pmc.lcia()
        p_setup = time.perf_counter() - t
        t = time.perf_counter()
        scores = []
        for _ in range(k):
            next(pmc)
            scores.append(pmc.score)
        p_per = (time.perf_counter() - t) / k
    static = proj.footprint(pack).total
    print(f"  bw2calc PartitionedMonteCarloLCA (models stochastic, {len(names) - 1} databases static): set-up "
          f"{p_setup:.2f} s, {p_per * 1e3:.2f} ms per sample (n={k}); median {np.median(scores):.2f} vs static "
          f"{static:.2f}")
    n = 5_000 if args.quick else 50_000
    job, _ = mc.make_job(proj, [pack], [1.0], n, 1)
    mc.run(mc.Job(**{**job.__dict__, "n": 10}))  # warm
    t = time.perf_counter()
    s = mc.run(job)
    per = (time.perf_counter() - t) / n
    ratio = p_per / per
    ok &= ratio >= 20
    print(f"2 background + foreground MC of the LFP pack ({job.bg.n_uncertain} uncertain background entries and "
          f"the model's parameters and rows): {per * 1e6:.0f} us per sample (n={n}); {ratio:,.0f}x bw2calc's "
          f"partitioned MC per sample [target >= 20x]; p5/p50/p95 "
          f"{np.percentile(s[0], [5, 50, 95]).round(2).tolist()}")
    print("all targets met" if ok else "SOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
