"""The NCA and sodium-ion (SIB-NMMT) chemistries of the battery_pack model, and their new background datasets.

Expected values are computed here by hand: from inventories/parameters/battery.toml and
inventories/background/*.toml read as plain TOML, from the background footprints
(``project.footprints()``), or by a plain numpy solve of the model's own foreground datasets.
"""
import math
import tomllib

import pytest

from lca import inventory
from lca.errors import InputError
from lca.models import battery_pack
from lca.models.battery import STAGES, chemistries
from foreground import supply

REL = 2e-5  # Brightway stores matrix values as float32
NEW = ("NCA", "SIB-NMMT")


@pytest.fixture(scope="module")
def scores(project):
    return project.footprints()


def _battery_toml() -> dict:
    path = inventory.inventories_dir() / "parameters" / "battery.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _background_dataset(code: str) -> dict:
    for path in sorted((inventory.inventories_dir() / "background").glob("*.toml")):
        for ds in tomllib.loads(path.read_text(encoding="utf-8")).get("dataset", []):
            if ds["code"] == code:
                return ds
    raise KeyError(code)


def _background_inputs(model) -> dict[str, float]:
    """Background code -> amount per reference unit bought by the foreground (numpy solve, not the engine)."""
    x = supply(model)
    out: dict[str, float] = {}
    for d in model.datasets():
        for e in d["exchanges"]:
            if e["type"] == "technosphere" and e["input"][0] == "background":
                out[e["input"][1]] = out.get(e["input"][1], 0.0) + x[d["code"]] * e["amount"]
    return out


# -- the sets exist and build --------------------------------------------------------------------
def test_new_chemistries_are_listed_and_build():
    names = chemistries()
    for chem in NEW:
        assert chem in names
        m = battery_pack(chem, 60.0)
        assert m.params["chemistry"] == chem
    with pytest.raises(InputError) as exc:
        battery_pack("NaFePO4")
    for chem in ("LFP", "NMC811", "NMC622") + NEW:
        assert chem in str(exc.value)


@pytest.mark.parametrize("chemistry", NEW)
def test_pack_totals_are_finite_positive_and_the_stages_add_up(project, chemistry):
    fp = project.footprint(battery_pack(chemistry, 60.0, region="CN"))
    assert math.isfinite(fp.total) and fp.total > 0
    assert set(fp.by_stage) <= set(STAGES)
    assert all(v >= 0 for v in fp.by_stage.values())
    assert sum(fp.by_stage.values()) == pytest.approx(fp.total, rel=1e-9)
    for stage in ("cathode", "anode", "cell manufacturing", "pack assembly"):
        assert fp.by_stage.get(stage, 0.0) > 0, stage


@pytest.mark.parametrize("chemistry, density, cell_to_pack", [("NCA", 0.28, 0.726), ("SIB-NMMT", 0.157, 0.7516)])
def test_pack_mass_from_the_named_set(chemistry, density, cell_to_pack):
    # NCA: premise energy_density.yaml 2020 and the premise NMC622 pack; SIB: Zhang 2024 cell, premise SIB module
    m = battery_pack(chemistry, 60.0)
    assert m.pack_mass_kg == pytest.approx(60.0 / density / cell_to_pack, rel=1e-12)
    chem = _battery_toml()["chemistry"][chemistry]
    assert chem["cell_energy_density"]["value"] == density and chem["cell_to_pack"]["value"] == cell_to_pack


def test_cell_energy_is_harmonized_per_kg_of_cell_on_degen_2023():
    chem = _battery_toml()["chemistry"]
    # one basis (battery.toml [harmonization.cell_energy]): Degen 2023's LFP 37.5 kWh/kWh at 0.168 kWh/kg
    # = 6.3 kWh per kg of cell, over each Li-ion chemistry's energy density
    per_kg = 37.5 * 0.168
    for name in ("NMC811", "NMC622", "NCA", "LFP"):
        dens = chem[name]["cell_energy_density"]["value"]
        assert chem[name]["cell_energy"]["value"] == pytest.approx(per_kg / dens, rel=1e-4)
        assert 20.3 <= chem[name]["cell_energy"]["value"] <= 37.5  # Degen's range for current LIB cells
        assert chem[name]["cell_heat_share"]["value"] == 0.52  # Degen & Schuette 2022 carrier split
    m = battery_pack("NCA", 60.0)
    assert m.params["cell_electricity"] == pytest.approx(22.5 * 0.48, rel=1e-12)
    assert m.params["cell_heat"] == pytest.approx(22.5 * 0.52 * 3.6, rel=1e-12)
    # Zhang 2024 NMMT cell (sodium-ion, a stated exception): 1.84653 + 2.38385 kWh per kg, 157 Wh/kg, no heat
    assert chem["SIB-NMMT"]["cell_energy"]["value"] == pytest.approx((1.84653 + 2.38385) / 0.157, rel=1e-4)
    assert chem["SIB-NMMT"]["cell_heat_share"]["value"] == 0.0
    assert chem["SIB-NMMT"]["cell_energy"]["harmonization_exception"]


# -- hand-computed checks ------------------------------------------------------------------------
def test_sib_cell_electricity_plus_one_kwh_adds_the_cell_grid_footprint(project, scores):
    base = _battery_toml()["chemistry"]["SIB-NMMT"]["cell_energy"]["value"]  # all electricity (heat share 0)
    a = project.footprint(battery_pack("SIB-NMMT", 60.0, cell_region="CN-SC"))
    b = project.footprint(battery_pack("SIB-NMMT", 60.0, cell_region="CN-SC", cell_electricity=base + 1.0))
    grid = float(scores["background:electricity-cn-sc"])  # kg CO2e per kWh
    # per kWh of pack capacity: 1 kWh of cells, each needing 1 kWh more electricity
    assert b.total - a.total == pytest.approx(grid, rel=1e-4)
    assert b.by_stage["cell manufacturing"] - a.by_stage["cell manufacturing"] == pytest.approx(grid, rel=1e-4)


def test_sib_electricity_per_kwh_by_hand_from_battery_toml():
    data = _battery_toml()
    chem = data["chemistry"]["SIB-NMMT"]
    steps = chem["steps"]

    def elec(step):
        return sum(r["amount"] for r in step["rows"] if r["input"] == "elec")

    def amount(step, inp):
        return sum(r["amount"] for r in step["rows"] if r["input"] == inp)

    cell = steps["cell"]
    cathode = amount(cell, "part:cathode")
    anode = amount(cell, "part:anode-hc")
    foil = (amount(steps["cathode"], "part:aluminium-foil") * cathode
            + amount(steps["anode-hc"], "part:aluminium-foil") * anode)
    per_kg_cell = (elec(steps["cathode"]) * cathode
                   + elec(steps["cam"]) * amount(steps["cathode"], "part:cam") * cathode
                   + elec(steps["anode-hc"]) * anode
                   + elec(steps["hard-carbon"]) * amount(steps["anode-hc"], "part:hard-carbon") * anode
                   + elec(steps["container"]) * amount(cell, "part:container")
                   + elec(data["common"]["aluminium-foil"]) * foil)
    density, c2p = chem["cell_energy_density"]["value"], chem["cell_to_pack"]["value"]
    bop = elec({"rows": data["common"]["balance-of-pack"]["rows"]})
    expected = chem["cell_energy"]["value"] * (1 - chem["cell_heat_share"]["value"]) + per_kg_cell / density + (1 / density / c2p - 1 / density) * bop
    got = _background_inputs(battery_pack("SIB-NMMT", 60.0, region="CN-NORTH"))
    grids = set(inventory.load_background().grids.values())
    assert {k for k in got if k in grids} == {"electricity-cn-north"}
    assert got["electricity-cn-north"] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("code", ["nickel-carbonate", "manganese-dioxide", "napf6", "lime-hydrated"])
def test_new_background_dataset_footprint_by_hand(scores, code):
    # score = sum(amount x score of the input) + direct CO2 fossil (IPCC 2021 GWP100: CF 1)
    ds = _background_dataset(code)
    expected = 0.0
    for e in ds["exchanges"]:
        if e["type"] == "technosphere":
            expected += e["amount"] * float(scores[f"background:{e['input']}"])
        else:
            assert e["flow"] == "CO2 fossil"
            expected += e["amount"]
    assert float(scores[f"background:{code}"]) == pytest.approx(expected, rel=REL)


def test_sodium_ion_electrolyte_is_lithium_free(scores):
    ds = _background_dataset("electrolyte-sib")
    inputs = {e["input"] for e in ds["exchanges"] if e["type"] == "technosphere"}
    assert "napf6" in inputs and not any("lithium" in i or "lipf6" in i for i in inputs)
    napf6 = {e["input"] for e in _background_dataset("napf6")["exchanges"] if e["type"] == "technosphere"}
    assert not any("lithium" in i or "lipf6" in i for i in napf6)


def test_sib_pack_uses_no_lithium_cobalt_copper_foil_or_graphite(project):
    m = battery_pack("SIB-NMMT", 60.0, region="CN")
    fp = project.footprint(m)
    mats = m.by_material(fp, project)
    assert mats  # scores by material exist
    for key, val in mats.items():
        if any(word in key for word in ("lithium", "cobalt", "graphite", "lipf6")) or key == "electrolyte":
            assert abs(val) <= 1e-12 * fp.total, key
    # the common copper-foil and graphite-anode steps exist in the model but are not supplied
    x = supply(m)
    assert abs(x[f"{m.prefix}-copper-foil"]) < 1e-12
    assert abs(x[f"{m.prefix}-anode"]) < 1e-12
    bought = {k: v for k, v in _background_inputs(m).items() if abs(v) > 1e-12}
    assert not any(w in k for k in bought for w in ("lithium", "cobalt", "graphite", "lipf6", "copper-foil"))
    assert "electrolyte" not in bought and "electrolyte-sib" in bought
    # aluminium foil on both electrodes: the foil step is supplied by the cathode and the hard-carbon anode
    assert x[f"{m.prefix}-aluminium-foil"] > 0.0
