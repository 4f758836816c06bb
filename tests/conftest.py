"""Shared test set-up: one project per test session, never the user's Brightway directory."""
import os
import tempfile
from pathlib import Path

_ROOT = Path(tempfile.mkdtemp(prefix="green-lca-tests-"))
os.environ["BRIGHTWAY2_DIR"] = str(_ROOT / "bw-scratch")
os.environ["LCA_PROJECT"] = str(_ROOT / "default-project")
os.environ.setdefault("LCA_LOCK_TIMEOUT", "60")
(_ROOT / "bw-scratch").mkdir()

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def project_dir() -> Path:
    return _ROOT / "session-project"


@pytest.fixture(scope="session")
def project(project_dir):
    """The one set-up project shared by the whole test session."""
    import lca

    return lca.open_project(project_dir)


@pytest.fixture(scope="session")
def gwp100():
    return ("IPCC 2021", "climate change", "global warming potential (GWP100)")


@pytest.fixture(scope="module")
def module_project(project, tmp_path_factory):
    """A private copy of the session project for one test module: its writes never touch the shared one.

    Copied (not set up again) under the session project's lock, so it costs a file copy.
    """
    import shutil

    import lca

    d = tmp_path_factory.mktemp("module-project") / "project"
    project.activate()
    with project.lock():  # a quiet moment: nobody writes while we copy
        shutil.copytree(project.path, d, ignore=shutil.ignore_patterns("write.lock"))
    return lca.open_project(d)
