"""Submission history (issue 24): a re-submission archived with its original file, its diff, the diff's effect
on the totals checked by hand, withdraw and restore losing nothing."""
from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest

from lca import cli
from lca.supply import history, store
from lca.supply.fill import write_workbook

WRITES_PROJECT = True
PERIOD = {"reporting_period_start": date(2024, 1, 1), "reporting_period_end": date(2024, 12, 31)}


def seller(kwh: float, extra: bool = False) -> dict:
    """T24H-SEL makes 1 kg of cast part P: 0.8 kg aluminium, ``kwh`` kWh of Jiangsu grid electricity."""
    data = {
        "Supplier": {"company_name": "History seller", "company_id": "T24H-SEL", "country": "CN", **PERIOD},
        "Products": [{"product_id": "P", "product_name": "cast part", "declared_unit": "kg",
                      "production_region": "CN-JS"}],
        "Materials": [{"product_id": "P", "line_id": 1, "material": "background:aluminium-cast", "amount": 0.8,
                       "unit": "kg", "source": "background"}],
        "Energy": [{"product_id": "P", "carrier": "electricity", "amount": kwh, "unit": "kWh"}],
    }
    if extra:
        data["Materials"].append({"product_id": "P", "line_id": 2, "material": "background:steel-sheet",
                                  "amount": 0.25, "unit": "kg", "source": "background"})
    return data


BUYER = {
    "Supplier": {"company_name": "History buyer", "company_id": "T24H-BUY", "country": "CN", **PERIOD},
    "Products": [{"product_id": "Q", "product_name": "housing", "declared_unit": "piece", "declared_amount": 10,
                  "mass_kg": 31, "production_region": "CN-JS"}],
    "Materials": [{"product_id": "Q", "line_id": 1, "material": "cast part", "amount": 30, "unit": "kg",
                   "source": "supplier_product", "reference": "T24H-SEL/P"}],
    "Energy": [{"product_id": "Q", "carrier": "electricity", "amount": 5, "unit": "kWh"}],
}


@pytest.fixture(scope="module")
def chain(project, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hist")
    v1 = write_workbook(tmp / "seller-2024.xlsx", seller(2.0))
    buyer = write_workbook(tmp / "buyer.xlsx", BUYER)
    assert project.import_files([v1, buyer], by="alice").ok
    before = {r: project.profile(r).total for r in ("T24H-SEL/P", "T24H-BUY/Q")}
    v2 = write_workbook(tmp / "seller-2024-rev.xlsx", seller(3.5, extra=True))
    rep = project.import_files([v2], by="bob")
    assert rep.ok, rep.summary()
    after = {r: project.profile(r).total for r in ("T24H-SEL/P", "T24H-BUY/Q")}
    return {"v1": v1, "v2": v2, "before": before, "after": after, "tmp": tmp}


def test_history_lists_both_versions_with_hash_who_and_when(project, chain):
    h = history.history(project, "T24H-SEL")
    assert [e["version"] for e in h] == [1, 2]
    assert [e["file"] for e in h] == ["seller-2024.xlsx", "seller-2024-rev.xlsx"]
    assert [e["by"] for e in h] == ["alice", "bob"]
    assert [e["active"] for e in h] == [False, True]
    assert {e["period"] for e in h} == {"2024-01-01..2024-12-31"}
    for e, path in zip(h, (chain["v1"], chain["v2"])):
        assert e["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert history.original(project, "T24H-SEL", e["version"]).read_bytes() == path.read_bytes()
        assert e["imported"].endswith("+00:00")
    assert history.record(project, "T24H-SEL", 1)["energy"][0]["amount"] == 2.0


def test_diff_lines_and_effect_checked_by_hand(project, chain):
    d = history.diff(project, "T24H-SEL")
    assert (d["old"], d["new"]) == (1, 2)
    assert [(a["sheet"], a["key"]) for a in d["added"]] == [("materials", "P/2")]
    assert d["removed"] == []
    (ch,) = d["changed"]
    assert ch["sheet"] == "energy" and ch["fields"]["amount"] == [2.0, 3.5]
    bg = project.footprints(database="background")
    grid, steel = float(bg["background:electricity-cn-js"]), float(bg["background:steel-sheet"])
    by_hand_p = 1.5 * grid + 0.25 * steel          # per 1 kg of P: 1.5 kWh more, 0.25 kg steel added
    by_hand_q = 30 * by_hand_p                     # Q (10 pieces) uses 30 kg of P
    assert d["effect"]["T24H-SEL/P"] == pytest.approx(by_hand_p, rel=1e-6)
    assert d["effect"]["T24H-BUY/Q"] == pytest.approx(by_hand_q, rel=1e-6)
    # and it is what the profiles (the real Brightway solve) changed by
    for ref in ("T24H-SEL/P", "T24H-BUY/Q"):
        assert d["effect"][ref] == pytest.approx(chain["after"][ref] - chain["before"][ref], rel=1e-5)
    assert set(d["effect"]) == {"T24H-SEL/P", "T24H-BUY/Q"}


def test_cli_history_and_diff_json(project, chain, capsys):
    assert cli.main(["--project", str(project.path), "suppliers", "history", "T24H-SEL", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [{k: e[k] for k in ("version", "period", "file")} for e in out["history"]] == [
        {"version": 1, "period": "2024-01-01..2024-12-31", "file": "seller-2024.xlsx"},
        {"version": 2, "period": "2024-01-01..2024-12-31", "file": "seller-2024-rev.xlsx"}]
    assert all(len(e["sha256"]) == 64 and e["imported"] for e in out["history"])
    assert cli.main(["--project", str(project.path), "suppliers", "diff", "T24H-SEL", "1", "2", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["effect"]["T24H-BUY/Q"] > 0 and d["changed"][0]["fields"]["amount"] == [2.0, 3.5]
    assert cli.main(["--project", str(project.path), "suppliers", "--json"]) == 0  # plain form kept
    assert "suppliers" in json.loads(capsys.readouterr().out)


def test_withdraw_and_restore_lose_nothing(project, chain):
    store.withdraw(project, "T24H-SEL", by="carol")
    assert "T24H-SEL" not in store.load_all(project)
    h = history.history(project, "T24H-SEL")
    assert [e["active"] for e in h] == [False, False] and len(h) == 2  # the archive keeps both
    history.restore(project, "T24H-SEL", 1, by="carol")
    assert store.load_all(project)["T24H-SEL"]["archive_version"] == 1
    assert project.profile("T24H-BUY/Q").total == pytest.approx(chain["before"]["T24H-BUY/Q"], rel=1e-9)
    history.restore(project, "T24H-SEL", 2)
    assert project.profile("T24H-BUY/Q").total == pytest.approx(chain["after"]["T24H-BUY/Q"], rel=1e-9)
    assert [e["version"] for e in history.history(project, "T24H-SEL")] == [1, 2]  # no new version
    events = [json.loads(x) for x in (history.archive_dir(project) / "T24H-SEL" / "log.jsonl").read_text().splitlines()]
    assert [(e["event"], e["version"]) for e in events] == [
        ("imported", 1), ("imported", 2), ("withdrawn", 2), ("restored", 1), ("restored", 2)]
    assert events[2]["by"] == "carol"


def test_unknown_version_is_refused_naming_the_versions(project, chain):
    import lca

    with pytest.raises(lca.InputError, match=r"no archived version 9 \(versions: 1, 2\)"):
        history.restore(project, "T24H-SEL", 9)
