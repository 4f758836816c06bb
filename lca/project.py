"""The embedded Brightway project: where it lives, offline set-up, the write lock, safe writes, queries.

A project directory holds a Brightway base directory of its own
(``brightway/``), a state file (``green-lca.json``) and a lock file. Set-up is
offline and idempotent: the biosphere and LCIA methods come from the data bw2io
ships, the background database from ``inventories/``. Every write happens under
one OS file lock, is validated before Brightway sees it, and bumps a
generation counter so no process keeps results computed before another wrote.

Computation is composed, not inherited: ``project.calc`` is the project's
:class:`lca.calc.Calculator` (matrices, scores, result tables, the per-state
cache). The packages built on a project (``lca.supply``, ``lca.models``,
``lca.compare``) register their derived databases and queries in
:mod:`lca.hooks`; this module imports none of them.
"""
from __future__ import annotations

import contextlib
import difflib
import fcntl
import functools
import io
import json
import math
import os
import pickle
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd

from . import brightway, engine, hooks, inventory
from .calc import Calculator, check_amount
from .errors import InputError, IntegrityError, LcaError, LockTimeout
from .files import atomic_write, atomic_write_text
from .methods import METHOD_ALIASES, METHOD_FAMILIES
from .results import ActivityRef, Footprint
from .units import FLOAT32_MAX, FLOAT32_TINY, float32_problem

BW_PROJECT = "green-lca"
STATE_FILE = "green-lca.json"
LOCK_FILE = "write.lock"
LOCK_TIMEOUT_S = 120.0  # [s] default wait for the write lock; LCA_LOCK_TIMEOUT overrides (read at each wait)
JOURNAL_DIR = "journal"  # validated data of a database write in progress, replayed if it is interrupted
EXCHANGE_TYPES = {"production", "technosphere", "biosphere", "substitution"}


def default_path() -> Path:
    """``LCA_PROJECT`` if set, else the per-user data directory of green-lca."""
    env = os.environ.get("LCA_PROJECT")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("green-lca", appauthor=False))


def open_project(path: str | os.PathLike | None = None, setup: bool = True,
                 background: str | None = None) -> "Project":
    """Open (and on first use set up, offline) the project at ``path``.

    ``path`` defaults to ``LCA_PROJECT``, then the per-user data directory. ``background``:
    an imported background database (``lca background import``) that models and supplier
    materials resolve to; default the open ``background``.
    """
    proj = Project(Path(path).expanduser() if path is not None else default_path(), background=background)
    if setup:
        proj.setup()
        proj._check_background()
    return proj


_HELD: dict = {}  # project path -> {"fh", "depth", "mode"}: the flock this process holds on it


def _lock_timeout() -> float:
    """``LCA_LOCK_TIMEOUT`` [s] if set, else :data:`LOCK_TIMEOUT_S`; LcaError if it is not a number of seconds."""
    text = os.environ.get("LCA_LOCK_TIMEOUT")
    if text is None or not text.strip():
        return LOCK_TIMEOUT_S
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not math.isfinite(value) or value < 0:
        raise LcaError(f"LCA_LOCK_TIMEOUT={text!r}: it must be a number of seconds (0 or more), "
                       f"e.g. LCA_LOCK_TIMEOUT=600; unset it for the default {LOCK_TIMEOUT_S:g} s")
    return value


def _snapshot(fn):
    """Public queries see one consistent project state.

    Waits (shared lock) while another process writes; at the start of the outermost
    call drops caches if any process wrote since (generation), never in the middle.
    Threads of one process are serialized (:data:`lca.brightway.LOCK`).
    """
    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        with brightway.LOCK:  # threads of this process query one at a time (lca.brightway)
            if self._busy:
                return fn(self, *args, **kwargs)
            with self.lock(shared=True):
                self._activate()
                self._busy += 1
                try:
                    return fn(self, *args, **kwargs)
                finally:
                    self._busy -= 1

    return wrapper


class Project:
    """One green-lca project directory (see module docstring).

    Attributes
    ----------
    path : pathlib.Path
        The project directory.
    bw_dir : pathlib.Path
        Its Brightway base directory (open it with bw2data to see the databases).
    calc : lca.calc.Calculator
        Matrices, scores and result tables of the current project state.
    """

    def __init__(self, path: Path, background: str | None = None):
        self.path = Path(path).resolve()
        self.bw_dir = self.path / "brightway"
        self.state_path = self.path / STATE_FILE
        self.lock_path = self.path / LOCK_FILE
        # an imported background (lca.background) to compute on; None = the open ``background``
        self.background = None if background in (None, "", inventory.BACKGROUND_DB) else str(background)
        self.calc = Calculator(self._activate, background=self.background)
        self._cache_generation = None
        self._busy = 0  # depth of public calls in progress (caches are only dropped outside them)
        self._repairing = False

    def __repr__(self) -> str:
        return f"Project({str(self.path)!r})"

    # -- state and activation ----------------------------------------------------------
    def _state(self) -> dict:
        try:
            return json.loads(self.state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise IntegrityError(
                f"{self.state_path} is unreadable ({exc}); delete it and run `lca init` to rebuild"
            ) from exc

    def _save_state(self, state: dict) -> None:
        atomic_write_text(self.state_path, json.dumps(state, indent=1, sort_keys=True), fsync=False)

    def _bump(self, **updates) -> None:
        state = self._state()
        state.update(updates)
        state["generation"] = int(state.get("generation", 0)) + 1
        self._save_state(state)

    def _pending(self) -> list[str]:
        """Databases whose write was started and not finished (state ``pending``)."""
        p = self._state().get("pending")
        return [p] if isinstance(p, str) else list(p or [])

    def _set_pending(self, name: str, on: bool) -> None:
        names = [n for n in self._pending() if n != name] + ([name] if on else [])
        self._bump(pending=names or None)

    def _forget(self) -> None:
        """Drop every cached matrix and table, and re-read bw2data's metadata files."""
        self.calc.clear()
        if brightway.points_at(self.bw_dir):
            brightway.reload_metadata()

    def activate(self):
        """Point bw2data at this project's Brightway directory; return the bw2data module.

        Drops the calculator's caches when any process wrote since they were built
        (never in the middle of a query), and repairs an interrupted write first.
        """
        with brightway.LOCK:
            return self._activate_now()

    def _activate_now(self):
        bd = brightway.point_at(self.bw_dir, self.path / "logs", BW_PROJECT)
        state = self._state()
        gen = state.get("generation")
        if gen != self._cache_generation and not self._busy:
            # another process (or this one) wrote: re-read Brightway's metadata files and
            # drop every cached matrix, score and node table (never in the middle of a call)
            held = _HELD.get(self.path)
            if state.get("pending") and not self._repairing and not (held and held["mode"] == fcntl.LOCK_EX):
                # a writer is at work (wait for it) or was killed mid-write (repair)
                self._repairing = True
                try:
                    self._check_integrity(repair=True)
                finally:
                    self._repairing = False
                gen = self._state().get("generation")
            self._forget()
            self._cache_generation = gen
        return bd

    _activate = activate  # the name the project's own code and older callers use

    # -- locking -----------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, timeout: float | None = None, shared: bool = False):
        """Hold the project's write lock (an OS file lock, re-entrant within a process).

        Parameters
        ----------
        timeout : float, optional
            How long to wait [s] (default ``LCA_LOCK_TIMEOUT``, else 120 s), then
            :class:`lca.LockTimeout` naming the holder's pid.
        shared : bool, default False
            A reader's lock: it only waits for a writer to finish. A process holding the
            shared lock may take the write lock inside it (upgrade).

        Notes
        -----
        Releasing the write lock bumps the generation so that no process keeps caches
        from before. Within a process, threads take the lock one at a time
        (:data:`lca.brightway.LOCK`, held for the whole block), so writes from threads
        are serialized as writes from processes are.
        """
        with brightway.LOCK, self._file_lock(timeout, shared):
            yield

    @contextlib.contextmanager
    def _file_lock(self, timeout: float | None, shared: bool):
        held = _HELD.get(self.path)
        if held is not None and (shared or held["mode"] == fcntl.LOCK_EX):
            held["depth"] += 1
            try:
                yield
            finally:
                held["depth"] -= 1
            return
        mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        timeout = _lock_timeout() if timeout is None else timeout
        outer = held is None
        if outer:
            self.path.mkdir(parents=True, exist_ok=True)
            fh = open(self.lock_path, "a+")
            try:
                self._flock(fh, mode, timeout)
            except BaseException:
                fh.close()
                raise
            held = _HELD[self.path] = {"fh": fh, "depth": 0, "mode": mode}
        else:  # upgrade this process's shared lock to the write lock
            fh = held["fh"]
            self._flock(fh, mode, timeout)
            held["mode"] = mode
        if mode == fcntl.LOCK_EX:
            fh.seek(0)
            fh.truncate()
            fh.write(str(os.getpid()))
            fh.flush()
            self._forget()  # another writer may have rewritten bw2data's metadata files
        held["depth"] += 1
        try:
            yield
        finally:
            held["depth"] -= 1
            try:
                if mode == fcntl.LOCK_EX:
                    with contextlib.suppress(OSError):
                        fh.seek(0)
                        fh.truncate()
                        fh.flush()
                    if self.state_path.exists():
                        self._bump()
                    self._forget()
                    self._cache_generation = self._state().get("generation")
            finally:
                if outer:
                    del _HELD[self.path]
                    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
                    fh.close()
                else:  # back to the shared lock of the enclosing query
                    held["mode"] = fcntl.LOCK_SH
                    self._flock(fh, fcntl.LOCK_SH, _lock_timeout())

    def _flock(self, fh, mode: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh.fileno(), mode | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeout(
                        f"project {self.path} is locked by another writer ({_holder(self.lock_path)}) "
                        f"and the wait of {timeout:.0f} s timed out; retry when it has finished "
                        "(set LCA_LOCK_TIMEOUT to wait longer)"
                    ) from None
                time.sleep(0.05)

    # -- set-up ------------------------------------------------------------------------
    def is_set_up(self) -> bool:
        state = self._state()
        return (
            state.get("setup_complete") is True
            and state.get("inventories_version") == inventory.inventories_version()
            and not state.get("pending")
        )

    def setup(self, force: bool = False) -> "Project":
        """Set up offline and idempotently: biosphere, methods, background; repair damage.

        Parameters
        ----------
        force : bool, default False
            Rewrite the background database even when it is current.

        Returns
        -------
        Project
            ``self``.
        """
        with brightway.LOCK:
            return self._setup(force)

    def _setup(self, force: bool) -> "Project":
        if not force and self.is_set_up():
            self._activate()
            self._check_integrity()
            return self
        with self.lock():
            bd = self._activate()
            state = self._state()
            if inventory.BIOSPHERE_DB not in bd.databases or inventory.BIOSPHERE_DB in self._pending():
                self._write_biosphere()
            self._write_methods(bd)
            if (
                force
                or state.get("inventories_version") != inventory.inventories_version()
                or inventory.BACKGROUND_DB not in bd.databases
                or inventory.BACKGROUND_DB in self._pending()
            ):
                self._write_background()
            for pending in self._pending():
                self._rebuild(pending)
            self._bump(setup_complete=True, inventories_version=inventory.inventories_version(),
                       bw_project=BW_PROJECT)
            self._check_integrity(repair=True)
        return self

    def _write_biosphere(self) -> None:
        import bw2io

        bd = self._activate()
        self._set_pending(inventory.BIOSPHERE_DB, True)
        with brightway.quiet():
            if inventory.BIOSPHERE_DB in bd.databases:  # a killed earlier attempt: start again
                del bd.databases[inventory.BIOSPHERE_DB]
            bw2io.create_default_biosphere3()
        self._set_pending(inventory.BIOSPHERE_DB, False)

    def _write_methods(self, bd) -> None:
        """IPCC 2021 and EF v3.1 from bw2io's shipped LCIA data (flow keys converted to tuples)."""
        import bw2io

        wanted = [m for m in _shipped_methods() if m["name"][0] in METHOD_FAMILIES]
        # a method registered by a writer killed before its data file was written is redone
        missing = [m for m in wanted if m["name"] not in bd.methods or not _method_ok(bd, m["name"])]
        if not missing:
            return
        with brightway.quiet():
            for m in missing:
                method = bd.Method(m["name"])
                method.register(unit=m.get("unit"), description=m.get("description", ""),
                                source="bw2io " + bw2io.__version__ if hasattr(bw2io, "__version__") else "bw2io")
                method.write([(tuple(e["input"]), float(e["amount"])) for e in m["exchanges"]])

    def biosphere_codes(self) -> dict[str, str]:
        """Flow alias (``flows.csv``) -> biosphere3 code."""
        return self.calc.cached("biosphere_codes", self._build_biosphere_codes)

    def _build_biosphere_codes(self) -> dict[str, str]:
        self._activate()
        from bw2data.backends import ActivityDataset as AD

        by_key: dict[tuple, list[str]] = {}
        for alias, f in inventory.flows().items():
            by_key.setdefault((f.name, f.categories), []).append(alias)
        out: dict[str, str] = {}
        for row in AD.select(AD.code, AD.name, AD.data).where(AD.database == inventory.BIOSPHERE_DB):
            for alias in by_key.get((row.name, tuple(row.data.get("categories", ()))), ()):
                out[alias] = row.code
        missing = sorted(set(inventory.flows()) - set(out))
        if missing:
            raise IntegrityError(f"biosphere3 lacks flows {missing}; run `lca init` to rebuild")
        return out

    def _write_background(self) -> None:
        bg = inventory.load_background()
        data = inventory.brightway_datasets(bg, self.biosphere_codes())
        self.write_database(inventory.BACKGROUND_DB, data)

    def _rebuild(self, name: str) -> None:
        """Rebuild database ``name`` after an interrupted or failed write, under the lock.

        A derived database comes back from its source (background: ``inventories/``;
        the databases registered in :mod:`lca.hooks`, e.g. suppliers from the stored
        submissions, models from their definitions); any other from the journal of the
        interrupted write (its complete, validated data). The half-written
        database is deleted first, so a rebuild that fails leaves no half data behind.
        """
        with self.lock():
            bd = self._activate()
            if name == inventory.BIOSPHERE_DB:
                self._write_biosphere()
                return
            from .background import release as bg_release

            if name.endswith(bg_release.TMP_SUFFIX):  # a killed background import: roll back or complete
                bg_release.recover(self, name)
                return
            rebuilders = {inventory.BACKGROUND_DB: self._write_background}
            for derived in hooks.databases():
                rebuilders[derived.name] = functools.partial(derived.rebuild, self)
            journal = self._journal_path(name)
            if name in bd.databases:
                with brightway.quiet():
                    del bd.databases[name]
            if name in rebuilders:
                rebuilders[name]()
            elif journal.exists():
                with open(journal, "rb") as fh:
                    data = pickle.load(fh)
                self.write_database(name, data)
            else:
                print(f"lca: database {name!r} was half written and has no source to rebuild it from; "
                      "it was deleted", file=sys.stderr)
            self._set_pending(name, False)
            journal.unlink(missing_ok=True)

    def _journal_path(self, name: str) -> Path:
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
        return self.path / JOURNAL_DIR / f"{safe}.pickle"

    # -- integrity ---------------------------------------------------------------------
    def _check_integrity(self, repair: bool = True) -> list[str]:
        """Find what a killed writer leaves behind; repair it (under the lock) or refuse.

        Detects: an unfinished write (state ``pending``), missing SQLite indices, processed
        arrays that are missing, truncated, or older than the SQLite data (their own or a
        database they link to). Repairs by rebuilding pending databases and reprocessing;
        what is still wrong after that is an :class:`IntegrityError` naming the fix.
        Returns the problems found.
        """
        problems = self._integrity_problems()
        if not problems or not repair:
            return problems
        with self.lock():  # waits for a writer still at work; then look again
            bd = self._activate()
            problems = self._integrity_problems()
            if problems:
                for pending in self._pending():
                    self._rebuild(pending)
                for name in self._stale_derived(bd):
                    self._rebuild(name)
                if not _indices_ok():
                    from bw2data.backends import SQLiteBackend

                    SQLiteBackend("_indices")._add_indices()
                for name in self._stale_processed(bd):
                    with brightway.quiet():
                        bd.Database(name).process()
                self._forget()
        left = self._integrity_problems()
        if left:
            raise IntegrityError(
                f"project {self.path} is damaged and could not be repaired: {'; '.join(left)}. "
                f"Move it aside and run `lca init` to rebuild it."
            )
        return problems

    def _integrity_problems(self) -> list[str]:
        bd = self._activate()
        problems = [f"an interrupted write of database {name!r}" for name in self._pending()]
        if not _indices_ok():
            problems.append("SQLite indices missing")
        problems += [f"{name}: {why}" for name, why in self._stale_processed(bd, why=True).items()]
        problems += [f"{name}: {why}" for name, why in self._stale_derived(bd).items()]
        return problems

    def _stale_derived(self, bd) -> dict[str, str]:
        """Registered derived databases (:mod:`lca.hooks`) that do not reflect their source (name -> why)."""
        return {d.name: d.stale for d in hooks.databases()
                if d.is_current is not None and not d.is_current(self, bd)}

    def _stale_processed(self, bd, why: bool = False):
        """Databases whose processed arrays do not reflect the SQLite data (name -> reason)."""
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
            elif not _zip_ok(path):
                out[name] = "processed arrays truncated"
            elif meta.get("dirty") or processed < (meta.get("modified") or ""):
                out[name] = "processed arrays older than the data"
            else:
                newer = [d for d in meta.get("depends", [])
                         if processed < (meta_all.get(d, {}).get("modified") or "")]
                if newer:
                    out[name] = f"processed arrays older than the database(s) it links to ({', '.join(newer)})"
        return out if why else list(out)

    # -- safe writes -------------------------------------------------------------------
    def write_database(self, name: str, data: list[dict]) -> None:
        """Validate ``data`` fully, then write database ``name`` under the lock.

        Brightway deletes a database whose write fails, and a killed writer leaves half
        data. So: validate everything first (nothing invalid reaches Brightway); journal
        the validated data and mark the write pending in the state file; write; reprocess
        the databases that link to this one (their arrays hold its node ids); clear the
        mark. A write found pending (killed or failed) is rebuilt from the database's
        source, or replayed from the journal, by the next command (:meth:`_rebuild`).
        """
        with self.lock():
            problems = self._validate_datasets(name, data)
            if problems:
                more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
                raise InputError(f"refusing to write database {name!r}: " + "; ".join(problems[:10]) + more)
            bd = self._activate()
            journal = self._journal_path(name)
            atomic_write(journal, lambda tmp: tmp.write_bytes(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)))
            self._set_pending(name, True)
            try:
                with brightway.quiet():
                    bd.Database(name).write({(d["database"], d["code"]): dict(d) for d in data},
                                            searchable=True)
                    for other in list(bd.databases):
                        if other != name and name in bd.databases[other].get("depends", []):
                            bd.Database(other).process()
            except Exception as exc:
                self._forget()
                raise LcaError(
                    f"writing database {name!r} failed ({exc}); it will be rebuilt from its source "
                    "at the next command"
                ) from exc
            self._set_pending(name, False)
            journal.unlink(missing_ok=True)
            self._forget()

    def delete_database(self, name: str) -> None:
        with self.lock():
            bd = self._activate()
            if name in bd.databases:
                with brightway.quiet():
                    del bd.databases[name]
            self._forget()  # releasing the write lock bumps the generation

    def _validate_datasets(self, name: str, data: list[dict]) -> list[str]:
        self._activate()
        from bw2data.backends import ActivityDataset as AD

        own = {(d.get("database"), d.get("code")) for d in data}
        problems = []
        other_dbs = {k[0] for d in data for e in d.get("exchanges", []) for k in [tuple(e.get("input", ("", "")))]}
        known = set(own)
        for db in other_dbs - {name}:
            known.update((db, c) for (c,) in AD.select(AD.code).where(AD.database == db).tuples())
        seen: set = set()
        for d in data:
            if d.get("database") != name or not d.get("code"):
                problems.append(f"dataset {d.get('code')!r} is not in database {name!r}")
            if d.get("code") in seen:
                problems.append(f"dataset code {d.get('code')!r} appears twice")
            seen.add(d.get("code"))
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

    # -- queries -----------------------------------------------------------------------
    @_snapshot
    def info(self) -> dict:
        bd = self._activate()
        state = self._state()
        import bw2calc
        import bw2io

        return {
            "project": str(self.path),
            "brightway_dir": str(self.bw_dir),
            "brightway_project": BW_PROJECT,
            "versions": {"green-lca": _version(), "bw2data": bd.__version__ if hasattr(bd, "__version__") else "",
                         "bw2calc": getattr(bw2calc, "__version__", ""), "bw2io": getattr(bw2io, "__version__", "")},
            "solver": engine.SOLVER,
            "inventories_dir": str(inventory.inventories_dir()),
            "inventories_version": state.get("inventories_version"),
            "inventories_version_current": inventory.inventories_version(),
            "databases": {n: len(bd.Database(n)) for n in sorted(bd.databases)},
            "background": self.background or inventory.BACKGROUND_DB,
            "backgrounds": self._backgrounds_info(bd),
            "methods": len([m for m in bd.methods]),
            "method_aliases": {k: list(v) for k, v in METHOD_ALIASES.items()},
        }

    def _node_table(self) -> pd.DataFrame:
        """Every activity as a table (:meth:`lca.calc.Calculator.nodes`)."""
        return self.calc.nodes()

    def _ref_of(self, row) -> ActivityRef:
        return self.calc.ref_of(row)

    # older private names of the calculator's public interface (use ``project.calc``)
    def _system(self):
        return self.calc.system()

    def _c(self, method: tuple):
        return self.calc.characterization(method)

    def _scores(self, method: tuple):
        return self.calc.scores(method)

    def method(self, method) -> tuple:
        """The Brightway method tuple of ``method``.

        Parameters
        ----------
        method : str or tuple of str
            A short name (``GWP100``, ``GWP20``, ``EF3.1-climate``, see
            :data:`lca.methods.METHOD_ALIASES`) or a Brightway method tuple of this project.

        Raises
        ------
        lca.InputError
            Unknown name or tuple, with the closest matches.
        """
        return self.calc.method(method)

    @_snapshot
    def footprint(self, target, amount: float = 1.0, method="GWP100") -> Footprint:
        """Cradle-to-gate footprint of ``amount`` units of ``target``.

        Parameters
        ----------
        target : ActivityRef, str, tuple or model
            ``"database:code"``, ``"COMPANY_ID/PRODUCT_ID"``, a ``(database, code)`` key,
            an :class:`~lca.results.ActivityRef`, a Brightway node, or a model of
            :mod:`lca.models` (written into the ``models`` database on first use).
        amount : float, default 1.0
            Units of the target's reference product [unit of the target, e.g. kWh of
            pack capacity for ``battery_pack``, kWp for ``pv_module``, vehicles].
        method : str or tuple, default ``"GWP100"``
            Short name or Brightway method tuple (:meth:`method`).

        Returns
        -------
        lca.Footprint
            Total [score unit, kg CO2-Eq for climate methods] and its breakdowns.

        Raises
        ------
        lca.InputError
            Unknown target or method, or an amount that is not a finite float32 number.
        lca.LcaError
            A singular or non-square product system, or a negative supply in a loop.
        """
        amount = check_amount(amount)
        m = self.method(method)
        node_id, ref = self.resolve_target(target)
        fp = self.calc.footprint(node_id, ref, amount, m)
        if hasattr(target, "extras"):
            fp.extras = target.extras(fp)
        return fp

    @_snapshot
    def footprints(self, method="GWP100", database: str | None = None) -> pd.Series:
        """Every activity's cradle-to-gate score per unit of its product, by one adjoint solve.

        Parameters
        ----------
        method : str or tuple, default ``"GWP100"``
            Short name or Brightway method tuple (:meth:`method`).
        database : str, optional
            Only the activities of this database (default: every database).

        Returns
        -------
        pandas.Series
            Scores [score unit per unit of each activity's product], indexed by ``database:code``.
        """
        return self.calc.footprints(self.method(method), database=database)

    @_snapshot
    def search(self, text: str, limit: int = 10) -> list[ActivityRef]:
        """Background and supplier activities matching ``text`` (English, Chinese alias, or code)."""
        nodes = self._node_table()
        hits: list[str] = []
        res = inventory.resolve_material(text)
        if res.code:
            hits.append(f"{inventory.BACKGROUND_DB}:{res.code}")
        low = text.casefold().strip()
        words = low.split()
        mask = pd.Series(True, index=nodes.index)
        hay = (nodes["name"].fillna("") + " " + nodes["product"].fillna("") + " " + nodes["ref"]).str.casefold()
        for w in words:
            mask &= hay.str.contains(w, regex=False)
        found = nodes[mask].copy()
        found["variant"] = found["code"].str.contains("@")
        found = found.sort_values(["variant", "database", "code"])
        hits.extend(found["ref"].tolist())
        hits.extend(f"{inventory.BACKGROUND_DB}:{c}" for c in inventory.alias_codes(text))  # Chinese names
        for code in res.suggestions:
            c = inventory.aliases().get(code, code)
            hits.append(f"{inventory.BACKGROUND_DB}:{c}")
        by_ref = nodes.set_index("ref")
        out, seen = [], set()
        for ref in hits:
            if ref in seen or ref not in by_ref.index:
                continue
            seen.add(ref)
            out.append(self._ref_of(by_ref.loc[ref].to_dict() | {"ref": ref}))
            if len(out) >= limit:
                break
        return out

    def resolve_target(self, target) -> tuple[int, ActivityRef]:
        """Any accepted target form -> (node id, ActivityRef); InputError with closest matches."""
        key = self._registered_key(target)
        nodes = self._node_table()  # after the registered resolvers: a model may just have been written
        if key is not None:
            pass
        elif hasattr(target, "key") and isinstance(getattr(target, "key"), tuple):
            key = target.key
        elif isinstance(target, tuple) and len(target) == 2:
            key = (str(target[0]), str(target[1]))
        elif isinstance(target, str):
            text = target.strip()
            key = tuple(text.split(":", 1)) if ":" in text else (inventory.BACKGROUND_DB, text)
        if key is None:
            raise InputError(f"cannot use {target!r} as a target: give 'database:code', an ActivityRef, "
                             "a (database, code) tuple, a model, or 'COMPANY_ID/PRODUCT_ID'")
        ref = f"{key[0]}:{key[1]}"
        match = nodes[nodes["ref"] == ref]
        if match.empty:
            close = difflib.get_close_matches(ref, nodes["ref"].tolist(), n=5, cutoff=0.6)
            if not close:
                close = [r.ref for r in self.search(str(key[1]).replace("-", " "), limit=5)]
            hint = f"; closest matches: {', '.join(close)}" if close else ""
            raise InputError(f"unknown target {ref!r}{hint}. Find targets with `lca search TEXT`.")
        row = match.iloc[0]
        return int(row["id"]), self._ref_of(row)

    def _registered_key(self, target) -> tuple[str, str] | None:
        """The key of an ActivityRef, or of a target form a registered package defines (:mod:`lca.hooks`)."""
        if isinstance(target, ActivityRef):
            return target.key
        for derived in hooks.databases():  # models (written on first use), supplier products
            if derived.resolve_target is not None:
                key = derived.resolve_target(self, target)
                if key is not None:
                    return key
        return None

    # -- imported backgrounds (lca.background) ------------------------------------------
    def import_background(self, path=None, name: str | None = None, brightway_dir=None, bw_project=None,
                          database=None, progress: bool = False, mapping=None, release: str | None = None,
                          flow_map=None):
        """Import an ecoSpold2 release folder, or copy a database of another Brightway project.

        Parameters
        ----------
        path : path-like, optional
            The release folder (``datasets/`` + ``MasterData/``).
        name : str
            The background's database name (``--background NAME`` later).
        brightway_dir, bw_project, database : optional
            Copy ``database`` of project ``bw_project`` in Brightway base directory ``brightway_dir``.
        progress : bool
            A progress bar on stderr while reading datasets.
        mapping : path-like, optional
            Material mapping file (default: the release's in ``inventories/mappings``).
        release : str, optional
            The ecoinvent release of a copied database (``3.10``) if its metadata lacks it.
        flow_map : path-like, optional
            CSV ``release_uuid, ecoinvent_uuid, note``: the ecoinvent 3.9 flow whose factors a
            release flow gets (default: the 3.9 flow of the same name, compartment and unit).

        Returns
        -------
        lca.background.BackgroundImport
        """
        from .background import release as bg_release

        if brightway_dir is not None:
            if not (bw_project and database):
                raise InputError("copying from a Brightway directory needs --bw-project P and --database DB")
            return bg_release.import_brightway(self, brightway_dir, bw_project, database, name=name,
                                               progress=progress, mapping=mapping, release=release)
        if path is None or not name:
            raise InputError("import_background needs the release folder and a name (--name NAME)")
        return bg_release.import_release(self, path, name, progress=progress, mapping=mapping, flow_map=flow_map)

    def _backgrounds_info(self, bd) -> dict:
        from .background import release as bg_release

        out = {inventory.BACKGROUND_DB: {"kind": "open", "source": str(inventory.inventories_dir())}}
        for name, meta in bg_release.backgrounds(bd).items():
            out[name] = {k: meta.get(k) for k in ("kind", "source", "release", "system_model", "mapping",
                                                   "datasets", "exchanges", "imported")}
            out[name]["new_flows"] = len(meta.get("new_flows") or [])
        return out

    def _check_background(self) -> None:
        """InputError listing the backgrounds if ``self.background`` is not imported here."""
        if self.background:
            from .background import bridge

            bridge.known(self._activate(), self.background)

    # -- supply chains and comparisons (their own packages, registered in lca.hooks) ---
    def import_workbook(self, path, dry_run: bool = False, annotate=None):
        """Validate and store one supplier workbook (or PACT JSON file); see :meth:`import_files`."""
        return hooks.query("import_files")(self, [path], dry_run=dry_run, annotate=annotate)

    def import_files(self, paths, dry_run: bool = False, annotate=None, lang: str | None = None):
        """Validate and store supplier workbooks / PACT JSON files (:func:`lca.supply.importer.import_files`).

        Parameters
        ----------
        paths : iterable of path-like
            ``.xlsx`` supplier workbooks or PACT ``.json`` files.
        dry_run : bool, default False
            Validate and link only; write nothing.
        annotate : path-like, optional
            Write a copy of the workbook with every issue marked on its cell.
        lang : {"en", "zh"}, optional
            Language of the summary and the annotated copy; default: the workbooks' language.

        Returns
        -------
        lca.ImportReport
        """
        return hooks.query("import_files")(self, list(paths), dry_run=dry_run, annotate=annotate, **(
            {"lang": lang} if lang else {}))

    @_snapshot
    def profile(self, product: str, method="GWP100", allow_incomplete: bool = False):
        """Supply-chain carbon profile of an imported supplier product (:func:`lca.supply.rollup.profile`).

        Parameters
        ----------
        product : str
            ``COMPANY_ID/PRODUCT_ID`` of an imported product.
        method : str or tuple, default ``"GWP100"``
            Short name or Brightway method tuple (:meth:`method`).
        allow_incomplete : bool, default False
            Give a flagged partial profile when supplier references are unresolved.

        Returns
        -------
        lca.CarbonProfile
            Per ``declared_amount`` of the product's ``declared_unit`` [score unit].
        """
        return hooks.query("profile")(self, product, method=method, allow_incomplete=allow_incomplete)

    @_snapshot
    def compare(self, targets, method="GWP100", **options):
        """Several targets or models side by side (:func:`lca.compare.compare`).

        Parameters
        ----------
        targets : iterable
            Targets as for :meth:`footprint`; models count with their default amount.
        method : str or tuple, default ``"GWP100"``
        **options
            ``amounts`` (per-target amounts [unit of each]), ``uncertainty`` (Monte Carlo samples),
            ``seed``, ``scheduler``, ``units`` (``"refuse"`` or ``"warn"`` on different units).

        Returns
        -------
        lca.Comparison
        """
        return hooks.query("compare")(self, list(targets), method=method, **options)

    @_snapshot
    def uncertainty(self, target, n: int = 10_000, seed: int | None = None, scheduler=None, **options):
        """Monte Carlo distribution of a target's footprint (:func:`lca.uncertainty.uncertainty`).

        Parameters
        ----------
        target : as for :meth:`footprint`
        n : int, default 10 000
            Samples [-].
        seed : int, optional
            The same seed gives the same samples, with or without a scheduler.
        scheduler : str, optional
            ``local:N`` or ``tcp://HOST:PORT`` (Dask); None runs in-process.
        **options
            ``amount`` [unit of the target], ``method``, ``background``, ``foreground``, ``rows``,
            ``only``, ``dists``.

        Returns
        -------
        lca.results.Distribution
        """
        return hooks.query("uncertainty")(self, target, n=n, seed=seed, scheduler=scheduler, **options)

    @_snapshot
    def sensitivity(self, target, **options):
        """Which parameters drive the variance: Sobol indices (:func:`lca.sensitivity.sensitivity`).

        Returns
        -------
        lca.sensitivity.Sensitivity
        """
        return hooks.query("sensitivity")(self, target, **options)


def _holder(lock_path: Path) -> str:
    """``pid N`` of the process that holds the write lock, as it wrote it in the lock file."""
    try:
        text = lock_path.read_text().strip()
    except OSError:
        text = ""
    if text.isdigit():
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(int(text), 0)
            return f"pid {text}"
    return "pid unknown: a process reading it, or one that just started"


def _zip_ok(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.testzip() is None and bool(zf.namelist())
    except (zipfile.BadZipFile, OSError, EOFError):
        return False


def _method_ok(bd, name: tuple) -> bool:
    """The method's data file exists and loads (a writer may have been killed after registering it)."""
    try:
        return bool(bd.Method(name).load())
    except Exception:
        return False


def _indices_ok() -> bool:
    from bw2data.backends import sqlite3_lci_db

    names = {r[0] for r in sqlite3_lci_db.execute_sql("SELECT name FROM sqlite_master WHERE type='index'")}
    return {"activitydataset_key", "exchangedataset_input", "exchangedataset_output"} <= names


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("green-lca")
    except Exception:
        return "0+unknown"


_SHIPPED: list = []


def _shipped_methods() -> list[dict]:
    """The LCIA methods in bw2io's ``lcia_39_ecoinvent.zip``, names as tuples."""
    if not _SHIPPED:
        import bw2io

        fp = Path(bw2io.__file__).parent / "data" / "lcia" / "lcia_39_ecoinvent.zip"
        with zipfile.ZipFile(fp) as zf:
            data = json.load(io.TextIOWrapper(zf.open("data.json"), encoding="utf-8"))
        for m in data:
            m["name"] = tuple(m["name"])
        _SHIPPED.extend(data)
    return _SHIPPED
