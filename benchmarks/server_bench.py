"""PACT server load: `lca serve` against a minimal Starlette endpoint under the same TLS set-up.

Measured in one run on a fresh temporary project:

1. N synthetic footprints (``--footprints``, default 20,000; 500 with ``--quick``) are stored:
   the first 50 through `lca.server.store.publish`, the rest written as the same records
   (``{"footprint", "access", "source", "published", "seq"}``) in bulk, since publishing
   20,000 one by one would time the publisher, not the server; a client is added;
2. `lca serve --dev-cert` starts on a loopback port; the baseline is a bare Starlette app
   on uvicorn with the same certificate and uvicorn settings (h11, access log) that
   returns the exact bytes (body and Link header) `lca serve` answered, with no auth;
3. N concurrent keep-alive HTTPS connections (a small asyncio HTTP/1.1 client, so the
   load generator stays light) send ListFootprints (``?limit=10&status=Active``, a page
   of a filtered list) and GetFootprint for a bounded time, alternating servers
   (lca, baseline, lca, baseline) so drift hits both;
4. correctness: before the load, `lca serve`'s answers are checked against the stored
   documents; during it, every answer must be 200 with the expected length.

5. publication under load: GetFootprint and ListFootprints load on `lca serve` for a
   phase without and a phase with a real publication (a new footprint, then a new version
   of it, through `store.publish` in another process) half-way; the index takes the change
   in a worker thread, so the delay (slowest request during the publication phase minus
   the median of the quiet phase) should stay under 50 ms.

Reported: requests/s, p50/p99 latency per endpoint and server, errors, the
throughput ratio lca/baseline (target >= 0.5x) and the publication delay.

Run: ``python benchmarks/server_bench.py [--quick] [--json] [--clients N] [--seconds S] [--footprints N]``.
``--quick``: 4 connections, 2 s per phase. Full: 16 connections, 8 s per phase.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _doc(i: int) -> dict:
    country = ("CN", "DE", "FR", "JP")[i % 4]
    value = f"{10 + i * 0.37:.2f}"
    return {
        "id": str(uuid.UUID(int=0x5EED0000 + i, version=4)), "specVersion": "3.0.0",
        "created": f"2025-01-{1 + i % 28:02d}T08:00:00Z", "status": "Active" if i % 10 else "Deprecated",
        "companyName": f"Bench Co {i % 5}", "companyIds": [f"urn:pact:company:bench:{i % 5}"],
        "productDescription": f"synthetic product {i}", "productIds": [f"urn:pact:product:bench:{i}"],
        "productNameCompany": f"Product {i}", "comment": "synthetic, for timing only",
        "pcf": {"declaredUnitOfMeasurement": "kilogram", "declaredUnitAmount": "1",
                "productMassPerDeclaredUnit": "1", "referencePeriodStart": "2024-01-01T00:00:00Z",
                "referencePeriodEnd": "2024-12-31T23:59:59Z", "pcfExcludingBiogenicUptake": value,
                "pcfIncludingBiogenicUptake": value, "fossilGhgEmissions": value, "fossilCarbonContent": "0",
                "ipccCharacterizationFactors": ["AR6"], "crossSectoralStandards": ["ISO14067", "PACT-3.0"],
                "exemptedEmissionsPercent": "0", "geographyCountry": country},
    }


def baseline_main(port: int, cert: str, key: str, fixtures: str) -> None:
    """The baseline server: fixed bytes per path, no auth, same uvicorn set-up as `lca serve`."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    fx = json.loads(Path(fixtures).read_text())
    list_body, list_link = fx["list_body"].encode(), fx["list_link"]
    get_body = fx["get_body"].encode()

    async def listing(request):
        return Response(list_body, media_type="application/json", headers={"link": list_link})

    async def get(request):
        return Response(get_body, media_type="application/json")

    app = Starlette(routes=[Route("/3/footprints", listing), Route("/3/footprints/{id}", get)])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, ssl_certfile=cert, ssl_keyfile=key,
                            proxy_headers=False, server_header=False, log_level="info",
                            timeout_keep_alive=15, limit_concurrency=512, h11_max_incomplete_event_size=16384,
                            http="h11")
    uvicorn.Server(config).run()


def _seed(tmp: Path, n: int) -> list[dict]:
    """``n`` footprints in ``tmp``'s store: 50 published, the rest written as records in bulk."""
    from lca.server import files, store

    docs = [_doc(i) for i in range(n)]
    for d in docs[:50]:
        store.publish(tmp, dict(d, status="Active"))
        if d["status"] == "Deprecated":  # as stored: only the document's status differs
            path = tmp / "pact" / "footprints" / f"{d['id']}.json"
            rec = files.read_json(path)
            rec["footprint"]["status"] = "Deprecated"
            files.write_json(path, rec)
    now = store.utc_now()
    for i, d in enumerate(docs[50:], start=51):  # plain writes (no fsync per file): a fixture, not a publication
        rec = {"footprint": d, "access": None, "source": {"bench": i}, "published": now, "seq": i}
        (tmp / "pact" / "footprints" / f"{d['id']}.json").write_text(json.dumps(rec, indent=1))
    return docs


PUBLISHER = """
import sys, json, time
from lca.server import store
d, doc = sys.argv[1], json.loads(sys.argv[2])
print("ready", flush=True)
sys.stdin.readline()  # imports done: the phase times the publication, not Python's start-up
t0 = time.perf_counter()
store.publish(d, doc)
doc2 = dict(doc, pcf={**doc["pcf"], "pcfExcludingBiogenicUptake": "1.5"})
store.publish(d, doc2)
print(json.dumps({"publish_s": time.perf_counter() - t0}))
"""


async def _load_with(port, ctx, paths, token, n, seconds, lengths, during=None):
    """Load on several paths at once; ``during`` (a callable) runs in a thread half-way through."""
    async def later():
        await asyncio.sleep(seconds / 2)
        return await asyncio.to_thread(during)

    jobs = [_load(port, ctx, p, token, n, seconds, ln) for p, ln in zip(paths, lengths)]
    if during is not None:
        jobs.append(later())
    return await asyncio.gather(*jobs)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, ctx) -> None:
    import httpx

    end = time.monotonic() + 60
    while True:
        try:
            httpx.get(url, verify=ctx, timeout=2)
            return
        except httpx.TransportError:
            if time.monotonic() > end:
                raise
            time.sleep(0.1)


async def _load(port: int, ctx, path: str, token: str, n: int, seconds: float, expect_len: int) -> dict:
    """N keep-alive connections sending GET ``path`` for ``seconds``; latencies and errors."""
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
               f"Accept: application/json\r\n\r\n").encode()
    lat: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds

    async def worker():
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="127.0.0.1")
        try:
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length)
                lat.append(time.perf_counter() - t0)
                if not head.startswith(b"HTTP/1.1 200") or len(body) != expect_len:
                    errors += 1
        except (OSError, asyncio.IncompleteReadError, ssl.SSLError):
            errors += 1
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(n)))
    wall = time.perf_counter() - t0
    return {"requests": len(lat), "errors": errors, "wall_s": wall, "lat": lat}


def _summary(runs: list[dict]) -> dict:
    lat = sorted(x for r in runs for x in r["lat"])
    reqs = sum(r["requests"] for r in runs)
    wall = sum(r["wall_s"] for r in runs)
    q = statistics.quantiles(lat, n=100) if len(lat) >= 100 else [lat[len(lat) // 2]] * 99
    return {"requests": reqs, "errors": sum(r["errors"] for r in runs), "rps": reqs / wall,
            "p50_ms": 1000 * statistics.median(lat), "p99_ms": 1000 * q[98]}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--clients", type=int)
    ap.add_argument("--seconds", type=float)
    ap.add_argument("--footprints", type=int)
    ap.add_argument("--baseline", nargs=4, metavar=("PORT", "CERT", "KEY", "FIXTURES"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.baseline:
        port, cert, key, fixtures = args.baseline
        baseline_main(int(port), cert, key, fixtures)
        return {}
    import httpx

    from lca.server import clients, store, tls

    n = args.clients or (4 if args.quick else 16)
    seconds = args.seconds or (2.0 if args.quick else 8.0)
    tmp = Path(tempfile.mkdtemp(prefix="server-bench-"))
    t0 = time.perf_counter()
    docs = _seed(tmp, args.footprints or (500 if args.quick else 20000))
    seed_s = time.perf_counter() - t0
    cred = clients.add(tmp, "bench")
    cert, key = tls.dev_certificate(tmp)
    ctx = ssl.create_default_context(cafile=str(cert))
    procs = []
    out = {"machine_cores": os.cpu_count(), "connections": n, "seconds_per_phase": seconds,
           "footprints": len(docs), "seed_s": seed_s}
    try:
        lport, bport = _free_port(), _free_port()
        logs = [open(tmp / "lca.log", "wb"), open(tmp / "base.log", "wb")]
        procs.append(subprocess.Popen([sys.executable, "-m", "lca.cli", "--project", str(tmp), "serve", "--dev-cert",
                                       "--port", str(lport)], stdout=logs[0], stderr=subprocess.STDOUT))
        t0 = time.perf_counter()
        _wait(f"https://127.0.0.1:{lport}/.well-known/openid-configuration", ctx)
        out["start_s"] = time.perf_counter() - t0
        url = f"https://127.0.0.1:{lport}"
        r = httpx.post(url + "/auth/token", data={"grant_type": "client_credentials"},
                       auth=(cred["client_id"], cred["client_secret"]), verify=ctx)
        token = r.json()["access_token"]
        hdr = {"Authorization": f"Bearer {token}"}
        list_path, get_path = "/3/footprints?limit=10&status=Active", f"/3/footprints/{docs[7]['id']}"
        lr = httpx.get(url + list_path, headers=hdr, verify=ctx)
        gr = httpx.get(url + get_path, headers=hdr, verify=ctx)
        # correctness before the load: the answers are the stored documents (publication order, Active, 10)
        first = [d for d in docs if d["status"] == "Active"][:10]
        assert lr.status_code == 200 and lr.json()["data"] == first, "ListFootprints answer differs"
        assert gr.status_code == 200 and gr.json()["data"] == docs[7], "GetFootprint answer differs"
        assert lr.headers["link"].endswith('rel="next"')
        fixtures = tmp / "fixtures.json"
        fixtures.write_text(json.dumps({"list_body": lr.text, "list_link": lr.headers["link"],
                                        "get_body": gr.text}))
        procs.append(subprocess.Popen([sys.executable, __file__, "--baseline", str(bport), str(cert), str(key),
                                       str(fixtures)], stdout=logs[1], stderr=subprocess.STDOUT))
        _wait(f"https://127.0.0.1:{bport}/3/footprints", ctx)
        for name, path, length in (("ListFootprints", list_path, len(lr.content)),
                                   ("GetFootprint", get_path, len(gr.content))):
            runs = {"lca": [], "baseline": []}
            for who in ("lca", "baseline", "lca", "baseline"):
                port = lport if who == "lca" else bport
                runs[who].append(asyncio.run(_load(port, ctx, path, token, n, seconds / 2, length)))
            res = {who: _summary(rs) for who, rs in runs.items()}
            res["ratio_rps"] = res["lca"]["rps"] / res["baseline"]["rps"]
            res["body_bytes"] = length
            out[name] = res
        # a publication under load: a quiet phase, then one with a publication half-way
        paths, lengths = (list_path, get_path), (len(lr.content), len(gr.content))
        quiet = asyncio.run(_load_with(lport, ctx, paths, token, max(1, n // 2), seconds, lengths))
        new = dict(_doc(10 ** 6), status="Active")

        pub = subprocess.Popen([sys.executable, "-c", PUBLISHER, str(tmp), json.dumps(new)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
        assert pub.stdout.readline().strip() == "ready"

        def publish():
            outp, _ = pub.communicate("go\n", timeout=600)
            assert pub.returncode == 0, "the publisher failed"
            return json.loads(outp)

        busy = asyncio.run(_load_with(lport, ctx, paths, token, max(1, n // 2), seconds, lengths, publish))
        end = time.monotonic() + 30  # the index catches up in a worker thread
        while True:
            gr2 = httpx.get(url + f"/3/footprints/{new['id']}", headers=hdr, verify=ctx)
            if gr2.status_code == 200 and gr2.json()["data"]["status"] == "Deprecated":
                break
            assert time.monotonic() < end, f"publication not served: {gr2.status_code} {gr2.text[:200]}"
            time.sleep(0.1)
        q_lat = sorted(x for r in quiet for x in r["lat"])
        b_lat = sorted(x for r in busy[:2] for x in r["lat"])
        out["publish_under_load"] = {
            "publish_s": busy[2]["publish_s"],
            "quiet": {"requests": len(q_lat), "p50_ms": 1000 * statistics.median(q_lat),
                      "p99_ms": 1000 * q_lat[int(0.99 * (len(q_lat) - 1))],
                      "max_ms": 1000 * q_lat[-1], "errors": sum(r["errors"] for r in quiet)},
            "publishing": {"requests": len(b_lat), "p50_ms": 1000 * statistics.median(b_lat),
                           "p99_ms": 1000 * b_lat[int(0.99 * (len(b_lat) - 1))],
                           "max_ms": 1000 * b_lat[-1], "errors": sum(r["errors"] for r in busy[:2])},
        }
        pul = out["publish_under_load"]
        pul["delay_ms"] = pul["publishing"]["max_ms"] - pul["quiet"]["p50_ms"]
        pul["max_excess_ms"] = pul["publishing"]["max_ms"] - pul["quiet"]["max_ms"]  # beyond the quiet phase's own
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)  # 20,000 records: do not leave them in /tmp
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        print(f"{n} keep-alive HTTPS connections, {seconds:g} s per endpoint and server, "
              f"{os.cpu_count()} cores, {len(docs)} footprints")
        for name in ("ListFootprints", "GetFootprint"):
            r = out[name]
            for who in ("lca", "baseline"):
                s = r[who]
                print(f"  {name:<15} {who:<9} {s['rps']:>8.0f} req/s  p50 {s['p50_ms']:6.2f} ms  "
                      f"p99 {s['p99_ms']:6.2f} ms  errors {s['errors']} / {s['requests']}")
            print(f"  {name:<15} ratio lca/baseline {r['ratio_rps']:.2f}x (target >= 0.5x), body {r['body_bytes']} B")
        p = out["publish_under_load"]
        print(f"  store of {len(docs)} footprints: seeded in {out['seed_s']:.1f} s, server up in {out['start_s']:.1f} s")
        print(f"  publication under load (two publishes, {p['publish_s']:.2f} s in the publisher): quiet p50 "
              f"{p['quiet']['p50_ms']:.2f} ms p99 {p['quiet']['p99_ms']:.1f} ms max {p['quiet']['max_ms']:.1f} ms; "
              f"publishing p50 {p['publishing']['p50_ms']:.2f} ms p99 {p['publishing']['p99_ms']:.1f} ms "
              f"max {p['publishing']['max_ms']:.1f} ms; delay {p['delay_ms']:.1f} ms (target <= 50 ms), "
              f"max beyond the quiet max {p['max_excess_ms']:.1f} ms")
    bad = [name for name in ("ListFootprints", "GetFootprint")
           if out[name]["lca"]["errors"] or out[name]["baseline"]["errors"]]
    pul = out["publish_under_load"]
    if pul["quiet"]["errors"] or pul["publishing"]["errors"]:
        bad.append("publish_under_load")
    if bad:
        raise SystemExit(f"errors under load: {bad}")
    return out


if __name__ == "__main__":
    main()
