"""Atomic file writes: a file is either its old content or its complete new content, never half.

Every writer of the package (project state, journals, reports, plots, templates)
goes through :func:`atomic_write`: the content is written to a temporary name
beside the target (unique per process and thread, keeping the target's suffix so
that tools which infer a format from it still work), flushed and fsynced, then
moved into place with :func:`os.replace`. A writer killed mid-way leaves the
target as it was (and at worst a hidden temporary file).
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable


def file_stamp(path) -> tuple | None:
    """``(mtime_ns, inode, size, links)`` of ``path``, None if it is missing: what a reader keeps to reload on change.

    A file replaced by :func:`atomic_write` gets a new inode (and mtime), so the stamp changes even when
    the size and the clock's resolution would not show it; a directory's stamp changes when an entry is
    added, removed or renamed. The server's client registry and footprint index and the supplier store's
    check reload what they read when it changes.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_mtime_ns, st.st_ino, st.st_size, st.st_nlink)


def temporary_path(path: Path) -> Path:
    """A hidden name beside ``path``, unique to this process and thread, with ``path``'s suffix."""
    path = Path(path)
    return path.with_name(f".{path.stem}.{os.getpid()}-{threading.get_ident()}.tmp{path.suffix}")


def atomic_write(path, write: Callable[[Path], None], fsync: bool = True) -> Path:
    """Call ``write(tmp)`` to fill a temporary file, then move it to ``path`` atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The target file; its directory is created if needed.
    write : callable
        ``write(tmp)`` writes the complete content to the :class:`~pathlib.Path` ``tmp``.
    fsync : bool, default True
        Flush the temporary file to disk before the rename (durability after a power loss).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    tmp = write_beside(path, write, fsync)
    try:
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def fsync_file(path) -> None:
    """fsync one file's data to disk (opened for writing: fsync of a read-only handle fails on Windows)."""
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def write_beside(path, write: Callable[[Path], None], fsync: bool = True) -> Path:
    """Fill a temporary file beside ``path`` as :func:`atomic_write` does; return it, not yet moved in.

    For several files committed together after another step (a store's records after the database
    they describe): the caller moves each in with :func:`os.replace`, and unlinks the temporary
    files if the step fails. A failing ``write`` leaves no temporary file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(path)
    try:
        write(tmp)
        if fsync:
            fsync_file(tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def fsync_all(paths) -> None:
    """fsync every file of ``paths``, concurrently: the filesystem's journal commits the files of
    concurrent fsyncs together (ext4 group commit), so 100 files cost about one fsync, not 100
    (0.43-0.60 s -> 0.06-0.09 s for 100 stored submissions: benchmarks/RESULTS.md, issue 24).

    For files written with ``fsync=False`` that become durable together (a store's records); raises
    the first OSError after all have been tried."""
    paths = [os.fspath(p) for p in paths]
    one = fsync_file
    if len(paths) <= 1:
        for path in paths:
            one(path)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(min(16, len(paths))) as pool:
        for _ in pool.map(one, paths):
            pass


def atomic_write_text(path, text: str, encoding: str = "utf-8", fsync: bool = True) -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding=encoding), fsync=fsync)
