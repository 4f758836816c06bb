"""Declaration values: lifetime energy, stages, electricity rules, end of life, primary data, Monte Carlo.

The pieces :mod:`lca.declare` (imported packs) and :mod:`lca.declare_model` (product models) share:
:func:`lifetime_energy`, the :class:`Context` of solved scores and a rule set, :func:`electricity_value`
(one electricity line re-valued by the rule for its sourcing), :func:`end_of_life`, :func:`check_primary`
(the refusal where required company-specific data is missing), :func:`sample` (the declared total's
linear terms sampled with :class:`lca.uncertainty.BackgroundSampler`) and the methodology text.
"""
from __future__ import annotations

import math

import numpy as np

from . import inventory
from .errors import InputError, LcaError

ELECTRICITY_KIND = "energy"
CHECK_REL = 1e-6  # the declaration's linear terms vs its line sum (same scores; float sums)


# -- 1. lifetime energy -----------------------------------------------------------------------------
def positive(name: str, option: str, val, lo_open=True) -> float:
    try:
        x = float(val)
    except (TypeError, ValueError):
        raise InputError(f"{name} ({option}) = {val!r} is not a number") from None
    if not math.isfinite(x) or x <= 0:
        raise InputError(f"{name} ({option}) = {val!r} is impossible: give a positive finite number")
    return x


def lifetime_energy(rs, usable_kwh=None, cycles_per_year=None, vehicle_category=None, service_years=None,
                    cycle_life=None) -> tuple[float, dict, list[str]]:
    """(total energy over the service life [kWh], its inputs with sources, warnings) under rule set ``rs``."""
    warnings = []
    if usable_kwh is None:
        raise InputError("usable_kwh (--usable-kwh) is missing: give the battery's usable energy capacity at the "
                         f"beginning of life [kWh] ({rs.lifetime['clause']})")
    usable = positive("usable_kwh", "--usable-kwh", usable_kwh)
    cats = ", ".join(sorted(rs.cycles_per_year))
    if cycles_per_year is not None and vehicle_category is not None:
        raise InputError("give either cycles_per_year (--cycles-per-year) or vehicle_category (--vehicle-category), "
                         "not both")
    if cycles_per_year is not None:
        cycles = positive("cycles_per_year", "--cycles-per-year", cycles_per_year)
        cyc_src = {"value": cycles, "source": "given by the declarant", "clause": rs.lifetime["clause"]}
    elif vehicle_category is not None:
        cat = str(vehicle_category).strip().upper()
        if cat not in rs.cycles_per_year:
            raise InputError(f"vehicle_category (--vehicle-category) {vehicle_category!r} is unknown to rule set "
                             f"{rs.name}: use one of {cats}")
        c = rs.cycles_per_year[cat]
        cycles = c.value
        cyc_src = {"value": cycles, "vehicle_category": cat, "source": c.source, "clause": c.clause,
                   "status": c.status}
    else:
        raise InputError("cycles_per_year (--cycles-per-year) or vehicle_category (--vehicle-category) is missing: "
                         f"give the full equivalent cycles per year, or a vehicle category of {rs.name} ({cats})")
    if service_years is not None:
        years = positive("service_years", "--service-years", service_years)
        yr_src = {"value": years, "source": "given by the declarant", "rule": rs.lifetime["service_years_rule"]}
    elif rs.service_years_default.value > 0:
        years = rs.service_years_default.value
        yr_src = {"value": years, **rs.service_years_default.to_dict()}
        warnings.append(f"service_years not given: {years:g} years from rule set {rs.name} "
                        f"({rs.service_years_default.clause})")
    else:
        raise InputError(f"service_years (--service-years) is missing: rule set {rs.name} has no default; "
                         f"the service life is {rs.lifetime['service_years_rule']}")
    full_cycles = cycles * years
    life = {"formula": rs.lifetime["formula"], "clause": rs.lifetime["clause"], "status": rs.lifetime["status"],
            "usable_kwh": usable, "cycles_per_year": cyc_src, "service_years": yr_src, "cycle_life": None,
            "full_cycles": full_cycles}
    if cycle_life is not None:
        cl = positive("cycle_life", "--cycle-life", cycle_life)
        life["cycle_life"] = cl
        if rs.cycle_life_caps and cl < full_cycles:
            warnings.append(f"cycle_life {cl:g} < cycles_per_year x service_years = {full_cycles:g}: the lifetime "
                            f"energy uses {cl:g} full cycles (rule set {rs.name}: cycle life caps the lifetime)")
            full_cycles = cl
            life["full_cycles"] = cl
    energy = usable * full_cycles
    life["energy_kwh"] = energy
    return energy, life, warnings


# -- 2./3. the chain, line by line ---------------------------------------------------------------------
class Context:
    """The project's solved scores and the rule set, for valuing lines."""

    def __init__(self, project, rs, method):
        from .supply.values import ColumnLookup

        self.project = project
        self.rs = rs
        self.method = method
        self.scores = project.calc.scores(method)
        self.lookup = ColumnLookup(project)
        self.bg = inventory.load_background()
        self.warnings: list[str] = []
        self._warned: set = set()

    def warn(self, text: str) -> None:
        if text not in self._warned:
            self._warned.add(text)
            self.warnings.append(text)

    def col(self, code: str) -> int:
        return self.lookup.column((inventory.BACKGROUND_DB, code))

    def score(self, code: str) -> float:
        return float(self.scores[self.col(code)])

    def national(self, region: str) -> str:
        country = (region or "").split("-", 1)[0].upper()
        code = self.bg.grids.get(country)
        if code is None:
            self.warn(f"no national grid dataset for {country or 'an unspecified region'}: the world average grid "
                      "(electricity-glo) is used")
            code = self.bg.grids.get("GLO", "electricity-glo")
        return code

    def grid_factor(self, factor: str, region: str, own_code: str) -> tuple[str, float, str]:
        """(dataset code, scale, basis) of a grid factor rule for a line in ``region`` (own dataset ``own_code``)."""
        if factor == "provincial":
            return own_code, 1.0, f"grid of {region} ({own_code})"
        code = self.national(region)
        if factor == "national":
            return code, 1.0, f"national average consumption mix ({code})"
        country = (region or "").split("-", 1)[0].upper()
        mix = self.rs.residual_mix.get(country)
        if mix is None:
            self.warn(f"rule set {self.rs.name} has no residual mix for {country}: the national average mix "
                      f"({code}) is used for its grid electricity")
            return code, 1.0, f"national average consumption mix ({code}; no residual mix)"
        return code, mix.value, f"residual mix = {mix.value:g} x national ({code}; {mix.clause})"


def is_electricity(line) -> bool:
    return line.kind == ELECTRICITY_KIND and line.label == "electricity" and line.kwh > 0


def electricity_value(ctx: Context, line, kwh: float) -> tuple[float, dict, list[tuple]]:
    """(kg CO2e of ``kwh`` of the line under the rules, its electricity entry, linear terms (code|None, coef))."""
    sourcing = line.sourcing or "grid"
    rule = ctx.rs.electricity.get(sourcing)
    if rule is None:
        raise InputError(f"{line.activity} {line.where}: electricity sourcing {sourcing!r} has no rule in "
                         f"{ctx.rs.name}; rules exist for {', '.join(ctx.rs.electricity)}")
    own = line.input[1]
    if rule.factor == "contract":
        if line.mb_ef is not None:
            factor, basis, terms = line.mb_ef, "supplier-specific factor of the row", [(None, kwh * line.mb_ef)]
        else:
            code = line.mb_input[1]
            factor, basis, terms = ctx.score(code), f"generation dataset of the instrument ({code})", [(code, kwh)]
        if sourcing in ("ppa_renewable", "green_certificate"):
            ctx.warn(f"rule set {ctx.rs.name} accepts {sourcing} only when the instrument meets its quality "
                     f"criteria ({rule.clause}): green-lca assumes they are met; the verifier checks the contracts")
    else:
        code, scale, basis = ctx.grid_factor(rule.factor, line.region, own)
        factor, terms = ctx.score(code) * scale, [(code, kwh * scale)]
    entry = {"company": "", "product": line.activity, "where": line.where, "kwh": kwh, "sourcing": sourcing,
             "grid_region": line.region, "factor": factor, "basis": basis,
             "rule": f"electricity.{sourcing} = {rule.factor}: {rule.clause}", "clause": rule.clause,
             "status": rule.status, "kgco2e": kwh * factor, "as_linked_factor": ctx.score(own)}
    return kwh * factor, entry, terms


def activity_kinds(rs, chain, activities: dict, kinds: dict | None) -> dict[str, str]:
    """Process kind of every supplier product of the chain: the pack itself, ``kinds`` given, else by name."""
    kinds = dict(kinds or {})
    for a, k in kinds.items():
        if a not in chain.reach:
            raise InputError(f"kinds: {a!r} is not in the supply chain of {chain.root} ({', '.join(chain.reach)})")
        if k not in rs.kinds:
            raise InputError(f"kinds: {a}={k!r} is not a process kind; kinds: {', '.join(rs.kinds)}")
    out = {}
    for a in chain.reach:
        meta = activities[a]
        out[a] = kinds.get(a) or ("battery_assembly" if a == chain.root else
                                  rs.kind_of(meta.get("name")) or rs.kind_of(a.split("/", 1)[-1])
                                  or "other_supplier_product")
    return out


def line_kind(rs, line, akinds: dict) -> str:
    if line.kind == "background":
        return rs.kind_of(line.typed) or rs.kind_of(line.label) or "raw_material"
    if line.kind == "supplier_pcf":
        return rs.kind_of(line.typed) or rs.kind_of(line.label) or rs.kind_of(line.dataset_name) or "declared_pcf"
    return akinds[line.activity]


def end_of_life(ctx: Context, mass_kg: float, region: str) -> tuple[float, dict, list[tuple]]:
    """kg CO2e of the end of life of ``mass_kg`` of battery under the rule set, its detail, linear terms."""
    e = ctx.rs.end_of_life
    r2 = e["R2"].value
    grid_code, scale, basis = ctx.grid_factor(e["electricity"].value, region, ctx.bg.grids.get(
        (region or "").upper()) or ctx.national(region))
    parts = [("electricity", grid_code, e["electricity_kwh_per_kg"].value * scale),
             ("sulfuric acid", "sulfuric-acid", e["sulfuric_acid_kg_per_kg"].value),
             ("sodium hydroxide", "sodium-hydroxide", e["sodium_hydroxide_kg_per_kg"].value)]
    terms = [(code, mass_kg * r2 * per_kg) for _, code, per_kg in parts]
    burden = sum(coef * ctx.score(code) for code, coef in terms)
    credit = 0.0
    if e["method"] == "cff":
        credit = mass_kg * (1 - e["A"].value) * r2 * e["credit_kgco2e_per_kg"].value
        terms.append((None, -credit))
    detail = {"method": e["method"], "clause": e["clause"], "status": e["status"], "mass_kg": mass_kg,
              "R2": r2, "electricity_basis": basis, "burden": burden, "credit": credit,
              "parameters": {k: v.to_dict() for k, v in e.items() if hasattr(v, "to_dict")}}
    return burden - credit, detail, terms


# -- 4. primary data ---------------------------------------------------------------------------------
def check_primary(rs, chain, activities, akinds, items: list[dict], draft: bool) -> tuple[dict, list[str]]:
    """Which required process kinds are covered by company-specific data; refuse (unless draft) where not."""
    min_share = rs.min_declared_primary_share.value / 100.0
    covered, secondary, problems, missing = [], [], [], []
    for kind in rs.primary_required:
        found = False
        for a in chain.reach:
            if akinds[a] != kind:
                continue
            found = True
            own = [it for it in items if it["product"] == a and it["line_kind"] in ("energy", "emission", "transport")]
            entry = {"kind": kind, "process": a, "company": activities[a]["company_name"],
                     "data": "supplier workbook (own energy and emissions)"}
            if own:
                covered.append(entry)
            else:
                entry["data"] = "supplier workbook without energy or emission rows"
                secondary.append(entry)
                problems.append(f"{a} ({activities[a]['company_name']}) is the {kind} process but its workbook has "
                                "no Energy or Emissions rows: ask it to fill in its own energy and direct emissions")
        for it in items:
            if it["kind"] != kind or it["line_kind"] not in ("background", "supplier_pcf"):
                continue
            found = True
            entry = {"kind": kind, "process": it["typed"] or it["material"], "company": it["supplier"],
                     "bought_by": it["product"], "where": it["where"]}
            if it["line_kind"] == "supplier_pcf" and it["primary_share"] > min_share:
                covered.append(dict(entry, data=f"declared PCF with {100 * it['primary_share']:.0f}% primary data"))
                continue
            what = ("a background (secondary) dataset " + it["dataset"] if it["line_kind"] == "background"
                    else "a declared PCF without primary data share")
            secondary.append(dict(entry, data=what))
            problems.append(f"{it['product']} {it['where']} ('{it['typed']}') is {kind} computed with {what}: ask "
                            f"{it['supplier'] or activities[it['product']]['company_name']} for its supplier workbook "
                            "(its own energy and emissions) or a PCF with a primary data share")
        if not found:
            missing.append(kind)
    for kind in missing:  # inside a covered declared PCF of a later step (a cell PCF contains its cathode)?
        later = [c for c in covered if c.get("bought_by") and _after(c["kind"], kind)]
        if later:
            covered.append({"kind": kind, "process": later[0]["process"], "company": later[0]["company"],
                            "data": f"inside the {later[0]['data']} of {later[0]['process']}"})
            continue
        secondary.append({"kind": kind, "process": None, "company": None, "data": "not found in the chain"})
        problems.append(f"no {kind} process found in the supply chain of {chain.root}: import the workbook of "
                        f"the company that makes it, or name the product that is it with kinds "
                        f"(--kind COMPANY/PRODUCT={kind})")
    warnings = []
    if problems:
        head = (f"rule set {rs.name} requires company-specific (primary) data for "
                f"{', '.join(rs.primary_required)} ({rs.primary['clause']})")
        if not draft:
            raise InputError(head + ": " + "; ".join(problems) + ". Or declare with --draft (draft=True): the "
                             "result is then marked not declarable.")
        warnings.append("NOT DECLARABLE: " + head + ": " + "; ".join(problems))
    return {"required": list(rs.primary_required), "clause": rs.primary["clause"], "status": rs.primary["status"],
            "covered": covered, "secondary": secondary}, warnings


def _after(kind: str, than: str) -> bool:
    """True if process kind ``kind`` comes after ``than`` in the chain (cathode -> cell -> pack)."""
    order = ("raw_material", "active_material", "cell_component", "cell_production", "battery_assembly")
    return kind in order and than in order and order.index(kind) > order.index(than)


def col_of(ctx: Context, key) -> int:
    return key[1] if key[0] == "col" else ctx.col(key[1])


def cross_check(ctx: Context, terms, total: float, root: str) -> None:
    """The declared total as a linear function of activity scores equals the line sum (else a bug)."""
    lin = sum(coef * (float(ctx.scores[col_of(ctx, key)]) if key else 1.0) for key, coef in terms)
    if not math.isclose(lin, total, rel_tol=CHECK_REL, abs_tol=1e-9):
        raise LcaError(f"internal check failed: the declaration of {root} sums to {total!r} line by line but "
                       f"{lin!r} from the solved scores; please report this")


def sample(ctx: Context, terms, energy: float, n: int, seed) -> tuple[dict, np.ndarray]:
    """Monte Carlo of the declared total per kWh: the terms' activity scores sampled together."""
    from . import uncertainty as mc

    n = int(n)
    if not 1 <= n <= mc.MAX_SAMPLES:
        raise InputError(f"uncertainty={n}: give a number of samples between 1 and {mc.MAX_SAMPLES}")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))
    seed = int(seed)
    if seed < 0:
        raise InputError(f"seed={seed}: give a non-negative integer")
    const = sum(coef for key, coef in terms if key is None)
    cols: dict[int, float] = {}
    for key, coef in terms:
        if key is not None:
            c = col_of(ctx, key)
            cols[c] = cols.get(c, 0.0) + coef
    calc = ctx.project.calc
    bg = mc.BackgroundSampler(mc.entries_of(ctx.project), calc.characterization(ctx.method), sorted(cols))
    local = dict(zip(bg.targets.tolist(), bg.target_local.tolist()))
    idx = np.array([local[c] for c in cols], dtype=np.int64)
    coef = np.array(list(cols.values()))
    parts = []
    for k in range(max(1, math.ceil(n / mc.CHUNK))):
        S = min(mc.CHUNK, n - k * mc.CHUNK)
        z = bg.scores(seed, k, S, True)
        parts.append((coef @ z[idx] + const) / energy)
    samples = np.concatenate(parts)
    p5, p50, p95 = (float(x) for x in np.percentile(samples, [5, 50, 95]))
    return {"n": n, "seed": seed, "p5": p5, "p50": p50, "p95": p95, "mean": float(samples.mean()),
            "unit": "kg CO2e per kWh delivered",
            "method": "the distributions of every activity score the declaration uses (background datasets, "
                      "supplier lines by DQR), sampled together with the streams of lca.uncertainty; "
                      "electricity kWh, rule scales and model parameters static"}, samples


def methodology(rs, eol_detail: dict) -> list[str]:
    """The methodology notes of a declaration under ``rs``."""
    e = rs.end_of_life
    out = [f"Rule set {rs.name} {rs.version} ({rs.title}); status {rs.status}; {rs.source}",
           f"Functional unit: {rs.functional_unit}; lifetime energy = {rs.lifetime['formula']} "
           f"({rs.lifetime['clause']})",
           "Chain: the supplier workbooks' line table and the project's solved system, as in `lca profile` "
           "(IPCC 2021 GWP100); each line's activity amount per battery x its value per unit",
           "Electricity: every electricity line of the chain re-valued by the rule for its sourcing: "
           + "; ".join(f"{s} -> {r.factor}" for s, r in rs.electricity.items()),
           f"End of life ({e['method']}): mass x R2 x (recycling electricity, sulfuric acid, sodium hydroxide per kg)"
           + (" - mass x (1 - A) x R2 x credit" if e["method"] == "cff" else "") + f"; {e['clause']}",
           f"Primary data required for: {', '.join(rs.primary_required)} ({rs.primary['clause']})",
           "Stages: " + "; ".join(f"{k.name} -> {k.stage}" for k in rs.kinds.values()),
           "Battery passport: no carbonFootprintPerformanceClass -- the performance classes of Art. 7(2) have no "
           "adopted class boundaries yet, so none is assigned"]
    drafts = sorted(s for s in rs.statuses if s != "regulation")
    if drafts:
        out.append(f"Values with status {', '.join(drafts)} are not adopted law: see the rule file's clauses")
    return out
