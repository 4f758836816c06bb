"""Hotspot chart of a carbon profile (PNG, matplotlib's Agg backend, no display needed).

Labels are drawn as they are, Chinese included, with the CJK font of
:func:`lca.report.fonts.cjk_font` (Noto Sans CJK SC from the mplfonts dependency,
else a system CJK font); never with stand-in labels. ``lang="zh"`` writes the titles,
the axis and the panel names in Chinese (the suppliers' own names are drawn as they are).
"""
from __future__ import annotations

from pathlib import Path

from ..files import atomic_write
from . import fonts

PANELS = ("stage", "supplier", "material", "tier")
TOP = 10
PANEL_ZH = {"stage": "按阶段", "supplier": "按供应商", "material": "按材料", "tier": "按层级"}
# the profile's own stage and line names (lca.supply.rollup, lca.supply.linkers); suppliers' and datasets'
# names stay as they are
LABEL_ZH = {"raw materials": "原材料", "purchased components": "外购组件", "own energy": "自身能源",
            "own direct emissions": "自身直接排放", "transport": "运输", "electricity": "电力",
            "direct emissions": "直接排放", "natural gas": "天然气", "coal": "煤", "diesel": "柴油",
            "gasoline": "汽油", "lpg": "液化石油气", "steam": "蒸汽", "heat": "热力", "hydrogen": "氢气"}
MODE_ZH = {"truck": "公路", "rail": "铁路", "ship sea": "海运", "ship inland": "内河", "air": "航空"}


def label_zh(text: str) -> str:
    """A profile's own label in Chinese (``transport (rail)`` -> ``运输（铁路）``); other text as it is."""
    for head, zh in (("transport (", "运输"), ("distribution (", "分销运输")):
        if text.startswith(head) and text.endswith(")"):
            mode = text[len(head):-1]
            return f"{zh}（{MODE_ZH.get(mode, mode)}）"
    return LABEL_ZH.get(text, text)


def hotspots(profile, path: Path, lang: str = "en") -> Path:
    """Four bar panels (by stage, supplier, material, tier; top 10 each) of ``profile`` into ``path``; ``lang``
    ``en`` or ``zh`` for the chart's own words."""
    if lang not in ("en", "zh"):
        from ..errors import InputError

        raise InputError(f"lang={lang!r}: use en or zh")
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    path = Path(path)
    frames = {dim: profile.by(dim).head(TOP) for dim in PANELS}
    texts = [profile.name, profile.product] + [str(x) for dim, df in frames.items() for x in df[dim]]
    if lang == "zh":
        texts += list(PANEL_ZH.values()) + list(LABEL_ZH.values()) + list(MODE_ZH.values())
    style = {"font.family": "sans-serif", "font.sans-serif": fonts.font_for(texts), "axes.unicode_minus": False}
    with plt.rc_context(style):
        fig = _draw(plt, profile, frames, lang)
        try:
            fig.tight_layout()
            atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
        finally:
            plt.close(fig)
    return path


def _draw(plt, profile, frames: dict, lang: str = "en"):
    fig, axes = plt.subplots(2, 2, figsize=(13, 8.5))
    unit = profile.score_unit
    for ax, dim in zip(axes.ravel(), PANELS):
        df = frames[dim]
        labels = [(label_zh(str(x)) if lang == "zh" else str(x))[:40] for x in df[dim]][::-1]
        ax.barh(labels, df["score"].values[::-1], color="#2a9d8f")
        ax.set_title(PANEL_ZH[dim] if lang == "zh" else f"by {dim}")
        ax.set_xlabel(unit)
        ax.tick_params(axis="y", labelsize=8)
    if lang == "zh":
        title = (f"{profile.name} [{profile.product}]：每 {profile.declared_amount:g} {profile.declared_unit} "
                 f"{profile.total:,.4g} {unit}（基于位置；基于市场 {profile.total_market_based:,.4g}）")
    else:
        title = (f"{profile.name} [{profile.product}]: {profile.total:,.4g} {unit} per "
                 f"{profile.declared_amount:g} {profile.declared_unit} (market-based "
                 f"{profile.total_market_based:,.4g})")
    fig.suptitle(title, fontsize=11)
    return fig
