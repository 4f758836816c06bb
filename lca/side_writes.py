"""Side writes: files written by a forked child process while this process goes on with other work.

A commit that writes many small files (an import's archive and staged submissions: ~300 file
creates at ~0.35 ms each on a journalled disk) and a database can overlap the two: the bytes
are prepared here first, :meth:`SideWrites.start` forks a child that only makes the syscalls
(directories, whole files by temporary name and rename, staged files then fsynced together),
and :meth:`SideWrites.wait` waits for it and raises what it failed with. The caller orders what
must follow the files (an ``os.replace`` that makes them count) after :meth:`~SideWrites.wait`.

Why a process, not a thread: a thread doing one syscall after another against a CPU-bound
thread waits for the GIL at every switch (5 ms each, ~1,000 syscalls here). The child has the
prepared bytes by ``fork`` (no copy, no pickling); its collector is off at once (a collection
would touch, and so copy, every page of the parent's objects) and it leaves by ``os._exit``
(no exit handlers, no flushing of the parent's buffers). It inherits the parent's open file
lock (``flock`` is shared with forked children), so a parent killed meanwhile leaves the child
to finish its files under the same lock, and the next writer starts after it. Where ``fork``
is not available (not Linux) or ``LCA_SIDE_WRITES=0``, :meth:`~SideWrites.start` makes the
writes itself, at once, in this process.
"""
from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

from .errors import LcaError
from .files import fsync_all, temporary_path

__all__ = ["SideWrites"]


class SideWrites:
    """Directories, whole files and staged files to write, in the order queued (see module docstring)."""

    def __init__(self) -> None:
        self._ops: list[tuple] = []
        self._staged: list[Path] = []
        self._pid: int | None = None
        self._pipe: int | None = None
        self._dirs: set[Path] = set()

    # -- queueing (nothing is written yet)
    def mkdir(self, path) -> None:
        """``path`` and its parents exist before the files queued after this."""
        path = Path(path)
        if path not in self._dirs:
            self._dirs.add(path)
            self._ops.append(("mkdir", path))

    def write_whole(self, path, data) -> None:
        """``path`` written whole (a hidden temporary, then renamed over it); not fsynced. ``data``: bytes, or
        a function giving them, called by the writer (the encoding of a record then runs in the child too:
        what it reads must not change between :meth:`start` and :meth:`wait`)."""
        path = Path(path)
        self._ops.append(("whole", path, path.with_name(f".{path.name}.{os.getpid()}.tmp"), data))

    def stage(self, path, data: bytes) -> Path:
        """A temporary file beside ``path`` holding ``data``, fsynced (with the other staged files) before
        :meth:`wait` returns; the caller moves it in with ``os.replace`` after :meth:`wait`, or unlinks it
        (:meth:`discard`). Returns the temporary's path."""
        tmp = temporary_path(Path(path))
        self._ops.append(("stage", tmp, bytes(data)))
        self._staged.append(tmp)
        return tmp

    # -- running
    def start(self) -> None:
        """Write everything queued: in a forked child (returns at once), else here and now."""
        if not self._ops:
            return
        if not _can_fork():
            self._run()
            return
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: syscalls only, then leave without running the parent's exit handlers
            gc.disable()
            code = 0
            try:
                os.close(r)
                try:
                    self._run()
                except BaseException as exc:  # noqa: BLE001 -- reported to the parent, which raises it
                    code = 1
                    os.write(w, f"{type(exc).__name__}: {exc}".encode("utf-8", "replace")[:4000])
            finally:
                os._exit(code)
        os.close(w)
        self._pid, self._pipe = pid, r

    def wait(self) -> None:
        """Wait for the child (if any); raise :class:`lca.LcaError` naming what it could not write."""
        pid, pipe = self._pid, self._pipe
        if pid is None:
            return
        self._pid = self._pipe = None
        try:
            message = b""
            while chunk := os.read(pipe, 4096):
                message += chunk
        finally:
            os.close(pipe)
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                break
            except InterruptedError:  # pragma: no cover -- retried by Python since 3.5
                continue
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            why = message.decode("utf-8", "replace") or f"the writing process ended with status {code}"
            raise LcaError(f"writing the files beside the database failed ({why}); nothing was replaced: "
                           "check the disk (space, permissions) and run the command again")

    def discard(self) -> None:
        """Remove the staged temporaries not moved in (after :meth:`wait`)."""
        for tmp in self._staged:
            tmp.unlink(missing_ok=True)

    def _run(self) -> None:
        for op in self._ops:
            kind = op[0]
            if kind == "mkdir":
                if not op[1].is_dir():
                    op[1].mkdir(parents=True, exist_ok=True)
            elif kind == "whole":
                _, path, tmp, data = op
                if callable(data):
                    data = data()
                with open(tmp, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, path)
            else:
                _, tmp, data = op
                tmp.parent.mkdir(parents=True, exist_ok=True)
                with open(tmp, "wb") as fh:
                    fh.write(data)
        if self._staged:
            fsync_all(self._staged)  # durable before the caller moves them in


def _can_fork() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "fork") and os.environ.get("LCA_SIDE_WRITES", "1") != "0"
