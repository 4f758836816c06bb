"""`lca publish` on the example supply chain and the models, served by a real `lca serve` process.

A published supply-chain footprint is `lca profile --pact` of the same product (the one
PACT writer); a model's figures per declared unit are its footprint divided by hand;
republishing deprecates the earlier version; the server answers while another process
holds the project's write lock (it never opens the Brightway data).
"""
from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest

from lca import cli, models
from lca.demo import examples_dir
from lca.server import clients, store
from lca.supply.demo import example_files
from server_util import Server

WRITES_PROJECT = True  # conftest: this module works on its own copy of the session project

PRODUCT = "GD-PACK/ESS-100"


@pytest.fixture(scope="module")
def chain(project):
    report = project.import_files(example_files(examples_dir()))
    assert report.ok, report.summary()
    return project


def run_cli(capsys, *args) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def published(chain, tmp_path_factory):
    """The example product published via the CLI, and `lca profile --pact` of it."""
    tmp = tmp_path_factory.mktemp("pub")
    p = str(chain.path)
    assert cli.main(["--project", p, "profile", PRODUCT, "--pact", str(tmp / "p.json")]) == 0
    assert cli.main(["--project", p, "publish", PRODUCT, "--json"]) == 0
    rec = store.published(chain.path)
    return {"profile_pact": json.loads((tmp / "p.json").read_text()), "records": rec}


def test_published_footprint_equals_profile_pact(published):
    want = published["profile_pact"]
    recs = [r for r in published["records"] if r["footprint"]["id"] == want["id"]]
    assert len(recs) == 1 and recs[0]["source"] == {"product": PRODUCT} and recs[0]["access"] is None
    got = recs[0]["footprint"]
    assert {k: v for k, v in got.items() if k != "created"} == {k: v for k, v in want.items() if k != "created"}
    assert got["created"].endswith("Z") and got["status"] == "Active" and "precedingPfIds" not in got
    assert not store.check_footprint(got)


def test_republishing_unchanged_stores_nothing_new(chain, published, capsys):
    before = len(store.published(chain.path))
    code, out, _ = run_cli(capsys, "--project", str(chain.path), "publish", PRODUCT, "--json")
    res = json.loads(out)
    assert code == 0 and res["unchanged"] and res["id"] == published["profile_pact"]["id"]
    assert len(store.published(chain.path)) == before


def test_model_publication_figures_per_declared_unit(chain, capsys):
    code, out, err = run_cli(capsys, "--project", str(chain.path), "publish", "--model", "battery_pack",
                             "--set", "capacity_kwh=75", "--period", "2025-01-01:2025-12-31", "--json")
    assert code == 0, err
    res = json.loads(out)
    doc = next(r["footprint"] for r in store.published(chain.path) if r["footprint"]["id"] == res["id"])
    m = models.get_model("battery_pack", capacity_kwh=75)
    fp = chain.footprint(m, amount=75)
    pcf = doc["pcf"]
    assert pcf["declaredUnitOfMeasurement"] == "kilowatt hour" and pcf["declaredUnitAmount"] == "75"
    assert float(Decimal(pcf["pcfExcludingBiogenicUptake"])) == pytest.approx(fp.total / 75, rel=1e-8)
    assert float(Decimal(pcf["productMassPerDeclaredUnit"])) == pytest.approx(m.pack_mass_kg / 75, rel=1e-8)
    assert pcf["referencePeriodStart"] == "2025-01-01T00:00:00Z" and pcf["geographyCountry"] == "CN"
    assert not store.check_footprint(doc)
    # the same model for another period: a new version of the same product, the earlier one deprecated
    code, out, err = run_cli(capsys, "--project", str(chain.path), "publish", "--model", "battery_pack",
                             "--set", "capacity_kwh=75", "--period", "2026-01-01:2026-12-31", "--json")
    assert code == 0, err
    res2 = json.loads(out)
    assert res2["precedingPfIds"] == [res["id"]] and res2["deprecated"] == [res["id"]]
    by_id = {r["footprint"]["id"]: r["footprint"] for r in store.published(chain.path)}
    assert by_id[res["id"]]["status"] == "Deprecated" and by_id[res2["id"]]["status"] == "Active"
    assert by_id[res2["id"]]["productIds"] == by_id[res["id"]]["productIds"]


@pytest.mark.parametrize("per, mass", [("piece", "27.5"), ("m2", "11.6")])
def test_pv_module_published_per_piece_or_per_m2(chain, capsys, per, mass):
    code, out, err = run_cli(capsys, "--project", str(chain.path), "publish", "--model", "pv_module",
                             "--per", per, "--mass-kg", mass, "--period", "2025-01-01:2025-12-31", "--json")
    assert code == 0, err
    res = json.loads(out)
    doc = next(r["footprint"] for r in store.published(chain.path) if r["footprint"]["id"] == res["id"])
    m = models.get_model("pv_module")
    per_kwp = chain.footprint(m, amount=1.0).total  # [kg CO2e per kWp], then converted by hand
    want = per_kwp * 550 / 1000 if per == "piece" else per_kwp * 0.22  # 550 W module; 1 m2 = 0.22 kWp at 22 %
    pcf = doc["pcf"]
    assert pcf["declaredUnitOfMeasurement"] == {"piece": "piece", "m2": "square meter"}[per]
    assert pcf["declaredUnitAmount"] == "1" and pcf["productMassPerDeclaredUnit"] == mass
    assert float(Decimal(pcf["pcfExcludingBiogenicUptake"])) == pytest.approx(want, rel=1e-6)
    if per == "piece":
        assert "550 W module (0.55 kWp), 27.5 kg" in doc["productDescription"]
    assert doc["productIds"][0].endswith(f":per-{per}") and not store.check_footprint(doc)


def test_publish_refusals_exit_2(chain, capsys):
    p = str(chain.path)
    code, _, err = run_cli(capsys, "--project", p, "publish", "--model", "pv_module")
    assert code == 2 and "kilowatt peak" in err and "--per piece" in err  # PACT v3 has no kWp unit
    code, _, err = run_cli(capsys, "--project", p, "publish", "--model", "pv_module", "--per", "piece")
    assert code == 2 and "--mass-kg" in err
    code, _, err = run_cli(capsys, "--project", p, "publish", "--model", "vehicle")
    assert code == 2 and "--mass-kg" in err  # PACT needs a mass the model does not report
    code, out, err = run_cli(capsys, "--project", p, "publish", "--model", "vehicle", "--mass-kg", "1800",
                             "--json")
    assert code == 0, err
    doc = next(r["footprint"] for r in store.published(chain.path) if r["footprint"]["id"] == json.loads(out)["id"])
    assert doc["pcf"]["declaredUnitOfMeasurement"] == "piece" and doc["pcf"]["productMassPerDeclaredUnit"] == "1800"
    code, _, err = run_cli(capsys, "--project", p, "publish", PRODUCT, "--client", "nobody")
    assert code == 2 and "no such API client" in err
    code, _, err = run_cli(capsys, "--project", p, "publish", PRODUCT, "--set", "x=1")
    assert code == 2
    code, _, err = run_cli(capsys, "--project", p, "publish")
    assert code == 2


def add_client(capsys, project_dir, name: str) -> dict:
    """``lca clients add NAME``: its credentials, listed by ``lca clients list`` without the secret."""
    code, out, err = run_cli(capsys, "--project", str(project_dir), "clients", "add", name, "--json")
    assert code == 0, err
    cred = json.loads(out)
    assert set(cred) == {"name", "client_id", "client_secret"}
    code, out, _ = run_cli(capsys, "--project", str(project_dir), "clients", "list", "--json")
    assert [c["name"] for c in json.loads(out)["clients"]] == [name] and cred["client_secret"] not in out
    return cred


def assert_served(srv, cred: dict, want: dict) -> None:
    """``want`` (a published PACT footprint) is what the server answers by id and by product id."""
    token = srv.token(cred["client_id"], cred["client_secret"])
    with srv.client() as c:
        r = c.get(f"/3/footprints/{want['id']}", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200
        assert {k: v for k, v in r.json()["data"].items() if k != "created"} == \
               {k: v for k, v in want.items() if k != "created"}
        r = c.get("/3/footprints?productId=urn:pact:product:customcode:buyer-assigned:GD-PACK:ESS-100",
                  headers={"Authorization": f"Bearer {token}"})
        assert [d["id"] for d in r.json()["data"]] == [want["id"]]


def test_published_footprint_is_served_by_the_api(chain, published, capsys):
    """The quick tier's part of the test below: the same app, in this process, no lock holder."""
    from inprocess_util import InProcessServer

    cred = add_client(capsys, chain.path, "buyer-in")
    srv = InProcessServer(chain.path)
    try:
        assert_served(srv, cred, published["profile_pact"])
    finally:
        srv.stop()
    clients.remove(chain.path, "buyer-in")


@pytest.mark.slow  # multi-process: a server process and a process holding the project's write lock
def test_served_while_another_process_holds_the_write_lock(chain, published, capsys):
    cred = add_client(capsys, chain.path, "buyer-co")
    srv = Server(chain.path)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, lca; p = lca.open_project(sys.argv[1], setup=False)\n"
        "with p.lock():\n    print('locked', flush=True); sys.stdin.readline()"), str(chain.path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert_served(srv, cred, published["profile_pact"])
    finally:
        holder.communicate("\n", timeout=30)
        srv.stop()
    clients.remove(chain.path, "buyer-co")
