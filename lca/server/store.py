"""Published PACT ProductFootprints and received events, under ``PROJECT/pact/``.

``footprints/ID.json`` holds one record ``{"footprint": <ProductFootprint>,
"access": null | [client names], "source": {...}, "published": <UTC time>}``;
``events/`` the CloudEvents partners sent; ``outbox/`` answers that could not be
delivered. Writers (``lca publish``) hold ``pact/write.lock`` and replace files
atomically, so the server (a reader that never locks) sees whole documents only.

Republishing a product whose footprint changed stores a new footprint whose
``precedingPfIds`` lists the earlier ones and marks those ``Deprecated``;
republishing an unchanged footprint stores nothing (only its access list is
updated, and only when given explicitly). Each record carries ``seq``, its
place in the order of publication (stable paging, :mod:`lca.server.index`).
"""
from __future__ import annotations

import json
import logging
import os
import re
import uuid
import zlib
from datetime import datetime, timezone
from pathlib import Path

from ..errors import InputError
from ..files import file_stamp
from . import files
from .filters import Keys

log = logging.getLogger("lca.server")
FOOTPRINTS = "footprints"
EVENTS = "events"
OUTBOX = "outbox"
CATALOG = "catalog.json"
CATALOG_DIR = "catalog"  # the catalog's product index, in shards
JOURNAL = "footprints.log"  # names of the record files written, one a line (for the server's index)
MAX_JOURNAL_BYTES = 4 * 1024 * 1024
_VOLATILE = ("id", "created", "status", "precedingPfIds")  # not part of a footprint's content
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
_DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
_DECIMALS = ("declaredUnitAmount", "productMassPerDeclaredUnit", "pcfExcludingBiogenicUptake",
             "pcfIncludingBiogenicUptake", "fossilGhgEmissions", "fossilCarbonContent", "exemptedEmissionsPercent",
             "primaryDataShare", "biogenicCarbonContent", "landUseChangeGhgEmissions", "packagingGhgEmissions",
             "outboundLogisticsGhgEmissions")
REQUIRED = ("id", "specVersion", "created", "status", "companyName", "companyIds", "productDescription",
            "productIds", "productNameCompany", "pcf")
PCF_REQUIRED = ("declaredUnitOfMeasurement", "declaredUnitAmount", "productMassPerDeclaredUnit",
                "referencePeriodStart", "referencePeriodEnd", "pcfExcludingBiogenicUptake",
                "pcfIncludingBiogenicUptake", "fossilGhgEmissions", "fossilCarbonContent",
                "ipccCharacterizationFactors", "crossSectoralStandards", "exemptedEmissionsPercent")
GEOGRAPHY = ("geographyCountry", "geographyCountrySubdivision", "geographyRegionOrSubregion")


def utc_now() -> str:
    """The current UTC time as PACT writes it (``2025-01-31T12:00:00Z``)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_footprint(doc: dict, dates: bool = True) -> list[str]:
    """The problems that make ``doc`` an invalid PACT v3 ProductFootprint (empty if none).

    ``dates``: also check that the filters can place its validity period (:class:`Keys`)
    (the server's index builds the keys itself and skips the check).
    """
    problems = [f"missing {k}" for k in REQUIRED if k not in doc]
    if problems:
        return problems
    if not _UUID.match(str(doc["id"])):
        problems.append(f"id {doc['id']!r} is not a lower-case UUID")
    if doc["status"] not in ("Active", "Deprecated"):
        problems.append(f"status {doc['status']!r} is not Active or Deprecated")
    for key in ("created", "validityPeriodStart", "validityPeriodEnd"):
        if key in doc and not _UTC.match(str(doc[key])):
            problems.append(f"{key} {doc[key]!r} is not a UTC date-time ending in Z")
    for key in ("companyIds", "productIds", "productClassifications"):
        if key in doc and (not isinstance(doc[key], list) or not doc[key]
                           or not all(str(x).lower().startswith("urn:") for x in doc[key])):
            problems.append(f"{key} must be a non-empty list of URNs")
    pcf = doc["pcf"]
    problems += [f"missing pcf.{k}" for k in PCF_REQUIRED if k not in pcf]
    for key in ("referencePeriodStart", "referencePeriodEnd"):
        if key in pcf and not _UTC.match(str(pcf[key])):
            problems.append(f"pcf.{key} {pcf[key]!r} is not a UTC date-time ending in Z")
    for key in _DECIMALS:
        if key in pcf and not (isinstance(pcf[key], str) and _DECIMAL.match(pcf[key])):
            problems.append(f"pcf.{key} {pcf[key]!r} is not a decimal string")
    geo = [k for k in GEOGRAPHY if k in pcf]
    if len(geo) != 1:
        problems.append("pcf needs exactly one of geographyCountry, geographyCountrySubdivision, "
                        f"geographyRegionOrSubregion (has {', '.join(geo) or 'none'})")
    if dates and not problems:
        try:
            Keys.of(doc)
        except ValueError as exc:  # QueryError: a date the filters cannot place
            problems.append(str(exc))
    return problems


def _content(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in _VOLATILE}


def _json_files(d: Path) -> list[Path]:
    """The stored ``*.json`` files of ``d``, without hidden ones (a writer's temporary files)."""
    return sorted(p for p in d.glob("*.json") if not p.name.startswith("."))


def _records(d: Path, names: list[str] | None = None) -> list[dict]:
    """The readable records of ``d`` (or of the files ``names`` in it)."""
    out = []
    for p in (_json_files(d) if names is None else [d / n for n in names]):
        try:
            rec = files.read_json(p)
        except ValueError:  # damaged: the server skips it too; publishing goes on without it
            log.warning("skipping damaged footprint record %s", p.name)
            continue
        if isinstance(rec, dict) and isinstance(rec.get("footprint"), dict):
            out.append(rec)
    return out


def _catalog(root: Path, records: list[dict] | None = None, rebuild: bool = False) -> dict:
    """``pact/catalog.json``: ``{"version": 2, "seq": last publication number, "dir": the stamp of
    footprints/ when it was written, "shards": SHARDS}``, with the product index in
    ``pact/catalog/XX.json`` (``{lower-cased product id: [record file names]}``, ``XX`` from a hash of
    the id), so a publish reads and writes only its product's shard, not a list of every record.
    Trusted only while footprints/ has the stamp it names (a record written after it, by a crash
    between a record's write and the catalog's or by hand, changes the directory's stamp); otherwise
    rebuilt from the records. Caller holds the lock."""
    d = root / FOOTPRINTS
    try:
        if rebuild:
            raise ValueError("rebuild asked")
        cat = files.read_json(root / CATALOG, default=None)
        if (cat["version"] == 2 and isinstance(cat["seq"], int) and cat["shards"] == SHARDS
                and cat["dir"] == list(file_stamp(d))):
            return cat
    except (TypeError, KeyError, ValueError):
        pass
    cat = {"version": 2, "seq": 0, "dir": None, "shards": SHARDS}
    shards = {f"{i:02x}": {} for i in range(SHARDS)}
    for rec in (_records(d) if records is None else records):
        name = f"{rec['footprint'].get('id')}.json"
        cat["seq"] = max(cat["seq"], int(rec.get("seq") or 0))
        for p in {str(x).lower() for x in rec["footprint"].get("productIds") or ()}:
            shards[_shard(p)].setdefault(p, []).append(name)
    files.write_all_bytes({root / CATALOG_DIR / f"{key}.json": json.dumps(products, separators=(",", ":")).encode("utf-8")
                           for key, products in shards.items()})  # all shards before the head names them
    _write_catalog(root, cat)
    return cat


SHARDS = 256  # product-index shards of the catalog (a publish reads and writes one of ~N/256 products)


def _shard(product: str) -> str:
    return f"{zlib.crc32(product.encode('utf-8')) % SHARDS:02x}"


def _read_shard(root: Path, key: str) -> dict | None:
    """One product-index shard; None if it is missing or unreadable (the catalog is then rebuilt)."""
    try:
        got = files.read_json(root / CATALOG_DIR / f"{key}.json", default=None)
    except ValueError:
        return None
    return got if isinstance(got, dict) else None


def _write_shard(root: Path, key: str, products: dict) -> None:
    files.write_bytes(root / CATALOG_DIR / f"{key}.json", json.dumps(products, separators=(",", ":")).encode("utf-8"))


def _write_record(d: Path, rec: dict) -> None:
    """Write one record (atomically) and note its file name in the journal ``pact/footprints.log``, which
    the server's index reads to update only what changed (:mod:`lca.server.index`). The temporary file is
    written in ``pact/``, so footprints/ changes only at the rename, right before the journal line (the
    index takes a change that no line explains for a change by hand). Caller holds the lock."""
    name = f"{rec['footprint']['id']}.json"
    files.write_json(d / name, rec, stage=d.parent)
    journal = d.parent / JOURNAL
    try:
        if journal.stat().st_size > MAX_JOURNAL_BYTES:  # start a new one: the index rescans once
            files.write_bytes(journal, b"")
    except FileNotFoundError:
        pass
    fd = os.open(journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (name + "\n").encode("ascii"))
    finally:
        os.close(fd)


def _write_catalog(root: Path, cat: dict) -> None:
    """Write catalog.json last, naming footprints/' stamp now (the records it indexes are written)."""
    cat["dir"] = list(file_stamp(root / FOOTPRINTS))
    files.write_bytes(root / CATALOG, json.dumps(cat, separators=(",", ":")).encode("utf-8"))


KEEP = "keep"  # publish(access=KEEP): a republished product keeps the access list it has


def publish(project_path, doc: dict, access: list[str] | None | str = KEEP, source: dict | None = None) -> dict:
    """Store ``doc`` (a ProductFootprint) for the server; see the module docstring.

    ``access``: a list of client names restricts the footprint to them, ``None``
    makes it public, :data:`KEEP` (the default) keeps the access list of the
    product's current version (public for a product published the first time).
    Publishes are serialized by ``pact/write.lock``; a product left with two Active
    versions by an interrupted version change is repaired first (:func:`repair`).
    Returns ``{"id", "status", "precedingPfIds", "deprecated", "unchanged", "access", "repaired"}``.
    Raises :class:`~lca.errors.InputError` if ``doc`` is not a valid PACT v3 footprint.
    """
    problems = check_footprint(doc)
    if problems:
        raise InputError("refusing to publish an invalid PACT v3 ProductFootprint: " + "; ".join(problems))
    root = files.pact_dir(project_path)
    d = root / FOOTPRINTS
    d.mkdir(exist_ok=True, mode=0o700)
    if access != KEEP:
        access = sorted(set(access)) if access else None
    with files.locked(root):
        cat = _catalog(root)
        product = {str(x).lower() for x in doc["productIds"]}
        shards = {k: _read_shard(root, k) for k in {_shard(p) for p in product}}
        if any(v is None for v in shards.values()):  # a shard lost or damaged: never read as "no versions"
            log.warning("catalog shard missing or damaged: rebuilding the catalog from the records")
            cat = _catalog(root, rebuild=True)
            shards = {k: _read_shard(root, k) or {} for k in shards}
        names = sorted({n for p in product for n in shards[_shard(p)].get(p, ())})
        same = [r for r in _records(d, names) if product & {str(x).lower() for x in r["footprint"]["productIds"]}]
        repaired = _repair(d, same)
        same.sort(key=_age)
        if access == KEEP:  # the access list of the current version (the newest Active one, else the newest)
            current = ([r for r in same if r["footprint"]["status"] == "Active"] or same)[-1:]
            access = current[0].get("access") if current else None
        for r in same:
            if r["footprint"]["status"] == "Active" and _content(r["footprint"]) == _content(doc):
                if r.get("access") != access:
                    r["access"] = access
                    _write_record(d, r)
                    _write_catalog(root, cat)  # a record written: the catalog names footprints/' new stamp
                elif repaired:
                    _write_catalog(root, cat)
                return {"id": r["footprint"]["id"], "status": "Active", "unchanged": True, "deprecated": [],
                        "precedingPfIds": r["footprint"].get("precedingPfIds", []), "access": access,
                        "repaired": repaired}
        new = dict(doc)
        if (d / f"{new['id']}.json").exists():  # same derived id, other content: a new version needs a new id
            new["id"] = str(uuid.uuid4())
        new["status"] = "Active"
        preceding = [r["footprint"]["id"] for r in same]
        if preceding:
            new["precedingPfIds"] = preceding
        new = {k: new[k] for k in sorted(new, key=_order)}
        seq = cat["seq"] + 1
        rec = {"footprint": new, "access": access, "source": source or {}, "published": utc_now(), "seq": seq}
        _write_record(d, rec)  # 1st write: the new version (Active)
        cat["seq"], name = seq, f"{new['id']}.json"
        for p in product:
            shards[_shard(p)].setdefault(p, []).append(name)
        deprecated = []
        for r in same:  # 2nd write(s): the earlier versions Deprecated (repaired if interrupted here)
            if r["footprint"]["status"] != "Deprecated":
                r["footprint"]["status"] = "Deprecated"
                _write_record(d, r)
                deprecated.append(r["footprint"]["id"])
        for key, products in shards.items():
            _write_shard(root, key, products)
        _write_catalog(root, cat)  # last: a crash before it makes the next publish rebuild it
    return {"id": new["id"], "status": "Active", "unchanged": False, "deprecated": deprecated,
            "precedingPfIds": preceding, "access": access, "repaired": repaired}


def _age(rec: dict) -> tuple:
    return (int(rec.get("seq") or 0), rec["footprint"]["created"], rec["published"])


def _repair(d: Path, records: list[dict]) -> list[str]:
    """Deprecate the Active versions a newer Active version names in ``precedingPfIds`` (a version
    change interrupted between its two writes); the caller holds the lock. Returns the ids changed."""
    active = {r["footprint"]["id"]: r for r in records if r["footprint"]["status"] == "Active"}
    superseded = {p for r in active.values() for p in r["footprint"].get("precedingPfIds", ()) if p in active}
    for pf_id in sorted(superseded):
        r = active[pf_id]
        r["footprint"]["status"] = "Deprecated"
        _write_record(d, r)
        log.warning("repaired an interrupted version change: %s is Deprecated (a newer version names it)", pf_id)
    return sorted(superseded)


def repair(project_path) -> list[str]:
    """Repair interrupted version changes under ``PROJECT/pact`` (see :func:`_repair`) and bring the
    catalog up to date (the server calls this at start-up); the ids changed."""
    d = Path(project_path) / files.PACT_DIR / FOOTPRINTS
    if not d.is_dir():
        return []
    with files.locked(d.parent):
        records = _records(d)
        cat = _catalog(d.parent, records)  # rebuilt from these records if footprints/ changed since it
        changed = _repair(d, records)
        if changed:
            _write_catalog(d.parent, cat)
        return changed


def _order(key: str) -> int:
    order = ("id", "specVersion", "precedingPfIds", "created", "status", "validityPeriodStart",
             "validityPeriodEnd", "companyName", "companyIds", "productDescription", "productIds",
             "productClassifications", "productNameCompany", "comment", "pcf")
    return order.index(key) if key in order else len(order)


def published(project_path) -> list[dict]:
    """Every stored record (``footprint``, ``access``, ``source``, ``published``), oldest first."""
    d = Path(project_path) / files.PACT_DIR / FOOTPRINTS
    recs = _records(d) if d.is_dir() else []
    return sorted(recs, key=_age)


def save_event(project_path, kind: str, event: dict, client: str) -> Path:
    """Store a received (``kind="events"``) or undelivered (``"outbox"``) CloudEvent; return its path."""
    d = Path(project_path) / files.PACT_DIR / kind
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    path = d / f"{stamp}-{uuid.uuid4().hex[:12]}.json"
    files.write_json(path, {"client": client, "received": utc_now(), "event": event})
    return path


def events(project_path, kind: str = EVENTS) -> list[dict]:
    """Stored events of ``kind`` (``events`` or ``outbox``), oldest first."""
    d = Path(project_path) / files.PACT_DIR / kind
    return [files.read_json(p) for p in _json_files(d)] if d.is_dir() else []
