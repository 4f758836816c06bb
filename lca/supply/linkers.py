"""One linker per workbook sheet: a stored row -> the :class:`~lca.supply.lines.Line` it is computed as.

:func:`link_materials` (background, supplier_product, supplier_pcf rows),
:func:`link_energy`, :func:`link_transport`, :func:`link_emissions`; each gets the
:class:`ProductContext` of the product being linked and reports its problems
there. The rules are in :mod:`lca.supply.link`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import inventory, units
from ..errors import InputError, InputIssue, Severity
from .lines import (CARRIER_DATASETS, DEFAULT_DQR, OUTBOUND, RENEWABLE_SOURCING, SOURCING_DATASETS, SUPPLIER_DB,
                    TRANSPORT_DATASETS, Line, declared_factor, dqr, grid_code, num, pcf_code, sheet_title,
                    unit_name, year_of)

# -- the context every linker works in ---------------------------------------------------
@dataclass
class LinkEnv:
    """What does not change over one :func:`build`: the background, routes, flows, every product."""

    bg: inventory.Background
    routes: dict[str, str]
    recycled_datasets: frozenset
    flows: dict
    products: dict[str, dict]  # "C/P" -> product record + "_company"
    issues: list[InputIssue]
    resolved: dict = field(default_factory=dict)  # material name -> Resolution, once per build
    gsd_table: list | None = None  # the DQR -> GSD row (lca.distributions.dqr_gsd_table), read once per build
    datasets: dict = field(default_factory=dict)  # background code -> the dataset_* fields of a line, once per build

    def resolve(self, name: str):
        """:func:`lca.inventory.resolve_material` against this build's background, each name once."""
        hit = self.resolved.get(name)
        if hit is None:
            hit = self.resolved[name] = inventory.resolve_material(name, self.bg)
        return hit


@dataclass
class ProductContext:
    """One supplier product being linked, and where its issues go."""

    env: LinkEnv
    rec: dict
    code: str
    company: str          # company name
    region: str           # production region
    norm: float           # Brightway units the workbook's quantities are for
    period_end: int | None
    pcfs: dict[str, dict]
    used_pcfs: set[str]

    def issue(self, severity: Severity, sheet: str, row, column: str, code: str, message: str) -> None:
        self.env.issues.append(InputIssue(sheet_title(self.rec, sheet), row, column, code, message, severity,
                                          self.rec.get("source_file")))

    def warn(self, *args) -> None:
        self.issue(Severity.WARNING, *args)

    def err(self, *args) -> None:
        self.issue(Severity.ERROR, *args)

    def line(self, kind: str, sheet: str, row, **kw) -> Line:
        where = f"{sheet} row {row}" if row else sheet
        return Line(activity=self.code, kind=kind, where=where, sheet=sheet, row=row, **kw)

    def background(self, code: str) -> dict:
        """dataset_* fields of a Line computed with background dataset ``code`` (``code@REGION`` too)."""
        got = self.env.datasets.get(code)
        if got is None:
            ds = self.env.bg.datasets[code.split("@", 1)[0]]
            name = ds.get("name", code) + (f" ({code.split('@', 1)[1]} grid)" if "@" in code else "")
            got = self.env.datasets[code] = {
                "dataset": f"{inventory.BACKGROUND_DB}:{code}", "dataset_name": name,
                "dataset_source": str(ds.get("source", "")), "dataset_year": ds.get("year"),
                "dataset_unit": ds["unit"]}
        return got  # only ever splatted into a Line (**), never changed


# -- Materials -------------------------------------------------------------------------
def link_materials(p: ProductContext, m: dict, unresolved: list[dict]) -> list[Line]:
    source = str(m.get("source") or "background")
    linker = {"background": _link_background, "supplier_product": _link_supplier_product,
              "supplier_pcf": _link_supplier_pcf}.get(source)
    if linker is None:
        p.err("Materials", m.get("row"), "source", "bad_source", f"unknown source {source!r}")
        return []
    return linker(p, m, unresolved)


def _typed(m: dict) -> dict:
    return {"typed": str(m.get("material")), "quantity": num(m.get("amount"), 0.0), "typed_unit": str(m.get("unit"))}


def _material_label(p: ProductContext, name: str, code: str) -> str:
    """The material label of a background line: the typed name if it means the dataset computed with.

    A name that resolves to another dataset (``copper`` computed as ``aluminium-recycled``) is
    labelled by the dataset's product, with the typed name beside it.
    """
    bg = p.env.bg
    base = code.split("@", 1)[0]
    by_name = p.env.resolve(name).code
    if by_name is None or by_name.split("@", 1)[0] == base:
        return name
    return f"{bg.datasets[base].get('product') or base} (typed as {name!r})"


def _link_background(p: ProductContext, m: dict, unresolved: list[dict]) -> list[Line]:
    bg, row = p.env.bg, m.get("row")
    label = str(m.get("material"))
    ref = str(m.get("reference") or "").strip()
    res = p.env.resolve(ref if ref else label)
    if res.code is None:
        p.err("Materials", row, "material", "unknown_material",
              f"material {label!r} is not a background dataset" + (f" ({res.reason})" if res.reason else "")
              + f"; closest: {list(res.suggestions)}; use a name from inventories/aliases.csv")
        return []
    base = res.code.split("@", 1)[0]
    ds_unit = bg.datasets[base]["unit"]
    unit = unit_name(m.get("unit"))
    try:
        qty = units.convert(num(m.get("amount"), 0.0), unit, ds_unit) / p.norm
    except InputError as exc:
        p.err("Materials", row, "unit", "unit_mismatch", f"{unit} cannot be converted to {ds_unit} of {base}: {exc}")
        return []
    shown = _material_label(p, label, base)
    if ref and shown != label:
        by_name = p.env.resolve(label).code
        p.warn("Materials", row, "reference", "material_mismatch",
               f"material {label!r} names {by_name} but reference {ref!r} is {base}: the line is computed "
               f"and labelled as {base}; fix the material name or the reference")
    mass_kg = qty if units.dimension(ds_unit) == "mass" else 0.0
    rshare = num(m.get("recycled_share"), 0.0)
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


def _link_supplier_product(p: ProductContext, m: dict, unresolved: list[dict]) -> list[Line]:
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
    unit = unit_name(m.get("unit"))
    t_unit, t_per = declared_factor(target["declared_unit"])
    t_norm = num(target.get("declared_amount"), 1.0) * t_per
    t_mass = num(target.get("mass_kg"))
    amount = num(m.get("amount"), 0.0)
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
        dataset_year=year_of(t_sup.get("reporting_period_end")), dataset_unit=t_unit, **_typed(m))]


def _link_supplier_pcf(p: ProductContext, m: dict, unresolved: list[dict]) -> list[Line]:
    row, label = m.get("row"), str(m.get("material"))
    ref = str(m.get("reference") or "").strip()
    pcf = p.pcfs.get(ref)
    if pcf is None:
        p.err("Materials", row, "reference", "unknown_pcf",
              f"reference {ref!r} is not a pcf_id of sheet SupplierPCFs; ids: {sorted(p.pcfs)}")
        return []
    unit = unit_name(m.get("unit"))
    p_unit, p_per = declared_factor(pcf["declared_unit"])
    try:
        qty = units.convert(num(m.get("amount"), 0.0), unit, p_unit) / p.norm
    except InputError as exc:
        p.err("Materials", row, "unit", "unit_mismatch",
              f"{unit} cannot be converted to the declared unit {pcf['declared_unit']} of PCF {ref!r}: {exc}")
        return []
    p.used_pcfs.add(ref)
    ratings = tuple(num(pcf.get(k), DEFAULT_DQR) for k in ("dqr_technological", "dqr_geographical", "dqr_temporal"))
    origin = str(m.get("origin_region") or "").strip().upper() or None
    standard = pcf.get("standard")
    return [p.line(
        "supplier_pcf", "Materials", row, amount=qty, input=(SUPPLIER_DB, pcf_code(p.code.split("/")[0], ref)),
        label=label, region=origin or "declared", supplier=str(pcf.get("supplier_name") or p.company),
        primary=num(pcf.get("primary_data_share"), 0.0) / 100.0, dqr=ratings,
        pcf_kgco2e=num(pcf["pcf_kgco2e"]) / p_per, mass_kg=qty if units.dimension(p_unit) == "mass" else 0.0,
        dataset=f"{SUPPLIER_DB}:{pcf_code(p.code.split('/')[0], ref)}",
        dataset_name=f"{pcf.get('product_name')} (declared PCF of {pcf.get('supplier_name')})",
        dataset_source=("declared PCF" + (f", {standard}" if standard else "")
                        + (", third-party verified" if str(pcf.get("verified") or "").lower() in ("yes", "true")
                           else "")),
        dataset_year=year_of(pcf.get("reference_period_end")), dataset_unit=p_unit, **_typed(m))]


# -- Energy ----------------------------------------------------------------------------
def link_energy(p: ProductContext, e: dict) -> list[Line]:
    row, carrier = e.get("row"), str(e.get("carrier"))
    amount, unit = num(e.get("amount"), 0.0), unit_name(e.get("unit"))
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


def _electricity(p: ProductContext, e: dict, amount: float, unit: str, typed: dict) -> Line:
    bg, row = p.env.bg, e.get("row")
    sourcing = str(e.get("sourcing") or "grid")
    ef = num(e.get("supplier_ef_kgco2e_per_unit"))
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
                  mb_input=mb_input, mb_ef=mb_ef, sourcing=sourcing, **typed, **p.background(g_code))


def _fuel(p: ProductContext, e: dict, carrier: str, amount: float, unit: str, typed: dict) -> list[Line]:
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
    ef = num(e.get("supplier_ef_kgco2e_per_unit"))
    mb_input, mb_ef = (inventory.BACKGROUND_DB, ds), None
    if ef is not None:
        mb_input, mb_ef = None, ef * amount / qty if qty else 0.0
    return [p.line("energy", "Energy", row, amount=qty / p.norm, input=(inventory.BACKGROUND_DB, ds),
                   label=carrier.replace("_", " "), region=p.region, supplier=p.company, primary=1.0,
                   dqr=dqr("fuel"), mb_input=mb_input, mb_ef=mb_ef, **typed, **p.background(ds))]


# -- Transport -------------------------------------------------------------------------
def link_transport(p: ProductContext, t: dict) -> list[Line]:
    row, mode = t.get("row"), str(t.get("mode"))
    if mode not in TRANSPORT_DATASETS:
        p.err("Transport", row, "mode", "bad_mode", f"unknown mode {mode!r}")
        return []
    tkm = num(t.get("mass_t"), 0.0) * num(t.get("distance_km"), 0.0)
    outbound = str(t.get("direction") or "inbound").strip().lower() == OUTBOUND
    ds = TRANSPORT_DATASETS[mode]
    return [p.line("distribution" if outbound else "transport", "Transport", row, amount=tkm / p.norm,
                   input=(inventory.BACKGROUND_DB, ds),
                   label=f"{'distribution' if outbound else 'transport'} ({mode.replace('_', ' ')})",
                   region=p.region, supplier=p.company, primary=1.0, dqr=dqr("transport"),
                   typed=mode, quantity=tkm, typed_unit="t*km", **p.background(ds))]


# -- Emissions -------------------------------------------------------------------------
def link_emissions(p: ProductContext, em: dict) -> list[Line]:
    row, gas = em.get("row"), str(em.get("gas"))
    flow = p.env.flows.get(gas) or p.env.flows.get(gas.replace("_", " "))
    if flow is None:
        p.err("Emissions", row, "gas", "bad_gas", f"unknown gas {gas!r}")
        return []
    amount, unit = num(em.get("amount"), 0.0), unit_name(em.get("unit"))
    try:
        kg = units.convert(amount, unit, "kg")
    except InputError as exc:
        p.err("Emissions", row, "unit", "bad_unit", str(exc))
        return []
    return [p.line("emission", "Emissions", row, amount=kg / p.norm, input=None, flow=flow.alias,
                   label="direct emissions", region=p.region, supplier=p.company, primary=1.0, dqr=dqr("emission"),
                   typed=gas, quantity=amount, typed_unit=unit, dataset=f"{inventory.BIOSPHERE_DB}:{flow.alias}",
                   dataset_name=flow.name, dataset_unit="kilogram", dataset_source="the workbook's own direct emission (characterized by the "
                                                          "method)")]


SHEET_LINKERS = (("energy", link_energy), ("transport", link_transport), ("emissions", link_emissions))


