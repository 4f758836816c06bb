"""The project write lock: one OS file lock per project directory, shared or exclusive, re-entrant in a process.

A writer holds an exclusive :func:`fcntl.flock` on the project's lock file and
writes its pid into it (so a second writer's :class:`lca.LockTimeout` names the
holder); a reader holds a shared one, and only waits while a writer is at work.
Within one process the lock is re-entrant: :data:`HELD` counts the depth per
project path, and a shared holder may take the exclusive lock inside (upgrade),
falling back to shared at the end. What a write means for the project (dropping
caches, bumping the generation) is the caller's: it passes ``on_write`` and
``after_write`` to :func:`file_lock`. This module knows nothing of Brightway.
"""
from __future__ import annotations

import contextlib
import fcntl
import math
import os
import time
from pathlib import Path
from typing import Callable

from .errors import LcaError, LockTimeout

LOCK_TIMEOUT_S = 120.0  # [s] default wait for the write lock; LCA_LOCK_TIMEOUT overrides (read at each wait)
POLL_S = 0.05  # [s] between two attempts to take a busy lock

HELD: dict = {}  # project path -> {"fh", "depth", "mode"}: the flock this process holds on it


def lock_timeout() -> float:
    """The wait for the write lock [s]: ``LCA_LOCK_TIMEOUT`` if set, else :data:`LOCK_TIMEOUT_S`.

    Raises
    ------
    lca.LcaError
        ``LCA_LOCK_TIMEOUT`` is not a number of seconds (0 or more).
    """
    text = os.environ.get("LCA_LOCK_TIMEOUT")
    if text is None or not text.strip():
        return LOCK_TIMEOUT_S
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not math.isfinite(value) or value < 0:
        raise LcaError(f"LCA_LOCK_TIMEOUT={text!r}: it must be a number of seconds (0 or more), "
                       f"e.g. LCA_LOCK_TIMEOUT=600; unset it for the default {LOCK_TIMEOUT_S:g} s")
    return value


def held_exclusive(path: Path) -> bool:
    """Whether this process holds the write (exclusive) lock of project ``path``."""
    held = HELD.get(path)
    return bool(held and held["mode"] == fcntl.LOCK_EX)


def held_fds(path: Path) -> tuple[int, ...]:
    """The file descriptor of the lock this process holds on project ``path`` (none if it holds none): a helper
    process given it keeps the lock held should this process die first (``flock`` is shared by the open file)."""
    held = HELD.get(path)
    return (held["fh"].fileno(),) if held else ()


def holder(lock_path: Path) -> str:
    """``pid N`` of the process that holds the write lock, as it wrote it in the lock file."""
    try:
        text = lock_path.read_text().strip()
    except OSError:
        text = ""
    if text.isdigit():
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(int(text), 0)
            return f"pid {text}"
    return "pid unknown: a process reading it, or one that just started"


def flock(fh, mode: int, timeout: float, path: Path, lock_path: Path) -> None:
    """Take ``mode`` (``fcntl.LOCK_SH`` or ``LOCK_EX``) on ``fh``, waiting up to ``timeout`` [s].

    Raises
    ------
    lca.LockTimeout
        The lock stayed busy for ``timeout``; the message names project ``path`` and the holder.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fh.fileno(), mode | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise LockTimeout(
                    f"project {path} is locked by another writer ({holder(lock_path)}) "
                    f"and the wait of {timeout:.0f} s timed out; retry when it has finished "
                    "(set LCA_LOCK_TIMEOUT to wait longer)"
                ) from None
            time.sleep(POLL_S)


@contextlib.contextmanager
def file_lock(path: Path, lock_path: Path, timeout: float | None, shared: bool,
              on_write: Callable[[], None] = lambda: None, after_write: Callable[[], None] = lambda: None):
    """Hold the lock of project ``path`` (file ``lock_path``) for the ``with`` block.

    Parameters
    ----------
    path : pathlib.Path
        The project directory (created if missing); the key of :data:`HELD`.
    lock_path : pathlib.Path
        The lock file (the writer's pid is written into it).
    timeout : float or None
        Wait [s] for a busy lock; None: :func:`lock_timeout`.
    shared : bool
        A reader's lock; False: the write lock (upgrading this process's shared lock).
    on_write, after_write : callable
        Called when the write lock is taken (outermost level) and just before it is released.
    """
    held = HELD.get(path)
    if held is not None and (shared or held["mode"] == fcntl.LOCK_EX):
        held["depth"] += 1
        try:
            yield
        finally:
            held["depth"] -= 1
        return
    mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    timeout = lock_timeout() if timeout is None else timeout
    outer = held is None
    if outer:
        path.mkdir(parents=True, exist_ok=True)
        fh = open(lock_path, "a+")
        try:
            flock(fh, mode, timeout, path, lock_path)
        except BaseException:
            fh.close()
            raise
        held = HELD[path] = {"fh": fh, "depth": 0, "mode": mode}
    else:  # upgrade this process's shared lock to the write lock
        fh = held["fh"]
        flock(fh, mode, timeout, path, lock_path)
        held["mode"] = mode
    if mode == fcntl.LOCK_EX:
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        on_write()
    held["depth"] += 1
    try:
        yield
    finally:
        held["depth"] -= 1
        try:
            if mode == fcntl.LOCK_EX:
                with contextlib.suppress(OSError):
                    fh.seek(0)
                    fh.truncate()
                    fh.flush()
                after_write()
        finally:
            if outer:
                del HELD[path]
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
                fh.close()
            else:  # back to the shared lock of the enclosing query
                held["mode"] = fcntl.LOCK_SH
                flock(fh, fcntl.LOCK_SH, lock_timeout(), path, lock_path)
