"""Project set-up (lca.setup): the LCIA methods written by node id equal what bw2data's own Method.write makes.

The fast writer (:func:`lca.setup.write_method`) replaces two SQL look-ups per
characterization factor with one query for all biosphere3 ids. These tests hold it
to the plain bw2data path: the same method written both ways gives the same
intermediate data and the same processed arrays (rows, cols, amounts,
uncertainty), and the session project's methods carry bw2io's shipped factors,
looked up flow by flow through bw2data's own ``get_node``.
"""
from __future__ import annotations

import numpy as np
import pytest

from lca import setup as project_setup
from lca.errors import IntegrityError
from lca.methods import METHOD_FAMILIES


def _arrays(bd, name) -> dict[str, np.ndarray]:
    """The processed resources of method ``name`` by kind (indices, data, distributions, ...)."""
    dp = bd.Method(name).datapackage()
    out = {}
    for array, meta in zip(dp.data, dp.resources):
        kind = meta["kind"] if "kind" in meta else meta["name"].rsplit(".", 1)[-1]
        out[kind] = np.asarray(array)
    return out


def _shipped(name: tuple) -> dict:
    return next(m for m in project_setup.shipped_methods() if m["name"] == name)


def _largest(family: str) -> tuple:
    """The shipped method of ``family`` with the most CFs."""
    return max((m for m in project_setup.shipped_methods() if m["name"][0] == family),
               key=lambda m: len(m["exchanges"]))["name"]


# EF v3.1's largest method is slow for its size; IPCC 2021's goes through the same code in the quick tier
@pytest.mark.parametrize("family", ["IPCC 2021", pytest.param("EF v3.1", marks=pytest.mark.slow)])
def test_write_method_equals_plain_bw2data_write(module_project, family):
    shipped_name = _largest(family)
    cfs = [(tuple(e["input"]), float(e["amount"])) for e in _shipped(shipped_name)["exchanges"]]
    assert len(cfs) > 10
    fast, plain = ("green-lca test", "fast") + shipped_name, ("green-lca test", "plain") + shipped_name
    with module_project.lock():
        bd = module_project.activate()
        project_setup.write_method(bd, fast, cfs, project_setup.biosphere_ids(), unit="x")
        method = bd.Method(plain)
        method.register(unit="x")
        method.write(cfs)  # bw2data's own path: a get_node and a get_id query per CF
    bd = module_project.activate()
    assert bd.Method(fast).load() == bd.Method(plain).load()
    assert bd.methods[fast]["num_cfs"] == bd.methods[plain]["num_cfs"] == len(cfs)
    assert bd.methods[fast]["geocollections"] == bd.methods[plain]["geocollections"] == ["world"]
    a, b = _arrays(bd, fast), _arrays(bd, plain)
    assert sorted(a) == sorted(b) and {"indices", "data"} <= set(a)
    for kind in a:
        assert a[kind].dtype == b[kind].dtype, kind
        assert a[kind].tobytes() == b[kind].tobytes(), kind
    assert len(a["data"]) == len(cfs)


def test_session_methods_carry_bw2io_factors_by_get_node(project):
    """Independent of the fast path: every CF of three shipped methods, looked up one by one."""
    bd = project.activate()
    from bw2data import get_node

    names = [m["name"] for m in project_setup.shipped_methods() if m["name"][0] in METHOD_FAMILIES]
    assert names and all(n in bd.methods for n in names)
    picked = [n for n in names if "GWP100" in n[-1] or "GWP20" in n[-1]][:2] + [
        next(n for n in names if n[0] == "EF v3.1")]
    for name in picked:
        expected: dict[int, float] = {}
        for e in _shipped(name)["exchanges"]:
            node = get_node(database=e["input"][0], code=e["input"][1])
            expected[node.id] = expected.get(node.id, 0.0) + float(e["amount"])
        arrays = _arrays(bd, name)
        rows = arrays["indices"]["row"]
        got = dict(zip(rows.tolist(), arrays["data"].tolist()))
        assert len(rows) == len(set(rows.tolist())) == len(expected), name
        assert set(got) == set(expected), name
        for node_id, amount in expected.items():
            assert got[node_id] == float(np.float32(amount)), (name, node_id)
        assert set(arrays["indices"]["col"].tolist()) == {bd.geomapping[bd.config.global_location]}


def test_write_method_refuses_an_unknown_flow(module_project):
    with module_project.lock():
        bd = module_project.activate()
        ids = project_setup.biosphere_ids()
        known = next(iter(ids))
        name = ("green-lca test", "unknown flow")
        with pytest.raises(IntegrityError, match="not in biosphere3") as err:
            project_setup.write_method(bd, name, [(known, 1.0), (("biosphere3", "no-such-flow"), 2.0)], ids)
        assert "no-such-flow" in str(err.value)
        assert name not in bd.methods  # nothing registered or written


@pytest.mark.slow  # parses bw2io's whole LCIA file (every method of every family)
def test_shipped_methods_cut_equals_a_full_parse():
    import json
    import zipfile

    with zipfile.ZipFile(project_setup.shipped_lcia_file()) as zf:
        raw = zf.read("data.json")
    everything = json.loads(raw)
    for families in [METHOD_FAMILIES, ("EDIP 2003",), ("no such family",)]:
        cut = project_setup._methods_of(raw, families)
        assert cut == [m for m in everything if m["name"][0] in families], families
    assert sum(len(m["exchanges"]) for m in project_setup.shipped_methods()) == sum(
        len(m["exchanges"]) for m in everything if m["name"][0] in METHOD_FAMILIES) > 10_000
    # another layout (indented JSON) is refused by the cut; shipped_methods then parses it whole
    with pytest.raises(ValueError):
        project_setup._methods_of(json.dumps(everything[:3], indent=1).encode(), METHOD_FAMILIES)


def test_a_set_up_project_knows_its_methods_without_bw2io_data(project):
    bd = project.activate()
    record = project.state.read()["methods"]
    assert project_setup.methods_current(bd, record)
    assert len(record["names"]) == len(project_setup.shipped_methods()) > 50
    assert not project_setup.methods_current(bd, dict(record, bw2io="0.0"))
    assert not project_setup.methods_current(bd, dict(record, names=record["names"] + [["no", "such"]]))
    assert not project_setup.methods_current(bd, None)
