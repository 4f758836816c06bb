"""Comparison chart: stacked bars by stage, one colour per stage name everywhere, stages in process order.

Reads a :class:`lca.compare.Comparison` by its attributes. A stage's colour is fixed by its
name (:func:`stage_colour`: each model's stages in process order take the palette in that order,
other names a colour from a hash of the name), so one stage has one colour on every chart.
``lang="zh"`` writes stage names, axis and legend in Chinese (:data:`ZH`; names not listed stay
as they are).
"""
from __future__ import annotations

import textwrap
import zlib
from pathlib import Path

from ..files import atomic_write
from . import fonts

# stage names and chart words in Chinese
ZH = {
    "raw materials": "原材料", "cathode": "正极", "anode": "负极", "cell manufacturing": "电芯制造",
    "pack assembly": "电池包组装", "metallurgical silicon": "工业硅", "polysilicon": "多晶硅", "ingot": "硅锭",
    "wafer": "硅片", "cell": "电池片", "module": "组件", "glider": "车身底盘", "electric motor": "电机",
    "power electronics": "电力电子", "powertrain (engine or reducer, gearbox, drivetrain)": "动力总成",
    "battery": "动力电池", "assembly": "整车装配", "Traction battery pack": "动力电池包", "PV module": "光伏组件",
    "Passenger car": "乘用车", "cradle to gate": "从摇篮到大门", "per kWh": "每千瓦时", "per kWp": "每千瓦峰值",
    "per vehicle": "每辆车", "stage": "阶段", "Monte Carlo 5th-95th percentile": "蒙特卡洛 5%-95% 分位",
    "Monte Carlo median": "蒙特卡洛中位数", "static value": "静态值", "per pack": "每个电池包",
}

# a qualitative palette of 20 distinguishable colours (matplotlib's tab20, dark shades first)
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7",
           "#dbdb8d", "#9edae5"]


def zh(text: str, lang: str) -> str:
    """``text`` in Chinese where :data:`ZH` lists it and ``lang == "zh"``, else as it is."""
    return ZH.get(text, text) if lang == "zh" else text


def stage_colour(name: str, groups) -> str:
    """The fixed colour of stage ``name``: its place among its model's stages in process order (``groups``:
    one tuple of stage names per model), else a colour from a hash of the name."""
    for order in groups:
        if name in order:
            return PALETTE[list(order).index(name) % len(PALETTE)]
    return PALETTE[10 + zlib.crc32(name.encode()) % 10]


def stacked(cmp, path: Path, groups, lang: str = "en") -> Path:
    """Stacked bars by stage of ``cmp`` (stages in ``cmp.stages`` order, colours by :func:`stage_colour` of
    ``groups``), title with product and functional unit."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    stages = [s[7:] for s in cmp.stages]
    names = [zh(s, lang) for s in stages]
    title = cmp.title(lang) if lang != "en" else cmp.title()
    texts = list(cmp.labels) + names + [title]
    style = {"font.family": "sans-serif", "font.sans-serif": fonts.font_for(texts), "axes.unicode_minus": False}
    with plt.rc_context(style):
        fig, ax = plt.subplots(figsize=(max(6.0, 1.6 * len(cmp.labels) + 3.5), 5))
        x = list(range(len(cmp.labels)))
        pos = [0.0] * len(x)
        neg = [0.0] * len(x)
        if stages:
            for s, label in zip(stages, names):
                vals = list(cmp.frame["stage: " + s])
                bottoms = [pos[i] if v >= 0 else neg[i] for i, v in enumerate(vals)]
                ax.bar(x, vals, bottom=bottoms, label=label, color=stage_colour(s, groups))
                for i, v in enumerate(vals):
                    if v >= 0:
                        pos[i] += v
                    else:
                        neg[i] += v
            handles, labels = ax.get_legend_handles_labels()  # process order from the top, as stacked
            ax.legend(handles[::-1], labels[::-1], fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0),
                      title=zh("stage", lang), title_fontsize=8)
        else:
            ax.bar(x, list(cmp.frame["total"]), color=PALETTE[0])
        ax.set_xticks(x)
        ax.set_xticklabels([textwrap.fill(lbl.replace(", ", ",\n"), 28) if len(lbl) > 28 else lbl
                            for lbl in cmp.labels], fontsize=8)
        bases = list(dict.fromkeys(cmp.frame["basis"]))
        ax.set_ylabel(f"{cmp.score_unit} {zh(bases[0], lang)}" if len(bases) == 1 else cmp.score_unit)
        ax.set_title(title, fontsize=9)
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
        plt.close(fig)
    return path
