"""Adding datasets to a database: new datasets written beside the existing ones, in one SQLite transaction.

:meth:`lca.Project.write_database` replaces a whole database; a sweep of model
variants would pay for every variant already written each time a new one is
added (load, validate, journal, delete and insert all of them). :func:`add`
writes only the new datasets, with the same guarantees:

- validated first, against what is there (:func:`lca.integrity.validate_datasets`
  with the existing codes: inputs may be existing datasets, a code already there is
  refused), so nothing invalid reaches Brightway;
- journaled (``journal/NAME.add.pickle``, atomic) and marked pending in the state
  file before SQLite is touched;
- inserted through bw2data's own row builders (``dict_as_activitydataset``,
  ``dict_as_exchangedataset``, ``set_correct_process_type``) in ONE SQLite
  transaction: a killed or failing insert leaves the old rows only, never half of
  the new ones; the existing rows, ids included, are not touched;
- then Brightway's metadata (count, modified, geocollections, geomapping) as
  ``Database.write`` sets it, ``Database.process()`` and the reprocessing of the
  databases that link to this one, the mark cleared, the caches forgotten (and the
  generation bumped when the write lock is released).

A write found pending by the next command is repaired as a full write is
(:func:`lca.integrity.rebuild`): a derived database from its source (``models``
written empty, models regenerate on demand), any other by replaying the journaled
additions (rows of those codes removed first, then added again).

Cost: the validation, journal and insert grow with the new datasets only;
bw2data's ``process()`` still reads the whole database back from SQLite into its
processed arrays (about 20 ms per hundred datasets here: 81 ms with 403, measured
by ``benchmarks/models_write_bench.py``), but nothing is loaded, deleted or rewritten.
"""
from __future__ import annotations

import pickle

from . import brightway, integrity
from .errors import InputError, LcaError
from .files import atomic_write

ROWS_PER_INSERT = 125  # bw2data's own batch: 7 columns x 125 rows stays under SQLite's 999 variables


def existing_codes(name: str) -> set[str]:
    """Codes of the datasets of database ``name`` in SQLite (bw2data must point at the project)."""
    from bw2data.backends import ActivityDataset as AD

    return {c for (c,) in AD.select(AD.code).where(AD.database == name).tuples()}


def add(project, name: str, data: list[dict], replay: bool = False) -> None:
    """Add the new datasets ``data`` to database ``name`` of ``project`` (see the module docstring).

    ``replay``: the additions of an interrupted :func:`add` again (rows of their codes that are
    there are removed in the same transaction). A database that does not exist yet is written
    whole (:meth:`lca.Project.write_database`).

    Raises
    ------
    lca.InputError
        A dataset is invalid or its code is already in the database; nothing was written.
    lca.LcaError
        The write failed; the next command repairs the database (:func:`lca.integrity.rebuild`).
    """
    if not data:
        return
    with project.lock():
        bd = project.activate()
        if name not in bd.databases:
            project.write_database(name, data)
            return
        codes = {d.get("code") for d in data}
        have = existing_codes(name)
        problems = integrity.validate_datasets(name, data, existing=have - codes if replay else have)
        if problems:
            more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
            raise InputError(f"refusing to add to database {name!r}: " + "; ".join(problems[:10]) + more)
        journal = integrity.journal_path(project.path, name, add=True)
        atomic_write(journal, lambda tmp: tmp.write_bytes(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)))
        project.state.set_pending(name, True)
        try:
            with brightway.quiet():
                _insert(bd, name, data, remove=codes & have if replay else set())
                bd.Database(name).process()
                for other in list(bd.databases):
                    if other != name and name in bd.databases[other].get("depends", []):
                        bd.Database(other).process()
        except Exception as exc:
            project.forget_caches()
            raise LcaError(f"adding to database {name!r} failed ({exc}); it will be rebuilt from its source "
                           "at the next command") from exc
        project.state.set_pending(name, False)
        journal.unlink(missing_ok=True)
        project.forget_caches()


def _insert(bd, name: str, data: list[dict], remove: set) -> None:
    """The rows of ``data`` (and the removal of the rows of codes ``remove``) in one SQLite transaction,
    then the database's metadata as ``bw2data``'s ``Database.write`` sets it."""
    from bw2data.backends import ActivityDataset as AD
    from bw2data.backends import ExchangeDataset as ED
    from bw2data.backends import sqlite3_lci_db
    from bw2data.backends.utils import dict_as_activitydataset, dict_as_exchangedataset
    from bw2data.configuration import labels
    from bw2data.utils import get_geocollection, set_correct_process_type

    activities, exchanges, geo = [], [], set()
    for d in data:
        ds = set_correct_process_type(dict(d))  # a copy: the caller's dataset is not changed
        activities.append(dict_as_activitydataset({k: v for k, v in ds.items() if k != "exchanges"},
                                                  add_snowflake_id=True))
        exchanges += [dict_as_exchangedataset(dict(e, output=(name, d["code"]))) for e in d.get("exchanges", [])]
        if ds.get("type") in labels.process_node_types:
            geo.add(get_geocollection(ds.get("location")))
    meta = bd.databases[name]
    bd.geomapping.add({d["location"] for d in data if d.get("location")})
    with sqlite3_lci_db.transaction():
        if remove:
            ED.delete().where(ED.output_database == name, ED.output_code << sorted(remove)).execute()
            AD.delete().where(AD.database == name, AD.code << sorted(remove)).execute()
        for i in range(0, len(activities), ROWS_PER_INSERT):
            AD.insert_many(activities[i:i + ROWS_PER_INSERT]).execute()
        for i in range(0, len(exchanges), ROWS_PER_INSERT):
            ED.insert_many(exchanges[i:i + ROWS_PER_INSERT]).execute()
    meta["number"] = AD.select().where(AD.database == name).count()
    meta["geocollections"] = sorted(set(meta.get("geocollections", [])) | (geo - {None}))
    bd.databases.set_modified(name)  # flushes the metadata; process() marks it processed after
