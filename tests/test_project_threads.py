"""One Project used from many threads: the same results as sequential calls, no exception, writes serialized.

bw2data points at one directory per process and the kept factorization is not
safe to use from two threads at once, so a process serializes its Brightway work
(``lca.brightway.LOCK``); these tests use real threads on one Project object.
"""
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import lca

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
N_THREADS = 8


@pytest.fixture(scope="module")
def chain_project(module_project):
    files = sorted(EXAMPLES.glob("*.xlsx")) + sorted(EXAMPLES.glob("*.pact.json"))
    assert module_project.import_files(files).ok
    return module_project


def _calls(p):
    """Read-only queries of every kind, as (name, thunk -> comparable value)."""
    pack = lca.models.battery_pack("LFP", 60.0, region="CN-SC")
    return [
        ("footprint", lambda: p.footprint("background:electricity-cn", 3.0).to_dict(top=None)),
        ("model", lambda: p.footprint(pack, 60.0).to_dict(top=None)),
        ("footprints", lambda: p.footprints().to_dict()),
        ("profile", lambda: p.profile("GD-PACK/ESS-100").to_dict()),
        ("search", lambda: [r.ref for r in p.search("lithium carbonate")]),
    ]


@pytest.mark.parametrize("n_calls", [pytest.param(5, id="8x5"),
                                     pytest.param(50, id="8x50", marks=pytest.mark.slow)])
def test_read_only_queries_from_8_threads_match_sequential_calls(chain_project, n_calls):
    p = chain_project
    calls = _calls(p)
    expected = {name: fn() for name, fn in calls}
    assert expected["profile"]["total"] > 0 and expected["footprint"]["total"] > 0
    p.calc.clear()  # the threads also race to build every cached matrix and table
    errors, results = [], []
    start = threading.Barrier(N_THREADS)

    def worker(k: int):
        start.wait()
        for i in range(n_calls):
            name, fn = calls[(k + i) % len(calls)]
            try:
                results.append((name, fn()))
            except Exception as exc:  # collected: every thread runs to the end
                errors.append(f"{name}: {type(exc).__name__}: {exc}")

    with ThreadPoolExecutor(N_THREADS) as pool:
        list(pool.map(worker, range(N_THREADS)))
    assert not errors, errors[:5]
    assert len(results) == N_THREADS * n_calls
    for name, got in results:
        assert got == expected[name], name


def test_writes_from_threads_are_serialized_and_all_land(chain_project):
    p = chain_project
    co2 = p.biosphere_codes()["CO2 fossil"]

    def write(k: int):
        db = f"thread-{k}"
        p.write_database(db, [{
            "database": db, "code": "a", "name": f"a {k}", "unit": "kilogram", "location": "CN",
            "reference product": "a", "type": "process",
            "exchanges": [{"input": [db, "a"], "amount": 1.0, "type": "production"},
                          {"input": ["biosphere3", co2], "amount": float(k + 1), "type": "biosphere"}]}])
        return p.footprint(f"{db}:a").total  # read back at once, while others write

    with ThreadPoolExecutor(4) as pool:
        totals = list(pool.map(write, range(4)))
    # by hand: k+1 kg fossil CO2, IPCC 2021 GWP100 factor 1 -> k+1 kg CO2-Eq
    np.testing.assert_allclose(totals, [1.0, 2.0, 3.0, 4.0], rtol=1e-6)
    np.testing.assert_allclose([p.footprint(f"thread-{k}:a").total for k in range(4)], [1.0, 2.0, 3.0, 4.0],
                               rtol=1e-6)
