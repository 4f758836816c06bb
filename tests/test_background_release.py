"""Imported backgrounds: a synthetic ecoSpold2 release (real names, synthetic amounts) imported,
solved, and checked against an independent scipy solve; models and the example supply chain on it;
unmapped materials; the mappings against the official dataset lists of 3.9.1, 3.10 and 3.11."""
import csv
import glob
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse.linalg as spla

import ecospold_factory as factory
import shipped_lcia
import lca
from lca.models.base import ensure_written

ROOT = Path(__file__).resolve().parent.parent
MAPPINGS = ROOT / "inventories" / "mappings"
RELEASES = ["3.9.1", "3.10", "3.11"]
NAME = "ei-test"
GWP100 = ("IPCC 2021", "climate change", "global warming potential (GWP100)")
REL = 1e-6


def read_rows(release):
    with open(MAPPINGS / f"ecoinvent-{release}-cutoff.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(ln for ln in fh if not ln.startswith("#")))


def shipped_cfs(method):
    """flow code -> CF from bw2io's shipped LCIA data (read here, not through the project)."""
    m = shipped_lcia.method(method)
    out = {}
    for e in m["exchanges"]:
        out[e["input"][1]] = out.get(e["input"][1], 0.0) + float(e["amount"])
    return out


def shipped_cf_by_name(method, name, categories):
    """The CF of the 3.9 flow named ``name`` in ``categories`` in bw2io's shipped data (0 if none)."""
    m = shipped_lcia.method(method)
    return sum(float(e["amount"]) for e in m["exchanges"]
               if e["name"] == name and list(e["categories"]) == list(categories))


def release_entries(release, extra=30, seed=1):
    """The datasets a synthetic release needs: every mapped one (first listed location) + others."""
    lst = factory.official_list(release)
    by = {(e["activity_name"], e["reference_product"], e["geography"]): e for e in lst}
    entries = {}
    for r in read_rows(release):
        for loc in r["locations"].split("|"):
            e = by.get((r["activity"], r["product"], loc))
            if e:
                entries.setdefault(e["filename"], dict(e, unit=r["unit"]))
    for e in random.Random(seed).sample(lst, extra):
        entries.setdefault(e["filename"], e)
    return list(entries.values())


# -- the mapping against the official lists -------------------------------------------------------
@pytest.mark.parametrize("release", RELEASES)
def test_every_mapped_dataset_exists_in_its_release(release):
    """Each row's activity/product exists at every location it lists, in that release's official list."""
    have = {(e["activity_name"], e["reference_product"], e["geography"]) for e in factory.official_list(release)}
    rows = read_rows(release)
    assert len(rows) > 150
    missing = [(r["code"], r["activity"], r["product"], loc) for r in rows for loc in r["locations"].split("|")
               if (r["activity"], r["product"], loc) not in have]
    assert not missing, missing
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes))
    bg = lca.inventory.load_background()
    assert set(codes) <= set(bg.datasets), set(codes) - set(bg.datasets)


def test_names_that_changed_between_releases_are_mapped_per_release():
    rows = {rel: {r["code"]: r for r in read_rows(rel)} for rel in RELEASES}
    assert rows["3.9.1"]["graphite-natural"]["product"] == "graphite, battery grade"
    assert rows["3.10"]["graphite-natural"]["product"] == "graphite"  # 3.10 dropped battery grade
    assert rows["3.11"]["graphite-natural"]["product"] == "natural graphite, coated"
    assert rows["3.10"]["transport-truck"]["activity"] == "market for transport, freight, lorry >32 metric ton, EURO5"
    assert rows["3.11"]["transport-truck"]["activity"] == \
        "market for transport, freight, lorry, >32 metric ton, diesel, EURO 5"
    assert "lime-hydrated" not in rows["3.11"]  # 3.11 has no hydrated lime market: unmapped there


def test_chinese_grids_map_to_the_seven_grid_regions():
    table = {r["location"]: r["grid_region"] for r in csv.DictReader(
        ln for ln in open(MAPPINGS / "cn-grid-regions.csv", encoding="utf-8") if not ln.startswith("#"))}
    regions = {"CN-CCG", "CN-CSG", "CN-ECGC", "CN-NCGC", "CN-NECG", "CN-NWG", "CN-SWG"}
    assert set(table.values()) == regions
    bg = lca.inventory.load_background()
    cn = {loc for loc in bg.grids if loc.startswith("CN-")}
    assert cn == set(table), cn ^ set(table)  # every province and region of the open background
    for rel in RELEASES:
        rows = {r["code"]: r for r in read_rows(rel)}
        for loc, grid in table.items():
            row = rows[bg.grids[loc]]
            assert (row["activity"], row["locations"]) == ("market for electricity, medium voltage", grid)
        assert rows["electricity-cn"]["activity"] == "market group for electricity, medium voltage"


# -- the synthetic release, imported once ---------------------------------------------------------
# The release is imported once per module (~4 s with the models written on it, in the quick tier too: the
# licensee's path); the further parameters of the same checks are slow (marked where they are)

@pytest.fixture(scope="module")
def release(tmp_path_factory):
    root = tmp_path_factory.mktemp("release-3.10")
    return factory.write_release(root, release_entries("3.10"), seed=2, extra_flows=[factory.TWIN_FLOW])


@pytest.fixture(scope="module")
def proj_dir(project, tmp_path_factory):
    """A copy of the session project (this module adds databases and flows to it)."""
    project.footprints()  # settled: set up and processed
    dest = tmp_path_factory.mktemp("bg") / "project"
    shutil.copytree(project.path, dest, ignore=shutil.ignore_patterns("write.lock"))
    return dest


@pytest.fixture(scope="module")
def imported(proj_dir, release):
    proj = lca.open_project(proj_dir)
    res = proj.import_background(release.root, name=NAME)
    return proj, res


# the models the quick tests below compute on the release (and on the open background)
MODELS = [
    lambda: lca.models.battery_pack(),
    lambda: lca.models.battery_pack(chemistry="NMC811", region="CN-SC"),
    lambda: lca.models.vehicle(),
    lambda: lca.models.pv_module(),
    lambda: lca.models.battery_pack(region="CN-SC"),
]


@pytest.fixture(scope="module")
def on_release(imported, proj_dir):
    proj = lca.open_project(proj_dir, background=NAME)
    # one set-up shared by the tests: the models written in one go under one lock (written one per test,
    # each write drops every cached matrix of both projects, and the next footprint builds them again)
    with proj.lock():
        for make in MODELS:
            ensure_written(proj, make())
    return proj


@pytest.fixture(scope="module")
def independent(release):
    """Independent scores of every release dataset per unit (scipy on the factory's own numbers)."""
    A, B, uuids = release.matrices()
    out = {}
    for m in (GWP100, ("IPCC 2021", "climate change", "global warming potential (GWP20)"),
              ("EF v3.1", "climate change", "global warming potential (GWP100)")):
        cf = shipped_cfs(m)
        # the release's CO2 under a new UUID: the factor of the 3.9 flow of the same name and compartment
        u, nm, comp, sub = factory.TWIN_FLOW
        cf[u] = shipped_cf_by_name(m, nm, [comp, sub])
        assert cf[u] == 1.0  # kg CO2-Eq per kg fossil CO2, in every climate method
        c = np.array([cf.get(u, 0.0) for u in uuids])
        out[m] = spla.spsolve(A.T.tocsc(), B.T @ c)
    return out


def _code_of(d):
    from bw2io.utils import es2_activity_hash

    return es2_activity_hash(d["activity_id"], d["product_id"])


def test_import_reports_the_release(imported, release):
    proj, res = imported
    assert res.datasets == len(release.datasets) and res.release == "3.10" and res.system_model == "cutoff"
    assert {f["code"] for f in res.new_flows} <= {u for u, *_ in factory.NEW_FLOWS} | {factory.TWIN_FLOW[0]}
    twin = next(f for f in res.new_flows if f["code"] == factory.TWIN_FLOW[0])
    u, nm, comp, sub = factory.TWIN_FLOW  # its 3.9 flow, read from bw2io's own 3.9 list
    want = [r[0] for r in factory._flows_of(factory.bw2io_flows_xml().read_text(encoding="utf-8-sig"))
            if r[1:] == (nm, "kg", comp, sub)]
    assert twin["characterized_as"] == want[0] == "f9749677-9c9f-4678-ab55-c607dfdc2cb9"
    assert all(f["characterized_as"] is None for f in res.new_flows if f["code"] != factory.TWIN_FLOW[0])
    info = proj.info()
    assert NAME in info["backgrounds"] and info["backgrounds"][NAME]["datasets"] == len(release.datasets)
    assert not any(n.endswith(".importing") for n in info["databases"])


@pytest.mark.parametrize("method", ["GWP100", pytest.param("GWP20", marks=pytest.mark.slow),  # the same solve,
                                    pytest.param("EF3.1-climate", marks=pytest.mark.slow)])  # other factors
def test_every_release_footprint_equals_the_independent_solve(on_release, release, independent, method):
    m = {"GWP100": GWP100, "GWP20": GWP100[:2] + ("global warming potential (GWP20)",),
         "EF3.1-climate": ("EF v3.1", "climate change", "global warming potential (GWP100)")}[method]
    s = on_release.footprints(method=method, database=NAME)
    assert len(s) == len(release.datasets)
    want = independent[m]
    got = np.array([s[f"{NAME}:{_code_of(d)}"] for d in release.datasets])
    assert np.all(np.abs(want) > 0)
    np.testing.assert_allclose(got, want, rtol=REL, atol=0)


def _mapped_score(release, rows, code, scores):
    base = code.split("@")[0]
    r = rows[base]
    for loc in r["locations"].split("|"):
        try:
            i = release.index(r["activity"], r["product"], loc)
        except KeyError:
            continue
        return float(r["factor"]) * scores[i]
    raise AssertionError(code)


def _independent_model(project, release, model, scores, cf):
    rows = {r["code"]: r for r in read_rows("3.10")}
    codes = project.biosphere_codes()
    total = 0.0
    for _, inp, amount, _ in model.background_inputs():
        if inp.startswith("bio:"):
            total += amount * cf.get(codes[inp[4:]], 0.0)
        else:
            total += amount * _mapped_score(release, rows, inp, scores)
    return total


@pytest.mark.parametrize("make", [MODELS[0]] + [pytest.param(m, marks=pytest.mark.slow) for m in MODELS[1:4]])
def test_models_on_the_release_equal_the_independent_solve(on_release, imported, release, independent, make):
    model = make()
    fp = on_release.footprint(model)
    want = _independent_model(imported[0], release, model, independent[GWP100], shipped_cfs(GWP100))
    assert fp.total == pytest.approx(want, rel=REL)
    assert fp.background["name"] == NAME and fp.background["datasets"]
    open_fp = imported[0].footprint(make())
    assert open_fp.total != pytest.approx(fp.total, rel=1e-3)  # really another background


def test_cn_province_resolves_to_its_grid_region_and_says_so(on_release):
    fp = on_release.footprint(lca.models.battery_pack(region="CN-SC"))
    assert fp.background["cn_grid_regions"] == {"CN-SC": "CN-SWG"}
    d = fp.to_dict()
    assert d["background"]["cn_grid_regions"] == {"CN-SC": "CN-SWG"}
    used = {u["code"]: u for u in d["background"]["datasets"]}
    assert used["electricity-cn-sc"]["location"] == "CN-SWG"
    # the result says how: the grid region's market from the sourced table, not a provincial mix
    assert "cn-grid-regions.csv" in d["background"]["cn_grid_method"]
    assert "not a provincial mix" in d["background"]["cn_grid_method"]


@pytest.mark.slow  # large import: imports the example supply chain
def test_example_supply_chain_on_the_release(imported, on_release, release, independent):
    proj = imported[0]
    files = sorted(glob.glob(str(ROOT / "examples" / "*.xlsx")) + glob.glob(str(ROOT / "examples" / "*.pact.json")))
    report = proj.import_files(files)
    assert report.ok, report.errors
    import bw2data as bd

    rows = {r["code"]: r for r in read_rows("3.10")}
    cf = shipped_cfs(GWP100)
    acts = bd.Database("suppliers").load()
    keys = sorted(acts)
    idx = {k: i for i, k in enumerate(keys)}
    n = len(keys)
    A = np.eye(n)
    g = np.zeros(n)
    for k, act in acts.items():
        j = idx[k]
        for e in act["exchanges"]:
            inp = tuple(e["input"])
            if e["type"] == "production":
                A[j, j] = e["amount"]
            elif inp[0] == "suppliers":
                A[idx[inp], j] -= e["amount"]
            elif inp[0] == "background":
                g[j] += e["amount"] * _mapped_score(release, rows, inp[1], independent[GWP100])
            elif e["type"] == "biosphere":
                g[j] += e["amount"] * cf.get(inp[1], 0.0)
    s = np.linalg.solve(A.T, g)
    for product in report.products:
        fp = on_release.footprint(product)
        assert fp.total == pytest.approx(s[idx[("suppliers", product)]], rel=REL), product
    profile = on_release.profile("GD-PACK/ESS-100")
    assert np.isfinite(profile.total) and profile.total > 0
    # the reports name the background the numbers come from, not the open one
    assert profile.to_dict()["background"] == NAME
    assert NAME in profile.to_pact()["pcf"]["boundaryProcessesDescription"]
    assert "open background" not in profile.to_pact()["pcf"]["boundaryProcessesDescription"]
    assert "background" not in proj.profile("GD-PACK/ESS-100").to_dict()


@pytest.mark.slow  # large import: a second (partial) import
def test_unmapped_material_names_it_and_the_mapping_file(imported, release, proj_dir, tmp_path):
    proj = imported[0]
    mapping = tmp_path / "partial.csv"
    text = (MAPPINGS / "ecoinvent-3.10-cutoff.csv").read_text(encoding="utf-8")
    mapping.write_text("".join(ln for ln in text.splitlines(keepends=True)
                               if not ln.startswith("graphite-synthetic,")), encoding="utf-8")
    proj.import_background(release.root, name="ei-partial", mapping=mapping)
    partial = lca.open_project(proj_dir, background="ei-partial")
    with pytest.raises(lca.InputError) as exc:
        partial.footprint(lca.models.battery_pack())
    assert "graphite-synthetic" in str(exc.value) and str(mapping) in str(exc.value)
    s = partial.footprints()  # the rest still scores; what uses the material is left out, named
    assert "background:graphite-synthetic" not in s.index and "background:graphite-synthetic" in s.attrs["omitted"]
    assert "graphite-synthetic" in s.attrs["unmapped"]


def test_unknown_background_lists_the_imported_ones(imported, proj_dir):
    with pytest.raises(lca.InputError, match=NAME):
        lca.open_project(proj_dir, background="no-such-release")


@pytest.mark.slow  # large import: a second import
def test_unlinked_exchanges_are_refused_with_the_list(imported, release, tmp_path):
    proj = imported[0]
    bad = tmp_path / "bad"
    shutil.copytree(release.root, bad)
    victim = bad / "datasets" / release.datasets[0]["filename"]
    text = victim.read_text(encoding="utf-8")
    sid = release.datasets[release.tech[0][0][0]]["activity_id"]
    victim.write_text(text.replace(f'activityLinkId="{sid}"', 'activityLinkId="00000000-0000-0000-0000-000000000000"',
                                   1), encoding="utf-8")
    before = proj.info()["databases"]
    with pytest.raises(lca.InputError, match="unlinked exchange") as exc:
        proj.import_background(bad, name="ei-bad")
    assert exc.value.issues and release.datasets[0]["filename"] in str(exc.value)
    assert proj.info()["databases"] == before


@pytest.mark.slow  # large import: two more imports
def test_a_greenhouse_gas_without_a_factor_is_refused_then_mapped(imported, proj_dir, tmp_path):
    """A release flow that is a GHG by name, has a new UUID and no 3.9 flow of its name: refused with the
    list and the fix (nothing written); with a flow map to a 3.9 flow it gets that flow's factors."""
    proj = imported[0]
    u, nm, comp, sub = factory.UNKNOWN_GHG
    rel = factory.write_release(tmp_path / "ghg", factory.official_list("3.10")[:12], seed=4,
                                extra_flows=[factory.UNKNOWN_GHG])
    users = {d["filename"] for d, b in zip(rel.datasets, rel.bio) if any(f == u for f, _ in b)}
    assert users
    before = proj.info()["databases"]
    with pytest.raises(lca.InputError, match="greenhouse gas") as exc:
        proj.import_background(rel.root, name="ei-ghg")
    msg = str(exc.value)
    assert u in msg and nm in msg and "--flow-map" in msg and any(f in msg for f in users)
    assert [i.code for i in exc.value.issues] == ["uncharacterized_ghg"]
    assert proj.info()["databases"] == before and "ei-ghg" not in proj.info()["backgrounds"]

    r14 = "Methane, tetrafluoro-, R-14"  # the 3.9 flow it is declared as (a test choice, not a claim)
    code = next(r[0] for r in factory._flows_of(factory.bw2io_flows_xml().read_text(encoding="utf-8-sig"))
                if r[1:] == (r14, "kg", "air", "unspecified"))
    fmap = tmp_path / "flows.csv"
    fmap.write_text(f"# HFO-1114 of the synthetic release\nrelease_uuid,ecoinvent_uuid,note\n{u},{code},test\n",
                    encoding="utf-8")
    res = proj.import_background(rel.root, name="ei-ghg", flow_map=fmap)
    assert {f["code"]: f["characterized_as"] for f in res.new_flows}[u] == code
    A, B, uuids = rel.matrices()
    on = lca.open_project(proj_dir, background="ei-ghg")
    for m, short in ((GWP100, "GWP100"), (("EF v3.1", "climate change", "global warming potential (GWP100)"),
                                          "EF3.1-climate")):
        cf = shipped_cfs(m)
        cf[u] = shipped_cf_by_name(m, r14, ["air"])
        assert cf[u] > 1000  # R-14's GWP100 (IPCC AR6: 7380)
        want = spla.spsolve(A.T.tocsc(), B.T @ np.array([cf.get(f, 0.0) for f in uuids]))
        s = on.footprints(method=short, database="ei-ghg")
        got = np.array([s[f"ei-ghg:{_code_of(d)}"] for d in rel.datasets])
        np.testing.assert_allclose(got, want, rtol=REL, atol=0)


@pytest.mark.slow  # large import: rewrites the methods
def test_methods_rewritten_after_the_import_are_refused_not_silently_zero(imported, proj_dir):
    proj = imported[0]
    bd = proj.activate()
    method = bd.Method(GWP100)
    rows = method.load()
    twin_id = bd.get_node(database="biosphere3", code=factory.TWIN_FLOW[0]).id
    assert any(r[0] == twin_id for r in rows)  # the release's CO2 (new UUID) has its factor
    with proj.lock():
        method.write([r for r in rows if r[0] != twin_id])  # as a rewrite from bw2io's 3.9 data would
    try:
        with pytest.raises(lca.InputError, match="lost their characterization factors"):
            lca.open_project(proj_dir, background=NAME).footprint(lca.models.pv_module())
    finally:
        with proj.lock():
            proj.activate().Method(GWP100).write(rows)


@pytest.mark.slow  # large import: a second import, stopped
@pytest.mark.parametrize("stop_in", ["_swap", "finish"])
def test_an_import_stopped_before_or_after_its_commit_is_rolled_back_or_completed(imported, proj_dir, tmp_path,
                                                                                   monkeypatch, stop_in):
    """A new name is written as itself (no temporary copy): stopped before the commit that adds its new
    flows, the next open drops it (databases as before); stopped after it, the next open completes it
    (its scores equal the independent solve)."""
    from lca.background import release as bg_release

    extra = (f"9e5a7d3c-4f6b-4a8c-9d0e-2f3a4b5c6d7{len(stop_in)}", f"Synthetic flow, stop test {stop_in}", "water",
             "unspecified")  # a flow new to the project: its insert is the commit of a direct write
    rel = factory.write_release(tmp_path / "small", factory.official_list("3.10")[20:32], seed=6,
                                extra_flows=[extra])
    assert any(f == extra[0] for b in rel.bio for f, _ in b)
    before = imported[0].info()
    name = f"ei-stop-{stop_in.strip('_')}"

    def stop(*a, **k):
        raise KeyboardInterrupt  # as a kill would, between the steps (nothing after runs)

    monkeypatch.setattr(bg_release, stop_in, stop)
    with pytest.raises(KeyboardInterrupt):
        lca.open_project(proj_dir).import_background(rel.root, name=name)
    monkeypatch.undo()
    after = lca.open_project(proj_dir).info()  # the next command repairs
    assert not any(n.endswith(".importing") for n in after["databases"])
    if stop_in == "_swap":
        assert after["databases"] == before["databases"] and name not in after["backgrounds"]
        return
    assert name in after["backgrounds"]
    A, B, uuids = rel.matrices()
    cf = shipped_cfs(GWP100)
    want = spla.spsolve(A.T.tocsc(), B.T @ np.array([cf.get(f, 0.0) for f in uuids]))
    s = lca.open_project(proj_dir).footprints(database=name)
    np.testing.assert_allclose([s[f"{name}:{_code_of(d)}"] for d in rel.datasets], want, rtol=REL, atol=0)


def test_not_a_release_folder(imported, tmp_path):
    with pytest.raises(lca.InputError, match="MasterData"):
        imported[0].import_background(tmp_path, name="x")
    with pytest.raises(lca.InputError, match="taken"):
        imported[0].import_background(tmp_path, name="background")


def test_synthetic_files_are_valid_ecospold2(release):
    import pyecospold

    for d in release.datasets[:5]:
        assert pyecospold.validate_file_v2(str(release.root / "datasets" / d["filename"])) is None


@pytest.mark.slow
def test_copy_from_another_brightway_project(imported, on_release, release, tmp_path, proj_dir):
    """A database of another Brightway directory (made by bw2io there, in a subprocess) copied in."""
    base = tmp_path / "other-bw"
    base.mkdir()
    script = (
        "import bw2data as bd, bw2io as bi\n"
        "bd.projects.set_current('src')\n"
        f"b = bi.importers.Ecospold2BiosphereImporter(name='bio-src', filepath=r'{release.root}/MasterData/ElementaryExchanges.xml')\n"
        "b.apply_strategies(); b.write_database()\n"
        f"i = bi.SingleOutputEcospold2Importer(r'{release.root}/datasets', 'ei', biosphere_database_name='bio-src', use_mp=False)\n"
        "i.apply_strategies(); assert not list(i.unlinked); i.write_database()\n")
    env = dict(os.environ, BRIGHTWAY2_DIR=str(base))
    subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True)
    res = imported[0].import_background(name="ei-copy", brightway_dir=base, bw_project="src", database="ei",
                                        release="3.10")
    assert res.kind == "brightway" and res.datasets == len(release.datasets)
    copy = lca.open_project(proj_dir, background="ei-copy")
    a = on_release.footprint(lca.models.pv_module()).total
    assert copy.footprint(lca.models.pv_module()).total == pytest.approx(a, rel=REL)


# -- a killed import leaves the project as it was -------------------------------------------------
KILL_SCRIPT = """
import sys, time, lca
from bw2data.backends import schema

orig = schema.ActivityDataset.insert_many.__func__

def pause(cls, rows, *a, **k):  # inside the SQLite write of the temporary database: the marker, then wait to be killed
    rows = list(rows)
    if rows and rows[0].get("database") in ("ei-killed", "ei-killed.importing"):  # NAME itself when nothing is replaced
        open(sys.argv[3], "w").close()
        time.sleep(600)
    return orig(cls, rows, *a, **k)

schema.ActivityDataset.insert_many = classmethod(pause)
proj = lca.open_project(sys.argv[1])
proj.import_background(sys.argv[2], name="ei-killed")
"""


@pytest.mark.slow
def test_killed_import_leaves_the_project_as_it_was(imported, proj_dir, tmp_path):
    """The import is killed (SIGKILL) inside the SQLite write of its datasets, marked pending (the child pauses
    there, as the storage-fault tests' children do); the next command finds the project as it was."""
    big = factory.write_release(tmp_path / "big", factory.official_list("3.10")[:300], seed=5)  # > 100: indices dropped
    proj = imported[0]

    def snapshot():
        p = lca.open_project(proj_dir)
        info = p.info()
        s = p.footprints(database="background")
        return info["databases"], sorted(info["backgrounds"]), float(s["background:steel-sheet"])

    before = snapshot()
    state = proj_dir / "green-lca.json"
    marker = tmp_path / "paused"
    with open(tmp_path / "child.err", "w") as err:
        child = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(proj_dir), str(big.root), str(marker)],
                                 stdout=subprocess.DEVNULL, stderr=err, env=dict(os.environ))
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and child.poll() is None and not marker.exists():
        time.sleep(0.01)
    assert marker.exists(), ("the import never reached the write of its temporary database: "
                             + (tmp_path / "child.err").read_text()[-2000:])
    pending = json.loads(state.read_text()).get("pending") or []
    assert any(str(p).endswith(".importing") for p in pending)  # killed inside the marked write
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert snapshot() == before  # the next command repaired: no ei-killed, nothing else changed


@pytest.mark.slow  # large import: a second import, by the CLI
def test_cli_background_import_and_footprint(imported, proj_dir, release, capsys):
    from lca.cli import main

    assert main(["--project", str(proj_dir), "background", "import", str(release.root), "--name", "ei-cli",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["name"] == "ei-cli" and out["datasets"] == len(release.datasets)
    assert main(["--project", str(proj_dir), "footprint", "--model", "battery_pack", "--set", "region=CN-SC",
                 "--background", "ei-cli", "--json"]) == 0
    fp = json.loads(capsys.readouterr().out)
    assert fp["background"]["name"] == "ei-cli" and fp["background"]["cn_grid_regions"] == {"CN-SC": "CN-SWG"}
    want = lca.open_project(proj_dir, background=NAME).footprint(lca.models.battery_pack(region="CN-SC"))
    assert fp["total"] == pytest.approx(want.total * fp["amount"], rel=REL)  # same release, other name: same numbers
    assert main(["--project", str(proj_dir), "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert {"background", NAME, "ei-cli"} <= set(info["backgrounds"])
    assert main(["--project", str(proj_dir), "footprint", "--model", "pv_module", "--background", "nope"]) == 2


def test_monte_carlo_on_the_release_samples_the_release_not_the_open_background(on_release, release, independent):
    """With matrices and parameters held static, every Monte Carlo sample of a model on the release equals
    the footprint computed independently from the release's numbers (the open background's own exchanges
    must not leak into the sampled system)."""
    model = lca.models.battery_pack()
    want = _independent_model(on_release, release, model, independent[GWP100], shipped_cfs(GWP100))
    dist = on_release.uncertainty(model, n=8, seed=1, background=False, foreground=False)
    assert dist.static == pytest.approx(want, rel=1e-6)
    assert np.allclose(dist.samples, want, rtol=1e-6)
