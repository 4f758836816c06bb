"""Portal sessions: the session cookie, CSRF tokens and the failed-login rate limit.

A session is a random id (``secrets.token_urlsafe(32)``) in the cookie
``lca_portal`` (``Secure; HttpOnly; SameSite=Lax; Path=/portal``), mapped to who
it is: anonymous (before login), a team user, or a supplier who opened an
invitation link (bound to that request's company). Sessions live in the project,
``PROJECT/portal/sessions/HASH.json`` (0600 in a 0700 directory), so a restart
keeps everyone logged in and several server processes share them: the file is
named by the SHA-256 of the id (the id itself is never stored, so reading the
directory gives no session away), holds who it is, when it was created and last
seen, and is written atomically (:mod:`lca.files` through
:func:`lca.portal.files.write_json`). ``logout``, a removed user
(:func:`revoke_user`, called by ``lca users remove``) and a revoked link delete
it; sessions expire after :data:`SESSION_TTL` seconds (idle :data:`IDLE_TTL`,
last-seen written at most every :data:`SEEN_EVERY` seconds). An anonymous
session is not stored until it holds something (a chosen language): any
well-formed id is an anonymous session until login, which always issues a fresh
id (no session fixation). Each session's CSRF token is derived from its id
(``SHA-256("csrf:" + id)``: a page of another site can read neither) and is
required (constant-time compare) in every form that changes something. Failed
logins are counted per user name and per client address in the server
process: after :data:`MAX_FAILURES` for a name (:data:`MAX_ADDRESS_FAILURES`
from an address) within :data:`FAILURE_WINDOW` seconds, logins for that name
(from that address) are refused until the window passes.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import files

COOKIE = "lca_portal"
SESSION_TTL = 8 * 3600  # [s] longest session
IDLE_TTL = 3600  # [s] a session unused this long ends
SEEN_EVERY = 60  # [s] how often a session's last-seen time is written (the idle limit's resolution)
MAX_FAILURES = 5  # failed logins per user name per window
MAX_ADDRESS_FAILURES = 20  # failed logins per client address per window (offices share an address)
FAILURE_WINDOW = 900  # [s]
MAX_SESSIONS = 20000  # stored sessions; beyond it the expired, then the oldest, are removed
SESSIONS_DIR = "sessions"
_ID = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
_STORED = ("kind", "user", "role", "company", "rid", "lang", "created", "seen")


def _csrf(sid: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(b"csrf:" + sid.encode()).digest()).decode().rstrip("=")


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


@dataclass
class Session:
    sid: str
    csrf: str
    kind: str = "anon"  # anon | team | supplier
    user: str | None = None
    role: str | None = None
    company: str | None = None
    rid: str | None = None  # the request whose link opened a supplier session
    lang: str | None = None  # chosen with the language switch
    created: float = field(default_factory=time.time)  # [s] wall clock: survives a restart
    seen: float = field(default_factory=time.time)


class Sessions:
    """The portal's sessions, stored in ``PROJECT/portal/sessions/`` (see the module docstring)."""

    def __init__(self, project_path):
        self.project_path = Path(project_path)
        self._fail: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        self._writes = 0

    @property
    def folder(self) -> Path:
        d = files.portal_dir(self.project_path) / SESSIONS_DIR
        d.mkdir(exist_ok=True, mode=0o700)
        return d

    def _file(self, sid: str) -> Path:
        return self.folder / f"{_digest(sid)}.json"

    def new(self, **kw) -> Session:
        """A fresh session (stored at once unless anonymous and empty)."""
        sid = secrets.token_urlsafe(32)
        s = Session(sid, _csrf(sid), **kw)
        if s.kind != "anon" or s.lang:
            self.save(s)
        return s

    def save(self, s: Session) -> None:
        """Write the session (who it is, times; never its id) atomically."""
        d = asdict(s)
        files.write_json(self._file(s.sid), {k: d[k] for k in _STORED})
        with self._lock:
            self._writes += 1
            sweep = self._writes % 500 == 0
        if sweep:  # off the request (the event loop): the sweep reads every stored session
            threading.Thread(target=self.sweep, name="lca-portal-session-sweep", daemon=True).start()

    def get(self, sid: str | None) -> Session | None:
        """The session of cookie value ``sid``: stored, or anonymous for a well-formed id; None otherwise."""
        if not sid or not _ID.match(sid):
            return None
        path = self._file(sid)
        data = _read(path)
        if data is None:
            return Session(sid, _csrf(sid))
        now = time.time()
        try:
            created, seen = float(data["created"]), float(data["seen"])
        except (KeyError, TypeError, ValueError):
            created = seen = 0.0
        if not (now - created <= SESSION_TTL and now - seen <= IDLE_TTL and created <= now + 60):
            self._remove(path)
            return None  # expired: a new anonymous session (and cookie) follows
        s = Session(sid, _csrf(sid), **{k: data.get(k) for k in _STORED if k not in ("created", "seen")},
                    created=created, seen=seen)
        if now - seen >= SEEN_EVERY:
            s.seen = now
            self.save(s)
        return s

    def end(self, sid: str) -> None:
        """Revoke the session (logout, a revoked link)."""
        if sid and _ID.match(sid):
            self._remove(self._file(sid))

    def rotate(self, old: Session, **kw) -> Session:
        """A fresh session id (and CSRF token) on login, keeping the language: no session fixation."""
        self.end(old.sid)
        return self.new(lang=old.lang, **kw)

    @staticmethod
    def _remove(path: Path) -> None:
        try:
            path.unlink()
        except FileNotFoundError:
            pass

    def sweep(self) -> None:
        """Remove expired sessions; beyond :data:`MAX_SESSIONS`, the least recently seen."""
        now = time.time()
        alive = []
        for entry in os.scandir(self.folder):
            if not entry.name.endswith(".json") or entry.name.startswith("."):
                continue
            data = _read(Path(entry.path)) if entry.is_file() else None  # damaged or unreadable: removed
            try:
                created, seen = float(data["created"]), float(data["seen"])
            except (KeyError, TypeError, ValueError):
                created = seen = 0.0
            if now - created > SESSION_TTL or now - seen > IDLE_TTL:
                self._remove(Path(entry.path))
            else:
                alive.append((seen, entry.path))
        for _, path in sorted(alive)[:max(0, len(alive) - MAX_SESSIONS)]:
            self._remove(Path(path))

    # -- failed logins --------------------------------------------------------------
    def blocked(self, *keys: str) -> float:
        """Seconds until a login for any of ``keys`` may be tried again (0: now)."""
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for k in keys:
                recent = [t for t in self._fail.get(k, []) if now - t < FAILURE_WINDOW]
                self._fail[k] = recent
                if len(recent) >= (MAX_ADDRESS_FAILURES if k.startswith("addr:") else MAX_FAILURES):
                    wait = max(wait, FAILURE_WINDOW - (now - recent[0]))
        return wait

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._fail) > 10000:
                self._fail = {k: v for k, v in self._fail.items() if v and now - v[-1] < FAILURE_WINDOW}
            for k in keys:
                self._fail.setdefault(k, []).append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._fail.pop(k, None)


def _read(path: Path) -> dict | None:
    """A stored session's JSON; None if it is missing, unreadable or damaged (never an exception to a request)."""
    try:
        data = files.read_json(path)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def revoke_user(project_path, name: str) -> int:
    """End every stored session of team user ``name``; the number ended (``lca users remove`` calls it)."""
    folder = files.portal_dir(project_path) / SESSIONS_DIR
    n = 0
    if not folder.is_dir():
        return 0
    for entry in os.scandir(folder):
        if entry.name.endswith(".json") and not entry.name.startswith("."):
            data = _read(Path(entry.path))
            if data is not None and data.get("kind") == "team" and data.get("user") == name:
                Sessions._remove(Path(entry.path))
                n += 1
    return n


def csrf_ok(session: Session | None, token: str | None) -> bool:
    return bool(session and token) and hmac.compare_digest(session.csrf.encode(), str(token).encode())


def cookie_header(sid: str, max_age: int | None = None) -> str:
    parts = [f"{COOKIE}={sid}", "Path=/portal", "Secure", "HttpOnly", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    return "; ".join(parts)
