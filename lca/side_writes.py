"""Side writes: files written by a separate process while this process goes on with other work.

A commit that writes many small files (an import's archive and staged submissions: ~300 file
creates at ~0.35 ms each on a journalled disk) and a database can overlap the two: the bytes
are prepared here first, :meth:`SideWrites.start` hands them to a writer process that only
makes the syscalls (directories, whole files by temporary name and rename, staged files then
fsynced together), and :meth:`SideWrites.wait` waits for it and raises what it failed with. The
caller orders what must follow the files (an ``os.replace`` that makes them count) after
:meth:`~SideWrites.wait`.

Why a process, and which: a thread doing one syscall after another against a CPU-bound thread
waits for the GIL at every switch (5 ms each, ~1,000 syscalls here); a ``fork`` of this process
write-protects all its pages, and the database write that follows then takes ~20,000
copy-on-write faults (measured: +0.05-0.35 s, most of the gain). So the writer is a fresh
interpreter (``python -I -S``, spawned by ``vfork``: nothing of this process is copied) that
reads the operations from an in-memory file (``marshal``: bytes and strings only) and uses
nothing but ``os`` and ``threading``. It is given the open project lock (``keep_fds``:
``flock`` is shared by the open file), so a parent killed meanwhile leaves it to finish its
files under the same lock, and the next writer starts after it. Where this is not available
(not Linux, or ``LCA_SIDE_WRITES=0``), :meth:`~SideWrites.start` makes the writes itself, at
once, in this process.
"""
from __future__ import annotations

import contextlib
import marshal
import os
import subprocess
import sys
from pathlib import Path

from .errors import LcaError
from .files import temporary_path

__all__ = ["SideWrites"]

# The writer's work, written once: run(ops) makes every operation in order, then fsyncs the staged
# files concurrently (the filesystem commits them together, as lca.files.fsync_all). Standard library
# only: the same text runs in the writer process (python -I -S, no package) and, compiled below, in
# this process as _run (no writer to be had, or making up for a writer that failed).
_RUN = r"""
import os, threading

def run(ops):
    staged = []
    for op in ops:
        if op[0] == "mkdir":
            if not os.path.isdir(op[1]):
                os.makedirs(op[1], exist_ok=True)
        elif op[0] == "whole":
            with open(op[2], "wb") as fh:
                fh.write(op[3])
            os.replace(op[2], op[1])
        elif op[0] == "touch":
            open(op[1], "ab").close()
        else:
            with open(op[1], "wb") as fh:
                fh.write(op[2])
            staged.append(op[1])
    errors = []

    def sync(part):
        for path in part:
            try:
                fd = os.open(path, os.O_RDWR)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as exc:
                errors.append(exc)

    threads = [threading.Thread(target=sync, args=(staged[i::16],)) for i in range(min(16, len(staged)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
"""
_namespace: dict = {}
exec(compile(_RUN, "<lca.side_writes run>", "exec"), _namespace)  # noqa: S102 - our own constant text
_run = _namespace["run"]

# The writer process: the operations on stdin (marshal); an error on stderr and exit status 1.
WRITER = _RUN + r"""
import marshal, sys
try:
    run(marshal.loads(sys.stdin.buffer.read()))
except BaseException as exc:
    sys.stderr.write(f"{type(exc).__name__}: {exc}")
    sys.stderr.flush()
    os._exit(1)
"""


class SideWrites:
    """Directories, whole files and staged files to write, in the order queued (see module docstring).

    ``keep_fds``: file descriptors the writer process keeps open while it works (the project lock's)."""

    def __init__(self, keep_fds=()) -> None:
        self._ops: list[tuple] = []
        self._staged: list[Path] = []
        self._proc: subprocess.Popen | None = None
        self._dirs: set[Path] = set()
        self._keep = tuple(keep_fds)
        self._prepared: list[tuple] = []  # the operations handed to the writer
        self._created: list[Path] = []  # files and directories missing when queued: what undo() removes

    # -- queueing (nothing is written yet)
    def mkdir(self, path) -> None:
        """``path`` and its parents exist before the files queued after this."""
        path = Path(path)
        if path in self._dirs:
            return
        missing = []
        for p in (path, *path.parents):  # up to the first that exists or is already queued
            if p in self._dirs or p.exists():
                break
            missing.append(p)
        self._dirs.update(missing)
        self._dirs.add(path)
        self._created.extend(reversed(missing))
        self._ops.append(("mkdir", str(path)))

    def write_whole(self, path, data) -> None:
        """``path`` written whole (a hidden temporary, then renamed over it); not fsynced. ``data``: bytes, or
        a function giving them, called by :meth:`start` (after everything was queued)."""
        path = Path(path)
        if not path.exists():
            self._created.append(path)
        self._ops.append(("whole", str(path), str(path.with_name(f".{path.name}.{os.getpid()}.tmp")), data))

    def touch(self, path) -> None:
        """``path`` exists (created empty if missing, else left as it is): a later append opens, not creates, it."""
        if not Path(path).exists():
            self._created.append(Path(path))
        self._ops.append(("touch", str(path)))

    def stage(self, path, data: bytes) -> Path:
        """A temporary file beside ``path`` holding ``data``, fsynced (with the other staged files) before
        :meth:`wait` returns; the caller moves it in with ``os.replace`` after :meth:`wait`, or unlinks it
        (:meth:`discard`). Returns the temporary's path."""
        tmp = temporary_path(Path(path))
        self.mkdir(tmp.parent)
        self._ops.append(("stage", str(tmp), bytes(data)))
        self._staged.append(tmp)
        return tmp

    # -- running
    def start(self) -> None:
        """Write everything queued: by the writer process (returns at once), else here and now."""
        if not self._ops:
            return
        ops = [op if op[0] != "whole" or not callable(op[3]) else (*op[:3], bytes(op[3]())) for op in self._ops]
        if not _can_spawn():
            _run(ops)
            return
        fd = os.memfd_create("lca-side-writes", os.MFD_CLOEXEC)
        try:
            with open(fd, "wb", closefd=False) as fh:
                fh.write(marshal.dumps(ops))
            os.lseek(fd, 0, os.SEEK_SET)
            self._proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", WRITER], stdin=fd,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, pass_fds=self._keep)
            self._prepared = ops
        except OSError:  # no process to be had (limits): write here, as without one
            self._proc = None
            _run(ops)
        finally:
            os.close(fd)

    def wait(self) -> None:
        """Wait for the writer process (if any); raise :class:`lca.LcaError` naming what it could not write."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        _, err = proc.communicate()
        if proc.returncode != 0:  # written again here (every operation can be repeated): a writer that could not
            why = err.decode("utf-8", "replace").strip()[-2000:] or f"the writer ended with status {proc.returncode}"
            try:  # start (an odd interpreter) costs only time; a disk that refuses fails here too, and is reported
                _run(self._prepared)
            except OSError as exc:
                raise LcaError(f"writing the files beside the database failed ({why}; again in this process: "
                               f"{exc}); nothing was replaced: check the disk (space, permissions) and run the "
                               "command again") from exc

    def undo(self) -> None:
        """Wait for the writer, then remove everything it created (files and directories that did not exist
        when queued; files that did are rewritten only by :meth:`write_whole`, with the same bytes for a
        content-addressed file) and the staged temporaries: for work refused after :meth:`start`."""
        with contextlib.suppress(LcaError):
            self.wait()
        self.discard()
        for path in reversed(self._created):
            with contextlib.suppress(OSError):
                if path.is_dir() and not path.is_symlink():
                    path.rmdir()  # only if empty: anything else written there meanwhile stays
                else:
                    path.unlink()
                    path.with_name(f".{path.name}.{os.getpid()}.tmp").unlink(missing_ok=True)

    def discard(self) -> None:
        """Remove the staged temporaries not moved in (after :meth:`wait`)."""
        for tmp in self._staged:
            tmp.unlink(missing_ok=True)


def _can_spawn() -> bool:
    return (sys.platform.startswith("linux") and hasattr(os, "memfd_create") and bool(sys.executable)
            and os.environ.get("LCA_SIDE_WRITES", "1") != "0")
