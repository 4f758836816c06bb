"""Atomic, private files of the PACT server directory (``PROJECT/pact/``).

Every write goes through the package's one atomic writer (:func:`lca.files.atomic_write`:
a temporary file beside the target, fsynced, renamed over it), so a reader sees the old or the new
file, never half of one; files are created with mode 0600 (secrets and client
records live here). :func:`locked` serializes writers with an OS file lock.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
from pathlib import Path

from ..files import atomic_write, fsync_all, write_beside

PACT_DIR = "pact"


def pact_dir(project_path) -> Path:
    """``PROJECT/pact`` (created, mode 0700)."""
    d = Path(project_path) / PACT_DIR
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


def _private(data: bytes, mode: int):
    """A writer of ``data`` into a temporary file created with ``mode`` (private from the first byte)."""
    def write(tmp: Path) -> None:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)
            fh.write(data)

    return write


def write_bytes(path: Path, data: bytes, mode: int = 0o600, stage: Path | None = None) -> None:
    """Write ``data`` to ``path`` atomically (:func:`lca.files.atomic_write`), created with ``mode``.

    ``stage``: the directory (on the same file system) where the temporary file is written, so that
    ``path``'s directory changes only at the rename (the server's index watches footprints/).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write = _private(data, mode)
    if stage is None:
        atomic_write(path, write)
        return
    tmp = write_beside(Path(stage) / path.name, write)
    try:
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_all_bytes(contents: dict, mode: int = 0o600) -> None:
    """Write each ``{path: bytes}`` atomically as :func:`write_bytes` does, fsynced together
    (:func:`lca.files.fsync_all`: one journal commit, not one per file; a catalog rebuild writes
    256 shards), then each moved into place; a failure before the moves leaves no temporary file."""
    staged = []
    try:
        for path, data in contents.items():
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            staged.append((write_beside(path, _private(data, mode), fsync=False), path))
        fsync_all(tmp for tmp, _ in staged)
        for tmp, path in staged:
            os.replace(tmp, path)
        staged = []
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)


def write_json(path: Path, obj, mode: int = 0o600, stage: Path | None = None) -> None:
    """Write ``obj`` as JSON (no NaN) to ``path`` atomically (``stage``: see :func:`write_bytes`)."""
    write_bytes(path, json.dumps(obj, ensure_ascii=False, allow_nan=False, indent=1).encode("utf-8"), mode, stage)


def read_json(path: Path, default=None):
    """The JSON content of ``path``, or ``default`` if it does not exist."""
    try:
        with open(path, "rb") as fh:
            return json.loads(fh.read())
    except FileNotFoundError:
        return default


@contextlib.contextmanager
def locked(directory: Path, name: str = "write.lock", wait: bool = True):
    """Hold an exclusive OS lock on ``directory/name`` (one writer at a time); yields True.

    With ``wait=False`` it does not block: it yields False at once if another holds the lock.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    fh = open(directory / name, "a+")
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        fh.close()
