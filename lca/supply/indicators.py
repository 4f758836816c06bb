"""Indicators of a carbon profile, as an auditor would define them, and the profile's methodology notes.

Each indicator is computed from the accumulated lines of the roll-up
(:class:`lca.supply.rollup.Accumulation`: every linked line of the chain with
the amount of its activity the product needs and its contribution) and, for
electricity, from the solved supply of the whole chain. The definitions
(:data:`DEFINITIONS`) are the ones printed on the report's methodology sheet.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib import metadata

import numpy as np

from .. import inventory
from .lines import GREEN_FACTORY_LEVELS, SUPPLIER_DB

GATE_TO_GATE = frozenset({"energy", "emission"})  # line kinds of a company's own gate-to-gate activities
RENEWABLE_CATEGORY = "electricity renewable"
RENEWABLE_WORDS = ("wind", "photovoltaic", "solar", "hydro")  # other backgrounds (e.g. ecoinvent): by name
DERIVED_DATABASES = frozenset({SUPPLIER_DB, "models"})  # never electricity supply, whatever their unit

# key -> (English label, Chinese label, definition); the methodology sheet prints them
DEFINITIONS = {
    "boundary": (
        "System boundary", "系统边界",
        "Cradle-to-gate (ISO 14067, GHG Protocol Product Standard, PACT v3): raw material acquisition to the "
        "product leaving the reporting company's gate, including inbound transport reported by each company. "
        "Outbound transport of the product (Transport rows with direction = outbound) is NOT in the total, the "
        "breakdowns or PACT's pcfExcludingBiogenicUptake / pcfIncludingBiogenicUptake: it is reported on its own as "
        "`distribution`. A supplier's outbound leg is its buyer's inbound leg: it is counted once, where the buyer "
        "reports it (a warning names a buyer that reports no inbound transport)."),
    "cutoff": (
        "Cut-off and exclusions", "取舍与排除",
        "No cut-off is applied to workbook rows: every Materials, Energy, Transport and Emissions row is counted. "
        "Background datasets exclude capital goods and grid infrastructure (see each dataset's comment). "
        "Recycled content follows the cut-off (recycled content) approach: scrap and black mass enter "
        "burden-free; the recycling process is counted. Use phase and end of life are outside the boundary."),
    "allocation": (
        "Allocation", "分配",
        "Each company states its rows per declared amount of its product (its own allocation of site data to "
        "products, as its workbook declares). Declared PCFs are used as declared (their own allocation). "
        "Background datasets: as documented in inventories/background (mass allocation where a process has "
        "co-products)."),
    "method": (
        "Impact method", "评价方法",
        "Location-based total: every electricity row with the grid of its region. Market-based total (GHG "
        "Protocol Scope 2 dual reporting): supplier-specific factors, PPAs, on-site renewables and green "
        "certificates where the workbook states them. Declared PCFs are IPCC AR6 GWP100 figures and are only "
        "used under GWP100 methods."),
    "primary_data_share": (
        "Primary data share", "初级数据占比",
        "PACT v3: the share of the total computed from primary data. Each company's own activity data (energy, "
        "direct emissions, inbound transport) is primary; a declared PCF counts with its declared "
        "primary_data_share; background datasets are secondary."),
    "dqr": (
        "Data quality rating", "数据质量评级",
        "Footprint-weighted mean of per-line ratings (technological, geographical, temporal; 1 very good .. 5 "
        "very poor; PACT v3 scale). Ratings per kind of line are green-lca's rule of thumb (lca.supply.lines."
        "QUALITY, an estimate); declared PCFs carry the supplier's own ratings."),
    "green_factory_share": (
        "Share from green factories", "绿色工厂占比",
        "The part of the total that arises at the own gate-to-gate activities (own energy use and own direct "
        "emissions: scope 1 and 2 with the energy's supply chain) of companies that are MIIT green factories "
        "(provincial or national level), over the total. What such a company buys (materials, components, "
        "transport) is NOT credited to it."),
    "green_electricity_share": (
        "Green electricity share", "绿电占比",
        "Renewable electricity over all traceable electricity in the chain, in kWh: every kWh consumed by the "
        "companies and by the background datasets of their chain (electricity used to make electricity is not "
        "counted twice). Renewable: the companies' on-site renewables, PPAs and green certificates, and "
        "renewable generation that background datasets buy directly; grid mixes count as not green. Electricity "
        "inside declared PCFs is not traceable and not counted."),
    "recycled_share": (
        "Recycled content", "再生材料含量",
        "Recycled mass over the mass of all background materials bought in the chain, counting only the "
        "recycled content that a recycled-route dataset changed the number for (inventories/recycled_routes.csv "
        "or a recycled dataset named directly). A declared recycled_share without a recycled route is not "
        "counted, and the profile warns about it."),
}


@dataclass
class Indicators:
    primary_data_share: float
    dqi: dict[str, float]
    green_factory_share: float
    green_electricity_share: float | None
    electricity_kwh: float = 0.0
    green_electricity_kwh: float = 0.0
    recycled_share: float | None = None
    recycled_unmodelled: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def indicators(project, acc, activities: dict, x: np.ndarray, col_of: dict[str, int]) -> Indicators:
    """Every indicator of an accumulated profile (see :data:`DEFINITIONS`)."""
    total = float(acc.contribution.sum())
    primary = np.array([line.primary for line in acc.lines])
    kwh, green_kwh = electricity(project, acc, x, col_of)
    recycled_share, unmodelled = recycled(acc)
    warnings = [f"{u['product']} {u['where']}: the declared recycled share of {u['material']} "
                f"({u['recycled_kg']:.4g} kg) could not be modelled: {u['dataset']} has no recycled route, so the "
                "footprint uses the primary route and the share is not counted as recycled content" for u in unmodelled]
    return Indicators(
        primary_data_share=100.0 * float(acc.contribution @ primary) / total if total else 0.0,
        dqi=data_quality(acc),
        green_factory_share=green_factory_share(acc, activities, total),
        green_electricity_share=100.0 * green_kwh / kwh if kwh else None,
        electricity_kwh=kwh, green_electricity_kwh=green_kwh,
        recycled_share=recycled_share, recycled_unmodelled=unmodelled, warnings=warnings)


def data_quality(acc) -> dict[str, float]:
    """Footprint-weighted (absolute value, per gas) mean DQR per aspect, and their mean ``overall``."""
    weights = acc.weight * np.abs(acc.values.by_gas).sum(axis=1)
    wsum = float(weights.sum())
    if wsum <= 0:
        return {}
    ratings = np.array([line.dqr for line in acc.lines], dtype=float).reshape(-1, 3)
    out = {name: float(weights @ ratings[:, i] / wsum)
           for i, name in enumerate(("technological", "geographical", "temporal"))}
    out["overall"] = float(np.mean(list(out.values())))
    return out


def green_factory_share(acc, activities: dict, total: float) -> float:
    """[%] of ``total`` from own energy and direct emissions of green-factory companies."""
    if not total:
        return 0.0
    mask = np.array([line.kind in GATE_TO_GATE
                     and activities[line.activity].get("green_factory") in GREEN_FACTORY_LEVELS
                     for line in acc.lines], dtype=bool)
    return 100.0 * float(acc.contribution[mask].sum()) / total if len(mask) else 0.0


def recycled(acc) -> tuple[float | None, list[dict]]:
    """(recycled content [%] of background material mass, declared recycled content no route modelled)."""
    mass = recycled_kg = 0.0
    unmodelled = []
    for k, line in enumerate(acc.lines):
        if line.kind != "background":
            continue
        mass += acc.weight[k] * line.mass_kg
        recycled_kg += acc.weight[k] * line.recycled_kg
        if line.recycled_unmodelled_kg:
            unmodelled.append({"product": line.activity, "where": line.where, "material": line.typed or line.label,
                               "dataset": line.dataset, "recycled_kg": float(acc.weight[k] * line.recycled_unmodelled_kg)})
    return (100.0 * recycled_kg / mass if mass else None), unmodelled


def electricity(project, acc, x: np.ndarray, col_of: dict[str, int]) -> tuple[float, float]:
    """(all traceable kWh, renewable kWh) consumed in the chain of supply ``x``."""
    use, renewable_use, end_use = electricity_use(project)
    kwh = float(use[end_use] @ x[end_use])
    green = float(renewable_use[end_use] @ x[end_use])
    for line in acc.lines:  # the companies' own contractual renewables (linked to the grid in the matrix)
        if line.kind == "energy" and line.green:
            green += float(x[col_of[line.activity]]) * line.kwh
    return kwh, min(green, kwh)


def electricity_use(project) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per system column: kWh of electricity and of renewable electricity bought per unit; end-use mask."""
    return project.calc.cached(("electricity_use",), lambda: _electricity_use(project))


def _electricity_use(project):
    calc = project.calc
    system = calc.system()
    nodes = calc.nodes()
    bg = inventory.load_background()
    is_elec = np.zeros(system.n, dtype=bool)
    is_renewable = np.zeros(system.n, dtype=bool)
    for node_id, db, code, name, unit in zip(nodes["id"], nodes["database"], nodes["code"], nodes["name"],
                                             nodes["unit"]):
        col = system.col_of.get(int(node_id))
        if col is None or db in DERIVED_DATABASES:
            continue
        if db == inventory.BACKGROUND_DB and code.split("@", 1)[0] in bg.datasets:
            category = str(bg.datasets[code.split("@", 1)[0]].get("category", ""))
            is_elec[col] = category.startswith("electricity")
            is_renewable[col] = category == RENEWABLE_CATEGORY
        elif unit == "kilowatt hour" and "electricity" in str(name).lower():
            is_elec[col] = True
            is_renewable[col] = any(w in str(name).lower() for w in RENEWABLE_WORDS)
    A = system.A.tocsr()
    rows = system.product_row
    use = -np.asarray(A[rows[is_elec], :].sum(axis=0)).ravel()
    renewable_use = -np.asarray(A[rows[is_renewable], :].sum(axis=0)).ravel()
    return np.maximum(use, 0.0), np.maximum(renewable_use, 0.0), ~is_elec


def methodology(method: tuple, score_unit: str) -> list[dict]:
    """The methodology sheet's rows: definitions, then data sources and versions."""
    rows = [{"key": k, "en": en, "zh": zh, "text": text} for k, (en, zh, text) in DEFINITIONS.items()]
    versions = {name: _version(name) for name in ("green-lca", "bw2data", "bw2calc", "bw2io")}
    rows.append({"key": "method_used", "en": "Method used", "zh": "所用方法",
                 "text": " | ".join(method) + f" [{score_unit}]"})
    rows.append({"key": "sources", "en": "Data sources and versions", "zh": "数据来源与版本",
                 "text": f"supplier workbooks (see the line-item sheet: each row's file, sheet and row); green-lca open "
                         f"background inventory version {inventory.inventories_version()} (each dataset's source "
                         "and year on the line-item sheet); biosphere flows and LCIA methods as shipped by bw2io; "
                         + ", ".join(f"{k} {v}" for k, v in versions.items())})
    return rows


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"
