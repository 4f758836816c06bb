"""Uncertainty data: one basis per parameter family, a sourced distribution on every parameter, GSD tables."""
import math
import tomllib

import pytest

from lca import distributions, inventory

FILES = ("battery", "pv", "vehicle")
MEMBER_TABLE = {"battery": "chemistry", "pv": "technology", "vehicle": "size"}


def _doc(name):
    return tomllib.loads((inventory.inventories_dir() / "parameters" / f"{name}.toml").read_text(encoding="utf-8"))


def _entries(o, path=""):
    if isinstance(o, dict):
        if "value" in o and isinstance(o["value"], (int, float)) and not isinstance(o["value"], bool):
            yield path, o
        for k, v in o.items():
            if k not in ("dist", "rows"):
                yield from _entries(v, f"{path}.{k}" if path else k)


@pytest.mark.parametrize("name", FILES)
def test_every_numeric_parameter_has_a_sourced_distribution_containing_its_value(name):
    entries = list(_entries(_doc(name)))
    assert len(entries) > 15
    for path, e in entries:
        distributions.check_dist(path, float(e["value"]), e.get("dist"), f"{name}.toml")


def _members(doc, table):
    """(member name, its table) for chemistries / technologies / sizes and their sub-tables."""
    for k, v in doc[table].items():
        yield k, v
        for k2, v2 in v.items():
            if isinstance(v2, dict) and all(isinstance(x, dict) for x in v2.values()) and k2 in ("BEV", "PHEV", "ICEV"):
                yield f"{k}.{k2}", v2


@pytest.mark.parametrize("name", FILES)
def test_one_basis_per_parameter_family_or_a_stated_exception(name):
    doc = _doc(name)
    families = doc["harmonization"]
    assert families
    checked = 0
    for fam, spec in families.items():
        for member, table in _members(doc, MEMBER_TABLE[name]):
            for param in spec["parameters"]:
                e = table.get(param)
                if not isinstance(e, dict):
                    continue
                checked += 1
                if e.get("basis") != spec["basis"]:
                    assert e.get("harmonization_exception"), (
                        f"{name}.toml: {member}.{param} has basis {e.get('basis')!r}, not the family "
                        f"{fam!r} basis {spec['basis']!r}, and states no harmonization_exception")
    assert checked >= 3


def test_the_cell_energy_family_is_one_basis_for_lfp_and_nmc811():
    chem = _doc("battery")["chemistry"]
    for c in ("LFP", "NMC811", "NMC622", "NCA"):
        assert chem[c]["cell_energy"]["basis"] == "degen2023-per-kg"
        assert chem[c]["cell_heat_share"]["basis"] == "degen-schuette2022"
        assert "harmonization_exception" not in chem[c]["cell_energy"]


def test_dqr_table_follows_from_the_pedigree_variances():
    t = distributions.table()
    v = t["pedigree"]["variance"]
    for dqr, gsd in zip(range(1, 6), t["dqr"]["gsd"]):
        var = (t["pedigree"]["basic_variance"]["technosphere"] + v["reliability"][1] + v["completeness"][1]
               + v["technological"][dqr - 1] + v["geographical"][dqr - 1] + v["temporal"][dqr - 1])
        assert gsd == pytest.approx(math.exp(math.sqrt(var)), abs=0.006)
    assert distributions.dqr_gsd([3, 3, 3]) == pytest.approx(1.11)
    assert distributions.dqr_gsd(2.5) == pytest.approx((1.05 + 1.11) / 2)
    f = distributions.dqr_uncertainty(2.0, (3, 3, 3))
    assert f["uncertainty type"] == 2 and f["loc"] == pytest.approx(math.log(2.0))


def test_background_exchanges_carry_pedigree_lognormals():
    bg = inventory.load_background()
    data = inventory.brightway_datasets(bg, {a: "x" for a in inventory.flows()})
    exc = [e for d in data for e in d["exchanges"] if e["type"] != "production"]
    with_u = [e for e in exc if e.get("uncertainty type") == 2]
    assert len(with_u) == len([e for e in exc if e["amount"] != 0])
    e = with_u[0]
    assert e["loc"] == pytest.approx(math.log(abs(e["amount"])))


# The ecoinvent v3 pedigree matrix (Weidema et al. 2013, ecoinvent report 1(v3), Table 10.5) as 95 %
# uncertainty factors U, typed from openLCA's "ecoinvent data quality system" (GreenDelta/olca-modules,
# olca-core/src/main/java/org/openlca/util/DQSystems.java, eiUncertainties()); variance of ln = (ln U / 2)^2.
ECOINVENT_V3_FACTORS = {
    "reliability": (1.0, 1.05, 1.1, 1.2, 1.5),
    "completeness": (1.0, 1.02, 1.05, 1.1, 1.2),
    "temporal": (1.0, 1.03, 1.1, 1.2, 1.5),
    "geographical": (1.0, 1.01, 1.02, 1.05, 1.1),
    "technological": (1.0, 1.05, 1.2, 1.5, 2.0),
}
# Basic factors (ecoinvent v2 basic uncertainty factors, kept by Weidema 2013 for these kinds)
BASIC_FACTORS = {"technosphere": 1.05, "transport": 2.0, "CO2 fossil": 1.05, "CO2 non-fossil": 1.05, "other": 1.5}


def test_pedigree_variances_are_the_ecoinvent_v3_factors():
    t = distributions.table()["pedigree"]
    for key, factors in ECOINVENT_V3_FACTORS.items():
        for score, (u, var) in enumerate(zip(factors, t["variance"][key]), start=1):
            exact = (math.log(u) / 2) ** 2
            # the guideline rounds to one or two significant figures (0.00227 -> 0.002): 15 %
            assert var == pytest.approx(exact, rel=0.15, abs=1e-9), f"{key} score {score}"
    for kind, u in BASIC_FACTORS.items():
        assert t["basic_variance"][kind] == pytest.approx((math.log(u) / 2) ** 2, rel=0.15), kind
    # a whole pedigree: (2, 3, 2, 3, 2) on a technosphere input; sigma^2 = sum of (ln U / 2)^2, exact factors
    scores = (2, 3, 2, 3, 2)
    keys = ("reliability", "completeness", "temporal", "geographical", "technological")
    exact = math.sqrt((math.log(1.05) / 2) ** 2 + sum((math.log(ECOINVENT_V3_FACTORS[k][s - 1]) / 2) ** 2
                                                      for k, s in zip(keys, scores)))
    assert distributions.pedigree_sigma(list(scores)) == pytest.approx(exact, rel=0.03)


def test_cell_energy_distributions_are_on_the_basis_of_the_value():
    # Degen et al. 2023: LFP 37.5 kWh/kWh, lowest current LIB cell 20.3 (NMC900); studies cited there up to 55
    lfp_value, lowest, upper = 37.5, 20.3, 55.0
    chem = _doc("battery")["chemistry"]
    assert (chem["LFP"]["cell_energy"]["dist"]["min"], chem["LFP"]["cell_energy"]["dist"]["max"]) == (lowest, upper)
    for c, value in (("NMC811", 22.5), ("NCA", 22.5), ("NMC622", 26.25)):
        e = chem[c]["cell_energy"]
        assert e["value"] == value and e["dist"]["type"] == "triangular"
        assert e["dist"]["min"] == lowest
        assert e["dist"]["max"] == pytest.approx(value * upper / lfp_value, abs=0.05)  # per kg, like the value
    # NMC811: triangular(20.3, mode 22.5, 33.0); median by hand: F(mode) = 2.2 / 12.7 < 1/2, so
    # median = b - sqrt((b - a)(b - c) / 2) = 33 - sqrt(12.7 x 10.5 / 2) = 24.83
    import numpy as np

    d = chem["NMC811"]["cell_energy"]["dist"]
    x = distributions.ppf(d, 22.5, (np.arange(20001) + 0.5) / 20001)
    assert float(np.median(x)) == pytest.approx(33.0 - math.sqrt(12.7 * 10.5 / 2), abs=0.01)
    assert float(np.mean(x < 22.5)) == pytest.approx(2.2 / 12.7, abs=1e-3)  # the value is the 17th percentile
