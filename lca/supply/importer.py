"""Import: supplier workbooks (and PACT v3 ProductFootprint JSON) -> stored submissions.

:func:`import_files` reads and validates every file (safe reader
:mod:`lca.supply.workbook`, rules :mod:`lca.supply.rules`, material names
through :func:`lca.inventory.resolve_material`), links the whole submission
set against the background and the other suppliers, and reports every problem
at once. Any error stops the import: nothing is written. Otherwise the new
submissions replace each company's previous one and the ``suppliers``
database is rebuilt (:func:`lca.supply.store.commit`, under the project lock).

Many files are read by worker processes (Linux ``fork``, one per core, at
most ``LCA_IMPORT_WORKERS``; ``LCA_IMPORT_WORKERS=1`` reads in this process):
the reading and validation of untrusted files is pure computation, results
come back in the order of the files, and nothing is written before all are in.
"""
from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import os
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .. import inventory, issue_codes
from ..errors import InputError, InputIssue, LcaError, Severity
from . import link, pact_in, periods, plausibility, store, workbook


@dataclass
class ImportReport:
    """What an import did: ``ok``, every error and warning, the products written (``COMPANY/PRODUCT``)."""

    errors: list[InputIssue] = field(default_factory=list)
    warnings: list[InputIssue] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    dry_run: bool = False
    annotated: list[str] = field(default_factory=list)
    lang: str = "en"  # language of summary() and the annotated copies: as asked, else the workbooks'

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        return {"ok": self.ok, "errors": [i.to_dict() for i in self.errors],
                "warnings": [i.to_dict() for i in self.warnings], "products": list(self.products),
                "files": list(self.files), "dry_run": self.dry_run, "annotated": list(self.annotated)}

    def summary(self) -> str:
        if self.lang == "zh":  # a Chinese workbook's report wholly in Chinese
            from lca.issue_details import line_zh

            head = ("导入成功" if self.ok else "导入被拒绝（未写入任何数据）") + ("[试运行]" if self.dry_run else "")
            lines = [f"{head}：{len(self.files)} 个文件，{len(self.errors)} 个错误，{len(self.warnings)} 个警告"]
            lines += [f"  {kind}：{line_zh(i, issue_codes.message(i, 'zh'))}" for kind, found in (("错误", self.errors), ("警告", self.warnings))
                      for i in found]
            if self.products:
                lines.append(f"  {'将写入' if self.dry_run else '已写入'} {len(self.products)} 个产品："
                             f"{'、'.join(self.products)}")
            lines += [f"  批注副本：{a}" for a in self.annotated]
            return "\n".join(lines)
        head = ("OK" if self.ok else "REFUSED (nothing written)") + (" [dry run]" if self.dry_run else "")
        lines = [f"import {head}: {len(self.files)} file(s), {len(self.errors)} error(s), "
                 f"{len(self.warnings)} warning(s)"]
        for kind, found in (("error", self.errors), ("warning", self.warnings)):
            for i in found:
                text = str(i) if self.lang == "en" else str(dataclasses.replace(i, message=issue_codes.message(
                    i, self.lang).replace("\n", " ")))
                lines.append(f"  {kind}: {text}")
        if self.products:
            verb = "would write" if self.dry_run else "wrote"
            lines.append(f"  {verb} {len(self.products)} product(s): {', '.join(self.products)}")
        for a in self.annotated:
            lines.append(f"  annotated copy: {a}")
        return "\n".join(lines)


def _with_file(issues, name: str) -> list[InputIssue]:
    return [i if i.file == name else dataclasses.replace(i, file=name) for i in issues]


def resolver():
    """``resolve_material`` bound to the background parsed once (load_background re-hashes the files)."""
    bg = inventory.load_background()
    cache: dict = {}

    def resolve(name: str):
        if name not in cache:
            cache[name] = inventory.resolve_material(name, bg)
        return cache[name]

    exact_cache: dict = {}

    def exact(name: str):  # without closest-name suggestions: for product names, which are rarely materials
        if name not in exact_cache:
            exact_cache[name] = cache[name] if name in cache else inventory.resolve_material(name, bg, suggest=False)
        return exact_cache[name]

    resolve.exact = exact
    return resolve


@dataclass(frozen=True)
class FileResult:
    """What reading one file gave: ``records`` to store, ``issues``, and ``accepted``: False when the
    safe reader refused the file as a whole (a zip bomb, a DTD, not a workbook...), so nothing else
    may open it."""

    records: list
    issues: list
    accepted: bool = True


def read_file(path: Path, resolve=None) -> FileResult:
    """One workbook or PACT JSON -> (records to store, issues); refused files give an error issue
    and ``accepted`` False (see :class:`FileResult`)."""
    name = path.name
    data = None
    try:
        cap = pact_in.MAX_BYTES if path.suffix.lower() == ".json" else workbook.MAX_FILE_BYTES
        if path.stat().st_size <= cap:  # a larger file is refused by its reader unread
            data = path.read_bytes()  # hashed and parsed from the same bytes: the file is read once
        digest = hashlib.sha256(data).hexdigest() if data is not None else None
    except OSError:
        digest = None  # the reader reports the unreadable file
    try:
        if path.suffix.lower() == ".json":
            records, issues = pact_in.read(path)
            for rec in records:
                if digest:
                    rec["source_sha256"] = digest
            return FileResult(records, _with_file(issues, name))
        from . import rules

        sub, issues = rules.validate_file(path, resolve or resolver(), data)
    except InputError as exc:
        issues = exc.issues or [InputIssue(None, None, None, "unreadable", str(exc), Severity.ERROR, name)]
        return FileResult([], _with_file(issues, name), accepted=False)
    issues = _with_file(issues, name)
    if sub.is_empty and not any(i.severity == Severity.ERROR for i in issues):
        issues = [i for i in issues if i.code != "blank_workbook"]  # reported as the error below
        issues.append(InputIssue("Supplier", None, None, "nothing_to_import",
                                 f"{name} is a blank template: fill in the Supplier sheet and at least "
                                 "one product, then import it again", Severity.ERROR, name))
    if any(i.severity == Severity.ERROR for i in issues) or sub.is_empty:
        return FileResult([], issues)
    rec = store.to_record(sub)
    if digest:
        rec["source_sha256"] = digest  # of the bytes validated; the archive checks the file it copies
    flags = [i.to_dict() for i in issues if i.code in FLAGGED]
    if flags:  # kept with the submission: the profile lists them among its warnings
        rec["flags"] = flags
    return FileResult([rec], issues)


# Warnings kept with a stored submission and listed by every profile that uses it.
FLAGGED = ("implausible_intensity", "mass_inconsistent")


def warm(project=None) -> None:
    """Load ahead what the first import of a long-running process (the portal's server) would load on
    first use: Brightway (``project.activate``), the reader's modules with openpyxl's number formats,
    and the background inventories (about 1.3 s of CPU, otherwise paid by the first upload check:
    benchmarks/RESULTS.md, issue 24)."""
    from openpyxl.styles.numbers import is_date_format  # noqa: F401 -- the reader's date formats

    from . import rules  # noqa: F401
    if project is not None:
        project.activate()
    resolver()


@contextlib.contextmanager
def gc_paused():
    """The cyclic garbage collector paused while reading and linking: they allocate tens of thousands of
    small acyclic objects (cells, rows, lines), and the collections they trigger re-scanned every live
    object of the process (~40 % of linking's time, benchmarks/RESULTS.md, issue 24); reference counting
    still frees them. Counted across threads (the portal checks uploads in worker threads): the collector
    is enabled again when the last pause ends, and only if it was enabled before the first."""
    global _gc_pauses, _gc_was_enabled
    with _GC_LOCK:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


_GC_LOCK = threading.Lock()
_gc_pauses = 0  # pauses in progress (gc_paused), in every thread
_gc_was_enabled = True


PARALLEL_MIN_FILES = 8  # fewer files are read in this process (a worker costs ~20 ms to start)
_worker_resolve = None  # the resolver a forked worker inherits


def _read_in_worker(path: Path):
    return read_file(path, _worker_resolve)


def _workers(n_files: int) -> int:
    try:
        limit = int(os.environ.get("LCA_IMPORT_WORKERS", "0")) or (os.cpu_count() or 1)
    except ValueError:
        limit = 1
    if n_files < PARALLEL_MIN_FILES or not sys.platform.startswith("linux"):
        return 1
    return max(1, min(limit, os.cpu_count() or 1, n_files))


def read_files(paths: list[Path], resolve) -> list[FileResult]:
    """``read_file`` of each path, in order; by forked worker processes when there are many files.

    A worker that dies (killed, out of memory) makes the whole read fall back to this process,
    where the reader's own limits apply, so a file is never skipped.
    """
    global _worker_resolve
    n = _workers(len(paths))
    if n > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        _worker_resolve = resolve
        try:
            with ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork")) as pool:
                return list(pool.map(_read_in_worker, paths, chunksize=max(1, len(paths) // (4 * n))))
        except (BrokenProcessPool, OSError):
            pass
        finally:
            _worker_resolve = None
    return [read_file(p, resolve) for p in paths]


def import_files(project, paths, dry_run: bool = False, annotate=None, lang: str | None = None,
                 strict: bool = False, by: str | None = None) -> ImportReport:
    """Validate ``paths`` and (unless ``dry_run`` or any error) store them; see module docstring.

    ``strict``: plausibility warnings (``implausible_intensity``) are errors, so nothing is stored.
    ``by``: who imports, for the archive (:mod:`lca.supply.history`; default the OS user).
    """
    if annotate is not None and Path(annotate).suffix.lower() != ".xlsx":
        raise InputError(f"--annotate {annotate}: the annotated copy is an Excel workbook and must be named "
                         "*.xlsx (an .xls or other name cannot be written); nothing was imported")
    report = ImportReport(dry_run=dry_run)
    paths = [Path(p) for p in paths]
    records, refused = [], set()
    for path in paths:
        report.files.append(str(path))
        if not path.is_file():
            report.errors.append(InputIssue(None, None, None, "not_found",
                                            f"{path} does not exist or is not a file", Severity.ERROR, path.name))
    readable = [p for p in paths if p.is_file()]
    with gc_paused():
        results = read_files(readable, resolver())
    for path, result in zip(readable, results):
        if not result.accepted:
            refused.add(path)
        for i in result.issues:
            if strict and i.code == plausibility.CODE and i.severity != Severity.ERROR:
                i = dataclasses.replace(i, severity=Severity.ERROR)
            (report.errors if i.severity == Severity.ERROR else report.warnings).append(i)
        for rec in result.records:
            records.append((path, rec))
    seen: dict[str, Path] = {}
    for path, rec in records:
        cid = rec["supplier"]["company_id"]
        if cid in seen and seen[cid] != path:
            report.errors.append(InputIssue(
                link.sheet_title(rec, "Supplier"), None, "company_id", "duplicate_company",
                f"company_id {cid!r} is also in {seen[cid].name}: import one workbook per company "
                "(a company's workbook replaces its previous data)", Severity.ERROR, path.name))
        seen[cid] = path
    if not report.errors and records:
        with project.lock():  # link and write against one stored state
            # link the full set (stored + new) now, so link-time problems are reported before any write
            current, older = store.load_periods(project)
            report.warnings.extend(_removed_products(current, records))
            changes: dict = {}
            for _, rec in records:  # to its reporting period: the company's latest, or an earlier year
                changes.update(periods.place(current, older, rec))
            # the archive and the stored files written by a side process while linking (store.stage); abandoned
            # (what it created removed) unless the commit takes it
            staged = None
            if not dry_run:
                try:
                    staged = store.stage(project, [rec for _, rec in records], changes, by=by,
                                         originals={rec["supplier"]["company_id"]: path for path, rec in records})
                except InputError as exc:
                    report.errors.extend(exc.issues or [InputIssue(None, None, None, "refused", str(exc))])
            try:
                with gc_paused():
                    built = store.build(project, [current[c] for c in sorted(current)], older)
                new_files = {rec.get("source_file") for _, rec in records}
                for i in built.issues:
                    if i.file in new_files or i.severity == Severity.ERROR:
                        (report.errors if i.severity == Severity.ERROR else report.warnings).append(i)
                new_refs = [f"{rec['supplier']['company_id']}/{p['product_id']}"
                            + ("" if current.get(rec["supplier"]["company_id"]) is rec
                               else f"{periods.SEPARATOR}{periods.year_of(rec)}")  # an earlier period's code
                            for _, rec in records for p in rec.get("products", [])]
                for ref in new_refs:
                    rec = _record_of(records, ref)
                    for u in built.unresolved.get(ref, []):
                        report.warnings.append(InputIssue(
                            link.sheet_title(rec, "Materials"), u.get("row"), "reference", "unresolved_reference",
                            f"{u['reference']} is {u['reason']}: {ref} gets no total until it is imported; "
                            "import that supplier's workbook (any order works) or fix the reference",
                            Severity.WARNING, rec.get("source_file")))
                if not report.errors:
                    report.products = new_refs
                    if not dry_run:
                        try:
                            staged, mine = None, staged  # the commit makes or abandons it
                            store.commit(project, [rec for _, rec in records], built, by=by, changes=changes,
                                         staged=mine)
                        except InputError as exc:
                            report.errors.extend(exc.issues or [InputIssue(None, None, None, "refused", str(exc))])
                            report.products = []
                        else:
                            report.warnings.extend(_declared_checks(project, new_refs, built, records))
                            report.warnings.extend(_footprint_checks(project, new_refs, built, records))
            finally:
                if staged is not None:
                    staged.abandon()
    if not report.ok:
        report.products = []
    report.lang = lang or issue_codes.detect_language(
        [t for _, rec in records for t in (rec.get("sheet_titles") or {}).values()]
        + [i.sheet for i in report.errors + report.warnings if i.sheet])
    if annotate:
        report.annotated = _annotate(paths, report, refused, Path(annotate), lang)
    return report


def _record_of(records, ref: str) -> dict:
    cid = ref.split("/", 1)[0]
    for _, rec in records:
        if rec["supplier"]["company_id"] == cid:
            return rec
    return {}


def _product_row(records, ref: str) -> int | None:
    """Row of product ``COMPANY/PRODUCT`` on its workbook's Products sheet (None for PACT JSON)."""
    pid = ref.split("/", 1)[1].split(periods.SEPARATOR)[0]
    for p in _record_of(records, ref).get("products", []):
        if p.get("product_id") == pid:
            return p.get("row")
    return None


def _declared_checks(project, refs: list[str], built, records) -> list[InputIssue]:
    """Declared PCF vs computed (GWP100) beyond ``lca.declared.DECLARED_TOLERANCE`` -> warning (TfS update threshold)."""
    out = []
    wanted = [r for r in refs if built.activities[r].get("declared_pcf_kgco2e") is not None
              and not built.unresolved.get(r)]
    if not wanted:
        return out

    def issue(ref, code, message):
        rec = _record_of(records, ref)
        return InputIssue(link.sheet_title(rec, "Products"), _product_row(records, ref), "declared_pcf_kgco2e",
                          code, message, Severity.WARNING, rec.get("source_file"))

    try:
        scores = project.footprints("GWP100", database=store.SUPPLIER_DB)
    except LcaError as exc:
        return [issue(ref, "not_solved",
                      f"{ref}: the declared PCF was not compared with the computed footprint ({exc}); the "
                      f"import is stored: run `lca profile {ref}` to compare them once the project solves")
                for ref in wanted]
    from ..declared import declared_differs, declared_message

    for ref in wanted:
        meta = built.activities[ref]
        key = f"{store.SUPPLIER_DB}:{ref}"
        if key not in scores.index:
            continue
        computed = float(scores[key]) * meta["declared_amount"] * meta["bw_per_declared_unit"]
        declared = float(meta["declared_pcf_kgco2e"])
        if declared_differs(declared, computed):
            out.append(issue(ref, "declared_pcf_differs",
                             f"{ref}: {declared_message(declared, computed)} [kg CO2e]: check declared_pcf_kgco2e "
                             "and the product's inputs, or ask the supplier for an updated PCF"))
    return out


def _footprint_checks(project, refs: list[str], built, records) -> list[InputIssue]:
    """Each new product's computed footprint per kg against its class range and its material's
    background dataset (:func:`lca.supply.plausibility.check_footprints`); solved only when some
    product has a reference to compare with."""
    resolve = resolver().exact
    items = []
    for ref in refs:
        meta = built.activities.get(ref) or {}
        if built.unresolved.get(ref) or not meta.get("mass_kg_per_unit"):
            continue
        pclass = plausibility.classify(meta.get("name"))
        code = resolve(meta["name"]).code if pclass.key == "default" else None
        if pclass.range("footprint_kgco2e_per_kg") is None and not code:
            continue
        items.append((ref, meta, code))
    if not items:
        return []
    try:
        scores = project.footprints("GWP100")
    except LcaError:
        return []  # reported by the declared-PCF check or the profile
    lang = issue_codes.detect_language(
        [t for _, rec in records for t in (rec.get("sheet_titles") or {}).values()])
    bg = {k.split(":", 1)[1]: v for k, v in scores.items() if k.startswith(f"{inventory.BACKGROUND_DB}:")}
    found = plausibility.check_footprints(
        [{"ref": ref, "name": meta["name"], "code": code,
          "kg_co2e_per_kg": float(scores.get(f"{store.SUPPLIER_DB}:{ref}", float("nan"))) / meta["mass_kg_per_unit"]}
         for ref, meta, code in items], bg, lang)
    out = []
    for f in found:
        rec = _record_of(records, f["ref"])
        out.append(InputIssue(link.sheet_title(rec, "Products"), _product_row(records, f["ref"]), "product_id",
                              plausibility.CODE, f["message"], Severity.WARNING, rec.get("source_file")))
    return out


def _removed_products(stored: dict[str, dict], records) -> list[InputIssue]:
    """Warnings for products a re-import removes (or renames) that other stored companies reference."""
    out = []
    for path, rec in records:
        cid = rec["supplier"]["company_id"]
        old = stored.get(cid)
        if old is None:
            continue
        kept = {str(p["product_id"]) for p in rec.get("products", [])}
        for p in old.get("products", []):
            ref = f"{cid}/{p['product_id']}"
            if str(p["product_id"]) in kept:
                continue
            users = sorted({f"{c}/{m.get('product_id')}" for c, other in stored.items() if c != cid
                            for m in other.get("materials", [])
                            if m.get("source") == "supplier_product" and m.get("reference") == ref})
            if users:
                out.append(InputIssue(
                    link.sheet_title(rec, "Products"), None, "product_id", "product_removed",
                    f"this workbook no longer has product {p['product_id']!r} (removed or renamed), but "
                    f"{', '.join(users)} reference {ref}: they lose that input and get no total until it is back; "
                    "keep the product_id, or ask those buyers to change their reference", Severity.WARNING, path.name))
    return out


def _annotate(paths, report: ImportReport, refused: set, out: Path, lang: str | None = None) -> list[str]:
    """Annotated copies of the workbooks the reader accepted, with every issue of the import that
    names the file (reading, linking and import-level issues alike)."""
    from . import annotate as ann

    books = [p for p in paths if p.suffix.lower() == ".xlsx" and p.is_file()]
    by_name: dict[str, list[InputIssue]] = {}
    for i in report.errors + report.warnings:
        by_name.setdefault(i.file, []).append(i)
    written = []
    for p in books:
        target = out if len(books) == 1 else out.with_name(f"{out.stem}-{p.stem}{out.suffix or '.xlsx'}")
        if p in refused:  # never hand a refused file (DTD, zip bomb...) to openpyxl
            report.warnings.append(InputIssue(
                None, None, None, "not_annotated",
                f"no annotated copy of {p.name}: the reader refused the file (see its error); fix that and "
                "import it again with --annotate", Severity.WARNING, p.name))
            continue
        try:
            ann.annotate(p, by_name.get(p.name, []), target, lang)
        except Exception as exc:  # noqa: BLE001 -- a failed copy must not hide the import's report
            why = exc.issues[0].message if isinstance(exc, InputError) and exc.issues else str(exc)
            report.warnings.append(InputIssue(
                None, None, None, "not_annotated",
                f"no annotated copy of {p.name} written to {target}: {why or type(exc).__name__}; the issues "
                "listed here are the same: fix them in the workbook, or choose another --annotate path",
                Severity.WARNING, p.name))
            continue
        written.append(str(target))
    return written
