"""Edits made outside green-lca: which databases changed since green-lca wrote them, the warnings, restoring them.

A verifier or a user may open the project's Brightway directory with bw2data or
Activity Browser and change a dataset. The numbers then follow the changed data
(the cache of :mod:`lca.cache` is keyed by the same fingerprints, so no number
of the old content is served), but the project must say so: the project records
the fingerprint (:mod:`lca.fingerprints`) of every database it writes -- those
whose fingerprint changed while it held the write lock (:func:`record`) -- and
any other difference is an edit made outside green-lca (:func:`modified`). It
is named by ``lca info`` (``modified_outside``), in the warnings of every
footprint and profile, and on the profile report's Methodology sheet;
:func:`repair` (``lca init --repair``) rewrites the databases green-lca
provides from their sources. The functions take the project as their first
argument; this module does not import :mod:`lca.project`.
"""
from __future__ import annotations

from . import fingerprints, hooks, integrity, inventory
from . import setup as project_setup


def _now(project) -> dict:
    return fingerprints.current(project.bw_dir, project_setup.BW_PROJECT)


def record(project, before: dict | None) -> dict:
    """The fingerprints to record when the write lock is released (``before``: when it was taken).

    Those of the databases whose fingerprint changed while the lock was held (green-lca
    wrote them) replace the recorded ones; a database deleted meanwhile is dropped; the
    others keep their record, so an earlier outside edit stays reported. A project that
    recorded none yet (made by an earlier green-lca) records every database as it is.
    """
    now = _now(project)
    recorded = project.state.get("fingerprints")
    if recorded is None:
        return now
    before = before or {}
    out = {n: v for n, v in recorded.items() if not (n in before and n not in now)}
    out.update(fingerprints.written_during(before, now))
    return out


def modified(project) -> list[dict]:
    """``[{"database": name, "since": ISO time of the change or None if deleted}]``, oldest first."""
    return fingerprints.changed_outside(project.state.get("fingerprints"), _now(project))


def warnings(project) -> list[str]:
    """One warning per database changed outside green-lca (every result carries them)."""
    return [f"database {d['database']!r} was changed outside green-lca"
            + (f" (last change {d['since']})" if d["since"] else " (deleted)")
            + "; this result uses the changed data. `lca init --repair` restores the databases green-lca "
              "provides (background, biosphere3, suppliers, models)" for d in modified(project)]


def with_warnings(project, series):
    """``series`` (all footprints) with ``attrs["warnings"]``: :func:`warnings`."""
    series.attrs["warnings"] = warnings(project)
    return series


def annotate_profile(project, profile) -> None:
    """Name the databases changed outside green-lca in ``profile``'s warnings and methodology notes."""
    found = modified(project)
    if not found:
        return
    profile.warnings += warnings(project)
    profile.methodology.append({
        "key": "modified_outside", "en": "Databases changed outside green-lca",
        "zh": "在 green-lca 之外修改的数据库",
        "text": "; ".join(f"{d['database']} ({'changed ' + d['since'] if d['since'] else 'deleted'})" for d in found)
        + ". The result uses the changed data; `lca init --repair` restores the databases green-lca provides.",
    })


def repair(project) -> list[dict]:
    """Rewrite every database green-lca provides that was changed outside it, from its source.

    ``background`` from ``inventories/``, ``biosphere3`` from bw2io's flow list (and the
    methods with it), the derived databases of :mod:`lca.hooks` (suppliers, models) from
    their sources. Another database (an imported release, one made with bw2data) has no
    source here: it is reported, not touched.

    Returns
    -------
    list of dict
        ``{"database", "since", "restored": bool, "how": str}`` per database changed outside.
    """
    out = []
    with project.lock():
        bd = project.activate()
        for d in modified(project):
            name = d["database"]
            how = None
            if name == inventory.BACKGROUND_DB:
                project_setup.write_background(project)
                how = "rewritten from inventories/"
            elif name == inventory.BIOSPHERE_DB:
                project_setup.write_biosphere(project)
                project.state.bump(methods=project_setup.write_methods(bd, rewrite=True))
                how = "rewritten from bw2io's biosphere3 (and the methods)"
            elif hooks.database(name) is not None:
                hooks.database(name).rebuild(project)
                how = "rebuilt from its source"
            out.append({**d, "restored": how is not None,
                        "how": how or "no source in green-lca: re-import it (`lca background import`) or delete it"})
        integrity.check(project, repair=True)
    return out
