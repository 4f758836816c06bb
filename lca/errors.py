"""Errors: what green-lca raises, and the issues it reports about input.

The whole hierarchy in one module (as httpx's ``_exceptions.py``), grouped by what
went wrong; every class derives from :class:`LcaError`, whose ``exit_code`` is the
command line's exit status for it::

    LcaError
    ├── InputError                bad user input (exit 2), with its InputIssue list
    ├── UnknownIssueCode          an issue reported under a code the catalogue lacks (a bug, exit 1)
    ├── CellError                 one workbook cell refused (an issue code and the fix)
    ├── RequestError (ValueError) a request the PACT host refuses (400)
    │   ├── QueryError            a ListFootprints query
    │   └── EventError            a CloudEvent
    ├── ProductSystemError        the product system cannot be solved
    │   ├── NonSquareSystemError  activities and products do not pair up
    │   └── SingularSystemError   the technosphere matrix is singular
    ├── LockTimeout               the project's write lock was not free in time (exit 3)
    └── ProjectDamagedError       the project directory is damaged beyond repair (exit 1);
                                  also ``IntegrityError``, its documented name

:class:`Severity` and :class:`InputIssue` are what an :class:`InputError` carries.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum


class LcaError(Exception):
    """Base class of every error green-lca raises on purpose.

    ``exit_code`` is the command line's exit status for it (``lca.cli.main``): 2 (a request
    that cannot be done, message on stderr), unless a subclass says otherwise.
    """

    exit_code = 2


# -- input ----------------------------------------------------------------------------------
class InputError(LcaError):
    """Bad user input: a workbook, a parameter, a target. Exit code 2 on the command line.

    ``issues`` carries every problem found (for workbooks, one per cell).
    """

    exit_code = 2

    def __init__(self, message: str, issues: list["InputIssue"] | None = None):
        super().__init__(message)
        self.issues = list(issues or [])


class UnknownIssueCode(LcaError):
    """An issue reported under a code that :data:`lca.issue_codes.CATALOGUE` lacks: a bug (exit 1).

    Every code has a title and a fix in English and Chinese; add the code to
    ``lca/issue_codes.py`` (then ``python -m lca.issue_codes > docs/issue-codes.md``).
    """

    exit_code = 1


class CellError(LcaError):
    """One workbook cell's value refused: ``code`` (an issue code) and ``message`` (the fix).

    Raised by the cell parsers (:mod:`lca.supply.cells`, ``Bad`` there) and turned into an
    :class:`InputIssue` at the cell's place by the field rules.
    """

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


# -- requests to the PACT server ---------------------------------------------------------------
class RequestError(LcaError, ValueError):
    """A request the PACT host system refuses (answered 400 BadRequest); also a ``ValueError``."""


class QueryError(RequestError):
    """A ListFootprints query the host system refuses (:mod:`lca.server.filters`)."""


class EventError(RequestError):
    """A CloudEvent the host system refuses (:mod:`lca.server.events`); ``code`` is the PACT error
    code (``BadRequest`` or ``NotImplemented``)."""

    def __init__(self, message: str, code: str = "BadRequest"):
        super().__init__(message)
        self.code = code


# -- solving --------------------------------------------------------------------------------
class ProductSystemError(LcaError):
    """The product system cannot be solved (:mod:`lca.engine`)."""


class NonSquareSystemError(ProductSystemError):
    """Activities and products do not pair up; ``node_ids``: activities lacking a product row,
    then products no activity makes."""

    def __init__(self, message: str, node_ids: list[int]):
        super().__init__(message)
        self.node_ids = list(node_ids)


class SingularSystemError(ProductSystemError):
    """The technosphere matrix is singular: some activity produces nothing net.

    ``columns``: the matrix columns of the activities whose net production is zero or of the
    other sign than their production exchange (negative for an ordinary dataset; a waste
    treatment's is negative by ecoinvent's convention) -- empty for a loop that consumes all it
    makes; ``node_ids``: their node ids.
    """

    def __init__(self, columns=(), node_ids=()):
        self.columns = [int(c) for c in columns]
        self.node_ids = [int(i) for i in node_ids]
        super().__init__(
            "the product system is singular (no unique solution): check that each activity "
            "produces more of its product than it consumes itself"
        )


# -- the project --------------------------------------------------------------------------------
class LockTimeout(LcaError):
    """Another process holds the project's write lock and the wait timed out (exit 3)."""

    exit_code = 3


class ProjectDamagedError(LcaError):
    """The project directory is damaged in a way that cannot be repaired automatically (exit 1).

    Also exported as ``lca.IntegrityError``, its documented name (not sqlite3's or peewee's
    ``IntegrityError``, which are database constraint errors).
    """

    exit_code = 1


IntegrityError = ProjectDamagedError  # the documented name (lca.IntegrityError), kept


# -- issues ---------------------------------------------------------------------------------------
class Severity(StrEnum):
    """How bad an :class:`InputIssue` is: an ``error`` stops an import, a ``warning`` does not.

    A ``str``: it equals (and is written to JSON as) ``"error"`` / ``"warning"``.
    """

    ERROR = "error"
    WARNING = "warning"


# the words of an issue's place per language: sheet, row, column, separator, no place (InputIssue.place)
_PLACE_WORDS = {"en": ("sheet {}", "row {}", "column {}", ", ", "input"),
                "zh": ("工作表 {}", "第 {} 行", "{} 列", "，", "输入")}


@dataclass(frozen=True)
class InputIssue:
    """One problem in user input, located as precisely as possible.

    ``severity`` is a :class:`Severity` (``"error"`` stops an import, ``"warning"`` does not);
    the strings are accepted and made into it, anything else is refused (``ValueError``).
    """

    sheet: str | None
    row: int | None
    column: str | None
    code: str
    message: str
    severity: Severity = Severity.ERROR
    file: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "severity", Severity(self.severity))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["severity"] = str(self.severity)
        return {k: d[k] for k in ("sheet", "row", "column", "code", "message", "severity", "file")}

    def place(self, lang: str = "en") -> str:
        """Where the issue is, in ``lang`` (``en`` or ``zh``): ``file, sheet Materials, row 2, column amount``."""
        sheet, row, column, sep, none = _PLACE_WORDS[lang]
        where = [str(self.file)] if self.file else []
        if self.sheet:
            where.append(sheet.format(self.sheet))
        if self.row is not None:
            where.append(row.format(self.row))
        if self.column:
            where.append(column.format(self.column))
        return sep.join(where) or none

    def __str__(self) -> str:
        return f"{self.place()}: [{self.code}] {self.message}"
