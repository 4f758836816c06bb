"""Storage of imported supplier submissions, and the derived ``suppliers`` Brightway database.

The canonical data are the submissions themselves, one JSON file per company
in ``<project>/submissions/<company_id>.json``. The Brightway database
``suppliers`` is derived: :func:`rebuild` (and every import) rewrites it from
ALL stored submissions through :func:`lca.supply.link.build`, so products can
be imported in any order and references resolve as soon as both sides exist.

Write order of an import (:func:`commit`), all under the project's write lock
so that two importers serialize:

1. validate and link everything (nothing written on any error);
2. build the full dataset list with the new submissions replacing each
   company's previous one;
3. ``project.write_database`` (validates, marks the write pending, writes); a side process
   (:mod:`lca.side_writes`, started by :func:`stage`, for an import while it links) archives each
   record and stages the new JSON files, fsynced;
4. record the digest of the submission set the database was built from (and of the link rules'
   and inventories' versions, :func:`link_signature`: a database built by other link code is stale);
5. only then, once the side process has written everything, ``os.replace`` the new JSON files
   into place (if it failed: none is replaced, and the database is rebuilt from the stored ones).

A crash anywhere leaves either the old JSON (and a database whose digest no
longer matches, or a pending write) or the new JSON: :func:`ensure_current`
rebuilds the database from the JSON files whenever the digest differs, so the
database never silently disagrees with the stored submissions.
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
from datetime import date, datetime, timezone
from pathlib import Path

from .. import inventory, locking
from ..errors import InputError, IntegrityError, LcaError, Severity
from ..files import atomic_write_text, file_stamp
from ..side_writes import SideWrites
from . import lines, link, periods

SUPPLIER_DB = link.SUPPLIER_DB
SUBMISSIONS_DIR = "submissions"
RECORD_FORMAT = "green-lca supplier submission"
RECORD_VERSION = 1
COMPANY_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
DIGEST_KEY = "submissions_digest"


def submissions_dir(project) -> Path:
    return Path(project.path) / SUBMISSIONS_DIR


_SCALARS = (str, int, float, bool, type(None))
_FIELDS: dict[type, tuple[str, ...]] = {}


def _plain(obj):
    """Dataclasses, dates, tuples -> JSON-able plain data."""
    t = type(obj)
    if t in _SCALARS:  # the common case first: one type lookup per value
        return obj
    if t is dict:
        return {str(k): v if type(v) in _SCALARS else _plain(v) for k, v in obj.items()}
    if t is list or t is tuple:
        return [v if type(v) in _SCALARS else _plain(v) for v in obj]
    names = _FIELDS.get(t)
    if names is None and dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        names = _FIELDS[t] = tuple(f.name for f in dataclasses.fields(obj))
    if names is not None:
        out = {}
        for name in names:
            v = getattr(obj, name)
            out[name] = v if type(v) in _SCALARS else _plain(v)
        return out
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, (datetime, date)):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    return obj


def to_record(submission) -> dict:
    """A validated ``Submission`` (or an equivalent dict) -> the stored JSON record."""
    rec = _plain(submission)
    for key in ("products", "materials", "energy", "transport", "emissions", "pcfs"):
        rec[key] = list(rec.get(key) or [])
    if not isinstance(rec.get("supplier"), dict) or not rec["supplier"].get("company_id"):
        raise InputError("a submission without a Supplier sheet company_id cannot be stored")
    cid = str(rec["supplier"]["company_id"])
    if not COMPANY_RE.match(cid):
        raise InputError(f"company_id {cid!r} must match [A-Za-z0-9._-]{{1,64}}")
    if rec.get("source_file"):
        rec["source_file"] = Path(str(rec["source_file"])).name
    rec["format"] = RECORD_FORMAT
    rec["format_version"] = RECORD_VERSION
    return rec


def _dumps(rec: dict) -> str:
    try:
        # compact and key-sorted: deterministic text (the digest is taken over it), and the C
        # encoder (an ``indent`` falls back to the pure-Python one, ~5x slower)
        return json.dumps(rec, ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":"))
    except ValueError as exc:
        raise InputError(f"refusing to store a non-finite number: {exc}") from exc


def load_all(project) -> dict[str, dict]:
    """Every stored submission record, by company id."""
    return _records_of(project, _stored_texts(project))


def _add_record(out: dict[str, dict], path: Path, text: str) -> None:
    try:
        rec = json.loads(text)
    except ValueError as exc:
        raise IntegrityError(f"stored submission {path} is unreadable ({exc}); restore it from a "
                             "backup or delete it and re-import the company's workbook") from exc
    if rec.get("format") != RECORD_FORMAT:
        raise IntegrityError(f"{path} is not a green-lca submission record")
    out[rec["supplier"]["company_id"]] = rec


def _records_of(project, texts: dict[str, str]) -> dict[str, dict]:
    """``load_all`` from texts already read by :func:`_stored_texts` (each file read once): the latest
    period of each company (earlier periods: :func:`_older_of`)."""
    d = submissions_dir(project)
    out: dict[str, dict] = {}
    for stem, text in texts.items():  # in _stored_texts' (sorted path) order, as load_all
        if periods.SEPARATOR not in stem:
            _add_record(out, d / f"{stem}.json", text)
    return out


def _older_of(project, texts: dict[str, str]) -> dict[str, dict[int, dict]]:
    """The earlier reporting periods stored (``COMPANY@YEAR.json``): ``{company: {year: record}}``."""
    d = submissions_dir(project)
    out: dict[str, dict[int, dict]] = {}
    for stem, text in texts.items():
        if periods.SEPARATOR in stem:
            one: dict[str, dict] = {}
            _add_record(one, d / f"{stem}.json", text)
            for cid, rec in one.items():
                out.setdefault(cid, {})[periods.year_of(rec)] = rec
    return out


def load_periods(project) -> tuple[dict[str, dict], dict[str, dict[int, dict]]]:
    """(:func:`load_all`, :func:`load_older`) from one reading of the stored files."""
    texts = _stored_texts(project)
    return _records_of(project, texts), _older_of(project, texts)


def load_older(project) -> dict[str, dict[int, dict]]:
    """Every stored submission of an earlier reporting period than its company's latest (:mod:`lca.supply.periods`)."""
    return _older_of(project, _stored_texts(project))


def link_signature() -> str:
    """What else the ``suppliers`` database is derived from: the link rules' version and the inventories'."""
    return f"link {lines.LINK_VERSION}; inventories {inventory.inventories_version()}"


def _digest(texts: dict[str, str]) -> str:
    h = hashlib.sha256()
    h.update(link_signature().encode())
    h.update(b"\0")
    for cid in sorted(texts):
        h.update(cid.encode())
        h.update(b"\0")
        h.update(texts[cid].encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def _stored_texts(project) -> dict[str, str]:
    """The text of every stored submission, by file stem, in sorted path order."""
    d = submissions_dir(project)
    if not d.is_dir():
        return {}
    out = {}
    for path in sorted(d.glob("[!.]*.json")):  # not the hidden temporaries of a write
        try:
            out[path.stem] = path.read_text(encoding="utf-8")
        except (OSError, ValueError) as exc:
            raise IntegrityError(f"stored submission {path} is unreadable ({exc}); restore it from a "
                                 "backup or delete it and re-import the company's workbook") from exc
    return out


def build(project, records: list[dict], older: dict | None = None) -> link.Built:
    """Link ``records`` (the latest period of each company) and the earlier periods stored (``older``,
    default read from the project; :func:`lca.supply.periods.expand`) against the background (no writing)."""
    bg = inventory.load_background()
    if older is None:
        older = load_older(project)
    if older:
        records = periods.expand({r["supplier"]["company_id"]: r for r in records}, older)
    return link.build(records, bg, project.biosphere_codes())


def _write(project, built: link.Built, digest: str) -> None:
    bd = project.activate()
    if not built.datasets:
        if SUPPLIER_DB in bd.databases:
            project.delete_database(SUPPLIER_DB)
        return
    project.write_database(SUPPLIER_DB, built.datasets)
    bd = project.activate()
    meta = bd.databases[SUPPLIER_DB]
    meta[DIGEST_KEY] = digest
    bd.databases[SUPPLIER_DB] = meta
    bd.databases.flush()


@dataclasses.dataclass
class Staged:
    """A commit's files, prepared and being written by a side process (:func:`stage`), nothing replaced yet."""

    writes: SideWrites
    texts: dict[str, str]  # every stored text once the commit is done: the digest of the database
    staged: list[tuple[Path, Path]]  # (staged temporary, stored file it replaces)

    def abandon(self) -> None:
        """The commit is not made: remove what the side process created (archived versions never stored)."""
        self.writes.undo()


def stage(project, records: list[dict], changes: dict, originals: dict | None = None, by: str | None = None,
          restored: bool = False, texts: dict[str, str] | None = None) -> Staged:
    """Archive ``records`` and stage the stored files of ``changes`` (see :func:`commit`) by a side process
    (:mod:`lca.side_writes`), started here: under the project lock, before the commit it is passed to, so the
    file writes run while the caller links (pure computation) rather than beside the database write (whose
    own disk writes they slowed: benchmarks/RESULTS.md, figure 4, session 7). A caller that does not commit
    calls :meth:`Staged.abandon`. ``texts``: the stored texts, when already read under this lock hold."""
    from . import archive as arch

    texts = dict(_stored_texts(project) if texts is None else texts)
    writes = SideWrites(keep_fds=locking.held_fds(Path(project.path)))
    text_of: dict[int, str] = {}  # id(record) -> its stored JSON text: encoded once, for the archive too

    def record_text(rec: dict) -> str:
        if id(rec) not in text_of:
            text_of[id(rec)] = _dumps(rec)
        return text_of[id(rec)]

    if not restored:  # archived before anything points at it: an interruption loses nothing
        taken: dict = {}
        by = arch.who(by) if records else by  # the OS user looked up once
        for rec in records:
            cid = rec["supplier"]["company_id"]
            arch.plan(project, rec, (originals or {}).get(cid), by, writes, taken=taken, record_text=record_text)
    new_texts = {st: record_text(rec) for st, rec in changes.items()}
    texts.update(new_texts)
    d = submissions_dir(project)
    staged = [(writes.stage(d / f"{st}.json", text.encode("utf-8")), d / f"{st}.json")
              for st, text in new_texts.items()]
    writes.start()
    return Staged(writes, texts, staged)


def commit(project, records: list[dict], built: link.Built | None = None, originals: dict | None = None,
           by: str | None = None, restored: bool = False, changes: dict | None = None,
           staged: Staged | None = None) -> link.Built:
    """Store ``records`` (each replacing its company's previous submission) and rebuild ``suppliers``.

    Raises :class:`InputError` (nothing written) when linking the full set finds errors.
    ``built``: the linked full set, when the caller linked it under the same lock hold.
    Each record is archived first (:func:`lca.supply.archive.archive`: ``originals`` maps a company
    id to its original file, ``by`` who imports); ``restored``: the records are archived versions
    put back (:func:`lca.supply.history.restore`), not archived again. ``changes``: the stored files
    the records go to (``{stem: record}``, :func:`lca.supply.periods.place`), with ``built``.
    ``staged``: their files already being written (:func:`stage`, same lock hold), with ``built``;
    abandoned here if the commit is refused.
    """
    from . import archive as arch

    with project.lock():
        texts = None
        try:
            if changes is None or built is None:  # else the caller placed and linked them under this lock hold
                texts = _stored_texts(project)
                current, older = _records_of(project, texts), _older_of(project, texts)
                changes = {}
                for rec in records:  # each record to its reporting period's file (the latest, or COMPANY@YEAR)
                    changes.update(periods.place(current, older, rec))
                built = build(project, [current[c] for c in sorted(current)], older)
            errors = [i for i in built.issues if i.severity == Severity.ERROR]
            if errors:
                raise InputError(f"{len(errors)} problem(s) linking the submissions; nothing was written",
                                 errors)
            if staged is None:
                staged = stage(project, records, changes, originals, by, restored, texts)
        except BaseException:
            if staged is not None:
                staged.abandon()
            raise
        # every archived version written, and the staged files fsynced, before any stored file is replaced;
        # a database written without its files differs by its digest
        writes, texts = staged.writes, staged.texts
        replaced = False
        try:
            try:
                _write(project, built, _digest(texts))
            except BaseException:
                with contextlib.suppress(LcaError):  # the database's own error is the one reported
                    writes.wait()  # always waited for: the side process holds the project's lock with this one
                raise
            writes.wait()
            for tmp, final in staged.staged:
                os.replace(tmp, final)
            replaced = True
        except LcaError:
            if not replaced and _written_without_files(project, texts):
                _restore_database(project)
            raise
        finally:
            if not replaced:
                writes.discard()
        if not restored:
            for rec in records:
                arch.log_event(project, rec["supplier"]["company_id"], "imported", rec.get("archive_version"),
                               by, file=rec.get("source_file"), sha256=rec.get("source_sha256"))
        return built


def _written_without_files(project, texts: dict[str, str]) -> bool:
    """True when ``suppliers`` carries the digest of ``texts`` (written) but they were not stored."""
    bd = project.activate()
    return SUPPLIER_DB in bd.databases and bd.databases[SUPPLIER_DB].get(DIGEST_KEY) == _digest(texts)


def _restore_database(project) -> None:
    """After the files of a commit failed (the database already written): the database back to the stored
    submissions now; if that fails too, the next command does it (:func:`ensure_current`)."""
    try:
        rebuild(project)
    except LcaError:
        pass


def submissions(project) -> list[dict]:
    """The stored companies and their submissions: company id and name, file, period, products, stored at (UTC)."""
    d = submissions_dir(project)
    out = []
    for cid, rec in sorted(load_all(project).items()):
        sup = rec["supplier"]
        path = d / f"{cid}.json"
        stored = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc).isoformat(timespec="seconds") \
            if path.exists() else None
        out.append({"company_id": cid, "company_name": sup.get("company_name"),
                    "source_file": rec.get("source_file"), "reporting_period_start": sup.get("reporting_period_start"),
                    "reporting_period_end": sup.get("reporting_period_end"),
                    "products": [str(p["product_id"]) for p in rec.get("products", [])], "stored_at": stored})
    return out


def withdraw(project, company_id: str, by: str | None = None, period: int | None = None) -> list[str]:
    """Withdraw one company's submission atomically and rebuild ``suppliers`` from the others.

    ``period``: only that reporting year's submission (when it is the latest, the company's newest
    earlier period becomes its latest); default every period of the company. The archive keeps every
    version (:func:`lca.supply.history.restore` puts one back).

    Under the project's write lock: the others are linked first (an error leaves everything as it
    was), the submission file is set aside, the database is rewritten, and only then is the file
    removed; if the rewrite fails the file is put back.

    Returns
    -------
    list of str
        ``COMPANY/PRODUCT`` of other companies' products that referenced the withdrawn company (they
        are unresolved now and get no total until it is imported again).

    Raises
    ------
    lca.InputError
        When no submission of ``company_id`` is stored, or the others do not link without it.
    """
    with project.lock():
        texts = _stored_texts(project)
        mine = [st for st in texts if st == company_id or st.startswith(company_id + periods.SEPARATOR)]
        if company_id not in texts:
            known = ", ".join(sorted(st for st in texts if periods.SEPARATOR not in st)) or "none"
            raise InputError(f"no submission of company {company_id!r} is stored (stored: {known}); "
                             "see lca suppliers")
        promote = None
        if period is not None:
            latest_year = periods.year_of(json.loads(texts[company_id]))
            if int(period) == latest_year:
                earlier = sorted(st for st in mine if st != company_id)
                promote = earlier[-1] if earlier else None
                gone = [company_id]
            elif periods.stem(company_id, int(period)) in texts:
                gone = [periods.stem(company_id, int(period))]
            else:
                raise InputError(f"{company_id} has no stored submission for {period}: see lca suppliers history "
                                 f"{company_id}")
        else:
            gone = mine
        rest = {st: text for st, text in texts.items() if st not in gone}
        if promote:
            rest[company_id] = rest.pop(promote)
        records = _records_of(project, rest)
        built = build(project, [records[c] for c in sorted(records)], _older_of(project, rest))
        errors = [i for i in built.issues if i.severity == Severity.ERROR]
        if errors:
            raise InputError(f"withdrawing {company_id} leaves {len(errors)} problem(s) linking the other "
                             "submissions; nothing was changed", errors)
        users = sorted({f"{cid}/{m.get('product_id')}" for cid, rec in records.items()
                        for m in rec.get("materials", []) if m.get("source") == "supplier_product"
                        and str(m.get("reference") or "").split("/", 1)[0] == company_id})
        d = submissions_dir(project)
        # the stored files take their new state first (withdrawn ones set aside, an earlier period promoted),
        # then the database is written: a process killed in between leaves files whose digest the database
        # lacks, and the next command rebuilds it from them (ensure_current); an error puts everything back
        moved = []  # (from, to) renames done, undone in reverse on an error
        try:
            for st in gone:
                final, aside = d / f"{st}.json", d / f".{st}.json.withdrawn"
                os.replace(final, aside)
                moved.append((final, aside))
            if promote:
                os.replace(d / f"{promote}.json", d / f"{company_id}.json")
                moved.append((d / f"{promote}.json", d / f"{company_id}.json"))
            _write(project, built, _digest(rest))
        except BaseException:
            for src, dst in reversed(moved):
                os.replace(dst, src)
            raise
        for st in gone:
            (d / f".{st}.json.withdrawn").unlink(missing_ok=True)
        from . import archive

        for st in gone:
            archive.log_event(project, company_id, "withdrawn", json.loads(texts[st]).get("archive_version"), by,
                              period=periods.year_of(json.loads(texts[st])))
        return users


def rebuild(project) -> link.Built:
    """Rewrite the ``suppliers`` database from the stored submissions (after an interrupted write)."""
    with project.lock():
        texts = _stored_texts(project)
        records = _records_of(project, texts)
        built = build(project, [records[c] for c in sorted(records)], _older_of(project, texts))
        errors = [i for i in built.issues if i.severity == Severity.ERROR]
        if errors:
            raise LcaError("the stored submissions no longer link against the background inventory: "
                           + "; ".join(str(i) for i in errors[:10])
                           + ". Re-import the companies named, or restore the previous inventories.")
        _write(project, built, _digest(texts))  # the project clears the pending mark of an interrupted write
        return built


CHECKED_FILE = "submissions-checked.json"  # in the project directory, beside the state file


def _stat_signature(project) -> list:
    """Name and :func:`lca.files.file_stamp` of every stored submission: changes whenever a file is replaced."""
    d = submissions_dir(project)
    if not d.is_dir():
        return []
    out = []
    for p in sorted(d.glob("[!.]*.json")):
        out.append([p.name, *(file_stamp(p) or ())])  # a file gone meanwhile: a different signature
    return out


def is_current(project, bd) -> bool:
    """True if ``suppliers`` was built from exactly the stored submissions (digest recorded at write).

    The full check reads and hashes every submission. Once it has passed, the files' stat
    signature and the database digest it matched are recorded in ``submissions-checked.json``; a
    later check with the same signature and the same recorded digest skips the reading. Writers
    replace files (new inode and mtime) and record a new digest, so either change forces the full
    check again; a crash between the two (new digest, old files) is caught the same way.
    """
    have = bd.databases[SUPPLIER_DB].get(DIGEST_KEY) if SUPPLIER_DB in bd.databases else None
    sig = _stat_signature(project)
    checked = Path(project.path) / CHECKED_FILE
    try:
        prev = json.loads(checked.read_text(encoding="utf-8"))
        if (prev.get("digest") == have and prev.get("files") == sig and have is not None
                and prev.get("link") == link_signature()):
            return True
    except (OSError, ValueError, AttributeError):
        pass
    texts = _stored_texts(project)
    ok = have == (_digest(texts) if texts else None)
    if ok and have is not None and _stat_signature(project) == sig:  # unchanged while we read them
        try:
            atomic_write_text(checked, json.dumps({"digest": have, "files": sig, "link": link_signature()}),
                              fsync=False)
        except OSError:  # a read-only project: the full check runs each time
            pass
    return ok


def ensure_current(project) -> None:
    """Rebuild ``suppliers`` if it was not built from exactly the stored submissions (a crashed import)."""
    if not is_current(project, project.activate()):
        rebuild(project)


def linked(project) -> link.Built:
    """The line table of the current stored submissions (cached per project generation)."""
    ensure_current(project)
    project.activate()

    def build_all() -> link.Built:
        records = load_all(project)
        return build(project, [records[c] for c in sorted(records)])

    return project.calc.cached(("supply_built",), build_all)
