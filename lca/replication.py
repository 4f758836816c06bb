"""Published studies replicated: each study's conditions as model settings, the result beside the published one.

The studies are data (``inventories/parameters/studies.toml``): the model, the settings that
state the study's conditions (``key=value,...`` as ``lca footprint --set`` takes them), the
quantity compared and the published figure with its source. A result agrees when it is inside
the published range or within the file's ``tolerance`` (15 %) of the value; where it does not,
the study's ``steps`` move the settings one at a time (cumulatively) towards what the study is
known or bounded to assume, each step with its source, and the table shows what each step
changes and what remains.

``python -m lca.replication [--project DIR] [--write docs/models.md]`` prints the tables
(markdown) or writes them into the generated blocks of docs/models.md (between
``<!-- generated: NAME -->`` and ``<!-- end generated -->``); tests/test_replication.py fails
when the file's blocks differ from what the code computes.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .errors import InputError
from .models.base import value

STUDIES_FILE = "studies"


def _value(text: str):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def parse_settings(text: str) -> dict:
    """``key=value,key=value`` -> dict (numbers and true/false converted)."""
    out = {}
    for item in filter(None, (t.strip() for t in str(text).split(","))):
        if "=" not in item:
            raise InputError(f"{STUDIES_FILE}.toml: setting {item!r} is not KEY=VALUE")
        k, v = item.split("=", 1)
        out[k.strip()] = _value(v.strip())
    return out


def studies() -> dict:
    """The studies of ``inventories/parameters/studies.toml`` (name -> table) and the tolerance."""
    from .models.base import parameters

    return parameters(STUDIES_FILE)


def quantity(scores, model, what: str) -> float:
    """The figure of ``model`` a study is compared with, from the background ``scores`` (``(scores, cfs)`` of
    :func:`lca.sweep.static_scores`: one solve for all studies): ``total`` (per reference unit) or the
    cells alone per kWh of cell (``cells_per_kwh_cell``: the cell step per kg x kg of cell per kWh)."""
    from .sweep import evaluate

    if what == "total":
        return evaluate(model, *scores)[0]
    if what == "cells_per_kwh_cell" and hasattr(model, "cell_kg_per_kwh"):
        return evaluate(model, *scores, code=f"{model.prefix}-cell")[0] * model.cell_kg_per_kwh
    raise InputError(f"{STUDIES_FILE}.toml: quantity {what!r} is not a result of {model.name}")


def replicate(scores, name: str, study: dict, tolerance: float) -> dict:
    """One study: the result, the published figure, whether they agree, and the steps' decomposition."""
    from . import models

    settings = parse_settings(study["settings"])
    model = models.get_model(study["model"], **settings)
    result = quantity(scores, model, study["quantity"])
    pub = study["published"]
    low, high = (None if pub.get(k) is None else float(value(pub[k])) for k in ("low", "high"))
    diff = (result - pub["value"]) / pub["value"]
    inside = low is not None and high is not None and low <= result <= high
    agrees = inside or abs(diff) <= tolerance
    steps, cur = [], dict(settings)
    if not agrees:
        before = result
        for step in study.get("steps", []):
            cur.update(parse_settings(step["set"]))
            after = quantity(scores, models.get_model(study["model"], **cur), study["quantity"])
            steps.append({"set": step["set"], "change": after - before, "result": after,
                          "remaining": (after - pub["value"]) / pub["value"], "source": step["source"]})
            before = after
    return {"name": name, "title": study["title"], "model": study["model"], "settings": study["settings"],
            "conditions": study["conditions"], "quantity": study["quantity"], "result": result,
            "published": pub, "difference": diff, "agrees": bool(agrees), "steps": steps}


def replicate_all(project) -> list[dict]:
    """Every study of studies.toml (:func:`replicate`), against one solve of the background."""
    from .sweep import static_scores

    data = studies()
    tol = float(data["tolerance"]["value"])
    scores = static_scores(project, "GWP100")
    return [replicate(scores, k, v, tol) for k, v in data["study"].items()]


def _pub(p: dict) -> str:
    rng = f" ({value(p['low']):g}-{value(p['high']):g})" if "low" in p and "high" in p else ""
    return f"{p['value']:g}{rng}"


def replication_table(rows: list[dict]) -> str:
    """Markdown: one row per study, then each decomposition."""
    out = ["| study | model settings (the study's conditions) | model | published | difference | agrees | source |",
           "|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['title']} | `{r['model']}` {r['settings']} | {r['result']:.1f} | {_pub(r['published'])} "
                   f"{r['published']['unit']} | {r['difference']:+.0%} | {'yes' if r['agrees'] else 'no'} | "
                   f"{r['published']['source']} |")
    for r in rows:
        if r["agrees"]:
            continue
        out += ["", f"**{r['title']}**: {r['result']:.1f} against {_pub(r['published'])} "
                    f"({r['difference']:+.0%}); the difference by parameter, one step at a time towards the study:", "",
                "| step (cumulative) | change | result | remaining difference | source |", "|---|---|---|---|---|"]
        for s in r["steps"]:
            out.append(f"| `{s['set']}` | {s['change']:+.1f} | {s['result']:.1f} | {s['remaining']:+.0%} | "
                       f"{s['source']} |")
        if not r["steps"]:
            out.append("| (no sourced step) | | | | |")
    return "\n".join(out)


def vehicle_table(project) -> str:
    """Markdown: production of the default vehicles by size and powertrain (per vehicle)."""
    from . import models
    from .sweep import static_scores

    scores = static_scores(project, "GWP100")
    out = ["| vehicle (assembled in CN, defaults of vehicle.toml) | battery | production, kg CO2e per vehicle |",
           "|---|---|---|"]
    for size in ("small", "medium", "large"):
        for pt in ("BEV", "PHEV", "ICEV"):
            v = models.vehicle(powertrain=pt, size=size)
            bat = ("-" if v.battery is None else
                   f"{v.battery.params['chemistry']} {v.battery.params['capacity_kwh']:g} kWh")
            out.append(f"| {pt} {size} | {bat} | {quantity(scores, v, 'total'):,.0f} |")
    return "\n".join(out)


BLOCKS = {"replication": lambda project: replication_table(replicate_all(project)), "vehicles": vehicle_table}
_BLOCK = re.compile(r"(<!-- generated: (\w+) -->\n)(.*?)(<!-- end generated -->)", re.S)


def render(text: str, project) -> str:
    """``text`` with every generated block recomputed."""
    def sub(m):
        name = m.group(2)
        if name not in BLOCKS:
            raise InputError(f"docs: unknown generated block {name!r}; known: {', '.join(BLOCKS)}")
        return m.group(1) + BLOCKS[name](project) + "\n" + m.group(4)

    return _BLOCK.sub(sub, text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--project", help="project directory (default: $LCA_PROJECT)")
    ap.add_argument("--write", metavar="FILE.md", help="rewrite the generated blocks of this file")
    args = ap.parse_args(argv)
    from .project import open_project

    project = open_project(args.project)
    if args.write:
        path = Path(args.write)
        path.write_text(render(path.read_text(encoding="utf-8"), project), encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)
    else:
        print(replication_table(replicate_all(project)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
