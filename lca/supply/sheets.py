"""Template sheet spec: supplier-workbook template version 1 as data, and matching sheet titles and headers to it.

The sheets and columns of the template (its rules: ``docs/supplier-workbook.md``) live in
:data:`SHEETS` (English key, Chinese name, R/C/O, type, allowed values, ranges,
help texts). The vocabularies they name (enumerations, regions) are data in
``inventories/vocabulary/`` (:mod:`lca.vocabulary`); :mod:`lca.units` has the
units and energy carriers.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Iterable

from lca import vocabulary
from lca.text import norm_key as _norm_key, WHITESPACE as _TRIM
from lca.units import CARRIERS

__all__ = [
    "TEMPLATE_VERSION", "EXAMPLE_IDS", "Column", "SheetSpec", "SHEETS", "ENUMS", "ENUM_SYNONYMS",
    "REGIONS", "COUNTRIES", "CN_PROVINCES", "CN_GRID_REGIONS", "INSTRUCTION_SHEETS", "SUPPLIER_HEADER", "ID_RULE",
    "match_header", "match_sheet", "match", "key_index",
]

TEMPLATE_VERSION = 1
EXAMPLE_IDS = frozenset({"example", "示例"})

# ---------------------------------------------------------------- vocabularies (data: inventories/vocabulary)

_REGIONS = vocabulary.regions()
CN_PROVINCES = tuple(code.removeprefix("CN-") for code in _REGIONS["cn_province"])
CN_GRID_REGIONS = _REGIONS["cn_grid"]
COUNTRIES = frozenset(_REGIONS["country"])  # ISO 3166-1 alpha-2 (249 codes)
REGIONS = frozenset(COUNTRIES | set(CN_GRID_REGIONS) | set(_REGIONS["cn_province"]) | set(_REGIONS["group"]))

# Allowed values of enumerated columns (canonical spelling first) and accepted synonyms (enums.csv).
_VALUES, ENUM_SYNONYMS = vocabulary.enums()
ENUMS: dict[str, tuple[str, ...]] = {**_VALUES, "carrier": tuple(CARRIERS)}
del _VALUES

# ---------------------------------------------------------------- schema as data


@dataclass(frozen=True)
class Column:
    """One column (or Supplier field) of the template.

    ``need``: ``R`` required, ``C`` conditionally required, ``O`` optional.
    ``type``: text, id, line, number, date, enum, unit, region, country, gas,
    reference, email, version. ``enum`` names the value list in :data:`ENUMS`.
    ``min``/``max`` bound numbers (``min_open``: strictly greater than ``min``).
    ``scale`` marks a share: ``fraction`` (0..1) or ``percent`` (0..100). A percent-formatted
    cell (stored 0.55, shown 55%) and text ``55%`` are read as 55 % in either scale.
    """

    key: str
    zh: str
    need: str
    type: str
    enum: str | None = None
    min: float | None = None
    max: float | None = None
    min_open: bool = False
    unit: str = ""
    en_help: str = ""
    zh_help: str = ""
    example: object = None
    width: int = 16
    scale: str | None = None  # share columns: "fraction" (0..1) or "percent" (0..100); 55% cells and "55%" text fit both


@dataclass(frozen=True)
class SheetSpec:
    """One sheet of the template: English key, Chinese name, layout and columns."""

    key: str
    zh: str
    columns: tuple[Column, ...]
    layout: str = "table"          # "table" (header row 1, one record per row) or "fields" (field | value)
    required: bool = False
    example_column: str | None = "product_id"

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)




ID_RULE = "letters, digits, . _ - (1-64 characters)"
_ID = ID_RULE
C = Column
SHEETS: dict[str, SheetSpec] = {s.key: s for s in (
    SheetSpec("Supplier", "供应商", layout="fields", required=True, example_column=None, columns=(
        C("company_name", "企业名称", "R", "text", en_help="legal name of the company", zh_help="企业法定名称"),
        C("company_id", "企业编号", "R", "id", en_help=f"stable id of the company ({_ID}); a re-import replaces "
          "that company's previous data", zh_help="企业唯一编号，字母数字及 . _ -，每次提交保持不变"),
        C("country", "国家/地区", "R", "country", en_help="ISO 3166-1 alpha-2 code, e.g. CN",
          zh_help="ISO 3166-1 两位国家代码，如 CN"),
        C("green_factory", "绿色工厂", "O", "enum", "green_factory", en_help="MIIT green factory level",
          zh_help="工信部绿色工厂级别：none/provincial/national"),
        C("reporting_period_start", "报告期开始", "R", "date", en_help="date cell or ISO text 2025-01-01",
          zh_help="日期单元格或 2025-01-01"),
        C("reporting_period_end", "报告期结束", "R", "date", en_help="after the start", zh_help="晚于开始日期"),
        C("contact_email", "联系邮箱", "O", "email", en_help="contact for questions", zh_help="联系人邮箱"),
        C("template_version", "模板版本", "R", "version", en_help="1 (do not change)", zh_help="1（请勿修改）"),
    )),
    SheetSpec("Products", "产品", required=True, columns=(
        C("product_id", "产品编号", "R", "id", en_help=f"unique in the workbook ({_ID})",
          zh_help="本表内唯一", example="EXAMPLE"),
        C("product_name", "产品名称", "R", "text", example="LFP cell 280Ah", width=24),
        C("declared_unit", "声明单位", "R", "enum", "declared_unit",
          en_help="kWh = storage capacity; kWp = PV peak power", zh_help="kWh 指储能容量；kWp 指光伏峰值功率",
          example="kWh"),
        C("declared_amount", "声明数量", "O", "number", min=0, min_open=True,
          en_help="amount of declared_unit all other sheets refer to (default 1)",
          zh_help="其他各表数量所对应的声明单位数量，默认 1", example=1),
        C("mass_kg", "质量（kg）", "C", "number", min=0, min_open=True, unit="kg",
          en_help="mass per declared amount; required unless declared_unit is kg or t",
          zh_help="每声明数量的质量；声明单位不是 kg/t 时必填", example=5.6),
        C("production_region", "生产地区", "R", "region",
          en_help="CN, CN-NORTH.. grid region, CN-XX province (e.g. CN-GD) or ISO country code",
          zh_help="CN、区域电网（CN-NORTH 等）、省份 CN-XX（如 CN-GD）或国家代码", example="CN-FJ"),
        C("declared_pcf_kgco2e", "自报碳足迹", "O", "number", min=0, unit="kg CO2e",
          en_help="your own figure per declared amount", zh_help="企业自报的每声明数量碳足迹", example=""),
        C("annual_output", "年产量", "O", "number", min=0, unit="declared unit", example=""),
    )),
    SheetSpec("Materials", "物料", columns=(
        C("product_id", "产品编号", "R", "id", en_help="a product_id of the Products sheet", example="EXAMPLE"),
        C("line_id", "行号", "R", "line", en_help="unique per product", example=1, width=8),
        C("material", "物料名称", "R", "text", en_help="material name (English or Chinese) or dataset database:code",
          zh_help="物料名称（中英文）或背景数据集 database:code", example="lithium carbonate", width=26),
        C("amount", "数量", "R", "number", min=0, en_help="per declared amount of the product",
          zh_help="每声明数量产品的用量", example=0.52),
        C("unit", "单位", "R", "unit", en_help="g kg t L m3 kWh MWh MJ GJ m2 piece", example="kg", width=8),
        C("source", "数据来源", "R", "enum", "source", example="background"),
        C("reference", "引用", "C", "reference",
          en_help="COMPANY_ID/PRODUCT_ID for supplier_product; a pcf_id for supplier_pcf; "
                  "optional database:code for background", example=""),
        C("origin_region", "原产地区", "O", "region", example="CN"),
        C("recycled_share", "再生料比例", "O", "number", min=0, max=1, unit="0..1", example=0, scale="fraction",
          en_help="share of recycled material, a fraction 0..1 (0.3 = 30 %; a 30% cell or '30%' text also works)",
          zh_help="再生料所占比例，0..1 的小数（0.3 即 30%；也可填写百分比格式单元格或文本 '30%'）"),
        C("supplier_name", "供应商名称", "O", "text", example="", width=20),
    )),
    SheetSpec("Energy", "能源", columns=(
        C("product_id", "产品编号", "R", "id", example="EXAMPLE"),
        C("carrier", "能源类型", "R", "enum", "carrier", example="electricity"),
        C("amount", "数量", "R", "number", min=0, example=12.5),
        C("unit", "单位", "R", "unit", en_help="; ".join(f"{k}: {' '.join(v.units)}" for k, v in CARRIERS.items()),
          example="kWh", width=8),
        C("grid_region", "电网区域", "O", "region", en_help="electricity only; default production_region",
          example="CN-FJ"),
        C("sourcing", "电力来源", "O", "enum", "sourcing", en_help="electricity only; default grid", example="grid"),
        C("supplier_ef_kgco2e_per_unit", "特定排放因子", "O", "number", min=0, unit="see supplier_ef_unit",
          en_help="supplier-specific emission factor, for the market-based total only; in supplier_ef_unit, or, "
                  "when that is empty, kg CO2e/kWh for electricity and kg CO2e per the row's unit otherwise",
          zh_help="供应商特定排放因子，仅用于市场法总量；单位见“排放因子单位”，留空时电力为 kg CO2e/kWh，"
                  "其他能源为每该行单位的 kg CO2e", example=""),
        C("supplier_ef_unit", "排放因子单位", "O", "ef_unit", unit="e.g. kg CO2e/kWh",
          en_help="unit of supplier_ef_kgco2e_per_unit: mass of CO2e per energy unit, e.g. kg CO2e/kWh, "
                  "t CO2e/MWh, kg CO2e/m3", zh_help="特定排放因子的单位，如 kg CO2e/kWh、t CO2e/MWh、kg CO2e/m3",
          example=""),
    )),
    SheetSpec("Transport", "运输", columns=(
        C("product_id", "产品编号", "R", "id", example="EXAMPLE"),
        C("mode", "运输方式", "R", "enum", "mode", example="truck"),
        C("mass_t", "质量（t）", "R", "number", min=0, min_open=True, unit="t", example=0.006),
        C("distance_km", "距离（km）", "R", "number", min=0, min_open=True, unit="km", example=800),
        C("direction", "方向", "O", "enum", "direction", example="inbound"),
    )),
    SheetSpec("Emissions", "直接排放", columns=(
        C("product_id", "产品编号", "R", "id", example="EXAMPLE"),
        C("gas", "气体", "R", "gas", example="CO2"),
        C("amount", "数量", "R", "number", min=0, example=0.1),
        C("unit", "单位", "R", "enum", "emission_unit", example="kg", width=8),
    )),
    SheetSpec("SupplierPCFs", "供应商碳足迹", example_column="pcf_id", columns=(
        C("pcf_id", "编号", "R", "id", en_help="unique in the workbook; referenced from Materials", example="EXAMPLE"),
        C("supplier_name", "供应商名称", "R", "text", example="Supplier Co.", width=20),
        C("product_name", "产品名称", "R", "text", example="cathode active material", width=22),
        C("declared_unit", "声明单位", "R", "enum", "declared_unit", example="kg"),
        C("pcf_kgco2e", "碳足迹", "R", "number", min=0, unit="kg CO2e per declared unit",
          en_help="excluding biogenic uptake", example=12.3),
        C("primary_data_share", "初级数据比例", "O", "number", min=0, max=100, unit="%", example=40, scale="percent",
          en_help="share of primary data in the PCF, in percent 0..100 (40 = 40 %; a 40% cell or '40%' text also works)",
          zh_help="碳足迹中初级数据所占比例，百分数 0..100（40 即 40%；也可填写百分比格式单元格或文本 '40%'）"),
        C("dqr_technological", "数据质量（技术）", "O", "number", min=1, max=5, example=2),
        C("dqr_geographical", "数据质量（地理）", "O", "number", min=1, max=5, example=2),
        C("dqr_temporal", "数据质量（时间）", "O", "number", min=1, max=5, example=2),
        C("standard", "核算标准", "O", "enum", "standard", example="ISO 14067"),
        C("reference_period_end", "数据年份", "O", "date", example=""),
        C("verified", "第三方核查", "O", "enum", "verified", example="no"),
    )),
)}
del C

# Help texts (English, Chinese) of the columns defined above without them: every column has both, so
# the Chinese template is Chinese throughout (tests/test_template.py).
_MORE_HELP = {
    ("Products", "product_name"): ("product name as used in your documents", "产品名称（与贵司文件一致）"),
    ("Products", "annual_output"): ("annual output in declared units", "年产量（以声明单位计）"),
    ("Materials", "product_id"): ("a product_id of the Products sheet", "产品表中的产品编号"),
    ("Materials", "line_id"): ("unique per product", "同一产品内唯一的行号"),
    ("Materials", "unit"): ("g kg t L m3 kWh MWh MJ GJ m2 piece", "单位：g kg t L m3 kWh MWh MJ GJ m2 piece（件）"),
    ("Materials", "source"): ("background (secondary dataset), supplier_product (another supplier's product), "
                              "supplier_pcf (a SupplierPCFs row)",
                              "background（背景数据集）、supplier_product（其他供应商的产品）、"
                              "supplier_pcf（供应商碳足迹表中的一行）"),
    ("Materials", "reference"): ("COMPANY_ID/PRODUCT_ID for supplier_product; a pcf_id for supplier_pcf; "
                                 "optional database:code for background",
                                 "supplier_product 填 企业编号/产品编号；supplier_pcf 填碳足迹编号；"
                                 "background 可选填 database:code"),
    ("Materials", "origin_region"): ("region of origin; picks a regional dataset where one exists",
                                     "原产地区；有区域化数据集时使用该地区的数据"),
    ("Materials", "supplier_name"): ("name of the supplier, for reporting", "供应商名称（用于报告）"),
    ("Energy", "product_id"): ("a product_id of the Products sheet", "产品表中的产品编号"),
    ("Energy", "carrier"): ("energy carrier", "能源类型：电力、天然气、煤、柴油、汽油、液化石油气、蒸汽、热力、氢气"),
    ("Energy", "amount"): ("per declared amount of the product", "每声明数量产品的消耗量"),
    ("Energy", "unit"): ("", "按能源类型可用的单位（万千瓦时、万立方米、吨标准煤等中文单位亦可）：" + "；".join(
        f"{k}：{' '.join(v.units)}" for k, v in CARRIERS.items())),
    ("Energy", "grid_region"): ("electricity only; default production_region", "仅电力；默认为生产地区"),
    ("Energy", "sourcing"): ("electricity only; default grid", "仅电力；默认为电网（grid），绿电/绿证请选择对应项"),
    ("Transport", "product_id"): ("a product_id of the Products sheet", "产品表中的产品编号"),
    ("Transport", "mode"): ("truck, rail, ship_sea, ship_inland, air", "运输方式：公路、铁路、海运、内河、航空"),
    ("Transport", "mass_t"): ("tonnes carried per declared amount", "每声明数量产品的运输质量（吨）"),
    ("Transport", "distance_km"): ("distance in km", "运输距离（公里）"),
    ("Transport", "direction"): ("inbound (to your site, default) or outbound (to the customer: reported "
                                 "apart, outside cradle-to-gate)", "进厂（默认）或出厂（运往客户，单独报告，不计入摇篮到大门）"),
    ("Emissions", "product_id"): ("a product_id of the Products sheet", "产品表中的产品编号"),
    ("Emissions", "gas"): ("CO2, CH4, N2O, SF6, ... (direct emissions at your site)",
                           "气体：二氧化碳、甲烷、氧化亚氮、六氟化硫等（厂内直接排放）"),
    ("Emissions", "amount"): ("per declared amount of the product", "每声明数量产品的排放量"),
    ("Emissions", "unit"): ("g, kg or t", "单位：g、kg 或 t"),
    ("SupplierPCFs", "pcf_id"): ("unique in the workbook; referenced from Materials", "本表内唯一，供物料表引用"),
    ("SupplierPCFs", "supplier_name"): ("name of the supplier who declared the PCF", "提供碳足迹的供应商名称"),
    ("SupplierPCFs", "product_name"): ("product the PCF is for", "碳足迹对应的产品名称"),
    ("SupplierPCFs", "declared_unit"): ("unit the PCF is per", "碳足迹的声明单位"),
    ("SupplierPCFs", "pcf_kgco2e"): ("excluding biogenic uptake", "每声明单位的碳足迹，不含生物源碳吸收"),
    ("SupplierPCFs", "dqr_technological"): ("data quality, technology: 1 (best) .. 5", "数据质量（技术代表性）：1（最好）..5"),
    ("SupplierPCFs", "dqr_geographical"): ("data quality, geography: 1 (best) .. 5", "数据质量（地理代表性）：1（最好）..5"),
    ("SupplierPCFs", "dqr_temporal"): ("data quality, time: 1 (best) .. 5", "数据质量（时间代表性）：1（最好）..5"),
    ("SupplierPCFs", "standard"): ("accounting standard of the PCF", "碳足迹核算标准"),
    ("SupplierPCFs", "reference_period_end"): ("end of the PCF's reference period", "碳足迹数据参考期的结束日期"),
    ("SupplierPCFs", "verified"): ("third-party verified: yes or no", "是否经第三方核查：yes 或 no"),
}
for (_sheet, _key), (_en, _zh) in _MORE_HELP.items():
    _spec = SHEETS[_sheet]
    SHEETS[_sheet] = SheetSpec(_spec.key, _spec.zh, tuple(
        replace(c, en_help=c.en_help or _en, zh_help=c.zh_help or _zh) if c.key == _key else c
        for c in _spec.columns), _spec.layout, _spec.required, _spec.example_column)
del _sheet, _key, _en, _zh, _spec
INSTRUCTION_SHEETS = ("Instructions", "说明")
SUPPLIER_HEADER = {"field": ("field", "字段", "项目"), "value": ("value", "值", "内容", "填写"),
                   "note": ("note", "说明", "备注")}

# ---------------------------------------------------------------- matching titles and headers


def key_index(columns: Iterable[Column]) -> dict[str, str]:
    """Normalised English key and Chinese label -> column key."""
    idx: dict[str, str] = {}
    for c in columns:
        idx[_norm_key(c.key)] = c.key
        idx[_norm_key(c.zh)] = c.key
    return idx


_ASCII_THEN_CJK = re.compile(r"^([\x00-\x7f]+?)[\s:：]*([^\x00-\x7f].*)$")


def match(text: str, index: dict[str, str]) -> str | None:
    """The key ``text`` names in ``index`` (normalised keys -> key): whole, or ``key | 中文`` / ``key 中文`` parts."""
    whole = index.get(_norm_key(text))
    if whole:
        return whole
    s = unicodedata.normalize("NFKC", text)
    parts = [p for p in re.split(r"[|\n]", s) if p.strip(_TRIM)]
    if len(parts) < 2:
        m = _ASCII_THEN_CJK.match(s.strip(_TRIM))
        parts = [m.group(1), m.group(2)] if m else []
    keys = {index.get(_norm_key(p)) for p in parts}
    if len(keys) == 1 and None not in keys:
        return keys.pop()
    return None


_SPEC_INDEX: dict[str, tuple[SheetSpec, dict[str, str]]] = {}  # sheet key -> (spec, its key_index)


def _spec_index(spec: SheetSpec) -> dict[str, str]:
    """``key_index`` of a sheet's columns, built once per sheet spec (not once per header cell)."""
    hit = _SPEC_INDEX.get(spec.key)
    if hit is None or hit[0] is not spec:
        hit = _SPEC_INDEX[spec.key] = (spec, key_index(spec.columns))
    return hit[1]


def match_header(text: object, spec: SheetSpec) -> str | None:
    """Column key a header cell names (``key``, Chinese label or ``key | 中文``, tolerant), or None."""
    if not isinstance(text, str):
        return None
    return match(text, _spec_index(spec))


def match_sheet(title: str) -> str | None:
    """Sheet key a sheet title names (``Materials``, ``物料``, ``Materials | 物料``), ``"Instructions"``, or None."""
    index = {_norm_key(s.key): s.key for s in SHEETS.values()}
    index.update({_norm_key(s.zh): s.key for s in SHEETS.values()})
    index.update({_norm_key(t): "Instructions" for t in INSTRUCTION_SHEETS})
    return match(title, index)


