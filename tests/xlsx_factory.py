"""Test helpers: build .xlsx files byte by byte (hostile ones too) or with openpyxl."""
from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="{main}"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""
MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="{RNS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
WB_RELS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="{RNS}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{RNS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>"""


def workbook_xml(title: str = "Products", state: str | None = None) -> str:
    st = f' state="{state}"' if state else ""
    return (f'<?xml version="1.0"?><workbook xmlns="{NS}" xmlns:r="{RNS}"><sheets>'
            f'<sheet name="{title}" sheetId="1"{st} r:id="rId1"/></sheets></workbook>')


def sheet_xml(rows_xml: str, extra: str = "") -> str:
    return f'<?xml version="1.0"?><worksheet xmlns="{NS}"><sheetData>{rows_xml}</sheetData>{extra}</worksheet>'


def write_raw_xlsx(path: Path, sheet: str, shared: str | None = None, title: str = "Products",
                   main_type: str = MAIN, extra_members: dict[str, bytes] | None = None,
                   state: str | None = None) -> Path:
    """A minimal one-sheet .xlsx from XML text, written member by member."""
    shared = shared or f'<?xml version="1.0"?><sst xmlns="{NS}" count="0" uniqueCount="0"></sst>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES.format(main=main_type))
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", workbook_xml(title, state))
        zf.writestr("xl/_rels/workbook.xml.rels", WB_RELS)
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
        zf.writestr("xl/sharedStrings.xml", shared)
        for name, data in (extra_members or {}).items():
            zf.writestr(name, data)
    return path


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def num(ref: str, value) -> str:
    return f'<c r="{ref}"><v>{value}</v></c>'


def build(path: Path, sheets: dict[str, list[list]]) -> Path:
    """An .xlsx written by openpyxl: {title: rows}; a cell value may be any openpyxl value."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def rewrite_member(path: Path, name: str, transform) -> None:
    """Replace one member of a zip by ``transform(old_bytes)``."""
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    members[name] = transform(members[name])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in members.items():
            zf.writestr(n, data)


# A "billion laughs" DTD: nine levels of entities, 10^9 "lol"s when expanded.
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
          + ']>')


def write_zip_bomb(path: Path) -> Path:
    """~0.8 MB on disk that inflates to ~300 MB of rows (12 million cells).

    Deflating 300 MB takes ~1.5 s: the file is made once per machine (tests/kept_util.py, keyed by this
    file's text and zlib's version) and copied to ``path``.
    """
    import shutil
    import zlib

    from kept_util import kept_dir

    kept = kept_dir("zip-bomb", [Path(__file__).read_bytes(), zlib.ZLIB_RUNTIME_VERSION],
                    lambda d: _deflate_zip_bomb(d / "bomb.xlsx"))
    shutil.copyfile(kept / "bomb.xlsx", path)
    return Path(path)


def _deflate_zip_bomb(path: Path) -> Path:
    chunk = ("<row><c><v>1</v></c></row>" * 40_000).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES.format(main=MAIN))
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", workbook_xml())
        zf.writestr("xl/_rels/workbook.xml.rels", WB_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(f'<?xml version="1.0"?><worksheet xmlns="{NS}"><sheetData>'.encode())
            for _ in range(300):
                fh.write(chunk)
            fh.write(b"</sheetData></worksheet>")
    return path
