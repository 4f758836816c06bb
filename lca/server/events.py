"""CloudEvents of the PACT v3 Action Events: validate what arrives, answer RequestCreated.

Incoming events come in structured mode (``application/cloudevents+json``):
``specversion`` 1.0, ``id``, ``source``, ``time``, ``type`` and a ``data`` object.
A RequestCreated event is answered later (after the 200 reply) with a
RequestFulfilled event carrying the matching footprints the requester may see, or a
RequestRejected event (``NotFound``) when there are none. The answer goes to the
requester's event endpoint (``BASE/3/events`` of the client's ``events_url``), with
a bearer token from the partner's token endpoint when ``events_auth`` is set;
delivery, its retries on the PACT schedule and the outbox are
:mod:`lca.server.outbox`. Published,
RequestFulfilled and RequestRejected events from partners are stored in
``PROJECT/pact/events/``.
"""
from __future__ import annotations

import logging
import re
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


MAX_DEPTH = 32  # levels of JSON nesting in an event (a ProductFootprint needs about 6)


def depth(obj) -> int:
    """How deeply ``obj`` (parsed JSON) nests lists and objects (iteratively: no recursion limit)."""
    deepest, stack = 0, [(obj, 1)]
    while stack:
        o, d = stack.pop()
        if isinstance(o, (dict, list)):
            deepest = max(deepest, d)
            stack.extend((v, d + 1) for v in (o.values() if isinstance(o, dict) else o))
    return deepest


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


MAX_ANSWER_PFS = 100  # footprints in one RequestFulfilled event (an answer is kept in the outbox until delivered)


def answer(request: dict, entries: list, source: str, max_pfs: int = MAX_ANSWER_PFS) -> dict:
    """The RequestFulfilled (or RequestRejected) event answering ``request`` from ``entries``.

    More than ``max_pfs`` matches are rejected (``BadRequest``, asking for narrower criteria):
    one event stays a bounded size, on the wire and in the outbox.
    """
    q = query_from_event(request["data"])
    found = [e.doc for e in entries if q.matches(e.keys)]
    base = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": source, "time": store.utc_now()}
    if len(found) > max_pfs:
        return {**base, "type": REJECTED,
                "data": {"requestEventId": request["id"],
                         "error": {"code": "BadRequest",
                                   "message": f"{len(found)} footprints match, more than the {max_pfs} one event "
                                              "carries; narrow the criteria (productId, validOn...) or use "
                                              "ListFootprints"}}}
    if found:
        return {**base, "type": FULFILLED, "data": {"requestEventId": request["id"], "pfs": found}}
    return {**base, "type": REJECTED,
            "data": {"requestEventId": request["id"],
                     "error": {"code": "NotFound", "message": "no footprint matches the request's criteria"}}}
