"""Models-database write benchmark (issue 19): a sweep of model variants, each added as it is first computed.

    python benchmarks/models_write_bench.py [--variants 30] [--project DIR]

A designer's sweep: ``Project.footprint`` of N battery-pack variants (``cell_energy`` 30..45 kWh/kWh),
each a new parameter set whose datasets are first written into the ``models`` database. Timed twice on
copies of the same set-up project, in the same run:

- **add**: what ``lca.models.ensure_written`` does (``Project.add_datasets``: only the new datasets,
  one SQLite transaction, then ``process()``);
- **full**: the full rewrite it replaced (load the whole ``models`` database, merge the new datasets,
  ``Project.write_database`` of all of them: validate, journal, delete, insert, process), run by
  patching ``Project.add_datasets`` in this process to do exactly that.

Reported: the write time alone (time spent in ``add_datasets``) and the sweep's wall time, each as a
ratio full / add, and the largest relative difference between the two sweeps' footprints (must be 0:
the same datasets, the same matrices). Target: the writes of a 30-variant sweep >= 3x faster.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from scratch import brightway_scratch

ROOT = Path(__file__).resolve().parent.parent


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variants", type=int, default=30, help="number of parameter sets in the sweep")
    ap.add_argument("--project", help="a set-up project directory to copy (default: set one up in a temp dir)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    with brightway_scratch("green-lca-modelsbench-") as tmp:
        return run(args, tmp)


def full_rewrite(project, name, data, replay=False):
    """The write ``ensure_written`` did before: the whole database read, merged and written again."""
    from lca.models import base

    bd = project.activate()
    existing = {}
    for key, d in bd.Database(name).load().items():
        d = dict(d)
        d["exchanges"] = [{k: (tuple(v) if k == "input" else v) for k, v in e.items() if k != "output"}
                          for e in d.get("exchanges", [])]
        existing[key[1]] = d
    existing.update({d["code"]: d for d in data})
    project.write_database(name, list(existing.values()))
    assert base.MODELS_DB == name


def sweep(project, values) -> tuple[list[float], float]:
    from lca.models import battery_pack

    t = time.perf_counter()
    totals = [project.footprint(battery_pack("LFP", 60.0, cell_energy=v)).total for v in values]
    return totals, time.perf_counter() - t


def run(args, tmp: Path) -> int:
    import lca
    from lca.models import battery_pack

    print(f"models write benchmark, {args.variants} variants, {time.strftime('%Y-%m-%d %H:%M')}, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    base = Path(args.project) if args.project else tmp / "base"
    p = lca.open_project(base)
    p.footprint(battery_pack("LFP", 60.0))  # models database exists; matrices built once
    values = [30.0 + 15.0 * i / max(args.variants - 1, 1) for i in range(args.variants)]
    results = {}
    Project = type(p)
    original = Project.add_datasets
    for how in ("full", "add"):
        d = tmp / how
        shutil.copytree(base, d, ignore=shutil.ignore_patterns("write.lock"))
        proj = lca.open_project(d)
        proj.footprint(battery_pack("LFP", 60.0))  # warm: the first variant's matrices
        spent = [0.0]
        inner = full_rewrite if how == "full" else original

        def timed(self, name, data, replay=False, inner=inner):
            t = time.perf_counter()
            try:
                return inner(self, name, data, replay)
            finally:
                spent[0] += time.perf_counter() - t

        Project.add_datasets = timed
        try:
            totals, wall = sweep(proj, values)
        finally:
            Project.add_datasets = original
        results[how] = (totals, wall, spent[0])
        print(f"  {how:4s}: sweep {wall:6.2f} s, of which writing the variants {spent[0]:6.2f} s "
              f"({len(values)} variants)")
    bd = proj.activate()  # what one addition pays for the whole database: bw2data's process() reads it all back
    n = len(bd.Database("models"))
    t = time.perf_counter()
    for _ in range(3):
        bd.Database("models").process()
    print(f"  process() of the models database, {n} datasets: {(time.perf_counter() - t) / 3 * 1000:.0f} ms")
    diff = max(abs(a - b) / abs(b) for a, b in zip(results["add"][0], results["full"][0]))
    w_ratio = results["full"][2] / results["add"][2]
    s_ratio = results["full"][1] / results["add"][1]
    ok = w_ratio >= 3.0 and diff == 0.0
    print(f"writes: full rewrite / add = {w_ratio:.1f}x [target >= 3x]; whole sweep {s_ratio:.1f}x; "
          f"max relative difference of the footprints {diff:.1e} [must be 0]")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
