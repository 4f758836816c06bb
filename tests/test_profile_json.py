"""`lca profile --json` carries the footprint keys too, consistent with the roll-up."""
import json

import pytest

from lca import cli
from lca.demo import examples_dir

WRITES_PROJECT = True  # conftest: this module works on its own copy of the session project


def test_profile_json_has_footprint_keys_consistent_with_rollup(project, project_dir, capsys):
    files = sorted(examples_dir().glob("*.xlsx")) + sorted(examples_dir().glob("*.json"))
    report = project.import_files(files)
    assert report.ok, report.summary()
    capsys.readouterr()
    rc = cli.main(["--project", str(project_dir), "profile", "GD-PACK/ESS-100", "--json"])  # in-process
    out = capsys.readouterr()
    assert rc == 0, out.err
    doc = json.loads(out.out)
    total = doc["total"]
    # the by-process list (direct emissions of every process in the chain, from the solver's
    # supply vector) and the roll-up's sparse array are two computations of the same total
    assert sum(p["score"] for p in doc["by_process"]) == pytest.approx(total, rel=1e-4)
    assert sum(f["score"] for f in doc["by_flow"]) == pytest.approx(total, rel=1e-9)
    for dim in ("tier", "supplier", "material", "stage", "gas", "region"):
        assert sum(doc[f"by_{dim}"].values()) == pytest.approx(total, rel=1e-9), dim
    fp = project.footprint("GD-PACK/ESS-100", amount=doc["declared_amount"])
    assert fp.total == pytest.approx(total, rel=1e-6)
    # one JSON shape of a target: the footprint's keys, and whose product it is
    assert list(doc["target"]) == list(fp.to_dict()["target"]) + ["company"]
    assert doc["target"]["ref"] == "GD-PACK/ESS-100" and doc["target"]["company"]
