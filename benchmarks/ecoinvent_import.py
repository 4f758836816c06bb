"""Background import at ecoinvent size: `lca background import` vs a bare bw2io import, then all footprints.

Measured in one run (each import in its own fresh process, so peak memory is its own):

1. a synthetic ecoSpold2 release is written (not timed): the real 3.10 cut-off file names,
   activity names, products and geographies from ecoinvent_interface's official list
   (23,523 datasets; ``--quick``: the first 2,000), ~12 technosphere and ~19 biosphere
   exchanges each (tests/ecospold_factory.py); with ``--keep DIR`` a release already written
   there with the same size is reused (its numbers are regenerated from the seed);
2. ``lca background import DIR --name ei`` on a set-up project (set-up not timed), timed as
   the whole command from the start of the process (importing green-lca and bw2data, opening
   the project, reading the release's flows, extraction, validation, write under a temporary
   name, swap, processing);
3. what a user does with plain bw2io to get a usable database of the same release, timed
   the same way from the start of the process, in an empty Brightway project: import
   bw2data/bw2io, write the release's biosphere from ``MasterData/ElementaryExchanges.xml``
   (``Ecospold2BiosphereImporter``: the biosphere exchanges must link to the release's own
   flows), ``SingleOutputEcospold2Importer(use_mp=False)``, ``apply_strategies()``, no unlinked
   exchange, ``write_database()`` (bw2io's defaults: searchable, processed);
4. ``Project(background="ei").footprints(database="ei")`` (one adjoint solve of the whole
   project) against the raw solvers on the factory's own matrices (each in its own process):
   the engine's block-triangular factorization alone, SciPy SuperLU of A^T in natural
   (supply-chain) order without pivoting (``diag_pivot_thresh=0``) and one solve, and
   pypardiso where installed; every score checked to 1e-6 relative.

Every figure is printed on stderr as soon as it is measured and kept in ``DIR/results.json``.
Run: ``nice -n 10 python benchmarks/ecoinvent_import.py [--quick] [--json] [--keep DIR]``.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent))

OURS = r"""
def peak_mb():  # this process's own peak RSS (VmHWM; ru_maxrss would include the parent's at fork)
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]) / 1024
import time
t0 = time.perf_counter()
import sys, json
from lca.cli import main
t1 = time.perf_counter()
rc = main(["--project", sys.argv[1], "background", "import", sys.argv[2], "--name", "ei", "--json"])
print(json.dumps({"rc": rc, "seconds": time.perf_counter() - t0, "imports_s": t1 - t0,
                  "peak_mb": peak_mb()}), file=sys.stderr)
"""
BARE = r"""
def peak_mb():  # this process's own peak RSS (VmHWM; ru_maxrss would include the parent's at fork)
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]) / 1024
import time
t0 = time.perf_counter()
import os, sys, json
import bw2data as bd, bw2io as bi
t1 = time.perf_counter()
bd.projects.set_current("bare")
b = bi.importers.Ecospold2BiosphereImporter(name="biosphere3",
                                            filepath=sys.argv[1] + "/MasterData/ElementaryExchanges.xml")
b.apply_strategies()
b.write_database()
t2 = time.perf_counter()
i = bi.SingleOutputEcospold2Importer(sys.argv[1] + "/datasets", "ei", use_mp=False)
t3 = time.perf_counter()
i.apply_strategies()
assert not list(i.unlinked)
t4 = time.perf_counter()
i.write_database(searchable=sys.argv[2] == "searchable")  # bw2io's default: searchable
t5 = time.perf_counter()
print(json.dumps({"seconds": t5 - t0, "imports_s": t1 - t0, "biosphere_s": t2 - t1, "extract_s": t3 - t2,
                  "strategies_s": t4 - t3, "write_process_s": t5 - t4,
                  "peak_mb": peak_mb()}), file=sys.stderr)
"""
SCORES = r"""
def peak_mb():  # this process's own peak RSS (VmHWM; ru_maxrss would include the parent's at fork)
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]) / 1024
import sys, time, json
import lca
p = lca.open_project(sys.argv[1], background="ei")
t = time.perf_counter()
s = p.footprints(database="ei")
dt = time.perf_counter() - t
json.dump({k: float(v) for k, v in s.items()}, open(sys.argv[2], "w"))
print(json.dumps({"seconds": dt, "peak_mb": peak_mb()}),
      file=sys.stderr)
"""
# raw solvers on the factory's matrices (saved by the parent as A.npz, rhs.npy): y with A^T y = rhs
RAW = r"""
def peak_mb():  # this process's own peak RSS (VmHWM; ru_maxrss would include the parent's at fork)
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]) / 1024
import sys, time, json
import numpy as np, scipy.sparse as sp, scipy.sparse.linalg as spla
A = sp.load_npz(sys.argv[1] + "/A.npz").tocsc()
rhs = np.load(sys.argv[1] + "/rhs.npy")
kind = sys.argv[2]
if kind == "pardiso":
    import pypardiso
elif kind == "engine":
    sys.path.insert(0, sys.argv[3])
    from lca.engine import BlockTriangular
t = time.perf_counter()
if kind == "superlu":  # natural (supply-chain) order, no pivoting: A^T is triangular but for a few loops
    lu = spla.splu(A.T.tocsc(), permc_spec="NATURAL", diag_pivot_thresh=0.0, options={"SymmetricMode": False})
    y = lu.solve(rhs)
elif kind == "pardiso":
    y = pypardiso.spsolve(A.T.tocsr(), rhs)
else:  # the engine's own block-triangular factorization, without the project around it
    y = BlockTriangular(A, np.arange(A.shape[0])).solve(rhs, transposed=True)
dt = time.perf_counter() - t
np.save(sys.argv[1] + f"/y_{kind}.npy", y)
print(json.dumps({"seconds": dt, "peak_mb": peak_mb()}),
      file=sys.stderr)
"""


def _child(code: str, *args, env=None, timeout=None) -> dict:
    try:
        r = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
                           env=dict(os.environ, **(env or {})), timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"timeout_s": timeout}
    if r.returncode != 0:
        raise SystemExit(f"child failed ({r.returncode}):\n{r.stderr[-3000:]}")
    return json.loads(r.stderr.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keep", metavar="DIR", help="work in DIR (kept); a release already written there is reused")
    ap.add_argument("--skip", default="", help="comma-separated steps to skip: ours,bare,bare-unsearchable,scores,raw")
    ap.add_argument("--raw-timeout", type=float, default=300.0, help="seconds each raw solver may take")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    import numpy as np
    import scipy.sparse as sp

    import ecospold_factory as factory

    entries = factory.official_list("3.10")
    if args.quick:
        entries = entries[:2000]
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="ei-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    import shutil

    result: dict = {"cores": os.cpu_count(), "load_avg_at_start": os.getloadavg()[0]}

    def record(**kw):
        result.update(kw)
        print(json.dumps(kw), file=sys.stderr, flush=True)
        (tmp / "results.json").write_text(json.dumps(result, indent=1))

    marker = tmp / "release" / "bench-release.json"
    spec = {"datasets": len(entries), "n_tech": 12, "n_bio": 19, "seed": 3}
    reuse = marker.is_file() and json.loads(marker.read_text()) == spec and all(
        (tmp / "release" / "datasets" / e["filename"]).is_file() for e in entries)
    t = time.perf_counter()
    rel = factory.write_release(tmp / "release", entries, n_tech=12, n_bio=19, seed=3,  # deterministic (seed)
                                write_datasets=not reuse)
    marker.write_text(json.dumps(spec))
    A, B, uuids = rel.matrices()
    record(datasets=len(rel.datasets), exchanges_technosphere=int(A.nnz - A.shape[0]),
           exchanges_biosphere=int(B.nnz), write_release_s=round(time.perf_counter() - t, 1), release_reused=reuse)
    proj = tmp / "project"
    env = {"BRIGHTWAY2_DIR": str(tmp / "scratch")}
    if "ours" not in skip:
        for old in ("project", "scratch"):
            shutil.rmtree(tmp / old, ignore_errors=True)
        subprocess.run([sys.executable, "-c", f"import lca; lca.open_project({str(proj)!r})"], check=True,
                       capture_output=True, env=dict(os.environ, **env))
        ours = _child(OURS, proj, rel.root, env=env)
        record(lca_background_import_s=round(ours["seconds"], 2), lca_imports_s=round(ours["imports_s"], 2),
               lca_peak_mb=round(ours["peak_mb"]))
    if "bare" not in skip:
        shutil.rmtree(tmp / "bare", ignore_errors=True)
        (tmp / "bare").mkdir()
        bare = _child(BARE, rel.root, "searchable", env={"BRIGHTWAY2_DIR": str(tmp / "bare")})
        record(bare_bw2io_import_s=round(bare["seconds"], 2), bare_peak_mb=round(bare["peak_mb"]),
               bare_phases_s={k[:-2]: round(v, 2) for k, v in bare.items() if k.endswith("_s")})
    if "bare-unsearchable" not in skip:  # like for like: green-lca does not build bw2data's search index
        shutil.rmtree(tmp / "bare", ignore_errors=True)
        (tmp / "bare").mkdir()
        bare = _child(BARE, rel.root, "unsearchable", env={"BRIGHTWAY2_DIR": str(tmp / "bare")})
        record(bare_unsearchable_s=round(bare["seconds"], 2), bare_unsearchable_peak_mb=round(bare["peak_mb"]),
               bare_unsearchable_phases_s={k[:-2]: round(v, 2) for k, v in bare.items() if k.endswith("_s")})
    if "lca_background_import_s" in result and "bare_bw2io_import_s" in result:
        record(import_ratio=round(result["lca_background_import_s"] / result["bare_bw2io_import_s"], 3))
    if "lca_background_import_s" in result and "bare_unsearchable_s" in result:
        record(import_ratio_unsearchable=round(result["lca_background_import_s"] / result["bare_unsearchable_s"], 3))

    # the release's GWP100 scores, independently: A^T y = B^T c on the factory's numbers
    import io
    import zipfile

    import bw2io

    with zipfile.ZipFile(Path(bw2io.__file__).parent / "data" / "lcia" / "lcia_39_ecoinvent.zip") as zf:
        data = json.load(io.TextIOWrapper(zf.open("data.json"), encoding="utf-8"))
    m = next(m for m in data if tuple(m["name"]) == ("IPCC 2021", "climate change",
                                                      "global warming potential (GWP100)"))
    cf = {e["input"][1]: float(e["amount"]) for e in m["exchanges"]}
    c = np.array([cf.get(u, 0.0) for u in uuids])
    sp.save_npz(tmp / "A.npz", A.tocsc())
    np.save(tmp / "rhs.npy", B.T @ c)
    ys = {}
    if "raw" not in skip:
        import importlib.util

        kinds = ["engine", "superlu"] + (["pardiso"] if importlib.util.find_spec("pypardiso") else [])
        for kind in kinds:
            r = _child(RAW, tmp, kind, HERE.parent, timeout=args.raw_timeout)
            if "timeout_s" in r:  # e.g. PARDISO: its ordering of the symmetrized pattern fills in
                record(**{f"raw_{kind}_s": f"did not finish in {args.raw_timeout:g} s"})
                continue
            ys[kind] = np.load(tmp / f"y_{kind}.npy")
            record(**{f"raw_{kind}_s": round(r["seconds"], 3), f"raw_{kind}_peak_mb": round(r["peak_mb"])})
        y = ys["engine"]
        for kind in [k for k in kinds[1:] if k in ys]:
            record(**{f"raw_{kind}_max_rel_diff_to_engine": float(np.max(np.abs(ys[kind] - y) / np.maximum(
                np.abs(y), 1e-300)))})
    if "scores" not in skip:
        out_scores = tmp / "scores.json"
        sc = _child(SCORES, proj, out_scores, env=env)
        record(footprints_s=round(sc["seconds"], 3), footprints_peak_mb=round(sc["peak_mb"]))
        if ys:
            from bw2io.utils import es2_activity_hash

            got = json.load(open(out_scores))
            vals = np.array([got[f"ei:{es2_activity_hash(d['activity_id'], d['product_id'])}"]
                             for d in rel.datasets])
            y = ys["superlu"] if "superlu" in ys else ys["engine"]
            rel_err = float(np.max(np.abs(vals - y) / np.maximum(np.abs(y), 1e-300)))
            record(max_rel_error=rel_err, correct=rel_err <= 1e-6,
                   footprints_vs_superlu=round(sc["seconds"] / result["raw_superlu_s"], 2)
                   if "raw_superlu_s" in result else None)
    print(json.dumps(result, indent=None if args.json else 1))
    return 0 if result.get("correct", True) else 1


if __name__ == "__main__":
    raise SystemExit(main())
