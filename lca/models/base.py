"""The product-model protocol: parameters -> foreground Brightway activities in the ``models`` database.

A model object (:class:`Model`) names its reference unit (``unit``, e.g.
``kilowatt hour`` of battery capacity), the amount a footprint defaults to
(``default_amount``), its validated parameters (``params``) and the code of the
activity that produces one reference unit (``reference_code``). ``datasets()``
returns bw2data-ready dictionaries for database :data:`MODELS_DB`; their inputs
are ``("background", code)`` (regional variants ``code@LOC`` where a step's
region is set), ``("models", code)`` (other steps of the model) or
``("biosphere3", code)`` (direct emissions). Codes carry a hash of the
parameters, so two parameter sets never share an activity.

:func:`ensure_written` adds a model's new datasets to the ``models`` database
(:meth:`lca.Project.add_datasets`: validated, journaled, one SQLite transaction;
the variants already there are not touched);
:func:`rebuild` repairs the database after an interrupted write by writing it
empty (models are regenerated on demand).

Named parameter sets live in ``inventories/parameters/*.toml`` (:func:`parameters`).
"""
from __future__ import annotations

import copy
import hashlib
import json
import math
from functools import lru_cache

import numpy as np

from .. import distributions, inventory, pedigree
from ..errors import InputError

MODELS_DB = "models"
BACKGROUND_DB = inventory.BACKGROUND_DB
BIOSPHERE_DB = inventory.BIOSPHERE_DB


# -- parameter files ---------------------------------------------------------------------------
@lru_cache(maxsize=8)
def _parameters(name: str, version: str) -> dict:
    return inventory.read_toml(inventory.inventories_dir() / "parameters" / f"{name}.toml", "parameter file")


def parameters(name: str, version: str | None = None) -> dict:
    """The named parameter sets of ``inventories/parameters/<name>.toml`` as a dict.

    ``version``: the inventories version already read by the caller (saves re-hashing the data files)."""
    return _parameters(name, inventory.inventories_version() if version is None else version)


def named(table: dict, key, what: str, where: str) -> dict:
    """``table[key]``, or :class:`InputError` listing the valid names and where they are defined."""
    if key not in table:
        raise InputError(f"unknown {what} {key!r}; valid {what}s: {', '.join(sorted(table))} "
                         f"(named sets in inventories/parameters/{where}.toml)")
    return table[key]


def value(entry):
    """The ``value`` of a ``{value, unit, source}`` entry (or the entry itself)."""
    return entry["value"] if isinstance(entry, dict) and "value" in entry else entry


# -- validation ---------------------------------------------------------------------------------
def check_number(name: str, val, lo: float | None = None, hi: float | None = None, unit: str = "",
                 lo_open: bool = False) -> float:
    """``val`` as a finite float within [lo, hi] (lo exclusive if ``lo_open``), else InputError."""
    rng = f"{'(' if lo_open else '['}{'-inf' if lo is None else lo:g}, {'inf' if hi is None else hi:g}]"
    try:
        x = float(val)
    except (TypeError, ValueError):
        raise InputError(f"parameter {name}={val!r} is not a number; valid range {rng} {unit}".rstrip()) from None
    bad = not math.isfinite(x) or (lo is not None and (x <= lo if lo_open else x < lo)) or (hi is not None and x > hi)
    if bad:
        raise InputError(f"parameter {name}={val!r} is out of range; valid range {rng} {unit}".rstrip())
    return x


def check_choice(name: str, val, choices) -> str:
    if val not in choices:
        raise InputError(f"parameter {name}={val!r} is not valid; valid values: {', '.join(map(str, choices))}")
    return val


def check_region(name: str, val, grids: dict | None = None) -> str:
    """A grid location of the background (``CN``, ``CN-SC``, ``CN-NORTH``, ``DE``...).

    ``grids``: the background's grid table (region -> dataset code) if the caller has it already."""
    if grids is None:
        grids = inventory.load_background().grids
    loc = str(val).strip().upper() if val is not None else ""
    if loc not in grids:
        raise InputError(f"parameter {name}={val!r} is not a grid region; valid regions: {', '.join(sorted(grids))}")
    return loc


@lru_cache(maxsize=1)
def region_names() -> dict[str, str]:
    """Region code -> ``中文 English`` names from inventories/vocabulary/regions.csv (``CN-SC`` -> ``四川 Sichuan``)."""
    from .. import vocabulary

    return {r["code"]: " ".join(x for x in (r.get("name_zh") or "", r.get("name_en") or "") if x)
            for r in vocabulary.table("regions")}


def check_limit(name: str, x, limit: dict | None, warnings: list) -> None:
    """Refuse a value outside ``hard_min``/``hard_max`` (physically impossible), warn outside
    ``plausible_min``/``plausible_max``.

    ``limit``: a ``[limits.NAME]`` table of a parameter file (each bound a ``{value, unit, source}``
    entry); values that are sample arrays are not checked (their distributions are in range)."""
    if not limit or isinstance(x, np.ndarray):
        return
    for kind in ("hard", "plausible"):
        lo, hi = limit.get(f"{kind}_min"), limit.get(f"{kind}_max")
        low = lo is not None and x < value(lo)
        high = hi is not None and x > value(hi)
        if not (low or high):
            continue
        bound = lo if low else hi
        rng = f"[{value(lo) if lo else '-inf'}, {value(hi) if hi else 'inf'}] {bound.get('unit', '')}".rstrip()
        if kind == "hard":
            raise InputError(f"parameter {name}={x:g} is physically impossible: outside {rng} ({bound['source']})")
        warnings.append(f"{name}={x:g} is implausible: outside {rng} ({bound['source']}); the model scales "
                        "linearly beyond it")


def split_recycled(rows: list[dict], primary: str, recycled: str, share, param: str) -> list[dict]:
    """``rows`` with each ``bg:primary`` row split into ``1 - share`` primary and ``share`` ``bg:recycled``."""
    if not isinstance(share, np.ndarray) and share == 0:
        return rows
    out = []
    for row in rows:
        if row["input"] != "bg:" + primary:
            out.append(row)
            continue
        out.append(dict(row, amount=row["amount"] * (1 - share), source=f"{row.get('source', '')}; x (1 - {param})"))
        out.append(dict(row, input="bg:" + recycled, amount=row["amount"] * share,
                        source=f"{row.get('source', '')}; x {param} (recycled)"))
    return out


def check_unknown(model: str, given: dict, known) -> None:
    extra = sorted(set(given) - set(known))
    if extra:
        raise InputError(f"{model}: unknown parameter(s) {', '.join(extra)}; valid parameters: {', '.join(sorted(known))}")


def params_hash(name: str, params: dict, version: str | None = None) -> str:
    """Short hash of a model's parameters and of the inventories version (the data its steps come from)."""
    if version is None:
        version = inventory.inventories_version()
    text = json.dumps({"model": name, "params": params, "data": version},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _num(amount):
    """An exchange amount: a float, or a float64 array of samples (sampled builds, lca.uncertainty)."""
    if isinstance(amount, np.ndarray):
        return amount.astype(np.float64, copy=False)
    return float(amount)


# short unit names for the amount a result is for ("per kWh", "per kWp", "per vehicle")
UNIT_TEXT = {"kilowatt hour": "kWh", "kilowatt peak": "kWp", "unit": "vehicle", "kilogram": "kg",
             "square meter": "m2", "megajoule": "MJ", "ton kilometer": "t km"}


def basis(target, amount: float, unit: str | None = None) -> str:
    """What a result is for, in words: ``per kWh``, ``per pack (75 kWh)``, ``per vehicle``, ``per 2 kg``.

    One amount rule (docs/models.md): every command and API gives a target's result for ``amount``
    units of its reference product (default 1: a battery pack per kWh of capacity, a PV module per kWp,
    a vehicle per vehicle); this text states which on every output."""
    if hasattr(target, "basis"):
        return target.basis(amount)
    u = UNIT_TEXT.get(unit, unit or "unit")
    return f"per {u}" if float(amount) == 1.0 else f"per {float(amount):g} {u}"


def fmt(x, spec: str = "g") -> str:
    """``format(x, spec)`` for a number; ``sampled`` for an array of samples (names of sampled builds)."""
    return "sampled" if isinstance(x, np.ndarray) else format(x, spec)


# -- building datasets --------------------------------------------------------------------------
class Builder:
    """Collects foreground activities of one model: ``prefix-part`` codes in the ``models`` database."""

    def __init__(self, prefix: str, bg: inventory.Background | None = None, where: str = "parameter file",
                 rows_sigma: float = 0.0, row_draw=None):
        self.prefix = prefix
        # uncertainty of the step rows: sigma of ln(amount); static builds store it as Brightway
        # lognormal fields, sampled builds (``row_draw(sigma)`` -> factor array) multiply the amount
        self.rows_sigma = float(rows_sigma)
        self.row_draw = row_draw
        self.bg = inventory.load_background() if bg is None else bg
        self.where = where  # named in errors about a row (e.g. ``battery.toml``)
        self.acts: dict[str, dict] = {}
        self._flows: dict | None = None  # flows.csv aliases, read at the first direct emission

    def code(self, part: str) -> str:
        return f"{self.prefix}-{part}"

    def activity(self, part: str, name: str, unit: str, location: str, stage: str, product: str | None = None,
                 comment: str = "", **meta) -> dict:
        code = self.code(part)
        act = {
            "database": MODELS_DB, "code": code, "name": name, "unit": unit, "location": location,
            "type": "process", "reference product": product or name, "stage": stage, "comment": comment,
            "exchanges": [{"input": (MODELS_DB, code), "amount": 1.0, "type": "production", "unit": unit}],
        }
        act.update(meta)
        self.acts[part] = act
        return act

    def grid(self, loc: str) -> str:
        return self.bg.grids[loc]

    def add_bg(self, part: str, code: str, amount: float, unit: str, material: str | None = None,
               source: str = "", local: str | None = None) -> None:
        """Input from background ``code``; ``local`` = a region whose variant (``code@LOC``) is used."""
        if code not in self.bg.datasets:
            raise InputError(f"background dataset {code!r} (used by model step {part!r}) does not exist; "
                             "see the dataset codes in inventories/README.md")
        if local:
            code = self.bg.variant_code(code, local) or code
        self.acts[part]["exchanges"].append({
            "input": (BACKGROUND_DB, code), "amount": _num(amount), "type": "technosphere", "unit": unit,
            "comment": source, "material": material or code.split("@")[0],
        })

    def add_elec(self, part: str, loc: str, kwh: float, source: str = "") -> None:
        self.add_bg(part, self.grid(loc), kwh, "kilowatt hour", material=f"electricity {loc}", source=source)

    def add_part(self, part: str, other: str, amount: float, unit: str, source: str = "") -> None:
        self.acts[part]["exchanges"].append({
            "input": (MODELS_DB, self.code(other)), "amount": _num(amount), "type": "technosphere",
            "unit": unit, "comment": source,
        })

    def add_model(self, part: str, code: str, amount: float, unit: str, source: str = "") -> None:
        self.acts[part]["exchanges"].append({
            "input": (MODELS_DB, code), "amount": _num(amount), "type": "technosphere", "unit": unit,
            "comment": source,
        })

    def add_bio(self, part: str, flow: str, amount: float, source: str = "") -> None:
        if self._flows is None:
            self._flows = inventory.flows()
        if flow not in self._flows:
            raise InputError(f"flow {flow!r} of model step {part!r} is not an alias in inventories/flows.csv")
        self.acts[part]["exchanges"].append({
            "input": (BIOSPHERE_DB, "alias:" + flow), "amount": _num(amount), "type": "biosphere",
            "unit": "kilogram", "comment": source, "flow_alias": flow, "material": "direct emissions",
        })

    def add_row(self, part: str, row: dict, loc: str, on_mix=None) -> None:
        """One row of a parameter file's step (``{input, amount, unit, source[, local]}``) as an exchange of ``part``.

        ``input``: ``elec`` (grid of ``loc``), ``bg:CODE`` (background; ``local = true`` takes its variant
        in ``loc``; heat and steam are labelled ``heat``), ``mix:NAME`` (the model's supply mix step
        ``mix-NAME``; ``on_mix(NAME)`` is told so the model builds it; models without mixes give none),
        ``part:NAME`` (another step of the model), ``bio:FLOW`` (a direct emission)."""
        inp, amount, unit, src = row["input"], row["amount"], row.get("unit"), row.get("source", "")
        sigma = 0.0 if str(src).startswith("mass balance") else self.rows_sigma
        if self.row_draw is not None and sigma > 0:
            amount = amount * self.row_draw(sigma)
        n_before = len(self.acts[part]["exchanges"]) if part in self.acts else 0
        self._add_row(part, inp, amount, unit, src, row, loc, on_mix)
        if self.row_draw is None and sigma > 0:
            for e in self.acts[part]["exchanges"][n_before:]:
                e.update(distributions.lognormal_fields(e["amount"], sigma))

    def _add_row(self, part, inp, amount, unit, src, row, loc, on_mix) -> None:
        if not unit and inp != "elec":
            raise InputError(f"{self.where}: step {part!r} has a row {inp!r} without a unit")
        if inp == "elec":
            self.add_elec(part, loc, amount, src)
        elif inp.startswith("bg:"):
            code = inp[3:]
            self.add_bg(part, code, amount, unit, source=src, local=loc if row.get("local") else None,
                        material="heat" if code.startswith("heat") or code == "steam" else None)
        elif inp.startswith("mix:") and on_mix is not None:
            on_mix(inp[4:])
            self.add_part(part, "mix-" + inp[4:], amount, unit, src)
        elif inp.startswith("part:"):
            self.add_part(part, inp[5:], amount, unit, src)
        elif inp.startswith("bio:"):
            self.add_bio(part, inp[4:], amount, src)
        else:
            raise InputError(f"{self.where}: step {part!r} has an input {inp!r} of unknown kind "
                             f"(valid: elec, bg:CODE, {'mix:NAME, ' if on_mix is not None else ''}part:NAME, "
                             "bio:FLOW)")

    def datasets(self) -> list[dict]:
        return list(self.acts.values())


class Model:
    """Base class of product models (see module docstring)."""

    name: str = "model"
    product_title: str = "product"  # named in chart titles
    unit: str = "unit"
    default_amount: float = 1.0
    parameter_file: str | None = None  # ``inventories/parameters/<parameter_file>.toml``

    def __init__(self, _version: str | None = None):
        self.params: dict = {}
        self.warnings: list[str] = []  # implausible settings (lca.models.base.check_limit)
        self._cached: list[dict] | None = None
        # the data a model is built from, read once per instance: the inventories version (a stat of
        # every data file), the background it names and the model's parameter file
        self._version = inventory.inventories_version() if _version is None else _version
        self.bg = inventory.load_background(self._version)
        self.data = self._load_data()

    def _load_data(self) -> dict:
        """The model's parameter file (read once per version, shared between instances: do not modify)."""
        return parameters(self.parameter_file, self._version) if self.parameter_file else {}

    def grid(self, loc: str) -> str:
        """The background grid dataset code of region ``loc``."""
        return self.bg.grids[loc]

    def check_region(self, name: str, val) -> str:
        return check_region(name, val, self.bg.grids)

    # subclasses implement _build(builder)
    def _build(self, b: Builder) -> str:  # returns the reference part name
        raise NotImplementedError

    @property
    def prefix(self) -> str:
        return f"{self.name}-{params_hash(self.name, self.params, self._version)}"

    # -- uncertainty (lca.uncertainty) --------------------------------------------------------------
    @property
    def rows_sigma(self) -> float:
        """sigma of ln(amount) of the step rows, from the parameter file's ``[uncertainty.rows]`` pedigree."""
        rows = self.data.get("uncertainty", {}).get("rows")
        if not rows:
            return 0.0
        return pedigree.pedigree_sigma_of(inventory.uncertainty_table(self._version), rows["pedigree"])

    def parameter_entries(self) -> dict[str, dict]:
        """Every parameter of this model: name -> ``{value, unit, source, dist, sampled}``.

        ``sampled`` is True for the parameters Monte Carlo draws: a numeric parameter with a non-fixed
        distribution that changes the footprint and that the user did not set (a value you set is
        taken as known)."""
        return {}

    def derive(self, p: dict) -> dict:
        """Derived parameters from base ones (``p`` may hold sample arrays); the default derives none."""
        return p

    def sampled_build(self, draws: dict, row_draw=None) -> tuple[list[dict], str]:
        """The model's own datasets with parameters ``draws`` (name -> sample array) and rows drawn by
        ``row_draw``; amounts are arrays where they depend on a draw. Codes are the static model's."""
        m = copy.copy(self)
        m.params = self.derive({**self.params, **draws})
        m._cached = None
        b = Builder(self.prefix, self.bg, f"{self.parameter_file or self.name}.toml",
                    rows_sigma=self.rows_sigma if row_draw is not None else 0.0, row_draw=row_draw)
        ref = m._build(b)
        return b.datasets(), b.code(ref)

    def submodels(self) -> dict[str, "Model"]:
        """Other models whose datasets this model's product system uses (name -> model)."""
        return {}

    def own_datasets(self) -> tuple[list[dict], str]:
        """The model's own foreground datasets (built once per instance) and the reference code."""
        if self._cached is None:
            b = Builder(self.prefix, self.bg, f"{self.parameter_file or self.name}.toml", rows_sigma=self.rows_sigma)
            ref = self._build(b)
            self._cached = b.datasets()
            self._ref = b.code(ref)
        return self._cached, self._ref

    def product_system(self) -> tuple[list[dict], str]:
        """Every foreground dataset the model's product system uses (sub-models included), and the reference."""
        return self.own_datasets()

    @property
    def reference_code(self) -> str:
        return self.own_datasets()[1]

    @property
    def key(self) -> tuple[str, str]:
        return (MODELS_DB, self.reference_code)

    def datasets(self, biosphere_codes: dict | None = None) -> list[dict]:
        """bw2data-ready datasets; biosphere inputs resolved with ``biosphere_codes`` (alias -> code)."""
        out = []
        for d in self.own_datasets()[0]:
            d = dict(d, exchanges=[dict(e) for e in d["exchanges"]])
            if biosphere_codes is not None:
                for e in d["exchanges"]:
                    if e["type"] == "biosphere":
                        e["input"] = (BIOSPHERE_DB, biosphere_codes[e["flow_alias"]])
            out.append(d)
        return out

    # -- levers: every listed parameter settable, categorical ones with their values ---------------
    def choices(self) -> dict[str, dict]:
        """Categorical parameters: name -> ``{value, values, labels}``; every region parameter lists the
        background's grid regions with their Chinese and English names (``CN-SC 四川 Sichuan``)."""
        grids = sorted(self.bg.grids)
        names = region_names()
        out = {}
        for k, v in self.params.items():
            if k.endswith("region") or k == "use_grid":
                out[k] = {"value": v, "values": grids, "labels": {g: names.get(g, "") for g in grids}}
        return out

    def fixed(self) -> dict[str, str]:
        """Parameters listed by ``lca model`` that cannot be set: name -> the reason."""
        return {}

    def setting(self, params: dict, name: str, entry, lo: float | None = 0.0, hi: float | None = None,
                lo_open: bool = False) -> float:
        """Parameter ``name``: the user's value from ``params`` (checked against [lo, hi] and the parameter
        file's ``[limits.NAME]``), else the entry's value."""
        x = check_number(name, params[name], lo, hi, str(entry.get("unit", "")) if isinstance(entry, dict) else "",
                         lo_open=lo_open) if name in params else float(value(entry))
        check_limit(name, x, self.data.get("limits", {}).get(name), self.warnings)
        return x

    def basis(self, amount: float = 1.0) -> str:
        """The amount a result of this model is for, in words (:func:`basis`)."""
        u = UNIT_TEXT.get(self.unit, self.unit)
        return f"per {u}" if float(amount) == 1.0 else f"per {float(amount):g} {u}"

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({args})"

    # -- foreground algebra (plain numpy, independent of the engine) ------------------------------
    def supply(self, code: str | None = None) -> dict[str, float]:
        """Foreground activity code -> amount needed per one reference unit (a small dense solve); ``code``:
        per one unit of that foreground activity instead (e.g. 1 kg of the model's cell)."""
        data, ref = self.product_system()
        ref = ref if code is None else code
        codes = [d["code"] for d in data]
        idx = {c: i for i, c in enumerate(codes)}
        A = np.eye(len(codes))
        for d in data:
            j = idx[d["code"]]
            for e in d["exchanges"]:
                if e["type"] == "technosphere" and e["input"][0] == MODELS_DB:
                    A[idx[e["input"][1]], j] -= e["amount"]
        demand = np.zeros(len(codes))
        demand[idx[ref]] = 1.0
        x = np.linalg.solve(A, demand)
        return dict(zip(codes, x))

    def background_inputs(self, code: str | None = None) -> list[tuple[str, str, float, str]]:
        """(foreground code, background or biosphere input, amount per reference unit, material label);
        ``code``: per one unit of that foreground activity instead."""
        x = self.supply(code)
        out = []
        for d in self.product_system()[0]:
            for e in d["exchanges"]:
                if e["type"] in ("technosphere", "biosphere") and e["input"][0] != MODELS_DB:
                    inp = e["input"][1] if e["type"] == "technosphere" else "bio:" + e["flow_alias"]
                    out.append((d["code"], inp, x[d["code"]] * e["amount"], e.get("material", inp)))
        return out

    # -- results in other units ---------------------------------------------------------------
    def by_material(self, fp, project) -> dict[str, float]:
        """Score per reference unit by material (what each background input and direct emission adds),
        from ``project``'s scores under ``fp``'s method."""
        scores = project.footprints(method=fp.method)
        cfs = flow_cfs(project, fp.method)
        out: dict[str, float] = {}
        for _, inp, amount, label in self.background_inputs():
            if inp.startswith("bio:"):
                s = amount * cfs.get(inp[4:], 0.0)
            else:
                s = amount * float(scores[f"{BACKGROUND_DB}:{inp}"])
            out[label] = out.get(label, 0.0) + s
        return dict(sorted(out.items(), key=lambda kv: -abs(kv[1])))

    def extras(self, footprint, project) -> dict:
        """Other reference units of ``footprint`` (computed by ``project``): per pack, per module..."""
        return {}


def flow_cfs(project, method) -> dict[str, float]:
    """Flow alias -> characterization factor of ``method`` (:meth:`lca.calc.Calculator.flow_cfs`)."""
    return project.calc.flow_cfs(tuple(method), project.biosphere_codes())


# -- the models database ------------------------------------------------------------------------
def ensure_written(project, model) -> tuple[str, str]:
    """Write ``model``'s datasets into the ``models`` database unless already there; return its key."""
    code = model.reference_code
    nodes = project.calc.nodes()
    have = set(nodes.loc[nodes["database"] == MODELS_DB, "code"])
    wanted = [d["code"] for d in model.product_system()[0]]
    if all(c in have for c in wanted):
        return (MODELS_DB, code)
    with project.lock():  # another process may have added some since: look again under the lock
        nodes = project.calc.nodes()
        have = set(nodes.loc[nodes["database"] == MODELS_DB, "code"])
        new = [d for d in model.datasets(project.biosphere_codes()) if d["code"] not in have]
        if new:
            project.add_datasets(MODELS_DB, new)
    return (MODELS_DB, code)


def rebuild(project) -> None:
    """After an interrupted write: write the ``models`` database empty (models regenerate on demand)."""
    project.write_database(MODELS_DB, [])
