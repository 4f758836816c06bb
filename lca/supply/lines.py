"""The line table of linked supplier workbooks: :class:`Line`, :class:`Built`, the data-quality table.

A :class:`Line` is one workbook row as linked (what the roll-up attributes a
contribution to); :class:`Built` is what :func:`lca.supply.link.build` returns.
Beside them: the dataset codes rows link to (carriers, sourcing, transport modes),
the one data-quality table (:data:`QUALITY`, :func:`dqr`) and the small helpers
the linkers share.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from .. import csvdata, inventory, units
from ..errors import InputError, InputIssue

SUPPLIER_DB = "suppliers"
# The version of the link rules: recorded with the ``suppliers`` database (lca.supply.store) so that a
# database built by other link code is rebuilt on open. Bump it whenever linking writes other datasets.
LINK_VERSION = "2026-12-01.3"  # distribution lines; exchanges summed per input; sheet titles; DQR uncertainty
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
    "direct_line": "electricity-wind",  # 绿电直连: a wind or PV park wired to the plant; wind as for PPAs (assumption)
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


@lru_cache(maxsize=1024)
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
        for row in csvdata.rows(path):
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
    sourcing: str = ""                # electricity: the Energy row's sourcing (grid, onsite_renewable, ...)
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
    dataset_unit: str = ""            # the unit of ``amount`` (Brightway unit name; kilogram for emissions)


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


def num(value, default=None):
    if value is None or value == "":
        return default
    return float(value)


def unit_name(text) -> str:
    return units.normalize_unit(text) or str(text)


def year_of(value) -> int | None:
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
    u = unit_name(unit)
    if u not in units.UNITS:
        raise InputError(f"declared unit {unit!r} is not one of kg, t, piece, m2, kWh, kWp")
    d = units.UNITS[u]
    return d.bw_unit, d.bw_factor


def pcf_code(company_id: str, pcf_id: str) -> str:
    return f"{company_id}/{PCF_PREFIX}{pcf_id}"


def float32_ok(x: float) -> bool:
    """True for an amount Brightway can store (its matrices are float32)."""
    return math.isfinite(x) and abs(x) <= units.FLOAT32_MAX


def sheet_title(rec: dict, key: str) -> str:
    """The title a record's workbook gives sheet ``key`` (``Materials`` -> ``物料``), for issues found after reading."""
    return (rec.get("sheet_titles") or {}).get(key, key)


def iso(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    return str(value)

