"""Brightway activation: bw2data imported once, pointed at one project directory, its chatter on stderr.

bw2data reads ``BRIGHTWAY2_DIR`` when it is first imported and keeps one current
project per process. This module is the only place that imports it for the
package's own use (:func:`bw2data`), that points it at a project's Brightway
directory (:func:`point_at`) and that silences it (:func:`quiet`: progress bars
and prints go to stderr, never stdout, so ``--json`` output stays clean).

Threads: bw2data's current project, its metadata files and the kept PARDISO /
SuperLU factorizations are process-wide and not safe to use from two threads at
once, so a process does its Brightway work one thread at a time under
:data:`LOCK` (re-entrant). :mod:`lca.project` takes it around every query and
write and the calculator around every cached build; threads then see the
results of sequential calls.
"""
from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
import threading
from pathlib import Path

LOCK = threading.RLock()  # one thread at a time does Brightway work in this process (see module docstring)
_ACTIVE: list = [None]  # the Brightway base directory bw2data points at (one per process)


@contextlib.contextmanager
def quiet():
    """Send Brightway's chatter (progress bars, prints) to stderr, never stdout."""
    with contextlib.redirect_stdout(sys.stderr):
        yield


def bw2data(default_dir: Path | None = None):
    """The bw2data module, imported once with plain logging and no progress bars.

    ``default_dir`` becomes ``BRIGHTWAY2_DIR`` if bw2data was not imported yet (it
    reads that variable at import time), so the user's default Brightway directory is
    never touched.
    """
    if "bw2data" in sys.modules:
        return sys.modules["bw2data"]
    if default_dir is not None:
        os.environ["BRIGHTWAY2_DIR"] = str(default_dir)
    # plain logging instead of structlog, so that Brightway's chatter can be sent to stderr
    os.environ.setdefault("BRIGHTWAY_NO_STRUCTLOG", "1")
    os.environ.setdefault("TQDM_DISABLE", "1")  # Brightway's progress bars
    logging.disable(logging.INFO)  # the import announces BRIGHTWAY2_DIR; nobody asked
    try:
        with quiet():
            import bw2data as bd
    finally:
        logging.disable(logging.NOTSET)
    feedback = logging.getLogger("brightway-stdout-feedback")
    feedback.setLevel(logging.INFO if os.environ.get("LCA_VERBOSE") else logging.ERROR)
    for handler in feedback.handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(sys.stderr)
    return bd


def point_at(bw_dir: Path, logs_dir: Path, project_name: str):
    """Point bw2data at the Brightway base directory ``bw_dir`` and its project ``project_name``.

    Returns the bw2data module. Cheap when it already points there.
    """
    bw_dir = Path(bw_dir)
    with LOCK:
        bw_dir.mkdir(parents=True, exist_ok=True)
        bd = bw2data(default_dir=bw_dir)
        if _ACTIVE[0] != bw_dir or bd.projects.current != project_name:
            Path(logs_dir).mkdir(exist_ok=True)
            with quiet(), _gc_frozen():
                bd.projects.change_base_directories(bw_dir, base_logs_dir=Path(logs_dir),
                                                    project_name=project_name)
            _ACTIVE[0] = bw_dir
        return bd


@contextlib.contextmanager
def _gc_frozen():
    """Objects that exist already are left out of garbage collections for the block.

    bw2data closes each SQLite connection and then runs a full ``gc.collect()`` (per file)
    when it changes directory; with numpy, pandas, scipy and bw2data loaded that walks every
    object of the process (0.2-1.2 s of a cold start, measured). Only the block's own garbage
    is looked at; the connections are closed before either way.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def point_elsewhere(base: Path, project_name: str):
    """Point bw2data at another Brightway directory's project, to read it (a copy from it), without
    creating anything there; the caller points back with :func:`forget_pointing` and its project's
    ``activate()``. The garbage collections bw2data runs per SQLite file are kept to the block's own
    objects, as in :func:`point_at` (a full walk of the process each: 24 s of the quick tier's copies)."""
    with LOCK:
        bd = sys.modules["bw2data"]
        _ACTIVE[0] = None
        with quiet(), _gc_frozen():
            bd.projects.change_base_directories(Path(base), project_name=project_name, update=False)
        return bd


def forget_pointing() -> None:
    """Forget where bw2data points: the next :func:`point_at` points it again (after code that moved it)."""
    _ACTIVE[0] = None


def points_at(bw_dir: Path) -> bool:
    """True if bw2data is imported and points at ``bw_dir``."""
    return _ACTIVE[0] == Path(bw_dir) and "bw2data" in sys.modules


def reload_metadata() -> None:
    """Re-read bw2data's metadata files (databases, methods, geomapping): another process may have written."""
    bd = sys.modules["bw2data"]
    for meta in (bd.databases, bd.methods, bd.geomapping):
        meta.load()
