"""Issues of a supply import: refused files are never annotated, every issue names its place
(in the workbook's own sheet titles) and its fix, and the shared helpers and limits are used."""
from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import numpy as np
import pytest

WRITES_PROJECT = True  # conftest: this module works on its own copy of the session project

sys.path.insert(0, str(Path(__file__).parent))
from xlsx_factory import LAUGHS, NS, inline, sheet_xml, write_raw_xlsx, write_zip_bomb  # noqa: E402

from lca import cli  # noqa: E402
from lca.errors import InputError, InputIssue  # noqa: E402
from lca.supply import annotate as annotate_mod  # noqa: E402
from lca.supply import importer, pact_in, rollup, rules, store  # noqa: E402
from lca.supply.fill import write_workbook  # noqa: E402
from lca.supply.sheets import SHEETS  # noqa: E402
from lca.supply.workbook import read_workbook  # noqa: E402

PERIOD = {"reporting_period_start": date(2024, 1, 1), "reporting_period_end": date(2024, 12, 31)}
ZH = {key: spec.zh for key, spec in SHEETS.items()}


def book(cid="REVIEW-CO", **extra) -> dict:
    data = {
        "Supplier": {"company_name": "Review Co", "company_id": cid, "country": "CN", **PERIOD},
        "Products": [{"product_id": "p", "product_name": "part", "declared_unit": "kg",
                      "production_region": "CN-JS"}],
        "Materials": [{"product_id": "p", "line_id": 1, "material": "polypropylene", "amount": 0.5, "unit": "kg",
                       "source": "background"}],
    }
    data.update(extra)
    return data


def unresolved_book(cid="REVIEW-UNRES") -> dict:
    data = book(cid)
    data["Materials"].append({"product_id": "p", "line_id": 2, "material": "cell", "amount": 1, "unit": "kg",
                              "source": "supplier_product", "reference": "NOT-IMPORTED/x"})
    return data


def _dtd_sheet(path: Path) -> Path:
    sheet = LAUGHS + f'<worksheet xmlns="{NS}"><sheetData><row r="1">{inline("A1", "&lol9;")}</row></sheetData></worksheet>'
    return write_raw_xlsx(path, sheet)


def _issues_sheet(path: Path) -> list[tuple]:
    wb = openpyxl.load_workbook(path)
    return [tuple(r) for r in wb["Issues"].iter_rows(min_row=2, values_only=True)]


# ---------------------------------------------------------------- 1. refused files are not annotated

# the zip bomb's file takes 1.5 s to deflate: test_workbook_reader refuses it in the quick tier
@pytest.mark.parametrize("make", [_dtd_sheet, pytest.param(write_zip_bomb, marks=pytest.mark.slow)], ids=["dtd", "zip-bomb"])
def test_refused_file_with_annotate_exits_2_with_a_report(make, project, tmp_path, capsys, monkeypatch):
    bad = make(tmp_path / "hostile.xlsx")
    out = tmp_path / "marked.xlsx"
    opened = []
    monkeypatch.setattr(annotate_mod, "annotate", lambda *a, **k: opened.append(a))
    capsys.readouterr()
    code = cli.main(["--project", str(project.path), "import", "--json", "--annotate", str(out), str(bad)])
    printed = capsys.readouterr()
    assert code == 2, printed.err
    assert "Traceback" not in printed.err + printed.out
    rep = json.loads(printed.out)
    assert not rep["ok"] and rep["annotated"] == []
    assert opened == [] and not out.exists()  # openpyxl never saw the refused file
    assert all(e["file"] == "hostile.xlsx" for e in rep["errors"]) and rep["errors"]
    (note,) = [w for w in rep["warnings"] if w["code"] == "not_annotated"]
    assert note["file"] == "hostile.xlsx" and "refused" in note["message"] and "--annotate" in note["message"]


def test_read_file_reports_acceptance(tmp_path):
    good = write_workbook(tmp_path / "good.xlsx", book())
    assert importer.read_file(good).accepted
    refused = importer.read_file(_dtd_sheet(tmp_path / "dtd.xlsx"))
    recs, issues = refused.records, refused.issues
    assert not refused.accepted and recs == [] and issues and issues[0].file == "dtd.xlsx"
    bad = book()
    bad["Materials"][0]["material"] = "unobtainium"
    invalid = importer.read_file(write_workbook(tmp_path / "invalid.xlsx", bad))
    assert invalid.accepted and invalid.records == []  # read, with errors: it can be annotated


def test_a_failing_annotation_becomes_an_issue(project, tmp_path, monkeypatch):
    path = write_workbook(tmp_path / "w.xlsx", unresolved_book())

    def broken(*args, **kwargs):
        raise ValueError("openpyxl could not parse it")

    monkeypatch.setattr(annotate_mod, "annotate", broken)
    report = importer.import_files(project, [path], dry_run=True, annotate=tmp_path / "out.xlsx")
    assert report.ok and report.annotated == []
    (note,) = [w for w in report.warnings if w.code == "not_annotated"]
    assert note.file == "w.xlsx" and "openpyxl could not parse it" in note.message


# ---------------------------------------------------------------- 2. link-stage and import-level issues

def test_annotated_copy_lists_link_and_import_issues(project, tmp_path):
    path = write_workbook(tmp_path / "w.xlsx", unresolved_book())
    out = tmp_path / "marked.xlsx"
    report = importer.import_files(project, [path], dry_run=True, annotate=out)
    assert report.annotated == [str(out)]
    (w,) = [w for w in report.warnings if w.code == "unresolved_reference"]
    assert (w.sheet, w.row, w.column, w.file) == ("Materials", 3, "reference", "w.xlsx")
    assert any(r[4] == "unresolved_reference" for r in _issues_sheet(out))
    wb = openpyxl.load_workbook(out)
    ref_col = next(c.column for c in wb["Materials"][1] if c.value == "reference")
    comment = wb["Materials"].cell(3, ref_col).comment
    assert comment is not None and "unresolved_reference" in comment.text


def test_annotated_copies_list_duplicate_company(project, tmp_path):
    a = write_workbook(tmp_path / "a.xlsx", book("REVIEW-DUP"))
    b = write_workbook(tmp_path / "b.xlsx", book("REVIEW-DUP"))
    out = tmp_path / "marked.xlsx"
    report = importer.import_files(project, [a, b], dry_run=True, annotate=out)
    assert not report.ok
    (dup,) = [e for e in report.errors if e.code == "duplicate_company"]
    assert dup.file == "b.xlsx" and "a.xlsx" in dup.message
    copies = [Path(p) for p in report.annotated]
    assert [p.name for p in copies] == ["marked-a.xlsx", "marked-b.xlsx"]
    assert any(r[4] == "duplicate_company" for r in _issues_sheet(copies[1]))
    assert not any(r[4] == "duplicate_company" for r in _issues_sheet(copies[0]))


# ---------------------------------------------------------------- 3. issues after reading use the file's titles

def test_link_time_issues_name_the_chinese_sheet(project, tmp_path):
    data = unresolved_book("REVIEW-ZH")
    data["Materials"][0].update(amount=1e38, unit="t")  # 1e41 kg: beyond float32 only after conversion
    path = write_workbook(tmp_path / "zh.xlsx", data, "zh")
    out = tmp_path / "marked.xlsx"
    report = importer.import_files(project, [path], dry_run=True, annotate=out)
    assert not report.ok
    (bad,) = [e for e in report.errors if e.code == "bad_amount"]
    assert (bad.sheet, bad.row, bad.column, bad.file) == (ZH["Materials"], 2, "amount", "zh.xlsx")
    assert "check amount, unit and declared_amount" in bad.message
    (unres,) = [w for w in report.warnings if w.code == "unresolved_reference"]
    assert (unres.sheet, unres.row) == (ZH["Materials"], 3)
    wb = openpyxl.load_workbook(out)
    marked = [c for row in wb[ZH["Materials"]].iter_rows() for c in row if c.comment is not None]
    assert any("bad_amount" in c.comment.text for c in marked)


def _record(**lines) -> dict:
    rec = {"supplier": {"company_name": "Review Co", "company_id": "REVIEW-REC", "country": "CN",
                        "reporting_period_start": "2024-01-01", "reporting_period_end": "2024-12-31"},
           "products": [{"product_id": "p", "product_name": "part", "declared_unit": "kg", "declared_amount": 1.0,
                         "production_region": "CN-JS", "row": 2}],
           "materials": [], "energy": [], "transport": [], "emissions": [], "pcfs": [],
           "source_file": "rec.xlsx", "sheet_titles": dict(ZH)}
    rec.update(lines)
    return rec


def test_bad_energy_names_the_carrier_and_the_fix(project):
    rec = _record(energy=[{"product_id": "p", "carrier": "plasma", "amount": 1.0, "unit": "kWh", "row": 4}])
    built = store.build(project, [rec])
    (e,) = [i for i in built.issues if i.code == "bad_energy"]
    assert (e.sheet, e.row, e.column, e.file, e.severity) == (ZH["Energy"], 4, "carrier", "rec.xlsx", "error")
    assert "'plasma'" in e.message and "natural_gas" in e.message and "KeyError" not in e.message


def test_unresolved_entries_carry_their_row(project):
    rec = _record(materials=[{"product_id": "p", "line_id": "1", "material": "cell", "amount": 1.0, "unit": "kg",
                              "source": "supplier_product", "reference": "NOPE/x", "row": 7}])
    built = store.build(project, [rec])
    (u,) = built.unresolved["REVIEW-REC/p"]
    assert u["row"] == 7 and u["reference"] == "NOPE/x"


# ---------------------------------------------------------------- 4. commit does not re-parse

def test_import_parses_stored_submissions_once(project, tmp_path, monkeypatch):
    calls = []
    real = store._records_of

    def counting(proj, texts):
        calls.append(len(texts))
        return real(proj, texts)

    monkeypatch.setattr(store, "_records_of", counting)
    report = importer.import_files(project, [write_workbook(tmp_path / "w.xlsx", book("REVIEW-ONCE"))])
    assert report.ok, report.summary()
    assert len(calls) == 1  # load_all before linking; commit reuses the linked set


# ---------------------------------------------------------------- 6. PACT refusals name the file and the fix

def test_pact_refusals_carry_issues(tmp_path, monkeypatch):
    empty = tmp_path / "empty.pact.json"
    empty.write_text("[]")
    with pytest.raises(InputError) as exc:
        pact_in.read(empty)
    (i,) = exc.value.issues
    assert i.file == "empty.pact.json" and i.code == "bad_structure" and "export" in i.message
    big = tmp_path / "big.pact.json"
    big.write_text("{}" + " " * 100)
    monkeypatch.setattr(pact_in, "MAX_BYTES", 10)
    with pytest.raises(InputError) as exc:
        pact_in.read(big)
    (i,) = exc.value.issues
    assert i.file == "big.pact.json" and i.code == "too_large"


# ---------------------------------------------------------------- 7. one declared-vs-computed helper

def test_declared_comparison_follows_the_constant(monkeypatch):
    from lca import declared

    assert declared.declared_difference(None, 2.0) is None and declared.declared_difference(1.0, 0.0) is None
    assert declared.declared_difference(1.0, 2.0) == pytest.approx(-0.5)
    assert declared.declared_differs(1.0, 2.0) and not declared.declared_differs(2.1, 2.0)
    assert "more than 20%" in declared.declared_message(1.0, 2.0)
    monkeypatch.setattr(declared, "DECLARED_TOLERANCE", 0.04)
    assert declared.declared_differs(2.1, 2.0)
    assert "more than 4%" in declared.declared_message(2.1, 2.0) and "+5%" in declared.declared_message(2.1, 2.0)


def test_report_to_dict_uses_the_issue_dict():
    issue = InputIssue("物料", 3, "amount", "x", "m", "warning", "f.xlsx")
    rep = importer.ImportReport(warnings=[issue])
    assert rep.to_dict()["warnings"] == [issue.to_dict()]


# ---------------------------------------------------------------- 10-12. sheet shape warnings, limits

def test_hidden_rows_are_capped_and_hidden_header_warns(tmp_path):
    data = book()
    data["Materials"] = [{"product_id": "p", "line_id": k, "material": "polypropylene", "amount": 0.01,
                          "unit": "kg", "source": "background"} for k in range(1, 61)]
    path = write_workbook(tmp_path / "h.xlsx", data)
    wb = openpyxl.load_workbook(path)
    ws = wb["Materials"]
    for r in range(1, 62):
        ws.row_dimensions[r].hidden = True
    wb.save(path)
    _, issues = rules.validate_file(path, rules.dict_resolver({"polypropylene": ("pp", "kilogram")}))
    hidden = [i for i in issues if i.code == "hidden_row"]
    assert len(hidden) == rules.MAX_ROW_WARNINGS + 1
    assert [i.row for i in hidden[:rules.MAX_ROW_WARNINGS]] == list(range(2, 2 + rules.MAX_ROW_WARNINGS))
    summary = hidden[-1]
    assert summary.row == 2 + rules.MAX_ROW_WARNINGS and "60 in all" in summary.message
    assert "unhide" in summary.message
    (head,) = [i for i in issues if i.code == "hidden_header"]
    assert (head.sheet, head.row, head.severity) == ("Materials", 1, "warning")


def test_cells_below_the_last_row_have_their_own_warning(tmp_path):
    rows = (f'<row r="1">{inline("A1", "product_id")}</row>'
            f'<row r="1048577">{inline("A1048577", "deep")}</row>')
    path = write_raw_xlsx(tmp_path / "deep.xlsx", sheet_xml(rows))
    _, issues = read_workbook(path)
    codes = {i.code: i for i in issues}
    assert "beyond_column_cap" not in codes
    deep = codes["beyond_row_limit"]
    assert "A1048577" in deep.message and "1,048,576" in deep.message and deep.severity == "warning"


def test_missing_required_sheets_come_from_the_spec(tmp_path):
    path = tmp_path / "only-energy.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Energy"
    wb.active.append(["product_id", "carrier", "amount", "unit"])
    wb.save(path)
    _, issues = rules.validate_file(path, rules.dict_resolver({}))
    missing = {i.sheet for i in issues if i.code == "missing_sheet"}
    assert missing == {s.key for s in SHEETS.values() if s.required} == {"Supplier", "Products"}


def test_float32_limit_is_the_float32_maximum():
    from lca.supply import cells

    # the limit is float32's own (numpy's finfo, not the code's constant): its maximum passes,
    # the next value up, which float32 stores as inf, is refused as out of range
    f32_max = float(np.finfo(np.float32).max)
    assert cells.parse_number(f32_max) == f32_max
    assert cells.parse_number(3.3e38) == 3.3e38
    above = float(np.nextafter(f32_max, np.inf))
    with np.errstate(over="ignore"):
        assert np.isinf(np.float32(above * (1 + 1e-7)))
    for x in (above * (1 + 1e-7), -3.5e38):
        with pytest.raises(cells.Bad) as exc:
            cells.parse_number(x)
        assert exc.value.code == "out_of_range"


# ---------------------------------------------------------------- 14. PACT biogenic uptake counted once

def test_pact_biogenic_uptake_is_not_counted_twice():
    from lca.report import pact

    prof = SimpleNamespace(
        method=("IPCC 2021", "climate change", "global warming potential (GWP100)"), complete=True,
        declared_unit="kg", declared_amount=1.0, total=10.0, mass_kg=1.0, fossil=8.0, biogenic_uptake=-2.0,
        reference_period=("2024-01-01", "2024-12-31"), primary_data_share=50.0, dqi={}, region="CN",
        product="A/B", company="A", name="B", total_market_based=10.0, background=None)
    pcf = pact.product_footprint(prof)["pcf"]
    assert float(pcf["pcfIncludingBiogenicUptake"]) == pytest.approx(10.0)  # the total, uptake included
    assert float(pcf["pcfExcludingBiogenicUptake"]) == pytest.approx(12.0)  # the uptake taken out


def test_a_regional_variant_that_does_not_exist_is_refused_at_reading_with_the_reason(tmp_path):
    data = book()
    data["Materials"][0].update(material="grid", reference="background:electricity-cn@cn-north")
    data["Materials"][0].update(unit="kWh")
    read = importer.read_file(write_workbook(tmp_path / "variant.xlsx", data))
    recs, issues = read.records, read.issues
    assert recs == []
    bad = [i for i in issues if i.code == "unknown_material"]
    assert bad and bad[0].row is not None and "no regional variants" in bad[0].message
    assert "electricity-cn-north" in bad[0].message  # the fix: the region's own grid
    good = book()
    good["Materials"][0].update(material="recycled nickel sulfate",
                                reference="background:nickel-sulfate-recycled@CN-NORTH")
    read = importer.read_file(write_workbook(tmp_path / "variant-ok.xlsx", good))
    recs, issues = read.records, read.issues
    assert recs and not [i for i in issues if i.severity == "error"]
