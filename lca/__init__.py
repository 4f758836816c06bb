"""green-lca: carbon footprints of green-industry products and their supply chains, on Brightway."""
from . import models, units
from .errors import InputError, InputIssue, LcaError, LockTimeout
from .project import Project, open_project
from .results import ActivityRef, Footprint


def __getattr__(name):
    """Result types of the supply-chain and comparison modules, imported on first use."""
    if name == "CarbonProfile":
        from .supply.rollup import CarbonProfile

        return CarbonProfile
    if name == "ImportReport":
        from .supply.importer import ImportReport

        return ImportReport
    if name == "Comparison":
        from .compare import Comparison

        return Comparison
    raise AttributeError(f"module 'lca' has no attribute {name!r}")

__all__ = [
    "open_project", "Project", "ActivityRef", "Footprint", "LcaError", "InputError",
    "InputIssue", "LockTimeout", "models", "units", "CarbonProfile", "ImportReport", "Comparison",
]
