"""Battery declarations: a three-company chain (cathode, cell, pack) declared under the three rule sets.

Expected values are computed here by hand from the workbook numbers, the rule files' values and the
per-kWh (or per-kg) footprints of the background datasets alone (``project.footprint``), not from the
declaration's own output.
"""
from __future__ import annotations

import json
import tomllib
from datetime import date
from pathlib import Path

import pytest

from cli_util import lca_in_process
from lca import InputError
from lca.supply.fill import write_workbook

WRITES_PROJECT = True
PERIOD = {"reporting_period_start": date(2025, 1, 1), "reporting_period_end": date(2025, 12, 31)}
REL = 1e-5  # float32 matrices
RULES = Path(__file__).resolve().parent.parent / "inventories" / "rules"
LIFE = {"usable_kwh": 60.0, "vehicle_category": "M1", "service_years": 8.0}
E = 60.0 * 60 * 8  # usable kWh x 60 FEqC (M1, draft) x 8 years
MASS = 400.0  # kg per pack


def chain(tmp, p: str, grid=500.0, ppa=200.0, onsite=0.0, cell_source="supplier_product", cell_pcf_primary=None):
    """{p}CAM (cathode, CN-HN) -> {p}CELL (cells, CN-SC) -> {p}PACK (one pack, CN-GD)."""
    cam = {"Supplier": {"company_name": f"{p} Cathode Co", "company_id": f"{p}CAM", "country": "CN", **PERIOD},
           "Products": [{"product_id": "cam", "product_name": "LFP cathode material", "declared_unit": "kg",
                         "declared_amount": 1000, "production_region": "CN-HN"}],
           "Energy": [{"product_id": "cam", "carrier": "electricity", "amount": 8000, "unit": "kWh"},
                      {"product_id": "cam", "carrier": "electricity", "amount": 2, "unit": "MWh",
                       "sourcing": "ppa_renewable"}],
           "Emissions": [{"product_id": "cam", "gas": "CO2", "amount": 100, "unit": "kg"}]}
    cell = {"Supplier": {"company_name": f"{p} Cell Co", "company_id": f"{p}CELL", "country": "CN", **PERIOD},
            "Products": [{"product_id": "cell", "product_name": "LFP cell", "declared_unit": "kg",
                          "declared_amount": 1000, "production_region": "CN-SC"}],
            "Materials": [{"product_id": "cell", "line_id": 1, "material": "cathode", "amount": 450, "unit": "kg",
                           "source": "supplier_product", "reference": f"{p}CAM/cam"}],
            "Energy": [{"product_id": "cell", "carrier": "electricity", "amount": 20000, "unit": "kWh"},
                       {"product_id": "cell", "carrier": "electricity", "amount": 5000, "unit": "kWh",
                        "sourcing": "onsite_renewable"},
                       {"product_id": "cell", "carrier": "electricity", "amount": 3000, "unit": "kWh",
                        "sourcing": "green_certificate"}]}
    energy = [{"product_id": "pack", "carrier": "electricity", "amount": grid, "unit": "kWh"},
              {"product_id": "pack", "carrier": "electricity", "amount": ppa, "unit": "kWh", "sourcing": "ppa_renewable"}]
    if onsite:
        energy.append({"product_id": "pack", "carrier": "electricity", "amount": onsite, "unit": "kWh",
                       "sourcing": "onsite_renewable"})
    cells = {"product_id": "pack", "line_id": 1, "material": "LFP cells", "amount": 300, "unit": "kg",
             "source": cell_source, "reference": f"{p}CELL/cell" if cell_source == "supplier_product" else "C1",
             "supplier_name": "Sichuan Cells Ltd"}
    pack = {"Supplier": {"company_name": f"{p} Pack Co", "company_id": f"{p}PACK", "country": "CN", **PERIOD},
            "Products": [{"product_id": "pack", "product_name": "battery pack 60 kWh", "declared_unit": "piece",
                          "declared_amount": 1, "mass_kg": MASS, "production_region": "CN-GD"}],
            "Materials": [cells, {"product_id": "pack", "line_id": 2, "material": "aluminium", "amount": 50,
                                  "unit": "kg", "source": "background"}],
            "Energy": energy,
            "Transport": [{"product_id": "pack", "mode": "truck", "mass_t": 0.4, "distance_km": 1000,
                           "direction": "outbound"}]}
    if cell_source == "supplier_pcf":
        pack["SupplierPCFs"] = [{"pcf_id": "C1", "supplier_name": "Sichuan Cells Ltd", "product_name": "LFP cell",
                                 "declared_unit": "kg", "pcf_kgco2e": 40.0,
                                 "primary_data_share": cell_pcf_primary}]
        return [write_workbook(tmp / f"{p}pack.xlsx", pack)]
    return [write_workbook(tmp / f"{p}pack.xlsx", pack), write_workbook(tmp / f"{p}cam.xlsx", cam),
            write_workbook(tmp / f"{p}cell.xlsx", cell)]


@pytest.fixture(scope="module")
def s(project):
    """Per-unit footprints of the background datasets alone."""
    codes = ("electricity-cn", "electricity-cn-hn", "electricity-cn-sc", "electricity-cn-gd", "electricity-wind",
             "electricity-solar-pv", "aluminium-wrought", "transport-truck", "sulfuric-acid", "sodium-hydroxide")
    return {c: project.footprint(f"background:{c}").total for c in codes}


@pytest.fixture(scope="module")
def base(project, tmp_path_factory):
    report = project.import_files(chain(tmp_path_factory.mktemp("d"), "D-"))
    assert report.ok, report.summary()
    return "D-PACK/pack"


def rule(name):
    with open(RULES / f"{name}.toml", "rb") as fh:
        return tomllib.load(fh)


def hand(s, factor_grid, factor_ppa, factor_cert, factor_onsite, eol_grid, rules, grid=500.0, ppa=200.0, onsite=0.0):
    """One pack by hand: (total kg CO2e, stages in kg) with the given per-kWh factors by sourcing."""
    cam_kg, cell_kg = 300 * 450 / 1000, 300.0
    cam = cam_kg * (0.1 + 8 * factor_grid["CN-HN"] + 2 * factor_ppa)
    cell = cell_kg * (20 * factor_grid["CN-SC"] + 5 * factor_onsite + 3 * factor_cert)
    pack = grid * factor_grid["CN-GD"] + ppa * factor_ppa + onsite * factor_onsite
    al = 50 * s["aluminium-wrought"]
    dist = 400 * s["transport-truck"]
    e = rules["end_of_life"]
    eol = MASS * e["R2"]["value"] * (e["electricity_kwh_per_kg"]["value"] * eol_grid
                                     + e["sulfuric_acid_kg_per_kg"]["value"] * s["sulfuric-acid"]
                                     + e["sodium_hydroxide_kg_per_kg"]["value"] * s["sodium-hydroxide"])
    if e["method"] == "cff":
        eol -= MASS * (1 - e["A"]["value"]) * e["R2"]["value"] * e["credit_kgco2e_per_kg"]["value"]
    stages = {"raw_material_acquisition": cam + al, "main_production": cell + pack, "distribution": dist,
              "end_of_life": eol}
    return sum(stages.values()), stages


def eu_factors(s):
    cn = s["electricity-cn"]
    return dict(factor_grid={"CN-HN": cn, "CN-SC": cn, "CN-GD": cn}, factor_ppa=cn, factor_cert=cn,
                factor_onsite=s["electricity-solar-pv"], eol_grid=cn)


def jrc_factors(s):
    res = rule("jrc-2023")["residual_mix"]["CN"]["value"] * s["electricity-cn"]
    return dict(factor_grid={"CN-HN": res, "CN-SC": res, "CN-GD": res}, factor_ppa=s["electricity-wind"],
                factor_cert=s["electricity-wind"], factor_onsite=s["electricity-solar-pv"], eol_grid=res)


def miit_factors(s):
    return dict(factor_grid={r: s[f"electricity-{r.lower()}"] for r in ("CN-HN", "CN-SC", "CN-GD")},
                factor_ppa=s["electricity-wind"], factor_cert=s["electricity-wind"],
                factor_onsite=s["electricity-solar-pv"], eol_grid=s["electricity-cn-gd"])


@pytest.mark.parametrize("name,factors", [("eu-2024-draft", eu_factors), ("jrc-2023", jrc_factors),
                                          ("cn-miit-2025", miit_factors)])
def test_three_company_chain_by_hand(project, base, s, name, factors):
    d = project.declare(base, rules=name, **LIFE)
    total, stages = hand(s, rules=rule(name), **factors(s))
    assert d.lifetime_energy_kwh == pytest.approx(E, rel=1e-12)
    assert d.total_kgco2e == pytest.approx(total, rel=REL)
    assert d.per_kwh == pytest.approx(total / E, rel=REL)
    for k, v in stages.items():
        assert d.stages[k] == pytest.approx(v / E, rel=REL, abs=1e-12), k
    assert sum(d.stages.values()) == pytest.approx(d.per_kwh, rel=1e-12)
    out = json.loads(d.to_json())
    for key in ("rules", "rules_version", "lifetime_energy_kwh", "total_kgco2e", "per_kwh", "stages", "electricity",
                "primary_data", "uncertainty", "warnings"):
        assert key in out
    assert set(out["stages"]) == {"raw_material_acquisition", "main_production", "distribution", "end_of_life"}
    assert out["rules"] == name and out["declarable"] is True
    # one electricity entry per electricity line of the chain, scaled to one pack
    kwh = sorted((e["company"], e["sourcing"], round(e["kwh"], 6)) for e in out["electricity"])
    assert kwh == sorted([("D- Cathode Co", "grid", 135 * 8.0), ("D- Cathode Co", "ppa_renewable", 135 * 2.0),
                          ("D- Cell Co", "grid", 6000.0), ("D- Cell Co", "onsite_renewable", 1500.0),
                          ("D- Cell Co", "green_certificate", 900.0), ("D- Pack Co", "grid", 500.0),
                          ("D- Pack Co", "ppa_renewable", 200.0)])
    assert all(e["rule"].startswith(f"electricity.{e['sourcing']}") for e in out["electricity"])
    # line items sum to the total
    assert sum(x["kgco2e"] for x in out["lines"]) == pytest.approx(out["total_kgco2e"], rel=1e-12)


def test_provinces_of_one_country_get_one_factor_under_the_eu_draft(project, base, s):
    d = project.declare(base, rules="eu-2024-draft", **LIFE)
    grid = [e for e in d.electricity if e["sourcing"] == "grid"]
    assert {e["grid_region"] for e in grid} == {"CN-HN", "CN-SC", "CN-GD"}
    assert {round(e["factor"], 9) for e in grid} == {round(s["electricity-cn"], 9)}
    m = project.declare(base, rules="cn-miit-2025", **LIFE)  # provincial: three factors
    assert len({round(e["factor"], 9) for e in m.electricity if e["sourcing"] == "grid"}) == 3


def test_moving_kwh_from_grid_to_ppa_and_on_site(project, tmp_path, base, s):
    moved = 100.0
    assert project.import_files(chain(tmp_path, "DP-", grid=500 - moved, ppa=200 + moved)).ok
    assert project.import_files(chain(tmp_path, "DO-", grid=500 - moved, onsite=moved)).ok
    for name in ("eu-2024-draft", "jrc-2023"):
        before = project.declare(base, rules=name, **LIFE)
        ppa = project.declare("DP-PACK/pack", rules=name, **LIFE)
        onsite = project.declare("DO-PACK/pack", rules=name, **LIFE)
        pack_lines = {e["sourcing"]: e["factor"] for e in before.electricity if e["company"] == "D- Pack Co"}
        if name == "eu-2024-draft":
            assert ppa.per_kwh == pytest.approx(before.per_kwh, rel=1e-9)  # PPAs excluded: nothing changes
        else:
            res = rule("jrc-2023")["residual_mix"]["CN"]["value"] * s["electricity-cn"]
            assert ppa.per_kwh - before.per_kwh == pytest.approx(-moved * (res - s["electricity-wind"]) / E, rel=1e-4)
        on_lines = {e["sourcing"]: e["factor"] for e in onsite.electricity if e["company"] == "DO- Pack Co"}
        lowered = moved * (pack_lines["grid"] - on_lines["onsite_renewable"]) / E
        assert lowered > 0
        assert before.per_kwh - onsite.per_kwh == pytest.approx(lowered, rel=1e-4)
        assert on_lines["onsite_renewable"] == pytest.approx(s["electricity-solar-pv"], rel=REL)


def test_lifetime_energy_is_the_product_of_its_inputs(project, base):
    d = project.declare(base, rules="eu-2024-draft", usable_kwh=55.5, cycles_per_year=123, service_years=9.5)
    assert d.lifetime_energy_kwh == pytest.approx(55.5 * 123 * 9.5, rel=1e-12)
    capped = project.declare(base, rules="eu-2024-draft", usable_kwh=55.5, cycles_per_year=123, service_years=9.5,
                             cycle_life=1000)
    assert capped.lifetime_energy_kwh == pytest.approx(55.5 * 1000, rel=1e-12)
    assert any("cycle_life" in w for w in capped.warnings)
    truck = project.declare(base, rules="eu-2024-draft", usable_kwh=60, vehicle_category="N3", service_years=8)
    assert truck.lifetime_energy_kwh == pytest.approx(60 * 250 * 8, rel=1e-12)


@pytest.mark.parametrize("kwargs,words", [
    ({"vehicle_category": "M1", "service_years": 8}, ["usable_kwh", "--usable-kwh"]),
    ({"usable_kwh": 60, "service_years": 8}, ["cycles_per_year", "vehicle_category", "M1"]),
    ({"usable_kwh": 60, "vehicle_category": "M1"}, ["service_years", "warranty"]),
    ({"usable_kwh": -60, "vehicle_category": "M1", "service_years": 8}, ["usable_kwh", "impossible"]),
    ({"usable_kwh": 60, "cycles_per_year": float("nan"), "service_years": 8}, ["cycles_per_year", "impossible"]),
    ({"usable_kwh": 60, "vehicle_category": "X9", "service_years": 8}, ["X9", "M1", "N3"]),
    ({"usable_kwh": 60, "vehicle_category": "M1", "service_years": 8, "cycle_life": 0}, ["cycle_life"]),
])
def test_missing_or_impossible_lifetime_parameter_is_named(project, base, kwargs, words):
    with pytest.raises(InputError) as exc:
        project.declare(base, rules="eu-2024-draft", **kwargs)
    for w in words:
        assert w in str(exc.value)


def test_unknown_rule_set_lists_the_known_ones(project, base):
    with pytest.raises(InputError) as exc:
        project.declare(base, rules="eu-2027", **LIFE)
    for name in ("cn-miit-2025", "eu-2024-draft", "jrc-2023"):
        assert name in str(exc.value)


def test_non_battery_target_is_refused(project, base):
    with pytest.raises(InputError, match="D-CAM/cam .*declared per kg, so it is not a battery"):
        project.declare("D-CAM/cam", rules="eu-2024-draft", **LIFE)
    import lca

    with pytest.raises(InputError, match="not a battery"):
        project.declare(lca.models.pv_module(), rules="eu-2024-draft", **LIFE)


def test_secondary_data_for_a_required_process_is_refused_naming_the_supplier(project, tmp_path):
    assert project.import_files(chain(tmp_path, "DS-", cell_source="supplier_pcf", cell_pcf_primary=0)).ok
    with pytest.raises(InputError) as exc:
        project.declare("DS-PACK/pack", rules="eu-2024-draft", **LIFE)
    msg = str(exc.value)
    assert "cell_production" in msg and "Sichuan Cells Ltd" in msg and "--draft" in msg
    assert "Materials row" in msg
    d = project.declare("DS-PACK/pack", rules="eu-2024-draft", draft=True, **LIFE)
    assert d.declarable is False and d.to_dict()["status"] == "not declarable"
    assert any(w.startswith("NOT DECLARABLE") for w in d.warnings)
    # a declared PCF with a primary data share counts as company-specific
    assert project.import_files(chain(tmp_path, "DQ-", cell_source="supplier_pcf", cell_pcf_primary=60)).ok
    ok = project.declare("DQ-PACK/pack", rules="eu-2024-draft", **LIFE)
    assert ok.declarable
    assert any(c["kind"] == "cell_production" and "60%" in c["data"] for c in ok.primary_data["covered"])


def test_a_model_is_not_company_specific_data(project):
    import lca

    model = lca.models.battery_pack("LFP", 60)
    with pytest.raises(InputError, match="model is design data"):
        project.declare(model, rules="eu-2024-draft", **LIFE)
    d = project.declare(model, rules="eu-2024-draft", draft=True, **LIFE)
    assert not d.declarable
    assert sum(d.stages.values()) == pytest.approx(d.per_kwh, rel=1e-12)
    fp = project.footprint(model, amount=60)
    # EU draft: the model's grid electricity is CN national already, so the cradle-to-gate part is unchanged
    gate = d.stages_kgco2e["raw_material_acquisition"] + d.stages_kgco2e["main_production"]
    assert gate == pytest.approx(fp.total, rel=1e-6)


def test_user_rule_file_is_validated(project, base, tmp_path):
    text = (RULES / "eu-2024-draft.toml").read_text(encoding="utf-8")
    bad = tmp_path / "typo.toml"
    bad.write_text(text.replace("[electricity.grid]\nfactor", "[electricity.grid]\nfactr"), encoding="utf-8")
    with pytest.raises(InputError, match="electricity.grid.factr"):
        project.declare(base, rules=str(bad), **LIFE)
    missing = tmp_path / "missing.toml"
    missing.write_text(text.replace('R2 = { value = 0.95', 'R2x = { value = 0.95'), encoding="utf-8")
    with pytest.raises(InputError, match="end_of_life.R2"):
        project.declare(base, rules=str(missing), **LIFE)
    mine = tmp_path / "mine.toml"
    mine.write_text(text.replace('[electricity.ppa_renewable]\nfactor = "national"',
                                 '[electricity.ppa_renewable]\nfactor = "contract"'), encoding="utf-8")
    d = project.declare(base, rules=str(mine), **LIFE)
    ppa = [e for e in d.electricity if e["sourcing"] == "ppa_renewable"]
    assert ppa and all(e["rule"].startswith("electricity.ppa_renewable = contract") for e in ppa)


def test_uncertainty_percentiles_and_seed(project, base):
    d = project.declare(base, rules="eu-2024-draft", uncertainty=2000, seed=7, **LIFE)
    u = d.uncertainty
    assert u["n"] == 2000 and u["seed"] == 7
    assert u["p5"] < u["p50"] < u["p95"]
    assert u["p5"] < d.per_kwh < u["p95"]
    again = project.declare(base, rules="eu-2024-draft", uncertainty=2000, seed=7, **LIFE)
    assert again.uncertainty["p50"] == u["p50"]


def test_passport_validates_against_the_schema(project, base, tmp_path):
    import jsonschema

    schema = json.loads((RULES.parent / "schemas" / "battery-passport-carbon-footprint.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    d = project.declare(base, rules="eu-2024-draft", **LIFE)
    pp = d.to_passport()
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(pp)
    assert pp["batteryCarbonFootprint"] == pytest.approx(d.per_kwh, rel=1e-12)
    assert pp["absoluteCarbonFootprint"] == pytest.approx(d.total_kgco2e, rel=1e-12)
    stages = {x["lifecycleStage"]: x["carbonFootprint"] for x in pp["carbonFootprintPerLifecycleStage"]}
    assert stages == pytest.approx({"RawMaterialExtraction": d.stages["raw_material_acquisition"],
                                    "MainProduction": d.stages["main_production"],
                                    "Distribution": d.stages["distribution"], "Recycling": d.stages["end_of_life"]})
    assert "carbonFootprintPerformanceClass" not in pp  # no class boundaries adopted: none invented
    bad = dict(pp, carbonFootprintPerformanceClass="A", extra=1)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(dict(pp, carbonFootprintPerLifecycleStage=[{"lifecycleStage": "Use",
                                                                        "carbonFootprint": 1.0}] * 4), schema)


def test_verifier_package_lines_sum_to_the_total(project, base, tmp_path):
    from openpyxl import load_workbook

    d = project.declare(base, rules="jrc-2023", uncertainty=500, seed=1, **LIFE)
    path = d.to_excel(tmp_path / "package.xlsx", lang="both")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Declaration", "Lines", "Electricity", "Primary data", "Methodology", "Warnings"]
    ws = wb["Lines"]
    head = [c.value for c in ws[1]]
    col = head.index("declared [kg CO2e] | 申报值 [kg CO2e]") + 1
    stage_col = head.index("stage | 阶段") + 1
    values, by_stage = [], {}
    for r in range(2, ws.max_row + 1):
        first = ws.cell(r, 1).value
        if first is None or str(first).startswith("sum of the lines"):
            break
        values.append(ws.cell(r, col).value)
        key = ws.cell(r, stage_col).value.split(" | ")[0]
        by_stage[key] = by_stage.get(key, 0.0) + ws.cell(r, col).value
    assert sum(values) == pytest.approx(d.total_kgco2e, rel=1e-9)
    assert {k: v / E for k, v in by_stage.items()} == pytest.approx(d.stages, rel=1e-9)
    el = wb["Electricity"]
    assert el.max_row - 1 == len(d.electricity) == 7
    decl = {str(r[0].value).split(" | ")[0]: r[1].value for r in wb["Declaration"].iter_rows(min_row=2)}
    assert decl["carbon footprint per kWh delivered"] == pytest.approx(d.per_kwh)
    assert decl["p95"] == pytest.approx(d.uncertainty["p95"])


def test_cli_declare(project_dir, base, tmp_path):
    def run(*args):
        return lca_in_process(project_dir, "declare", *args)

    pp = tmp_path / "passport.json"
    r = run(base, "--rules", "eu-2024-draft", "--usable-kwh", "60", "--vehicle-category", "M1", "--service-years",
            "8", "--uncertainty", "1000", "--seed", "3", "--json", "--passport", str(pp), "--excel",
            str(tmp_path / "p.xlsx"))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["lifetime_energy_kwh"] == pytest.approx(E) and out["uncertainty"]["n"] == 1000
    assert json.loads(pp.read_text())["batteryCarbonFootprint"] == pytest.approx(out["per_kwh"])
    r = run(base, "--rules", "nope", "--usable-kwh", "60", "--vehicle-category", "M1", "--service-years", "8")
    assert r.returncode == 2 and "cn-miit-2025, eu-2024-draft, jrc-2023" in r.stderr and not r.stdout
    r = run(base, "--rules", "eu-2024-draft", "--vehicle-category", "M1", "--service-years", "8")
    assert r.returncode == 2 and "--usable-kwh" in r.stderr
    r = run("--model", "battery_pack", "--rules", "eu-2024-draft", "--usable-kwh", "54", "--vehicle-category",
            "M1", "--service-years", "8", "--lang", "zh")
    assert r.returncode == 2 and "--draft" in r.stderr


def test_plant_primary_data_in_the_battery_model(project, s):
    import lca

    base_m = lca.models.battery_pack("LFP", 60)
    plant = lca.models.battery_pack("LFP", 60, cell_onsite_share=0.2, cell_grid_factor=0.3)
    kwh = base_m.params["cell_electricity"]  # kWh of cell-plant electricity per kWh of capacity
    diff = project.footprint(plant).total - project.footprint(base_m).total
    assert diff == pytest.approx(kwh * (0.2 * s["electricity-solar-pv"] + 0.8 * 0.3 - s["electricity-cn"]), rel=1e-5)
    # the declaration sees the plant's lines with their sourcing; EU draft: grid at the national mix
    d = project.declare(plant, rules="eu-2024-draft", draft=True, **LIFE)
    cell = {e["sourcing"]: e for e in d.electricity if "cell" in e["product"] and e["kwh"] > 0}
    assert cell["grid"]["kwh"] == pytest.approx(0.8 * kwh * 60, rel=1e-6)  # supply from float32 matrices
    assert cell["grid"]["factor"] == pytest.approx(s["electricity-cn"], rel=REL)  # supplier factor not accepted
    assert cell["onsite_renewable"]["factor"] == pytest.approx(s["electricity-solar-pv"], rel=REL)
    # a Sichuan hydro plant: the EU draft values every grid and contract kWh at the national mix
    sc = lca.models.battery_pack("LFP", 60, plant="sichuan-lfp-hydro")
    assert sc.params["cell_ppa_share"] == 0.8 and sc.params["cell_region"] == "CN-SC"
    assert project.footprint(sc).total < project.footprint(base_m).total
    eu_sc = project.declare(sc, rules="eu-2024-draft", draft=True, **LIFE)
    eu_base = project.declare(base_m, rules="eu-2024-draft", draft=True, **LIFE)
    assert eu_sc.per_kwh == pytest.approx(eu_base.per_kwh, rel=1e-6)
    cn_sc = project.declare(sc, rules="cn-miit-2025", draft=True, **LIFE)
    assert cn_sc.per_kwh < eu_sc.per_kwh
    with pytest.raises(InputError, match="exceeds 1"):
        lca.models.battery_pack("LFP", 60, cell_ppa_share=0.7, cell_certificate_share=0.4)
    with pytest.raises(InputError, match="plant set"):
        lca.models.battery_pack("LFP", 60, plant="nowhere")


def test_verifier_package_writes_supplier_text_as_text(project, base, tmp_path):
    from openpyxl import load_workbook

    d = project.declare(base, rules="eu-2024-draft", **LIFE)
    evil = "=HYPERLINK(\"http://x\",\"click\")"
    d.lines[0]["company"] = evil
    d.electricity[0]["company"] = "+1+1"
    wb = load_workbook(d.to_excel(tmp_path / "p.xlsx", lang="zh"))
    assert wb.sheetnames[0] == "声明"
    cell = wb["明细"].cell(2, 1)
    assert cell.value == evil and cell.data_type == "s"
    assert wb["电力"].cell(2, 1).data_type == "s"


def test_process_kinds_can_be_named(project, base):
    with pytest.raises(InputError, match="no cell_production process found .*--kind COMPANY/PRODUCT=cell_production"):
        project.declare(base, rules="eu-2024-draft", kinds={"D-CELL/cell": "other_supplier_product"}, **LIFE)
    with pytest.raises(InputError, match="not in the supply chain"):
        project.declare(base, rules="eu-2024-draft", kinds={"NOPE/x": "cell_production"}, **LIFE)
    with pytest.raises(InputError, match="not a process kind"):
        project.declare(base, rules="eu-2024-draft", kinds={"D-CELL/cell": "cells"}, **LIFE)
    # naming the cell maker a component supplier moves its lines to raw material acquisition
    d = project.declare(base, rules="eu-2024-draft", kinds={"D-CELL/cell": "other_supplier_product"}, draft=True,
                        **LIFE)
    ref = project.declare(base, rules="eu-2024-draft", **LIFE)
    assert d.per_kwh == pytest.approx(ref.per_kwh, rel=1e-12)
    assert d.stages["main_production"] < ref.stages["main_production"]


def test_verifier_package_traces_each_line_and_each_stage(project, base, tmp_path):
    """Lines: amount x factor = declared; clause and rule status shown; the lines of each stage sum to it."""
    from openpyxl import load_workbook

    d = project.declare(base, rules="eu-2024-draft", **LIFE)
    ws = load_workbook(d.to_excel(tmp_path / "trace.xlsx", lang="both"))["Lines"]
    head = [str(c.value).split(" | ")[0] for c in ws[1] if c.value is not None]
    c = {h: head.index(h) + 1 for h in head}
    rows = [r for r in range(2, ws.max_row + 1) if ws.cell(r, 2).value]  # data rows name a product
    by_key = {(ws.cell(r, c["product"]).value, ws.cell(r, c["where"]).value): r for r in rows}
    # the pack's grid line: 500 kWh x the national mix (EU draft), not the Guangdong grid it was linked to
    r = by_key[("D-PACK/pack", "Energy row 2")]
    assert ws.cell(r, c["amount per battery"]).value == pytest.approx(500.0)
    assert ws.cell(r, c["factor [kg CO2e per unit]"]).value == pytest.approx(
        project.footprint("background:electricity-cn").total, rel=REL)
    assert ws.cell(r, c["clause status"]).value == "regulation"  # Annex II point 4(b): pack assembly
    assert ws.cell(r, c["rule status"]).value == "draft"  # the draft's electricity rule
    for r in rows:
        amount, factor = ws.cell(r, c["amount per battery"]).value, ws.cell(r, c["factor [kg CO2e per unit]"]).value
        assert amount * factor == pytest.approx(ws.cell(r, c["declared [kg CO2e]"]).value, rel=1e-9)
        assert ws.cell(r, c["clause status"]).value in ("regulation", "draft", "assumption")
    # closing rows: one per stage, per battery and per kWh, each the sum of that stage's lines by hand
    sums = {}
    for r in range(2, ws.max_row + 1):
        if str(ws.cell(r, 1).value).startswith("sum of the lines of stage"):
            stage = ws.cell(r, c["stage"]).value.split(" | ")[0]
            sums[stage] = (ws.cell(r, c["declared [kg CO2e]"]).value, ws.cell(r, c["primary share"] + 1).value)
    assert set(sums) == set(d.stages)
    for stage, (kg, per_kwh) in sums.items():
        lines = sum(ws.cell(r, c["declared [kg CO2e]"]).value for r in rows
                    if ws.cell(r, c["stage"]).value.split(" | ")[0] == stage)
        assert kg == pytest.approx(lines, rel=1e-12) and per_kwh == pytest.approx(lines / E, rel=1e-12)
    assert ws.column_dimensions["A"].width > len("Pearl")  # widths follow the text, not only the header


@pytest.mark.parametrize("n", [0, -5])
def test_zero_or_negative_samples_are_refused_not_ignored(project, base, n):
    with pytest.raises(InputError, match=f"uncertainty={n}: give a number of samples between 1 and"):
        project.declare(base, rules="eu-2024-draft", uncertainty=n, seed=1, **LIFE)


@pytest.mark.parametrize("kwargs,zh_words", [
    ({"vehicle_category": "M1", "service_years": 8}, ["缺少寿命参数 --usable-kwh"]),
    ({"usable_kwh": 60, "service_years": 8}, ["缺少 --cycles-per-year 或 --vehicle-category"]),
    ({"usable_kwh": 60, "vehicle_category": "M1"}, ["缺少寿命参数 --service-years"]),
    ({"usable_kwh": -60, "vehicle_category": "M1", "service_years": 8}, ["参数 --usable-kwh = -60 不可能"]),
    ({"usable_kwh": 60, "vehicle_category": "X9", "service_years": 8}, ["--vehicle-category 'X9' 不在规则集", "M1"]),
    ({"usable_kwh": 60, "cycles_per_year": 60, "vehicle_category": "M1", "service_years": 8}, ["不要同时给出"]),
    ({"rules": "eu-2027", **LIFE}, ["未知规则集 'eu-2027'", "cn-miit-2025, eu-2024-draft, jrc-2023"]),
    ({"target": "D-CAM/cam", **LIFE}, ["D-CAM/cam", "不是动力电池"]),
    ({"kinds": {"NOPE/x": "cell_production"}, **LIFE}, ["'NOPE/x' 不在 D-PACK/pack 的供应链中"]),
    ({"kinds": {"D-CELL/cell": "other_supplier_product"}, **LIFE}, ["企业特定（初级）数据", "--draft"]),
    ({"uncertainty": 0, **LIFE}, ["蒙特卡洛样本数 0 无效"]),
])
def test_refusals_have_chinese_title_and_fix(project, base, kwargs, zh_words):
    from lca.declare_messages import zh

    kwargs = dict(kwargs)
    target, rules = kwargs.pop("target", base), kwargs.pop("rules", "eu-2024-draft")
    with pytest.raises(InputError) as exc:
        project.declare(target, rules=rules, **kwargs)
    text = zh(str(exc.value))
    for w in zh_words:
        assert w in text.split("\n详情：")[0]
    assert text.endswith("\n详情：" + str(exc.value))  # the English original kept as the detail


def test_warnings_in_chinese_summary(project, base):
    """Every warning of these declarations has its Chinese wording; the CLI prints them with --lang zh."""
    from lca.declare_messages import zh

    decls = [project.declare(base, rules="cn-miit-2025", usable_kwh=60, vehicle_category="M1", cycle_life=300),
             project.declare(base, rules="jrc-2023", kinds={"D-CELL/cell": "other_supplier_product"}, draft=True,
                             **LIFE)]
    warnings = [w for d in decls for w in d.warnings]
    assert any(w.startswith("NOT DECLARABLE") for w in warnings) and any("cycle_life" in w for w in warnings)
    untranslated = [w for w in warnings if zh(w) == w]
    assert not untranslated
    text = decls[0].summary(lang="zh")
    assert "未给出使用年限：采用规则集 cn-miit-2025 的默认值 8 年" in text
    assert "循环寿命 300 小于 年等效全循环次数 × 使用年限 = 480" in text
    assert decls[0].lifetime_energy_kwh == pytest.approx(60 * 300, rel=1e-12)


def test_cli_refusal_in_chinese(project_dir, base):
    r = lca_in_process(project_dir, "declare", base, "--rules", "eu-2024-draft", "--vehicle-category", "M1",
                       "--service-years", "8", "--lang", "zh")
    assert r.returncode == 2 and not r.stdout
    assert "缺少寿命参数 --usable-kwh" in r.stderr and "详情：usable_kwh (--usable-kwh) is missing" in r.stderr


def test_no_passport_for_a_not_declarable_draft(project, base, project_dir, tmp_path):
    from lca.declare_messages import zh

    d = project.declare(base, rules="eu-2024-draft", kinds={"D-CELL/cell": "other_supplier_product"}, draft=True,
                        **LIFE)
    assert not d.declarable
    with pytest.raises(InputError, match="not declarable under eu-2024-draft") as exc:
        d.to_passport()
    assert "电池护照只能写入可申报的数值" in zh(str(exc.value))
    pp, xl = tmp_path / "pp.json", tmp_path / "pkg.xlsx"
    r = lca_in_process(project_dir, "declare", base, "--rules", "eu-2024-draft", "--usable-kwh", "60",
                       "--vehicle-category", "M1", "--service-years", "8", "--kind",
                       "D-CELL/cell=other_supplier_product", "--draft", "--passport", str(pp), "--excel", str(xl),
                       "--json")
    assert r.returncode == 2 and not r.stdout and "not declarable" in r.stderr
    assert not pp.exists() and not xl.exists()  # refused before any file is written


def test_miit_results_use_the_notices_stage_names(project, base, tmp_path):
    """MIIT's four stages (材料获取、电池制造、分销运输、回收利用) label a cn-miit-2025 declaration in Chinese."""
    from openpyxl import load_workbook

    cn = project.declare(base, rules="cn-miit-2025", usable_kwh=60, vehicle_category="M1")
    text = cn.summary(lang="zh")
    for name, stage in (("材料获取", "raw_material_acquisition"), ("电池制造", "main_production"),
                        ("分销运输", "distribution"), ("回收利用", "end_of_life")):
        assert f"  {name}：{cn.stages[stage]:.4g}" in text
    assert "主要产品生产" not in text
    wb = load_workbook(cn.to_excel(tmp_path / "cn.xlsx", lang="zh"))
    stages = {str(r[0].value) for r in wb["声明"].iter_rows(min_row=2)}
    assert {"材料获取", "电池制造", "分销运输", "回收利用"} <= stages
    assert "电池制造" in {c.value for c in wb["明细"]["F"]}
    eu = project.declare(base, rules="eu-2024-draft", **LIFE)
    assert "  主要产品生产：" in eu.summary(lang="zh")  # the EU texts keep Annex II's names
    bad = rule("cn-miit-2025")
    src = (RULES / "cn-miit-2025.toml").read_text(encoding="utf-8")
    assert bad["meta"]["stage_names_zh"]["main_production"] == "电池制造"
    path = tmp_path / "bad.toml"
    path.write_text(src.replace('main_production = "电池制造"', 'use_phase = "使用"'), encoding="utf-8")
    with pytest.raises(InputError, match="meta.stage_names_zh"):
        project.declare(base, rules=str(path), usable_kwh=60, vehicle_category="M1")


@pytest.mark.parametrize("name,kind", [
    ("packaging cardboard", None), ("cellulose insulation", None), ("steel backpack frame", None),
    ("Cellophane wrap", None), ("LFP cells", "cell_production"), ("LFP prismatic cell 280Ah", "cell_production"),
    ("battery-pack", "battery_assembly"), ("separators", "cell_component"), ("NCM precursor", "active_material"),
    ("方形电芯", "cell_production"), ("磷酸铁锂正极材料", "active_material"),
])
def test_process_kind_names_match_whole_words(name, kind):
    from lca import rules

    assert rules.load("eu-2024-draft").kind_of(name) == kind


def test_a_packaging_supplier_is_not_the_battery_assembly(project, base, tmp_path):
    """A declared PCF of 'packaging film' stays a raw material, not the pack assembly (stage, primary data)."""
    pack = {"Supplier": {"company_name": "W Pack Co", "company_id": "W-PACK", "country": "CN", **PERIOD},
            "Products": [{"product_id": "pack", "product_name": "battery pack 60 kWh", "declared_unit": "piece",
                          "declared_amount": 1, "mass_kg": MASS, "production_region": "CN-GD"}],
            "Materials": [{"product_id": "pack", "line_id": 1, "material": "LFP cells", "amount": 300, "unit": "kg",
                           "source": "supplier_product", "reference": "D-CELL/cell"},
                          {"product_id": "pack", "line_id": 2, "material": "packaging film", "amount": 2,
                           "unit": "kg", "source": "supplier_pcf", "reference": "PF1", "supplier_name": "Film Co"}],
            "Energy": [{"product_id": "pack", "carrier": "electricity", "amount": 500, "unit": "kWh"}],
            "Transport": [{"product_id": "pack", "mode": "truck", "mass_t": 0.4, "distance_km": 1000,
                           "direction": "outbound"}],
            "SupplierPCFs": [{"pcf_id": "PF1", "supplier_name": "Film Co", "product_name": "packaging film",
                              "declared_unit": "kg", "pcf_kgco2e": 3.0, "primary_data_share": 50}]}
    report = project.import_files([write_workbook(tmp_path / "wpack.xlsx", pack)])
    assert report.ok, report.summary()
    d = project.declare("W-PACK/pack", rules="eu-2024-draft", **LIFE)
    film = [x for x in d.lines if x["typed"] == "packaging film"]
    assert len(film) == 1 and film[0]["kind"] == "declared_pcf"
    assert film[0]["stage"] == "raw_material_acquisition" and film[0]["kgco2e"] == pytest.approx(6.0, rel=1e-9)
    assert [c["process"] for c in d.primary_data["covered"] if c["kind"] == "battery_assembly"] == ["W-PACK/pack"]
    assert not any("packaging film" in w for w in d.warnings)  # no "counts whole in main_production"


def test_china_residual_mix_ratio_is_the_published_factors_ratio():
    """MEE/NBS 2022: national average 0.5366, excluding market-traded non-fossil power 0.5856 kg CO2/kWh."""
    cn = rule("jrc-2023")["residual_mix"]["CN"]
    assert cn["value"] == pytest.approx(0.5856 / 0.5366, abs=5e-5)
    assert "0.5856" in cn["clause"] and "0.5366" in cn["clause"] and cn["status"] == "assumption"


def test_passport_study_link(project, base, project_dir, tmp_path):
    """carbonFootprintStudy: the given https link; without one the urn: placeholder and a warning; a bad link refused."""
    def run(*extra):
        pp = tmp_path / "pp.json"
        pp.unlink(missing_ok=True)
        r = lca_in_process(project_dir, "declare", base, "--rules", "eu-2024-draft", "--usable-kwh", "60",
                           "--vehicle-category", "M1", "--service-years", "8", "--json", "--passport", str(pp),
                           *extra)
        return r, (json.loads(pp.read_text()) if pp.exists() else None)

    r, pp = run("--study-url", "https://example.com/cfp/D-PACK.pdf")
    assert r.returncode == 0, r.stderr
    assert pp["carbonFootprintStudy"] == "https://example.com/cfp/D-PACK.pdf"
    assert not any("placeholder" in w for w in json.loads(r.stdout)["warnings"])
    r, pp = run()
    assert r.returncode == 0 and pp["carbonFootprintStudy"].startswith("urn:green-lca:declaration:")
    assert any("urn: placeholder" in w and "--study-url" in w for w in json.loads(r.stdout)["warnings"])
    r, pp = run("--study-url", "=HYPERLINK(1)")
    assert r.returncode == 2 and pp is None and "study URL '=HYPERLINK(1)'" in r.stderr and not r.stdout
