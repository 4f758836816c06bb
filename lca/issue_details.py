"""Issue details in Chinese: the detail of an import issue, written in English where it is raised, said in Chinese.

The validator and the importer word each issue's detail in English where they raise it (naming the cell,
the value and the fix); a Chinese workbook's reader needs the whole message in Chinese
(:func:`lca.issue_codes.message` adds the code's Chinese title and fix). :func:`zh` gives the detail in
Chinese, keeping the values, cell references, column keys and material names as they are. It is a
catalogue of the English details (one pattern per wording, the wording's values as groups), the way
gettext keys translations by the English text; ``tests/test_issue_details.py`` drives a Chinese workbook
through each code and fails when a detail stays English (a new or reworded English detail needs its line
here). A detail it does not know, or one already in Chinese, is returned unchanged, never half-translated.
"""
from __future__ import annotations

import re
from typing import Callable

__all__ = ["zh", "english_run", "line_zh"]

# A cell reference and column key, or a row and key, before the detail (lca.supply.fields.Row.error).
_PLACE = re.compile(r"^(?:([A-Z]{1,3}\d+(?: \([a-z0-9_]+\))?): |row (\d+), ([a-z0-9_]+): )")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|“[^”]*”|`[^`]*`")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_RUN = re.compile(r"\b[A-Za-z]{2,}(?:[ ,;:-]+[A-Za-z]{2,}){2,}\b")


def english_run(text: str) -> str | None:
    """The first run of three or more English words outside quoted values in ``text``, or None."""
    m = _RUN.search(_QUOTED.sub(" ", text))
    return m.group(0) if m else None


def _none(s: str) -> str:
    return "无" if s == "none" else _list(s)


def _list(s: str | None) -> str:
    """A list of values as Chinese writes it: ``a、b、c``."""
    return (s or "").replace(", ", "、")


_EF_EMPTY = {"kg CO2e/kWh": "kg CO2e/kWh", "kg CO2e per the row unit": "每该行单位的 kg CO2e"}

# (code or None for any code, pattern of the English detail, the Chinese detail: {0}, {1}... are the groups)
_ZH: list[tuple[str | None, re.Pattern, str | Callable[[re.Match], str]]] = [
    (c, re.compile(p, re.S), t) for c, p, t in [
        # ---- cell values (lca/supply/cells.py, fields.py)
        ("not_a_number", r"^(.+) is a true/false cell, not a number: enter the number$",
         "{0} 是真/假值单元格，不是数字：请填写数字"),
        ("not_a_number", r"^a date \((\S+)\) is not a number: format the cell as a number$",
         "日期（{0}）不是数字：请将单元格设为数字格式"),
        ("ambiguous_decimal", r"^(.+) contains a comma: write the number with a dot decimal",
         "{0} 含有逗号：请用小数点表示小数，不要使用千位分隔符（如 1.5、1234.5），或将单元格设为数值格式"),
        ("not_a_number", r"^(.+) is not a number \(write a share as a plain number.*\): enter a number such as 1\.5$",
         "{0} 不是数字（比例请按该列要求填写纯数字，如 0.3 或 30）：请填写数字，如 1.5"),
        ("not_a_number", r"^(.+) is not a number \(put the unit in the unit column.*\): enter a number such as 1\.5$",
         "{0} 不是数字（单位请填在单位列，不要写在数字后面）：请填写数字，如 1.5"),
        ("not_a_number", r"^(.+) is not a number: enter a number such as 1\.5$", "{0} 不是数字：请填写数字，如 1.5"),
        ("not_a_number", r"^(.+) is not a number$", "{0} 不是数字"),
        ("not_finite", r"^(.+) is not a finite number: enter a finite amount$", "{0} 不是有限数值：请填写有限的数量"),
        ("out_of_range", r"^(\S+) is beyond float32 range \((.+?)\): check the magnitude and unit$",
         "{0} 超出 float32 范围（{1}）：请检查数量级和单位"),
        ("not_a_date", r"^(.+) is not a date: use a date cell or ISO text like 2025-01-31$",
         "{0} 不是日期：请使用日期单元格或 2025-01-31 格式的文本"),
        ("out_of_range", r"^(\S+) is implausible \(years (\S+)\): check the year$", "{0} 不合理（年份应在 {1} 之间）：请检查年份"),
        ("unknown_unit", r"^unit (.+) is not allowed here: use one of (.+)$", "此处不允许单位 {0}：请使用 {1} 之一"),
        (None, r"^(.+) is not allowed: use one of (.+)$", "不允许 {0}：请使用 {1} 之一"),
        ("unknown_country", r"^(.+) is not an ISO 3166-1 alpha-2 country code \(e\.g\. CN, DE\)$",
         "{0} 不是 ISO 3166-1 两位国家代码（如 CN、DE）"),
        ("unknown_region", r"^(.+) is not CN, a grid region \((.+?)\), a province CN-XX \(e\.g\. CN-GD\), an ISO "
         r"country code, EU or GLO$", "{0} 不是 CN、区域电网（{1}）、省份 CN-XX（如 CN-GD）、ISO 国家代码、EU 或 GLO"),
        ("unknown_gas", r"^(.+) is not a known gas: use one of (.+)$", "{0} 不是已知气体：请使用 {1} 之一"),
        ("bad_ef_unit", r"^(.+) is not an emission-factor unit: write mass of CO2e per unit, e\.g\. (.+)$",
         "{0} 不是排放因子单位：请写成每单位的 CO2e 质量，如 {1}"),
        ("unknown_unit", r"^(.+) is not a known unit: use one of (.+)$", "{0} 不是已知单位：请使用 {1} 之一"),
        ("bad_id", r"^(.+) is not a valid id: use .*$", "{0} 不是有效编号：只能用字母、数字、“.”“_”“-”，最多 64 个字符"),
        ("external_link", r"^the formula (=.*) takes its value from another workbook: paste the value instead$",
         "公式 {0} 的值取自其他工作簿：请改为粘贴数值"),
        ("formula_no_cache", r"^the formula (=.*) has no saved value: open and save the file in Excel first$",
         "公式 {0} 没有已保存的结果：请先在 Excel 或 WPS 中打开并保存文件"),
        ("error_cell", r"^the cell holds the Excel error (.+): fix the formula or enter the value$",
         "单元格为 Excel 错误值 {0}：请修正公式或直接填写数值"),
        ("formula_value", r"^formula (=.*?): its saved value (.+) is used; check it, or paste values$",
         "公式 {0}：使用其已保存的结果 {1}；请核对，或粘贴为数值"),
        ("ambiguous_na", r"^'NA' is read as Namibia; if you meant 'not available', leave the cell empty$",
         "“NA”被识别为纳米比亚（Namibia）；如表示“不适用”，请留空"),
        ("unsupported_template_version", r"^template_version (.+) is not supported: this program reads version "
         r"(\S+); fill in a new template", "不支持模板版本 {0}：本程序读取版本 {1}；请使用新模板填写（命令“lca template OUT.xlsx”）"),
        ("bad_id", r"^line_id is longer than 64 characters$", "行号（line_id）超过 64 个字符"),
        ("bad_email", r"^(.+) does not look like an e-mail address$", "{0} 不像有效的邮箱地址"),
        ("text_too_long", r"^text of (\d+) characters: keep it under 1000$", "文本有 {0} 个字符：请控制在 1000 个字符以内"),
        # ---- rows and records (lca/supply/rules.py)
        ("duplicate_id", r"^line_id (.+) of product (.+) is already used in row (\d+)$",
         "产品 {1} 的行号（line_id）{0} 已在第 {2} 行使用：请为每行使用不同的行号"),
        ("duplicate_id", r"^(\w+) (.+) is already used in row (\d+): give each row its own id$",
         "{0} {1} 已在第 {2} 行使用：请为每行使用不同的编号"),
        ("missing_value", r"^mass_kg \(.+?\) is required when declared_unit is (\S+): enter the mass per declared amount$",
         "声明单位（declared_unit）为 {0} 时，质量（kg）（mass_kg）为必填项：请填写每声明数量的质量"),
        ("mass_inconsistent", r"^mass_kg (\S+) does not match the declared (\S+) (\S+) \((\S+) kg; more than (\S+) "
         r"apart\): correct mass_kg or leave it empty$",
         "质量（kg）（mass_kg）{0} 与声明的 {1} {2}（即 {3} kg）相差超过 {4}：请修正质量（kg）或留空"),
        ("unknown_product", r"^product_id (.+) is not in the Products sheet \(known: (.*)\): add it there or fix the id$",
         lambda m: f"产品编号（product_id）{m[1]} 不在产品表中（已有：{_none(m[2])}）：请在产品表中添加，或修正编号"),
        ("missing_value", r"^a supplier_product line needs reference COMPANY_ID/PRODUCT_ID$",
         "来源为 supplier_product 的行须填写引用（reference）：企业编号/产品编号（COMPANY_ID/PRODUCT_ID）"),
        ("bad_reference", r"^(.+) is not COMPANY_ID/PRODUCT_ID \(e\.g\. (\S+)\)$",
         "{0} 不是“企业编号/产品编号”（COMPANY_ID/PRODUCT_ID）格式（如 {1}）"),
        ("unknown_product", r"^(.+) names your own company but product (.+) is not in Products$",
         "{0} 指向本企业，但产品 {1} 不在产品表中"),
        ("self_reference", r"^product (.+) lists itself \((.+?)\) as its own material (.+?): a product cannot be",
         "产品 {0} 把自身（{1}）列为物料 {2}：产品不能是自身的输入（否则其碳足迹将被放大 1/(1 - 数量)倍）；"
         "请引用真正的输入（其他产品或数据集），或删除该行"),
        ("self_reference", r"^(\S+) lists itself \((.+?)\) as a material: a product cannot be",
         "{0} 把自身（{1}）列为物料：产品不能是自身的输入；请删除该行，或引用产品真正的输入"),
        ("missing_value", r"^a supplier_pcf line needs reference = a pcf_id of SupplierPCFs$",
         "来源为 supplier_pcf 的行须填写引用（reference）：供应商碳足迹表中的编号（pcf_id）"),
        ("unknown_reference", r"^pcf_id (.+) is not in the SupplierPCFs sheet \(known: (.*)\)$",
         lambda m: f"碳足迹编号（pcf_id）{m[1]} 不在供应商碳足迹表中（已有：{_none(m[2])}）"),
        ("bad_reference", r"^(.+) is not a dataset reference database:code$", "{0} 不是数据集引用（格式为 database:code）"),
        ("unknown_material", r"^(.+?) is not a known material or dataset\.(.*?)(?: Closest known names: (.+?)\.)? Use a "
         r"name from inventories/aliases\.csv or a dataset database:code$",
         lambda m: f"{m[1]} 不是已知的物料或数据集。{_reason(m[2].strip().rstrip('.'))}"
                   f"{f'最接近的名称：{_quoted(m[3])}。' if m[3] else ''}请使用 inventories/aliases.csv 中的名称或数据集 database:code"),
        ("unknown_material", r"^material (.+?) is not a background dataset(?: \((.*)\))?; closest: (.*); use a name from "
         r"inventories/aliases\.csv$",
         lambda m: f"物料 {m[1]} 不是背景数据集{'（' + _reason(m[2]).rstrip('。') + '）' if m[2] else ''}；"
                   f"最接近的名称：{_quoted(m[3].strip('[]'))}；请使用 inventories/aliases.csv 中的名称"),
        ("unit_mismatch", r"^(\S+) cannot be converted: the dataset (\S+) is per (\S+); use one of (.+)$",
         "{0} 无法换算：数据集 {1} 以 {2} 计；请使用 {3} 之一"),
        ("unit_mismatch", r"^(\S+) cannot be converted: the PCF (\S+) is per (\S+); use one of (.+)$",
         "{0} 无法换算：碳足迹 {1} 以 {2} 计；请使用 {3} 之一"),
        ("unit_mismatch", r"^(\S+) cannot be converted to (\S+) of (\S+): (.+)$", "{0} 无法换算为 {2} 的单位 {1}（{3}）"),
        ("unit_mismatch", r"^(\S+) cannot be converted to the unit of (\S+): (.+)$", "{0} 无法换算为 {1} 的单位（{2}）"),
        ("unit_mismatch", r"^an emission factor per (\S+) does not fit (\S+): use kg CO2e per one of (.+)$",
         "以 {0} 计的排放因子不适用于 {1}：请按 {2} 之一填写 kg CO2e"),
        ("unknown_unit", r"^(\S+) is not a unit for (\S+): use one of (.+)$", "{0} 不是 {1} 的单位：请使用 {2} 之一"),
        ("ignored_value", r"^(\w+) applies to electricity only and is ignored for (\S+)$",
         "{0} 只适用于电力（electricity），对 {1} 将被忽略"),
        ("ignored_value", r"^supplier_ef_unit is given without supplier_ef_kgco2e_per_unit and is ignored$",
         "填写了排放因子单位（supplier_ef_unit）但没有排放因子（supplier_ef_kgco2e_per_unit），将被忽略"),
        ("implausible_factor", r"^(\S+) (.+?) is (\S+) kg CO2e/(\S+), outside the plausible range (\S+) kg CO2e/\S+ for "
         r"(\S+) \((.+)\): check the value and its unit \(supplier_ef_unit; empty means (.+)\)$",
         lambda m: f"{m[1]} {m[2]} 即 {m[3]} kg CO2e/{m[4]}，超出 {m[6]} 的合理范围 {m[5]} kg CO2e/{m[4]}"
                   f"（来源：“{m[7]}”）：请检查数值及其单位（排放因子单位 supplier_ef_unit；留空表示 "
                   f"{_EF_EMPTY.get(m[8], m[8])}）"),
        ("pcf_outdated", r"^the PCF's reference period ended (\S+), more than (\d+) years before this workbook's period "
         r"\((\S+)\)", "该碳足迹的参考期于 {0} 结束，比本工作簿的报告期（{2}）早 {1} 年以上：请向供应商索取更新的碳足迹（PACT 有效期）"),
        ("empty_product", r"^product (.+) has no Materials, Energy, Transport or Emissions row",
         "产品 {0} 没有任何物料、能源、运输或排放行：其碳足迹将为 0 kg CO2e；请填写其输入和排放（或删除该产品）"),
        ("missing_sheet", r"^the (\w+) \((.+?)\) sheet is missing: use the template$", "缺少{1}（{0}）工作表：请使用模板"),
        ("blank_workbook", r"^the workbook is blank", "工作簿为空：请填写供应商表和至少一个产品"),
        ("missing_value", r"^the Supplier sheet is empty: fill in",
         "供应商表为空：请填写企业名称（company_name）、企业编号（company_id）、国家（country）和报告期"),
        ("no_products", r"^the Products sheet has no product", "产品表中没有产品：请在表头下方至少添加一行"),
        ("unused_pcf", r"^pcf_id (.+) is not referenced by any Materials line$", "碳足迹编号（pcf_id）{0} 未被任何物料行引用"),
        # ---- sheets, headers, layout (lca/supply/layout.py)
        ("hidden_header", r"^the header row 1 is hidden", "表头行（第 1 行）被隐藏，但它给出列名：请取消隐藏并检查表头"),
        ("hidden_row", r"^row (\d+) is hidden but is read as data", "第 {0} 行被隐藏，但会被当作数据读取：请取消隐藏并检查"),
        ("hidden_row", r"^(\d+) more hidden rows are read as data \(rows (.+?); (\d+) in all\)",
         "另有 {0} 个隐藏行会被当作数据读取（第 {1} 行；共 {2} 行）：请取消隐藏所有行（选中工作表，格式 > 取消隐藏行）并检查"),
        ("hidden_column", r"^columns (\S+) are hidden", "{0} 列被隐藏：请取消隐藏并检查"),
        ("merged_cells", r"^cells (\S+) are merged", "单元格 {0} 已合并：只有第一个单元格有值；请取消合并并逐格填写"),
        ("merged_cells", r"^header cells (\S+) are merged", "表头单元格 {0} 已合并：请取消合并"),
        ("unknown_column", r"^column (.+) is not part of the (\w+) sheet and is ignored \(columns: (.+)\)$",
         "列 {0} 不属于 {1} 工作表，将被忽略（可用的列：{2}）"),
        ("duplicate_header", r"^column (\w+) also appears in (\S+): keep one$", "列 {0} 也出现在 {1}：请只保留一列"),
        ("unnamed_column", r"^column (\S+) has data but no header", "{0} 列有数据但没有表头：将被忽略"),
        ("missing_column", r"^required column (\w+) \((.+?)\) is missing", "缺少必需的列{1}（{0}）：请在第 1 行添加"),
        ("example_row", r"^row (\d+) is the template's example row \((\w+) (.+?)\) but holds data of its own \((.+?)\)",
         "第 {0} 行是模板的示例行（{1} {2}），但填写了自己的数据（{3}）：示例行从不导入；请为该行填写自己的 {1}（或删除示例行）"),
        ("unknown_field", r"^row (\d+) has a value but no field name in column A", "第 {0} 行有值但 A 列没有字段名：将被忽略"),
        ("unknown_field", r"^field (.+) is not part of the Supplier sheet", "字段 {0} 不属于供应商表，将被忽略"),
        ("duplicate_field", r"^field (\w+) is also in row (\d+): keep one$", "字段 {0} 也在第 {1} 行：请只保留一行"),
        ("missing_value", r"^field (\w+) \((.+?)\) is missing: add a row with it in column A and its value in column (\w+)$",
         "缺少字段{1}（{0}）：请添加一行，A 列填字段名，{2} 列填值"),
        ("bad_period", r"^the reporting period ends \((\S+)\) before it starts \((\S+)\)",
         "报告期的结束日期（{0}）早于开始日期（{1}）：请检查两个日期"),
        ("unknown_sheet", r"^sheet (.+) is not part of the template and is ignored \(sheets: (.+)\)$",
         "工作表 {0} 不属于模板，将被忽略（模板的工作表：{1}）"),
        ("duplicate_sheet", r"^sheet (.+) and sheet (.+) are both the (\w+) sheet: keep one$",
         "工作表 {0} 和 {1} 都是 {2} 表：请只保留一个"),
        # ---- import and submissions (lca/supply/importer.py, lca/portal/workflow.py)
        ("nothing_to_import", r"^(.+) is a blank template", "{0} 是空白模板：请填写供应商表和至少一个产品，再重新导入"),
        ("duplicate_company", r"^company_id (.+) is also in (.+): import one workbook per company",
         "企业编号（company_id）{0} 也在 {1} 中：每个企业只导入一个工作簿（企业的工作簿会替换其以前的数据）"),
        ("unresolved_reference", r"^(\S+) is not imported yet: (\S+) gets no total until it is imported",
         "{0} 尚未导入：在导入之前 {1} 没有总量；请导入该供应商的工作簿（顺序不限），或修正引用"),
        ("product_removed", r"^this workbook no longer has product (.+?) \(removed or renamed\), but (.+) reference (\S+):",
         "本工作簿不再包含产品 {0}（已删除或改名），但 {1} 引用了 {2}：它们将失去该输入，在恢复之前没有总量；请保留该产品编号，或请这些采购方修改引用"),
        ("company_mismatch", r"^the file is company (.+)'s data; this request is for (\S+)$",
         "该文件是企业 {0} 的数据；本次请求针对的是 {1}"),
        ("requested_product_missing", r"^product (\S+) was requested but is not in the file$", "已请求产品 {0}，但文件中没有该产品"),
        ("declared_pcf_differs", r"^(\S+): declared PCF (\S+) differs from the computed (\S+) by (\S+) \(more than "
         r"(\S+), the TfS update threshold\)", "{0}：自报碳足迹 {1} 与计算值 {2} 相差 {3}（超过 TfS 更新阈值 {4}）"
         "[kg CO2e]：请核对自报碳足迹（declared_pcf_kgco2e）及产品的输入，或向供应商索取更新的碳足迹"),
        # ---- the file (lca/supply/workbook.py; the portal's upload): before the file's language is known,
        # said in the language of the page that received it
        ("upload_refused", r"^(.+): not an \.xlsx workbook or a PACT \.json file, or larger than (\d+) MB$",
         "{0}：不是 .xlsx 工作簿或 PACT .json 文件，或大于 {1} MB"),
        ("not_xlsx", r"^not an \.xlsx workbook: an Excel 97-2003 \.xls file or a password-protected workbook",
         "不是 .xlsx 工作簿：是 Excel 97-2003 .xls 文件或有密码保护的工作簿；请另存为不带密码的 .xlsx"),
        ("not_xlsx", r"^not an \.xlsx workbook: a PDF file$", "不是 .xlsx 工作簿：是 PDF 文件"),
        ("not_xlsx", r"^not an \.xlsx workbook: the file is empty$", "不是 .xlsx 工作簿：文件为空"),
        ("not_xlsx", r"^not an \.xlsx workbook: not a zip archive", "不是 .xlsx 工作簿：不是 zip 压缩包（是否把文本/CSV 等文件改名为 .xlsx？）"),
        ("not_xlsx", r"^not an \.xlsx workbook: an OpenDocument \(\.ods\) file", "不是 .xlsx 工作簿：是 OpenDocument（.ods）文件；请另存为 .xlsx"),
        ("not_xlsx", r"^not an \.xlsx workbook: a binary \.xlsb workbook", "不是 .xlsx 工作簿：是二进制 .xlsb 工作簿；请另存为 .xlsx"),
        ("not_xlsx", r"^not an \.xlsx workbook: (?:no |missing |damaged )", "不是 .xlsx 工作簿：缺少必要部件或已损坏；请用 Excel 或 WPS 另存为 .xlsx"),
        ("damaged_file", r"^not an \.xlsx workbook: damaged", "不是有效的 .xlsx 工作簿：文件已损坏或不完整；请用 Excel 或 WPS 打开修复后另存"),
        ("macros", r"^contains macros", "含有宏；请另存为不含宏的 .xlsx 工作簿"),
        ("encrypted", r"^the zip members are encrypted", "文件内容已加密；请取消密码后重新保存工作簿"),
        ("file_too_large", r"^file is (\S+) MB, over the (\d+) MB cap", "文件大小 {0} MB，超过上限 {1} MB：请删除图片或拆分工作簿"),
        ("hidden_sheet", r"^sheet (.+) is (\w+): check that it belongs in the submission",
         "工作表 {0} 被隐藏（{1}）：请检查它是否属于本次提交（只有模板中的工作表会被读取）"),
        ("external_links", r"^the workbook links to other workbooks",
         "工作簿链接了其他工作簿：取自其中的数值无法核对；请粘贴为数值（选择性粘贴 > 数值）"),
        # ---- links (lca/supply/linkers.py)
        ("no_recycled_route", r"^(\S+) has no recycled-route dataset \(inventories/recycled_routes\.csv\): .*? the "
         r"declared recycled share (\S+) is NOT counted",
         "{0} 没有再生料路线数据集（inventories/recycled_routes.csv）：整个数量按 {0} 计算，所填再生料比例 {1} 不计为再生料；"
         "请把再生部分单独一行关联到再生料数据集"),
        ("no_regional_variant", r"^no grid dataset for region (.+); (\S+) uses its own location$",
         "地区 {0} 没有电网数据集；{1} 使用其自身的地区"),
        ("material_mismatch", r"^material (.+?) names (.+) but reference (.+?) is (\S+): the line is computed",
         "物料名称 {0} 对应 {1}，但引用 {2} 是 {3}：该行按 {3} 计算和标注；请修正物料名称或引用"),
    ]]

# The reasons a material name does not resolve (lca/inventory.py), inside an unknown_material detail.
_REASONS: list[tuple[re.Pattern, str]] = [(re.compile(p), t) for p, t in [
    (r"^(.+) is not a background dataset code$", "{0} 不是背景数据集代码。"),
    (r"^(\S+) has no regional variants \(no regionalize = true\), so (\S+) does not exist; use (\S+)"
     r"(?:; for that region's electricity use (\S+))?$", "{0} 没有区域化变体，因此 {1} 不存在；请使用 {2}。"),
    (r"^(.+) is not a grid region of the background; regions: (.+)$", "{0} 不是背景数据库的电网区域；可用区域：{1}。"),
]]


def _quoted(names: str) -> str:
    """Names (material names, several English words each) as quoted values: “a”、“b”."""
    return "、".join(f"“{n.strip().strip(chr(39))}”" for n in names.split(", ") if n.strip())


def _reason(text: str) -> str:
    if not text:
        return ""
    for pattern, t in _REASONS:
        m = pattern.search(text)
        if m:
            return t.format(*(g or "" for g in m.groups()))
    return text + "。"


def _place_zh(m: re.Match) -> str:
    if m.group(1):
        return m.group(1) + "："
    return f"第 {m.group(2)} 行，{m.group(3)}："


def zh(code: str, message: str) -> str:
    """The detail ``message`` of an issue ``code`` in Chinese; unchanged when already Chinese or not known."""
    place = _PLACE.match(message)
    body = message[place.end():] if place else message
    for c, pattern, t in _ZH:
        if c is not None and c != code:
            continue
        m = pattern.search(body)
        if m:
            text = t(m) if callable(t) else t.format(*(_list(g) for g in m.groups()))
            return (_place_zh(place) if place else "") + text
    if place and _HAN.search(body):  # a detail already in Chinese (lca/supply/fields.py): its place too
        return _place_zh(place) + body
    return message


def line_zh(issue, text: str) -> str:
    """One issue as a line of a Chinese report: ``文件，工作表 物料，第 2 行，amount 列：[code] TEXT``, where ``text``
    is its Chinese message (:func:`lca.issue_codes.message`: title, fix and detail)."""
    return f"{issue.place('zh')}：[{issue.code}] {text.replace(chr(10), ' ')}"
