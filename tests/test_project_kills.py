"""Writers killed (SIGKILL) at each point of a database write, of the models database and of the first set-up.

The child is paused at a named point by patching Brightway inside it (``storage_util.CHILD``),
killed, the damage seen without the code under test, then the next command (a new process)
must repair, keep what was committed before and give current results.
"""
import json
import shutil
import sqlite3

import pytest

import lca
from cli_util import lca_in_process
from storage_util import (N_ITEMS, assert_background_intact, assert_extra_consistent, cli, damage, expected_item,
                          extra_additions, extra_data, kill_when_paused, start_child)
from storage_util import base, copy  # noqa: F401  (fixtures)


# -- a writer killed at each point of a database write ----------------------------------------
@pytest.mark.slow  # kill-and-repair / writer processes
@pytest.mark.parametrize("point,expect", [
    ("start", {"pending"}),
    ("sqlite", {"pending", "indices", "sqlite-journal"}),
    ("process", {"pending", "processed-older"}),
    ("zip", {"pending", "processed-older", "zip-truncated"}),
    ("clear", {"pending"}),
])
def test_writer_killed_mid_write_next_command_repairs(base, copy, tmp_path, point, expect):
    child = start_child(tmp_path, point, copy, data=extra_data(base["co2"], 2))
    kill_when_paused(child)
    found = damage(copy, "extra")
    assert expect <= found, found  # the fault really is there
    # the next command works and reports current data: the interrupted write is replayed
    # from its journal (complete and validated), never half of it
    out = cli(copy, "footprint", "extra:item-7", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["total"] == pytest.approx(expected_item(7, 2), rel=1e-6)
    assert damage(copy, "extra") == set()
    p = lca.open_project(copy)
    assert_extra_consistent(p, 2)
    assert_background_intact(p, base)  # committed before: untouched


# -- an addition of datasets (Project.add_datasets) killed at each point -----------------------------
def activity_ids(project_dir) -> dict[str, int]:
    """code -> SQLite id of database ``extra``'s activities, read with sqlite3."""
    d = next(p for p in (project_dir / "brightway").iterdir() if p.name.startswith("green-lca."))
    con = sqlite3.connect(d / "lci" / "databases.db")
    try:
        return dict(con.execute("SELECT code, id FROM activitydataset WHERE database = 'extra'").fetchall())
    finally:
        con.close()


@pytest.mark.slow  # kill-and-repair / writer processes
@pytest.mark.parametrize("point", ["sqlite", "process", "zip", "clear"])
def test_addition_killed_next_command_replays_it_and_keeps_the_rows_before(base, copy, tmp_path, point):
    before = activity_ids(copy)
    child = start_child(tmp_path, point, copy, data=extra_additions(base["co2"], 3), add=True)
    kill_when_paused(child)
    assert "pending" in damage(copy, "extra")
    out = cli(copy, "footprint", f"extra:item-{N_ITEMS + 2}", "--json")  # repairs: the addition replayed
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["total"] == pytest.approx(expected_item(N_ITEMS + 2, 1), rel=1e-6)
    assert damage(copy, "extra") == set()
    after = activity_ids(copy)
    assert {c: after[c] for c in before} == before  # the rows committed before: same ids
    assert len(after) == len(before) + 3
    p = lca.open_project(copy)
    series = p.footprints(database="extra")
    for i in (0, 7, N_ITEMS, N_ITEMS + 1):
        assert series[f"extra:item-{i}"] == pytest.approx(expected_item(i, 1), rel=1e-6)
    assert_background_intact(p, base)


# -- the models database and the first set-up, killed -------------------------------------------
MODEL_ARGS = ["footprint", "--model", "battery_pack", "--set", "chemistry=NMC811", "--set", "capacity_kwh=61",
              "--json"]


@pytest.fixture(scope="module")
def uninterrupted_model(base, tmp_path_factory):
    """The same model, uninterrupted, by the CLI (in this process) in an undamaged copy (``base`` stays without it)."""
    ref = tmp_path_factory.mktemp("reference") / "project"
    shutil.copytree(base["dir"], ref, ignore=shutil.ignore_patterns("write.lock"))
    want = lca_in_process(ref, *MODEL_ARGS)
    assert want.returncode == 0, want.stderr
    return want


@pytest.mark.slow  # kill-and-repair / writer processes
@pytest.mark.parametrize("point", ["sqlite", "process", "clear"])
def test_models_write_killed_next_footprint_works(base, copy, tmp_path, point, uninterrupted_model):
    want = uninterrupted_model
    child = start_child(tmp_path, point, copy, argv=MODEL_ARGS, db="models")
    kill_when_paused(child)
    assert "pending" in damage(copy, "models")
    got = cli(copy, *MODEL_ARGS)  # repairs (rebuilds `models` empty), regenerates the model, computes
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout)["total"] == pytest.approx(json.loads(want.stdout)["total"], rel=1e-9)
    assert damage(copy, "models") == set()
    p = lca.open_project(copy)
    assert_extra_consistent(p, 1)  # what was committed before the kill is intact
    assert_background_intact(p, base)


@pytest.mark.slow  # kill-and-repair / writer processes
def test_first_setup_killed_in_the_biosphere_write_next_command_sets_up(base, tmp_path):
    fresh = tmp_path / "fresh"
    product = "background:" + str(base["bg"].index[0]).split(":", 1)[1]
    child = start_child(tmp_path, "sqlite", fresh, argv=["footprint", product, "--json"], db="biosphere3")
    kill_when_paused(child)  # the first SQLite insert of a new project: biosphere3
    state = json.loads((fresh / "green-lca.json").read_text())
    assert "biosphere3" in (state.get("pending") or [])
    got = cli(fresh, "footprint", product, "--json")
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout)["total"] == pytest.approx(float(base["bg"].iloc[0]), rel=1e-6)
    state = json.loads((fresh / "green-lca.json").read_text())
    assert not state.get("pending") and state.get("setup_complete")
