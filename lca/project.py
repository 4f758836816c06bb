"""The embedded Brightway project: where it lives, its state, safe writes, integrity repair, queries.

A project directory holds a Brightway base directory of its own
(``brightway/``), a state file (``green-lca.json``) and a lock file. Set-up is
offline and idempotent (:mod:`lca.setup`): the biosphere and LCIA methods come
from the data bw2io ships, the background database from ``inventories/``. Every
write happens under one OS file lock (:mod:`lca.locking`), is validated before
Brightway sees it, and bumps a generation counter so no process keeps results
computed before another wrote.

Computation is composed, not inherited: ``project.calc`` is the project's
:class:`lca.calc.Calculator` (matrices, scores, result tables, the per-state
cache). The packages built on a project (``lca.supply``, ``lca.models``,
``lca.compare``) register their derived databases and queries in
:mod:`lca.hooks`; this module imports none of them.
"""
from __future__ import annotations

import contextlib
import difflib
import functools
import os
from pathlib import Path

import pandas as pd

from . import additions, brightway, engine, fingerprints, hooks, integrity, inventory, locking, outside
from . import setup as project_setup
from .calc import Calculator, check_amount
from .errors import InputError, LcaError
from .methods import METHOD_ALIASES
from .results import ActivityRef, Footprint
from .state import ProjectState

BW_PROJECT = project_setup.BW_PROJECT
STATE_FILE = "green-lca.json"
LOCK_FILE = "write.lock"
LOCK_TIMEOUT_S = locking.LOCK_TIMEOUT_S  # [s] default wait for the write lock (lca.locking)
JOURNAL_DIR = integrity.JOURNAL_DIR  # validated data of a database write in progress, replayed if it is interrupted


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

    Parameters
    ----------
    path : str or path-like, optional
        The project directory [-], created if missing; default ``LCA_PROJECT``, then the
        per-user data directory (:func:`default_path`).
    setup : bool, default True
        Set up what is missing or out of date (:mod:`lca.setup`: biosphere3, the IPCC 2021
        and EF v3.1 methods bw2io ships, the background of ``inventories/``) and repair what
        an interrupted write left; False opens without touching the directory.
    background : str, optional
        An imported background database [-] (``lca background import``) that models and
        supplier materials resolve to; default the open ``background``.

    Returns
    -------
    Project

    Raises
    ------
    lca.InputError
        ``background`` is not imported in this project (the message lists those that are).
    lca.LockTimeout
        Another process held the write lock longer than ``LCA_LOCK_TIMEOUT`` [s] during set-up.
    lca.IntegrityError
        The project is damaged beyond repair (move it aside and run ``lca init``).

    References
    ----------
    .. [1] IPCC (2021). Climate Change 2021: The Physical Science Basis, AR6 WG1, Table 7.15
       (GWP100, GWP20 of the ``IPCC 2021`` methods, :mod:`lca.methods`).
    .. [2] European Commission (2022). Environmental Footprint 3.1 (the ``EF v3.1`` methods),
       as shipped by bw2io in ``lcia_39_ecoinvent.zip``.
    """
    proj = Project(Path(path).expanduser() if path is not None else default_path(), background=background)
    if setup:
        proj.setup()
        proj._check_background()
    return proj


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
                self.activate()
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
        self.state = ProjectState(self.state_path)  # set-up record, generation, pending writes (lca.state)
        self.lock_path = self.path / LOCK_FILE
        # an imported background (lca.background) to compute on; None = the open ``background``
        self.background = None if background in (None, "", inventory.BACKGROUND_DB) else str(background)
        self.calc = Calculator(self.activate, background=self.background, cache_dir=self.path / "cache")
        self._cache_generation = None
        self._busy = 0  # depth of public calls in progress (caches are only dropped outside them)
        self._repairing = False
        self._fp_before = None  # database fingerprints when the write lock was taken (lca.fingerprints)

    def __repr__(self) -> str:
        return f"Project({str(self.path)!r})"

    # -- state and activation ----------------------------------------------------------
    def forget_caches(self) -> None:
        """Drop every cached matrix and table, and re-read bw2data's metadata files.

        For code that writes Brightway's store itself (:mod:`lca.integrity`, :mod:`lca.background.release`).
        """
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
        state = self.state.read()
        gen = state.get("generation")
        if gen != self._cache_generation and not self._busy:
            # another process (or this one) wrote: re-read Brightway's metadata files and
            # drop every cached matrix, score and node table (never in the middle of a call)
            if state.get("pending") and not self._repairing and not locking.held_exclusive(self.path):
                # a writer is at work (wait for it) or was killed mid-write (repair)
                self._repairing = True
                try:
                    integrity.check(self, repair=True)
                finally:
                    self._repairing = False
                gen = self.state.generation
            self.forget_caches()
            self._cache_generation = gen
        return bd

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
        with brightway.LOCK, locking.file_lock(self.path, self.lock_path, timeout, shared,
                                               on_write=self._write_started, after_write=self._after_write):
            yield

    def _write_started(self) -> None:
        """On taking the write lock: drop caches, note the databases' fingerprints (:mod:`lca.fingerprints`)."""
        self.forget_caches()
        self._fp_before = fingerprints.current(self.bw_dir, BW_PROJECT)

    def modified_outside(self) -> list[dict]:
        """Databases changed outside green-lca since it wrote them: ``[{"database", "since"}]`` (:mod:`lca.outside`)."""
        return outside.modified(self)

    def repair(self) -> list[dict]:
        """Restore the databases green-lca provides that were changed outside it (:func:`lca.outside.repair`)."""
        return outside.repair(self)

    def _after_write(self) -> None:
        """On releasing the write lock: bump the generation, drop caches, note the new generation."""
        if self.state.exists():
            self.state.bump(fingerprints=outside.record(self, self._fp_before))
        self.forget_caches()
        self._cache_generation = self.state.generation

    # -- set-up ------------------------------------------------------------------------
    def is_set_up(self) -> bool:
        """Whether the project was set up with the current ``inventories/`` and no write is pending."""
        state = self.state.read()
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
            if not force and self.is_set_up():
                self.activate()
                integrity.check(self)
                return self
            with self.lock():
                bd = self.activate()
                state = self.state.read()
                methods = state.get("methods")
                if inventory.BIOSPHERE_DB not in bd.databases or inventory.BIOSPHERE_DB in self.state.pending():
                    project_setup.write_biosphere(self)
                    methods = project_setup.write_methods(bd, rewrite=True)  # new flow ids: every method again
                elif not project_setup.methods_current(bd, methods):
                    methods = project_setup.write_methods(bd)
                if (force or state.get("inventories_version") != inventory.inventories_version()
                        or inventory.BACKGROUND_DB not in bd.databases
                        or inventory.BACKGROUND_DB in self.state.pending()):
                    project_setup.write_background(self)
                for pending in self.state.pending():
                    integrity.rebuild(self, pending)
                self.state.bump(setup_complete=True, inventories_version=inventory.inventories_version(),
                                bw_project=BW_PROJECT, methods=methods)
                integrity.check(self, repair=True)
            return self

    def biosphere_codes(self) -> dict[str, str]:
        """Flow alias (``flows.csv``) -> biosphere3 code."""
        return self.calc.cached("biosphere_codes", functools.partial(project_setup.biosphere_codes, self))

    # -- safe writes -------------------------------------------------------------------
    def write_database(self, name: str, data: list[dict]) -> None:
        """Validate ``data`` fully, then write database ``name`` under the lock.

        Brightway deletes a database whose write fails, and a killed writer leaves half
        data. So: validate everything first (nothing invalid reaches Brightway); journal
        the validated data and mark the write pending in the state file; write; reprocess
        the databases that link to this one (their arrays hold its node ids); clear the
        mark. A write found pending (killed or failed) is rebuilt from the database's
        source, or replayed from the journal, by the next command (:func:`lca.integrity.rebuild`).
        """
        with self.lock():
            bd = self.activate()
            problems = integrity.validate_datasets(name, data)
            if problems:
                more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
                raise InputError(f"refusing to write database {name!r}: " + "; ".join(problems[:10]) + more)
            journal = integrity.journal_path(self.path, name)
            integrity.write_journal(journal, name, data)
            self.state.set_pending(name, True)
            try:
                with brightway.quiet():
                    bd.Database(name).write({(d["database"], d["code"]): dict(d) for d in data},
                                            searchable=False, check_typos=False)  # validated above; no FTS index
                    for other in list(bd.databases):
                        if other != name and name in bd.databases[other].get("depends", []):
                            bd.Database(other).process()
            except Exception as exc:
                self.forget_caches()
                raise LcaError(
                    f"writing database {name!r} failed ({exc}); it will be rebuilt from its source "
                    "at the next command"
                ) from exc
            self.state.set_pending(name, False)
            journal.unlink(missing_ok=True)
            self.forget_caches()

    def delete_database(self, name: str) -> None:
        with self.lock():
            bd = self.activate()
            if name in bd.databases:
                with brightway.quiet():
                    del bd.databases[name]
            self.forget_caches()  # releasing the write lock bumps the generation

    def add_datasets(self, name: str, data: list[dict], replay: bool = False) -> None:
        """Add new datasets to ``name``, the rest untouched, as safely as a full write (:func:`lca.additions.add`)."""
        additions.add(self, name, data, replay)

    # -- queries -----------------------------------------------------------------------
    @_snapshot
    def info(self) -> dict:
        bd = self.activate()
        state = self.state.read()
        return {
            "project": str(self.path),
            "brightway_dir": str(self.bw_dir),
            "brightway_project": BW_PROJECT,
            "versions": {"green-lca": _version(), "bw2data": bd.__version__ if hasattr(bd, "__version__") else "",
                         "bw2calc": _version("bw2calc", ""), "bw2io": _version("bw2io", "")},  # not imported: ~0.3 s
            "solver": engine.SOLVER,
            "inventories_dir": str(inventory.inventories_dir()),
            "inventories_version": state.get("inventories_version"),
            "inventories_version_current": inventory.inventories_version(),
            "databases": {n: len(bd.Database(n)) for n in sorted(bd.databases)},
            "background": self.background or inventory.BACKGROUND_DB,
            "backgrounds": self._backgrounds_info(bd),
            "methods": len([m for m in bd.methods]),
            "method_aliases": {k: list(v) for k, v in METHOD_ALIASES.items()},
            "modified_outside": self.modified_outside(),
        }

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
            fp.extras = target.extras(fp, self)
        fp.warnings += outside.warnings(self)
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
            Scores [score unit per unit of each activity's product], indexed by ``database:code``;
            ``attrs["warnings"]`` names the databases changed outside green-lca (:mod:`lca.outside`).
        """
        return outside.with_warnings(self, self.calc.footprints(self.method(method), database=database))

    @_snapshot
    def search(self, text: str, limit: int = 10) -> list[ActivityRef]:
        """Background and supplier activities matching ``text`` (English, Chinese alias, or code)."""
        return self.calc.search(text, limit=limit)

    def resolve_target(self, target) -> tuple[int, ActivityRef]:
        """Any accepted target form -> (node id, ActivityRef); InputError with closest matches."""
        key = self._registered_key(target)
        nodes = self.calc.nodes()  # after the registered resolvers: a model may just have been written
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
        return int(row["id"]), self.calc.ref_of(row)

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
                          flow_map=None, with_linked: bool = False, allocate: str | None = None):
        """Import an ecoSpold2 release folder, or copy a database of another Brightway project.

        Parameters
        ----------
        path : path-like, optional
            The release folder (``datasets/`` + ``MasterData/``).
        name : str
            The background's database name (``--background NAME`` later).
        brightway_dir, bw_project, database, with_linked, allocate : optional
            Copy ``database`` of ``bw_project`` in ``brightway_dir``; ``with_linked``, ``allocate``: :mod:`lca.background`.
        progress : bool
            A progress bar on stderr while reading datasets.
        mapping : path-like, optional
            Material mapping file (default: the release's in ``inventories/mappings``).
        release : str, optional
            The ecoinvent release (``3.10``) of a copied database or a release folder that does not say.
        flow_map : path-like, optional
            CSV ``release_uuid, ecoinvent_uuid, note``: the ecoinvent 3.9 flow whose factors a
            release flow gets (default: the 3.9 flow of the same name, compartment and unit).

        Returns
        -------
        lca.background.BackgroundImport
        """
        from .background import linked, release as bg_release

        if brightway_dir is not None:
            if not (bw_project and database):
                raise InputError("copying from a Brightway directory needs --bw-project P and --database DB")
            copy = linked.import_with_linked if with_linked else bg_release.import_brightway
            return copy(self, brightway_dir, bw_project, database, name, progress, mapping, release, allocate=allocate)
        if path is None or not name:
            raise InputError("import_background needs the release folder and a name (--name NAME)")
        return bg_release.import_release(self, path, name, progress, mapping, flow_map, release)

    def _backgrounds_info(self, bd) -> dict:
        from .background import release as bg_release

        out = {inventory.BACKGROUND_DB: {"kind": "open", "source": str(inventory.inventories_dir())}}
        for name, meta in bg_release.backgrounds(bd).items():
            out[name] = {k: meta.get(k) for k in ("kind", "source", "release", "system_model", "mapping",
                                                   "datasets", "exchanges", "imported")}
            out[name]["new_flows"] = len(meta.get("new_flows") or [])
        return out

    def remove_background(self, name: str) -> dict:
        """Delete imported background ``name``, refused while anything links to it (:mod:`lca.background.manage`)."""
        return hooks.query("remove_background")(self, name)

    def export(self, database: str, fmt: str, out) -> dict:
        """``database`` as ``olca-jsonld`` or ``bw-excel`` to ``out`` (:func:`lca.exports.export`)."""
        return hooks.query("export")(self, database, fmt, out)

    def _check_background(self) -> None:
        """InputError listing the backgrounds if ``self.background`` is not imported here."""
        if self.background:
            from .background import bridge

            bridge.known(self.activate(), self.background)

    # -- supply chains and comparisons (their own packages, registered in lca.hooks) ---
    def import_workbook(self, path, dry_run: bool = False, annotate=None):
        """Validate and store one supplier workbook (or PACT JSON file); see :meth:`import_files`."""
        return hooks.query("import_files")(self, [path], dry_run=dry_run, annotate=annotate)

    def import_files(self, paths, dry_run: bool = False, annotate=None, lang: str | None = None, **options):
        """Validate and store supplier workbooks / PACT JSON files (:func:`lca.supply.importer.import_files`).

        Parameters
        ----------
        paths : iterable of path-like
            ``.xlsx`` supplier workbooks or PACT ``.json`` files.
        dry_run : bool, default False
            Validate and link only; write nothing.
        annotate : path-like, optional
            Write a copy of the workbook with every issue marked on its cell.
        lang : {"en", "zh"}, optional; options: ``strict`` (implausible quantities are errors), ``by`` (who imports)
            Language of the summary and the annotated copy; default: the workbooks' language.

        Returns
        -------
        lca.ImportReport
        """
        return hooks.query("import_files")(self, list(paths), dry_run=dry_run, annotate=annotate, **options, **(
            {"lang": lang} if lang else {}))

    @_snapshot
    def profile(self, product: str, method="GWP100", allow_incomplete: bool = False, period=None):
        """Supply-chain carbon profile of an imported product, of reporting year ``period`` (default the latest).

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
        prof = hooks.query("profile")(self, product, method=method, allow_incomplete=allow_incomplete, period=period)
        outside.annotate_profile(self, prof)
        return prof

    @_snapshot
    def compare(self, targets, method="GWP100", **options):
        """Several targets or models side by side (:func:`lca.compare.compare`).

        Parameters
        ----------
        targets : iterable
            Targets as for :meth:`footprint`; 1 unit of each unless ``amounts`` (one amount rule).
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
    def declare(self, target, rules="eu-2024-draft", **options):
        """Battery carbon footprint declaration under a rule set -> Declaration (:func:`lca.declare.declare`)."""
        return hooks.query("declare")(self, target, rules, **options)

    @_snapshot
    def sensitivity(self, target, **options):
        """Which parameters drive the variance: Sobol indices (:func:`lca.sensitivity.sensitivity`).

        Returns
        -------
        lca.sensitivity.Sensitivity
        """
        return hooks.query("sensitivity")(self, target, **options)


def _version(dist: str = "green-lca", unknown: str = "0+unknown") -> str:
    """The installed version of distribution ``dist`` (read from its metadata, without importing it)."""
    try:
        from importlib.metadata import version

        return version(dist)
    except Exception:
        return unknown
