"""Hooks: what the packages built on the project register with it, so that the project imports none of them.

:mod:`lca.project` knows Brightway, the lock and safe writes, not supplier
workbooks or product models. Packages that derive databases from a source of
their own (``lca.supply``: ``suppliers`` from the stored submissions;
``lca.models``: ``models`` from model definitions) register here how to rebuild
them, how to tell whether they are current, and which target forms they
resolve. Queries that live in those packages (``profile``, ``import_files``,
``compare``) are registered by name. The owners are imported on first need
(:data:`DATABASE_OWNERS`, :data:`QUERY_OWNERS`), so ``import lca`` stays light and a
command loads only the packages it uses.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .errors import LcaError


@dataclass(frozen=True)
class DerivedDatabase:
    """A Brightway database the project can rebuild from its owner's source.

    ``rebuild(project)`` rewrites it (under the project's write lock);
    ``is_current(project, bw2data)`` (optional) says whether it reflects its source,
    and ``stale`` describes the problem when it does not; ``resolve_target(project,
    target)`` (optional) returns a ``(database, code)`` key for the target forms the
    owner defines, else None.
    """

    name: str
    rebuild: Callable
    is_current: Callable | None = None
    stale: str = "not built from its current source"
    resolve_target: Callable | None = None


_DATABASES: dict[str, DerivedDatabase] = {}
_QUERIES: dict[str, Callable] = {}
# the packages that register here, imported when a project first asks (lca.__init__ stays light)
DATABASE_OWNERS = ("lca.supply", "lca.models")
QUERY_OWNERS = {"profile": "lca.supply", "import_files": "lca.supply", "compare": "lca.compare",
                "uncertainty": "lca.uncertainty", "sensitivity": "lca.sensitivity", "declare": "lca.declare",
                "export": "lca.exports", "remove_background": "lca.background.manage"}


def _load(*modules: str) -> None:
    import importlib
    import sys

    for name in modules:
        if name not in sys.modules:
            importlib.import_module(name)


def register_database(db: DerivedDatabase) -> None:
    """Register (or replace) the derived database ``db.name``."""
    _DATABASES[db.name] = db


def databases() -> list[DerivedDatabase]:
    """The registered derived databases, in registration order."""
    _load(*DATABASE_OWNERS)
    return list(_DATABASES.values())


def database(name: str) -> DerivedDatabase | None:
    """The registered derived database ``name``, or None."""
    _load(*DATABASE_OWNERS)
    return _DATABASES.get(name)


def provide(name: str, fn: Callable) -> None:
    """Register the query ``name`` (e.g. ``profile``): ``fn(project, ...)``."""
    _QUERIES[name] = fn


def query(name: str) -> Callable:
    """The registered query ``name``; LcaError naming the package to import if none is."""
    if name not in _QUERIES and name in QUERY_OWNERS:
        _load(QUERY_OWNERS[name])
    try:
        return _QUERIES[name]
    except KeyError:
        raise LcaError(f"no {name!r} query is registered: `import lca` (which loads lca.supply, "
                       "lca.models and lca.compare) before using a project") from None
