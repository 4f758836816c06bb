"""CJK fonts for charts: the Noto Sans CJK SC that the install brings (mplfonts), else a system CJK font.

matplotlib's default DejaVu Sans has no Chinese glyphs; a Chinese label would be
drawn as empty boxes. :func:`cjk_font` registers the Noto Sans CJK SC face that
the ``mplfonts`` dependency ships (SIL Open Font License; only its font file is
used -- matplotlib's own configuration is never changed) and returns its family
name; where that package is missing it looks for a CJK family installed on the
system (Noto Sans CJK, Source Han Sans, WenQuanYi, ...).
"""
from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from ..errors import LcaError

BUNDLED = ("NotoSansCJKsc-Regular.otf",)  # in mplfonts/fonts/
SYSTEM_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
                   "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback", "SimHei",
                   "Microsoft YaHei", "PingFang SC", "Heiti SC", "AR PL UMing CN")


def bundled_font_files() -> list[Path]:
    """The CJK font files of the ``mplfonts`` package, where it is installed."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        return []
    root = Path(next(iter(spec.submodule_search_locations))) / "fonts"
    return [root / name for name in BUNDLED if (root / name).is_file()]


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of a font with Chinese glyphs, registered with matplotlib; None if there is none."""
    from matplotlib import font_manager

    for path in bundled_font_files():
        font_manager.fontManager.addfont(str(path))
        return font_manager.FontProperties(fname=str(path)).get_name()
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in SYSTEM_FAMILIES if name in installed), None)


def needs_cjk(texts) -> bool:
    """True when any text has a character outside Latin-1 (Chinese names, full-width punctuation)."""
    return any(ord(ch) > 0xFF for text in texts for ch in str(text))


def font_for(texts) -> list[str]:
    """The ``font.sans-serif`` list to draw ``texts`` with: a CJK family first where one is needed.

    Raises :class:`LcaError` when the texts need CJK glyphs and no CJK font exists (rather than
    drawing empty boxes or stand-in labels).
    """
    cjk = cjk_font()
    if cjk is None and needs_cjk(texts):
        raise LcaError("the chart has Chinese labels but no CJK font was found: reinstall green-lca "
                       "(its dependency mplfonts ships Noto Sans CJK SC) or install a CJK font such as "
                       "Debian's fonts-noto-cjk")
    return ([cjk] if cjk else []) + ["DejaVu Sans"]


def missing_glyphs(family: str, text: str) -> str:
    """The characters of ``text`` that the font matplotlib finds for ``family`` cannot draw."""
    from matplotlib import font_manager, ft2font

    path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    face = ft2font.FT2Font(path)
    return "".join(ch for ch in text if not ch.isspace() and face.get_char_index(ord(ch)) == 0)
