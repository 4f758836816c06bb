"""Hotspot chart of a carbon profile (PNG, matplotlib's Agg backend, no display needed)."""
from __future__ import annotations

import os
import warnings
from pathlib import Path

PANELS = ("stage", "supplier", "material", "tier")
TOP = 10


def hotspots(profile, path: Path) -> Path:
    """Four bar panels (by stage, supplier, material, tier; top 10 each) of ``profile`` into ``path``."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    path = Path(path)
    plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "WenQuanYi Zen Hei", "SimHei", "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    fig, axes = plt.subplots(2, 2, figsize=(13, 8.5))
    unit = profile.score_unit
    for ax, dim in zip(axes.ravel(), PANELS):
        df = profile.by(dim).head(TOP)
        labels = [str(x)[:40] for x in df[dim]][::-1]
        ax.barh(labels, df["score"].values[::-1], color="#2a9d8f")
        ax.set_title(f"by {dim}")
        ax.set_xlabel(unit)
        ax.tick_params(axis="y", labelsize=8)
    fig.suptitle(f"{profile.name} [{profile.product}]: {profile.total:,.4g} {unit} per "
                 f"{profile.declared_amount:g} {profile.declared_unit} (market-based "
                 f"{profile.total_market_based:,.4g})", fontsize=11)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # CJK glyphs missing when no CJK font is installed
        fig.tight_layout()
        fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)
    return path
