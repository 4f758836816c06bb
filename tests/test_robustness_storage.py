"""Storage faults (robustness.md, "Storing data"): killed writers, damaged files, two writers.

Every fault is built here, in a copy of the set-up session project in a temp dir:
writer processes are this test's own children, paused at a named point of a
database write by patching Brightway inside the child (no test hook in the
library), then killed by pid with SIGKILL. The damage is inspected with plain
``json`` / ``zipfile`` / ``sqlite3`` (not the code under test), then the next
command must work, keep what was committed before and give current results.

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

import lca, lca.cli, lca.project
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
    orig_s = lca.project.Project._set_pending
    def set_pending(self, name, on):
        if name == os.environ["KILL_DB"] and not on:
            pause()
        return orig_s(self, name, on)
    lca.project.Project._set_pending = set_pending
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
p.write_database(os.environ["KILL_DB"], json.loads(open(data_file).read()))
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


def start_child(tmp: Path, point: str, project_dir: Path, data=None, argv=(), db="extra"):
    script = tmp / "child.py"
    script.write_text(CHILD)
    data_file = tmp / "data.json"
    data_file.write_text(json.dumps(data or []))
    return subprocess.Popen([sys.executable, str(script), point, str(project_dir), str(data_file), *argv],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(KILL_DB=db))


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


# -- a writer killed at each point of a database write ----------------------------------------
@pytest.mark.slow  # kill-and-repair / writer processes
@pytest.mark.parametrize("point,expect", [
    ("start", {"pending"}),
    ("sqlite", {"pending", "indices", "sqlite-journal"}),
    ("process", {"pending", "processed-older"}),
    ("zip", {"pending", "processed-older", "zip-truncated"}),
    ("clear", {"pending"}),
])
def test_writer_killed_mid_write_next_command_repairs(base, copy, tmp_path, point, expect):
    child = start_child(tmp_path, point, copy, data=extra_data(base["co2"], 2))
    kill_when_paused(child)
    found = damage(copy, "extra")
    assert expect <= found, found  # the fault really is there
    # the next command works and reports current data: the interrupted write is replayed
    # from its journal (complete and validated), never half of it
    out = cli(copy, "footprint", "extra:item-7", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["total"] == pytest.approx(expected_item(7, 2), rel=1e-6)
    assert damage(copy, "extra") == set()
    p = lca.open_project(copy)
    assert_extra_consistent(p, 2)
    assert_background_intact(p, base)  # committed before: untouched


def test_validation_failure_writes_nothing(base, copy):
    p = lca.open_project(copy)
    bad = extra_data(base["co2"], 3)
    bad[150]["exchanges"][1]["amount"] = float("nan")
    with pytest.raises(lca.InputError, match="item-149"):
        p.write_database("extra", bad)
    assert damage(copy, "extra") == set()
    assert_extra_consistent(p, 1)  # the old data, not deleted as Brightway would


def test_brightway_failing_midway_is_rebuilt(base, copy, monkeypatch):
    """Database.write raises after deleting the old rows (bw2data then purges the database)."""
    from bw2data.backends import schema

    p = lca.open_project(copy)
    calls = []

    def failing(cls, rows, *a, **k):
        calls.append(1)
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(schema.ActivityDataset, "insert_many", classmethod(failing))
    with pytest.raises(lca.LcaError, match="rebuilt"):
        p.write_database("extra", extra_data(base["co2"], 2))
    monkeypatch.undo()
    assert calls
    p2 = lca.open_project(copy)  # the next command
    assert damage(copy, "extra") == set()
    assert_extra_consistent(p2, 2)


# -- damage built by hand -----------------------------------------------------------------------
def test_truncated_processed_zip_is_reprocessed(base, copy):
    zp = next((bw_dir(copy) / "processed").glob("extra.*.zip"))
    data = zp.read_bytes()
    zp.write_bytes(data[: len(data) // 2])
    assert damage(copy, "extra") == {"zip-truncated"}
    p = lca.open_project(copy)
    assert damage(copy, "extra") == set()
    assert_extra_consistent(p, 1)


def test_deleted_indices_are_recreated(base, copy):
    con = sqlite3.connect(bw_dir(copy) / "lci" / "databases.db")
    for name in INDICES:
        con.execute(f'DROP INDEX "{name}"')
    con.commit()
    con.close()
    assert damage(copy, "extra") == {"indices"}
    p = lca.open_project(copy)
    assert damage(copy, "extra") == set()
    assert_extra_consistent(p, 1)


def test_processed_arrays_older_than_the_data(base, copy, tmp_path):
    """Data rewritten (version 2), then the version-1 arrays and timestamps put back."""
    d = bw_dir(copy)
    zp = next((d / "processed").glob("extra.*.zip"))
    old_zip = zp.read_bytes()
    old_processed = json.loads((d / "databases.json").read_text())["extra"]["processed"]
    p = lca.open_project(copy)
    p.write_database("extra", extra_data(base["co2"], 2))
    del p
    zp.write_bytes(old_zip)
    meta = json.loads((d / "databases.json").read_text())
    meta["extra"]["processed"] = old_processed
    (d / "databases.json").write_text(json.dumps(meta))
    assert damage(copy, "extra") == {"processed-older"}
    out = cli(copy, "footprint", "extra:item-0", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["total"] == pytest.approx(expected_item(0, 2), rel=1e-6)


def test_rewriting_a_database_reprocesses_those_linking_to_it(base, copy):
    """Brightway gives rewritten nodes new ids; arrays of databases linking to them must follow."""
    p = lca.open_project(copy)
    co2 = base["co2"]
    p.write_database("downstream", [{
        "database": "downstream", "code": "d", "name": "d", "unit": "kilogram", "location": "CN",
        "reference product": "d", "type": "process",
        "exchanges": [{"input": ("downstream", "d"), "amount": 1.0, "type": "production"},
                      {"input": ("extra", "hub"), "amount": 3.0, "type": "technosphere"},
                      {"input": ("biosphere3", co2), "amount": 0.5, "type": "biosphere"}]}])
    assert p.footprint("downstream:d").total == pytest.approx(0.5 + 3.0 * 2.0, rel=1e-6)
    p.write_database("extra", extra_data(co2, 2))
    assert p.footprint("downstream:d").total == pytest.approx(0.5 + 3.0 * 4.0, rel=1e-6)
    assert damage(copy, "downstream") == set()


def test_unreadable_state_file_refused_with_the_fix(copy):
    (copy / "green-lca.json").write_text("{not json")
    out = cli(copy, "info")
    assert out.returncode == 1
    assert "green-lca.json" in out.stderr and "lca init" in out.stderr
    assert "Traceback" not in out.stderr


# -- caches never outlive another process's write ---------------------------------------------
@pytest.mark.slow  # kill-and-repair / writer processes
def test_other_process_write_is_seen_by_a_long_lived_process(base, copy, tmp_path):
    p = lca.open_project(copy)
    assert p.footprint("extra:item-3").total == pytest.approx(expected_item(3, 1), rel=1e-6)
    assert p.search("extra item-3", limit=1)[0].ref == "extra:item-3"
    child = start_child(tmp_path, "none", copy, data=extra_data(base["co2"], 5))
    out, err = child.communicate(timeout=300)
    assert child.returncode == 0 and "DONE" in out, err
    assert p.footprint("extra:item-3").total == pytest.approx(expected_item(3, 5), rel=1e-6)
    assert p.footprints(database="extra")["extra:hub"] == pytest.approx(10.0, rel=1e-6)


@pytest.mark.slow  # kill-and-repair / writer processes
def test_long_lived_process_waits_for_a_writer_then_repairs(base, copy, tmp_path):
    """A query during another process's write waits for it; if it was killed, repairs first."""
    p = lca.open_project(copy)
    p.footprint("extra:item-0")
    child = start_child(tmp_path, "process", copy, data=extra_data(base["co2"], 4))
    wait_paused(child)
    timer = __import__("threading").Timer(1.0, lambda: os.kill(child.pid, signal.SIGKILL))
    timer.start()
    t0 = time.monotonic()
    total = p.footprint("extra:item-0").total  # waits on the lock, then finds the pending write
    assert time.monotonic() - t0 >= 0.9
    child.wait()
    assert total == pytest.approx(expected_item(0, 4), rel=1e-6)


# -- two writers --------------------------------------------------------------------------------
@pytest.mark.slow  # kill-and-repair / writer processes
def test_two_processes_writing_at_once_both_land(base, copy, tmp_path):
    procs = []
    for name in ("w-a", "w-b"):
        data = extra_data(base["co2"], 3 if name == "w-a" else 4)
        for ds in data:
            ds["database"] = name
            for e in ds["exchanges"]:
                if e["input"][0] == "extra":
                    e["input"][0] = name
        sub = tmp_path / name
        sub.mkdir()
        procs.append(start_child(sub, "none", copy, data=data, db=name))
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0 and "DONE" in out, err
    p = lca.open_project(copy)
    for name, v in (("w-a", 3), ("w-b", 4)):
        s = p.footprints(database=name)
        assert len(s) == N_ITEMS + 1
        assert s[f"{name}:item-9"] == pytest.approx(expected_item(9, v), rel=1e-6)
    assert_extra_consistent(p, 1)


@pytest.mark.slow  # kill-and-repair / writer processes
def test_second_writer_exits_3_naming_the_holder(base, copy, tmp_path):
    child = start_child(tmp_path, "clear", copy, data=extra_data(base["co2"], 2))
    try:
        wait_paused(child)
        t0 = time.monotonic()
        out = cli(copy, "footprint", "extra:item-1", "--json", LCA_LOCK_TIMEOUT="1")
        assert out.returncode == 3, out.stderr
        assert f"pid {child.pid}" in out.stderr and "LCA_LOCK_TIMEOUT" in out.stderr
        assert out.stdout == ""
        assert time.monotonic() - t0 < 60
    finally:
        child.kill()
        child.wait()


# -- supplier imports (lca import) --------------------------------------------------------------
EXAMPLES = ROOT / "examples"
WORKBOOK_A = EXAMPLES / "01-lithium-salt-qinghai.xlsx"
WORKBOOK_B = EXAMPLES / "02-cathode-hunan.xlsx"
needs_import = pytest.mark.skipif(not (WORKBOOK_A.exists() and WORKBOOK_B.exists()),
                                  reason="examples/ supplier workbooks not written yet")


def submissions(project_dir: Path) -> set[str]:
    return {p.stem for p in (project_dir / "submissions").glob("*.json")}


@needs_import
@pytest.mark.slow  # kill-and-repair / writer processes
def test_two_imports_at_once_both_companies_land(copy):
    # each import waits up to LCA_LOCK_TIMEOUT (60 s, set here rather than inherited) for the other's write
    # lock, far longer than an import holds it: both must land. A refusal after the timeout (exit 3, naming
    # the holder) is test_second_writer_exits_3_naming_the_holder's subject, not an escape here.
    procs = [subprocess.Popen([sys.executable, "-m", "lca.cli", "--project", str(copy), "import",
                               str(wb), "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env(LCA_LOCK_TIMEOUT="60"))
             for wb in (WORKBOOK_A, WORKBOOK_B)]
    products = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        products += json.loads(out)["products"]
    assert len(products) >= 2
    assert submissions(copy) >= {"QH-LITHIUM", "HN-CATHODE"}
    p = lca.open_project(copy)
    refs = set(p.footprints(database="suppliers").index)
    for prod in products:
        ref = prod if ":" in prod else f"suppliers:{prod}"
        assert ref in refs, (ref, sorted(refs)[:20])
    assert any(r.startswith("suppliers:QH-LITHIUM/") for r in refs)
    assert any(r.startswith("suppliers:HN-CATHODE/") for r in refs)


@pytest.fixture(scope="module")
def imported(base, tmp_path_factory):
    """``base`` plus company A imported (committed), and its product's footprint by the CLI."""
    if not WORKBOOK_A.exists():
        pytest.skip("examples/ not written yet")
    d = tmp_path_factory.mktemp("imported") / "project"
    shutil.copytree(base["dir"], d, ignore=shutil.ignore_patterns("write.lock"))
    out = cli(d, "import", str(WORKBOOK_A), "--json")
    assert out.returncode == 0, out.stderr
    product = json.loads(out.stdout)["products"][0]
    fp = cli(d, "footprint", product, "--json")
    assert fp.returncode == 0, fp.stderr
    return {"dir": d, "product": product, "total": json.loads(fp.stdout)["total"]}


@needs_import
@pytest.mark.slow  # kill-and-repair / writer processes
@pytest.mark.parametrize("point", ["sqlite", "process", "replace"])
def test_import_killed_next_command_works(imported, tmp_path, point):
    d = tmp_path / "project"
    shutil.copytree(imported["dir"], d, ignore=shutil.ignore_patterns("write.lock"))
    child = start_child(tmp_path, point, d, argv=["import", str(WORKBOOK_B)], db="suppliers")
    kill_when_paused(child)
    assert "pending" in damage(d, "suppliers") or point == "replace"
    # the next command works; company A (committed before) is intact with the same result
    out = cli(d, "footprint", imported["product"], "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["total"] == pytest.approx(imported["total"], rel=1e-9)
    assert damage(d, "suppliers") == set()
    # the database agrees with the stored submissions: company B entirely or not at all
    p = lca.open_project(d)
    refs = set(p.footprints(database="suppliers").index)
    has_b = any(r.startswith("suppliers:HN-CATHODE/") for r in refs)
    assert has_b == ("HN-CATHODE" in submissions(d))
    # and importing B again now completes
    again = cli(d, "import", str(WORKBOOK_B), "--json")
    assert again.returncode == 0, again.stderr
    assert "HN-CATHODE" in submissions(d)


@needs_import
def test_submission_check_is_cached_by_file_stats_and_a_changed_file_is_caught(imported, tmp_path, monkeypatch):
    from lca.supply import store

    d = tmp_path / "project"
    shutil.copytree(imported["dir"], d, ignore=shutil.ignore_patterns("write.lock"))
    p = lca.open_project(d)  # the copy has new inodes: the full check runs and records its result
    assert (d / store.CHECKED_FILE).exists()

    def no_reading(_project):
        raise AssertionError("the submissions were read although nothing changed")

    monkeypatch.setattr(store, "_stored_texts", no_reading)
    assert store.is_current(p, p.activate())
    monkeypatch.undo()
    # a stored submission changed behind the project's back (valid JSON, other bytes): the stat
    # signature differs, the full check runs and finds the digest no longer matches
    f = next((d / store.SUBMISSIONS_DIR).glob("*.json"))
    f.write_text(f.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert not store.is_current(p, p.activate())
    # the cached result is not reused either when the database digest changes (a crash after the
    # database write and before the files were replaced): put the old files back, change the digest
    f.write_text(f.read_text(encoding="utf-8")[:-1], encoding="utf-8")
    assert store.is_current(p, p.activate())
    bd = p.activate()
    meta = bd.databases[store.SUPPLIER_DB]
    meta[store.DIGEST_KEY] = "0" * 64
    bd.databases[store.SUPPLIER_DB] = meta
    bd.databases.flush()
    assert not store.is_current(p, bd)


# -- the models database and the first set-up, killed -------------------------------------------
MODEL_ARGS = ["footprint", "--model", "battery_pack", "--set", "chemistry=NMC811", "--set", "capacity_kwh=61",
              "--json"]


@pytest.mark.slow  # kill-and-repair / writer processes
@pytest.mark.parametrize("point", ["sqlite", "process", "clear"])
def test_models_write_killed_next_footprint_works(base, copy, tmp_path, point):
    ref = tmp_path / "reference"  # the same model, uninterrupted, in an undamaged copy (base stays without it)
    shutil.copytree(base["dir"], ref, ignore=shutil.ignore_patterns("write.lock"))
    want = cli(ref, *MODEL_ARGS)
    assert want.returncode == 0, want.stderr
    child = start_child(tmp_path, point, copy, argv=MODEL_ARGS, db="models")
    kill_when_paused(child)
    assert "pending" in damage(copy, "models")
    got = cli(copy, *MODEL_ARGS)  # repairs (rebuilds `models` empty), regenerates the model, computes
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout)["total"] == pytest.approx(json.loads(want.stdout)["total"], rel=1e-9)
    assert damage(copy, "models") == set()
    p = lca.open_project(copy)
    assert_extra_consistent(p, 1)  # what was committed before the kill is intact
    assert_background_intact(p, base)


@pytest.mark.slow  # kill-and-repair / writer processes
def test_first_setup_killed_in_the_biosphere_write_next_command_sets_up(base, tmp_path):
    fresh = tmp_path / "fresh"
    product = "background:" + str(base["bg"].index[0]).split(":", 1)[1]
    child = start_child(tmp_path, "sqlite", fresh, argv=["footprint", product, "--json"], db="biosphere3")
    kill_when_paused(child)  # the first SQLite insert of a new project: biosphere3
    state = json.loads((fresh / "green-lca.json").read_text())
    assert "biosphere3" in (state.get("pending") or [])
    got = cli(fresh, "footprint", product, "--json")
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout)["total"] == pytest.approx(float(base["bg"].iloc[0]), rel=1e-6)
    state = json.loads((fresh / "green-lca.json").read_text())
    assert not state.get("pending") and state.get("setup_complete")
