"""Sensitivity: which model parameters and background factors drive the variance (Sobol indices, SALib; tornado).

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

import numpy as np

from . import distributions, hooks
from . import uncertainty as mc
from .errors import InputError
from .results_design import Sensitivity  # noqa: F401 (re-exported)


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
    values = {k: _ppf(params[k], U[:, i]) for i, k in enumerate(names)}
    Y = np.asarray(fn(values), dtype=np.float64)
    res = analyze.analyze(problem, Y, calc_second_order=False, print_to_console=False, seed=seed)
    return names, res, len(Y), Y


def _ppf(entry: dict, u):
    """Inverse CDF of a parameter entry: its own ``ppf`` (background factors: empirical) or its ``dist``."""
    if "ppf" in entry:
        return entry["ppf"](u)
    return distributions.ppf(entry.get("dist"), entry["value"], u)


# background factors ranked beside the model's parameters: every grid the model's steps draw electricity
# from, and the largest other background inputs (materials), up to this many [-]
MAX_MATERIAL_FACTORS = 6
BG_SAMPLES = 400  # background Monte Carlo draws that give each factor's empirical distribution [-]
BG_PREFIX = "background: "


def background_factors(project, target, job, seed: int, amount: float, n_bg: int = BG_SAMPLES) -> dict:
    """The background groups Sobol ranks (see :func:`sensitivity`): name -> ``{value, ppf, code, local,
    kind, contribution}``; each factor multiplies one background dataset's cradle-to-gate score, drawn from
    that score's own Monte Carlo distribution (ratio to its static value, empirical quantiles)."""
    mt = job.targets[0][1]
    z0 = job.bg.scores(seed, 0, 1, False)[:, 0]
    grids = set(job_grids(target))
    contrib: dict[str, float] = {}
    stage_of = {d["code"]: d.get("stage", "") for d in target.product_system()[0]}
    stages: dict[str, list] = {}
    for code, inp, qty, _label in target.background_inputs():
        if inp.startswith("bio:") or inp not in mt.bg_local:
            continue
        contrib[inp] = contrib.get(inp, 0.0) + qty * float(z0[mt.bg_local[inp]]) * amount
        stages.setdefault(inp, [])
        if stage_of.get(code) and stage_of[code] not in stages[inp]:
            stages[inp].append(stage_of[code])
    elec = sorted((c for c in contrib if c.split("@")[0] in grids), key=lambda c: -abs(contrib[c]))
    mats = sorted((c for c in contrib if c.split("@")[0] not in grids), key=lambda c: -abs(contrib[c]))
    chosen = [(c, "electricity") for c in elec] + [(c, "material") for c in mats[:MAX_MATERIAL_FACTORS]]
    if not chosen:
        return {}
    zs = job.bg.scores(seed, 1, n_bg, True)  # chunk 1: streams apart from the static chunk
    out = {}
    for code, kind in chosen:
        i = mt.bg_local[code]
        ratio = np.sort(zs[i] / z0[i]) if z0[i] != 0 else np.ones(n_bg)
        name = f"{BG_PREFIX}{code}" + (f" (grid of: {', '.join(stages[code])})" if kind == "electricity" else "")
        out[name] = {"value": 1.0, "code": code, "local": i, "kind": kind, "contribution": contrib[code],
                     "ppf": (lambda u, r=ratio: np.quantile(r, np.clip(u, 0, 1))),
                     "p5": float(np.quantile(ratio, 0.05)), "p95": float(np.quantile(ratio, 0.95))}
    return out


def job_grids(target) -> list[str]:
    """Background grid dataset codes (``electricity-...``) a model can draw from."""
    return list(target.bg.grids.values())


def tornado(fn, params: dict, static: float) -> list[dict]:
    """One-at-a-time swing of each parameter from the low to the high end of its range (``min``/``max`` of its
    distribution; the 5th and 95th percentiles where it has none: lognormal, background factors), the others
    at their values [score unit]; largest swing first."""
    rows = []
    for k, e in params.items():
        d = e.get("dist") or {}
        if "min" in d and "max" in d:
            lo, hi, ends = float(d["min"]), float(d["max"]), "range"
        else:
            lo, hi = (float(x) for x in _ppf(e, np.array([0.05, 0.95])))
            ends = "5th-95th percentile"
        vals = {j: np.full(2, float(f["value"])) for j, f in params.items()}
        vals[k] = np.array([lo, hi])
        y = np.asarray(fn(vals), dtype=np.float64)
        rows.append({"parameter": k, "ends": ends, "low_value": lo, "high_value": hi, "low": float(y[0]) - static,
                     "high": float(y[1]) - static, "swing": float(abs(y[1] - y[0]))})
    return sorted(rows, key=lambda r: -r["swing"])


def sensitivity(project, target, n: int = 1024, seed: int | None = None, amount: float = 1.0,
                method="GWP100", background: bool = True) -> Sensitivity:
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
    factors = background_factors(project, target, job, seed, amount) if background else {}
    params = {**mt.params, **factors}

    def fn(values):
        S = len(next(iter(values.values())))
        own = {k: v for k, v in values.items() if k not in factors}
        zz = z
        if factors:
            zz = np.repeat(z, S, axis=1)
            for k, f in factors.items():
                zz[f["local"]] *= values[k]
        return mt.evaluate(zz, own, None, S)

    names, res, evals, Y = sobol(fn, params, n, seed)
    static = float(job.static()[0])
    m = project.method(method)
    scope = ("model parameters" + (f" and {len(factors)} background factors in groups (the cradle-to-gate score "
             "of each grid the steps draw electricity from, and of the largest other background inputs: "
             + ", ".join(f["code"] for f in factors.values())
             + "), each drawn from its own background Monte Carlo distribution; correlations between the factors "
             "and the rest of the background are not carried; the step rows are static" if factors else
             "; the background and the step rows are static (background=False)"))
    kinds = {k: ("background factor" if k in factors else "model parameter") for k in names}
    return Sensitivity(target=refs[0], names=names, S1=np.asarray(res["S1"]), ST=np.asarray(res["ST"]),
                       S1_conf=np.asarray(res["S1_conf"]), ST_conf=np.asarray(res["ST_conf"]), n=n, seed=seed,
                       evaluations=evals, static=static, score_unit=project.calc.score_unit(m),
                       variance=float(np.var(Y)),
                       extra={"basis": mc.basis(target, amount, refs[0].unit), "scope": scope, "kinds": kinds,
                              "tornado": tornado(fn, params, static)})


hooks.provide("sensitivity", sensitivity)  # Project.sensitivity answers through this (lca.hooks)
