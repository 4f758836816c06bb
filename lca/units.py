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

import math
import unicodedata
from dataclasses import dataclass, field

from lca.errors import InputError

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
# count [unit], power [kW], transport [t*km].
UNITS: dict[str, UnitDef] = {
    "g": UnitDef("g", "mass", "kilogram", 1e-3, 1e-3),
    "kg": UnitDef("kg", "mass", "kilogram", 1.0, 1.0),
    "t": UnitDef("t", "mass", "kilogram", 1e3, 1e3),  # metric tonne
    "kWh": UnitDef("kWh", "energy", "kilowatt hour", 1.0, 3.6),  # 1 kWh = 3.6 MJ (SI definition)
    "MWh": UnitDef("MWh", "energy", "kilowatt hour", 1e3, 3.6e3),
    "MJ": UnitDef("MJ", "energy", "megajoule", 1.0, 1.0),
    "GJ": UnitDef("GJ", "energy", "megajoule", 1e3, 1e3),
    "m3": UnitDef("m3", "volume", "cubic meter", 1.0, 1.0),  # gases: normal cubic metre (0 degC, 101.325 kPa)
    "L": UnitDef("L", "volume", "liter", 1.0, 1e-3),
    "m2": UnitDef("m2", "area", "square meter", 1.0, 1.0),
    "piece": UnitDef("piece", "count", "unit", 1.0, 1.0),
    "kWp": UnitDef("kWp", "power", "kilowatt", 1.0, 1.0),  # PV peak power under STC
    "tkm": UnitDef("tkm", "transport", "ton kilometer", 1.0, 1.0),
}

# Brightway unit names -> (dimension, factor to the dimension's base unit).
BW_UNITS: dict[str, tuple[str, float]] = {
    "kilogram": ("mass", 1.0),
    "kilowatt hour": ("energy", 3.6),
    "megajoule": ("energy", 1.0),
    "cubic meter": ("volume", 1.0),
    "liter": ("volume", 1e-3),
    "square meter": ("area", 1.0),
    "unit": ("count", 1.0),
    "kilowatt": ("power", 1.0),
    "ton kilometer": ("transport", 1.0),
}

# Spellings seen in supplier workbooks -> workbook unit. Matched after NFKC
# normalisation (full-width characters, superscripts) and, for the entries in
# _CASELESS, ignoring case. "mt" is deliberately absent (metric ton or megaton?).
_SYNONYMS: dict[str, str] = {
    "gram": "g", "grams": "g", "克": "g",
    "kilogram": "kg", "kilograms": "kg", "kgs": "kg", "千克": "kg", "公斤": "kg",
    "tonne": "t", "tonnes": "t", "ton": "t", "tons": "t", "吨": "t",
    "kilowatt hour": "kWh", "kw h": "kWh", "kw·h": "kWh", "千瓦时": "kWh", "度": "kWh",
    "megawatt hour": "MWh", "兆瓦时": "MWh",
    "megajoule": "MJ", "兆焦": "MJ",
    "gigajoule": "GJ", "吉焦": "GJ",
    "cubic meter": "m3", "cubic metre": "m3", "nm3": "m3", "m^3": "m3", "立方米": "m3", "方": "m3",
    "liter": "L", "litre": "L", "liters": "L", "litres": "L", "升": "L",
    "square meter": "m2", "square metre": "m2", "m^2": "m2", "平方米": "m2",
    "pieces": "piece", "pcs": "piece", "pc": "piece", "unit": "piece", "units": "piece",
    "件": "piece", "个": "piece", "只": "piece", "块": "piece", "台": "piece", "套": "piece",
    "kw": "kWp", "kwp": "kWp", "千瓦峰值": "kWp",
    "t*km": "tkm", "t·km": "tkm", "ton kilometer": "tkm", "吨公里": "tkm",
}


def _unit_key(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).replace("\u00a0", " ").strip()
    return " ".join(s.split())


_CASELESS: dict[str, str] = {k.lower(): k for k in UNITS}
_CASELESS.update({k.lower(): v for k, v in _SYNONYMS.items()})


def normalize_unit(text: object) -> str | None:
    """The workbook unit a cell's text names (``"KG"`` -> ``"kg"``, ``"m³"`` -> ``"m3"``), or None."""
    if not isinstance(text, str):
        return None
    key = _unit_key(text)
    if key in UNITS:
        return key
    return _CASELESS.get(key.lower())


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


# Carrier properties. Heating values are lower (net) heating values.
# [1] GB/T 2589-2020 "General principles for calculation of the comprehensive
#     energy consumption", Appendix A (reference LHVs of energy carriers).
# [2] China NDRC, "Guidelines for GHG accounting and reporting, other industrial
#     enterprises" (2015), Appendix table 1: natural gas LHV 389.31 GJ/10^4 Nm3.
# [3] EN 590:2022 diesel density 820-845 kg/m3 at 15 degC; GB 19147-2016 810-845
#     kg/m3 at 20 degC; midpoint 835 kg/m3 used.
# [4] GB 17930-2016 motor gasoline density 720-775 kg/m3 at 20 degC; 745 kg/m3 used.
# [5] IAPWS-IF97 steam tables: saturated steam at 1.0 MPa h'' = 2778 kJ/kg, feed
#     water at 20 degC h' = 84 kJ/kg; net heat delivered 2.69 MJ/kg (assumption:
#     typical industrial low-pressure steam, condensate not returned).
# [6] NIST Chemistry WebBook / US DOE Hydrogen Program: H2 LHV 119.96 MJ/kg;
#     density 0.08988 kg/Nm3 (0 degC, 101.325 kPa).
CARRIERS: dict[str, Carrier] = {
    "electricity": Carrier(
        "electricity", "kilowatt hour", ("kWh", "MWh", "MJ", "GJ"),
        {"energy": 3.6}, "1 kWh = 3.6 MJ"),
    "natural_gas": Carrier(
        "natural_gas", "cubic meter", ("m3", "MJ", "GJ", "kWh"),
        {"volume": 1.0, "energy": 38.931},  # [MJ/Nm3] LHV [2]
        "LHV 38.931 MJ/Nm3 [NDRC 2015 guideline]"),
    "coal": Carrier(
        "coal", "kilogram", ("kg", "t", "MJ", "GJ"),
        {"mass": 1.0, "energy": 20.908},  # [MJ/kg] raw coal LHV [1]
        "raw coal LHV 20.908 MJ/kg [GB/T 2589-2020]"),
    "diesel": Carrier(
        "diesel", "kilogram", ("kg", "t", "L", "MJ", "GJ"),
        {"mass": 1.0, "volume": 1.0 / 835.0, "energy": 42.652},  # [m3/kg] from 835 kg/m3 [3]; [MJ/kg] [1]
        "density 835 kg/m3 [EN 590, GB 19147]; LHV 42.652 MJ/kg [GB/T 2589-2020]"),
    "gasoline": Carrier(
        "gasoline", "kilogram", ("kg", "t", "L", "MJ", "GJ"),
        {"mass": 1.0, "volume": 1.0 / 745.0, "energy": 43.070},  # [m3/kg] [4]; [MJ/kg] [1]
        "density 745 kg/m3 [GB 17930]; LHV 43.070 MJ/kg [GB/T 2589-2020]"),
    "lpg": Carrier(
        "lpg", "kilogram", ("kg", "t", "MJ", "GJ"),
        {"mass": 1.0, "energy": 50.179},  # [MJ/kg] [1]
        "LHV 50.179 MJ/kg [GB/T 2589-2020]"),
    "steam": Carrier(
        "steam", "kilogram", ("kg", "t", "MJ", "GJ"),
        {"mass": 1.0, "energy": 2.69},  # [MJ/kg] net enthalpy [5]
        "net heat 2.69 MJ/kg [IAPWS-IF97, 1.0 MPa saturated, feed water 20 degC]"),
    "heat": Carrier(
        "heat", "megajoule", ("MJ", "GJ", "kWh"),
        {"energy": 1.0}, "heat as delivered"),
    "hydrogen": Carrier(
        "hydrogen", "kilogram", ("kg", "t", "m3", "MJ", "GJ"),
        {"mass": 1.0, "volume": 1.0 / 0.08988, "energy": 119.96},  # [Nm3/kg], [MJ/kg] [6]
        "LHV 119.96 MJ/kg, 0.08988 kg/Nm3 [NIST]"),
}


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
