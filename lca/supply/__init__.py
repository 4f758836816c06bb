"""Supplier data: workbooks in, typed records, Brightway activities, carbon profiles out.

Importing this package registers it with the project (:mod:`lca.hooks`): the
``suppliers`` database is rebuilt from the stored submissions, a target
``COMPANY_ID/PRODUCT_ID`` is a supplier product, and ``Project.profile`` /
``Project.import_workbook`` / ``Project.import_files`` are answered here.
"""
from .. import hooks
from . import store  # the reading, linking and roll-up modules are imported by the queries that use them


def _profile(*args, **kwargs):
    from .rollup import profile

    return profile(*args, **kwargs)


def _import_files(*args, **kwargs):
    from .importer import import_files

    return import_files(*args, **kwargs)


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
hooks.provide("profile", _profile)  # lca.supply.rollup.profile
hooks.provide("import_files", _import_files)  # lca.supply.importer.import_files
