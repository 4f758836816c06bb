"""Multi-output datasets of a copied database: allocated by a stated rule (economic, mass), or refused offering that choice.

green-lca's solver needs one product per activity. A dataset with several production
exchanges is refused (``multi_output``) naming it and its products, with the choice
``--allocate economic`` or ``--allocate mass``. With a rule, each product k gets its own
dataset (the product's code; a product node without exchanges is replaced by it) that
makes ``amount_k`` of it and carries the share ``f_k = amount_k * p_k / sum_j amount_j * p_j``
of every other exchange, where ``p`` is the product exchange's property: ``price`` for
economic allocation, ``mass`` for mass allocation (a product in kilograms has mass 1 per
unit). Properties as bw2io stores them: ``exchange["properties"][NAME]["amount"]``. A product
without the property, or a zero total, is refused naming the dataset and the exchange.
The allocated dataset's name says the rule and the share.
"""
from __future__ import annotations

import math

from ..errors import InputError, InputIssue

RULES = {"economic": "price", "mass": "mass"}


def _value(e: dict, prop: str, unit: str | None) -> float | None:
    p = (e.get("properties") or {}).get(prop)
    v = p.get("amount") if isinstance(p, dict) else p
    if v is None and prop == "mass" and str(e.get("unit") or unit or "").lower() in ("kilogram", "kg"):
        v = 1.0
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) and v >= 0 else None


def allocate(data: list[dict], database: str, rule: str | None) -> list[dict]:
    """``data`` with every multi-output dataset split by ``rule`` (see module docstring); InputError if
    there are multi-output datasets and no rule, or a product lacks the rule's property."""
    multi = [d for d in data if sum(e.get("type") == "production" for e in d.get("exchanges", ())) > 1]
    if not multi:
        return data
    if rule not in RULES:
        shown = "; ".join(f"{d.get('name')!r} ({d.get('code')}): " + ", ".join(
            f"{e.get('name') or e['input'][1]!r} {e.get('amount')} {e.get('unit') or ''}".rstrip()
            for e in d["exchanges"] if e.get("type") == "production") for d in multi[:10])
        raise InputError(f"{len(multi)} multi-output dataset(s) in {database!r}: {shown}. green-lca computes one "
                         "product per dataset: allocate them by a stated rule, --allocate economic (each product "
                         "exchange's 'price' property) or --allocate mass (its 'mass' property; 1 for kilograms); "
                         "nothing was written",
                         [InputIssue(None, None, None, "multi_output", f"{d.get('name')!r} has several products",
                                     file=str(d.get("code"))) for d in multi])
    prop = RULES[rule]
    by_code = {d["code"]: d for d in data}
    out = {d["code"]: d for d in data if d not in multi}
    for d in multi:
        prods = [e for e in d["exchanges"] if e.get("type") == "production"]
        values = []
        for e in prods:
            v = _value(e, prop, (by_code.get(e["input"][1]) or d).get("unit"))
            if v is None:
                raise InputError(f"dataset {d.get('name')!r} ({d.get('code')}): product exchange "
                                 f"{e.get('name') or e['input'][1]!r} ({e['input'][1]}), amount "
                                 f"{e.get('amount')} {e.get('unit') or ''} has no usable {prop!r} property for "
                                 f"{rule} allocation; add it (properties.{prop}.amount) or choose the other rule",
                                 [InputIssue(None, None, None, "multi_output", f"no {prop} property",
                                             file=str(d.get("code")))])
            values.append(float(e["amount"]) * v)
        total = sum(values)
        if not total > 0:
            raise InputError(f"dataset {d.get('name')!r} ({d.get('code')}): its products' {prop} values sum to "
                             f"{total}; {rule} allocation needs a positive total")
        others = [e for e in d["exchanges"] if e.get("type") != "production"]
        for e, v in zip(prods, values):
            code, share = e["input"][1], v / total
            node = by_code.get(code, {}) if code != d["code"] else {}
            if node.get("exchanges") and code != d["code"]:
                raise InputError(f"dataset {d.get('name')!r}: its product {code!r} is also made by dataset "
                                 f"{node.get('name')!r}; a product can have one producer only")
            out[code] = dict(d, code=code, name=f"{d.get('name')} ({e.get('name') or node.get('name') or code}; "
                             f"{rule} allocation {share:.4g})", **{"reference product": e.get("name")
                                                                   or node.get("reference product") or code},
                             unit=e.get("unit") or d.get("unit"), allocation={"rule": rule, "share": share},
                             exchanges=[dict(e, input=(e["input"][0], code))]
                             + [_scaled(x, share) for x in others])
    return list(out.values())


def _scaled(e: dict, share: float) -> dict:
    """Exchange ``e`` times ``share``, its distribution too (lognormal: loc + ln share; others: loc, scale, bounds)."""
    x = dict(e, amount=float(e["amount"]) * share)
    kind = e.get("uncertainty type")
    if kind == 2 and e.get("loc") is not None and share > 0:
        x["loc"] = float(e["loc"]) + math.log(share)
    elif kind not in (None, 0, 1, 2):
        for k in ("loc", "scale", "minimum", "maximum"):
            if e.get(k) is not None:
                x[k] = float(e[k]) * share
    return x
