"""Test inputs built once per machine and kept between runs (like the set-up templates of tests/conftest.py).

:func:`kept_dir` returns a directory built by ``build(path)`` under a content key (whatever the build reads:
a script's text, a factory's source, a library's version), in the temporary directory the run found at its
start (``GREEN_LCA_TEST_KEPT``). The first process builds it under a file lock; the others, and later runs,
reuse it. Callers copy what they change. A changed key builds a new one; unused ones are removed with the
templates' rule (two days).
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path

KEEP_DAYS = 2


def kept_dir(name: str, key_parts: list, build) -> Path:
    """The kept directory ``name`` for ``key_parts`` (built by ``build(directory)`` on first use)."""
    root = Path(os.environ.get("GREEN_LCA_TEST_KEPT", tempfile.gettempdir())) / f"green-lca-test-inputs-{os.getuid()}"
    root.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    for part in key_parts:
        h.update((part if isinstance(part, bytes) else str(part).encode("utf-8")) + b"\0")
    d = root / f"{name}-{h.hexdigest()[:20]}"
    with open(root / f"{d.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (d / ".done").exists():
            shutil.rmtree(d, ignore_errors=True)
            work = root / f"{d.name}.build-{os.getpid()}"
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir()
            build(work)
            (work / ".done").touch()
            work.rename(d)
        os.utime(d / ".done")
    for old in root.glob(f"{name}-*"):  # other keys of this input unused for KEEP_DAYS
        done = old / ".done"
        if old != d and old.is_dir() and done.exists() and time.time() - done.stat().st_mtime > KEEP_DAYS * 86400:
            shutil.rmtree(old, ignore_errors=True)
    return d
