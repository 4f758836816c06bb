"""Design answers (issue 21): one amount rule, rankings with their uncertainty, every lever settable."""
import contextlib
import io
import json
import types

import numpy as np
import pytest

from lca import cli
from lca.models import battery_pack, get_model, pv_module, vehicle

WRITES_PROJECT = True  # models are written into the project's ``models`` database


def _lca(project_dir, *args):
    """``lca --project DIR ARGS`` in this process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(["--project", str(project_dir), *args])
        except SystemExit as exc:  # argparse
            code = exc.code
    return types.SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


# -- 1. one amount rule ---------------------------------------------------------------------------------
def test_every_command_and_api_gives_the_same_number_for_the_same_target_and_settings(project, project_dir):
    settings = {"chemistry": "NMC811", "capacity_kwh": 75.0, "region": "CN-NM"}
    model = battery_pack(**settings)
    sets = [a for k, v in settings.items() for a in ("--set", f"{k}={v}")]
    py_fp = project.footprint(battery_pack(**settings))
    assert py_fp.amount == 1.0 and py_fp.extras["basis"] == "per kWh"
    # an independent sum: the foreground supply (plain numpy) times the background's per-unit scores
    scores = project.footprints()
    cfs = None
    indep = 0.0
    for _, inp, amount, _ in model.background_inputs():
        if inp.startswith("bio:"):
            from lca.models.base import _flow_cfs

            cfs = cfs or _flow_cfs(project, project.method("GWP100"))
            indep += amount * cfs.get(inp[4:], 0.0)
        else:
            indep += amount * float(scores[f"background:{inp}"])
    assert py_fp.total == pytest.approx(indep, rel=1e-5)
    per_kwh = py_fp.total

    numbers = {"python footprint": per_kwh}
    numbers["python compare"] = project.compare([battery_pack(**settings)]).frame["total"].iloc[0]
    numbers["python uncertainty static"] = project.uncertainty(battery_pack(**settings), n=64, seed=1).static
    numbers["python sensitivity static"] = project.sensitivity(battery_pack(**settings), n=8, seed=1).static
    r = _lca(project_dir, "footprint", "--model", "battery_pack", *sets, "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    numbers["cli footprint"] = doc["total"]
    assert doc["extras"]["basis"] == "per kWh"
    r = _lca(project_dir, "compare", "battery_pack:" + ",".join(f"{k}={v}" for k, v in settings.items()), "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    numbers["cli compare"] = doc["targets"][0]["total"]
    assert doc["targets"][0]["basis"] == "per kWh"
    for cmd in ("uncertainty", "sensitivity"):
        r = _lca(project_dir, cmd, "--model", "battery_pack", *sets, "--n", "8", "--seed", "1", "--json")
        assert r.returncode == 0, r.stderr
        doc = json.loads(r.stdout)
        numbers[f"cli {cmd} static"] = doc["static"]
        basis = doc["settings"]["basis"] if cmd == "uncertainty" else doc["basis"]
        assert basis == "per kWh"
    for k, v in numbers.items():
        assert v == pytest.approx(per_kwh, rel=1e-6), (k, v, numbers)

    # the whole pack: amount = capacity everywhere, stated "per pack (75 kWh)"
    whole = project.footprint(battery_pack(**settings), amount=75.0)
    assert whole.total == pytest.approx(75 * per_kwh, rel=1e-9) and whole.extras["basis"] == "per pack (75 kWh)"
    cmp = project.compare([battery_pack(**settings)], amounts=[75.0])
    assert cmp.frame["total"].iloc[0] == pytest.approx(whole.total, rel=1e-9)
    assert cmp.to_dict()["targets"][0]["basis"] == "per pack (75 kWh)" and "per pack (75 kWh)" in cmp.summary()
    r = _lca(project_dir, "footprint", "--model", "battery_pack", *sets, "--amount", "75")
    assert r.returncode == 0 and "per pack (75 kWh)" in r.stdout
    r = _lca(project_dir, "uncertainty", "--model", "battery_pack", *sets, "--amount", "75", "--n", "8", "--seed",
             "1", "--json")
    assert json.loads(r.stdout)["static"] == pytest.approx(whole.total, rel=1e-6)
    assert json.loads(r.stdout)["settings"]["basis"] == "per pack (75 kWh)"


def test_basis_of_every_model():
    assert pv_module().basis(1.0) == "per kWp" and pv_module().basis(3.0) == "per 3 kWp"
    assert vehicle().basis(1.0) == "per vehicle"
    assert battery_pack("LFP", 60.0).basis(30.0) == "per 30 kWh"
    from lca.models.base import basis

    assert basis("background:nickel-sulfate", 2.0, "kilogram") == "per 2 kg"
    assert basis(get_model("battery_pack"), 1.0) == "per kWh"
    assert np.isfinite(battery_pack("LFP", 60.0).params["capacity_kwh"])
