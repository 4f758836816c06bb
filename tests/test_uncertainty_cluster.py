"""Monte Carlo on a separately started Dask scheduler (tcp://HOST:PORT): same numbers as in-process; refusals."""
import json
import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from lca import InputError, scheduler
from lca.models import battery_pack


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A real `dask scheduler` and two `dask worker` processes on loopback (same venv, own directories).

    The workers get an empty BRIGHTWAY2_DIR and another working directory: they never see the project
    (the Monte Carlo job they receive carries every array and model definition)."""
    d = tmp_path_factory.mktemp("dask")
    env = {**os.environ, "BRIGHTWAY2_DIR": str(d / "bw-empty"), "LCA_PROJECT": str(d / "no-project")}
    (d / "bw-empty").mkdir()
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                               "--port", str(port), "--no-dashboard"], cwd=d, env=env,
                              stdout=subprocess.DEVNULL, stderr=open(d / "scheduler.log", "w"))]
    for i in range(2):
        procs.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                                       "--nworkers", "1", "--no-dashboard", "--local-directory", str(d / f"w{i}")],
                                      cwd=d, env=env, stdout=subprocess.DEVNULL, stderr=open(d / f"worker{i}.log", "w")))
    try:
        from dask.distributed import Client

        deadline = time.monotonic() + 120
        while True:  # the scheduler and both workers are up
            try:
                with Client(address, timeout=5) as c:
                    c.wait_for_workers(2, timeout=max(1, deadline - time.monotonic()))
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                    raise RuntimeError("the Dask scheduler/workers did not start: " +
                                       (d / "scheduler.log").read_text()[-2000:])
                time.sleep(0.5)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.mark.slow
def test_a_separate_dask_scheduler_gives_the_in_process_numbers(project, project_dir, dask_cluster):
    m = battery_pack("LFP", 60.0)
    inproc = project.uncertainty(m, n=6000, seed=21)
    remote = project.uncertainty(m, n=6000, seed=21, scheduler=dask_cluster)
    assert np.array_equal(remote.samples, inproc.samples)
    assert remote.settings["scheduler"] == dask_cluster
    # both workers took part (3 chunks in 3 tasks; at least one on each) - and the job ran there, not here
    tm = {}
    job_samples = None
    from lca.uncertainty import make_job, run

    job, _ = make_job(project, [m], [1.0], 6000, 21)
    job_samples = run(job, dask_cluster, tm)
    assert tm["workers"] == 2 and tm["tasks"] == 3
    assert np.array_equal(job_samples[0], inproc.samples)
    # the CLI with --scheduler tcp://...: the same distribution summary as the API in-process
    r = subprocess.run([sys.executable, "-m", "lca.cli", "--project", str(project_dir), "uncertainty", "--model",
                        "battery_pack", "--set", "chemistry=LFP", "--n", "6000", "--seed", "21", "--json",
                        "--scheduler", dask_cluster], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["n"] == 6000 and out["seed"] == 21
    for key, value in (("mean", inproc.mean), ("median", inproc.median), ("std", inproc.std),
                       ("p5", inproc.percentile(5)), ("p95", inproc.percentile(95))):
        assert out[key] == pytest.approx(value, rel=1e-12), key


def test_an_unreachable_scheduler_is_refused_naming_the_address_and_the_fix(project, project_dir, monkeypatch):
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    monkeypatch.setattr(scheduler, "CONNECT_TIMEOUT", 0.3)  # nothing listens: refused at once, retried until then
    with pytest.raises(InputError) as e:
        project.uncertainty("background:nickel-sulfate", n=10, scheduler=address)
    assert address in str(e.value) and "dask scheduler" in str(e.value) and "dask worker" in str(e.value)


@pytest.mark.slow
def test_cli_refuses_an_unreachable_scheduler_with_exit_2(project_dir):
    address = f"tcp://127.0.0.1:{_free_port()}"
    r = subprocess.run([sys.executable, "-m", "lca.cli", "--project", str(project_dir), "uncertainty",
                        "background:nickel-sulfate", "--n", "10", "--scheduler", address],
                       capture_output=True, text=True, timeout=300, env={**os.environ, "LCA_DASK_TIMEOUT": "1"})
    assert r.returncode == 2, r.stderr
    assert address in r.stderr and "dask scheduler" in r.stderr and "Traceback" not in r.stderr
