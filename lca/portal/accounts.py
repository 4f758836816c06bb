"""Team accounts of the portal: names, roles and salted scrypt password hashes.

``PROJECT/portal/users.json`` (0600) maps a user NAME to its role (``team`` may
create and review requests; ``viewer`` only reads) and the salted scrypt hash
of its password, hashed by the PACT server's one function
(:func:`lca.server.clients.hash_secret`, same parameters). The password is
random, shown once by ``lca users add`` and never stored. Checks run in constant
time, with the same scrypt work for an unknown name.
"""
from __future__ import annotations

import hmac
import re
import secrets
import time
from dataclasses import dataclass

from ..errors import InputError
from ..server.clients import SCRYPT, hash_secret
from . import files

USERS = "users.json"
ROLES = ("team", "viewer")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_DUMMY_SALT = b"\0" * 16


@dataclass(frozen=True)
class User:
    name: str
    role: str


def _load(project_path) -> dict:
    data = files.read_json(files.portal_dir(project_path) / USERS, default={"users": {}})
    return data if isinstance(data, dict) and isinstance(data.get("users"), dict) else {"users": {}}


def add(project_path, name: str, role: str = "team") -> dict:
    """Create user ``name``; return ``{"name", "password"}`` (the password only here)."""
    if not _NAME.match(name or ""):
        raise InputError(f"user name {name!r}: use 1-64 letters, digits, '.', '_', '@' or '-', starting with a "
                         "letter or digit")
    if role not in ROLES:
        raise InputError(f"--role {role!r}: use one of {', '.join(ROLES)}")
    password = secrets.token_urlsafe(15)
    salt = secrets.token_bytes(16)
    record = {"role": role, "salt": salt.hex(), **SCRYPT, "hash": hash_secret(password, salt, **SCRYPT).hex(),
              "created": int(time.time())}
    with files.locked(project_path):
        data = _load(project_path)
        if name in data["users"]:
            raise InputError(f"user {name!r} exists; `lca users remove {name}` first to issue a new password")
        data["users"][name] = record
        files.write_json(files.portal_dir(project_path) / USERS, data)
    return {"name": name, "password": password}


def remove(project_path, name: str) -> None:
    """Delete user ``name`` and end their stored sessions."""
    with files.locked(project_path):
        data = _load(project_path)
        if name not in data["users"]:
            raise InputError(f"no user named {name!r} (see `lca users list`)")
        del data["users"][name]
        files.write_json(files.portal_dir(project_path) / USERS, data)
    from .sessions import revoke_user

    revoke_user(project_path, name)  # their sessions end now, in every server process


def listing(project_path) -> list[dict]:
    """``[{"name", "role", "created"}]`` (never a hash)."""
    users = _load(project_path)["users"]
    return [{"name": n, "role": r.get("role"), "created": r.get("created")} for n, r in sorted(users.items())]


def get(project_path, name: str) -> User | None:
    rec = _load(project_path)["users"].get(name)
    return User(name, rec.get("role", "viewer")) if isinstance(rec, dict) else None


def authenticate(project_path, name: str, password: str) -> User | None:
    """The user if ``password`` is theirs, else None (same scrypt work either way)."""
    rec = _load(project_path)["users"].get(name or "")
    if not isinstance(rec, dict):
        hash_secret(password or "", _DUMMY_SALT, **SCRYPT)
        return None
    try:
        got = hash_secret(password or "", bytes.fromhex(rec["salt"]), n=rec["n"], r=rec["r"], p=rec["p"])
        ok = hmac.compare_digest(got, bytes.fromhex(rec["hash"]))
    except (KeyError, ValueError, TypeError):
        return None
    return User(name, rec.get("role", "viewer")) if ok else None
