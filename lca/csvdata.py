"""The CSV data files of inventories/: one reader, with ``#`` comment lines and blank lines skipped, rows numbered.

Every CSV file green-lca ships (``flows.csv``, ``aliases.csv``, the material
mappings, the grid-region table, ...) is read by :func:`read`: a header line,
then one record a line; a line whose first non-blank character is ``#`` is a
comment, and blank lines are ignored, so data files can say where their numbers
come from. Each row carries its line number in the file, for error messages
that name the place.
"""
from __future__ import annotations

import csv
from pathlib import Path

__all__ = ["read", "rows"]


def _is_data(line: str) -> bool:
    return bool(line.strip()) and not line.lstrip().startswith("#")


def read(path: str | Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and the records of the CSV file ``path``.

    Parameters
    ----------
    path : str or pathlib.Path
        A UTF-8 CSV file (a byte-order mark, as spreadsheet programs write, is skipped).

    Returns
    -------
    fieldnames : list of str
        The header's column names (empty for a file without data lines).
    rows : list of (int, dict)
        ``(line number in the file, {column: text})`` per record; a short record has
        None for its missing columns, a long one its extra cells under the key None
        (as :class:`csv.DictReader`).

    Raises
    ------
    OSError
        The file cannot be read (the caller names the fix).
    """
    with open(path, encoding="utf-8-sig", newline="") as fh:
        lines = [(n, line) for n, line in enumerate(fh, 1) if _is_data(line)]
    reader = csv.DictReader([line for _, line in lines])
    records = list(reader)
    return list(reader.fieldnames or []), [(n, rec) for (n, _), rec in zip(lines[1:], records)]


def rows(path: str | Path) -> list[dict[str, str]]:
    """The records of ``path`` without their line numbers (:func:`read`)."""
    return [rec for _, rec in read(path)[1]]
