"""Units: the unit vocabulary of supplier workbooks and conversion to Brightway units.

A workbook unit (``kg``, ``kWh``, ``m3``...) belongs to one *dimension* (mass,
energy, volume, area, count, power, transport) and maps to one Brightway unit
name (``kilogram``, ``kilowatt hour``...) with a factor. Conversions within a
dimension are exact; conversions across dimensions need a property of the
material (a density or a heating value) and are only done for the energy
carriers of the Energy sheet, whose properties are in :data:`CARRIERS` with
their sources.

Kept deliberately small (no pint): every unit a workbook may use is listed here.
"""
from __future__ import annotations

import functools

import math
import unicodedata
from dataclasses import dataclass, field

from lca import vocabulary
from lca.errors import InputError
from lca.text import strip

__all__ = [
    "UnitDef",
    "UNITS",
    "BW_UNITS",
    "Carrier",
    "CARRIERS",
    "normalize_unit",
    "dimension",
    "to_brightway",
    "convert",
    "convert_carrier",
    "is_convertible",
    "FLOAT32_MAX",
    "FLOAT32_TINY",
    "float32_problem",
    "PACT_UNITS",
    "PACT_TO_UNIT",
]


@dataclass(frozen=True)
class UnitDef:
    """One workbook unit: its dimension, Brightway unit name and factor.

    ``amount [workbook unit] * bw_factor = amount [bw_unit]``;
    ``amount * base_factor`` = amount in the dimension's base unit
    (kg, MJ, m3, m2, unit, kW, tkm).
    """

    symbol: str
    dimension: str
    bw_unit: str
    bw_factor: float
    base_factor: float


# IEEE 754 binary32 (float32) limits [-, dimensionless]. Brightway stores matrix values
# (exchange amounts, characterization factors) as float32: a larger magnitude becomes
# infinity, a smaller non-zero one a subnormal that keeps few or no significant digits.
FLOAT32_MAX = 3.4028235e38  # largest finite float32
FLOAT32_TINY = 1.1754944e-38  # smallest positive normal float32


def float32_problem(x: object) -> str | None:
    """Why ``x`` cannot be stored as a Brightway (float32) matrix value, or None if it can.

    A value must be a real number (not a bool), finite, at most :data:`FLOAT32_MAX` in
    magnitude, and 0 or at least :data:`FLOAT32_TINY` in magnitude.
    """
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return f"{x!r} is not a number"
    try:
        value = float(x)
    except OverflowError:  # an int beyond the float range
        return f"{x!r} exceeds the float32 range (|x| <= {FLOAT32_MAX:g})"
    if not math.isfinite(value):
        return f"{x!r} is not a finite number"
    if abs(value) > FLOAT32_MAX:
        return f"{x!r} exceeds the float32 range (|x| <= {FLOAT32_MAX:g})"
    if value != 0 and abs(value) < FLOAT32_TINY:
        return f"{x!r} is below the smallest normal float32 ({FLOAT32_TINY:g}); use 0 or a larger amount"
    return None


# Base unit of each dimension: mass [kg], energy [MJ], volume [m3], area [m2],
# count [unit], power [kW], transport [t*km]. Data: inventories/vocabulary/units.csv.
UNITS: dict[str, UnitDef] = {sym: UnitDef(sym, dim, bw, bwf, base) for sym, dim, bw, bwf, base in vocabulary.units()}

# Brightway unit names -> (dimension, factor to the dimension's base unit). Data: bw_units.csv.
BW_UNITS: dict[str, tuple[str, float]] = vocabulary.bw_units()

# Spellings seen in supplier workbooks -> workbook unit (unit_spellings.csv). Matched after NFKC
# normalisation (full-width characters, superscripts) and ignoring case. "mt" is deliberately
# absent (metric ton or megaton?).
_SYNONYMS: dict[str, str] = vocabulary.unit_spellings()


# Workbook declared unit -> (PACT v3 declaredUnitOfMeasurement, PACT units per workbook unit), the one
# PACT unit table (pact_units.csv), and its inverse for the units PACT states one to one.
PACT_UNITS: dict[str, tuple[str, float]] = vocabulary.pact_units()
PACT_TO_UNIT: dict[str, str] = {pact: unit for unit, (pact, per) in PACT_UNITS.items() if per == 1.0}


def _unit_key(text: str) -> str:
    return " ".join(strip(unicodedata.normalize("NFKC", text)).split())


_CASELESS: dict[str, str] = {k.lower(): k for k in UNITS}
_CASELESS.update({k.lower(): v for k, v in _SYNONYMS.items()})


def normalize_unit(text: object) -> str | None:
    """The workbook unit a cell's text names (``"KG"`` -> ``"kg"``, ``"m³"`` -> ``"m3"``), or None."""
    if not isinstance(text, str):
        return None
    return _normalize_text(text) if len(text) <= 64 else _normalize_uncached(text)


def _normalize_uncached(text: str) -> str | None:
    key = _unit_key(text)
    return key if key in UNITS else _CASELESS.get(key.lower())


# the few unit spellings of a workbook, each resolved once (least recently used evicted in a long-running server)
_normalize_text = functools.lru_cache(maxsize=4096)(_normalize_uncached)


def dimension(unit: str) -> str | None:
    """Dimension of a workbook unit or Brightway unit name (``"mass"``, ``"energy"``...), or None."""
    if unit in UNITS:
        return UNITS[unit].dimension
    if unit in BW_UNITS:
        return BW_UNITS[unit][0]
    return None


def _base_factor(unit: str) -> float:
    if unit in UNITS:
        return UNITS[unit].base_factor
    if unit in BW_UNITS:
        return BW_UNITS[unit][1]
    raise InputError(
        f"unknown unit {unit!r}: use one of {', '.join(UNITS)} (workbook) "
        f"or {', '.join(BW_UNITS)} (Brightway)"
    )


def to_brightway(amount: float, unit: str) -> tuple[float, str]:
    """Amount in a workbook unit -> (amount, Brightway unit name), e.g. ``(2, "t") -> (2000.0, "kilogram")``."""
    if unit not in UNITS:
        raise InputError(f"unknown workbook unit {unit!r}: use one of {', '.join(UNITS)}")
    u = UNITS[unit]
    return amount * u.bw_factor, u.bw_unit


def is_convertible(from_unit: str, to_unit: str) -> bool:
    """True when ``convert(x, from_unit, to_unit)`` needs no density or heating value."""
    d1, d2 = dimension(from_unit), dimension(to_unit)
    return d1 is not None and d1 == d2


def convert(
    amount: float,
    from_unit: str,
    to_unit: str,
    *,
    density: float | None = None,
    heating_value: float | None = None,
) -> float:
    """Convert ``amount`` between workbook or Brightway units.

    Parameters
    ----------
    amount : float
        Quantity in ``from_unit``.
    from_unit, to_unit : str
        Workbook units (``kg``, ``MWh``...) or Brightway unit names (``kilogram``...).
    density : float, optional
        [kg/m3], needed between a mass and a volume.
    heating_value : float, optional
        Energy per base unit of the non-energy side: [MJ/kg] between a mass and
        an energy, [MJ/m3] between a volume and an energy.

    Raises
    ------
    lca.InputError
        When the units are unknown, or belong to different dimensions and the
        property needed to bridge them is missing or not a positive finite number.
    """
    d1, d2 = dimension(from_unit), dimension(to_unit)
    base = amount * _base_factor(from_unit)
    if d1 != d2:
        base = _bridge(base, d1, d2, from_unit, to_unit, density, heating_value)
    return base / _base_factor(to_unit)


def _check_property(name: str, value: float | None, from_unit: str, to_unit: str, unit: str) -> float:
    if value is None or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise InputError(
            f"cannot convert {from_unit} to {to_unit} without a positive {name} [{unit}]"
        )
    return float(value)


def _bridge(base: float, d1: str | None, d2: str | None, f: str, t: str,
            density: float | None, heating_value: float | None) -> float:
    """Base amount of dimension ``d1`` -> base amount of ``d2`` (kg, m3, MJ)."""
    pair = {d1, d2}
    if pair == {"mass", "volume"}:
        rho = _check_property("density", density, f, t, "kg/m3")
        return base / rho if d1 == "mass" else base * rho
    if pair == {"mass", "energy"}:
        hv = _check_property("heating value", heating_value, f, t, "MJ/kg")
        return base * hv if d1 == "mass" else base / hv
    if pair == {"volume", "energy"}:
        hv = _check_property("heating value", heating_value, f, t, "MJ/m3")
        return base * hv if d1 == "volume" else base / hv
    raise InputError(f"cannot convert {f} ({d1}) to {t} ({d2}): the units measure different things")


@dataclass(frozen=True)
class Carrier:
    """An energy carrier of the Energy sheet.

    ``reference_unit`` is the Brightway unit of the dataset an Energy row links
    to; ``per_reference`` gives, for each dimension the carrier may be stated
    in, the base amount (kg, m3, MJ) of one reference unit.
    """

    key: str
    reference_unit: str
    units: tuple[str, ...]
    per_reference: dict[str, float] = field(default_factory=dict)
    source: str = ""
    ef_range: tuple[float, float] = (0.0, math.inf)  # [kg CO2e / reference unit] plausible supplier factor
    ef_range_source: str = ""


def _carrier(row: dict) -> Carrier:
    """A :class:`Carrier` from a row of ``inventories/vocabulary/carriers.csv`` (lower heating values, densities)."""
    ref_dim, ref_base = BW_UNITS[row["reference_unit"]]
    per = {ref_dim: ref_base}
    if row["lhv"] is not None:
        per["energy"] = row["lhv"]  # [MJ per reference unit]
    if row["density"] is not None and ref_dim == "mass":
        per["volume"] = 1.0 / row["density"]  # [m3 per kg]
    return Carrier(row["key"], row["reference_unit"], row["units"], per, row["source"], row["ef_range"],
                   row["ef_range_source"])


# Carrier properties with their sources (GB/T 2589-2020 lower heating values, densities...):
# inventories/vocabulary/carriers.csv.
CARRIERS: dict[str, Carrier] = {row["key"]: _carrier(row) for row in vocabulary.carriers()}


def convert_carrier(carrier: str, amount: float, from_unit: str, to_unit: str | None = None) -> float:
    """Convert an Energy-row amount of ``carrier`` to ``to_unit`` (default: the carrier's reference unit).

    E.g. ``convert_carrier("natural_gas", 1, "GJ")`` -> 25.69 [m3];
    ``convert_carrier("diesel", 1000, "L")`` -> 835.0 [kg].

    Raises
    ------
    lca.InputError
        For an unknown carrier, or a unit the carrier cannot be stated in
        (the allowed units are in ``CARRIERS[carrier].units``).
    """
    if carrier not in CARRIERS:
        raise InputError(f"unknown energy carrier {carrier!r}: use one of {', '.join(CARRIERS)}")
    c = CARRIERS[carrier]
    to_unit = to_unit or c.reference_unit
    out = []
    for u in (from_unit, to_unit):
        d = dimension(u)
        if d is None or d not in c.per_reference or (u in UNITS and u not in c.units):
            raise InputError(
                f"{carrier} cannot be stated in {u!r}: use one of {', '.join(c.units)}"
            )
        out.append(d)
    d_from, d_to = out
    # amount -> base of d_from -> reference units -> base of d_to -> to_unit
    base = amount * _base_factor(from_unit)
    ref = base / c.per_reference[d_from]
    return ref * c.per_reference[d_to] / _base_factor(to_unit)
