"""Exports a verifier can re-run: the background, suppliers and models databases as openLCA JSON-LD (read back with
olca-schema) and as bw2io Excel (read back with bw2io's ExcelImporter), giving the same exchanges; and the
openLCA zip solved on its own (a plain scipy solve of what olca-schema reads) gives the project's footprints."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import lca
from lca.supply.fill import write_workbook

WRITES_PROJECT = True
ROOT = Path(__file__).resolve().parent.parent
REL = 1e-6


@pytest.fixture(scope="module")
def filled(project, tmp_path_factory):
    """A supplier product (background materials, electricity, an emission) and a model, written to the project."""
    from datetime import date

    wb = {"Supplier": {"company_name": "Export Co", "company_id": "EXPCO", "country": "CN",
                       "reporting_period_start": date(2024, 1, 1), "reporting_period_end": date(2024, 12, 31)},
          "Products": [{"product_id": "cell", "product_name": "cell", "declared_unit": "kg", "declared_amount": 1,
                        "production_region": "CN-SC"}],
          "Materials": [{"product_id": "cell", "line_id": 1, "material": "sodium-hydroxide", "amount": 0.3,
                         "unit": "kg", "source": "background"}],
          "Energy": [{"product_id": "cell", "carrier": "electricity", "amount": 5, "unit": "kWh"}],
          "Emissions": [{"product_id": "cell", "gas": "CH4", "amount": 0.002, "unit": "kg"}]}
    assert project.import_files([write_workbook(tmp_path_factory.mktemp("exp") / "exp.xlsx", wb)]).ok
    project.footprint(lca.models.pv_module())  # writes the model into the models database
    return project


def brightway_exchanges(project, database: str) -> set:
    """{(activity code, input database, input code, type, amount)} of a database, read through bw2data."""
    bd = project.activate()
    out = set()
    for key, d in bd.Database(database).load().items():
        for e in d["exchanges"]:
            out.add((key[1], e["input"][0], e["input"][1], e["type"], round(float(e["amount"]), 9)))
    return out


class OlcaZip:
    """An openLCA JSON-LD zip read entity by entity with olca-schema's own ``from_json``, as its ``zipio.ZipReader``
    reads it, but listing the zip's names once (``ZipReader.read`` lists all of them at every read: 14 s of
    reading the background's export, profiled)."""

    FOLDERS = {"Process": "processes", "Flow": "flows", "UnitGroup": "unit_groups"}

    def __init__(self, path):
        import zipfile

        self.zip = zipfile.ZipFile(path)
        self.names = set(self.zip.namelist())
        self.read_before: dict = {}  # an entity is parsed once (an exchange's flow is checked at every use)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.zip.close()

    def read(self, cls, uid: str):
        name = f"{self.FOLDERS[cls.__name__]}/{uid}.json"
        if name not in self.read_before:
            self.read_before[name] = cls.from_json(self.zip.read(name)) if name in self.names else None
        return self.read_before[name]


def olca_round_trip(filled, database: str, res: dict, path) -> tuple[set, set]:
    """(exchanges olca-schema reads back from the zip at ``path``, mapped to Brightway keys by the export's ids;
    the database's exchanges read through bw2data); ``res``: what the export returned."""
    import olca_schema as o

    from lca.exports import olca

    bd = filled.activate()
    want = brightway_exchanges(filled, database)
    # what olca-schema reads back, mapped to Brightway keys by the export's ids
    keys = {}
    for db in res["databases"] + ["biosphere3"]:
        for key in bd.Database(db).load():
            keys[olca.flow_id(key)] = key
    got = set()
    with OlcaZip(path) as z:
        for key in bd.Database(database).load():
            p = z.read(o.Process, olca.process_id(key))
            assert p is not None and p.process_type == o.ProcessType.UNIT_PROCESS
            for e in p.exchanges:
                inp = keys[e.flow.id]
                assert z.read(o.Flow, e.flow.id) is not None and z.read(o.UnitGroup, e.unit.id) is None  # a unit ref
                if inp[0] == "biosphere3":
                    kind = "biosphere"
                elif e.is_quantitative_reference or not e.is_input:
                    kind = "production"
                else:
                    kind = "technosphere"
                    assert e.default_provider.id == olca.process_id(inp)
                got.add((key[1], inp[0], inp[1], kind, round(float(e.amount), 9)))
    return got, want


# slow: each of these exports carries the background (3,600 processes); the quick tier runs the same round
# trip on a small self-contained database (test_olca_zip_of_a_small_database_...)
@pytest.mark.parametrize("database", [pytest.param("background", marks=pytest.mark.slow),
                                      pytest.param("suppliers", marks=pytest.mark.slow),
                                      pytest.param("models", marks=pytest.mark.slow)])
def test_olca_jsonld_round_trip_gives_the_same_exchanges(filled, tmp_path, database):
    res = filled.export(database, "olca-jsonld", tmp_path / f"{database}.zip")
    assert res["processes"] > 0 and database in res["databases"]
    got, want = olca_round_trip(filled, database, res, tmp_path / f"{database}.zip")
    assert got == want


def test_olca_export_carries_each_distribution_openlca_holds(filled, tmp_path):
    """One exchange per Brightway distribution, written by hand; the exported olca uncertainty by hand: a lognormal
    (negative median -0.2, sigma 0.4) -> geomMean -0.2, geomSd e^0.4; normal, uniform and triangular as written (a
    substitution negated and its bounds swapped); a beta (type 10) has no openLCA form and is counted, not guessed."""
    import math

    import olca_schema as o
    from olca_schema import zipio

    from lca.exports import olca

    db = "uncx"
    co2 = filled.biosphere_codes()["CO2 fossil"]
    exc = [{"input": (db, "main"), "amount": 1.0, "type": "production"},
           {"input": (db, "a"), "amount": -0.2, "type": "technosphere", "uncertainty type": 2,
            "loc": math.log(0.2), "scale": 0.4, "negative": True},
           {"input": (db, "b"), "amount": 2.0, "type": "technosphere", "uncertainty type": 3, "loc": 2.0, "scale": 0.3},
           {"input": (db, "c"), "amount": 1.5, "type": "substitution", "uncertainty type": 5, "loc": 1.5,
            "minimum": 1.0, "maximum": 3.0},
           {"input": ("biosphere3", co2), "amount": 4.0, "type": "biosphere", "uncertainty type": 4,
            "minimum": 3.0, "maximum": 5.0},
           {"input": ("biosphere3", co2), "amount": 0.5, "type": "biosphere", "uncertainty type": 10,
            "loc": 2.0, "scale": 0.5, "shape": 3.0, "minimum": 0.0, "maximum": 1.0},
           {"input": (db, "d"), "amount": 0.7, "type": "technosphere"}]
    acts = [{"database": db, "code": "main", "name": "main", "unit": "kilogram", "location": "CN",
             "reference product": "main", "type": "process", "exchanges": exc}]
    acts += [{"database": db, "code": c, "name": c, "unit": "kilogram", "location": "CN", "reference product": c,
              "type": "process", "exchanges": [{"input": (db, c), "amount": 1.0, "type": "production"}]}
             for c in "abcd"]
    filled.write_database(db, acts)
    try:
        res = filled.export(db, "olca-jsonld", tmp_path / "u.zip")
        assert res["uncertainty"] == {"exported": 4, "not_representable": 1}
        with zipio.ZipReader(tmp_path / "u.zip") as z:
            p = z.read_process(olca.process_id((db, "main")))
        by = {(e.flow.id, round(e.amount, 9)): e.uncertainty for e in p.exchanges}
        U = o.UncertaintyType
        ln = by[(olca.flow_id((db, "a")), -0.2)]
        assert ln.distribution_type == U.LOG_NORMAL_DISTRIBUTION
        assert ln.geom_mean == pytest.approx(-0.2) and ln.geom_sd == pytest.approx(math.exp(0.4))
        n = by[(olca.flow_id((db, "b")), 2.0)]
        assert (n.distribution_type, n.mean, n.sd) == (U.NORMAL_DISTRIBUTION, 2.0, 0.3)
        t = by[(olca.flow_id((db, "c")), -1.5)]  # a substitution: an input of -1.5
        assert (t.distribution_type, t.minimum, t.mode, t.maximum) == (U.TRIANGLE_DISTRIBUTION, -3.0, -1.5, -1.0)
        u = by[(olca.flow_id(("biosphere3", co2)), 4.0)]
        assert (u.distribution_type, u.minimum, u.maximum) == (U.UNIFORM_DISTRIBUTION, 3.0, 5.0)
        assert by[(olca.flow_id(("biosphere3", co2)), 0.5)] is None  # the beta: static amount only
        assert by[(olca.flow_id((db, "d")), 0.7)] is None
    finally:
        filled.delete_database(db)


def solve_olca_zip(project, path) -> dict[str, float]:
    """Process id -> GWP100 per unit of its reference product: a scipy solve of what olca-schema reads from the
    zip at ``path`` (characterized with the project's own method rows: the CFs are not what is tested here)."""
    import zipfile

    import olca_schema as o

    procs, flows = {}, {}
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("processes/"):
                p = o.Process.from_json(zf.read(name))
                procs[p.id] = p
            elif name.startswith("flows/"):
                f = o.Flow.from_json(zf.read(name))
                flows[f.id] = f
    ids = sorted(procs)
    col = {pid: j for j, pid in enumerate(ids)}
    bio_ids = sorted({e.flow.id for p in procs.values() for e in p.exchanges
                      if flows[e.flow.id].flow_type == o.FlowType.ELEMENTARY_FLOW})
    row = {f: i for i, f in enumerate(bio_ids)}
    a, b = ([], [], []), ([], [], [])  # (rows, columns, values); duplicates are summed by the sparse matrix
    for pid, p in procs.items():
        for e in p.exchanges:
            if flows[e.flow.id].flow_type == o.FlowType.ELEMENTARY_FLOW:
                entry = b, row[e.flow.id], (-1 if e.is_input else 1) * e.amount
            elif e.is_quantitative_reference:
                entry = a, col[pid], e.amount
            else:
                entry = a, col[e.default_provider.id], -e.amount
            (rows, cols, vals), i, v = entry
            rows.append(i)
            cols.append(col[pid])
            vals.append(v)
    A = sp.coo_matrix((a[2], (a[0], a[1])), shape=(len(ids), len(ids)))
    B = sp.coo_matrix((b[2], (b[0], b[1])), shape=(len(bio_ids), len(ids)))
    bd = project.activate()
    cf = {bd.get_node(id=i).get("code") if isinstance(i, int) else i[1]: v
          for i, v in bd.Method(("IPCC 2021", "climate change", "global warming potential (GWP100)")).load()}
    c = np.array([cf.get(f, 0.0) for f in bio_ids])
    scores = spla.spsolve(sp.csc_matrix(A).T, B.T.tocsc() @ c)
    return {pid: float(scores[col[pid]]) for pid in ids}


def test_olca_zip_of_a_small_database_solved_on_its_own_gives_the_project_footprints(filled, tmp_path):
    """A database that links to no other (production, a loop, a substitution, emissions): its zip holds it alone,
    and a scipy solve of what olca-schema reads gives the project's footprint of every dataset."""
    from lca.exports import olca

    db = "smallx"
    codes = filled.biosphere_codes()
    co2, ch4 = codes["CO2 fossil"], codes["CH4 fossil"]

    def act(code, exchanges):
        return {"database": db, "code": code, "name": code, "unit": "kilogram", "location": "CN",
                "reference product": code, "type": "process",
                "exchanges": [{"input": (db, code), "amount": 1.0, "type": "production"}] + exchanges}

    filled.write_database(db, [
        act("main", [{"input": (db, "a"), "amount": 2.0, "type": "technosphere"},
                     {"input": (db, "b"), "amount": 0.5, "type": "substitution"},
                     {"input": ("biosphere3", co2), "amount": 1.5, "type": "biosphere"}]),
        act("a", [{"input": (db, "b"), "amount": 0.25, "type": "technosphere"},
                  {"input": ("biosphere3", ch4), "amount": 0.01, "type": "biosphere"}]),
        act("b", [{"input": (db, "a"), "amount": 0.1, "type": "technosphere"},  # a loop a <-> b
                  {"input": ("biosphere3", co2), "amount": 3.0, "type": "biosphere"}])])
    try:
        res = filled.export(db, "olca-jsonld", tmp_path / "small.zip")
        assert res["databases"] == [db] and res["processes"] == 3
        back, exchanges = olca_round_trip(filled, db, res, tmp_path / "small.zip")  # exchange by exchange
        # openLCA has no substitution: it is an input of the opposite amount (lca/exports/olca.py)
        as_olca = {(c, d, i, "technosphere", -a) if t == "substitution" else (c, d, i, t, a)
                   for c, d, i, t, a in exchanges}
        assert back == as_olca and len(as_olca) == 10
        got = solve_olca_zip(filled, tmp_path / "small.zip")
        want = filled.footprints(database=db)
        assert len(got) == 3
        for code in ("main", "a", "b"):
            assert got[olca.process_id((db, code))] == pytest.approx(want[f"{db}:{code}"], rel=REL)
    finally:
        filled.delete_database(db)


@pytest.mark.slow  # the suppliers zip carries the whole background (3,600 processes read with olca-schema)
def test_olca_zip_solved_on_its_own_gives_the_project_footprint(filled, tmp_path):
    """The suppliers zip (with the background it links to) solved by scipy from olca-schema's reading."""
    from lca.exports import olca

    res = filled.export("suppliers", "olca-jsonld", tmp_path / "s.zip")
    scores = solve_olca_zip(filled, tmp_path / "s.zip")
    key = ("suppliers", "EXPCO/cell")
    want = filled.footprints(database="suppliers")["suppliers:EXPCO/cell"]
    assert scores[olca.process_id(key)] == pytest.approx(want, rel=REL)
    assert set(res["databases"]) == {"suppliers", "background"}


# slow: the background (85,597 rows), and suppliers (the same writer and reader as models, on another database)
@pytest.mark.parametrize("database", [pytest.param("background", marks=pytest.mark.slow),
                                      pytest.param("suppliers", marks=pytest.mark.slow), "models"])
def test_bw_excel_round_trip_gives_the_same_exchanges(filled, tmp_path, database):
    from bw2io import ExcelImporter

    res = filled.export(database, "bw-excel", tmp_path / f"{database}.xlsx")
    assert Path(res["path"]).is_file()
    bd = filled.activate()
    names = {}
    for db in (database, "background", "biosphere3", "suppliers", "models"):
        if db in bd.databases:
            for key, d in bd.Database(db).load().items():
                names[key] = (d.get("name"), d.get("location") if db != "biosphere3" else None)
    want = {(c, names[(db, code)][0], t, a) for c, db, code, t, a in brightway_exchanges(filled, database)}
    imp = ExcelImporter(str(tmp_path / f"{database}.xlsx"))
    got = set()
    for act in imp.data:
        for e in act["exchanges"]:
            got.add((act["code"], e["name"], e["type"], round(float(e["amount"]), 9)))
    assert got == want


@pytest.mark.slow  # the whole background exported once more (the refusals below are quick)
def test_cli_export(filled, tmp_path, capsys):
    from lca.cli import main

    p = str(filled.path)
    assert main(["--project", p, "export", "background", "--format", "olca-jsonld", str(tmp_path / "b.zip"),
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["databases"] == ["background"] and Path(out["path"]).is_file()


def test_cli_export_refusals(filled, tmp_path, capsys):
    from lca.cli import main

    p = str(filled.path)
    # and one export that works, of a database that links to nothing else (the background's is slow above)
    small = [{"database": "clix", "code": "c", "name": "c", "unit": "kilogram", "location": "CN", "type": "process",
              "exchanges": [{"input": ("clix", "c"), "amount": 1.0, "type": "production"}]}]
    filled.write_database("clix", small)
    try:
        assert main(["--project", p, "export", "clix", "--format", "olca-jsonld", str(tmp_path / "c.zip"),
                     "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["databases"] == ["clix"] and Path(out["path"]).is_file() and out["processes"] == 1
    finally:
        filled.delete_database("clix")
    assert main(["--project", p, "export", "nope", "--format", "bw-excel", str(tmp_path / "x.xlsx")]) == 2
    assert "unknown database 'nope'" in capsys.readouterr().err
    assert main(["--project", p, "export", "background", "--format", "bw-excel", str(tmp_path / "x.zip")]) == 2
    assert ".xlsx" in capsys.readouterr().err
