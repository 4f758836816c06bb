"""Published studies replicated (issue 21): the generated tables of docs/models.md, and each study's decomposition."""
from pathlib import Path

import pytest

from lca import models, replication

DOCS = Path(__file__).resolve().parent.parent / "docs" / "models.md"


@pytest.fixture(scope="module")
def rows(project):
    return replication.replicate_all(project)


def test_the_generated_tables_of_docs_models_md_are_not_stale(project):
    text = DOCS.read_text(encoding="utf-8")
    assert "<!-- generated: replication -->" in text and "<!-- generated: vehicles -->" in text
    assert replication.render(text, project) == text, (
        "docs/models.md is stale: run `python -m lca.replication --write docs/models.md`")


def test_every_anchor_has_a_study_and_its_result_is_the_footprint_of_its_settings(project, rows):
    names = {r["name"] for r in rows}
    assert {"peiseler2024-lfp", "peiseler2024-nmc811", "xu2022-lfp-cells", "catl2024-passport-lfp", "mueller2021-pv",
            "qiao2017-bev", "qiao2017-icev", "zhang2024-sodium-ion"} <= names
    for r in rows:
        m = models.get_model(r["model"], **replication.parse_settings(r["settings"]))
        fp = project.footprint(m)
        want = fp.total if r["quantity"] == "total" else fp.extras[r["quantity"]]
        assert r["result"] == pytest.approx(want, rel=1e-5), r["name"]  # one amount rule: per reference unit
        pub = r["published"]
        inside = "low" in pub and pub["low"]["value"] <= r["result"] <= pub["high"]["value"]
        assert r["agrees"] == (inside or abs(r["result"] / pub["value"] - 1) <= 0.15)


def test_a_study_that_does_not_agree_is_decomposed_by_sourced_steps(rows):
    for r in rows:
        if r["agrees"]:
            assert r["steps"] == []
            continue
        assert r["steps"], f"{r['name']}: not within 15 % and no decomposition"
        total = r["result"]
        for s in r["steps"]:
            assert len(s["source"]) > 20
            total += s["change"]
            assert s["result"] == pytest.approx(total, rel=1e-9)
    table = replication.replication_table(rows)
    assert "Peiseler" in table and "remaining difference" in table
