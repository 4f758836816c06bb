"""Shared test set-up: one project per test session, never the user's Brightway directory.

The project is set up once per test run: with pytest-xdist (``-n 2``, as the README
runs the suite) the first worker sets it up in a directory shared by the run
(under a file lock) and every worker copies it, so two workers never pay the set-up
twice and never write into one project.
"""
import fcntl
import os
import shutil
import tempfile
from pathlib import Path

_ROOT = Path(tempfile.mkdtemp(prefix="green-lca-tests-"))
os.environ["BRIGHTWAY2_DIR"] = str(_ROOT / "bw-scratch")
os.environ["LCA_PROJECT"] = str(_ROOT / "default-project")
os.environ.setdefault("LCA_LOCK_TIMEOUT", "60")
(_ROOT / "bw-scratch").mkdir()

# Set by the first process of a run (pytest, or xdist's controller) and inherited by the workers.
_SHARED = Path(os.environ.setdefault("GREEN_LCA_TEST_RUN", str(_ROOT / "run")))

import pytest  # noqa: E402


def _set_up_once() -> Path:
    """The run's set-up project (built by the first worker to get here)."""
    import lca

    _SHARED.mkdir(parents=True, exist_ok=True)
    template = _SHARED / "set-up-project"
    with open(_SHARED / "set-up.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (_SHARED / "set-up.done").exists():
            shutil.rmtree(template, ignore_errors=True)
            lca.open_project(template)
            (_SHARED / "set-up.done").touch()
    return template


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


def pytest_unconfigure(config):
    """Each process removes its scratch directory (the first process's holds the run's shared set-up)."""
    shutil.rmtree(_ROOT, ignore_errors=True)
