"""Events do not fill the disk, and undelivered answers follow PACT's retry schedule (real server, real CLI).

Stored events have a size limit, a per-client quota (429 with Retry-After beyond it)
and a retention period applied at start-up; `lca events resend` sends what is due
from the outbox to a real HTTPS event endpoint, reschedules failures with
exponential back-off and gives up after 3 days (PACT Tech Spec v3, Action Events).
The server runs as a process (slow tier) and, but for the HTTPS delivery, as the same app in
this process (quick tier, :mod:`inprocess_util`).
"""
from __future__ import annotations

import json
import time
import uuid

import pytest

from lca import cli
from lca.server import clients, files, inbox, outbox, store, tls
from inprocess_util import KINDS, process_only, serve
from server_util import footprint


def _published(n: int = 1, pad: int = 0) -> dict:
    return {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "https://partner.example/3/events",
            "time": "2025-01-01T00:00:00Z", "type": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3",
            "data": {"pfIds": [str(uuid.uuid4()) for _ in range(n)], **({"note": "x" * pad} if pad else {})}}


@pytest.fixture(scope="module", params=KINDS)
def env(request, tmp_path_factory):
    d = tmp_path_factory.mktemp("pact-events")
    tls.dev_certificate(d)
    ids = {n: clients.add(d, n) for n in ("alice", "bob", "inbox")}
    doc = footprint("EV1")
    store.publish(d, doc)
    # an event stored 100 days ago, and one an hour ago: retention (90 days) removes the first at start-up
    ev_dir = d / "pact" / "events"
    old = ev_dir / "20200101T000000000000Z-aaaaaaaaaaaa.json"
    files.write_json(old, {"client": "alice", "received": "2020-01-01T00:00:00Z", "event": _published()})
    recent = store.save_event(d, store.EVENTS, _published(), "bob")
    srv = serve(request.param, d, limits={"inbox_limits": {"quota_events": 3, "max_event_bytes": 2000}})
    ids["buyer"] = clients.add(d, "buyer", events_url=srv.url,
                               events_auth=(ids["inbox"]["client_id"], ids["inbox"]["client_secret"]),
                               events_ca=str(srv.cert))
    ids["gone"] = clients.add(d, "gone", events_url="https://127.0.0.1:9", events_ca=str(srv.cert))
    tokens = {n: srv.token(c["client_id"], c["client_secret"]) for n, c in ids.items() if n != "gone"}
    yield {"dir": d, "srv": srv, "tokens": tokens, "old": old, "recent": recent, "doc": doc}
    srv.stop()


def post(env, event, who):
    with env["srv"].client() as c:
        return c.post("/3/events", content=json.dumps(event).encode(),
                      headers={"Authorization": f"Bearer {env['tokens'][who]}",
                               "Content-Type": "application/cloudevents+json"})


def test_retention_applies_at_start_up(env):
    assert not env["old"].exists() and env["recent"].exists()


def test_event_size_limit_and_per_client_quota(env):
    r = post(env, _published(pad=3000), "alice")
    assert r.status_code == 413 and r.json()["code"] == "BadRequest"
    codes = [post(env, _published(), "alice").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = post(env, _published(), "alice")
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 3600  # until the oldest leaves the 24 h window
    assert post(env, _published(), "alice").status_code == 429
    # bob had one event from before the start (counted from the disk), so two more fit
    assert [post(env, _published(), "bob").status_code for _ in range(3)] == [200, 200, 429]
    stored = [s for s in store.events(env["dir"]) if s["client"] == "alice"]
    assert len(stored) == 3


def test_retry_schedule_is_exponential_and_stops_after_three_days():
    waits = [outbox.wait_after(n) for n in range(8)]
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128]
    assert outbox.wait_after(30) == 6 * 3600 and outbox.RETRY_FOR_S == 3 * 86400


def test_inbox_prune_bounds_total_size(tmp_path):
    box = inbox.Inbox(tmp_path, max_total_bytes=1500)
    for i in range(5):
        store.save_event(tmp_path, store.EVENTS, _published(n=5), f"c{i}")
    before = sorted(p.name for p in (tmp_path / "pact" / "events").glob("*.json"))
    removed = box.prune()
    after = sorted(p.name for p in (tmp_path / "pact" / "events").glob("*.json"))
    assert removed >= 1 and after == before[removed:]  # oldest first
    assert sum(p.stat().st_size for p in (tmp_path / "pact" / "events").glob("*.json")) <= 1500


def resend(capsys, env, *extra) -> dict:
    assert cli.main(["--project", str(env["dir"]), "events", "resend", "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def fulfilled_answer(env) -> dict:
    """A RequestFulfilledEvent answering ``req-resend`` with the published footprint (to keep in the outbox)."""
    return {"specversion": "1.0", "id": str(uuid.uuid4()), "source": env["srv"].url + "/3/events",
            "time": store.utc_now(), "type": "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3",
            "data": {"requestEventId": "req-resend", "pfs": [env["doc"]]}}


def assert_given_up_after_three_days(capsys, env, rec: dict, now: float) -> None:
    """The one waiting event ``rec``, first attempted three days and a second before ``now``: the next resend
    gives it up and moves it aside."""
    d = env["dir"]
    path = next((d / "pact" / "outbox").glob("*.json"))
    rec["first_attempt"] = now - 3 * 86400 - 1
    files.write_json(path, rec)
    assert resend(capsys, env) == {"sent": 0, "failed": 0, "expired": 1, "waiting": 0}
    assert (d / "pact" / "outbox" / "expired" / path.name).exists() and not store.events(d, store.OUTBOX)


@pytest.mark.parametrize("env", ["inprocess"], indirect=True)
def test_events_resend_backs_off_and_gives_up(env, capsys):
    """The quick tier's part of the test below (nothing to deliver to in process): the schedule, the
    back-off of a failed attempt, giving up after three days."""
    d = env["dir"]
    now = time.time()
    answer = fulfilled_answer(env)
    outbox.keep(d, "gone", answer, attempts=7, first_attempt=now - 100, error="HTTP 503")
    assert resend(capsys, env) == {"sent": 0, "failed": 0, "expired": 0, "waiting": 1}  # next attempt in 64 s
    assert resend(capsys, env, "--all") == {"sent": 0, "failed": 1, "expired": 0, "waiting": 0}
    [rec] = store.events(d, store.OUTBOX)
    assert rec["attempts"] == 8 and rec["next_attempt"] == pytest.approx(time.time() + 128, abs=5)
    assert_given_up_after_three_days(capsys, env, rec, now)


@process_only()  # delivered over HTTPS to the server's port
def test_events_resend(env, capsys):
    d = env["dir"]
    now = time.time()
    answer = fulfilled_answer(env)
    outbox.keep(d, "buyer", answer, attempts=7, first_attempt=now - 100, error="HTTP 503")
    assert resend(capsys, env) == {"sent": 0, "failed": 0, "expired": 0, "waiting": 1}  # next attempt in 64 s
    assert resend(capsys, env, "--all") == {"sent": 1, "failed": 0, "expired": 0, "waiting": 0}
    got = [s for s in store.events(d) if s["event"]["id"] == answer["id"]]  # delivered to the real endpoint
    assert got and got[0]["client"] == "inbox" and not store.events(d, store.OUTBOX)
    # a partner that is down: the attempt fails and is rescheduled by the back-off
    outbox.keep(d, "gone", dict(answer, id="a-2"), attempts=3, first_attempt=now - 100, error="ConnectError")
    assert resend(capsys, env, "--all") == {"sent": 0, "failed": 1, "expired": 0, "waiting": 0}
    [rec] = store.events(d, store.OUTBOX)
    assert rec["attempts"] == 4 and rec["next_attempt"] == pytest.approx(time.time() + 8, abs=5)
    # three days after the first attempt: given up, moved aside
    assert_given_up_after_three_days(capsys, env, rec, now)


def test_an_answer_carries_a_bounded_number_of_footprints():
    from lca.server import events
    from lca.server.filters import Keys

    class E:  # what answer() reads of an index entry
        def __init__(self, doc):
            self.doc, self.keys = doc, Keys.of(doc)

    entries = [E(footprint(f"N{i}", "MANY")) for i in range(4)]
    req = {"id": "r-1", "data": {"companyId": ["urn:pact:company:test:MANY"]}}
    ok = events.answer(req, entries, "https://x/3/events", max_pfs=4)
    assert ok["type"] == events.FULFILLED and len(ok["data"]["pfs"]) == 4
    big = events.answer(req, entries, "https://x/3/events", max_pfs=3)
    assert big["type"] == events.REJECTED and big["data"]["error"]["code"] == "BadRequest"
    assert "4 footprints match" in big["data"]["error"]["message"]
