"""Published PACT ProductFootprints and received events, under ``PROJECT/pact/``.

``footprints/ID.json`` holds one record ``{"footprint": <ProductFootprint>,
"access": null | [client names], "source": {...}, "published": <UTC time>}``;
``events/`` the CloudEvents partners sent; ``outbox/`` answers that could not be
delivered. Writers (``lca publish``) hold ``pact/write.lock`` and replace files
atomically, so the server (a reader that never locks) sees whole documents only.

Republishing a product whose footprint changed stores a new footprint whose
``precedingPfIds`` lists the earlier ones and marks those ``Deprecated``;
republishing an unchanged footprint stores nothing (only its access list is
updated). :class:`FootprintIndex` is the server's view: reloaded when the
directory changes, with each document pre-serialized.
"""
from __future__ import annotations

import json
import logging
import os
import re
import uuid
from dataclasses import dataclass
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


def check_footprint(doc: dict) -> list[str]:
    """The problems that make ``doc`` an invalid PACT v3 ProductFootprint (empty if none)."""
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
    return problems


def _content(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in _VOLATILE}


def _json_files(d: Path) -> list[Path]:
    """The stored ``*.json`` files of ``d``, without hidden ones (a writer's temporary files)."""
    return sorted(p for p in d.glob("*.json") if not p.name.startswith("."))


def _records(d: Path) -> list[dict]:
    out = []
    for p in _json_files(d):
        try:
            rec = files.read_json(p)
        except ValueError:  # damaged: the server skips it too; publishing goes on without it
            log.warning("skipping damaged footprint record %s", p.name)
            continue
        if isinstance(rec, dict) and isinstance(rec.get("footprint"), dict):
            out.append(rec)
    return out


def publish(project_path, doc: dict, access: list[str] | None = None, source: dict | None = None) -> dict:
    """Store ``doc`` (a ProductFootprint) for the server; see the module docstring.

    Returns ``{"id", "status", "precedingPfIds", "deprecated", "unchanged", "access"}``.
    Raises :class:`~lca.errors.InputError` if ``doc`` is not a valid PACT v3 footprint.
    """
    problems = check_footprint(doc)
    if problems:
        raise InputError("refusing to publish an invalid PACT v3 ProductFootprint: " + "; ".join(problems))
    root = files.pact_dir(project_path)
    d = root / FOOTPRINTS
    d.mkdir(exist_ok=True, mode=0o700)
    access = sorted(set(access)) if access else None
    with files.locked(root):
        records = _records(d)
        product = {str(x).lower() for x in doc["productIds"]}
        same = [r for r in records if product & {str(x).lower() for x in r["footprint"]["productIds"]}]
        same.sort(key=lambda r: (r["footprint"]["created"], r["published"]))
        for r in same:
            if r["footprint"]["status"] == "Active" and _content(r["footprint"]) == _content(doc):
                r["access"] = access
                files.write_json(d / f"{r['footprint']['id']}.json", r)
                return {"id": r["footprint"]["id"], "status": "Active", "unchanged": True, "deprecated": [],
                        "precedingPfIds": r["footprint"].get("precedingPfIds", []), "access": access}
        new = dict(doc)
        known = {r["footprint"]["id"] for r in records}
        if new["id"] in known:  # same derived id, other content: a new version needs a new id
            new["id"] = str(uuid.uuid4())
        new["status"] = "Active"
        preceding = [r["footprint"]["id"] for r in same]
        if preceding:
            new["precedingPfIds"] = preceding
        new = {k: new[k] for k in sorted(new, key=_order)}
        rec = {"footprint": new, "access": access, "source": source or {}, "published": utc_now()}
        files.write_json(d / f"{new['id']}.json", rec)
        deprecated = []
        for r in same:
            if r["footprint"]["status"] != "Deprecated":
                r["footprint"]["status"] = "Deprecated"
                files.write_json(d / f"{r['footprint']['id']}.json", r)
                deprecated.append(r["footprint"]["id"])
    return {"id": new["id"], "status": "Active", "unchanged": False, "deprecated": deprecated,
            "precedingPfIds": preceding, "access": access}


def _order(key: str) -> int:
    order = ("id", "specVersion", "precedingPfIds", "created", "status", "validityPeriodStart",
             "validityPeriodEnd", "companyName", "companyIds", "productDescription", "productIds",
             "productClassifications", "productNameCompany", "comment", "pcf")
    return order.index(key) if key in order else len(order)


def published(project_path) -> list[dict]:
    """Every stored record (``footprint``, ``access``, ``source``, ``published``), oldest first."""
    d = Path(project_path) / files.PACT_DIR / FOOTPRINTS
    recs = _records(d) if d.is_dir() else []
    return sorted(recs, key=lambda r: (r["footprint"]["created"], r["published"]))


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


@dataclass(frozen=True)
class Entry:
    """One servable footprint: the document, its JSON bytes, match keys and access list."""

    id: str
    doc: dict
    body: bytes
    keys: Keys
    access: frozenset | None


class FootprintIndex:
    """The server's read-only view of ``PROJECT/pact/footprints``, reloaded when it changes.

    A file that cannot be parsed is left out (logged by name), so one damaged record
    does not take the others offline; a missing or unreadable directory raises.
    """

    def __init__(self, project_path):
        self.dir = Path(project_path) / files.PACT_DIR / FOOTPRINTS
        self._stamp = None
        self.entries: list[Entry] = []
        self.by_id: dict[str, Entry] = {}

    def current(self) -> "FootprintIndex":
        stamp = file_stamp(self.dir)
        if stamp != self._stamp:
            self._load(stamp)
        return self

    def _load(self, stamp) -> None:
        entries = []
        if stamp is not None:
            for p in sorted(os.scandir(self.dir), key=lambda e: e.name):
                if not p.name.endswith(".json") or p.name.startswith("."):
                    continue
                try:
                    with open(p.path, "rb") as fh:
                        rec = json.loads(fh.read())
                    doc = rec["footprint"]
                    if check_footprint(doc):
                        raise ValueError("not a valid ProductFootprint")
                    access = rec.get("access")
                    entries.append(Entry(doc["id"], doc, json.dumps(doc, ensure_ascii=False).encode("utf-8"),
                                         Keys.of(doc), frozenset(access) if access else None))
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    log.warning("skipping damaged footprint record %s (%s)", p.name, type(exc).__name__)
        entries.sort(key=lambda e: (e.doc["created"], e.id), reverse=True)  # newest first, stable
        self.entries = entries
        self.by_id = {e.id: e for e in entries}
        self._stamp = stamp
