"""Result objects of design studies: a comparison, a sensitivity ranking, a parameter sweep.

Computed by :func:`lca.compare.compare`, :func:`lca.sensitivity.sensitivity` and
:func:`lca.sweep.sweep` (which re-export them: ``from lca.compare import Comparison``
keeps working); here they only hold the numbers and write them out (JSON, CSV, text,
charts through :mod:`lca.report`).
"""
from __future__ import annotations

import csv
import io
import math
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .results import ActivityRef, dumps, finite

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
    stage_groups: tuple = ()  # the product models' stage orders, for the stacked chart (lca.models.STAGE_GROUPS)

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
        if lang == "zh":  # full-width punctuation in Chinese text
            return f"{' vs '.join(products)}：{unit}，{zh('cradle to gate', lang)}（{method}）"
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
        from .report import comparison_plot

        return comparison_plot.stacked(self, Path(path), self.stage_groups, self.lang)


# other reference units a model reports in its extras, shown as columns of the table (extras key -> column)
UNIT_EXTRAS = {"per_pack": "per pack", "per_kg_pack": "per kg pack", "per_m2": "per m2", "per_module": "per module",
               "per_kwh_generated": "per kWh generated"}


@dataclass
class Sensitivity:
    """Sobol indices of a model's parameters, ranked by total index (largest first)."""

    target: ActivityRef
    names: list
    S1: np.ndarray
    ST: np.ndarray
    S1_conf: np.ndarray
    ST_conf: np.ndarray
    n: int
    seed: int
    evaluations: int
    static: float
    score_unit: str
    variance: float
    extra: dict = field(default_factory=dict)

    def ranked(self) -> list[dict]:
        order = np.argsort(-self.ST, kind="stable")
        kinds = self.extra.get("kinds", {})
        return [{"parameter": self.names[i], "kind": kinds.get(self.names[i], "model parameter"),
                 "S1": float(self.S1[i]), "S1_conf": float(self.S1_conf[i]),
                 "ST": float(self.ST[i]), "ST_conf": float(self.ST_conf[i])} for i in order]

    def to_dict(self) -> dict:
        rows = [{k: (finite(v, k) if isinstance(v, float) else v) for k, v in r.items()} for r in self.ranked()]
        return {"target": self.target.to_dict(), "method": "Sobol (SALib, Saltelli design)", "n": self.n,
                "seed": int(self.seed), "evaluations": self.evaluations, "static": finite(self.static, "static"),
                "score_unit": self.score_unit, "variance": finite(self.variance, "variance"), "parameters": rows,
                **{k: v for k, v in self.extra.items() if k != "kinds"}}

    def to_json(self, indent: int | None = None) -> str:
        return dumps(self.to_dict(), indent=indent)

    def summary(self) -> str:
        lines = [f"{self.target.ref} ({self.target.name}; {self.extra.get('basis', 'per unit')}): Sobol indices, N={self.n}, {self.evaluations} "
                 f"evaluations, seed={self.seed}; static {self.static:.6g} {self.score_unit}, "
                 f"std {math.sqrt(max(self.variance, 0.0)):.4g}",
                 f"  {'parameter':<28} {'S1':>7} {'+-':>6} {'ST':>7} {'+-':>6}"]
        w = max([28] + [len(r["parameter"]) for r in self.ranked()])
        lines[1] = f"  {'parameter':<{w}} {'S1':>7} {'+-':>6} {'ST':>7} {'+-':>6}"
        for r in self.ranked():
            lines.append(f"  {r['parameter']:<{w}} {r['S1']:>7.3f} {r['S1_conf']:>6.3f} {r['ST']:>7.3f} "
                         f"{r['ST_conf']:>6.3f}")
        if self.extra.get("scope"):
            lines.append(f"  covers: {self.extra['scope']}")
        if self.extra.get("tornado"):
            lines.append(f"  one at a time, low -> high end of each range (5th -> 95th percentile where unbounded), "
                         f"the others at their values "
                         f"[{self.score_unit} {self.extra.get('basis', '')}]:")
            lines.append(f"  {'parameter':<{w}} {'low':>10} {'high':>10} {'swing':>10}")
            for r in self.extra["tornado"]:
                lines.append(f"  {r['parameter']:<{w}} {r['low']:>+10.4g} {r['high']:>+10.4g} {r['swing']:>10.4g}")
        return "\n".join(lines)

    def plot(self, path) -> Path:
        """Tornado chart of S1 and ST (PNG)."""
        from .report import uncertainty_plots

        r = self.ranked()
        title = f"{self.target.name}: Sobol indices (N={self.n})"
        if self.extra.get("tornado"):
            t = self.extra["tornado"]
            return uncertainty_plots.sensitivity_panels(
                [x["parameter"] for x in r], [x["S1"] for x in r], [x["ST"] for x in r],
                [x["parameter"] for x in t], [x["low"] for x in t], [x["high"] for x in t],
                f"{self.score_unit} {self.extra.get('basis', '')}".strip(), title, Path(path))
        return uncertainty_plots.tornado([x["parameter"] for x in r], [x["S1"] for x in r], [x["ST"] for x in r],
                                         title, Path(path))


@dataclass
class Sweep:
    """Footprints of one model over the values of one parameter (see module docstring)."""

    model: str
    parameter: str
    values: list
    totals: np.ndarray
    by_stage: list  # one {stage: score} per point
    basis: str
    method: tuple
    score_unit: str
    settings: dict
    product: str = ""
    parameter_unit: str = ""
    warnings: list = field(default_factory=list)
    samples: object = None  # points x n Monte Carlo draws (uncertainty=N), else None
    seed: int | None = None

    def bands(self) -> dict | None:
        """p5, p50, p95 per point [score unit]; None without Monte Carlo."""
        if self.samples is None:
            return None
        p5, p50, p95 = np.percentile(self.samples, [5, 50, 95], axis=1)
        return {"p5": p5, "p50": p50, "p95": p95}

    def to_dict(self) -> dict:
        b = self.bands()
        points = []
        for i, v in enumerate(self.values):
            pt = {self.parameter: v, "total": finite(float(self.totals[i]), f"total at {self.parameter}={v}"),
                  "by_stage": {k: finite(float(x), k) for k, x in self.by_stage[i].items()}}
            if b is not None:
                pt.update({k: finite(float(b[k][i]), k) for k in ("p5", "p50", "p95")})
            points.append(pt)
        out = {"model": self.model, "parameter": self.parameter, "unit": self.parameter_unit, "settings": self.settings, "basis": self.basis,
               "method": list(self.method), "score_unit": self.score_unit, "points": points,
               "warnings": list(self.warnings)}
        if self.samples is not None:
            out["uncertainty"] = {"n": int(self.samples.shape[1]), "seed": int(self.seed),
                                  "paired": "common random numbers at every point"}
        return out

    def to_json(self, indent: int | None = None) -> str:
        return dumps(self.to_dict(), indent=indent)

    def to_csv(self) -> str:
        """One row per point: the parameter, total, the percentiles with Monte Carlo, then each stage."""
        stages = list(dict.fromkeys(k for st in self.by_stage for k in st))
        b = self.bands()
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        unit = f"{self.score_unit} {self.basis}"
        head = [self.parameter, f"total [{unit}]"] + ([f"p5 [{unit}]", f"p50 [{unit}]", f"p95 [{unit}]"] if b else [])
        w.writerow(head + [f"{s} [{unit}]" for s in stages])
        for i, v in enumerate(self.values):
            row = [v, float(self.totals[i])] + ([float(b[k][i]) for k in ("p5", "p50", "p95")] if b else [])
            w.writerow(row + [float(self.by_stage[i].get(s, 0.0)) for s in stages])
        return buf.getvalue()

    def summary(self) -> str:
        fixed = ", ".join(f"{k}={v}" for k, v in self.settings.items()) or "defaults"
        b = self.bands()
        lines = [f"{self.product or self.model} ({fixed}): {self.score_unit} {self.basis} over {self.parameter} "
                 f"({' | '.join(self.method)})",
                 f"  {self.parameter:>24} {'total':>12}" + (f" {'p5':>12} {'p50':>12} {'p95':>12}" if b else "")]
        for i, v in enumerate(self.values):
            extra = "".join(f" {float(b[k][i]):>12.5g}" for k in ("p5", "p50", "p95")) if b else ""
            lines.append(f"  {v:>24g} {float(self.totals[i]):>12.5g}{extra}")
        if b is not None:
            lines.append(f"  Monte Carlo n={self.samples.shape[1]}, seed={self.seed} (paired across points)")
        for msg in self.warnings:
            lines.append(f"  warning: {msg}")
        return "\n".join(lines)

    def plot(self, path) -> Path:
        """The total against the parameter, with the 5-95 % band under Monte Carlo (PNG)."""
        from .report import uncertainty_plots

        fixed = ", ".join(f"{k}={v}" for k, v in self.settings.items())
        title = (f"{self.product or self.model}{f' ({fixed})' if fixed else ''}: {self.score_unit} {self.basis}, "
                 f"cradle to gate ({self.method[-1]})")
        b = self.bands()
        xlabel = f"{self.parameter} [{self.parameter_unit}]" if self.parameter_unit else self.parameter
        return uncertainty_plots.sweep_line(xlabel, self.values, list(self.totals),
                                            None if b is None else (b["p5"], b["p50"], b["p95"]),
                                            f"{self.score_unit} {self.basis}", title, Path(path))
