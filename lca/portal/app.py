"""The portal's ASGI application, and the one app that serves it under ``/portal/`` beside the PACT API.

:func:`with_portal` sends ``/portal`` and every path below it to the portal
(:func:`create_portal`: the routes of :mod:`lca.portal.web`,
:mod:`lca.portal.team` and :mod:`lca.portal.supplier` behind the
:class:`lca.portal.web.Guard`), and every other path to the API app unchanged; invitation
tokens are kept out of the access log.
"""
from __future__ import annotations

import logging
import re
import secrets

from starlette.applications import Starlette
from starlette.exceptions import HTTPException

from . import supplier, team
from .web import Guard, Portal, plain_page, log, routes


def create_portal(project_path, default_host: str = "localhost"):
    """The portal's ASGI app (paths under ``/portal``)."""
    portal = Portal(project_path, default_host)
    portal.warm()

    async def not_found(request, exc):
        return plain_page(404, "not found")

    async def http_error(request, exc):
        status = getattr(exc, "status_code", 400)
        return plain_page(status if 400 <= status < 500 else 400, "bad request")

    async def internal(request, exc):
        ref = secrets.token_hex(6)
        log.error("portal internal error %s: %s on %s %s", ref, type(exc).__name__, request.method,
                  request.url.path[:200])
        return plain_page(500, f"internal error (reference {ref}); nothing was changed")

    app = Starlette(routes=routes(portal) + team.routes(portal) + supplier.routes(portal),
                    exception_handlers={404: not_found, HTTPException: http_error, Exception: internal})
    return Guard(app)


class _HideLinkTokens(logging.Filter):
    """uvicorn's access log without invitation tokens: ``/portal/s/TOKEN`` is logged as ``/portal/s/...``."""

    def filter(self, record):
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "/portal/s/" in args[2]:
            record.args = args[:2] + (_TOKEN.sub("/portal/s/...", args[2]),) + args[3:]
        return True


_TOKEN = re.compile(r"/portal/s/[^/?\s]*")


def with_portal(api_app, project_path, default_host: str = "localhost"):
    """One ASGI app: ``/portal`` and below to the portal, everything else to ``api_app``."""
    portal_app = create_portal(project_path, default_host)
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _HideLinkTokens) for f in access.filters):
        access.addFilter(_HideLinkTokens())

    async def app(scope, receive, send):
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path == "/portal" or path.startswith("/portal/"):
            return await portal_app(scope, receive, send)
        return await api_app(scope, receive, send)

    return app
