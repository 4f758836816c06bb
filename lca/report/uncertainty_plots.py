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


def intervals(labels, static, p5, p50, p95, score_unit: str, title: str, path: Path) -> Path:
    """Static value and the 5-95 % interval with the median, one row per target (comparisons)."""
    with _styled(list(labels) + [title]):
        plt = _plt()
        fig, ax = plt.subplots(figsize=(8, 1.0 + 0.6 * len(labels)))
        y = list(range(len(labels)))[::-1]
        for yi, lo, mid, hi, st in zip(y, p5, p50, p95, static):
            ax.plot([lo, hi], [yi, yi], color="#1f3b57", linewidth=3)
            ax.plot([mid], [yi], "o", color="#1f3b57")
            ax.plot([st], [yi], "D", color="#c0392b", markersize=5)
        ax.set_yticks(y)
        ax.set_yticklabels(labels, fontsize=8)
        ax.set_xlabel(f"{score_unit} (bar: 5th-95th percentile, dot: median, diamond: static)")
        ax.set_title(title, fontsize=9)
        fig.tight_layout()
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
