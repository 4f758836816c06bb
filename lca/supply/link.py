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

One linker per sheet: :func:`_link_materials` (background, supplier_product,
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
OUTBOUND = "outbound"
MAX_ROWS_IN_COMMENT = 5  # rows named in an aggregated exchange's comment


# -- data quality: the one table -------------------------------------------------------
# Data quality ratings (technological, geographical, temporal) on the PACT v3 / Catena-X
# DQR scale 1 (very good) .. 5 (very poor), per kind of line. green-lca's own rule of
# thumb after that scale (an ESTIMATE, not a published table):
#   geographical: (rating where the data is for the line's own region, rating otherwise)
#   temporal: a fixed rating, or None = by the age of the dataset (TEMPORAL_BY_AGE)
# Declared PCFs carry the supplier's own ratings; DEFAULT_DQR where none is given.
@dataclass(frozen=True)
class Quality:
    technological: float
    geographical: tuple[float, float]  # (own region, other region)
    temporal: float | None


QUALITY = {
    "emission": Quality(1.0, (1.0, 1.0), 1.0),      # measured/calculated at the company's own site
    "electricity": Quality(2.0, (1.0, 3.0), 2.0),   # own meter data; grid of the exact region or a fallback
    "fuel": Quality(2.0, (2.0, 2.0), 2.0),          # own activity data, generic combustion dataset
    "transport": Quality(2.0, (2.0, 2.0), 2.0),     # own activity data (t km), generic freight dataset
    "background": Quality(3.0, (2.0, 3.0), None),   # secondary dataset
}
TEMPORAL_BY_AGE = ((3, 2.0), (6, 3.0), (math.inf, 4.0))  # (years before the period's end <=, rating)
UNKNOWN_AGE = 5  # [years] assumed when the dataset or the period has no year
DEFAULT_DQR = 3.0


def dqr(kind: str, own_region: bool = True, age_years: float | None = None) -> tuple[float, float, float]:
    """(technological, geographical, temporal) rating of a line of ``kind`` (a key of :data:`QUALITY`)."""
    q = QUALITY[kind]
    temporal = q.temporal
    if temporal is None:
        age = UNKNOWN_AGE if age_years is None else age_years
        temporal = next(r for limit, r in TEMPORAL_BY_AGE if age <= limit)
    return q.technological, q.geographical[0 if own_region else 1], temporal


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
    ``supplier_pcf``, ``energy``, ``transport``, ``emission``, or
    ``distribution`` (outbound transport: outside the cradle-to-gate, never an
    exchange).
    """

    activity: str                     # code of the buying activity in the suppliers database
    kind: str
    amount: float
    input: tuple[str, str] | None     # technosphere input key; None for emissions
    flow: str | None = None           # flows.csv alias of an emission
    label: str = ""                   # material dimension label (from the dataset computed with)
    region: str = ""                  # where the emission happens (grid region, dataset location)
    supplier: str = ""                # who supplied the data / the input
    primary: float = 0.0              # share of primary data [0..1] of the line's own value
    dqr: tuple[float, float, float] = (DEFAULT_DQR,) * 3  # technological, geographical, temporal [1..5]
    kwh: float = 0.0                  # electricity [kWh per unit of the activity]
    green: bool = False               # renewable sourcing
    mb_input: tuple[str, str] | None = None  # market-based dataset (electricity)
    mb_ef: float | None = None        # market-based factor [kg CO2e per unit of ``input``]
    mass_kg: float = 0.0              # material mass [kg per unit of the activity]
    recycled_kg: float = 0.0          # of which recycled content computed with a recycled route [kg]
    recycled_unmodelled_kg: float = 0.0  # declared recycled content no route could model [kg]
    pcf_kgco2e: float | None = None   # declared PCF [kg CO2e per unit of input] (supplier_pcf)
    where: str = ""                   # sheet and row, for messages
    sheet: str = ""                   # sheet key of the workbook row (Materials, Energy, ...)
    row: int | None = None            # its row number in the workbook (None for PACT JSON)
    typed: str = ""                   # the row's material / carrier / mode / gas as the workbook gives it
    quantity: float | None = None     # the row's amount as typed, in ``typed_unit``
    typed_unit: str = ""
    dataset: str = ""                 # the dataset (or flow) the line is computed with
    dataset_name: str = ""
    dataset_source: str = ""          # its source, for the auditor
    dataset_year: int | None = None


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


# -- the context every linker works in ---------------------------------------------------
@dataclass
class _Env:
    """What does not change over one :func:`build`: the background, routes, flows, every product."""

    bg: inventory.Background
    routes: dict[str, str]
    recycled_datasets: frozenset
    flows: dict
    products: dict[str, dict]  # "C/P" -> product record + "_company"
    issues: list[InputIssue]


@dataclass
class _Product:
    """One supplier product being linked, and where its issues go."""

    env: _Env
    rec: dict
    code: str
    company: str          # company name
    region: str           # production region
    norm: float           # Brightway units the workbook's quantities are for
    period_end: int | None
    pcfs: dict[str, dict]
    used_pcfs: set[str]

    def issue(self, severity: str, sheet: str, row, column: str, code: str, message: str) -> None:
        self.env.issues.append(InputIssue(sheet_title(self.rec, sheet), row, column, code, message, severity,
                                          self.rec.get("source_file")))

    def warn(self, *args) -> None:
        self.issue("warning", *args)

    def err(self, *args) -> None:
        self.issue("error", *args)

    def line(self, kind: str, sheet: str, row, **kw) -> Line:
        where = f"{sheet} row {row}" if row else sheet
        return Line(activity=self.code, kind=kind, where=where, sheet=sheet, row=row, **kw)

    def background(self, code: str) -> dict:
        """dataset_* fields of a Line computed with background dataset ``code`` (``code@REGION`` too)."""
        ds = self.env.bg.datasets[code.split("@", 1)[0]]
        name = ds.get("name", code) + (f" ({code.split('@', 1)[1]} grid)" if "@" in code else "")
        return {"dataset": f"{inventory.BACKGROUND_DB}:{code}", "dataset_name": name,
                "dataset_source": str(ds.get("source", "")), "dataset_year": ds.get("year")}


# -- Materials -------------------------------------------------------------------------
def _link_materials(p: _Product, m: dict, unresolved: list[dict]) -> list[Line]:
    source = str(m.get("source") or "background")
    linker = {"background": _link_background, "supplier_product": _link_supplier_product,
              "supplier_pcf": _link_supplier_pcf}.get(source)
    if linker is None:
        p.err("Materials", m.get("row"), "source", "bad_source", f"unknown source {source!r}")
        return []
    return linker(p, m, unresolved)


def _typed(m: dict) -> dict:
    return {"typed": str(m.get("material")), "quantity": _f(m.get("amount"), 0.0), "typed_unit": str(m.get("unit"))}


def _material_label(p: _Product, name: str, code: str) -> str:
    """The material label of a background line: the typed name if it means the dataset computed with.

    A name that resolves to another dataset (``copper`` computed as ``aluminium-recycled``) is
    labelled by the dataset's product, with the typed name beside it.
    """
    bg = p.env.bg
    base = code.split("@", 1)[0]
    by_name = inventory.resolve_material(name, bg).code
    if by_name is None or by_name.split("@", 1)[0] == base:
        return name
    return f"{bg.datasets[base].get('product') or base} (typed as {name!r})"


def _link_background(p: _Product, m: dict, unresolved: list[dict]) -> list[Line]:
    bg, row = p.env.bg, m.get("row")
    label = str(m.get("material"))
    ref = str(m.get("reference") or "").strip()
    res = inventory.resolve_material(ref if ref else label, bg)
    if res.code is None:
        p.err("Materials", row, "material", "unknown_material",
              f"material {label!r} is not a background dataset" + (f" ({res.reason})" if res.reason else "")
              + f"; closest: {list(res.suggestions)}; use a name from inventories/aliases.csv")
        return []
    base = res.code.split("@", 1)[0]
    ds_unit = bg.datasets[base]["unit"]
    unit = _unit(m.get("unit"))
    try:
        qty = units.convert(_f(m.get("amount"), 0.0), unit, ds_unit) / p.norm
    except InputError as exc:
        p.err("Materials", row, "unit", "unit_mismatch", f"{unit} cannot be converted to {ds_unit} of {base}: {exc}")
        return []
    shown = _material_label(p, label, base)
    if ref and shown != label:
        by_name = inventory.resolve_material(label, bg).code
        p.warn("Materials", row, "reference", "material_mismatch",
               f"material {label!r} names {by_name} but reference {ref!r} is {base}: the line is computed "
               f"and labelled as {base}; fix the material name or the reference")
    mass_kg = qty if units.dimension(ds_unit) == "mass" else 0.0
    rshare = _f(m.get("recycled_share"), 0.0)
    origin = str(m.get("origin_region") or "").strip().upper() or None
    recycled_code = p.env.routes.get(base)
    parts = [(base, 1.0, base in p.env.recycled_datasets)]
    unmodelled = 0.0
    if rshare > 0 and not parts[0][2]:
        if recycled_code and recycled_code in bg.datasets:
            parts = [(base, 1.0 - rshare, False), (recycled_code, rshare, True)]
        else:
            unmodelled = mass_kg * rshare
            p.warn("Materials", row, "recycled_share", "no_recycled_route",
                   f"{base} has no recycled-route dataset (inventories/recycled_routes.csv): the footprint uses "
                   f"{base} for the whole amount, and the declared recycled share {rshare:.0%} is NOT counted as "
                   "recycled content; link the recycled part on its own row to a recycled dataset")
    out = []
    for i, (dcode, share, recycled) in enumerate(parts):
        if share <= 0:
            continue
        use, ds_loc = dcode, bg.datasets[dcode]["location"]
        if "@" in res.code and i == 0:
            use, ds_loc = res.code, res.code.split("@", 1)[1]
        elif origin:
            variant = bg.variant_code(dcode, origin)
            if variant:
                use, ds_loc = variant, origin
            elif i == 0 and bg.datasets[dcode].get("regionalize"):
                p.warn("Materials", row, "origin_region", "no_regional_variant",
                       f"no grid dataset for region {origin!r}; {dcode} uses its own location")
        ds_year = bg.datasets[dcode].get("year")
        age = (p.period_end - int(ds_year)) if (p.period_end and ds_year) else None
        own_region = ds_loc == p.region or (origin is not None and ds_loc == origin) or use != dcode
        out.append(p.line(
            "background", "Materials", row, amount=qty * share, input=(inventory.BACKGROUND_DB, use),
            label=shown, region=ds_loc, supplier=str(m.get("supplier_name") or "") or p.company, primary=0.0,
            dqr=dqr("background", own_region, age), mass_kg=mass_kg * share,
            recycled_kg=mass_kg * share if recycled else 0.0,
            recycled_unmodelled_kg=unmodelled if i == 0 else 0.0, **_typed(m), **p.background(use)))
    return out


def _link_supplier_product(p: _Product, m: dict, unresolved: list[dict]) -> list[Line]:
    row, label = m.get("row"), str(m.get("material"))
    where = f"Materials row {row}" if row else "Materials"
    ref = str(m.get("reference") or "").strip()
    if ref == p.code:
        p.err("Materials", row, "reference", "self_reference",
              f"{p.code} lists itself ({ref}) as a material: a product cannot be an input of itself "
              "(its footprint would be inflated by 1/(1 - share)); remove the row or reference the product's "
              "real input")
        return []
    target = p.env.products.get(ref)
    if target is None:
        unresolved.append({"reference": ref, "reason": "not imported yet", "where": where, "material": label,
                           "row": row})
        return []
    unit = _unit(m.get("unit"))
    t_unit, t_per = declared_factor(target["declared_unit"])
    t_norm = _f(target.get("declared_amount"), 1.0) * t_per
    t_mass = _f(target.get("mass_kg"))
    amount = _f(m.get("amount"), 0.0)
    try:
        if units.is_convertible(unit, t_unit):
            qty = units.convert(amount, unit, t_unit)
        elif units.dimension(unit) == "mass" and t_mass:
            qty = units.convert(amount, unit, "kg") / (t_mass / t_norm)
        else:
            raise InputError(f"{ref} is declared per {target['declared_unit']}" + ("" if t_mass else " without mass_kg"))
    except InputError as exc:
        unresolved.append({"reference": ref, "reason": f"unit {unit} does not fit: {exc}", "where": where,
                           "material": label, "row": row})
        p.warn("Materials", row, "unit", "unit_mismatch", f"{unit} cannot be converted to the unit of {ref}: {exc}")
        return []
    qty /= p.norm
    t_sup = target["_company"]
    t_name = str(target.get("product_name") or target["product_id"])
    return [p.line(
        "supplier_product", "Materials", row, amount=qty, input=(SUPPLIER_DB, ref), label=label,
        region=str(target.get("production_region") or ""),
        supplier=str(t_sup.get("company_name") or t_sup["company_id"]), primary=0.0,
        mass_kg=(qty * (t_mass / t_norm) if t_mass else (qty if units.dimension(t_unit) == "mass" else 0.0)),
        dataset=f"{SUPPLIER_DB}:{ref}", dataset_name=t_name,
        dataset_source=f"supplier workbook of {t_sup.get('company_name') or t_sup['company_id']}",
        dataset_year=_year(t_sup.get("reporting_period_end")), **_typed(m))]


def _link_supplier_pcf(p: _Product, m: dict, unresolved: list[dict]) -> list[Line]:
    row, label = m.get("row"), str(m.get("material"))
    ref = str(m.get("reference") or "").strip()
    pcf = p.pcfs.get(ref)
    if pcf is None:
        p.err("Materials", row, "reference", "unknown_pcf",
              f"reference {ref!r} is not a pcf_id of sheet SupplierPCFs; ids: {sorted(p.pcfs)}")
        return []
    unit = _unit(m.get("unit"))
    p_unit, p_per = declared_factor(pcf["declared_unit"])
    try:
        qty = units.convert(_f(m.get("amount"), 0.0), unit, p_unit) / p.norm
    except InputError as exc:
        p.err("Materials", row, "unit", "unit_mismatch",
              f"{unit} cannot be converted to the declared unit {pcf['declared_unit']} of PCF {ref!r}: {exc}")
        return []
    p.used_pcfs.add(ref)
    ratings = tuple(_f(pcf.get(k), DEFAULT_DQR) for k in ("dqr_technological", "dqr_geographical", "dqr_temporal"))
    origin = str(m.get("origin_region") or "").strip().upper() or None
    standard = pcf.get("standard")
    return [p.line(
        "supplier_pcf", "Materials", row, amount=qty, input=(SUPPLIER_DB, pcf_code(p.code.split("/")[0], ref)),
        label=label, region=origin or "declared", supplier=str(pcf.get("supplier_name") or p.company),
        primary=_f(pcf.get("primary_data_share"), 0.0) / 100.0, dqr=ratings,
        pcf_kgco2e=_f(pcf["pcf_kgco2e"]) / p_per, mass_kg=qty if units.dimension(p_unit) == "mass" else 0.0,
        dataset=f"{SUPPLIER_DB}:{pcf_code(p.code.split('/')[0], ref)}",
        dataset_name=f"{pcf.get('product_name')} (declared PCF of {pcf.get('supplier_name')})",
        dataset_source=("declared PCF" + (f", {standard}" if standard else "")
                        + (", third-party verified" if str(pcf.get("verified") or "").lower() in ("yes", "true")
                           else "")),
        dataset_year=_year(pcf.get("reference_period_end")), **_typed(m))]


# -- Energy ----------------------------------------------------------------------------
def _link_energy(p: _Product, e: dict) -> list[Line]:
    row, carrier = e.get("row"), str(e.get("carrier"))
    amount, unit = _f(e.get("amount"), 0.0), _unit(e.get("unit"))
    typed = {"typed": carrier, "quantity": amount, "typed_unit": unit}
    try:
        if carrier == "electricity":
            return [_electricity(p, e, amount, unit, typed)]
        return _fuel(p, e, carrier, amount, unit, typed)
    except InputError as exc:
        p.err("Energy", row, "unit", "bad_energy",
              f"{amount:g} {unit} of {carrier} cannot be used: {exc}; give the amount in a unit "
              f"of {carrier} (see the Energy sheet's unit list)")
        return []


def _electricity(p: _Product, e: dict, amount: float, unit: str, typed: dict) -> Line:
    bg, row = p.env.bg, e.get("row")
    sourcing = str(e.get("sourcing") or "grid")
    ef = _f(e.get("supplier_ef_kgco2e_per_unit"))
    kwh = units.convert_carrier("electricity", amount, unit, "kilowatt hour")
    asked = e.get("grid_region") or p.region
    g_code, g_region, exact = grid_code(bg, asked)
    if not exact:
        p.warn("Energy", row, "grid_region", "grid_fallback", f"no grid dataset for {asked!r}; using {g_code}")
    mb_input, mb_ef = (inventory.BACKGROUND_DB, g_code), None
    if ef is not None:
        mb_input, mb_ef = None, ef * amount / kwh if kwh else 0.0
    elif sourcing in SOURCING_DATASETS:
        mb_input = (inventory.BACKGROUND_DB, SOURCING_DATASETS[sourcing])
    return p.line("energy", "Energy", row, amount=kwh / p.norm, input=(inventory.BACKGROUND_DB, g_code),
                  label="electricity", region=g_region, supplier=p.company, primary=1.0,
                  dqr=dqr("electricity", exact), kwh=kwh / p.norm, green=sourcing in RENEWABLE_SOURCING,
                  mb_input=mb_input, mb_ef=mb_ef, **typed, **p.background(g_code))


def _fuel(p: _Product, e: dict, carrier: str, amount: float, unit: str, typed: dict) -> list[Line]:
    bg, row = p.env.bg, e.get("row")
    ds = CARRIER_DATASETS.get(carrier)
    if ds is None:
        p.err("Energy", row, "carrier", "bad_energy",
              f"unknown energy carrier {carrier!r}: use electricity or one of {', '.join(CARRIER_DATASETS)}")
        return []
    if ds not in bg.datasets:
        p.err("Energy", row, "carrier", "bad_energy",
              f"the background inventory has no dataset {ds!r} for {carrier}: update the inventories "
              "(inventories/README.md) or report the carrier as electricity/heat")
        return []
    qty = units.convert_carrier(carrier, amount, unit, bg.datasets[ds]["unit"])
    ef = _f(e.get("supplier_ef_kgco2e_per_unit"))
    mb_input, mb_ef = (inventory.BACKGROUND_DB, ds), None
    if ef is not None:
        mb_input, mb_ef = None, ef * amount / qty if qty else 0.0
    return [p.line("energy", "Energy", row, amount=qty / p.norm, input=(inventory.BACKGROUND_DB, ds),
                   label=carrier.replace("_", " "), region=p.region, supplier=p.company, primary=1.0,
                   dqr=dqr("fuel"), mb_input=mb_input, mb_ef=mb_ef, **typed, **p.background(ds))]


# -- Transport -------------------------------------------------------------------------
def _link_transport(p: _Product, t: dict) -> list[Line]:
    row, mode = t.get("row"), str(t.get("mode"))
    if mode not in TRANSPORT_DATASETS:
        p.err("Transport", row, "mode", "bad_mode", f"unknown mode {mode!r}")
        return []
    tkm = _f(t.get("mass_t"), 0.0) * _f(t.get("distance_km"), 0.0)
    outbound = str(t.get("direction") or "inbound").strip().lower() == OUTBOUND
    ds = TRANSPORT_DATASETS[mode]
    return [p.line("distribution" if outbound else "transport", "Transport", row, amount=tkm / p.norm,
                   input=(inventory.BACKGROUND_DB, ds),
                   label=f"{'distribution' if outbound else 'transport'} ({mode.replace('_', ' ')})",
                   region=p.region, supplier=p.company, primary=1.0, dqr=dqr("transport"),
                   typed=mode, quantity=tkm, typed_unit="t*km", **p.background(ds))]


# -- Emissions -------------------------------------------------------------------------
def _link_emissions(p: _Product, em: dict) -> list[Line]:
    row, gas = em.get("row"), str(em.get("gas"))
    flow = p.env.flows.get(gas) or p.env.flows.get(gas.replace("_", " "))
    if flow is None:
        p.err("Emissions", row, "gas", "bad_gas", f"unknown gas {gas!r}")
        return []
    amount, unit = _f(em.get("amount"), 0.0), _unit(em.get("unit"))
    try:
        kg = units.convert(amount, unit, "kg")
    except InputError as exc:
        p.err("Emissions", row, "unit", "bad_unit", str(exc))
        return []
    return [p.line("emission", "Emissions", row, amount=kg / p.norm, input=None, flow=flow.alias,
                   label="direct emissions", region=p.region, supplier=p.company, primary=1.0, dqr=dqr("emission"),
                   typed=gas, quantity=amount, typed_unit=unit, dataset=f"{inventory.BIOSPHERE_DB}:{flow.alias}",
                   dataset_name=flow.name, dataset_source="the workbook's own direct emission (characterized by the "
                                                          "method)")]


SHEET_LINKERS = (("energy", _link_energy), ("transport", _link_transport), ("emissions", _link_emissions))


# -- datasets --------------------------------------------------------------------------
def _exchanges(p: _Product, lines: list[Line], bio_codes: dict[str, str], bw_unit: str) -> list[dict]:
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
        if not _float32(amount):
            first = group[0]
            p.err(first.sheet, first.row, "amount", "bad_amount",
                  f"{p.code}: the amount per {bw_unit} of product of {shown}{more}, {amount!r}, is not a finite "
                  f"float32 number (|x| <= {units.FLOAT32_MAX:.4g}): check amount, unit and declared_amount")
        exc = {"input": key, "amount": amount, "type": kind, "comment": shown + more}
        if kind == "biosphere":
            exc.update(unit="kilogram", flow_alias=tag)
        else:
            exc["line_kind"] = tag
        out.append(exc)
    return out


def _product_meta(p: _Product, prod: dict, sup: dict, bw_unit: str, per_declared: float) -> dict:
    amount_declared = _f(prod.get("declared_amount"), 1.0)
    mass = _f(prod.get("mass_kg"))
    if mass is None and units.dimension(bw_unit) == "mass":
        mass = p.norm  # kg
    return {
        "database": SUPPLIER_DB, "code": p.code, "name": str(prod.get("product_name") or prod["product_id"]),
        "reference product": str(prod.get("product_name") or prod["product_id"]), "unit": bw_unit,
        "location": p.region, "type": "process", "stage": "supplier product",
        "company_id": sup["company_id"], "company_name": p.company, "product_id": prod["product_id"],
        "declared_unit": _unit(prod["declared_unit"]), "declared_amount": amount_declared,
        "bw_per_declared_unit": per_declared,
        "mass_kg_per_unit": (mass / p.norm) if mass is not None else None,
        "declared_pcf_kgco2e": _f(prod.get("declared_pcf_kgco2e")),
        "green_factory": str(sup.get("green_factory") or "none").lower(),
        "reporting_period_start": _iso(sup.get("reporting_period_start")),
        "reporting_period_end": _iso(sup.get("reporting_period_end")),
        "source_file": p.rec.get("source_file"),
        "comment": f"supplier workbook of {p.company}; quantities per {amount_declared:g} "
                   f"{_unit(prod['declared_unit'])} normalised to one {bw_unit}; outbound transport "
                   "(distribution) is not part of this cradle-to-gate dataset",
    }


def _pcf_dataset(p: _Product, pcf_id: str, bio_codes: dict[str, str]) -> dict:
    """The declared-PCF stand-in dataset ``COMPANY/pcf:PCF_ID`` (see the module docstring)."""
    pcf = p.pcfs[pcf_id]
    cid = p.rec["supplier"]["company_id"]
    p_unit, p_per = declared_factor(pcf["declared_unit"])
    code = pcf_code(cid, pcf_id)
    value = _f(pcf["pcf_kgco2e"]) / p_per
    if not _float32(value):
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
        "primary_data_share": _f(pcf.get("primary_data_share")),
        "standard": pcf.get("standard"), "verified": pcf.get("verified"),
        "reference_period_end": _iso(pcf.get("reference_period_end")),
        "comment": "declared PCF stand-in: emits its kg CO2e (GWP100) as fossil CO2; valid for "
                   "GWP100 methods only (see lca.supply.link)",
        "exchanges": [
            {"input": (SUPPLIER_DB, code), "amount": 1.0, "type": "production", "unit": p_unit},
            {"input": (inventory.BIOSPHERE_DB, bio_codes["CO2 fossil"]), "amount": value,
             "type": "biosphere", "unit": "kilogram", "flow_alias": "CO2 fossil",
             "comment": "declared PCF stand-in (GWP100 kg CO2e)"},
        ],
    }


def build(records: list[dict], bg: inventory.Background, bio_codes: dict[str, str]) -> Built:
    """Datasets and lines of the ``suppliers`` database from every stored submission record."""
    routes = recycled_routes()
    env = _Env(bg=bg, routes=routes, recycled_datasets=frozenset(routes.values()), flows=inventory.flows(),
               products={}, issues=[])
    for rec in records:
        cid = rec["supplier"]["company_id"]
        for prod in rec.get("products", []):
            env.products[f"{cid}/{prod['product_id']}"] = dict(prod, _company=rec["supplier"])
    built = Built(datasets=[], lines=[], activities={}, issues=env.issues)
    for rec in records:
        _link_record(env, rec, bio_codes, built)
    return built


def _link_record(env: _Env, rec: dict, bio_codes: dict[str, str], built: Built) -> None:
    """Every product of one company's record, then the declared PCFs its lines use."""
    sup = rec["supplier"]
    cid = sup["company_id"]
    pcfs = {str(pcf["pcf_id"]): pcf for pcf in rec.get("pcfs", [])}
    used_pcfs: set[str] = set()
    p = None
    for prod in rec.get("products", []):
        pid = prod["product_id"]
        bw_unit, per_declared = declared_factor(prod["declared_unit"])
        p = _Product(env=env, rec=rec, code=f"{cid}/{pid}", company=str(sup.get("company_name") or cid),
                     region=str(prod.get("production_region") or sup.get("country") or "GLO").upper(),
                     norm=_f(prod.get("declared_amount"), 1.0) * per_declared,
                     period_end=_year(sup.get("reporting_period_end")), pcfs=pcfs, used_pcfs=used_pcfs)
        unresolved: list[dict] = []
        lines = [line for m in rec.get("materials", []) if m.get("product_id") == pid
                 for line in _link_materials(p, m, unresolved)]
        for key, linker in SHEET_LINKERS:
            lines += [line for r in rec.get(key, []) if r.get("product_id") == pid for line in linker(p, r)]
        meta = _product_meta(p, prod, sup, bw_unit, per_declared)
        meta["unresolved"] = unresolved
        built.activities[p.code] = dict(meta)
        built.datasets.append(dict(meta, exchanges=_exchanges(p, lines, bio_codes, bw_unit)))
        built.lines.extend(lines)
        if unresolved:
            built.unresolved[p.code] = unresolved
    for pcf_id in sorted(used_pcfs):
        ds = _pcf_dataset(p, pcf_id, bio_codes)
        built.activities[ds["code"]] = {k: v for k, v in ds.items() if k != "exchanges"}
        built.datasets.append(ds)


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
