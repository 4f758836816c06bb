"""Received events on disk: a size limit per event, a storage quota per client, a retention period.

Partners' Published, RequestFulfilled and RequestRejected events are stored in
``PROJECT/pact/events/`` (:func:`lca.server.store.save_event`, one file each, the
file name starting with the UTC time it was received). Bounds, so that no
client can fill the disk (the rate limit alone allowed ~10 GB a day):

- ``MAX_EVENT_BYTES``: one stored event (its JSON) at most; larger ones are 413;
- ``QUOTA_BYTES`` and ``QUOTA_EVENTS``: what one client may have stored within the
  last ``QUOTA_WINDOW_S``; beyond it the event is refused with 429 and a
  ``Retry-After`` until the oldest counted event leaves the window;
- ``RETENTION_DAYS``: stored events older than this are deleted (at start-up and
  then at most once an hour), and so are the oldest ones while the whole
  directory holds more than ``MAX_TOTAL_BYTES``.

Host policy, not PACT rules (the Tech Spec sets no storage bounds); the
figures are this host's defaults, set in :class:`Inbox`.
"""
from __future__ import annotations

import logging
import os
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import files
from .store import EVENTS

log = logging.getLogger("lca.server")
MAX_EVENT_BYTES = 48 * 1024  # [bytes] one stored event (compact JSON; the request body limit is 64 KiB)
QUOTA_BYTES = 4 * 1024 * 1024  # [bytes] stored per client within QUOTA_WINDOW_S
QUOTA_EVENTS = 2000  # events stored per client within QUOTA_WINDOW_S
QUOTA_WINDOW_S = 24 * 3600  # [s]
RETENTION_DAYS = 90  # [days] stored events are kept this long
MAX_TOTAL_BYTES = 1024 * 1024 * 1024  # [bytes] all stored events together
PRUNE_EVERY_S = 3600  # [s]


def _received(name: str) -> float | None:
    """The receive time (epoch seconds) in a stored event's file name ``YYYYmmddTHHMMSSffffffZ-...``."""
    try:
        return datetime.strptime(name[:22], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        return None


@dataclass
class Inbox:
    """The quota book of one server process, seeded from the stored events at start-up."""

    project_path: Path
    max_event_bytes: int = MAX_EVENT_BYTES
    quota_bytes: int = QUOTA_BYTES
    quota_events: int = QUOTA_EVENTS
    window_s: float = QUOTA_WINDOW_S
    retention_days: float = RETENTION_DAYS
    max_total_bytes: int = MAX_TOTAL_BYTES
    book: dict = field(default_factory=dict)  # client -> deque of (epoch seconds, bytes)
    _pruned: float = 0.0

    def __post_init__(self):
        self.dir = Path(self.project_path) / files.PACT_DIR / EVENTS
        self.prune()
        now = time.time()
        for name, when, size, path in self._stored():
            if now - when < self.window_s:
                rec = files.read_json(path, default={}) if isinstance(path, Path) else {}
                client = rec.get("client") if isinstance(rec, dict) else None
                if isinstance(client, str):
                    self.book.setdefault(client, deque()).append((when, size))

    def _stored(self) -> list[tuple[str, float, int, Path]]:
        """(name, receive time, size, path) of the stored events, oldest first."""
        out = []
        try:
            entries = list(os.scandir(self.dir))
        except FileNotFoundError:
            return out
        for de in entries:
            if not de.name.endswith(".json") or de.name.startswith("."):
                continue
            when = _received(de.name)
            if when is None:
                continue
            try:
                out.append((de.name, when, de.stat().st_size, Path(de.path)))
            except FileNotFoundError:
                continue
        return sorted(out)

    def admit(self, client: str, size: int, now: float | None = None) -> tuple[int, str, int]:
        """``(0, "", 0)`` if ``client`` may store an event of ``size`` bytes now (and count it), else
        ``(status, message, retry_after_s)``."""
        if size > self.max_event_bytes:
            return 413, f"an event to be stored may have at most {self.max_event_bytes} bytes", 0
        now = time.time() if now is None else now
        q = self.book.setdefault(client, deque())
        while q and now - q[0][0] >= self.window_s:
            q.popleft()
        used = sum(s for _, s in q)
        if len(q) >= self.quota_events or used + size > self.quota_bytes:
            wait = int(self.window_s - (now - q[0][0])) + 1 if q else int(self.window_s)
            return 429, (f"this client's event storage quota is used up ({self.quota_events} events or "
                         f"{self.quota_bytes // 1024} KiB per {self.window_s / 3600:g} h); retry later"), wait
        q.append((now, size))
        return 0, "", 0

    def prune_due(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return now - self._pruned >= PRUNE_EVERY_S

    def prune(self, now: float | None = None) -> int:
        """Delete stored events past the retention period or beyond the total size; how many."""
        now = time.time() if now is None else now
        self._pruned = now
        stored = self._stored()
        total = sum(s for _, _, s, _ in stored)
        removed = 0
        for name, when, size, path in stored:  # oldest first
            if now - when <= self.retention_days * 86400 and total <= self.max_total_bytes:
                break
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            total -= size
            removed += 1
        if removed:
            log.info("removed %d stored event(s) past the retention of %g days or the %d MiB bound", removed,
                     self.retention_days, self.max_total_bytes // 2 ** 20)
        return removed
