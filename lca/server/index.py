"""The server's in-memory index of the published footprints: incremental, off the event loop, stably ordered.

:class:`FootprintIndex` keeps a :class:`Snapshot` of ``PROJECT/pact/footprints``:
every servable footprint as an :class:`Entry` (document, pre-serialized JSON,
match keys, access list), in publication order (``seq``, then publication time
and id: a new footprint always sorts after every existing one, a changed
status or access list keeps its place), with a map by id. When the directory
changes, only the files the writers name in the journal
``pact/footprints.log`` are read again (all files' inodes are compared when a
change stays without a journal line for a second: a change by hand), in a worker thread, so a
publication never stalls the event loop; a request that arrives after a change waits for that
refresh (a few ms for a publication) and is never answered from the state before it: an access
list restricted or opened by a publish holds for every request that follows it. The worker only reads and parses; the
change is applied to the snapshot in place on the event loop (a bisect and a list insert per
changed footprint, no copy of the 20,000 entries: the copies cost 4 to 16 ms of GIL per change),
so a request, which reads the snapshot without awaiting in between, always sees a whole
state. With ``freeze`` (the server), a whole snapshot read is moved out of the cyclic garbage
collector's reach (:func:`gc.freeze`): 20,000 footprints are some 300,000 objects, and a full
collection over them stopped the event loop for 0.1 to 0.6 s every few seconds under load
(entries hold no reference cycles: reference counting frees replaced ones). A file that cannot be
parsed is left out (logged by name); a missing directory is an empty store, an
unreadable one raises.

Paging (:func:`page`) walks this order from a cursor, the sort key of the last
footprint returned, so footprints added, restricted or removed between pages
shift nothing: no duplicates, no misses.
"""
from __future__ import annotations

import asyncio
import base64
import bisect
import gc
import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import QueryError
from ..files import file_stamp
from . import files
from .filters import Keys
from .store import FOOTPRINTS, JOURNAL, check_footprint

log = logging.getLogger("lca.server")
# (0.4 ms of work, but under load the worker waits for the GIL in 5 ms switch intervals: with 20 ms every
# request in flight at a publication waited the whole 20 to 25 ms)
UNEXPLAINED_S = 1.0  # [s] a change no journal line explains within this is looked for in every file


@dataclass(frozen=True)
class Entry:
    """One servable footprint: the document, its JSON bytes, match keys, access list and sort key."""

    id: str
    doc: dict
    body: bytes
    keys: Keys
    access: frozenset | None
    key: tuple  # (seq, published, id): publication order

    def visible_to(self, client: str) -> bool:
        return self.access is None or client in self.access


@dataclass(frozen=True)
class Snapshot:
    """The view: entries in publication order, their sort keys, and entries by id (changed in place
    on the event loop only; read it without awaiting in between)."""

    entries: list
    keys: list
    by_id: dict


def _empty() -> Snapshot:
    return Snapshot([], [], {})


def _entry(path: str) -> Entry:
    with open(path, "rb") as fh:
        rec = json.loads(fh.read())
    doc = rec["footprint"]
    if check_footprint(doc, dates=False):
        raise ValueError("not a valid ProductFootprint")
    access = rec.get("access")
    return Entry(doc["id"], doc, json.dumps(doc, ensure_ascii=False).encode("utf-8"), Keys.of(doc),
                 frozenset(access) if access else None,
                 (int(rec.get("seq") or 0), str(rec.get("published", "")), doc["id"]))


class FootprintIndex:
    """The server's view of ``PROJECT/pact/footprints`` (see the module docstring)."""

    def __init__(self, project_path, freeze: bool = False):
        self.dir = Path(project_path) / files.PACT_DIR / FOOTPRINTS
        self.freeze = freeze  # gc.freeze() after a whole snapshot is read (a server process)
        self.snapshot = _empty()
        self._stamp = None
        self._files: dict[str, tuple[int, Entry | None]] = {}  # file name -> (inode, entry or None if damaged)
        self._lock = threading.Lock()
        self._jino, self._jpos = None, 0  # the journal's inode and how far it was read
        self._unexplained = None  # since when the directory changed without a journal line
        self._task: asyncio.Task | None = None

    def _dir_stamp(self):
        """What changes when the store does: the directory's stamp and the journal's (appends always
        grow it, so a write in the same timestamp tick as the last refresh is not missed)."""
        d = file_stamp(self.dir)
        return None if d is None else (d, file_stamp(self.dir.parent / JOURNAL))  # as _collect() keeps it

    def refresh(self, stamp=None) -> Snapshot:
        """Bring the snapshot up to date (blocking: reads the changed files, then applies them); return
        it. Not while the event loop serves from it: there :meth:`current` reads in a worker thread and
        applies on the loop."""
        return self._apply(self._collect())

    def _collect(self) -> tuple:
        """Read what changed (a worker thread may run this; it touches nothing a request reads).

        The files to read again are those the writers named in the journal since the last
        refresh; when the journal was restarted, or the directory changed and no journal line
        explains it within ``UNEXPLAINED_S`` (a file added, removed or replaced by hand), every
        file's inode is compared. The stamp kept is taken here, the journal's before it is read
        and the directory's after (a writer renames before it writes its line, so every rename a
        line read here names is in the directory's stamp; a line written after the read changes
        the journal's stamp). Returns ``(stamp, change)`` for :meth:`_apply`: change is None (nothing
        to apply), a new :class:`Snapshot`, or ``(gone, new)`` entries; stamp ``False`` keeps the old.
        """
        with self._lock:
            jstamp = file_stamp(self.dir.parent / JOURNAL)
            changed = self._journal()
            dstamp = file_stamp(self.dir)
            if dstamp is None:
                self._files, self._unexplained = {}, None
                return None, _empty()
            if changed is None or not self._files:  # no usable journal: compare every file
                change = self._full_scan()
            elif changed:
                change = self._update(changed)
            elif self._stamp is None or dstamp != self._stamp[0]:  # the directory changed and no journal
                if not os.path.isdir(self.dir):  # line names it (yet): a change by hand (a writer's line
                    raise NotADirectoryError(str(self.dir))  # follows its rename at once)
                now = time.monotonic()
                if self._unexplained is None:
                    self._unexplained = now
                if now - self._unexplained < UNEXPLAINED_S:
                    return False, None  # stamp not taken: looked at again on the next request
                change = self._full_scan()
            else:
                change = None
            self._unexplained = None
            return (dstamp, jstamp), change

    def _apply(self, collected: tuple) -> Snapshot:
        """Apply what :meth:`_collect` found (on the event loop when serving) and keep its stamp."""
        stamp, change = collected
        if isinstance(change, Snapshot):
            self.snapshot = change
            if self.freeze:  # the long-lived index out of the full collections (see the module docstring);
                gc.freeze()  # no gc.collect() first: on the event loop it would be the very stall avoided
        elif change is not None:
            gone, new = change
            snap = self.snapshot
            entries, keys, by_id = snap.entries, snap.keys, snap.by_id
            for e in gone:
                i = bisect.bisect_left(keys, e.key)
                if i < len(keys) and entries[i] is e:
                    del entries[i], keys[i]
                if by_id.get(e.id) is e:
                    del by_id[e.id]
            for e in new:
                i = bisect.bisect_left(keys, e.key)
                entries.insert(i, e)
                keys.insert(i, e.key)
                by_id[e.id] = e
        if stamp is not False:
            self._stamp = stamp
        return self.snapshot

    def _journal(self) -> set | None:
        """Names written since the last read of the journal, or None if it cannot tell (then: full scan)."""
        path = self.dir.parent / JOURNAL
        try:
            with open(path, "rb") as fh:
                st = os.fstat(fh.fileno())
                if st.st_ino != self._jino or st.st_size < self._jpos:
                    self._jino, self._jpos = st.st_ino, st.st_size
                    return None
                fh.seek(self._jpos)
                data = fh.read(st.st_size - self._jpos)
        except FileNotFoundError:
            self._jino, self._jpos = None, 0
            return None
        end = data.rfind(b"\n") + 1  # a line still being written is read next time
        self._jpos += end
        return {n for n in data[:end].decode("ascii", "replace").split("\n") if n}

    def _read(self, name: str, ino: int):
        try:
            return (ino, _entry(str(self.dir / name)))
        except FileNotFoundError:  # replaced or removed since the listing: next refresh
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("skipping damaged footprint record %s (%s)", name, type(exc).__name__)
            return (ino, None)

    def _full_scan(self) -> Snapshot:
        seen: dict[str, tuple[int, Entry | None]] = {}
        for de in os.scandir(self.dir):
            if not de.name.endswith(".json") or de.name.startswith("."):
                continue
            ino = de.inode()
            old = self._files.get(de.name)
            if old is not None and old[0] == ino:
                seen[de.name] = old
                continue
            got = self._read(de.name, ino)
            if got is not None:
                seen[de.name] = got
        self._files = seen
        return self._sorted()

    def _sorted(self) -> Snapshot:
        entries = sorted((e for _, e in self._files.values() if e is not None), key=lambda e: e.key)
        return Snapshot(entries, [e.key for e in entries], {e.id: e for e in entries})

    def _update(self, changed: set):
        gone, new = [], []
        for n in changed:
            if not n.endswith(".json") or n.startswith(".") or "/" in n:
                continue
            old = self._files.get(n)
            try:
                ino = os.stat(self.dir / n).st_ino
            except FileNotFoundError:  # removed
                if old is not None:
                    del self._files[n]
                    if old[1] is not None:
                        gone.append(old[1])
                continue
            if old is not None and old[0] == ino:
                continue
            got = self._read(n, ino)
            if got is None:
                continue
            if old is not None and old[1] is not None:
                gone.append(old[1])
            self._files[n] = got
            if got[1] is not None:
                new.append(got[1])
        if len(gone) + len(new) > 256:  # many changes: sort afresh
            return self._sorted()
        return (gone, new) if gone or new else None

    async def _refresh(self) -> Snapshot:
        collected = await asyncio.get_running_loop().run_in_executor(None, self._collect)
        return self._apply(collected)  # on the loop: no request is between its reads of the snapshot

    async def current(self) -> Snapshot:
        """The snapshot, refreshed (read in a worker thread, applied here) if the directory changed: the
        request waits for the refresh (one refresh shared by every request that waits)."""
        stamp = self._dir_stamp()
        if stamp is not None and stamp == self._stamp:
            return self.snapshot
        if stamp is None and self._stamp is None:
            return self.snapshot
        task = self._task
        if task is None or task.done():
            task = self._task = asyncio.ensure_future(self._refresh())
        return await asyncio.shield(task)  # raises what the refresh raised (an unreadable store: 500)


def encode_cursor(key: tuple) -> str:
    """An opaque paging cursor for sort key ``key``."""
    return base64.urlsafe_b64encode(json.dumps(list(key), separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(text: str) -> tuple:
    """The sort key of a cursor; :class:`QueryError` if it is not one this host made."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        seq, published, pf_id = json.loads(raw)
        if not (isinstance(seq, int) and isinstance(published, str) and isinstance(pf_id, str)):
            raise ValueError
        return (seq, published, pf_id)
    except (ValueError, TypeError, UnicodeDecodeError, RecursionError):
        raise QueryError("cursor: not a paging cursor of this host; follow the Link header") from None


def page(snapshot: Snapshot, client: str, query, after: tuple | None, limit: int) -> tuple[list, tuple | None]:
    """Up to ``limit`` entries after sort key ``after`` that ``client`` may see and ``query`` matches,
    and the cursor key for the next page (None if there is none)."""
    start = 0 if after is None else bisect.bisect_right(snapshot.keys, after)
    out = []
    entries = snapshot.entries
    for i in range(start, len(entries)):
        e = entries[i]
        if e.visible_to(client) and query.matches(e.keys):
            if len(out) == limit:
                return out, out[-1].key
            out.append(e)
    return out, None
