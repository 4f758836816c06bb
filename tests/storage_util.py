"""Shared by the storage-fault tests: a synthetic database, a writer child paused and killed, the damage seen.

Every fault is built in a copy of the set-up session project in a temp dir:
writer processes are the test's own children, paused at a named point of a
database write by patching Brightway inside the child (no test hook in the
library), then killed by pid with SIGKILL. The damage is inspected with plain
``json`` / ``zipfile`` / ``sqlite3`` (not the code under test).

Synthetic database ``extra`` (no source but the write journal): ``hub`` emits
2*v kg CO2; ``item-i`` emits 0.25*(i+1) kg CO2 and buys 0.5 hub, so by hand
score(item-i) = 0.25*(i+1) + v kg CO2-eq (GWP100 CF of CO2 = 1), v = version.
"""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

import lca

ROOT = Path(__file__).resolve().parents[1]
N_ITEMS = 300  # > 100 datasets: Brightway drops the SQLite indices while it writes
INDICES = {"activitydataset_key", "exchangedataset_input", "exchangedataset_output"}


def extra_data(co2_code: str, version: int) -> list[dict]:
    def ds(code, co2, tech):
        exc = [{"input": ["extra", code], "amount": 1.0, "type": "production"},
               {"input": ["biosphere3", co2_code], "amount": co2, "type": "biosphere"}]
        exc += [{"input": ["extra", c], "amount": a, "type": "technosphere"} for c, a in tech]
        return {"database": "extra", "code": code, "name": f"extra {code}", "unit": "kilogram",
                "location": "CN", "reference product": code, "type": "process", "exchanges": exc}

    return [ds("hub", 2.0 * version, [])] + [
        ds(f"item-{i}", 0.25 * (i + 1), [("hub", 0.5)]) for i in range(N_ITEMS)
    ]


def extra_additions(co2_code: str, k: int) -> list[dict]:
    """``item-N_ITEMS`` .. ``item-(N_ITEMS+k-1)``, built as :func:`extra_data`'s items (to add to version 1)."""
    return [{"database": "extra", "code": f"item-{i}", "name": f"extra item-{i}", "unit": "kilogram",
             "location": "CN", "reference product": f"item-{i}", "type": "process",
             "exchanges": [{"input": ["extra", f"item-{i}"], "amount": 1.0, "type": "production"},
                           {"input": ["biosphere3", co2_code], "amount": 0.25 * (i + 1), "type": "biosphere"},
                           {"input": ["extra", "hub"], "amount": 0.5, "type": "technosphere"}]}
            for i in range(N_ITEMS, N_ITEMS + k)]


def expected_item(i: int, version: int) -> float:
    return 0.25 * (i + 1) + 0.5 * 2.0 * version


# The child: pause at POINT of a write (marker file, sleep), so the parent can kill it.
CHILD = r'''
import json, os, sys, time
point, proj_dir, data_file = sys.argv[1], sys.argv[2], sys.argv[3]
argv = sys.argv[4:]

def pause(*_):
    open(data_file + ".paused", "w").close()
    time.sleep(600)

import lca, lca.cli, lca.project, lca.state
import bw_processing
from bw2data.backends import base as bwbase, schema

if point == "start":  # pending marked and journal written, nothing in SQLite yet
    bwbase.SQLiteBackend.write = lambda self, *a, **k: pause()
elif point == "sqlite":  # inside the SQLite transaction: old rows deleted, indices dropped
    orig = schema.ActivityDataset.insert_many.__func__
    schema.ActivityDataset.insert_many = classmethod(lambda cls, rows, *a, **k: pause())
elif point == "process":  # new rows committed, processed arrays not yet rewritten
    orig_p = bwbase.SQLiteBackend.process
    def process(self, *a, **k):
        if self.name == os.environ["KILL_DB"]:
            pause()
        return orig_p(self, *a, **k)
    bwbase.SQLiteBackend.process = process
elif point == "zip":  # processed zip opened for writing, not finished
    orig_f = bw_processing.Datapackage.finalize_serialization
    def fin(self, *a, **k):
        if os.environ["KILL_DB"] in str(self.metadata.get("name", "")):
            pause()
        return orig_f(self, *a, **k)
    bw_processing.Datapackage.finalize_serialization = fin
elif point == "clear":  # all written, pending mark not yet cleared
    orig_s = lca.state.ProjectState.set_pending
    def set_pending(self, name, on):
        if name == os.environ["KILL_DB"] and not on:
            pause()
        return orig_s(self, name, on)
    lca.state.ProjectState.set_pending = set_pending
elif point == "replace":  # supplier database written, submission JSON not yet moved in place
    from lca.supply import store
    orig_w = store._write
    def _write(*a, **k):
        orig_w(*a, **k)
        pause()
    store._write = _write

if argv:  # a command line, e.g. `lca import FILE`
    sys.exit(lca.cli.main(["--project", proj_dir] + argv))
p = lca.open_project(proj_dir)
write = p.add_datasets if os.environ.get("KILL_ADD") else p.write_database  # KILL_ADD: an addition
write(os.environ["KILL_DB"], json.loads(open(data_file).read()))
print("DONE", flush=True)
'''


def env(**extra) -> dict:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    e.update(extra)
    return e


def cli(project_dir: Path, *args, timeout=300, **extra) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lca.cli", "--project", str(project_dir), *args],
                          capture_output=True, text=True, timeout=timeout, env=env(**extra))


def start_child(tmp: Path, point: str, project_dir: Path, data=None, argv=(), db="extra", add=False):
    script = tmp / "child.py"
    script.write_text(CHILD)
    data_file = tmp / "data.json"
    data_file.write_text(json.dumps(data or []))
    return subprocess.Popen([sys.executable, str(script), point, str(project_dir), str(data_file), *argv],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env(KILL_DB=db, **({"KILL_ADD": "1"} if add else {})))


def wait_paused(child: subprocess.Popen, timeout=120) -> None:
    """Wait for the child's marker file (written at its pause point)."""
    marker = Path(child.args[4] + ".paused")
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if child.poll() is not None or time.monotonic() > deadline:
            child.kill()
            raise AssertionError(f"child did not reach its pause point: {child.stderr.read()[-3000:]}")
        time.sleep(0.05)


def kill_when_paused(child: subprocess.Popen) -> None:
    wait_paused(child)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


# -- looking at the damage without the code under test ---------------------------------------
def bw_dir(project_dir: Path) -> Path:
    return next(p for p in (project_dir / "brightway").iterdir() if p.name.startswith("green-lca."))


def damage(project_dir: Path, db: str) -> set[str]:
    """What a killed writer left: read from the files with json, zipfile and sqlite3 only."""
    found = set()
    state = json.loads((project_dir / "green-lca.json").read_text())
    if state.get("pending"):
        found.add("pending")
    d = bw_dir(project_dir)
    con = sqlite3.connect(d / "lci" / "databases.db")
    try:
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    finally:
        con.close()
    if not INDICES <= names:
        found.add("indices")
    if (d / "lci" / "databases.db-journal").exists():
        found.add("sqlite-journal")
    meta = json.loads((d / "databases.json").read_text()).get(db, {})
    if meta.get("processed", "") < meta.get("modified", ""):
        found.add("processed-older")
    for zp in (d / "processed").glob(f"{db}.*.zip"):
        try:
            with zipfile.ZipFile(zp) as zf:
                if zf.testzip() is not None:
                    found.add("zip-truncated")
        except zipfile.BadZipFile:
            found.add("zip-truncated")
    return found


@pytest.fixture(scope="module")
def base(project, tmp_path_factory, gwp100):
    """A copy of the session project holding ``extra`` version 1 (committed)."""
    d = tmp_path_factory.mktemp("storage") / "base"
    project.activate()
    with project.lock():  # a quiet moment: nobody writes while we copy
        shutil.copytree(project.path, d, ignore=shutil.ignore_patterns("write.lock"))
    p = lca.open_project(d)
    co2 = p.biosphere_codes()["CO2 fossil"]
    p.write_database("extra", extra_data(co2, 1))
    bg = p.footprints(database="background")
    return {"dir": d, "co2": co2, "bg": bg}


@pytest.fixture
def copy(base, tmp_path):
    d = tmp_path / "project"
    shutil.copytree(base["dir"], d, ignore=shutil.ignore_patterns("write.lock"))
    return d


def assert_extra_consistent(p, version: int) -> None:
    series = p.footprints(database="extra")
    assert len(series) == N_ITEMS + 1
    for i in (0, 7, N_ITEMS - 1):
        assert series[f"extra:item-{i}"] == pytest.approx(expected_item(i, version), rel=1e-6)
    assert series["extra:hub"] == pytest.approx(2.0 * version, rel=1e-6)


def assert_background_intact(p, base) -> None:
    bg = p.footprints(database="background")
    assert len(bg) == len(base["bg"])
    assert (bg.sort_index() - base["bg"].sort_index()).abs().max() <= 1e-9 * base["bg"].abs().max()


EXAMPLES = ROOT / "examples"
WORKBOOK_A = EXAMPLES / "01-lithium-salt-qinghai.xlsx"
WORKBOOK_B = EXAMPLES / "02-cathode-hunan.xlsx"

