"""The portal's web layer: the ASGI guard, sessions on requests, rendering, static files, login and language.

Every portal response carries
a Content-Security-Policy without inline script (``script-src 'self'``: the
pages' JavaScript is in static files, plotly's own ``plotly.min.js`` from its
wheel, nothing from a CDN), ``nosniff``, ``no-referrer``, ``no-store`` and
frame denial. Templates are Jinja2 with autoescaping (every supplier string is
text, never markup). Bodies above the upload limit are refused (413) while
they are read; an unexpected failure answers a page with a reference, and the
log names the reference and the exception type only (no trace).
"""
from __future__ import annotations

import functools
import logging
import re
import threading
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ..server.limits import RequestLimits
from . import accounts, i18n
from .sessions import COOKIE, Sessions, cookie_header, csrf_ok
from .workflow import MAX_UPLOAD

log = logging.getLogger("lca.portal")
HERE = Path(__file__).resolve().parent
MAX_FORM = 64 * 1024  # [bytes] largest body of a form without a file
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = {"content-security-policy": CSP, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
           "cache-control": "no-store", "x-frame-options": "DENY", "strict-transport-security": "max-age=31536000"}
_HOST = re.compile(r"^[A-Za-z0-9.\-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$")
_STATIC = {"portal.css": "text/css", "portal.js": "text/javascript"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _utc(epoch) -> str:
    import datetime as _dt

    try:
        return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError, OverflowError, OSError):
        return ""


class Portal:
    """Shared state of one portal app: project directory, sessions, templates, the project (opened lazily)."""

    def __init__(self, project_path, default_host: str = "localhost"):
        self.path = Path(project_path)
        self.sessions = Sessions(self.path)
        self.default_host = default_host
        self.env = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                               autoescape=select_autoescape(["html"], default=True), auto_reload=False)
        self.env.filters["utc"] = _utc  # an event's time (epoch seconds) as "2026-12-06 22:40 UTC"
        self._project = None
        self._opening = threading.Lock()

    def project(self):
        """The Brightway project (opened once, never set up here; :meth:`warm` opens it at start)."""
        with self._opening:
            if self._project is None:
                import lca

                self._project = lca.open_project(self.path, setup=False)
            return self._project

    def warm(self) -> None:
        """Open the project in a background thread, so the first page or upload does not wait for it."""
        def run():
            try:
                project = self.project()
                from ..supply import importer

                importer.warm(project)  # Brightway and the reader loaded: the first upload check does not wait
            except Exception as exc:  # noqa: BLE001 -- a page that needs it reports the problem then
                log.info("portal: the project could not be opened yet (%s)", type(exc).__name__)

        threading.Thread(target=run, name="portal-warm", daemon=True).start()

    def base_url(self, request: Request) -> str:
        host = request.headers.get("host", "")
        return f"https://{host if _HOST.match(host) else self.default_host}"


class Ctx:
    """One request's session, language and words; ``render``/``redirect`` attach the session cookie."""

    def __init__(self, portal: Portal, request: Request):
        self.portal, self.request = portal, request
        sess = portal.sessions.get(request.cookies.get(COOKIE))
        self.new_cookie = sess is None
        self.session = sess or portal.sessions.new()
        self.lang = i18n.choose(self.session.lang, request.headers.get("accept-language"))
        self.t = i18n.words(self.lang)

    def set_session(self, sess) -> None:
        self.session, self.new_cookie = sess, True
        self.lang = i18n.choose(sess.lang, self.request.headers.get("accept-language"))
        self.t = i18n.words(self.lang)

    def _finish(self, resp: Response) -> Response:
        for k, v in HEADERS.items():
            resp.headers[k] = v
        if self.new_cookie:
            resp.headers.append("set-cookie", cookie_header(self.session.sid))
        return resp

    def render(self, template: str, status: int = 200, **values) -> Response:
        html = self.portal.env.get_template(template).render(
            t=self.t, lang=self.lang, s=self.session, csrf=self.session.csrf, path=self.request.url.path, **values)
        return self._finish(HTMLResponse(html, status_code=status))

    def redirect(self, url: str) -> Response:
        return self._finish(RedirectResponse(url, status_code=303))

    def file(self, path: Path, filename: str, media_type: str) -> Response:
        return self._finish(FileResponse(path, media_type=media_type, filename=filename))

    def message(self, text: str, status: int) -> Response:
        return self.render("message.html", status=status, text=text)

    def forbidden(self, text: str | None = None) -> Response:
        return self.message(text or self.t.forbidden, 403)


def page(portal: Portal, kind: str | None = None, write: bool = False):
    """Decorate a handler ``fn(ctx, request)``: session, access (``kind`` team|supplier), CSRF on POST."""
    def wrap(fn):
        @functools.wraps(fn)
        async def handler(request: Request):
            ctx = Ctx(portal, request)
            s = ctx.session
            if kind == "team":
                if s.kind != "team":
                    if s.kind == "supplier":
                        return ctx.forbidden()
                    return ctx.redirect("/portal/login")
                user = accounts.get(portal.path, s.user)
                if user is None:  # removed: the session ends now
                    portal.sessions.end(s.sid)
                    return ctx.redirect("/portal/login")
                if write and user.role != "team":
                    return ctx.forbidden(ctx.t.viewer_only)
            elif kind == "supplier":
                if s.kind != "supplier":
                    return ctx.forbidden()
                from . import datarequests as dr

                why = dr.link_refusal(portal.path, s.rid)
                if why:  # the link that opened this session was revoked or expired: the session ends
                    portal.sessions.end(s.sid)
                    ctx.set_session(portal.sessions.new(lang=s.lang))
                    return ctx.message(ctx.t.link_refused.format(why=ctx.t["why_" + why]), 403)
            if request.method == "POST":
                form = await request.form(max_files=1, max_fields=50, max_part_size=MAX_UPLOAD + 1024)
                ctx.form = form
                if not csrf_ok(s, form.get("csrf")):
                    return ctx.message(ctx.t.bad_form, 403)
            return await fn(ctx, request)
        return handler
    return wrap


def routes(portal: Portal) -> list[Route]:
    import importlib.util

    from ..report.fonts import bundled_font_files

    plotly_js = Path(importlib.util.find_spec("plotly").origin).parent / "package_data" / "plotly.min.js"
    cjk = bundled_font_files()

    async def static(request: Request):
        name = request.path_params["name"]
        if name == "plotly.min.js":
            path, media = plotly_js, "text/javascript"
        elif name == "cjk.otf" and cjk:  # Chinese glyphs where the system has none (used by unicode-range)
            path, media = cjk[0], "font/otf"
        elif name in _STATIC:
            path, media = HERE / "static" / name, _STATIC[name]
        else:
            return HTMLResponse("not found", status_code=404, headers=HEADERS)
        resp = FileResponse(path, media_type=media)
        resp.headers.update({**HEADERS, "cache-control": "public, max-age=86400"})
        return resp

    @page(portal)
    async def home(ctx, request):
        kind = ctx.session.kind
        return ctx.redirect({"team": "/portal/team/", "supplier": "/portal/supplier/"}.get(kind, "/portal/login"))

    @page(portal)
    async def login(ctx, request):
        if request.method == "GET":
            return ctx.render("login.html")
        name, password = str(ctx.form.get("user", ""))[:64], str(ctx.form.get("password", ""))[:200]
        addr = request.client.host if request.client else "?"
        keys = ("addr:" + addr, "user:" + name)
        wait = portal.sessions.blocked(*keys)
        if wait:
            return ctx.render("login.html", status=429, error=ctx.t.too_many.format(n=int(wait // 60) + 1))
        user = await run_in_threadpool(accounts.authenticate, portal.path, name, password)
        if user is None:
            portal.sessions.failed(*keys)
            log.info("portal login refused for a user name (from %s)", addr)
            return ctx.render("login.html", status=401, error=ctx.t.bad_login)
        portal.sessions.succeeded(*keys)
        ctx.set_session(portal.sessions.rotate(ctx.session, kind="team", user=user.name, role=user.role))
        return ctx.redirect("/portal/team/")

    @page(portal)
    async def logout(ctx, request):
        portal.sessions.end(ctx.session.sid)
        ctx.set_session(portal.sessions.new(lang=ctx.session.lang))
        return ctx.redirect("/portal/login")

    @page(portal)
    async def language(ctx, request):
        lang = ctx.form.get("lang")
        if lang in i18n.LANGS:
            ctx.session.lang = lang
            portal.sessions.save(ctx.session)
        nxt = str(ctx.form.get("next", ""))
        return ctx.redirect(nxt if re.match(r"^/portal/[A-Za-z0-9/_.%?=&-]*$", nxt) else "/portal/")

    return [
        Route("/portal", home, methods=["GET"]),
        Route("/portal/", home, methods=["GET"]),
        Route("/portal/static/{name}", static, methods=["GET"]),
        Route("/portal/login", login, methods=["GET", "POST"]),
        Route("/portal/logout", logout, methods=["POST"]),
        Route("/portal/lang", language, methods=["POST"]),
    ]


def Guard(app) -> RequestLimits:  # noqa: N802 -- kept as the name callers use
    """ASGI middleware of the portal: query, header and body limits (an upload's body may be
    ``MAX_UPLOAD`` plus its form fields), and the last-resort error page with no trace
    (:class:`lca.server.limits.RequestLimits`)."""
    def max_body(scope) -> int:
        return MAX_UPLOAD + 64 * 1024 if scope.get("path", "").endswith("/upload") else MAX_FORM

    return RequestLimits(app, max_body, plain_page, log)


def plain_page(status: int, text: str) -> Response:
    return HTMLResponse(f"<!doctype html><title>{status}</title><p>{text}</p>", status_code=status, headers=HEADERS)
