"""The app `lca serve` runs, served in this process (no server process, no TLS): a stand-in of
:class:`server_util.Server` for the quick tier.

The same ASGI application (:func:`lca.server.app.create_app`, with the portal of
:func:`lca.portal.app.with_portal` unless ``--no-portal``) runs on one event loop in a
thread, with its lifespan (the outbox sweeper) started; ``.client()`` is an
``httpx.Client`` whose transport hands each request to that loop through
``httpx.ASGITransport`` (client address 127.0.0.1). ``.log()`` is what the ``lca``
loggers wrote while it ran. What needs a process stays with :class:`server_util.Server`
(tests marked ``slow``): TLS, the connection guard, restarts, other processes' locks.
"""
from __future__ import annotations

import asyncio
import io
import logging
import threading
from pathlib import Path

import httpx
import pytest

from lca.server import tls
from server_util import free_port


class _LoopTransport(httpx.BaseTransport):
    """A synchronous httpx transport that runs each request on ``loop`` through an ASGI transport."""

    def __init__(self, app, loop: asyncio.AbstractEventLoop, address: str = "127.0.0.1"):
        self.asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 50000))
        self.loop = loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()

        async def go():
            req = httpx.Request(request.method, request.url, headers=request.headers, content=body)
            resp = await self.asgi.handle_async_request(req)
            content = b"".join([part async for part in resp.stream])
            return resp.status_code, resp.headers, content

        status, headers, content = asyncio.run_coroutine_threadsafe(go(), self.loop).result(timeout=120)
        headers = [(k, v) for k, v in headers.multi_items() if k.lower() != "content-length"]
        return httpx.Response(status, headers=headers, content=content, request=request)


class InProcessServer:
    """``lca --project DIR serve`` without the process: ``.url``, ``.port``, ``.client()``, ``.token()``, ``.log()``."""

    def __init__(self, project_dir: Path, *extra: str, limits: dict | None = None):
        from lca.server.app import TOKEN_RATE, create_app

        self.dir = Path(project_dir)
        self.cert, _ = tls.dev_certificate(self.dir)
        self.ssl = None  # no TLS in process
        self.port = free_port()  # only names the host of the links the app writes
        self.url = f"https://127.0.0.1:{self.port}"
        self.clients: list = []
        args = list(extra)
        opts = {"token_rate": TOKEN_RATE}
        if "--token-rate" in args:
            opts["token_rate"] = int(args[args.index("--token-rate") + 1])
        if "--token-ttl" in args:
            opts["token_ttl"] = int(args[args.index("--token-ttl") + 1])
        host = f"127.0.0.1:{self.port}"
        self._buf = io.StringIO()
        self._handler = logging.StreamHandler(self._buf)
        self._handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        self._loggers = [logging.getLogger(n) for n in ("lca", "uvicorn")]
        for lg in self._loggers:
            lg.addHandler(self._handler)
            if lg.getEffectiveLevel() > logging.INFO:
                lg.setLevel(logging.INFO)
        app = create_app(self.dir, default_host=host, inbox_limits=(limits or {}).get("inbox_limits"), **opts)
        if "--no-portal" not in args:
            from lca.portal.app import with_portal

            app = with_portal(app, self.dir, default_host=host)
        self.app = app
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="inprocess-server", daemon=True)
        self._thread.start()
        self._shutdown = asyncio.run_coroutine_threadsafe(self._lifespan_start(), self.loop).result(timeout=60)
        self.transport = _LoopTransport(app, self.loop)

    async def _lifespan_start(self):
        """Start the app's lifespan as uvicorn does; the returned coroutine function shuts it down."""
        to_app: asyncio.Queue = asyncio.Queue()
        from_app: asyncio.Queue = asyncio.Queue()
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
        task = asyncio.get_running_loop().create_task(self.app(scope, to_app.get, from_app.put))
        await to_app.put({"type": "lifespan.startup"})
        msg = await from_app.get()
        assert msg["type"] == "lifespan.startup.complete", msg

        async def shutdown():
            await to_app.put({"type": "lifespan.shutdown"})
            await asyncio.wait_for(from_app.get(), 10)
            await asyncio.wait_for(task, 10)

        return shutdown

    def client(self, address: str | None = None, **kw) -> httpx.Client:
        """A client of the app; ``address``: the client address the app sees (default 127.0.0.1)."""
        kw.pop("verify", None)
        transport = self.transport if address is None else _LoopTransport(self.app, self.loop, address)
        return self.keep(httpx.Client(base_url=self.url, transport=transport, timeout=kw.pop("timeout", 10), **kw))

    def raw(self, method: str, target: str, headers: dict) -> tuple[int, bytes]:
        """Send request line ``method target`` as it arrives, unnormalized: the ASGI scope built as
        uvicorn's h11 protocol builds it (``raw_path`` the target's path, ``path`` percent-decoded)."""
        from urllib.parse import unquote

        raw_path, _, query = target.encode("latin-1").partition(b"?")
        scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
                 "server": ("127.0.0.1", self.port), "client": ("127.0.0.1", 50000), "scheme": "https",
                 "method": method, "root_path": "", "path": unquote(raw_path.decode("ascii")),
                 "raw_path": raw_path, "query_string": query,
                 "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]}
        out: dict = {"status": None, "body": b""}

        async def go():
            sent = []

            async def receive():
                if not sent:
                    sent.append(1)
                    return {"type": "http.request", "body": b"", "more_body": False}
                await asyncio.sleep(3600)

            async def send(msg):
                if msg["type"] == "http.response.start":
                    out["status"] = msg["status"]
                elif msg["type"] == "http.response.body":
                    out["body"] += msg.get("body", b"")

            await self.app(scope, receive, send)

        asyncio.run_coroutine_threadsafe(go(), self.loop).result(timeout=60)
        return out["status"], out["body"]

    def keep(self, client: httpx.Client) -> httpx.Client:
        self.clients.append(client)
        return client

    def token(self, client_id: str, secret: str) -> str:
        with self.client() as c:
            r = c.post("/auth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    def log(self) -> str:
        self._handler.flush()
        return self._buf.getvalue()

    def stop(self) -> None:
        for c in self.clients:
            c.close()
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop).result(timeout=30)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
            if not self._thread.is_alive():  # stopped: its executor's threads ended, the loop closed
                self.loop.run_until_complete(self.loop.shutdown_default_executor())
                self.loop.close()
            for lg in self._loggers:
                lg.removeHandler(self._handler)


def serve(kind: str, project_dir, *extra: str, limits: dict | None = None):
    """A server of ``kind``: ``"process"`` (:class:`server_util.Server`) or ``"inprocess"``."""
    from server_util import Server

    return (Server if kind == "process" else InProcessServer)(project_dir, *extra, limits=limits)


# the params of a module's server fixture: each test runs against a real `lca serve` process
# (slow tier) and against the same app in this process (quick tier)
KINDS = [pytest.param("process", marks=pytest.mark.slow), "inprocess"]


def process_only(fixture: str = "env"):
    """The marks of a test that needs the server process (TLS, connection guard, HTTPS delivery
    to the server's own port, restarts): slow, the process only."""
    def mark(fn):
        return pytest.mark.slow(pytest.mark.parametrize(fixture, ["process"], indirect=True)(fn))
    return mark
