"""Uncertainty plots: Monte Carlo histograms, comparison intervals and tornado charts (PNG, matplotlib Agg)."""
from __future__ import annotations

from pathlib import Path

from ..files import atomic_write
from . import fonts


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _styled(texts):
    """matplotlib settings that draw ``texts`` (Chinese names included) with a CJK font where needed."""
    return _plt().rc_context({"font.family": "sans-serif", "font.sans-serif": fonts.font_for(texts),
                              "axes.unicode_minus": False})


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    _plt().close(fig)
    return path


def histogram(dist, path: Path) -> Path:
    """Histogram of ``dist.samples`` with the static value and the p5 / p50 / p95 lines."""
    with _styled([dist.target.name, dist.target.unit]):
        plt = _plt()
        fig, ax = plt.subplots(figsize=(7, 4.5))
        ax.hist(dist.samples, bins=60, color="#7aa6c2", edgecolor="white")
        p = dist.percentiles()
        for q, style in (("p5", ":"), ("p50", "-"), ("p95", ":")):
            ax.axvline(p[q], color="#1f3b57", linestyle=style, label=f"{q} {p[q]:.4g}")
        ax.axvline(dist.static, color="#c0392b", label=f"static {dist.static:.4g}")
        ax.set_xlabel(f"{dist.score_unit} per {dist.amount:g} {dist.target.unit}")
        ax.set_ylabel("samples")
        ax.set_title(f"{dist.target.name} (n={dist.n}, seed={dist.seed})", fontsize=9)
        ax.legend(fontsize=8)
        fig.tight_layout()
        return _save(fig, path)


def intervals(labels, static, p5, p50, p95, score_unit: str, title: str, path: Path, flags=None,
              notes=None) -> Path:
    """Static value and the 5-95 % interval with the median, one row per target (comparisons).

    ``flags``: indices of targets whose static and Monte Carlo rankings differ against another target
    (drawn in red with ``(!)`` and a legend entry); ``notes``: sentences printed under the chart."""
    flags = set(flags or ())
    notes = list(notes or ())
    with _styled(list(labels) + [title] + notes):
        plt = _plt()
        from matplotlib.lines import Line2D

        fig, ax = plt.subplots(figsize=(9, 1.6 + 0.6 * len(labels) + 0.3 * len(notes)))
        y = list(range(len(labels)))[::-1]
        for yi, lo, mid, hi, st in zip(y, p5, p50, p95, static):
            ax.plot([lo, hi], [yi, yi], color="#1f3b57", linewidth=3, solid_capstyle="butt")
            ax.plot([mid], [yi], "o", color="#1f3b57")
            ax.plot([st], [yi], "D", color="#c0392b", markersize=6)
        ax.set_yticks(y)
        ax.set_yticklabels([f"{lbl} (!)" if i in flags else lbl for i, lbl in enumerate(labels)], fontsize=8)
        for i, tick in enumerate(ax.get_yticklabels()):
            if i in flags:
                tick.set_color("#c0392b")
        ax.set_ylim(-0.7, len(labels) - 0.3)
        ax.set_xlabel(score_unit)
        ax.set_title(title, fontsize=9)
        handles = [Line2D([], [], color="#1f3b57", linewidth=3, label="Monte Carlo 5th-95th percentile"),
                   Line2D([], [], color="#1f3b57", marker="o", linestyle="none", label="Monte Carlo median"),
                   Line2D([], [], color="#c0392b", marker="D", linestyle="none", label="static value")]
        if flags:
            handles.append(Line2D([], [], color="#c0392b", marker="$!$", linestyle="none", markersize=9,
                                  label="(!) static and Monte Carlo rankings differ"))
        ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        if notes:
            fig.text(0.01, 0.01, "\n".join(notes), fontsize=7, color="#c0392b", va="bottom", wrap=True)
        fig.tight_layout(rect=(0, 0.06 * bool(notes) + 0.025 * max(0, len(notes) - 1), 1, 1))
        return _save(fig, path)


def tornado(names, first, total, title: str, path: Path) -> Path:
    """Sobol first-order and total indices as horizontal bars, largest total on top."""
    with _styled(list(names) + [title]):
        plt = _plt()
        fig, ax = plt.subplots(figsize=(7, 1.0 + 0.4 * len(names)))
        y = list(range(len(names)))[::-1]
        ax.barh([v + 0.2 for v in y], total, height=0.4, color="#7aa6c2", label="total (ST)")
        ax.barh([v - 0.2 for v in y], first, height=0.4, color="#1f3b57", label="first order (S1)")
        ax.set_yticks(y)
        ax.set_yticklabels(names, fontsize=8)
        ax.set_xlabel("share of the variance")
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=8)
        fig.tight_layout()
        return _save(fig, path)


def sweep_line(parameter: str, values, totals, band, ylabel: str, title: str, path: Path) -> Path:
    """A sweep: the static total against the parameter, with the Monte Carlo median and 5-95 % band if given."""
    with _styled([parameter, ylabel, title]):
        plt = _plt()
        fig, ax = plt.subplots(figsize=(8, 4.5))
        if band is not None:
            p5, p50, p95 = band
            ax.fill_between(values, p5, p95, color="#7aa6c2", alpha=0.45, linewidth=0,
                            label="Monte Carlo 5th-95th percentile")
            ax.plot(values, p50, color="#1f3b57", linestyle="--", linewidth=1.2, label="Monte Carlo median")
        ax.plot(values, totals, color="#c0392b", marker="o", markersize=3, linewidth=1.6, label="static value")
        ax.set_xlabel(parameter)
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        return _save(fig, path)


def sensitivity_panels(names, first, total, t_names, low, high, unit: str, title: str, path: Path) -> Path:
    """Sobol indices (share of the variance) beside a one-at-a-time tornado of swings [score unit]."""
    with _styled(list(names) + list(t_names) + [title, unit]):
        plt = _plt()
        k = max(len(names), len(t_names))
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(13, 1.6 + 0.38 * k))
        y = list(range(len(names)))[::-1]
        a1.barh([v + 0.2 for v in y], total, height=0.4, color="#7aa6c2", label="total (ST)")
        a1.barh([v - 0.2 for v in y], first, height=0.4, color="#1f3b57", label="first order (S1)")
        a1.set_yticks(y)
        a1.set_yticklabels(names, fontsize=8)
        a1.set_xlabel("share of the variance")
        a1.set_title("Sobol indices", fontsize=9)
        a1.legend(fontsize=8, loc="lower right")
        y2 = list(range(len(t_names)))[::-1]
        a2.barh(y2, low, color="#2e86c1", label="at the low end of its range (or 5th percentile)")
        a2.barh(y2, high, color="#c0392b", label="at the high end of its range (or 95th percentile)")
        a2.axvline(0, color="black", linewidth=0.8)
        a2.set_yticks(y2)
        a2.set_yticklabels(t_names, fontsize=8)
        a2.set_xlabel(f"change of the footprint [{unit}]")
        a2.set_title("one at a time (the others at their values)", fontsize=9)
        a2.legend(fontsize=8, loc="lower right")
        fig.suptitle(title, fontsize=10)
        fig.tight_layout()
        return _save(fig, path)
