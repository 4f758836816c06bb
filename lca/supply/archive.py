"""Submission archive: the original file of every import, content-addressed (sha256), with the parsed submission, who and when.

Written by :func:`lca.supply.store.commit` (under the project lock, before the stored
submission points at the new version) and :func:`~lca.supply.store.withdraw`; read by
:mod:`lca.supply.history`. Layout under ``PROJECT/submissions/archive/``::

    files/<sha256><.xlsx|.json>     the original file as imported (one copy per content)
    <COMPANY>/<NNNN>.json          version NNNN: {version, company_id, period {start, end}, imported (UTC),
                                   by, file, sha256, record (the parsed submission as stored)}
    <COMPANY>/log.jsonl            one line per event: imported, withdrawn, restored (who, when, version)

Nothing in the archive is rewritten or deleted.
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

__all__ = ["archive_dir", "who", "sha256_file", "archive", "log_event", "versions"]

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


def _write_whole(path: Path, data: bytes) -> None:
    """Write ``path`` whole (temp + rename): a reader never sees half a file, and a killed process leaves
    the old state or the new. Not fsynced (an fsync per archived file tripled the import's disk waits):
    after a power loss the stored submission (fsynced by :func:`lca.supply.store.commit`) is authoritative."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


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
    cid = rec["supplier"]["company_id"]
    base = archive_dir(project)
    _ensure_dir(base / "files")
    _ensure_dir(base / cid)
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
            _write_whole(blob, data)
    version = (versions(project, cid) or [0])[-1] + 1
    sup = rec["supplier"]
    rec["archive_version"] = version
    if digest:
        rec["source_sha256"] = digest
    entry = {"version": version, "company_id": cid,
             "period": {"start": sup.get("reporting_period_start"), "end": sup.get("reporting_period_end")},
             "imported": _now(), "by": who(by), "file": rec.get("source_file"), "sha256": digest,
             "suffix": Path(source).suffix.lower() if source is not None else None, "record": rec}
    text = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    _write_whole(base / cid / f"{version:04d}.json", text.encode("utf-8"))
    return version


def log_event(project, company_id: str, event: str, version: int | None, by: str | None = None, **extra) -> None:
    """Append one event (imported, withdrawn, restored) to the company's ``log.jsonl`` (under the lock)."""
    d = archive_dir(project) / company_id
    _ensure_dir(d)
    line = json.dumps({"event": event, "version": version, "at": _now(), "by": who(by), **extra},
                      ensure_ascii=False, sort_keys=True)
    with open(d / "log.jsonl", "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


