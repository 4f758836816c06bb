"""Paths: where green-lca's data directories are (the inventories, bundled or overridden; the examples)."""
from __future__ import annotations

import os
from pathlib import Path

from .errors import LcaError

__all__ = ["inventories_dir", "bundled_inventories_dir", "examples_dir", "bundled_dir"]


def bundled_dir(name: str, holding: str | None, fix: str) -> Path:
    """The data directory ``name`` shipped with green-lca: beside ``lca/`` in a checkout, else inside it.

    Parameters
    ----------
    name : str
        ``inventories`` or ``examples``.
    holding : str, optional
        A subdirectory the right directory holds (``background`` of the inventories).
    fix : str
        What to do when neither place has it, for the message.

    Raises
    ------
    lca.LcaError
        When neither place holds it (a broken install), naming both places and ``fix``.
    """
    here = Path(__file__).resolve().parent
    places = (here / name, here.parent / name)
    for candidate in places:
        if (candidate / holding if holding else candidate).is_dir():
            return candidate
    each = f" (each holding {holding}/)" if holding else ""
    raise LcaError(f"the {name} directory is not found: looked for {places[0]} and {places[1]}{each}; {fix}")


def bundled_inventories_dir() -> Path:
    """The ``inventories`` directory shipped with green-lca (:func:`bundled_dir`)."""
    return bundled_dir("inventories", "background", "reinstall green-lca (pip install .) or set LCA_INVENTORIES "
                                                    "to an inventories directory")


def examples_dir() -> Path:
    """The bundled ``examples`` directory (:func:`bundled_dir`): example supplier workbooks and PACT files."""
    return bundled_dir("examples", None, "reinstall green-lca (pip install .), or run the demo from a source checkout")


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
