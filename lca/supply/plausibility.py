"""Plausibility: supplier line intensities and product footprints against reference ranges per product class.

The ranges are data (``inventories/plausibility.toml``: per product class, per kg of
product, each with its source, all labelled estimates). :func:`classify` puts a
product in a class by its name (or the background dataset its name resolves to);
:func:`check_lines` checks a validated workbook's lines (electricity, fuels,
materials, transport, emissions per kg of product) while the workbook's rows are at
hand, so each warning ``implausible_intensity`` names the cell, the value (per
declared unit and per kg), the expected range and the likely slip (10x decimal,
1000x t vs kg / MWh vs kWh, 10,000x wan (10^4) vs 1), in the workbook's language;
:func:`mass_window` gives the class's mass-check window (assembled products vs
process industries, :func:`lca.supply.rules` uses it); :func:`check_footprints`
checks computed footprints per kg against the class range and the same
material's background dataset. ``lca import --strict`` makes ``implausible_intensity``
an error (:mod:`lca.supply.importer`).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from ..errors import InputIssue, LcaError, Severity
from ..paths import inventories_dir
from ..units import CARRIERS, UNITS, dimension

__all__ = ["CODE", "ProductClass", "classes", "classify", "check_lines", "mass_window", "check_footprints",
           "likely_slip", "background_factor"]

CODE = "implausible_intensity"
FILE = "plausibility.toml"


@dataclass(frozen=True)
class ProductClass:
    """One product class of ``inventories/plausibility.toml``: ranges [min, max] per kg of product."""

    key: str
    label: str
    label_zh: str
    mass_check: str                       # assembled | process | unclassed
    source: str
    names: tuple[str, ...]
    codes: tuple[str, ...]
    ranges: dict                          # quantity -> (min, max)

    def range(self, quantity: str):
        return self.ranges.get(quantity)


@lru_cache(maxsize=4)
def _load(path_text: str) -> tuple[dict, float]:
    from ..inventory import read_toml
    from pathlib import Path

    doc = read_toml(Path(path_text), "plausibility ranges")
    missing = [k for k in ("background_factor",) if k not in doc] + \
        [f"classes.default.{k}" for k in ("materials_kg_per_kg",) if k not in doc.get("classes", {}).get("default", {})]
    if missing:
        raise LcaError(f"{path_text}: {', '.join(missing)} missing; every class takes its ranges from "
                       "[classes.default] (restore the bundled inventories/plausibility.toml or add them)")
    default = doc["classes"]["default"]
    out = {}
    for key, c in doc["classes"].items():
        merged = {k: v for k, v in default.items() if isinstance(v, list) and k not in ("names", "codes")}
        merged.update({k: v for k, v in c.items() if isinstance(v, list) and k not in ("names", "codes")})
        out[key] = ProductClass(key, c.get("label", key), c.get("label_zh", c.get("label", key)),
                                c.get("mass_check", "unclassed"), c.get("source", ""),
                                tuple(str(n).lower() for n in c.get("names", [])), tuple(c.get("codes", [])),
                                {k: (float(v[0]), float(v[1])) for k, v in merged.items()})
    return out, float(doc["background_factor"])


def classes() -> dict[str, ProductClass]:
    """Every product class by key, ``default`` first (ranges completed from ``default``)."""
    return _load(str(inventories_dir() / FILE))[0]


def background_factor() -> float:
    """[-] How far (either way) a footprint per kg may be from its material's background dataset."""
    return _load(str(inventories_dir() / FILE))[1]


_ASCII = re.compile(r"^[a-z0-9 ]+$")


def _matches(name: str, needle: str) -> bool:
    if _ASCII.match(needle):  # latin names match whole words (``pack`` is not ``packaging``)
        return re.search(rf"(?<![a-z0-9]){re.escape(needle)}(?![a-z0-9])", name) is not None
    return needle in name


def classify(product_name: str | None, code: str | None = None) -> ProductClass:
    """The class of a product: the first class whose names occur in ``product_name``, else whose
    background ``code`` (what the name resolves to) it lists, else ``default``."""
    all_ = classes()
    name = (product_name or "").lower()
    for c in all_.values():
        if any(_matches(name, n) for n in c.names):
            return c
    if code:
        for c in all_.values():
            if code in c.codes:
                return c
    return all_["default"]


def mass_window(product_class: ProductClass) -> tuple[float, float]:
    """[kg/kg] The plausible mass of all materials per kg of product for the class (the mass check)."""
    return product_class.range("materials_kg_per_kg")  # every class has it: [classes.default] is merged in


# ---------------------------------------------------------------- the likely slip

_SLIPS = (  # (factor, unit test, English, Chinese)
    (1e4, lambda u: "万" in u, "10,000x: a value in units typed into a 10^4 (wan) unit", "一万倍：按“1”计的数值填在了“万”单位下"),
    (1e3, lambda u: u in ("MWh", "GJ"), "1000x: a value in kWh/MJ typed into a MWh/GJ row",
     "一千倍：按千瓦时/兆焦的数值填在了兆瓦时/吉焦单位下"),
    (1e3, lambda u: u == "t", "1000x: kilograms typed into a tonne (t) cell", "一千倍：按千克的数值填在了吨（t）单位下"),
    (1e3, lambda u: True, "1000x: t vs kg, MWh vs kWh or g vs kg", "一千倍：吨与千克、兆瓦时与千瓦时或克与千克混淆"),
    (1e4, lambda u: True, "10,000x: 10^4 (wan) vs 1", "一万倍：“万”与“1”混淆"),
    (10.0, lambda u: True, "10x: a misplaced decimal point", "十倍：小数点位置错误"),
)


def likely_slip(value: float, lo: float, hi: float, unit: str = "", lang: str = "en") -> str:
    """The unit or decimal slip that best explains ``value`` outside ``[lo, hi]`` (and the corrected value's
    factor), or a plain hint when none does. ``unit`` is the row's unit as typed (``万kWh``, ``t``, ``MWh``)."""
    up = value > hi
    ratio = (value / hi) if up else (lo / value if value > 0 else math.inf)
    best = None
    for factor, fits, en, zh in _SLIPS:
        if not fits(unit if up else ""):
            continue
        corrected = value / factor if up else value * factor
        if lo <= corrected <= hi or (best is None and ratio >= factor / 3 and ratio <= factor * 3):
            best = (factor, en, zh, corrected)
            if lo <= corrected <= hi:
                break
    if best is None:
        return ("检查数值、单位及声明数量（按每声明数量填写）" if lang == "zh" else
                "check the value, its unit and the declared amount (quantities are per declared amount)")
    factor, en, zh, corrected = best
    if not up:  # a value too small: the reverse slip
        en = en.replace("typed into", "<-").replace("a value in", "a value meant in")
    if lang == "zh":
        return f"可能的错误：{zh}（若如此，应为 {corrected:.4g}）"
    return f"likely slip: {en} (if so, the value would be {corrected:.4g})"


# ---------------------------------------------------------------- line checks

_TEXT = {
    "electricity_kwh_per_kg": ("electricity", "电力", "kWh"),
    "fuel_mj_per_kg": ("fuel/heat", "燃料/热力", "MJ"),
    "material_kg_per_kg": ("material", "物料", "kg"),
    "transport_t_per_kg": ("transported mass", "运输质量", "kg"),
    "distance_km": ("transport distance", "运输距离", "km"),
    "emission_kg_per_kg": ("direct emission", "直接排放", "kg"),
}


def _message(quantity: str, per_kg: float, per_declared: float | None, lo: float, hi: float, pclass: ProductClass,
             product: str, declared: str, unit: str, lang: str) -> str:
    what_en, what_zh, u = _TEXT[quantity]
    per = "" if quantity == "distance_km" else "/kg"
    slip = likely_slip(per_kg, lo, hi, unit, lang)
    if lang == "zh":
        dec = f"（每 {declared} 为 {per_declared:.4g} {u}）" if per_declared is not None else ""
        return (f"产品 {product} 的{what_zh}强度 {per_kg:.4g} {u}{'/千克产品' if per else ''}{dec}超出"
                f"{pclass.label_zh}的合理范围 {lo:g}..{hi:g} {u}{'/千克' if per else ''}"
                f"（估计值，来源见 inventories/plausibility.toml）；{slip}")
    dec = f" ({per_declared:.4g} {u} per {declared} as declared)" if per_declared is not None else ""
    return (f"product {product}: {what_en} intensity {per_kg:.4g} {u}{per} of product{dec} is outside the "
            f"plausible range {lo:g}..{hi:g} {u}{per} for {pclass.label} (estimates, sources in "
            f"inventories/plausibility.toml); {slip}")


def _out(value: float, rng) -> bool:
    return rng is not None and not (rng[0] <= value <= rng[1])


def check_lines(sub, rows: dict, lang: str, classify_product=None) -> list[tuple]:
    """Check every line of a validated ``Submission`` against its product's class ranges.

    Parameters
    ----------
    sub : lca.supply.records.Submission
    rows : dict
        ``(sheet key, row number) -> lca.supply.fields.Row`` of the workbook, to name the cell.
    lang : {"en", "zh"}
        The workbook's language; the messages are wholly in it.
    classify_product : callable, optional
        ``Product -> ProductClass`` (default :func:`classify` by name).

    Returns
    -------
    list of (Row or None, column key, message)
        One entry per implausible line; the caller reports them as ``implausible_intensity`` warnings.
    """
    found = []
    cls_of = classify_product or (lambda p: classify(p.product_name))
    grouped = None  # product_id -> its lines by sheet key (Submission.lines_by_product), grouped once
    for p in sub.products:
        mass = p.mass_kg
        if not mass or mass <= 0:
            continue
        pclass = cls_of(p)
        declared = f"{p.declared_amount:g} {p.declared_unit}"
        if grouped is None:
            grouped = sub.lines_by_product()
        lines = grouped.get(p.product_id) or _NO_LINES

        def flag(sheet, line, key, quantity, per_kg, unit, per_declared=None):
            lo, hi = pclass.range(quantity)
            found.append((rows.get((sheet, line.row)), key, _message(
                quantity, per_kg, per_declared, lo, hi, pclass, p.product_id, declared, unit, lang), line.row,
                sheet))

        elec = [e for e in lines["Energy"] if e.carrier == "electricity"]
        if elec:
            kwh = sum(e.reference_amount for e in elec)
            rng = pclass.range("electricity_kwh_per_kg")
            if _out(kwh / mass, rng):
                main = max(elec, key=lambda e: e.reference_amount)
                flag("Energy", main, "amount", "electricity_kwh_per_kg", kwh / mass, main.unit,
                     kwh)
        for e in lines["Energy"]:
            if e.carrier == "electricity":
                continue
            c = CARRIERS[e.carrier]
            mj = e.reference_amount * c.per_reference.get("energy", 0.0)
            if mj and _out(mj / mass, pclass.range("fuel_mj_per_kg")):
                flag("Energy", e, "amount", "fuel_mj_per_kg", mj / mass, e.unit, mj)
        for m in lines["Materials"]:
            if dimension(m.unit) != "mass":
                continue
            kg = m.amount * UNITS[m.unit].base_factor
            if _out(kg / mass, pclass.range("material_kg_per_kg")):
                flag("Materials", m, "amount", "material_kg_per_kg", kg / mass, m.unit, kg)
        for t in lines["Transport"]:
            kg = t.mass_t * 1000.0
            if _out(kg / mass, pclass.range("transport_t_per_kg")):
                flag("Transport", t, "mass_t", "transport_t_per_kg", kg / mass, "t", kg)
            if _out(t.distance_km, pclass.range("distance_km")):
                flag("Transport", t, "distance_km", "distance_km", t.distance_km, "km")
        for e in lines["Emissions"]:
            if _out(e.amount_kg / mass, pclass.range("emission_kg_per_kg")):
                flag("Emissions", e, "amount", "emission_kg_per_kg", e.amount_kg / mass, e.unit,
                     e.amount_kg)
    return found


_NO_LINES = {"Materials": (), "Energy": (), "Transport": (), "Emissions": ()}  # a product without lines


# ---------------------------------------------------------------- footprints

def check_footprints(items, background_scores=None, lang: str = "en") -> list[dict]:
    """Computed footprints per kg against the class range and the same material's background dataset.

    Parameters
    ----------
    items : iterable of dict
        Each ``{"ref", "name", "kg_co2e_per_kg", "code"}``: ``code`` the background dataset the product's
        name resolves to (or None).
    background_scores : mapping, optional
        ``code -> kg CO2e per kg`` of background datasets.

    Returns
    -------
    list of dict
        ``{"ref", "value", "range": [lo, hi], "reference", "message"}`` for each implausible footprint.
    """
    out = []
    factor = background_factor()
    for it in items:
        v = it["kg_co2e_per_kg"]
        if v is None or not math.isfinite(v):
            continue
        pclass = classify(it.get("name"), it.get("code"))
        checks = []
        rng = pclass.range("footprint_kgco2e_per_kg")
        if rng is not None:
            checks.append((rng, pclass.label_zh if lang == "zh" else pclass.label))
        code = it.get("code")
        if code and background_scores is not None and code in background_scores:
            f = float(background_scores[code])
            if f > 0:
                checks.append(((f / factor, f * factor),
                               f"背景数据集 {code}（{f:.3g}）" if lang == "zh" else f"background dataset {code} ({f:.3g})"))
        for (lo, hi), ref in checks:
            if lo <= v <= hi:
                continue
            slip = likely_slip(v, lo, hi, "", lang)
            msg = (f"{it['ref']} 的碳足迹 {v:.4g} kg CO2e/千克产品超出{ref}的合理范围 {lo:.3g}..{hi:.3g}；{slip}"
                   if lang == "zh" else
                   f"{it['ref']}: footprint {v:.4g} kg CO2e per kg of product is outside the plausible range "
                   f"{lo:.3g}..{hi:.3g} of {ref}; {slip}")
            out.append({"ref": it["ref"], "value": v, "range": [lo, hi], "reference": ref, "message": msg})
            break
    return out


def to_issue(entry: tuple, file: str | None, titles: dict) -> InputIssue:
    """A :func:`check_lines` entry -> an ``implausible_intensity`` warning (for callers without the rows)."""
    row, key, message, number, sheet = entry
    return InputIssue(titles.get(sheet, sheet), number, key, CODE, message, Severity.WARNING, file)
