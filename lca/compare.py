"""Design comparison: several targets or models side by side, under one method.

``compare(project, targets, method)`` computes each target's footprint and
returns a :class:`Comparison`: one table of totals with the difference and the
ratio to the first target, and the breakdown by stage side by side.

One amount rule (the same as :meth:`lca.Project.footprint`, ``uncertainty``,
``sensitivity`` and ``sweep``): each target counts ``amount`` units of its reference
product, 1 unless ``amounts`` gives it another (a battery pack per kWh of capacity;
``amounts=[75]`` or ``TARGET:amount=75`` on the command line for a 75 kWh pack
whole); every row states its basis (``per kWh``, ``per pack (75 kWh)``).

Like with like: targets whose units differ (a supplier product per kg against a
pack per kWh) are refused unless ``units="warn"`` (then the comparison carries a
warning); labels show only the parameters that differ between models.

Paired uncertainty: ``uncertainty=N`` draws N Monte Carlo samples of every target
in one job (:mod:`lca.uncertainty`): the shared background and every parameter of
the same name are sampled once for all targets (common random numbers), so the
difference to the first target is computed sample by sample. Per target:
``p_lower`` = P(target < first) (ties count one half) and the 5th/50th/95th
percentiles of the difference; the table and plot show the 5-95 % intervals.
"""
from __future__ import annotations

import textwrap

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

import numpy as np

from . import hooks
from . import uncertainty as mc
from .errors import InputError
from .models.base import basis
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
    samples: object = None  # targets x n Monte Carlo samples (uncertainty=N), else None
    seed: int | None = None
    warnings: list = field(default_factory=list)
    products: list = field(default_factory=list)  # each target's product (a model's product_title)
    lang: str = "en"  # chart labels and stage names: "en" or "zh"

    def uncertainty_of(self, i: int) -> dict | None:
        """Monte Carlo summary of target ``i``: mean, median, p5, p95 and, against the first, p_lower and
        the 5th/50th/95th percentiles of the difference [score unit]."""
        if self.samples is None:
            return None
        s = self.samples[i]
        d = s - self.samples[0]
        p5, p25, p50, p75, p95 = np.percentile(s, [5, 25, 50, 75, 95])
        dp = np.percentile(d, [5, 50, 95])
        return {"n": int(len(s)), "seed": int(self.seed), "mean": float(s.mean()), "median": float(p50),
                "std": float(s.std(ddof=1)) if len(s) > 1 else 0.0, "p5": float(p5), "p25": float(p25),
                "p75": float(p75), "p95": float(p95),
                "p_lower": float(np.mean(d < 0) + 0.5 * np.mean(d == 0)),
                "difference": {"p5": float(dp[0]), "p50": float(dp[1]), "p95": float(dp[2])}}

    def pairs(self) -> list[list[float]] | None:
        """``pairs[i][j]`` = P(target i < target j) over the paired Monte Carlo draws (ties count one half;
        the diagonal is 0.5); None without samples."""
        if self.samples is None:
            return None
        s = np.asarray(self.samples, dtype=np.float64)
        lt = (s[:, None, :] < s[None, :, :]).mean(axis=2)
        eq = (s[:, None, :] == s[None, :, :]).mean(axis=2)
        return (lt + 0.5 * eq).tolist()

    def disagreements(self) -> list[list[int]]:
        """Pairs ``[i, j]`` (i < j) whose static ranking and Monte Carlo ranking differ: the static totals put
        one target lower while it is lower in fewer than half of the paired draws (ties on either side are
        not a ranking)."""
        pairs = self.pairs()
        if pairs is None:
            return []
        tot = list(self.frame["total"])
        out = []
        for i in range(len(tot)):
            for j in range(i + 1, len(tot)):
                if tot[i] == tot[j] or pairs[i][j] == 0.5:
                    continue
                if (tot[i] < tot[j]) != (pairs[i][j] > 0.5):
                    out.append([i, j])
        return out

    def disagreement_notes(self) -> list[str]:
        """One sentence per disagreement: which target the static totals put lower, and how often it is."""
        pairs, tot, notes = self.pairs(), list(self.frame["total"]), []
        for i, j in self.disagreements():
            lo, hi = (i, j) if tot[i] < tot[j] else (j, i)
            pct = (tot[lo] - tot[hi]) / tot[hi] * 100 if tot[hi] else float("nan")
            notes.append(f"rankings disagree: the static totals put {self.labels[lo]} below {self.labels[hi]} "
                         f"({pct:+.1f} %), but the paired Monte Carlo draws put it lower with probability only "
                         f"{pairs[lo][hi]:.3f} ({self.labels[hi]} lower: {pairs[hi][lo]:.3f})")
        return notes

    @property
    def stages(self) -> list[str]:
        return [c for c in self.frame.columns if c.startswith("stage: ")]

    def to_dict(self) -> dict:
        rows = []
        for label, fp, (_, r) in zip(self.labels, self.footprints, self.frame.iterrows()):
            rows.append({
                "label": label, "ref": fp.target.ref, "name": fp.target.name, "unit": fp.unit,
                "amount": finite(fp.amount, f"amount of {fp.target.ref}"), "basis": r["basis"],
                "total": finite(r["total"], f"total of {fp.target.ref}"),
                "per_unit": finite(r["per_unit"], f"per-unit score of {fp.target.ref}"),
                "difference_to_first": finite(r["difference_to_first"], f"difference to the first of {fp.target.ref}"),
                "ratio_to_first": None if pd.isna(r["ratio_to_first"])
                else finite(r["ratio_to_first"], f"ratio to the first of {fp.target.ref}"),
                "by_stage": {s[7:]: finite(r[s], f"{s} of {fp.target.ref}") for s in self.stages},
                "extras": fp.to_dict(top=0)["extras"],
            })
            u = self.uncertainty_of(len(rows) - 1)
            if u is not None:
                rows[-1]["uncertainty"] = {k: (v if not isinstance(v, float) else finite(v, k)) for k, v in u.items()}
        out = {"method": list(self.method), "score_unit": self.score_unit, "targets": rows,
               "warnings": list(self.warnings)}
        if self.samples is not None:
            out["pairs"] = [[finite(v, "pairs") for v in row] for row in self.pairs()]
            out["disagreements"] = self.disagreements()
            out["disagreement_notes"] = self.disagreement_notes()
        return out

    def to_json(self, indent: int | None = None) -> str:
        return dumps(self.to_dict(), indent=indent)

    def to_csv(self, path) -> Path:
        """The table (one row per target, full column names) as CSV (:mod:`lca.report.comparison_export`)."""
        from .report import comparison_export

        return comparison_export.write_csv(self, Path(path))

    def to_excel(self, path) -> Path:
        """The table, the pairwise probabilities and the disagreements as an .xlsx workbook."""
        from .report import comparison_export

        return comparison_export.write_excel(self, Path(path))

    def summary(self) -> str:
        lines = [f"comparison ({' | '.join(self.method)}), {self.score_unit}:"]
        w = max(len(lbl) for lbl in self.labels)
        bw = max(5, *(len(str(b)) for b in self.frame["basis"]))
        lines.append(f"  {'target':<{w}}  {'basis':<{bw}} {'unit':<16} {'total':>12} {'per unit':>11} "
                     f"{'diff':>11} {'ratio':>7}")
        for label, fp, (_, r) in zip(self.labels, self.footprints, self.frame.iterrows()):
            ratio = "" if pd.isna(r["ratio_to_first"]) else f"{r['ratio_to_first']:.3f}"
            lines.append(f"  {label:<{w}}  {r['basis']:<{bw}} {str(fp.unit):<16} {r['total']:>12.5g} "
                         f"{r['per_unit']:>11.5g} {r['difference_to_first']:>+11.4g} {ratio:>7}")
        extra_cols = [c for c in UNIT_EXTRAS.values() if c in self.frame.columns]
        if extra_cols:
            lines.append("  in other units:")
            cw = [max(12, len(lbl)) + 2 for lbl in self.labels]
            lines.append(f"    {'':<30}" + "".join(f"{lbl:>{c}}" for lbl, c in zip(self.labels, cw)))
            for col in extra_cols:
                lines.append(f"    {col:<30}" + "".join(f"{v:>{c}.5g}" for v, c in zip(self.frame[col], cw)))
        if self.stages:
            lines.append("  by stage:")
            cw = [max(12, len(lbl)) + 2 for lbl in self.labels]  # full column names
            head = "".join(f"{lbl:>{c}}" for lbl, c in zip(self.labels, cw))
            sw = max([30] + [len(s) - 5 for s in self.stages])
            lines.append(f"    {'stage':<{sw}}{head}")
            for s in self.stages:
                vals = "".join(f"{v:>{c}.5g}" for v, c in zip(self.frame[s], cw))
                lines.append(f"    {s[7:]:<{sw}}{vals}")
        if self.samples is not None:
            lines.append(f"  Monte Carlo, n={self.samples.shape[1]}, seed={self.seed} (paired: common random numbers):")
            lines.append(f"    {'target':<{w}}  {'p5':>11} {'median':>11} {'p95':>11} {'P(lower)':>9} "
                         f"{'diff p5':>11} {'diff p50':>11} {'diff p95':>11}")
            for i, label in enumerate(self.labels):
                u = self.uncertainty_of(i)
                dd = u["difference"]
                flag = " !" if any(i in d for d in self.disagreements()) else ""
                lines.append(f"    {label:<{w}}  {u['p5']:>11.5g} {u['median']:>11.5g} {u['p95']:>11.5g} "
                             f"{u['p_lower']:>9.3f} {dd['p5']:>+11.4g} {dd['p50']:>+11.4g} {dd['p95']:>+11.4g}{flag}")
            lines.append("    P(row < column), paired draws:")
            cw = [max(8, len(lbl)) + 2 for lbl in self.labels]
            lines.append(f"    {'':<{w}}" + "".join(f"{lbl:>{c}}" for lbl, c in zip(self.labels, cw)))
            for i, row in enumerate(self.pairs()):
                cells = "".join(f"{'-' if i == j else format(v, '.3f'):>{c}}" for j, (v, c) in enumerate(zip(row, cw)))
                lines.append(f"    {self.labels[i]:<{w}}" + cells)
            for note in self.disagreement_notes():
                lines.append(f"  ! {note}")
        for msg in self.warnings:
            lines.append(f"  warning: {msg}")
        return "\n".join(lines)

    def title(self, lang: str = "en") -> str:
        """The product(s) and the functional unit: ``Traction battery pack, kg CO2-Eq per kWh (GWP100)``."""
        from .report.comparison_plot import zh

        products = [zh(p, lang) for p in dict.fromkeys(p for p in self.products if p)] or ["comparison"]
        bases = list(dict.fromkeys(self.frame["basis"])) if "basis" in self.frame else []
        unit = f"{self.score_unit} {zh(bases[0], lang)}" if len(bases) == 1 else f"{self.score_unit} (basis per target)"
        method = self.method[-1] if self.method else ""
        return f"{' vs '.join(products)}: {unit}, {zh('cradle to gate', lang)} ({method})"

    def plot(self, path) -> Path:
        """The comparison's chart (PNG): with Monte Carlo samples the interval plot (static value, median and
        5-95 % interval per target, disagreeing rankings flagged); without, stacked bars by stage."""
        if self.samples is not None:
            from .report import uncertainty_plots

            p5, p50, p95 = np.percentile(self.samples, [5, 50, 95], axis=1)
            flags = sorted({i for d in self.disagreements() for i in d})
            notes = [textwrap.fill(n, 150) for n in self.disagreement_notes()]
            return uncertainty_plots.intervals(self.labels, list(self.frame["total"]), p5, p50, p95,
                                               self.score_unit + (f" {self.frame['basis'].iloc[0]}" if
                                                                  self.frame["basis"].nunique() == 1 else ""),
                                               f"{self.title()}; Monte Carlo n="
                                               f"{self.samples.shape[1]}, paired", Path(path), flags, notes)
        return self._stage_plot(path)

    def _stage_plot(self, path) -> Path:
        """Stacked bars by stage, one bar per target (:mod:`lca.report.comparison_plot`)."""
        from .models import STAGE_GROUPS
        from .report import comparison_plot

        return comparison_plot.stacked(self, Path(path), STAGE_GROUPS, self.lang)


# other reference units a model reports in its extras, shown as columns of the table (extras key -> column)
UNIT_EXTRAS = {"per_pack": "per pack", "per_kg_pack": "per kg pack", "per_m2": "per m2", "per_module": "per module",
               "per_kwh_generated": "per kWh generated"}


# parameters that name a design in every model (shown in labels when they differ, even if not set by name)
DESIGN_KEYS = ("chemistry", "capacity_kwh", "region", "technology", "construction", "powertrain", "size")


def _flat(model) -> dict:
    """A model's parameters with those of a sub-model flattened (``battery.chemistry``), private ones left out."""
    out = {}
    for k, v in getattr(model, "params", {}).items():
        if k.startswith("_"):
            continue
        if isinstance(v, dict):
            out.update({f"{k}.{j}": w for j, w in v.items() if not j.startswith("_")})
        else:
            out[k] = v
    return out


def labels_of(targets, fps) -> list[str]:
    """Short unique labels: a model shows only the parameters that differ from the other models of the
    same name (among the design keys and those set by the user), other targets their ref."""
    models = [t for t in targets if isinstance(getattr(t, "params", None), dict)]
    given = set(DESIGN_KEYS).union(*(getattr(t, "user_set", set()) for t in models))
    labels = []
    for t, fp in zip(targets, fps):
        params = getattr(t, "params", None)
        if not isinstance(params, dict):
            labels.append(fp.target.ref)
            continue
        peers = [m for m in models if getattr(m, "name", None) == getattr(t, "name", None)]
        flat = _flat(t)
        peer_flat = [_flat(m) for m in peers]
        subs_given = set(DESIGN_KEYS).union(*(getattr(getattr(m, k.split(".")[0], None), "user_set", set())
                                              for m in peers for k in _flat(m) if "." in k))
        differ = [k for k in flat if (k in given if "." not in k else k.split(".", 1)[1] in subs_given)
                  and len({repr(f.get(k)) for f in peer_flat}) > 1]
        text = ", ".join(f"{k}={flat[k]}" for k in differ)
        name = getattr(t, "name", "model")
        if len(peers) == len(targets) and len(targets) > 1:
            labels.append(text or name)
        else:
            labels.append(f"{name}({text})" if text else name)
    seen: dict[str, int] = {}
    for i, lbl in enumerate(labels):
        if lbl in seen:
            seen[lbl] += 1
            labels[i] = f"{lbl} #{seen[lbl]}"
        else:
            seen[lbl] = 1
    return labels


def compare(project, targets, method="GWP100", amounts=None, uncertainty: int | None = None,
            seed: int | None = None, scheduler=None, units: str = "refuse", lang: str = "en") -> Comparison:
    """Footprints of ``targets`` side by side (see module docstring); at least one target.

    Parameters
    ----------
    amounts : list, optional
        One amount per target [unit of that target]; None entries take the default amount.
    uncertainty : int, optional
        Monte Carlo samples for the paired comparison; ``seed`` and ``scheduler`` as for
        :func:`lca.uncertainty.uncertainty`.
    units : ``"refuse"`` (default) or ``"warn"``
        What to do when the targets' units differ.
    """
    targets = list(targets)
    if not targets:
        raise InputError("compare needs at least one target (two or more to compare)")
    if amounts is None:
        amounts = [None] * len(targets)  # None: 1 unit of the target's reference product
    amounts = list(amounts)
    if len(amounts) != len(targets):
        raise InputError(f"compare: {len(amounts)} amounts for {len(targets)} targets; give one per target "
                         "(None for the default)")
    if lang not in ("en", "zh"):
        raise InputError(f"lang={lang!r}: use 'en' or 'zh'")
    if units not in ("refuse", "warn"):
        raise InputError(f"units={units!r}: use 'refuse' or 'warn'")
    amounts = [1.0 if a is None else a for a in amounts]  # one amount rule: 1 reference unit unless given
    fps = [project.footprint(t, amount=a, method=method) for t, a in zip(targets, amounts)]
    labels = labels_of(targets, fps)
    warnings = [f"{lbl}: {w}" for lbl, t in zip(labels, targets) for w in getattr(t, "warnings", [])]
    unit_set = {str(fp.unit) for fp in fps}
    if len(unit_set) > 1:
        listing = "; ".join(f"{lbl}: {fp.amount:g} {fp.unit}" for lbl, fp in zip(labels, fps))
        msg = (f"the targets are in different units ({listing}): compare like with like, e.g. the same "
               "product or a battery pack per kWh against a supplier's pack per kWh")
        if units == "refuse":
            raise InputError(msg + "; to compare anyway pass units='warn' (CLI --allow-different-units)")
        warnings.append(msg)
    first = fps[0].total
    stage_names: list[str] = []
    for fp in fps:
        tol = STAGE_DROP_TOL * max(1.0, abs(fp.total))
        for s, v in fp.by_stage.items():
            if abs(v) > tol and s not in stage_names:
                stage_names.append(s)
    from .models import STAGE_ORDER  # stages in process order (the models' own), others after them

    stage_names.sort(key=lambda s: (STAGE_ORDER.index(s) if s in STAGE_ORDER else len(STAGE_ORDER)))
    rows = []
    for label, fp, target in zip(labels, fps, targets):
        row = {"label": label, "ref": fp.target.ref, "unit": fp.unit, "amount": fp.amount,
               "basis": basis(target, fp.amount, fp.unit), "total": fp.total,
               "per_unit": fp.total / fp.amount if fp.amount else float("nan"),
               "difference_to_first": fp.total - first,
               "ratio_to_first": fp.total / first if first else float("nan")}
        for key, col in UNIT_EXTRAS.items():
            if any(isinstance(f.extras, dict) and key in f.extras for f in fps):
                v = fp.extras.get(key) if isinstance(fp.extras, dict) else None
                row[col] = float(v) if isinstance(v, (int, float)) else float("nan")
        for s in stage_names:
            row[f"stage: {s}"] = float(fp.by_stage.get(s, 0.0))
        rows.append(row)
    frame = pd.DataFrame(rows).set_index("label", drop=False)
    cmp = Comparison(labels=labels, footprints=fps, method=fps[0].method, score_unit=fps[0].score_unit,
                     frame=frame, warnings=warnings, lang=lang,
                     products=[getattr(t, "product_title", None) or fp.target.name for t, fp in zip(targets, fps)])
    if uncertainty:
        job, _ = mc.make_job(project, targets, amounts, int(uncertainty), seed, method)
        cmp.samples = mc.run(job, scheduler)
        cmp.seed = job.seed
        for i in range(len(targets)):
            u = cmp.uncertainty_of(i)
            for k in ("p5", "median", "p95", "p_lower"):
                frame.loc[labels[i], f"mc_{k}"] = u[k]
    return cmp


hooks.provide("compare", compare)  # Project.compare answers through this (lca.hooks)
