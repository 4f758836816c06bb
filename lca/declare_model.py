"""Declarations of a ``battery_pack`` model: the model's foreground lines re-valued by a rule set.

The model's activities are solved in the project's system (the model's own footprint); each
exchange of a model activity is a line (its supply x amount x the input's score), in the stage of
the model step's kind (:data:`STEP_KINDS`); grid electricity is re-valued by the rule set like a
supplier's. A model is design data, not company-specific data: under a rule set that requires
primary data the declaration is refused unless ``draft`` (then marked not declarable).
"""
from __future__ import annotations

import numpy as np

from . import inventory
from .declaration import STAGES, Declaration
from .declare_values import Context, cross_check, electricity_value, end_of_life, methodology, sample
from .errors import InputError

STEP_KINDS = {"raw materials": "raw_material", "cathode": "active_material", "anode": "active_material",
              "cell manufacturing": "cell_production", "pack assembly": "battery_assembly"}
BATTERY_MODELS = ("battery_pack",)


class _ModelLine:
    """The fields of a supply line that :func:`lca.declare.electricity_value` reads, for a model exchange."""

    def __init__(self, activity, where, code, region, kwh):
        self.activity, self.where, self.input, self.region = activity, where, (inventory.BACKGROUND_DB, code), region
        self.sourcing, self.mb_ef, self.mb_input, self.kwh, self.kind, self.label = "grid", None, None, kwh, "energy", "electricity"


def declare_model(project, model, rs, m, energy, life, warnings, draft, n, seed) -> Declaration:
    name = getattr(model, "name", type(model).__name__)
    if name not in BATTERY_MODELS:
        raise InputError(f"model {name!r} is not a battery: declarations are for traction batteries "
                         f"(models: {', '.join(BATTERY_MODELS)}, or an imported pack COMPANY/PRODUCT)")
    capacity = float(model.params["capacity_kwh"])
    fp = project.footprint(model, amount=capacity, method=m)
    calc = project.calc
    system = calc.system()
    nodes = calc.nodes()
    ctx = Context(project, rs, m)
    c = calc.characterization(m)
    ids = dict(zip(nodes["ref"], nodes["id"]))
    ref_col = system.col_of[int(ids[f"{model.database}:{model.reference_code}"])] if hasattr(model, "database") \
        else system.col_of[int(ids[f"models:{model.reference_code}"])]
    demand = np.zeros(system.n)
    demand[system.product_row[ref_col]] = capacity
    x = calc.solve(demand)
    items, electricity = [], []
    terms: list[tuple] = [(("col", ref_col), capacity)]
    for d in model.datasets():
        col = system.col_of[int(ids[f"models:{d['code']}"])]
        supply = float(x[col])
        kind = STEP_KINDS.get(d.get("stage"), "raw_material")
        for e in d["exchanges"]:
            if e["type"] == "production" or (e["type"] == "technosphere" and e["input"][0] != inventory.BACKGROUND_DB):
                continue
            amount = supply * float(e["amount"])
            where = f"{d['name']}: {e.get('material') or e['input'][1]}"
            rule, rule_status = f"kinds.{kind}", rs.kinds[kind].status
            if e["type"] == "technosphere":
                code = e["input"][1]
                linked = amount * ctx.score(code)
                linked_term = (("code", code), -amount)
            else:
                row = ctx.lookup.flow_row(e["flow_alias"])
                linked = amount * (float(c[row]) if row is not None else 0.0)
                linked_term = (None, -linked)
            value = linked
            sourcing = e.get("sourcing")
            is_grid = e["type"] == "technosphere" and ctx.bg.datasets.get(e["input"][1], {}).get("grid")
            if sourcing or is_grid:
                kwh = supply * float(e.get("kwh", e["amount"]))
                grid_code = e.get("grid_code") or e["input"][1]
                line = _ModelLine(d["code"], where, grid_code, ctx.bg.datasets[grid_code]["location"], kwh)
                line.sourcing = sourcing or "grid"
                if e.get("supplier_ef") is not None:
                    line.mb_ef = float(e["supplier_ef"])
                elif e["type"] == "technosphere":
                    line.mb_input = e["input"]
                value, entry, e_terms = electricity_value(ctx, line, kwh)
                entry["company"] = "model"
                electricity.append(entry)
                rule, rule_status = entry["rule"], entry["status"]
                terms.append(linked_term)
                terms += [(("code", cc) if cc else None, coef) for cc, coef in e_terms]
            items.append({"product": d["code"], "company": "model", "where": where, "line_kind": "model",
                          "kind": kind, "stage": rs.kinds[kind].stage, "rule": rule, "clause": rs.kinds[kind].clause,
                          "typed": str(e.get("material") or ""), "material": d.get("stage"), "supplier": "",
                          "dataset": ":".join(e["input"]), "amount": amount, "unit": e.get("unit", ""),
                          "as_linked_kgco2e": linked, "kgco2e": value, "primary_share": 0.0,
                          "status": rs.kinds[kind].status, "rule_status": rule_status})
    mass = float(model.pack_mass_kg)
    decl = model.data["declaration"]
    t_km = mass / 1000.0 * float(decl["distribution_km"]["value"])
    dist = t_km * ctx.score("transport-truck")
    items.append({"product": model.reference_code, "company": "model", "where": "distribution (model)",
                  "line_kind": "distribution", "kind": "distribution", "stage": rs.kinds["distribution"].stage,
                  "rule": "kinds.distribution", "clause": decl["distribution_km"]["source"], "typed": "truck",
                  "material": "distribution", "supplier": "", "dataset": "background:transport-truck",
                  "amount": t_km, "unit": "ton kilometer", "as_linked_kgco2e": dist, "kgco2e": dist,
                  "primary_share": 0.0, "status": decl["distribution_km"].get("status", "estimate"),
                  "rule_status": rs.kinds["distribution"].status})
    terms.append((("code", "transport-truck"), t_km))
    region = model.params.get("pack_region") or model.params.get("region") or "CN"
    eol, eol_detail, eol_terms = end_of_life(ctx, mass, region)
    items.append({"product": model.reference_code, "company": "model", "where": "end of life", "line_kind": "end_of_life",
                  "kind": "end_of_life", "stage": rs.kinds["end_of_life"].stage, "rule": "end_of_life: "
                  + eol_detail["method"], "clause": eol_detail["clause"], "typed": "", "material": "end of life",
                  "supplier": "", "dataset": "", "amount": mass, "unit": "kg battery", "as_linked_kgco2e": eol,
                  "kgco2e": eol, "primary_share": 0.0, "status": rs.kinds["end_of_life"].status,
                  "rule_status": eol_detail["status"]})
    terms += [(("code", cc) if cc else None, coef) for cc, coef in eol_terms]
    # a model is design data: every required kind is secondary
    primary = {"required": list(rs.primary_required), "clause": rs.primary["clause"], "status": rs.primary["status"],
               "covered": [], "secondary": [{"kind": k, "process": f"{name} model step", "company": None,
                                             "data": "model (design data, secondary)"} for k in rs.primary_required]}
    if rs.primary_required:
        head = (f"rule set {rs.name} requires company-specific (primary) data for {', '.join(rs.primary_required)}"
                f" ({rs.primary['clause']}); the {name} model is design data (secondary)")
        if not draft:
            raise InputError(head + ": declare an imported pack whose suppliers' workbooks carry their own energy "
                             "and emissions (COMPANY/PRODUCT), or pass --draft for a result marked not declarable")
        warnings = warnings + ["NOT DECLARABLE: " + head]
    total = sum(it["kgco2e"] for it in items)
    linked_total = float(fp.total)
    model_sum = sum(it["as_linked_kgco2e"] for it in items if it["line_kind"] == "model")
    if abs(model_sum - linked_total) > 1e-6 * max(1.0, abs(linked_total)):
        raise InputError(f"internal check failed: the {name} model's lines sum to {model_sum!r} but its footprint is "
                         f"{linked_total!r}; please report this")
    cross_check(ctx, terms, total, name)
    by_stage = {s: 0.0 for s in STAGES}
    for it in items:
        by_stage[it["stage"]] += it["kgco2e"]
    primary["share"] = 0.0
    result = Declaration(
        target=name, name=f"{name} ({model.params.get('chemistry', '')}, {capacity:g} kWh)", manufacturer="(model)",
        plant=str(region), rules=rs.name, rules_version=rs.version, rules_info=rs.summary(), lifetime=life,
        lifetime_energy_kwh=energy, total_kgco2e=total, stages_kgco2e=by_stage, electricity=electricity,
        primary_data=primary, lines=items, battery={"declared_unit": "kWh", "declared_per_battery": capacity,
                                                    "mass_kg": mass},
        methodology=methodology(rs, eol_detail) + ["Target: a product model (design data); its electricity lines "
                                                    "are grid electricity of each step's region"],
        warnings=warnings + ctx.warnings, declarable=not draft or not rs.primary_required)
    if n is not None:  # 0 samples is refused (sample), not read as "no uncertainty"
        result.uncertainty, result.samples = sample(ctx, terms, energy, n, seed)
    return result
