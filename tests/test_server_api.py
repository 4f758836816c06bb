"""The PACT v3 API of `lca serve` against a real server process (slow tier) and the same app in this
process (quick tier, :mod:`inprocess_util`): every endpoint, filter and error code.

The conformance suite's V3.0 cases (auth, GetFootprint, ListFootprints with every
filter and pagination, events) are written here as our own checks; expected sets
are worked out by hand from the footprints published below.
"""
from __future__ import annotations

import json
import shutil
import time
from urllib.parse import urlsplit

import pytest

from lca.server import clients, store, tls
from inprocess_util import KINDS, process_only, serve
from server_util import footprint

CPC = "urn:pact:productclassification:un-cpc:46410"


@pytest.fixture(scope="module", params=KINDS)
def env(request, tmp_path_factory):
    d = tmp_path_factory.mktemp("pact-api")
    tls.dev_certificate(d)
    ids = {n: clients.add(d, n) for n in ("alice", "bob", "inbox")}
    docs = {
        "A": footprint("P1", "ACME", ("geographyCountry", "CN"), "2024-12-31T23:59:59Z", "12.5", [CPC]),
        "B": footprint("P2", "ACME", ("geographyCountrySubdivision", "CN-GD"), "2023-12-31T23:59:59Z", "3"),
        "C": footprint("P3", "BETA", ("geographyCountry", "DE"), "2024-12-31T23:59:59Z", "7.25",
                       validity=("2025-01-01T00:00:00Z", "2025-06-30T00:00:00Z")),
        "D": footprint("P4", "BETA", ("geographyRegionOrSubregion", "Europe"), "2024-12-31T23:59:59Z", "1"),
    }
    for k in "ABC":
        store.publish(d, docs[k])
    store.publish(d, docs["D"], access=["bob"])
    e = footprint("P1", "ACME", ("geographyCountry", "CN"), "2024-12-31T23:59:59Z", "13.0", [CPC],
                  created="2025-02-01T08:00:00Z")
    res = store.publish(d, e)
    docs["E"] = {**e, "id": res["id"], "precedingPfIds": [docs["A"]["id"]]}
    srv = serve(request.param, d)
    # the 'buyer' client gets answers to its requests delivered to this same server's /3/events,
    # authenticated as 'inbox': a real HTTPS delivery with a token from the partner's token endpoint
    ids["buyer"] = clients.add(d, "buyer", events_url=srv.url,
                               events_auth=(ids["inbox"]["client_id"], ids["inbox"]["client_secret"]),
                               events_ca=str(srv.cert))
    tokens = {n: srv.token(c["client_id"], c["client_secret"]) for n, c in ids.items()}
    yield {"dir": d, "srv": srv, "ids": ids, "tokens": tokens, "docs": docs}
    srv.stop()


def get(env, path, who="alice", **kw):
    with env["srv"].client() as c:
        return c.get(path, headers={"Authorization": f"Bearer {env['tokens'][who]}"}, **kw)


def ids_of(env, r) -> set:
    assert r.status_code == 200, r.text
    rev = {d["id"]: k for k, d in env["docs"].items()}
    return {rev.get(d["id"], d["id"]) for d in r.json()["data"]}


def test_openid_configuration_names_the_token_endpoint(env):
    with env["srv"].client() as c:
        r = c.get("/.well-known/openid-configuration")
    assert r.status_code == 200
    assert r.json()["token_endpoint"] == env["srv"].url + "/auth/token"


def test_token_endpoint(env):
    srv, alice = env["srv"], env["ids"]["alice"]
    form = {"grant_type": "client_credentials"}
    with srv.client() as c:
        ok = c.post("/auth/token", data=form, auth=(alice["client_id"], alice["client_secret"]))
        assert ok.status_code == 200
        body = ok.json()
        assert body["token_type"] == "bearer" and body["expires_in"] == 3600 and body["access_token"]
        assert ok.headers["cache-control"] == "no-store"
        wrong = c.post("/auth/token", data=form, auth=(alice["client_id"], alice["client_secret"] + "x"))
        assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
        unknown = c.post("/auth/token", data=form, auth=("nobody", "nothing"))
        assert unknown.status_code == 401 and unknown.json()["error"] == "invalid_client"
        anonymous = c.post("/auth/token", data=form)
        assert anonymous.status_code == 401
        grant = c.post("/auth/token", data={"grant_type": "password"},
                       auth=(alice["client_id"], alice["client_secret"]))
        assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
        as_json = c.post("/auth/token", json=form, auth=(alice["client_id"], alice["client_secret"]))
        assert as_json.status_code == 400 and as_json.json()["error"] == "invalid_request"


def test_list_footprints_returns_every_visible_footprint_as_stored(env):
    r = get(env, "/3/footprints")
    assert ids_of(env, r) == {"A", "B", "C", "E"}  # D is bob's only
    data = {d["id"]: d for d in r.json()["data"]}
    assert data[env["docs"]["C"]["id"]] == env["docs"]["C"]
    assert data[env["docs"]["E"]["id"]]["precedingPfIds"] == [env["docs"]["A"]["id"]]
    assert data[env["docs"]["A"]["id"]]["status"] == "Deprecated"
    assert r.headers["content-type"] == "application/json" and "link" not in r.headers


@pytest.mark.parametrize("query, expected", [
    ("productId=urn:pact:product:test:P1", {"A", "E"}),
    ("productId=URN:PACT:PRODUCT:TEST:p1", {"A", "E"}),  # case-insensitive
    ("productId=urn:pact:product:test:P1&status=Active", {"E"}),
    ("productid=urn:pact:product:test:P2&productId=urn:pact:product:test:P3", {"B", "C"}),  # OR, any case
    ("companyId=urn:pact:company:test:BETA", {"C"}),
    ("companyId=urn:pact:company:test:BETA&companyId=urn:bogus:x", {"C"}),
    ("geography=CN", {"A", "B", "E"}),  # within CN: CN-GD too (containment)
    ("geography=cn-gd", {"B"}),
    ("geography=CN-SC", set()),
    ("geography=Eastern%20Asia", {"A", "B", "E"}),  # the UN M49 sub-region of CN
    ("geography=asia", {"A", "B", "E"}),
    ("geography=Europe", {"C"}),  # DE; D (declared for Europe) is bob's only
    ("geography=Western%20Europe", {"C"}),
    ("geography=DE&geography=CN-GD", {"B", "C"}),
    ("classification=" + CPC, {"A", "E"}),
    ("classification=", {"A", "B", "C", "E"}),  # a blank value is no criterion
    ("status=Deprecated", {"A"}),
    ("status=active", {"B", "C", "E"}),
    ("validOn=2026-01-01T00:00:00Z", {"A", "B", "E"}),  # default validity: refEnd .. refEnd + 3 years
    ("validOn=2027-06-01T00:00:00.000Z", {"A", "E"}),
    ("validOn=2025-03-01T00:00:00%2B08:00", {"A", "B", "C", "E"}),
    ("validAfter=2024-06-01T00:00:00Z", {"A", "C", "E"}),
    ("validBefore=2027-01-01T00:00:00Z", {"B", "C"}),
    ("companyId=urn:pact:company:test:ACME&geography=CN-GD", {"B"}),  # AND across
    ("companyId=urn:pact:company:test:ACME&geography=DE", set()),
    ("productId=urn:bogus:product:zzz", set()),
    ("geography=XX", set()),
    ("status=Bogus", set()),
    ("validOn=1900-01-01T00:00:00Z", set()),
    ("validAfter=2099-12-31T23:59:59Z", set()),
    ("validBefore=1900-01-01T00:00:00Z", set()),
    ("x-acme-invoice=123", {"A", "B", "C", "E"}),  # host-specific extensions are ignored
])
def test_list_filters(env, query, expected):
    assert ids_of(env, get(env, "/3/footprints?" + query)) == expected


def test_restricted_footprint_is_listed_for_its_client_only(env):
    assert ids_of(env, get(env, "/3/footprints?companyId=urn:pact:company:test:BETA", who="bob")) == {"C", "D"}
    assert ids_of(env, get(env, "/3/footprints?geography=Europe", who="alice")) == {"C"}  # D is bob's
    assert ids_of(env, get(env, "/3/footprints?geography=Europe", who="bob")) == {"C", "D"}


@pytest.mark.parametrize("query", ["color=red", "limit=0", "limit=abc", "limit=5000", "offset=-1",
                                   "validOn=yesterday", "validOn=2025-01-01&validOn=2025-02-01",
                                   "productId=" + "&productId=".join(f"urn:x:{i}" for i in range(101))])
def test_list_refuses_bad_queries_with_bad_request(env, query):
    r = get(env, "/3/footprints?" + query)
    assert r.status_code == 400 and r.json()["code"] == "BadRequest" and r.json()["message"]


def test_pagination_follows_next_links_to_every_footprint_once(env):
    seen, pages = [], 0
    r = get(env, "/3/footprints?limit=1&status=Active&status=Deprecated")
    while True:
        pages += 1
        assert r.status_code == 200 and len(r.json()["data"]) <= 1
        seen += [d["id"] for d in r.json()["data"]]
        link = r.headers.get("link")
        if not link:
            break
        url = link.split(";")[0].strip("<> ")
        assert link.endswith('; rel="next"')
        parts = urlsplit(url)
        assert parts.scheme == "https" and parts.netloc == f"127.0.0.1:{env['srv'].port}"  # the request's host
        assert "status=Active" in parts.query and "status=Deprecated" in parts.query
        r = get(env, parts.path + "?" + parts.query)
        assert pages < 10
    assert pages == 4 and len(seen) == len(set(seen)) == 4
    assert {env["docs"][k]["id"] for k in "ABCE"} == set(seen)
    r2 = get(env, "/3/footprints?limit=3")
    assert len(r2.json()["data"]) == 3 and "cursor=" in r2.headers["link"]


def test_get_footprint(env):
    doc = env["docs"]["B"]
    r = get(env, f"/3/footprints/{doc['id']}")
    assert r.status_code == 200 and r.json() == {"data": doc}
    r = get(env, f"/3/footprints/{doc['id'].upper()}")
    assert r.status_code == 200
    dep = get(env, f"/3/footprints/{env['docs']['A']['id']}")
    assert dep.status_code == 200 and dep.json()["data"]["status"] == "Deprecated"  # still served


def test_get_footprint_errors(env):
    r = get(env, "/3/footprints/00000000-0000-0000-0000-000000000000")
    assert r.status_code == 404 and r.json()["code"] == "NotFound"
    r = get(env, "/3/footprints/not-a-uuid")
    assert r.status_code == 400 and r.json()["code"] == "BadRequest"
    r = get(env, f"/3/footprints/{env['docs']['B']['id']}?limit=1")
    assert r.status_code == 400
    r = get(env, f"/3/footprints/{env['docs']['D']['id']}")
    assert r.status_code == 403 and r.json()["code"] == "AccessDenied"
    assert get(env, f"/3/footprints/{env['docs']['D']['id']}", who="bob").status_code == 200


def test_invalid_and_missing_tokens_are_401_bad_request(env):
    with env["srv"].client() as c:
        for headers in ({}, {"Authorization": "Bearer very-invalid-token"}, {"Authorization": "Basic abc"}):
            for method, path in (("GET", "/3/footprints"), ("GET", f"/3/footprints/{env['docs']['B']['id']}"),
                                 ("POST", "/3/events")):
                r = c.request(method, path, headers=headers)
                assert r.status_code == 401 and r.json()["code"] == "BadRequest", (method, path, headers)
                assert r.headers["www-authenticate"].startswith("Bearer")


def test_other_routes_answer_pact_errors(env):
    r = get(env, "/2/footprints")
    assert r.status_code == 501 and r.json()["code"] == "NotImplemented"
    r = get(env, "/nothing/here")
    assert r.status_code == 404 and r.json()["code"] == "NotFound"
    with env["srv"].client() as c:
        r = c.delete("/3/footprints", headers={"Authorization": f"Bearer {env['tokens']['alice']}"})
    assert r.status_code == 405 and r.json()["code"] == "BadRequest"


def _event(kind: str, data: dict, eid: str = "evt-1") -> dict:
    return {"specversion": "1.0", "id": eid, "source": "https://buyer.example/3/events",
            "time": "2025-03-05T17:31:00Z", "type": f"org.wbcsd.pact.ProductFootprint.{kind}.3", "data": data}


def post_event(env, event, who="alice", ctype="application/cloudevents+json; charset=UTF-8"):
    with env["srv"].client() as c:
        body = event if isinstance(event, (bytes, str)) else json.dumps(event)
        return c.post("/3/events", content=body, headers={"Authorization": f"Bearer {env['tokens'][who]}",
                                                          "Content-Type": ctype})


def test_published_event_is_stored(env):
    ev = _event("PublishedEvent", {"pfIds": ["3a6c14a7-4deb-498a-b5ea-16ce2535b576"]}, "pub-1")
    r = post_event(env, ev)
    assert r.status_code == 200 and r.content == b""
    stored = [s for s in store.events(env["dir"]) if s["event"]["id"] == "pub-1"]
    assert len(stored) == 1 and stored[0]["client"] == "alice" and stored[0]["event"] == ev


@pytest.mark.parametrize("event, code", [
    (_event("PublishedEvent", {"pfIds": ["urn:gtin:4712345060507"]}), "BadRequest"),  # not a pfId
    (_event("PublishedEvent", {"pfIds": []}), "BadRequest"),
    ({k: v for k, v in _event("PublishedEvent", {"pfIds": []}).items() if k != "source"}, "BadRequest"),
    ({**_event("PublishedEvent", {"pfIds": ["3a6c14a7-4deb-498a-b5ea-16ce2535b576"]}), "specversion": "0.3"},
     "BadRequest"),
    ({**_event("PublishedEvent", {"pfIds": ["3a6c14a7-4deb-498a-b5ea-16ce2535b576"]}), "time": "soon"},
     "BadRequest"),
    (_event("RequestCreatedEvent", {"productId": "x", "validOn": 5}), "BadRequest"),
    (_event("RequestFulfilledEvent", {"requestEventId": "r", "pfs": []}), "BadRequest"),
    (_event("RequestRejectedEvent", {"requestEventId": "r"}), "BadRequest"),
    ({**_event("PublishedEvent", {}), "type": "com.example.Other"}, "BadRequest"),
    (_event("ProductFootprintDeletedEvent", {}), "NotImplemented"),
    ([1, 2], "BadRequest"),
    (b"{not json", "BadRequest"),
])
def test_malformed_events_are_refused(env, event, code):
    r = post_event(env, event)
    assert r.json()["code"] == code and r.status_code == (501 if code == "NotImplemented" else 400), r.text


def test_events_need_the_cloudevents_media_type(env):
    ev = _event("PublishedEvent", {"pfIds": ["3a6c14a7-4deb-498a-b5ea-16ce2535b576"]})
    assert post_event(env, ev, ctype="text/plain").status_code == 400


def _wait_for(pred, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = pred()
        if found:
            return found
        time.sleep(0.1)
    return None


@process_only()  # the answer goes over HTTPS to the server's own port
def test_request_created_is_answered_by_request_fulfilled_at_the_requesters_endpoint(env):
    req = _event("RequestCreatedEvent", {"productId": ["urn:pact:product:test:P1"], "status": ["Active"],
                                         "comment": "please"}, "req-fulfil")
    r = post_event(env, req, who="buyer")
    assert r.status_code == 200 and r.content == b""
    got = _wait_for(lambda: [s for s in store.events(env["dir"])
                             if s["event"]["data"].get("requestEventId") == "req-fulfil"])
    assert got, env["srv"].log()
    answer = got[0]
    assert answer["client"] == "inbox"  # delivered over HTTPS with the inbox client's token
    ev = answer["event"]
    assert ev["type"] == "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3" and ev["specversion"] == "1.0"
    assert [pf["id"] for pf in ev["data"]["pfs"]] == [env["docs"]["E"]["id"]]
    assert ev["data"]["pfs"][0] == env["docs"]["E"]


@process_only()  # the answer goes over HTTPS to the server's own port
def test_request_created_for_an_unknown_or_invisible_product_is_rejected(env):
    # D exists but is bob's only: for the buyer it is unknown
    req = _event("RequestCreatedEvent", {"productId": ["urn:pact:product:test:P4"]}, "req-reject")
    assert post_event(env, req, who="buyer").status_code == 200
    got = _wait_for(lambda: [s for s in store.events(env["dir"])
                             if s["event"]["data"].get("requestEventId") == "req-reject"])
    assert got, env["srv"].log()
    ev = got[0]["event"]
    assert ev["type"] == "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3"
    assert ev["data"]["error"]["code"] == "NotFound" and ev["data"]["error"]["message"]


@pytest.mark.parametrize("env", ["inprocess"], indirect=True)
def test_answers_to_the_buyers_requests_are_kept_when_its_endpoint_is_down(env, monkeypatch):
    """The quick tier's variant of the two tests above: in process nothing listens on the buyer's
    event endpoint (the server's URL), so the same answers wait in the outbox for the retry (after one
    attempt here, not the server's 7 over 63 s)."""
    from lca.server import outbox

    monkeypatch.setattr(outbox, "IN_PROCESS_ATTEMPTS", 1)
    fulfil = _event("RequestCreatedEvent", {"productId": ["urn:pact:product:test:P1"], "status": ["Active"],
                                            "comment": "please"}, "req-fulfil-in")
    reject = _event("RequestCreatedEvent", {"productId": ["urn:pact:product:test:P4"]}, "req-reject-in")
    for req in (fulfil, reject):
        r = post_event(env, req, who="buyer")
        assert r.status_code == 200 and r.content == b""
    kept = {e: _wait_for(lambda e=e: [s for s in store.events(env["dir"], store.OUTBOX)
                                      if s["event"]["data"].get("requestEventId") == e])
            for e in ("req-fulfil-in", "req-reject-in")}
    [ok], [no] = kept["req-fulfil-in"], kept["req-reject-in"]
    assert ok["client"] == "buyer" and no["client"] == "buyer"
    ev = ok["event"]
    assert ev["type"] == "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3" and ev["specversion"] == "1.0"
    assert [pf["id"] for pf in ev["data"]["pfs"]] == [env["docs"]["E"]["id"]]
    assert ev["data"]["pfs"][0] == env["docs"]["E"]
    ev = no["event"]  # D exists but is bob's only: for the buyer it is unknown
    assert ev["type"] == "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3"
    assert ev["data"]["error"]["code"] == "NotFound" and ev["data"]["error"]["message"]
    assert not [s for s in store.events(env["dir"]) if s["event"]["data"].get("requestEventId") in kept]


def test_answer_without_an_event_endpoint_is_kept_in_the_outbox(env):
    req = _event("RequestCreatedEvent", {"productId": ["urn:pact:product:test:P2"]}, "req-outbox")
    assert post_event(env, req, who="alice").status_code == 200
    got = _wait_for(lambda: [s for s in store.events(env["dir"], store.OUTBOX)
                             if s["event"]["data"].get("requestEventId") == "req-outbox"])
    assert got and got[0]["client"] == "alice"
    assert [pf["id"] for pf in got[0]["event"]["data"]["pfs"]] == [env["docs"]["B"]["id"]]


def test_a_new_publication_is_served_without_restart(env):
    doc = footprint("P9", "GAMMA", ("geographyCountry", "FR"))
    store.publish(env["dir"], doc)
    r = get(env, f"/3/footprints/{doc['id']}")
    assert r.status_code == 200 and r.json()["data"] == doc
    assert ids_of(env, get(env, "/3/footprints?geography=FR")) == {doc["id"]}


def test_a_damaged_record_is_skipped_and_a_damaged_store_is_an_internal_error(env):
    d = env["dir"] / "pact" / "footprints"
    (d / "junk.json").write_text("{not json")
    deadline = time.monotonic() + 10  # a file added by hand (no journal line) is found within a second or so
    while "skipping damaged footprint record junk.json" not in env["srv"].log():
        r = get(env, "/3/footprints?geography=CN")
        assert ids_of(env, r) == {"A", "B", "E"} and time.monotonic() < deadline
        time.sleep(0.2)
    (d / "junk.json").unlink()
    moved = d.with_name("footprints-away")
    shutil.move(d, moved)
    d.write_text("not a directory")
    try:
        r = get(env, "/3/footprints")
        assert r.status_code == 500 and r.json()["code"] == "InternalError"
        assert "Traceback" not in r.text and "footprints" not in r.text
    finally:
        d.unlink()
        shutil.move(moved, d)
    assert ids_of(env, get(env, "/3/footprints?geography=CN")) == {"A", "B", "E"}
    log = env["srv"].log()
    assert "internal error" in log and "Traceback" not in log
