"""The data-request workflow: prefilled template, upload checked by a dry-run import, submit, accept, decline.

One API for the pages and ``lca requests``: :func:`check_upload` stores an
uploaded file (size-limited, ``.xlsx`` or PACT ``.json`` by content) under the
request's directory and validates it with the project's own import in dry-run
mode (:meth:`lca.Project.import_files`, which reads only through the safe
reader :mod:`lca.supply.workbook`), with an annotated copy; the request's
company must be the file's (``company_mismatch``: a supplier cannot write
another company's data). :func:`submit` marks an upload without errors as
the submission; :func:`accept` imports it (the import itself is atomic: all or
nothing) and only then records the decision; :func:`decline` needs a reason.
"""
from __future__ import annotations

import functools
import json
import logging
import re
import threading
import time
from datetime import date
from pathlib import Path

from .. import issue_codes, issue_details
from ..errors import InputError, InputIssue
from . import datarequests as dr
from . import files

log = logging.getLogger("lca.portal")
MAX_UPLOAD = 5 * 2 ** 20  # [bytes] largest upload accepted (a 10,000-line workbook is ~0.5 MB)
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
project_lock = threading.Lock()  # one Brightway operation at a time in a server process


def kind_of(data: bytes) -> str | None:
    """``"xlsx"`` (a zip package), ``"json"`` (a JSON object or list), or None."""
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"{", b"["):
        return "json"
    return None


@functools.lru_cache(maxsize=1)
def _column_names_zh() -> dict:
    """Column key -> its Chinese header in the template (``amount`` -> ``数量``)."""
    from ..supply.sheets import SHEETS

    out: dict = {}
    for spec in SHEETS.values():
        for col in spec.columns:
            out.setdefault(col.key, col.zh)
    return out


def _issue_dict(issue: InputIssue, lang: str) -> dict:
    d = issue.to_dict()
    d["title"], d["fix"] = issue_codes.describe(issue.code, lang)
    d["text"] = issue_codes.message(issue, lang) if lang == "zh" else issue.message
    if lang == "zh":  # the detail in the workbook's language (lca.issue_details), the column by its Chinese name
        d["message"] = issue_details.zh(issue.code, issue.message)
        if issue.column:
            zh = _column_names_zh().get(issue.column)
            d["column_label"] = f"{zh}（{issue.column}）" if zh else issue.column
    return d


def check_upload(project, rid: str, filename: str, data: bytes, page_lang: str = "en") -> dict:
    """Store ``data`` as the next upload of request ``rid`` and validate it (dry run); return the upload record.

    Its issues are in the workbook's language; a file refused before its sheets are read (not a workbook,
    damaged, hostile) has none, and gets ``page_lang``, the language of the page it was uploaded from."""
    rec = dr.get(project.path, rid)
    if rec is None:
        raise InputError(f"no request {rid!r}")
    if rec["state"] in ("withdrawn",):
        raise InputError(f"request {rid} is withdrawn")
    kind = kind_of(data) if len(data) <= MAX_UPLOAD else None
    folder = dr.upload_dir(project.path, rid)
    n = len(rec["uploads"]) + 1
    shown = (_SAFE.sub("_", Path(filename or "upload").name)[-80:] or "upload")
    record = {"n": n, "name": shown, "at": int(time.time()), "kind": kind, "size": len(data)}
    if kind is None:
        issue = InputIssue(None, None, None, "upload_refused",
                           f"{shown}: not an .xlsx workbook or a PACT .json file, or larger than "
                           f"{MAX_UPLOAD // 2 ** 20} MB", "error", shown)
        report = {"ok": False, "lang": page_lang, "products": [], "errors": [issue], "warnings": []}
    else:
        stored = folder / f"upload-{n}.{'xlsx' if kind == 'xlsx' else 'pact.json'}"
        files.write_bytes(stored, data)
        record["file"] = stored.name
        started = time.perf_counter()
        with project_lock:
            waited = time.perf_counter() - started
            rep = project.import_files([stored], dry_run=True)
        log.info("portal: request %s upload %d checked: %d error(s), %d warning(s), %.2f s (%.2f s waiting)",
                 rid, n, len(rep.errors), len(rep.warnings), time.perf_counter() - started, waited)
        errors, warnings = list(rep.errors), list(rep.warnings)
        mine = [p for p in rep.products if p.split("/", 1)[0] == rec["company_id"]]
        others = sorted({p.split("/", 1)[0] for p in rep.products} - {rec["company_id"]})
        if others:
            errors.append(InputIssue(None, None, "company_id", "company_mismatch",
                                     f"the file is company {', '.join(others)}'s data; this request is for "
                                     f"{rec['company_id']}", "error", stored.name))
        if rep.ok:
            have = {p.split("/", 1)[1] for p in mine}
            for pid in rec["products"]:
                if pid not in have:
                    warnings.append(InputIssue(None, None, "product_id", "requested_product_missing",
                                               f"product {pid} was requested but is not in the file",
                                               "warning", stored.name))
        report = {"ok": not errors, "lang": rep.lang, "products": mine if not errors else [],
                  "errors": errors, "warnings": warnings}
        whole_file = any(issue_codes.CATALOGUE.get(i.code) is not None and issue_codes.CATALOGUE[i.code].area == "file"
                         for i in errors)  # refused by the safe reader as a whole: never handed to openpyxl
        if whole_file:  # no sheet was read: the language of the page it came from
            report["lang"] = page_lang
        if kind == "xlsx" and (errors or warnings) and not whole_file:
            record["annotated"] = f"upload-{n}.annotated.xlsx"  # written when first downloaded
    lang = report["lang"]
    out = {"ok": report["ok"], "lang": lang, "products": report["products"],
           "errors": [_issue_dict(i, lang) for i in report["errors"]],
           "warnings": [_issue_dict(i, lang) for i in report["warnings"]]}
    files.write_json(folder / f"upload-{n}.json", out)
    record.update(ok=out["ok"], lang=lang, errors=len(out["errors"]), warnings=len(out["warnings"]))

    def change(r):
        r["uploads"].append(record)
        if r["state"] in ("draft", "sent"):
            dr.record_event(r, "opened", None)

    dr.update(project.path, rid, change)
    return {**record, "report": out}


def upload_report(project_path, rid: str, n: int) -> dict | None:
    """The stored report of upload ``n`` of request ``rid``."""
    return files.read_json(dr.upload_dir(project_path, rid) / f"upload-{int(n)}.json")


def upload_file(project_path, rid: str, name: str) -> Path | None:
    """The path of a stored file of request ``rid`` named as in its upload record, or None."""
    rec = dr.get(project_path, rid)
    up = next((u for u in (rec or {}).get("uploads", []) if name in (u.get("file"), u.get("annotated"))), None)
    if up is None:
        return None
    path = dr.upload_dir(project_path, rid) / name
    if name == up.get("annotated") and not path.is_file():
        _annotate(project_path, rid, up, path)
    return path if path.is_file() else None


def _annotate(project_path, rid: str, up: dict, out: Path) -> None:
    """The annotated copy of an upload (:func:`lca.supply.annotate.annotate`), made on its first download:
    the upload's check answers sooner, and a clean workbook needs none."""
    from ..supply.annotate import annotate

    report = upload_report(project_path, rid, up["n"]) or {}
    fields = ("sheet", "row", "column", "code", "message", "severity", "file")
    issues = [InputIssue(*(i.get(k) for k in fields)) for i in report.get("errors", []) + report.get("warnings", [])]
    tmp = out.with_name(f".{out.stem}.{threading.get_ident()}.tmp.xlsx")
    try:
        annotate(dr.upload_dir(project_path, rid) / up["file"], issues, tmp, report.get("lang"))
        tmp.replace(out)
    except InputError:
        pass  # openpyxl cannot open it: the page's issue list is the same
    finally:
        tmp.unlink(missing_ok=True)


def submit(project_path, rid: str, n: int, by: str | None = None) -> dict:
    """Make upload ``n`` (which must have no errors) the request's submission."""
    def change(rec):
        up = next((u for u in rec["uploads"] if u["n"] == int(n)), None)
        if up is None or not up.get("ok"):
            raise InputError(f"upload {n} of request {rid} has errors: fix them and upload the file again")
        if rec["state"] in ("withdrawn",):
            raise InputError(f"request {rid} is withdrawn")
        rec["submitted"] = up["n"]
        rec["decision"] = None
        dr.record_event(rec, "submitted", by)

    return dr.update(project_path, rid, change)


def open_review(project_path, rid: str, by: str) -> dict:
    """The team opened a submitted request: it is in review."""
    rec = dr.get(project_path, rid)
    if rec and rec["state"] == "submitted":
        return dr.transition(project_path, rid, "in_review", by, allowed_from=("submitted",))
    return rec


def accept(project, rid: str, by: str | None = None) -> dict:
    """Import the request's submission (atomic) and record the acceptance; InputError if the import refuses.

    The check of the state, the import and the record happen under one lock of this process, so two
    clicks on Accept import once; a concurrent ``lca requests review`` is refused by the state check
    of the record (the import itself is all or nothing under the project lock).
    """
    with project_lock:
        rec = dr.get(project.path, rid)
        if rec is None:
            raise InputError(f"no request {rid!r} (see `lca requests list`)")
        if rec["state"] not in ("submitted", "in_review") or not rec.get("submitted"):
            raise InputError(f"request {rid} is {rec['state'].replace('_', ' ')}: only a submitted request can be "
                             "accepted")
        up = next(u for u in rec["uploads"] if u["n"] == rec["submitted"])
        path = dr.upload_dir(project.path, rid) / up["file"]
        report = project.import_files([path])
        if not report.ok:
            raise InputError(f"request {rid}: the import refused the submission (nothing written):\n"
                             + report.summary(), report.errors)
        others = [p for p in report.products if p.split("/", 1)[0] != rec["company_id"]]
        if others:  # checked at upload; the import cannot have changed it, but never let it pass silently
            raise InputError(f"request {rid}: the submission holds other companies' products {others}")

        def change(r):
            if r["state"] not in ("submitted", "in_review"):
                raise InputError(f"request {rid} is {r['state'].replace('_', ' ')} (changed meanwhile)")
            r["decision"] = {"accepted": True, "reason": None, "by": by, "at": int(time.time()),
                             "products": list(report.products)}
            dr.record_event(r, "accepted", by)

        return dr.update(project.path, rid, change)


def decline(project_path, rid: str, reason: str, by: str | None = None) -> dict:
    """Decline the request's submission with ``reason`` (required); the supplier sees it and may resubmit."""
    reason = (reason or "").strip()
    if not reason:
        raise InputError("a decline needs a reason the supplier can act on (--decline REASON)")
    if len(reason) > 2000:
        raise InputError("the reason is longer than 2000 characters")

    def change(r):
        if r["state"] not in ("submitted", "in_review"):
            raise InputError(f"request {rid} is {r['state'].replace('_', ' ')}: only a submitted request can be "
                             "declined")
        r["decision"] = {"accepted": False, "reason": reason, "by": by, "at": int(time.time())}
        dr.record_event(r, "declined", by, reason)

    return dr.update(project_path, rid, change)


def prefilled_template(rec: dict, lang: str, out: Path) -> Path:
    """The blank template (``en``/``zh``) with the request's company id, period and product ids filled in."""
    from openpyxl import load_workbook

    from ..supply.sheets import SHEETS
    from ..supply.template import write_template

    write_template(out, lang)
    wb = load_workbook(out)
    sup, prod = wb.worksheets[1], wb.worksheets[2]
    keys = [c.key for c in SHEETS["Supplier"].columns]
    values = {"company_id": rec["company_id"], "reporting_period_start": date.fromisoformat(rec["period"][0]),
              "reporting_period_end": date.fromisoformat(rec["period"][1])}
    for key, value in values.items():
        cell = sup.cell(keys.index(key) + 2, 2, value)
        if isinstance(value, str):
            cell.data_type = "s"
    pcol = [c.key for c in SHEETS["Products"].columns].index("product_id") + 1
    for i, pid in enumerate(rec["products"]):
        cell = prod.cell(3 + i, pcol, pid)
        cell.data_type = "s"
    wb.save(out)
    return out


def json_dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=False, default=str)
