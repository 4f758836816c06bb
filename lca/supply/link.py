"""Linking: stored supplier submissions -> the ``suppliers`` Brightway database and its line table.

:func:`build` turns every stored submission (plain JSON-able records, see
:mod:`lca.supply.store`) into

- the Brightway datasets of the ``suppliers`` database: one activity per
  supplier product (code ``COMPANY_ID/PRODUCT_ID``) and one per declared PCF
  (code ``COMPANY_ID/pcf:PCF_ID``), each per ONE Brightway unit of its declared
  unit (``kilogram`` for ``kg`` and ``t``, ``kilowatt hour``, ``unit`` for
  ``piece``, ``square meter``, ``kilowatt`` for ``kWp``);
- the *line table*: one :class:`Line` per Materials / Energy / Transport /
  Emissions row (two for a material split between its primary and recycled
  route), with the amount per one unit of its activity, the dataset it is
  computed with, the labels the roll-up reports by (material, supplier,
  region), the primary-data share, the data-quality ratings (:data:`QUALITY`)
  and the market-based electricity factor.

Both come from the same pass over the same records; a dataset's exchanges are
the line amounts summed per input in float64 (:func:`_exchanges`), so Brightway
(float32 matrices, duplicate entries summed in float32) sees one rounded number
per input, and the roll-up's lines add up to exactly what Brightway solves.

One linker per sheet: :func:`link_materials` (background, supplier_product,
supplier_pcf), :func:`_link_energy`, :func:`_link_transport`,
:func:`_link_emissions`; :func:`_pcf_dataset` writes the declared-PCF datasets.

Linking rules
-------------
- Materials ``background``: the dataset :func:`lca.inventory.resolve_material`
  gives for ``reference`` (else for the ``material`` name); ``origin_region``
  picks the regional variant ``code@REGION`` where one exists, else the
  national dataset with a warning. The line is labelled with what is computed:
  the workbook's name when that name resolves to the same dataset, else the
  dataset's product with the typed name beside it (and a ``material_mismatch``
  warning naming both). ``recycled_share`` r moves r of the amount to the
  recycled-route dataset of ``inventories/recycled_routes.csv``; only such a
  modelled share is recycled content. Without a route the whole amount stays on
  the primary dataset, the share is *not* counted as recycled content, and the
  line records it as ``recycled_unmodelled_kg`` (warning ``no_recycled_route``).
- Materials ``supplier_product``: an exchange from ``suppliers:COMPANY/PRODUCT``
  in that product's unit (a mass amount of a product declared per piece uses the
  product's ``mass_kg``). A product that references itself is an error
  (``self_reference``); loops through other companies are the roll-up's to check.
  A product not imported yet is left out of the matrices and listed as
  *unresolved*: the roll-up then refuses a total unless asked for an incomplete one.
- Materials ``supplier_pcf``: an exchange from the PCF's own activity.
- Energy: electricity from the grid of ``grid_region`` (else the product's
  ``production_region``; a region without a grid dataset falls back to its
  country, then ``GLO``, with a warning) -- the location-based figure. The
  market-based factor is kept beside it on the line: ``supplier_ef`` when
  given, else ``electricity-solar-pv`` for on-site renewables,
  ``electricity-wind`` for PPAs and green certificates, else the grid.
  Fuels link to the ``*-combusted`` / heat / steam / hydrogen datasets, amounts
  converted by :func:`lca.units.convert_carrier`.
- Transport: ``transport-<mode>`` in ton kilometres (mass_t x distance_km).
  ``direction = inbound`` (default) is part of the product's cradle-to-gate.
  ``direction = outbound`` (delivery to the customer) is NOT: it becomes a
  ``distribution`` line, never an exchange of the product's dataset; the
  roll-up reports the product's own outbound legs as ``distribution`` and
  leaves a supplier's outbound legs to its buyer's inbound transport.
- Emissions: biosphere exchanges of the ``flows.csv`` flow of the gas.

Declared PCFs (the modelling rule)
----------------------------------
A declared PCF is a kg CO2e figure under IPCC AR6 GWP100, not an inventory. Its
activity emits ``pcf_kgco2e`` (per one Brightway unit) of *Carbon dioxide,
fossil* so that ``lca footprint``, ``lca footprints`` and any Brightway user
get the right GWP100 number from the database alone. Because that stand-in is
only right for GWP100-type methods, the roll-up adds a PCF line from the
stored record (never through the biosphere) and applies it only to IPCC 2021
GWP100 and EF v3.1 climate change (both use AR6 GWP100 factors, as PACT v3
requires); under any other method (GWP20, ...) a profile that contains a
declared PCF is refused unless ``allow_incomplete``, and then the PCF lines
count 0 and are listed as not characterizable. See :mod:`lca.supply.rollup`.
"""
from __future__ import annotations

from .. import distributions, inventory, units
from .linkers import SHEET_LINKERS, LinkEnv, ProductContext, link_materials
from .lines import (  # noqa: F401 -- the link's public names, re-exported
    CARRIER_DATASETS, GREEN_FACTORY_LEVELS, MAX_ROWS_IN_COMMENT, PCF_PREFIX, QUALITY, RENEWABLE_SOURCING,
    SOURCING_DATASETS, SUPPLIER_DB, TRANSPORT_DATASETS, Built, Line, declared_factor, dqr, float32_ok, grid_code,
    iso, num, pcf_code, recycled_routes, sheet_title, unit_name, year_of)

# -- datasets --------------------------------------------------------------------------
def _exchanges(p: ProductContext, lines: list[Line], bio_codes: dict[str, str], bw_unit: str) -> list[dict]:
    """The product's exchanges: its line amounts summed per input in float64 (one matrix entry per input).

    Distribution lines are outside the cradle-to-gate and never become exchanges.
    """
    sums: dict[tuple, list] = {}
    for line in lines:
        if line.kind == "distribution":
            continue
        if line.kind == "emission":
            key = ("biosphere", (inventory.BIOSPHERE_DB, bio_codes[line.flow]), line.flow)
        else:
            key = ("technosphere", tuple(line.input), line.kind)
        sums.setdefault(key, [0.0, []])
        sums[key][0] += float(line.amount)
        sums[key][1].append(line)
    out = [{"input": (SUPPLIER_DB, p.code), "amount": 1.0, "type": "production", "unit": bw_unit}]
    for (kind, key, tag), (amount, group) in sums.items():
        shown = ", ".join(g.where for g in group[:MAX_ROWS_IN_COMMENT])
        more = f" and {len(group) - MAX_ROWS_IN_COMMENT} more" if len(group) > MAX_ROWS_IN_COMMENT else ""
        if not float32_ok(amount):
            first = group[0]
            p.err(first.sheet, first.row, "amount", "bad_amount",
                  f"{p.code}: the amount per {bw_unit} of product of {shown}{more}, {amount!r}, is not a finite "
                  f"float32 number (|x| <= {units.FLOAT32_MAX:.4g}): check amount, unit and declared_amount")
        exc = {"input": key, "amount": amount, "type": kind, "comment": shown + more,
               **distributions.dqr_uncertainty(amount, _amount_dqr(group, tag), p.env.gsd_table)}
        if kind == "biosphere":
            exc.update(unit="kilogram", flow_alias=tag)
        else:
            exc["line_kind"] = tag
        out.append(exc)
    return out


def _amount_dqr(group: list[Line], kind: str) -> float:
    """Mean DQR of an exchange summed from ``group`` (weighted by |amount|), for its Monte Carlo GSD
    (:func:`lca.distributions.dqr_gsd`). The amount of a declared-PCF input is the buyer's own activity
    data (DQR 2); the declared value's own DQR is on the PCF dataset."""
    if kind == "supplier_pcf":
        return 2.0
    w = [abs(float(g.amount)) for g in group]
    vals = [sum(g.dqr) / len(g.dqr) for g in group]
    return sum(a * v for a, v in zip(w, vals)) / sum(w) if sum(w) > 0 else sum(vals) / len(vals)


def _product_meta(p: ProductContext, prod: dict, sup: dict, bw_unit: str, per_declared: float) -> dict:
    amount_declared = num(prod.get("declared_amount"), 1.0)
    mass = num(prod.get("mass_kg"))
    if mass is None and units.dimension(bw_unit) == "mass":
        mass = p.norm  # kg
    return {
        "database": SUPPLIER_DB, "code": p.code, "name": str(prod.get("product_name") or prod["product_id"]),
        "reference product": str(prod.get("product_name") or prod["product_id"]), "unit": bw_unit,
        "location": p.region, "type": "process", "stage": "supplier product",
        "company_id": sup["company_id"], "company_name": p.company, "product_id": prod["product_id"],
        "declared_unit": unit_name(prod["declared_unit"]), "declared_amount": amount_declared,
        "bw_per_declared_unit": per_declared,
        "mass_kg_per_unit": (mass / p.norm) if mass is not None else None,
        "declared_pcf_kgco2e": num(prod.get("declared_pcf_kgco2e")),
        "green_factory": str(sup.get("green_factory") or "none").lower(),
        "reporting_period_start": iso(sup.get("reporting_period_start")),
        "reporting_period_end": iso(sup.get("reporting_period_end")),
        "source_file": p.rec.get("source_file"),
        "sheet_titles": dict(p.rec.get("sheet_titles") or {}),  # the workbook's own sheet names (物料...)
        "comment": f"supplier workbook of {p.company}; quantities per {amount_declared:g} "
                   f"{unit_name(prod['declared_unit'])} normalised to one {bw_unit}; outbound transport "
                   "(distribution) is not part of this cradle-to-gate dataset",
    }


def _pcf_dataset(p: ProductContext, pcf_id: str, bio_codes: dict[str, str]) -> dict:
    """The declared-PCF stand-in dataset ``COMPANY/pcf:PCF_ID`` (see the module docstring)."""
    pcf = p.pcfs[pcf_id]
    cid = p.rec["supplier"]["company_id"]
    p_unit, p_per = declared_factor(pcf["declared_unit"])
    code = pcf_code(cid, pcf_id)
    value = num(pcf["pcf_kgco2e"]) / p_per
    if not float32_ok(value):
        p.err("SupplierPCFs", pcf.get("row"), "pcf_kgco2e", "bad_amount",
              f"PCF {pcf_id!r}: {value!r} kg CO2e per {p_unit} is not a finite float32 number "
              f"(|x| <= {units.FLOAT32_MAX:.4g}): check pcf_kgco2e and declared_unit")
    return {
        "database": SUPPLIER_DB, "code": code,
        "name": f"{pcf.get('product_name')} (declared PCF of {pcf.get('supplier_name')})",
        "reference product": str(pcf.get("product_name")), "unit": p_unit, "location": "GLO",
        "type": "process", "stage": "declared PCF", "company_id": cid, "company_name": p.company,
        "pcf_id": pcf_id, "declared_pcf": True, "pcf_basis": "IPCC AR6 GWP100, kg CO2e",
        "pcf_kgco2e_per_unit": value, "supplier_name": pcf.get("supplier_name"),
        "primary_data_share": num(pcf.get("primary_data_share")),
        "standard": pcf.get("standard"), "verified": pcf.get("verified"),
        "reference_period_end": iso(pcf.get("reference_period_end")),
        "comment": "declared PCF stand-in: emits its kg CO2e (GWP100) as fossil CO2; valid for "
                   "GWP100 methods only (see lca.supply.link)",
        "exchanges": [
            {"input": (SUPPLIER_DB, code), "amount": 1.0, "type": "production", "unit": p_unit},
            {"input": (inventory.BIOSPHERE_DB, bio_codes["CO2 fossil"]), "amount": value,
             "type": "biosphere", "unit": "kilogram", "flow_alias": "CO2 fossil",
             "comment": "declared PCF stand-in (GWP100 kg CO2e)",
             **distributions.dqr_uncertainty(value, [num(pcf.get(k)) for k in (
                 "dqr_technological", "dqr_geographical", "dqr_temporal")], p.env.gsd_table)},
        ],
    }


def build(records: list[dict], bg: inventory.Background, bio_codes: dict[str, str]) -> Built:
    """Datasets and lines of the ``suppliers`` database from every stored submission record."""
    routes = recycled_routes()
    env = LinkEnv(bg=bg, routes=routes, recycled_datasets=frozenset(routes.values()), flows=inventory.flows(),
               products={}, issues=[], gsd_table=distributions.dqr_gsd_table())
    for rec in records:
        cid = rec["supplier"]["company_id"]
        for prod in rec.get("products", []):
            env.products[f"{cid}/{prod['product_id']}"] = dict(prod, _company=rec["supplier"])
    built = Built(datasets=[], lines=[], activities={}, issues=env.issues)
    for rec in records:
        _link_record(env, rec, bio_codes, built)
    return built


def _link_record(env: LinkEnv, rec: dict, bio_codes: dict[str, str], built: Built) -> None:
    """Every product of one company's record, then the declared PCFs its lines use."""
    sup = rec["supplier"]
    cid = sup["company_id"]
    pcfs = {str(pcf["pcf_id"]): pcf for pcf in rec.get("pcfs", [])}
    used_pcfs: set[str] = set()
    p = None
    by_product: dict[str, dict] = {}  # sheet -> product_id -> its rows in sheet order (one pass per sheet)
    for key in ("materials", *(k for k, _ in SHEET_LINKERS)):
        rows: dict = {}
        for r in rec.get(key, []):
            rows.setdefault(r.get("product_id"), []).append(r)
        by_product[key] = rows
    for prod in rec.get("products", []):
        pid = prod["product_id"]
        bw_unit, per_declared = declared_factor(prod["declared_unit"])
        p = ProductContext(env=env, rec=rec, code=f"{cid}/{pid}", company=str(sup.get("company_name") or cid),
                     region=str(prod.get("production_region") or sup.get("country") or "GLO").upper(),
                     norm=num(prod.get("declared_amount"), 1.0) * per_declared,
                     period_end=year_of(sup.get("reporting_period_end")), pcfs=pcfs, used_pcfs=used_pcfs)
        unresolved: list[dict] = []
        lines = [line for m in by_product["materials"].get(pid, ()) for line in link_materials(p, m, unresolved)]
        for key, linker in SHEET_LINKERS:
            lines += [line for r in by_product[key].get(pid, ()) for line in linker(p, r)]
        meta = _product_meta(p, prod, sup, bw_unit, per_declared)
        meta["unresolved"] = unresolved
        if rec.get("flags"):  # the submission's plausibility warnings, listed by the profiles that use it
            meta["flags"] = list(rec["flags"])
        built.activities[p.code] = dict(meta)
        built.datasets.append(dict(meta, exchanges=_exchanges(p, lines, bio_codes, bw_unit)))
        built.lines.extend(lines)
        if unresolved:
            built.unresolved[p.code] = unresolved
    for pcf_id in sorted(used_pcfs):
        ds = _pcf_dataset(p, pcf_id, bio_codes)
        built.activities[ds["code"]] = {k: v for k, v in ds.items() if k != "exchanges"}
        built.datasets.append(ds)


