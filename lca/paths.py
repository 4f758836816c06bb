"""Paths: where green-lca's data directories are (the inventories, bundled or overridden)."""
from __future__ import annotations

import os
from pathlib import Path

from .errors import LcaError

__all__ = ["inventories_dir", "bundled_inventories_dir"]


def bundled_inventories_dir() -> Path:
    """The ``inventories`` directory shipped with green-lca (beside ``lca/`` in a checkout, else inside it).

    Raises
    ------
    lca.LcaError
        When neither place holds an inventories directory (a broken install).
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "inventories", here.parent / "inventories"):
        if (candidate / "background").is_dir():
            return candidate
    raise LcaError(
        f"the inventories directory is not found: looked for {here / 'inventories'} and "
        f"{here.parent / 'inventories'} (each holding background/); reinstall green-lca "
        "(pip install .) or set LCA_INVENTORIES to an inventories directory"
    )


def inventories_dir() -> Path:
    """The ``inventories`` directory: ``LCA_INVENTORIES``, else the bundled one (:func:`bundled_inventories_dir`)."""
    override = os.environ.get("LCA_INVENTORIES")
    if override:
        path = Path(override).expanduser()
        if not (path / "background").is_dir():
            raise LcaError(
                f"LCA_INVENTORIES={override}: {path / 'background'} is not a directory; point "
                "LCA_INVENTORIES at an inventories directory (one holding background/), or unset it "
                "to use the bundled inventories"
            )
        return path
    return bundled_inventories_dir()
