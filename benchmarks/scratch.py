"""A benchmark's scratch directory, with bw2data pointed at a Brightway directory inside it (never the user's)."""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path


@contextlib.contextmanager
def brightway_scratch(prefix: str):
    """A temporary directory holding ``bw/``, ``BRIGHTWAY2_DIR`` set to it (bw2data reads it when first
    imported: enter this before importing lca), removed with everything in it at the end."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["BRIGHTWAY2_DIR"] = str(tmp / "bw")
    (tmp / "bw").mkdir()
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
