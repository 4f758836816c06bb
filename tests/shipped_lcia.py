"""bw2io's shipped LCIA data, read directly (not through a project): the independent factors tests compare with.

Parsed once per process and shared by the test modules that need it (a 100 MB JSON document: ~1 s to parse,
which three modules did for themselves, one of them at every dataset of its scipy solve). Callers must not
change what they get (the method list is a tuple; factor tables are read-only mappings).
"""
from __future__ import annotations

import functools
import io
import json
import types
import zipfile
from pathlib import Path


@functools.lru_cache(maxsize=1)
def methods() -> tuple:
    """The climate-change methods of IPCC 2021 and EF v3.1 in ``lcia_39_ecoinvent.zip`` (dicts with ``name``,
    ``unit``, ``exchanges``...): the only ones the tests compare with (all would hold ~180 MB per worker)."""
    import bw2io

    fp = Path(bw2io.__file__).parent / "data" / "lcia" / "lcia_39_ecoinvent.zip"
    with zipfile.ZipFile(fp) as zf:
        data = json.load(io.TextIOWrapper(zf.open("data.json"), encoding="utf-8"))
    return tuple(m for m in data if m["name"][0] in ("IPCC 2021", "EF v3.1") and "climate change" in m["name"][1])


def method(name: tuple) -> dict:
    """The shipped method ``name``."""
    return next(m for m in methods() if tuple(m["name"]) == tuple(name))


@functools.lru_cache(maxsize=None)
def cfs_by_code(name: tuple) -> types.MappingProxyType:
    """biosphere3 code -> characterization factor of method ``name``."""
    return types.MappingProxyType({e["input"][1]: float(e["amount"]) for e in method(name)["exchanges"]})


@functools.lru_cache(maxsize=None)
def cfs_by_name(name: tuple) -> types.MappingProxyType:
    """(flow name, categories tuple) -> characterization factor of method ``name``."""
    return types.MappingProxyType({(e["name"], tuple(e["categories"])): float(e["amount"])
                                   for e in method(name)["exchanges"]})
