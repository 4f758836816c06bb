"""Supplier data: workbooks in, typed records, Brightway activities, carbon profiles out.

Importing this package registers it with the project (:mod:`lca.hooks`): the
``suppliers`` database is rebuilt from the stored submissions, a target
``COMPANY_ID/PRODUCT_ID`` is a supplier product, and ``Project.profile`` /
``Project.import_workbook`` / ``Project.import_files`` are answered here.
"""
from .. import hooks
from . import importer, rollup, store


def _is_current(project, bd) -> bool:
    """``suppliers`` reflects exactly the stored submissions (trivially, when there are none)."""
    return not store.submissions_dir(project).is_dir() or store.is_current(project, bd)


def _supplier_key(project, target):
    """``"COMPANY_ID/PRODUCT_ID"`` -> the key of that supplier product, else None."""
    if isinstance(target, str) and "/" in target and ":" not in target:
        return (store.SUPPLIER_DB, target.strip())
    return None


hooks.register_database(hooks.DerivedDatabase(
    store.SUPPLIER_DB, rebuild=store.rebuild, is_current=_is_current,
    stale="not built from exactly the stored submissions by the current link rules (an interrupted import, or an upgrade)",
    resolve_target=_supplier_key))
hooks.provide("profile", rollup.profile)
hooks.provide("import_files", importer.import_files)
