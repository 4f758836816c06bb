"""What the team's dashboard shows: the supplied products, a product's carbon profile and its coverage shares.

:func:`products` lists the stored supplier products (``COMPANY/PRODUCT``,
company name, period) from :func:`lca.supply.store.submissions`, cached until
the submissions directory changes. :func:`profile_view` computes one
product's profile with the project's own :meth:`lca.Project.profile` (the
same numbers as ``lca profile``) and returns the total, the breakdowns by
tier, supplier, material, stage, gas and region, and the shares: covered by
accepted supplier data (the part of the total whose supplier company has an
accepted portal request), primary data, green factory, green electricity and
recycled content (as the profile defines them); :func:`declaration_file`
writes a battery product's declaration (``lca declare``) for download. Results are cached per
product until the stored submissions or the accepted requests change. Nobody
has to run ``lca profile`` first: :func:`warm` queues the profiles a page shows
(and those an accepted import changes) for one background thread, which
computes them one at a time off the event loop; until a product's figures are
ready the page says so and asks :func:`status` again (``/portal/team/shares``).
"""
from __future__ import annotations

import logging
import math
import threading
import uuid
from pathlib import Path

from ..errors import LcaError, LockTimeout
from . import datarequests as dr
from .workflow import project_lock

DIMENSIONS = ("tier", "supplier", "material", "stage", "gas", "region")
_cache: dict = {}
_lock = threading.Lock()
_queue: dict = {}        # (project path, ref) -> project: the profiles to compute, in order (dicts keep it)
_worker: list = [None]   # the background thread computing them, while there are any
log = logging.getLogger("lca.portal")


def _signature(project) -> int:
    from ..supply.store import submissions_dir

    try:
        return submissions_dir(project).stat().st_mtime_ns
    except FileNotFoundError:
        return 0


def products(project) -> list[dict]:
    """``[{"ref", "company_id", "company_name", "product_id", "period"}]``, sorted by ref."""
    from ..supply.store import submissions

    key = ("products", str(project.path), _signature(project))
    with _lock:
        if key in _cache:
            return _cache[key]
    with project_lock:
        rows = submissions(project)
    out = [{"ref": f"{r['company_id']}/{p}", "company_id": r["company_id"], "company_name": r["company_name"],
            "product_id": p, "period": [r["reporting_period_start"], r["reporting_period_end"]]}
           for r in rows for p in r["products"]]
    out.sort(key=lambda r: r["ref"])
    with _lock:
        for k in [k for k in _cache if k[0] == "products" and k[1] == str(project.path)]:
            del _cache[k]
        _cache[key] = out
    return out


def accepted_companies(project_path) -> frozenset:
    return dr.accepted_companies(project_path)


def _finite(x):
    return float(x) if x is not None and math.isfinite(float(x)) else None


def profile_view(project, ref: str) -> dict:
    """The product's profile for the dashboard (see the module docstring); ``{"error": text}`` if refused."""
    accepted = accepted_companies(project.path)
    key = ("profile", str(project.path), ref, _signature(project), accepted)
    with _lock:
        if key in _cache:
            return _cache[key]
    names = {p["company_name"]: p["company_id"] for p in products(project)}
    try:
        with project_lock:
            prof = project.profile(ref)
    except LockTimeout as exc:  # the project is busy for now: shown, not kept (the next look tries again)
        return {"ref": ref, "error": str(exc).splitlines()[0][:500]}
    except LcaError as exc:  # kept like a result until the data change: the refusal does not change either
        out = {"ref": ref, "error": str(exc).splitlines()[0][:500]}
        with _lock:
            _cache[key] = out
        return out
    total = prof.total
    breakdowns = {}
    for dim in DIMENSIONS:
        df = prof.by(dim)
        breakdowns[dim] = [{"label": str(lab), "score": float(s)} for lab, s in zip(df[dim], df["score"])]
    covered = sum(b["score"] for b in breakdowns["supplier"] if names.get(b["label"]) in accepted)
    pct = (lambda x: 100.0 * x / total) if total else (lambda x: None)
    out = {"ref": ref, "name": prof.name, "company": prof.company, "total": total, "unit": prof.score_unit,
           "declared_unit": prof.declared_unit, "declared_amount": prof.declared_amount,
           "supplier_share": pct(covered), "primary_share": _finite(prof.primary_data_share),
           "green_factory_share": _finite(prof.green_factory_share),
           "green_electricity_share": _finite(prof.green_electricity_share),
           "recycled_share": _finite(prof.recycled_share), "breakdowns": breakdowns,
           "complete": prof.complete, "warnings": list(prof.warnings)[:20]}
    with _lock:
        if len(_cache) > 2000:
            _cache.clear()
        _cache[key] = out
    return out


def cached_views(project, refs) -> dict:
    """``{ref: view}`` of the profiles already computed for the current data (the product list's columns)."""
    accepted = accepted_companies(project.path)
    sig = _signature(project)
    with _lock:
        return {r: _cache[k] for r in refs if (k := ("profile", str(project.path), r, sig, accepted)) in _cache}


def _key(project, ref, sig=None, accepted=None) -> tuple:
    sig = _signature(project) if sig is None else sig
    accepted = accepted_companies(project.path) if accepted is None else accepted
    return ("profile", str(project.path), ref, sig, accepted)


def warm(project, refs, first: bool = False) -> None:
    """Queue the profiles of ``refs`` not computed for the current data (``first``: before the others) and
    make sure the background thread runs; returns at once."""
    sig, accepted = _signature(project), accepted_companies(project.path)
    with _lock:
        for ref in refs:
            item = (str(project.path), ref)
            if _key(project, ref, sig, accepted) in _cache:
                continue
            if first:
                _queue.pop(item, None)
                rest = dict(_queue)
                _queue.clear()
                _queue[item] = project
                _queue.update(rest)
            else:
                _queue.setdefault(item, project)
        if _queue and (_worker[0] is None or not _worker[0].is_alive()):
            _worker[0] = threading.Thread(target=_compute_queued, name="lca-portal-profiles", daemon=True)
            _worker[0].start()


def _compute_queued() -> None:
    """The background thread: computes the queued profiles one by one (each under the project lock)."""
    while True:
        with _lock:
            if not _queue:
                _worker[0] = None
                return
            item, project = next(iter(_queue.items()))
        try:
            profile_view(project, item[1])
        except Exception:  # noqa: BLE001 - one product's failure must not stop the others; logged, no trace shown
            ref = uuid.uuid4().hex[:8]
            log.exception("portal: the profile of %s could not be computed (reference %s)", item[1], ref)
            with _lock:  # not kept as a refusal: the page shows the reference, the next change tries again
                _cache[_key(project, item[1])] = {"ref": item[1], "error": f"internal error (reference {ref}, in the "
                                                  "server log); run `lca profile` on it to see the cause"}
        finally:
            with _lock:
                _queue.pop(item, None)


def status(project, refs) -> dict:
    """``{ref: {"pending": bool, "supplier_share", "primary_share", "total", "error"}}`` for the page's poll."""
    views = cached_views(project, refs)
    with _lock:
        queued = {ref for (path, ref) in _queue if path == str(project.path)}
    out = {}
    for ref in refs:
        v = views.get(ref)
        if v is None:
            out[ref] = {"pending": ref in queued}
        else:
            out[ref] = {"pending": False, "error": v.get("error"), "total": v.get("total"),
                        "supplier_share": v.get("supplier_share"), "primary_share": v.get("primary_share")}
    return out


def report_files(project, ref: str, folder) -> dict:
    """Write the product's Excel report and PACT JSON into ``folder``; ``{"excel": path, "pact": path}``."""
    from ..results import dumps

    with project_lock:
        prof = project.profile(ref)
        safe = ref.replace("/", "_")
        excel = prof.to_excel(folder / f"{safe}.xlsx")
        pact = folder / f"{safe}.pact.json"
        pact.write_text(dumps(prof.to_pact(), indent=2), encoding="utf-8")
    return {"excel": excel, "pact": pact}


def declaration_file(project, ref: str, form: dict, folder, lang: str) -> Path:
    """The battery declaration of product ``ref`` (:meth:`lca.Project.declare`, as ``lca declare``) under the
    rule set and use figures of ``form``, written as Excel (``fmt=xlsx``) or JSON into ``folder``."""
    from ..errors import InputError

    def number(key):
        text = str(form.get(key) or "").strip()
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            raise InputError(f"{key} {text!r}: give a number") from None

    options = {"usable_kwh": number("usable_kwh"), "cycles_per_year": number("cycles_per_year"),
               "service_years": number("service_years"),
               "vehicle_category": (str(form.get("vehicle_category") or "").strip() or None),
               "draft": form.get("draft") == "1"}
    with project_lock:
        dec = project.declare(ref, str(form.get("rules") or "eu-2024-draft"),
                              **{k: v for k, v in options.items() if v not in (None, False)})
    safe = ref.replace("/", "_")
    if form.get("fmt") == "json":
        out = Path(folder) / f"{safe}.declaration.json"
        out.write_text(dec.to_json(indent=1), encoding="utf-8")
    else:
        out = Path(folder) / f"{safe}.declaration.xlsx"
        dec.to_excel(out, lang="zh" if lang == "zh" else "en")
    return out
