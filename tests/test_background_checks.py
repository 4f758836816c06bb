"""Backgrounds that cannot poison the project: every refusal of lca.background.checks (nothing written, the
project still answering every footprint, checked against a plain scipy solve), list and remove.

Bad databases are written by bw2data itself in another Brightway directory (a subprocess, as a user's
project is) and copied with ``import_background(brightway_dir=...)``; the ecoSpold2 path is a synthetic
release (tests/ecospold_factory.py) with one file edited."""
import functools
import json
import os
import shutil
import subprocess
import sys
import types

import numpy as np
import pytest
import scipy.sparse.linalg as spla
import scipy.sparse as sp

import ecospold_factory as factory
import shipped_lcia
import lca

WRITES_PROJECT = True  # conftest: this module works on its own copy of the session project
CO2 = "349b29d1-3e58-4c66-98b9-9d1a076efd2e"  # Carbon dioxide, fossil, air, unspecified (ecoinvent 3.9 UUID)
CH4 = "0795345f-c7ae-410c-ad25-1845784c75f5"  # Methane, fossil, air, unspecified
GWP100 = ("IPCC 2021", "climate change", "global warming potential (GWP100)")

# the good database: a -> b (0.5), b -> c (0.2), c -> b (0.1): a loop b <-> c
GOOD = {
    "a": {"tech": {"b": 0.5}, "bio": {CO2: 1.0}},
    "b": {"tech": {"c": 0.2}, "bio": {CO2: 2.0, CH4: 0.01}},
    "c": {"tech": {"b": 0.1}, "bio": {CO2: 0.3}},
}
# each bad database: (datasets, issue code, words the message must hold)
BAD = {
    "zero-prod": ({"p": {"production": 0.0, "bio": {CO2: 1.0}}}, "bad_production", ["reference amount of 0"]),
    # a waste treatment (negative reference amount) that makes 1.5 kg of the waste it treats per kg: net +0.5
    "waste-self-eater": ({"p": {"production": -1.0, "tech": {"p": -1.5}, "bio": {CO2: 1.0}}}, "self_consumption",
                         ["technosphere input 'src p'", "amount -1.5 kilogram", "net production is 0.5",
                          "other sign than the production"]),
    "self-eater": ({"p": {"tech": {"p": 1.2}, "bio": {CO2: 1.0}}}, "self_consumption",
                   ["technosphere input 'src p'", "amount 1.2 kilogram", "net production is -0.2"]),
    "loop": ({"p": {"tech": {"q": 1.0}}, "q": {"tech": {"p": 1.0}, "bio": {CO2: 1.0}}}, "singular_block",
             ["loop of 2 datasets", "'src p'", "'src q'"]),
    "loop-neg": ({"p": {"tech": {"q": 2.0}}, "q": {"tech": {"p": 1.0}, "bio": {CO2: 1.0}}}, "singular_block",
                 ["consumes more than it produces"]),
    "nan-amount": ({"p": {"tech": {"q": float("nan")}}, "q": {"bio": {CO2: 1.0}}}, "bad_amount",
                   ["technosphere input 'src q' (bad-nan-amount:q), amount nan kilogram", "not a finite number"]),
    "nan-spread": ({"p": {"bio": {CO2: 1.0}, "spread": float("nan")}}, "bad_spread",
                   ["biosphere input 'Carbon dioxide, fossil'", "uncertainty scale nan", "not a finite number"]),
    "neg-spread": ({"p": {"bio": {CO2: 1.0}, "spread": -0.3}}, "bad_spread", ["uncertainty scale -0.3", "negative"]),
}

# a foreground that links to a background of its own (base2, as GOOD), and one that is refused
LINKED = {"base2": GOOD, "fg2": {"w": {"ext": {"base2:a": 2.0}, "bio": {CO2: 0.5}}},
          "fg2-bad": {"w": {"ext": {"base2:a": 2.0}, "production": 0.0}},
          # a dataset making 1 kg of m (price 3) and 2 kg of coprod (price 1) from 1 kg x (4 kg CO2) and 1 kg CO2
          "multi": {"m": {"tech": {"x": 1.0}, "bio": {CO2: 1.0}, "price": 3.0,
                          "coproducts": {"coprod": {"amount": 2.0, "price": 1.0}}},
                    "x": {"bio": {CO2: 4.0}}},
          # ecoinvent's waste convention (cut-off): prod makes 0.2 kg of waste (a negative input of it), treated by
          # wtreat, whose reference amount is -1 kg of the waste (0.3 kWh elec and 0.5 kg CO2 per kg treated)
          "waste": {"prod": {"tech": {"wtreat": -0.2}, "bio": {CO2: 1.0}},
                    "wtreat": {"production": -1.0, "tech": {"elec": 0.3}, "bio": {CO2: 0.5}},
                    "elec": {"bio": {CO2: 0.8}}}}

SCRIPT = r"""
import json, math, sys
import bw2data as bd
spec = json.loads(sys.argv[1])
bd.projects.set_current("src")
bd.Database("bio-src").write({("bio-src", CO2): {"name": "Carbon dioxide, fossil", "categories": ("air",),
                                                 "unit": "kilogram", "type": "emission"},
                              ("bio-src", CH4): {"name": "Methane, fossil", "categories": ("air",),
                                                 "unit": "kilogram", "type": "emission"}}, process=False)
for db, datasets in spec.items():
    data = {}
    for code, d in datasets.items():
        exc = [{"input": (db, code), "amount": d.get("production", 1.0), "type": "production"}]
        if "price" in d:
            exc[0]["properties"] = {"price": {"amount": d["price"], "unit": "EUR"}}
        for c, p in d.get("coproducts", {}).items():
            exc.append({"input": (db, c), "amount": p["amount"], "type": "production", "name": c, "unit": "kilogram",
                        "properties": {"price": {"amount": p["price"], "unit": "EUR"}}})
            data[(db, c)] = {"name": c, "unit": "kilogram", "location": "GLO", "type": "product", "exchanges": []}
        exc += [{"input": (db, c), "amount": a, "type": "technosphere"} for c, a in d.get("tech", {}).items()]
        exc += [{"input": tuple(k.split(":")), "amount": a, "type": "technosphere"}
                for k, a in d.get("ext", {}).items()]
        for f, a in d.get("bio", {}).items():
            e = {"input": ("bio-src", f), "amount": a, "type": "biosphere"}
            if "spread" in d:
                e.update({"uncertainty type": 2, "loc": math.log(a), "scale": d["spread"]})
            exc.append(e)
        data[(db, code)] = {"name": f"src {code}", "unit": "kilogram", "location": "GLO",
                            "reference product": code, "type": "process", "exchanges": exc}
    bd.Database(db).write(data, process=False)
""".replace("CO2", repr(CO2)).replace("CH4", repr(CH4))


@functools.lru_cache(maxsize=None)
def shipped_cfs(method):
    """flow code -> CF from bw2io's shipped LCIA data (read here, not through the project; read once)."""
    cfs = dict(shipped_lcia.cfs_by_code(tuple(method)))
    if tuple(method) == GWP100:
        assert cfs[CO2] == 1.0 and 27 < cfs[CH4] < 31  # IPCC AR6 GWP100 of fossil methane: 29.8
    return types.MappingProxyType(cfs)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A Brightway directory with project ``src``: the good database and every bad one (bw2data writes them,
    in a process of its own). Written once per machine and copied (tests/kept_util.py): a fresh process's
    import of bw2data alone takes ~2 s."""
    from importlib import metadata

    from kept_util import kept_dir

    spec = json.dumps({"good": GOOD} | {k: v[0] for k, v in BAD.items()} | LINKED)

    def build(d):
        subprocess.run([sys.executable, "-c", SCRIPT, spec], env=dict(os.environ, BRIGHTWAY2_DIR=str(d)),
                       check=True, capture_output=True)

    kept = kept_dir("other-brightway", [SCRIPT, spec, metadata.version("bw2data"), sys.version], build)
    base = tmp_path_factory.mktemp("other-bw") / "bw"
    shutil.copytree(kept, base, ignore=shutil.ignore_patterns(".done"))
    return base


def scipy_scores(datasets: dict) -> dict:
    """GWP100 of one unit of each dataset by a plain scipy solve of the hand-made matrices."""
    codes = list(datasets)
    n = len(codes)
    A = sp.lil_matrix((n, n))
    g = np.zeros(n)
    for j, c in enumerate(codes):
        A[j, j] += datasets[c].get("production", 1.0)
        for s, a in datasets[c].get("tech", {}).items():
            A[codes.index(s), j] -= a
        for f, a in datasets[c].get("bio", {}).items():
            g[j] += a * shipped_cfs(GWP100)[f]
    y = spla.spsolve(sp.csc_matrix(A).T, g)
    return dict(zip(codes, y))


@pytest.fixture(scope="module")
def with_good(project, source):
    res = project.import_background(name="good", brightway_dir=source, bw_project="src", database="good")
    assert res.datasets == 3
    return project


def snapshot(project):
    info = project.info()
    return info["databases"], sorted(info["backgrounds"])


@pytest.mark.parametrize("db", list(BAD))
def test_each_refusal_names_dataset_and_exchange_and_writes_nothing(with_good, source, db):
    project = with_good
    before = snapshot(project)
    _, code, words = BAD[db]
    with pytest.raises(lca.InputError) as exc:
        project.import_background(name=f"bad-{db}", brightway_dir=source, bw_project="src", database=db)
    msg = str(exc.value)
    assert code in {i.code for i in exc.value.issues}, msg
    assert "nothing was written" in msg and "'src p'" in msg  # the dataset, by name
    for w in words:
        assert w in msg, (w, msg)
    assert snapshot(project) == before  # nothing stored
    # the project still answers every footprint; the good background's equal a plain scipy solve
    scores = project.footprints()
    assert np.all(np.isfinite(scores.values)) and len(scores) > 100
    want = scipy_scores(GOOD)
    for c in GOOD:
        assert scores[f"good:{c}"] == pytest.approx(want[c], rel=1e-6)
    bg = project.footprints(database="background")
    assert bg["background:electricity-cn"] > 0.5


def test_the_good_database_equals_the_scipy_solve(with_good):
    want = scipy_scores(GOOD)
    got = with_good.footprints(database="good")
    assert {k.split(":")[1]: v for k, v in got.items()} == pytest.approx(want, rel=1e-6)
    assert with_good.footprint("good:a").total == pytest.approx(want["a"], rel=1e-6)


def test_release_with_a_self_consuming_dataset_is_refused(with_good, tmp_path):
    """The ecoSpold2 path runs the same checks: a dataset that buys 1.5 of its own product per unit."""
    rel = factory.write_release(tmp_path / "rel", factory.official_list("3.10")[:8], seed=3)
    d = rel.datasets[2]
    path = rel.root / "datasets" / d["filename"]
    text = path.read_text(encoding="utf-8")
    own = (f'      <intermediateExchange id="5d1c0c44-1111-4222-8333-944455556666" unitId="x" '
           f'intermediateExchangeId="{d["product_id"]}" activityLinkId="{d["activity_id"]}" amount="1.5">\n'
           f'        <name xml:lang="en">{d["product"]}</name>\n        <unitName xml:lang="en">kg</unitName>\n'
           '        <inputGroup>5</inputGroup>\n      </intermediateExchange>\n')
    path.write_text(text.replace("    </flowData>", own + "    </flowData>", 1), encoding="utf-8")
    before = snapshot(with_good)
    with pytest.raises(lca.InputError) as exc:
        with_good.import_background(rel.root, name="ei-self")
    msg = str(exc.value)
    assert "self_consumption" in msg and d["filename"] in msg and d["activity"] in msg and "amount 1.5" in msg
    assert snapshot(with_good) == before


def test_list_and_remove(with_good, source):
    project = with_good
    names = list(project.info()["backgrounds"])
    assert names[0] == "background" and "good" in names
    good = project.info()["backgrounds"]["good"]
    assert good["datasets"] == 3 and good["kind"] == "brightway"
    # a foreground that links to it: removal refused, naming the activity
    project.write_database("fg-on-good", [{
        "database": "fg-on-good", "code": "widget", "name": "widget on good", "unit": "kilogram",
        "location": "CN", "type": "process", "exchanges": [
            {"input": ("fg-on-good", "widget"), "amount": 1.0, "type": "production"},
            {"input": ("good", "a"), "amount": 2.0, "type": "technosphere"}]}])
    assert project.footprint("fg-on-good:widget").total == pytest.approx(2 * scipy_scores(GOOD)["a"], rel=1e-6)
    with pytest.raises(lca.InputError, match=r"fg-on-good:widget \(widget on good\)"):
        project.remove_background("good")
    assert "good" in project.info()["backgrounds"]
    with pytest.raises(lca.InputError, match="cannot be removed"):
        project.remove_background("background")
    with pytest.raises(lca.InputError, match="not imported"):
        project.remove_background("nope")
    project.delete_database("fg-on-good")
    res = project.remove_background("good")
    assert res == {"name": "good", "datasets": 3}
    info = project.info()
    assert "good" not in info["backgrounds"] and "good" not in info["databases"]
    assert np.all(np.isfinite(project.footprints().values))
    # and it can be imported again
    project.import_background(name="good", brightway_dir=source, bw_project="src", database="good")
    assert project.footprints(database="good")["good:a"] == pytest.approx(scipy_scores(GOOD)["a"], rel=1e-6)


def test_cli_list_and_remove(with_good, source, capsys):
    from lca.cli import main

    p = str(with_good.path)
    with_good.import_background(name="good-cli", brightway_dir=source, bw_project="src", database="good")
    assert main(["--project", p, "background", "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["good-cli"]["datasets"] == 3 and rows["background"]["kind"] == "open"
    assert main(["--project", p, "background", "remove", "good-cli"]) == 0
    assert "removed background good-cli (3 datasets)" in capsys.readouterr().out
    assert main(["--project", p, "background", "remove", "good-cli"]) == 2
    assert "not imported" in capsys.readouterr().err


# -- release import: degenerate and unreadable datasets, unknown versions (lca.background.readable) -------------
def small_release(tmp_path, edit=None, index=1):
    """A synthetic 3.10 release of 8 datasets; ``edit(text) -> text`` applied to dataset ``index``'s file."""
    rel = factory.write_release(tmp_path / "rel", factory.official_list("3.10")[:8], seed=3)
    d = rel.datasets[index]
    if edit:
        p = rel.root / "datasets" / d["filename"]
        p.write_text(edit(p.read_text(encoding="utf-8")), encoding="utf-8")
    return rel, d


@pytest.mark.parametrize("edit, words", [
    (lambda t: t.replace('amount="1" productionVolumeAmount', 'amount="0" productionVolumeAmount', 1),
     ["reference amount of 0", "amount 0.0"]),
    pytest.param(  # slow: a second release written and read (the same refusal path as the first)
        lambda t: t[:t.index("      <intermediateExchange")]  # the reference product's exchange left out
        + t[t.index("</intermediateExchange>\n") + len("</intermediateExchange>\n"):],
        ["has no reference product"], marks=pytest.mark.slow),
])
def test_a_degenerate_release_dataset_is_an_input_error_naming_the_file(with_good, tmp_path, capsys, edit, words):
    rel, d = small_release(tmp_path, edit)
    before = snapshot(with_good)
    with pytest.raises(lca.InputError) as exc:
        with_good.import_background(rel.root, name="ei-degenerate")
    msg = str(exc.value)
    assert d["filename"] in msg and d["activity"] in msg and "nothing was written" in msg, msg
    for w in words:
        assert w in msg, msg
    assert snapshot(with_good) == before
    from lca.cli import main  # the command line: exit 2, the message, no traceback

    assert main(["--project", str(with_good.path), "background", "import", str(rel.root), "--name", "x"]) == 2
    err = capsys.readouterr().err
    assert d["filename"] in err and "Traceback" not in err


def test_a_strategy_failure_names_the_files_that_cause_it(tmp_path):
    from lca.background import readable

    class Importer:  # as bw2io's: apply_strategies over self.data; a KeyError on one bad dataset
        strategies = []

        def __init__(self, data):
            self.data = data

        def apply_strategies(self, verbose=False):
            for ds in self.data:
                ds["code"] = ds["flow"]

    imp = Importer([{"name": "ok", "flow": "f1", "filename": "a.spold"},
                    {"name": "broken", "location": "GLO", "filename": "b.spold"}])
    with pytest.raises(lca.InputError) as exc:
        readable.apply_strategies(imp, tmp_path)
    assert [i.file for i in exc.value.issues] == ["b.spold"] and "KeyError" in str(exc.value)


def test_a_release_without_version_asks_for_release(with_good, tmp_path):
    def strip(t):
        return t.replace('majorRelease="3" minorRelease="10"', "")

    rel = factory.write_release(tmp_path / "nov", factory.official_list("3.10")[:8], seed=3)
    for d in rel.datasets:
        p = rel.root / "datasets" / d["filename"]
        p.write_text(strip(p.read_text(encoding="utf-8")), encoding="utf-8")
    before = snapshot(with_good)
    with pytest.raises(lca.InputError, match=r"could not be read.*--release X\.Y.*3\.10"):
        with_good.import_background(rel.root, name="ei-nov")
    assert snapshot(with_good) == before
    with pytest.raises(lca.InputError, match=r"release 3\.12 .*no material mapping"):
        with_good.import_background(rel.root, name="ei-nov", release="3.12")
    res = with_good.import_background(rel.root, name="ei-nov", release="3.10")
    assert res.release == "3.10" and with_good.info()["backgrounds"]["ei-nov"]["release"] == "3.10"
    with_good.remove_background("ei-nov")


def test_a_model_on_a_background_without_release_names_the_mapping_it_needs(with_good, source):
    with_good.import_background(name="good-norel", brightway_dir=source, bw_project="src", database="good")
    on = lca.open_project(with_good.path, background="good-norel")
    with pytest.raises(lca.InputError) as exc:
        on.footprint(lca.models.pv_module())
    msg = str(exc.value)
    assert "ecoinvent-<release>-cutoff.csv" in msg and "--release X.Y" in msg and "--mapping" in msg
    assert "None" not in msg.replace("unknown (not recorded)", "")
    with_good.remove_background("good-norel")


def test_a_database_imported_with_the_databases_it_links_to(with_good, source):
    project = with_good
    with pytest.raises(lca.InputError, match="--with-linked"):
        project.import_background(name="fg2", brightway_dir=source, bw_project="src", database="fg2")
    before = snapshot(project)
    with pytest.raises(lca.InputError, match="reference amount of 0"):
        project.import_background(name="fg2-bad", brightway_dir=source, bw_project="src", database="fg2-bad",
                                  with_linked=True)
    assert snapshot(project) == before  # base2, copied first, was removed again
    res = project.import_background(name="fg2", brightway_dir=source, bw_project="src", database="fg2",
                                    with_linked=True)
    assert res.linked == ["base2"] and res.datasets == 1
    want = scipy_scores(GOOD)
    assert project.footprint("fg2:w").total == pytest.approx(2 * want["a"] + 0.5, rel=1e-6)
    assert project.footprints(database="base2")["base2:b"] == pytest.approx(want["b"], rel=1e-6)
    with pytest.raises(lca.InputError, match=r"fg2:w"):
        project.remove_background("base2")  # fg2 links to it
    project.remove_background("fg2")
    project.remove_background("base2")
    assert snapshot(project) == before


@pytest.mark.parametrize("rule, m, coprod", [("economic", 0.6 * 4 + 0.6, (0.4 * 4 + 0.4) / 2),
                                             ("mass", (4 + 1) / 3, (2 / 3 * 5) / 2)])
def test_multi_output_datasets_are_allocated_by_a_stated_rule_or_refused(with_good, source, rule, m, coprod):
    project = with_good
    before = snapshot(project)
    with pytest.raises(lca.InputError, match="--allocate economic") as exc:
        project.import_background(name="multi", brightway_dir=source, bw_project="src", database="multi")
    assert "'src m'" in str(exc.value) and "coprod" in str(exc.value)
    assert snapshot(project) == before
    project.import_background(name="multi", brightway_dir=source, bw_project="src", database="multi", allocate=rule)
    s = project.footprints(database="multi")
    # by hand: shares economic 3/(3+2), 2/(3+2); mass 1/(1+2), 2/(1+2) of x and the CO2
    assert s["multi:m"] == pytest.approx(m, rel=1e-6) and s["multi:coprod"] == pytest.approx(coprod, rel=1e-6)
    project.remove_background("multi")


# -- ecoinvent's waste treatment: a negative reference amount is solvable, not refused --------------------------
def test_a_waste_treatment_with_a_negative_reference_amount_imports_and_equals_scipy_and_bw2calc(with_good, source):
    project = with_good
    project.import_background(name="waste", brightway_dir=source, bw_project="src", database="waste")
    want = scipy_scores(LINKED["waste"])
    # by hand: elec 0.8; one unit of wtreat's reference product is -1 kg treated: -(0.5 + 0.3 * 0.8) = -0.74;
    # prod: 1 + 0.2 kg treated * 0.74 = 1.148
    assert want == pytest.approx({"prod": 1.148, "wtreat": -0.74, "elec": 0.8}, rel=1e-9)
    got = project.footprints(database="waste")
    assert {k.split(":")[1]: v for k, v in got.items()} == pytest.approx(want, rel=1e-6)
    import bw2calc as bc

    bd = project.activate()
    for code in want:
        fp = project.footprint(f"waste:{code}")
        assert fp.total == pytest.approx(want[code], rel=1e-6), code
        node = bd.get_node(database="waste", code=code)
        lca_ = bc.LCA({node.id: 1.0}, method=GWP100)
        lca_.lci()
        lca_.lcia()
        assert lca_.score == pytest.approx(want[code], rel=1e-6), code
        if code == "wtreat":  # the sign says so in the result
            assert fp.notes and "waste treatment" in fp.notes[0] and "sign reversed" in fp.notes[0]
        else:
            assert not fp.notes
    x = project.footprint("waste:prod", amount=10)
    assert x.total == pytest.approx(11.48, rel=1e-6)
    project.remove_background("waste")


def test_release_with_a_waste_treatment_imports(with_good, tmp_path, capsys):
    """ecoSpold2: dataset w's reference amount is -1 (a waste treatment) and each consumer's input of it is
    negated (a waste they give off), as in ecoinvent's cut-off releases; through `lca background import`."""
    rel = factory.write_release(tmp_path / "rel", factory.official_list("3.10")[:8], seed=3)
    users = {j: a for j, tech in enumerate(rel.tech) for i, a in tech if i == 4}
    assert users, "dataset 4 has consumers"
    w = rel.datasets[4]
    p = rel.root / "datasets" / w["filename"]
    text = p.read_text(encoding="utf-8")
    assert 'amount="1" productionVolumeAmount' in text
    p.write_text(text.replace('amount="1" productionVolumeAmount', 'amount="-1" productionVolumeAmount', 1),
                 encoding="utf-8")
    for j in users:
        q = rel.root / "datasets" / rel.datasets[j]["filename"]
        text = q.read_text(encoding="utf-8")
        key = f'activityLinkId="{w["activity_id"]}" amount="'
        at = text.index(key) + len(key)
        end = text.index('"', at)
        q.write_text(text[:at] + "-" + text[at:end] + text[end:], encoding="utf-8")
    from lca.cli import main

    p_ = str(with_good.path)
    assert main(["--project", p_, "background", "import", str(rel.root), "--name", "ei-waste"]) == 0, \
        capsys.readouterr().err
    capsys.readouterr()
    A, B, uuids = rel.matrices()
    A = A.tolil()
    A[4, 4] = -1.0
    for j, a in users.items():
        A[4, j] = a  # a negative input of the waste: +a in the matrix
    cf = dict(shipped_cfs(GWP100))
    cf[factory.TWIN_FLOW[0]] = 1.0  # the release's CO2 under a new UUID, characterized as the 3.9 flow
    want = spla.spsolve(sp.csc_matrix(A).T, B.T @ np.array([cf.get(u, 0.0) for u in uuids]))
    assert want[4] < 0  # per unit of the waste "made": the treatment's footprint with the sign reversed
    from bw2io.utils import es2_activity_hash

    on = lca.open_project(with_good.path, background="ei-waste")
    s = on.footprints(database="ei-waste")
    got = np.array([s[f"ei-waste:{es2_activity_hash(d['activity_id'], d['product_id'])}"] for d in rel.datasets])
    np.testing.assert_allclose(got, want, rtol=1e-5)
    with_good.remove_background("ei-waste")
