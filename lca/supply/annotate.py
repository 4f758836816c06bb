"""Annotated copy: a supplier workbook with each problem cell highlighted and commented.

Errors are filled red, warnings yellow; each marked cell gets a comment with
the issue codes and messages; every issue (also those without a cell, such as a
missing column) is listed on an added ``Issues`` sheet. The copy is written by
openpyxl, so pictures and charts of the original are not kept.

Only call this on a file that passed the reader's checks; it re-runs the
zip-level checks and refuses when openpyxl would parse XML without defusedxml.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable

import openpyxl
import openpyxl.xml
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from lca import issue_codes
from lca.errors import InputError, InputIssue, LcaError, Severity
from lca.files import atomic_write
from lca.issue_codes import message as issue_message
from lca.supply.sheets import SHEETS, match_header, match_sheet
from lca.supply.workbook import check_package

__all__ = ["annotate", "ERROR_FILL", "WARNING_FILL"]

ERROR_FILL = PatternFill("solid", fgColor="FFFFC7CE")    # light red
WARNING_FILL = PatternFill("solid", fgColor="FFFFEB9C")  # light yellow
_CELL_IN_MESSAGE = re.compile(r"^([A-Z]{1,3})([1-9]\d{0,6})\b")
_MAX_COMMENT = 30_000  # [chars] Excel's comment text limit is 32,767


def _column_of(ws, sheet_key: str | None, column: str | None) -> int | None:
    """Column number that holds ``column`` (a header key) on this sheet."""
    if not column or sheet_key not in SHEETS:
        return None
    spec = SHEETS[sheet_key]
    if spec.layout == "fields":
        return 2
    for cell in next(ws.iter_rows(min_row=1, max_row=1, max_col=64), ()):
        if isinstance(cell.value, str) and match_header(cell.value, spec) == column:
            return cell.column
    return None


def _place(ws, issue: InputIssue) -> tuple[int, int] | None:
    """(row, column) of the cell an issue is about, or None when it has no cell."""
    m = _CELL_IN_MESSAGE.match(issue.message or "")
    if m:
        col = openpyxl.utils.column_index_from_string(m.group(1))
        return int(m.group(2)), col
    if issue.row is None:
        return None
    col = _column_of(ws, match_sheet(ws.title), issue.column)
    return issue.row, col or 1


_HEADS = {"en": ("severity", "sheet", "row", "column", "code", "problem", "fix", "message"),
          "zh": ("级别", "工作表", "行", "列", "代码", "问题", "修改建议", "详细说明")}
_SEVERITY = {"en": {"error": "error", "warning": "warning"}, "zh": {"error": "错误", "warning": "警告"}}


def _issues_sheet(wb, issues: list[InputIssue], lang: str) -> None:
    title = "问题" if lang == "zh" else "Issues"
    while title in wb.sheetnames:
        title += "_"
    ws = wb.create_sheet(title, 0)
    for i, h in enumerate(_HEADS[lang], start=1):
        ws.cell(1, i, h).font = Font(bold=True)
    for r, issue in enumerate(issues, start=2):
        problem, fix = issue_codes.describe(issue.code, lang)
        values = (_SEVERITY[lang].get(issue.severity, issue.severity), issue.sheet, issue.row, issue.column,
                  issue.code, problem, fix, issue_message(issue, lang))
        for i, v in enumerate(values, 1):
            if v is None:
                continue
            cell = ws.cell(r, i, v)
            if isinstance(v, str):
                cell.data_type = "s"  # supplier text is never a formula
            if i == 1:
                cell.fill = ERROR_FILL if issue.severity == Severity.ERROR else WARNING_FILL
    for letter, width in zip("ABCDEFGH", (9, 18, 6, 22, 22, 36, 48, 100)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"


def annotate(src_path: str | os.PathLike, issues: Iterable[InputIssue], out_path: str | os.PathLike,
             lang: str | None = None) -> int:
    """Write a copy of ``src_path`` to ``out_path`` with the cells of ``issues`` marked.

    Parameters
    ----------
    src_path : str or PathLike
        The supplier workbook (must pass the reader's package checks).
    issues : iterable of InputIssue
        As returned by ``read_workbook`` + ``validate``; ``sheet`` is the title in the file.
    out_path : str or PathLike
        The annotated copy (``.xlsx``); must differ from ``src_path``.
    lang : {"en", "zh"}, optional
        Language of the comments and of the Issues sheet (titles and fixes from :mod:`lca.issue_codes`);
        default: the workbook's language (Chinese when a sheet title is Chinese).

    Returns
    -------
    int
        Number of cells marked.

    Raises
    ------
    lca.InputError
        When the source is refused by the package checks or openpyxl cannot open it, or ``out_path``
        is the source.
    lca.LcaError
        When openpyxl is not protected by defusedxml.
    """
    src, out = Path(src_path), Path(out_path)
    if lang is not None and lang not in issue_codes.LANGS:
        raise InputError(f"unknown language {lang!r}: use one of {', '.join(issue_codes.LANGS)}")
    if out.exists() and out.resolve() == src.resolve():
        raise InputError(f"{out}: the annotated copy must not overwrite the supplier's file; choose another name")
    if not str(out).lower().endswith(".xlsx"):
        raise InputError(f"{out}: the annotated copy must be an .xlsx file")
    if not openpyxl.xml.DEFUSEDXML:
        raise LcaError("openpyxl is not using defusedxml: install defusedxml before annotating untrusted workbooks")
    check_package(src)
    issues = list(issues)
    try:
        wb = openpyxl.load_workbook(src)
    except Exception as exc:  # noqa: BLE001 -- openpyxl raises many kinds (ValueError, KeyError, XML errors)
        msg = (f"openpyxl cannot open the file for an annotated copy ({type(exc).__name__}: {exc}); "
               "open and save it in Excel or WPS, or use the issue list of the import instead")
        raise InputError(f"{src.name}: {msg}", [InputIssue(None, None, None, "not_annotated", msg, Severity.ERROR,
                                                           src.name)]) from exc
    lang = lang or issue_codes.detect_language(wb.sheetnames)
    marks: dict[tuple[str, int, int], list[InputIssue]] = {}
    for issue in issues:
        if issue.sheet not in wb.sheetnames:
            continue
        place = _place(wb[issue.sheet], issue)
        if place:
            marks.setdefault((issue.sheet, *place), []).append(issue)
    for (title, row, col), found in marks.items():
        cell = wb[title].cell(row, col)
        worst = "error" if any(i.severity == "error" for i in found) else "warning"
        cell.fill = ERROR_FILL if worst == "error" else WARNING_FILL
        text = "\n".join(f"[{_SEVERITY[lang].get(i.severity, i.severity)} {i.code}] {issue_message(i, lang)}"
                         for i in found)
        if cell.comment is not None:
            text = f"{cell.comment.text}\n---\n{text}"
        cell.comment = Comment(text[:_MAX_COMMENT], "green-lca", width=360, height=160)
    _issues_sheet(wb, issues, lang)
    atomic_write(out, wb.save, fsync=False)
    return len(marks)
