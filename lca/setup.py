"""Offline project set-up: biosphere3, the LCIA methods bw2io ships, the open background database.

The writers that :meth:`lca.project.Project.setup` calls (idempotently, under the
project's write lock, repairing what a killed earlier set-up left) and
:func:`lca.integrity.rebuild` calls again after a killed write. The functions take
the project as their first argument and use only its public store interface
(``activate``, ``write_database``, ``state``); this module does not import
:mod:`lca.project`.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

from . import brightway, inventory, method_data
from .errors import IntegrityError
from .methods import METHOD_FAMILIES

BW_PROJECT = "green-lca"  # the Brightway project inside a project's ``brightway/`` directory


def write_biosphere(project) -> None:
    """(Re)write biosphere3 from bw2io's shipped flow list, marked pending while it is written."""
    import bw2io
    import bw2io.importers

    bd = project.activate()
    project.state.set_pending(inventory.BIOSPHERE_DB, True)
    with brightway.quiet():
        if inventory.BIOSPHERE_DB in bd.databases:  # a killed earlier attempt: start again
            del bd.databases[inventory.BIOSPHERE_DB]
        # bw2io.create_default_biosphere3(), without bw2data's full-text search index: green-lca
        # searches its own node table (Project.search); the index cost ~2 s of every set-up
        importer = bw2io.importers.Ecospold2BiosphereImporter()
        importer.apply_strategies()
        importer.write_database(searchable=False)
    project.state.set_pending(inventory.BIOSPHERE_DB, False)


def _bw2io_version() -> str:
    """The installed bw2io's version, without importing it (~2 s)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("bw2io")
    except PackageNotFoundError:
        return ""


def methods_current(bd, record) -> bool:
    """Whether the methods recorded at the last set-up (``record``) are all there, without reading bw2io's zip.

    ``record`` is what :func:`write_methods` returned: the bw2io version, the method
    families and the names written. Each name must still be registered with data
    that loads (:func:`method_ok`).
    """
    return (isinstance(record, dict) and record.get("bw2io") == _bw2io_version()
            and record.get("families") == list(METHOD_FAMILIES) and bool(record.get("names"))
            and all(tuple(n) in bd.methods and method_ok(bd, tuple(n)) for n in record["names"]))


def write_methods(bd, rewrite: bool = False) -> dict:
    """Write IPCC 2021 and EF v3.1 from bw2io's shipped LCIA data where missing (:func:`write_method`).

    ``rewrite``: every method, also those present (biosphere3 was rewritten: its flows have new ids).

    Returns
    -------
    dict
        The record for the project state (:func:`methods_current`): ``bw2io`` version,
        ``families``, and the ``names`` of every method of those families.
    """
    wanted = shipped_methods(METHOD_FAMILIES)
    # a method registered by a writer killed before its data file was written is redone
    missing = [m for m in wanted if rewrite or m["name"] not in bd.methods or not method_ok(bd, m["name"])]
    if missing:
        flow_ids = biosphere_ids()
        source = f"bw2io {_bw2io_version()}".strip()
        with brightway.quiet():
            for m in missing:
                write_method(bd, m["name"], [(tuple(e["input"]), float(e["amount"])) for e in m["exchanges"]],
                             flow_ids, unit=m.get("unit"), description=m.get("description", ""), source=source)
    return {"bw2io": _bw2io_version(), "families": list(METHOD_FAMILIES), "names": [list(m["name"]) for m in wanted]}


def biosphere_ids() -> dict[tuple, int]:
    """``(biosphere3, code)`` -> node id of every biosphere3 flow, in one query."""
    from bw2data.backends import ActivityDataset as AD

    return {(inventory.BIOSPHERE_DB, code): i for code, i in
            AD.select(AD.code, AD.id).where(AD.database == inventory.BIOSPHERE_DB).tuples()}


def write_method(bd, name: tuple, cfs: list[tuple], flow_ids: dict[tuple, int], **metadata) -> None:
    """Register and write LCIA method ``name`` from flow keys, by node id (:func:`lca.method_data.write_rows`).

    The keys become node ids through ``flow_ids`` (one query for all, :func:`biosphere_ids`),
    so no factor costs an SQL query; tests/test_setup.py compares the result with
    ``bw2data.Method.write`` of the same CFs.

    Parameters
    ----------
    bd : module
        bw2data, pointing at the project.
    name : tuple of str
        The method's name.
    cfs : list of tuple
        ``((database, code), factor)`` per flow [score unit per unit of the flow];
        site-generic (the global location).
    flow_ids : dict
        ``(database, code)`` -> node id of every flow the CFs may name.
    **metadata
        Stored with the registration (``unit``, ``description``, ``source``).

    Raises
    ------
    lca.IntegrityError
        A CF names a flow that is not in ``flow_ids`` (nothing is written).
    """
    unknown = sorted({key for key, _ in cfs if key not in flow_ids})
    if unknown:
        raise IntegrityError(f"method {name}: flows {unknown[:5]} are not in biosphere3 "
                             f"({len(unknown)} in all); run `lca init` to rebuild the project")
    method_data.write_rows(bd, name, [(flow_ids[key], amount) for key, amount in cfs], set(flow_ids.values()),
                           **metadata)


def write_background(project) -> None:
    """(Re)write the open background database from ``inventories/`` (validated, journaled)."""
    bg = inventory.load_background()
    data = inventory.brightway_datasets(bg, project.biosphere_codes())
    project.write_database(inventory.BACKGROUND_DB, data)


def biosphere_codes(project) -> dict[str, str]:
    """Flow alias (``flows.csv``) -> biosphere3 code, read from the project's biosphere3.

    Raises
    ------
    lca.IntegrityError
        A flow of ``flows.csv`` is not in biosphere3 (the fix: ``lca init``).
    """
    project.activate()
    from bw2data.backends import ActivityDataset as AD

    by_key: dict[tuple, list[str]] = {}
    for alias, f in inventory.flows().items():
        by_key.setdefault((f.name, f.categories), []).append(alias)
    out: dict[str, str] = {}
    # only these rows are read and unpickled, not all ~4,700 flows of bw2io's biosphere3
    # (93 -> 20 ms: benchmarks/RESULTS.md, issue 24)
    names = sorted({name for name, _ in by_key})
    for row in AD.select(AD.code, AD.name, AD.data).where((AD.database == inventory.BIOSPHERE_DB)
                                                          & AD.name.in_(names)):
        for alias in by_key.get((row.name, tuple(row.data.get("categories", ()))), ()):
            out[alias] = row.code
    missing = sorted(set(inventory.flows()) - set(out))
    if missing:
        raise IntegrityError(f"biosphere3 lacks flows {missing}; run `lca init` to rebuild")
    return out


def method_ok(bd, name: tuple) -> bool:
    """The method's data file exists and loads (a writer may have been killed after registering it)."""
    try:
        return bool(bd.Method(name).load())
    except Exception:
        return False


_SHIPPED: dict = {}  # families -> their methods, read once per process
_METHOD_START = b'{"filename": '  # how each method object of bw2io's data.json begins


def shipped_lcia_file() -> Path:
    """bw2io's shipped LCIA methods (``lcia_39_ecoinvent.zip``, one ``data.json``)."""
    import bw2io

    return Path(bw2io.__file__).parent / "data" / "lcia" / "lcia_39_ecoinvent.zip"


def shipped_methods(families: tuple[str, ...] = METHOD_FAMILIES) -> list[dict]:
    """The LCIA methods of ``families`` in bw2io's shipped data, names as tuples (read once per process).

    ``data.json`` holds 762 methods (41 MB); green-lca writes 57. Parsing all of it took
    ~3 s of every set-up, so the file is cut at each method object and only the
    objects whose ``name`` is of ``families`` are parsed (:func:`_methods_of`). If
    the file does not have the expected layout, it is parsed whole (the same result,
    slower); tests/test_setup.py compares both.
    """
    key = tuple(families)
    if key not in _SHIPPED:
        with zipfile.ZipFile(shipped_lcia_file()) as zf:
            raw = zf.read("data.json")
        try:
            data = _methods_of(raw, key)
        except ValueError:
            data = [m for m in json.loads(raw) if m["name"][0] in key]
        for m in data:
            m["name"] = tuple(m["name"])
        _SHIPPED[key] = data
    return _SHIPPED[key]


def _methods_of(raw: bytes, families: tuple[str, ...]) -> list[dict]:
    """The method objects of ``families`` in ``raw`` (a JSON list of methods), parsing only those.

    Raises
    ------
    ValueError
        The layout is not a list of objects each starting with ``{"filename": `` and
        naming itself (``"name": [...]``) before its exchanges.
    """
    text = raw.decode("utf-8")
    start = _METHOD_START.decode()
    if not text.startswith("[" + start) or not text.rstrip().endswith("]"):
        raise ValueError("not a list of method objects")
    cuts = []
    at = 1
    while at != -1:
        cuts.append(at)
        at = text.find(", " + start, at)
        at = at + 2 if at != -1 else -1
    decoder = json.JSONDecoder()
    out = []
    ends = cuts[1:] + [len(text.rstrip()) - 1]
    for begin, end in zip(cuts, ends):
        chunk = text[begin:end].rstrip().rstrip(",")
        head = chunk.find('"name": ', 0, chunk.find('"exchanges": '))
        if head == -1:
            raise ValueError("a method object without its name before its exchanges")
        name, _ = decoder.raw_decode(chunk, head + len('"name": '))
        if not isinstance(name, list) or not name:
            raise ValueError("a method name that is not a list")
        if name[0] in families:
            method = json.loads(chunk)  # a cut inside a string would fail here, or below
            if method.get("name") != name or not isinstance(method.get("exchanges"), list):
                raise ValueError("a method object cut in the wrong place")
            out.append(method)
    if len(cuts) != text.count('"exchanges": '):
        raise ValueError("method objects and exchange lists do not pair up")
    return out
