"""Linking: stored supplier submissions -> the ``suppliers`` Brightway database and its line table.

One function, :func:`build`, turns every stored submission (plain JSON-able
records, see :mod:`lca.supply.store`) into

- the Brightway datasets of the ``suppliers`` database: one activity per
  supplier product (code ``COMPANY_ID/PRODUCT_ID``) and one per declared PCF
  (code ``COMPANY_ID/pcf:PCF_ID``), each per ONE Brightway unit of its declared
  unit (``kilogram`` for ``kg`` and ``t``, ``kilowatt hour``, ``unit`` for
  ``piece``, ``square meter``, ``kilowatt`` for ``kWp``);
- the *line table*: one :class:`Line` per Materials / Energy / Transport /
  Emissions row, with the amount per one unit of its activity, the labels the
  roll-up reports by (material, supplier, region), the primary-data flag, the
  data-quality ratings and the market-based electricity factor.

Both come from the same pass over the same records, so the roll-up's line
amounts are exactly the exchanges Brightway solves with.

Linking rules
-------------
- Materials ``background``: the dataset :func:`lca.inventory.resolve_material`
  gives (or the ``database:code`` reference); ``origin_region`` picks the
  regional variant ``code@REGION`` (:meth:`Background.variant_code`) where one
  exists, else the national dataset with a warning. ``recycled_share`` r moves
  r of the amount to the recycled-route dataset listed in
  ``inventories/recycled_routes.csv``; without a route the whole amount stays
  on the dataset (warning) but r still counts as recycled content.
- Materials ``supplier_product``: an exchange from ``suppliers:COMPANY/PRODUCT``
  in that product's unit (a mass amount of a product declared per piece uses the
  product's ``mass_kg``). A product not imported yet is left out of the
  matrices and listed as *unresolved*: the roll-up then refuses a total unless
  asked for an incomplete one.
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

import csv
import math
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from .. import inventory, units
from ..errors import InputError, InputIssue

SUPPLIER_DB = "suppliers"
PCF_PREFIX = "pcf:"

# Energy carrier of the Energy sheet -> background dataset an Energy row links to
# (codes from inventories/README.md, "fuels burnt on site").
CARRIER_DATASETS = {
    "natural_gas": "natural-gas-combusted",
    "coal": "coal-combusted",
    "diesel": "diesel-combusted",
    "gasoline": "gasoline-combusted",
    "lpg": "lpg-combusted",
    "steam": "steam",
    "heat": "heat-natural-gas",
    "hydrogen": "hydrogen-grey",
}
# Market-based (GHG Protocol Scope 2) electricity of a contractual instrument
# when the workbook gives no supplier-specific factor. On-site generation in
# Chinese factories is overwhelmingly rooftop PV; PPAs and green electricity
# certificates (GEC, 绿证) are mostly wind and utility PV -- wind is used as the
# representative (an assumption, stated in the report).
SOURCING_DATASETS = {
    "onsite_renewable": "electricity-solar-pv",
    "ppa_renewable": "electricity-wind",
    "green_certificate": "electricity-wind",
}
RENEWABLE_SOURCING = frozenset(SOURCING_DATASETS)
TRANSPORT_DATASETS = {
    "truck": "transport-truck", "rail": "transport-rail", "ship_sea": "transport-ship-sea",
    "ship_inland": "transport-ship-inland", "air": "transport-air",
}
GREEN_FACTORY_LEVELS = frozenset({"provincial", "national"})


@lru_cache(maxsize=1)
def recycled_routes() -> dict[str, str]:
    """Primary-route dataset code -> recycled-route dataset code (``inventories/recycled_routes.csv``)."""
    path = inventory.inventories_dir() / "recycled_routes.csv"
    out: dict[str, str] = {}
    if path.exists():
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                out[row["code"].strip()] = row["recycled_code"].strip()
    return out


@dataclass
class Line:
    """One row of a supplier workbook as linked: what the roll-up attributes a contribution to.

    ``amount`` is per one unit of the buying activity, in the unit of ``input``
    (kilogram for an emission). ``kind``: ``background``, ``supplier_product``,
    ``supplier_pcf``, ``energy``, ``transport``, ``emission``.
    """

    activity: str                     # code of the buying activity in the suppliers database
    kind: str
    amount: float
    input: tuple[str, str] | None     # technosphere input key; None for emissions
    flow: str | None = None           # flows.csv alias of an emission
    label: str = ""                   # material dimension label
    region: str = ""                  # where the emission happens (grid region, dataset location)
    supplier: str = ""                # who supplied the data / the input
    primary: float = 0.0              # share of primary data [0..1] of the line's own value
    # Data quality rating (technological, geographical, temporal) on the PACT / Catena-X 1 (best) .. 5 scale.
    # The scores given per line kind are green-lca's own rule of thumb (an estimate, not a standard table):
    # own activity data 2; background datasets 3, geography 2 when the dataset's region is the line's,
    # temporal 2 / 3 / 4 for data <= 3 / <= 6 / older years before the reporting period; declared PCFs
    # carry the supplier's own scores (3 where none is given).
    dqr: tuple[float, float, float] = (3.0, 3.0, 3.0)  # technological, geographical, temporal [1..5]
    kwh: float = 0.0                  # electricity [kWh per unit of the activity]
    green: bool = False               # renewable sourcing
    mb_input: tuple[str, str] | None = None  # market-based dataset (electricity)
    mb_ef: float | None = None        # market-based factor [kg CO2e per unit of ``input``]
    mass_kg: float = 0.0              # material mass [kg per unit of the activity]
    recycled_kg: float = 0.0          # of which recycled content [kg]
    pcf_kgco2e: float | None = None   # declared PCF [kg CO2e per unit of input] (supplier_pcf)
    where: str = ""                   # sheet and row, for messages
    sheet: str = ""                   # sheet key of the workbook row (Materials, Energy, ...)
    row: int | None = None            # its row number in the workbook (None for PACT JSON)


@dataclass
class Built:
    """What :func:`build` returns."""

    datasets: list[dict]
    lines: list[Line]
    activities: dict[str, dict]                       # code -> dataset metadata (no exchanges)
    unresolved: dict[str, list[dict]] = field(default_factory=dict)  # code -> unresolved references
    issues: list[InputIssue] = field(default_factory=list)

    def lines_of(self) -> dict[str, list[Line]]:
        out: dict[str, list[Line]] = {}
        for line in self.lines:
            out.setdefault(line.activity, []).append(line)
        return out


def _f(value, default=None):
    if value is None or value == "":
        return default
    return float(value)


def _unit(text) -> str:
    return units.normalize_unit(text) or str(text)


def _year(value) -> int | None:
    if not value:
        return None
    if isinstance(value, date):
        return value.year
    try:
        return int(str(value)[:4])
    except ValueError:
        return None


def grid_code(bg: inventory.Background, region: str) -> tuple[str, str, bool]:
    """(grid dataset code, the region it is for, exact) for a region code; falls back to country, GLO."""
    region = (region or "").strip().upper()
    if region in bg.grids:
        return bg.grids[region], region, True
    country = region.split("-", 1)[0]
    if country in bg.grids:
        return bg.grids[country], country, False
    return bg.grids.get("GLO") or "electricity-glo", "GLO", False


def declared_factor(unit: str) -> tuple[str, float]:
    """Declared unit (``kg``, ``t``, ``piece``, ``m2``, ``kWh``, ``kWp``) -> (Brightway unit, BW units per declared unit)."""
    u = _unit(unit)
    if u not in units.UNITS:
        raise InputError(f"declared unit {unit!r} is not one of kg, t, piece, m2, kWh, kWp")
    d = units.UNITS[u]
    return d.bw_unit, d.bw_factor


def pcf_code(company_id: str, pcf_id: str) -> str:
    return f"{company_id}/{PCF_PREFIX}{pcf_id}"


def build(records: list[dict], bg: inventory.Background, bio_codes: dict[str, str]) -> Built:
    """Datasets and lines of the ``suppliers`` database from every stored submission record."""
    routes = recycled_routes()
    recycled_datasets = frozenset(routes.values())
    flows = inventory.flows()
    issues: list[InputIssue] = []
    products: dict[str, dict] = {}  # "C/P" -> product record + company
    for rec in records:
        cid = rec["supplier"]["company_id"]
        for p in rec.get("products", []):
            products[f"{cid}/{p['product_id']}"] = dict(p, _company=rec["supplier"])

    datasets, lines, activities, unresolved = [], [], {}, {}

    def warn(rec, sheet, row, column, code, message):
        issues.append(InputIssue(sheet_title(rec, sheet), row, column, code, message, "warning",
                                 rec.get("source_file")))

    def err(rec, sheet, row, column, code, message):
        issues.append(InputIssue(sheet_title(rec, sheet), row, column, code, message, "error",
                                 rec.get("source_file")))

    for rec in records:
        sup = rec["supplier"]
        cid = sup["company_id"]
        cname = sup.get("company_name") or cid
        green_factory = str(sup.get("green_factory") or "none").lower()
        period_end = _year(sup.get("reporting_period_end"))
        pcfs = {str(p["pcf_id"]): p for p in rec.get("pcfs", [])}
        # one activity per declared PCF that some line of this company uses
        used_pcfs: set[str] = set()
        for prod in rec.get("products", []):
            pid = prod["product_id"]
            code = f"{cid}/{pid}"
            region = str(prod.get("production_region") or sup.get("country") or "GLO").upper()
            bw_unit, per_declared = declared_factor(prod["declared_unit"])
            amount_declared = _f(prod.get("declared_amount"), 1.0)
            norm = amount_declared * per_declared  # BW units the workbook's quantities are for
            mass = _f(prod.get("mass_kg"))
            if mass is None and units.dimension(bw_unit) == "mass":
                mass = norm  # kg
            meta = {
                "database": SUPPLIER_DB, "code": code, "name": str(prod.get("product_name") or pid),
                "reference product": str(prod.get("product_name") or pid), "unit": bw_unit,
                "location": region, "type": "process", "stage": "supplier product",
                "company_id": cid, "company_name": cname, "product_id": pid,
                "declared_unit": _unit(prod["declared_unit"]), "declared_amount": amount_declared,
                "bw_per_declared_unit": per_declared,
                "mass_kg_per_unit": (mass / norm) if mass is not None else None,
                "declared_pcf_kgco2e": _f(prod.get("declared_pcf_kgco2e")),
                "green_factory": green_factory,
                "reporting_period_start": _iso(sup.get("reporting_period_start")),
                "reporting_period_end": _iso(sup.get("reporting_period_end")),
                "source_file": rec.get("source_file"),
                "comment": f"supplier workbook of {cname}; quantities per {amount_declared:g} "
                           f"{_unit(prod['declared_unit'])} normalised to one {bw_unit}",
            }
            exchanges = [{"input": (SUPPLIER_DB, code), "amount": 1.0, "type": "production", "unit": bw_unit}]
            own_lines: list[Line] = []
            unres: list[dict] = []

            for m in rec.get("materials", []):
                if m.get("product_id") != pid:
                    continue
                row = m.get("row")
                where = f"Materials row {row}" if row else "Materials"
                amount = _f(m.get("amount"), 0.0)
                unit = _unit(m.get("unit"))
                source = str(m.get("source") or "background")
                label = str(m.get("material"))
                supplier_name = str(m.get("supplier_name") or "") or None
                origin = str(m.get("origin_region") or "").strip().upper() or None
                rshare = _f(m.get("recycled_share"), 0.0)
                if source == "background":
                    ref = str(m.get("reference") or "").strip()
                    res = inventory.resolve_material(ref if ref else label, bg)
                    if res.code is None:
                        err(rec, "Materials", row, "material", "unknown_material",
                            f"material {label!r} is not a background dataset"
                            + (f" ({res.reason})" if res.reason else "")
                            + f"; closest: {list(res.suggestions)}; use a name from inventories/aliases.csv")
                        continue
                    base = res.code.split("@", 1)[0]
                    ds_unit = bg.datasets[base]["unit"]
                    try:
                        qty = units.convert(amount, unit, ds_unit) / norm
                    except InputError as exc:
                        err(rec, "Materials", row, "unit", "unit_mismatch",
                            f"{unit} cannot be converted to {ds_unit} of {base}: {exc}")
                        continue
                    parts = [(base, 1.0)]
                    recycled_code = routes.get(base)
                    is_recycled_ds = base in recycled_datasets
                    if rshare > 0 and not is_recycled_ds:
                        if recycled_code and recycled_code in bg.datasets:
                            parts = [(base, 1.0 - rshare), (recycled_code, rshare)]
                        else:
                            warn(rec, "Materials", row, "recycled_share", "no_recycled_route",
                                 f"{base} has no recycled-route dataset; the footprint uses {base} for the "
                                 f"whole amount (recycled content {rshare:.0%} is still reported)")
                    mass_kg = qty if units.dimension(ds_unit) == "mass" else 0.0
                    for i, (dcode, share) in enumerate(parts):
                        if share <= 0:
                            continue
                        use, ds_loc, geo = dcode, bg.datasets[dcode]["location"], 3.0
                        if "@" in res.code and i == 0:
                            use = res.code
                            ds_loc = res.code.split("@", 1)[1]
                            geo = 2.0
                        elif origin:
                            v = bg.variant_code(dcode, origin)
                            if v:
                                use, ds_loc, geo = v, origin, 2.0
                            elif i == 0 and bg.datasets[dcode].get("regionalize"):
                                warn(rec, "Materials", row, "origin_region", "no_regional_variant",
                                     f"no grid dataset for region {origin!r}; {dcode} uses its own location")
                        if ds_loc == region or (origin and ds_loc == origin):
                            geo = min(geo, 2.0)
                        ds_year = bg.datasets[dcode].get("year")
                        age = (period_end - int(ds_year)) if (period_end and ds_year) else 5
                        temporal = 2.0 if age <= 3 else 3.0 if age <= 6 else 4.0
                        line = Line(
                            activity=code, kind="background", amount=qty * share,
                            input=(inventory.BACKGROUND_DB, use), label=label,
                            region=ds_loc, supplier=supplier_name or cname, primary=0.0,
                            dqr=(3.0, geo, temporal), mass_kg=mass_kg * share,
                            recycled_kg=(mass_kg * share if (i == 1 or is_recycled_ds)
                                         else (mass_kg * rshare if len(parts) == 1 else 0.0)),
                            where=where, sheet="Materials", row=row,
                        )
                        own_lines.append(line)
                elif source == "supplier_product":
                    ref = str(m.get("reference") or "").strip()
                    target = products.get(ref)
                    if target is None:
                        unres.append({"reference": ref, "reason": "not imported yet", "where": where,
                                      "material": label, "row": row})
                        continue
                    t_unit, t_per = declared_factor(target["declared_unit"])
                    t_norm = _f(target.get("declared_amount"), 1.0) * t_per
                    t_mass = _f(target.get("mass_kg"))
                    try:
                        if units.is_convertible(unit, t_unit):
                            qty = units.convert(amount, unit, t_unit)
                        elif units.dimension(unit) == "mass" and t_mass:
                            qty = units.convert(amount, unit, "kg") / (t_mass / t_norm)
                        else:
                            raise InputError(f"{ref} is declared per {target['declared_unit']}"
                                             + ("" if t_mass else " without mass_kg"))
                    except InputError as exc:
                        unres.append({"reference": ref, "reason": f"unit {unit} does not fit: {exc}",
                                      "where": where, "material": label, "row": row})
                        warn(rec, "Materials", row, "unit", "unit_mismatch",
                             f"{unit} cannot be converted to the unit of {ref}: {exc}")
                        continue
                    qty /= norm
                    t_sup = target["_company"]
                    own_lines.append(Line(
                        activity=code, kind="supplier_product", amount=qty, input=(SUPPLIER_DB, ref),
                        label=label, region=str(target.get("production_region") or ""),
                        supplier=str(t_sup.get("company_name") or t_sup["company_id"]), primary=0.0,
                        mass_kg=(qty * (t_mass / t_norm) if t_mass else
                                 (qty if units.dimension(t_unit) == "mass" else 0.0)),
                        where=where, sheet="Materials", row=row))
                elif source == "supplier_pcf":
                    ref = str(m.get("reference") or "").strip()
                    pcf = pcfs.get(ref)
                    if pcf is None:
                        err(rec, "Materials", row, "reference", "unknown_pcf",
                            f"reference {ref!r} is not a pcf_id of sheet SupplierPCFs; ids: {sorted(pcfs)}")
                        continue
                    p_unit, p_per = declared_factor(pcf["declared_unit"])
                    try:
                        qty = units.convert(amount, unit, p_unit) / norm
                    except InputError as exc:
                        err(rec, "Materials", row, "unit", "unit_mismatch",
                            f"{unit} cannot be converted to the declared unit {pcf['declared_unit']} "
                            f"of PCF {ref!r}: {exc}")
                        continue
                    used_pcfs.add(ref)
                    dq = tuple(_f(pcf.get(k), 3.0) for k in ("dqr_technological", "dqr_geographical",
                                                             "dqr_temporal"))
                    own_lines.append(Line(
                        activity=code, kind="supplier_pcf", amount=qty,
                        input=(SUPPLIER_DB, pcf_code(cid, ref)), label=label,
                        region=origin or "declared", supplier=str(pcf.get("supplier_name") or cname),
                        primary=_f(pcf.get("primary_data_share"), 0.0) / 100.0, dqr=dq,
                        pcf_kgco2e=_f(pcf["pcf_kgco2e"]) / p_per,
                        mass_kg=qty if units.dimension(p_unit) == "mass" else 0.0, where=where,
                        sheet="Materials", row=row))
                else:
                    err(rec, "Materials", row, "source", "bad_source", f"unknown source {source!r}")

            for e in rec.get("energy", []):
                if e.get("product_id") != pid:
                    continue
                row = e.get("row")
                where = f"Energy row {row}" if row else "Energy"
                carrier = str(e.get("carrier"))
                amount = _f(e.get("amount"), 0.0)
                unit = _unit(e.get("unit"))
                sourcing = str(e.get("sourcing") or "grid")
                ef = _f(e.get("supplier_ef_kgco2e_per_unit"))
                try:
                    if carrier == "electricity":
                        kwh = units.convert_carrier("electricity", amount, unit, "kilowatt hour")
                        g_code, g_region, exact = grid_code(bg, e.get("grid_region") or region)
                        if not exact:
                            warn(rec, "Energy", row, "grid_region", "grid_fallback",
                                 f"no grid dataset for {e.get('grid_region') or region!r}; "
                                 f"using {g_code}")
                        mb_input, mb_ef = (inventory.BACKGROUND_DB, g_code), None
                        if ef is not None:
                            mb_input, mb_ef = None, ef * amount / kwh if kwh else 0.0
                        elif sourcing in SOURCING_DATASETS:
                            mb_input = (inventory.BACKGROUND_DB, SOURCING_DATASETS[sourcing])
                        own_lines.append(Line(
                            activity=code, kind="energy", amount=kwh / norm,
                            input=(inventory.BACKGROUND_DB, g_code), label="electricity",
                            region=g_region, supplier=cname, primary=1.0,
                            dqr=(2.0, 1.0 if exact else 3.0, 2.0), kwh=kwh / norm,
                            green=sourcing in RENEWABLE_SOURCING, mb_input=mb_input, mb_ef=mb_ef,
                            where=where, sheet="Energy", row=row))
                    else:
                        ds = CARRIER_DATASETS.get(carrier)
                        if ds is None:
                            err(rec, "Energy", row, "carrier", "bad_energy",
                                f"unknown energy carrier {carrier!r}: use electricity or one of "
                                f"{', '.join(CARRIER_DATASETS)}")
                            continue
                        if ds not in bg.datasets:
                            err(rec, "Energy", row, "carrier", "bad_energy",
                                f"the background inventory has no dataset {ds!r} for {carrier}: update the "
                                "inventories (inventories/README.md) or report the carrier as electricity/heat")
                            continue
                        ds_unit = bg.datasets[ds]["unit"]
                        qty = units.convert_carrier(carrier, amount, unit, ds_unit)
                        mb_input, mb_ef = (inventory.BACKGROUND_DB, ds), None
                        if ef is not None:
                            mb_input, mb_ef = None, ef * amount / qty if qty else 0.0
                        own_lines.append(Line(
                            activity=code, kind="energy", amount=qty / norm,
                            input=(inventory.BACKGROUND_DB, ds), label=carrier.replace("_", " "),
                            region=region, supplier=cname, primary=1.0, dqr=(2.0, 2.0, 2.0),
                            mb_input=mb_input, mb_ef=mb_ef, where=where, sheet="Energy", row=row))
                except InputError as exc:
                    err(rec, "Energy", row, "unit", "bad_energy",
                        f"{amount:g} {unit} of {carrier} cannot be used: {exc}; give the amount in a unit "
                        f"of {carrier} (see the Energy sheet's unit list)")

            for t in rec.get("transport", []):
                if t.get("product_id") != pid:
                    continue
                row = t.get("row")
                mode = str(t.get("mode"))
                tkm = _f(t.get("mass_t"), 0.0) * _f(t.get("distance_km"), 0.0)
                if mode not in TRANSPORT_DATASETS:
                    err(rec, "Transport", row, "mode", "bad_mode", f"unknown mode {mode!r}")
                    continue
                own_lines.append(Line(
                    activity=code, kind="transport", amount=tkm / norm,
                    input=(inventory.BACKGROUND_DB, TRANSPORT_DATASETS[mode]),
                    label=f"transport ({mode.replace('_', ' ')})", region=region, supplier=cname,
                    primary=1.0, dqr=(2.0, 2.0, 2.0), where=f"Transport row {row}" if row else "Transport",
                    sheet="Transport", row=row))

            for em in rec.get("emissions", []):
                if em.get("product_id") != pid:
                    continue
                row = em.get("row")
                gas = str(em.get("gas"))
                flow = flows.get(gas) or flows.get(gas.replace("_", " "))
                if flow is None:
                    err(rec, "Emissions", row, "gas", "bad_gas", f"unknown gas {gas!r}")
                    continue
                try:
                    kg = units.convert(_f(em.get("amount"), 0.0), _unit(em.get("unit")), "kg")
                except InputError as exc:
                    err(rec, "Emissions", row, "unit", "bad_unit", str(exc))
                    continue
                own_lines.append(Line(
                    activity=code, kind="emission", amount=kg / norm, input=None, flow=flow.alias,
                    label="direct emissions", region=region, supplier=cname, primary=1.0,
                    dqr=(1.0, 1.0, 1.0), where=f"Emissions row {row}" if row else "Emissions",
                    sheet="Emissions", row=row))

            for line in own_lines:
                if not _float32(line.amount):
                    err(rec, line.sheet, line.row, "amount", "bad_amount",
                        f"{code}: the amount per {bw_unit} of product, {line.amount!r}, is not a "
                        f"finite float32 number (|x| <= {units.FLOAT32_MAX:.4g}): check amount, unit and "
                        "declared_amount")
                if line.kind == "emission":
                    exchanges.append({"input": (inventory.BIOSPHERE_DB, bio_codes[line.flow]),
                                      "amount": line.amount, "type": "biosphere", "unit": "kilogram",
                                      "flow_alias": line.flow, "comment": line.where})
                else:
                    exchanges.append({"input": line.input, "amount": line.amount, "type": "technosphere",
                                      "comment": line.where, "line_kind": line.kind})
            meta["unresolved"] = unres
            activities[code] = dict(meta)
            datasets.append(dict(meta, exchanges=exchanges))
            lines.extend(own_lines)
            if unres:
                unresolved[code] = unres

        for pcf_id in sorted(used_pcfs):
            pcf = pcfs[pcf_id]
            p_unit, p_per = declared_factor(pcf["declared_unit"])
            code = pcf_code(cid, pcf_id)
            value = _f(pcf["pcf_kgco2e"]) / p_per
            if not _float32(value):
                err(rec, "SupplierPCFs", pcf.get("row"), "pcf_kgco2e", "bad_amount",
                    f"PCF {pcf_id!r}: {value!r} kg CO2e per {p_unit} is not a finite float32 number "
                    f"(|x| <= {units.FLOAT32_MAX:.4g}): check pcf_kgco2e and declared_unit")
            meta = {
                "database": SUPPLIER_DB, "code": code,
                "name": f"{pcf.get('product_name')} (declared PCF of {pcf.get('supplier_name')})",
                "reference product": str(pcf.get("product_name")), "unit": p_unit, "location": "GLO",
                "type": "process", "stage": "declared PCF", "company_id": cid, "company_name": cname,
                "pcf_id": pcf_id, "declared_pcf": True, "pcf_basis": "IPCC AR6 GWP100, kg CO2e",
                "pcf_kgco2e_per_unit": value, "supplier_name": pcf.get("supplier_name"),
                "primary_data_share": _f(pcf.get("primary_data_share")),
                "standard": pcf.get("standard"), "verified": pcf.get("verified"),
                "reference_period_end": _iso(pcf.get("reference_period_end")),
                "comment": "declared PCF stand-in: emits its kg CO2e (GWP100) as fossil CO2; valid for "
                           "GWP100 methods only (see lca.supply.link)",
            }
            activities[code] = dict(meta)
            datasets.append(dict(meta, exchanges=[
                {"input": (SUPPLIER_DB, code), "amount": 1.0, "type": "production", "unit": p_unit},
                {"input": (inventory.BIOSPHERE_DB, bio_codes["CO2 fossil"]), "amount": value,
                 "type": "biosphere", "unit": "kilogram", "flow_alias": "CO2 fossil",
                 "comment": "declared PCF stand-in (GWP100 kg CO2e)"},
            ]))
    return Built(datasets=datasets, lines=lines, activities=activities, unresolved=unresolved,
                 issues=issues)


def _float32(x: float) -> bool:
    """True for an amount Brightway can store (its matrices are float32)."""
    return math.isfinite(x) and abs(x) <= units.FLOAT32_MAX


def sheet_title(rec: dict, key: str) -> str:
    """The title a record's workbook gives sheet ``key`` (``Materials`` -> ``物料``), for issues found after reading."""
    return (rec.get("sheet_titles") or {}).get(key, key)


def _iso(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
