"""Importing a background database: an ecoSpold2 release folder, or a database of another Brightway project.

An ecoSpold2 release (``datasets/*.spold`` + ``MasterData/``, as ecoinvent ships it) is read
by bw2io's ``SingleOutputEcospold2Importer`` (``use_mp=False``) with the release's OWN
elementary flows: its biosphere exchanges link by flow UUID to the flows of
``MasterData/ElementaryExchanges.xml`` (parsed by bw2io's ``Ecospold2BiosphereImporter``),
not to the ecoinvent 3.9 list that bw2io installs (bw2io issues #231, #267: linking a 3.10
release to the 3.9 list leaves dozens of flows unlinked). A release flow whose UUID is
already in ``biosphere3`` is that node (same UUID = same flow, so the IPCC 2021 and EF 3.1
factors of bw2io's data characterize it); a flow new in the release is added to
``biosphere3`` with the release's name and compartments, and reported (bw2io's LCIA data
has no factor for it).

Order of work, so that nothing is written unless everything is right and a killed import
leaves the project as it was:

1. extract and link (no Brightway writes); unlinked exchanges are refused with their list;
2. under the project's write lock: validate every dataset and exchange (types, finite
   float32 amounts, every input exists); then write the database (marked pending in the
   project state as ``NAME.importing``): under that temporary name when it replaces an older
   ``NAME``, else as ``NAME`` itself (no rename pass over its exchanges); a killed writer
   leaves only rows the next command deletes;
3. commit in one SQLite transaction: the temporary rows become ``NAME`` (replacing the older
   one) and the new flows join ``biosphere3``; what is written is recorded in the state
   first, so a writer killed after the commit is completed by the next command, one killed
   before it rolled back; then process, and give the new flows their factors.
"""
from __future__ import annotations

import datetime
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

from .. import brightway, inventory
from ..errors import InputError, InputIssue, LcaError
from . import allocation, checks, readable
from . import flows as release_flows_mod

TMP_SUFFIX = ".importing"
META_KEY = "lca_background"  # key in the Brightway database metadata of an imported background
STATE_KEY = "background_swap"  # key in the project state while a swap is in progress
RESERVED = {inventory.BACKGROUND_DB, inventory.BIOSPHERE_DB, "models", "suppliers"}
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,79}$")
EXCHANGE_TYPES = {"production", "technosphere", "biosphere", "substitution"}
MAX_LISTED = 50  # unlinked exchanges or problems listed in a message


@dataclass
class BackgroundImport:
    """What an import wrote: database name, source, counts, the release's new flows."""

    name: str
    kind: str  # "ecospold2" | "brightway"
    source: str
    release: str | None
    system_model: str | None
    datasets: int
    exchanges: int
    new_flows: list[dict] = field(default_factory=list)  # flows added to biosphere3 (no LCIA factor)
    replaced: bool = False  # an older database of that name was replaced
    linked: list = field(default_factory=list)  # databases copied with it, dependencies first (--with-linked)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


def backgrounds(bd) -> dict[str, dict]:
    """Imported backgrounds of the active project: name -> their metadata (``lca_background``)."""
    return {n: dict(bd.databases[n].get(META_KEY) or {}) for n in sorted(bd.databases)
            if bd.databases[n].get(META_KEY) and not n.endswith(TMP_SUFFIX)}


def check_name(name: str) -> str:
    """A usable name for an imported background, else InputError saying why."""
    name = str(name or "").strip()
    if not NAME_RE.match(name) or name.endswith(TMP_SUFFIX):
        raise InputError(f"background name {name!r} is not usable: letters, digits and . _ + - only "
                         f"(1-80 characters, not ending in {TMP_SUFFIX!r}), e.g. ei-3.10-cutoff")
    if name in RESERVED:
        raise InputError(f"background name {name!r} is taken by green-lca's own databases "
                         f"({', '.join(sorted(RESERVED))}); choose another, e.g. ei-3.10-cutoff")
    return name


# -- ecoSpold2 ----------------------------------------------------------------------------------
def _release_dirs(dirpath) -> tuple[Path, Path]:
    root = Path(dirpath).expanduser()
    if root.name == "datasets" and (root.parent / "MasterData").is_dir():
        root = root.parent  # accept the datasets folder itself
    datasets, master = root / "datasets", root / "MasterData"
    missing = [str(p) for p in (datasets, master / "ElementaryExchanges.xml", master / "IntermediateExchanges.xml")
               if not p.exists()]
    if missing:
        raise InputError(f"{root} is not an ecoSpold2 release folder: missing {', '.join(missing)}. Give the "
                         "folder that holds datasets/ and MasterData/ (as ecoinvent ships it, unpacked)")
    if not any(p.suffix.lower() == ".spold" for p in datasets.iterdir()):
        raise InputError(f"{datasets} holds no .spold files; give the unpacked ecoSpold2 release folder")
    return datasets, master


def release_flows(xml_path) -> dict[str, dict]:
    """The elementary flows of a release's ``ElementaryExchanges.xml`` (bw2io's parser): uuid -> flow."""
    from bw2io.importers import Ecospold2BiosphereImporter

    try:
        imp = Ecospold2BiosphereImporter(name=inventory.BIOSPHERE_DB, filepath=Path(xml_path))
    except Exception as exc:  # lxml syntax errors, missing elements
        raise InputError(f"{xml_path} is not a readable ElementaryExchanges.xml: {exc}") from None
    with _quiet():
        imp.apply_strategies(verbose=False)
    return {f["code"]: f for f in imp.data}


def _release_version(datasets: Path) -> tuple[str | None, str | None]:
    """(release, system model) from the first dataset's fileAttributes and representativeness."""
    from lxml import etree

    first = next(p for p in sorted(datasets.iterdir()) if p.suffix.lower() == ".spold")
    try:
        root = etree.parse(str(first)).getroot()
    except etree.XMLSyntaxError:
        return None, None
    ns = {"e": "http://www.EcoInvent.org/EcoSpold02"}
    fa = root.find(".//e:fileAttributes", ns)
    version = None
    if fa is not None and fa.get("majorRelease"):
        version = f"{fa.get('majorRelease')}.{fa.get('minorRelease')}"
        if fa.get("majorRevision") not in (None, "0"):
            version += f".{fa.get('majorRevision')}"
    sm = root.findtext(".//e:systemModelName", namespaces=ns)
    model = None
    if sm:
        low = sm.casefold()
        model = "cutoff" if "cut-off" in low or "cutoff" in low else (
            "consequential" if "consequential" in low else ("apos" if "apos" in low or "points" in low else sm))
    return version, model


def _extractor(progress: bool):
    """bw2io's ecoSpold2 extractor, reading the files one by one with a progress bar on stderr."""
    import os

    from bw2io.extractors import Ecospold2DataExtractor
    from tqdm import tqdm

    class _Extractor(Ecospold2DataExtractor):
        @classmethod
        def extract(cls, dirpath, db_name, use_mp=False, cache=False, collapse_comments=True):
            files = sorted(f for f in os.listdir(dirpath) if f.lower().endswith(".spold")
                           and os.path.isfile(os.path.join(dirpath, f)))
            out = []
            for f in tqdm(files, desc="reading datasets", unit="file", file=sys.stderr, disable=not progress,
                          mininterval=0.5):
                try:
                    out.append(cls.extract_activity(dirpath, f, db_name, cache=cache,
                                                    collapse_comments=collapse_comments))
                except Exception as exc:
                    raise InputError(f"{os.path.join(dirpath, f)} is not a readable ecoSpold2 dataset: "
                                     f"{type(exc).__name__}: {exc}") from None
            return out

    return _Extractor


def _link_release_flows(db: list[dict], codes: set) -> list[dict]:
    """bw2io strategy: link biosphere exchanges to the release's own flows, by flow UUID."""
    for ds in db:
        for exc in ds.get("exchanges", []):
            if exc.get("type") == "biosphere" and exc.get("flow") in codes:
                exc["input"] = (inventory.BIOSPHERE_DB, exc["flow"])
    return db


def import_release(project, dirpath, name: str, progress: bool = False, mapping=None,
                   flow_map=None, release: str | None = None) -> BackgroundImport:
    """Import the ecoSpold2 release in ``dirpath`` as background database ``name`` (see module docstring).

    ``mapping``: the material mapping file to use with it (default: the file of its release,
    ``inventories/mappings/ecoinvent-<release>-<system model>.csv``). ``flow_map``: a CSV
    ``release_uuid, ecoinvent_uuid, note`` naming the ecoinvent 3.9 flow a release flow is
    characterized as (:mod:`lca.background.flows`)."""
    start = time.perf_counter()
    name = check_name(name)
    fmap = release_flows_mod.read_flow_map(flow_map) if flow_map else None
    datasets_dir, master = _release_dirs(dirpath)
    flows = release_flows(master / "ElementaryExchanges.xml")
    detected, system_model = _release_version(datasets_dir)
    # no version, or one without a mapping: ask for --release / --mapping (lca.background.readable)
    release = readable.settle_release(detected, release, mapping, system_model, datasets_dir.parent)
    project.activate()
    from bw2io import SingleOutputEcospold2Importer
    from bw2io.strategies import link_biosphere_by_flow_uuid

    tmp = name + TMP_SUFFIX
    with _quiet():
        imp = SingleOutputEcospold2Importer(str(datasets_dir), tmp, biosphere_database_name=inventory.BIOSPHERE_DB,
                                            use_mp=False, extractor=_extractor(progress))
        dropped: list[tuple[dict, dict]] = []
        imp.strategies = [partial(_link_release_flows, codes=set(flows))
                          if getattr(s, "func", None) is link_biosphere_by_flow_uuid
                          else (_recording(s, dropped) if getattr(s, "__name__", "") in DELETING_STRATEGIES else s)
                          for s in imp.strategies]
        readable.refuse_degenerate(imp.data, datasets_dir)  # reference amount 0: named by file
        readable.apply_strategies(imp, datasets_dir)  # a strategy that fails: the files that make it fail
    _refuse_unlinked(imp, datasets_dir, dropped)
    used = _used_flows(imp.data)
    meta = {"kind": "ecospold2", "source": str(datasets_dir.parent.resolve()), "release": release,
            "system_model": system_model, "mapping": _mapping_path(mapping)}
    return _install(project, name, imp.data, {c: flows[c] for c in used}, meta, start, used=used,
                    flow_map=fmap, flow_map_path=flow_map)


def _used_flows(data: list[dict]) -> dict[str, list]:
    """Biosphere flow code -> the files (or names) of the datasets that use it."""
    used: dict[str, list] = {}
    for ds in data:
        where = ds.get("filename") or ds.get("name")
        for e in ds.get("exchanges", []):
            if e.get("type") == "biosphere":
                used.setdefault(e["input"][1], []).append(where)
    return used


def _mapping_path(mapping) -> str | None:
    if mapping is None:
        return None
    from .mapping import read_mapping

    path = Path(mapping).expanduser().resolve()
    read_mapping(path)  # refuse a missing or malformed file now, not at the first footprint
    return str(path)


# bw2io strategies that silently delete technosphere exchanges they cannot link
DELETING_STRATEGIES = {"delete_exchanges_missing_activity", "delete_ghost_exchanges"}


def _recording(strategy, dropped: list):
    """``strategy`` that records (dataset, exchange) of every non-zero exchange it deletes."""
    def run(db):
        before = {id(ds): list(ds.get("exchanges", [])) for ds in db}
        out = strategy(db)
        for ds in out:
            kept = {id(e) for e in ds.get("exchanges", [])}
            dropped.extend((ds, e) for e in before.get(id(ds), []) if id(e) not in kept and e.get("amount"))
        return out

    run.__name__ = getattr(strategy, "__name__", "strategy")
    return run


def _refuse_unlinked(imp, where: Path, dropped=()) -> None:
    unlinked: dict[tuple, list] = {}
    for ds, e in dropped:  # deleted by bw2io as unlinkable: a silently missing input otherwise
        key = (e.get("type"), e.get("name"), e.get("unit"), e.get("activity") or e.get("flow"))
        unlinked.setdefault(key, []).append(ds.get("filename") or ds.get("name"))
    for ds in imp.data:
        for e in ds.get("exchanges", []):
            if not e.get("input"):
                key = (e.get("type"), e.get("name"), e.get("unit"), e.get("flow"))
                unlinked.setdefault(key, []).append(ds.get("filename") or ds.get("name"))
    if not unlinked:
        return
    issues = [InputIssue(sheet=None, row=None, column=None, code="unlinked_exchange",
                         message=f"{kind} exchange {nm!r} ({unit}, flow {flow}) links to nothing; used by "
                                 f"{len(files)} dataset(s), e.g. {files[0]}", file=str(files[0]))
              for (kind, nm, unit, flow), files in unlinked.items()]
    listing = "\n".join(f"  {i.message}" for i in issues[:MAX_LISTED])
    more = f"\n  (and {len(issues) - MAX_LISTED} more)" if len(issues) > MAX_LISTED else ""
    raise InputError(f"{len(issues)} unlinked exchange(s) in {where}; nothing was written. A technosphere "
                     "exchange must name a product another dataset of the release makes; a biosphere exchange "
                     "a flow of MasterData/ElementaryExchanges.xml. Unlinked:\n" + listing + more, issues)


# -- a database of another Brightway project ----------------------------------------------------
def import_brightway(project, brightway_dir, bw_project: str, database: str, name: str | None = None,
                     progress: bool = False, mapping=None, release: str | None = None,
                     links: dict | None = None, allocate: str | None = None) -> BackgroundImport:
    """Copy database ``database`` of Brightway project ``bw_project`` in ``brightway_dir`` (read only).

    Its biosphere exchanges link by flow code (the ecoinvent UUID) to ``biosphere3``; flows
    the project lacks are added from the source project's biosphere database. Exchanges
    from any other database of the source project are refused (copy those first), unless ``links``
    maps that database to the project database it was copied as (:mod:`lca.background.linked`).
    """
    start = time.perf_counter()
    name = check_name(name or database)
    acts, flows, other = _read_brightway(project, Path(brightway_dir).expanduser(), bw_project, database)
    tmp = name + TMP_SUFFIX
    data = []
    bad: dict[str, list] = {}
    for (db, code), act in acts.items():
        d = dict(act, database=tmp, code=code)
        exs = []
        for e in act.get("exchanges", []):
            e = {k: v for k, v in e.items() if k != "output"}
            idb, icode = e["input"]
            if idb == database:
                e["input"] = (tmp, icode)
            elif (idb, icode) in flows:
                e["input"] = (inventory.BIOSPHERE_DB, icode)
            elif idb in (links or {}):
                e["input"] = (links[idb], icode)
            else:
                bad.setdefault(idb, []).append(f"{act.get('name')} <- {icode}")
            exs.append(e)
        d["exchanges"] = exs
        data.append(d)
    if bad:
        issues = [InputIssue(None, None, None, "unlinked_exchange",
                             f"{len(v)} exchange(s) from database {k!r} of {bw_project}, e.g. {v[0]}")
                  for k, v in bad.items()]
        raise InputError(f"{database} in {brightway_dir} ({bw_project}) links to other databases "
                         f"({', '.join(sorted(bad))}) that green-lca does not copy; nothing was written. Copy "
                         "a database that links only to itself and its biosphere (e.g. premise's output "
                         "written as one database), or copy it with the databases it links to: --with-linked", issues)
    data = allocation.allocate(data, tmp, allocate)  # multi-output: split by the stated rule, else refused
    meta = {"kind": "brightway", "source": f"{Path(brightway_dir).expanduser().resolve()}::{bw_project}::{database}",
            "release": release or other.get("release"), "system_model": other.get("system_model") or "cutoff",
            "mapping": _mapping_path(mapping)}
    used = _used_flows(data)
    by_code = {code: f for (db, code), f in flows.items()}
    return _install(project, name, data, {c: by_code[c] for c in used}, meta, start, used=used,
                    others=set((links or {}).values()))


def _read_brightway(project, base: Path, bw_project: str, database: str):
    """(activities, biosphere flows by key, extra metadata) of a database in another Brightway directory."""
    import bw2data as bd

    if not base.is_dir():
        raise InputError(f"--brightway-dir {base} is not a directory; give a Brightway base directory "
                         "(the one BRIGHTWAY2_DIR points at)")
    if base.resolve() == Path(project.bw_dir).resolve():
        raise InputError(f"{base} is this project's own Brightway directory; give another project's")
    names = bw_project_names(base)
    if bw_project not in names:
        raise InputError(f"Brightway project {bw_project!r} is not in {base}; projects there: {sorted(names)}")
    project.activate()
    try:
        brightway.point_elsewhere(base, bw_project)
        if database not in bd.databases:
            raise InputError(f"database {database!r} is not in Brightway project {bw_project!r} ({base}); "
                             f"databases: {sorted(bd.databases)}")
        meta = dict(bd.databases[database])
        with _quiet():
            acts = bd.Database(database).load()
        bio_dbs = {e["input"][0] for a in acts.values() for e in a.get("exchanges", [])
                   if e.get("type") == "biosphere"}
        flows = {}
        for b in bio_dbs:
            if b in bd.databases:
                for key, f in bd.Database(b).load().items():
                    flows[key] = dict(f, code=key[1])
        extra = {"release": meta.get("version") or meta.get("release"), "system_model": meta.get("system_model")}
        return acts, flows, extra
    finally:
        brightway.forget_pointing()  # point bw2data back at this project
        project.activate()


def bw_project_names(base: Path) -> set[str]:
    """Project names in a Brightway base directory's ``projects.db``, read without bw2data (which would create one)."""
    import sqlite3

    db = base / "projects.db"
    if not db.is_file():
        raise InputError(f"{base} is not a Brightway base directory (no projects.db); give the directory "
                         "BRIGHTWAY2_DIR pointed at when the project was made")
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {r[0] for r in con.execute("SELECT name FROM projectdataset")}
    except sqlite3.Error as exc:
        raise InputError(f"{db} is not a readable Brightway projects database: {exc}") from None
    finally:
        con.close()


# -- validate, write under a temporary name, swap ------------------------------------------------
def _validate(tmp: str, data: list[dict], flow_codes: set, others: set = frozenset()) -> list[str]:
    own = set()
    problems = [] if data else ["the release has no datasets"]
    for d in data:
        if d.get("database") != tmp or not d.get("code"):
            problems.append(f"dataset {d.get('name')!r} has no code in {tmp!r}")
        elif d["code"] in own:
            problems.append(f"dataset code {d['code']!r} ({d.get('name')!r}) appears twice")
        own.add(d.get("code"))
    for d in data:
        prod = 0
        for e in d.get("exchanges", []):
            kind, inp = e.get("type"), tuple(e.get("input") or ())
            if kind not in EXCHANGE_TYPES:
                problems.append(f"{d.get('name')!r}: exchange type {kind!r} is not one of {sorted(EXCHANGE_TYPES)}")
            # amounts and spreads: lca.background.checks (naming the dataset and the exchange)
            if kind == "biosphere":
                if inp[:1] != (inventory.BIOSPHERE_DB,) or inp[1] not in flow_codes:
                    problems.append(f"{d.get('name')!r}: biosphere input {inp} is not an elementary flow")
            elif (inp[:1] != (tmp,) or inp[1] not in own) and inp not in others:
                problems.append(f"{d.get('name')!r}: input {inp} is not a dataset of this database")
            prod += kind == "production"
        if prod != 1:
            problems.append(f"{d.get('name')!r} ({d.get('filename', d.get('code'))}): {prod} production exchanges "
                            "(exactly one reference product is needed)")
    return problems


def _install(project, name: str, data: list[dict], flows: dict[str, dict], meta: dict, start: float,
             used: dict | None = None, flow_map=None, flow_map_path=None, others=()) -> BackgroundImport:
    from bw2data.backends import ActivityDataset as AD

    tmp = name + TMP_SUFFIX
    with project.lock():
        bd = project.activate()
        have = {c for (c,) in AD.select(AD.code).where(AD.database == inventory.BIOSPHERE_DB).tuples()}
        new_flows = [f for c, f in flows.items() if c not in have]
        linked = {(db, c) for db in others for (c,) in AD.select(AD.code).where(AD.database == db).tuples()}
        problems = _validate(tmp, data, have | set(flows), linked)
        if problems:
            more = f" (and {len(problems) - MAX_LISTED} more)" if len(problems) > MAX_LISTED else ""
            raise InputError(f"refusing to import {name!r}; nothing was written: "
                             + "; ".join(problems[:MAX_LISTED]) + more)
        # production, self-consumption, solvability on its own, amounts, spreads (lca.background.checks)
        checks.refuse(name, checks.check(tmp, data, flows))
        # release flows that are not ecoinvent 3.9 flows: their twin (factors), or refused if a GHG
        twins = release_flows_mod.twins(bd, AD, flows, used or {c: [] for c in flows}, flow_map, flow_map_path)
        if tmp in bd.databases or AD.select().where(AD.database == tmp).exists():
            _drop(bd, tmp)  # an earlier attempt's leftovers
        replaced = name in bd.databases or AD.select().where(AD.database == name).exists()
        # nothing to replace: write NAME itself (a killed write is rolled back the same way), so
        # no rename pass over its exchanges is needed; replacing: write NAME.importing, then swap
        target = tmp if replaced else name
        if not replaced:
            _relabel(data, tmp, name)
        n_exc = sum(len(d.get("exchanges", [])) for d in data)
        info = dict(meta, datasets=len(data), exchanges=n_exc,
                    imported=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                    new_flows=[{"code": f["code"], "name": f["name"], "categories": list(f.get("categories", ())),
                                "characterized_as": twins.get(f["code"])} for f in new_flows],
                    twins=twins)
        project.state.set_pending(tmp, True)  # the marker of an import at work, also when writing NAME itself
        try:
            if not replaced:  # recorded first: a killed write of NAME is then dropped by the next command
                project.state.set(STATE_KEY, {"tmp": tmp, "name": name, "info": info, "direct": True})
            with _quiet():
                db = bd.Database(target)
                db.register(format=meta["kind"], **({META_KEY: info} if replaced else {}))
                db.write({(target, d["code"]): d for d in data}, process=False, searchable=False,
                         check_typos=False)
            if replaced:
                project.state.set(STATE_KEY, {"tmp": tmp, "name": name, "info": info})
            _swap(bd, tmp, name, new_flows, rename=replaced)
            finish(project, tmp)
        except BaseException:
            project.forget_caches()
            raise
        return BackgroundImport(name=name, kind=meta["kind"], source=meta["source"], release=meta.get("release"),
                                system_model=meta.get("system_model"), datasets=len(data), exchanges=n_exc,
                                new_flows=info["new_flows"], replaced=replaced,
                                seconds=round(time.perf_counter() - start, 3))


def _relabel(data: list[dict], old: str, new: str) -> None:
    """Datasets of database ``old`` (and their own inputs) relabelled as database ``new``, in place."""
    for d in data:
        d["database"] = new
        for e in d.get("exchanges", ()):
            for k in ("input", "output"):
                v = e.get(k)
                if v and v[0] == old:
                    e[k] = (new, v[1])


def _swap(bd, tmp: str, name: str, new_flows: list[dict], rename: bool = True) -> None:
    """One SQLite transaction: drop old ``name``, rename ``tmp`` -> ``name`` (``rename``), add the new flows.

    Without ``rename`` (``name`` was written directly) only the flows are added: that commit is
    what completes the import (:func:`finish`)."""
    from bw2data.backends import ActivityDataset as AD
    from bw2data.backends import ExchangeDataset as ED
    from bw2data.backends import sqlite3_lci_db

    rows = [{"database": inventory.BIOSPHERE_DB, "code": f["code"], "name": f["name"], "location": None,
             "product": None, "type": f.get("type", "emission"),
             "data": {k: v for k, v in f.items() if k != "exchanges"} | {"database": inventory.BIOSPHERE_DB,
                                                                          release_flows_mod.MARK: True}}
            for f in new_flows]
    with sqlite3_lci_db.atomic():
        if rename:
            ED.delete().where(ED.output_database == name).execute()
            AD.delete().where(AD.database == name).execute()
            AD.update(database=name).where(AD.database == tmp).execute()
            # one pass over the exchanges (only the temporary database's own exchanges link to it)
            sqlite3_lci_db.execute_sql(
                "UPDATE exchangedataset SET output_database = ?, input_database = CASE WHEN input_database = ? "
                "THEN ? ELSE input_database END WHERE output_database = ?", (name, tmp, name, tmp))
        for i in range(0, len(rows), 500):
            AD.insert_many(rows[i:i + 500]).execute()


def finish(project, tmp: str) -> None:
    """Complete (or roll back) the import of ``tmp``: the metadata after the swap, processing, state."""
    from bw2data.backends import ActivityDataset as AD

    bd = project.activate()
    swap = project.state.get(STATE_KEY) or {}
    if swap.get("tmp") == tmp and swap.get("direct"):  # NAME written itself: complete iff all committed
        name, info = swap["name"], swap["info"]
        codes = [f["code"] for f in info.get("new_flows") or ()]
        flows_in = sum(AD.select().where((AD.database == inventory.BIOSPHERE_DB) & (AD.code << codes[i:i + 500]))
                       .count() for i in range(0, len(codes), 500))
        swapped = (AD.select().where(AD.database == name).count() == info["datasets"] and flows_in == len(codes))
        source, drop = name, (None if swapped else name)
    else:
        swapped = swap.get("tmp") == tmp and not AD.select().where(AD.database == tmp).exists()
        source, drop = tmp, (None if swapped else tmp)
    with _quiet():
        if swapped:
            name = swap["name"]
            meta = dict(bd.databases.get(source) or {}, **{META_KEY: swap["info"]})
            meta.pop("processed", None)
            bd.databases[name] = meta
            bd.databases.flush()
            if tmp in bd.databases and source == tmp:
                del bd.databases[tmp]  # its rows are now name's: this drops only the metadata
            bd.Database(name).process()
            # the release's new flows get their ecoinvent 3.9 twins' factors (idempotent: redone on repair)
            twins = swap["info"].get("twins") or {}
            release_flows_mod.characterize(bd, AD, [{"code": c, "characterized_as": t} for c, t in twins.items()])
        else:
            _drop(bd, drop)
    project.state.set(STATE_KEY, None)
    project.state.set_pending(tmp, False)
    project.forget_caches()


def _drop(bd, tmp: str) -> None:
    from bw2data.backends import ActivityDataset as AD
    from bw2data.backends import ExchangeDataset as ED
    from bw2data.backends import sqlite3_lci_db

    with _quiet():
        if tmp in bd.databases:
            del bd.databases[tmp]
    with sqlite3_lci_db.atomic():
        ED.delete().where(ED.output_database == tmp).execute()
        AD.delete().where(AD.database == tmp).execute()


def recover(project, name: str) -> None:
    """Repair hook for :func:`lca.integrity.rebuild`: a killed import of ``name`` (``X.importing``)."""
    finish(project, name)


def _quiet():
    from .. import brightway

    return brightway.quiet()
