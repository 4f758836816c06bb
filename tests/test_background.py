"""The open background: complete metadata, regional variants, grid consistency."""
import tomllib

import pytest

from lca import inventory


def _all_datasets():
    root = inventory.inventories_dir() / "background"
    for path in sorted(root.glob("*.toml")):
        for ds in tomllib.loads(path.read_text(encoding="utf-8")).get("dataset", []):
            yield path.name, ds


def test_every_dataset_has_source_year_unit_geography():
    seen = 0
    for fname, ds in _all_datasets():
        seen += 1
        for key in ("code", "name", "product", "unit", "location", "year", "source"):
            assert ds.get(key) not in (None, ""), f"{fname}: {ds.get('code')} lacks {key}"
        assert isinstance(ds["year"], int) and 1990 <= ds["year"] <= 2026, ds["code"]
        for exc in ds.get("exchanges", []):
            for key in ("type", "amount", "unit", "source"):
                assert exc.get(key) not in (None, ""), f"{fname}: {ds['code']} exchange lacks {key}"
    assert seen > 50


def test_loader_accepts_the_data():
    bg = inventory.load_background()
    assert "electricity-cn" in bg.datasets and bg.datasets["electricity-cn"].get("grid")


def test_required_grids_exist():
    bg = inventory.load_background()
    provinces = "BJ TJ HE SX NM LN JL HL SH JS ZJ AH FJ JX SD HA HB HN GD GX HI CQ SC GZ YN XZ SN GS QH NX XJ".split()
    regions = ["NORTH", "NORTHEAST", "EAST", "CENTRAL", "NORTHWEST", "SOUTH", "SOUTHWEST"]
    wanted = ["CN"] + [f"CN-{p}" for p in provinces] + [f"CN-{r}" for r in regions] + \
        ["KR", "JP", "US", "DE", "PL", "HU", "FR", "SE", "EU", "GLO"]
    missing = [loc for loc in wanted if loc not in bg.grids]
    assert not missing


def test_regional_variant_differs_by_electricity_times_grid_difference(project):
    bg = inventory.load_background()
    scores = project.footprints(database=inventory.BACKGROUND_DB)
    checked = 0
    for code, ds in bg.datasets.items():
        if not ds.get("regionalize"):
            continue
        grid_inputs = [e for e in ds.get("exchanges", []) if e["type"] == "technosphere"
                       and bg.datasets[e["input"]].get("grid")]
        if not grid_inputs or ds["location"] != "CN":
            continue
        for region in ("CN-SC", "CN-NM", "DE"):
            variant = scores[f"background:{code}@{region}"]
            base = scores[f"background:{code}"]
            expected = sum(e["amount"] * (scores[f"background:{bg.grids[region]}"] - scores[f"background:{e['input']}"])
                           for e in grid_inputs)
            assert variant - base == pytest.approx(expected, rel=1e-5, abs=1e-9), (code, region)
        checked += 1
    assert checked >= 5


def test_sichuan_grid_is_cleaner_than_inner_mongolia(project):
    s = project.footprints(database="background")
    assert s["background:electricity-cn-sc"] < s["background:electricity-cn"] < s["background:electricity-cn-nm"]
    # life cycle per kWh delivered exceeds the direct CO2 factor (MEE/NBS 2022 national 0.5366 kg/kWh)
    assert 0.55 < s["background:electricity-cn"] < 1.0


def test_every_material_alias_resolves():
    import csv

    bg = inventory.load_background()
    with open(inventory.inventories_dir() / "aliases.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    for row in rows:
        assert row["code"] in bg.datasets, row
    assert inventory.resolve_material("碳酸锂").code is not None
    res = inventory.resolve_material("lithum carbonat")
    assert res.code is None and res.suggestions
