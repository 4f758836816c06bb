"""Reporting periods: each company's submissions kept per reporting year, linked per period, checked for cover and age.

A company's submission for its **latest** reporting year is stored as
``submissions/<COMPANY>.json`` and its products are ``COMPANY/PRODUCT`` in the
``suppliers`` database, as always. A submission for an **earlier** year Y is kept beside
it (``submissions/<COMPANY>@Y.json``) and linked as ``COMPANY/PRODUCT@Y``: its
``supplier_product`` lines use each supplier's submission for year Y where one is stored,
else that supplier's nearest earlier year, else its latest (:func:`expand`). The period of
a record is the year its ``reporting_period_end`` falls in.

A profile is of one period (``lca profile PRODUCT --period 2025``; default the latest):
:func:`root_for` picks the product code; :func:`period_warnings` names every product of the
chain whose period does not cover the profile's (both periods named) and every submission
older than the stale age (:func:`stale_after_days`: ``LCA_STALE_AFTER_DAYS``, default 730 days
after its period ended: an estimate of an annual reporting cycle plus a year's grace);
:func:`against` gives the change of a profile by supplier, material and stage against
another period.
"""
from __future__ import annotations

import copy
import os
from datetime import date

from ..errors import InputError

__all__ = ["year_of", "SEPARATOR", "stem", "place", "expand", "root_for", "periods_of", "stale_after_days",
           "period_warnings", "against"]

SEPARATOR = "@"
STALE_AFTER_DAYS = 730  # estimate: a yearly reporting cycle plus one year's grace; LCA_STALE_AFTER_DAYS overrides


def year_of(rec: dict) -> int | None:
    """The reporting year of a stored record (the year its period ends), or None."""
    end = (rec.get("supplier") or {}).get("reporting_period_end")
    try:
        return int(str(end)[:4]) if end else None
    except ValueError:
        return None


def stem(company_id: str, year: int | None = None) -> str:
    """The stored file stem: ``COMPANY`` (the latest period) or ``COMPANY@YEAR``."""
    return company_id if year is None else f"{company_id}{SEPARATOR}{year}"


def place(latest: dict[str, dict], older: dict[str, dict[int, dict]], rec: dict) -> list[tuple[str, dict | None]]:
    """Put a new record among the stored ones (in place); returns the file changes ``[(stem, record)]``.

    A record of the company's latest year (or later) becomes the latest; the previous latest of an
    earlier year moves to ``COMPANY@YEAR``; a record of an earlier year replaces that year's.
    """
    cid = rec["supplier"]["company_id"]
    y = year_of(rec)
    cur = latest.get(cid)
    cy = year_of(cur) if cur is not None else None
    if cur is None or y is None or cy is None or y >= cy:
        latest[cid] = rec
        changes = [(stem(cid), rec)]
        if cur is not None and cy is not None and y is not None and y > cy:
            older.setdefault(cid, {})[cy] = cur
            changes.append((stem(cid, cy), cur))
        return changes
    older.setdefault(cid, {})[y] = rec
    return [(stem(cid, y), rec)]


def _suffix(pid: str, year: int) -> str:
    return f"{pid}{SEPARATOR}{year}"


def _ref_for(ref: str, year: int, latest: dict, older: dict) -> str:
    """A ``COMPANY/PRODUCT`` reference of a year-``year`` record -> the code of the supplier's period used."""
    cid, _, pid = ref.partition("/")
    if cid not in latest:
        return ref  # unresolved either way
    ly = year_of(latest[cid])
    if ly is not None and ly == year:
        return ref
    years = sorted(y for y in older.get(cid, {}) if y <= year)
    if years:
        return f"{cid}/{_suffix(pid, years[-1])}"
    return ref  # the latest: a later period, flagged by the profile as not covering


def expand(latest: dict[str, dict], older: dict[str, dict[int, dict]]) -> list[dict]:
    """The records to link: the latest of each company as stored, then every earlier year's with its
    product ids, PCF ids and references rewritten to that period (``P@2024``); sorted, deterministic."""
    out = [latest[c] for c in sorted(latest)]
    for cid in sorted(older):
        for y in sorted(older[cid]):
            if cid in latest and year_of(latest[cid]) == y:
                continue
            rec = copy.deepcopy(older[cid][y])
            for p in rec.get("products", []):
                p["product_id"] = _suffix(str(p["product_id"]), y)
            for pcf in rec.get("pcfs", []):
                pcf["pcf_id"] = _suffix(str(pcf["pcf_id"]), y)
            for key in ("materials", "energy", "transport", "emissions"):
                for r in rec.get(key, []):
                    r["product_id"] = _suffix(str(r["product_id"]), y)
            for m in rec.get("materials", []):
                if m.get("source") == "supplier_product" and m.get("reference"):
                    m["reference"] = _ref_for(str(m["reference"]), y, latest, older) \
                        if str(m["reference"]).split("/")[0] != cid else f"{cid}/{_suffix(str(m['reference']).split('/', 1)[1], y)}"
                elif m.get("source") == "supplier_pcf" and m.get("reference"):
                    m["reference"] = _suffix(str(m["reference"]), y)
            rec["period_of"] = y
            out.append(rec)
    return out


def periods_of(latest: dict[str, dict], older: dict[str, dict[int, dict]], company_id: str) -> list[int]:
    """The reporting years stored for a company, ascending."""
    ys = set(older.get(company_id, {}))
    if company_id in latest and year_of(latest[company_id]) is not None:
        ys.add(year_of(latest[company_id]))
    return sorted(ys)


def root_for(product: str, period, latest: dict, older: dict) -> str:
    """The code of ``COMPANY/PRODUCT`` in reporting year ``period`` (None: the latest)."""
    text = str(product).strip()
    if text.startswith("suppliers:"):
        text = text.split(":", 1)[1]
    if period is None or SEPARATOR in text:
        return text
    cid = text.split("/", 1)[0]
    try:
        year = int(str(period)[:4])
    except ValueError:
        raise InputError(f"--period {period!r}: give a reporting year such as 2025") from None
    ys = periods_of(latest, older, cid)
    if year not in ys:
        raise InputError(f"{cid} has no submission for the reporting period {year} (stored: "
                         f"{', '.join(map(str, ys)) or 'none'}); import its {year} workbook or choose one of those")
    if cid in latest and year_of(latest[cid]) == year:
        return text
    return f"{text}{SEPARATOR}{year}"


def stale_after_days() -> int:
    """[days] After its period ends, a submission is stale (``LCA_STALE_AFTER_DAYS``, default 730)."""
    try:
        return int(os.environ.get("LCA_STALE_AFTER_DAYS", STALE_AFTER_DAYS))
    except ValueError:
        return STALE_AFTER_DAYS


def _d(text) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10])
    except (TypeError, ValueError):
        return None


def period_warnings(activities: dict, reach: list[str], root: str, today: date | None = None,
                    stale_days: int | None = None) -> list[str]:
    """Warnings for the products of a chain: a period that does not cover the root's (both named), a stale one."""
    today = today or date.today()
    stale_days = stale_after_days() if stale_days is None else stale_days
    r = activities.get(root) or {}
    r0, r1 = _d(r.get("reporting_period_start")), _d(r.get("reporting_period_end"))
    out = []
    for code in reach:
        meta = activities.get(code) or {}
        s, e = _d(meta.get("reporting_period_start")), _d(meta.get("reporting_period_end"))
        if code != root and r0 and r1 and s and e and (e < r0 or s > r1):
            out.append(f"period_mismatch: {code} ({meta.get('company_name')}) reports the period {s}..{e}, which "
                       f"does not cover {root}'s period {r0}..{r1}: used as the closest submission stored; ask "
                       f"{meta.get('company_id')} for its {r1.year} data")
        if e and (today - e).days > stale_days:
            out.append(f"stale_submission: {code} ({meta.get('company_name')}) reports the period {s}..{e}, "
                       f"{(today - e).days} days ago (more than {stale_days}, LCA_STALE_AFTER_DAYS): ask "
                       f"{meta.get('company_id')} for a current submission")
    return out


def against(new, old) -> dict:
    """The change of a profile against another period's: totals and by supplier, material and stage.

    ``new``, ``old``: :class:`lca.CarbonProfile` of the same product in two periods. Returns
    ``{"product", "period", "against" ("START..END" each), "score_unit", "total": {"new", "old", "change"},
    "by_supplier", "by_material", "by_stage": {label: {"new", "old", "change"}}}`` [score unit per declared
    amount].
    """
    def period(p):
        return f"{p.reference_period[0]}..{p.reference_period[1]}"

    out = {"product": new.product, "period": period(new), "against": period(old), "score_unit": new.score_unit,
           "total": {"new": float(new.total), "old": float(old.total), "change": float(new.total - old.total)}}
    for dim in ("supplier", "material", "stage"):
        x, y = old.by_dict(dim), new.by_dict(dim)
        out[f"by_{dim}"] = {k: {"new": float(y.get(k, 0.0)), "old": float(x.get(k, 0.0)),
                                "change": float(y.get(k, 0.0) - x.get(k, 0.0))} for k in sorted(set(x) | set(y))}
    return out
