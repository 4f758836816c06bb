"""The team's pages: dashboard, data requests, the review of a submission, report downloads.

The dashboard counts requests by state (and overdue), lists the supplied
products (paged) and shows one product's carbon profile with interactive
breakdowns (plotly, from the package's static route) and its coverage shares
(:mod:`lca.portal.dashboard`). The request pages create, send and withdraw
requests; the review page shows the submission's validation, plausibility
flags and what it changes (:mod:`lca.portal.changes`) and accepts (imports atomically) or declines (reason required) through
:mod:`lca.portal.workflow`, the same API as ``lca requests``. A ``viewer``
may read every page but change nothing.
"""
from __future__ import annotations

import asyncio
import math
import os
import shutil
import tempfile
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..errors import LcaError
from . import changes, dashboard
from . import datarequests as dr
from . import workflow
from .web import HEADERS, XLSX, page

PAGE = 50
WAIT_STEP = 0.05  # [s]
# steps the dashboard waits for the chosen profile before it answers "computing" (1.5 s; LCA_PORTAL_PROFILE_WAIT [s])
WAIT_STEPS = round(float(os.environ.get("LCA_PORTAL_PROFILE_WAIT", "1.5")) / WAIT_STEP)


def _paged(rows, request):
    try:
        n = max(1, int(request.query_params.get("page", 1)))
    except ValueError:
        n = 1
    pages = max(1, math.ceil(len(rows) / PAGE))
    n = min(n, pages)
    return rows[(n - 1) * PAGE:n * PAGE], n, pages


def routes(portal) -> list[Route]:
    @page(portal, "team")
    async def home(ctx, request):
        counts = dr.counts(portal.path)
        project = portal.project()
        prods = await run_in_threadpool(dashboard.products, project)
        rows, n, pages = _paged(prods, request)
        ref = request.query_params.get("product") or (rows[0]["ref"] if rows else None)
        if ref and not any(p["ref"] == ref for p in prods):
            ref = None
        # computed off the event loop by one background thread (the chosen product first); never blocks the page
        shown = [p["ref"] for p in rows]
        await run_in_threadpool(dashboard.warm, project, [ref] if ref else [], True)
        await run_in_threadpool(dashboard.warm, project, shown)
        prof = None
        for step in range(WAIT_STEPS + 1 if ref else 0):  # a short wait: a quick profile shows at once
            prof = dashboard.cached_views(project, [ref]).get(ref)
            if prof is not None or step == WAIT_STEPS:
                break
            await asyncio.sleep(WAIT_STEP)
        views = dashboard.cached_views(project, shown)
        queue = [r for r in dr.listing(portal.path) if r["state"] in ("submitted", "in_review")]
        from ..rules import known

        return ctx.render("team_dashboard.html", rule_sets=known(), counts=counts, states=dr.STATES, products=rows, page_no=n,
                          pages=pages, ref=ref, prof=prof, queue=queue[:20], n_queue=len(queue),
                          dims=dashboard.DIMENSIONS, views=views, pending=bool(ref and prof is None))

    @page(portal, "team")
    async def shares(ctx, request):
        """The figures of the products a page shows, for its poll while they are computed (JSON)."""
        refs = [r for r in request.query_params.get("refs", "").split(",") if r][:PAGE + 1]
        project = portal.project()
        known = {p["ref"] for p in await run_in_threadpool(dashboard.products, project)}
        refs = [r for r in refs if r in known]
        await run_in_threadpool(dashboard.warm, project, refs)
        return JSONResponse(await run_in_threadpool(dashboard.status, project, refs), headers=HEADERS)

    @page(portal, "team")
    async def requests_page(ctx, request):
        state = request.query_params.get("state")
        rows = dr.listing(portal.path)
        if state == "overdue":
            rows = [r for r in rows if r["overdue"]]
        elif state == "queue":  # the review queue: submitted and in review
            rows = [r for r in rows if r["state"] in ("submitted", "in_review")]
        elif state in dr.STATES:
            rows = [r for r in rows if r["state"] == state]
        shown, n, pages = _paged(rows, request)
        return ctx.render("team_requests.html", rows=shown, page_no=n, pages=pages, state=state,
                          total=len(rows))

    @page(portal, "team", write=True)
    async def create(ctx, request):
        f = ctx.form
        products = str(f.get("products", "")).replace(",", "\n").split()
        try:
            out = dr.add(portal.path, str(f.get("company_id", "")).strip(), products,
                         f"{f.get('start', '')}:{f.get('end', '')}", str(f.get("due", "")), by=ctx.session.user,
                         base_url=portal.base_url(request), draft=f.get("draft") == "1")
        except LcaError as exc:
            return ctx.message(str(exc).splitlines()[0], 400)
        rec = dr.get(portal.path, out["id"])
        return ctx.render("team_request.html", r=rec, link=out["link"], report=None, upload=None)

    @page(portal, "team")
    async def show(ctx, request):
        rid = request.path_params["rid"]
        rec = dr.get(portal.path, rid)
        if rec is None:
            return ctx.message(ctx.t.not_found, 404)
        if rec["state"] == "submitted" and ctx.session.role == "team":
            rec = dr.view(workflow.open_review(portal.path, rid, ctx.session.user))
        shown = next((u for u in rec["uploads"] if u["n"] == rec.get("submitted")), None) or (
            rec["uploads"][-1] if rec["uploads"] else None)
        report = workflow.upload_report(portal.path, rid, shown["n"]) if shown else None
        ch = None
        if rec.get("submitted") and rec["state"] in ("in_review", "submitted", "accepted"):
            ch = await run_in_threadpool(changes.changes, portal.project(), rid)
        return ctx.render("team_request.html", r=rec, link=None, report=report, upload=shown, ch=ch)

    async def _act(ctx, request, action):
        rid = request.path_params["rid"]
        if dr.get(portal.path, rid) is None:
            return ctx.message(ctx.t.not_found, 404)
        link = None
        try:
            if action == "send":
                link = dr.send(portal.path, rid, ctx.session.user, base_url=portal.base_url(request))["link"]
            elif action == "revoke":
                dr.revoke(portal.path, rid, ctx.session.user)
            elif action == "accept":
                project = portal.project()
                await run_in_threadpool(workflow.accept, project, rid, ctx.session.user)
                rec = dr.get(portal.path, rid)  # the new figures, computed now rather than on the next view
                prods = await run_in_threadpool(dashboard.products, project)
                mine = [p["ref"] for p in prods if p["company_id"] == rec["company_id"]]
                await run_in_threadpool(dashboard.warm, project, mine + [p["ref"] for p in prods[:PAGE]])
            elif action == "decline":
                reason = str(ctx.form.get("reason", ""))
                if not reason.strip():
                    return ctx.message(ctx.t.need_reason, 400)
                workflow.decline(portal.path, rid, reason, ctx.session.user)
        except LcaError as exc:
            return ctx.render("message.html", status=400, text=str(exc))
        if link:
            return ctx.render("team_request.html", r=dr.get(portal.path, rid), link=link, report=None, upload=None)
        return ctx.redirect(f"/portal/team/requests/{rid}")

    def action(name):
        @page(portal, "team", write=True)
        async def handler(ctx, request):
            return await _act(ctx, request, name)
        handler.__name__ = name
        return handler

    @page(portal, "team")
    async def download(ctx, request):
        rid, name = request.path_params["rid"], request.path_params["name"]
        path = workflow.upload_file(portal.path, rid, name)
        if path is None:
            return ctx.message(ctx.t.not_found, 404)
        rec = dr.get(portal.path, rid)
        return ctx.file(path, f"{rec['company_id']}-{name}", XLSX if name.endswith(".xlsx") else "application/json")

    @page(portal, "team")
    async def report(ctx, request):
        ref, fmt = request.path_params["ref"], request.path_params["fmt"]
        if not any(p["ref"] == ref for p in dashboard.products(portal.project())):
            return ctx.message(ctx.t.not_found, 404)
        tmp = Path(tempfile.mkdtemp(prefix="lca-portal-"))
        try:
            out = await run_in_threadpool(dashboard.report_files, portal.project(), ref, tmp)
        except LcaError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            return ctx.message(str(exc).splitlines()[0], 400)
        path = out["excel"] if fmt == "xlsx" else out["pact"]
        resp = ctx.file(path, Path(path).name, XLSX if fmt == "xlsx" else "application/json")
        resp.background = BackgroundTask(shutil.rmtree, tmp, ignore_errors=True)
        return resp

    @page(portal, "team")
    async def declaration(ctx, request):
        ref = request.query_params.get("product", "")
        if not any(p["ref"] == ref for p in dashboard.products(portal.project())):
            return ctx.message(ctx.t.not_found, 404)
        tmp = Path(tempfile.mkdtemp(prefix="lca-portal-"))
        try:
            out = await run_in_threadpool(dashboard.declaration_file, portal.project(), ref,
                                          dict(request.query_params), tmp, ctx.lang)
        except LcaError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            return ctx.message(str(exc).splitlines()[0], 400)
        resp = ctx.file(out, out.name, "application/json" if out.suffix == ".json" else XLSX)
        resp.background = BackgroundTask(shutil.rmtree, tmp, ignore_errors=True)
        return resp

    return [
        Route("/portal/team/", home, methods=["GET"]),
        Route("/portal/team/shares", shares, methods=["GET"]),
        Route("/portal/team/declaration", declaration, methods=["GET"]),
        Route("/portal/team/requests", requests_page, methods=["GET"]),
        Route("/portal/team/requests", create, methods=["POST"]),
        Route("/portal/team/requests/{rid}", show, methods=["GET"]),
        *[Route(f"/portal/team/requests/{{rid}}/{a}", action(a), methods=["POST"])
          for a in ("send", "revoke", "accept", "decline")],
        Route("/portal/team/requests/{rid}/file/{name}", download, methods=["GET"]),
        Route("/portal/team/report/{fmt:str}/{ref:path}", report, methods=["GET"]),
    ]
