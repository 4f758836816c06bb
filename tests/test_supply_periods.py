"""Reporting periods (issue 24): two years of a chain side by side, the change between them by hand,
a submission that does not cover the product's period and a stale one flagged, withdrawing one period."""
from __future__ import annotations

import json
from datetime import date

import pytest

from lca import cli
from lca.supply import history, periods, store
from lca.supply.fill import write_workbook

WRITES_PROJECT = True


def period(year):
    return {"reporting_period_start": date(year, 1, 1), "reporting_period_end": date(year, 12, 31)}


def seller(year, kwh, cid="T24P-SEL"):
    return {
        "Supplier": {"company_name": "Period seller", "company_id": cid, "country": "CN", **period(year)},
        "Products": [{"product_id": "P", "product_name": "cast part", "declared_unit": "kg",
                      "production_region": "CN-JS"}],
        "Materials": [{"product_id": "P", "line_id": 1, "material": "background:aluminium-cast", "amount": 0.8,
                       "unit": "kg", "source": "background"}],
        "Energy": [{"product_id": "P", "carrier": "electricity", "amount": kwh, "unit": "kWh"}],
    }


def buyer(year, kwh, ref="T24P-SEL/P", cid="T24P-BUY"):
    return {
        "Supplier": {"company_name": "Period buyer", "company_id": cid, "country": "CN", **period(year)},
        "Products": [{"product_id": "Q", "product_name": "housing", "declared_unit": "piece", "declared_amount": 10,
                      "mass_kg": 31, "production_region": "CN-JS"}],
        "Materials": [{"product_id": "Q", "line_id": 1, "material": "cast part", "amount": 30, "unit": "kg",
                       "source": "supplier_product", "reference": ref}],
        "Energy": [{"product_id": "Q", "carrier": "electricity", "amount": kwh, "unit": "kWh"}],
    }


@pytest.fixture(scope="module")
def two_years(project, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("periods")
    # the 2025 workbooks first, then 2024's: an earlier year never replaces a later one
    assert project.import_files([write_workbook(tmp / "s25.xlsx", seller(2025, 1.0)),
                                 write_workbook(tmp / "b25.xlsx", buyer(2025, 4.0))]).ok
    rep = project.import_files([write_workbook(tmp / "s24.xlsx", seller(2024, 2.0)),
                                write_workbook(tmp / "b24.xlsx", buyer(2024, 6.0))])
    assert rep.ok, rep.summary()
    assert sorted(rep.products) == ["T24P-BUY/Q@2024", "T24P-SEL/P@2024"]
    bg = project.footprints(database="background")
    return {"tmp": tmp, "grid": float(bg["background:electricity-cn-js"]), "alu": float(bg["background:aluminium-cast"])}


def by_hand(f, seller_kwh, buyer_kwh):
    p = 0.8 * f["alu"] + seller_kwh * f["grid"]     # per kg of P
    return p, 30 * p + buyer_kwh * f["grid"]         # Q per 10 pieces


def test_both_years_kept_and_each_profile_is_its_own_period(project, two_years):
    assert periods.periods_of(store.load_all(project), store.load_older(project), "T24P-SEL") == [2024, 2025]
    p25, q25 = by_hand(two_years, 1.0, 4.0)
    p24, q24 = by_hand(two_years, 2.0, 6.0)
    latest = project.profile("T24P-BUY/Q")
    assert latest.total == pytest.approx(q25, rel=1e-6)
    assert project.profile("T24P-BUY/Q", period=2025).total == pytest.approx(q25, rel=1e-6)
    old = project.profile("T24P-BUY/Q", period=2024)
    assert old.total == pytest.approx(q24, rel=1e-6) and old.reference_period == ("2024-01-01", "2024-12-31")
    assert project.profile("T24P-SEL/P", period=2024).total == pytest.approx(p24, rel=1e-6)
    assert not [w for w in latest.warnings + old.warnings if w.startswith("period_mismatch")]
    with pytest.raises(Exception, match=r"no submission for the reporting period 2023 \(stored: 2024, 2025\)"):
        project.profile("T24P-BUY/Q", period=2023)


def test_against_gives_the_change_by_supplier_material_and_stage(project, two_years, capsys):
    p25, q25 = by_hand(two_years, 1.0, 4.0)
    p24, q24 = by_hand(two_years, 2.0, 6.0)
    code = cli.main(["--project", str(project.path), "profile", "T24P-BUY/Q", "--period", "2025", "--against",
                     "2024", "--json"])
    assert code == 0
    d = json.loads(capsys.readouterr().out)["against"]
    assert d["period"] == "2025-01-01..2025-12-31" and d["against"] == "2024-01-01..2024-12-31"
    assert d["total"]["change"] == pytest.approx(q25 - q24, rel=1e-6)
    for dim in ("by_supplier", "by_material", "by_stage"):
        assert sum(v["change"] for v in d[dim].values()) == pytest.approx(q25 - q24, rel=1e-6)
    # the seller's part changed by 30 kg x (its change per kg); the buyer's own by 2 kWh of grid
    assert d["by_supplier"]["Period seller"]["change"] == pytest.approx(30 * (p25 - p24), rel=1e-6)
    assert d["by_supplier"]["Period buyer"]["change"] == pytest.approx(-2 * two_years["grid"], rel=1e-6)


def test_a_submission_not_covering_the_period_and_a_stale_one_are_flagged(project, two_years):
    tmp = two_years["tmp"]
    assert project.import_files([write_workbook(tmp / "old.xlsx", seller(2021, 1.5, cid="T24P-OLD")),
                                 write_workbook(tmp / "new.xlsx", buyer(2025, 4.0, ref="T24P-OLD/P",
                                                                        cid="T24P-NEW"))]).ok
    warnings = project.profile("T24P-NEW/Q").warnings
    (mismatch,) = [w for w in warnings if w.startswith("period_mismatch")]
    assert "2021-01-01..2021-12-31" in mismatch and "2025-01-01..2025-12-31" in mismatch and "T24P-OLD/P" in mismatch
    (stale,) = [w for w in warnings if w.startswith("stale_submission")]
    assert "T24P-OLD/P" in stale and "730" in stale     # ended 2021-12-31, today is later than 2023-12-31


def test_withdrawing_one_period_keeps_the_other(project, two_years):
    store.withdraw(project, "T24P-SEL", period=2025)     # the latest goes: 2024 becomes the latest
    latest = store.load_all(project)["T24P-SEL"]
    assert periods.year_of(latest) == 2024 and "T24P-SEL" not in store.load_older(project)
    _, q = by_hand(two_years, 2.0, 4.0)                 # the 2025 buyer now uses the 2024 seller, flagged
    prof = project.profile("T24P-BUY/Q")
    assert prof.total == pytest.approx(q, rel=1e-6)
    assert any(w.startswith("period_mismatch") and "T24P-SEL/P" in w for w in prof.warnings)
    h = history.history(project, "T24P-SEL")
    assert [e["period"][:4] for e in h] == ["2025", "2024"] and [e["active"] for e in h] == [False, True]
    history.restore(project, "T24P-SEL", 1)              # the 2025 version back: the latest again
    assert periods.year_of(store.load_all(project)["T24P-SEL"]) == 2025
    assert sorted(store.load_older(project)["T24P-SEL"]) == [2024]
    assert project.profile("T24P-BUY/Q").total == pytest.approx(by_hand(two_years, 1.0, 4.0)[1], rel=1e-6)
