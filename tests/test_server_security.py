"""Security of `lca serve`: TLS only, secrets, tokens, limits, paths, logs.

Against a real server process (slow tier) and, but for what needs the process (plain HTTP on
the port, start-up refusals, raw requests, a second client address), the same app in this
process (quick tier, :mod:`inprocess_util`).
"""
from __future__ import annotations

import json
import os
import socket
import ssl
import stat
import subprocess
import sys
import time

import httpx
import pytest

from lca.server import clients, store
from lca.server.clients import sign, unsign
from cli_util import lca_in_process
from inprocess_util import KINDS, process_only, serve
from server_util import footprint

RATE = 20  # token requests per minute per address, for this module's server


@pytest.fixture(scope="module", params=KINDS)
def env(request, tmp_path_factory):
    d = tmp_path_factory.mktemp("pact-sec")
    ids = {n: clients.add(d, n) for n in ("alice", "mallory", "leaver")}
    doc = footprint("S1", "SEC", ("geographyCountry", "CN"))
    store.publish(d, doc)
    srv = serve(request.param, d, "--token-rate", str(RATE))
    yield {"dir": d, "srv": srv, "ids": ids, "doc": doc}
    srv.stop()


def bearer(env, token, path="/3/footprints"):
    with env["srv"].client() as c:
        return c.get(path, headers={"Authorization": f"Bearer {token}"})


@process_only()
def test_plain_http_on_the_port_is_refused(env):
    with socket.create_connection(("127.0.0.1", env["srv"].port), timeout=5) as s:
        s.sendall(b"POST /auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 29\r\n\r\n"
                  b"grant_type=client_credentials")
        try:
            reply = s.recv(4096)
        except (ConnectionResetError, socket.timeout):
            reply = b""
    assert not reply.startswith(b"HTTP/")  # no HTTP answer: the TLS handshake failed, the connection closed
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{env['srv'].port}/3/footprints", timeout=5)


@pytest.mark.parametrize("env", ["inprocess"], indirect=True)
def test_serve_refuses_to_start_without_a_certificate_in_process(env):
    """The quick tier's variant of the test below: the same command, in this process (refused before
    uvicorn would start)."""
    out = lca_in_process(env["dir"], "serve", "--port", "1")
    assert out.returncode == 2 and "HTTPS only" in out.stderr


@process_only()
def test_serve_refuses_to_start_without_a_certificate(env):
    out = subprocess.run([sys.executable, "-m", "lca.cli", "--project", str(env["dir"]), "serve", "--port",
                          "1"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "HTTPS only" in out.stderr


def test_client_store_keeps_only_salted_hashes(env):
    root = env["dir"] / "pact"
    text = (root / "clients.json").read_text()
    for c in env["ids"].values():
        assert c["client_secret"] not in text and c["client_id"] in text
    rec = json.loads(text)["clients"]["alice"]
    assert len(bytes.fromhex(rec["salt"])) == 16 and rec["n"] >= 2 ** 14
    assert rec["salt"] != json.loads(text)["clients"]["mallory"]["salt"]
    for name in ("clients.json", "server.key"):
        assert stat.S_IMODE(os.stat(root / name).st_mode) == 0o600, name


def test_wrong_secret_and_wrong_id_get_no_token(env):
    a = env["ids"]["alice"]
    with env["srv"].client() as c:
        for auth in ((a["client_id"], env["ids"]["mallory"]["client_secret"]), (a["client_id"], ""),
                     (env["ids"]["mallory"]["client_secret"], a["client_secret"])):
            r = c.post("/auth/token", data={"grant_type": "client_credentials"}, auth=auth)
            assert r.status_code == 401 and "access_token" not in r.text


def test_forged_tampered_and_expired_tokens(env):
    srv, a = env["srv"], env["ids"]["alice"]
    good = srv.token(a["client_id"], a["client_secret"])
    assert bearer(env, good).status_code == 200
    key = (env["dir"] / "pact" / "server.key").read_bytes()
    claims = unsign(key, good)
    assert claims["sub"] == a["client_id"] and claims["exp"] - claims["iat"] == 3600
    forged = sign(b"\1" * 32, {**claims, "exp": claims["exp"] + 10 ** 6})  # signed with another key
    body, mac = good.split(".")
    mallory = clients._b64(json.dumps({**claims, "sub": env["ids"]["mallory"]["client_id"]},
                                      separators=(",", ":"), sort_keys=True).encode())
    tampered = f"{mallory}.{mac}"  # another client's claims under alice's MAC
    flipped = body + "." + ("A" if mac[0] != "A" else "B") + mac[1:]
    for bad in (forged, tampered, flipped, "x" * 5000, good + ".x", "not.a.token"):
        r = bearer(env, bad)
        assert r.status_code == 401 and r.json()["code"] == "BadRequest", bad[:40]
    expired = sign(key, {**claims, "iat": claims["iat"] - 7200, "exp": int(time.time()) - 1})
    r = bearer(env, expired)
    assert r.status_code == 401 and r.json()["code"] == "TokenExpired"
    assert bearer(env, expired, f"/3/footprints/{env['doc']['id']}").json()["code"] == "TokenExpired"


def test_removing_a_client_revokes_its_tokens_and_secret(env):
    srv, leaver = env["srv"], env["ids"]["leaver"]
    token = srv.token(leaver["client_id"], leaver["client_secret"])
    assert bearer(env, token).status_code == 200
    out = lca_in_process(env["dir"], "clients", "remove", "leaver")  # the command line, another Registry
    assert out.returncode == 0, out.stderr
    r = bearer(env, token)
    assert r.status_code == 401 and r.json()["code"] == "BadRequest"
    with srv.client() as c:
        r = c.post("/auth/token", data={"grant_type": "client_credentials"},
                   auth=(leaver["client_id"], leaver["client_secret"]))
    assert r.status_code == 401


def test_oversized_bodies_are_refused(env):
    a = env["ids"]["alice"]
    token = env["srv"].token(a["client_id"], a["client_secret"])
    big = json.dumps({"specversion": "1.0", "id": "x", "source": "s", "time": "2025-01-01T00:00:00Z",
                      "type": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3",
                      "data": {"pfIds": ["3a6c14a7-4deb-498a-b5ea-16ce2535b576"], "pad": "x" * 70000}})
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/cloudevents+json"}
    with env["srv"].client() as c:
        r = c.post("/3/events", content=big, headers=headers)
        assert r.status_code == 413 and r.json()["code"] == "BadRequest"

        def chunks():  # no Content-Length: the limit is counted while reading
            for i in range(0, len(big), 8192):
                yield big[i:i + 8192].encode()

        r = c.post("/3/events", content=chunks(), headers=headers)
        assert r.status_code == 413
        r = c.post("/auth/token", content=b"grant_type=client_credentials&" + b"x" * 70000,
                   headers={"Content-Type": "application/x-www-form-urlencoded"}, auth=(a["client_id"], "x"))
        assert r.status_code == 413
    assert not [e for e in store.events(env["dir"]) if e["event"]["id"] == "x"]


def test_oversized_queries_and_headers_are_refused(env):
    r = bearer(env, _token(env), "/3/footprints?productId=" + "u" * 5000)
    assert r.status_code == 414 and r.json()["code"] == "BadRequest"
    with env["srv"].client() as c:
        try:  # a 40 kB header: refused by h11 (400) or the app (431), or the connection is closed
            code = c.get("/3/footprints", headers={"Authorization": f"Bearer {_token(env)}",
                                                   "X-Big": "y" * 40000}).status_code
        except httpx.HTTPError:
            code = None
    assert code in (400, 431, None)  # uvicorn (h11) or the app refuses it, never 200


@pytest.mark.parametrize("query", ["unknown=1", "limit=1&sort=desc", "%00=1", "filter=status eq 'Active'",
                                   "$filter=pcf/geographyCountry eq 'CN'"])
def test_unknown_query_parameters_are_bad_requests(env, query):
    r = bearer(env, _token(env), "/3/footprints?" + query)
    assert r.status_code == 400 and r.json()["code"] == "BadRequest"


_CACHE: dict = {}


def _token(env):
    if env["dir"] not in _CACHE:  # one token per server (each has its own project and key)
        a = env["ids"]["alice"]
        _CACHE[env["dir"]] = env["srv"].token(a["client_id"], a["client_secret"])
    return _CACHE[env["dir"]]


PATH_TRICKS = [
    "/3/footprints/..%2F..%2Fclients.json", "/3/footprints/%2e%2e%2f%2e%2e%2fserver.key",
    "/3/footprints/../../pact/clients.json", "/pact/clients.json", "/3/footprints/%00",
    "//etc/passwd", "/3/footprints/" + "a" * 3000, "/3/footprints/x/../../../server.key",
]


@pytest.mark.parametrize("env", ["inprocess"], indirect=True)
@pytest.mark.parametrize("path", PATH_TRICKS)
def test_path_tricks_reveal_nothing_in_process(env, path):
    """The quick tier's variant of the test below: the request target handed to the app unnormalized."""
    secrets = [c["client_secret"] for c in env["ids"].values()] + [(env["dir"] / "pact" / "server.key").read_bytes().hex()]
    status, body = env["srv"].raw("GET", path, {"Host": "127.0.0.1", "Authorization": f"Bearer {_token(env)}"})
    assert status in (400, 404), body[:200]
    assert json.loads(body)["code"] in ("BadRequest", "NotFound")
    assert b"client_id" not in body and not any(s.encode() in body for s in secrets)


@process_only()
@pytest.mark.parametrize("path", PATH_TRICKS)
def test_path_tricks_reveal_nothing(env, path):
    secrets = [c["client_secret"] for c in env["ids"].values()] + [(env["dir"] / "pact" / "server.key").read_bytes().hex()]
    with socket.create_connection(("127.0.0.1", env["srv"].port), timeout=5) as raw:
        ctx = ssl.create_default_context(cafile=str(env["srv"].cert))
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:  # raw request: no client-side normalizing
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {_token(env)}\r\n"
                      f"Connection: close\r\n\r\n".encode())
            reply = b""
            while chunk := s.recv(65536):
                reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    assert status in (400, 404), reply[:200]
    assert json.loads(body)["code"] in ("BadRequest", "NotFound")
    assert b"client_id" not in body and not any(s.encode() in body for s in secrets)


def _from_address(env, address: str) -> httpx.Client:
    srv = env["srv"]
    if srv.ssl is None:  # in process: the address the app sees
        return srv.client(address=address)
    return httpx.Client(base_url=srv.url, verify=srv.ssl,
                        transport=httpx.HTTPTransport(local_address=address, verify=srv.ssl))


def test_token_endpoint_is_rate_limited_per_client_address(env):
    a = env["ids"]["alice"]
    form = {"grant_type": "client_credentials"}
    # from 127.0.0.2 (loopback too), so the other tests' address keeps its budget
    with _from_address(env, "127.0.0.2") as c:
        codes, t0 = [], time.monotonic()
        while len(codes) < 3 * RATE and 429 not in codes:
            codes.append(c.post("/auth/token", data=form, auth=(a["client_id"], "wrong")).status_code)
        refilled = (time.monotonic() - t0) * RATE / 60  # the bucket refills while scrypt checks run
        assert codes[-1] == 429 and set(codes[:-1]) == {401}
        assert RATE <= len(codes) - 1 <= RATE + refilled + 1, (len(codes), refilled)
        r = c.post("/auth/token", data=form, auth=(a["client_id"], a["client_secret"]))
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        r = c.post("/auth/token", data=form, headers={"X-Forwarded-For": "10.1.2.3"},
                   auth=(a["client_id"], a["client_secret"]))
        assert r.status_code == 429  # forwarded-for headers are not trusted
    assert env["srv"].token(a["client_id"], a["client_secret"])  # 127.0.0.1 is unaffected


def test_no_traces_or_secrets_in_the_log(env):
    log = env["srv"].log()
    assert "Traceback" not in log
    for c in env["ids"].values():
        assert c["client_secret"] not in log
    assert (env["dir"] / "pact" / "server.key").read_bytes().hex() not in log
    assert _token(env) not in log


def test_events_are_rate_limited_per_client(env):
    from lca.server.app import EVENT_RATE

    c = clients.add(env["dir"], "spammer")
    token = env["srv"].token(c["client_id"], c["client_secret"])
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/cloudevents+json"}
    with env["srv"].client() as h:
        codes = [h.post("/3/events", content=b"{}", headers=headers).status_code for _ in range(EVENT_RATE)]
        assert codes == [400] * EVENT_RATE  # refused as malformed, but counted
        for _ in range(EVENT_RATE):  # the bucket refills at EVENT_RATE per minute: it runs dry soon
            r = h.post("/3/events", content=b"{}", headers=headers)
            if r.status_code != 400:
                break
        assert r.status_code == 429 and r.json()["code"] == "BadRequest" and r.headers["retry-after"]
    a = env["ids"]["alice"]
    assert bearer(env, _token(env)).status_code == 200 and a  # other clients unaffected
