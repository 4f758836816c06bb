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


def _issues(results):
    return [[(i.sheet, i.row, i.column, i.code, i.file, i.severity) for i in issues] for _, issues in results]


def test_workers_read_what_one_process_reads_in_the_same_order(files, monkeypatch):
    resolve = importer.resolver()
    monkeypatch.setenv("LCA_IMPORT_WORKERS", "1")
    assert importer._workers(len(files)) == 1
    one = importer.read_files(files, resolve)
    monkeypatch.setenv("LCA_IMPORT_WORKERS", "2")
    if os.cpu_count() and os.cpu_count() > 1:
        assert importer._workers(len(files)) == 2
    many = importer.read_files(files, resolve)
    assert [recs for recs, _ in many] == [recs for recs, _ in one]
    assert _issues(many) == _issues(one)
    bad = files.index(next(p for p in files if p.name == "book-bad.xlsx"))
    assert "unknown_material" in {i.code for i in many[bad][1]}
    assert [len(recs) for recs, _ in many] == [0 if k == bad else 1 for k in range(len(files))]


def test_a_worker_that_dies_falls_back_to_reading_here(files, monkeypatch):
    monkeypatch.setenv("LCA_IMPORT_WORKERS", "2")
    if importer._workers(len(files)) < 2:
        pytest.skip("one core: no worker processes")
    real = importer.read_file

    def dying(path, resolve=None):
        if os.getpid() != parent and path.name == "book-03.xlsx":
            os._exit(9)  # a worker killed mid-read (out of memory, signal)
        return real(path, resolve)

    parent = os.getpid()
    monkeypatch.setattr(importer, "read_file", dying)
    results = importer.read_files(files, importer.resolver())
    assert [len(recs) for recs, _ in results].count(1) == N  # every good file read, none skipped
