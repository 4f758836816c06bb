"""Paired comparisons under uncertainty, like-with-like comparisons, sensitivity, the CLI of issue 11."""
import json

import numpy as np
import pytest

from lca import InputError
from lca.cli import parse_target_amount
from lca.models import battery_pack
from cli_util import lca_in_process as _lca

WRITES_PROJECT = True  # conftest: this module works on its own copy of the session project


def test_two_identical_targets_have_p_lower_one_half(project):
    n = 4000
    cmp = project.compare([battery_pack("LFP", 60.0), battery_pack("LFP", 60.0)], amounts=[1, 1],
                          uncertainty=n, seed=3)
    u = cmp.uncertainty_of(1)
    # common random numbers: identical targets give identical samples, every difference a tie (counted 1/2)
    assert u["p_lower"] == 0.5
    assert u["difference"] == {"p5": 0.0, "p50": 0.0, "p95": 0.0}
    # sampled independently (two seeds), the probability that one is lower is 0.5 +- sampling error
    a = project.uncertainty(battery_pack("LFP", 60.0), n=n, seed=3).samples
    b = project.uncertainty(battery_pack("LFP", 60.0), n=n, seed=4).samples
    assert np.mean(b < a) == pytest.approx(0.5, abs=4 * np.sqrt(0.25 / n))


def test_a_target_against_itself_with_ten_percent_more_electricity_is_lower_with_probability_one(project):
    base = battery_pack("NMC811", 60.0)
    kwh = base.params["cell_electricity"]
    more = battery_pack("NMC811", 60.0, cell_electricity=1.1 * kwh)
    same = battery_pack("NMC811", 60.0, cell_electricity=kwh)  # the same value, set: taken as known
    cmp = project.compare([more, same], amounts=[1, 1], uncertainty=3000, seed=9)
    assert cmp.uncertainty_of(1)["p_lower"] == 1.0
    assert cmp.uncertainty_of(1)["difference"]["p95"] < 0
    d = cmp.to_dict()["targets"][1]["uncertainty"]
    assert set(d) >= {"p_lower", "difference", "p5", "p95", "median"}
    assert "P(lower)" in cmp.summary()


def test_per_target_amounts_and_unit_refusal(project):
    t, a = parse_target_amount("battery_pack:capacity_kwh=75,amount=1")
    assert a == 1.0 and t.params["capacity_kwh"] == 75
    t, a = parse_target_amount("background:electricity-cn:amount=75")
    assert (t, a) == ("background:electricity-cn", 75.0)
    cmp = project.compare([battery_pack("LFP", 60.0), battery_pack("LFP", 75.0)], amounts=[1, 75])
    assert list(cmp.frame["amount"]) == [1.0, 75.0]
    assert list(cmp.frame["basis"]) == ["per kWh", "per pack (75 kWh)"]
    assert list(project.compare([battery_pack("LFP", 75.0)], amounts=[None]).frame["amount"]) == [1.0]
    assert cmp.frame["total"].iloc[1] == pytest.approx(75 * cmp.frame["total"].iloc[0], rel=1e-9)
    # a product per kg against a pack per kWh: refused, or compared with a warning
    with pytest.raises(InputError, match="different units"):
        project.compare(["background:nickel-sulfate", battery_pack("LFP", 75.0)])
    cmp = project.compare(["background:nickel-sulfate", battery_pack("LFP", 75.0)], units="warn")
    assert cmp.warnings and "kilogram" in cmp.warnings[0]


def test_labels_show_only_the_parameters_that_differ(project):
    cmp = project.compare([battery_pack("LFP", 60.0), battery_pack("NMC811", 60.0)])
    assert cmp.labels == ["chemistry=LFP", "chemistry=NMC811"]
    cmp = project.compare([battery_pack("LFP", 60.0, region="CN-SC"), battery_pack("LFP", 60.0, region="CN")])
    assert cmp.labels == ["region=CN-SC", "region=CN"]


def test_sensitivity_ranks_the_cell_energy_above_a_minor_parameter(project):
    s = project.sensitivity(battery_pack("LFP", 60.0), n=256, seed=1)
    ranked = s.ranked()
    names = [r["parameter"] for r in ranked]
    assert set(names) >= {"cell_energy", "cell_heat_share", "graphite_synthetic_share"}
    st = {r["parameter"]: r["ST"] for r in ranked}
    assert st["cell_energy"] > st["cells_truck_tkm_per_kg"]
    # additive-ish model: first-order indices sum close to 1 (within SALib's estimation error)
    assert 0.7 < sum(r["S1"] for r in ranked) < 1.3
    with pytest.raises(InputError, match="model"):
        project.sensitivity("background:nickel-sulfate")




def test_cli_uncertainty_compare_sensitivity_models(project, project_dir, tmp_path):
    r = _lca(project_dir, "uncertainty", "--model", "battery_pack", "--set", "chemistry=NMC811", "--n", "2000",
             "--seed", "4", "--json", "--plot", str(tmp_path / "h.png"))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    for k in ("n", "seed", "static", "mean", "median", "std", "p5", "p25", "p75", "p95"):
        assert k in out
    assert out["n"] == 2000 and out["seed"] == 4 and (tmp_path / "h.png").stat().st_size > 0
    r = _lca(project_dir, "compare", "battery_pack:chemistry=LFP,amount=1", "battery_pack:chemistry=NMC811,amount=1",
             "--uncertainty", "1000", "--seed", "2", "--plot", str(tmp_path / "c.png"))
    assert r.returncode == 0, r.stderr
    assert "P(lower)" in r.stdout and (tmp_path / "c.png").stat().st_size > 0
    r = _lca(project_dir, "compare", "background:nickel-sulfate", "battery_pack:capacity_kwh=75")
    assert r.returncode == 2 and "different units" in r.stderr
    r = _lca(project_dir, "sensitivity", "--model", "battery_pack", "--n", "128", "--seed", "1", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["parameters"][0]["ST"] >= json.loads(r.stdout)["parameters"][-1]["ST"]
    r = _lca(project_dir, "model", "battery_pack")
    assert r.returncode == 0 and "cell_energy" in r.stdout and "triangular" in r.stdout
    r = _lca(project_dir, "uncertainty", "background:nickel-sulfate", "--scheduler", "bogus")
    assert r.returncode == 2 and "local:N" in r.stderr


def test_supplier_product_monte_carlo_uses_dqr_lognormals(project, tmp_path):
    import math

    import bw2data as bd
    from test_supply_rollup import chain

    from lca import distributions

    assert project.import_files(chain(tmp_path, "MC1-")).ok
    d = project.uncertainty("MC1-PACK/pack", n=4000, seed=1)
    assert d.static == pytest.approx(project.profile("MC1-PACK/pack").total, rel=1e-6)
    assert d.std > 0 and d.median == pytest.approx(d.static, rel=0.05)
    project.activate()
    pcf = [a for a in bd.Database("suppliers") if a.get("declared_pcf") and a["company_id"] == "MC1-SALT"][0]
    e = list(pcf.biosphere())[0]
    # no DQR declared for PCF1: the table's DQR 3 row, GSD 1.11
    assert e["uncertainty type"] == 2 and math.exp(e["scale"]) == pytest.approx(distributions.dqr_gsd(3))


def test_compare_chart_and_uncertainty_plots_draw_chinese_labels_with_a_cjk_font(project, tmp_path):
    import warnings

    from lca.report import fonts

    cmp = project.compare([battery_pack("LFP", 60.0), battery_pack("NMC811", 60.0)], uncertainty=500, seed=1)
    cmp.labels = ["磷酸铁锂 电池包", "三元 NMC811 电池包"]  # names as a Chinese supplier writes them
    family = fonts.cjk_font()
    assert family and all(fonts.missing_glyphs(family, t) == "" for t in cmp.labels)
    sens = project.sensitivity(battery_pack("LFP", 60.0), n=64, seed=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paths = [cmp.plot(tmp_path / "c.png")]
        from lca.report import uncertainty_plots

        paths.append(uncertainty_plots.tornado(["电芯能耗", "能量密度"], [0.2, 0.5], [0.3, 0.6], "敏感性",
                                               tmp_path / "t.png"))
        paths.append(sens.plot(tmp_path / "s.png"))
    glyph = [str(w.message) for w in caught if "glyph" in str(w.message).lower() or "missing from" in str(w.message)]
    assert not glyph, glyph  # DejaVu Sans alone warns "Glyph ... missing from font(s) DejaVu Sans"
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
