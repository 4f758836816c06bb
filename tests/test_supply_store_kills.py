"""Supplier imports (``lca import``) killed or run at once: the suppliers database and the stored submissions agree.

Built in copies of the session project (see ``storage_util``); company A is imported and
committed first, then company B's import is killed at a named point.
"""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import lca
from cli_util import lca_in_process
from storage_util import WORKBOOK_A, WORKBOOK_B, cli, damage, env, kill_when_paused, start_child
from storage_util import base, copy  # noqa: F401  (fixtures)


needs_import = pytest.mark.skipif(not (WORKBOOK_A.exists() and WORKBOOK_B.exists()),
                                  reason="examples/ supplier workbooks not written yet")


def submissions(project_dir: Path) -> set[str]:
    return {p.stem for p in (project_dir / "submissions").glob("*.json")}


@needs_import
@pytest.mark.slow  # kill-and-repair / writer processes
def test_two_imports_at_once_both_companies_land(copy):
    # each import waits up to LCA_LOCK_TIMEOUT (60 s, set here rather than inherited) for the other's write
    # lock, far longer than an import holds it: both must land. A refusal after the timeout (exit 3, naming
    # the holder) is test_second_writer_exits_3_naming_the_holder's subject, not an escape here.
    procs = [subprocess.Popen([sys.executable, "-m", "lca.cli", "--project", str(copy), "import",
                               str(wb), "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env(LCA_LOCK_TIMEOUT="60"))
             for wb in (WORKBOOK_A, WORKBOOK_B)]
    products = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        products += json.loads(out)["products"]
    assert len(products) >= 2
    assert submissions(copy) >= {"QH-LITHIUM", "HN-CATHODE"}
    p = lca.open_project(copy)
    refs = set(p.footprints(database="suppliers").index)
    for prod in products:
        ref = prod if ":" in prod else f"suppliers:{prod}"
        assert ref in refs, (ref, sorted(refs)[:20])
    assert any(r.startswith("suppliers:QH-LITHIUM/") for r in refs)
    assert any(r.startswith("suppliers:HN-CATHODE/") for r in refs)


@pytest.fixture(scope="module")
def imported(project, tmp_path_factory):
    """A copy of the set-up project with company A imported (committed), and its product's footprint by the
    CLI (in this process). (Not a copy of ``base``: its 300-dataset ``extra`` database plays no part here.)"""
    if not WORKBOOK_A.exists():
        pytest.skip("examples/ not written yet")
    d = tmp_path_factory.mktemp("imported") / "project"
    project.activate()
    with project.lock():  # a quiet moment: nobody writes while we copy
        shutil.copytree(project.path, d, ignore=shutil.ignore_patterns("write.lock"))
    out = lca_in_process(d, "import", str(WORKBOOK_A), "--json")
    assert out.returncode == 0, out.stderr
    product = json.loads(out.stdout)["products"][0]
    fp = lca_in_process(d, "footprint", product, "--json")
    assert fp.returncode == 0, fp.stderr
    return {"dir": d, "product": product, "total": json.loads(fp.stdout)["total"]}


@needs_import
@pytest.mark.slow  # kill-and-repair / writer processes
@pytest.mark.parametrize("point", ["sqlite", "process", "replace"])
def test_import_killed_next_command_works(imported, tmp_path, point):
    d = tmp_path / "project"
    shutil.copytree(imported["dir"], d, ignore=shutil.ignore_patterns("write.lock"))
    child = start_child(tmp_path, point, d, argv=["import", str(WORKBOOK_B)], db="suppliers")
    kill_when_paused(child)
    assert "pending" in damage(d, "suppliers") or point == "replace"
    # the next command works; company A (committed before) is intact with the same result
    out = cli(d, "footprint", imported["product"], "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["total"] == pytest.approx(imported["total"], rel=1e-9)
    assert damage(d, "suppliers") == set()
    # the database agrees with the stored submissions: company B entirely or not at all
    p = lca.open_project(d)
    refs = set(p.footprints(database="suppliers").index)
    has_b = any(r.startswith("suppliers:HN-CATHODE/") for r in refs)
    assert has_b == ("HN-CATHODE" in submissions(d))
    # and importing B again now completes (in this process: the fresh process after the kill was the one above)
    again = lca_in_process(d, "import", str(WORKBOOK_B), "--json")
    assert again.returncode == 0, again.stderr
    assert "HN-CATHODE" in submissions(d)


@needs_import
def test_submission_check_is_cached_by_file_stats_and_a_changed_file_is_caught(imported, tmp_path, monkeypatch):
    from lca.supply import store

    d = tmp_path / "project"
    shutil.copytree(imported["dir"], d, ignore=shutil.ignore_patterns("write.lock"))
    p = lca.open_project(d)  # the copy has new inodes: the full check runs and records its result
    assert (d / store.CHECKED_FILE).exists()

    def no_reading(_project):
        raise AssertionError("the submissions were read although nothing changed")

    monkeypatch.setattr(store, "_stored_texts", no_reading)
    assert store.is_current(p, p.activate())
    monkeypatch.undo()
    # a stored submission changed behind the project's back (valid JSON, other bytes): the stat
    # signature differs, the full check runs and finds the digest no longer matches
    f = next((d / store.SUBMISSIONS_DIR).glob("*.json"))
    f.write_text(f.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert not store.is_current(p, p.activate())
    # the cached result is not reused either when the database digest changes (a crash after the
    # database write and before the files were replaced): put the old files back, change the digest
    f.write_text(f.read_text(encoding="utf-8")[:-1], encoding="utf-8")
    assert store.is_current(p, p.activate())
    bd = p.activate()
    meta = bd.databases[store.SUPPLIER_DB]
    meta[store.DIGEST_KEY] = "0" * 64
    bd.databases[store.SUPPLIER_DB] = meta
    bd.databases.flush()
    assert not store.is_current(p, bd)


@needs_import
@pytest.mark.slow  # kill-and-repair / writer processes
@pytest.mark.parametrize("point", ["sqlite", "replace"])
@pytest.mark.parametrize("action", ["restore", "withdraw"])
def test_restore_or_withdraw_killed_loses_nothing(imported, tmp_path, point, action):
    """Issue 24: a restore or a withdraw killed mid-write leaves the stored submissions and the database in
    agreement (old state or new), the archive complete, and the same action completes when run again."""
    from lca.supply import history

    d = tmp_path / "project"
    shutil.copytree(imported["dir"], d, ignore=shutil.ignore_patterns("write.lock"))
    # the set-up and the second run of the action in this process; the command after the kill is a fresh one
    again = lca_in_process(d, "import", str(WORKBOOK_A), "--json", "--by", "second")   # version 2 of company A
    assert again.returncode == 0, again.stderr
    cid = imported["product"].split("/")[0]
    if action == "withdraw":  # another company stays, so the withdraw rewrites the database (a write to kill)
        other = lca_in_process(d, "import", str(WORKBOOK_B), "--json")
        assert other.returncode == 0, other.stderr
    argv = ["suppliers", "restore", cid, "1"] if action == "restore" else ["withdraw", cid]
    child = start_child(tmp_path, point, d, argv=argv, db="suppliers")
    kill_when_paused(child)
    out = cli(d, "suppliers", "--json")   # the next command works (repairing what the kill left)
    assert out.returncode == 0, out.stderr
    p = lca.open_project(d)
    # with company A withdrawn nothing is left: the suppliers database is then removed
    refs = set(p.footprints(database="suppliers").index) if "suppliers" in p.activate().databases else set()
    assert (cid in submissions(d)) == any(r.startswith(f"suppliers:{cid}/") for r in refs)
    assert [e["version"] for e in history.history(p, cid)] == [1, 2]   # nothing lost from the archive
    for v in (1, 2):
        assert history.original(p, cid, v).read_bytes() == WORKBOOK_A.read_bytes()
    if action == "withdraw":  # the files move before the database is written: a kill leaves it withdrawn
        assert cid not in submissions(d) and not any(r.startswith(f"suppliers:{cid}/") for r in refs)
        return
    done = lca_in_process(d, *argv)
    assert done.returncode == 0, done.stderr
    if action == "restore":
        assert json.loads((d / "submissions" / f"{cid}.json").read_text())["archive_version"] == 1
        fp = lca_in_process(d, "footprint", imported["product"], "--json")
        assert json.loads(fp.stdout)["total"] == pytest.approx(imported["total"], rel=1e-9)
