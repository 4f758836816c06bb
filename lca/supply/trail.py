"""The audit trail to the last dataset: every background dataset a profile's chain reaches, and every own direct line.

A profile's total is ``c^T B x`` for the chain's supply ``x``: the sum, over every activity
of the product system, of its direct characterized emissions (``B^T c``) times its supply.
:func:`background_datasets` lists each background dataset (open or imported, at any depth
of the chain: the national grid three tiers up as much as the steel a workbook line names)
with that contribution, its source, year, geography and database; :func:`direct_lines`
lists the companies' own lines (direct emissions and declared PCFs) with the reporting
period they were declared for. Together they sum to the total (the companies' columns are
what is not background), which the profile checks (:func:`check_sum`).
"""
from __future__ import annotations

import math

import numpy as np

from .. import inventory
from ..errors import LcaError

OWN_KINDS = ("emission", "supplier_pcf")  # line kinds whose contribution is the company's own direct value
SUM_REL = 1e-6  # the trail against the profile total [-]


def _open_meta() -> dict:
    return inventory.load_background().datasets


def background_datasets(project, method: tuple, x: np.ndarray) -> list[dict]:
    """``[{ref, name, contribution, source, year, geography, database}]`` of the background datasets with
    direct emissions in the supply ``x`` (largest first); contribution = their direct emissions x supply."""
    from ..background import release

    calc = project.calc
    cols = calc.columns()
    contrib = calc.direct(method) * x
    idx = np.nonzero(cols["is_bg"] & (contrib != 0))[0]
    idx = idx[np.argsort(-np.abs(contrib[idx]), kind="stable")]
    bd = project.activate()
    imported = release.backgrounds(bd)
    files = _files(project, [r for r in cols["ref"][idx] if r.split(":", 1)[0] in imported])
    opened = _open_meta()
    out = []
    for j in idx:
        ref, db = str(cols["ref"][j]), str(cols["database"][j])
        code = ref.split(":", 1)[1]
        if db == inventory.BACKGROUND_DB:
            meta = opened.get(code.split("@")[0], {})
            source, year = meta.get("source"), meta.get("year")
        else:
            meta = imported.get(db, {})
            rel = " ".join(str(v) for v in (meta.get("release"), meta.get("system_model")) if v)
            source = f"{db} ({meta.get('kind')}{', ecoinvent ' + rel if rel else ''}): {files.get(ref) or code}"
            year = files.get(ref + "#year")
        out.append({"ref": ref, "name": str(cols["name"][j]), "contribution": float(contrib[j]),
                    "source": source, "year": year, "geography": cols["location"][j], "database": db})
    return out


def _files(project, refs: list[str]) -> dict:
    """ref -> the file (ecoSpold2) or source key of an imported dataset, and ``ref#year`` when it has one."""
    if not refs:
        return {}
    from bw2data.backends import ActivityDataset as AD

    out = {}
    by_db: dict[str, list[str]] = {}
    for r in refs:
        db, code = r.split(":", 1)
        by_db.setdefault(db, []).append(code)
    for db, codes in by_db.items():
        for i in range(0, len(codes), 500):
            for code, data in AD.select(AD.code, AD.data).where(
                    (AD.database == db) & (AD.code << codes[i:i + 500])).tuples():
                out[f"{db}:{code}"] = data.get("filename") or code
                year = data.get("year") or _year_of(data.get("time period") or data.get("time_period"))
                if year:
                    out[f"{db}:{code}#year"] = year
    return out


def _year_of(period) -> int | None:
    """The end year of a period dict/str (``{'end': '2023-12-31'}``, ``2020-2023``), else None."""
    if isinstance(period, dict):
        period = period.get("end") or period.get("endDate") or period.get("start")
    text = str(period or "")
    digits = [int(text[k:k + 4]) for k in range(len(text) - 3) if text[k:k + 4].isdigit()]
    return digits[-1] if digits else None


def direct_lines(line_items: list[dict], activities: dict) -> list[dict]:
    """The companies' own lines (direct emissions, declared PCFs) of ``line_items`` with the reporting
    period of their product: ``{product, company, file, sheet, row, kind, material, contribution,
    period_start, period_end}``."""
    out = []
    for i in line_items:
        if i["kind"] not in OWN_KINDS:
            continue
        meta = activities.get(i["product"], {})
        out.append({"product": i["product"], "company": i["company"], "file": i["file"], "sheet": i["sheet"],
                    "row": i["row"], "kind": i["kind"], "material": i["material"],
                    "contribution": float(i["contribution"]),
                    "period_start": meta.get("reporting_period_start"),
                    "period_end": meta.get("reporting_period_end")})
    return out


def check_sum(total: float, datasets: list[dict], own: list[dict], where: str) -> None:
    """The trail sums to the total (else a bug: LcaError asking for a report)."""
    summed = sum(d["contribution"] for d in datasets) + sum(d["contribution"] for d in own)
    scale = sum(abs(d["contribution"]) for d in datasets) + sum(abs(d["contribution"]) for d in own)
    if not math.isclose(summed, total, rel_tol=SUM_REL, abs_tol=SUM_REL * scale + 1e-12):
        raise LcaError(f"internal check failed: the background datasets and own lines of {where} sum to "
                       f"{summed!r}, the total is {total!r}; please report this")


def of(project, method: tuple, x: np.ndarray, items: list[dict], activities: dict, total: float, where: str,
       check: bool = True) -> tuple[list[dict], list[dict]]:
    """(background datasets, own direct lines) of a profile's chain; checked to sum to ``total``."""
    datasets = background_datasets(project, method, x)
    own = direct_lines(items, activities)
    if check:
        check_sum(total, datasets, own, where)
    return datasets, own
