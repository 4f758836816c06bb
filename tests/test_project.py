"""Embedded project: offline idempotent set-up, info, locking."""
import json
import socket
import subprocess
import sys
import time

import pytest

import lca
from cli_util import lca_in_process


@pytest.mark.slow  # two full set-ups from scratch
def test_fresh_setup_offline_twice_under_a_minute(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    t0 = time.perf_counter()
    lca.open_project(tmp_path / "fresh")
    first = time.perf_counter() - t0
    state1 = json.loads((tmp_path / "fresh" / "green-lca.json").read_text())
    t0 = time.perf_counter()
    proj2 = lca.open_project(tmp_path / "fresh")
    second = time.perf_counter() - t0
    state2 = json.loads((tmp_path / "fresh" / "green-lca.json").read_text())
    assert first < 60, first
    assert second < 5, second
    assert state1 == state2  # nothing rewritten the second time
    info = proj2.info()
    assert info["databases"]["biosphere3"] > 4000
    assert info["databases"]["background"] > 100
    assert info["inventories_version"] == info["inventories_version_current"]
    for alias in ("GWP100", "GWP20", "EF3.1-climate"):
        assert proj2.method(alias)
    assert ("IPCC 2021", "climate change: fossil", "global warming potential (GWP100)") in \
        {tuple(m) for m in __import__("bw2data").methods}
    # the user's default Brightway directory was never used
    assert str(tmp_path) in info["brightway_dir"]


def test_cli_footprint_json_matches_api(project, project_dir):
    api = project.footprint("background:electricity-cn").total
    # in this process (a fresh process's stdout is one JSON object too: test_cold_start's footprint_cold)
    out = lca_in_process(project_dir, "footprint", "background:electricity-cn", "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)  # exactly one JSON object on stdout
    assert doc["total"] == pytest.approx(api, rel=1e-12)
    assert doc["method"] == ["IPCC 2021", "climate change", "global warming potential (GWP100)"]


def test_cli_bad_target_exit_2_with_closest(project, project_dir, capsys):
    from lca import cli

    capsys.readouterr()
    rc = cli.main(["--project", str(project_dir), "footprint", "background:electricity-cn-scc"])  # in-process
    out = capsys.readouterr()
    assert rc == 2
    assert "background:electricity-cn-sc" in out.err
    assert out.out == ""


def test_a_writer_lock_held_elsewhere_times_out_naming_the_holder(project):
    """The quick tier's part of the test below: the lock file taken through another open file
    (flock conflicts between open files, even in one process), this process's pid written as a writer's."""
    import fcntl
    import os

    with open(project.lock_path, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        t0 = time.monotonic()
        with pytest.raises(lca.LockTimeout, match=f"pid {os.getpid()}"):
            with project.lock(timeout=0.5):
                pass
        assert time.monotonic() - t0 >= 0.5
    with project.lock(timeout=0.5):  # released: taken at once
        pass


@pytest.mark.slow  # multi-process: a second process holds the lock
def test_second_writer_times_out_with_holder_pid(project, project_dir):
    code = (
        "import sys, time, lca\n"
        f"p = lca.Project(__import__('pathlib').Path({str(project_dir)!r}))\n"
        "with p.lock():\n"
        "    print('locked', flush=True)\n"
        "    time.sleep(30)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(lca.LockTimeout, match=str(holder.pid)):
            with project.lock(timeout=0.5):
                pass
    finally:
        holder.kill()
        holder.wait()
