"""lca.errors: the whole error hierarchy in one module, exported from lca; Severity; the issue-code check."""
import json
import types

import pytest

import lca
from lca import errors


def test_every_error_class_lives_in_lca_errors_and_is_exported_from_lca():
    classes = [v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, Exception)]
    assert len(classes) >= 13
    for cls in classes:
        assert cls.__module__ == "lca.errors"
        assert issubclass(cls, lca.LcaError)
        assert getattr(lca, cls.__name__) is cls, f"lca.{cls.__name__} is not exported"
        assert cls.__doc__, f"{cls.__name__} has no docstring"


def test_the_errors_raised_elsewhere_are_the_hierarchys():
    from lca import engine
    from lca.server import events, filters
    from lca.supply import cells

    assert engine.SingularSystemError is lca.SingularSystemError
    assert engine.NonSquareSystemError is lca.NonSquareSystemError
    assert issubclass(lca.SingularSystemError, lca.ProductSystemError)
    assert cells.Bad is lca.CellError
    with pytest.raises(lca.CellError) as err:
        cells.parse_number("1,5")
    assert err.value.code == "ambiguous_decimal"
    # the server's refusals stay ValueErrors (callers catch them as such) and are LcaErrors
    for cls, raise_it in ((lca.QueryError, lambda: filters.parse_query([("limit", "x")])),
                          (lca.EventError, lambda: events.validate([]))):
        with pytest.raises(cls) as err:
            raise_it()
        assert isinstance(err.value, ValueError) and isinstance(err.value, lca.RequestError)


def test_integrity_error_is_the_documented_name_of_project_damaged_error():
    assert lca.IntegrityError is lca.ProjectDamagedError is errors.IntegrityError
    assert lca.IntegrityError.exit_code == 1
    import sqlite3

    assert not issubclass(lca.IntegrityError, sqlite3.IntegrityError)


def test_severity_is_an_enum_that_compares_and_serializes_as_its_string():
    assert set(lca.Severity) == {lca.Severity.ERROR, lca.Severity.WARNING}
    assert lca.Severity.WARNING == "warning" and lca.Severity.ERROR == "error"
    issue = lca.InputIssue("Materials", 3, "amount", "not_a_number", "m", "warning", "f.xlsx")
    assert issue.severity is lca.Severity.WARNING  # a string given is made into the enum
    d = issue.to_dict()
    assert type(d["severity"]) is str and d["severity"] == "warning"
    assert json.loads(json.dumps(d))["severity"] == "warning"
    assert lca.InputIssue(None, None, None, "unreadable", "m").severity is lca.Severity.ERROR
    with pytest.raises(ValueError):
        lca.InputIssue(None, None, None, "unreadable", "m", "fatal")


def test_an_issue_under_a_code_the_catalogue_lacks_is_refused_with_a_real_check():
    from lca.supply.fields import Ctx

    ctx = Ctx(types.SimpleNamespace(path="f.xlsx"), resolve=None)
    ctx.add("Materials", 3, "amount", "not_a_number", "m", lca.Severity.WARNING)
    assert [i.severity for i in ctx.issues] == ["warning"] and not ctx.has_errors
    with pytest.raises(lca.UnknownIssueCode, match="no_such_code.*lca/issue_codes.py") as err:
        ctx.add("Materials", 3, "amount", "no_such_code", "m")
    assert err.value.exit_code == 1  # a bug, not bad input
    assert len(ctx.issues) == 1


def test_submodules_stay_attributes_of_lca_with_the_lazy_exports():
    # `lca.inventory.X` after `import lca` worked when lca imported its packages eagerly (tests rely on it)
    import importlib

    assert lca.inventory is importlib.import_module("lca.inventory")
    with pytest.raises(AttributeError, match="no attribute 'no_such_module'"):
        lca.no_such_module
