"""Portal sessions: the session cookie, CSRF tokens and the failed-login rate limit.

A session is a random id (``secrets.token_urlsafe(32)``) in the cookie
``lca_portal`` (``Secure; HttpOnly; SameSite=Lax; Path=/portal``), mapped in the
server's memory to who it is: anonymous (before login), a team user, or a
supplier who opened an invitation link (bound to that request's company). A
restart or ``logout`` ends it; sessions expire after :data:`SESSION_TTL`
seconds (idle :data:`IDLE_TTL`). Each session has its own random CSRF token,
required (constant-time compare) in every form that changes something. Failed
logins are counted per user name and per client address: after
:data:`MAX_FAILURES` for a name (:data:`MAX_ADDRESS_FAILURES` from an
address) within :data:`FAILURE_WINDOW` seconds, logins for that name (from
that address) are refused until the window passes.
"""
from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

COOKIE = "lca_portal"
SESSION_TTL = 8 * 3600  # [s] longest session
IDLE_TTL = 3600  # [s] a session unused this long ends
MAX_FAILURES = 5  # failed logins per user name per window
MAX_ADDRESS_FAILURES = 20  # failed logins per client address per window (offices share an address)
FAILURE_WINDOW = 900  # [s]
MAX_SESSIONS = 20000


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
    created: float = field(default_factory=time.monotonic)
    seen: float = field(default_factory=time.monotonic)


class Sessions:
    """In-memory sessions of one server process."""

    def __init__(self):
        self._by_id: dict[str, Session] = {}
        self._fail: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def new(self, **kw) -> Session:
        s = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), **kw)
        with self._lock:
            if len(self._by_id) >= MAX_SESSIONS:
                self._sweep()
            self._by_id[s.sid] = s
        return s

    def get(self, sid: str | None) -> Session | None:
        if not sid or len(sid) > 100:
            return None
        now = time.monotonic()
        with self._lock:
            s = self._by_id.get(sid)
            if s is None:
                return None
            if now - s.created > SESSION_TTL or now - s.seen > IDLE_TTL:
                del self._by_id[sid]
                return None
            s.seen = now
            return s

    def end(self, sid: str) -> None:
        with self._lock:
            self._by_id.pop(sid, None)

    def rotate(self, old: Session, **kw) -> Session:
        """A fresh session id (and CSRF token) on login, keeping the language: no session fixation."""
        self.end(old.sid)
        return self.new(lang=old.lang, **kw)

    def _sweep(self) -> None:
        now = time.monotonic()
        self._by_id = {k: s for k, s in self._by_id.items()
                       if now - s.created <= SESSION_TTL and now - s.seen <= IDLE_TTL}
        while len(self._by_id) >= MAX_SESSIONS:  # still full: drop the oldest
            self._by_id.pop(next(iter(self._by_id)))

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


def csrf_ok(session: Session | None, token: str | None) -> bool:
    return bool(session and token) and hmac.compare_digest(session.csrf.encode(), str(token).encode())


def cookie_header(sid: str, max_age: int | None = None) -> str:
    parts = [f"{COOKIE}={sid}", "Path=/portal", "Secure", "HttpOnly", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    return "; ".join(parts)
