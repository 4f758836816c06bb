"""Battery carbon footprint declarations: a pack's supply chain re-valued by a rule set, per kWh delivered.

:func:`declare` takes an imported pack (``COMPANY/PRODUCT``, its chain from supplier workbooks) or a
``battery_pack`` model and a rule set (:mod:`lca.rules`), and returns a :class:`lca.declaration.Declaration`:

1. **lifetime energy** (:func:`lifetime_energy`): usable kWh x full equivalent cycles per year (given, or
   by vehicle category from the rules) x service years, capped by a stated cycle life where the rules say;
2. **the chain as the roll-up sees it**: the same line table, tier expansion and line values as
   ``lca profile`` (:mod:`lca.supply.rollup`, :mod:`lca.supply.values`): each line's activity amount per
   battery x its value per unit, from the project's solved system -- no second calculation path;
3. **the rules applied line by line**: every line gets the stage of its process kind
   (``[kinds]``: the product it belongs to, or the material it names); every electricity line of the
   whole chain, whoever's it is, is re-valued with the factor the rule for its ``sourcing`` names
   (national average mix, the line's own grid region, a residual mix, or the contract's factor);
   the pack maker's outbound transport is distribution; end of life is computed per kg of battery
   (:func:`end_of_life`);
4. **refusals** (:func:`check_primary`): a process kind the rules require company-specific data for that
   is covered only by secondary data (a background dataset, a declared PCF without primary data) refuses
   the declaration, naming the process and the supplier to ask, unless ``draft=True`` (then the result is
   marked not declarable);
5. **uncertainty** (optional): the declared total is a linear function of a few activity scores
   (:func:`linear_terms`: the pack's chain, the grid and rule factors, distribution and end of life); those
   scores are sampled together by :class:`lca.uncertainty.BackgroundSampler`, the same machinery and random
   streams as ``lca uncertainty``. The kWh of each electricity line are the static ones.
"""
from __future__ import annotations


import numpy as np

from . import hooks
from . import rules as rulesets
from .declaration import STAGES, Declaration
from .declare_model import declare_model
from .declare_values import (Context, cross_check, positive, activity_kinds, check_primary, electricity_value,
                             end_of_life, is_electricity, lifetime_energy, line_kind, methodology, sample)
from .errors import InputError

BATTERY_UNITS = ("piece", "kWh")
NOT_CRADLE_TO_GATE = ("supplier_product", "distribution")  # link lines and outbound legs, as lca.supply.rollup

# -- the declaration ---------------------------------------------------------------------------------
def declare(project, target, rules="eu-2024-draft", *, usable_kwh=None, cycles_per_year=None,
            vehicle_category=None, service_years=None, cycle_life=None, capacity_kwh=None, draft: bool = False,
            uncertainty: int | None = None, seed: int | None = None, kinds: dict | None = None,
            method="GWP100") -> Declaration:
    """The carbon footprint declaration of a battery (see module docstring).

    Parameters
    ----------
    target : str or model
        ``COMPANY_ID/PRODUCT_ID`` of an imported pack (declared per ``piece`` or per ``kWh``), or a
        ``battery_pack`` model.
    rules : str
        A rule set name (:func:`lca.rules.known`) or the path of a rule file (``.toml``).
    usable_kwh : float
        Usable energy capacity at the beginning of life [kWh].
    cycles_per_year, vehicle_category
        Full equivalent cycles per year [1/a], or a vehicle category of the rule set (``M1``, ``N1``...).
    service_years : float, optional
        Service life [a]; the rule set's default where it has one.
    cycle_life : float, optional
        Full cycles the battery lasts [-]; caps cycles_per_year x service_years where the rules say.
    capacity_kwh : float, optional
        Nominal capacity of one battery [kWh], for a pack declared per kWh (default: its declared amount).
    draft : bool
        Give a result marked "not declarable" instead of refusing when required primary data is missing.
    uncertainty, seed : int, optional
        Monte Carlo samples [-] and their seed (p5, p50, p95 per kWh).
    kinds : dict, optional
        ``COMPANY/PRODUCT`` -> process kind, where a product's name does not say what it is.
    """
    rs = rulesets.load(rules)
    energy, life, warnings = lifetime_energy(rs, usable_kwh, cycles_per_year, vehicle_category, service_years,
                                             cycle_life)
    m = project.method(method)
    if hasattr(target, "sampled_build") or hasattr(target, "datasets"):
        return declare_model(project, target, rs, m, energy, life, warnings, draft, uncertainty,
                                           seed)
    return _declare_imported(project, str(getattr(target, "ref", target)), rs, m, energy, life, warnings,
                             capacity_kwh, draft, uncertainty, seed, kinds)


def _battery(meta: dict, root: str, capacity_kwh, norm: float) -> tuple[float, dict, list[str]]:
    """(battery units per the chain's declared amount, battery detail, warnings); refuses a non-battery."""
    unit = meta["declared_unit"]
    if unit not in BATTERY_UNITS:
        raise InputError(f"{root} ({meta['name']}) is declared per {unit}, so it is not a battery: a declaration "
                         "is for a traction battery pack declared per piece (one pack) or per kWh of capacity")
    warnings = []
    per_bw = float(meta["bw_per_declared_unit"])
    if unit == "piece":
        if capacity_kwh is not None:
            warnings.append("capacity_kwh is ignored: the pack is declared per piece (one pack)")
        battery_declared = 1.0
    elif capacity_kwh is not None:
        battery_declared = positive("capacity_kwh", "--capacity-kwh", capacity_kwh)
    else:
        battery_declared = float(meta["declared_amount"])
        warnings.append(f"{root} is declared per kWh: one battery taken as its declared amount "
                        f"({battery_declared:g} kWh); give capacity_kwh (--capacity-kwh) otherwise")
    bw_units = battery_declared * per_bw
    mass = meta.get("mass_kg_per_unit")
    if mass is None:
        raise InputError(f"{root}: the pack's mass (Products sheet, mass_kg) is needed for the end-of-life stage; "
                         "fill it in and import the workbook again")
    return bw_units / norm, {"declared_unit": unit, "declared_per_battery": battery_declared,
                             "mass_kg": float(mass) * bw_units}, warnings


def _declare_imported(project, product, rs, m, energy, life, warnings, capacity_kwh, draft, n, seed, kinds):
    from .supply import rollup, store
    from .supply.values import distribution_values, line_values

    built = store.linked(project)
    root = rollup.root_code(built, product)
    chain = rollup.chain_of(built, root)
    meta = built.activities[root]
    f, battery, w = _battery(meta, root, capacity_kwh, chain.norm)
    warnings = warnings + w
    rollup.refuse_broken(built, chain)
    rollup.refuse_empty(chain, built)
    rollup.unresolved_of(built, chain, allow_incomplete=False)
    pcf_ok, _, _ = rollup.characterizable(chain, m, allow_incomplete=False)
    warnings += rollup.check_loops(chain)
    solved = rollup.solve(project, built, chain, m)
    values = line_values(project, m, chain.lines(exclude=NOT_CRADLE_TO_GATE), pcf_ok)
    acc = rollup.accumulate(chain, rollup.tiers(project, chain, solved), values, built.activities)
    ctx = Context(project, rs, m)
    akinds = activity_kinds(rs, chain, built.activities, kinds)
    items, electricity = [], []
    terms: list[tuple] = [(("col", solved.col_of[root]), chain.norm * f)]  # the chain as linked ...
    for k, line in enumerate(acc.lines):
        weight = float(acc.weight[k]) * f  # activity units per battery
        if not weight:
            continue
        linked = weight * float(values.per_unit[k])
        kind = line_kind(rs, line, akinds)
        company = built.activities[line.activity]["company_name"]
        value, rule = linked, f"kinds.{kind}"
        if is_electricity(line):
            value, entry, e_terms = electricity_value(ctx, line, weight * line.kwh)
            entry["company"] = company
            electricity.append(entry)
            rule = entry["rule"]
            terms.append((("code", line.input[1]), -weight * line.kwh))  # ... minus its grid as linked ...
            terms += [(("code", c) if c else None, coef) for c, coef in e_terms]  # ... plus the rule's factor
        items.append(_item(line, kind, rs, company, weight, linked, value, rule))
        if is_electricity(line):
            items[-1]["rule_status"] = entry["status"]  # the factor's rule, beside the stage's clause
        if line.kind == "supplier_pcf" and rs.kinds[kind].stage != "raw_material_acquisition":
            warnings.append(f"{line.activity} {line.where}: the declared PCF of '{line.typed}' ({kind}) counts whole in "
                            f"{rs.kinds[kind].stage}; its upstream materials cannot be split out of a declared figure "
                            "(ask the supplier for its workbook)")
    dist_lines = [x for x in chain.by_activity.get(root, []) if x.kind == "distribution"]
    for d, line in zip(distribution_values(project, m, dist_lines, chain.norm * f), dist_lines):
        items.append(_item(line, "distribution", rs, meta["company_name"], d["t_km"], d["score"], d["score"],
                           "kinds.distribution"))
        terms.append((("code", line.input[1]), d["t_km"]))
    if not dist_lines:
        warnings.append(f"{root} reports no outbound transport (Transport sheet, direction outbound): the "
                        "distribution stage is 0")
    eol, eol_detail, eol_terms = end_of_life(ctx, battery["mass_kg"], meta.get("location") or "")
    items.append({"product": root, "company": meta["company_name"], "where": "end of life", "line_kind": "end_of_life",
                  "kind": "end_of_life", "stage": rs.kinds["end_of_life"].stage, "rule": "end_of_life: "
                  + eol_detail["method"], "clause": eol_detail["clause"], "typed": "", "material": "end of life",
                  "supplier": "", "dataset": "", "amount": battery["mass_kg"], "unit": "kg battery",
                  "as_linked_kgco2e": eol, "kgco2e": eol, "primary_share": 0.0,
                  "status": rs.kinds["end_of_life"].status, "rule_status": eol_detail["status"]})
    terms += [(("code", c) if c else None, coef) for c, coef in eol_terms]
    primary, w = check_primary(rs, chain, built.activities, akinds, items, draft)
    warnings += w
    total = sum(it["kgco2e"] for it in items)
    cross_check(ctx, terms, total, root)
    by_stage = {s: 0.0 for s in STAGES}
    for it in items:
        by_stage[it["stage"]] += it["kgco2e"]
    primary["share"] = 100.0 * sum(it["kgco2e"] * it["primary_share"] for it in items) / total if total else 0.0
    warnings += _dqr_warnings(rs, acc, f) + ctx.warnings
    result = Declaration(
        target=root, name=meta["name"], manufacturer=meta["company_name"], plant=meta.get("location") or "",
        rules=rs.name, rules_version=rs.version, rules_info=rs.summary(), lifetime=life, lifetime_energy_kwh=energy,
        total_kgco2e=total, stages_kgco2e=by_stage, electricity=electricity, primary_data=primary, lines=items,
        battery=battery, methodology=methodology(rs, eol_detail), warnings=warnings, declarable=not any(
            x.startswith("NOT DECLARABLE") for x in warnings))
    if n is not None:  # 0 samples is refused (sample), not read as "no uncertainty"
        result.uncertainty, result.samples = sample(ctx, terms, energy, n, seed)
    return result


def _item(line, kind, rs, company, amount, linked, value, rule) -> dict:
    return {"product": line.activity, "company": company, "where": line.where, "line_kind": line.kind,
            "kind": kind, "stage": rs.kinds[kind].stage, "rule": rule, "clause": rs.kinds[kind].clause,
            "typed": line.typed, "material": line.label, "supplier": line.supplier, "dataset": line.dataset,
            "amount": amount * (line.amount if line.kind != "distribution" else 1.0), "unit": line.dataset_unit,
            "as_linked_kgco2e": linked, "kgco2e": value, "primary_share": float(line.primary),
            "status": rs.kinds[kind].status, "rule_status": rs.kinds[kind].status}


def _dqr_warnings(rs, acc, f) -> list[str]:
    w = np.abs(acc.contribution) * f
    if not w.sum():
        return []
    mean = float(sum(wk * sum(line.dqr) / 3 for wk, line in zip(w, acc.lines)) / w.sum())
    if mean > rs.dqr_max.value:
        return [f"data quality rating {mean:.2f} (contribution-weighted) is above {rs.dqr_max.value:g} "
                f"({rs.dqr_max.clause})"]
    return []


hooks.provide("declare", declare)  # Project.declare answers through this (lca.hooks)
