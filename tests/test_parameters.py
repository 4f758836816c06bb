"""Every number in inventories/parameters/*.toml carries its unit and its source.

A number may only stand as the ``value`` of a ``{value, unit, source}`` table or as the ``amount`` of a
row ``{input, amount, unit, source}``; a bare number anywhere else (``x = 1.5``, a number in a list, a
second number beside ``value``) has neither and fails. A source that only points back ("premise, same
dataset", "same", "as above"...) is accepted in a list of rows only if an earlier row of the same list
(the same step) names its source in full; elsewhere it has nothing to point at and fails.
"""
from __future__ import annotations

import re
import tomllib

import pytest

from lca import inventory

BACKREF = re.compile(r"^\s*(same|as above|ditto|see (the )?dataset|premise,? same (dataset|activity))\b", re.I)


def _files():
    return sorted((inventory.inventories_dir() / "parameters").glob("*.toml"))


def _isnum(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _blank(v) -> bool:
    return not isinstance(v, str) or not v.strip()


def problems(doc: dict) -> tuple[list[str], int]:
    """(what is wrong, where), and how many numbers were checked."""
    out: list[str] = []
    count = 0

    def entry(o: dict, path: str, earlier_full: bool) -> bool:
        """Check one numbered table; return whether its source is given in full."""
        nonlocal count
        count += 1
        for k in ("unit", "source"):
            if _blank(o.get(k)):
                out.append(f"{path}: lacks {k}")
        src = o.get("source")
        if isinstance(src, str) and BACKREF.match(src):
            if not earlier_full:
                out.append(f"{path}: source {src!r} points back, but no earlier row of the step names a source")
            return False
        return not _blank(src)

    def walk(o, path: str) -> None:
        nonlocal count
        if isinstance(o, dict) and "pedigree" in o:  # [uncertainty.rows]: five scores 1..5 with one source
            count += 1
            if _blank(o.get("source")) or len(o["pedigree"]) != 5:
                out.append(f"{path}: pedigree needs five scores and a source")
            return
        if isinstance(o, dict):
            numbered = ("value" in o and _isnum(o["value"])) or ("amount" in o and _isnum(o["amount"]))
            if numbered:
                entry(o, path, earlier_full=False)
            for k, v in o.items():
                if numbered and k in ("value", "amount"):
                    continue
                if numbered and k == "dist":  # bounds in the entry's own unit; the dist names its source
                    count += 1
                    if not isinstance(v, dict) or _blank(v.get("source")):
                        out.append(f"{path}.dist: lacks source")
                    continue
                walk(v, f"{path}.{k}" if path else str(k))
        elif isinstance(o, list):
            full = False  # a row list is one step's rows: back-references point at an earlier row
            for i, v in enumerate(o):
                where = f"{path}[{i}]"
                if isinstance(v, dict) and "amount" in v and _isnum(v["amount"]):
                    full = entry(v, where, full) or full
                    for k, w in v.items():
                        if k != "amount":
                            walk(w, f"{where}.{k}")
                else:
                    walk(v, where)
        elif _isnum(o):
            count += 1
            out.append(f"{path}: bare number {o!r} (no unit, no source)")

    walk(doc, "")
    return out, count


def test_there_are_parameter_files():
    assert {p.stem for p in _files()} >= {"battery", "pv", "vehicle"}


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_every_number_has_unit_and_source(path):
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    found, count = problems(doc)
    assert count > 20  # the walk reaches the numbers (each file has dozens)
    assert not found, f"{path.name}: {len(found)} number(s) without unit or source:\n" + "\n".join(found[:30])


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_every_value_table_has_unit_and_source(path):
    # named settings that are not numbers ({value = "CN", unit = "grid location", source = ...}) too
    bad = []

    def walk(o, where):
        if isinstance(o, dict):
            if "value" in o and any(_blank(o.get(k)) for k in ("unit", "source")):
                bad.append(where)
            for k, v in o.items():
                walk(v, f"{where}.{k}")
        elif isinstance(o, list):
            for i, v in enumerate(o):
                walk(v, f"{where}[{i}]")

    walk(tomllib.loads(path.read_text(encoding="utf-8")), path.stem)
    assert not bad, bad


# -- the check itself finds what it should ------------------------------------------------------
@pytest.mark.parametrize("text, words", [
    ("x = 1.5", ["x", "bare number"]),
    ("x = { value = 1.5, unit = 'kg' }", ["x", "lacks source"]),
    ("x = { value = 1.5, source = 'a paper' }", ["x", "lacks unit"]),
    ("x = { value = 1.5, unit = 'kg', source = 'a paper', low = 1.0 }", ["x.low", "bare number"]),
    ("x = { value = 1.5, unit = 'kg', source = 'same' }", ["x", "points back"]),
    ("x = [1.0, 2.0]", ["x[0]", "bare number"]),
    ("rows = [{ input = 'elec', amount = 1.0, unit = 'kilowatt hour', source = 'premise, same dataset' }]",
     ["rows[0]", "points back"]),
    ("rows = [{ input = 'elec', amount = 1.0, unit = 'kilowatt hour', source = '' },"
     " { input = 'bg:coke', amount = 2.0, unit = 'kilogram', source = 'premise, same dataset' }]",
     ["rows[0]: lacks source", "rows[1]", "points back"]),
    ("rows = [{ input = 'elec', amount = 1.0, source = 'premise X' }]", ["rows[0]", "lacks unit"]),
])
def test_check_finds_missing_units_and_sources(text, words):
    found, _ = problems(tomllib.loads(text))
    joined = "\n".join(found)
    for w in words:
        assert w in joined, (w, found)


def test_check_accepts_sourced_numbers_and_backreferences_to_an_earlier_row():
    text = """
    a = { value = 1.5, unit = "kg", source = "a paper" }
    [step]
    name = "s"
    rows = [
      { input = "elec", amount = 1.0, unit = "kilowatt hour", source = "premise 'silicon production' CN" },
      { input = "bg:coke", amount = 2.0, unit = "kilogram", source = "premise, same dataset" },
      { input = "bg:sand", amount = 3.0, unit = "kilogram", source = "premise, same dataset (silica)" },
    ]
    """
    found, count = problems(tomllib.loads(text))
    assert found == [] and count == 4
