"""Submission archive: the original file of every import, content-addressed (sha256), with the parsed submission, who and when.

Written by :func:`lca.supply.store.commit` (under the project lock, before the stored
submission points at the new version; the files themselves by a side process started by
:func:`lca.supply.store.stage`, :mod:`lca.side_writes`) and :func:`~lca.supply.store.withdraw`; read by
:mod:`lca.supply.history`. Layout under ``PROJECT/submissions/archive/``::

    files/<sha256><.xlsx|.json>     the original file as imported (one copy per content)
    <COMPANY>/<NNNN>.json          version NNNN: {version, company_id, period {start, end}, imported (UTC),
                                   by, file, sha256, record (the parsed submission as stored)}
    <COMPANY>/log.jsonl            one line per event: imported, withdrawn, restored (who, when, version)

Nothing in the archive is rewritten or deleted (but the files a refused import had just created for
itself, never stored: :meth:`lca.side_writes.SideWrites.undo`).
"""
from __future__ import annotations

import getpass
import hashlib
import json
import os
import re
from datetime import datetime, timezone
from pathlib import Path

from ..errors import InputError
from ..side_writes import SideWrites

__all__ = ["archive_dir", "who", "sha256_file", "archive", "plan", "log_event", "versions"]

ARCHIVE = "archive"
VERSION_RE = re.compile(r"^(\d{4,})\.json$")


def archive_dir(project) -> Path:
    """``PROJECT/submissions/archive``."""
    return Path(project.path) / "submissions" / ARCHIVE


def who(by: str | None = None) -> str:
    """The person an import is recorded as: ``by`` if given, else the OS user."""
    if by:
        return str(by)
    try:
        return getpass.getuser()
    except Exception:  # no user name (a container without passwd entry)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


def sha256_file(path) -> tuple[str, bytes]:
    """(hex sha256, bytes) of a file."""
    data = Path(path).read_bytes()
    return hashlib.sha256(data).hexdigest(), data


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _ensure_dir(d: Path) -> None:
    """``d`` and its parents exist (a stat when it does: cheaper than a mkdir per archived file)."""
    if not d.is_dir():
        d.mkdir(parents=True, exist_ok=True)


def versions(project, company_id: str) -> list[int]:
    """The archived version numbers of a company, ascending."""
    d = archive_dir(project) / company_id
    if not d.is_dir():
        return []
    return sorted(int(m.group(1)) for p in d.iterdir() if (m := VERSION_RE.match(p.name)))


def archive(project, rec: dict, source: Path | None, by: str | None = None, data: bytes | None = None) -> int:
    """Archive one submission about to be stored; returns its version number (1, 2, ...).

    Call under the project lock, before the stored JSON is replaced. ``source``: the original
    file (copied content-addressed); ``data``: its bytes if already read. The record gets
    ``archive_version`` (and ``source_sha256``) set.
    """
    writes = SideWrites()
    version = plan(project, rec, source, by, writes, data)
    writes.start()  # the files are all written when it returns (no child: see SideWrites.start)
    writes.wait()
    return version


def plan(project, rec: dict, source: Path | None, by: str | None, writes: SideWrites,
         data: bytes | None = None, taken: dict | None = None, record_text=None) -> int:
    """:func:`archive` with the writes queued on ``writes`` (:class:`lca.side_writes.SideWrites`), not made:
    the checks (the file unchanged since it was read), the version number and the record's
    ``archive_version`` / ``source_sha256`` happen here. ``taken``: ``{company: last version}`` of
    the versions planned but not yet written, so two plans of one company in one batch never share one.

    Each file is written whole (temporary, then rename: a reader never sees half a file, a killed process
    leaves the old state or the new) and not fsynced (an fsync per archived file tripled the import's disk
    waits): after a power loss the stored submission (fsynced by :func:`lca.supply.store.commit`) is
    authoritative. The version's JSON is made when ``writes`` starts (``rec`` as it is then), with the
    record's own JSON from ``record_text(rec)`` when given (the stored text, encoded once)."""
    cid = rec["supplier"]["company_id"]
    base = archive_dir(project)
    writes.mkdir(base / "files")
    writes.mkdir(base / cid)
    digest = rec.get("source_sha256")
    if source is not None:
        if data is None:
            got, data = sha256_file(source)
        else:
            got = hashlib.sha256(data).hexdigest()
        if digest and got != digest:
            raise InputError(f"{Path(source).name} changed while it was being imported (sha256 {digest[:12]}... "
                             f"when read, {got[:12]}... now): import it again; nothing was written")
        digest = got
        blob = base / "files" / f"{digest}{Path(source).suffix.lower()}"
        if not blob.exists():
            writes.write_whole(blob, data)
    taken = {} if taken is None else taken
    version = max(taken.get(cid, 0), (versions(project, cid) or [0])[-1]) + 1
    taken[cid] = version
    sup = rec["supplier"]
    rec["archive_version"] = version
    if digest:
        rec["source_sha256"] = digest
    entry = {"version": version, "company_id": cid,
             "period": {"start": sup.get("reporting_period_start"), "end": sup.get("reporting_period_end")},
             "imported": _now(), "by": who(by), "file": rec.get("source_file"), "sha256": digest,
             "suffix": Path(source).suffix.lower() if source is not None else None, "record": rec}
    writes.write_whole(base / cid / f"{version:04d}.json", lambda: entry_json(entry, record_text).encode("utf-8"))
    writes.touch(base / cid / "log.jsonl")  # created now, beside the database write: log_event only appends
    return version


def entry_json(entry: dict, record_text=None) -> str:
    """A version file's text: ``entry`` as compact key-sorted JSON, its ``record`` from ``record_text(record)``
    when given (the same encoding: the text is the one ``json.dumps`` of the whole entry gives)."""
    def enc(value) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    if record_text is None:
        return enc(entry)
    return "{" + ",".join(f"{enc(k)}:{record_text(v) if k == 'record' else enc(v)}"
                          for k, v in sorted(entry.items())) + "}"


def log_event(project, company_id: str, event: str, version: int | None, by: str | None = None, **extra) -> None:
    """Append one event (imported, withdrawn, restored) to the company's ``log.jsonl`` (under the lock)."""
    d = archive_dir(project) / company_id
    _ensure_dir(d)
    line = json.dumps({"event": event, "version": version, "at": _now(), "by": who(by), **extra},
                      ensure_ascii=False, sort_keys=True)
    with open(d / "log.jsonl", "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


