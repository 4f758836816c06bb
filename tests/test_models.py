"""Product models (battery pack, vehicle, PV module) and design comparison.

Expected values are computed here by hand from the parameter files, from the
background footprints (``project.footprints()``), or by a plain numpy solve of
the model's own foreground datasets; published figures are cited beside each test with their sources.
"""
import copy
import json
import math
import tomllib

import pytest

import lca
from lca import inventory
from lca.models import base, battery_pack, pv_module, vehicle
from foreground import supply

REL = 2e-5  # Brightway stores matrix values as float32


@pytest.fixture(scope="module")
def scores(project):
    return project.footprints()


def _grid(loc):
    return inventory.load_background().grids[loc]


def _kwh_by_grid(model):
    """Electricity bought by a model's foreground steps per reference unit: a plain numpy solve
    of its datasets (foreground technosphere matrix), independent of the engine."""
    x = supply(model)
    data = model.datasets()
    grids = set(inventory.load_background().grids.values())
    out = {}
    for d in data:
        for e in d["exchanges"]:
            if e["type"] == "technosphere" and e["input"][0] == "background" and e["input"][1] in grids:
                out[e["input"][1]] = out.get(e["input"][1], 0.0) + x[d["code"]] * e["amount"]
    return out


# -- hand-computed checks -----------------------------------------------------------------------
def test_cell_electricity_plus_one_kwh_adds_the_cell_grid_footprint(project, scores):
    a = project.footprint(battery_pack("NMC811", 60.0, cell_region="CN-SC"))
    base = battery_pack("NMC811", 60.0).params["cell_electricity"]  # derived: cell_energy x (1 - heat share)
    b = project.footprint(battery_pack("NMC811", 60.0, cell_region="CN-SC", cell_electricity=base + 1.0))
    grid = float(scores["background:electricity-cn-sc"])  # kg CO2e per kWh
    # per kWh of pack capacity: 1 kWh of cells, each needing 1 kWh more electricity
    assert b.total - a.total == pytest.approx(grid, rel=1e-4)
    assert b.by_stage["cell manufacturing"] - a.by_stage["cell manufacturing"] == pytest.approx(grid, rel=1e-4)


def test_same_pack_on_southwest_grid_is_lower_by_electricity_times_grid_difference(project, scores):
    sw = battery_pack("NMC811", 60.0, region="CN-SOUTHWEST")
    north = battery_pack("NMC811", 60.0, region="CN-NORTH")
    kwh_sw, kwh_n = _kwh_by_grid(sw), _kwh_by_grid(north)
    assert set(kwh_sw) == {"electricity-cn-southwest"} and set(kwh_n) == {"electricity-cn-north"}
    kwh = kwh_sw["electricity-cn-southwest"]
    assert kwh == pytest.approx(kwh_n["electricity-cn-north"], rel=1e-12)
    # hand check of the electricity per kWh from battery.toml (NMC811): cell 4.5057 + foils + cathode chain
    doc = tomllib.loads((inventory.inventories_dir() / "parameters" / "battery.toml").read_text())
    cell_kg = 1 / 0.28
    cathode_kg = 0.3773 * cell_kg
    cam_kg = 0.95 * cathode_kg
    by_hand = (22.5 * 0.48 + cathode_kg * 0.440588 + cam_kg * 7.26 + 0.1243 * cell_kg * 9.0 + 0.0284 * cell_kg * 2.0
               + (cell_kg / 0.726 - cell_kg) * 0.00130156)
    assert doc["common"]["copper-foil"]["rows"][1]["amount"] == 9.0
    assert kwh == pytest.approx(by_hand, rel=1e-9)
    d_grid = float(scores["background:electricity-cn-southwest"]) - float(scores["background:electricity-cn-north"])
    f_sw, f_n = project.footprint(sw), project.footprint(north)
    assert f_sw.total < f_n.total
    assert f_sw.total - f_n.total == pytest.approx(kwh * d_grid, rel=1e-4)


def test_pv_per_kwp_is_module_area_times_module_per_m2(project, scores):
    gg, gb = pv_module("PERC", "glass-glass"), pv_module("PERC", "glass-backsheet")
    f_gg, f_gb = project.footprint(gg), project.footprint(gb)
    m2 = 1 / 0.22  # m2 per kWp at STC, efficiency 0.22 (pv.toml)
    per_m2 = project.footprint(f"models:{gg.prefix}-module").total
    assert f_gg.total == pytest.approx(per_m2 * m2, rel=REL)
    # glass-glass minus glass-backsheet, by hand from pv.toml: more glass, no PET/PVF backsheet
    d = ((11.016 - 8.8125) * float(scores["background:solar-glass"]) - 0.34562 * float(scores["background:pet"])
         - 0.11187 * float(scores["background:pvf"])) * m2
    assert f_gg.total - f_gb.total == pytest.approx(d, rel=1e-3, abs=1e-3)
    assert f_gg.extras["per_m2"] == pytest.approx(f_gg.total * 0.22, rel=1e-12)
    assert f_gg.extras["per_module"] == pytest.approx(f_gg.total * 0.550, rel=1e-12)


def test_eu_declaration_per_kwh_delivered(project, scores):
    m = battery_pack("LFP-premise2020", 60.0)  # the premise set: 0.16 kWh/kg cells, 0.73 kg cells/kg pack
    fp = project.footprint(m, amount=60.0)
    decl = fp.extras["eu_battery_regulation"]
    energy = 60.0 * 0.9 * 60 * 8  # usable capacity x 60 FEC/year x 8 years (draft delegated act defaults)
    assert decl["total_energy_kwh"] == pytest.approx(energy)
    parts = decl["by_stage_per_pack"]
    assert parts["raw material acquisition and pre-processing"] + parts["main product production"] == \
        pytest.approx(fp.total, rel=1e-9)
    mass = 60.0 / 0.16 / 0.73
    dist = mass / 1000 * 1000 * float(scores["background:transport-truck"])
    assert parts["distribution"] == pytest.approx(dist, rel=1e-9)
    # end of life by hand from battery.toml [declaration]: per kg of pack 1 kWh of the pack region's grid
    # (CN), 0.5 kg sulfuric acid and 0.3 kg sodium hydroxide
    doc = tomllib.loads((inventory.inventories_dir() / "parameters" / "battery.toml").read_text(encoding="utf-8"))
    eol_doc = doc["declaration"]
    assert (eol_doc["eol_electricity_kwh_per_kg"]["value"], eol_doc["eol_sulfuric_acid_kg_per_kg"]["value"],
            eol_doc["eol_sodium_hydroxide_kg_per_kg"]["value"]) == (1.0, 0.5, 0.3)
    eol = mass * (1.0 * float(scores["background:electricity-cn"]) + 0.5 * float(scores["background:sulfuric-acid"])
                  + 0.3 * float(scores["background:sodium-hydroxide"]))
    assert eol > 0
    assert parts["end of life and recycling"] == pytest.approx(eol, rel=1e-9)
    assert decl["per_kwh_delivered"] == pytest.approx((fp.total + dist + parts["end of life and recycling"]) / energy)
    assert decl["per_kwh_delivered"] == pytest.approx((fp.total + dist + eol) / energy, rel=1e-9)
    assert set(decl["by_stage_per_kwh_delivered"]) == {
        "raw material acquisition and pre-processing", "main product production", "distribution",
        "end of life and recycling"}
    assert sum(fp.by_stage.values()) == pytest.approx(fp.total, rel=1e-9)
    assert sum(fp.extras["by_material_per_kwh"].values()) == pytest.approx(fp.total / 60.0, rel=1e-4)
    assert set(fp.by_stage) == {"raw materials", "cathode", "anode", "cell manufacturing", "pack assembly"}


def test_vehicle_components_and_battery(project):
    v = vehicle("BEV", "medium", battery={"chemistry": "NMC811", "capacity_kwh": 70.0})
    fp = project.footprint(v)
    assert fp.unit == "unit"
    assert sum(fp.by_stage.values()) == pytest.approx(fp.total, rel=1e-9)
    assert {"glider", "battery", "electric motor", "power electronics", "assembly"} <= set(fp.by_stage)
    pack = project.footprint(battery_pack("NMC811", 70.0), amount=70.0)
    assert fp.by_stage["battery"] == pytest.approx(pack.total, rel=1e-5)
    icev = project.footprint(vehicle("ICEV", "medium"))
    assert "battery" not in icev.by_stage


def test_lfp_named_sets_share_the_bill_of_materials_and_differ_in_their_parameters(project, scores):
    new, old = battery_pack("LFP", 60.0), battery_pack("LFP-premise2020", 60.0)
    assert new.pack_mass_kg == pytest.approx(60.0 / 0.168 / 0.87, rel=1e-12)  # battery.toml [chemistry.LFP]
    assert old.pack_mass_kg == pytest.approx(60.0 / 0.16 / 0.73, rel=1e-12)
    # cell electricity by hand: LFP 37.5 kWh/kWh (Degen 2023), premise 25 kWh/kWh; other electricity per kg of
    # cell is the same bill of materials (cathode, foils) times the cell mass, plus balance of pack
    kwh_new, kwh_old = _kwh_by_grid(new)["electricity-cn"], _kwh_by_grid(old)["electricity-cn"]
    per_kg_cell = 0.0560055 * 2.0 + 0.12917 * 9.0  # Al foil 2 kWh/kg, Cu foil 9 kWh/kg (battery.toml common)
    bop = 0.00130156  # kWh per kg of non-cell pack mass (balance of pack; module packaging buys none)
    assert kwh_new == pytest.approx(37.5 * 0.48 + per_kg_cell / 0.168 + (1 / 0.168 / 0.87 - 1 / 0.168) * bop, rel=1e-9)
    assert kwh_old == pytest.approx(25.0 + per_kg_cell / 0.16 + (1 / 0.16 / 0.73 - 1 / 0.16) * bop, rel=1e-9)


# -- published results (each cited in its test) -------------------------------------------------
def test_chinese_nmc811_pack_within_peiseler_2024(project):
    # Peiseler et al. 2024, Nat. Commun., doi 10.1038/s41467-024-54634-y: NMC811 59 / 74 / 115 kg CO2e/kWh
    per_kwh = project.footprint(battery_pack("NMC811", 60.0, region="CN")).total
    assert 59 <= per_kwh <= 115


@pytest.mark.parametrize("chemistry", ["LFP", "NMC811", pytest.param("NMC622", marks=pytest.mark.xfail(
    strict=True, reason="known deviation since the cell-energy harmonization (docs/models.md): NMC622 cells at "
    "26.25 kWh/kWh of factory energy (Degen 2023 per kg of cell over 0.24 kWh/kg) are ~93 kg CO2e/kWh of cell, "
    "above Xu 2022's 41-89 (they were 88 on premise's 17.7 kWh/kWh)"))])
def test_chinese_cells_within_xu_2022(project, chemistry):
    # Xu et al. 2022, Resour. Conserv. Recycl. 187:106606: cells of 8 chemistries made in CN/US/EU in 2020,
    # 41-89 kg CO2e per kWh of cell. Like for like: the model's cells alone, per kWh of cell capacity.
    m = battery_pack(chemistry, 60.0, region="CN")
    fp = project.footprint(m)
    cells = fp.extras["cells_per_kwh_cell"]
    # independent of the extras: the cell activity's score (adjoint solve) x kg of cell per kWh from battery.toml
    density = tomllib.loads((inventory.inventories_dir() / "parameters" / "battery.toml").read_text(
        encoding="utf-8"))["chemistry"][chemistry]["cell_energy_density"]["value"]
    cell_score = float(project.footprints()[f"models:{m.prefix}-cell"])  # kg CO2e per kg of cell
    assert cells == pytest.approx(cell_score / density, rel=1e-9)
    assert 41 <= cells <= 89
    assert cells < fp.total  # the pack adds casing, BMS, cooling and module parts


@pytest.mark.xfail(reason="known deviation, documented in docs/models.md: the Chinese LFP pack is ~90 kg CO2e/kWh "
                          "on the CN grid after the cell-energy harmonization (was 97; cells 78, inside Xu 2022), "
                          "above Peiseler 2024's LFP packs (54-69). Monte Carlo p5 of the pack is also above 69. "
                          "Sourced inputs that put it there: Degen 2023's LFP cell energy 37.5 kWh/kWh (the highest "
                          "of the chemistries they analysed; 52 % as gas heat now), synthetic graphite from Istrate "
                          "2024 (KIT 2024 finds graphite 37 kg CO2e per kWh of cell with new industrial data), "
                          "Chinese primary aluminium. Strict: if it ever passes, update the docs.", strict=True)
def test_chinese_lfp_pack_within_peiseler_2024(project):
    per_kwh = project.footprint(battery_pack("LFP", 60.0, region="CN")).total
    assert 54 <= per_kwh <= 69  # Peiseler et al. 2024, LFP 5th-95th percentile


def test_default_2023_module_is_below_the_2020_vintage_module(project):
    # Mueller 2021's 750 kg CO2e/kWp is a 2020 module on ecoinvent-era Chinese electricity; the model's
    # 2023 default (efficiency 0.22, 150 um wafers, 55 um kerf, 2023 grid factors) must come out lower than
    # the same model with the 2020 inventory's parameters (below), and not by more than half
    now = project.footprint(pv_module("PERC", "glass-glass", region="CN")).total
    then = project.footprint(pv_module("PERC", "glass-glass", region="CN", efficiency=0.20, wafer_thickness_um=170,
                                       kerf_loss_um=65, polysi_region="CN")).total
    assert 0.5 * then < now < then


def test_chinese_glass_glass_module_of_the_inventory_vintage_within_25pct_of_mueller_2021(project):
    # the 2020 inventory (170 um wafers, 65 um kerf, poly-Si on the national grid) with a module efficiency of
    # its vintage (0.20, estimate)
    per_kwp = project.footprint(pv_module("PERC", "glass-glass", region="CN", efficiency=0.20, wafer_thickness_um=170,
                                          kerf_loss_um=65, polysi_region="CN")).total
    assert per_kwp == pytest.approx(750, rel=0.25)


# -- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize("make, words", [
    (lambda: battery_pack("LFP", -5), ["capacity_kwh", "range"]),
    (lambda: battery_pack("NMC999"), ["chemistry", "LFP", "NMC811", "NMC622"]),
    (lambda: pv_module("PERC", efficiency=1.2), ["efficiency", "range"]),
    (lambda: pv_module("PERT"), ["technology", "PERC", "TOPCon"]),
    (lambda: pv_module("PERC", "glass-foil"), ["construction", "glass-glass"]),
    (lambda: vehicle("BEV", "huge"), ["size", "small", "medium", "large"]),
    (lambda: vehicle("FCEV"), ["powertrain", "BEV", "PHEV", "ICEV"]),
    (lambda: battery_pack("LFP", region="CN-XX"), ["region", "CN-SC"]),
    (lambda: battery_pack("LFP", recycled_li=1.5), ["recycled_li", "range"]),
    (lambda: battery_pack("LFP", colour="red"), ["colour", "valid parameters"]),
    (lambda: lca.models.get_model("boat"), ["boat", "battery_pack"]),
])
def test_bad_parameters_raise_input_error(make, words):
    with pytest.raises(lca.InputError) as err:
        make()
    for w in words:
        assert w in str(err.value)


# -- comparison ---------------------------------------------------------------------------------
def test_compare_table_totals_differences_ratios(project, tmp_path):
    a, b = battery_pack("LFP", 60.0, cell_region="CN-SC"), battery_pack("NMC811", 60.0)
    fa, fb = project.footprint(a, amount=60.0), project.footprint(b, amount=60.0)
    cmp = project.compare([a, b], amounts=[60.0, 60.0])  # whole packs (the default is 1 kWh, as footprint)
    df = cmp.frame
    assert list(df["total"]) == pytest.approx([fa.total, fb.total], rel=1e-9)
    assert df["ratio_to_first"].iloc[1] == pytest.approx(fb.total / fa.total, rel=1e-9)
    assert df["difference_to_first"].iloc[1] == pytest.approx(fb.total - fa.total, rel=1e-9)
    assert df["per_unit"].iloc[0] == pytest.approx(fa.total / 60.0, rel=1e-9)
    stages = [c for c in df.columns if c.startswith("stage: ")]
    assert df[stages].sum(axis=1).values == pytest.approx(df["total"].values, rel=1e-9)
    doc = json.loads(cmp.to_json())
    assert doc["targets"][1]["ratio_to_first"] == pytest.approx(fb.total / fa.total, rel=1e-9)
    assert "cell_region=CN-SC" in cmp.summary() or "chemistry=LFP" in cmp.summary()
    png = cmp.plot(tmp_path / "cmp.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_compare_and_footprint_model(project, project_dir, capsys):
    from lca.cli import main

    code = main(["--project", str(project_dir), "compare", "battery_pack:chemistry=LFP,cell_region=CN-SC",
                 "battery_pack:chemistry=NMC811", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    doc = json.loads(out)
    assert [t["unit"] for t in doc["targets"]] == ["kilowatt hour", "kilowatt hour"]
    code = main(["--project", str(project_dir), "footprint", "--model", "pv_module", "--set", "technology=TOPCon",
                 "--set", "construction=glass-glass", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["target"]["unit"] == "kilowatt peak" and doc["extras"]["per_m2"] > 0
    assert main(["--project", str(project_dir), "footprint", "--model", "pv_module", "--set", "efficiency=1.5"]) == 2


def test_models_database_rebuild_and_regenerate(project):
    m = battery_pack("NMC622", 50.0)
    before = project.footprint(m).total
    base.rebuild(project)  # what the project does after an interrupted write of `models`
    assert project.footprint(battery_pack("NMC622", 50.0)).total == pytest.approx(before, rel=1e-12)


def test_demo_models_build(project):
    models = lca.models.demo_models()
    assert len(models) >= 3
    # every demo model: two packs, a vehicle, a PV module
    assert len(models) == 4
    assert [type(m).__name__ for _, m in models] == ["BatteryPack", "BatteryPack", "Vehicle", "PVModule"]
    assert len({label for label, _ in models}) == 4
    for label, m in models:
        total = project.footprint(m, amount=m.default_amount).total
        assert math.isfinite(total) and total > 0, (label, total)


# -- parameter-file rows (one dispatch, Builder.add_row, for every model) ------------------------
def test_builder_add_row_kinds():
    b = base.Builder("t", where="test.toml")
    b.activity("a", "a", "kilogram", "CN", "s")
    b.activity("b", "b", "kilogram", "CN", "s")
    mixes = []
    for row in [{"input": "elec", "amount": 2.0, "unit": "kilowatt hour"},
                {"input": "bg:steam", "amount": 3.0, "unit": "kilogram"},
                {"input": "bg:heat-natural-gas", "amount": 4.0, "unit": "megajoule"},
                {"input": "mix:copper", "amount": 5.0, "unit": "kilogram"},
                {"input": "part:b", "amount": 6.0, "unit": "kilogram"},
                {"input": "bio:CO2 fossil", "amount": 7.0, "unit": "kilogram"}]:
        b.add_row("a", row, "CN-SC", on_mix=mixes.append)
    ex = b.acts["a"]["exchanges"][1:]
    assert [e["input"] for e in ex[:5]] == [("background", _grid("CN-SC")), ("background", "steam"),
                                            ("background", "heat-natural-gas"), ("models", "t-mix-copper"),
                                            ("models", "t-b")]
    assert [e["material"] for e in ex[1:3]] == ["heat", "heat"]
    assert ex[5]["type"] == "biosphere" and ex[5]["flow_alias"] == "CO2 fossil"
    assert [e["amount"] for e in ex] == [2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    assert mixes == ["copper"]
    for bad in ("mix:copper", "xyz:copper"):  # a model without supply mixes (no on_mix) refuses mix: rows
        with pytest.raises(lca.InputError, match="test.toml"):
            b.add_row("a", {"input": bad, "amount": 1.0, "unit": "kilogram"}, "CN")


@pytest.mark.parametrize("make, step", [(lambda: vehicle("BEV", "medium"), "glider"),
                                        (lambda: pv_module("PERC", "glass-glass"), "wafer")])
def test_vehicle_and_pv_rows_take_direct_emissions(make, step):
    # a bio: row in vehicle.toml / pv.toml becomes a biosphere exchange (vehicle once read any non-elec row
    # as a background code)
    m = make()
    data = copy.deepcopy(m.data)  # the shared parameter data stays untouched
    steps = data["component"] if "component" in data else data["steps"]
    steps[step]["rows"].append({"input": "bio:CO2 fossil", "amount": 0.25, "unit": "kilogram", "source": "test"})
    m.data = data
    (act,) = [d for d in m.datasets() if d["code"] == f"{m.prefix}-{step}"]
    (e,) = [e for e in act["exchanges"] if e["type"] == "biosphere"]
    assert e["flow_alias"] == "CO2 fossil" and e["amount"] == 0.25 and e["input"] == ("biosphere3", "alias:CO2 fossil")
    fresh = make()
    (act,) = [d for d in fresh.datasets() if d["code"] == f"{fresh.prefix}-{step}"]
    assert not [e for e in act["exchanges"] if e["type"] == "biosphere"]  # the parameter files are untouched
