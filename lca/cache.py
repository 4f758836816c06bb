"""The cold-start cache: arrays a fresh process would rebuild, kept in the project as uncompressed ``.npz`` files.

A fresh process (every ``lca`` command, server or Dask worker, CI job) used to
rebuild the same things from Brightway every time: the node table (one SQL row
per activity through peewee), the technosphere and biosphere matrices (bw2calc
reading the processed datapackages), each method's characterization vector and
the block-triangular structure of the technosphere matrix. They are stored
under ``<project>/cache/`` as ``NAME-KEY.npz``: plain numpy arrays in an
uncompressed zip, read by a copy without parsing (no pickle: ``allow_pickle``
is off).

Never stale: ``KEY`` is a hash of everything the value is built from -- the
databases' fingerprints (:mod:`lca.fingerprints`: bw2data's time of the last
change and the activity count), their processed arrays' time stamps and file
sizes, the method's data files, and :data:`FORMAT`. An edit through bw2data,
an import or a rewrite of the background from a new ``inventories/`` changes
the key, so the old file is never read again (and is removed when the new one
is written). The key is also stored inside the file and compared on reading.

Never wrong: a file is written atomically (:func:`lca.files.atomic_write`); one
that does not read back whole (the zip's CRC-32 of every member is checked as
numpy reads it), lacks an array or carries another key is deleted and the value
rebuilt from Brightway. Writing the cache is best effort: a read-only project
directory computes as before. ``LCA_NO_CACHE=1`` turns it off.
"""
from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path

import numpy as np

from .files import atomic_write

FORMAT = 1  # bump when what is stored (or how it is built) changes: every old file is then ignored
CACHE_DIR = "cache"


def enabled() -> bool:
    """False when ``LCA_NO_CACHE`` is set (to anything but ``0``/empty)."""
    return os.environ.get("LCA_NO_CACHE", "") in ("", "0")


def make_key(*parts) -> str:
    """A 24-hex-digit key of ``parts`` (JSON-serializable, or turned into text) and :data:`FORMAT`."""
    text = json.dumps([FORMAT, *parts], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def file_stamp(path: Path) -> list:
    """``[size, mtime in ns]`` of ``path``, or None if it does not exist."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


class Store:
    """The cache files of one project directory (see module docstring)."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def path(self, name: str, key: str) -> Path:
        return self.directory / f"{name}-{key}.npz"

    def load(self, name: str, key: str, required: tuple[str, ...] = ()) -> dict | None:
        """The arrays stored under ``name`` and ``key``; None when absent, unreadable or incomplete (then deleted)."""
        if not enabled():
            return None
        path = self.path(name, key)
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}  # reads every member whole: the zip CRC is checked
        except FileNotFoundError:
            return None
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, RuntimeError):
            self._discard(path)
            return None
        if str(arrays.pop("_key", "")) != key or any(r not in arrays for r in required):
            self._discard(path)
            return None
        return arrays

    def save(self, name: str, key: str, arrays: dict) -> None:
        """Store ``arrays`` (numpy arrays without objects) under ``name`` and ``key``, atomically; remove older keys."""
        if not enabled():
            return
        path = self.path(name, key)

        def write(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                np.savez(fh, _key=np.array(key), **arrays)

        try:
            atomic_write(path, write, fsync=False)
        except OSError:  # a read-only or full disk: compute without the cache
            return
        for old in self.directory.glob(f"{name}-*.npz"):
            if old != path:
                self._discard(old)

    @staticmethod
    def _discard(path: Path) -> None:
        try:
            path.unlink()
        except OSError:
            pass


# -- tables of strings as arrays ------------------------------------------------------------
def table_arrays(columns: dict) -> dict:
    """Columns of ints, floats or optional strings -> numpy arrays storable without pickle.

    A column of strings (some None) becomes a unicode array plus a ``COLUMN.__null`` mask.
    """
    out = {}
    for col, values in columns.items():
        values = list(values)
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values) and values:
            out[col] = np.asarray(values, dtype=np.int64)
            continue
        if not all(v is None or (isinstance(v, str) and "\x00" not in v) for v in values):
            raise TypeError(f"column {col!r} holds values that are neither text nor integers")
        null = np.array([v is None for v in values], dtype=bool)
        # UTF-8 text joined by NUL: one split on reading, a byte per character on disk
        out[col] = np.frombuffer("\x00".join("" if v is None else v for v in values).encode("utf-8"),
                                 dtype=np.uint8)
        out[col + ".__n"] = np.array([len(values)], dtype=np.int64)
        if null.any():
            out[col + ".__null"] = null
    return out


def table_columns(arrays: dict, names: list[str]) -> dict:
    """The inverse of :func:`table_arrays`: column -> list-like (object arrays for strings, None restored)."""
    out = {}
    for col in names:
        a = arrays[col]
        count = arrays.get(col + ".__n")
        if count is None:
            out[col] = a
            continue
        n = int(count[0])
        obj = np.empty(n, dtype=object)
        obj[:] = a.tobytes().decode("utf-8").split("\x00") if n else []
        null = arrays.get(col + ".__null")
        if null is not None:
            obj[null] = None
        out[col] = obj
    return out
