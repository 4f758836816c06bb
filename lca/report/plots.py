"""Hotspot chart of a carbon profile (PNG, matplotlib's Agg backend, no display needed)."""
from __future__ import annotations

import warnings
import zlib
from pathlib import Path

from ..files import atomic_write

PANELS = ("stage", "supplier", "material", "tier")
TOP = 10


def hotspots(profile, path: Path) -> Path:
    """Four bar panels (by stage, supplier, material, tier; top 10 each) of ``profile`` into ``path``."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    path = Path(path)
    cjk = _cjk_font()
    plt.rcParams["font.sans-serif"] = ([cjk] if cjk else []) + ["DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    fig, axes = plt.subplots(2, 2, figsize=(13, 8.5))
    unit = profile.score_unit
    for ax, dim in zip(axes.ravel(), PANELS):
        df = profile.by(dim).head(TOP)
        labels = [_label(str(x), dim, profile, cjk)[:40] for x in df[dim]][::-1]
        ax.barh(labels, df["score"].values[::-1], color="#2a9d8f")
        ax.set_title(f"by {dim}")
        ax.set_xlabel(unit)
        ax.tick_params(axis="y", labelsize=8)
    fig.suptitle(f"{profile.name} [{profile.product}]: {profile.total:,.4g} {unit} per "
                 f"{profile.declared_amount:g} {profile.declared_unit} (market-based "
                 f"{profile.total_market_based:,.4g})", fontsize=11)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # CJK glyphs missing when no CJK font is installed
            fig.tight_layout()
            atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    finally:
        plt.close(fig)
    return path


CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "AR PL UMing CN")


def _cjk_font() -> str | None:
    """The first installed font that has Chinese glyphs, or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def _label(text: str, dim: str, profile, cjk: str | None) -> str:
    """``text``, or where it has characters no installed font can draw, an ASCII stand-in.

    Suppliers fall back to their company id; other labels keep their ASCII part. The
    Excel report and JSON always carry the full names. Install a CJK font (e.g. Debian's
    fonts-noto-cjk) to draw Chinese labels.
    """
    if cjk or text.isascii():
        return text
    if dim == "supplier":
        for entry in getattr(profile, "suppliers", []):
            if entry.get("company") == text:
                return str(entry["product"]).split("/", 1)[0]
    ascii_part = "".join(ch for ch in text if ch.isascii()).strip(" -_()")
    return ascii_part or f"(label {zlib.crc32(text.encode()) % 1000:03d}: see the Excel report)"
