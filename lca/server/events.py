"""CloudEvents of the PACT v3 Action Events: validate what arrives, answer RequestCreated.

Incoming events come in structured mode (``application/cloudevents+json``):
``specversion`` 1.0, ``id``, ``source``, ``time``, ``type`` and a ``data`` object.
A RequestCreated event is answered later (after the 200 reply) with a
RequestFulfilled event carrying the matching footprints the requester may see, or a
RequestRejected event (``NotFound``) when there are none. The answer goes to the
requester's event endpoint (``BASE/3/events`` of the client's ``events_url``), with
a bearer token from the partner's token endpoint when ``events_auth`` is set;
undeliverable answers are kept in ``PROJECT/pact/outbox/``. Published,
RequestFulfilled and RequestRejected events from partners are stored in
``PROJECT/pact/events/``.
"""
from __future__ import annotations

import asyncio
import logging
import re
import ssl
import uuid

from ..errors import EventError
from . import store
from .filters import QueryError, parse_datetime, query_from_event

log = logging.getLogger("lca.server")
PREFIX = "org.wbcsd.pact.ProductFootprint."
CREATED = PREFIX + "RequestCreatedEvent.3"
FULFILLED = PREFIX + "RequestFulfilledEvent.3"
REJECTED = PREFIX + "RequestRejectedEvent.3"
PUBLISHED = PREFIX + "PublishedEvent.3"
TYPES = (CREATED, FULFILLED, REJECTED, PUBLISHED)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
RETRIES_S = (1.0, 3.0, 9.0)  # [s] waits before the 2nd, 3rd, 4th delivery attempt


def validate(event) -> None:
    """Raise :class:`EventError` unless ``event`` is a valid PACT v3 CloudEvent."""
    if not isinstance(event, dict):
        raise EventError("the body must be one CloudEvent JSON object")
    for key in ("specversion", "id", "source", "time", "type", "data"):
        if key not in event:
            raise EventError(f"the CloudEvent has no {key!r}")
    if event["specversion"] != "1.0":
        raise EventError(f"specversion {str(event['specversion'])[:20]!r}: only CloudEvents 1.0 is supported")
    for key in ("id", "source", "type"):
        if not isinstance(event[key], str) or not event[key] or len(event[key]) > 2048:
            raise EventError(f"{key} must be a non-empty string")
    if not isinstance(event["time"], str):
        raise EventError("time must be a date-time string")
    try:
        parse_datetime(event["time"], "time")
    except QueryError as exc:
        raise EventError(str(exc)) from None
    data = event["data"]
    if not isinstance(data, dict):
        raise EventError("data must be an object")
    kind = event["type"]
    if kind not in TYPES:
        if kind.startswith(PREFIX):
            raise EventError(f"event type {kind[:120]!r} is not implemented by this host (PACT v3 events: "
                             f"{', '.join(t[len(PREFIX):] for t in TYPES)})", code="NotImplemented")
        raise EventError(f"unknown event type {kind[:120]!r}")
    if kind == PUBLISHED:
        ids = data.get("pfIds")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and _UUID.match(i) for i in ids):
            raise EventError("data.pfIds must be a non-empty list of ProductFootprint ids (UUIDs)")
    elif kind == CREATED:
        try:
            query_from_event(data)
        except QueryError as exc:
            raise EventError(str(exc)) from None
    else:
        if not isinstance(data.get("requestEventId"), str) or not data["requestEventId"]:
            raise EventError("data.requestEventId must be the id of the RequestCreated event")
        if kind == FULFILLED and not (isinstance(data.get("pfs"), list) and data["pfs"]):
            raise EventError("data.pfs must be a non-empty list of ProductFootprints")
        if kind == REJECTED and not (isinstance(data.get("error"), dict) and "code" in data["error"]):
            raise EventError("data.error must be an Error object with a code")


def answer(request: dict, entries: list, source: str) -> dict:
    """The RequestFulfilled (or RequestRejected) event answering ``request`` from ``entries``."""
    q = query_from_event(request["data"])
    found = [e.doc for e in entries if q.matches(e.keys)]
    base = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": source, "time": store.utc_now()}
    if found:
        return {**base, "type": FULFILLED, "data": {"requestEventId": request["id"], "pfs": found}}
    return {**base, "type": REJECTED,
            "data": {"requestEventId": request["id"],
                     "error": {"code": "NotFound", "message": "no footprint matches the request's criteria"}}}


async def deliver(project_path, client, event: dict, retries=RETRIES_S) -> bool:
    """Send ``event`` to ``client``'s event endpoint; keep it in the outbox if that fails. True if sent."""
    rec = client.record
    url = rec.get("events_url")
    if not url:
        store.save_event(project_path, store.OUTBOX, event, client.name)
        log.info("answer %s to %s kept in the outbox (the client has no events_url)", event["id"], client.name)
        return False
    import httpx

    verify = ssl.create_default_context(cafile=rec["events_ca"]) if rec.get("events_ca") else True
    last = ""
    for attempt, wait in enumerate((0.0, *retries)):
        if wait:
            await asyncio.sleep(wait)
        try:
            async with httpx.AsyncClient(verify=verify, timeout=10.0) as http:
                headers = {"Content-Type": "application/cloudevents+json; charset=UTF-8"}
                auth = rec.get("events_auth")
                if auth:
                    headers["Authorization"] = "Bearer " + await _token(http, url, auth)
                r = await http.post(url + "/3/events", json=event, headers=headers)
            if r.status_code == 200:
                log.info("delivered %s (%s) to %s", event["type"][len(PREFIX):], event["id"], client.name)
                return True
            last = f"HTTP {r.status_code}"
        except Exception as exc:  # network, TLS, the partner's token endpoint: retried, then kept
            last = type(exc).__name__
    store.save_event(project_path, store.OUTBOX, event, client.name)
    log.warning("could not deliver %s to %s (%s); kept in the outbox", event["id"], client.name, last)
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
