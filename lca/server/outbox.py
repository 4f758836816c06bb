"""Delivery of event answers: the retry schedule of PACT v3, the outbox and ``lca events resend``.

PACT Tech Spec v3 (Action Events, "PF Request Event"): if the requester's host
"is not available or does not accept the response with a HTTP success code
(2xx), the data owner's host system SHOULD retry sending the response event
using exponential backoff" and "SHOULD NOT retry sending a response event for
more than 3 days". The schedule here: attempt ``n`` (0 the first) is followed,
on failure, by a wait of ``min(RETRY_BASE_S * 2**n, RETRY_MAX_S)`` seconds,
until ``RETRY_FOR_S`` (3 days) after the first attempt; then the answer is moved
to ``outbox/expired/`` and no longer sent.

The server makes the first attempts itself (waits of 1, 2, 4 ... 32 s), then keeps
the answer in ``PROJECT/pact/outbox/`` with ``attempts``, ``first_attempt`` and
``next_attempt`` (epoch seconds) and resends what is due every
``SWEEP_EVERY_S`` while it runs; ``lca events resend`` does one sweep from the
command line (``--all``: also what is not due yet). One sweep at a time
(``pact/outbox.lock``). At most ``MAX_PER_CLIENT`` answers wait per client: a new one
beyond it replaces the oldest (the requester asked again since).
"""
from __future__ import annotations

import asyncio
import logging
import ssl
import time
from pathlib import Path

from . import clients, files, store
from .events import PREFIX

log = logging.getLogger("lca.server")
RETRY_BASE_S = 1.0  # [s] first wait; doubled after each failed attempt
RETRY_MAX_S = 6 * 3600.0  # [s] longest wait between two attempts
RETRY_FOR_S = 3 * 86400.0  # [s] PACT v3: no retries more than 3 days after the first attempt
IN_PROCESS_ATTEMPTS = 7  # attempts the server makes before keeping an answer (waits 1, 2, 4, 8, 16, 32 s)
SWEEP_EVERY_S = 30.0  # [s] the running server resends what is due this often
MAX_PER_CLIENT = 200  # answers kept per client
EXPIRED = "expired"


def wait_after(attempt: int) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (0-based) before the next one."""
    return min(RETRY_BASE_S * 2.0 ** min(attempt, 40), RETRY_MAX_S)


def keep(project_path, client: str, event: dict, attempts: int, first_attempt: float, error: str,
         now: float | None = None) -> Path:
    """Keep an undelivered ``event`` for ``client`` in the outbox with its retry state."""
    now = time.time() if now is None else now
    d = Path(project_path) / files.PACT_DIR / store.OUTBOX
    waiting = sorted(p for p in d.glob("*.json") if not p.name.startswith(".")) if d.is_dir() else []
    mine = [p for p in waiting if (files.read_json(p, default={}) or {}).get("client") == client]
    for p in mine[:max(0, len(mine) - MAX_PER_CLIENT + 1)]:
        log.warning("outbox of %s full: dropping the oldest answer %s", client, p.name)
        p.unlink(missing_ok=True)
    path = store.save_event(project_path, store.OUTBOX, event, client)
    rec = files.read_json(path)
    rec.update({"attempts": attempts, "first_attempt": first_attempt, "last_error": error,
                "next_attempt": now + wait_after(max(0, attempts - 1)) if attempts else now})
    files.write_json(path, rec)
    return path


async def sweep(project_path, force: bool = False, now: float | None = None, wait: bool = True) -> dict:
    """Resend the outbox answers that are due (all with ``force``); ``{"sent", "failed", "expired", "waiting"}``.

    ``wait=False`` (the server's sweeper) skips the sweep if another process is sweeping.
    """
    root = files.pact_dir(project_path)
    d = root / store.OUTBOX
    counts = {"sent": 0, "failed": 0, "expired": 0, "waiting": 0}
    if not d.is_dir():
        return counts
    now = time.time() if now is None else now
    with files.locked(root, "outbox.lock", wait=wait) as mine:
        if not mine:
            return counts
        known = clients.records(project_path)
        for path in sorted(p for p in d.glob("*.json") if not p.name.startswith(".")):
            rec = files.read_json(path, default=None)
            if not isinstance(rec, dict) or not isinstance(rec.get("event"), dict):
                continue
            first = float(rec.get("first_attempt") or path.stat().st_mtime)
            name = rec.get("client")
            if now - first > RETRY_FOR_S or name not in known:
                why = "3 days of retries" if name in known else "the client was removed"
                (d / EXPIRED).mkdir(exist_ok=True, mode=0o700)
                path.replace(d / EXPIRED / path.name)
                log.warning("gave up delivering %s to %s (%s); moved to outbox/expired", rec["event"].get("id"),
                            name, why)
                counts["expired"] += 1
                continue
            if not force and float(rec.get("next_attempt") or 0) > now:
                counts["waiting"] += 1
                continue
            ok, why = await send_once(known[name], rec["event"])
            if ok:
                path.unlink(missing_ok=True)
                counts["sent"] += 1
                continue
            attempts = int(rec.get("attempts") or 0) + 1
            rec.update({"attempts": attempts, "first_attempt": first, "last_error": why,
                        "next_attempt": now + wait_after(attempts - 1)})
            files.write_json(path, rec)
            counts["failed"] += 1
    return counts


async def sweeper(project_path) -> None:
    """The running server's loop: a sweep every ``SWEEP_EVERY_S`` (errors logged, never raised)."""
    while True:
        await asyncio.sleep(SWEEP_EVERY_S)
        try:
            counts = await sweep(project_path, wait=False)
            if counts["sent"] or counts["failed"] or counts["expired"]:
                log.info("outbox: %(sent)d sent, %(failed)d failed, %(expired)d expired, %(waiting)d waiting",
                         counts)
        except Exception as exc:  # a damaged outbox must not stop the server
            log.warning("outbox sweep failed: %s", type(exc).__name__)


async def send_once(client, event: dict) -> tuple[bool, str]:
    """One attempt to POST ``event`` to ``client``'s event endpoint: ``(True, "")`` or ``(False, why)``."""
    rec = client.record
    url = rec.get("events_url")
    if not url:
        return False, "the client has no events_url"
    import httpx

    verify = ssl.create_default_context(cafile=rec["events_ca"]) if rec.get("events_ca") else True
    try:
        async with httpx.AsyncClient(verify=verify, timeout=10.0) as http:
            headers = {"Content-Type": "application/cloudevents+json; charset=UTF-8"}
            auth = rec.get("events_auth")
            if auth:
                headers["Authorization"] = "Bearer " + await _token(http, url, auth)
            r = await http.post(url + "/3/events", json=event, headers=headers)
        if 200 <= r.status_code < 300:
            return True, ""
        return False, f"HTTP {r.status_code}"
    except Exception as exc:  # network, TLS, the partner's token endpoint: retried, then kept
        return False, type(exc).__name__


async def deliver(project_path, client, event: dict, attempts: int | None = None) -> bool:
    """Send ``event`` to ``client``'s event endpoint, retrying on the PACT schedule
    for ``attempts`` attempts; then keep it in the outbox. True if sent."""
    attempts = IN_PROCESS_ATTEMPTS if attempts is None else attempts
    first = time.time()
    if not client.record.get("events_url"):
        await asyncio.to_thread(keep, project_path, client.name, event, 0, first, "no events_url")
        log.info("answer %s to %s kept in the outbox (the client has no events_url)", event["id"], client.name)
        return False
    why = ""
    for n in range(attempts):
        if n:
            await asyncio.sleep(wait_after(n - 1))
        ok, why = await send_once(client, event)
        if ok:
            log.info("delivered %s (%s) to %s", event["type"][len(PREFIX):], event["id"], client.name)
            return True
    await asyncio.to_thread(keep, project_path, client.name, event, attempts, first, why)
    log.warning("could not deliver %s to %s (%s); kept in the outbox for `lca events resend` and the "
                "server's retries", event["id"], client.name, why)
    return False


async def _token(http, base: str, auth: dict) -> str:
    token_url = base + "/auth/token"
    try:
        r = await http.get(base + "/.well-known/openid-configuration")
        if r.status_code == 200 and isinstance(r.json().get("token_endpoint"), str):
            token_url = r.json()["token_endpoint"]
    except Exception:  # no discovery document: the PACT default path
        pass
    r = await http.post(token_url, data={"grant_type": "client_credentials"},
                        auth=(auth["client_id"], auth["client_secret"]))
    r.raise_for_status()
    return r.json()["access_token"]
