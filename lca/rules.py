"""Declaration rule sets: a regulation's choices for a battery carbon footprint declaration, read from TOML.

One file per rule set in ``inventories/rules/`` (``cn-miit-2025``, ``eu-2024-draft``, ``jrc-2023``), or a
user's own file with the same keys (``lca declare --rules FILE.toml``). Every value carries its ``clause``,
``source`` and ``status`` (``regulation``, ``draft``, ``jrc-final-draft``, ``assumption``). The reader
refuses, naming the key, any unknown key and any missing one, so a typo never silently falls back to a
default. The schema is in ``docs/declarations.md`` ("Rule files").
"""
from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .inventory import inventories_dir

STAGES = ("raw_material_acquisition", "main_production", "distribution", "end_of_life")
FACTORS = ("national", "provincial", "residual", "contract")
SOURCINGS = ("grid", "onsite_renewable", "direct_line", "ppa_renewable", "green_certificate")
KINDS = ("raw_material", "active_material", "cell_component", "cell_production", "battery_assembly",
         "other_supplier_product", "declared_pcf", "distribution", "end_of_life")
MATCH_ORDER = ("active_material", "cell_component", "cell_production", "battery_assembly")  # first match wins
EOL_METHODS = {"cff": ("A", "credit_kgco2e_per_kg"), "cut-off": ()}
EOL_COMMON = ("R2", "electricity_kwh_per_kg", "sulfuric_acid_kg_per_kg", "sodium_hydroxide_kg_per_kg", "electricity")
CITED = ("clause", "source", "status")  # every rule says where it comes from
VALUE_KEYS = {"value", "unit", *CITED}


@dataclass(frozen=True)
class Cited:
    """A value with the clause, source and status it comes from."""

    value: object
    clause: str
    source: str
    status: str
    unit: str = ""

    def to_dict(self) -> dict:
        return {"value": self.value, "unit": self.unit, "clause": self.clause, "source": self.source,
                "status": self.status}


@dataclass(frozen=True)
class Kind:
    """A kind of process, the declaration stage it falls in, and the words that identify it."""

    name: str
    stage: str
    match: tuple[str, ...]
    clause: str
    source: str
    status: str


@dataclass(frozen=True)
class ElectricityRule:
    """Which factor a sourcing value of an Energy row gets (``national``, ``provincial``, ``residual``, ``contract``)."""

    sourcing: str
    factor: str
    clause: str
    source: str
    status: str


@dataclass
class RuleSet:
    """A rule set as read and checked (see module docstring)."""

    name: str
    version: str
    title: str
    title_zh: str
    status: str
    source: str
    functional_unit: str
    path: str
    lifetime: dict                      # formula, clause, source, status, service_years_rule
    cycles_per_year: dict[str, Cited]   # vehicle category -> FEqC per year
    service_years_default: Cited
    cycle_life_caps: bool
    kinds: dict[str, Kind]
    electricity: dict[str, ElectricityRule]
    residual_mix: dict[str, Cited]      # country -> residual / national factor
    end_of_life: dict                   # method, clause, source, status + parameters (Cited)
    primary_required: tuple[str, ...]
    primary: dict                       # clause, source, status
    min_declared_primary_share: Cited
    dqr_max: Cited
    statuses: set[str] = field(default_factory=set)
    stage_names_zh: dict[str, str] = field(default_factory=dict)  # the rules' own Chinese stage names, if any

    def kind_of(self, text: str) -> str | None:
        """The kind a product or material name matches (:data:`MATCH_ORDER`), else None."""
        low = str(text or "").casefold()
        for name in MATCH_ORDER:
            if any(_matches(w.casefold(), low) for w in self.kinds[name].match):
                return name
        return None

    def summary(self) -> dict:
        return {"name": self.name, "version": self.version, "title": self.title, "title_zh": self.title_zh,
                "status": self.status, "source": self.source, "file": self.path,
                "stage_names_zh": dict(self.stage_names_zh)}


def _matches(word: str, text: str) -> bool:
    """``word`` in ``text``: a Latin-script word as a whole word (plural -s/-es allowed), so "pack" does not
    match "packaging" nor "cell" "cellulose"; a Chinese word anywhere (Chinese has no spaces between words)."""
    if not word.isascii():
        return word in text
    return re.search(rf"(?<![^\W_]){re.escape(word)}(?:s|es)?(?![^\W_])", text) is not None


def known() -> list[str]:
    """Names of the rule sets shipped in ``inventories/rules/``."""
    return sorted(p.stem for p in (inventories_dir() / "rules").glob("*.toml"))


def load(rules) -> RuleSet:
    """A rule set by name (``eu-2024-draft``) or path to a ``.toml`` file; InputError naming what is wrong."""
    if isinstance(rules, RuleSet):
        return rules
    text = str(rules or "").strip()
    path = Path(text)
    if not text.endswith(".toml"):
        names = known()
        if text not in names:
            raise InputError(f"unknown rule set {text!r}: known rule sets are {', '.join(names)} "
                             f"(inventories/rules/), or give the path of your own FILE.toml")
        path = inventories_dir() / "rules" / f"{text}.toml"
    if not path.is_file():
        raise InputError(f"rule file {text!r} does not exist; known rule sets: {', '.join(known())}")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"rule file {path}: not valid TOML ({exc})") from None
    return _check(doc, str(path))


# -- checking ---------------------------------------------------------------------------------------
class _Reader:
    def __init__(self, path: str):
        self.path = path
        self.statuses: set[str] = set()

    def fail(self, key: str, what: str):
        raise InputError(f"rule file {self.path}: key {key!r} {what}")

    def table(self, doc: dict, key: str, allowed=None, required=()) -> dict:
        t = doc.get(key.rsplit(".", 1)[-1]) if isinstance(doc, dict) else None
        if not isinstance(t, dict):
            self.fail(key, "is missing (a table)")
        if allowed is not None:
            for k in t:
                if k not in allowed:
                    self.fail(f"{key}.{k}", f"is unknown; allowed keys here: {', '.join(sorted(allowed))}")
        for k in required:
            if k not in t:
                self.fail(f"{key}.{k}", "is missing")
        return t

    def text(self, t: dict, key: str, full: str) -> str:
        v = t.get(key)
        if not isinstance(v, str) or not v.strip():
            self.fail(f"{full}.{key}", "is missing or empty (a text)")
        if key == "status":
            self.statuses.add(v)
        return v

    def cited(self, t: dict, key: str, full: str, number=True, lo=0.0, hi=math.inf) -> Cited:
        e = t.get(key)
        name = f"{full}.{key}"
        if not isinstance(e, dict):
            self.fail(name, "is missing (a table { value, unit, clause, source, status })")
        for k in e:
            if k not in VALUE_KEYS:
                self.fail(f"{name}.{k}", f"is unknown; allowed keys: {', '.join(sorted(VALUE_KEYS))}")
        for k in ("value", *CITED):
            if k not in e:
                self.fail(f"{name}.{k}", "is missing")
        v = e["value"]
        if number:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not lo <= v <= hi:
                self.fail(f"{name}.value", f"must be a number in [{lo:g}, {hi:g}], not {v!r}")
            v = float(v)
        for k in CITED:
            self.text(e, k, name)
        return Cited(v, e["clause"], e["source"], e["status"], str(e.get("unit", "")))


def _check(doc: dict, path: str) -> RuleSet:
    r = _Reader(path)
    top = {"meta", "lifetime", "kinds", "electricity", "residual_mix", "end_of_life", "primary_data", "dqr"}
    for k in doc:
        if k not in top:
            r.fail(k, f"is unknown; allowed top-level tables: {', '.join(sorted(top))}")
    meta_keys = ("name", "version", "title", "title_zh", "status", "source", "functional_unit")
    meta = r.table(doc, "meta", set(meta_keys) | {"stage_names_zh"}, meta_keys)
    for k in meta_keys:
        r.text(meta, k, "meta")
    names_zh = meta.get("stage_names_zh", {})  # optional: the stage names of a Chinese text
    if not isinstance(names_zh, dict) or not all(k in STAGES and isinstance(v, str) and v.strip()
                                                 for k, v in names_zh.items()):
        r.fail("meta.stage_names_zh", f"must be a table of stage = \"name\" with stages among {', '.join(STAGES)}")

    lt_keys = {"formula", "clause", "source", "status", "service_years_rule", "service_years_default",
               "cycle_life_caps", "cycles_per_year"}
    lt = r.table(doc, "lifetime", lt_keys, lt_keys)
    for k in ("formula", "clause", "source", "status", "service_years_rule"):
        r.text(lt, k, "lifetime")
    if lt["formula"].replace(" ", "") != "usable_kwh*cycles_per_year*service_years":
        r.fail("lifetime.formula", "must be 'usable_kwh * cycles_per_year * service_years' (the one formula "
                                   "the engine computes; a cycle life caps it where cycle_life_caps = 1)")
    cats = r.table(lt, "lifetime.cycles_per_year")
    if not cats:
        r.fail("lifetime.cycles_per_year", "has no vehicle category")
    cycles = {c: r.cited(cats, c, "lifetime.cycles_per_year", lo=1e-9, hi=1e5) for c in cats}
    years = r.cited(lt, "service_years_default", "lifetime", hi=100)
    caps = r.cited(lt, "cycle_life_caps", "lifetime", lo=0, hi=1)

    kinds_t = r.table(doc, "kinds", set(KINDS), KINDS)
    kinds = {}
    for name in KINDS:
        full = f"kinds.{name}"
        k = r.table(kinds_t, full, {"stage", "match", *CITED}, ("stage", "match", *CITED))
        if k["stage"] not in STAGES:
            r.fail(f"{full}.stage", f"must be one of {', '.join(STAGES)}, not {k['stage']!r}")
        if not isinstance(k["match"], list) or not all(isinstance(w, str) and w.strip() for w in k["match"]):
            r.fail(f"{full}.match", "must be a list of words")
        kinds[name] = Kind(name, k["stage"], tuple(k["match"]), *(r.text(k, c, full) for c in CITED))

    el_t = r.table(doc, "electricity", set(SOURCINGS), SOURCINGS)
    electricity = {}
    for s in SOURCINGS:
        full = f"electricity.{s}"
        e = r.table(el_t, full, {"factor", *CITED}, ("factor", *CITED))
        if e["factor"] not in FACTORS:
            r.fail(f"{full}.factor", f"must be one of {', '.join(FACTORS)}, not {e['factor']!r}")
        if s == "grid" and e["factor"] == "contract":
            r.fail(f"{full}.factor", "cannot be 'contract': grid electricity has no contract")
        electricity[s] = ElectricityRule(s, e["factor"], *(r.text(e, c, full) for c in CITED))

    rm_t = r.table(doc, "residual_mix")
    residual = {c.upper(): r.cited(rm_t, c, "residual_mix", lo=0, hi=10) for c in rm_t}

    eol_t = r.table(doc, "end_of_life")
    method = eol_t.get("method")
    if method not in EOL_METHODS:
        r.fail("end_of_life.method", f"must be one of {', '.join(EOL_METHODS)}, not {method!r}")
    eol_keys = ("method", *CITED, *EOL_COMMON, *EOL_METHODS[method])
    r.table(doc, "end_of_life", set(eol_keys), eol_keys)
    eol = {"method": method, **{c: r.text(eol_t, c, "end_of_life") for c in CITED}}
    for k in (*EOL_COMMON, *EOL_METHODS[method]):
        if k == "electricity":
            eol[k] = r.cited(eol_t, k, "end_of_life", number=False)
            if eol[k].value not in ("national", "provincial", "residual"):
                r.fail("end_of_life.electricity.value", "must be national, provincial or residual")
        else:
            eol[k] = r.cited(eol_t, k, "end_of_life", hi=1.0 if k in ("A", "R2") else 1e4)

    pd_keys = ("required", *CITED, "min_declared_primary_share")
    pdt = r.table(doc, "primary_data", set(pd_keys), pd_keys)
    req = pdt["required"]
    if not isinstance(req, list) or any(k not in KINDS for k in req):
        r.fail("primary_data.required", f"must be a list of kinds among {', '.join(KINDS)}")
    primary = {c: r.text(pdt, c, "primary_data") for c in CITED}
    min_share = r.cited(pdt, "min_declared_primary_share", "primary_data", hi=100)

    dq = r.table(doc, "dqr", {"max"}, ("max",))
    dqr_max = r.cited(dq, "max", "dqr", lo=1, hi=5)
    return RuleSet(name=meta["name"], version=meta["version"], title=meta["title"], title_zh=meta["title_zh"],
                   status=meta["status"], source=meta["source"], functional_unit=meta["functional_unit"], path=path,
                   lifetime={k: lt[k] for k in ("formula", "clause", "source", "status", "service_years_rule")},
                   cycles_per_year=cycles, service_years_default=years, cycle_life_caps=caps.value >= 0.5,
                   kinds=kinds, electricity=electricity, residual_mix=residual, end_of_life=eol,
                   primary_required=tuple(req), primary=primary, min_declared_primary_share=min_share,
                   dqr_max=dqr_max, statuses=r.statuses, stage_names_zh=dict(names_zh))
