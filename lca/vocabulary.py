"""Vocabularies: the units, unit spellings, energy carriers, regions and enumerations of supplier data, as data.

The tables live in ``inventories/vocabulary/*.csv`` (each row with its source;
``inventories/README.md`` describes the columns). They define the language of
the supplier workbook, so they are read from the inventories bundled with
green-lca, not from an ``LCA_INVENTORIES`` override (which replaces background
data only). Read once per process.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from . import csvdata
from .errors import LcaError
from .paths import bundled_inventories_dir

__all__ = ["vocabulary_dir", "table", "units", "bw_units", "unit_spellings", "carriers", "gas_spellings", "regions", "enums",
           "pact_units"]


def vocabulary_dir() -> Path:
    """``inventories/vocabulary`` of the bundled inventories."""
    return bundled_inventories_dir() / "vocabulary"


@lru_cache(maxsize=None)
def table(name: str) -> tuple[dict[str, str], ...]:
    """Rows of ``inventories/vocabulary/NAME.csv`` as dictionaries of stripped text.

    Raises
    ------
    lca.LcaError
        When the file is missing or a row lacks a column of the header (a broken install or edit).
    """
    path = vocabulary_dir() / f"{name}.csv"
    try:
        _, rows = csvdata.read(path)
    except OSError as exc:
        raise LcaError(f"{path}: cannot read the vocabulary table ({exc}); reinstall green-lca") from exc
    for n, row in rows:
        if None in row.values() or None in row:
            raise LcaError(f"{path}, line {n}: wrong number of columns; fix the file")
    return tuple({k: v.strip() for k, v in row.items()} for _, row in rows)


def _number(row: dict[str, str], key: str, name: str) -> float | None:
    text = row.get(key, "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise LcaError(f"inventories/vocabulary/{name}.csv: {key} {text!r} is not a number") from None


def units() -> tuple[tuple[str, str, str, float, float], ...]:
    """Workbook units: ``(symbol, dimension, bw_unit, bw_factor, base_factor)`` from ``units.csv``."""
    return tuple((r["symbol"], r["dimension"], r["bw_unit"], _number(r, "bw_factor", "units"),
                  _number(r, "base_factor", "units")) for r in table("units"))


def bw_units() -> dict[str, tuple[str, float]]:
    """Brightway unit names -> ``(dimension, factor to the dimension's base unit)`` from ``bw_units.csv``."""
    return {r["bw_unit"]: (r["dimension"], _number(r, "base_factor", "bw_units")) for r in table("bw_units")}


def unit_spellings() -> dict[str, str]:
    """Spellings seen in workbooks -> workbook unit symbol, from ``unit_spellings.csv``."""
    return {r["spelling"]: r["unit"] for r in table("unit_spellings")}


def carriers() -> tuple[dict, ...]:
    """Energy carriers from ``carriers.csv``: key, reference_unit, units, lhv [MJ/reference unit],
    density [kg/m3] (None where not needed), source, and the plausible range of a supplier's emission factor
    ``ef_range`` [kg CO2e per reference unit] with its source."""
    return tuple({"key": r["carrier"], "reference_unit": r["reference_unit"], "units": tuple(r["units"].split()),
                  "lhv": _number(r, "lhv_mj_per_reference_unit", "carriers"),
                  "density": _number(r, "density_kg_per_m3", "carriers"), "source": r["source"],
                  "ef_range": (_number(r, "ef_min_kgco2e_per_reference_unit", "carriers"),
                               _number(r, "ef_max_kgco2e_per_reference_unit", "carriers")),
                  "ef_range_source": r["ef_range_source"]}
                 for r in table("carriers"))


def gas_spellings() -> dict[str, str]:
    """Gas names suppliers write (Chinese...) -> gas_code of flows.csv, from ``gas_spellings.csv``."""
    return {r["spelling"]: r["gas_code"] for r in table("gas_spellings")}


def regions() -> dict[str, tuple[str, ...]]:
    """Region codes by kind (``country``, ``cn_grid``, ``cn_province``, ``group``), in file order."""
    out: dict[str, list[str]] = {}
    for r in table("regions"):
        out.setdefault(r["kind"], []).append(r["code"])
    return {k: tuple(v) for k, v in out.items()}


def enums() -> tuple[dict[str, tuple[str, ...]], dict[str, dict[str, str]]]:
    """``(allowed values by enum, {enum: {spelling: value}})`` from ``enums.csv``.

    A row with an empty ``spelling`` is an allowed value (canonical spelling, in file order);
    a row with a spelling is a synonym of the value. The ``carrier`` values are the keys of
    ``carriers.csv``; only their synonyms are in ``enums.csv``.
    """
    values: dict[str, list[str]] = {}
    synonyms: dict[str, dict[str, str]] = {}
    for r in table("enums"):
        if r["spelling"]:
            synonyms.setdefault(r["enum"], {})[r["spelling"]] = r["value"]
        else:
            values.setdefault(r["enum"], []).append(r["value"])
    return {k: tuple(v) for k, v in values.items()}, synonyms


def pact_units() -> dict[str, tuple[str, float]]:
    """Workbook declared unit -> ``(PACT declaredUnitOfMeasurement, PACT units per workbook unit)``."""
    return {r["unit"]: (r["pact_unit"], _number(r, "pact_per_unit", "pact_units")) for r in table("pact_units")}
