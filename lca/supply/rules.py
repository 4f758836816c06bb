"""Validation rules: a workbook's rows made into the template's records, with the cross-row and cross-sheet checks.

:func:`validate` checks a :class:`~lca.supply.workbook.RawWorkbook` against
:data:`lca.supply.sheets.SHEETS` and returns a :class:`~lca.supply.records.Submission`
plus every problem found, each an :class:`lca.InputIssue` with sheet (the title as
in the workbook), Excel row, column (the header key) and a code of the catalogue
:mod:`lca.issue_codes`. The sheets and their rows are found and parsed by
:mod:`lca.supply.layout` (cells by :mod:`lca.supply.fields` and
:mod:`lca.supply.cells`); this module builds products, material, energy, transport
and emission lines and declared PCFs from the rows, links them (ids unique,
references to products and PCFs that exist, units convertible, materials
resolvable) and checks across sheets (products without lines, mass balance, PCFs
out of date).

Example rows: a row whose ``product_id`` (or ``pcf_id`` in SupplierPCFs) is
``EXAMPLE`` or ``示例`` is the template's example and is skipped silently.
"""
from __future__ import annotations

import difflib
import re
from datetime import date
from typing import Callable

from lca.errors import InputIssue, Severity
from lca.issue_codes import detect_language as _detect_language
from lca.supply.fields import Ctx as _Ctx, Row as _Row
from lca.supply.layout import (MAX_ROW_WARNINGS, locate_sheets as _locate_sheets, supplier as _supplier,
                               table_rows as _table_rows)
from lca.supply.records import (EmissionLine, EnergyLine, MaterialLine, Product, Resolution, Submission,
                                SupplierInfo, SupplierPCF, TransportLine)
from lca.supply.sheets import SHEETS
from lca.supply.workbook import RawWorkbook
from lca.text import norm_text as _norm_text
from lca.units import CARRIERS, UNITS, convert, convert_carrier, dimension, is_convertible

__all__ = ["validate", "validate_file", "dict_resolver", "MASS_TOLERANCE", "PCF_VALIDITY_YEARS", "MAX_ROW_WARNINGS"]

# Product mass vs declared amount / vs the mass of its materials: a relative gap above this is flagged.
# green-lca's own screening threshold (not a standard): it catches unit slips (g vs kg, per piece vs per
# batch) that are factors of 2 or more, while packaging, losses and rounding stay well below it.
MASS_TOLERANCE = 0.5
# A declared PCF older than this (its reference period ended this many years before the workbook's
# period starts) is out of date: PACT v3 and the TfS guideline ask for an update at least every 3 years.
PCF_VALIDITY_YEARS = 3


# ---------------------------------------------------------------- resolvers

def dict_resolver(entries: dict[str, tuple[str, str]]) -> Callable[[str], Resolution]:
    """A ``resolve_material`` from ``{name: (code, bw_unit)}``; names match case-insensitively.

    ``database:code`` strings resolve when the code (or the whole string) is a
    known code. Unknown names get up to 5 suggestions (difflib).
    """
    by_name = {_norm_text(k): v for k, v in entries.items()}
    by_code = {code: unit for code, unit in entries.values()}
    names = list(entries)

    def resolve(name: str) -> Resolution:
        hit = by_name.get(_norm_text(name))
        if hit:
            return Resolution(hit[0], hit[1])
        if ":" in name:
            code = name.split(":", 1)[1]
            for c in (name, code):
                if c in by_code:
                    return Resolution(c, by_code[c])
        close = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
        if not close:
            low = _norm_text(name)
            close = [n for n in names if low and (low in _norm_text(n) or _norm_text(n) in low)][:5]
        return Resolution(None, None, tuple(close))

    return resolve


# ---------------------------------------------------------------- records from rows

def _check_unique(r: "_Row", key: str, value, seen: dict[str, int]) -> None:
    """An id used twice in one sheet is an error naming the row that used it first."""
    if value is None:
        return
    if value in seen:
        r.error(key, "duplicate_id", f"{key} {value!r} is already used in row {seen[value]}: give each row its own id")
    else:
        seen[value] = r.number


def _products(ctx: _Ctx, rows: list[_Row]) -> dict[str, Product]:
    out: dict[str, Product] = {}
    seen: dict[str, int] = {}
    for r in rows:
        pid = r.get("product_id")
        _check_unique(r, "product_id", pid, seen)
        unit, mass = r.get("declared_unit"), r.get("mass_kg")
        amount = r.get("declared_amount") if r.get("declared_amount") is not None else 1.0
        if unit is not None and unit not in ("kg", "t") and mass is None and r.cells.get("mass_kg") is None:
            r.error("mass_kg", "missing_value",
                    f"mass_kg (质量（kg）) is required when declared_unit is {unit}: enter the mass per declared amount")
        if unit in ("kg", "t"):
            implied = amount * UNITS[unit].base_factor
            if mass is not None and abs(mass - implied) > MASS_TOLERANCE * implied:
                r.error("mass_kg", "mass_inconsistent",
                        f"mass_kg {mass:g} does not match the declared {amount:g} {unit} ({implied:g} kg; more "
                        f"than {MASS_TOLERANCE:.0%} apart): correct mass_kg or leave it empty", Severity.WARNING)
            mass = implied if mass is None else mass
        if not r.ok or pid is None:
            continue
        out[pid] = Product(pid, r.get("product_name"), unit, float(amount), r.get("production_region"), mass,
                           r.get("declared_pcf_kgco2e"), r.get("annual_output"), r.number)
    return out


def _check_product(r: _Row, products: dict[str, Product], all_ids: set[str]) -> Product | None:
    pid = r.get("product_id")
    if pid is None:
        return None
    if pid not in all_ids:
        known = ", ".join(sorted(all_ids)[:10]) or "none"
        r.error("product_id", "unknown_product",
                f"product_id {pid!r} is not in the Products sheet (known: {known}): add it there or fix the id")
        return None
    return products.get(pid)


def _materials(rows: list[_Row], products: dict[str, Product], ids: set[str],
               pcfs: dict[str, SupplierPCF], company_id: str | None) -> list[MaterialLine]:
    out: list[MaterialLine] = []
    seen: dict[tuple[str, str], int] = {}
    for r in rows:
        _check_product(r, products, ids)
        pid, line = r.get("product_id"), r.get("line_id")
        if pid is not None and line is not None:
            if (pid, line) in seen:
                r.error("line_id", "duplicate_id", f"line_id {line!r} of product {pid!r} is already used in "
                                                   f"row {seen[(pid, line)]}")
            else:
                seen[(pid, line)] = r.number
        dataset, ds_unit, ds_amount = _link_material(r, pcfs, ids, company_id)
        if not r.ok:
            continue
        out.append(MaterialLine(pid, line, r.get("material"), r.get("amount"), r.get("unit"), r.get("source"),
                                r.get("reference"), r.get("origin_region"), r.get("recycled_share"),
                                r.get("supplier_name"), dataset, ds_unit, ds_amount, r.number))
    return out


def _link_material(r: _Row, pcfs: dict[str, SupplierPCF], ids: set[str], company_id: str | None):
    """Check source/reference/material/unit of a Materials row; (dataset, its unit, converted amount)."""
    source, ref, unit, amount = r.get("source"), r.get("reference"), r.get("unit"), r.get("amount")
    material = r.get("material")
    if source is None or material is None:
        return None, None, None
    if source == "supplier_product":
        if ref is None:
            r.error("reference", "missing_value", "a supplier_product line needs reference COMPANY_ID/PRODUCT_ID")
        elif not re.fullmatch(r"[A-Za-z0-9._-]{1,64}/[A-Za-z0-9._-]{1,64}", ref):
            r.error("reference", "bad_reference",
                    f"{ref!r} is not COMPANY_ID/PRODUCT_ID (e.g. ACME-CATHODE/NCM811-CAM)")
        elif company_id and ref.split("/")[0] == company_id and ref.split("/")[1] not in ids:
            r.error("reference", "unknown_product",
                    f"{ref!r} names your own company but product {ref.split('/')[1]!r} is not in Products")
        elif company_id and ref == f"{company_id}/{r.get('product_id')}":
            r.error("reference", "self_reference",
                    f"product {r.get('product_id')!r} lists itself ({ref}) as its own material {material!r}: a "
                    "product cannot be an input of itself (its footprint would be inflated by 1/(1 - amount)); "
                    "reference the real input (another product or a dataset) or delete the row")
        res = r.ctx.resolve(material)
        return (res.code, res.unit, None) if res.code else (None, None, None)
    if source == "supplier_pcf":
        if ref is None:
            r.error("reference", "missing_value", "a supplier_pcf line needs reference = a pcf_id of SupplierPCFs")
            return None, None, None
        pcf = pcfs.get(ref)
        if pcf is None and ref in r.ctx.pcf_ids:
            return None, None, None  # that PCF row has its own error
        if pcf is None:
            known = ", ".join(sorted(pcfs)[:10]) or "none"
            r.error("reference", "unknown_reference",
                    f"pcf_id {ref!r} is not in the SupplierPCFs sheet (known: {known})")
            return None, None, None
        bw = UNITS[pcf.declared_unit].bw_unit
        return None, bw, _converted(r, amount, unit, bw, f"the PCF {ref} is per {pcf.declared_unit}")
    # background
    if ref is not None and not re.fullmatch(r"[^:\s]+:[^:\s]+", ref):
        r.error("reference", "bad_reference", f"{ref!r} is not a dataset reference database:code")
        return None, None, None
    res = r.ctx.resolve(ref or material)
    if res.code is None:
        sugg = f" Closest known names: {', '.join(res.suggestions)}." if res.suggestions else ""
        why = f" {res.reason}." if getattr(res, "reason", "") else ""
        key = "reference" if ref else "material"
        r.error(key, "unknown_material",
                f"{(ref or material)!r} is not a known material or dataset.{why}{sugg} Use a name from "
                "inventories/aliases.csv or a dataset database:code")
        return None, None, None
    if res.unit is None:
        return res.code, None, None
    return res.code, res.unit, _converted(r, amount, unit, res.unit, f"the dataset {res.code} is per {res.unit}")


def _converted(r: _Row, amount, unit, target: str, why: str) -> float | None:
    if unit is None or amount is None:
        return None
    if not is_convertible(unit, target):
        ok_units = [u for u, d in UNITS.items() if d.dimension == dimension(target)]
        r.error("unit", "unit_mismatch", f"{unit} cannot be converted: {why}; use one of {', '.join(ok_units)}")
        return None
    return convert(amount, unit, target)


def _energy(rows: list[_Row], products: dict[str, Product], ids: set[str]) -> list[EnergyLine]:
    out = []
    for r in rows:
        prod = _check_product(r, products, ids)
        carrier, unit, amount = r.get("carrier"), r.get("unit"), r.get("amount")
        ref_amount = None
        if carrier is not None and unit is not None:
            allowed = CARRIERS[carrier].units
            if unit not in allowed:
                r.error("unit", "unknown_unit", f"{unit} is not a unit for {carrier}: use one of {', '.join(allowed)}")
            elif amount is not None:
                ref_amount = convert_carrier(carrier, amount, unit)
        region, sourcing = r.get("grid_region"), r.get("sourcing")
        if carrier is not None and carrier != "electricity":
            for key, val in (("grid_region", region), ("sourcing", sourcing)):
                if val is not None:
                    r.error(key, "ignored_value", f"{key} applies to electricity only and is ignored for {carrier}",
                            Severity.WARNING)
            region = sourcing = None
        elif carrier == "electricity":
            region = region or (prod.production_region if prod else None)
            sourcing = sourcing or "grid"
        ef_row, ef_unit_text = _supplier_ef(r, carrier, unit)
        if not r.ok:
            continue
        out.append(EnergyLine(r.get("product_id"), carrier, amount, unit, ref_amount,
                              CARRIERS[carrier].reference_unit, region, sourcing, ef_row, r.number,
                              r.get("supplier_ef_kgco2e_per_unit"), ef_unit_text))
    return out


def _supplier_ef(r: _Row, carrier: str | None, unit: str | None) -> tuple[float | None, str | None]:
    """The supplier's emission factor per the row's unit [kg CO2e / unit], and its unit as stated.

    The factor is stated in ``supplier_ef_unit`` or, when that is empty, in kg CO2e/kWh for
    electricity and kg CO2e per the row's unit for other carriers. It must lie in the carrier's
    plausible range (``inventories/vocabulary/carriers.csv``), else the cell is refused naming the range.
    """
    ef, stated = r.get("supplier_ef_kgco2e_per_unit"), r.get("supplier_ef_unit")
    if ef is None:
        if stated is not None:
            r.error("supplier_ef_unit", "ignored_value",
                    "supplier_ef_unit is given without supplier_ef_kgco2e_per_unit and is ignored", Severity.WARNING)
        return None, None
    if carrier is None or unit is None or unit not in CARRIERS[carrier].units:
        return None, None  # the row has its own error
    c = CARRIERS[carrier]
    if stated is None:
        kg_per, per_unit = 1.0, ("kWh" if carrier == "electricity" else unit)
    else:
        kg_per, per_unit = stated
        if per_unit not in c.units:
            r.error("supplier_ef_unit", "unit_mismatch",
                    f"an emission factor per {per_unit} does not fit {carrier}: use kg CO2e per one of "
                    f"{', '.join(c.units)}")
            return None, None
    text = f"{'kg' if kg_per == 1.0 else 't' if kg_per == 1000.0 else 'g'} CO2e/{per_unit}"
    per_reference = ef * kg_per / convert_carrier(carrier, 1.0, per_unit)  # [kg CO2e / reference unit]
    lo, hi = c.ef_range
    ref_unit = {"kilowatt hour": "kWh", "cubic meter": "m3", "kilogram": "kg", "megajoule": "MJ"}.get(
        c.reference_unit, c.reference_unit)
    if not lo <= per_reference <= hi:
        r.error("supplier_ef_kgco2e_per_unit", "implausible_factor",
                f"{ef:g} {text} is {per_reference:.4g} kg CO2e/{ref_unit}, outside the plausible range "
                f"{lo:g}..{hi:g} kg CO2e/{ref_unit} for {carrier} ({c.ef_range_source}): check the value and "
                "its unit (supplier_ef_unit; empty means "
                f"{'kg CO2e/kWh' if carrier == 'electricity' else 'kg CO2e per the row unit'})")
        return None, None
    return per_reference * convert_carrier(carrier, 1.0, unit), text


def _transport(rows, products, ids) -> list[TransportLine]:
    out = []
    for r in rows:
        _check_product(r, products, ids)
        if r.ok:
            out.append(TransportLine(r.get("product_id"), r.get("mode"), r.get("mass_t"), r.get("distance_km"),
                                     r.get("direction") or "inbound", r.number))
    return out


def _emissions(rows, products, ids) -> list[EmissionLine]:
    out = []
    for r in rows:
        _check_product(r, products, ids)
        if r.ok:
            amount, unit = r.get("amount"), r.get("unit")
            out.append(EmissionLine(r.get("product_id"), r.get("gas"), amount, unit,
                                    amount * UNITS[unit].base_factor, r.number))
    return out


def _pcfs(ctx: _Ctx, rows: list[_Row], supplier: SupplierInfo | None) -> dict[str, SupplierPCF]:
    out: dict[str, SupplierPCF] = {}
    seen: dict[str, int] = {}
    for r in rows:
        pid = r.get("pcf_id")
        _check_unique(r, "pcf_id", pid, seen)
        end = r.get("reference_period_end")
        if end is not None and supplier is not None:
            start = supplier.reporting_period_start
            limit = _years_before(start, PCF_VALIDITY_YEARS)
            if end < limit:
                r.error("reference_period_end", "pcf_outdated",
                        f"the PCF's reference period ended {end}, more than {PCF_VALIDITY_YEARS} years before this workbook's period "
                        f"({start}): ask the supplier for an updated PCF (PACT validity)", Severity.WARNING)
        if not r.ok or pid is None:
            continue
        verified = r.get("verified")
        out[pid] = SupplierPCF(pid, r.get("supplier_name"), r.get("product_name"), r.get("declared_unit"),
                               r.get("pcf_kgco2e"), r.get("primary_data_share"), r.get("dqr_technological"),
                               r.get("dqr_geographical"), r.get("dqr_temporal"), r.get("standard"), end,
                               None if verified is None else verified == "yes", r.number)
    return out


def _years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def _empty_products(ctx: _Ctx, rows: dict[str, list], products: dict[str, Product]) -> None:
    """A product without a single Materials, Energy, Transport or Emissions row is an error (its footprint: 0)."""
    used = {r.get("product_id") for key in ("Materials", "Energy", "Transport", "Emissions")
            for r in rows.get(key, [])}
    for pid, p in products.items():
        if pid not in used:
            ctx.add(ctx.titles.get("Products", "Products"), p.row, "product_id", "empty_product",
                    f"product {pid!r} has no Materials, Energy, Transport or Emissions row: its footprint would be "
                    "0 kg CO2e; add its inputs and emissions (or delete the product)")


def _line_mass(m: MaterialLine, products: dict[str, Product], company_id: str | None) -> float | None:
    """[kg] of a Materials line per declared amount, or None when the workbook does not tell it.

    A line in a mass unit weighs its amount; a ``supplier_product`` line of the same company's
    product in that product's declared unit weighs amount x its mass per declared unit; bought
    products of other companies (and PCF lines in pieces, m2...) have a mass known only elsewhere.
    """
    if dimension(m.unit) == "mass":
        return m.amount * UNITS[m.unit].base_factor
    if m.source == "supplier_product" and company_id and m.reference_company == company_id:
        p = products.get(m.reference_product or "")
        if p is not None and p.mass_kg and m.unit == p.declared_unit:
            return m.amount * p.mass_kg / p.declared_amount
    return None


def _mass_balance(ctx: _Ctx, products: dict[str, Product], materials: list[MaterialLine], title: str,
                  company_id: str | None = None, classes: dict | None = None) -> None:
    """Warn when the mass of a product's materials is implausible for its product class.

    The window [min, max] kg of materials per kg of product is the class's ``materials_kg_per_kg``
    (:func:`lca.supply.plausibility.mass_window`): about 1 for assembled products (the BOM weighs
    what the product weighs, MASS_TOLERANCE either way), wide for process industries (reagents,
    yields and water legitimately weigh more). When some lines' masses are unknown (bought
    products in pieces), the known lines give a lower bound: only materials heavier than the
    product are flagged then, never a shortfall.
    """
    from lca.supply import plausibility

    totals: dict[str, float] = {}
    unknown: dict[str, int] = {}
    for m in materials:
        kg = _line_mass(m, products, company_id)
        if kg is None:
            unknown[m.product_id] = unknown.get(m.product_id, 0) + 1
        else:
            totals[m.product_id] = totals.get(m.product_id, 0.0) + kg
    for pid, total in totals.items():
        p = products.get(pid)
        if p is None or not p.mass_kg or total <= 0:
            continue
        n_unknown = unknown.get(pid, 0)
        pclass = (classes or {}).get(pid) or plausibility.classify(p.product_name)
        lo, hi = plausibility.mass_window(pclass)
        ratio = total / p.mass_kg
        if ratio > hi or (not n_unknown and ratio < lo):
            also = (f" (plus {n_unknown} line(s) of unknown mass, so at least {total:g} kg)" if n_unknown else "")
            slip = plausibility.likely_slip(ratio, lo, hi, "", ctx.lang)
            slip = slip if slip.startswith(("likely", "可能")) else ("请检查数量、单位、质量（kg）及声明数量" if ctx.lang == "zh"
                                                                   else "check amounts, units and declared_amount")
            if ctx.lang == "zh":
                msg = (f"产品 {pid}：物料合计{'至少' if n_unknown else ''} {total:g} 千克/声明数量"
                       f"{'（另有 %d 行质量未知）' % n_unknown if n_unknown else ''}，"
                       f"而质量（kg）为 {p.mass_kg:g} 千克，即每千克产品 {ratio:.3g} 千克物料，超出{pclass.label_zh}的合理范围 "
                       f"{lo:g}..{hi:g}；{slip}")
            else:
                msg = (f"product {pid}: materials weigh {total:g} kg per declared amount{also} but mass_kg is "
                       f"{p.mass_kg:g} kg: {ratio:.3g} kg of materials per kg of product, outside {lo:g}..{hi:g} "
                       f"for {pclass.label} (inventories/plausibility.toml); {slip}")
            ctx.add(title, p.row, "mass_kg", "mass_inconsistent", msg, Severity.WARNING)


# ---------------------------------------------------------------- entry point

def validate(raw: RawWorkbook, resolve_material: Callable[[str], Resolution]
             ) -> tuple[Submission, list[InputIssue]]:
    """Check a workbook against template version 1 and build typed records.

    Parameters
    ----------
    raw : RawWorkbook
        From :func:`lca.supply.workbook.read_workbook`.
    resolve_material : callable
        ``name_or_ref -> Resolution``: material names (English/Chinese) and
        ``database:code`` strings to background datasets.

    Returns
    -------
    (Submission, list[InputIssue])
        All problems at once, sorted by sheet order and row. When any issue has
        severity ``error`` the submission is partial and must not be stored.
        A blank workbook (the template as written) gives an empty submission
        and one ``blank_workbook`` warning.
    """
    ctx = _Ctx(raw, resolve_material)
    ctx.lang = _detect_language(list(raw.sheets))  # the workbook's language: messages wholly in it
    sheets = _locate_sheets(ctx)
    for spec in SHEETS.values():
        if spec.required and spec.key not in sheets:
            ctx.add(spec.key, None, None, "missing_sheet",
                    f"the {spec.key} ({spec.zh}) sheet is missing: use the template")
    supplier, blank = _supplier(ctx, sheets.get("Supplier"))
    rows = {key: _table_rows(ctx, sheets[key], SHEETS[key]) for key in SHEETS
            if key != "Supplier" and key in sheets and (sheets[key].header or sheets[key].rows)}
    if blank and not any(rows.values()) and not ctx.has_errors:
        ctx.add(ctx.titles.get("Supplier", "Supplier"), None, None, "blank_workbook",
                "the workbook is blank: fill in the Supplier sheet and at least one product", Severity.WARNING)
        return Submission(None, source_file=raw.path, sheet_titles=dict(ctx.titles)), _sorted(ctx)
    if blank:
        ctx.add(ctx.titles.get("Supplier", "Supplier"), None, None, "missing_value",
                "the Supplier sheet is empty: fill in company_name, company_id, country and the reporting period")
    all_ids = {r.get("product_id") for r in rows.get("Products", []) if r.get("product_id")}
    products = _products(ctx, rows.get("Products", []))
    ctx.pcf_ids = {r.get("pcf_id") for r in rows.get("SupplierPCFs", []) if r.get("pcf_id")}
    pcfs = _pcfs(ctx, rows.get("SupplierPCFs", []), supplier)
    company = supplier.company_id if supplier else None
    materials = _materials(rows.get("Materials", []), products, all_ids, pcfs, company)
    energy = _energy(rows.get("Energy", []), products, all_ids)
    transport = _transport(rows.get("Transport", []), products, all_ids)
    emissions = _emissions(rows.get("Emissions", []), products, all_ids)
    if "Products" in sheets and not rows.get("Products"):
        ctx.add(ctx.titles["Products"], None, None, "no_products",
                "the Products sheet has no product: add at least one row below the header")
    classes = {pid: _product_class(ctx, p) for pid, p in products.items()}
    _mass_balance(ctx, products, materials, ctx.titles.get("Products", "Products"), company, classes)
    _empty_products(ctx, rows, products)
    used = {m.reference for m in materials if m.source == "supplier_pcf"}
    for pid, pcf in pcfs.items():
        if pid not in used:
            ctx.add(ctx.titles["SupplierPCFs"], pcf.row, "pcf_id", "unused_pcf",
                    f"pcf_id {pid!r} is not referenced by any Materials line", Severity.WARNING)
    sub = Submission(supplier, tuple(products.values()), tuple(materials), tuple(energy), tuple(transport),
                     tuple(emissions), tuple(pcfs.values()), raw.path, dict(ctx.titles))
    _plausibility(ctx, sub, rows, classes)
    return sub, _sorted(ctx)


def _product_class(ctx: _Ctx, p: Product):
    """The plausibility class of a product: by its name, else by the background dataset its name resolves to."""
    from lca.supply import plausibility

    pclass = plausibility.classify(p.product_name)
    if pclass.key == "default" and p.product_name:
        code = getattr(ctx.resolve, "exact", ctx.resolve)(p.product_name).code
        if code:
            pclass = plausibility.classify(p.product_name, code)
    return pclass


def _plausibility(ctx: _Ctx, sub: Submission, rows: dict, classes: dict) -> None:
    """``implausible_intensity`` warnings on the cells of lines out of their product class's range."""
    from lca.supply import plausibility

    by_number = {(key, r.number): r for key, found in rows.items() for r in found}
    for row, key, message, number, sheet in plausibility.check_lines(
            sub, by_number, ctx.lang, lambda p: classes[p.product_id]):
        if row is not None:
            row.error(key, "implausible_intensity", message, Severity.WARNING)
        else:
            ctx.add(ctx.titles.get(sheet, sheet), number, key, "implausible_intensity", message, Severity.WARNING)


def _sorted(ctx: _Ctx) -> list[InputIssue]:
    order = {t: i for i, t in enumerate(ctx.raw.sheets)}
    return sorted(ctx.issues, key=lambda i: (order.get(i.sheet or "", -1), i.row or 0))


def validate_file(path, resolve_material: Callable[[str], Resolution],
                  data: bytes | None = None) -> tuple[Submission, list[InputIssue]]:
    """Read (safely) and validate a workbook file; file-level warnings come first.

    ``data``: the file's bytes when already read (see ``read_workbook``).
    Raises lca.InputError when the file itself is refused (see ``read_workbook``).
    """
    from lca.supply.workbook import read_workbook
    raw, issues = read_workbook(path, data)
    sub, more = validate(raw, resolve_material)
    return sub, issues + more
