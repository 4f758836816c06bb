"""The open background inventory: reading, checking and regionalizing the data in ``inventories/``.

Datasets are TOML text (schema in ``inventories/README.md``). This module turns
them into plain dictionaries ready for ``bw2data.Database.write`` and is the
only place that knows the file layout. Nothing here touches Brightway.
"""
from __future__ import annotations

import difflib
import hashlib
import math
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import csvdata, pedigree
from .errors import InputError, InputIssue
from .paths import inventories_dir
from .text import norm_name, strip
from .units import BW_UNITS, float32_problem

BACKGROUND_DB = "background"
BIOSPHERE_DB = "biosphere3"

UNITS = frozenset(BW_UNITS)  # the Brightway unit names a dataset may be in (lca.units.BW_UNITS)
REQUIRED_DATASET_FIELDS = ("code", "name", "product", "unit", "location", "year", "source")
REQUIRED_EXCHANGE_FIELDS = ("type", "amount", "unit", "source")
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def inventories_version() -> str:
    """The declared version plus a content hash of every data file, e.g. ``2026.11.1+3f2a9c1d``.

    A project rebuilds its background database when this changes.
    """
    root = inventories_dir()
    files = sorted(p for p in root.rglob("*") if p.is_file() and (p.suffix in {".toml", ".csv"} or p.name == "VERSION"))
    stats = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    cached = _VERSION_CACHE.get(str(root))
    if cached and cached[0] == stats:
        return cached[1]
    h = hashlib.sha256()
    for path in files:
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    declared = (root / "VERSION").read_text(encoding="utf-8").strip()
    version = f"{declared}+{h.hexdigest()[:10]}"
    _VERSION_CACHE[str(root)] = (stats, version)
    return version


_VERSION_CACHE: dict[str, tuple] = {}  # inventories dir -> (file stats, version): re-hash only on change


@dataclass(frozen=True)
class Flow:
    """An elementary flow named by a short alias (``CO2 fossil``) in ``flows.csv``."""

    alias: str
    gas_code: str
    name: str
    categories: tuple[str, ...]


def flows() -> dict[str, Flow]:
    """Short flow names (both ``alias`` and ``gas_code``) -> :class:`Flow`.

    Read again when the inventories change (keyed on :func:`inventories_version`).
    """
    return _flows(inventories_version())


@lru_cache(maxsize=4)
def _flows(version: str) -> dict[str, Flow]:
    out: dict[str, Flow] = {}
    for row in csvdata.rows(inventories_dir() / "flows.csv"):
        flow = Flow(row["alias"], row["gas_code"], row["name"], tuple(row["categories"].split("::")))
        out[flow.alias] = flow
        out[flow.gas_code] = flow
    return out


@dataclass
class Background:
    """The parsed background: datasets by code, the grid codes, and the regional variants."""

    datasets: dict[str, dict]
    grids: dict[str, str] = field(default_factory=dict)  # location -> grid dataset code
    version: str = ""  # inventories_version() it was read at ("" if unknown)

    def variant_code(self, code: str, location: str) -> str | None:
        """The code of ``code`` made in ``location`` (a grid region), or None if it has none."""
        ds = self.datasets.get(code)
        if ds is None or not ds.get("regionalize") or location not in self.grids:
            return None
        if ds["location"] == location:
            return code
        return f"{code}@{location}"


def _issue(path: Path, where: str, code: str, message: str) -> InputIssue:
    return InputIssue(sheet=None, row=None, column=where, code=code, message=message, file=path.name)


def _read_files(root: Path) -> tuple[list[tuple[Path, dict]], list[InputIssue]]:
    items, issues = [], []
    for path in sorted((root / "background").glob("*.toml")):
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            issues.append(_issue(path, "-", "bad_toml", f"not valid TOML: {exc}"))
            continue
        for ds in doc.get("dataset", []):
            items.append((path, ds))
    return items, issues


def _check_dataset(path: Path, ds: dict, codes: dict[str, dict], flow_map: dict) -> list[InputIssue]:
    issues = []
    code = ds.get("code", "?")
    for key in REQUIRED_DATASET_FIELDS:
        if ds.get(key) in (None, ""):
            issues.append(_issue(path, code, "missing_field", f"dataset {code!r} has no {key!r}"))
    if not CODE_RE.match(str(code)):
        issues.append(_issue(path, code, "bad_code", f"code {code!r} must match [a-z0-9-]+"))
    if ds.get("unit") not in UNITS:
        issues.append(_issue(path, code, "bad_unit", f"unit {ds.get('unit')!r} of {code!r} not in {sorted(UNITS)}"))
    for i, exc in enumerate(ds.get("exchanges", [])):
        where = f"{code}.exchanges[{i}]"
        for key in REQUIRED_EXCHANGE_FIELDS:
            if exc.get(key) in (None, ""):
                issues.append(_issue(path, where, "missing_field", f"exchange has no {key!r}"))
        problem = float32_problem(exc.get("amount"))
        if problem:
            issues.append(_issue(path, where, "bad_amount", f"amount {problem}"))
        if exc.get("type") == "technosphere":
            target = codes.get(exc.get("input"))
            if target is None:
                close = difflib.get_close_matches(str(exc.get("input")), list(codes), n=3)
                issues.append(_issue(path, where, "unknown_input",
                                     f"input {exc.get('input')!r} is not a dataset code; closest: {close}"))
            elif target.get("unit") != exc.get("unit"):
                issues.append(_issue(path, where, "unit_mismatch",
                                     f"unit {exc.get('unit')!r} differs from {exc['input']!r}'s unit {target.get('unit')!r}"))
        elif exc.get("type") == "biosphere":
            if exc.get("flow") not in flow_map:
                issues.append(_issue(path, where, "unknown_flow",
                                     f"flow {exc.get('flow')!r} is not an alias in flows.csv"))
            if exc.get("unit") != "kilogram":
                issues.append(_issue(path, where, "bad_unit", "biosphere flows are in kilogram"))
        else:
            issues.append(_issue(path, where, "bad_type", f"type {exc.get('type')!r}: technosphere or biosphere"))
    return issues


@lru_cache(maxsize=4)
def _load_background(version: str) -> Background:
    root = inventories_dir()
    items, issues = _read_files(root)
    codes: dict[str, dict] = {}
    for path, ds in items:
        code = ds.get("code")
        if code in codes:
            issues.append(_issue(path, str(code), "duplicate_code", f"code {code!r} defined twice"))
        codes[code] = dict(ds, _file=path.name)
    flow_map = _flows(version)
    for path, ds in items:
        issues.extend(_check_dataset(path, ds, codes, flow_map))
    if issues:
        listing = "\n".join(f"  {i}" for i in issues[:50])
        raise InputError(f"{len(issues)} problem(s) in {root}/background:\n{listing}", issues)
    grids = {ds["location"]: c for c, ds in codes.items() if ds.get("grid")}
    return Background(datasets=codes, grids=grids, version=version)


def load_background(version: str | None = None) -> Background:
    """Parse and check every background dataset; raise :class:`InputError` listing all problems.

    ``version`` is the inventories version it is cached under (default: the current one).
    """
    return _load_background(version or inventories_version())


def brightway_datasets(bg: Background, biosphere_codes: dict[str, str]) -> list[dict]:
    """Background datasets (with regional variants) as ``bw2data`` dictionaries.

    ``biosphere_codes`` maps a flow alias to its biosphere3 code.
    """
    out = []
    table = uncertainty_table()  # read once: the version check stats every data file
    for code, ds in bg.datasets.items():
        out.append(_bw_dataset(ds, code, ds["location"], biosphere_codes, None, bg, table))
        if ds.get("regionalize"):
            for location, grid_code in bg.grids.items():
                if location != ds["location"]:
                    out.append(_bw_dataset(ds, f"{code}@{location}", location, biosphere_codes, grid_code, bg,
                                           table))
    return out


def _bw_dataset(ds, code, location, bio, grid_code, bg: Background, table: dict | None = None) -> dict:
    table = uncertainty_table() if table is None else table
    exchanges = [{"input": (BACKGROUND_DB, code), "amount": 1.0, "type": "production", "unit": ds["unit"]}]
    for exc in ds.get("exchanges", []):
        if exc["type"] == "technosphere":
            src = exc["input"]
            if grid_code is not None and bg.datasets[src].get("grid"):
                src = grid_code
            exchanges.append({"input": (BACKGROUND_DB, src), "amount": float(exc["amount"]),
                              "type": "technosphere", "unit": exc["unit"], "comment": exc["source"],
                              **_uncertainty(ds, exc, exc["input"], table)})
        else:
            exchanges.append({"input": (BIOSPHERE_DB, bio[exc["flow"]]), "amount": float(exc["amount"]),
                              "type": "biosphere", "unit": "kilogram", "comment": exc["source"],
                              "flow_alias": exc["flow"], **_uncertainty(ds, exc, exc["flow"], table)})
    meta = {k: v for k, v in ds.items() if k not in ("exchanges", "_file") and not k.startswith("_")}
    meta.update({
        "database": BACKGROUND_DB, "code": code, "location": location, "type": "process",
        "reference product": ds["product"], "exchanges": exchanges, "base_code": ds["code"],
        "inventory_file": ds["_file"],
    })
    if grid_code is not None:
        meta["name"] = f"{ds['name']} [{location} grid]"
        meta["comment"] = (ds.get("comment", "") + f" Regional variant: electricity from {grid_code}.").strip()
    return meta


def _uncertainty(ds: dict, exc: dict, what: str, table: dict) -> dict:
    """Brightway uncertainty fields of a background exchange: lognormal from the dataset's pedigree
    (inventories/uncertainty.toml, :mod:`lca.pedigree`), or the exchange's own ``gsd`` if it gives one."""
    if exc.get("gsd") is not None:
        sigma = math.log(float(exc["gsd"]))
    else:
        sigma = pedigree.pedigree_sigma_of(table, pedigree.background_pedigree(table, ds),
                                           pedigree.basic_kind(exc["type"], what))
    return pedigree.lognormal_fields(float(exc["amount"]), sigma)


def uncertainty_table(version: str | None = None) -> dict:
    """``inventories/uncertainty.toml``: pedigree variances, background category scores, DQR -> GSD.

    ``version`` is the inventories version it is cached under (default: the current one).
    """
    return _uncertainty_table(version or inventories_version())


@lru_cache(maxsize=4)
def _uncertainty_table(version: str) -> dict:
    return read_toml(inventories_dir() / "uncertainty.toml")


def read_toml(path: Path, what: str = "") -> dict:
    """One TOML data file of ``inventories/`` (``what`` names it in messages, e.g. ``parameter file``).

    Raises
    ------
    lca.InputError
        The file is missing (reinstall) or not valid TOML (where, and why).
    """
    label = f"{what} {path}" if what else str(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{label} is missing; reinstall green-lca") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path} is not valid TOML: {exc}") from None


@dataclass(frozen=True)
class Resolution:
    """The background dataset a material name resolves to, or suggestions if none.

    ``code`` is a dataset code, or a regional variant ``code@LOCATION``; ``reason``
    says why a name that looks like a dataset code did not resolve.
    """

    code: str | None
    unit: str | None = None
    suggestions: tuple[str, ...] = ()
    reason: str = ""


def aliases() -> dict[str, str]:
    """Lower-cased material names (English and Chinese) -> background dataset code.

    Read again when the inventories change (keyed on :func:`inventories_version`).
    """
    return _aliases(inventories_version())


@lru_cache(maxsize=4)
def _aliases(version: str) -> dict[str, str]:
    out: dict[str, str] = {}
    path = inventories_dir() / "aliases.csv"
    if not path.exists():
        return out
    for row in csvdata.rows(path):
        out[_norm(row["alias"])] = row["code"].strip()
    return out


_norm = norm_name  # lca.text: one normal form of names


def alias_codes(text: str) -> list[str]:
    """Dataset codes with an alias (English or Chinese name) containing ``text``: the search index of names.

    ``alias_codes("锂")`` gives every dataset with a Chinese name containing 锂 (lithium), in alias-file order.
    """
    key = _norm(text)
    if not key:
        return []
    return list(dict.fromkeys(code for alias, code in aliases().items() if key in alias))


def resolve_material(name: str, bg: Background | None = None, suggest: bool = True) -> Resolution:
    """Resolve a material name, alias, code or ``background:code[@LOCATION]`` to a background dataset.

    A regional variant ``code@LOCATION`` resolves only where it exists: ``code`` has
    ``regionalize = true`` and ``LOCATION`` is a grid region (matched ignoring case, returned
    as the background spells it, e.g. ``@CN-NORTH``); ``code@`` its own location is ``code``.
    ``suggest=False``: an unknown name gets no closest names (an exact lookup, fast).
    """
    bg = bg or load_background()
    raw = " ".join(strip(str(name)).split())  # case kept: locations are upper case
    prefix = f"{BACKGROUND_DB}:"
    body = raw[len(prefix):].strip() if raw.casefold().startswith(prefix) else None
    base_text, at, location = (raw if body is None else body).partition("@")
    base = _norm(base_text)
    if at and (body is not None or base in bg.datasets):
        return _resolve_variant(bg, base, location.strip())
    text = _norm(raw)
    table = _aliases(bg.version) if bg.version else aliases()  # no re-hash per call for a given bg
    if body is not None:
        code = _norm(body)
    elif text in bg.datasets:
        code = text
    else:
        code = table.get(text)
    if code and code in bg.datasets:
        return Resolution(code, bg.datasets[code]["unit"])
    if not suggest:  # an exact lookup only (no closest names: difflib over every alias is slow)
        return Resolution(None, None)
    names = list(table) + list(bg.datasets)
    key = _norm(body) if body is not None else text
    close = difflib.get_close_matches(key, names, n=5, cutoff=0.5)
    if not close:
        close = [n for n in names if key and (key in n or n in key)][:5]
    return Resolution(None, None, tuple(dict.fromkeys(close)))


def _resolve_variant(bg: Background, base: str, location: str) -> Resolution:
    """``base@location`` -> the existing dataset, or a non-resolution saying why (see resolve_material)."""
    regions = {loc.casefold(): loc for loc in bg.grids}
    loc = regions.get(location.casefold())
    ds = bg.datasets.get(base)
    if ds is None:
        close = difflib.get_close_matches(base, list(bg.datasets), n=5, cutoff=0.5)
        return Resolution(None, None, tuple(dict.fromkeys((loc and bg.variant_code(c, loc)) or c for c in close)),
                          f"{base!r} is not a background dataset code")
    if loc is None and location.casefold() == str(ds["location"]).casefold():
        loc = ds["location"]
    if loc is not None and loc == ds["location"]:  # its own location: the dataset itself
        return Resolution(base, ds["unit"])
    if not ds.get("regionalize"):
        grid = bg.grids.get(loc) if loc else None
        hint = f"; for that region's electricity use {grid}" if grid and ds.get("grid") else ""
        return Resolution(None, None, ((grid,) if hint else ()) + (base,),
                          f"{base} has no regional variants (no regionalize = true), so {base}@{location} "
                          f"does not exist; use {base}{hint}")
    if loc is None:
        close = difflib.get_close_matches(location.upper(), list(bg.grids), n=5, cutoff=0.5)
        return Resolution(None, None, tuple(f"{base}@{c}" for c in close) + (base,),
                          f"{location!r} is not a grid region of the background; regions: "
                          f"{', '.join(sorted(bg.grids))}")
    return Resolution(bg.variant_code(base, loc), ds["unit"])
