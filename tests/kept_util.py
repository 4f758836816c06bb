"""Test inputs built once per machine and kept between runs: the set-up project (tests/conftest.py), the zip
bomb, another tool's Brightway directory.

:func:`kept_dir` returns a directory built by ``build(path)`` under a content key (whatever the build reads:
a script's text, a factory's source, a library's version), in the temporary directory the run found at its
start (``GREEN_LCA_TEST_KEPT``). The first process builds it under a file lock; the others, and later runs,
reuse it. Callers copy what they change. A changed key builds a new one; one of another key unused for
:data:`KEEP_DAYS` is removed (skipped while a process holds its lock).
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path

KEEP_DAYS = 2  # [days]


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
        if old == d or not old.is_dir() or ".build-" in old.name:
            continue
        try:
            with open(root / f"{old.name}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                done = old / ".done"
                stamp = (done if done.exists() else old).stat().st_mtime
                if time.time() - stamp > KEEP_DAYS * 86400:
                    shutil.rmtree(old, ignore_errors=True)
        except OSError:  # held by another process (or gone): left
            continue
    return d
