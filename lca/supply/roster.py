"""Supplier roster: every expected supplier and its state -- answered, stale or missing -- for the team's follow-up.

Expected suppliers are the companies stored and every company a stored submission
references (a ``supplier_product`` line ``COMPANY/PRODUCT``). A stored company is
``answered``, or ``stale`` when its latest period ended more than
:func:`lca.supply.periods.stale_after_days` ago; a referenced company with no
submission is ``missing`` (with the products that wait for it).
"""
from __future__ import annotations

from datetime import date

from . import periods, store

__all__ = ["STATES", "roster"]

STATES = ("answered", "stale", "missing")


def roster(project, today: date | None = None) -> list[dict]:
    """Every expected supplier, stored ones first (by company id), then the missing ones.

    Returns
    -------
    list of dict
        Stored: the fields of :func:`lca.supply.store.submissions` plus ``state`` (answered | stale),
        ``periods`` (the reporting years stored) and ``referenced_by``; missing: ``{"company_id", "state":
        "missing", "referenced_by": ["COMPANY/PRODUCT", ...], "products": [the products referenced]}``.
    """
    today = today or date.today()
    latest, older = store.load_periods(project)
    refs: dict[str, set[str]] = {}
    wanted: dict[str, set[str]] = {}
    for cid, rec in latest.items():
        for m in rec.get("materials", []):
            ref = str(m.get("reference") or "")
            if m.get("source") == "supplier_product" and "/" in ref and ref.split("/")[0] != cid:
                refs.setdefault(ref.split("/")[0], set()).add(f"{cid}/{m.get('product_id')}")
                wanted.setdefault(ref.split("/")[0], set()).add(ref.split("/", 1)[1])
    limit = periods.stale_after_days()
    out = []
    for s in store.submissions(project):
        cid = s["company_id"]
        end = s.get("reporting_period_end")
        try:
            age = (today - date.fromisoformat(str(end)[:10])).days if end else None
        except ValueError:
            age = None
        out.append({**s, "state": "stale" if age is not None and age > limit else "answered",
                    "periods": periods.periods_of(latest, older, cid),
                    "referenced_by": sorted(refs.get(cid, ()))})
    for cid in sorted(set(refs) - set(latest)):
        out.append({"company_id": cid, "company_name": None, "state": "missing",
                    "referenced_by": sorted(refs[cid]), "products": sorted(wanted[cid])})
    return out
