"""The Starlette application of the PACT v3 Data Exchange API (host system).

Endpoints: ``GET /.well-known/openid-configuration``, ``POST /auth/token`` (OAuth2
client credentials, HTTP Basic, form body), ``GET /3/footprints`` (filters and
``limit`` with a ``Link: <...>; rel="next"`` header), ``GET /3/footprints/{id}``,
``POST /3/events`` (CloudEvents, structured mode). Errors are PACT ``Error``
objects ``{"code", "message"}``: BadRequest 400, TokenExpired 401 (an invalid or
missing token is 401 BadRequest), AccessDenied 403, NotFound 404, InternalError
500, NotImplemented 501; the token endpoint answers OAuth2 errors (RFC 6749 5.2).

Why Starlette (on uvicorn) rather than FastAPI: the API is five fixed routes whose
error bodies the PACT spec dictates exactly; FastAPI's request models, automatic
422 validation errors and OpenAPI machinery would have to be overridden, and
its per-request validation costs latency. Starlette gives the ASGI routing,
form/query parsing and background tasks with nothing to undo.

Limits: request bodies above ``max_body`` bytes (413), query strings above
``lca.server.limits.MAX_QUERY`` bytes (414), headers above ``MAX_HEADERS`` (431), token requests per client address and events per client
(token buckets, 429).
Unexpected failures answer 500 InternalError with a reference; the log names the
reference and the exception type only (no trace, no secrets).
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import logging
import re
import secrets
import time
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import events as ev
from . import outbox, store
from .clients import Registry
from .filters import DEFAULT_LIMIT, QueryError, parse_query
from .inbox import Inbox
from .index import FootprintIndex, decode_cursor, encode_cursor, page
from .limits import RequestLimits

log = logging.getLogger("lca.server")
MAX_BODY = 64 * 1024  # [bytes] largest request body accepted
TOKEN_RATE = 30  # token requests per minute per client address (burst of the same size)
EVENT_RATE = 120  # events per minute per client (burst of the same size): bounds what partners can store
_HOST = re.compile(r"^[A-Za-z0-9.\-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_HEADERS = {"cache-control": "no-store", "x-content-type-options": "nosniff",
            "strict-transport-security": "max-age=31536000"}
STATUS = {"BadRequest": 400, "TokenExpired": 401, "AccessDenied": 403, "NotFound": 404,
          "InternalError": 500, "NotImplemented": 501}


def error(code: str, message: str, status: int | None = None, headers: dict | None = None) -> Response:
    """A PACT v3 Error response."""
    body = json.dumps({"code": code, "message": message}).encode("utf-8")
    return Response(body, status_code=status or STATUS[code], media_type="application/json",
                    headers={**_HEADERS, **(headers or {})})


def oauth_error(err: str, description: str, status: int, headers: dict | None = None) -> Response:
    body = json.dumps({"error": err, "error_description": description}).encode("utf-8")
    return Response(body, status_code=status, media_type="application/json", headers={**_HEADERS, **(headers or {})})


def _json(obj, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(obj, ensure_ascii=False).encode("utf-8"), status_code=status,
                    media_type="application/json", headers={**_HEADERS, **(headers or {})})


class TokenBucket:
    """``rate`` requests per minute per key, with a burst of ``rate``."""

    def __init__(self, rate: int):
        self.rate = max(1, int(rate))
        self.buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> float:
        """0 if a request may go ahead now, else the seconds to wait."""
        now = time.monotonic()
        if len(self.buckets) > 10000:
            self.buckets = {k: v for k, v in self.buckets.items() if now - v[1] < 120}
        tokens, last = self.buckets.get(key, (float(self.rate), now))
        tokens = min(float(self.rate), tokens + (now - last) * self.rate / 60.0)
        if tokens < 1.0:
            self.buckets[key] = (tokens, now)
            return (1.0 - tokens) * 60.0 / self.rate
        self.buckets[key] = (tokens - 1.0, now)
        return 0.0


def _reject(status: int, text: str) -> Response:
    """A refusal of :class:`~lca.server.limits.RequestLimits` as a PACT v3 Error."""
    return error("InternalError" if status >= 500 else "BadRequest", text, status)


def Limits(app, max_body: int) -> RequestLimits:  # noqa: N802 -- kept as the name callers use
    """ASGI middleware of the PACT API: body, query and header limits and the last-resort 500
    (:class:`lca.server.limits.RequestLimits`), answered as PACT v3 Errors."""
    return RequestLimits(app, max_body, _reject, log)


def create_app(project_path, token_ttl: int | None = None, token_rate: int = TOKEN_RATE,
               max_body: int = MAX_BODY, default_host: str = "localhost", inbox_limits: dict | None = None):
    """The ASGI application serving ``project_path``'s published footprints.

    ``inbox_limits``: keyword arguments of :class:`~lca.server.inbox.Inbox` (event size, quota, retention).
    """
    from .clients import TOKEN_TTL_S

    registry = Registry(project_path, token_ttl=token_ttl or TOKEN_TTL_S)
    store.repair(project_path)  # a version change interrupted between its two writes (two Active versions)
    index = FootprintIndex(project_path, freeze=True)  # a server process: the index out of full GCs
    index.refresh()
    bucket = TokenBucket(token_rate)
    event_bucket = TokenBucket(EVENT_RATE)
    inbox = Inbox(project_path, **(inbox_limits or {}))  # stored events: size limit, per-client quota, retention

    def base_url(request: Request) -> str:
        host = request.headers.get("host", "")
        return f"https://{host if _HOST.match(host) else default_host}"

    def authorize(request: Request):
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        challenge = {"www-authenticate": 'Bearer error="invalid_token"'}
        if scheme.lower() != "bearer" or not token.strip():
            return None, error("BadRequest", "a bearer access token is required (POST /auth/token)", 401,
                               {"www-authenticate": "Bearer"})
        client, why = registry.verify(token.strip())
        if why == "expired":
            return None, error("TokenExpired", "the access token has expired; request a new one", 401, challenge)
        if client is None:
            return None, error("BadRequest", "the access token is invalid", 401, challenge)
        return client, None

    async def openid(request: Request):
        base = base_url(request)
        return _json({"issuer": base, "token_endpoint": base + "/auth/token",
                      "grant_types_supported": ["client_credentials"],
                      "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                      "response_types_supported": ["token"]})

    async def token(request: Request):
        addr = request.client.host if request.client else "?"
        wait = bucket.take(addr)
        if wait:
            return oauth_error("invalid_request", "too many token requests; retry later", 429,
                               {"retry-after": str(int(wait) + 1)})
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            return oauth_error("invalid_request", "send the form body as application/x-www-form-urlencoded", 400)
        try:
            form = dict(parse_qsl((await request.body()).decode("utf-8"), max_num_fields=20))
        except (UnicodeDecodeError, ValueError):
            return oauth_error("invalid_request", "the form body cannot be parsed", 400)
        if form.get("grant_type") != "client_credentials":
            return oauth_error("unsupported_grant_type", "only grant_type=client_credentials is supported", 400)
        scheme, _, cred = request.headers.get("authorization", "").partition(" ")
        client_id = secret = None
        if scheme.lower() == "basic" and cred and len(cred) <= 1024:
            try:
                client_id, sep, secret = base64.b64decode(cred.strip(), validate=True).decode("utf-8").partition(":")
                if not sep:
                    client_id = None
            except (binascii.Error, UnicodeDecodeError, ValueError):
                client_id = None
        challenge = {"www-authenticate": 'Basic realm="pact"'}
        if not client_id:
            return oauth_error("invalid_client", "client authentication by HTTP Basic is required", 401, challenge)
        client = await run_in_threadpool(registry.authenticate, client_id, secret)
        if client is None:
            log.info("token refused for an unknown client id or a wrong secret (from %s)", addr)
            return oauth_error("invalid_client", "unknown client or wrong secret", 401, challenge)
        access, ttl = registry.issue(client)
        return _json({"access_token": access, "token_type": "bearer", "expires_in": ttl})

    async def list_footprints(request: Request):
        client, denied = authorize(request)
        if denied:
            return denied
        items = request.query_params.multi_items()
        try:
            q = parse_query(items)
            after = decode_cursor(q.cursor) if q.cursor else None
        except QueryError as exc:
            return error("BadRequest", str(exc))
        snap = await index.current()
        limit = q.limit or DEFAULT_LIMIT
        skip = q.offset if after is None else 0  # offset: kept for old links; the Link header gives a cursor
        found, next_key = page(snap, client.name, q, after, skip + limit)
        found = found[skip:]
        headers = dict(_HEADERS)
        if next_key is not None:
            params = q.canonical_items(items) + [("limit", str(limit)), ("cursor", encode_cursor(next_key))]
            headers["link"] = f'<{base_url(request)}/3/footprints?{urlencode(params)}>; rel="next"'
        body = b'{"data":[' + b",".join(e.body for e in found) + b"]}"
        return Response(body, media_type="application/json", headers=headers)

    async def get_footprint(request: Request):
        client, denied = authorize(request)
        if denied:
            return denied
        if request.query_params:
            return error("BadRequest", "GetFootprint takes no query parameters")
        pf_id = request.path_params["id"]
        if not _UUID.match(pf_id):
            return error("BadRequest", "the footprint id must be a UUID")
        entry = (await index.current()).by_id.get(pf_id.lower())
        if entry is None:
            return error("NotFound", "the requested footprint could not be found")
        if not entry.visible_to(client.name):
            return error("AccessDenied", "this client may not access the requested footprint")
        return Response(b'{"data":' + entry.body + b"}", media_type="application/json", headers=_HEADERS)

    async def post_event(request: Request):
        client, denied = authorize(request)
        if denied:
            return denied
        if event_bucket.take(client.name):
            return error("BadRequest", f"more than {EVENT_RATE} events per minute from this client; retry later",
                         429, {"retry-after": "30"})
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype not in ("application/cloudevents+json", "application/json"):
            return error("BadRequest", "send one CloudEvent in structured mode (application/cloudevents+json)")
        try:
            event = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            return error("BadRequest", "the body is not JSON")
        except RecursionError:
            return error("BadRequest", "the body is JSON nested too deeply")
        if ev.depth(event) > ev.MAX_DEPTH:
            return error("BadRequest", f"the event is nested deeper than {ev.MAX_DEPTH} levels")
        try:
            ev.validate(event)
        except ev.EventError as exc:
            return error(exc.code, str(exc))
        if event["type"] == ev.CREATED:
            visible = [e for e in (await index.current()).entries if e.visible_to(client.name)]
            reply = ev.answer(event, visible, source=base_url(request) + "/3/events")
            task = BackgroundTask(outbox.deliver, project_path, client, reply)
            log.info("RequestCreated %s from %s: answering %s", event["id"][:80], client.name,
                     reply["type"][len(ev.PREFIX):])
            return Response(b"", status_code=200, headers=_HEADERS, background=task)
        status, why, retry = inbox.admit(client.name, len(json.dumps(event, ensure_ascii=False).encode("utf-8")))
        if status:
            return error("BadRequest", why, status, {"retry-after": str(retry)} if retry else None)
        await run_in_threadpool(store.save_event, project_path, store.EVENTS, event, client.name)
        if inbox.prune_due():
            await run_in_threadpool(inbox.prune)
        log.info("stored %s %s from %s", event["type"][len(ev.PREFIX):], event["id"][:80], client.name)
        return Response(b"", status_code=200, headers=_HEADERS)

    async def v2(request: Request):
        return error("NotImplemented", "this host system implements PACT v3 only (/3/...)")

    async def not_found(request: Request, exc):
        return error("NotFound", "no such endpoint")

    async def not_allowed(request: Request, exc):
        return error("BadRequest", f"{request.method} is not allowed here", 405)

    async def internal(request: Request, exc):
        ref = secrets.token_hex(6)
        log.error("internal error %s: %s on %s %s", ref, type(exc).__name__, request.method, request.url.path[:200])
        return error("InternalError", f"internal error (reference {ref})")

    async def http_error(request: Request, exc):
        status = getattr(exc, "status_code", 400)
        if status == 404:
            return await not_found(request, exc)
        if status == 405:
            return await not_allowed(request, exc)
        if status == 413:
            return error("BadRequest", f"request body larger than {max_body} bytes", 413)
        return error("BadRequest", "bad request", status if 400 <= status < 500 else 400)

    routes = [
        Route("/.well-known/openid-configuration", openid, methods=["GET"]),
        Route("/auth/token", token, methods=["POST"]),
        Route("/3/footprints", list_footprints, methods=["GET"]),
        Route("/3/footprints/{id}", get_footprint, methods=["GET"]),
        Route("/3/events", post_event, methods=["POST"]),
        Route("/2/{rest:path}", v2, methods=["GET", "POST"]),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(app):
        task = asyncio.get_running_loop().create_task(outbox.sweeper(project_path))  # PACT retry schedule
        try:
            yield
        finally:
            task.cancel()

    # extra routes and mounts (e.g. a web portal) go into `routes` here: they are served behind the
    # same Limits middleware and, in `lca serve`, the same connection guard (lca.server.guard)
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={404: not_found, 405: not_allowed, HTTPException: http_error,
                                        Exception: internal})
    return Limits(app, max_body)
