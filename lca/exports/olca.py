"""A database as openLCA JSON-LD: a zip of olca-schema entities (processes, flows, units, locations) that openLCA imports.

Written with olca-schema (GreenDelta's maintained data model): each entity's ``to_dict()`` in the
folder ``ZipWriter`` puts it in, as compact JSON (``ZipWriter`` indents it, which makes ``json`` use
its pure-Python encoder: 3.5 of the 5 s of the open background's export, profiled). The zip
holds the database's processes and those of every database they link to (transitively;
not ``biosphere3``), so it computes on its own: each process is one unit process whose
reference product is its own product flow (``PRODUCT_FLOW``, id derived from
``database:code``); a technosphere input is an input of the supplier's product with the
supplier as default provider (a ``substitution`` is a negative input, an avoided burden a
negative amount, as in Brightway); a biosphere exchange is an elementary flow whose id is
the Brightway flow code (the ecoinvent UUID openLCA's ecoinvent flows also use), an input
when it is a natural resource, else an output. Each Brightway unit is its own unit group
and flow property (factor 1; openLCA's reference units are matched by name on import).
Uncertainty distributions are exported as openLCA holds them (:func:`uncertainty`): lognormal
as geometric mean (the signed median ``exp(loc)``; openLCA samples a negative one as the negated
positive) and geometric standard deviation ``exp(sigma)``, normal, uniform and triangular
as they are; any other Brightway distribution is exported with its static amount only and
counted in the result's ``uncertainty.not_representable``.
"""
from __future__ import annotations

import json
import os
import tempfile
import uuid
import zipfile
from pathlib import Path

from .. import inventory

NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/green-lca/green-lca/export/olca")


def uid(*parts) -> str:
    """A stable id for an exported entity (``database:code``, unit names...)."""
    return str(uuid.uuid5(NS, "\x1f".join(str(p) for p in parts)))


def flow_id(key: tuple) -> str:
    """The id of a node's flow: an elementary flow keeps a UUID code (ecoinvent's), a product gets a derived id."""
    db, code = key
    if db == inventory.BIOSPHERE_DB:
        try:
            return str(uuid.UUID(str(code)))
        except ValueError:
            return uid("flow", db, code)
    return uid("product", db, code)


def process_id(key: tuple) -> str:
    return uid("process", *key)


def uncertainty(e: dict, negate: bool = False):
    """The olca-schema ``Uncertainty`` of Brightway exchange ``e`` (``negate``: its amount is exported with the
    opposite sign, as a ``substitution``); None without one; ``False`` if openLCA has no such distribution."""
    import math

    import olca_schema as o

    from ..distributions import BW_LOGNORMAL, BW_NONE, BW_NORMAL, BW_TRIANGULAR, BW_UNDEFINED, BW_UNIFORM

    kind = e.get("uncertainty type", e.get("uncertainty_type"))
    kind = BW_UNDEFINED if kind is None else int(kind)
    if kind in (BW_UNDEFINED, BW_NONE):
        return None
    sign = -1.0 if negate else 1.0
    amount = sign * float(e["amount"])

    def num(name):
        v = e.get(name)
        return None if v is None or not math.isfinite(float(v)) else float(v)

    loc, scale, lo, hi = num("loc"), num("scale"), num("minimum"), num("maximum")
    if kind == BW_LOGNORMAL and scale is not None:
        median = math.copysign(math.exp(loc), amount) if loc is not None else amount  # Brightway: loc = ln|median|
        return o.Uncertainty(distribution_type=o.UncertaintyType.LOG_NORMAL_DISTRIBUTION, geom_mean=median,
                             geom_sd=math.exp(scale))
    if kind == BW_NORMAL and scale is not None:
        return o.Uncertainty(distribution_type=o.UncertaintyType.NORMAL_DISTRIBUTION,
                             mean=sign * loc if loc is not None else amount, sd=scale)
    if kind in (BW_UNIFORM, BW_TRIANGULAR) and lo is not None and hi is not None:
        lo, hi = sorted((sign * lo, sign * hi))
        if kind == BW_UNIFORM:
            return o.Uncertainty(distribution_type=o.UncertaintyType.UNIFORM_DISTRIBUTION, minimum=lo, maximum=hi)
        return o.Uncertainty(distribution_type=o.UncertaintyType.TRIANGLE_DISTRIBUTION, minimum=lo, maximum=hi,
                             mode=sign * loc if loc is not None else amount)
    return False


def closure(bd, database: str) -> list[str]:
    """``database`` and every database it links to, transitively (biosphere3 left out)."""
    from bw2data.backends import ExchangeDataset as ED

    seen, todo = [database], [database]
    while todo:
        db = todo.pop()
        for (other,) in ED.select(ED.input_database).where(ED.output_database == db).distinct().tuples():
            if other not in seen and other != inventory.BIOSPHERE_DB:
                seen.append(other)
                todo.append(other)
    return seen


def write(project, database: str, out: Path) -> dict:
    """Write ``database`` and what it links to as an openLCA JSON-LD zip at ``out``."""
    import olca_schema as o

    from .. import brightway

    bd = project.activate()
    dbs = closure(bd, database)
    with brightway.quiet():
        acts = {db: bd.Database(db).load() for db in dbs}
        bio = bd.Database(inventory.BIOSPHERE_DB).load()
    units: dict[str, tuple] = {}  # unit name -> (unit group, flow property, unit) entities
    # references made once per entity and shared by every exchange that names it (olca-schema's ``to_ref``
    # looks its ref type up by scanning an enum: 1.8 of 6 s of the background's export, profiled)
    unit_refs: dict[str, tuple] = {}  # unit name -> (flow property ref, unit ref)
    flow_refs: dict[tuple, tuple] = {}  # node key -> (flow id, flow ref)
    provider_refs: dict[tuple, object] = {}  # node key -> process ref

    def unit(name: str):
        name = name or "unit"
        if name not in units:
            u = o.Unit(id=uid("unit", name), name=name, conversion_factor=1.0, is_ref_unit=True)
            ug = o.UnitGroup(id=uid("unit group", name), name=f"Units of {name}", units=[u])
            fp = o.FlowProperty(id=uid("flow property", name), name=f"Quantity in {name}",
                                flow_property_type=o.FlowPropertyType.PHYSICAL_QUANTITY, unit_group=ug.to_ref())
            ug.default_flow_property = fp.to_ref()
            units[name] = (ug, fp, u)
            unit_refs[name] = (fp.to_ref(), u.to_ref())
        return units[name]

    flows: dict[str, object] = {}
    flow_unit: dict[str, str] = {}  # flow id -> its Brightway unit
    locations: dict[str, object] = {}

    def location(code):
        if not code:
            return None
        if code not in locations:
            locations[code] = o.Location(id=uid("location", code), name=code, code=code)
        return locations[code].to_ref()

    def flow(key: tuple):
        fid = flow_id(key)
        if fid not in flows:
            if key[0] == inventory.BIOSPHERE_DB:
                d = bio.get(key, {})
                kind, cats = o.FlowType.ELEMENTARY_FLOW, "/".join(d.get("categories") or ())
                name, u = d.get("name") or key[1], d.get("unit")
                category = f"Elementary flows/{cats}" if cats else "Elementary flows"
            else:
                d = acts.get(key[0], {}).get(key, {})
                kind, name, u = o.FlowType.PRODUCT_FLOW, d.get("reference product") or d.get("name"), d.get("unit")
                category = key[0]
            _, fp, _ = unit(u)
            flow_unit[fid] = u or "unit"
            flows[fid] = o.Flow(id=fid, name=name or key[1], flow_type=kind, category=category,
                                flow_properties=[o.FlowPropertyFactor(conversion_factor=1.0, flow_property=fp.to_ref(),
                                                                      is_ref_flow_property=True)])
        return flows[fid]

    processes, n_exc, n_uncertain, n_dropped = [], 0, 0, 0
    for db in dbs:
        for key, d in acts[db].items():
            exchanges, k = [], 0
            for e in d.get("exchanges", ()):
                inp, kind, amount = tuple(e["input"]), e.get("type"), float(e["amount"])
                if inp not in flow_refs:
                    f = flow(inp)
                    flow_refs[inp] = (f.id, f.to_ref())
                fid, fref = flow_refs[inp]
                unit(flow_unit[fid])
                fp_ref, u_ref = unit_refs[flow_unit[fid]]
                k += 1
                ex = o.Exchange(internal_id=k, flow=fref, flow_property=fp_ref, unit=u_ref,
                                amount=amount, description=e.get("comment"))
                if kind == "production":
                    ex.is_input, ex.is_quantitative_reference = False, inp == key
                elif kind in ("technosphere", "substitution"):
                    ex.is_input = True
                    ex.amount = amount if kind == "technosphere" else -amount
                    if inp not in provider_refs:
                        provider_refs[inp] = o.Ref(id=process_id(inp), ref_type=o.RefType.Process,
                                                   name=acts.get(inp[0], {}).get(inp, {}).get("name"))
                    ex.default_provider = provider_refs[inp]
                else:  # biosphere: a natural resource is taken in, anything else emitted
                    cats = bio.get(inp, {}).get("categories") or ()
                    ex.is_input = bool(cats) and str(cats[0]).startswith("natural resource")
                if kind != "production":
                    u_ = uncertainty(e, negate=kind == "substitution")
                    if u_ is False:
                        n_dropped += 1
                    elif u_ is not None:
                        ex.uncertainty = u_
                        n_uncertain += 1
                exchanges.append(ex)
            n_exc += len(exchanges)
            processes.append(o.Process(id=process_id(key), name=d.get("name"), category=db,
                                       process_type=o.ProcessType.UNIT_PROCESS, location=location(d.get("location")),
                                       description=d.get("comment") if isinstance(d.get("comment"), str) else None,
                                       exchanges=exchanges, last_internal_id=k))
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".lca-export-", suffix=".zip")
    os.close(fd)
    folders = {o.UnitGroup: "unit_groups", o.FlowProperty: "flow_properties", o.Location: "locations",
               o.Flow: "flows", o.Process: "processes"}  # olca-schema's zipio folders
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr("olca-schema.json", '{"version": 2}')
            entities = [e for ug, fp, _ in units.values() for e in (ug, fp)]
            for entity in entities + list(locations.values()) + list(flows.values()) + processes:
                z.writestr(f"{folders[type(entity)]}/{entity.id}.json", json.dumps(entity.to_dict()))
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return {"database": database, "format": "olca-jsonld", "path": str(out), "databases": dbs,
            "processes": len(processes), "exchanges": n_exc,
            "uncertainty": {"exported": n_uncertain, "not_representable": n_dropped}}
