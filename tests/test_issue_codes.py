"""The issue-code catalogue (lca/issue_codes.py): complete both ways, bilingual, and the docs page generated from it."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import lca
from lca import issue_codes

LCA = Path(lca.__file__).resolve().parent
ROOT = LCA.parent
_CODE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
# Calls that report an issue: InputIssue(sheet, row, column, CODE, message, ...) and the helpers that build one,
# whose code is the argument just before the message (or the first argument of a refusal exception).
_REPORTERS = {"InputIssue", "add", "error", "warn", "err", "issue", "bad", "_issue", "Bad", "_Bad", "_Refusal",
              "_refuse"}
_EXCEPTIONS = {"Bad", "_Bad", "_Refusal"}


def _strings(node) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
        return [s for a in node.args[1:] for s in _strings(a)]  # CODES.get(key, "default")
    return []


def _is_message(node) -> bool:
    if isinstance(node, ast.Name):
        return node.id in ("msg", "message", "reason", "text", "why")
    return isinstance(node, (ast.JoinedStr, ast.BinOp)) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str) and " " in node.value)


def codes_used() -> dict[str, str]:
    """Every issue code a call in lca/ reports -> one place that reports it."""
    out: dict[str, str] = {}
    for path in sorted(LCA.rglob("*.py")):
        if path.name == "issue_codes.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            found: list[str] = []
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict) and any(
                    isinstance(t, ast.Name) and t.id.endswith("_CODE") for t in node.targets):
                found = [s for v in node.value.values for s in _strings(v)]  # a table of codes
            elif isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
                if name not in _REPORTERS:
                    continue
                args = node.args[1:] if name == "_refuse" else node.args
                if name == "InputIssue":
                    kw = {k.arg: k.value for k in node.keywords}
                    code = kw.get("code", node.args[3] if len(node.args) > 3 else None)
                    found = _strings(code) if code is not None else []
                elif name in _EXCEPTIONS or name == "_refuse":
                    found = _strings(args[0]) if args else []
                else:
                    for i in range(1, len(args)):
                        if _is_message(args[i]) and _strings(args[i - 1]):
                            found = _strings(args[i - 1])
                            break
            for code in found:
                if _CODE.match(code):
                    out.setdefault(code, f"{path.relative_to(ROOT)}:{node.lineno}")
    return out


def test_every_code_used_is_in_the_catalogue_and_vice_versa():
    used = codes_used()
    assert len(used) > 80  # the scan sees the reporters (not an empty pass)
    missing = {c: where for c, where in used.items() if c not in issue_codes.CATALOGUE}
    assert not missing, f"codes used but not in lca/issue_codes.py: {missing}"
    unused = sorted(set(issue_codes.CATALOGUE) - set(used))
    assert not unused, f"codes in the catalogue that nothing reports: {unused}"


def test_the_scan_finds_a_code_it_is_shown():
    tree = 'def f(r):\n    r.error("mass_kg", "brand_new_code", f"x {1}")\n'
    probe = LCA / "_probe_issue_codes.py"
    probe.write_text(tree, encoding="utf-8")
    try:
        assert "brand_new_code" in codes_used() and "mass_kg" not in codes_used()
    finally:
        probe.unlink()


def test_every_entry_has_english_and_chinese_texts():
    han = re.compile(r"[\u4e00-\u9fff]")
    for e in issue_codes.CATALOGUE.values():
        assert e.title_en and e.fix_en and not han.search(e.title_en + e.fix_en), e.code
        assert han.search(e.title_zh) and han.search(e.fix_zh), e.code
    assert issue_codes.describe("unknown_sheet", "zh") == (issue_codes.CATALOGUE["unknown_sheet"].title_zh,
                                                           issue_codes.CATALOGUE["unknown_sheet"].fix_zh)


def test_docs_page_is_generated_from_the_catalogue():
    page = (ROOT / "docs" / "issue-codes.md").read_text(encoding="utf-8")
    assert page == issue_codes.markdown(), "run: python -m lca.issue_codes > docs/issue-codes.md"
    for code in issue_codes.CATALOGUE:
        assert f"`{code}`" in page
