"""Declaration messages in Chinese: the refusals and warnings of ``lca declare`` for ``--lang zh``.

The declaration's refusals (:class:`lca.InputError`) and warnings are written in English where they are
raised, naming the place and the fix. :func:`zh` gives the Chinese title and fix of a known message
followed by the English original as its detail (``详情``), the layout of :func:`lca.issue_codes.message`;
a message it does not know is returned unchanged, never half-translated.
"""
from __future__ import annotations

import re

# (pattern of the English message, Chinese title and fix with the pattern's groups as {0}, {1}...)
_ZH: list[tuple[re.Pattern, str]] = [(re.compile(p, re.S), t) for p, t in [
    (r"^\w+ \((--[\w-]+)\) is missing",
     "缺少寿命参数 {0}：请在命令中给出 {0}（全生命周期总能量 = 可用容量 × 年等效全循环次数 × 使用年限）"),
    (r"^\w+ \((--[\w-]+)\) or \w+ \((--[\w-]+)\) is missing",
     "缺少 {0} 或 {1}：请给出年等效全循环次数，或给出车辆类别（由规则集给出其次数）"),
    (r"^\w+ \((--[\w-]+)\) = (.+?) is not a number",
     "参数 {0} = {1} 不是数字：请给出一个正的有限数"),
    (r"^\w+ \((--[\w-]+)\) = (\S+) is impossible",
     "参数 {0} = {1} 不可能：请给出一个正的有限数"),
    (r"^give either \w+ \((--[\w-]+)\) or \w+ \((--[\w-]+)\), not both",
     "请只给出 {0} 或 {1} 之一，不要同时给出"),
    (r"^\w+ \((--[\w-]+)\) '(.*?)' is unknown to rule set (\S+): use one of (.+)$",
     "{0} '{1}' 不在规则集 {2} 中：请使用 {3} 之一"),
    (r"^unknown rule set '(.*?)': known rule sets are (.+?) \(",
     "未知规则集 '{0}'：已知规则集为 {1}（inventories/rules/），或给出自定义规则文件 FILE.toml 的路径"),
    (r"^rule file '(.*?)' does not exist",
     "规则文件 '{0}' 不存在：请检查路径，或使用已知规则集之一"),
    (r"^rule file (.+?): ",
     "规则文件 {0} 有误：请按 docs/declarations.md（规则文件一节）修正所指的键"),
    (r"^model '(.*?)' is not a battery",
     "模型 '{0}' 不是动力电池：碳足迹声明只适用于动力电池（battery_pack 模型，或已导入的电池包 COMPANY/PRODUCT）"),
    (r"^(\S+) (.+?): electricity sourcing '(.*?)' has no rule in (\S+); rules exist for (.+)$",
     "{0} {1}：电力来源 '{2}' 在规则集 {3} 中没有规则：请改为 {4} 之一，或在自定义规则文件中补充"),
    (r"^kinds: '(.*?)' is not in the supply chain of (\S+)",
     "--kind：'{0}' 不在 {1} 的供应链中：请检查 COMPANY_ID/PRODUCT_ID"),
    (r"^kinds: (.+?)='(.*?)' is not a process kind; kinds: (.+)$",
     "--kind：{0}='{1}' 不是过程类型：可用类型为 {2}"),
    (r"^seed=(.*?): give a non-negative integer",
     "随机种子 {0} 无效：请给出非负整数"),
    (r"^(\S+) \((.*?)\) is declared per (\S+), so it is not a battery",
     "{0}（{1}）按 {2} 申报，不是动力电池：碳足迹声明只适用于按件（一个电池包）或按 kWh 容量申报的动力电池包"),
    (r"^(\S+): the pack's mass \(Products sheet, mass_kg\) is needed",
     "{0}：缺少电池包质量（产品表 mass_kg 列），寿命终止阶段需要它：请填写后重新导入工作簿"),
    (r"^rule set (\S+) requires company-specific \(primary\) data for (.+?) \(.*?\)(?:: no (\w+) process found)?",
     "规则集 {0} 要求以下过程使用企业特定（初级）数据：{1}。请向相应供应商索取其填报工作簿（含自身能耗与排放）"
     "并导入，或用 --kind COMPANY/PRODUCT=KIND 指明过程类型；也可加 --draft，结果将标记为“不可申报”"),
    (r"^uncertainty=(-?\d+): give a number of samples between 1 and (\d+)",
     "蒙特卡洛样本数 {0} 无效：请给出 1 到 {1} 之间的整数"),
    (r"^--kind '(.*?)': write COMPANY_ID/PRODUCT_ID=KIND",
     "--kind '{0}' 格式错误：请写成 COMPANY_ID/PRODUCT_ID=KIND，例如 --kind CAM1/p1=active_material"),
    (r"^(\S+): the verifier's package is an \.xlsx file",
     "{0}：核查包必须是 .xlsx 文件"),
    (r"^(\S+) is not declarable under (\S+) \(draft: .*?a battery passport carries declared values only",
     "{0} 在规则集 {1} 下不可申报（--draft：缺少必需的企业特定数据）：电池护照只能写入可申报的数值；"
     "请取得供应商的初级数据后不加 --draft 重新声明，再写护照"),
    (r"^study URL '(.*?)': give the web link",
     "研究报告链接 '{0}' 无效：请给出碳足迹研究公开版本的网址（https://...）（第7条第1款（g）项）"),
    # warnings
    (r"^passport: carbonFootprintStudy is a urn: placeholder",
     "电池护照：carbonFootprintStudy 目前是指向本声明的 urn：占位符，而非第7条第1款（g）项要求的网址；"
     "发布前请用 --study-url https://... 给出公开研究报告的链接"),
    (r"^(\w+) not given: (\S+) years from rule set (\S+)",
     "未给出使用年限：采用规则集 {2} 的默认值 {1} 年（规则集中的假设）"),
    (r"^(\S+) is declared per kWh: one battery taken as its declared amount \((\S+) kWh\)",
     "{0} 按 kWh 申报：一个电池取其申报量（{1} kWh）；如不同，请给出 --capacity-kwh"),
    (r"^no national grid dataset for (.+?): the world average grid",
     "没有 {0} 的全国电网数据集：改用世界平均电网（electricity-glo），请核对生产地区"),
    (r"^rule set (\S+) has no residual mix for (\S+): the national average mix \((\S+)\)",
     "规则集 {0} 没有 {1} 的残余电力结构：电网电力改用全国平均消费电力结构（{2}）"),
    (r"^capacity_kwh is ignored",
     "已忽略 --capacity-kwh：该电池包按件（一个电池包）申报"),
    (r"^rule set (\S+) accepts (\w+) only when the instrument meets its quality criteria",
     "规则集 {0} 仅在 {1} 的凭证满足质量要求时才采用其排放因子：green-lca 假定已满足，须由核查方核对合同与证书"),
    (r"^NOT DECLARABLE: rule set (\S+) requires company-specific \(primary\) data for (.+?) \(",
     "不可申报：规则集 {0} 要求 {1} 使用企业特定（初级）数据，而此处只有次级数据（--draft）"),
    (r"^cycle_life (\S+) < cycles_per_year x service_years = (\S+):",
     "循环寿命 {0} 小于 年等效全循环次数 × 使用年限 = {1}：全生命周期总能量按 {0} 次全循环计算"),
    (r"^(\S+) reports no outbound transport",
     "{0} 未填报出厂运输（运输表，方向 outbound）：分销阶段为 0"),
    (r"^data quality rating (\S+) \(contribution-weighted\) is above (\S+)",
     "数据质量评级 {0}（按贡献加权）高于规则集上限 {1}：请改进主要贡献数据的质量"),
    (r"^(\S+) (.+?): the declared PCF of '(.*?)' \((\w+)\) counts whole in (\w+)",
     "{0} {1}：'{2}'（{3}）的自报碳足迹整体计入 {4} 阶段，其上游材料无法拆分：请向供应商索取其填报工作簿"),
]]


def zh(message: str) -> str:
    """The Chinese title and fix of a declaration message, then ``详情：`` and the English original."""
    for pattern, text in _ZH:
        m = pattern.search(message)
        if m:
            return f"{text.format(*(g or '' for g in m.groups()))}\n详情：{message}"
    return message
