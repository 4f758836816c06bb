"""Cold start: the project-local cache (lca.cache) and edits made outside green-lca (lca.fingerprints, lca.outside).

Every number is checked against an independent solve: the matrices as bw2calc
reads them from the project's processed datapackages, solved by
``scipy.sparse.linalg.spsolve`` (neither lca.engine nor lca.cache involved). Fresh
processes are real ``python -m lca.cli`` runs; the steps around them whose cold start is
not the point (filling the cache, ``info``, a repair, the report) run the same command in
this process on a new project object. The outside edit is made with plain bw2data in
another process, as Activity Browser would.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cli_util import lca_in_process
from lca import cache

WRITES_PROJECT = True
ROOT = Path(__file__).resolve().parent.parent
GRID = "background:electricity-cn"

EDIT = """
import os, sys
os.environ["BRIGHTWAY2_DIR"] = sys.argv[1]
import bw2data as bd
bd.projects.set_current("green-lca")
act = bd.get_node(database="background", code="electricity-cn")
ex = max(act.technosphere(), key=lambda e: e["amount"])  # the largest input (the coal-fired mix)
ex["amount"] = ex["amount"] * float(sys.argv[2])
ex.save()
"""


def env() -> dict:
    e = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    return e


def lca_cli(project_dir: Path, *args) -> subprocess.CompletedProcess:
    res = subprocess.run([sys.executable, "-m", "lca.cli", "--project", str(project_dir), *args],
                         capture_output=True, text=True, env=env(), cwd=str(ROOT), timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    return res


def lca_here(project_dir: Path, *args):
    """The same command in this process: a new project object reading the project's files, without a
    fresh interpreter's start-up (for the steps whose cold start is not what a test is about)."""
    res = lca_in_process(project_dir, *args)
    assert res.returncode == 0, res.stderr[-3000:]
    return res


def independent_scores(project_dir: Path, method: tuple) -> dict[str, float]:
    """ref -> cradle-to-gate score per unit: bw2calc's matrices, scipy's spsolve of A^T y = B^T c."""
    import lca
    import bw2calc as bc
    import scipy.sparse as sp
    from scipy.sparse.linalg import spsolve

    proj = lca.open_project(project_dir)  # a new object: bw2data's metadata re-read
    bd = proj.activate()
    from bw2data.backends import ActivityDataset as AD

    dbs = [n for n in bd.databases if n != "biosphere3"]
    ids = {i: f"{db}:{code}" for i, db, code in AD.select(AD.id, AD.database, AD.code)
           .where(AD.database.in_(dbs)).tuples()}
    first = next(iter(ids))
    lc = bc.LCA({first: 1.0}, method=method,
                data_objs=[bd.Database(n).datapackage() for n in dbs] + [bd.Method(method).datapackage()])
    lc.load_lci_data()
    lc.load_lcia_data()
    A = sp.csc_matrix(lc.technosphere_matrix, dtype=np.float64)
    g = lc.biosphere_matrix.T @ np.asarray(lc.characterization_matrix.diagonal(), dtype=np.float64)
    y = spsolve(A.T.tocsc(), g)
    return {ids[i]: float(y[row]) for i, row in lc.dicts.product.items() if i in ids}


def footprint_cold(project_dir: Path, target: str = GRID, kind: str = "process") -> dict:
    """``lca footprint TARGET --json`` in a fresh process (``process``), or on a new project object in
    this process (``inprocess``: the quick tier's variant, reading the same files)."""
    run = lca_cli if kind == "process" else lca_here
    return json.loads(run(project_dir, "footprint", target, "--json").stdout)


def outside_edit(project_dir: Path, factor: str, kind: str = "process") -> None:
    """Scale the largest input of the grid mix with plain bw2data, not through green-lca: in another
    process as Activity Browser would (``process``), or in this process (``inprocess``)."""
    if kind == "process":
        subprocess.run([sys.executable, "-c", EDIT, str(project_dir / "brightway"), factor], check=True, env=env(),
                       capture_output=True, timeout=300)
        return
    import lca

    bd = lca.open_project(project_dir).activate()
    act = bd.get_node(database="background", code="electricity-cn")
    ex = max(act.technosphere(), key=lambda e: e["amount"])
    ex["amount"] = ex["amount"] * float(factor)
    ex.save()


# the quick tier runs the cold steps in this process (its own project copy per variant: the tests edit it)
KINDS = [pytest.param("process", marks=pytest.mark.slow), "inprocess"]


@pytest.fixture
def fresh(request, project):
    """The module's project (``process``) or, for the in-process variant, a copy of the set-up project."""
    if request.param == "process":
        return request.param, project
    return request.param, request.getfixturevalue("fresh_copy")


@pytest.fixture
def fresh_copy(session_project, tmp_path):
    """A copy of the set-up project for one in-process test that edits it."""
    import shutil

    import lca

    d = tmp_path / "project"
    session_project.activate()
    with session_project.lock():
        shutil.copytree(session_project.path, d, ignore=shutil.ignore_patterns("write.lock"))
    return lca.open_project(d)


@pytest.mark.parametrize("fresh", KINDS, indirect=True)  # slow: fresh `lca` processes, an outside bw2data process
def test_a_bw2data_edit_is_named_used_cold_and_repaired(fresh, gwp100):
    kind, project = fresh
    d = project.path
    before = footprint_cold(d, kind=kind)  # a fresh process; fills the cache
    assert "warnings" not in before
    assert any(p.name.startswith("system-") for p in (d / "cache").iterdir())
    want0 = independent_scores(d, gwp100)[GRID]
    assert before["total"] == pytest.approx(want0, rel=1e-6)

    outside_edit(d, "3", kind)
    info = json.loads(lca_here(d, "info", "--json").stdout)
    assert [m["database"] for m in info["modified_outside"]] == ["background"]
    assert info["modified_outside"][0]["since"]

    after = footprint_cold(d, kind=kind)  # fresh process: the edited data, not the cached matrices
    want1 = independent_scores(d, gwp100)[GRID]
    assert after["total"] == pytest.approx(want1, rel=1e-6)
    assert abs(after["total"] - before["total"]) > 0.05 * before["total"]  # the edit moved it
    assert any("'background' was changed outside green-lca" in w for w in after["warnings"])
    res = lca_here(d, "footprints", "--database", "background", "--out", str(d / "edited.csv"))
    assert "'background' was changed outside green-lca" in res.stderr

    res = lca_here(d, "init", "--repair")
    assert "background: restored" in res.stdout
    assert json.loads(lca_here(d, "info", "--json").stdout)["modified_outside"] == []
    restored = footprint_cold(d, kind=kind)
    assert restored["total"] == pytest.approx(want0, rel=1e-6)
    assert "warnings" not in restored


@pytest.mark.parametrize("fresh", KINDS, indirect=True)  # slow: fresh `lca` processes
def test_a_corrupted_cache_still_gives_the_right_numbers(fresh, gwp100):
    kind, project = fresh
    d = project.path
    lca_here(d, "footprints", "--out", str(d / "scores0.csv"))  # fills the cache
    lca_here(d, "footprint", GRID, "--json")  # and the flow names, the split methods' factors
    files = sorted((d / "cache").glob("*.npz"))
    names = {p.name.split("-")[0] for p in files}
    assert {"system", "structure", "c"} <= names and any(n.startswith("nodes_") for n in names)  # nodes: one per database
    for i, p in enumerate(files):  # damage every file, three ways
        raw = bytearray(p.read_bytes())
        if i % 3 == 0:
            raw[len(raw) // 2] ^= 0xFF  # a flipped byte in the middle of the data
            p.write_bytes(bytes(raw))
        elif i % 3 == 1:
            p.write_bytes(bytes(raw[: len(raw) // 3]))  # truncated
        else:
            p.write_bytes(b"not a cache file")
    lca_here(d, "footprints", "--out", str(d / "scores1.csv"))
    import pandas as pd

    got = pd.read_csv(d / "scores1.csv", index_col=0)["score"]
    want = independent_scores(d, gwp100)
    assert len(got) == len(want)
    np.testing.assert_allclose(got.values, [want[r] for r in got.index], rtol=1e-6, atol=1e-9)
    assert footprint_cold(d, kind=kind)["total"] == pytest.approx(want[GRID], rel=1e-6)
    # and the cache was rebuilt whole: a second fresh process reads it back
    (lca_cli if kind == "process" else lca_here)(d, "footprints", "--out", str(d / "scores2.csv"))
    again = pd.read_csv(d / "scores2.csv", index_col=0)["score"]
    np.testing.assert_allclose(again.values, got.values, rtol=0, atol=0)
    for p in (d / "cache").glob("*.npz"):
        assert np.load(p, allow_pickle=False)["_key"].size == 1


def test_store_refuses_what_it_cannot_read_back(tmp_path):
    store = cache.Store(tmp_path)
    arrays = cache.table_arrays({"id": [3, 1, 2], "name": ["电池", None, ""], "code": ["a", "b", "c"]})
    store.save("t", "k1", arrays)
    back = store.load("t", "k1", ("id", "name"))
    cols = cache.table_columns(back, ["id", "name", "code"])
    assert list(cols["id"]) == [3, 1, 2] and list(cols["name"]) == ["电池", None, ""]
    assert store.load("t", "k2") is None  # another key: another file
    store.path("t", "k1").rename(store.path("t", "k2"))  # a file under the wrong name
    assert store.load("t", "k2") is None and not store.path("t", "k2").exists()
    store.save("t", "k1", arrays)
    store.save("t", "k3", arrays)  # a new key replaces the old file
    assert not store.path("t", "k1").exists() and store.path("t", "k3").exists()
    assert store.load("t", "k3", ("missing",)) is None  # incomplete: discarded
    with pytest.raises(TypeError):
        cache.table_arrays({"loc": [("RER", "x")]})  # not text: not cached


@pytest.mark.slow  # multi-process: a fresh interpreter
def test_lca_help_does_not_import_the_heavy_stack():
    code = ("import sys, runpy; sys.argv = ['lca', '--help']\n"
            "try:\n    runpy.run_module('lca.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('numpy', 'pandas', 'scipy', 'bw2data', 'bw2calc', 'bw2io', 'matplotlib', 'dask',"
            " 'starlette', 'openpyxl', 'pypardiso') if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env(), cwd=str(ROOT),
                         timeout=120)
    assert res.returncode == 0, res.stderr
    assert "usage: lca" in res.stdout
    assert res.stdout.strip().splitlines()[-1] == "HEAVY []"


def profile_names_the_edit(d: Path, kind: str, tmp_path: Path) -> None:
    """An example supplier imported, the background edited outside green-lca: the profile's JSON and its
    Excel report name the edit."""
    import openpyxl

    lca_here(d, "import", str(ROOT / "examples" / "01-lithium-salt-qinghai.xlsx"))
    outside_edit(d, "2", kind)
    report = tmp_path / "report.xlsx"
    prof = json.loads(lca_here(d, "profile", "QH-LITHIUM/LC-BATTERY", "--json", "--excel", str(report)).stdout)
    assert any("'background' was changed outside green-lca" in w for w in prof["warnings"])
    assert "background (changed" in prof["methodology"]["modified_outside"]
    wb = openpyxl.load_workbook(report, read_only=True)
    cells = [str(c) for row in wb["Methodology"].iter_rows(values_only=True) for c in row if c]
    assert any("background (changed" in c for c in cells), cells[-5:]


def test_the_profile_report_names_an_outside_edit_in_process(fresh_copy, tmp_path):
    """The quick tier's half of the next test (without the repair, which rewrites the whole background)."""
    profile_names_the_edit(fresh_copy.path, "inprocess", tmp_path)


# slow in both forms: the repair at its end rewrites the whole background (3,600 datasets), as the quick
# tier's test_a_bw2data_edit_is_named_used_cold_and_repaired[inprocess] does; the outside process is slow too
@pytest.mark.parametrize("fresh", [pytest.param("process", marks=pytest.mark.slow),
                                   pytest.param("inprocess", marks=pytest.mark.slow)], indirect=True)
def test_the_profile_report_names_an_outside_edit(fresh, tmp_path):
    kind, project = fresh
    d = project.path
    profile_names_the_edit(d, kind, tmp_path)
    lca_here(d, "init", "--repair")
    prof = json.loads(lca_here(d, "profile", "QH-LITHIUM/LC-BATTERY", "--json").stdout)
    assert "modified_outside" not in prof["methodology"]
    assert not any("changed outside green-lca" in w for w in prof["warnings"])


def system_files(d: Path) -> set[str]:
    return {p.name for p in (d / "cache").glob("system-*.npz")}


def test_a_new_database_changes_the_cache_key_and_is_not_outside(project):
    """The quick tier's half of the next test: what an import does (a database written) moves the key."""
    d = project.path
    before = project.footprints()
    key1 = system_files(d)
    assert len(key1) == 1
    project.write_database("extra-quick", [{
        "database": "extra-quick", "code": "x", "name": "x", "unit": "kilowatt hour", "location": "CN",
        "type": "process",
        "exchanges": [{"input": ("extra-quick", "x"), "amount": 1.0, "type": "production"},
                      {"input": ("background", "electricity-cn"), "amount": 2.0, "type": "technosphere"}]}])
    after = project.footprints()
    assert system_files(d) != key1 and len(system_files(d)) == 1
    assert after["extra-quick:x"] == pytest.approx(2 * before[GRID], rel=1e-9)
    assert project.modified_outside() == []  # green-lca's own writes are not "outside"
    project.delete_database("extra-quick")


@pytest.mark.slow  # a full set-up rewrite of the background (its second half is the quick test above)
def test_a_rewrite_and_a_new_database_change_the_cache_key(project):
    d = project.path
    project.footprints()
    key0 = system_files(d)
    assert len(key0) == 1
    project.setup(force=True)  # what a new inventories/ version does: the background rewritten
    before = project.footprints()
    key1 = system_files(d)
    assert len(key1) == 1 and key1 != key0  # the old file is gone, never read again
    project.write_database("extra", [{  # what an import does: a database written
        "database": "extra", "code": "x", "name": "x", "unit": "kilowatt hour", "location": "CN", "type": "process",
        "exchanges": [{"input": ("extra", "x"), "amount": 1.0, "type": "production"},
                      {"input": ("background", "electricity-cn"), "amount": 2.0, "type": "technosphere"}]}])
    after = project.footprints()
    assert system_files(d) != key1
    assert after["extra:x"] == pytest.approx(2 * before[GRID], rel=1e-9)
    assert project.modified_outside() == []  # green-lca's own writes are not "outside"
