"""Side writes (issue 24, figure 4): an import's archive and staged files written by a forked process while the
database is written; everything written before any stored file is replaced, and a failed side write leaves the
stored submissions and the suppliers database as they were."""
from __future__ import annotations

import json
import os
from datetime import date

import pytest

import lca
from lca.side_writes import SideWrites
from lca.supply import store
from lca.supply.fill import write_workbook

WRITES_PROJECT = True
PERIOD = {"reporting_period_start": date(2024, 1, 1), "reporting_period_end": date(2024, 12, 31)}


@pytest.mark.parametrize("fork", ["1", "0"])
def test_files_written_staged_files_fsynced_and_left_for_the_caller(tmp_path, monkeypatch, fork):
    monkeypatch.setenv("LCA_SIDE_WRITES", fork)
    w = SideWrites()
    w.mkdir(tmp_path / "a" / "b")
    w.write_whole(tmp_path / "a" / "b" / "one.json", b'{"x": 1}')
    w.write_whole(tmp_path / "a" / "two.txt", lambda: "二".encode())  # encoded by the writer
    tmp = w.stage(tmp_path / "s" / "rec.json", b"staged")
    (tmp_path / "kept.log").write_text("a line\n")
    w.touch(tmp_path / "kept.log")
    w.touch(tmp_path / "a" / "new.log")
    assert not (tmp_path / "a").exists()  # nothing before start
    w.start()
    w.wait()
    assert (tmp_path / "a" / "b" / "one.json").read_bytes() == b'{"x": 1}'
    assert (tmp_path / "a" / "two.txt").read_text(encoding="utf-8") == "二"
    assert tmp.read_bytes() == b"staged" and tmp.name.startswith(".")  # hidden, not moved in
    assert not (tmp_path / "s" / "rec.json").exists()
    assert (tmp_path / "kept.log").read_text() == "a line\n" and (tmp_path / "a" / "new.log").read_bytes() == b""
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b", "new.log", "two.txt"]  # no temporaries left
    w.discard()
    assert not tmp.exists()


@pytest.mark.parametrize("fork", ["1", "0"])
def test_a_failed_write_is_raised_naming_the_cause(tmp_path, monkeypatch, fork):
    monkeypatch.setenv("LCA_SIDE_WRITES", fork)
    (tmp_path / "blocked").write_text("a file where a directory should be")
    w = SideWrites()
    w.mkdir(tmp_path / "blocked" / "sub")
    w.write_whole(tmp_path / "blocked" / "sub" / "x.json", b"{}")
    with pytest.raises((lca.LcaError, OSError), match="blocked"):
        w.start()
        w.wait()
    assert (tmp_path / "blocked").read_text() == "a file where a directory should be"



def test_a_writer_that_cannot_start_is_made_up_for_here(tmp_path, monkeypatch):
    """An interpreter that runs no writer (here /bin/false, exit 1 at once): the writes are made in this process."""
    import shutil
    import sys

    monkeypatch.setenv("LCA_SIDE_WRITES", "1")
    monkeypatch.setattr(sys, "executable", shutil.which("false"))
    w = SideWrites()
    w.mkdir(tmp_path / "d")
    w.write_whole(tmp_path / "d" / "x.json", b"{}")
    tmp = w.stage(tmp_path / "d" / "rec.json", b"staged")
    w.start()
    w.wait()
    assert (tmp_path / "d" / "x.json").read_bytes() == b"{}" and tmp.read_bytes() == b"staged"

def book(tmp_path, cid: str, kg: float):
    return write_workbook(tmp_path / f"{cid}-{kg}.xlsx", {
        "Supplier": {"company_name": f"Side {cid}", "company_id": cid, "country": "CN", **PERIOD},
        "Products": [{"product_id": "P", "product_name": "cast part", "declared_unit": "kg",
                      "production_region": "CN-JS"}],
        "Materials": [{"product_id": "P", "line_id": 1, "material": "background:aluminium-cast", "amount": kg,
                       "unit": "kg", "source": "background"}],
    })


def score(project, ref: str) -> float:
    return float(project.footprints(database="suppliers")[f"suppliers:{ref}"])


def test_an_import_whose_archive_cannot_be_written_changes_nothing(project, tmp_path):
    """The archive's directory for the company is blocked (a file in its place): the side process fails after
    the database was written; no stored file is replaced and the database is back to the stored submissions."""
    first = project.import_files([book(tmp_path, "T24S-A", 0.8)])
    assert first.ok, first.summary()
    stored = (store.submissions_dir(project) / "T24S-A.json").read_text(encoding="utf-8")
    before = score(project, "T24S-A/P")
    blocked = store.submissions_dir(project) / "archive" / "T24S-B"
    blocked.write_text("not a directory")
    with pytest.raises(lca.LcaError, match="writing the files beside the database failed.*T24S-B"):
        project.import_files([book(tmp_path, "T24S-A", 1.6), book(tmp_path, "T24S-B", 0.5)])
    d = store.submissions_dir(project)
    assert (d / "T24S-A.json").read_text(encoding="utf-8") == stored  # not replaced
    assert not (d / "T24S-B.json").exists()
    assert not [p.name for p in d.iterdir() if p.name.startswith(".")]  # no staged file left
    assert store.is_current(project, project.activate())  # the database is built from the stored files
    assert score(project, "T24S-A/P") == pytest.approx(before, rel=1e-9)
    assert "suppliers:T24S-B/P" not in set(project.footprints(database="suppliers").index)
    # the archive of T24S-A got its version 2 (archived versions are never removed), not stored
    assert json.loads(stored)["archive_version"] == 1
    blocked.unlink()
    again = project.import_files([book(tmp_path, "T24S-A", 1.6), book(tmp_path, "T24S-B", 0.5)])
    assert again.ok, again.summary()
    assert score(project, "T24S-A/P") == pytest.approx(2 * before, rel=1e-6)
    assert json.loads((d / "T24S-B.json").read_text(encoding="utf-8"))["archive_version"] == 1
    assert os.path.isdir(blocked)


def test_a_version_file_spliced_from_the_stored_text_is_the_plain_encoding():
    from lca.supply import archive

    rec = {"supplier": {"company_id": "X", "名": "供应商"}, "materials": [{"amount": 0.1, "unit": "kg"}], "b": None}
    entry = {"version": 3, "company_id": "X", "period": {"start": "2024-01-01", "end": None}, "imported": "t",
             "by": "me", "file": "x.xlsx", "sha256": "ab", "suffix": ".xlsx", "record": rec}
    plain = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert archive.entry_json(entry, store._dumps) == plain == archive.entry_json(entry)



def test_an_import_refused_when_linking_leaves_no_archived_file(project, tmp_path, monkeypatch):
    """The side process starts before linking (store.stage); a link-time error then refuses the import and
    what the side process created (the company's archive directory, version, original, log) is removed."""
    from lca.errors import InputIssue, Severity

    real = store.build

    def build_with_an_error(*a, **k):
        built = real(*a, **k)
        built.issues.append(InputIssue("Materials", 2, "amount", "bad_amount", "a link-time error (test)",
                                       Severity.ERROR, "T24S-C-0.7.xlsx"))
        return built

    archive = store.submissions_dir(project) / "archive"
    before = sorted(p.relative_to(archive) for p in archive.rglob("*")) if archive.exists() else []
    stored_before = sorted(p.name for p in store.submissions_dir(project).glob("*.json"))
    monkeypatch.setattr(store, "build", build_with_an_error)
    rep = project.import_files([book(tmp_path, "T24S-C", 0.7)])
    monkeypatch.undo()
    assert not rep.ok and "a link-time error (test)" in rep.summary()
    after = sorted(p.relative_to(archive) for p in archive.rglob("*")) if archive.exists() else []
    assert after == before and not (archive / "T24S-C").exists()
    d = store.submissions_dir(project)
    assert sorted(p.name for p in d.glob("*.json")) == stored_before
    assert not [p.name for p in d.iterdir() if p.name.startswith(".")]
    ok = project.import_files([book(tmp_path, "T24S-C", 0.7)])  # and it imports once the error is gone
    assert ok.ok, ok.summary()
    assert json.loads((d / "T24S-C.json").read_text(encoding="utf-8"))["archive_version"] == 1


def test_the_writer_of_an_import_is_given_the_project_lock(project, tmp_path, monkeypatch):
    """The writer keeps the project's lock file open (flock is shared by the open file): a parent killed while
    it writes leaves the lock held until the writer is done, so the next writer never sees half an archive."""
    import fcntl

    from lca import locking, side_writes

    seen = []
    real_init = side_writes.SideWrites.__init__

    def init(self, keep_fds=()):
        held = locking.HELD.get(project.path)
        seen.append((tuple(keep_fds), held["fh"].fileno() if held else None,
                     held["mode"] == fcntl.LOCK_EX if held else None))
        real_init(self, keep_fds)

    monkeypatch.setattr(side_writes.SideWrites, "__init__", init)
    assert project.import_files([book(tmp_path, "T24S-D", 0.3)]).ok
    assert seen and all(keep == (fd,) and exclusive for keep, fd, exclusive in seen), seen
