"""Parameter sweep: one product model's footprint over a range of one parameter, optionally with Monte Carlo bands.

``lca.sweep.sweep(project, "pv_module", {"technology": "TOPCon"}, "efficiency", values)`` builds the
model once per value (each build validated as ``lca footprint --set`` would: a value outside
its physical range is refused, an implausible one warned about) and scores it against the
background's cradle-to-gate scores of one adjoint solve (``project.footprints``: the
factorization is kept between points), so a point costs one small foreground solve. The
total of a point is the footprint of the same model with the same settings (one amount
rule: ``amount`` units of the reference product, 1 unless given; ``basis`` says which).

``uncertainty=N`` adds the 5th/50th/95th percentiles of N paired Monte Carlo draws per
point (:mod:`lca.uncertainty`, common random numbers: the same background and parameter
draws at every point, so the band's shape follows the swept parameter, not sampling noise).
"""
from __future__ import annotations

import math

import numpy as np

from . import inventory
from . import uncertainty as mc
from .errors import InputError
from .results_design import Sweep  # noqa: F401 (re-exported)

MAX_POINTS = 10_000  # a sweep's points [-]


def parse_range(text: str) -> tuple[str, list[float]]:
    """``PARAM=START:STOP:STEP`` -> (PARAM, [START, START+STEP, ..., STOP]) (STOP included when on the grid)."""
    name, sep, rng = str(text).partition("=")
    parts = rng.split(":")
    if not sep or not name.strip() or len(parts) != 3:
        raise InputError(f"--vary {text!r}: write PARAM=START:STOP:STEP, e.g. --vary efficiency=0.20:0.25:0.01")
    try:
        start, stop, step = (float(p) for p in parts)
    except ValueError:
        raise InputError(f"--vary {text!r}: START, STOP and STEP must be numbers") from None
    if not all(math.isfinite(v) for v in (start, stop, step)) or step <= 0 or stop < start:
        raise InputError(f"--vary {text!r}: give START <= STOP and a STEP > 0")
    n = int(math.floor((stop - start) / step + 1e-9)) + 1
    if n > MAX_POINTS:
        raise InputError(f"--vary {text!r}: {n} points; at most {MAX_POINTS} (use a larger STEP)")
    return name.strip(), [round(start + i * step, 12) for i in range(n)]


def _static_scores(project, method) -> tuple[dict, dict]:
    """Background scores per unit (one adjoint solve) and characterization factors of the flow aliases."""
    from .models.base import flow_cfs

    series = project.footprints(method=method, database=inventory.BACKGROUND_DB)
    prefix = inventory.BACKGROUND_DB + ":"
    scores = {ref[len(prefix):]: float(v) for ref, v in series.items()}
    return scores, flow_cfs(project, method)


def static_scores(project, method) -> tuple[dict, dict]:
    """Background scores per unit (one adjoint solve, kept) and the flow aliases' characterization factors."""
    return _static_scores(project, project.method(method))


def evaluate(model, scores: dict, cfs: dict, amount: float = 1.0, code: str | None = None) -> tuple[float, dict]:
    """(total, {stage: score}) of ``amount`` units of ``model`` (of its foreground activity ``code`` if given)
    from background ``scores`` and flow ``cfs``."""
    stage_of = {d["code"]: d.get("stage", "") for d in model.product_system()[0]}
    by_stage: dict[str, float] = {}
    for code, inp, qty, _ in model.background_inputs(code):
        s = qty * (cfs.get(inp[4:], 0.0) if inp.startswith("bio:") else scores[inp]) * amount
        by_stage[stage_of[code]] = by_stage.get(stage_of[code], 0.0) + s
    return sum(by_stage.values()), by_stage


def sweep(project, name: str, settings: dict | None, parameter: str, values, amount: float = 1.0,
          method="GWP100", uncertainty: int | None = None, seed: int | None = None, scheduler=None) -> Sweep:
    """The footprint of model ``name`` with ``settings`` at each of ``values`` of ``parameter``.

    Parameters
    ----------
    name : str
        A model of :data:`lca.models.MODELS` [-]. ``settings``: its other parameters.
    parameter : str
        The parameter to vary (any numeric parameter ``lca model NAME`` lists) [-].
    values : list of float
        Its values [the parameter's unit] (:func:`parse_range` makes them from ``START:STOP:STEP``).
    amount : float, default 1.0
        Units of the reference product (one amount rule: a battery pack per kWh unless given).
    uncertainty : int, optional
        Monte Carlo draws per point (paired across points), with ``seed`` and ``scheduler``.

    Raises
    ------
    lca.InputError
        An unknown model or parameter, a value the model refuses (named with the point), or no values.
    """
    from . import models

    settings = dict(settings or {})
    values = [float(v) for v in values]
    if not values:
        raise InputError("sweep: no values to sweep")
    if parameter in settings:
        raise InputError(f"sweep: {parameter} is both set (--set) and varied (--vary); give it once")
    base = models.get_model(name, **settings)
    listed = set(base.parameter_entries()) | {k for k, v in base.params.items() if isinstance(v, (int, float))
                                               and not isinstance(v, bool)}
    if parameter not in listed:
        raise InputError(f"sweep: {parameter!r} is not a numeric parameter of {name}; numeric parameters: "
                         f"{', '.join(sorted(listed))}")
    points = []
    for v in values:
        try:
            points.append(models.get_model(name, **settings, **{parameter: v}))
        except InputError as exc:
            raise InputError(f"sweep point {parameter}={v:g}: {exc}") from None
    m = project.method(method)
    scores, cfs = _static_scores(project, m)
    totals, stages = [], []
    for pt in points:
        t, st = evaluate(pt, scores, cfs, amount)
        totals.append(t)
        stages.append(st)
    warnings = list(dict.fromkeys(w for pt in points for w in pt.warnings))
    res = Sweep(model=name, parameter=parameter, values=values, totals=np.asarray(totals), by_stage=stages,
                basis=base.basis(amount), method=m, score_unit=project.calc.score_unit(m), settings=settings,
                product=getattr(base, "product_title", ""), warnings=warnings,
                parameter_unit=str((base.parameter_entries().get(parameter) or {}).get("unit") or ""))
    if uncertainty:
        job, _ = mc.make_job(project, points, [amount] * len(points), int(uncertainty), seed, m, write_models=False)
        res.samples = mc.run(job, scheduler)
        res.seed = job.seed
    return res

