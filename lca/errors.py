"""Errors: what green-lca raises, and the issues it reports about input."""
from __future__ import annotations

from dataclasses import asdict, dataclass


class LcaError(Exception):
    """Base class of every error green-lca raises on purpose.

    ``exit_code`` is the command line's exit status for it (``lca.cli.main``): 2 (a request
    that cannot be done, message on stderr), unless a subclass says otherwise.
    """

    exit_code = 2


class InputError(LcaError):
    """Bad user input: a workbook, a parameter, a target. Exit code 2 on the command line.

    ``issues`` carries every problem found (for workbooks, one per cell).
    """

    exit_code = 2

    def __init__(self, message: str, issues: list["InputIssue"] | None = None):
        super().__init__(message)
        self.issues = list(issues or [])


class LockTimeout(LcaError):
    """Another process holds the project's write lock and the wait timed out (exit 3)."""

    exit_code = 3


class IntegrityError(LcaError):
    """The project directory is damaged in a way that cannot be repaired automatically (exit 1)."""

    exit_code = 1


@dataclass(frozen=True)
class InputIssue:
    """One problem in user input, located as precisely as possible.

    ``severity`` is ``"error"`` (stops an import) or ``"warning"``.
    """

    sheet: str | None
    row: int | None
    column: str | None
    code: str
    message: str
    severity: str = "error"
    file: str | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        return {k: d[k] for k in ("sheet", "row", "column", "code", "message", "severity", "file")}

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.sheet:
            where.append(f"sheet {self.sheet}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        place = ", ".join(where) or "input"
        return f"{place}: [{self.code}] {self.message}"
