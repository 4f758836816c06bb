"""What a submission changes against the supplier's stored (previously accepted) data, for the review page.

Before acceptance: the products added and removed, the rows per sheet before
and after, and the *effect*: the change of each affected product's total
(the company's own products and every stored product that uses them), from
:func:`lca.supply.history.effect` (both submission sets linked and solved
independently of the stored database). After acceptance: the line-by-line
diff of the accepted version against the previous one,
:func:`lca.supply.history.diff`. Computed once per upload and stored data
(``upload-N.changes.json``), since the effect solves the supply chain twice.
"""
from __future__ import annotations

from ..errors import LcaError
from . import datarequests as dr
from . import files
from .workflow import project_lock

SHEETS = ("Products", "Materials", "Energy", "Transport", "Emissions", "SupplierPCFs")


def _signature(project) -> int:
    from ..supply.store import submissions_dir

    try:
        return submissions_dir(project).stat().st_mtime_ns
    except FileNotFoundError:
        return 0


_KEYS = {"Products": "products", "Materials": "materials", "Energy": "energy", "Transport": "transport",
         "Emissions": "emissions", "SupplierPCFs": "pcfs"}


def _count(rec: dict | None, sheet: str) -> int:
    """Rows of ``sheet`` in a stored submission record (0 without one)."""
    return len((rec or {}).get(_KEYS[sheet]) or [])


def changes(project, rid: str) -> dict:
    """``{"available", "first", "products_added", "products_removed", "rows", "effect", "score_unit",
    "diff"}`` for request ``rid``'s submission (``available`` False with ``why`` when it cannot be told)."""
    rec = dr.get(project.path, rid)
    n = (rec or {}).get("submitted")
    if not rec or not n:
        return {"available": False, "why": "nothing submitted"}
    folder = dr.upload_dir(project.path, rid)
    key = _signature(project)
    cached = files.read_json(folder / f"upload-{n}.changes.json")
    if isinstance(cached, dict) and cached.get("signature") == key and cached.get("state") == rec["state"]:
        return cached
    try:
        from ..supply import history
    except ImportError:
        return {"available": False, "why": "submission history is not in this version"}
    up = next(u for u in rec["uploads"] if u["n"] == n)
    company = rec["company_id"]
    try:
        with project_lock:
            out = _compute(project, history, company, folder / up["file"], rec)
    except LcaError as exc:
        out = {"available": False, "why": str(exc).splitlines()[0][:300]}
    out.update(signature=key, state=rec["state"])
    files.write_json(folder / f"upload-{n}.changes.json", out)
    return out


def _compute(project, history, company: str, path, rec: dict) -> dict:
    from ..supply import importer, store

    stored = store.load_all(project)
    if rec["state"] == "accepted":  # imported: the archive's own diff of the two latest versions
        versions = history.history(project, company)
        if len(versions) < 2:
            return {"available": True, "first": True, "accepted": True}
        d = history.diff(project, company)
        return {"available": True, "first": False, "accepted": True, "diff": d, "effect": d["effect"],
                "score_unit": d["score_unit"]}
    result = importer.read_file(path, importer.resolver())
    if not result.records:
        return {"available": False, "why": "the submission cannot be read"}
    new = result.records[0]
    old = stored.get(company)
    others = [stored[c] for c in sorted(stored) if c != company]
    m = project.method("GWP100")
    effect = history.effect(project, others + ([old] if old else []), others + [new], m)
    before = {p["product_id"] for p in (old or {}).get("products", [])}
    after = {p["product_id"] for p in new.get("products", [])}
    return {"available": True, "first": old is None, "accepted": False,
            "products_added": sorted(after - before), "products_removed": sorted(before - after),
            "rows": {s: [_count(old, s), _count(new, s)] for s in SHEETS}, "effect": effect,
            "score_unit": project.calc.score_unit(m)}
