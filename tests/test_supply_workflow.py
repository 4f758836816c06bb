"""The team's workflow (issue 24): ``lca suppliers`` with a header and each expected supplier's state, messages
wholly in the workbook's language with fixes specific to the field, an explicit error for an unwritable
``--annotate`` name."""
from __future__ import annotations

import json
import re
from datetime import date

from lca import cli, issue_codes
from lca.supply import importer
from lca.supply.fill import write_workbook

WRITES_PROJECT = True
HAN = re.compile(r"[\u4e00-\u9fff]")


def book(cid, year, ref=None, unit="kg"):
    data = {
        "Supplier": {"company_name": f"{cid} Co", "company_id": cid, "country": "CN",
                     "reporting_period_start": date(year, 1, 1), "reporting_period_end": date(year, 12, 31)},
        "Products": [{"product_id": "P", "product_name": "part", "declared_unit": "kg",
                      "production_region": "CN-JS"}],
        "Materials": [{"product_id": "P", "line_id": 1, "material": "polypropylene", "amount": 0.9, "unit": unit,
                       "source": "background"}],
        "Energy": [{"product_id": "P", "carrier": "electricity", "amount": 1, "unit": "kWh"}],
    }
    if ref:
        data["Materials"].append({"product_id": "P", "line_id": 2, "material": "part", "amount": 0.1, "unit": "kg",
                                  "source": "supplier_product", "reference": ref})
    return data


def test_suppliers_lists_answered_stale_and_missing_with_a_header(project, tmp_path, capsys):
    paths = [write_workbook(tmp_path / "a.xlsx", book("T24W-NEW", 2026, ref="T24W-GONE/X")),
             write_workbook(tmp_path / "b.xlsx", book("T24W-OLD", 2021))]
    assert project.import_files(paths).ok
    assert cli.main(["--project", str(project.path), "suppliers"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t")[:3] == ["company_id", "state", "company_name"]
    state = {ln.split("\t")[0]: ln.split("\t")[1] for ln in lines[1:]}
    assert state["T24W-NEW"] == "answered" and state["T24W-OLD"] == "stale" and state["T24W-GONE"] == "missing"
    assert cli.main(["--project", str(project.path), "suppliers", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    (gone,) = [m for m in d["missing"] if m["company_id"] == "T24W-GONE"]
    assert gone["referenced_by"] == ["T24W-NEW/P"] and gone["products"] == ["X"]
    assert {s["company_id"]: s["state"] for s in d["suppliers"]}["T24W-OLD"] == "stale"


def chinese_issues(tmp_path, data, name):
    path = write_workbook(tmp_path / f"{name}.xlsx", data, "zh")
    return importer.read_file(path).issues


def test_empty_unit_and_company_id_get_their_own_fix_wholly_in_chinese(tmp_path):
    issues = chinese_issues(tmp_path, book("T24W-ZH", 2025, unit=None), "unit")
    (unit,) = [i for i in issues if i.code == "missing_value"]
    text = issue_codes.message(unit, "zh")
    assert "单位（unit）为必填项：请填写单位" in text and "没有则填" not in text
    detail = text.split("详情：", 1)[1]
    assert not re.search(r"\b(required|enter|fill)\b", detail), detail   # the detail is Chinese too
    data = book("T24W-ZH", 2025)
    data["Supplier"]["company_id"] = None
    issues = chinese_issues(tmp_path, data, "cid")
    (cid,) = [i for i in issues if i.code == "missing_value"]
    assert "企业编号（company_id）为必填项：请填写编号" in cid.message and "没有则填" not in cid.message
    data = book("T24W-ZH", 2025)
    data["Materials"][0]["amount"] = None
    (amt,) = [i for i in chinese_issues(tmp_path, data, "amount") if i.code == "missing_value"]
    assert "没有则填 0" in amt.message       # a quantity: 0 is the right fix there


def test_misnamed_sheet_message_in_chinese(tmp_path):
    import openpyxl

    path = write_workbook(tmp_path / "m.xlsx", book("T24W-MS", 2025), "zh")
    wb = openpyxl.load_workbook(path)
    wb["物料"].title = "物料清单"
    wb.save(path)
    (mis,) = [i for i in importer.read_file(path).issues if i.code == "misnamed_sheet"]
    assert "物料清单" in mis.message and "请将工作表改名为“物料”" in mis.message
    assert not re.search(r"\b(sheet|rename|columns)\b", mis.message)


def test_annotate_with_an_xls_name_is_an_explicit_error(project, tmp_path, capsys):
    path = write_workbook(tmp_path / "x.xlsx", book("T24W-XLS", 2025))
    code = cli.main(["--project", str(project.path), "import", str(path), "--annotate", str(tmp_path / "out.xls")])
    err = capsys.readouterr().err
    assert code == 2 and "out.xls" in err and ".xlsx" in err
    assert not (tmp_path / "out.xls").exists()
    from lca.supply import store

    assert "T24W-XLS" not in store.load_all(project)   # nothing imported


def test_cell_refusals_in_a_chinese_workbook_are_chinese(tmp_path):
    data = book("T24W-ZH2", 2025)
    data["Materials"][0]["amount"] = -1                # negative_value
    data["Materials"][0]["recycled_share"] = 30        # out_of_range with the share hint
    data["Products"][0]["product_id"] = "P 1"          # bad_id
    data["Energy"][0]["unit"] = "斤"                    # unknown_unit
    issues = chinese_issues(tmp_path, data, "cells")
    by_code = {i.code: i.message for i in issues}
    assert "须 >= 0" in by_code["negative_value"] and "数量（amount）" in by_code["negative_value"]
    assert "超过再生料比例（recycled_share）的上限 1" in by_code["out_of_range"] and "30% 即 0.3" in by_code["out_of_range"]
    assert "不是有效编号" in by_code["bad_id"]
    assert "不是已知单位" in by_code["unknown_unit"]
    for code in ("negative_value", "out_of_range", "bad_id", "unknown_unit"):
        assert not re.search(r"\b(is|not|allowed|maximum|use)\b", by_code[code]), by_code[code]
