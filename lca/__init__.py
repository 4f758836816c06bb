"""green-lca: carbon footprints of green-industry products and their supply chains, on Brightway."""
from . import models
from .errors import InputError, InputIssue, LcaError, LockTimeout
from .project import Project, open_project
from .results import ActivityRef, Footprint

__all__ = [
    "open_project", "Project", "ActivityRef", "Footprint", "LcaError", "InputError",
    "InputIssue", "LockTimeout", "models",
]
