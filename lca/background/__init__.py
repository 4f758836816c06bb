"""Bring-your-own background databases: ecoinvent releases and Brightway databases.

- :mod:`lca.background.release`: import an ecoSpold2 release folder (or copy a database
  from another Brightway project) into the project, validated, then swapped in atomically.
- :mod:`lca.background.mapping`: the per-release mapping of green-lca's background dataset
  codes (what models and supplier materials name) to a release's datasets, with location
  fallbacks and the Chinese province -> grid region table.
- :mod:`lca.background.bridge`: the matrices that make the open ``background`` codes
  resolve to a chosen release when a project computes with ``background=NAME``.

This package sits beside :mod:`lca.inventory` (below the project layer): it imports
neither ``lca.supply`` nor ``lca.models``.
"""
from .release import BackgroundImport, backgrounds, import_brightway, import_release  # noqa: F401
