"""Background import at ecoinvent size: `lca background import` vs a bare bw2io import, then all footprints.

Measured in one run (each import in its own fresh process, so peak memory is its own):

1. a synthetic ecoSpold2 release is written (not timed): the real 3.10 cut-off file names,
   activity names, products and geographies from ecoinvent_interface's official list
   (23,523 datasets; ``--quick``: the first 2,000), ~12 technosphere and ~19 biosphere
   exchanges each (tests/ecospold_factory.py);
2. ``lca background import DIR --name ei`` on a set-up project (set-up not timed): bw2io
   extraction, the release's own flows, validation, write under a temporary name, swap,
   processing;
3. the bare bw2io import of the same folder into an empty Brightway project whose biosphere
   was written from the release's ElementaryExchanges.xml first (not timed):
   ``SingleOutputEcospold2Importer(use_mp=False)``, ``apply_strategies()``, ``write_database()``;
4. ``Project(background="ei").footprints(database="ei")`` (one adjoint solve of the whole
   project) against the raw solvers on the factory's own matrices: SciPy SuperLU of A^T and
   one solve, and pypardiso where installed; every score checked to 1e-6 relative.

Run: ``nice -n 10 python benchmarks/ecoinvent_import.py [--quick] [--json]``.
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
import resource, sys, time, json
from lca.cli import main
t = time.perf_counter()
rc = main(["--project", sys.argv[1], "background", "import", sys.argv[2], "--name", "ei", "--json"])
print(json.dumps({"rc": rc, "seconds": time.perf_counter() - t,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), file=sys.stderr)
"""
BARE = r"""
import os, resource, sys, time, json
import bw2data as bd, bw2io as bi
bd.projects.set_current("bare")
b = bi.importers.Ecospold2BiosphereImporter(name="biosphere3", filepath=sys.argv[1] + "/MasterData/ElementaryExchanges.xml")
b.apply_strategies(); b.write_database()
t = time.perf_counter()
i = bi.SingleOutputEcospold2Importer(sys.argv[1] + "/datasets", "ei", use_mp=False)
i.apply_strategies()
assert not list(i.unlinked)
i.write_database()
print(json.dumps({"seconds": time.perf_counter() - t,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), file=sys.stderr)
"""
SCORES = r"""
import resource, sys, time, json
import lca
p = lca.open_project(sys.argv[1], background="ei")
t = time.perf_counter()
s = p.footprints(database="ei")
dt = time.perf_counter() - t
json.dump({k: float(v) for k, v in s.items()}, open(sys.argv[2], "w"))
print(json.dumps({"seconds": dt, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}),
      file=sys.stderr)
"""


def _child(code: str, *args, env=None) -> dict:
    r = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
                       env=dict(os.environ, **(env or {})))
    if r.returncode != 0:
        raise SystemExit(f"child failed ({r.returncode}):\n{r.stderr[-3000:]}")
    return json.loads(r.stderr.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keep", metavar="DIR", help="work in DIR (kept); a release already written there is reused")
    args = ap.parse_args()
    import numpy as np
    import scipy.sparse.linalg as spla

    import ecospold_factory as factory

    entries = factory.official_list("3.10")
    if args.quick:
        entries = entries[:2000]
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="ei-bench-"))
    import shutil

    for old in ("project", "bare", "scratch"):
        shutil.rmtree(tmp / old, ignore_errors=True)
    t = time.perf_counter()
    rel = factory.write_release(tmp / "release", entries, n_tech=12, n_bio=19, seed=3)  # deterministic (seed)
    t_write = time.perf_counter() - t
    proj = tmp / "project"
    env = {"BRIGHTWAY2_DIR": str(tmp / "scratch")}
    subprocess.run([sys.executable, "-c", f"import lca; lca.open_project({str(proj)!r})"], check=True,
                   capture_output=True, env=dict(os.environ, **env))
    ours = _child(OURS, proj, rel.root, env=env)
    (tmp / "bare").mkdir(exist_ok=True)
    bare = _child(BARE, rel.root, env={"BRIGHTWAY2_DIR": str(tmp / "bare")})
    out_scores = tmp / "scores.json"
    sc = _child(SCORES, proj, out_scores, env=env)
    print("footprints:", sc, file=sys.stderr)

    # raw solvers on the factory's numbers (float32 values, as written)
    A, B, uuids = rel.matrices()
    import bw2io
    import io
    import zipfile

    with zipfile.ZipFile(Path(bw2io.__file__).parent / "data" / "lcia" / "lcia_39_ecoinvent.zip") as zf:
        data = json.load(io.TextIOWrapper(zf.open("data.json"), encoding="utf-8"))
    m = next(m for m in data if tuple(m["name"]) == ("IPCC 2021", "climate change",
                                                      "global warming potential (GWP100)"))
    cf = {e["input"][1]: float(e["amount"]) for e in m["exchanges"]}
    c = np.array([cf.get(u, 0.0) for u in uuids])
    rhs = B.T @ c
    t = time.perf_counter()
    lu = spla.splu(A.T.tocsc(), permc_spec="NATURAL")  # supply-chain order: little fill (few loops)
    y = lu.solve(rhs)
    t_superlu = time.perf_counter() - t
    t_pardiso = None
    try:
        import pypardiso

        t = time.perf_counter()
        y2 = pypardiso.spsolve(A.T.tocsr(), rhs)
        t_pardiso = time.perf_counter() - t
        assert np.allclose(y2, y, rtol=1e-9)
    except ImportError:
        pass
    from bw2io.utils import es2_activity_hash

    got = json.load(open(out_scores))
    vals = np.array([got[f"ei:{es2_activity_hash(d['activity_id'], d['product_id'])}"] for d in rel.datasets])
    rel_err = float(np.max(np.abs(vals - y) / np.maximum(np.abs(y), 1e-300)))
    result = {
        "datasets": len(rel.datasets), "exchanges_technosphere": int(A.nnz - A.shape[0]),
        "exchanges_biosphere": int(B.nnz), "cores": os.cpu_count(), "write_release_s": round(t_write, 1),
        "lca_background_import_s": round(ours["seconds"], 2), "lca_peak_mb": round(ours["peak_mb"]),
        "bare_bw2io_import_s": round(bare["seconds"], 2), "bare_peak_mb": round(bare["peak_mb"]),
        "import_ratio": round(ours["seconds"] / bare["seconds"], 3),
        "footprints_s": round(sc["seconds"], 3), "footprints_peak_mb": round(sc["peak_mb"]),
        "superlu_factor_and_solve_s": round(t_superlu, 3),
        "pardiso_solve_s": None if t_pardiso is None else round(t_pardiso, 3),
        "footprints_vs_superlu": round(sc["seconds"] / t_superlu, 2),
        "max_rel_error": rel_err, "correct": rel_err <= 1e-6,
    }
    print(json.dumps(result, indent=None if args.json else 1))
    return 0 if result["correct"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
