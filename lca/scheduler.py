"""Dask scale-out: run the chunks of a Monte Carlo job on a LocalCluster or an existing Dask scheduler.

``scheduler`` strings: ``local:N`` starts (once per process, then reused) a
``dask.distributed.LocalCluster`` of N single-threaded worker processes;
``tcp://HOST:PORT`` connects to a running Dask scheduler (a real cluster; its
workers need green-lca installed). The job (matrices, model definitions) is
scattered once to every worker; each worker rebuilds its own solve schedule on
first use (nothing unpicklable crosses the wire) and computes whole chunks. The
chunks and their random streams are those of the in-process run, so results
equal the in-process results for the same seed.
"""
from __future__ import annotations

import atexit
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


def client(scheduler: str):
    """A ``dask.distributed.Client`` for ``scheduler`` (a local cluster is started once and reused)."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - dependency declared in pyproject
        raise LcaError("dask[distributed] is not installed: pip install 'dask[distributed]'") from exc
    kind, arg = parse(scheduler)
    if kind == "local":
        if arg not in _LOCAL:
            cluster = LocalCluster(n_workers=arg, threads_per_worker=1, processes=True, dashboard_address=None,
                                   silence_logs=50)
            _LOCAL[arg] = (cluster, Client(cluster))
        return _LOCAL[arg][1]
    try:
        return Client(arg, timeout=10)
    except OSError as exc:
        raise InputError(f"--scheduler {arg}: no Dask scheduler answers there ({exc}); start one with "
                         "`dask scheduler` and workers with `dask worker {arg}`") from None


def _run_chunk(job, k: int):
    return job.run_chunk(k)


def map_chunks(job, scheduler: str) -> list:
    """The job's chunks computed on the workers of ``scheduler``, in chunk order."""
    c = client(scheduler)
    remote = c.scatter(job, broadcast=True)
    futures = c.map(_run_chunk, [remote] * job.n_chunks, list(range(job.n_chunks)), pure=False)
    try:
        return c.gather(futures)
    finally:
        if parse(scheduler)[0] == "tcp":
            c.close()


def map_calls(fn, args: list, scheduler: str) -> list:
    """``[fn(a) for a in args]`` on the workers of ``scheduler`` (``fn`` and ``args`` picklable)."""
    c = client(scheduler)
    try:
        return c.gather(c.map(fn, args, pure=False))
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
