"""CLI helpers: output, ``--set`` and target parsing, and opening the project, shared by every command.

Kept import-light: heavy modules are imported inside the functions that need them.
"""
from __future__ import annotations

import sys

from ..errors import InputError

__all__ = ["out", "dumps", "parse_value", "parse_settings", "parse_target", "parse_target_amount", "one_target",
           "project", "computing", "add_model_options"]


def out(text: str) -> None:
    """One line (or block) of a command's result on stdout."""
    sys.stdout.write(text + "\n")


def dumps(obj, **kw) -> str:
    """JSON of a result, as :func:`lca.results.dumps` writes it."""
    from ..results import dumps as _dumps

    return _dumps(obj, **kw)


def parse_value(text: str):
    """``--set`` values: int, float, true/false, else the string."""
    low = text.strip().lower()
    if low in ("true", "yes"):
        return True
    if low in ("false", "no"):
        return False
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def parse_settings(items: list[str]) -> dict:
    """``--set KEY=VALUE`` items -> ``{key: value}``."""
    settings = {}
    for item in items:
        if "=" not in item:
            raise InputError(f"--set {item!r}: write KEY=VALUE, e.g. --set capacity_kwh=75")
        key, value = item.split("=", 1)
        settings[key.strip()] = parse_value(value)
    return settings


def parse_target(text: str):
    """``NAME[:k=v,k=v]`` for a known model name, else the text as a target."""
    return parse_target_amount(text)[0]


def parse_target_amount(text: str):
    """(target, amount or None): ``TARGET:amount=A`` (or ``amount=A`` among a model's settings) sets A."""
    from .. import models

    amount = None
    head, sep, tail = text.rpartition(":amount=")
    if sep and "," not in tail and ":" not in tail:
        amount, text = _amount(tail), head
    name, _, params = text.partition(":")
    if name in models.MODELS:
        settings = parse_settings([p for p in params.split(",") if p]) if params else {}
        if "amount" in settings:
            amount = _amount(str(settings.pop("amount")))
        return models.get_model(name, **settings), amount
    return text, amount


def _amount(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InputError(f"amount={text!r} is not a number (write TARGET:amount=75)") from None


def one_target(args):
    """The target of a command with ``TARGET`` or ``--model NAME [--set k=v ...]`` (exactly one of them)."""
    if args.model and args.target:
        raise InputError(f"give TARGET or --model, not both (got {args.target!r} and --model {args.model})")
    if args.model:
        from .. import models

        return models.get_model(args.model, **parse_settings(args.set))
    if not args.target:
        raise InputError("give a TARGET ('database:code') or --model NAME")
    if args.set:
        raise InputError("--set applies to --model only")
    return parse_target(args.target)


def project(args):
    """The project of a command: ``--project DIR`` (else the default), with ``--background NAME`` if given."""
    from ..project import open_project

    return open_project(args.project, background=getattr(args, "background", None))


def computing(sub, name: str, **kw):
    """A sub-parser for a command that computes footprints: it takes ``--background NAME``."""
    s = sub.add_parser(name, **kw)
    s.add_argument("--background", metavar="NAME", default=None,
                   help="imported background that models and supplier materials resolve to "
                   "(default: the open background)")
    return s


def add_model_options(s) -> None:
    """``--model NAME`` and ``--set KEY=VALUE`` (repeatable)."""
    s.add_argument("--model", help="product model: battery_pack, vehicle, pv_module")
    s.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="model parameter")
