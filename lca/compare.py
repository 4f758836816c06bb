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

import pandas as pd

from . import hooks
from . import uncertainty as mc
from .errors import InputError
from .models.base import basis
from .results_design import UNIT_EXTRAS, Comparison  # noqa: F401 (re-exported)

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
    from .models import STAGE_GROUPS

    cmp = Comparison(labels=labels, footprints=fps, method=fps[0].method, score_unit=fps[0].score_unit,
                     frame=frame, warnings=warnings, lang=lang, stage_groups=STAGE_GROUPS,
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
