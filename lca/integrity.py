"""Store integrity: data checked before a database write, and the damage a killed writer leaves found and repaired.

Before a write, :func:`validate_datasets` lists every problem that would make
Brightway fail half-way (and so delete the database): codes, exchange types,
float32 amounts, inputs that do not exist. After one, :func:`check` finds an
unfinished write (state ``pending``), missing SQLite indices, processed arrays
that are missing, truncated or older than their data, and registered derived
databases (:mod:`lca.hooks`) that no longer reflect their source; it repairs them
under the project's write lock (:func:`rebuild`, reprocessing) or raises
:class:`lca.IntegrityError` naming the fix. The functions take the project as
their first argument; this module does not import :mod:`lca.project`.
"""
from __future__ import annotations

import functools
import pickle
import sys
import zipfile
from pathlib import Path

from . import brightway, hooks, inventory
from . import setup as project_setup
from .errors import IntegrityError
from .files import atomic_write
from .units import FLOAT32_MAX, FLOAT32_TINY, float32_problem

EXCHANGE_TYPES = {"production", "technosphere", "biosphere", "substitution"}
JOURNAL_DIR = "journal"  # in the project directory: validated data of a database write in progress


def validate_datasets(name: str, data: list[dict], existing=()) -> list[str]:
    """Problems of ``data`` as database ``name`` (empty: safe to write); bw2data must point at the project.

    ``existing``: codes already in ``name`` that ``data`` is added to (:mod:`lca.additions`): inputs
    may be those datasets, a dataset of ``data`` may not have one of those codes."""
    from bw2data.backends import ActivityDataset as AD

    existing = set(existing)
    own = {(d.get("database"), d.get("code")) for d in data} | {(name, c) for c in existing}
    problems = []
    wanted: dict[str, set] = {}  # database -> codes the inputs name (only those are looked up)
    for d in data:
        for e in d.get("exchanges", []):
            k = tuple(e.get("input", ("", "")))
            if len(k) == 2 and k[0] != name and isinstance(k[0], str) and isinstance(k[1], str):
                wanted.setdefault(k[0], set()).add(k[1])
    known = set(own)
    for db, codes in wanted.items():
        codes = sorted(codes)
        for i in range(0, len(codes), 500):  # under SQLite's limit of variables per statement
            known.update((db, c) for (c,) in AD.select(AD.code).where(AD.database == db,
                                                                     AD.code << codes[i:i + 500]).tuples())
    seen: set = set()
    for d in data:
        if d.get("database") != name or not d.get("code"):
            problems.append(f"dataset {d.get('code')!r} is not in database {name!r}")
        if d.get("code") in seen:
            problems.append(f"dataset code {d.get('code')!r} appears twice")
        seen.add(d.get("code"))
        if d.get("code") in existing:
            problems.append(f"dataset {d.get('code')!r} is already in database {name!r} (only new datasets "
                            "are added; write the whole database to change one)")
        for e in d.get("exchanges", []):
            amount = e.get("amount")
            if float32_problem(amount):
                problems.append(f"{d.get('code')}: amount {amount!r} of input {e.get('input')} is not a "
                                f"finite number within the float32 range (|x| <= {FLOAT32_MAX:g}, "
                                f"0 or |x| >= {FLOAT32_TINY:g})")
            if e.get("type") not in EXCHANGE_TYPES:
                problems.append(f"{d.get('code')}: exchange type {e.get('type')!r} is not one of "
                                f"{sorted(EXCHANGE_TYPES)}")
            if tuple(e.get("input", ())) not in known:
                problems.append(f"{d.get('code')}: input {e.get('input')} does not exist")
    return problems


def journal_path(project_dir: Path, name: str, add: bool = False) -> Path:
    """Where the validated data of a write of database ``name`` is kept until it is done;
    ``add``: of an addition of datasets to it (:mod:`lca.additions`)."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
    return Path(project_dir) / JOURNAL_DIR / f"{safe}{'.add' if add else ''}.pickle"


def has_source(name: str) -> bool:
    """True for a database :func:`rebuild` brings back from its own source (the biosphere, the background,
    the derived databases of :mod:`lca.hooks`): a write of it needs no journal."""
    return name in (inventory.BIOSPHERE_DB, inventory.BACKGROUND_DB) or any(
        d.name == name for d in hooks.databases())


def write_journal(journal: Path, name: str, data: list[dict]) -> None:
    """Keep the validated ``data`` of a write of database ``name`` at ``journal`` (fsynced) until the write is
    done, unless :func:`has_source` (it is then rebuilt from its source, the journal never read)."""
    if not has_source(name):
        atomic_write(journal, lambda tmp: tmp.write_bytes(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)))


def rebuild(project, name: str) -> None:
    """Rebuild database ``name`` after an interrupted or failed write, under the lock.

    A derived database comes back from its source (background: ``inventories/``;
    the databases registered in :mod:`lca.hooks`, e.g. suppliers from the stored
    submissions, models from their definitions); any other from the journal of the
    interrupted write (its complete, validated data). The half-written
    database is deleted first, so a rebuild that fails leaves no half data behind.
    An interrupted addition of datasets (:mod:`lca.additions`: one SQLite transaction,
    so the old rows are intact) is replayed from its journal instead.
    """
    with project.lock():
        bd = project.activate()
        if name == inventory.BIOSPHERE_DB:
            project_setup.write_biosphere(project)
            return
        from .background import release as bg_release

        if name.endswith(bg_release.TMP_SUFFIX):  # a killed background import: roll back or complete
            bg_release.recover(project, name)
            return
        rebuilders = {inventory.BACKGROUND_DB: functools.partial(project_setup.write_background, project)}
        for derived in hooks.databases():
            rebuilders[derived.name] = functools.partial(derived.rebuild, project)
        journal, added = journal_path(project.path, name), journal_path(project.path, name, add=True)
        if name not in rebuilders and added.exists() and not journal.exists() and name in bd.databases:
            with open(added, "rb") as fh:
                project.add_datasets(name, pickle.load(fh), replay=True)
            project.state.set_pending(name, False)
            added.unlink(missing_ok=True)
            return
        if name in bd.databases:
            with brightway.quiet():
                del bd.databases[name]
        if name in rebuilders:
            rebuilders[name]()
        elif journal.exists():
            with open(journal, "rb") as fh:
                data = pickle.load(fh)
            project.write_database(name, data)
        else:
            print(f"lca: database {name!r} was half written and has no source to rebuild it from; "
                  "it was deleted", file=sys.stderr)
        project.state.set_pending(name, False)
        journal.unlink(missing_ok=True)
        added.unlink(missing_ok=True)


def check(project, repair: bool = True) -> list[str]:
    """Find what a killed writer leaves behind; repair it (under the lock) or refuse.

    Returns
    -------
    list of str
        The problems found (before any repair).

    Raises
    ------
    lca.IntegrityError
        What is still wrong after the repair, with the fix (move the project aside, ``lca init``).
    """
    found = problems(project)
    if not found or not repair:
        return found
    with project.lock():  # waits for a writer still at work; then look again
        bd = project.activate()
        found = problems(project)
        if found:
            for pending in project.state.pending():
                rebuild(project, pending)
            for name in stale_derived(project, bd):
                rebuild(project, name)
            if not indices_ok():
                from bw2data.backends import SQLiteBackend

                SQLiteBackend("_indices")._add_indices()
            for name in stale_processed(bd):
                with brightway.quiet():
                    bd.Database(name).process()
            project.forget_caches()
    left = problems(project)
    if left:
        raise IntegrityError(
            f"project {project.path} is damaged and could not be repaired: {'; '.join(left)}. "
            f"Move it aside and run `lca init` to rebuild it."
        )
    return found


def problems(project) -> list[str]:
    """Everything :func:`check` repairs, as sentences naming the database."""
    bd = project.activate()
    out = [f"an interrupted write of database {name!r}" for name in project.state.pending()]
    if not indices_ok():
        out.append("SQLite indices missing")
    out += [f"{name}: {why}" for name, why in stale_processed(bd, why=True).items()]
    out += [f"{name}: {why}" for name, why in stale_derived(project, bd).items()]
    return out


def stale_derived(project, bd) -> dict[str, str]:
    """Registered derived databases (:mod:`lca.hooks`) that do not reflect their source (name -> why)."""
    return {d.name: d.stale for d in hooks.databases()
            if d.is_current is not None and not d.is_current(project, bd)}


def stale_processed(bd, why: bool = False):
    """Databases whose processed arrays do not reflect the SQLite data (name -> reason, or names)."""
    out = {}
    meta_all = {name: bd.databases[name] for name in bd.databases}
    for name, meta in meta_all.items():
        if name == inventory.BIOSPHERE_DB:  # never read from its processed arrays
            continue
        db = bd.Database(name)
        path = db.dirpath_processed() / db.filename_processed()
        processed = meta.get("processed") or ""
        if not path.exists():
            out[name] = "processed arrays missing"
        elif not zip_ok(path):
            out[name] = "processed arrays truncated"
        elif meta.get("dirty") or processed < (meta.get("modified") or ""):
            out[name] = "processed arrays older than the data"
        else:
            newer = [d for d in meta.get("depends", [])
                     if processed < (meta_all.get(d, {}).get("modified") or "")]
            if newer:
                out[name] = f"processed arrays older than the database(s) it links to ({', '.join(newer)})"
    return out if why else list(out)


def zip_ok(path: Path) -> bool:
    """The zip file reads, every member's CRC checks, and it is not empty."""
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.testzip() is None and bool(zf.namelist())
    except (zipfile.BadZipFile, OSError, EOFError):
        return False


def indices_ok() -> bool:
    """The SQLite indices bw2data relies on exist (a killed write drops them)."""
    from bw2data.backends import sqlite3_lci_db

    names = {r[0] for r in sqlite3_lci_db.execute_sql("SELECT name FROM sqlite_master WHERE type='index'")}
    return {"activitydataset_key", "exchangedataset_input", "exchangedataset_output"} <= names
