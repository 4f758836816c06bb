"""What the PACT server promises while its store changes, against a real `lca serve` process (slow
tier) and the same app in this process (quick tier, :mod:`inprocess_util`).

Paging follows a cursor that new, restricted or deprecated footprints cannot shift;
access lists survive republishing unless changed explicitly; concurrent publishes
are serialized; a version change interrupted between its two writes (a real
crash of the publishing process) is repaired at start-up and on republish;
malformed dates and deeply nested JSON are 400, never 500. The quick tier interrupts the
version change by an exception in this process instead of a real crash.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lca.server import clients, store, tls
from inprocess_util import KINDS, process_only, serve
from server_util import footprint

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module", params=KINDS)
def env(request, tmp_path_factory):
    d = tmp_path_factory.mktemp("pact-integrity")
    tls.dev_certificate(d)
    ids = {n: clients.add(d, n) for n in ("alice", "bob")}
    docs = [footprint(f"S{i}", "PAGE") for i in range(10)]
    for doc in docs:
        store.publish(d, doc)
    srv = serve(request.param, d)
    tokens = {n: srv.token(c["client_id"], c["client_secret"]) for n, c in ids.items()}
    yield {"dir": d, "srv": srv, "tokens": tokens, "docs": docs}
    srv.stop()


def get(env, path, who="alice"):
    with env["srv"].client() as c:
        return c.get(path, headers={"Authorization": f"Bearer {env['tokens'][who]}"})


def next_path(r) -> str | None:
    link = r.headers.get("link")
    if not link:
        return None
    url = link.split(";")[0].strip("<> ")
    return url[url.index("/3/"):]


def _caught_up(env, pf_id: str) -> None:
    """Wait until the server's index has the latest publication (it refreshes in a worker thread)."""
    deadline = time.monotonic() + 10
    while get(env, f"/3/footprints/{pf_id}", who="bob").status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_paging_while_the_store_changes_has_no_duplicates_and_no_misses(env):
    d, docs = env["dir"], env["docs"]
    company = "companyId=urn:pact:company:test:PAGE"
    r = get(env, f"/3/footprints?{company}&limit=3")
    first = [x["id"] for x in r.json()["data"]]
    assert first == [docs[i]["id"] for i in range(3)]  # publication order
    # between pages: a footprint already paged past is restricted, one not yet reached is
    # restricted, two new ones are published, one not yet reached gets a new version
    store.publish(d, docs[1], access=["bob"])
    store.publish(d, docs[5], access=["bob"])
    new = [footprint(f"S-new{i}", "PAGE") for i in range(2)]
    for doc in new:
        store.publish(d, doc)
    v2 = dict(docs[7], pcf={**docs[7]["pcf"], "pcfExcludingBiogenicUptake": "99"})
    v2_id = store.publish(d, v2)["id"]
    _caught_up(env, v2_id)
    seen = list(first)
    path = next_path(r)
    while path:
        r = get(env, path)
        assert r.status_code == 200, r.text
        seen += [x["id"] for x in r.json()["data"]]
        path = next_path(r)
    want = first + [docs[i]["id"] for i in (3, 4, 6, 7, 8, 9)] + [x["id"] for x in new] + [v2_id]
    assert seen == want  # no duplicate, nothing skipped, new ones at the end; 5 is bob's now
    # bob pages the same list and sees both restricted ones in their places
    r, got = get(env, f"/3/footprints?{company}&limit=4", who="bob"), []
    while True:
        got += [x["id"] for x in r.json()["data"]]
        if not next_path(r):
            break
        r = get(env, next_path(r), who="bob")
    assert got == [x["id"] for x in docs] + [x["id"] for x in new] + [v2_id]


def test_default_page_size_and_bad_cursors(env):
    for i in range(105):
        store.publish(env["dir"], footprint(f"BULK{i}", "BULK"))
    deadline = time.monotonic() + 10  # the index catches up in a worker thread (a request waits <= 20 ms)
    while len(get(env, "/3/footprints?companyId=urn:pact:company:test:BULK&limit=1000").json()["data"]) < 105:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    r = get(env, "/3/footprints?companyId=urn:pact:company:test:BULK")
    assert r.status_code == 200 and len(r.json()["data"]) == 100 and "cursor=" in r.headers["link"]
    r = get(env, next_path(r))
    assert len(r.json()["data"]) == 5 and "link" not in r.headers
    for bad in ("cursor=abc", "cursor=WzFd", "cursor=" + "A" * 600):
        r = get(env, "/3/footprints?" + bad)
        assert r.status_code == 400 and r.json()["code"] == "BadRequest", bad


def test_access_lists_are_kept_unless_changed_explicitly(env):
    d = env["dir"]
    doc = footprint("ACL1", "ACL")
    assert store.publish(d, doc, access=["bob"])["access"] == ["bob"]
    assert store.publish(d, doc)["access"] == ["bob"]  # a plain republish keeps it
    v2 = dict(doc, pcf={**doc["pcf"], "pcfExcludingBiogenicUptake": "20"})
    res = store.publish(d, v2)  # a new version inherits the current version's list
    assert res["access"] == ["bob"] and not res["unchanged"]
    _caught_up(env, res["id"])
    assert get(env, f"/3/footprints/{res['id']}").status_code == 403
    assert get(env, f"/3/footprints/{res['id']}", who="bob").status_code == 200
    assert store.publish(d, v2, access=None)["access"] is None  # --public: opened explicitly
    assert get(env, f"/3/footprints/{res['id']}").status_code == 200


PUBLISHER = """
import sys, json
from lca.server import store
sys.path.insert(0, sys.argv[3])
from server_util import footprint
d, who = sys.argv[1], sys.argv[2]
base = footprint("RACE", "RACE")
for i in range(6):
    doc = dict(base, pcf={**base["pcf"], "pcfExcludingBiogenicUptake": f"{len(who)}{i}"})
    store.publish(d, doc, access=[who])
"""


@process_only()  # two publishing processes
def test_concurrent_publishes_are_serialized(env):
    d = env["dir"]
    procs = [subprocess.Popen([sys.executable, "-c", PUBLISHER, str(d), who, str(ROOT / "tests")])
             for who in ("alice", "bob")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    recs = [r for r in store.published(d) if r["footprint"]["companyName"] == "RACE Ltd."]
    assert len(recs) == 12  # nothing lost
    active = [r for r in recs if r["footprint"]["status"] == "Active"]
    assert len(active) == 1 and active[0] is recs[-1]
    assert set(active[0]["footprint"]["precedingPfIds"]) == {r["footprint"]["id"] for r in recs[:-1]}
    for r in recs:  # each version carries the list its own publisher gave
        assert r["access"] == [{"5": "alice", "3": "bob"}[r["footprint"]["pcf"]["pcfExcludingBiogenicUptake"][0]]]
    assert [r["seq"] for r in recs] == sorted({r["seq"] for r in recs})


CRASHER = """
import os, sys
from lca.server import files, store
sys.path.insert(0, sys.argv[2])
from server_util import footprint
d = sys.argv[1]
base = footprint("CRASH", "CRASH")
store.publish(d, base)
write, n = files.write_json, []
def crash_after_first(path, obj, mode=0o600, **kw):
    write(path, obj, mode, **kw)
    os._exit(3)  # the process dies between the two writes of a version change
files.write_json = crash_after_first
store.publish(d, dict(base, pcf={**base["pcf"], "pcfExcludingBiogenicUptake": "2"}))
"""


class _Interrupted(Exception):
    pass


def _crash(d: Path, kind: str = "process") -> None:
    """A version change interrupted between its two writes: the process dies (``process``), or an
    exception in this process stops it at the same place (``inprocess``)."""
    if kind == "process":
        assert subprocess.run([sys.executable, "-c", CRASHER, str(d), str(ROOT / "tests")],
                              timeout=120).returncode == 3
    else:
        from lca.server import files

        base = footprint("CRASH", "CRASH")
        store.publish(d, base)
        write = files.write_json

        def crash_after_first(path, obj, mode=0o600, **kw):
            write(path, obj, mode, **kw)
            raise _Interrupted

        files.write_json = crash_after_first
        try:
            with pytest.raises(_Interrupted):
                store.publish(d, dict(base, pcf={**base["pcf"], "pcfExcludingBiogenicUptake": "2"}))
        finally:
            files.write_json = write
    recs = [r for r in store.published(d) if r["footprint"]["companyName"] == "CRASH Ltd."]
    assert [r["footprint"]["status"] for r in recs] == ["Active", "Active"]  # the damage


@pytest.mark.parametrize("kind", KINDS)
def test_interrupted_version_change_is_repaired_at_start_up(tmp_path, kind):
    tls.dev_certificate(tmp_path)
    cred = clients.add(tmp_path, "alice")
    _crash(tmp_path, kind)
    srv = serve(kind, tmp_path)
    try:
        token = srv.token(cred["client_id"], cred["client_secret"])
        with srv.client() as c:
            r = c.get("/3/footprints?status=Active", headers={"Authorization": f"Bearer {token}"})
        recs = store.published(tmp_path)
        assert [x["id"] for x in r.json()["data"]] == [recs[-1]["footprint"]["id"]]
        assert [x["footprint"]["status"] for x in recs] == ["Deprecated", "Active"]
        assert "repaired an interrupted version change" in srv.log()
    finally:
        srv.stop()


@pytest.mark.parametrize("kind", KINDS)
def test_interrupted_version_change_is_repaired_on_republish(tmp_path, kind):
    _crash(tmp_path, kind)
    recs = store.published(tmp_path)
    res = store.publish(tmp_path, recs[-1]["footprint"])  # republish the newest: unchanged, and repaired
    assert res["unchanged"] and res["repaired"] == [recs[0]["footprint"]["id"]]
    assert [x["footprint"]["status"] for x in store.published(tmp_path)] == ["Deprecated", "Active"]


@pytest.mark.parametrize("query", [
    "validOn=0001-01-01T00:00:00%2B14:00", "validAfter=9999-12-31T23:59:59-14:00",
    "validBefore=0000-01-01T00:00:00Z", "validOn=2024-02-30T00:00:00Z", "validOn=99999-01-01T00:00:00Z",
])
def test_out_of_range_dates_are_bad_requests(env, query):
    r = get(env, "/3/footprints?" + query)
    assert r.status_code == 400 and r.json()["code"] == "BadRequest", r.text


def _event(**over) -> dict:
    ev = {"specversion": "1.0", "id": "e-1", "source": "//buyer.example/x", "time": "2025-01-01T00:00:00Z",
          "type": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
          "data": {"productId": ["urn:pact:product:test:S1"]}}
    return {**ev, **over}


@pytest.mark.parametrize("body", [
    json.dumps(_event(time="0001-01-01T00:00:00+14:00")),
    json.dumps(_event(data={"validOn": "9999-12-31T23:59:59-14:00"})),
    json.dumps(_event(data={"validAfter": "0000-01-01T00:00:00Z"})),
    "[" * 30000 + "]" * 30000,  # 60 KB, under the body limit
    '{"a":' * 10000 + "1" + "}" * 10000,  # 60 KB
    json.dumps(_event(data={"productId": ["x"], "deep": json.loads("[" * 100 + "]" * 100)})),
])
def test_malformed_events_are_bad_requests(env, body):
    with env["srv"].client() as c:
        r = c.post("/3/events", content=body.encode(),
                   headers={"Authorization": f"Bearer {env['tokens']['alice']}",
                            "Content-Type": "application/cloudevents+json"})
    assert r.status_code == 400 and r.json()["code"] == "BadRequest", r.text[:200]
    assert "internal error" not in env["srv"].log()
