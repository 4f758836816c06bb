"""Connection guard of ``lca serve``: read deadlines and connection caps at the HTTP protocol level.

uvicorn bounds neither the time a client takes to send its request headers nor
its body (``timeout_keep_alive`` runs only between requests and stops at the
first byte), and its ``limit_concurrency`` counts idle connections, so a few
hundred half-open connections make every other client get ``503``. This module
replaces that limit with :class:`GuardedH11Protocol`, uvicorn's h11 protocol
plus:

- a header deadline: the request line and headers must be complete within
  ``header_timeout`` seconds of the connection (after its TLS handshake) or of the
  first byte of a following keep-alive request; one byte a second does not
  extend it;
- a body deadline: the whole body within ``body_timeout`` seconds of the headers;
- a per-address cap: at most ``per_address`` open connections from one client
  address; more are closed at once;
- a total cap: at most ``max_connections`` open connections; a new one beyond
  it evicts the connection that has waited longest for its headers (a
  connection that is being served, or idles between requests under the
  keep-alive timeout, is never counted against others), or is closed if
  none waits.

On shutdown (SIGTERM, Ctrl-C) uvicorn closes idle connections and lets running
responses finish; closing a TLS connection waits for the client's close_notify,
which a client that keeps its connection alive without reading never sends, so
asyncio would hold the shutdown for its 30 s ``ssl_shutdown_timeout``. A
connection with no response in progress is aborted ``SHUTDOWN_GRACE_S`` after the
shutdown began (a response still being sent is checked again then).

Idle connections therefore never make a request wait, and no connection is
held longer than the deadlines without a complete request. The TLS handshake
itself is bounded by asyncio's ``ssl_handshake_timeout`` (60 s); a connection
is seen here once its handshake is done. Every route of the application (the
PACT API and anything mounted beside it) sits behind the guard.
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass, field

from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("lca.server")
HEADER_TIMEOUT_S = 10.0  # [s] request line and headers complete within
BODY_TIMEOUT_S = 30.0  # [s] request body complete within (64 KiB at >= 2 KiB/s)
PER_ADDRESS = 64  # open connections per client address
MAX_CONNECTIONS = 4096  # open connections in total (file descriptors: see `ulimit -n`)
SHUTDOWN_GRACE_S = 1.0  # [s] a closing connection's TLS goodbye is awaited this long on shutdown


@dataclass
class Guard:
    """Limits and the shared book of open connections of one server."""

    header_timeout: float = HEADER_TIMEOUT_S
    body_timeout: float = BODY_TIMEOUT_S
    per_address: int = PER_ADDRESS
    max_connections: int = MAX_CONNECTIONS
    by_address: dict = field(default_factory=dict)  # address -> open connections
    open: int = 0
    waiting: OrderedDict = field(default_factory=OrderedDict)  # protocols waiting for headers, oldest first
    closed: dict = field(default_factory=lambda: {"header_timeout": 0, "body_timeout": 0, "per_address": 0,
                                                  "evicted": 0, "full": 0})

    def protocol(self) -> type:
        """The uvicorn ``http`` protocol class bound to this guard (``uvicorn.Config(http=...)``)."""
        return type("GuardedProtocol", (GuardedH11Protocol,), {"guard": self})

    def note(self, why: str, client) -> None:
        self.closed[why] += 1
        n = self.closed[why]
        if n & (n - 1) == 0:  # 1, 2, 4, 8...: the log stays small under attack
            log.warning("closed a connection from %s (%s; %d so far)", client[0] if client else "?", why, n)


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with read deadlines and connection caps (see the module docstring)."""

    guard: Guard

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        g = self.guard
        self._timer = None
        self._phase = None  # "headers", "body" or None
        self._seen_cycle = None
        self._counted = True
        addr = self.client[0] if self.client else "?"
        self._addr = addr
        g.by_address[addr] = g.by_address.get(addr, 0) + 1
        g.open += 1
        if g.by_address[addr] > g.per_address:
            g.note("per_address", self.client)
            self.transport.abort()
            return
        if g.open > g.max_connections:
            if g.waiting:
                _, oldest = g.waiting.popitem(last=False)
                g.note("evicted", oldest.client)
                oldest._expire_now()
            else:
                g.note("full", self.client)
                self.transport.abort()
                return
        self._start_headers()

    def shutdown(self) -> None:
        """uvicorn's graceful shutdown, then an abort of whatever only waits for its TLS goodbye."""
        super().shutdown()
        self._shutdown_timer = self.loop.call_later(SHUTDOWN_GRACE_S, self._abort_when_idle)

    def _abort_when_idle(self) -> None:
        self._shutdown_timer = None
        if (self.cycle is None or self.cycle.response_complete) and not self.transport.get_write_buffer_size():
            self.transport.abort()
        else:  # a response still being sent (or its bytes still buffered): it may finish
            self._shutdown_timer = self.loop.call_later(SHUTDOWN_GRACE_S, self._abort_when_idle)

    def connection_lost(self, exc) -> None:
        timer = getattr(self, "_shutdown_timer", None)
        if timer is not None:
            timer.cancel()
            self._shutdown_timer = None
        g = self.guard
        if getattr(self, "_counted", False):
            self._counted = False
            g.open -= 1
            n = g.by_address.get(self._addr, 1) - 1
            if n > 0:
                g.by_address[self._addr] = n
            else:
                g.by_address.pop(self._addr, None)
            self._cancel()
        super().connection_lost(exc)

    # deadlines
    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._phase == "headers":
            self.guard.waiting.pop(id(self), None)
        self._phase = None

    def _start_headers(self) -> None:
        self._cancel()
        self._phase = "headers"
        self._seen_cycle = self.cycle
        self.guard.waiting[id(self)] = self
        self._timer = self.loop.call_later(self.guard.header_timeout, self._expired, "header_timeout")

    def _start_body(self) -> None:
        self._cancel()
        self._phase = "body"
        self._timer = self.loop.call_later(self.guard.body_timeout, self._expired, "body_timeout")

    def _expired(self, why: str) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        if why == "body_timeout" and not (self.cycle is not None and self.cycle.more_body):
            return
        self.guard.note(why, self.client)
        self._expire_now()

    def _expire_now(self) -> None:
        self._cancel()
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True
        self.transport.abort()

    def data_received(self, data: bytes) -> None:
        idle = self._phase is None and (self.cycle is None or self.cycle.response_complete)
        if idle and not self.transport.is_closing():
            self._start_headers()  # the first byte of a keep-alive request: headers due from now
        super().data_received(data)
        self._progress()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._progress()

    def _progress(self) -> None:
        """Move from the header to the body deadline (or none) once h11 has parsed a new request."""
        c = self.cycle
        if c is not None and c is not self._seen_cycle:
            self._seen_cycle = c
            if c.more_body and not c.response_complete:
                self._start_body()
            else:
                self._cancel()
        elif self._phase == "body" and (c is None or not c.more_body):
            self._cancel()
