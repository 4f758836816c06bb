"""Reading many workbooks in worker processes gives exactly what reading them one by one gives."""
from __future__ import annotations

import os
from datetime import date

import pytest

from lca.supply import importer
from lca.supply.fill import write_workbook

PERIOD = {"reporting_period_start": date(2024, 1, 1), "reporting_period_end": date(2024, 12, 31)}
N = importer.PARALLEL_MIN_FILES + 3  # enough files for the worker processes


def book(i: int) -> dict:
    return {
        "Supplier": {"company_name": f"Parallel {i}", "company_id": f"PAR-{i:02d}", "country": "CN", **PERIOD},
        "Products": [{"product_id": "p", "product_name": f"part {i}", "declared_unit": "kg",
                      "production_region": "CN-JS"}],
        "Materials": [{"product_id": "p", "line_id": k + 1, "material": m, "amount": 0.1 * (i + k + 1), "unit": "kg",
                       "source": "background"} for k, m in enumerate(["polypropylene", "copper", "steel"])],
    }


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("parallel")
    paths = [write_workbook(d / f"book-{i:02d}.xlsx", book(i)) for i in range(N)]
    bad = book(99)
    bad["Materials"][1]["material"] = "unobtainium"  # an error in the middle of the list
    paths.insert(N // 2, write_workbook(d / "book-bad.xlsx", bad))
    return paths


def _recording(monkeypatch, log_dir, die_on=None):
    """Patch ``importer.read_file`` to record, per file read, the id of the process that read it
    (one file per read in ``log_dir``: PID-NAME), and optionally to kill a worker reading ``die_on``."""
    real = importer.read_file
    parent = os.getpid()

    def recording(path, resolve=None):
        pid = os.getpid()
        if die_on is not None and pid != parent and path.name == die_on:
            (log_dir / f"killed-{pid}-{path.name}").touch()
            os._exit(9)  # a worker killed mid-read (out of memory, signal)
        (log_dir / f"{pid}-{path.name}").touch()
        return real(path, resolve)

    monkeypatch.setattr(importer, "read_file", recording)
    return parent


def _reads(log_dir):
    """[(pid, file name)] of every completed read."""
    out = []
    for f in log_dir.iterdir():
        if not f.name.startswith("killed-"):
            pid, name = f.name.split("-", 1)
            out.append((int(pid), name))
    return out


def _issues(results):
    return [[(i.sheet, i.row, i.column, i.code, i.file, i.severity) for i in r.issues] for r in results]


def test_workers_read_what_one_process_reads_in_the_same_order(files, monkeypatch, tmp_path):
    resolve = importer.resolver()
    monkeypatch.setenv("LCA_IMPORT_WORKERS", "1")
    assert importer._workers(len(files)) == 1
    one = importer.read_files(files, resolve)
    monkeypatch.setenv("LCA_IMPORT_WORKERS", "2")
    if os.cpu_count() and os.cpu_count() > 1:
        assert importer._workers(len(files)) == 2
    many = importer.read_files(files, resolve)
    if importer._workers(len(files)) > 1:  # the same read again, proving it ran in worker processes
        log = tmp_path / "reads"
        log.mkdir()
        parent = _recording(monkeypatch, log)
        again = importer.read_files(files, resolve)
        reads = _reads(log)
        pids = {pid for pid, _ in reads}
        assert parent not in pids and len(pids) > 1, reads  # >1 worker, none of it in this process
        assert sorted(name for _, name in reads) == sorted(p.name for p in files)
        assert [r.records for r in again] == [r.records for r in one]
        assert all(r.accepted for r in again)
    assert [r.records for r in many] == [r.records for r in one]
    assert _issues(many) == _issues(one)
    bad = files.index(next(p for p in files if p.name == "book-bad.xlsx"))
    assert "unknown_material" in {i.code for i in many[bad].issues}
    assert [len(r.records) for r in many] == [0 if k == bad else 1 for k in range(len(files))]


def test_a_worker_that_dies_falls_back_to_reading_here(files, monkeypatch, tmp_path):
    monkeypatch.setenv("LCA_IMPORT_WORKERS", "2")
    if importer._workers(len(files)) < 2:
        pytest.skip("one core: no worker processes")
    log = tmp_path / "reads"
    log.mkdir()
    parent = _recording(monkeypatch, log, die_on="book-03.xlsx")
    results = importer.read_files(files, importer.resolver())
    assert [len(r.records) for r in results].count(1) == N  # every good file read, none skipped
    killed = [f.name for f in log.iterdir() if f.name.startswith("killed-")]
    assert len(killed) == 1 and int(killed[0].split("-")[1]) != parent  # the kill happened in a worker
    reads = _reads(log)
    here = sorted(name for pid, name in reads if pid == parent)
    assert here == sorted(p.name for p in files)  # the fallback read every file in this process
    assert len(results) == len(files)
    assert [len(r.records) for r in results] == [0 if p.name == "book-bad.xlsx" else 1 for p in files]
