"""API clients of the PACT server: client ids, secret hashes, signed bearer tokens.

``PROJECT/pact/clients.json`` (mode 0600) maps a client NAME to its random
``client_id`` and the salted scrypt hash of its secret (the secret itself is shown
once by ``lca clients add`` and never stored). ``PROJECT/pact/server.key`` (0600)
is the HMAC-SHA256 key that signs access tokens: ``base64url(claims).base64url(mac)``
with the client id, issue and expiry times. A token is accepted only while its
client still exists (removing a client revokes its tokens) and until it expires.
Secrets and MACs are compared in constant time (:func:`hmac.compare_digest`).

A client may name the partner's own event endpoint (``events_url``) and the
credentials this host uses there (``events_auth``); those are the partner's
secrets for us and are stored as given, in this 0600 file.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..files import file_stamp
from . import files

CLIENTS = "clients.json"
KEY = "server.key"
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}  # ~16 MiB, ~50 ms per check: slow enough against guessing
TOKEN_TTL_S = 3600  # [s] default lifetime of an access token
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_DUMMY_SALT = b"\0" * 16


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_secret(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    """scrypt hash of ``secret`` (32 bytes)."""
    return hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 2 ** 20, dklen=32)


def server_key(project_path, create: bool = True) -> bytes:
    """The token-signing key of ``PROJECT/pact/server.key`` (made once, 32 random bytes)."""
    path = files.pact_dir(project_path) / KEY
    try:
        return path.read_bytes()
    except FileNotFoundError:
        if not create:
            raise
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as fh:
        fh.write(secrets.token_bytes(32))
        fh.flush()
        os.fsync(fh.fileno())
    return path.read_bytes()


def _load(project_path) -> dict:
    data = files.read_json(files.pact_dir(project_path) / CLIENTS, default={"clients": {}})
    return data if isinstance(data, dict) and isinstance(data.get("clients"), dict) else {"clients": {}}


def add(project_path, name: str, events_url: str | None = None, events_auth: tuple[str, str] | None = None,
        events_ca: str | None = None) -> dict:
    """Register client ``name``; return ``{"name", "client_id", "client_secret"}`` (the secret only here)."""
    if not _NAME.match(name or ""):
        raise InputError(f"client name {name!r}: use 1-64 letters, digits, '.', '_' or '-', starting with "
                         "a letter or digit")
    if events_url and not re.match(r"^https://[^\s/]+(/[^\s]*)?$", events_url):
        raise InputError(f"--events-url {events_url!r}: give the partner's HTTPS base URL, e.g. "
                         "https://partner.example.com (events go to BASE/3/events)")
    if events_ca and not Path(events_ca).is_file():
        raise InputError(f"--events-ca {events_ca}: no such certificate file")
    root = files.pact_dir(project_path)
    server_key(project_path)
    client_id = "lca-" + secrets.token_hex(12)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_bytes(16)
    record = {"client_id": client_id, "salt": salt.hex(), **SCRYPT,
              "hash": hash_secret(secret, salt, **SCRYPT).hex(), "created": int(time.time())}
    if events_url:
        record["events_url"] = events_url.rstrip("/")
    if events_auth:
        record["events_auth"] = {"client_id": events_auth[0], "client_secret": events_auth[1]}
    if events_ca:
        record["events_ca"] = str(Path(events_ca).resolve())
    with files.locked(root, "clients.lock"):
        data = _load(project_path)
        if name in data["clients"]:
            raise InputError(f"client {name!r} exists; `lca clients remove {name}` first to issue a new secret")
        data["clients"][name] = record
        files.write_json(root / CLIENTS, data)
    return {"name": name, "client_id": client_id, "client_secret": secret}


def remove(project_path, name: str) -> None:
    """Delete client ``name``: its secret stops working and its tokens are refused at once."""
    root = files.pact_dir(project_path)
    with files.locked(root, "clients.lock"):
        data = _load(project_path)
        if name not in data["clients"]:
            raise InputError(f"no client named {name!r} (see `lca clients list`)")
        del data["clients"][name]
        files.write_json(root / CLIENTS, data)


def records(project_path) -> dict[str, Client]:
    """Every client by name, with its record (hashes and the partner credentials: server use only)."""
    return {n: Client(n, c["client_id"], c) for n, c in _load(project_path)["clients"].items()}


def listing(project_path) -> list[dict]:
    """Every client as ``{"name", "client_id", "created", "events_url"}`` (no hashes, no secrets)."""
    return [{"name": n, "client_id": c["client_id"], "created": c.get("created"),
             "events_url": c.get("events_url")} for n, c in sorted(_load(project_path)["clients"].items())]


@dataclass(frozen=True)
class Client:
    """One registered client as the server sees it."""

    name: str
    client_id: str
    record: dict


class Registry:
    """The server's view of the clients file (reloaded when it changes) and its token key."""

    def __init__(self, project_path, token_ttl: int = TOKEN_TTL_S):
        self.path = files.pact_dir(project_path) / CLIENTS
        self.key = server_key(project_path)
        self.ttl = int(token_ttl)
        self._stamp = None
        self.by_id: dict[str, Client] = {}

    def current(self) -> "Registry":
        stamp = file_stamp(self.path)
        if stamp != self._stamp:
            data = files.read_json(self.path, default={"clients": {}}) if stamp else {"clients": {}}
            self.by_id = {c["client_id"]: Client(n, c["client_id"], c) for n, c in data["clients"].items()}
            self._stamp = stamp
        return self

    def authenticate(self, client_id: str, secret: str) -> Client | None:
        """The client if ``secret`` is its secret, else None (same work whether or not the id exists)."""
        c = self.current().by_id.get(client_id)
        rec = c.record if c else None
        salt = bytes.fromhex(rec["salt"]) if rec else _DUMMY_SALT
        params = {k: rec[k] for k in ("n", "r", "p")} if rec else SCRYPT
        got = hash_secret(secret, salt, **params)
        want = bytes.fromhex(rec["hash"]) if rec else secrets.token_bytes(32)
        return c if hmac.compare_digest(got, want) and c is not None else None

    def issue(self, client: Client, now: float | None = None) -> tuple[str, int]:
        """A signed access token for ``client`` and its lifetime [s]."""
        now = int(time.time() if now is None else now)
        claims = {"sub": client.client_id, "iat": now, "exp": now + self.ttl, "jti": secrets.token_hex(8)}
        return sign(self.key, claims), self.ttl

    def verify(self, token: str, now: float | None = None) -> tuple[Client | None, str]:
        """``(client, "")`` for a valid token, else ``(None, reason)`` with reason ``invalid`` or ``expired``."""
        claims = unsign(self.key, token)
        if claims is None:
            return None, "invalid"
        c = self.current().by_id.get(claims.get("sub"))
        if c is None:
            return None, "invalid"  # the client was removed: its tokens are revoked (ids are never reused)
        if (time.time() if now is None else now) >= claims.get("exp", 0):
            return None, "expired"
        return c, ""


def sign(key: bytes, claims: dict) -> str:
    """``base64url(claims).base64url(HMAC-SHA256(key, claims))``."""
    body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    mac = hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def unsign(key: bytes, token: str) -> dict | None:
    """The claims of a token signed with ``key``, or None if it is malformed or the MAC differs."""
    if not isinstance(token, str) or len(token) > 1024 or token.count(".") != 1:
        return None
    body, mac = token.split(".")
    want = hmac.new(key, body.encode("ascii", "replace"), hashlib.sha256).digest()
    try:
        got = _unb64(mac)
    except (ValueError, TypeError):
        return None
    if not hmac.compare_digest(got, want):
        return None
    try:
        claims = json.loads(_unb64(body))
    except (ValueError, TypeError):
        return None
    return claims if isinstance(claims, dict) else None
