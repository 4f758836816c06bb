"""Request limits: an ASGI middleware that bounds the query, the headers and the body, and answers a last-resort 500 without a trace.

One mechanism for the PACT API (:mod:`lca.server.app`, PACT error JSON) and the portal
(:mod:`lca.portal.web`, plain HTML pages): they differ only in the body limit of a path and in how a
refusal is written (``reject(status, text)``). Sizes in bytes.
"""
from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

from starlette.exceptions import HTTPException

MAX_QUERY = 4096  # [bytes] longest query string accepted
MAX_HEADERS = 16384  # [bytes] largest set of request headers accepted


class _TooLarge(HTTPException):
    """A body that grew past the limit while it was read (no or a false Content-Length).

    An HTTPException(413), so that a Starlette app reading the body answers it with its own handler.
    """

    def __init__(self):
        super().__init__(413)


class RequestLimits:
    """ASGI middleware: 414 for a long query, 431 for large headers, 413 for a large body (declared or
    read), 400 for an invalid Content-Length, and a 500 naming only a reference when the app fails.

    Parameters
    ----------
    app
        The ASGI application behind the limits.
    max_body : int or callable
        [bytes] The largest request body, or ``max_body(scope)`` for a limit per path.
    reject : callable
        ``reject(status, text)`` -> the ASGI response of a refusal (the app's own format).
    log : logging.Logger
        Where the last-resort 500 is logged (reference, exception type, method and path; no trace).
    """

    def __init__(self, app, max_body: int | Callable, reject: Callable, log: logging.Logger):
        self.app = app
        self.max_body = max_body if callable(max_body) else (lambda scope, n=max_body: n)
        self.reject = reject
        self.log = log

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def send_wrapper(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        async def reply(status: int, text: str):
            await self.reject(status, text)(scope, receive, send_wrapper)

        limit = self.max_body(scope)
        if len(scope.get("query_string", b"")) > MAX_QUERY:
            return await reply(414, f"query string longer than {MAX_QUERY} bytes")
        headers = scope.get("headers", [])
        if sum(len(k) + len(v) + 4 for k, v in headers) > MAX_HEADERS:
            return await reply(431, f"request headers larger than {MAX_HEADERS} bytes")
        for k, v in headers:
            if k == b"content-length":
                if not v.isdigit():
                    return await reply(400, "invalid Content-Length")
                if int(v) > limit:
                    return await reply(413, f"request body larger than {limit} bytes")
        seen = 0

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send_wrapper)
        except _TooLarge:
            if not started:
                await reply(413, f"request body larger than {limit} bytes")
        except Exception as exc:  # noqa: BLE001 -- the last resort: no trace and no detail leave the process
            if not started:  # (once a response started, the app's own handler has logged it)
                ref = secrets.token_hex(6)
                self.log.error("internal error %s: %s on %s %s", ref, type(exc).__name__, scope.get("method"),
                               scope.get("path", "")[:200])
                await reply(500, f"internal error (reference {ref})")
