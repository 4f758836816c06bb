"""Design comparison: several targets or models side by side, under one method.

``compare(project, targets, method)`` computes each target's footprint (per its
reference unit times its default amount for models, e.g. the whole battery pack
when ``amount`` is left to the model; 1 unit for other targets) and returns a
:class:`Comparison`: one table of totals with the difference and the ratio to
the first target, and the breakdown by stage side by side.
"""
from __future__ import annotations

import textwrap

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import hooks
from .errors import InputError
from .results import dumps, finite

# A stage is left out of the comparison when its score is at most this fraction of the
# target's total (of 1 score unit for totals below 1) in every target: solver noise, or a
# stage a design does not have [-].
STAGE_DROP_TOL = 1e-9


def default_amount(target) -> float:
    """The amount a footprint is for when none is given: a product model's ``default_amount``
    (e.g. the whole battery pack, its capacity in kWh), else 1 unit of the target."""
    if hasattr(target, "datasets"):  # a product model (lca.models)
        return float(getattr(target, "default_amount", 1.0))
    return 1.0


@dataclass
class Comparison:
    """Footprints of several targets side by side.

    ``frame``: one row per target (label, ref, unit, amount, total, difference and
    ratio to the first, then one column per stage); ``footprints``: the
    :class:`~lca.Footprint` of each; ``per_unit``: totals per reference unit.
    """

    labels: list[str]
    footprints: list
    method: tuple
    score_unit: str
    frame: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def stages(self) -> list[str]:
        return [c for c in self.frame.columns if c.startswith("stage: ")]

    def to_dict(self) -> dict:
        rows = []
        for label, fp, (_, r) in zip(self.labels, self.footprints, self.frame.iterrows()):
            rows.append({
                "label": label, "ref": fp.target.ref, "name": fp.target.name, "unit": fp.unit,
                "amount": finite(fp.amount, f"amount of {fp.target.ref}"),
                "total": finite(r["total"], f"total of {fp.target.ref}"),
                "per_unit": finite(r["per_unit"], f"per-unit score of {fp.target.ref}"),
                "difference_to_first": finite(r["difference_to_first"], f"difference to the first of {fp.target.ref}"),
                "ratio_to_first": None if pd.isna(r["ratio_to_first"])
                else finite(r["ratio_to_first"], f"ratio to the first of {fp.target.ref}"),
                "by_stage": {s[7:]: finite(r[s], f"{s} of {fp.target.ref}") for s in self.stages},
                "extras": fp.to_dict(top=0)["extras"],
            })
        return {"method": list(self.method), "score_unit": self.score_unit, "targets": rows}

    def to_json(self, indent: int | None = None) -> str:
        return dumps(self.to_dict(), indent=indent)

    def summary(self) -> str:
        lines = [f"comparison ({' | '.join(self.method)}), {self.score_unit}:"]
        w = max(len(lbl) for lbl in self.labels)
        lines.append(f"  {'target':<{w}}  {'amount':>10} {'unit':<16} {'total':>12} {'per unit':>11} "
                     f"{'diff':>11} {'ratio':>7}")
        for label, fp, (_, r) in zip(self.labels, self.footprints, self.frame.iterrows()):
            ratio = "" if pd.isna(r["ratio_to_first"]) else f"{r['ratio_to_first']:.3f}"
            lines.append(f"  {label:<{w}}  {fp.amount:>10.4g} {str(fp.unit):<16} {r['total']:>12.5g} "
                         f"{r['per_unit']:>11.5g} {r['difference_to_first']:>+11.4g} {ratio:>7}")
        if self.stages:
            lines.append("  by stage:")
            head = "".join(f"{lbl[:14]:>16}" for lbl in self.labels)
            lines.append(f"    {'stage':<30}{head}")
            for s in self.stages:
                vals = "".join(f"{v:>16.5g}" for v in self.frame[s])
                lines.append(f"    {s[7:]:<30}{vals}")
        return "\n".join(lines)

    def plot(self, path) -> Path:
        """Stacked bars by stage, one bar per target (PNG, matplotlib Agg)."""
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt

        path = Path(path)
        fig, ax = plt.subplots(figsize=(max(6.0, 1.6 * len(self.labels) + 3), 5))
        x = range(len(self.labels))
        stages = self.stages or []
        pos = [0.0] * len(self.labels)
        neg = [0.0] * len(self.labels)
        if stages:
            for s in stages:
                vals = list(self.frame[s])
                bottoms = [pos[i] if v >= 0 else neg[i] for i, v in enumerate(vals)]
                ax.bar(x, vals, bottom=bottoms, label=s[7:])
                for i, v in enumerate(vals):
                    if v >= 0:
                        pos[i] += v
                    else:
                        neg[i] += v
            ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        else:
            ax.bar(x, list(self.frame["total"]))
        ax.set_xticks(list(x))
        ax.set_xticklabels([textwrap.fill(lbl.replace(", ", ",\n"), 28) if len(lbl) > 28 else lbl for lbl in self.labels], rotation=0,
                           ha="center", fontsize=8)
        ax.set_ylabel(self.score_unit)
        ax.set_title(" | ".join(self.method[1:]) if len(self.method) > 1 else str(self.method), fontsize=9)
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120)
        plt.close(fig)
        return path


def _label(target, ref) -> str:
    params = getattr(target, "params", None)
    if params is None:
        return ref.ref
    main = [f"{k}={v}" for k, v in params.items() if not k.startswith("_") and not isinstance(v, dict)]
    return f"{getattr(target, 'name', 'model')}({', '.join(main[:4])})"


def compare(project, targets, method="GWP100") -> Comparison:
    """Footprints of ``targets`` side by side (see module docstring); at least one target."""
    targets = list(targets)
    if not targets:
        raise InputError("compare needs at least one target (two or more to compare)")
    fps, labels = [], []
    for t in targets:
        fp = project.footprint(t, amount=default_amount(t), method=method)
        fps.append(fp)
        labels.append(_label(t, fp.target))
    # make labels unique and informative: show only the parameters that differ between models
    param_sets = [getattr(t, "params", None) for t in targets]
    if all(isinstance(p, dict) for p in param_sets) and len(targets) > 1:
        keys = [k for k in param_sets[0] if not k.startswith("_")]
        differ = [k for k in keys if len({repr(p.get(k)) for p in param_sets}) > 1]
        if differ:
            labels = [", ".join(f"{k}={p.get(k)}" for k in differ[:3]
                                if p.get(k) is not None and not isinstance(p.get(k), dict)) or lbl
                      for p, lbl in zip(param_sets, labels)]
    seen: dict[str, int] = {}
    for i, lbl in enumerate(labels):
        if lbl in seen:
            seen[lbl] += 1
            labels[i] = f"{lbl} #{seen[lbl]}"
        else:
            seen[lbl] = 1
    first = fps[0].total
    stage_names: list[str] = []
    for fp in fps:
        tol = STAGE_DROP_TOL * max(1.0, abs(fp.total))
        for s, v in fp.by_stage.items():
            if abs(v) > tol and s not in stage_names:
                stage_names.append(s)
    rows = []
    for label, fp in zip(labels, fps):
        row = {"label": label, "ref": fp.target.ref, "unit": fp.unit, "amount": fp.amount, "total": fp.total,
               "per_unit": fp.total / fp.amount if fp.amount else float("nan"),
               "difference_to_first": fp.total - first,
               "ratio_to_first": fp.total / first if first else float("nan")}
        for s in stage_names:
            row[f"stage: {s}"] = float(fp.by_stage.get(s, 0.0))
        rows.append(row)
    frame = pd.DataFrame(rows).set_index("label", drop=False)
    return Comparison(labels=labels, footprints=fps, method=fps[0].method, score_unit=fps[0].score_unit,
                      frame=frame)


hooks.provide("compare", compare)  # Project.compare answers through this (lca.hooks)
