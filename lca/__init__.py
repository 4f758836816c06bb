"""green-lca: carbon footprints of green-industry products and their supply chains, on Brightway.

The public API, re-exported lazily: ``import lca`` is light (the CLI's ``--help``
needs nothing else); each name is imported on first use (:func:`__getattr__`).
The packages built on the project (:mod:`lca.supply`, :mod:`lca.models`,
:mod:`lca.compare`, ...) register their derived databases and queries with it
when a project first needs them (:mod:`lca.hooks`).
"""
from __future__ import annotations

import importlib
import importlib.util

# public name -> the module defining it (a module's own name: the module itself)
_EXPORTS = {
    "open_project": "lca.project", "Project": "lca.project",
    "ActivityRef": "lca.results", "Footprint": "lca.results", "CarbonProfile": "lca.results",
    "Distribution": "lca.results",
    **{name: "lca.errors" for name in (
        "CellError", "EventError", "InputError", "InputIssue", "IntegrityError", "LcaError", "LockTimeout",
        "NonSquareSystemError", "ProductSystemError", "ProjectDamagedError", "QueryError", "RequestError",
        "Severity", "SingularSystemError", "UnknownIssueCode")},
    "models": "lca.models", "units": "lca.units", "supply": "lca.supply",
    "Comparison": "lca.results_design", "Sensitivity": "lca.results_design", "Sweep": "lca.results_design",
    "ImportReport": "lca.supply.importer", "Declaration": "lca.declaration",
}

__all__ = [
    "open_project", "Project", "ActivityRef", "Footprint", "LcaError", "InputError",
    "InputIssue", "LockTimeout", "models", "units", "CarbonProfile", "ImportReport", "Comparison",
    "Distribution", "IntegrityError", "ProjectDamagedError", "Severity", "CellError", "RequestError", "QueryError",
    "EventError", "ProductSystemError", "NonSquareSystemError", "SingularSystemError", "UnknownIssueCode",
    "Declaration", "Sensitivity", "Sweep",
]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None and not name.startswith("_") and importlib.util.find_spec(f"lca.{name}") is not None:
        module = f"lca.{name}"  # a submodule (``lca.inventory``): imported on first use, as the names are
    if module is None:
        raise AttributeError(f"module 'lca' has no attribute {name!r}")
    mod = importlib.import_module(module)
    value = mod if module == f"lca.{name}" else getattr(mod, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
