"""green-lca: carbon footprints of green-industry products and their supply chains, on Brightway.

The public API, re-exported. Importing the package also loads the packages built
on the project (:mod:`lca.supply`, :mod:`lca.models`, :mod:`lca.compare`), which
register their derived databases and queries with it (:mod:`lca.hooks`).
"""
from . import compare as _compare  # noqa: F401  (registers Project.compare)
from . import sensitivity as _sensitivity  # noqa: F401  (registers Project.sensitivity)
from . import uncertainty as _uncertainty  # noqa: F401  (registers Project.uncertainty)
from . import models, supply, units
from .compare import Comparison
from .errors import (CellError, EventError, InputError, InputIssue, IntegrityError, LcaError, LockTimeout,
                     NonSquareSystemError, ProductSystemError, ProjectDamagedError, QueryError, RequestError,
                     Severity, SingularSystemError, UnknownIssueCode)
from .project import Project, open_project
from .results import ActivityRef, CarbonProfile, Distribution, Footprint
from .supply.importer import ImportReport

__all__ = [
    "open_project", "Project", "ActivityRef", "Footprint", "LcaError", "InputError",
    "InputIssue", "LockTimeout", "models", "units", "CarbonProfile", "ImportReport", "Comparison",
    "Distribution", "IntegrityError", "ProjectDamagedError", "Severity", "CellError", "RequestError", "QueryError",
    "EventError", "ProductSystemError", "NonSquareSystemError", "SingularSystemError", "UnknownIssueCode",
]
