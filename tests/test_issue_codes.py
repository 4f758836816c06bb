"""The issue-code catalogue (lca/issue_codes.py): complete both ways, bilingual, and the docs page generated from it."""
from __future__ import annotations

import ast
import functools
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


@functools.lru_cache(maxsize=None)
def _parsed(text: str) -> ast.Module:
    return ast.parse(text)


def codes_used(extra: tuple[Path, ...] = ()) -> dict[str, str]:
    """Every issue code a call in lca/ (and in the ``extra`` files) reports -> one place that reports it."""
    out: dict[str, str] = {}
    for path in sorted(LCA.rglob("*.py")) + list(extra):
        if path.name == "issue_codes.py":
            continue
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        for node in ast.walk(_parsed(path.read_text(encoding="utf-8"))):
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
                    out.setdefault(code, f"{where}:{node.lineno}")
    return out


def test_every_code_used_is_in_the_catalogue_and_vice_versa():
    used = codes_used()
    assert len(used) > 80  # the scan sees the reporters (not an empty pass)
    missing = {c: where for c, where in used.items() if c not in issue_codes.CATALOGUE}
    assert not missing, f"codes used but not in lca/issue_codes.py: {missing}"
    unused = sorted(set(issue_codes.CATALOGUE) - set(used))
    assert not unused, f"codes in the catalogue that nothing reports: {unused}"


def test_the_scan_finds_a_code_it_is_shown(tmp_path):
    # the probe is scanned beside lca/, not written into it (another worker's test_architecture reads lca/)
    tree = 'def f(r):\n    r.error("mass_kg", "brand_new_code", f"x {1}")\n'
    probe = tmp_path / "_probe_issue_codes.py"
    probe.write_text(tree, encoding="utf-8")
    used = codes_used((probe,))
    assert "brand_new_code" in used and "mass_kg" not in used
    assert "brand_new_code" not in codes_used()


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


# ---------------------------------------------------------------- Chinese punctuation (GB/T 15834-2011)

_CHINESE = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"  # a Han character or a full-width mark
# An ASCII , : ; ( ) written just after or just before Chinese text (spaces between count as adjacent).
_HALF_WIDTH = re.compile(rf"(?<={_CHINESE})\s*[,:;()]|[,:;()]\s*(?={_CHINESE})")
# What keeps ASCII: placeholders ({0}, {name}, %s, %d), cell references (B7, A1:C3), a formula.
_KEEP = re.compile(r"\{[^{}]*\}|%[sdg]|\b[A-Z]{1,3}\d+(?::[A-Z]{1,3}\d+)?\b|1/\(1 - 数量\)")


def half_width_in_chinese(text: str) -> list[str]:
    """The spots of ``text`` where an ASCII , : ; ( ) belongs to Chinese text (should be ，：；（）)."""
    bare = _KEEP.sub("X", text)
    return [bare[max(0, m.start() - 6):m.end() + 6] for m in _HALF_WIDTH.finditer(bare)]


class _Groups:
    """A stand-in regex match for the callable Chinese templates: group i is ``G{i}``."""

    def __getitem__(self, i):
        return f"G{i}"

    def group(self, i):
        return f"G{i}"

    def groups(self):
        return tuple(f"G{i}" for i in range(1, 10))


def chinese_texts() -> dict[str, str]:
    """Every Chinese text of the issue catalogue, the issue-detail and declaration templates, the portal's
    Chinese words and the template's Chinese labels and help -> where it is."""
    from lca import declare_messages, issue_details
    from lca.portal import i18n
    from lca.supply.sheets import SHEETS

    out = {}
    for e in issue_codes.CATALOGUE.values():
        out[e.title_zh] = f"issue_codes {e.code} title_zh"
        out[e.fix_zh] = f"issue_codes {e.code} fix_zh"
    for code, pattern, t in issue_details._ZH:
        out[t(_Groups()) if callable(t) else t] = f"issue_details _ZH {code} {pattern.pattern}"
    for pattern, t in issue_details._REASONS:
        out[t] = f"issue_details _REASONS {pattern.pattern}"
    for pattern, t in declare_messages._ZH:
        out[t] = f"declare_messages {pattern.pattern}"
    for key, (_en, zh) in i18n._WORDS.items():
        out[zh] = f"portal i18n {key}"
    for spec in SHEETS.values():
        out[spec.zh] = f"sheet {spec.key}"
        for c in spec.columns:
            out[c.zh] = f"{spec.key}.{c.key} label"
            out[c.zh_help] = f"{spec.key}.{c.key} zh_help"
    return out


def test_chinese_texts_use_full_width_punctuation():
    texts = chinese_texts()
    assert len(texts) > 300  # the walk reaches every table
    bad = {where: spots for text, where in texts.items() if (spots := half_width_in_chinese(text))}
    assert not bad, f"ASCII punctuation in Chinese text (use ，：；（）): {bad}"


def test_the_punctuation_check_catches_half_width_marks():
    assert half_width_in_chinese("{0} 是真/假值单元格,不是数字:请填写数字")
    assert half_width_in_chinese("数量(amount)")
    assert half_width_in_chinese("请填写数字(没有则填 0)")
    assert not half_width_in_chinese("{0}：请使用 {1} 之一，如 1.5、10,000 或 kg CO2e/kWh")
    assert not half_width_in_chinese("单元格 B7:C9 已合并；碳足迹将被放大 1/(1 - 数量)倍")
