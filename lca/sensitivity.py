"""Sensitivity: which model parameters drive the variance (Sobol first-order and total indices, SALib).

:func:`sensitivity` takes a product model, the parameters Monte Carlo draws for it
(those with a distribution in ``inventories/parameters/*.toml`` that the user did
not set), a Saltelli/Sobol design of ``n x (D + 2)`` points from SALib (uniform
numbers mapped through each parameter's inverse CDF, :func:`lca.distributions.ppf`),
and evaluates the model for all points at once with the background at its static
scores (the indices rank the model's own parameters; background and step-row
uncertainty are left out so that they do not blur the ranking). SALib's
``sobol.analyze`` gives S1 and ST with bootstrap confidence intervals; parameters are
ranked by ST. Targets that are not models are refused (their uncertainty is in
thousands of matrix entries: use :func:`lca.uncertainty.uncertainty`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import distributions, hooks
from . import uncertainty as mc
from .errors import InputError
from .results import ActivityRef, dumps, finite


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
        return [{"parameter": self.names[i], "S1": float(self.S1[i]), "S1_conf": float(self.S1_conf[i]),
                 "ST": float(self.ST[i]), "ST_conf": float(self.ST_conf[i])} for i in order]

    def to_dict(self) -> dict:
        rows = [{k: (finite(v, k) if isinstance(v, float) else v) for k, v in r.items()} for r in self.ranked()]
        return {"target": self.target.to_dict(), "method": "Sobol (SALib, Saltelli design)", "n": self.n,
                "seed": int(self.seed), "evaluations": self.evaluations, "static": finite(self.static, "static"),
                "score_unit": self.score_unit, "variance": finite(self.variance, "variance"), "parameters": rows,
                **self.extra}

    def to_json(self, indent: int | None = None) -> str:
        return dumps(self.to_dict(), indent=indent)

    def summary(self) -> str:
        lines = [f"{self.target.ref} ({self.target.name}, {self.extra.get('basis', '')}): Sobol indices, N={self.n}, {self.evaluations} "
                 f"evaluations, seed={self.seed}; static {self.static:.6g} {self.score_unit}, "
                 f"std {math.sqrt(max(self.variance, 0.0)):.4g}",
                 f"  {'parameter':<28} {'S1':>7} {'+-':>6} {'ST':>7} {'+-':>6}"]
        for r in self.ranked():
            lines.append(f"  {r['parameter']:<28} {r['S1']:>7.3f} {r['S1_conf']:>6.3f} {r['ST']:>7.3f} "
                         f"{r['ST_conf']:>6.3f}")
        return "\n".join(lines)

    def plot(self, path) -> Path:
        """Tornado chart of S1 and ST (PNG)."""
        from .report import uncertainty_plots

        r = self.ranked()
        return uncertainty_plots.tornado([x["parameter"] for x in r], [x["S1"] for x in r], [x["ST"] for x in r],
                                         f"{self.target.name}: Sobol indices (N={self.n})", Path(path))


def sobol(fn, params: dict, n: int = 1024, seed: int = 0):
    """Sobol S1/ST of ``fn(values) -> array`` over ``params`` (name -> {value, dist}).

    Returns (names, SALib result dict, number of evaluations, outputs)."""
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    names = sorted(params)
    if not names:
        raise InputError("no uncertain parameters to rank (every parameter is fixed or set by the user)")
    if n < 2 or n & (n - 1):
        raise InputError(f"n={n}: the Sobol design needs a power of two (e.g. 256, 1024)")
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    U = sample.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    values = {k: distributions.ppf(params[k].get("dist"), params[k]["value"], U[:, i]) for i, k in enumerate(names)}
    Y = np.asarray(fn(values), dtype=np.float64)
    res = analyze.analyze(problem, Y, calc_second_order=False, print_to_console=False, seed=seed)
    return names, res, len(Y), Y


def sensitivity(project, target, n: int = 1024, seed: int | None = None, amount: float = 1.0,
                method="GWP100") -> Sensitivity:
    """Sobol indices of a product model's parameters (see module docstring).

    Parameters
    ----------
    n : int, default 1024
        Base sample size of the Saltelli design (a power of two); evaluations = n x (D + 2).
    seed : int, optional
        Seed of the design and of SALib's bootstrap.
    """
    if not hasattr(target, "sampled_build"):
        raise InputError("sensitivity ranks the parameters of a product model: give a model (lca sensitivity "
                         "--model NAME); for other targets use `lca uncertainty`")
    seed = int(np.random.SeedSequence().entropy % (2**31)) if seed is None else int(seed)
    job, refs = mc.make_job(project, [target], [amount], 1, seed, method, background=False, rows=False)
    mt = job.targets[0][1]
    z = job.bg.scores(seed, 0, 1, False)

    def fn(values):
        S = len(next(iter(values.values())))
        return mt.evaluate(z, values, None, S)

    names, res, evals, Y = sobol(fn, mt.params, n, seed)
    m = project.method(method)
    return Sensitivity(target=refs[0], names=names, S1=np.asarray(res["S1"]), ST=np.asarray(res["ST"]),
                       S1_conf=np.asarray(res["S1_conf"]), ST_conf=np.asarray(res["ST_conf"]), n=n, seed=seed,
                       evaluations=evals, static=float(job.static()[0]), score_unit=project.calc.score_unit(m),
                       variance=float(np.var(Y)), extra={"basis": mc.basis(target, amount, refs[0].unit)})


hooks.provide("sensitivity", sensitivity)  # Project.sensitivity answers through this (lca.hooks)
