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
product until the stored submissions or the accepted requests change; the
product list shows the figures of the products computed so far
(:func:`cached_views`), computing one takes a click.
"""
from __future__ import annotations

import math
import threading
from pathlib import Path

from ..errors import LcaError
from . import datarequests as dr
from .workflow import project_lock

DIMENSIONS = ("tier", "supplier", "material", "stage", "gas", "region")
_cache: dict = {}
_lock = threading.Lock()


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
    return frozenset(r["company_id"] for r in dr.listing(project_path) if r["state"] == "accepted")


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
    except LcaError as exc:
        return {"ref": ref, "error": str(exc).splitlines()[0][:500]}
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
