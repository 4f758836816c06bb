"""Cell parsing: a workbook cell's value -> a number, date, enumeration value, region, unit or gas, or a refusal.

Each parser raises :class:`Bad` (a stable issue code and a message with the fix)
for a value that cannot be read unambiguously; the rules of
``docs/supplier-workbook.md`` (dot decimals only, ISO dates, the
vocabularies of :mod:`lca.supply.sheets`) live here, nothing about rows or sheets.
"""
from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime

from lca import inventory, vocabulary
from lca.errors import CellError
from lca.supply.sheets import COUNTRIES, ENUM_SYNONYMS, ENUMS, REGIONS
from lca.text import WHITESPACE as _TRIM, norm_key as _norm_key, norm_text as _norm_text
from lca.units import FLOAT32_MAX, UNITS, normalize_unit

__all__ = ["Bad", "FLOAT32_LIMIT", "YEAR_MIN", "YEAR_MAX", "PLACEHOLDERS", "parse_number", "parse_date",
           "parse_enum", "parse_region", "parse_gas", "parse_ef_unit", "as_text", "is_placeholder", "gas_codes"]

FLOAT32_LIMIT = FLOAT32_MAX  # [-] largest float32 (lca.units): larger amounts overflow Brightway's float32 arrays
# Dates outside these years are typing errors (a two-digit year, 1900 date-system artefacts, 2205 for 2025):
# no supplier data predates 1950 and no reporting period reaches past 2100.
YEAR_MIN, YEAR_MAX = 1950, 2100
# Texts that mean "no value" (an empty cell), not a value.
PLACEHOLDERS = frozenset({"na", "n/a", "none", "null", "-", "--", "—", "–", "nan", "无", "空", "/", "#n/a"})


Bad = CellError  # a cell value was rejected; carries code and message (the fix): lca.errors.CellError


_GASES: dict[str, str] | None = None


def gas_codes() -> dict[str, str]:
    """Normalized spelling -> gas_code, from :func:`lca.inventory.flows` (gas codes and aliases; emissions to air).

    Read once per process (the Emissions sheet's vocabulary).
    """
    global _GASES
    if _GASES is not None:
        return _GASES
    out: dict[str, str] = {}
    for flow in inventory.flows().values():
        if not flow.gas_code or (flow.categories and flow.categories[0].startswith("natural resource")):
            continue
        out[_norm_key(flow.gas_code)] = flow.gas_code
        out.setdefault(_norm_key(flow.alias), flow.gas_code)
    codes = set(out.values())
    for spelling, code in vocabulary.gas_spellings().items():
        if code in codes:
            out.setdefault(_norm_key(spelling), code)
    out.pop("", None)
    _GASES = out
    return out


_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def parse_number(value: object) -> float:
    """A numeric cell value or unambiguous dot-decimal text -> float; raises :class:`Bad` otherwise.

    ``"1.5"``, ``"1500"``, ``"1.5e3"``, ``"'7"`` and NBSP-padded text are accepted;
    ``"1,5"`` and ``"1.234,5"`` are ambiguous; non-finite values and values beyond
    float32 range are refused.
    """
    if isinstance(value, bool):
        raise Bad("not_a_number", f"{value!r} is a true/false cell, not a number: enter the number")
    if isinstance(value, (int, float)):
        x = float(value)
    elif isinstance(value, datetime | date):
        raise Bad("not_a_number", f"a date ({value:%Y-%m-%d}) is not a number: format the cell as a number")
    elif isinstance(value, str):
        s = unicodedata.normalize("NFKC", value).strip(_TRIM)
        if s.startswith("'"):
            s = s[1:].strip(_TRIM)
        if "," in s or "，" in value:
            raise Bad("ambiguous_decimal",
                       f"{value!r} contains a comma: write the number with a dot decimal and no thousands "
                       "separator (1.5, 1234.5), or make the cell numeric")
        if not _NUMBER.match(s):
            hint = ""
            if s.endswith("%"):
                hint = " (write a share as a plain number, e.g. 0.3 or 30 as the column asks)"
            elif re.match(r"^[+-]?[\d.]+\s*[^\d\s.]+$", s):
                hint = " (put the unit in the unit column, not next to the number)"
            raise Bad("not_a_number", f"{value!r} is not a number{hint}: enter a number such as 1.5")
        x = float(s)
    else:
        raise Bad("not_a_number", f"{value!r} is not a number")
    if not math.isfinite(x):
        raise Bad("not_finite", f"{value!r} is not a finite number: enter a finite amount")
    if abs(x) > FLOAT32_LIMIT:
        raise Bad("out_of_range", f"{x:g} is beyond float32 range (|x| <= {FLOAT32_LIMIT:.3g}): "
                                   "check the magnitude and unit")
    return x


def as_text(value: object) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return unicodedata.normalize("NFC", str(value)).strip(_TRIM)


def parse_date(value: object) -> date:
    if isinstance(value, datetime):
        d = value.date()
    elif isinstance(value, date):
        d = value
    elif isinstance(value, str):
        s = unicodedata.normalize("NFKC", value).strip(_TRIM)
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
                raise ValueError
            d = date.fromisoformat(s)
        except ValueError:
            raise Bad("not_a_date", f"{value!r} is not a date: use a date cell or ISO text like 2025-01-31") from None
    else:
        raise Bad("not_a_date", f"{value!r} is not a date: use a date cell or ISO text like 2025-01-31")
    if not YEAR_MIN <= d.year <= YEAR_MAX:
        raise Bad("out_of_range", f"{d.isoformat()} is implausible (years {YEAR_MIN}..{YEAR_MAX}): check the year")
    return d


_ENUM_INDEX: dict[str, tuple[tuple[str, ...], dict, dict[str, str]]] = {}


def _enum_index(enum: str, allowed: tuple[str, ...]) -> dict[str, str]:
    """Normalised key -> value of an enum: the allowed values first, then the synonyms (first match wins).

    Built once per enum (rebuilt if ENUMS or the synonyms are replaced), instead of normalising
    every allowed value for every cell.
    """
    syn = ENUM_SYNONYMS.get(enum, {})
    got = _ENUM_INDEX.get(enum)
    if got is not None and got[0] is allowed and got[1] is syn:
        return got[2]
    idx: dict[str, str] = {}
    for a in allowed:
        idx.setdefault(_norm_key(a), a)
    for s, a in syn.items():
        idx.setdefault(_norm_key(s), a)
    _ENUM_INDEX[enum] = (allowed, syn, idx)
    return idx


_UNKNOWN_ENUM_CODE = {"source": "unknown_source", "carrier": "unknown_carrier", "sourcing": "unknown_sourcing",
                      "mode": "unknown_mode"}  # other enumerations: unknown_value


def parse_enum(value: object, enum: str) -> str:
    text = as_text(value)
    allowed = ENUMS[enum]
    hit = _enum_index(enum, allowed).get(_norm_key(text))
    if hit is not None:
        return hit
    if enum == "declared_unit" or enum == "emission_unit":
        u = normalize_unit(text)
        if u in allowed:
            return u
        raise Bad("unknown_unit", f"unit {text!r} is not allowed here: use one of {', '.join(allowed)}")
    raise Bad(_UNKNOWN_ENUM_CODE.get(enum, "unknown_value"),
               f"{text!r} is not allowed: use one of {', '.join(allowed)}")


def parse_region(value: object, countries_only: bool = False) -> str:
    text = unicodedata.normalize("NFKC", as_text(value)).upper().replace("_", "-").replace(" ", "")
    valid = COUNTRIES if countries_only else REGIONS
    if text in valid:
        return text
    what = "an ISO 3166-1 alpha-2 country code (e.g. CN, DE)" if countries_only else (
        "CN, a grid region (CN-NORTH, CN-NORTHEAST, CN-EAST, CN-CENTRAL, CN-NORTHWEST, CN-SOUTH, CN-SOUTHWEST), "
        "a province CN-XX (e.g. CN-GD), an ISO country code, EU or GLO")
    raise Bad("unknown_region" if not countries_only else "unknown_country", f"{as_text(value)!r} is not {what}")



def parse_gas(value: object) -> str:
    """A gas name or code (``CO2``, ``CH4 fossil``...) -> its gas_code of inventories/flows.csv."""
    text = as_text(value)
    codes = gas_codes()
    code = codes.get(_norm_key(text))
    if code is None:
        known = sorted(set(codes.values()))
        raise Bad("unknown_gas", f"{text!r} is not a known gas: use one of {', '.join(known)}")
    return code


def is_placeholder(value: object) -> bool:
    """True for a text that stands for "no value" (``NA``, ``-``, ``无``...)."""
    return isinstance(value, str) and _norm_text(value) in PLACEHOLDERS


_GAS_WORDS = re.compile(r"(co2e|co2eq|co2-eq|co2|二氧化碳当量|二氧化碳|碳)$")


def parse_ef_unit(value: object) -> tuple[float, str]:
    """An emission-factor unit (``kg CO2e/kWh``, ``t CO2/MWh``, ``千克CO2e/千瓦时``...) -> (kg per numerator, denominator unit).

    The numerator is a mass (g, kg, t) of CO2e (``CO2e``/``CO2`` after it is optional); the
    denominator a workbook unit (:data:`lca.units.UNITS`).
    """
    text = as_text(value)
    num, sep, den = unicodedata.normalize("NFKC", text).replace("每", "/").replace(" per ", "/").partition("/")
    mass = normalize_unit(_GAS_WORDS.sub("", num.strip(_TRIM).lower().replace(" ", "")).strip(_TRIM)) if sep else None
    unit = normalize_unit(den.strip(_TRIM)) if sep else None
    if mass not in ("g", "kg", "t") or unit is None:
        raise Bad("bad_ef_unit", f"{text!r} is not an emission-factor unit: write mass of CO2e per unit, e.g. "
                                 "kg CO2e/kWh, t CO2e/MWh, kg CO2e/m3")
    return UNITS[mass].base_factor, unit
