"""Adding datasets to a database (lca.additions, Project.add_datasets): model variants one by one, untouched
earlier rows, refused and failing additions that change nothing, a failed addition replayed by the next command.

The stored rows are read with plain ``sqlite3`` (not the code under test); footprints are checked against a
scipy solve of the project's whole system and against the same datasets written whole (the full write).
"""
import hashlib
import json
import pickle
import sqlite3

import numpy as np
import pytest
from scipy.sparse.linalg import spsolve

import lca
from lca import InputError, LcaError
from lca.models import MODELS_DB, battery_pack

WRITES_PROJECT = True  # conftest: this module works on its own copy of the session project

VALUES = [30.0, 33.0, 36.0, 39.0, 42.0]  # cell_energy [kWh factory energy / kWh cell] of the variants


def rows(project, db: str) -> tuple[dict, dict]:
    """(activity id -> (code, data), exchange id -> data) of database ``db``, straight from SQLite."""
    con = sqlite3.connect(next((project.path / "brightway").glob("green-lca.*")) / "lci" / "databases.db")
    try:
        acts = {i: (c, pickle.loads(d)) for i, c, d in
                con.execute("SELECT id, code, data FROM activitydataset WHERE database = ?", (db,))}
        excs = {i: pickle.loads(d) for i, d in
                con.execute("SELECT id, data FROM exchangedataset WHERE output_database = ?", (db,))}
    finally:
        con.close()
    return acts, excs


def meta(project, db: str) -> dict:
    return json.loads(next((project.path / "brightway").glob("green-lca.*")).joinpath("databases.json")
                      .read_text())[db]


def processed_hash(project, db: str) -> str:
    d = next((project.path / "brightway").glob("green-lca.*")) / "processed"
    return hashlib.sha256(b"".join(p.read_bytes() for p in sorted(d.glob(f"{db}.*.zip")))).hexdigest()


def scipy_score(project, key, method) -> float:
    """Score of one unit of ``key``: x = A^-1 e_key, c . (B x), the project's matrices solved by scipy."""
    calc = project.calc
    system, nodes = calc.system(), calc.nodes()
    node = int(nodes[nodes["ref"] == f"{key[0]}:{key[1]}"]["id"].iloc[0])
    demand = np.zeros(system.A.shape[0])
    demand[system.product_row[system.col_of[node]]] = 1.0
    x = spsolve(system.A.tocsc(), demand)
    return float(calc.characterization(method) @ (system.B @ x))


def test_variants_added_one_by_one_equal_scipy_and_the_full_write_and_leave_earlier_rows_untouched(project,
                                                                                                   gwp100):
    method = project.method("GWP100")
    got, keys = [], []
    for v in VALUES:
        before = rows(project, MODELS_DB)
        fp = project.footprint(battery_pack("LFP", 60.0, cell_energy=v))
        keys.append(battery_pack("LFP", 60.0, cell_energy=v).key)
        got.append(fp.total)
        after = rows(project, MODELS_DB)
        # (b) every row there before is still there, same id, same data; only new codes were added
        for part_before, part_after in zip(before, after):
            assert {i: part_after.get(i) for i in part_before} == part_before
        new_codes = {c for i, (c, _) in after[0].items() if i not in before[0]}
        assert new_codes and not new_codes & {c for c, _ in before[0].values()}
        # (a) the engine's answer equals a scipy solve of the project's matrices
        assert fp.total == pytest.approx(scipy_score(project, keys[-1], method), rel=1e-6)
    assert len(set(got)) == len(VALUES)  # the parameter matters: a real sweep
    # no model variant is written twice: the first variants are found, nothing is added
    n = len(rows(project, MODELS_DB)[0])
    assert project.footprint(battery_pack("LFP", 60.0, cell_energy=VALUES[0])).total == got[0]
    assert len(rows(project, MODELS_DB)[0]) == n
    # (a) the same datasets written whole (the full write of before) give the same footprints
    data = []
    activities, exchanges = rows(project, MODELS_DB)
    for _, (code, d) in activities.items():
        data.append(dict(d, exchanges=[dict(e, input=tuple(e["input"])) for e in exchanges.values()
                                       if tuple(e["output"]) == (MODELS_DB, code)]))
    for d in data:
        for e in d["exchanges"]:
            e.pop("output")
    project.write_database(MODELS_DB, data)
    full = [project.footprint(battery_pack("LFP", 60.0, cell_energy=v)).total for v in VALUES]
    assert full == pytest.approx(got, rel=1e-9)


@pytest.fixture
def extra(project):
    """A small database with no source but its journal (not a derived database): ``hub`` + 3 items."""
    co2 = project.biosphere_codes()["CO2 fossil"]
    project.write_database("extra", [extra_ds("hub", co2, 2.0, [])] + [
        extra_ds(f"item-{i}", co2, 0.25 * (i + 1), [("hub", 0.5)]) for i in range(3)])
    yield co2
    project.delete_database("extra")


def extra_ds(code, co2, kg, tech):
    exc = [{"input": ("extra", code), "amount": 1.0, "type": "production"},
           {"input": ("biosphere3", co2), "amount": kg, "type": "biosphere"}]
    exc += [{"input": ("extra", c), "amount": a, "type": "technosphere"} for c, a in tech]
    return {"database": "extra", "code": code, "name": f"extra {code}", "unit": "kilogram", "location": "CN",
            "reference product": code, "type": "process", "exchanges": exc}


def expected(i: int) -> float:
    return 0.25 * (i + 1) + 0.5 * 2.0  # by hand: own CO2 + half a hub (2 kg CO2), GWP100 CF of CO2 = 1


def test_an_added_dataset_links_to_existing_ones_and_computes_by_hand(project, extra):
    project.add_datasets("extra", [extra_ds("item-7", extra, 2.0, [("hub", 0.5), ("item-0", 2.0)])])
    assert project.footprint("extra:item-7").total == pytest.approx(2.0 + 1.0 + 2.0 * expected(0), rel=1e-6)
    assert project.footprint("extra:item-2").total == pytest.approx(expected(2), rel=1e-6)
    assert meta(project, "extra")["number"] == 5
    assert not (project.path / "journal" / "extra.add.pickle").exists()
    assert not project.state.pending()


@pytest.mark.parametrize("bad,why", [
    ("unknown-input", "does not exist"),
    ("existing-code", "already in database"),
    ("wrong-database", "not in database"),
    ("nan", "not a finite number"),
])
def test_a_refused_addition_changes_nothing(project, extra, bad, why):
    ok = extra_ds("item-8", extra, 1.0, [("hub", 0.5)])
    wrong = {"unknown-input": extra_ds("item-9", extra, 1.0, [("no-such-hub", 0.5)]),
             "existing-code": extra_ds("item-1", extra, 1.0, []),
             "wrong-database": dict(extra_ds("item-9", extra, 1.0, []), database="other"),
             "nan": extra_ds("item-9", extra, float("nan"), [])}[bad]
    before = rows(project, "extra"), meta(project, "extra"), processed_hash(project, "extra")
    with pytest.raises(InputError, match=why):
        project.add_datasets("extra", [ok, wrong])
    assert (rows(project, "extra"), meta(project, "extra"), processed_hash(project, "extra")) == before
    assert not project.state.pending()
    assert project.footprint("extra:item-1").total == pytest.approx(expected(1), rel=1e-6)


def test_an_addition_failing_in_sqlite_is_rolled_back_and_replayed_by_the_next_command(project, extra,
                                                                                      monkeypatch):
    from bw2data.backends import ExchangeDataset

    before = rows(project, "extra")
    calls = []

    def fail(cls, *a, **k):  # the activities are inserted, the exchanges fail: the transaction rolls back
        calls.append(1)
        raise RuntimeError("disk full (simulated)")

    monkeypatch.setattr(ExchangeDataset, "insert_many", classmethod(fail))
    with pytest.raises(LcaError, match="rebuilt from its source"):
        project.add_datasets("extra", [extra_ds("item-5", extra, 1.5, [("hub", 0.5)])])
    monkeypatch.undo()
    assert calls and rows(project, "extra") == before  # no half addition in SQLite
    assert project.state.pending() == ["extra"]
    assert (project.path / "journal" / "extra.add.pickle").exists()
    nxt = lca.open_project(project.path)  # the next command: repairs by replaying the journaled addition
    assert nxt.footprint("extra:item-5").total == pytest.approx(1.5 + 1.0, rel=1e-6)
    assert not nxt.state.pending()
    acts, _ = rows(project, "extra")
    assert {i: acts[i] for i in before[0]} == before[0]  # the rows before kept their ids and data
    assert sorted(c for c, _ in acts.values()) == ["hub", "item-0", "item-1", "item-2", "item-5"]


def test_after_an_addition_only_the_database_it_changed_is_read_again(project, monkeypatch):
    """The calculator keeps what is built from unchanged content across a write (Calculator.kept): after a
    variant is added, the models database's node table and processed arrays are read again, the
    background's are not; the footprint equals that of a new project object that reads everything."""
    from bw2data.backends import SQLiteBackend

    from lca.calc import Calculator

    project.footprint(battery_pack(cell_energy=31.5))
    nodes, arrays = [], []
    query, datapackage = Calculator._query_nodes, SQLiteBackend.datapackage
    monkeypatch.setattr(Calculator, "_query_nodes", lambda self, db: nodes.append(db) or query(self, db))
    monkeypatch.setattr(SQLiteBackend, "datapackage", lambda self: arrays.append(self.name) or datapackage(self))
    got = project.footprint(battery_pack(cell_energy=34.5)).total  # a new variant: added, then solved
    assert nodes == [MODELS_DB] and arrays == [MODELS_DB]
    monkeypatch.setenv("LCA_NO_CACHE", "1")  # a new project object that rebuilds everything from Brightway
    fresh = lca.open_project(project.path).footprint(battery_pack(cell_energy=34.5)).total
    assert "background" in arrays  # it did read the background's arrays again
    assert fresh == pytest.approx(got, rel=1e-9)
