"""The portal's directory ``PROJECT/portal/``: private files written atomically under one lock.

Accounts (``users.json``), data requests (``requests.json``) and each request's
uploads (``requests/ID/``) live here, mode 0600 in a 0700 directory. Writes go
through the PACT server's atomic writer (:mod:`lca.server.files`, itself on
:func:`lca.files.atomic_write`) while :func:`locked` holds the portal's OS file
lock, so the command line and a running server never lose each other's changes.
"""
from __future__ import annotations

from pathlib import Path

from ..server.files import locked as _locked, read_json, write_bytes, write_json

__all__ = ["portal_dir", "locked", "read_json", "write_json", "write_bytes"]

PORTAL_DIR = "portal"


def portal_dir(project_path) -> Path:
    """``PROJECT/portal`` (created, mode 0700)."""
    d = Path(project_path) / PORTAL_DIR
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


def locked(project_path):
    """The portal's one writer lock (``PROJECT/portal/write.lock``)."""
    return _locked(portal_dir(project_path), "write.lock")
