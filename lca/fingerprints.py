"""Database fingerprints: a cheap identity of each Brightway database's content, to see edits made outside green-lca.

bw2data marks every change of a database in its ``databases`` metadata
(``databases.json`` of the Brightway project): ``Activity.save``,
``Exchange.save`` and ``delete`` call ``databases.set_dirty`` (which sets
``modified`` to the time of the change), ``Database.write`` (an import, a
rewrite) calls ``set_modified``. A database's fingerprint is a hash of that
``modified`` time and of the number and largest id of its activities in the
SQLite table (what a tool that bypasses bw2data's metadata changes when it adds
or removes activities). Processing a database (``Database.process``, which
green-lca's repair does) leaves the fingerprint as it is: the content did not
change.

:func:`current` reads the two files directly (the JSON metadata, and SQLite in
read-only mode): no bw2data import, a few milliseconds for 25,000 activities, so
it is cheap enough for every cold start. The project records the fingerprints
of the databases it writes (:mod:`lca.project`: those that changed while it held
the write lock) and reports the others (:func:`changed_outside`). A cache keyed
by fingerprints (:mod:`lca.cache`) never serves numbers of another content.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path


def brightway_project_dir(bw_dir: Path, project_name: str) -> Path | None:
    """The directory of Brightway project ``project_name`` in base directory ``bw_dir`` (None if absent).

    bw2data names it ``<safe name>.<first 8 hex digits of md5(name)>``
    (``bw_processing.safe_filename``); matched here by that suffix.
    """
    suffix = "." + hashlib.md5(project_name.encode("utf-8")).hexdigest()[:8]
    try:
        for d in Path(bw_dir).iterdir():
            if d.name.endswith(suffix) and (d / "databases.json").exists():
                return d
    except FileNotFoundError:
        return None
    return None


def _activity_counts(pdir: Path) -> dict[str, tuple[int, int]]:
    """Database -> (number of activities, largest activity id), read-only from SQLite."""
    path = pdir / "lci" / "databases.db"
    if not path.exists():
        return {}
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        rows = con.execute("SELECT database, COUNT(*), MAX(id) FROM activitydataset GROUP BY database").fetchall()
    except sqlite3.Error:
        return {}
    finally:
        con.close()
    return {db: (int(n), int(m or 0)) for db, n, m in rows}


def current(bw_dir: Path, project_name: str) -> dict[str, dict]:
    """The fingerprint of every database of the project now.

    Returns
    -------
    dict
        name -> ``{"fingerprint": str (16 hex digits), "modified": str (bw2data's ISO time of
        the last change, or None)}``.
    """
    pdir = brightway_project_dir(bw_dir, project_name)
    return of_dir(pdir) if pdir is not None else {}


_MEMO: dict = {}  # project dir -> (file stamps, fingerprints): read again only when a file changed


def _stamps(pdir: Path) -> tuple:
    out = []
    for f in (pdir / "databases.json", pdir / "lci" / "databases.db", pdir / "lci" / "databases.db-wal"):
        try:
            st = os.stat(f)
            out.append((st.st_size, st.st_mtime_ns, st.st_ino))
        except OSError:
            out.append(None)
    return tuple(out)


def of_dir(pdir: Path) -> dict[str, dict]:
    """:func:`current` of the Brightway project directory ``pdir`` (``bw2data.projects.dir``).

    Kept while the metadata file and the SQLite files are unchanged (size, time, inode).
    """
    pdir = Path(pdir)
    stamps = _stamps(pdir)
    memo = _MEMO.get(pdir)
    if memo is not None and memo[0] == stamps:
        return {k: dict(v) for k, v in memo[1].items()}
    out = _read(pdir)
    _MEMO[pdir] = (stamps, out)
    return {k: dict(v) for k, v in out.items()}


def _read(pdir: Path) -> dict[str, dict]:
    try:
        meta = json.loads((Path(pdir) / "databases.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    counts = _activity_counts(Path(pdir))
    out = {}
    for name, m in meta.items():
        modified = m.get("modified") if isinstance(m, dict) else None
        n, top = counts.get(name, (0, 0))
        digest = hashlib.sha256(json.dumps([name, modified, n, top]).encode("utf-8")).hexdigest()[:16]
        out[name] = {"fingerprint": digest, "modified": modified}
    return out


def written_during(before: dict | None, after: dict) -> dict[str, dict]:
    """The databases whose fingerprint changed between ``before`` and ``after`` (new ones included)."""
    before = before or {}
    return {n: v for n, v in after.items() if before.get(n, {}).get("fingerprint") != v["fingerprint"]}


def changed_outside(recorded: dict | None, now: dict) -> list[dict]:
    """Databases whose content is not what green-lca last wrote, oldest change first.

    Parameters
    ----------
    recorded : dict or None
        name -> ``{"fingerprint", "modified"}`` as recorded by the project; None (a project
        from before fingerprints were recorded) reports nothing.
    now : dict
        :func:`current`.

    Returns
    -------
    list of dict
        ``{"database": name, "since": ISO time of the change (bw2data's ``modified``), or
        None for a database deleted outside green-lca}``; a database green-lca never wrote
        (created with bw2data) counts as changed.
    """
    if recorded is None:
        return []
    out = []
    for name, v in now.items():
        if recorded.get(name, {}).get("fingerprint") != v["fingerprint"]:
            out.append({"database": name, "since": v["modified"]})
    for name in recorded:
        if name not in now:
            out.append({"database": name, "since": None})
    return sorted(out, key=lambda d: (d["since"] or "", d["database"]))
