"""Refusals of the core: material variants, missing data directories, exit codes, CLI errors, float32 limits."""
import math
import shutil

import numpy as np
import pandas as pd
import pytest

import lca
from lca import cli, demo, engine, inventory, paths, units
from lca.compare import default_amount
from lca.errors import InputError, IntegrityError, LcaError, LockTimeout
from lca.results import ActivityRef, Footprint


# -- resolve_material: regional variants -------------------------------------------------------------
def test_variant_keeps_the_location_case_of_the_background():
    bg = inventory.load_background()
    assert bg.datasets["nickel-sulfate-recycled"].get("regionalize")
    res = inventory.resolve_material("background:nickel-sulfate-recycled@CN-NORTH", bg)
    assert res.code == "nickel-sulfate-recycled@CN-NORTH"
    assert res.unit == bg.datasets["nickel-sulfate-recycled"]["unit"]
    # the code really is one of the datasets written to Brightway
    written = {d["code"] for d in inventory.brightway_datasets(bg, {f: "x" for f in inventory.flows()})}
    assert res.code in written
    # the region is matched ignoring case and returned as the background spells it
    assert inventory.resolve_material("background:nickel-sulfate-recycled@cn-north", bg).code == res.code
    assert inventory.resolve_material("nickel-sulfate-recycled@cn-north", bg).code == res.code


def test_variant_of_a_dataset_without_variants_is_refused_with_a_reason():
    bg = inventory.load_background()
    assert not bg.datasets["electricity-cn"].get("regionalize")
    res = inventory.resolve_material("background:electricity-cn@cn-north", bg)
    assert res.code is None and res.unit is None
    assert "electricity-cn" in res.reason and "no regional variants" in res.reason
    assert "electricity-cn-north" in res.suggestions  # the region's own grid dataset


def test_variant_of_an_unknown_region_is_refused():
    bg = inventory.load_background()
    res = inventory.resolve_material("background:nickel-sulfate-recycled@CN-NOWHERE", bg)
    assert res.code is None and "grid region" in res.reason
    assert all(s.startswith("nickel-sulfate-recycled") for s in res.suggestions)


def test_plain_names_still_resolve():
    bg = inventory.load_background()
    assert inventory.resolve_material("background:electricity-cn", bg).code == "electricity-cn"
    assert inventory.resolve_material("碳酸锂", bg).code is not None
    assert inventory.resolve_material("lithum carbonat", bg).suggestions


def test_aliases_follow_the_inventories(tmp_path, monkeypatch):
    copy = tmp_path / "inventories"
    shutil.copytree(inventory.inventories_dir(), copy)
    monkeypatch.setenv("LCA_INVENTORIES", str(copy))
    assert "zz test material" not in inventory.aliases()
    with open(copy / "aliases.csv", "a", encoding="utf-8") as fh:
        fh.write("zz test material,electricity-cn,en,\n")
    assert inventory.aliases()["zz test material"] == "electricity-cn"
    assert inventory.resolve_material("ZZ test material").code == "electricity-cn"


# -- missing directories -------------------------------------------------------------------------------
def test_missing_inventories_dir_is_an_lca_error_naming_it(tmp_path, monkeypatch):
    monkeypatch.setenv("LCA_INVENTORIES", str(tmp_path / "nope"))
    with pytest.raises(LcaError, match="LCA_INVENTORIES") as exc:
        inventory.inventories_dir()
    assert str(tmp_path / "nope") in str(exc.value)


def test_missing_examples_dir_is_an_lca_error_naming_it(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "__file__", str(tmp_path / "lca" / "paths.py"))  # the one data-directory lookup
    with pytest.raises(LcaError, match="reinstall") as exc:
        demo.examples_dir()
    assert str(tmp_path / "lca") in str(exc.value)


# -- exit codes ----------------------------------------------------------------------------------------
def test_exit_codes_of_the_error_classes():
    assert LcaError.exit_code == 2
    assert InputError.exit_code == 2
    assert LockTimeout.exit_code == 3
    assert IntegrityError.exit_code == 1


def _blocked(tmp_path, name):
    """A path that cannot be written, even by root: its parent is a regular file."""
    (tmp_path / "a-file").write_text("x")
    return tmp_path / "a-file" / name


def _no_trace(err):
    assert "Traceback" not in err and "a bug" not in err


def test_cli_unwritable_template_exit_2(tmp_path, capsys):
    out = _blocked(tmp_path, "t.xlsx")
    assert cli.main(["template", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "a-file") in err and "writable path" in err
    _no_trace(err)


def test_cli_unwritable_footprints_out_exit_2(project, project_dir, tmp_path, capsys):
    out = _blocked(tmp_path, "x.csv")
    assert cli.main(["--project", str(project_dir), "footprints", "--database", "background",
                     "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "a-file") in err and "cannot write" in err
    _no_trace(err)


def test_cli_unwritable_plot_exit_2(project, project_dir, tmp_path, capsys):
    out = _blocked(tmp_path, "x.png")
    assert cli.main(["--project", str(project_dir), "compare", "background:electricity-cn",
                     "background:electricity-cn-sc", "--plot", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "a-file") in err
    _no_trace(err)


def test_cli_bad_lock_timeout_exit_2(project, project_dir, monkeypatch, capsys):
    monkeypatch.setenv("LCA_LOCK_TIMEOUT", "abc")
    assert cli.main(["--project", str(project_dir), "info"]) == 2
    err = capsys.readouterr().err
    assert "LCA_LOCK_TIMEOUT" in err and "seconds" in err
    _no_trace(err)


def test_cli_missing_inventories_exit_2(project, project_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LCA_INVENTORIES", str(tmp_path / "gone"))
    assert cli.main(["--project", str(project_dir), "info"]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "gone") in err
    _no_trace(err)


def test_cli_target_and_model_refused(project, project_dir, capsys):
    assert cli.main(["--project", str(project_dir), "footprint", "background:electricity-cn",
                     "--model", "pv_module"]) == 2
    err = capsys.readouterr().err
    assert "give TARGET or --model, not both" in err


# -- float32 limits ------------------------------------------------------------------------------------
def test_float32_limits_are_ieee_754():
    assert units.FLOAT32_MAX == pytest.approx(float(np.finfo(np.float32).max), rel=1e-7)
    assert units.FLOAT32_TINY == pytest.approx(float(np.finfo(np.float32).tiny), rel=1e-7)


@pytest.mark.parametrize("x", [0, 0.0, 1, -2.5, 3.4e38, -3.4e38, 1.2e-38])
def test_float32_problem_accepts(x):
    assert units.float32_problem(x) is None


@pytest.mark.parametrize("x", [float("nan"), float("inf"), 1e39, -3.5e38, 1e-40, "7", None, True, 10**400])
def test_float32_problem_refuses(x):
    assert isinstance(units.float32_problem(x), str)


def test_inventory_units_are_brightway_units(tmp_path):
    # the dataset check accepts the Brightway unit names and refuses a workbook spelling, naming it
    def unit_issues(unit):
        ds = {"code": "x", "name": "x", "unit": unit, "location": "CN", "exchanges": []}
        return [i for i in inventory._check_dataset(tmp_path / "x.toml", ds, {}, {}) if i.code == "bad_unit"]

    brightway_names = ("kilogram", "kilowatt hour", "megajoule", "cubic meter", "square meter", "unit",
                       "ton kilometer")  # bw2data's spellings (ecoinvent unit names)
    for unit in brightway_names:
        assert not unit_issues(unit), unit
    for unit in ("kg", "kWh", "kilograms", None):
        (issue,) = unit_issues(unit)
        assert repr(unit) in issue.message
    # and every shipped background dataset is in one of them
    assert {ds["unit"] for ds in inventory.load_background().datasets.values()} <= set(brightway_names)


# -- tolerances and messages ---------------------------------------------------------------------------
def test_negative_supply_tolerance_is_relative():
    assert engine.check_supply(None, np.array([1e-12, -1e-20])) == [1]
    assert engine.check_supply(None, np.array([1.0, -1e-12])) == []
    assert engine.check_supply(None, np.array([1e3, -1e-3])) == [1]


def test_default_amount():
    class Model:
        datasets = ()
        default_amount = 75.0

    assert default_amount(Model()) == 75.0
    assert default_amount("background:electricity-cn") == 1.0


def test_non_finite_total_names_the_target():
    ref = ActivityRef("background:x", "x", "x", "CN", "kilogram")
    fp = Footprint(target=ref, amount=1.0, method=("m",), score_unit="kg", total=math.nan,
                   by_process=pd.DataFrame(columns=["ref", "name", "location", "score"]),
                   by_flow=pd.DataFrame(columns=["flow", "categories", "score"]))
    with pytest.raises(LcaError, match="background:x"):
        fp.to_dict()


def test_lca_units_float32_max_importable():
    import importlib

    assert lca.units is importlib.import_module("lca.units")
    # FLOAT32_MAX is float32's largest finite value: it survives float32 storage, a hair more does not
    assert np.float32(lca.units.FLOAT32_MAX) == np.finfo(np.float32).max
    with np.errstate(over="ignore"):
        assert np.isinf(np.float32(lca.units.FLOAT32_MAX * (1 + 1e-7)))
