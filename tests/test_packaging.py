"""Packaging: every data file and every sub-package the code reads is in the installed wheel.

The test suite runs from the checkout, where ``inventories/`` sits beside ``lca/``; an installed
green-lca reads them from ``lca/inventories`` (``pyproject.toml`` package-data). A file that the
patterns miss works in the tests and fails for every user (it happened to
``inventories/plausibility.toml``): this test compares the patterns with the tree.
"""
import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONF = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def _covered(package: str, directory: Path) -> list[str]:
    patterns = CONF["package-data"].get(package, [])
    missing = []
    for f in sorted(directory.rglob("*")):
        if not f.is_file() or "__pycache__" in f.parts or f.suffix == ".py":
            continue
        rel = f.relative_to(directory).as_posix()
        if not any(fnmatch.fnmatch(rel, p) and rel.count("/") == p.count("/") for p in patterns):
            missing.append(rel)
    return missing


def test_every_inventories_file_is_package_data():
    assert _covered("lca.inventories", ROOT / "inventories") == []


def test_every_portal_template_and_static_file_is_package_data():
    assert _covered("lca.portal", ROOT / "lca" / "portal") == []


def test_every_lca_package_is_listed():
    found = sorted(".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "lca").rglob("__init__.py"))
    assert sorted(set(found) - set(CONF["packages"])) == []
