"""The server's footprint index and the publication catalog under publication: no full scan after a
publish, changes applied in place equal a fresh read, and a publish reads only its product's records.

No server process: these check the mechanisms whose cost `benchmarks/server_bench.py` measures under
load (issue 23: a publication must delay no request by more than 50 ms on a 20,000-footprint store).
"""
from __future__ import annotations

import json
import os
import time

from lca.server import files, index, store
from server_util import footprint


def _bulk(d, n: int) -> list[dict]:
    """``n`` records written as files (as a store copied in), then one publication: a catalog."""
    fp = d / "pact" / "footprints"
    fp.mkdir(parents=True)
    docs = [footprint(f"B{i}") for i in range(n)]
    for i, doc in enumerate(docs, start=1):
        rec = {"footprint": doc, "access": None, "source": {}, "published": "2025-01-01T00:00:00Z", "seq": i}
        (fp / f"{doc['id']}.json").write_text(json.dumps(rec))
    store.publish(d, footprint("FIRST"))
    return docs


def _view(ix: index.FootprintIndex):
    s = ix.snapshot
    return ([(e.id, e.key, e.access, e.doc["status"]) for e in s.entries], list(s.keys),
            {k: (e.key, e.access) for k, e in s.by_id.items()})


def test_a_journal_line_read_before_its_stamp_leads_to_no_full_scan(tmp_path, monkeypatch):
    monkeypatch.setattr(index, "UNEXPLAINED_S", 0.2)  # the wait below, shortened (the same rule)
    _bulk(tmp_path, 50)
    ix = index.FootprintIndex(tmp_path)
    ix.refresh()
    scans = []
    real = ix._full_scan
    monkeypatch.setattr(ix, "_full_scan", lambda: scans.append(1) or real())
    # the race: a request takes the stamp between a writer's rename and its journal line, the
    # worker reads the journal after the line: the stamp kept must not be that early one
    doc = footprint("RACE")
    rec = {"footprint": doc, "access": None, "source": {}, "published": store.utc_now(), "seq": 999}
    files.write_json(tmp_path / "pact" / "footprints" / f"{doc['id']}.json", rec)
    early = ix._dir_stamp()
    with open(tmp_path / "pact" / store.JOURNAL, "a") as fh:
        fh.write(f"{doc['id']}.json\n")
    ix.refresh(early)
    assert doc["id"] in ix.snapshot.by_id
    ix.refresh()  # the old code kept the early stamp, so this saw a change no new line explained
    time.sleep(index.UNEXPLAINED_S + 0.1)
    ix.refresh()  # and then scanned every file (0.3 s of GIL on 20,000 records)
    assert scans == []


def test_changes_applied_in_place_equal_a_fresh_read(tmp_path):
    docs = _bulk(tmp_path, 40)
    ix = index.FootprintIndex(tmp_path)
    ix.refresh()
    snap = ix.snapshot
    p = store.publish(tmp_path, dict(docs[3], pcf={**docs[3]["pcf"], "pcfExcludingBiogenicUptake": "9"}))
    ix.refresh()
    store.publish(tmp_path, docs[7], access=["alice"])  # an access change in place
    ix.refresh()
    (tmp_path / "pact" / "footprints" / f"{docs[9]['id']}.json").unlink()  # removed (a journal line names it)
    with open(tmp_path / "pact" / store.JOURNAL, "a") as fh:
        fh.write(f"{docs[9]['id']}.json\n")
    ix.refresh()
    assert ix.snapshot is snap  # changed in place, not copied
    fresh = index.FootprintIndex(tmp_path)
    fresh.refresh()
    assert _view(ix) == _view(fresh)
    assert ix.snapshot.by_id[docs[3]["id"]].doc["status"] == "Deprecated"
    assert ix.snapshot.entries[-1].id == p["id"]  # the new version sorts last
    assert ix.snapshot.by_id[docs[7]["id"]].access == frozenset({"alice"})
    assert docs[9]["id"] not in ix.snapshot.by_id and len(ix.snapshot.entries) == 40 + 1 + 1 - 1


def test_a_publish_reads_only_its_products_records_and_leaves_no_file_in_footprints(tmp_path, monkeypatch):
    docs = _bulk(tmp_path, 30)
    read = []
    real = store._records
    monkeypatch.setattr(store, "_records", lambda d, names=None: read.append(names) or real(d, names))
    monkeypatch.setattr(os, "listdir", lambda *a: (_ for _ in ()).throw(AssertionError("listdir in publish")))
    p = store.publish(tmp_path, dict(docs[5], pcf={**docs[5]["pcf"], "pcfExcludingBiogenicUptake": "2"}))
    assert read == [[f"{docs[5]['id']}.json"]]  # the catalog named the product's one record
    assert p["deprecated"] == [docs[5]["id"]]
    monkeypatch.undo()
    assert not [n for n in os.listdir(tmp_path / "pact" / "footprints") if n.startswith(".")]


def test_a_record_written_outside_publish_makes_the_catalog_rebuild(tmp_path):
    _bulk(tmp_path, 10)
    # a crash between a record's write and the catalog's (or a copy by hand): the catalog does not name it
    old = footprint("LATE")
    rec = {"footprint": old, "access": ["bob"], "source": {}, "published": store.utc_now(), "seq": 50}
    time.sleep(0.02)  # past the directory's timestamp tick of the last publish
    files.write_json(tmp_path / "pact" / "footprints" / f"{old['id']}.json", rec)
    p = store.publish(tmp_path, dict(old, id=footprint("x")["id"], pcf={**old["pcf"], "fossilCarbonContent": "1"}))
    assert p["precedingPfIds"] == [old["id"]] and p["deprecated"] == [old["id"]]
    assert p["access"] == ["bob"]  # kept from the version the catalog did not list
    recs = {r["footprint"]["id"]: r for r in store.published(tmp_path)}
    assert recs[old["id"]]["footprint"]["status"] == "Deprecated" and recs[p["id"]]["seq"] == 51


def test_a_lost_or_damaged_catalog_shard_is_rebuilt_not_read_as_no_versions(tmp_path):
    """The product's shard deleted (then damaged): the republish still finds its Active version and deprecates
    it, so the product never has two Active versions."""
    _bulk(tmp_path, 3)
    doc = footprint("SHARDED")
    first = store.publish(tmp_path, doc)
    shard = tmp_path / "pact" / store.CATALOG_DIR / f"{store._shard(doc['productIds'][0].lower())}.json"
    for k, damage in enumerate((lambda: shard.unlink(), lambda: shard.write_text("{not json"))):
        damage()
        prev = [r["footprint"]["id"] for r in store.published(tmp_path)
                if r["footprint"]["productIds"] == doc["productIds"] and r["footprint"]["status"] == "Active"]
        assert len(prev) == 1
        new = dict(doc, id=footprint("y")["id"], pcf={**doc["pcf"], "fossilCarbonContent": str(k + 2)})
        p = store.publish(tmp_path, new)
        assert p["deprecated"] == prev, first
        active = [r for r in store.published(tmp_path)
                  if r["footprint"]["productIds"] == doc["productIds"] and r["footprint"]["status"] == "Active"]
        assert [r["footprint"]["id"] for r in active] == [p["id"]]
        doc = new


def test_the_servers_index_is_out_of_the_full_garbage_collections(tmp_path):
    import gc

    _bulk(tmp_path, 20)
    plain = index.FootprintIndex(tmp_path)
    plain.refresh()
    assert any(o is plain.snapshot.entries for o in gc.get_objects())  # a library user's: left alone
    ix = index.FootprintIndex(tmp_path, freeze=True)
    try:
        ix.refresh()
        # frozen: a full collection (0.1 to 0.6 s over 20,000 footprints under load) no longer walks it
        assert gc.get_freeze_count() > 0
        tracked = {id(o) for o in gc.get_objects()}
        assert id(ix.snapshot.entries) not in tracked and id(ix.snapshot.entries[0].doc) not in tracked
    finally:
        gc.unfreeze()
