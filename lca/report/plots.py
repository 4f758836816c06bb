"""Hotspot chart of a carbon profile (PNG, matplotlib's Agg backend, no display needed).

Labels are drawn as they are, Chinese included, with the CJK font of
:func:`lca.report.fonts.cjk_font` (Noto Sans CJK SC from the mplfonts dependency,
else a system CJK font); never with stand-in labels.
"""
from __future__ import annotations

from pathlib import Path

from ..files import atomic_write
from . import fonts

PANELS = ("stage", "supplier", "material", "tier")
TOP = 10


def hotspots(profile, path: Path) -> Path:
    """Four bar panels (by stage, supplier, material, tier; top 10 each) of ``profile`` into ``path``."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    path = Path(path)
    frames = {dim: profile.by(dim).head(TOP) for dim in PANELS}
    texts = [profile.name, profile.product] + [str(x) for dim, df in frames.items() for x in df[dim]]
    style = {"font.family": "sans-serif", "font.sans-serif": fonts.font_for(texts), "axes.unicode_minus": False}
    with plt.rc_context(style):
        fig = _draw(plt, profile, frames)
        try:
            fig.tight_layout()
            atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
        finally:
            plt.close(fig)
    return path


def _draw(plt, profile, frames: dict):
    fig, axes = plt.subplots(2, 2, figsize=(13, 8.5))
    unit = profile.score_unit
    for ax, dim in zip(axes.ravel(), PANELS):
        df = frames[dim]
        labels = [str(x)[:40] for x in df[dim]][::-1]
        ax.barh(labels, df["score"].values[::-1], color="#2a9d8f")
        ax.set_title(f"by {dim}")
        ax.set_xlabel(unit)
        ax.tick_params(axis="y", labelsize=8)
    fig.suptitle(f"{profile.name} [{profile.product}]: {profile.total:,.4g} {unit} per "
                 f"{profile.declared_amount:g} {profile.declared_unit} (market-based "
                 f"{profile.total_market_based:,.4g})", fontsize=11)
    return fig
