"""Benchmarks at ecoinvent scale, as ratios against the raw solver and plain Brightway.

    python benchmarks/run.py [--quick] [--project DIR]

Prints each benchmark figure (recorded in ``benchmarks/RESULTS.md``) as a ratio with its
absolute values, measured side by side in one run, with the core count and the
solver in use. Every result is checked against an independent computation
(matrices read by bw2calc directly, solved by scipy's SuperLU; bw2calc's own
LCA for a sample) to 1e-6 relative: a failed check exits non-zero. Speed is
reported, never asserted.

``--quick`` (~2,000 activities) is what CI runs. Without ``--project`` a
temporary project directory is used and removed; with ``--project DIR`` the
set-up project and its synthetic database are kept there and reused.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
if str(ROOT) not in sys.path:
    sys.path.insert(1, str(ROOT))

RTOL = 1e-6  # correctness: relative tolerance of every check [-]
FAILURES: list[str] = []


def check(name: str, got, want, rtol: float = RTOL) -> None:
    """Relative agreement of arrays/scalars; the absolute floor is rtol x the largest reference value."""
    import numpy as np

    got = np.atleast_1d(np.asarray(got, dtype=float))
    want = np.atleast_1d(np.asarray(want, dtype=float))
    scale = float(np.abs(want).max()) if want.size else 0.0
    err = np.abs(got - want)
    ok = got.shape == want.shape and bool(np.all(np.isfinite(got))) and bool(
        np.all(err <= rtol * np.abs(want) + 1e-3 * rtol * scale))
    worst = float((err / np.maximum(np.abs(want), 1e-300)).max()) if got.shape == want.shape and want.size else float("nan")
    print(f"  check {name}: {'ok' if ok else 'FAILED'} ({want.size} values, worst relative difference {worst:.1e})")
    if not ok:
        FAILURES.append(name)


# Peak RSS of the child itself: VmHWM belongs to the process image after exec, whereas
# ru_maxrss of a child carries the parent's RSS at fork time (Linux keeps it across exec).
HWM_HOOK = (
    "import atexit as _a, sys as _s\n"
    "def _hwm():\n"
    "    try:\n"
    "        _v = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
    "    except Exception:\n"
    "        _v = '?'\n"
    "    _s.stderr.write('\\nVMHWM ' + _v + '\\n')\n"
    "_a.register(_hwm)\n"
)


def child_measured(code: str, env: dict) -> tuple[float, float, str]:
    """Like :func:`child` but with the child's peak RSS from ``os.wait4`` [MiB]."""
    t0 = time.perf_counter()
    out_f = tempfile.TemporaryFile()
    err_f = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-c", HWM_HOOK + code], stdout=out_f, stderr=err_f, env=env,
                            cwd=str(ROOT))
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    out_f.seek(0)
    err_f.seek(0)
    out, err = out_f.read().decode(errors="replace"), err_f.read().decode(errors="replace")
    if proc.returncode != 0:
        sys.stderr.write(err[-3000:])
        raise SystemExit(f"benchmark child failed (exit {proc.returncode}): {code[:160]}")
    hwm = [line.split()[1] for line in err.splitlines() if line.startswith("VMHWM ")]
    if hwm and hwm[-1] != "?":
        rss_mib = int(hwm[-1]) / 1024  # the child's own peak [kB -> MiB]
    else:  # ru_maxrss: may include the parent's size at fork on Linux, so an upper bound
        rss_mib = ru.ru_maxrss / 1024 if sys.platform != "darwin" else ru.ru_maxrss / 2**20
    return wall, rss_mib, out


def fmt_t(s: float) -> str:
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b > 0 else "n/a"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="~2,000 activities (what CI runs)")
    ap.add_argument("--project", help="project directory to set up and keep (re-runs skip generation)")
    ap.add_argument("--sample", type=int, default=None, help="activities in the bw2calc loop sample")
    args = ap.parse_args(argv)

    import synthetic

    params = dict(synthetic.QUICK if args.quick else synthetic.FULL)
    tmp = None
    if args.project:
        pdir = Path(args.project).expanduser().resolve()
    else:
        tmp = Path(tempfile.mkdtemp(prefix="green-lca-bench-"))
        pdir = tmp / "project"
    scratch = Path(tempfile.mkdtemp(prefix="green-lca-bench-bw-"))
    # children that import bw2data bare must never touch the user's default Brightway directory
    env = dict(os.environ, BRIGHTWAY2_DIR=str(scratch), PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])))
    env.pop("LCA_PROJECT", None)
    try:
        return run(args, params, pdir, env)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def run(args, params: dict, pdir: Path, env: dict) -> int:
    import numpy as np

    t_start = time.perf_counter()
    os.environ["BRIGHTWAY2_DIR"] = env["BRIGHTWAY2_DIR"]  # before lca imports bw2data (it repoints it)
    import lca
    from lca import engine

    import synthetic

    print(f"green-lca benchmarks ({'quick' if args.quick else 'full'} size), {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}; "
          f"solver: {engine.SOLVER} (pypardiso installed: {engine.HAVE_PARDISO})")
    print(f"project: {pdir}")
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        proj = lca.open_project(pdir)
        write_s = synthetic.ensure(proj, params)
    bd = proj.activate()
    import bw2calc as bc
    from bw2data.backends import ActivityDataset as AD

    versions = {m: getattr(sys.modules[m], "__version__", "?") for m in ("bw2data", "bw2calc")}
    import scipy

    versions.update(numpy=np.__version__, scipy=scipy.__version__)
    print("versions: " + ", ".join(f"{k} {'.'.join(map(str, v)) if isinstance(v, tuple) else v}"
                                   for k, v in versions.items()))
    print(f"set-up + synthetic database: {time.perf_counter() - t0:.1f} s"
          + (f" (of which Project.write_database {write_s:.1f} s)" if write_s else " (cached)"))

    method = synthetic.GWP100
    dbs = sorted(n for n in bd.databases if n != "biosphere3")
    n_syn = params["n"]

    # -- independent matrices: bw2calc directly, not through lca.engine -------------------------------
    t0 = time.perf_counter()
    first_syn = AD.get((AD.database == synthetic.DB_NAME) & (AD.code == "syn-00000")).id
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref_lca = bc.LCA({first_syn: 1.0}, method=method,
                         data_objs=[bd.Database(n).datapackage() for n in dbs] + [bd.Method(method).datapackage()])
        ref_lca.load_lci_data()
        ref_lca.load_lcia_data()
    t_load = time.perf_counter() - t0
    import scipy.sparse as sp
    from scipy.sparse.linalg import splu

    A = sp.csr_matrix(ref_lca.technosphere_matrix, dtype=np.float64)
    B = sp.csr_matrix(ref_lca.biosphere_matrix, dtype=np.float64)
    cvec = np.asarray(ref_lca.characterization_matrix.diagonal(), dtype=np.float64)
    n = A.shape[1]
    id_col = dict(ref_lca.dicts.activity)
    id_row = dict(ref_lca.dicts.product)
    ref_id = {f"{db}:{code}": i for i, db, code in AD.select(AD.id, AD.database, AD.code)
              .where(AD.database.in_(dbs)).tuples()}
    print(f"matrices: A {A.shape[0]}x{n} ({A.nnz} non-zeros), B {B.shape[0]}x{B.shape[1]} ({B.nnz} non-zeros); "
          f"bw2calc load of A, B, C {fmt_t(t_load)}")

    # -- 1. all-products footprints ---------------------------------------------------------------------
    print("\n1. All-products footprints: Project.footprints() vs a plain adjoint solve and vs looping bw2calc")
    At_csc = sp.csc_matrix(A.T)
    At_csr = sp.csr_matrix(A.T)
    At_csr.sort_indices()
    g = B.T @ cvec
    floor_lu, floor_pd = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        lu = splu(At_csc, permc_spec="COLAMD")
        y_lu = lu.solve(g)
        floor_lu.append(time.perf_counter() - t0)
    if engine.HAVE_PARDISO:
        from pypardiso import PyPardisoSolver

        for _ in range(3):
            t0 = time.perf_counter()
            ps = PyPardisoSolver()
            y_pd = ps.solve(At_csr, g)
            floor_pd.append(time.perf_counter() - t0)
            ps.free_memory(everything=True)
        check("pypardiso adjoint solve vs SuperLU adjoint solve", y_pd, y_lu)
    floor = min(floor_lu + floor_pd)
    floor_name = "pypardiso" if floor_pd and min(floor_pd) < min(floor_lu) else "SuperLU"
    print(f"  floor: factorize A^T + one adjoint solve, SuperLU {fmt_t(min(floor_lu))}"
          + (f", pypardiso {fmt_t(min(floor_pd))}" if floor_pd else "") + f" -> floor {fmt_t(floor)} ({floor_name})")
    ref_scores = {ref: y_lu[id_row[i]] for ref, i in ref_id.items() if i in id_col}

    code1 = f"""
import time, json, warnings, resource
warnings.simplefilter("ignore")
t0 = time.perf_counter()
import lca, numpy as np
p = lca.open_project({str(pdir)!r})
t1 = time.perf_counter()
s = p.footprints()
t2 = time.perf_counter()
m = p.method("GWP100")
warm = []
for _ in range(3):
    p.calc.clear(("scores", m), ("c", m))
    sysm = p.calc.system(); sysm.reset_factorization()
    ta = time.perf_counter(); s2 = p.footprints(); warm.append(time.perf_counter() - ta)
np.save({str(pdir / 'bench-footprints.npy')!r}, s.values)
print(json.dumps({{"open": t1 - t0, "cold": t2 - t1, "warm": min(warm), "refs": list(s.index)}}))
"""
    # the first fresh process after a change builds the project's cache (lca.cache); every later one reads it
    shutil.rmtree(pdir / "cache", ignore_errors=True)
    _, _, out0 = child_measured(code1, env)
    r0 = json.loads(out0.strip().splitlines()[-1])
    check("Project.footprints() (fresh process, cache built) vs independent SuperLU adjoint solve",
          np.load(pdir / "bench-footprints.npy"), np.array([ref_scores[r] for r in r0["refs"]]))
    wall1, rss1, out1 = child_measured(code1, env)
    r1 = json.loads(out1.strip().splitlines()[-1])
    got = np.load(pdir / "bench-footprints.npy")
    check("Project.footprints() (fresh process, cache read) vs independent SuperLU adjoint solve",
          got, np.array([ref_scores[r] for r in r1["refs"]]))
    if len(r1["refs"]) != len(ref_scores):
        print(f"  check footprints cover every activity: FAILED ({len(r1['refs'])} vs {len(ref_scores)})")
        FAILURES.append("coverage")
    print(f"  COLD Project.footprints() in a fresh process on the set-up project (matrices from the cache): "
          f"{fmt_t(r1['cold'])}; vs bw2calc load + floor {fmt_t(t_load + floor)}: "
          f"{ratio(r1['cold'], t_load + floor)}  [goal <= 0.4x]")
    print(f"  (the first fresh process after a change, which builds the cache from Brightway: {fmt_t(r0['cold'])}, "
          f"{ratio(r0['cold'], t_load + floor)}; opening the project took {fmt_t(r1['open'])} incl. imports)")
    print(f"  Project.footprints() with the matrices loaded (factorization + adjoint solve + result): "
          f"{fmt_t(r1['warm'])}; vs floor {fmt_t(floor)}: {ratio(r1['warm'], floor)}  [target <= 1.5x]")

    # (b) looping bw2calc over a sample of activities
    rng = np.random.default_rng(7)
    syn_refs = [r for r in ref_scores if r.startswith(synthetic.DB_NAME + ":")]
    k = args.sample or (20 if args.quick else 40)
    sample = [syn_refs[i] for i in rng.choice(len(syn_refs), size=min(k, len(syn_refs)), replace=False)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loop_lca = bc.LCA({ref_id[sample[0]]: 1.0}, method=method,
                          data_objs=[bd.Database(n).datapackage() for n in dbs] + [bd.Method(method).datapackage()])
        loop_lca.lci()
        loop_lca.lcia()
        loop_scores = []
        t0 = time.perf_counter()
        for ref in sample:
            loop_lca.lci(demand={ref_id[ref]: 1.0})
            loop_lca.lcia()
            loop_scores.append(loop_lca.score)
        t_loop = (time.perf_counter() - t0) / len(sample)
        # the naive way: a new LCA per activity (reads the matrices every time)
        naive = []
        for ref in sample[:3]:
            t0 = time.perf_counter()
            one = bc.LCA({ref_id[ref]: 1.0}, method=method)
            one.lci()
            one.lcia()
            naive.append(time.perf_counter() - t0)
            check(f"new bw2calc.LCA score of {ref} vs Project.footprints()", got[r1["refs"].index(ref)], one.score)
    t_naive = float(np.median(naive))
    check("bw2calc LCA.lci(demand) loop sample vs Project.footprints()",
          [got[r1["refs"].index(r)] for r in sample], loop_scores)
    print(f"  bw2calc loop, one LCA kept, lci(demand)+lcia per activity: {fmt_t(t_loop)} each, "
          f"x {n} = {fmt_t(t_loop * n)} extrapolated; Project.footprints() is "
          f"{t_loop * n / r1['cold']:.0f}x faster (COLD, fresh process), {t_loop * n / r1['warm']:.0f}x "
          f"(matrices loaded)  [target >= 1000x, cold too]; the cache-building first process: "
          f"{t_loop * n / r0['cold']:.0f}x")
    print(f"  bw2calc naive, new LCA per activity: {fmt_t(t_naive)} each, x {n} = {fmt_t(t_naive * n)}; "
          f"Project.footprints() is {t_naive * n / r1['cold']:.0f}x faster (cold)")

    # -- 2. one product, repeated with new demands -------------------------------------------------------
    print("\n2. New demands on a set-up project: Project.footprint vs a raw solve with a kept factorization")
    targets = [syn_refs[i] for i in rng.choice(len(syn_refs), size=10, replace=False)]
    amounts = rng.uniform(0.5, 5.0, size=len(targets))
    proj.footprint(targets[0])  # factorize once, as a set-up project has
    t_fp = []
    totals = []
    for ref, a in zip(targets, amounts):
        t0 = time.perf_counter()
        fp = proj.footprint(ref, amount=float(a))
        t_fp.append(time.perf_counter() - t0)
        totals.append(fp.total)
    check("Project.footprint totals vs independent adjoint scores x amount",
          totals, [ref_scores[r] * a for r, a in zip(targets, amounts)])
    lu_a = lu  # the SuperLU factors of A^T from figure 1, used with trans="T" for A x = d
    raw_lu, raw_pd, raw_tot = [], [], []
    if engine.HAVE_PARDISO:
        ps = PyPardisoSolver()
        A_csr = A.copy()
        A_csr.sort_indices()
        ps.factorize(A_csr)
    for ref, a in zip(targets, amounts):
        d = np.zeros(n)
        d[id_row[ref_id[ref]]] = a
        t0 = time.perf_counter()
        x = lu_a.solve(d, trans="T")
        tot = float(cvec @ (B @ x))
        raw_lu.append(time.perf_counter() - t0)
        raw_tot.append(tot)
        if engine.HAVE_PARDISO:
            t0 = time.perf_counter()
            x = ps.solve(A_csr, d)
            tot_pd = float(cvec @ (B @ x))
            raw_pd.append(time.perf_counter() - t0)
            if abs(tot_pd - tot) > RTOL * abs(tot):
                FAILURES.append("raw pypardiso forward solve")
    check("Project.footprint totals vs raw SuperLU forward solves", totals, raw_tot)
    raw = min(np.median(raw_lu), np.median(raw_pd) if raw_pd else np.inf)
    med_fp = float(np.median(t_fp))
    print(f"  raw solve with kept factorization + score: SuperLU {fmt_t(np.median(raw_lu))}"
          + (f", pypardiso {fmt_t(np.median(raw_pd))}" if raw_pd else "")
          + f"; Project.footprint (total + by process, flow, stage, split) {fmt_t(med_fp)} median "
          f"of {len(t_fp)}: {ratio(med_fp, raw)}  [target <= 2x]")

    # -- 3. first footprint in a fresh process -----------------------------------------------------------
    print("\n3. First footprint in a fresh process (wall time incl. imports) vs `import bw2data, bw2calc`")
    target = targets[0]
    want = ref_scores[target]
    code3 = (f"import lca; fp = lca.open_project({str(pdir)!r}).footprint({target!r}); print(repr(fp.total))")
    code_bw = "import bw2data, bw2calc"
    code_bc = (f"import pathlib, bw2data as bd, bw2calc as bc; "
               f"bd.projects.change_base_directories(pathlib.Path({str(proj.bw_dir)!r}), "
               f"project_name='green-lca'); n = bd.get_node(database={synthetic.DB_NAME!r}, code={target.split(':')[1]!r}); "
               f"l = bc.LCA({{n: 1.0}}, method={method!r}); l.lci(); l.lcia(); print(repr(l.score))")
    runs3, runs_bw, runs_bc = [], [], []
    for _ in range(3):
        runs_bw.append(child_measured(code_bw, env))
        runs3.append(child_measured(code3, env))
        runs_bc.append(child_measured(code_bc, env))
    check("fresh-process footprint vs independent adjoint score", float(runs3[0][2].strip().splitlines()[-1]), want)
    check("fresh-process bw2calc LCA vs independent adjoint score",
          float(runs_bc[0][2].strip().splitlines()[-1]), want)
    t3 = min(r[0] for r in runs3)
    t_bw = min(r[0] for r in runs_bw)
    t_bc = min(r[0] for r in runs_bc)
    print(f"  COLD `python -c \"import lca; lca.open_project(DIR).footprint(...)\"` {fmt_t(t3)} vs "
          f"`python -c \"import bw2data, bw2calc\"` {fmt_t(t_bw)}: {ratio(t3, t_bw)}  [goal <= 1.2x]")
    print(f"  (for reference: a fresh process doing one bw2calc LCA + LCIA of it: {fmt_t(t_bc)}, "
          f"{ratio(t3, t_bc)})")

    # 3b. `lca --help`: the CLI without the heavy stack (lca/cli is import-light, lca/__init__ lazy)
    helps, bare = [], []
    for _ in range(5):
        t0 = time.perf_counter()
        res = subprocess.run([sys.executable, "-m", "lca.cli", "--help"], env=env, cwd=str(ROOT),
                             capture_output=True, text=True)
        helps.append(time.perf_counter() - t0)
        if res.returncode != 0 or "usage: lca" not in res.stdout:
            FAILURES.append("lca --help")
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], env=env, cwd=str(ROOT))
        bare.append(time.perf_counter() - t0)
    print(f"  COLD `python -m lca.cli --help` {fmt_t(min(helps))} (median {fmt_t(float(np.median(helps)))}); "
          f"bare `python -c pass` {fmt_t(min(bare))}  [goal < 0.3 s]")

    # -- 4. supplier import ------------------------------------------------------------------------------
    print("\n4. Supplier import (10,000 Materials rows across 100 workbooks) vs bare bw2data Database.write")
    ib = HERE / "import_bench.py"
    if ib.exists():
        cmd = [sys.executable, str(ib)] + (["--quick"] if args.quick else [])
        res = subprocess.run(cmd, cwd=str(ROOT), env=env, capture_output=True, text=True)
        sys.stdout.write("".join("  " + line + "\n" for line in res.stdout.splitlines()))
        if res.returncode != 0:
            sys.stderr.write(res.stderr[-3000:])
            print(f"  import_bench.py FAILED (exit {res.returncode})")
            FAILURES.append("import_bench")
    else:
        print("  not measured (benchmarks/import_bench.py is not there yet)")

    # -- 5. peak memory ----------------------------------------------------------------------------------
    print("\n5. Peak memory of the child process (VmHWM; ru_maxrss where /proc is absent)")
    rss3 = max(r[1] for r in runs3)
    rss_bc = max(r[1] for r in runs_bc)
    rss_bw = max(r[1] for r in runs_bw)
    print(f"  figure 1 (Project.footprints(), fresh process): {rss1:.0f} MiB vs bw2calc alone "
          f"(fresh process, one LCA + LCIA) {rss_bc:.0f} MiB: {ratio(rss1, rss_bc)}")
    print(f"  figure 3 (first footprint, fresh process): {rss3:.0f} MiB vs bw2calc alone {rss_bc:.0f} MiB: "
          f"{ratio(rss3, rss_bc)}; (bare `import bw2data, bw2calc`: {rss_bw:.0f} MiB)")

    print("\nCold start beside warm (one run; goals of issue 25):")
    print(f"  all products, fresh process: {fmt_t(r1['cold'])} = {ratio(r1['cold'], t_load + floor)} bw2calc load + "
          f"floor [<= 0.4x], {t_loop * n / r1['cold']:.0f}x the kept bw2calc loop [>= 1000x]; warm "
          f"{fmt_t(r1['warm'])} = {ratio(r1['warm'], floor)} floor, {t_loop * n / r1['warm']:.0f}x the loop")
    print(f"  first footprint, fresh process incl. imports: {fmt_t(t3)} = {ratio(t3, t_bw)} `import bw2data, bw2calc` "
          f"[<= 1.2x]; a new demand warm: {fmt_t(med_fp)} = {ratio(med_fp, raw)} a kept raw solve")
    print(f"  `lca --help`: {fmt_t(min(helps))} [< 0.3 s]")
    print(f"\nsummary: {n} activities ({n_syn} synthetic), {os.cpu_count()} cores, "
          f"solver {engine.SOLVER}; run took "
          f"{time.perf_counter() - t_start:.0f} s")
    if FAILURES:
        print(f"CORRECTNESS FAILED: {', '.join(FAILURES)}")
        return 1
    print("all correctness checks passed (1e-6 relative)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
