"""Supplier data requests: who is asked for which products and period, their state and invitation link.

``PROJECT/portal/requests.json`` (0600) holds every request: company id,
product ids, reporting period, due date, state and its history, the uploads
and the team's decision. The supplier's invitation link carries a long random
token (``secrets.token_urlsafe(32)``); only its SHA-256 is stored (the token
has 256 bits, so a fast hash cannot be reversed by guessing), it expires
(``expires``) and is revoked by ``revoke`` (state ``withdrawn``) or replaced by
``send``. States: draft, sent, opened, submitted, in_review, accepted, declined,
withdrawn; a request is *overdue* when its due date has passed while it still
waits for the supplier (draft, sent, opened, declined).

Every change is a read-modify-write of the file under the portal's lock
(:func:`lca.portal.files.locked`), written atomically; readers use a copy
cached by the file's modification time.
"""
from __future__ import annotations

import copy
import hashlib
import hmac
import os
import re
import secrets
import time
from datetime import date, datetime, timedelta, timezone

from ..errors import InputError
from . import files

REQUESTS = "requests.json"
STATES = ("draft", "sent", "opened", "submitted", "in_review", "accepted", "declined", "withdrawn")
WAITING = ("draft", "sent", "opened", "declined")  # the supplier's move: overdue once past due
LINK_DAYS = 30  # the link stays valid this many days after the due date
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_RID = re.compile(r"^R[0-9a-f]{10}$")
_cache: dict[str, tuple[tuple, dict]] = {}


class LinkRefused(Exception):
    """An invitation token that is unknown, revoked or expired (``reason``: unknown|revoked|expired)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _path(project_path):
    return files.portal_dir(project_path) / REQUESTS


def _load(project_path) -> dict:
    """The stored requests (a cached object: callers that change it work on a deep copy)."""
    path = _path(project_path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return {"requests": {}}
    sig = (st.st_mtime_ns, st.st_size, st.st_ino)
    hit = _cache.get(str(path))
    if hit and hit[0] == sig:
        return hit[1]
    data = files.read_json(path, default={"requests": {}})
    if not isinstance(data, dict) or not isinstance(data.get("requests"), dict):
        data = {"requests": {}}
    _cache[str(path)] = (sig, data)
    return data


def _save(project_path, data: dict) -> None:
    files.write_json(_path(project_path), data)


def _now() -> int:
    return int(time.time())


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise InputError(f"{what} {text!r}: give an ISO date such as 2026-12-31") from None


def parse_period(text: str) -> tuple[str, str]:
    """``START:END`` (ISO dates, START <= END) -> the two ISO strings."""
    start, sep, end = str(text or "").partition(":")
    if not sep:
        raise InputError(f"--period {text!r}: give START:END, e.g. 2025-01-01:2025-12-31")
    a, b = _day(start, "--period start"), _day(end, "--period end")
    if b < a:
        raise InputError(f"--period {text!r}: the end is before the start")
    return a.isoformat(), b.isoformat()


def record_event(rec: dict, state: str, by: str | None, reason: str | None = None) -> None:
    """Set ``rec``'s state and append it to its history (the caller holds the lock and stores ``rec``)."""
    rec["state"] = state
    rec["updated"] = _now()
    entry = {"state": state, "at": rec["updated"], "by": by}
    if reason:
        entry["reason"] = reason
    rec.setdefault("history", []).append(entry)


def _issue_token(rec: dict, base_url: str) -> str:
    token = secrets.token_urlsafe(32)
    rec["token_sha256"] = token_hash(token)
    due = date.fromisoformat(rec["due"])
    end = datetime.combine(due + timedelta(days=LINK_DAYS), datetime.max.time(), tzinfo=timezone.utc)
    rec["expires"] = int(end.timestamp())
    rec["revoked"] = False
    return link_of(base_url, token)


def link_of(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/portal/s/{token}"


def add(project_path, company_id: str, products: list[str], period: str, due: str, by: str | None = None,
        base_url: str = "https://127.0.0.1:8443", draft: bool = False) -> dict:
    """Create a request; return ``{"id", "link"}`` (``link`` None for a draft; the token is shown only here)."""
    if not _ID.match(company_id or ""):
        raise InputError(f"company id {company_id!r}: use the supplier's company_id (letters, digits, . _ -)")
    products = [p.strip() for p in products if p and p.strip()]
    if not products:
        raise InputError("give at least one --product PRODUCT_ID")
    for p in products:
        if not _ID.match(p):
            raise InputError(f"--product {p!r}: use the product_id the supplier's workbook uses (letters, digits, . _ -)")
    start, end = parse_period(period)
    due_day = _day(due, "--due")
    rid = "R" + secrets.token_hex(5)
    rec = {"id": rid, "company_id": company_id, "products": list(dict.fromkeys(products)), "period": [start, end],
           "due": due_day.isoformat(), "created": _now(), "created_by": by, "uploads": [], "submitted": None,
           "decision": None, "token_sha256": None, "expires": None, "revoked": False}
    record_event(rec, "draft", by)
    link = None
    if not draft:
        link = _issue_token(rec, base_url)
        record_event(rec, "sent", by)
    with files.locked(project_path):
        data = copy.deepcopy(_load(project_path))
        data["requests"][rid] = rec
        _save(project_path, data)
    return {"id": rid, "link": link}


def update(project_path, rid: str, change) -> dict:
    """Apply ``change(record)`` to request ``rid`` under the lock and store it; return the new record."""
    with files.locked(project_path):
        cached = _load(project_path)
        if rid not in cached["requests"]:
            raise InputError(f"no request {rid!r} (see `lca requests list`)")
        # a deep copy of the one record changed; the others are shared with the cache, which nobody changes
        data = {**cached, "requests": dict(cached["requests"])}
        rec = data["requests"][rid] = copy.deepcopy(cached["requests"][rid])
        change(rec)
        rec["updated"] = _now()
        _save(project_path, data)
    return rec


def send(project_path, rid: str, by: str | None = None, base_url: str = "https://127.0.0.1:8443") -> dict:
    """Issue a (new) link for request ``rid``: the previous link stops working; ``{"id", "link"}``."""
    out = {}

    def change(rec):
        if rec["state"] in ("withdrawn", "accepted"):
            raise InputError(f"request {rid} is {rec['state']}: create a new request instead")
        out["link"] = _issue_token(rec, base_url)
        if rec["state"] == "draft":
            record_event(rec, "sent", by)

    update(project_path, rid, change)
    return {"id": rid, "link": out["link"]}


def revoke(project_path, rid: str, by: str | None = None) -> dict:
    """Withdraw request ``rid``: its link is refused from now on."""
    def change(rec):
        rec["revoked"] = True
        if rec["state"] != "withdrawn":
            record_event(rec, "withdrawn", by)

    return update(project_path, rid, change)


def transition(project_path, rid: str, state: str, by: str | None = None, reason: str | None = None,
               allowed_from: tuple = ()) -> dict:
    """Move request ``rid`` to ``state`` if it is in one of ``allowed_from`` (any state when empty)."""
    def change(rec):
        if allowed_from and rec["state"] not in allowed_from:
            raise InputError(f"request {rid} is {rec['state'].replace('_', ' ')}: it cannot become "
                             f"{state.replace('_', ' ')} now")
        record_event(rec, state, by, reason)

    return update(project_path, rid, change)


def get(project_path, rid: str) -> dict | None:
    if not _RID.match(rid or ""):
        return None
    rec = _load(project_path)["requests"].get(rid)
    return view(rec) if rec else None


def by_token(project_path, token: str) -> dict:
    """The request a link token opens; :class:`LinkRefused` when unknown, revoked or expired."""
    if not token or len(token) > 200:
        raise LinkRefused("unknown")
    digest = token_hash(token)
    for rec in _load(project_path)["requests"].values():
        stored = rec.get("token_sha256")
        if stored and hmac.compare_digest(stored, digest):
            if rec.get("revoked") or rec["state"] == "withdrawn":
                raise LinkRefused("revoked")
            if rec.get("expires") is not None and _now() > rec["expires"]:
                raise LinkRefused("expired")
            return view(rec)
    raise LinkRefused("unknown")


def link_refusal(project_path, rid: str) -> str | None:
    """None while request ``rid``'s link works, else why not: ``revoked`` (or withdrawn, unknown) or ``expired``."""
    rec = _load(project_path)["requests"].get(rid or "")
    if rec is None or not rec.get("token_sha256") or rec.get("revoked") or rec["state"] == "withdrawn":
        return "revoked"
    if rec.get("expires") is not None and _now() > rec["expires"]:
        return "expired"
    return None


def view(rec: dict, today: date | None = None) -> dict:
    """A copy of a request for pages and JSON: the token hash left out, ``overdue`` added."""
    today = today or date.today()
    out = {k: v for k, v in rec.items() if k != "token_sha256"}
    out["overdue"] = rec["state"] in WAITING and date.fromisoformat(rec["due"]) < today
    return out


def listing(project_path, company_id: str | None = None) -> list[dict]:
    """Every request (of ``company_id`` if given), newest first."""
    today = date.today()
    recs = _load(project_path)["requests"].values()
    return sorted((view(r, today) for r in recs if company_id is None or r["company_id"] == company_id),
                  key=lambda r: (-r["created"], r["id"]))


def accepted_companies(project_path) -> frozenset:
    """The company ids with an accepted request (read from the cached store, without building views)."""
    return frozenset(r["company_id"] for r in _load(project_path)["requests"].values() if r["state"] == "accepted")


def counts(project_path) -> dict:
    """``{state: n}`` for every state, plus ``overdue``."""
    out = dict.fromkeys(STATES, 0)
    out["overdue"] = 0
    today = date.today()
    for r in _load(project_path)["requests"].values():
        out[r["state"]] = out.get(r["state"], 0) + 1
        if r["state"] in WAITING and date.fromisoformat(r["due"]) < today:
            out["overdue"] += 1
    return out


def upload_dir(project_path, rid: str):
    """``PROJECT/portal/requests/RID`` (0700): the request's uploaded files and their reports."""
    if not _RID.match(rid or ""):
        raise InputError(f"no request {rid!r}")
    d = files.portal_dir(project_path) / "requests" / rid
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d
