"""Submission history: the archived versions of a company's submission, their diff and its effect, restoring one.

Every import is archived by :mod:`lca.supply.archive` (the original file content-addressed,
the parsed submission, who, when). Layout under ``PROJECT/submissions/archive/``::

    files/<sha256><.xlsx|.json>     the original file as imported (content-addressed: one copy per content)
    <COMPANY>/<NNNN>.json          version NNNN: {version, company_id, period {start, end}, imported (UTC),
                                   by, file, sha256, record (the parsed submission as stored)}
    <COMPANY>/log.jsonl            one line per event: imported, withdrawn, restored (who, when, version)

The archive only grows: nothing in it is rewritten or deleted. The stored submission
``submissions/<COMPANY>.json`` names its version (``archive_version``); withdrawing removes
it and restoring puts an archived version back, each through :func:`lca.supply.store.commit`
/ :func:`~lca.supply.store.withdraw` under the project lock (atomic: the ``suppliers``
database and the stored JSON change together or not at all), so an interrupted import or
restore leaves at most an archived version that never became active.

Public API (plain data, for the command line and the portal): :func:`history`,
:func:`record`, :func:`original`, :func:`diff` (lines added, removed and changed, and
``effect``: the change of each dependent product's total per its declared amount),
:func:`restore`.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import InputError, IntegrityError, Severity
from .archive import archive, archive_dir, log_event, sha256_file, versions as _versions, who  # noqa: F401

__all__ = ["archive_dir", "who", "sha256_file", "archive", "log_event", "history", "record", "original", "diff",
           "restore", "effect"]


def _entry(project, company_id: str, version: int) -> dict:
    path = archive_dir(project) / company_id / f"{version:04d}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        known = ", ".join(str(v) for v in _versions(project, company_id)) or "none"
        raise InputError(f"company {company_id!r} has no archived version {version} (versions: {known}); "
                         f"see lca suppliers history {company_id}") from None
    except ValueError as exc:
        raise IntegrityError(f"archived submission {path} is unreadable ({exc})") from exc


def _active_versions(project, company_id: str) -> set[int]:
    """The archived versions stored now: the company's latest period and its earlier ones."""
    d = Path(project.path) / "submissions"
    out = set()
    for path in [d / f"{company_id}.json", *sorted(d.glob(f"{company_id}@*.json"))]:
        try:
            v = json.loads(path.read_text(encoding="utf-8")).get("archive_version")
        except (OSError, ValueError):
            continue
        if v is not None:
            out.add(v)
    return out


def _events(project, company_id: str) -> list[dict]:
    path = archive_dir(project) / company_id / "log.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:  # a line cut by a crash: the versions themselves are intact
            continue
    return out


def history(project, company_id: str) -> list[dict]:
    """Every archived version of a company's submission, oldest first.

    Returns
    -------
    list of dict
        ``{"version", "period" ("START..END"), "period_start", "period_end", "imported" (UTC ISO),
        "by", "file", "sha256", "products", "active" (bool: the version stored now for its period)}``.

    Raises
    ------
    lca.InputError
        When the company has no archived submission.
    """
    versions = _versions(project, company_id)
    if not versions:
        raise InputError(f"no archived submission of company {company_id!r}: see lca suppliers for the companies "
                         "imported")
    active = _active_versions(project, company_id)
    out = []
    for v in versions:
        e = _entry(project, company_id, v)
        p = e.get("period") or {}
        out.append({"version": v, "period": f"{p.get('start')}..{p.get('end')}", "period_start": p.get("start"),
                    "period_end": p.get("end"), "imported": e.get("imported"), "by": e.get("by"),
                    "file": e.get("file"), "sha256": e.get("sha256"),
                    "products": [str(x["product_id"]) for x in e["record"].get("products", [])],
                    "active": v in active})
    return out


def record(project, company_id: str, version: int) -> dict:
    """The parsed submission (the stored record) of an archived version."""
    return _entry(project, company_id, int(version))["record"]


def original(project, company_id: str, version: int) -> Path:
    """The original file of an archived version (content-addressed under ``archive/files``)."""
    e = _entry(project, company_id, int(version))
    if not e.get("sha256"):
        raise InputError(f"version {version} of {company_id} has no archived original file")
    path = archive_dir(project) / "files" / f"{e['sha256']}{e.get('suffix') or ''}"
    if not path.exists():
        raise IntegrityError(f"the original file of {company_id} version {version} ({path}) is missing")
    return path


# ---------------------------------------------------------------- diff

_KEYS = {  # sheet -> the fields that identify a row across versions
    "products": ("product_id",),
    "materials": ("product_id", "line_id"),
    "energy": ("product_id", "carrier", "grid_region", "sourcing"),
    "transport": ("product_id", "mode", "direction"),
    "emissions": ("product_id", "gas"),
    "pcfs": ("pcf_id",),
}
_IGNORED = {"row"}


def _rows(rec: dict, sheet: str) -> dict[tuple, dict]:
    out: dict[tuple, dict] = {}
    for r in rec.get(sheet, []):
        key = tuple(str(r.get(k)) for k in _KEYS[sheet])
        n, k2 = 2, key
        while k2 in out:  # repeated keys (two truck legs) are told apart by order
            k2, n = key + (f"#{n}",), n + 1
        out[k2] = r
    return out


def _line_diff(old: dict, new: dict) -> tuple[list, list, list]:
    added, removed, changed = [], [], []
    for sheet in _KEYS:
        a, b = _rows(old, sheet), _rows(new, sheet)
        for k in b.keys() - a.keys():
            added.append({"sheet": sheet, "key": "/".join(k), "row": b[k].get("row"),
                          "values": {f: v for f, v in b[k].items() if f not in _IGNORED}})
        for k in a.keys() - b.keys():
            removed.append({"sheet": sheet, "key": "/".join(k), "row": a[k].get("row"),
                            "values": {f: v for f, v in a[k].items() if f not in _IGNORED}})
        for k in a.keys() & b.keys():
            fields = {f: [a[k].get(f), b[k].get(f)] for f in sorted(set(a[k]) | set(b[k]))
                      if f not in _IGNORED and a[k].get(f) != b[k].get(f)}
            if fields:
                changed.append({"sheet": sheet, "key": "/".join(k), "row": [a[k].get("row"), b[k].get("row")],
                                "fields": fields})
    order = list(_KEYS)
    for lst in (added, removed, changed):
        lst.sort(key=lambda d: (order.index(d["sheet"]), d["key"]))
    return added, removed, changed


def effect(project, old_records: list[dict], new_records: list[dict], method="GWP100") -> dict[str, float]:
    """Each product's total per its declared amount under two submission sets: ``{ref: new - old}``.

    Both sets are linked and solved here, independently of the ``suppliers`` database: the
    supplier products as a linear system (``x = d + A x``; ``A`` their supplier-to-supplier
    inputs, ``d`` their background inputs at the project's background footprints and their
    emissions at the method's factors). Only products whose total changes are listed.
    """
    from . import store

    m = project.method(method)
    scores = project.footprints(m)
    cfs = _factors(project, m)
    old = _totals(store.build(project, old_records), scores, cfs)
    new = _totals(store.build(project, new_records), scores, cfs)
    out = {}
    for ref in sorted(set(old) | set(new)):
        a, b = old.get(ref), new.get(ref)
        if a is None or b is None:  # a product only one version has: its whole total appears or goes
            out[ref] = (b or 0.0) - (a or 0.0)
            continue
        if abs(b - a) > 1e-9 * max(abs(a), abs(b), 1e-12):
            out[ref] = b - a
    return out


def _factors(project, m) -> dict[str, float]:
    """Biosphere flow code -> characterization factor of method ``m``."""
    bd = project.activate()
    from bw2data.backends import ActivityDataset as AD

    data = bd.Method(m).load()
    ids = {}
    for flow, cf in data:
        ids[flow if isinstance(flow, int) else None] = cf
    codes = dict(AD.select(AD.id, AD.code).where(AD.id.in_([i for i in ids if i is not None])).tuples())
    out = {codes[i]: float(cf if not isinstance(cf, dict) else cf.get("amount", 0.0)) for i, cf in ids.items()
           if i in codes}
    for flow, cf in data:  # (database, code) keys, as older method data store them
        if isinstance(flow, (list, tuple)):
            out[flow[1]] = float(cf if not isinstance(cf, dict) else cf.get("amount", 0.0))
    return out


def _totals(built, scores, cfs: dict[str, float]) -> dict[str, float]:
    """Totals per declared amount of every supplier product of a linked set (plain numpy solve)."""
    import numpy as np

    from . import store

    errors = [i for i in built.issues if i.severity == Severity.ERROR]
    if errors:
        raise InputError(f"the submissions do not link ({len(errors)} problem(s)): " + "; ".join(map(str, errors[:3])))
    codes = [d["code"] for d in built.datasets]
    idx = {c: i for i, c in enumerate(codes)}
    n = len(codes)
    a = np.zeros((n, n))
    d = np.zeros(n)
    for j, ds in enumerate(built.datasets):
        for e in ds["exchanges"]:
            db, code = e["input"]
            if e["type"] == "production":
                continue
            if e["type"] == "biosphere":
                d[j] += e["amount"] * cfs.get(code, 0.0)
            elif db == store.SUPPLIER_DB:
                a[idx[code], j] += e["amount"]
            else:
                d[j] += e["amount"] * float(scores.get(f"{db}:{code}", 0.0))
    x = np.linalg.solve(np.eye(n) - a.T, d) if n else d
    out = {}
    for c, i in idx.items():
        meta = built.activities.get(c) or {}
        if "declared_amount" in meta and not meta.get("unresolved"):
            out[c] = float(x[i]) * float(meta["declared_amount"]) * float(meta["bw_per_declared_unit"])
    return out


def diff(project, company_id: str, old: int | None = None, new: int | None = None, method="GWP100") -> dict:
    """What changed between two versions of a company's submission, and what it did to the totals.

    Parameters
    ----------
    company_id : str
    old, new : int, optional
        Archived versions (default: the two latest).
    method : str or tuple, default ``"GWP100"``

    Returns
    -------
    dict
        ``{"company_id", "old", "new" (versions), "old_period", "new_period", "added", "removed",
        "changed" (lists of rows: sheet, key, row, values or fields {name: [old, new]}), "effect"
        ({"COMPANY/PRODUCT": change of its total per its declared amount [score unit]}: the company's
        products and every stored product that uses them, with the other companies as stored now),
        "score_unit"}``.
    """
    from . import store

    versions = _versions(project, company_id)
    if new is None:
        new = versions[-1] if versions else None
    if old is None:
        earlier = [v for v in versions if new is not None and v < new]
        old = earlier[-1] if earlier else None
    if old is None or new is None:
        raise InputError(f"company {company_id!r} has fewer than two archived versions "
                         f"({', '.join(map(str, versions)) or 'none'}): nothing to compare")
    a, b = record(project, company_id, old), record(project, company_id, new)
    added, removed, changed = _line_diff(a, b)
    others = {c: r for c, r in store.load_all(project).items() if c != company_id}
    m = project.method(method)
    eff = effect(project, [others[c] for c in sorted(others)] + [a], [others[c] for c in sorted(others)] + [b], m)
    period = lambda r: f"{r['supplier'].get('reporting_period_start')}..{r['supplier'].get('reporting_period_end')}"  # noqa: E731
    return {"company_id": company_id, "old": old, "new": new, "old_period": period(a), "new_period": period(b),
            "added": added, "removed": removed, "changed": changed, "effect": eff,
            "score_unit": project.calc.score_unit(m)}


def restore(project, company_id: str, version: int, by: str | None = None) -> dict:
    """Make an archived version the stored submission again (atomic; the archive is unchanged).

    Links the full set with that version first (an error changes nothing), then stores it through
    :func:`lca.supply.store.commit` under the project lock. Returns ``{"company_id", "version",
    "products"}``.
    """
    from . import store

    rec = record(project, company_id, int(version))
    with project.lock():
        store.commit(project, [rec], restored=True)
        log_event(project, company_id, "restored", int(version), by)
    return {"company_id": company_id, "version": int(version),
            "products": [f"{company_id}/{p['product_id']}" for p in rec.get("products", [])]}
