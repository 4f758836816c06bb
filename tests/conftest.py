"""Shared test set-up: one project per test session, never the user's Brightway directory.

The project is set up once and copied: the set-up project (the template) is kept in the
system's temporary directory under a content hash of everything it is built from (lca/,
inventories/, this file, the Python and Brightway versions), so a run after a change to
any of them builds a new one and an unchanged checkout reuses it; a fresh clone or a
rebooted machine builds it once. The first process to need it builds it under a file lock
(so the xdist workers of a run, and concurrent runs, share one build) and every worker
copies it, so no two processes ever write into one project.
"""
import hashlib
import os
import shutil
import sys
import tempfile
from importlib import metadata
from pathlib import Path

# Bytecode kept between runs, outside the checkout. A machine that sets PYTHONDONTWRITEBYTECODE (this
# one does) otherwise has every worker and every `lca` subprocess compile lca/ and pytest rewrite every
# test module again: 4.5 of a worker's 9 s of collection, and ~0.5 s of each subprocess, measured. The
# prefix directory keeps the source tree clean; Python writes each .pyc atomically, so workers share it.
# It lives in the system's temporary directory as the first process of the run found it (kept between runs).
_KEPT = Path(os.environ.setdefault("GREEN_LCA_TEST_KEPT", tempfile.gettempdir()))
_PYCACHE = _KEPT / f"green-lca-test-pycache-{os.getuid()}"
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
os.environ["PYTHONPYCACHEPREFIX"] = str(_PYCACHE)
sys.dont_write_bytecode = False
sys.pycache_prefix = str(_PYCACHE)

# Fewer garbage collections: a test process holds large object graphs (bw2data, pandas, scipy) that the
# default thresholds (a collection every 700 allocations) walk again and again.
import gc  # noqa: E402

gc.set_threshold(100_000, 20, 20)


def _memory_scratch(min_free: int = 8 * 2 ** 30) -> str | None:
    """A directory in ``/dev/shm`` for the run's scratch files when it is a tmpfs with ``min_free`` bytes free.

    A whole run writes ~1.8 GB of projects, stores and workbooks (a passed test's are removed at its end:
    ``tmp_path_retention_policy`` in pyproject.toml), and each of the product's atomic writes fsyncs
    (a write-back to disk on ext4, nothing on tmpfs): measured, the quick tier ran 88 s on disk and 79 s
    here. The product's code is the same (the fsyncs are still made; a killed process loses nothing either
    way, since the page cache survives it). ``GREEN_LCA_TEST_DISK=1`` keeps the scratch on disk, and a
    small ``/dev/shm`` (a container's 64 MB default, or under 8 GiB free) is not used. Its files are
    memory: a container's memory limit counts them.
    """
    if os.environ.get("GREEN_LCA_TEST_DISK", "") not in ("", "0"):
        return None
    shm = Path("/dev/shm")
    try:
        st = os.statvfs(shm)
        is_tmpfs = any(line.split()[1:3] == [str(shm), "tmpfs"] for line in open("/proc/mounts", encoding="utf-8"))
    except OSError:
        return None
    if not is_tmpfs or st.f_bavail * st.f_frsize < min_free or not os.access(shm, os.W_OK):
        return None
    d = shm / f"green-lca-tests-{os.getuid()}"
    try:
        d.mkdir(mode=0o700, exist_ok=True)
        mine = d.stat().st_uid == os.getuid() and os.access(d, os.W_OK | os.X_OK)
    except OSError:
        return None
    return str(d) if mine else None  # another user's directory: the scratch stays on disk


# The scratch directory of the run, inherited by the xdist workers (started after this file is read) and by
# every subprocess; pytest's own tmp_path directories follow tempfile.gettempdir()
if "GREEN_LCA_TEST_SCRATCH" not in os.environ:
    os.environ["GREEN_LCA_TEST_SCRATCH"] = _memory_scratch() or str(_KEPT)
os.environ["TMPDIR"] = os.environ["GREEN_LCA_TEST_SCRATCH"]
tempfile.tempdir = None  # gettempdir() reads TMPDIR again

_ROOT = Path(tempfile.mkdtemp(prefix="green-lca-tests-"))
os.environ["BRIGHTWAY2_DIR"] = str(_ROOT / "bw-scratch")
os.environ["LCA_PROJECT"] = str(_ROOT / "default-project")
os.environ.setdefault("LCA_LOCK_TIMEOUT", "60")
(_ROOT / "bw-scratch").mkdir()


def _mkl_rt() -> str | None:
    """The MKL library pypardiso would load, found the way pypardiso finds it (ctypes' find_library,
    then the shortest loadable ``*mkl_rt*`` under the environment's lib directories)."""
    import ctypes
    import glob
    import importlib.util
    import site
    from ctypes.util import find_library

    if importlib.util.find_spec("pypardiso") is None:
        return None
    found = find_library("mkl_rt") or find_library("mkl_rt.1")
    if found:
        return found
    for base in (sys.prefix, site.USER_BASE):
        for path in sorted(glob.glob(f"{base}/[Ll]ib*/**/*mkl_rt*", recursive=True), key=len):
            try:
                ctypes.CDLL(path)
                return path
            except OSError:
                continue
    return None


# pypardiso searches for MKL (ldconfig, ld, gcc, a recursive glob of the environment: ~0.6 s) at each
# import and each solver it makes; found once here (the first process of a run), every process and
# subprocess of the run is told where it is (pypardiso's own setting)
if "PYPARDISO_MKL_RT" not in os.environ:
    _found = _mkl_rt()
    if _found:
        os.environ["PYPARDISO_MKL_RT"] = _found


import pytest  # noqa: E402


def _template_hash() -> str:
    """A hash of everything the set-up project is built from (a stale template can never be used): the Python
    and every installed distribution's version, the conftest, the lca package imported and the inventories
    it reads (``LCA_INVENTORIES`` included)."""
    import lca
    from lca import paths

    h = hashlib.sha256()
    dists = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    for v in [sys.version, os.environ.get("LCA_INVENTORIES", ""), *dists]:
        h.update(v.encode() + b"\0")
    roots = {"lca": Path(lca.__file__).resolve().parent, "inventories": Path(paths.inventories_dir()).resolve()}
    files = [("conftest", Path(__file__))] + sorted(
        (name, p) for name, root in roots.items() for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for name, p in files:
        rel = p.name if name == "conftest" else p.relative_to(roots[name]).as_posix()
        h.update(f"{name}/{rel}".encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:20]


def _set_up_once() -> Path:
    """The set-up project of this checkout (built by the first process to get here, kept between runs:
    tests/kept_util.py, under :func:`_template_hash`)."""
    import lca

    from kept_util import kept_dir

    def build(d: Path) -> None:
        env = os.environ.get("BRIGHTWAY2_DIR")
        try:
            lca.open_project(d / "project")
        finally:  # the first open in a process points BRIGHTWAY2_DIR at the build, renamed when built: the
            # subprocesses this worker starts later must not inherit a directory that is gone
            if env is None:
                os.environ.pop("BRIGHTWAY2_DIR", None)
            else:
                os.environ["BRIGHTWAY2_DIR"] = env

    return kept_dir("set-up", [_template_hash()], build) / "project"


@pytest.fixture(scope="session")
def session_project():
    """The one set-up project shared by the whole test session (a copy of the run's set-up)."""
    import lca

    template = _set_up_once()
    d = _ROOT / "session-project"
    shutil.copytree(template, d, ignore=shutil.ignore_patterns("write.lock"))
    return lca.open_project(d)


@pytest.fixture(scope="module")
def module_project(session_project, tmp_path_factory):
    """A private copy of the session project for one test module: its writes never touch the shared one.

    Copied (not set up again) under the session project's lock, so it costs a file copy.
    """
    import lca

    d = tmp_path_factory.mktemp("module-project") / "project"
    session_project.activate()
    with session_project.lock():  # a quiet moment: nobody writes while we copy
        shutil.copytree(session_project.path, d, ignore=shutil.ignore_patterns("write.lock"))
    return lca.open_project(d)


@pytest.fixture(scope="module")
def project(request):
    """The project a test module works on.

    A module that writes (imports workbooks, writes databases) says so with
    ``WRITES_PROJECT = True`` and gets its own copy (:func:`module_project`), so no module
    sees another's data; the others share the session project.
    """
    if getattr(request.module, "WRITES_PROJECT", False):
        return request.getfixturevalue("module_project")
    return request.getfixturevalue("session_project")


@pytest.fixture(scope="module")
def project_dir(project) -> Path:
    """The directory of :func:`project` (for ``lca --project DIR`` calls)."""
    return project.path


@pytest.fixture(scope="session")
def gwp100():
    return ("IPCC 2021", "climate change", "global warming potential (GWP100)")


# Test files by decreasing cost (seconds of one worker in the whole suite, `--durations`, session 7).
# With `--dist loadfile` xdist hands out whole files in collection order (`--no-loadscope-reorder` in
# pyproject.toml; its default orders by number of tests), so the longest files start first and the two
# workers finish together instead of one running a kill-test file alone at the end. A file not listed
# keeps its place after them; a stale list costs balance, never a test.
HEAVY_FIRST = [
    "test_project_kills.py", "test_supply_store_kills.py", "test_background_release.py", "test_cold_start.py",
    "test_background_checks.py", "test_exports.py", "test_design_answers.py", "test_portal.py",
    "test_project_storage.py", "test_robustness_bombs.py", "test_portal_browser.py", "test_uncertainty.py",
    "test_server_load.py", "test_declare.py", "test_profile_figures.py", "test_uncertainty_compare.py",
    "test_server_guard.py", "test_uncertainty_cluster.py", "test_models.py", "test_project.py",
    "test_server_integrity.py", "test_server_publish.py", "test_project_threads.py",
]


def pytest_collection_modifyitems(session, config, items):
    """Heaviest test files first (:data:`HEAVY_FIRST`); a stable sort keeps each file's tests together and in order."""
    rank = {name: i for i, name in enumerate(HEAVY_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def pytest_sessionfinish(session):
    """The tests are done: the heap is frozen (``gc.freeze``), so neither pytest's last collection nor the
    interpreter's at exit walks a worker's whole heap (2 s per worker at the end of the run, measured with
    py-spy in ``gc_collect_main``). Objects of finished tests are then not finalized before the process
    ends, so an exception raised in such a finalizer is not reported."""
    gc.freeze()


def pytest_unconfigure(config):
    """Each process removes its scratch directory."""
    shutil.rmtree(_ROOT, ignore_errors=True)
