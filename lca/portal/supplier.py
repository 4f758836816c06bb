"""The supplier's pages, reached through an invitation link and limited to that link's company.

``/portal/s/TOKEN`` checks the token (unknown, revoked or expired: refused)
and starts a supplier session bound to the request's company; every page
then serves only that company's requests (another company's request, file or
report is ``403``). A request page offers the prefilled template (``en``/``zh``),
the upload form, every issue of the latest check cell by cell in the
workbook's language with the fix, the annotated copy, the submit button (no
errors only) and the team's decision with its reason.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from ..errors import LcaError
from . import datarequests as dr
from . import workflow
from .web import XLSX, page


def routes(portal) -> list[Route]:
    def own(ctx, rid):
        """The request if it is the session's company's, else None (the caller answers 403)."""
        rec = dr.get(portal.path, rid)
        if rec is None or rec["company_id"] != ctx.session.company or rec["state"] == "withdrawn":
            return None
        return rec

    @page(portal)
    async def open_link(ctx, request):
        try:
            rec = dr.by_token(portal.path, request.path_params["token"])
        except dr.LinkRefused as exc:
            return ctx.message(ctx.t.link_refused.format(why=ctx.t["why_" + exc.reason]), 403)
        ctx.set_session(portal.sessions.rotate(ctx.session, kind="supplier", company=rec["company_id"],
                                               rid=rec["id"]))
        if rec["state"] in ("draft", "sent"):
            dr.transition(portal.path, rec["id"], "opened", None, allowed_from=("draft", "sent"))
        return ctx.redirect(f"/portal/supplier/r/{rec['id']}")

    @page(portal, "supplier")
    async def index(ctx, request):
        rows = [r for r in dr.listing(portal.path, ctx.session.company) if r["state"] != "withdrawn"]
        return ctx.render("supplier_index.html", rows=rows, company=ctx.session.company)

    @page(portal, "supplier")
    async def show(ctx, request):
        rec = own(ctx, request.path_params["rid"])
        if rec is None:
            return ctx.forbidden()
        latest = rec["uploads"][-1] if rec["uploads"] else None
        n = int(request.query_params.get("u", latest["n"] if latest else 0) or 0)
        shown = next((u for u in rec["uploads"] if u["n"] == n), None)
        report = workflow.upload_report(portal.path, rec["id"], n) if shown else None
        return ctx.render("supplier_request.html", r=rec, upload=shown, report=report,
                          max_mb=workflow.MAX_UPLOAD // 2 ** 20)

    @page(portal, "supplier")
    async def template(ctx, request):
        rec = own(ctx, request.path_params["rid"])
        if rec is None:
            return ctx.forbidden()
        lang = "zh" if request.query_params.get("lang") == "zh" else "en"
        tmp = Path(tempfile.mkdtemp(prefix="lca-portal-"))
        out = await run_in_threadpool(workflow.prefilled_template, rec, lang, tmp / "template.xlsx")
        resp = ctx.file(out, f"{rec['company_id']}-{rec['id']}-{lang}.xlsx", XLSX)
        resp.background = BackgroundTask(shutil.rmtree, tmp, ignore_errors=True)
        return resp

    @page(portal, "supplier")
    async def upload(ctx, request):
        rec = own(ctx, request.path_params["rid"])
        if rec is None:
            return ctx.forbidden()
        f = ctx.form.get("file")
        if f is None or not hasattr(f, "read"):
            return ctx.message(ctx.t.upload, 400)
        data = await f.read(workflow.MAX_UPLOAD + 1)
        try:
            up = await run_in_threadpool(workflow.check_upload, portal.project(), rec["id"], f.filename or "",
                                         data, ctx.lang)
        except LcaError as exc:
            return ctx.message(str(exc).splitlines()[0], 400)
        return ctx.redirect(f"/portal/supplier/r/{rec['id']}?u={up['n']}")

    @page(portal, "supplier")
    async def submit(ctx, request):
        rec = own(ctx, request.path_params["rid"])
        if rec is None:
            return ctx.forbidden()
        try:
            workflow.submit(portal.path, rec["id"], int(ctx.form.get("n", 0) or 0), by=f"supplier:{rec['company_id']}")
        except (LcaError, ValueError) as exc:
            return ctx.message(str(exc).splitlines()[0], 400)
        return ctx.redirect(f"/portal/supplier/r/{rec['id']}")

    @page(portal, "supplier")
    async def download(ctx, request):
        rec = own(ctx, request.path_params["rid"])
        if rec is None:
            return ctx.forbidden()
        name = request.path_params["name"]
        path = workflow.upload_file(portal.path, rec["id"], name)
        if path is None:
            return ctx.forbidden()
        media = XLSX if name.endswith(".xlsx") else "application/json"
        return ctx.file(path, f"{rec['company_id']}-{name}", media)

    return [
        Route("/portal/s/{token}", open_link, methods=["GET"]),
        Route("/portal/supplier/", index, methods=["GET"]),
        Route("/portal/supplier/r/{rid}", show, methods=["GET"]),
        Route("/portal/supplier/r/{rid}/template.xlsx", template, methods=["GET"]),
        Route("/portal/supplier/r/{rid}/upload", upload, methods=["POST"]),
        Route("/portal/supplier/r/{rid}/submit", submit, methods=["POST"]),
        Route("/portal/supplier/r/{rid}/file/{name}", download, methods=["GET"]),
    ]
