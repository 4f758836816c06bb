"""Dask scale-out: run the chunks of a Monte Carlo job on a LocalCluster or an existing Dask scheduler.

``scheduler`` strings: ``local:N`` starts (once per process, then reused) a
``dask.distributed.LocalCluster`` of N single-threaded worker processes;
``tcp://HOST:PORT`` connects to a running Dask scheduler (a real cluster; its
workers need green-lca installed, not the project: the job carries every array
and model definition they use). The job is scattered once to every worker
(broadcast); each worker rebuilds its own solve schedule before the chunks run
(nothing unpicklable crosses the wire); a task computes several consecutive
chunks. The chunks and their random streams are those of the in-process run, so
results equal the in-process results for the same seed.

Local workers run without Dask's statistical profiler and with glibc's default malloc thresholds (see
:func:`_worker_config`). Workers of a ``tcp://`` cluster are started by their owner: for the
same speed start them with ``DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False`` and without
the nanny's ``MALLOC_TRIM_THRESHOLD_`` (``dask worker ADDRESS --no-nanny``).
"""
from __future__ import annotations

import atexit
import os
import re

from .errors import InputError, LcaError

_LOCAL: dict[int, tuple] = {}  # N -> (cluster, client), reused within a process
MAX_LOCAL_WORKERS = 64


def parse(scheduler: str) -> tuple[str, object]:
    """``("local", N)`` or ``("tcp", address)``; InputError naming the accepted forms."""
    text = str(scheduler).strip()
    m = re.fullmatch(r"local:(\d+)", text)
    if m:
        n = int(m.group(1))
        if not 1 <= n <= MAX_LOCAL_WORKERS:
            raise InputError(f"--scheduler {text}: give 1..{MAX_LOCAL_WORKERS} local workers")
        return "local", n
    if re.fullmatch(r"tcp://[^\s/:]+:\d{1,5}", text):
        return "tcp", text
    raise InputError(f"--scheduler {text!r}: use local:N (N worker processes on this machine) or "
                     "tcp://HOST:PORT (a running Dask scheduler)")


# seconds to reach a tcp:// scheduler and to wait for its first worker [s] (environment: LCA_DASK_TIMEOUT)
CONNECT_TIMEOUT = float(os.environ.get("LCA_DASK_TIMEOUT", "10"))
TASKS_PER_WORKER = 4  # tasks per worker [-]: several chunks per task (less overhead), a short tail


def _worker_config():
    """Dask settings for the local workers: no statistical profiler (it samples every thread's stack
    every 10 ms); and glibc's own malloc thresholds: Dask's nanny sets ``MALLOC_TRIM_THRESHOLD_=65536``,
    which also freezes the mmap threshold at 128 kB, so every solve block's temporaries (a few hundred
    kB) were mapped, page-faulted and unmapped again: ~57 000 page faults per 20 chunks and up to 2x the
    in-process time per chunk (measured, session 4). Single-threaded BLAS stays (Dask's default)."""
    return {"distributed.worker.profile.enabled": False,
            "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}


def client(scheduler: str):
    """A ``dask.distributed.Client`` for ``scheduler`` (a local cluster is started once and reused)."""
    try:
        import dask
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - dependency declared in pyproject
        raise LcaError("dask[distributed] is not installed: pip install 'dask[distributed]'") from exc
    kind, arg = parse(scheduler)
    if kind == "local":
        if arg not in _LOCAL:
            with dask.config.set(_worker_config()):
                cluster = LocalCluster(n_workers=arg, threads_per_worker=1, processes=True, dashboard_address=None,
                                       silence_logs=50)
                _LOCAL[arg] = (cluster, Client(cluster))
        return _LOCAL[arg][1]
    try:
        c = Client(arg, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise InputError(f"--scheduler {arg}: no Dask scheduler answers there ({type(exc).__name__}: {exc}); "
                         f"start one with `dask scheduler --port PORT` and workers with `dask worker {arg}` "
                         "(in an environment where green-lca is installed), or use local:N") from None
    try:
        c.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError):
        c.close()
        raise InputError(f"--scheduler {arg}: the Dask scheduler there has no workers; start some with "
                         f"`dask worker {arg}` (in an environment where green-lca is installed)") from None
    return c


def _warm(job) -> bool:
    job.static()  # imports, the solve schedule, one model build: first-use costs paid before the chunks
    return True


def _run_chunks(job, ks):
    import numpy as np

    return np.concatenate([job.run_chunk(k) for k in ks], axis=1)


def groups(n_chunks: int, n_workers: int) -> list[list[int]]:
    """Consecutive chunk numbers, split into about ``TASKS_PER_WORKER`` tasks per worker."""
    tasks = max(1, min(n_chunks, TASKS_PER_WORKER * max(1, n_workers)))
    bounds = [round(i * n_chunks / tasks) for i in range(tasks + 1)]
    return [list(range(a, b)) for a, b in zip(bounds, bounds[1:]) if b > a]


def map_chunks(job, scheduler: str, timings: dict | None = None) -> list:
    """The job's samples computed on the workers of ``scheduler``: arrays (targets x samples) in chunk order.

    The job is scattered once to every worker (broadcast) and each worker builds its solve schedule
    before any chunk runs; each task then computes several consecutive chunks (each chunk keeps its
    own random stream, so the numbers do not depend on the grouping or the workers). ``timings``,
    if given, receives ``setup`` (scatter + warm-up) and ``compute`` [s]."""
    import time

    c = client(scheduler)
    try:
        t0 = time.perf_counter()
        workers = list(c.scheduler_info()["workers"])
        remote = c.scatter(job, broadcast=True)
        c.gather([c.submit(_warm, remote, workers=[w], allow_other_workers=False, pure=False) for w in workers])
        t1 = time.perf_counter()
        tasks = groups(job.n_chunks, len(workers))
        futures = c.map(_run_chunks, [remote] * len(tasks), tasks, pure=False)
        parts = c.gather(futures)
        if timings is not None:
            timings.update(setup=t1 - t0, compute=time.perf_counter() - t1, workers=len(workers), tasks=len(tasks))
        return parts
    finally:
        if parse(scheduler)[0] == "tcp":
            c.close()


def shutdown() -> None:
    """Close the local clusters this process started."""
    for cluster, cl in list(_LOCAL.values()):
        try:
            cl.close()
            cluster.close()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass
    _LOCAL.clear()


atexit.register(shutdown)
