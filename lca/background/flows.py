"""Characterizing a release's elementary flows: IPCC 2021 and EF v3.1 factors for flows bw2io's data lacks.

bw2io's LCIA data (``lcia_39_ecoinvent.zip``: IPCC 2021, EF v3.1) gives factors to the
ecoinvent 3.9 elementary flows, by flow UUID. A newer release keeps most flows with
their UUID (same UUID = same flow: characterized as is), but adds flows, and a flow can
come back with a new UUID. For each release flow that is not an ecoinvent 3.9 flow of
``biosphere3`` (a *new flow*), its *twin* is looked up:

1. the release flow -> ecoinvent 3.9 flow a user gives in a flow map (``--flow-map
   FILE.csv``, columns ``release_uuid, ecoinvent_uuid, note``; ``#`` comments), else
2. the one ecoinvent 3.9 flow with the same name, compartment, subcompartment and unit.

A new flow with a twin gets, in every IPCC 2021 and EF v3.1 method, the twin's factor
(under the release flow's own UUID; same method names). A new flow without a twin that is
a greenhouse gas (its name is characterized by one of the climate methods, or it is an air
emission whose name says carbon dioxide, methane, dinitrogen monoxide, a fluorinated gas,
SF6, NF3, HFC/PFC/CFC/HCFC, halon...) is refused before anything is written, with the list
and the fix: a climate footprint would otherwise silently leave it out. Other new flows
without a twin (no climate relevance) are imported and reported (``new_flows``,
``characterized_as`` None).
"""
from __future__ import annotations

import re
from pathlib import Path

from .. import csvdata, inventory, method_data
from ..errors import InputError, InputIssue
from ..methods import METHOD_FAMILIES

FAMILIES = METHOD_FAMILIES  # the method families given the twins' factors
MARK = "lca_release_flow"  # key in a biosphere3 node's data: the flow was added by a release import
# greenhouse gases by name (air emissions): IPCC AR6 WG1 Table 7.SM.7 substance classes
GHG_NAME = re.compile(
    r"carbon dioxide|methane|dinitrogen monoxide|nitrous oxide|hexafluoride|nitrogen (?:tri)?fluoride|fluoro|"
    r"\b(?:hfc|pfc|cfc|hcfc|hfe|hfo|hcc|halon)\b|\bsf6\b|\bnf3\b|\bn2o\b|\bch4\b|\bco2\b", re.IGNORECASE)
MAX_LISTED = 50


def _key(name, categories, unit) -> tuple:
    return (" ".join(str(name or "").split()).casefold(), tuple(categories or ()), str(unit or "").casefold())


def biosphere_index(AD) -> tuple[dict, dict, dict]:
    """(ecoinvent flows by code, id by code, ecoinvent codes by (name, categories, unit)) of ``biosphere3``.

    Flows an earlier release import added (marked :data:`MARK`) are not ecoinvent 3.9 flows:
    they are in the id table but never twins."""
    flows, ids, by_key = {}, {}, {}
    for fid, code, name, data in (AD.select(AD.id, AD.code, AD.name, AD.data)
                                  .where(AD.database == inventory.BIOSPHERE_DB).tuples()):
        ids[code] = fid
        if (data or {}).get(MARK):
            continue
        flows[code] = {"name": name, "categories": tuple(data.get("categories") or ()), "unit": data.get("unit")}
        by_key.setdefault(_key(name, data.get("categories"), data.get("unit")), []).append(code)
    return flows, ids, by_key


def read_flow_map(path) -> dict[str, str]:
    """``release_uuid -> ecoinvent_uuid`` of a flow map CSV (``#`` comment lines); InputError naming file and line."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise InputError(f"flow map {p} does not exist; give a CSV with columns release_uuid, ecoinvent_uuid, note")
    header, records = csvdata.read(p)
    if [c.strip() for c in header[:2]] != ["release_uuid", "ecoinvent_uuid"]:
        raise InputError(f"{p}: the first row must be the header release_uuid,ecoinvent_uuid[,note]")
    out: dict[str, str] = {}
    for n, rec in records:
        release_uuid, ecoinvent_uuid = (str(rec.get(k) or "").strip() for k in header[:2])
        if not release_uuid or not ecoinvent_uuid:
            raise InputError(f"{p}, line {n}: give both release_uuid and ecoinvent_uuid")
        out[release_uuid] = ecoinvent_uuid
    return out


def climate_names(bd, ids_to_name: dict) -> set[str]:
    """Flow names (casefolded) with a factor in a climate method of :data:`FAMILIES` of the project."""
    names: set[str] = set()
    for m in bd.methods:
        if m[0] in FAMILIES and "climate" in m[1]:
            for row in bd.Method(m).load():
                nm = ids_to_name.get(row[0])
                if nm:
                    names.add(nm)
    return names


def twins(bd, AD, release_flows: dict[str, dict], used: dict[str, list], flow_map: dict | None = None,
          flow_map_path=None) -> dict[str, str | None]:
    """For each used release flow that is not an ecoinvent 3.9 flow: its twin's code (or None).

    ``used``: flow code -> files of the datasets using it. Raises InputError (nothing written) for a
    greenhouse gas without a twin, and for a flow map naming a flow that is not an ecoinvent one."""
    flows, ids, by_key = biosphere_index(AD)
    out: dict[str, str | None] = {}
    for code in used:
        if code in flows:
            continue  # an ecoinvent 3.9 flow: bw2io's factors, by UUID
        f = release_flows[code]
        if flow_map and code in flow_map:
            twin = flow_map[code]
            if twin not in flows:
                raise InputError(f"flow map {flow_map_path}: ecoinvent_uuid {twin} (for {f['name']!r}, {code}) is "
                                 "not an ecoinvent elementary flow of biosphere3; give the UUID of a flow of "
                                 "bw2io's ecoinvent 3.9 list")
            out[code] = twin
            continue
        same = by_key.get(_key(f.get("name"), f.get("categories"), f.get("unit")), [])
        out[code] = same[0] if len(same) == 1 else None
    orphans = [c for c, t in out.items() if t is None]
    if orphans:
        by_id = {i: flows[c]["name"].casefold() for c, i in ids.items() if c in flows}
        known = climate_names(bd, by_id)
        bad = [c for c in orphans if _is_ghg(release_flows[c], known)]
        if bad:
            _refuse(bad, release_flows, used, flow_map_path)
    return out


def _is_ghg(f: dict, known: set) -> bool:
    name = " ".join(str(f.get("name") or "").split())
    cats = tuple(f.get("categories") or ())
    return name.casefold() in known or (bool(cats) and cats[0] == "air" and bool(GHG_NAME.search(name)))


def _refuse(bad: list[str], release_flows: dict, used: dict, flow_map_path) -> None:
    issues = []
    for c in bad:
        f = release_flows[c]
        files = used.get(c) or ["?"]
        issues.append(InputIssue(sheet=None, row=None, column=None, code="uncharacterized_ghg", file=str(files[0]),
                                 message=f"{f.get('name')!r} ({'/'.join(f.get('categories') or ())}, {f.get('unit')}, "
                                         f"flow {c}) used by {len(files)} dataset(s), e.g. {files[0]}"))
    listing = "\n".join(f"  {i.message}" for i in issues[:MAX_LISTED])
    more = f"\n  (and {len(issues) - MAX_LISTED} more)" if len(issues) > MAX_LISTED else ""
    raise InputError(
        f"{len(bad)} greenhouse gas flow(s) of the release have no IPCC 2021 / EF v3.1 factor: they are not "
        "ecoinvent 3.9 flows (bw2io's LCIA data), and no 3.9 flow has their name, compartment and unit; a "
        "climate footprint would silently leave them out, so nothing was written:\n" + listing + more +
        "\nFix: give each its ecoinvent 3.9 equivalent in a flow map (lca background import DIR --name NAME "
        "--flow-map FILE.csv; columns release_uuid,ecoinvent_uuid,note"
        + (f"; now {flow_map_path}" if flow_map_path else "") + "), or use a bw2io whose LCIA data covers "
        "this release", issues)


def characterize(bd, AD, new_flows: list[dict]) -> list[tuple]:
    """Give each new flow its twin's factor in every IPCC 2021 / EF v3.1 method that lacks it (idempotent).

    ``new_flows``: entries with ``code`` and ``characterized_as`` (the twin's code or None).
    Returns the methods rewritten."""
    pairs = [(f["code"], f["characterized_as"]) for f in new_flows if f.get("characterized_as")]
    if not pairs:
        return []
    _, ids, _ = biosphere_index(AD)
    pairs = [(ids[c], ids[t]) for c, t in pairs if c in ids and t in ids]
    known = set(ids.values())
    changed = []
    for m in sorted(bd.methods):
        if m[0] not in FAMILIES:
            continue
        method = bd.Method(m)
        rows = [tuple(r) for r in method.load()]
        by_flow = {r[0]: r for r in rows}
        add = [(new,) + by_flow[twin][1:] for new, twin in pairs if twin in by_flow and new not in by_flow]
        if add:
            method_data.write_rows(bd, m, rows + add, known)  # no query per factor
            changed.append(m)
    return changed


def missing_factors(bd, AD, twins: dict) -> list[tuple]:
    """(method, release flow code) pairs whose twin has a factor in the method but the release flow not.

    Empty after an import; not empty if the methods were rewritten from bw2io's data later."""
    pairs = [(c, t) for c, t in (twins or {}).items() if t]
    if not pairs:
        return []
    _, ids, _ = biosphere_index(AD)
    out = []
    for m in sorted(bd.methods):
        if m[0] not in FAMILIES:
            continue
        have = {r[0] for r in bd.Method(m).load()}
        out.extend((m, c) for c, t in pairs if ids.get(t) in have and ids.get(c) not in have)
    return out
