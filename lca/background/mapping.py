"""Material resolution on an imported release: green-lca background codes -> the release's datasets.

One mapping file per release, ``inventories/mappings/ecoinvent-<release>-<system model>.csv``
(columns ``code, activity, product, locations, unit, factor, note``): a green-lca background
dataset code (what models and supplier materials resolve to, :mod:`lca.inventory`) -> the
release's activity name and reference product, and an ordered list of locations to try
(``CN|RoW|GLO``: the first the imported database has is used). ``factor`` converts: one
unit of the green-lca dataset = ``factor`` units of the release's product (``unit``).

A regional variant ``code@LOCATION`` resolves like ``code`` (ecoinvent has provincial data
only for electricity production); the result says so. Chinese grid electricity resolves
to the grid regions ecoinvent 3.9+ has markets for (CN-CCG, CN-CSG, CN-ECGC, CN-NCGC,
CN-NECG, CN-NWG, CN-SWG; CN is a market group), with the province -> grid table
``inventories/mappings/cn-grid-regions.csv`` (sources in the file).

An unmapped code is an :class:`lca.InputError` naming the material and the mapping file.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .. import csvdata, inventory
from ..errors import InputError

MAPPING_COLUMNS = ("code", "activity", "product", "locations", "unit", "factor", "note")
GRID_TABLE = "cn-grid-regions.csv"


def mappings_dir() -> Path:
    return inventory.inventories_dir() / "mappings"


def mapping_file(release: str | None, system_model: str | None = "cutoff") -> Path:
    """The mapping file of a release (``3.9`` means 3.9.1, the only 3.9 release with a cut-off list)."""
    rel = {"3.9": "3.9.1"}.get(str(release), str(release))
    return mappings_dir() / f"ecoinvent-{rel}-{system_model or 'cutoff'}.csv"


@dataclass(frozen=True)
class Row:
    code: str
    activity: str
    product: str
    locations: tuple[str, ...]
    unit: str
    factor: float
    note: str
    line: int


@dataclass(frozen=True)
class Resolved:
    """Where a green-lca code lands in a release: the node key, the conversion factor, and why."""

    code: str  # green-lca code, possibly code@LOCATION
    key: tuple[str, str]
    activity: str
    product: str
    location: str
    factor: float
    note: str

    def to_dict(self) -> dict:
        return {"code": self.code, "ref": f"{self.key[0]}:{self.key[1]}", "activity": self.activity,
                "product": self.product, "location": self.location, "factor": self.factor, "note": self.note}


def read_mapping(path) -> dict[str, Row]:
    """Rows of a mapping file by code; InputError naming the file, line and column on bad rows."""
    return _read_mapping(str(path), Path(path).stat().st_mtime_ns if Path(path).exists() else 0)


@lru_cache(maxsize=8)
def _read_mapping(path: str, _mtime: int) -> dict[str, Row]:
    p = Path(path)
    if not p.exists():
        raise InputError(f"mapping file {p} does not exist; the mappings green-lca ships: "
                         f"{', '.join(sorted(x.name for x in mappings_dir().glob('ecoinvent-*.csv')))}")
    out: dict[str, Row] = {}
    fieldnames, records = csvdata.read(p)
    missing = [c for c in MAPPING_COLUMNS if c not in fieldnames]
    if missing:
        raise InputError(f"{p}: missing column(s) {missing}; the columns are {', '.join(MAPPING_COLUMNS)}")
    for lineno, rec in records:
        code = (rec["code"] or "").strip()
        try:
            factor = float(rec["factor"])
        except (TypeError, ValueError):
            factor = float("nan")
        if not math.isfinite(factor) or factor <= 0:
            raise InputError(f"{p}, line {lineno}, column factor: {rec['factor']!r} is not a positive number")
        if code in out:
            raise InputError(f"{p}, line {lineno}: code {code!r} is mapped twice (also line {out[code].line})")
        locs = tuple(x.strip() for x in (rec["locations"] or "").split("|") if x.strip())
        if not (code and rec["activity"] and rec["product"] and locs and rec["unit"]):
            raise InputError(f"{p}, line {lineno}: code, activity, product, locations and unit are required")
        out[code] = Row(code, rec["activity"].strip(), rec["product"].strip(), locs, rec["unit"].strip(), factor,
                        (rec["note"] or "").strip(), lineno)
    return out


@lru_cache(maxsize=2)
def _grid_table(path: str, _mtime: int) -> dict[str, tuple[str, str]]:
    return {rec["location"].strip(): (rec["grid_region"].strip(), rec["note"].strip())
            for rec in csvdata.rows(path)}


def grid_regions() -> dict[str, tuple[str, str]]:
    """green-lca location (``CN-SC``, ``CN-NORTH``...) -> (ecoinvent grid region, note) from cn-grid-regions.csv."""
    p = mappings_dir() / GRID_TABLE
    return _grid_table(str(p), p.stat().st_mtime_ns)


class Resolver:
    """Resolves green-lca background codes against one imported release database."""

    def __init__(self, database: str, mapping_path, nodes):
        """``nodes``: rows (code, name, product, location, unit) of the release database."""
        self.database = database
        self.path = Path(mapping_path)
        self.rows = read_mapping(self.path)
        self.index: dict[tuple[str, str, str], tuple[str, str]] = {}
        for code, name, product, location, unit in nodes:
            self.index.setdefault((name, product, location), (code, unit))

    def resolve(self, code: str) -> Resolved:
        """``code`` or ``code@LOCATION`` -> :class:`Resolved`; InputError naming the material and the mapping file."""
        base, _, loc = code.partition("@")
        row = self.rows.get(base)
        if row is None:
            raise InputError(f"material {base!r} is not mapped to background {self.database!r}: add a row for "
                             f"{base!r} to {self.path} (columns {', '.join(MAPPING_COLUMNS)}), or compute on "
                             "the open background (no --background)")
        for location in row.locations:
            hit = self.index.get((row.activity, row.product, location))
            if hit is None:
                continue
            ecode, unit = hit
            if unit and unit != row.unit:
                raise InputError(f"{self.path}, line {row.line}: {row.activity!r} ({location}) is in {unit!r} in "
                                 f"{self.database}, the mapping says {row.unit!r}; correct unit and factor")
            note = row.note
            if loc:
                note = (f"regional variant @{loc}: {self.database} has no {loc}-specific dataset of this "
                        f"material; {location} used. " + note).strip()
            return Resolved(code, (self.database, ecode), row.activity, row.product, location, row.factor, note)
        raise InputError(f"material {base!r} is mapped in {self.path} (line {row.line}) to {row.activity!r} / "
                         f"{row.product!r} at {' or '.join(row.locations)}, and {self.database!r} has none of "
                         "them; correct the row for this release")
