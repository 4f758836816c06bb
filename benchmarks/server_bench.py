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

5. publications under load: GetFootprint and ListFootprints load on `lca serve` for
   ``--publications`` periods of ``PERIOD_S`` (default 6; 2 with ``--quick``); half-way through
   each period a real publication (a new footprint, then a new version of it: two
   ``store.publish`` calls in another, already started process). Each publication has its
   window (from the publisher's start to ``SETTLE_S`` after its end: the index takes the change
   in a worker thread, and a change it cannot explain is looked for after 1 s) and a matched
   control: a window of the same length in the same period, before the publication, with no
   publication in it. A request belongs to a window if it was in flight during it. The delay of
   publication i is the slowest request of its window minus the run's quiet median (the median
   of every control window); the same measure on the control window is the machine's own noise.
   Target: every publication's delay <= 50 ms. Also shown: the median over publications of
   (window's slowest - its control's slowest), what the publication adds beyond the machine's
   noise. The publisher's CPU is timed; after the load each new version must be served.

Reported: requests/s, p50/p99 latency per endpoint and server, errors, the
throughput ratio lca/baseline (target >= 0.5x) and the publication delay.

Run: ``python benchmarks/server_bench.py [--quick] [--json] [--clients N] [--seconds S] [--footprints N]
[--publications K]``.
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
d, base = sys.argv[1], json.loads(sys.argv[2])
print("ready", flush=True)
for line in sys.stdin:  # imports done: a publication times store.publish, not Python's start-up
    i = int(line)
    doc = dict(base, id=base["id"][:-8] + f"{i:08x}", productIds=[f"urn:pact:product:bench:published:{i}"])
    t0, c0 = time.monotonic(), time.process_time()
    store.publish(d, doc)
    doc2 = dict(doc, pcf={**doc["pcf"], "pcfExcludingBiogenicUptake": "1.5"})
    store.publish(d, doc2)
    print(json.dumps({"i": i, "id": doc["id"], "start": t0, "end": time.monotonic(),
                      "cpu_s": time.process_time() - c0}), flush=True)
"""
PERIOD_S = 5.0  # [s] one publication per period, half-way; the control window before it
SETTLE_S = 1.5  # [s] a publication's window lasts this long after the publisher returns
CONTROL_AT_S = 0.2  # [s] the control window starts this long into its period


async def _load_with(port, ctx, paths, token, n, seconds, lengths, during=None):
    """Load on several paths at once, each request's start recorded; ``during`` (a callable) runs in a
    thread alongside (it returns what it measured)."""
    jobs = [_load(port, ctx, p, token, n, seconds, ln, starts=[]) for p, ln in zip(paths, lengths)]
    if during is not None:
        jobs.append(asyncio.to_thread(during))
    return await asyncio.gather(*jobs)


def _in_flight(runs: list[dict], lo: float, hi: float) -> list[float]:
    """Latencies [s] of the requests in flight at some moment of [lo, hi] (monotonic clock)."""
    return [x for r in runs for t, x in zip(r["starts"], r["lat"]) if t <= hi and t + x >= lo]


def publication_delays(runs: list[dict], pubs: list[dict], t0: float, period: float = PERIOD_S) -> dict:
    """Each publication's window against its matched control window (see the module docstring, 5.).

    ``runs``: the load's results (``starts``, ``lat``); ``pubs``: the publisher's ``start``/``end``
    (monotonic); ``t0``: the start of the load. Returns the quiet median, one row per publication
    (window, its slowest request, its control's, delay and control delay) and the verdict.
    """
    rows, control_lat = [], []
    for p in pubs:
        lo, hi = p["start"], p["end"] + SETTLE_S
        k = int((p["start"] - t0) // period)
        c_lo = t0 + k * period + CONTROL_AT_S
        c_hi = min(c_lo + (hi - lo), p["start"])  # same length, before the publication (clipped if it ran long)
        win, ctl = _in_flight(runs, lo, hi), _in_flight(runs, c_lo, c_hi)
        control_lat += ctl
        rows.append({"i": p["i"], "publish_s": p["end"] - p["start"], "publisher_cpu_s": p["cpu_s"],
                     "window_s": hi - lo, "control_s": c_hi - c_lo, "requests": len(win),
                     "control_requests": len(ctl), "max_ms": 1000 * max(win, default=0.0),
                     "control_max_ms": 1000 * max(ctl, default=0.0),
                     "p99_ms": 1000 * _pct(win, 0.99), "control_p99_ms": 1000 * _pct(ctl, 0.99)})
    p50 = 1000 * statistics.median(control_lat) if control_lat else float("nan")
    for r in rows:
        r["delay_ms"] = r["max_ms"] - p50
        r["control_delay_ms"] = r["control_max_ms"] - p50
    delays = sorted(r["delay_ms"] for r in rows)
    controls = sorted(r["control_delay_ms"] for r in rows)
    out = {"quiet_p50_ms": p50, "publications": rows, "delay_ms": delays[-1] if delays else float("nan"),
           "delay_median_ms": statistics.median(delays) if delays else float("nan"),
           "control_delay_ms": controls[-1] if controls else float("nan"),
           "control_delay_median_ms": statistics.median(controls) if controls else float("nan"),
           "target_ms": 50.0,
           "excess_median_ms": statistics.median(r["max_ms"] - r["control_max_ms"] for r in rows) if rows
           else float("nan")}  # paired: each window's slowest request minus its control's
    out["met"] = bool(rows) and out["delay_ms"] <= 50.0
    return out


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[int(q * (len(xs) - 1))] if xs else 0.0


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


async def _load(port: int, ctx, path: str, token: str, n: int, seconds: float, expect_len: int,
                starts: list | None = None) -> dict:
    """N keep-alive connections sending GET ``path`` for ``seconds``; latencies and errors (and, with
    ``starts``, each request's start on the ``time.monotonic`` clock, in the order of ``lat``)."""
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
                t0, m0 = time.perf_counter(), time.monotonic()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length)
                lat.append(time.perf_counter() - t0)
                if starts is not None:
                    starts.append(m0)
                if not head.startswith(b"HTTP/1.1 200") or len(body) != expect_len:
                    errors += 1
        except (OSError, asyncio.IncompleteReadError, ssl.SSLError):
            errors += 1
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(n)))
    wall = time.perf_counter() - t0
    return {"requests": len(lat), "errors": errors, "wall_s": wall, "lat": lat, "starts": starts}


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
    ap.add_argument("--publications", type=int, help="publications under load (default 6; 2 with --quick)")
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
        # publications under load: one per period, half-way; the control window earlier in the period
        paths, lengths = (list_path, get_path), (len(lr.content), len(gr.content))
        k = args.publications or (2 if args.quick else 6)
        new = dict(_doc(10 ** 6), status="Active")
        pub = subprocess.Popen([sys.executable, "-c", PUBLISHER, str(tmp), json.dumps(new)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
        procs.append(pub)
        assert pub.stdout.readline().strip() == "ready"
        load_start = time.monotonic()

        def publish():
            done = []
            for i in range(k):
                time.sleep(max(0.0, load_start + (i + 0.5) * PERIOD_S - time.monotonic()))
                pub.stdin.write(f"{i}\n")
                pub.stdin.flush()
                done.append(json.loads(pub.stdout.readline()))
            return done

        res = asyncio.run(_load_with(lport, ctx, paths, token, max(1, n // 2), k * PERIOD_S, lengths, publish))
        runs, pubs = res[:2], res[2]
        pub.stdin.close()
        assert pub.wait(timeout=60) == 0, "the publisher failed"
        for p in pubs:  # correctness: each new version is served (the first one Deprecated by it)
            ids = (p["id"],)
            end = time.monotonic() + 30
            while True:
                gr2 = httpx.get(url + f"/3/footprints/{ids[0]}", headers=hdr, verify=ctx)
                if gr2.status_code == 200 and gr2.json()["data"]["status"] == "Deprecated":
                    break
                assert time.monotonic() < end, f"publication not served: {gr2.status_code} {gr2.text[:200]}"
                time.sleep(0.1)
        pul = publication_delays(runs, pubs, load_start)
        pul["errors"] = sum(r["errors"] for r in runs)
        pul["requests"] = sum(r["requests"] for r in runs)
        pul["period_s"] = PERIOD_S
        out["publish_under_load"] = pul
        out["load_average"] = os.getloadavg()
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
        print(f"  {len(p['publications'])} publications under load ({max(1, n // 2)} + {max(1, n // 2)} connections, "
              f"one per {p['period_s']:g} s; each two store.publish calls), quiet p50 {p['quiet_p50_ms']:.1f} ms:")
        print("    #  publish  cpu     window  requests  max ms  p99 ms | control  requests  max ms  p99 ms | "
              "delay  control delay")
        for r in p["publications"]:
            print(f"   {r['i']:>2}  {r['publish_s']:5.2f} s {r['publisher_cpu_s']:5.2f} s {r['window_s']:5.2f} s "
                  f"{r['requests']:>8} {r['max_ms']:7.1f} {r['p99_ms']:7.1f} | {r['control_s']:5.2f} s "
                  f"{r['control_requests']:>8} {r['control_max_ms']:7.1f} {r['control_p99_ms']:7.1f} | "
                  f"{r['delay_ms']:6.1f} {r['control_delay_ms']:6.1f}")
        la = out["load_average"]
        print(f"  load average {la[0]:.2f} {la[1]:.2f} {la[2]:.2f} (1/5/15 min) at the end")
        print("verdicts:")
        for name in ("ListFootprints", "GetFootprint"):
            r = out[name]["ratio_rps"]
            print(f"  {name} throughput {r:.2f}x of bare Starlette (target >= 0.5x): {'MET' if r >= 0.5 else 'NOT MET'}")
        line = (f"  publication delay: slowest request of each publication's window minus the quiet median: "
                f"max {p['delay_ms']:.1f} ms, median {p['delay_median_ms']:.1f} ms over {len(p['publications'])} "
                f"(target <= 50 ms): {'MET' if p['met'] else 'NOT MET'}")
        print(line)
        print(f"    control (same measure on the matched windows without a publication): max "
              f"{p['control_delay_ms']:.1f} ms, median {p['control_delay_median_ms']:.1f} ms"
              + ("" if p["control_delay_ms"] <= 50 else
                 "; the machine's own noise exceeds the target too: re-run on a quiet machine"))
        print(f"    paired: a publication window's slowest request minus its control's, median "
              f"{p['excess_median_ms']:+.1f} ms")
    bad = [name for name in ("ListFootprints", "GetFootprint")
           if out[name]["lca"]["errors"] or out[name]["baseline"]["errors"]]
    if out["publish_under_load"]["errors"]:
        bad.append("publish_under_load")
    if bad:
        raise SystemExit(f"errors under load: {bad}")
    return out


if __name__ == "__main__":
    main()
