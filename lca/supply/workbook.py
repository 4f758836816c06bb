"""Workbook reading: an untrusted ``.xlsx`` file -> a bounded, typed ``RawWorkbook``.

Supplier workbooks come from outside the company, so nothing is trusted:

1. the zip directory is checked before any XML is parsed (it is a zip, no
   macros, member count, total uncompressed size, compression ratio);
2. the XML is parsed as a stream by expat with DTDs forbidden (the guards of
   defusedxml: no entity can be declared, so no billion laughs and no external
   entities), never through a full DOM of a sheet;
3. only non-empty cells inside the caps are kept: a single far cell
   (``XFD1048576``) costs one element, and the ``<dimension>`` a file states is
   ignored.

The result keeps, for every kept cell, its value, the kind of value, whether it
came from a formula (and whether that formula had a cached value) and its
Excel coordinate. Refusals raise :class:`lca.InputError` with one line that
names the file and the reason; softer findings (hidden sheets, cells beyond the
column cap) come back as warnings.
"""
from __future__ import annotations

import io
import os
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable
from xml.parsers import expat

import defusedxml.ElementTree as DET
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from lca.errors import InputError, InputIssue, Severity
from lca.text import WHITESPACE

__all__ = [
    "Cell",
    "RawRow",
    "RawSheet",
    "RawWorkbook",
    "read_workbook",
    "check_package",
    "column_letter",
    "MAX_FILE_BYTES",
    "MAX_MEMBERS",
    "MAX_TOTAL_UNCOMPRESSED",
    "MAX_RATIO",
    "MAX_ROWS",
    "MAX_COLS",
    "MAX_CELLS",
    "MAX_ELEMENTS",
]

# ---- caps (all checked before or while parsing; each refusal names the cap) ----
MAX_FILE_BYTES = 100 * 1024 * 1024          # [bytes] size of the .xlsx on disk
MAX_MEMBERS = 2_000                         # [-] zip members
MAX_TOTAL_UNCOMPRESSED = 100 * 1024 * 1024  # [bytes] sum of uncompressed member sizes
MAX_RATIO = 200.0                           # [-] uncompressed/compressed, members over RATIO_MIN_SIZE
RATIO_MIN_SIZE = 1024 * 1024                # [bytes]
MAX_SMALL_PART = 20 * 1024 * 1024           # [bytes] workbook.xml, styles.xml, rels, content types
MAX_SHEETS = 200                            # [-] sheets in the workbook
MAX_ROWS = 100_000                          # [-] non-empty data rows per sheet
MAX_COLS = 64                               # [-] columns read (A..BL); cells further right are ignored
MAX_CELLS = 500_000                         # [-] non-empty cells kept, whole workbook
MAX_ELEMENTS = 2_000_000                    # [-] XML elements scanned in sheets, whole workbook (time bound)
MAX_SHARED_STRINGS = 1_000_000              # [-] entries in sharedStrings.xml
MAX_SHARED_CHARS = 50_000_000               # [chars] total text in sharedStrings.xml
MAX_TEXT = 32_767                           # [chars] Excel's limit for one cell
MAX_FORMULA = 8_192                         # [chars] Excel's limit for one formula
_CHUNK = 1 << 16                            # [bytes] read size when streaming a member

_EXCEL_MAX_COL = 16_384
_EXCEL_MAX_ROW = 1_048_576

# Builtin number formats that Excel (incl. CJK locales) renders as dates.
# Time-only formats (18-21, 45-47) are left as numbers.
_BUILTIN_DATE_FORMATS = frozenset([14, 15, 16, 17, 22, *range(27, 37), *range(50, 59)])
_BUILTIN_PERCENT_FORMATS = frozenset([9, 10])  # 0% and 0.00%
_MACRO_CONTENT = ("macroenabled", "vbaproject", "macrosheet", "sheet.binary", "activex")
_EXTERNAL_REF = re.compile(r"\[\d+\]")
_COORD = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
_WHITE = WHITESPACE  # what makes a text cell empty (lca.text: the one blank-character set)


@dataclass(slots=True)
class Cell:
    """One non-empty cell as stored in the file.

    ``kind`` is the kind of ``value``: ``number`` (float), ``text`` (str),
    ``bool``, ``date`` (datetime), ``error`` (str such as ``"#DIV/0!"``) or
    ``formula_nocache`` (a formula without a cached value; ``value`` is None).
    ``formula`` is the formula text (``""`` for a shared-formula child) when the
    cell holds a formula, else None; a cell with a formula and a cached value
    (``formula_state == "formula_cached"``) has the cached value in ``value``.
    ``external`` is True when the formula refers to another workbook.
    """

    row: int
    col: int
    value: float | str | bool | datetime | None
    kind: str
    formula: str | None = None
    external: bool = False
    percent: bool = False  # a number cell formatted as a percentage (0% ...): value 0.55 shows as 55%

    @property
    def coordinate(self) -> str:
        """Excel coordinate, e.g. ``"C7"``."""
        return f"{column_letter(self.col)}{self.row}"

    @property
    def formula_state(self) -> str | None:
        """None (no formula), ``"formula_cached"`` or ``"formula_nocache"``."""
        if self.formula is None:
            return None
        return "formula_nocache" if self.kind == "formula_nocache" else "formula_cached"


@dataclass(slots=True)
class RawRow:
    """A non-empty row: its Excel row number and its cells by column number (1 = A)."""

    number: int
    cells: dict[int, Cell]
    hidden: bool = False


@dataclass
class RawSheet:
    """One sheet: title, visibility, header row (row 1) and the non-empty rows below it.

    ``state`` is ``visible``, ``hidden`` or ``veryHidden``. ``merged`` holds the
    merged ranges as ``(min_row, min_col, max_row, max_col)``; ``hidden_columns``
    the hidden column ranges as ``(min_col, max_col)``.
    """

    title: str
    state: str = "visible"
    header: dict[int, Cell] = field(default_factory=dict)
    rows: list[RawRow] = field(default_factory=list)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    hidden_columns: list[tuple[int, int]] = field(default_factory=list)
    header_hidden: bool = False


@dataclass
class RawWorkbook:
    """A workbook read safely: sheets in file order, by title."""

    path: str
    sheets: dict[str, RawSheet]
    date1904: bool = False


def column_letter(col: int) -> str:
    """Column number -> letters (1 -> ``A``, 64 -> ``BL``, 16384 -> ``XFD``)."""
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_COLUMN_NUMBERS: dict[str, int] = {}


def _column_number(letters: str) -> int:
    """Column letters -> number (``A`` -> 1), cached."""
    n = _COLUMN_NUMBERS.get(letters)
    if n is None:
        n = 0
        for ch in letters.upper():
            n = n * 26 + (ord(ch) - 64)
        if len(_COLUMN_NUMBERS) < 20_000:
            _COLUMN_NUMBERS[letters] = n
    return n


_REFS: dict[str, tuple[int, int] | tuple[()]] = {}


def _parse_ref(ref: str) -> tuple[int, int] | tuple[()]:
    """Cell reference -> (column, row), or ``()`` when it is not a valid reference; cached (bounded)."""
    m = _COORD.match(ref)
    parsed = (_column_number(m.group(1)), int(m.group(2))) if m else ()
    if len(_REFS) < 100_000 and len(ref) <= 12:  # bounded: only reference-sized keys ("$XFD$1048576")
        _REFS[ref] = parsed
    return parsed


class _Refusal(Exception):
    """Internal: the workbook is refused; ``code`` and ``reason`` go into the InputError."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _refuse(path: str, code: str, reason: str) -> InputError:
    msg = f"{path}: {reason}"
    return InputError(msg, [InputIssue(None, None, None, code, reason, Severity.ERROR, path)])


# ---------------------------------------------------------------- package checks

def _sniff(path: Path, data: bytes | None = None) -> None:
    """Refuse files that are not zip archives, with a reason a person can act on (``data``: the file's bytes, if read)."""
    try:
        if data is not None:
            size, head = len(data), data[:8]
        else:
            size = path.stat().st_size
            with open(path, "rb") as fh:
                head = fh.read(8)
    except OSError as exc:
        raise _Refusal("unreadable_file", f"cannot read the file: {exc.strerror or exc}") from None
    if size > MAX_FILE_BYTES:
        raise _Refusal("file_too_large",
                       f"file is {size / 1e6:.0f} MB, over the {MAX_FILE_BYTES // 2**20} MB cap: "
                       "remove pictures or split the workbook")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        why = "an Excel 97-2003 .xls file or a password-protected workbook; save it as .xlsx without a password"
    elif head.startswith(b"%PDF"):
        why = "a PDF file"
    elif size == 0:
        why = "the file is empty"
    else:
        why = "not a zip archive (a text/CSV or other file renamed .xlsx?)"
    raise _Refusal("not_xlsx", f"not an .xlsx workbook: {why}")


def _eocd_entry_count(path: Path, data: bytes | None = None) -> int | None:
    """Number of entries the zip's end-of-central-directory record declares (cheap, no directory read)."""
    if data is not None:
        return _eocd_count_in(io.BytesIO(data))
    with open(path, "rb") as fh:
        return _eocd_count_in(fh)


def _eocd_count_in(fh) -> int | None:
    fh.seek(0, os.SEEK_END)
    size = fh.tell()
    tail_len = min(size, 65_557)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or pos + 22 > len(tail):
        return None
    count = struct.unpack("<H", tail[pos + 10:pos + 12])[0]
    if count == 0xFFFF:
        loc = tail.rfind(b"PK\x06\x07", 0, pos)
        if loc >= 0 and loc + 20 <= len(tail):
            off = struct.unpack("<Q", tail[loc + 8:loc + 16])[0]
            fh.seek(off)
            rec = fh.read(56)
            if rec[:4] == b"PK\x06\x06" and len(rec) >= 40:
                return struct.unpack("<Q", rec[32:40])[0]
        return None
    return count


def _check_directory(zf: zipfile.ZipFile) -> None:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _Refusal("too_many_members", f"{len(infos)} zip members, over the cap of {MAX_MEMBERS}")
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise _Refusal("damaged_file", "not an .xlsx workbook: the zip has duplicate member names")
    total = 0
    for info in infos:
        low = info.filename.lower()
        if low.endswith("vbaproject.bin") or low.startswith("xl/macrosheets/") or low.endswith(".bin") and "activex" in low:
            raise _Refusal("macros", "contains macros (vbaProject.bin); save it as a macro-free .xlsx workbook")
        if info.flag_bits & 0x1:
            raise _Refusal("encrypted", "the zip members are encrypted; save the workbook without a password")
        total += info.file_size
        if info.file_size > RATIO_MIN_SIZE:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > MAX_RATIO:
                raise _Refusal("zip_bomb",
                               f"member {info.filename} inflates {ratio:.0f}:1 (cap {MAX_RATIO:.0f}:1): "
                               "refused as a possible zip bomb")
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise _Refusal("too_large",
                       f"uncompressed content is {total / 2**20:.0f} MB, over the "
                       f"{MAX_TOTAL_UNCOMPRESSED // 2**20} MB cap: refused as a possible zip bomb")


def _open_zip(path: Path, data: bytes | None = None) -> zipfile.ZipFile:
    """The checked zip of ``path`` (``data``: its bytes, already read: the file is not opened again)."""
    _sniff(path, data)
    count = _eocd_entry_count(path, data)
    if count is not None and count > MAX_MEMBERS:
        raise _Refusal("too_many_members", f"{count} zip members, over the cap of {MAX_MEMBERS}")
    try:
        zf = zipfile.ZipFile(path if data is None else io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _Refusal("not_xlsx", f"not an .xlsx workbook: damaged or truncated zip ({exc})") from None
    try:
        _check_directory(zf)
    except _Refusal:
        zf.close()
        raise
    return zf


def check_package(path: str | os.PathLike) -> None:
    """Run the zip-level checks only (no XML parsed); raise InputError on refusal.

    Used by :func:`lca.supply.annotate.annotate` before openpyxl opens a file.
    """
    p = Path(path)
    try:
        zf = _open_zip(p)
        try:
            _check_content_types(zf)
        finally:
            zf.close()
    except _Refusal as r:
        raise _refuse(str(path), r.code, r.reason) from None


# ---------------------------------------------------------------- XML plumbing

def _read_member(zf: zipfile.ZipFile, name: str, limit: int) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise _Refusal("too_large", f"part {name} is {info.file_size / 2**20:.0f} MB, over its cap")
    with zf.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise _Refusal("too_large", f"part {name} inflates beyond its declared size")
    return data


_PARSED: dict[bytes, object] = {}  # the bytes of a small part -> its parsed tree (read-only), bounded
_PARSED_MAX_BYTES = 64 * 1024        # [bytes] parts cached when at most this size
_PARSED_MAX_ENTRIES = 256


def _parse_small(zf: zipfile.ZipFile, name: str):
    """Parse a small part (content types, rels, workbook, styles) with defusedxml, DTDs forbidden.

    The parts of workbooks made from one template are byte for byte the same, so a parse is kept by
    the part's exact bytes (a part that was refused raised and was not kept); callers only read the tree.
    """
    data = _read_member(zf, name, MAX_SMALL_PART)
    hit = _PARSED.get(data)
    if hit is not None:
        return hit
    root = DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    if len(data) <= _PARSED_MAX_BYTES:
        if len(_PARSED) >= _PARSED_MAX_ENTRIES:
            _PARSED.clear()
        _PARSED[data] = root
    return root


_LOCAL_NAMES: dict[str, str] = {}


def _local(tag: str) -> str:
    """Local name of a (namespace-qualified) tag, cached: called once per XML element."""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag.rpartition("}")[2]
        if len(_LOCAL_NAMES) < 10_000:
            _LOCAL_NAMES[tag] = name
    return name


def _forbid_dtd(name, sysid, pubid, has_internal_subset):
    raise DTDForbidden(name, sysid, pubid)


def _forbid_entity(name, is_parameter_entity, value, base, sysid, pubid, notation_name):
    raise EntitiesForbidden(name, value, base, sysid, pubid, notation_name)


def _forbid_unparsed(name, base, sysid, pubid, notation_name):
    raise EntitiesForbidden(name, None, base, sysid, pubid, notation_name)


def _forbid_external(context, base, sysid, pubid):
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


def _guarded_expat() -> "expat.XMLParserType":
    """An expat parser with defusedxml's guards: any DTD, entity declaration or external reference raises."""
    p = expat.ParserCreate(namespace_separator="}")
    p.buffer_text = True
    p.StartDoctypeDeclHandler = _forbid_dtd
    p.EntityDeclHandler = _forbid_entity
    p.UnparsedEntityDeclHandler = _forbid_unparsed
    p.ExternalEntityRefHandler = _forbid_external
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return p


def _stream(zf: zipfile.ZipFile, name: str, start: Callable, end: Callable, text: Callable) -> None:
    """Stream a zip member through a guarded expat parser, chunk by chunk."""
    p = _guarded_expat()
    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = text
    with zf.open(name) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                break
            p.Parse(chunk, False)
    p.Parse(b"", True)


# ---------------------------------------------------------------- workbook parts

_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"


def _check_content_types(zf: zipfile.ZipFile) -> None:
    names = set(zf.namelist())
    if "[Content_Types].xml" not in names:
        if "mimetype" in names:
            raise _Refusal("not_xlsx", "not an .xlsx workbook: an OpenDocument (.ods) file; save it as .xlsx")
        raise _Refusal("not_xlsx", "not an .xlsx workbook: no [Content_Types].xml in the zip")
    root = _parse_small(zf, "[Content_Types].xml")
    for el in root.iter():
        ctype = (el.get("ContentType") or "").lower()
        if any(m in ctype for m in _MACRO_CONTENT):
            if "sheet.binary" in ctype:
                raise _Refusal("not_xlsx", "not an .xlsx workbook: a binary .xlsb workbook; save it as .xlsx")
            raise _Refusal("macros", "contains macros (macro-enabled content type); "
                                     "save it as a macro-free .xlsx workbook")


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationships of ``part``: id -> (type, resolved target path)."""
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    if rels_name not in zf.namelist():
        return {}
    out = {}
    for el in _parse_small(zf, rels_name).iter():
        if _local(el.tag) != "Relationship" or el.get("TargetMode") == "External":
            continue
        target = el.get("Target") or ""
        resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[el.get("Id") or ""] = (el.get("Type") or "", resolved)
    return out


def _workbook_part(zf: zipfile.ZipFile) -> str:
    for rtype, target in _rels(zf, "").values():
        if rtype.endswith("/officeDocument"):
            return target
    if "xl/workbook.xml" in zf.namelist():
        return "xl/workbook.xml"
    raise _Refusal("not_xlsx", "not an .xlsx workbook: no workbook part (xl/workbook.xml)")


def _is_percent_format(code: str) -> bool:
    """True when a number format code shows the value as a percentage (a ``%`` outside quotes and escapes)."""
    return "%" in re.sub(r'"[^"]*"|\\.', "", code)


def _number_styles(zf: zipfile.ZipFile, rels: dict[str, tuple[str, str]]) -> list[str]:
    """For each cell style index (``s`` attribute): ``"date"``, ``"percent"`` or ``""`` (its number format)."""
    from openpyxl.styles.numbers import is_date_format

    target = next((t for ty, t in rels.values() if ty.endswith("/styles")), None)
    if not target or target not in zf.namelist():
        return []
    root = _parse_small(zf, target)
    kinds = _STYLE_KINDS.get(id(root))
    if kinds is not None and kinds[0] is root:
        return list(kinds[1])
    out = _style_kinds(root, is_date_format)
    if len(_STYLE_KINDS) >= _PARSED_MAX_ENTRIES:
        _STYLE_KINDS.clear()
    _STYLE_KINDS[id(root)] = (root, tuple(out))  # the tree is held, so its id is not reused meanwhile
    return out


_STYLE_KINDS: dict[int, tuple] = {}  # id of a parsed styles tree (a kept one repeats) -> (the tree, its kinds)


def _style_kinds(root, is_date_format) -> list[str]:
    custom: dict[int, str] = {}
    kinds: list[str] = []
    for el in root.iter():
        tag = _local(el.tag)
        if tag == "numFmt":
            try:
                custom[int(el.get("numFmtId", "-1"))] = el.get("formatCode") or ""
            except ValueError:
                continue
    for el in root.iter():
        if _local(el.tag) == "cellXfs":
            for xf in el:
                if _local(xf.tag) != "xf":
                    continue
                try:
                    fid = int(xf.get("numFmtId", "0"))
                except ValueError:
                    fid = 0
                if fid in custom:
                    code = custom[fid]
                    kinds.append("date" if is_date_format(code) else "percent" if _is_percent_format(code) else "")
                else:
                    kinds.append("date" if fid in _BUILTIN_DATE_FORMATS else
                                 "percent" if fid in _BUILTIN_PERCENT_FORMATS else "")
            break
    return kinds


def _shared_strings(zf: zipfile.ZipFile, rels: dict[str, tuple[str, str]]) -> list[str]:
    target = next((t for ty, t in rels.values() if ty.endswith("/sharedStrings")), None)
    if not target or target not in zf.namelist():
        return []
    strings: list[str] = []
    parts: list[str] = []
    state = {"capture": False, "rph": 0, "chars": 0}

    def start(name, attrs):
        tag = _local(name)
        if tag == "si":
            parts.clear()
        elif tag == "t" and not state["rph"]:
            state["capture"] = True
        elif tag == "rPh":
            state["rph"] += 1

    def end(name):
        tag = _local(name)
        if tag == "t":
            state["capture"] = False
        elif tag == "rPh":
            state["rph"] -= 1
        elif tag == "si":
            s = "".join(parts)
            if len(s) > MAX_TEXT:
                raise _Refusal("damaged_file", f"a shared string is longer than Excel's {MAX_TEXT}-character limit")
            strings.append(s)
            if len(strings) > MAX_SHARED_STRINGS:
                raise _Refusal("too_large", f"more than {MAX_SHARED_STRINGS} shared strings")

    def text(data):
        if state["capture"]:
            state["chars"] += len(data)
            if state["chars"] > MAX_SHARED_CHARS:
                raise _Refusal("too_large", f"shared strings exceed {MAX_SHARED_CHARS} characters")
            parts.append(data)

    _stream(zf, target, start, end, text)
    return strings


def _sheet_list(zf: zipfile.ZipFile, wb_part: str) -> tuple[list[tuple[str, str, str]], bool, dict]:
    """(title, state, part path) of every sheet, the 1904 date flag and the workbook's rels."""
    root = _parse_small(zf, wb_part)
    rels = _rels(zf, wb_part)
    sheets, date1904 = [], False
    for el in root.iter():
        tag = _local(el.tag)
        if tag == "workbookPr":
            date1904 = (el.get("date1904") or "").lower() in ("1", "true")
        elif tag == "sheet":
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
            rel = rels.get(rid or "")
            if rel is None or not rel[0].endswith("/worksheet"):
                continue  # chartsheets, dialog sheets: no cells
            if rel[1] not in zf.namelist():
                raise _Refusal("damaged_file", f"sheet {el.get('name')!r} points to a missing part {rel[1]}")
            sheets.append((el.get("name") or "", el.get("state") or "visible", rel[1]))
    if len(sheets) > MAX_SHEETS:
        raise _Refusal("too_large", f"{len(sheets)} sheets, over the cap of {MAX_SHEETS}")
    return sheets, date1904, rels


# ---------------------------------------------------------------- sheet streaming

class _Budget:
    """Counters shared by all sheets of one workbook (elements scanned, cells kept)."""

    def __init__(self) -> None:
        self.elements = 0
        self.cells = 0


_EPOCH_1900 = datetime(1899, 12, 30)
_EPOCH_1904 = datetime(1904, 1, 1)


def _excel_date(serial: float, date1904: bool) -> datetime | None:
    if not (0 <= serial < 2_958_466):
        return None
    if date1904:
        return _EPOCH_1904 + timedelta(days=serial)
    if serial < 60:  # Excel's fictitious 1900-02-29: serials below 60 are one day later
        serial += 1
    return _EPOCH_1900 + timedelta(days=serial)


class _SheetReader:
    """Expat callbacks that turn one worksheet part into a RawSheet, within the caps."""

    def __init__(self, sheet: RawSheet, strings: list[str], dates: list[str], date1904: bool,
                 budget: _Budget):
        self.sheet, self.strings, self.dates, self.date1904 = sheet, strings, dates, date1904
        self.budget = budget
        self.row_no = 0
        self.row_hidden = False
        self.row_cells: dict[int, Cell] = {}
        self.col_no = 0
        self.in_cell = False
        self.capture: list[str] | None = None
        self.v: list[str] | None = None
        self.f: list[str] | None = None
        self.inline: list[str] | None = None
        self.rph = 0
        self.cap_len = 0
        self.cell_attrs: dict = {}
        self.far_count = 0                   # cells right of MAX_COLS (or of column XFD)
        self.far_first: str | None = None
        self.deep_count = 0                  # cells below Excel's last row (1,048,576)
        self.deep_first: str | None = None
        self.data_rows = 0

    # -- callbacks
    def start(self, name: str, attrs: dict) -> None:
        b = self.budget
        b.elements += 1
        if b.elements > MAX_ELEMENTS:
            raise _Refusal("too_large", f"more than {MAX_ELEMENTS:,} XML elements in the sheets: "
                                        "refused as too large to check in bounded time")
        tag = _LOCAL_NAMES.get(name) or _local(name)  # inlined cache hit: once per element
        if tag == "c":  # inlined _start_cell (once per cell)
            self.in_cell = True
            self.cell_attrs = attrs
            self.v = self.f = self.inline = self.capture = None
            self.cap_len = 0
            self.rph = 0
            ref = attrs.get("r")
            parsed = (_REFS.get(ref) or _parse_ref(ref)) if ref else None
            if parsed:
                self.col_no = parsed[0]
                if self.row_no == 0:
                    self.row_no = parsed[1]
            else:
                self.col_no += 1
        elif self.in_cell:
            if tag == "v":
                self.capture = self.v = []
            elif tag == "f":
                self.capture = self.f = []
            elif tag == "is":
                self.inline = []
            elif tag == "rPh":
                self.rph += 1
            elif tag == "t" and self.inline is not None and not self.rph:
                self.capture = self.inline
        elif tag == "row":
            self._start_row(attrs)
        elif tag == "mergeCell":
            self._merge(attrs.get("ref") or "")
        elif tag == "col":
            if (attrs.get("hidden") or "").lower() in ("1", "true"):
                try:
                    lo, hi = int(attrs.get("min", "0")), int(attrs.get("max", "0"))
                except ValueError:
                    return
                if 1 <= lo <= hi:
                    self.sheet.hidden_columns.append((lo, min(hi, _EXCEL_MAX_COL)))

    def end(self, name: str) -> None:
        tag = _LOCAL_NAMES.get(name) or _local(name)
        if tag == "c":  # inlined _end_cell (once per cell)
            self.in_cell = False
            self.capture = None
            cell = self._decode()
            if cell is None:
                return
            col = cell.col
            if cell.row > _EXCEL_MAX_ROW:
                self.deep_count += 1
                if self.deep_first is None:
                    self.deep_first = cell.coordinate
                return
            if col > MAX_COLS or col > _EXCEL_MAX_COL:
                self.far_count += 1
                if self.far_first is None:
                    self.far_first = cell.coordinate
                return
            b = self.budget
            b.cells += 1
            if b.cells > MAX_CELLS:
                raise _Refusal("too_large", f"more than {MAX_CELLS:,} non-empty cells: split the workbook")
            self.row_cells[col] = cell
        elif tag in ("v", "f", "t"):
            self.capture = None
        elif tag == "rPh":
            self.rph -= 1
        elif tag == "row":
            self._end_row()

    def text(self, data: str) -> None:
        cap = self.capture
        if cap is not None:
            cap.append(data)
            self.cap_len += len(data)
            if self.cap_len > MAX_TEXT + MAX_FORMULA:
                raise _Refusal("damaged_file",
                               f"sheet {self.sheet.title!r}: a cell holds more than Excel's {MAX_TEXT} characters")

    # -- rows
    def _start_row(self, attrs: dict) -> None:
        r = attrs.get("r")
        try:
            self.row_no = int(r) if r else self.row_no + 1
        except ValueError:
            self.row_no += 1
        self.row_hidden = (attrs.get("hidden") or "").lower() in ("1", "true")
        self.row_cells = {}
        self.col_no = 0

    def _end_row(self) -> None:
        if not self.row_cells:
            return
        if self.row_no == 1:
            self.sheet.header = self.row_cells
            self.sheet.header_hidden = self.row_hidden
        else:
            self.data_rows += 1
            if self.data_rows > MAX_ROWS:
                raise _Refusal("too_many_rows", f"sheet {self.sheet.title!r} has more than {MAX_ROWS:,} "
                                                "data rows: split the workbook")
            self.sheet.rows.append(RawRow(self.row_no, self.row_cells, self.row_hidden))
        self.row_cells = {}

    # -- cells
    # (a cell's start and end are handled inline in start()/end(): they run once per cell)
    def _decode(self) -> Cell | None:
        """The cell just closed as a Cell, or None when it is empty."""
        a = self.cell_attrs
        t = a.get("t") or "n"
        v = "".join(self.v) if self.v is not None else None
        formula = "".join(self.f) if self.f is not None else None
        if formula is not None and len(formula) > MAX_FORMULA:
            formula = formula[:MAX_FORMULA]
        external = bool(formula and _EXTERNAL_REF.search(formula))
        row, col = self.row_no, self.col_no
        if formula is not None and (v is None or (v == "" and t not in ("str", "inlineStr"))):
            return Cell(row, col, None, "formula_nocache", formula, external)
        value, kind = self._value(t, v, a)
        if kind == "percent":  # a number shown as a percentage: the stored value is the fraction (0.55 for 55%)
            return Cell(row, col, value, "number", formula, external, percent=True)
        if kind == "text":
            if not value.strip(_WHITE):
                return None
        elif value is None:
            return None
        return Cell(row, col, value, kind, formula, external)

    def _value(self, t: str, v: str | None, a: dict):
        if t == "s":
            try:
                return self.strings[int(v or "")], "text"
            except (ValueError, IndexError):
                return "#REF! (invalid shared string index)", "error"
        if t == "inlineStr":
            return "".join(self.inline or []), "text"
        if v is None:
            return None, "number"
        if t == "str":
            return v, "text"
        if t == "b":
            return v.strip() in ("1", "true"), "bool"
        if t == "e":
            return v.strip() or "#ERROR", "error"
        if t == "d":
            try:
                return datetime.fromisoformat(v.strip()), "date"
            except ValueError:
                return v, "text"
        try:
            num = float(v)
        except ValueError:
            return v, "text"
        try:
            s = int(a.get("s") or 0)
        except ValueError:
            s = 0
        style = self.dates[s] if 0 <= s < len(self.dates) else ""
        if style == "date":
            d = _excel_date(num, self.date1904)
            if d is not None:
                return d, "date"
        elif style == "percent":
            return num, "percent"
        return num, "number"

    def _merge(self, ref: str) -> None:
        lo, _, hi = ref.partition(":")
        m1, m2 = _COORD.match(lo), _COORD.match(hi or lo)
        if not (m1 and m2):
            return
        r1, c1 = int(m1.group(2)), _column_number(m1.group(1))
        r2, c2 = int(m2.group(2)), _column_number(m2.group(1))
        if len(self.sheet.merged) < 10_000:
            self.sheet.merged.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))


def _read_sheet(zf, title, state, part, strings, dates, date1904, budget) -> tuple[RawSheet, list[InputIssue]]:
    sheet = RawSheet(title=title, state=state)
    reader = _SheetReader(sheet, strings, dates, date1904, budget)
    _stream(zf, part, reader.start, reader.end, reader.text)
    issues = []
    if reader.far_count:
        issues.append(InputIssue(
            title, None, None, "beyond_column_cap",
            f"{reader.far_count} non-empty cell(s) beyond column {column_letter(MAX_COLS)} "
            f"({MAX_COLS}) were ignored, e.g. {reader.far_first}: move data into the named columns",
            Severity.WARNING))
    if reader.deep_count:
        issues.append(InputIssue(
            title, None, None, "beyond_row_limit",
            f"{reader.deep_count} non-empty cell(s) below row {_EXCEL_MAX_ROW:,} (Excel's last row) were "
            f"ignored, e.g. {reader.deep_first}: the file was not written by Excel or WPS; open it there, "
            "move the data into rows the sheet can hold and save it again", Severity.WARNING))
    return sheet, issues


# ---------------------------------------------------------------- entry point

def read_workbook(path: str | os.PathLike, data: bytes | None = None) -> tuple[RawWorkbook, list[InputIssue]]:
    """Read an untrusted ``.xlsx`` within the caps of this module.

    Parameters
    ----------
    path : str or PathLike
        The workbook file.
    data : bytes, optional
        Its content, when the caller has read it already (to hash it): the same checks and caps apply
        to these bytes, and the file is not opened again.

    Returns
    -------
    (RawWorkbook, list[InputIssue])
        The sheets (non-empty cells only) and warnings about the file itself
        (hidden sheets, cells beyond the column cap, external links).

    Raises
    ------
    lca.InputError
        One line naming the file and the reason when the file is refused: not
        an .xlsx, macros, over a cap, a forbidden XML construct (DTD, entity),
        damaged XML or zip. ``.issues`` holds one issue with the same reason.
    """
    p = Path(path)
    try:
        zf = _open_zip(p, data)
    except _Refusal as r:
        raise _refuse(str(path), r.code, r.reason) from None
    try:
        return _read(zf, str(path))
    except _Refusal as r:
        raise _refuse(str(path), r.code, r.reason) from None
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as exc:
        raise _refuse(str(path), "forbidden_xml",
                      f"refused: the XML declares a DTD or entities ({type(exc).__name__}), "
                      "a possible entity-expansion or external-entity attack") from None
    except (expat.ExpatError, DET.ParseError) as exc:
        raise _refuse(str(path), "damaged_file", f"not an .xlsx workbook: damaged XML ({exc})") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError,
            KeyError, ValueError) as exc:
        raise _refuse(str(path), "damaged_file",
                      f"not an .xlsx workbook: damaged or truncated ({type(exc).__name__}: {exc})") from None
    finally:
        zf.close()


def _read(zf: zipfile.ZipFile, path: str) -> tuple[RawWorkbook, list[InputIssue]]:
    _check_content_types(zf)
    wb_part = _workbook_part(zf)
    if wb_part not in zf.namelist():
        raise _Refusal("not_xlsx", f"not an .xlsx workbook: missing {wb_part}")
    sheet_list, date1904, rels = _sheet_list(zf, wb_part)
    strings = _shared_strings(zf, rels)
    dates = _number_styles(zf, rels)
    has_ext = any(n.startswith("xl/externalLinks/") for n in zf.namelist())
    budget = _Budget()
    sheets: dict[str, RawSheet] = {}
    issues: list[InputIssue] = []
    for title, state, part in sheet_list:
        sheet, found = _read_sheet(zf, title, state, part, strings, dates, date1904, budget)
        sheets[title] = sheet
        if state in ("hidden", "veryHidden"):
            issues.append(InputIssue(title, None, None, "hidden_sheet",
                                     f"sheet {title!r} is {state}: check that it belongs in the submission "
                                     "(it is read only if it is one of the template's sheets)", Severity.WARNING))
        issues.extend(found)
    if has_ext:
        issues.append(InputIssue(None, None, None, "external_links",
                                 "the workbook links to other workbooks: values taken from them cannot be "
                                 "checked; copy the values in (Paste Special > Values)", Severity.WARNING))
    issues = [_with_file(i, path) for i in issues]
    return RawWorkbook(path, sheets, date1904), issues


def _with_file(issue: InputIssue, path: str) -> InputIssue:
    return InputIssue(issue.sheet, issue.row, issue.column, issue.code, issue.message, issue.severity,
                      issue.file or path)
