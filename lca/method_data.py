"""LCIA method data: a method's factors written by node id, without a query per factor.

``bw2data.Method.write`` looks every flow up with one SQL query while processing
(``get_id`` even for an integer id), twice for a ``(database, code)`` key; 15,132
factors made ~30,000 queries, most of a fresh set-up, and the same again each time
an import adds factors to the methods. :func:`write_rows` writes rows whose flows
are node ids already checked against a set of known ids (one query for all, by the
caller); the intermediate data and the processed datapackage are those
``Method.write`` makes from the same rows (``tests/test_setup.py`` compares them).
"""
from __future__ import annotations

_METHOD_CLASS: list = []


def known_flows_method(bd):
    """``bw2data.Method`` whose rows name node ids checked against ``self.known`` (no query per row)."""
    if not _METHOD_CLASS:
        from bw2data import config, geomapping
        from bw2data.utils import as_uncertainty_dict

        class KnownFlowsMethod(bd.Method):
            known: set = frozenset()

            def process(self, **extra_metadata):
                self._global_col = geomapping[config.global_location]  # KeyError as in bw2data's process
                super().process(**extra_metadata)

            def process_row(self, row):
                if len(row) >= 3 or row[0] not in self.known:  # regionalized or unknown: bw2data's own path
                    return super().process_row(row)
                return {**as_uncertainty_dict(row[1]), "row": row[0], "col": self._global_col}

        _METHOD_CLASS.append(KnownFlowsMethod)
    return _METHOD_CLASS[0]


def write_rows(bd, name: tuple, rows: list[tuple], known: set[int], **metadata) -> None:
    """Write method ``name``'s rows ``(node id, factor[, location])``; register it first if ``metadata``.

    Parameters
    ----------
    bd : module
        bw2data, pointing at the project.
    name : tuple of str
        The method's name.
    rows : list of tuple
        ``(node id, factor)`` [score unit per unit of the flow], or with a location.
    known : set of int
        Node ids known to exist (rows naming others go through bw2data's own lookup).
    **metadata
        Stored with the registration (``unit``, ``description``, ``source``).
    """
    method = known_flows_method(bd)(name)
    method.known = known
    if metadata or name not in bd.methods:
        method.register(**metadata)
    method.write(rows)
