"""Issue codes: the catalogue of every problem code green-lca reports, with its title and fix in English and Chinese.

One table (:data:`CATALOGUE`) shared by the validator (every issue it reports
has a code listed here), the annotated copy and its Issues sheet (title and
fix in the workbook's language) and the documentation (``docs/issue-codes.md``
is generated from it: ``python -m lca.issue_codes > docs/issue-codes.md``).
A test checks that every code used in ``lca/`` is listed here and that every
code listed here is used. Modelled on frictionless-py's ``frictionless/errors``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["IssueCode", "CATALOGUE", "LANGS", "describe", "title", "fix", "message", "detect_language", "markdown"]

LANGS = ("en", "zh")


@dataclass(frozen=True)
class IssueCode:
    """One issue code: where it arises (``area``), a short title and the usual fix, in English and Chinese."""

    code: str
    area: str
    title_en: str
    fix_en: str
    title_zh: str
    fix_zh: str


_AREAS = {
    "file": ("The file", "文件"),
    "shape": ("Sheets, headers and layout", "工作表、表头与版式"),
    "cell": ("Cell values", "单元格取值"),
    "row": ("Rows and records", "行与记录"),
    "link": ("Links to datasets and other suppliers", "与数据集及其他供应商的关联"),
    "import": ("Import and submissions", "导入与提交"),
    "pact": ("PACT footprint files (JSON)", "PACT 碳足迹文件（JSON）"),
    "inventory": ("Background inventory files", "背景数据库文件"),
}

_ROWS = (
    # ---- the file (lca/supply/workbook.py)
    ("file", "unreadable_file", "The file cannot be read", "Check the path and the file's permissions.",
     "文件无法读取", "请检查路径和文件权限。"),
    ("file", "file_too_large", "The file is too large", "Split the workbook or remove pictures and unused sheets.",
     "文件过大", "请拆分工作簿，或删除图片和无用的工作表。"),
    ("file", "not_xlsx", "Not an .xlsx workbook", "Save the file as Excel Workbook (.xlsx) from the template.",
     "不是 .xlsx 工作簿", "请用模板另存为 Excel 工作簿（.xlsx）。"),
    ("file", "macros", "The workbook contains macros", "Save it as .xlsx (without macros).",
     "工作簿含有宏", "请另存为不含宏的 .xlsx 文件。"),
    ("file", "encrypted", "The workbook is encrypted", "Remove the password and save it again.",
     "工作簿已加密", "请取消密码后重新保存。"),
    ("file", "damaged_file", "The file is damaged", "Open it in Excel or WPS, repair it and save it again.",
     "文件已损坏", "请在 Excel 或 WPS 中打开修复并重新保存。"),
    ("file", "zip_bomb", "The file expands to far more than its size", "Send the workbook as saved by Excel or WPS.",
     "文件解压后异常巨大", "请发送由 Excel 或 WPS 正常保存的工作簿。"),
    ("file", "too_many_members", "The file holds too many parts", "Send the workbook as saved by Excel or WPS.",
     "文件内部部件过多", "请发送由 Excel 或 WPS 正常保存的工作簿。"),
    ("file", "too_many_rows", "A sheet has too many rows", "Remove empty formatted rows; split very large sheets.",
     "工作表行数过多", "请删除带格式的空行，或拆分过大的工作表。"),
    ("file", "forbidden_xml", "The file contains forbidden XML", "Send the workbook as saved by Excel or WPS.",
     "文件含有不允许的 XML 内容", "请发送由 Excel 或 WPS 正常保存的工作簿。"),
    ("file", "beyond_column_cap", "Cells beyond the columns that are read", "Move the data into the template's columns.",
     "单元格超出读取的列范围", "请把数据移到模板规定的列中。"),
    ("file", "beyond_row_limit", "Cells beyond the rows that are read", "Move the data up or split the sheet.",
     "单元格超出读取的行范围", "请把数据上移或拆分工作表。"),
    ("file", "hidden_sheet", "A sheet is hidden", "Unhide it to check what it holds.",
     "存在隐藏的工作表", "请取消隐藏并检查其内容。"),
    ("file", "external_links", "The workbook links to other workbooks", "Paste values instead of external links.",
     "工作簿链接了其他工作簿", "请粘贴数值，不要使用外部链接。"),
    ("file", "not_annotated", "No annotated copy could be written", "Open and save the file in Excel or WPS, "
     "or use the issue list of the import.", "无法生成批注副本", "请在 Excel 或 WPS 中打开并保存，或直接查看导入的问题列表。"),
    # ---- sheets, headers, layout (lca/supply/layout.py)
    ("shape", "missing_sheet", "A required sheet is missing", "Use the template (lca template OUT.xlsx).",
     "缺少必需的工作表", "请使用模板（lca template OUT.xlsx）。"),
    ("shape", "unknown_sheet", "A sheet is not part of the template", "Rename it to a template sheet name or "
     "delete it.", "工作表不属于模板", "请改为模板中的工作表名称，或删除该表。"),
    ("shape", "duplicate_sheet", "Two sheets are the same template sheet", "Keep one of them.",
     "两个工作表对应同一模板表", "请只保留一个。"),
    ("shape", "missing_column", "A required column is missing", "Add the column header to row 1.",
     "缺少必需的列", "请在第 1 行添加该列的表头。"),
    ("shape", "misnamed_sheet", "A data sheet under another name", "Rename the sheet to the template's English "
     "or Chinese name (e.g. Materials).", "数据表名称与模板不符", "请把工作表改为模板中的名称（Materials 或 物料 等）。"),
    ("shape", "example_row", "Data typed into the template's example row", "Give the row your own product_id "
     "(or pcf_id), or delete the example row.", "在模板示例行中填写了数据", "请为该行填写自己的产品编号（或碳足迹编号），或删除示例行。"),
    ("shape", "unknown_column", "A column is not part of the sheet", "Rename it to a template column or delete it.",
     "列不属于该工作表", "请改为模板中的列名，或删除该列。"),
    ("shape", "unnamed_column", "A column has data but no header", "Give it a template header or delete the data.",
     "列有数据但没有表头", "请填写模板表头，或删除这些数据。"),
    ("shape", "duplicate_header", "A column appears twice", "Keep one of the two columns.",
     "同一列出现两次", "请只保留其中一列。"),
    ("shape", "unknown_field", "A Supplier field is not part of the template", "Use the template's field names "
     "in column A.", "供应商表中的字段不属于模板", "请在 A 列使用模板的字段名。"),
    ("shape", "duplicate_field", "A Supplier field appears twice", "Keep one row for the field.",
     "供应商表字段重复", "该字段只保留一行。"),
    ("shape", "hidden_header", "The header row is hidden", "Unhide row 1 to check the headers.",
     "表头行被隐藏", "请取消隐藏第 1 行并检查表头。"),
    ("shape", "hidden_row", "A hidden row is read as data", "Unhide all rows to check them.",
     "隐藏的行会被当作数据读取", "请取消隐藏所有行并检查。"),
    ("shape", "hidden_column", "Hidden columns", "Unhide them to check them.",
     "存在隐藏的列", "请取消隐藏并检查。"),
    ("shape", "merged_cells", "Merged cells", "Unmerge them and fill every cell.",
     "存在合并单元格", "请取消合并并逐格填写。"),
    ("shape", "blank_workbook", "The workbook is blank", "Fill in the Supplier sheet and at least one product.",
     "工作簿为空", "请填写供应商表和至少一个产品。"),
    ("shape", "no_products", "The Products sheet has no product", "Add at least one row below the header.",
     "产品表中没有产品", "请在表头下方至少添加一行产品。"),
    # ---- cell values (lca/supply/cells.py, fields.py)
    ("cell", "missing_value", "A required value is missing", "Fill in the cell as the message says for its field.",
     "缺少必填值", "请按说明中该字段的要求填写该单元格。"),
    ("cell", "not_a_number", "Not a number", "Enter a number such as 1.5, without a unit.",
     "不是数字", "请填写数字，如 1.5，不要带单位。"),
    ("cell", "ambiguous_decimal", "A number with a comma", "Write the number with a dot decimal and no thousands "
     "separator (1234.5).", "数字中含有逗号", "请用小数点表示小数，不要使用千位分隔符（如 1234.5）。"),
    ("cell", "not_finite", "Not a finite number", "Enter a finite amount.", "不是有限数值", "请填写有限的数值。"),
    ("cell", "negative_value", "A negative value", "Enter a value of 0 or more.", "数值为负", "请填写大于或等于 0 的数值。"),
    ("cell", "out_of_range", "A value outside its allowed range", "Check the value, its unit and its scale.",
     "数值超出允许范围", "请检查数值、单位及比例尺度。"),
    ("cell", "share_below_one", "A percentage below 1 %", "Enter the share in percent (55 for 55 %) or format the "
     "cell as a percentage.", "百分比小于 1%", "请按百分数填写（55 即 55%），或将单元格设为百分比格式。"),
    ("cell", "bad_ef_unit", "Not an emission-factor unit", "Write a mass of CO2e per unit, e.g. kg CO2e/kWh.",
     "不是排放因子单位", "请写成每单位的 CO2e 质量，如 kg CO2e/kWh。"),
    ("cell", "implausible_factor", "An emission factor outside the plausible range", "Check the value and its "
     "unit (supplier_ef_unit).", "排放因子超出合理范围", "请检查数值及其单位（排放因子单位）。"),
    ("cell", "not_a_date", "Not a date", "Use a date cell or ISO text such as 2025-01-31.",
     "不是日期", "请使用日期单元格或 2025-01-31 格式的文本。"),
    ("cell", "bad_period", "The reporting period ends before it starts", "Check both dates.",
     "报告期结束早于开始", "请检查两个日期。"),
    ("cell", "unknown_unit", "An unknown or unsuitable unit", "Use one of the units the column lists.",
     "未知或不适用的单位", "请使用该列列出的单位之一。"),
    ("cell", "unknown_region", "An unknown region code", "Use CN, a grid region (CN-NORTH...), a province CN-XX or "
     "an ISO country code.", "未知的地区代码", "请使用 CN、区域电网（CN-NORTH 等）、省份 CN-XX 或国家代码。"),
    ("cell", "unknown_country", "An unknown country code", "Use an ISO 3166-1 alpha-2 code such as CN.",
     "未知的国家代码", "请使用 ISO 3166-1 两位代码，如 CN。"),
    ("cell", "ambiguous_na", "'NA' is read as Namibia", "Leave the cell empty if you meant 'not available'.",
     "'NA' 被识别为纳米比亚", "如表示“不适用”，请留空。"),
    ("cell", "unknown_gas", "An unknown gas", "Use one of the gases the column lists (CO2, CH4, N2O...).",
     "未知的气体", "请使用该列列出的气体（CO2、CH4、N2O 等）。"),
    ("cell", "unknown_carrier", "An unknown energy carrier", "Use one of the carriers the column lists.",
     "未知的能源类型", "请使用该列列出的能源类型。"),
    ("cell", "unknown_source", "An unknown data source", "Use background, supplier_product or supplier_pcf.",
     "未知的数据来源", "请填写 background、supplier_product 或 supplier_pcf。"),
    ("cell", "unknown_sourcing", "An unknown electricity sourcing", "Use grid, onsite_renewable, ppa_renewable, "
     "green_certificate or direct_line.", "未知的电力来源",
     "请填写 grid、onsite_renewable、ppa_renewable、green_certificate 或 direct_line。"),
    ("cell", "unknown_mode", "An unknown transport mode", "Use truck, rail, ship_sea, ship_inland or air.",
     "未知的运输方式", "请填写 truck、rail、ship_sea、ship_inland 或 air。"),
    ("cell", "unknown_value", "A value not in the column's list", "Choose a value from the drop-down list.",
     "取值不在列表中", "请从下拉列表中选择。"),
    ("cell", "bad_id", "An invalid id", "Use letters, digits, . _ - (1-64 characters).",
     "编号无效", "请使用字母、数字及 . _ -（1-64 个字符）。"),
    ("cell", "bad_email", "Not an e-mail address", "Check the address.", "不是有效的邮箱地址", "请检查邮箱地址。"),
    ("cell", "text_too_long", "Text too long", "Keep it under 1000 characters.", "文本过长", "请控制在 1000 个字符以内。"),
    ("cell", "unsupported_template_version", "An unsupported template version", "Fill in a new template "
     "(lca template OUT.xlsx).", "不支持的模板版本", "请使用新模板填写（lca template OUT.xlsx）。"),
    ("cell", "formula_value", "A formula's saved value is used", "Check the value, or paste values.",
     "使用了公式的已保存结果", "请核对数值，或粘贴为数值。"),
    ("cell", "formula_no_cache", "A formula without a saved value", "Open and save the file in Excel or WPS first.",
     "公式没有已保存的结果", "请先在 Excel 或 WPS 中打开并保存文件。"),
    ("cell", "external_link", "A formula refers to another workbook", "Paste the value instead.",
     "公式引用了其他工作簿", "请改为粘贴数值。"),
    ("cell", "error_cell", "An Excel error value (#DIV/0!...)", "Fix the formula or enter the value.",
     "单元格为 Excel 错误值（如 #DIV/0!）", "请修正公式或直接填写数值。"),
    ("cell", "ignored_value", "A value that does not apply is ignored", "Leave the cell empty.",
     "不适用的值将被忽略", "请将该单元格留空。"),
    # ---- rows and records
    ("row", "duplicate_id", "An id is used twice", "Give each row its own id.", "编号重复", "请为每行使用不同的编号。"),
    ("row", "unknown_product", "A product_id not in the Products sheet", "Add the product there or fix the id.",
     "产品编号不在产品表中", "请在产品表中添加该产品，或修正编号。"),
    ("row", "empty_product", "A product without inputs or emissions", "Add its Materials, Energy, Transport or "
     "Emissions rows, or delete the product.", "产品没有任何输入或排放", "请填写其物料、能源、运输或排放数据，或删除该产品。"),
    ("row", "mass_inconsistent", "Masses do not agree", "Check amounts, units, mass_kg and declared_amount.",
     "质量不一致", "请检查数量、单位、质量（kg）及声明数量。"),
    ("row", "implausible_intensity", "A quantity out of the plausible range for the product (by an order of "
     "magnitude)", "Check the value against its unit (10^4 vs 1, t vs kg, MWh vs kWh, a decimal point) and the declared "
     "amount; `lca import --strict` refuses it.", "数量超出该产品的合理范围（数量级错误）",
     "请核对数值与单位（“万”与“1”、吨与千克、兆瓦时与千瓦时、小数点）及声明数量；`lca import --strict` 时将拒绝导入。"),
    ("row", "pcf_outdated", "A supplier PCF is out of date", "Ask the supplier for an updated PCF (PACT: every 3 "
     "years).", "供应商碳足迹已过期", "请向供应商索取更新的碳足迹（PACT 要求至少每 3 年更新）。"),
    ("row", "unused_pcf", "A SupplierPCFs row is not used", "Reference it from a Materials line or delete it.",
     "供应商碳足迹未被引用", "请在物料表中引用，或删除该行。"),
    # ---- links (lca/supply/rules.py, link.py)
    ("link", "unknown_material", "An unknown material or dataset", "Use a name of inventories/aliases.csv or a "
     "dataset database:code.", "未知的物料或数据集", "请使用 inventories/aliases.csv 中的名称或数据集 database:code。"),
    ("link", "unknown_reference", "A reference to a missing SupplierPCFs row", "Use a pcf_id of the SupplierPCFs "
     "sheet.", "引用的供应商碳足迹不存在", "请填写供应商碳足迹表中的编号。"),
    ("link", "unknown_pcf", "A reference to a missing declared PCF", "Use a pcf_id of the SupplierPCFs sheet.",
     "引用的自报碳足迹不存在", "请填写供应商碳足迹表中的编号。"),
    ("link", "bad_reference", "A reference in the wrong form", "COMPANY_ID/PRODUCT_ID, a pcf_id, or database:code.",
     "引用格式错误", "请填写 企业编号/产品编号、碳足迹编号或 database:code。"),
    ("link", "unit_mismatch", "A unit that cannot be converted to the dataset's unit", "Use a unit of the same "
     "kind as the dataset (mass, energy, volume...).", "单位无法换算为数据集的单位",
     "请使用与数据集同类的单位（质量、能量、体积等）。"),
    ("link", "self_reference", "A product lists itself as a material", "Remove the row or reference the "
     "product's real input.", "产品把自身列为物料", "请删除该行，或引用产品真正的输入。"),
    ("link", "material_mismatch", "The material name and its reference name different things", "Fix the "
     "material name or the reference.", "物料名称与引用的数据集不一致", "请修正物料名称或引用。"),
    ("link", "bad_source", "An unknown source in a stored record", "Re-import the workbook.",
     "存储记录中的数据来源未知", "请重新导入工作簿。"),
    ("link", "bad_energy", "An energy row that cannot be linked", "Check carrier, amount and unit.",
     "能源行无法关联", "请检查能源类型、数量和单位。"),
    ("link", "bad_mode", "A transport row that cannot be linked", "Check mode, mass and distance.",
     "运输行无法关联", "请检查运输方式、质量和距离。"),
    ("link", "bad_gas", "An emission row that cannot be linked", "Check gas, amount and unit.",
     "排放行无法关联", "请检查气体、数量和单位。"),
    ("link", "grid_fallback", "No grid dataset for the region: a wider grid is used", "Check grid_region.",
     "该地区无电网数据，使用上级电网", "请检查电网区域。"),
    ("link", "no_regional_variant", "No regional variant for the origin region", "Check origin_region; the "
     "dataset's own region is used.", "原产地区无区域化数据", "请检查原产地区；将使用数据集自身的地区。"),
    ("link", "no_recycled_route", "No recycled route: the recycled share has no effect", "Use a recycled dataset, "
     "or leave recycled_share empty.", "无再生料路线：再生料比例不影响结果", "请使用再生料数据集，或将再生料比例留空。"),
    # ---- import and submissions (lca/supply/importer.py)
    ("import", "unreadable", "The file could not be read", "See the message; send a workbook saved by Excel or WPS.",
     "文件无法读取", "请查看说明；发送由 Excel 或 WPS 保存的工作簿。"),
    ("import", "nothing_to_import", "Nothing to import", "Fill in the template before importing.",
     "没有可导入的内容", "请先填写模板再导入。"),
    ("import", "not_found", "The file was not found", "Check the path.", "找不到文件", "请检查路径。"),
    ("import", "duplicate_company", "Two files of one import are the same company", "Import one file per "
     "company_id.", "一次导入中两个文件属于同一企业", "每个企业编号只导入一个文件。"),
    ("import", "unresolved_reference", "A supplier product that is not imported yet", "Import that supplier's "
     "workbook; until then the profile refuses a total.", "引用的供应商产品尚未导入",
     "请导入该供应商的工作簿；在此之前无法给出总量。"),
    ("import", "product_removed", "A re-import removes a product others use", "Keep the product_id, or ask the "
     "buyers that reference it to change their reference.", "重新导入删除了他人引用的产品",
     "请保留该产品编号，或请引用它的采购方修改引用。"),
    ("import", "refused", "The import was refused", "See the message.", "导入被拒绝", "请查看说明。"),
    ("import", "declared_pcf_differs", "The declared PCF differs from the computed one", "Check the figure and "
     "the inputs (TfS: more than 20 % apart).", "自报碳足迹与计算值不符", "请核对数据与输入（TfS：相差超过 20%）。"),
    ("import", "not_solved", "The product's footprint could not be computed", "See the message.",
     "无法计算产品碳足迹", "请查看说明。"),
    ("import", "company_mismatch", "The file is another company's data", "Upload the workbook of the company "
     "the request is addressed to (its company_id), as the portal's template is prefilled.", "文件属于其他企业",
     "请上传本次数据请求所针对企业（企业编号）的工作簿，可使用门户中预填的模板。"),
    ("import", "requested_product_missing", "A requested product is not in the file", "Add a row for each "
     "requested product_id on the Products sheet.", "文件中缺少所请求的产品", "请在产品表中为每个请求的产品编号填写一行。"),
    ("import", "upload_refused", "The upload is not a workbook or PACT file, or too large", "Upload the .xlsx "
     "template (or a PACT .json file) within the size limit.", "上传的文件不是工作簿或 PACT 文件，或文件过大",
     "请在大小限制内上传 .xlsx 模板（或 PACT .json 文件）。"),
    # ---- PACT JSON (lca/supply/pact_in.py)
    ("pact", "too_large", "The file or one of its parts is too large", "Send a smaller file (PACT JSON: at most "
     "5 MB and 1000 footprints).", "文件或其部件过大", "请发送较小的文件（PACT JSON：不超过 5 MB、1000 条碳足迹）。"),
    ("pact", "bad_json", "Not valid JSON", "Send the file as the PACT API returns it.",
     "不是有效的 JSON", "请发送 PACT 接口返回的原始文件。"),
    ("pact", "bad_structure", "Not a PACT ProductFootprint", "Send a ProductFootprint object or a {\"data\": [...]} "
     "list.", "不是 PACT 产品碳足迹", "请发送 ProductFootprint 对象或 {\"data\": [...]} 列表。"),
    ("pact", "duplicate_product", "Two footprints for one product", "Keep one footprint per productId.",
     "同一产品有两条碳足迹", "每个产品编号只保留一条。"),
    ("pact", "bad_version", "An unsupported PACT specVersion", "Send PACT v3 (specVersion 3.x).",
     "不支持的 PACT 版本", "请发送 PACT v3（specVersion 3.x）。"),
    ("pact", "not_active", "The footprint is not Active", "Send the active version.",
     "碳足迹状态不是 Active", "请发送有效（Active）版本。"),
    ("pact", "bad_number", "Not a PACT decimal", "Write decimals as strings such as \"1.5\".",
     "不是 PACT 小数", "小数请写成字符串，如 \"1.5\"。"),
    ("pact", "not_ar6", "Not characterized with IPCC AR6", "Send AR6 GWP100 figures.",
     "未使用 IPCC AR6 特征化因子", "请发送 AR6 GWP100 数值。"),
    ("pact", "bad_date", "Not an RFC 3339 date-time", "Write dates such as 2025-01-31T00:00:00Z.",
     "不是 RFC 3339 日期时间", "日期请写成 2025-01-31T00:00:00Z 格式。"),
    ("pact", "bad_urn", "Not a URN", "Write ids such as urn:pathfinder:product:customcode:...",
     "不是 URN", "编号请写成 urn:pathfinder:product:customcode:... 格式。"),
    ("pact", "bad_unit", "An unsupported unit", "Use one of the units the message lists (PACT: kilogram, "
     "kilowatt hour, square meter, piece).", "不支持的单位", "请使用说明中列出的单位（PACT：kilogram、kilowatt hour、"
     "square meter、piece）。"),
    ("pact", "bad_type", "A field or exchange of the wrong type", "See the message (PACT v3 data model; dataset "
     "schema in inventories/README.md).", "字段或交换类型错误", "请查看说明（PACT v3 数据模型；数据集格式见"
     "inventories/README.md）。"),
    ("pact", "missing_field", "A required field is missing", "Add the field the message names.",
     "缺少必需字段", "请补充说明中指出的字段。"),
    # ---- background inventory (lca/inventory.py)
    ("inventory", "bad_toml", "Not valid TOML", "Fix the syntax.", "不是有效的 TOML", "请修正语法。"),
    ("inventory", "bad_code", "An invalid dataset code", "Use [a-z0-9-]+.", "数据集代码无效", "请使用 [a-z0-9-]+。"),
    ("inventory", "duplicate_code", "A dataset code defined twice", "Give each dataset its own code.",
     "数据集代码重复", "请为每个数据集使用不同的代码。"),
    ("inventory", "bad_amount", "An amount Brightway cannot store", "Use a finite number within the float32 "
     "range.", "数量无法存入 Brightway", "请使用 float32 范围内的有限数值。"),
    ("inventory", "unknown_input", "An exchange input that is not a dataset", "Use the code of a background "
     "dataset.", "交换的输入不是数据集", "请使用背景数据集的代码。"),
    ("inventory", "unlinked_exchange", "An exchange of an imported database links to nothing", "Link it (a "
     "mapping or a biosphere match) before writing the database; nothing was written.", "导入数据库中的交换未关联",
     "请在写入数据库前完成关联（映射或基本流匹配）；未写入任何数据。"),
    ("inventory", "uncharacterized_ghg", "A greenhouse gas of an imported release has no climate factor",
     "Map it to its ecoinvent 3.9 flow (--flow-map FILE.csv) or use LCIA data that covers the release; nothing "
     "was written.", "导入版本中的温室气体没有气候特征化因子",
     "请将其映射到 ecoinvent 3.9 基本流（--flow-map FILE.csv），或使用覆盖该版本的 LCIA 数据；未写入任何数据。"),
    ("inventory", "bad_production", "A dataset's reference amount is zero or not finite",
     "Give the amount the dataset makes (a negative amount is accepted: ecoinvent's waste treatment); nothing "
     "was written.", "数据集的参考产量为零或非有限值",
     "请填写数据集的实际产量（负数可接受：ecoinvent 的废物处理约定）；未写入任何数据。"),
    ("inventory", "self_consumption", "A dataset consumes as much of its own product as it makes, or more",
     "Correct the amounts so that its net production has the sign of its production; nothing was written.", "数据集自身消耗不少于其产量",
     "请修正数量，使其净产量与其产量同号；未写入任何数据。"),
    ("inventory", "singular_block", "A loop of datasets has no unique solution",
     "Correct the amounts of the exchanges between the datasets named; nothing was written.", "数据集循环无唯一解",
     "请修正所列数据集之间的交换数量；未写入任何数据。"),
    ("inventory", "bad_spread", "An uncertainty distribution with a NaN, infinite or negative spread",
     "Give a finite, non-negative spread or remove the distribution; nothing was written.",
     "不确定性分布的离散参数为 NaN、无穷或负数", "请填写有限的非负离散参数，或删除该分布；未写入任何数据。"),
    ("inventory", "unreadable_dataset", "A dataset of a release that bw2io cannot read",
     "Correct the file or leave it out of datasets/; nothing was written.", "导入版本中 bw2io 无法读取的数据集",
     "请修正该文件或将其移出 datasets/；未写入任何数据。"),
    ("inventory", "unknown_release", "A release whose version is unknown or has no material mapping",
     "Give --release X.Y (the release it is) or --mapping FILE.csv.", "版本未知或没有物料映射的数据库版本",
     "请用 --release X.Y 指明版本，或用 --mapping FILE.csv 提供映射。"),
    ("inventory", "multi_output", "A dataset with several products", "Allocate it by a stated rule: --allocate "
     "economic (price property) or --allocate mass (mass property); nothing was written.", "多产出数据集",
     "请按明确的规则分配：--allocate economic（价格属性）或 --allocate mass（质量属性）；未写入任何数据。"),
    ("inventory", "unknown_flow", "An unknown elementary flow", "Use an alias of inventories/flows.csv.",
     "未知的基本流", "请使用 inventories/flows.csv 中的别名。"),
)

CATALOGUE: dict[str, IssueCode] = {}
for _area, _code, _ten, _fen, _tzh, _fzh in _ROWS:
    if _code in CATALOGUE:  # one row per code
        raise ValueError(f"issue code {_code!r} is listed twice in lca/issue_codes.py")
    CATALOGUE[_code] = IssueCode(_code, _area, _ten, _fen, _tzh, _fzh)
del _area, _code, _ten, _fen, _tzh, _fzh


def describe(code: str, lang: str = "en") -> tuple[str, str]:
    """``(title, fix)`` of an issue code in ``lang`` (``en`` or ``zh``); the code itself for an unlisted code."""
    entry = CATALOGUE.get(code)
    if entry is None:
        return code, ""
    return (entry.title_zh, entry.fix_zh) if lang == "zh" else (entry.title_en, entry.fix_en)


def title(code: str, lang: str = "en") -> str:
    """The title of an issue code in ``lang``."""
    return describe(code, lang)[0]


def fix(code: str, lang: str = "en") -> str:
    """The usual fix of an issue code in ``lang``."""
    return describe(code, lang)[1]


def message(issue, lang: str = "en") -> str:
    """An issue's message in ``lang``: English as reported; Chinese as the code's title and fix, then the details
    (in Chinese, :func:`lca.issue_details.zh`).

    ``issue`` is an :class:`lca.InputIssue` (anything with ``code`` and ``message``).
    """
    if lang != "zh" or issue.code not in CATALOGUE:
        return issue.message
    from lca.issue_details import zh  # the detail in Chinese too, values and places kept

    entry = CATALOGUE[issue.code]
    return f"{entry.title_zh}：{entry.fix_zh}\n详情：{zh(issue.code, issue.message)}"


_HAN = re.compile(r"[\u4e00-\u9fff]")


def detect_language(titles) -> str:
    """``"zh"`` when any of the texts (sheet titles, headers) is Chinese, else ``"en"``: a workbook's language."""
    return "zh" if any(_HAN.search(str(t)) for t in titles) else "en"


def markdown() -> str:
    """The documentation page ``docs/issue-codes.md``: every code with its titles and fixes, by area."""
    lines = ["# Issue codes / 问题代码", "",
             "Every problem green-lca reports about input carries one of these codes (generated from",
             "`lca/issue_codes.py` by `python -m lca.issue_codes > docs/issue-codes.md`; do not edit by hand).",
             "The message of each issue names the place (file, sheet, row, column) and the values involved.", ""]
    for area, (en, zh) in _AREAS.items():
        entries = [e for e in CATALOGUE.values() if e.area == area]
        if not entries:
            continue
        lines += [f"## {en} / {zh}", "", "| code | title | fix | 标题 | 修改建议 |", "|---|---|---|---|---|"]
        for e in sorted(entries, key=lambda e: e.code):
            cells = (f"`{e.code}`", e.title_en, e.fix_en, e.title_zh, e.fix_zh)
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - the docs generator
    print(markdown(), end="")
