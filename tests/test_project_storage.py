"""Storage faults of the project: damaged files, failed writes, two writers.

Built in copies of the session project (see ``storage_util``); the damage is seen with plain
``json`` / ``zipfile`` / ``sqlite3``, then the next command must work, keep what was committed
before and give current results (by hand: score(item-i) = 0.25*(i+1) + v kg CO2-eq).
"""
import json
import os
import signal
import sqlite3
import time

import pytest

import lca
from storage_util import (INDICES, N_ITEMS, assert_extra_consistent, bw_dir, cli, damage, expected_item,
                          extra_data, start_child, wait_paused)
from storage_util import base, copy  # noqa: F401  (fixtures)
from cli_util import lca_in_process


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


# a fresh `lca` process (slow) and the same command in this process read the damaged arrays
@pytest.mark.parametrize("run", [pytest.param(cli, id="process", marks=pytest.mark.slow),
                                 pytest.param(lca_in_process, id="inprocess")])
def test_processed_arrays_older_than_the_data(base, copy, tmp_path, run):
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
    out = run(copy, "footprint", "extra:item-0", "--json")
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


# a fresh `lca` process (slow), and the same command in this process (an exception that escaped `main`
# would fail the test here, where the process would print a traceback)
@pytest.mark.parametrize("run", [pytest.param(cli, id="process", marks=pytest.mark.slow),
                                 pytest.param(lca_in_process, id="inprocess")])
def test_unreadable_state_file_refused_with_the_fix(copy, run):
    (copy / "green-lca.json").write_text("{not json")
    out = run(copy, "info")
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
