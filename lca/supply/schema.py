"""Workbook schema: supplier-workbook template version 1 as data, and validation into typed records.

The sheets and columns of ``shared/spec/supplier-workbook.md`` live in
:data:`SHEETS` (English key, Chinese name, R/C/O, type, allowed values, ranges);
:func:`validate` checks a :class:`~lca.supply.workbook.RawWorkbook` against
them and returns a :class:`Submission` of plain frozen dataclasses plus every
problem found, each an :class:`lca.InputIssue` with sheet (the title as in the
workbook), Excel row, column (the header key) and a short stable code.

Example rows: a row whose ``product_id`` (or ``pcf_id`` in SupplierPCFs) is
``EXAMPLE`` or ``示例`` is the template's example and is skipped silently.
"""
from __future__ import annotations

import csv
import difflib
import functools
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Iterable

from lca.errors import InputIssue
from lca.supply.workbook import Cell, RawRow, RawSheet, RawWorkbook, column_letter
from lca.units import CARRIERS, FLOAT32_MAX, UNITS, convert, convert_carrier, dimension, is_convertible, normalize_unit

__all__ = [
    "TEMPLATE_VERSION", "EXAMPLE_IDS", "FLOAT32_LIMIT", "Column", "SheetSpec", "SHEETS", "ENUMS",
    "REGIONS", "COUNTRIES", "CN_PROVINCES", "CN_GRID_REGIONS", "Resolution", "SupplierInfo", "Product",
    "MaterialLine", "EnergyLine", "TransportLine", "EmissionLine", "SupplierPCF", "Submission",
    "validate", "validate_file", "match_header", "match_sheet", "dict_resolver", "gas_codes", "parse_number",
]

TEMPLATE_VERSION = 1
EXAMPLE_IDS = frozenset({"example", "示例"})
FLOAT32_LIMIT = FLOAT32_MAX  # [-] largest float32 (lca.units): larger amounts overflow Brightway's float32 arrays
# Dates outside these years are typing errors (a two-digit year, 1900 date-system artefacts, 2205 for 2025):
# no supplier data predates 1950 and no reporting period reaches past 2100.
YEAR_MIN, YEAR_MAX = 1950, 2100
# Product mass vs declared amount / vs the mass of its materials: a relative gap above this is flagged.
# green-lca's own screening threshold (not a standard): it catches unit slips (g vs kg, per piece vs per
# batch) that are factors of 2 or more, while packaging, losses and rounding stay well below it.
MASS_TOLERANCE = 0.5
# A declared PCF older than this (its reference period ended this many years before the workbook's
# period starts) is out of date: PACT v3 and the TfS guideline ask for an update at least every 3 years.
PCF_VALIDITY_YEARS = 3
# Per-row warnings (hidden rows) reported one by one; beyond this, one summary warning with the count.
MAX_ROW_WARNINGS = 20

# ---------------------------------------------------------------- vocabularies

CN_PROVINCES = tuple("BJ TJ HE SX NM LN JL HL SH JS ZJ AH FJ JX SD HA HB HN GD GX HI CQ SC GZ YN XZ SN GS QH NX XJ".split())
CN_GRID_REGIONS = ("CN-NORTH", "CN-NORTHEAST", "CN-EAST", "CN-CENTRAL", "CN-NORTHWEST", "CN-SOUTH", "CN-SOUTHWEST")
# ISO 3166-1 alpha-2 (249 codes, as in the IANA tz iso3166.tab).
COUNTRIES = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD
CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF
GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI
SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
VN VU WF WS YE YT ZA ZM ZW""".split())
REGIONS = frozenset(COUNTRIES | set(CN_GRID_REGIONS) | {f"CN-{p}" for p in CN_PROVINCES} | {"EU", "GLO"})

# Allowed values of enumerated columns (canonical spelling first) and accepted synonyms.
ENUMS: dict[str, tuple[str, ...]] = {
    "green_factory": ("none", "provincial", "national"),
    "declared_unit": ("kg", "t", "piece", "m2", "kWh", "kWp"),
    "source": ("background", "supplier_product", "supplier_pcf"),
    "carrier": tuple(CARRIERS),
    "sourcing": ("grid", "onsite_renewable", "ppa_renewable", "green_certificate"),
    "mode": ("truck", "rail", "ship_sea", "ship_inland", "air"),
    "direction": ("inbound", "outbound"),
    "emission_unit": ("g", "kg", "t"),
    "standard": ("ISO 14067", "GB/T 24067", "PACT", "Catena-X", "GHG Protocol", "other"),
    "verified": ("yes", "no"),
}
_ENUM_SYNONYMS: dict[str, dict[str, str]] = {
    "green_factory": {"无": "none", "否": "none", "省级": "provincial", "国家级": "national"},
    "source": {"背景数据": "background", "供应商产品": "supplier_product", "供应商碳足迹": "supplier_pcf"},
    "carrier": {"电力": "electricity", "电": "electricity", "天然气": "natural_gas", "煤": "coal", "煤炭": "coal",
                "柴油": "diesel", "汽油": "gasoline", "液化石油气": "lpg", "蒸汽": "steam", "热力": "heat",
                "氢气": "hydrogen", "氢": "hydrogen"},
    "sourcing": {"电网": "grid", "自发绿电": "onsite_renewable", "绿电直购": "ppa_renewable", "ppa": "ppa_renewable",
                 "绿证": "green_certificate"},
    "mode": {"公路": "truck", "卡车": "truck", "铁路": "rail", "海运": "ship_sea", "内河": "ship_inland",
             "航空": "air", "空运": "air"},
    "direction": {"进厂": "inbound", "入厂": "inbound", "出厂": "outbound"},
    "standard": {"iso14067": "ISO 14067", "gb/t24067": "GB/T 24067", "gbt24067": "GB/T 24067"},
    "verified": {"是": "yes", "否": "no", "true": "yes", "false": "no", "y": "yes", "n": "no"},
}
_PLACEHOLDERS = frozenset({"na", "n/a", "none", "null", "-", "--", "—", "–", "nan", "无", "空", "/", "#n/a"})

# ---------------------------------------------------------------- schema as data


@dataclass(frozen=True)
class Column:
    """One column (or Supplier field) of the template.

    ``need``: ``R`` required, ``C`` conditionally required, ``O`` optional.
    ``type``: text, id, line, number, date, enum, unit, region, country, gas,
    reference, email, version. ``enum`` names the value list in :data:`ENUMS`.
    ``min``/``max`` bound numbers (``min_open``: strictly greater than ``min``).
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


_ID = "letters, digits, . _ - (1-64 characters)"
C = Column
SHEETS: dict[str, SheetSpec] = {s.key: s for s in (
    SheetSpec("Supplier", "供应商", layout="fields", required=True, example_column=None, columns=(
        C("company_name", "企业名称", "R", "text", en_help="legal name of the company", zh_help="企业法定名称"),
        C("company_id", "企业编号", "R", "id", en_help=f"stable id of the company ({_ID}); a re-import replaces "
          "that company's previous data", zh_help="企业唯一编号,字母数字及 . _ -,每次提交保持不变"),
        C("country", "国家/地区", "R", "country", en_help="ISO 3166-1 alpha-2 code, e.g. CN",
          zh_help="ISO 3166-1 两位国家代码,如 CN"),
        C("green_factory", "绿色工厂", "O", "enum", "green_factory", en_help="MIIT green factory level",
          zh_help="工信部绿色工厂级别: none/provincial/national"),
        C("reporting_period_start", "报告期开始", "R", "date", en_help="date cell or ISO text 2025-01-01",
          zh_help="日期单元格或 2025-01-01"),
        C("reporting_period_end", "报告期结束", "R", "date", en_help="after the start", zh_help="晚于开始日期"),
        C("contact_email", "联系邮箱", "O", "email", en_help="contact for questions", zh_help="联系人邮箱"),
        C("template_version", "模板版本", "R", "version", en_help="1 (do not change)", zh_help="1(请勿修改)"),
    )),
    SheetSpec("Products", "产品", required=True, columns=(
        C("product_id", "产品编号", "R", "id", en_help=f"unique in the workbook ({_ID})",
          zh_help="本表内唯一", example="EXAMPLE"),
        C("product_name", "产品名称", "R", "text", example="LFP cell 280Ah", width=24),
        C("declared_unit", "声明单位", "R", "enum", "declared_unit",
          en_help="kWh = storage capacity; kWp = PV peak power", zh_help="kWh 指储能容量; kWp 指光伏峰值功率",
          example="kWh"),
        C("declared_amount", "声明数量", "O", "number", min=0, min_open=True,
          en_help="amount of declared_unit all other sheets refer to (default 1)",
          zh_help="其他各表数量所对应的声明单位数量,默认 1", example=1),
        C("mass_kg", "质量(kg)", "C", "number", min=0, min_open=True, unit="kg",
          en_help="mass per declared amount; required unless declared_unit is kg or t",
          zh_help="每声明数量的质量;声明单位不是 kg/t 时必填", example=5.6),
        C("production_region", "生产地区", "R", "region",
          en_help="CN, CN-NORTH.. grid region, CN-XX province (e.g. CN-GD) or ISO country code",
          zh_help="CN、区域电网(CN-NORTH 等)、省份 CN-XX(如 CN-GD)或国家代码", example="CN-FJ"),
        C("declared_pcf_kgco2e", "自报碳足迹", "O", "number", min=0, unit="kg CO2e",
          en_help="your own figure per declared amount", zh_help="企业自报的每声明数量碳足迹", example=""),
        C("annual_output", "年产量", "O", "number", min=0, unit="declared unit", example=""),
    )),
    SheetSpec("Materials", "物料", columns=(
        C("product_id", "产品编号", "R", "id", en_help="a product_id of the Products sheet", example="EXAMPLE"),
        C("line_id", "行号", "R", "line", en_help="unique per product", example=1, width=8),
        C("material", "物料名称", "R", "text", en_help="material name (English or Chinese) or dataset database:code",
          zh_help="物料名称(中英文)或背景数据集 database:code", example="lithium carbonate", width=26),
        C("amount", "数量", "R", "number", min=0, en_help="per declared amount of the product",
          zh_help="每声明数量产品的用量", example=0.52),
        C("unit", "单位", "R", "unit", en_help="g kg t L m3 kWh MWh MJ GJ m2 piece", example="kg", width=8),
        C("source", "数据来源", "R", "enum", "source", example="background"),
        C("reference", "引用", "C", "reference",
          en_help="COMPANY_ID/PRODUCT_ID for supplier_product; a pcf_id for supplier_pcf; "
                  "optional database:code for background", example=""),
        C("origin_region", "原产地区", "O", "region", example="CN"),
        C("recycled_share", "再生料比例", "O", "number", min=0, max=1, unit="0..1", example=0),
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
        C("supplier_ef_kgco2e_per_unit", "特定排放因子", "O", "number", min=0, unit="kg CO2e per unit",
          en_help="used for the market-based total only", example=""),
    )),
    SheetSpec("Transport", "运输", columns=(
        C("product_id", "产品编号", "R", "id", example="EXAMPLE"),
        C("mode", "运输方式", "R", "enum", "mode", example="truck"),
        C("mass_t", "质量(t)", "R", "number", min=0, min_open=True, unit="t", example=0.006),
        C("distance_km", "距离(km)", "R", "number", min=0, min_open=True, unit="km", example=800),
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
        C("primary_data_share", "初级数据比例", "O", "number", min=0, max=100, unit="%", example=40),
        C("dqr_technological", "数据质量(技术)", "O", "number", min=1, max=5, example=2),
        C("dqr_geographical", "数据质量(地理)", "O", "number", min=1, max=5, example=2),
        C("dqr_temporal", "数据质量(时间)", "O", "number", min=1, max=5, example=2),
        C("standard", "核算标准", "O", "enum", "standard", example="ISO 14067"),
        C("reference_period_end", "数据年份", "O", "date", example=""),
        C("verified", "第三方核查", "O", "enum", "verified", example="no"),
    )),
)}
del C
INSTRUCTION_SHEETS = ("Instructions", "说明")
_SUPPLIER_HEADER = {"field": ("field", "字段", "项目"), "value": ("value", "值", "内容", "填写"),
                    "note": ("note", "说明", "备注")}

# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class Resolution:
    """What ``resolve_material`` says about a material name or ``database:code``.

    ``code``: the background dataset (``"database:code"`` or a bare code), None when unknown;
    ``unit``: that dataset's Brightway unit (``kilogram``...); ``suggestions``: closest known names.
    """

    code: str | None
    unit: str | None = None
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True)
class SupplierInfo:
    """The Supplier sheet."""

    company_name: str
    company_id: str
    country: str                      # ISO 3166-1 alpha-2
    reporting_period_start: date
    reporting_period_end: date
    green_factory: str | None = None  # none | provincial | national
    contact_email: str | None = None
    template_version: int = TEMPLATE_VERSION


@dataclass(frozen=True)
class Product:
    """A Products row. Quantities of the other sheets are per ``declared_amount`` of ``declared_unit``."""

    product_id: str
    product_name: str
    declared_unit: str                # workbook unit: kg t piece m2 kWh kWp
    declared_amount: float            # [declared_unit], > 0
    production_region: str            # REGIONS code
    mass_kg: float | None             # [kg] per declared amount (derived when declared_unit is kg or t)
    declared_pcf_kgco2e: float | None  # [kg CO2e] per declared amount
    annual_output: float | None       # [declared_unit / year]
    row: int


@dataclass(frozen=True)
class MaterialLine:
    """A Materials row: ``amount`` [``unit``] per declared amount of product ``product_id``.

    ``dataset`` / ``dataset_unit`` / ``dataset_amount``: for ``background`` lines the
    resolved dataset, its Brightway unit and the amount converted to it; for
    ``supplier_pcf`` lines the PCF's declared unit (as a Brightway unit) and the
    amount converted to it (``dataset`` None); for ``supplier_product`` lines the
    referenced product's unit is only known at link time (all three None, unless
    the material name also resolved, which then only serves reporting).
    """

    product_id: str
    line_id: str
    material: str
    amount: float
    unit: str                          # workbook unit
    source: str                        # background | supplier_product | supplier_pcf
    reference: str | None              # COMPANY_ID/PRODUCT_ID | pcf_id | database:code | None
    origin_region: str | None
    recycled_share: float | None       # [0..1]
    supplier_name: str | None
    dataset: str | None
    dataset_unit: str | None
    dataset_amount: float | None
    row: int

    @property
    def reference_company(self) -> str | None:
        """COMPANY_ID of a supplier_product reference."""
        return self.reference.split("/", 1)[0] if self.source == "supplier_product" and self.reference else None

    @property
    def reference_product(self) -> str | None:
        """PRODUCT_ID of a supplier_product reference."""
        return self.reference.split("/", 1)[1] if self.source == "supplier_product" and self.reference else None


@dataclass(frozen=True)
class EnergyLine:
    """An Energy row. ``reference_amount`` is ``amount`` in ``reference_unit`` (CARRIERS[carrier].reference_unit)."""

    product_id: str
    carrier: str
    amount: float
    unit: str
    reference_amount: float
    reference_unit: str                # Brightway unit name
    grid_region: str | None            # electricity: as given or the product's production_region
    sourcing: str | None               # electricity: as given or "grid"; else None
    supplier_ef_kgco2e_per_unit: float | None  # [kg CO2e / unit] (the row's workbook unit)
    row: int


@dataclass(frozen=True)
class TransportLine:
    """A Transport row: ``mass_t`` [t] over ``distance_km`` [km] per declared amount."""

    product_id: str
    mode: str
    mass_t: float
    distance_km: float
    direction: str
    row: int

    @property
    def tkm(self) -> float:
        """Freight [t*km]."""
        return self.mass_t * self.distance_km


@dataclass(frozen=True)
class EmissionLine:
    """An Emissions row; ``gas`` is a gas_code of inventories/flows.csv; ``amount_kg`` [kg]."""

    product_id: str
    gas: str
    amount: float
    unit: str
    amount_kg: float
    row: int


@dataclass(frozen=True)
class SupplierPCF:
    """A SupplierPCFs row: ``pcf_kgco2e`` [kg CO2e] per one ``declared_unit``."""

    pcf_id: str
    supplier_name: str
    product_name: str
    declared_unit: str
    pcf_kgco2e: float
    primary_data_share: float | None   # [%] 0..100
    dqr_technological: float | None    # [1..5]
    dqr_geographical: float | None
    dqr_temporal: float | None
    standard: str | None
    reference_period_end: date | None
    verified: bool | None
    row: int


@dataclass(frozen=True)
class Submission:
    """One validated workbook. Use only when ``validate`` returned no error issue.

    ``supplier`` is None only for a blank workbook (the template as written),
    which has no records either. ``sheet_titles`` maps sheet keys (``Materials``)
    to the titles used in the file (``物料``), for issues found later.
    """

    supplier: SupplierInfo | None
    products: tuple[Product, ...] = ()
    materials: tuple[MaterialLine, ...] = ()
    energy: tuple[EnergyLine, ...] = ()
    transport: tuple[TransportLine, ...] = ()
    emissions: tuple[EmissionLine, ...] = ()
    pcfs: tuple[SupplierPCF, ...] = ()
    source_file: str | None = None
    sheet_titles: dict[str, str] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return self.supplier is None and not self.products

    def product_ref(self, product_id: str) -> str:
        """``COMPANY_ID/PRODUCT_ID``."""
        return f"{self.supplier.company_id}/{product_id}" if self.supplier else product_id

    def lines_of(self, product_id: str) -> dict[str, tuple]:
        """All lines of one product by sheet key."""
        return {
            "Materials": tuple(m for m in self.materials if m.product_id == product_id),
            "Energy": tuple(e for e in self.energy if e.product_id == product_id),
            "Transport": tuple(t for t in self.transport if t.product_id == product_id),
            "Emissions": tuple(e for e in self.emissions if e.product_id == product_id),
        }


# ---------------------------------------------------------------- resolvers and gases

def dict_resolver(entries: dict[str, tuple[str, str]]) -> Callable[[str], Resolution]:
    """A ``resolve_material`` from ``{name: (code, bw_unit)}``; names match case-insensitively.

    ``database:code`` strings resolve when the code (or the whole string) is a
    known code. Unknown names get up to 5 suggestions (difflib).
    """
    by_name = {_norm_text(k): v for k, v in entries.items()}
    by_code = {code: unit for code, unit in entries.values()}
    names = list(entries)

    def resolve(name: str) -> Resolution:
        hit = by_name.get(_norm_text(name))
        if hit:
            return Resolution(hit[0], hit[1])
        if ":" in name:
            code = name.split(":", 1)[1]
            for c in (name, code):
                if c in by_code:
                    return Resolution(c, by_code[c])
        close = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
        if not close:
            low = _norm_text(name)
            close = [n for n in names if low and (low in _norm_text(n) or _norm_text(n) in low)][:5]
        return Resolution(None, None, tuple(close))

    return resolve


def _inventories_dir() -> Path:
    from ..inventory import inventories_dir

    return inventories_dir()


_GASES: dict[str, str] | None = None


def gas_codes() -> dict[str, str]:
    """Normalized spelling -> gas_code, from inventories/flows.csv (gas codes and aliases; emissions to air only)."""
    global _GASES
    if _GASES is None:
        out: dict[str, str] = {}
        path = _inventories_dir() / "flows.csv"
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                code = (row.get("gas_code") or "").strip()
                if not code or (row.get("categories") or "").startswith("natural resource"):
                    continue
                out[_norm_key(code)] = code
                out.setdefault(_norm_key(row.get("alias") or ""), code)
        out.pop("", None)
        _GASES = out
    return _GASES


# ---------------------------------------------------------------- normalisation

_TRIM = " \t\r\n\u00a0\u2007\u202f\u3000\u200b\ufeff"


_MEMO_LEN = 200  # [chars] only short texts are memoised: 8,192 x 200 chars bounds the caches' memory


def _norm_text(s: str) -> str:
    return _norm_text_memo(s) if len(s) <= _MEMO_LEN else _norm_text_raw(s)


def _norm_text_raw(s: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", s).strip(_TRIM).lower().split())


_norm_text_memo = functools.lru_cache(maxsize=8192)(_norm_text_raw)  # pure; cell texts recur row after row


def _norm_key(s: str) -> str:
    """Header/enum key: NFKC, lower case, without spaces, ``_``, ``-`` and a trailing ``*``."""
    return _norm_key_memo(s) if len(s) <= _MEMO_LEN else _norm_key_raw(s)


def _norm_key_raw(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).lower().strip(_TRIM).rstrip("*")
    return re.sub(r"[\s_\-\u00a0\u3000]+", "", s)


_norm_key_memo = functools.lru_cache(maxsize=8192)(_norm_key_raw)


def _key_index(columns: Iterable[Column]) -> dict[str, str]:
    idx: dict[str, str] = {}
    for c in columns:
        idx[_norm_key(c.key)] = c.key
        idx[_norm_key(c.zh)] = c.key
    return idx


_ASCII_THEN_CJK = re.compile(r"^([\x00-\x7f]+?)[\s:：]*([^\x00-\x7f].*)$")


def _match(text: str, index: dict[str, str]) -> str | None:
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


_SPEC_INDEX: dict[str, tuple[SheetSpec, dict[str, str]]] = {}  # sheet key -> (spec, its _key_index)


def _spec_index(spec: SheetSpec) -> dict[str, str]:
    """``_key_index`` of a sheet's columns, built once per sheet spec (not once per header cell)."""
    hit = _SPEC_INDEX.get(spec.key)
    if hit is None or hit[0] is not spec:
        hit = _SPEC_INDEX[spec.key] = (spec, _key_index(spec.columns))
    return hit[1]


def match_header(text: object, spec: SheetSpec) -> str | None:
    """Column key a header cell names (``key``, Chinese label or ``key | 中文``, tolerant), or None."""
    if not isinstance(text, str):
        return None
    return _match(text, _spec_index(spec))


def match_sheet(title: str) -> str | None:
    """Sheet key a sheet title names (``Materials``, ``物料``, ``Materials | 物料``), ``"Instructions"``, or None."""
    index = {_norm_key(s.key): s.key for s in SHEETS.values()}
    index.update({_norm_key(s.zh): s.key for s in SHEETS.values()})
    index.update({_norm_key(t): "Instructions" for t in INSTRUCTION_SHEETS})
    return _match(title, index)


# ---------------------------------------------------------------- cell parsing

class _Bad(Exception):
    """A cell value was rejected; carries code and message (the fix)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def parse_number(value: object) -> float:
    """A numeric cell value or unambiguous dot-decimal text -> float; raises ``_Bad`` otherwise.

    ``"1.5"``, ``"1500"``, ``"1.5e3"``, ``"'7"`` and NBSP-padded text are accepted;
    ``"1,5"`` and ``"1.234,5"`` are ambiguous; non-finite values and values beyond
    float32 range are refused.
    """
    if isinstance(value, bool):
        raise _Bad("not_a_number", f"{value!r} is a true/false cell, not a number: enter the number")
    if isinstance(value, (int, float)):
        x = float(value)
    elif isinstance(value, datetime | date):
        raise _Bad("not_a_number", f"a date ({value:%Y-%m-%d}) is not a number: format the cell as a number")
    elif isinstance(value, str):
        s = unicodedata.normalize("NFKC", value).strip(_TRIM)
        if s.startswith("'"):
            s = s[1:].strip(_TRIM)
        if "," in s or "，" in value:
            raise _Bad("ambiguous_decimal",
                       f"{value!r} contains a comma: write the number with a dot decimal and no thousands "
                       "separator (1.5, 1234.5), or make the cell numeric")
        if not _NUMBER.match(s):
            hint = ""
            if s.endswith("%"):
                hint = " (write a share as a plain number, e.g. 0.3 or 30 as the column asks)"
            elif re.match(r"^[+-]?[\d.]+\s*[^\d\s.]+$", s):
                hint = " (put the unit in the unit column, not next to the number)"
            raise _Bad("not_a_number", f"{value!r} is not a number{hint}: enter a number such as 1.5")
        x = float(s)
    else:
        raise _Bad("not_a_number", f"{value!r} is not a number")
    if not math.isfinite(x):
        raise _Bad("not_finite", f"{value!r} is not a finite number: enter a finite amount")
    if abs(x) > FLOAT32_LIMIT:
        raise _Bad("out_of_range", f"{x:g} is beyond float32 range (|x| <= {FLOAT32_LIMIT:.3g}): "
                                   "check the magnitude and unit")
    return x


def _as_text(value: object) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return unicodedata.normalize("NFC", str(value)).strip(_TRIM)


def _parse_date(value: object) -> date:
    if isinstance(value, datetime):
        d = value.date()
    elif isinstance(value, date):
        d = value
    elif isinstance(value, str):
        s = unicodedata.normalize("NFKC", value).strip(_TRIM)
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
                raise ValueError
            d = date.fromisoformat(s)
        except ValueError:
            raise _Bad("not_a_date", f"{value!r} is not a date: use a date cell or ISO text like 2025-01-31") from None
    else:
        raise _Bad("not_a_date", f"{value!r} is not a date: use a date cell or ISO text like 2025-01-31")
    if not YEAR_MIN <= d.year <= YEAR_MAX:
        raise _Bad("out_of_range", f"{d.isoformat()} is implausible (years {YEAR_MIN}..{YEAR_MAX}): check the year")
    return d


_ENUM_INDEX: dict[str, tuple[tuple[str, ...], dict, dict[str, str]]] = {}


def _enum_index(enum: str, allowed: tuple[str, ...]) -> dict[str, str]:
    """Normalised key -> value of an enum: the allowed values first, then the synonyms (first match wins).

    Built once per enum (rebuilt if ENUMS or the synonyms are replaced), instead of normalising
    every allowed value for every cell.
    """
    syn = _ENUM_SYNONYMS.get(enum, {})
    got = _ENUM_INDEX.get(enum)
    if got is not None and got[0] is allowed and got[1] is syn:
        return got[2]
    idx: dict[str, str] = {}
    for a in allowed:
        idx.setdefault(_norm_key(a), a)
    for s, a in syn.items():
        idx.setdefault(_norm_key(s), a)
    _ENUM_INDEX[enum] = (allowed, syn, idx)
    return idx


def _parse_enum(value: object, enum: str) -> str:
    text = _as_text(value)
    allowed = ENUMS[enum]
    hit = _enum_index(enum, allowed).get(_norm_key(text))
    if hit is not None:
        return hit
    if enum == "declared_unit" or enum == "emission_unit":
        u = normalize_unit(text)
        if u in allowed:
            return u
        raise _Bad("unknown_unit", f"unit {text!r} is not allowed here: use one of {', '.join(allowed)}")
    raise _Bad(f"unknown_{'value' if enum in ('verified', 'direction', 'standard', 'green_factory') else enum}",
               f"{text!r} is not allowed: use one of {', '.join(allowed)}")


def _parse_region(value: object, countries_only: bool = False) -> str:
    text = unicodedata.normalize("NFKC", _as_text(value)).upper().replace("_", "-").replace(" ", "")
    valid = COUNTRIES if countries_only else REGIONS
    if text in valid:
        return text
    what = "an ISO 3166-1 alpha-2 country code (e.g. CN, DE)" if countries_only else (
        "CN, a grid region (CN-NORTH, CN-NORTHEAST, CN-EAST, CN-CENTRAL, CN-NORTHWEST, CN-SOUTH, CN-SOUTHWEST), "
        "a province CN-XX (e.g. CN-GD), an ISO country code, EU or GLO")
    raise _Bad("unknown_region" if not countries_only else "unknown_country", f"{_as_text(value)!r} is not {what}")


# ---------------------------------------------------------------- validation context

class _Ctx:
    """Collects issues for one workbook."""

    def __init__(self, raw: RawWorkbook, resolve: Callable[[str], Resolution]):
        self.raw, self.resolve = raw, resolve
        self.issues: list[InputIssue] = []
        self.titles: dict[str, str] = {}
        self.pcf_ids: set[str] = set()

    def add(self, sheet: str | None, row: int | None, column: str | None, code: str, message: str,
            severity: str = "error") -> None:
        self.issues.append(InputIssue(sheet, row, column, code, message, severity, self.raw.path))

    @property
    def has_errors(self) -> bool:
        return any(i.severity == "error" for i in self.issues)


class _Row:
    """One data row being validated: typed values by column key; ``ok`` False after an error."""

    def __init__(self, ctx: _Ctx, sheet: RawSheet, spec: SheetSpec, number: int, cells: dict[str, Cell]):
        self.ctx, self.sheet, self.spec, self.number, self.cells = ctx, sheet, spec, number, cells
        self.values: dict[str, object] = {}
        self.ok = True

    def error(self, key: str | None, code: str, message: str, severity: str = "error") -> None:
        cell = self.cells.get(key) if key else None
        where = f"{cell.coordinate} ({key}): " if cell else (f"row {self.number}, {key}: " if key else "")
        self.ctx.add(self.sheet.title, self.number, key, code, where + message, severity)
        if severity == "error":
            self.ok = False

    def get(self, key: str):
        return self.values.get(key)


def _cell_value(row: _Row, key: str, cell: Cell) -> object:
    """The usable value of a cell after the formula/error rules, or raises _Bad."""
    if cell.external:
        raise _Bad("external_link", f"the formula ={cell.formula} takes its value from another workbook: "
                                    "paste the value instead")
    if cell.kind == "formula_nocache":
        raise _Bad("formula_no_cache", f"the formula ={cell.formula} has no saved value: "
                                       "open and save the file in Excel first")
    if cell.kind == "error":
        raise _Bad("error_cell", f"the cell holds the Excel error {cell.value}: fix the formula or enter the value")
    if cell.formula is not None:
        row.error(key, "formula_value", f"formula ={cell.formula or '(shared)'}: its saved value "
                                        f"{_as_text(cell.value)!r} is used; check it, or paste values", "warning")
    return cell.value


def _is_placeholder(value: object) -> bool:
    return isinstance(value, str) and _norm_text(value) in _PLACEHOLDERS


def _parse_field(row: _Row, col: Column) -> None:
    """Parse one column of a row into ``row.values[col.key]`` (None when blank); report problems."""
    cell = row.cells.get(col.key)
    if cell is None:
        if col.need == "R":
            row.error(col.key, "missing_value", f"{col.key} ({col.zh}) is required: fill it in")
        row.values[col.key] = None
        return
    try:
        value = _cell_value(row, col.key, cell)
        if _is_placeholder(value) and not (col.type in ("region", "country") and _norm_text(value) == "na"):
            if col.need == "R":
                raise _Bad("missing_value", f"{value!r} is a placeholder, not a value: {col.key} ({col.zh}) "
                                            "is required; enter it (0 if there is none)")
            row.values[col.key] = None
            return
        row.values[col.key] = _convert(row, col, value)
    except _Bad as bad:
        row.error(col.key, bad.code, bad.message)
        row.values[col.key] = None


def _convert(row: _Row, col: Column, value: object) -> object:
    t = col.type
    if t == "number":
        x = parse_number(value)
        _check_range(x, col)
        return x
    if t == "date":
        return _parse_date(value)
    if t == "enum":
        return _parse_enum(value, col.enum or "")
    if t in ("region", "country"):
        code = _parse_region(value, countries_only=(t == "country"))
        if code == "NA":
            row.error(col.key, "ambiguous_na", "'NA' is read as Namibia; if you meant 'not available', "
                                               "leave the cell empty", "warning")
        return code
    if t == "unit":
        u = normalize_unit(value)
        if u is None:
            raise _Bad("unknown_unit", f"{_as_text(value)!r} is not a known unit: use one of {', '.join(UNITS)}")
        return u
    if t == "gas":
        text = _as_text(value)
        code = gas_codes().get(_norm_key(text))
        if code is None:
            known = sorted(set(gas_codes().values()))
            raise _Bad("unknown_gas", f"{text!r} is not a known gas: use one of {', '.join(known)}")
        return code
    if t == "version":
        try:
            v = parse_number(value)
        except _Bad:
            v = None
        if v != TEMPLATE_VERSION:
            raise _Bad("unsupported_template_version",
                       f"template_version {_as_text(value)!r} is not supported: this program reads version "
                       f"{TEMPLATE_VERSION}; fill in a new template (lca template OUT.xlsx)")
        return TEMPLATE_VERSION
    text = _as_text(value)
    if t == "id":
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", text):
            raise _Bad("bad_id", f"{text!r} is not a valid id: use {_ID}")
    elif t == "line":
        if len(text) > 64:
            raise _Bad("bad_id", "line_id is longer than 64 characters")
    elif t == "email":
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
            row.error(col.key, "bad_email", f"{text!r} does not look like an e-mail address", "warning")
    elif len(text) > 1000:
        raise _Bad("text_too_long", f"text of {len(text)} characters: keep it under 1000")
    return text


def _check_range(x: float, col: Column) -> None:
    if col.min is not None and (x <= col.min if col.min_open else x < col.min):
        op = ">" if col.min_open else ">="
        code = "negative_value" if x < 0 else "out_of_range"
        raise _Bad(code, f"{x:g} is not allowed: {col.key} must be {op} {col.min:g}")
    if col.max is not None and x > col.max:
        hint = ""
        if col.key == "recycled_share" and x <= 100:
            hint = f" (a share, 0..1: {x:g}% is {x / 100:g})"
        raise _Bad("out_of_range", f"{x:g} is above the maximum {col.max:g} of {col.key}{hint}")


# ---------------------------------------------------------------- sheets

def _sheet_checks(ctx: _Ctx, sheet: RawSheet, spec: SheetSpec) -> None:
    """Workbook-shape findings for a data sheet: hidden rows/columns, merged cells."""
    title = sheet.title
    if sheet.header_hidden:
        ctx.add(title, 1, None, "hidden_header",
                "the header row 1 is hidden but names the columns: unhide it to check the headers", "warning")
    hidden = [r.number for r in sheet.rows if r.hidden]
    for n in hidden[:MAX_ROW_WARNINGS]:
        ctx.add(title, n, None, "hidden_row", f"row {n} is hidden but is read as data: unhide it to check it",
                "warning")
    if len(hidden) > MAX_ROW_WARNINGS:
        more = hidden[MAX_ROW_WARNINGS:]
        ctx.add(title, more[0], None, "hidden_row",
                f"{len(more)} more hidden rows are read as data (rows {', '.join(map(str, more[:5]))}"
                f"{', ...' if len(more) > 5 else ''}; {len(hidden)} in all): unhide all rows "
                "(select the sheet, Format > Unhide Rows) to check them", "warning")
    for lo, hi in sheet.hidden_columns[:50]:
        ctx.add(title, None, None, "hidden_column",
                f"columns {column_letter(lo)}..{column_letter(hi)} are hidden: unhide them to check them", "warning")
    for r1, c1, r2, c2 in sheet.merged:
        ref = f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}"
        if r2 >= 2:
            ctx.add(title, max(r1, 2), None, "merged_cells",
                    f"cells {ref} are merged: only the first holds a value; unmerge them and fill every cell")
        else:
            ctx.add(title, 1, None, "merged_cells", f"header cells {ref} are merged: unmerge them", "warning")


def _map_headers(ctx: _Ctx, sheet: RawSheet, spec: SheetSpec) -> dict[int, str]:
    """Column number -> key; reports duplicate, unknown and missing columns."""
    title = sheet.title
    mapping: dict[int, str] = {}
    seen: dict[str, int] = {}
    for col in sorted(sheet.header):
        cell = sheet.header[col]
        key = match_header(_as_text(cell.value), spec) if cell.kind == "text" else None
        if key is None:
            ctx.add(title, 1, None, "unknown_column",
                    f"{cell.coordinate}: column {_as_text(cell.value)!r} is not part of the {spec.key} sheet and "
                    f"is ignored (columns: {', '.join(c.key for c in spec.columns)})", "warning")
            continue
        if key in seen:
            ctx.add(title, 1, key, "duplicate_header",
                    f"{cell.coordinate}: column {key} also appears in {column_letter(seen[key])}1: keep one")
            continue
        seen[key] = col
        mapping[col] = key
    data_cols = {c for r in sheet.rows for c in r.cells}
    for col in sorted(data_cols - set(sheet.header))[:20]:
        ctx.add(title, 1, None, "unnamed_column",
                f"column {column_letter(col)} has data but no header: it is ignored", "warning")
    for c in spec.columns:
        if c.need == "R" and c.key not in seen:
            ctx.add(title, 1, c.key, "missing_column",
                    f"required column {c.key} ({c.zh}) is missing: add it to row 1")
    return mapping


def _is_example(cells: dict[str, Cell], spec: SheetSpec) -> bool:
    if not spec.example_column:
        return False
    cell = cells.get(spec.example_column)
    return cell is not None and cell.kind == "text" and _norm_text(str(cell.value)) in EXAMPLE_IDS


def _table_rows(ctx: _Ctx, sheet: RawSheet, spec: SheetSpec) -> list[_Row]:
    """Parse every data row of a table sheet into typed values."""
    _sheet_checks(ctx, sheet, spec)
    mapping = _map_headers(ctx, sheet, spec)
    if any(i.code == "missing_column" and i.sheet == sheet.title for i in ctx.issues):
        return []
    rows = []
    columns = spec.columns
    for raw in sheet.rows:
        cells = {mapping[c]: cell for c, cell in raw.cells.items() if c in mapping}
        if not cells or _is_example(cells, spec):
            continue
        row = _Row(ctx, sheet, spec, raw.number, cells)
        values = row.values
        for col in columns:
            if col.key not in cells and col.need != "R":
                values[col.key] = None  # what _parse_field does for an empty optional cell, without the call
            else:
                _parse_field(row, col)
        rows.append(row)
    return rows


def _supplier(ctx: _Ctx, sheet: RawSheet | None) -> tuple[SupplierInfo | None, bool]:
    """(SupplierInfo or None, blank) from the field/value Supplier sheet."""
    spec = SHEETS["Supplier"]
    if sheet is None:  # reported by validate (a required sheet)
        return None, False
    _sheet_checks(ctx, sheet, spec)
    value_col, rows = 2, list(sheet.rows)
    hidx = {_norm_key(a): k for k, alts in _SUPPLIER_HEADER.items() for a in alts}
    head = {c: _match(_as_text(cell.value), hidx) for c, cell in sheet.header.items()}
    if head.get(1) != "field":
        if sheet.header:
            rows.insert(0, RawRow(1, sheet.header))  # no header row: row 1 is a field
    else:
        value_col = next((c for c, h in head.items() if h == "value"), 2)
    fields: dict[str, Cell] = {}
    row_of: dict[str, int] = {}
    index = _key_index(spec.columns)
    for raw in rows:
        label = raw.cells.get(1)
        if label is None:
            if raw.cells:
                ctx.add(sheet.title, raw.number, None, "unknown_field",
                        f"row {raw.number} has a value but no field name in column A: it is ignored", "warning")
            continue
        key = _match(_as_text(label.value), index)
        if key is None:
            ctx.add(sheet.title, raw.number, None, "unknown_field",
                    f"{label.coordinate}: field {_as_text(label.value)!r} is not part of the Supplier sheet "
                    "and is ignored", "warning")
            continue
        if key in row_of:
            ctx.add(sheet.title, raw.number, key, "duplicate_field",
                    f"{label.coordinate}: field {key} is also in row {row_of[key]}: keep one")
            continue
        row_of[key] = raw.number
        if value_col in raw.cells:
            fields[key] = raw.cells[value_col]
    blank = not any(k != "template_version" for k in fields)
    if blank:
        return None, True
    values: dict[str, object] = {}
    ok = True
    for col in spec.columns:
        r = _Row(ctx, sheet, spec, row_of.get(col.key, 0) or None, {col.key: fields[col.key]} if col.key in fields else {})
        if col.key not in row_of and col.need == "R":
            ctx.add(sheet.title, None, col.key, "missing_value",
                    f"field {col.key} ({col.zh}) is missing: add a row with it in column A and its value in "
                    f"column {column_letter(value_col)}")
            ok = False
            continue
        _parse_field(r, col)
        ok &= r.ok
        values[col.key] = r.values.get(col.key)
    start, end = values.get("reporting_period_start"), values.get("reporting_period_end")
    if isinstance(start, date) and isinstance(end, date) and end <= start:
        ctx.add(sheet.title, row_of.get("reporting_period_end"), "reporting_period_end", "bad_period",
                f"the reporting period ends ({end}) before it starts ({start}): check both dates")
        ok = False
    if not ok:
        return None, False
    return SupplierInfo(
        company_name=values["company_name"], company_id=values["company_id"], country=values["country"],
        reporting_period_start=start, reporting_period_end=end, green_factory=values.get("green_factory"),
        contact_email=values.get("contact_email"), template_version=TEMPLATE_VERSION), False


def _locate_sheets(ctx: _Ctx) -> dict[str, RawSheet]:
    found: dict[str, RawSheet] = {}
    for title, sheet in ctx.raw.sheets.items():
        key = match_sheet(title)
        if key == "Instructions":
            continue
        if key is None:
            ctx.add(title, None, None, "unknown_sheet",
                    f"sheet {title!r} is not part of the template and is ignored "
                    f"(sheets: {', '.join(f'{s.key}/{s.zh}' for s in SHEETS.values())})", "warning")
            continue
        if key in found:
            ctx.add(title, None, None, "duplicate_sheet",
                    f"sheet {title!r} and sheet {found[key].title!r} are both the {key} sheet: keep one")
            continue
        found[key] = sheet
        ctx.titles[key] = title
    return found


# ---------------------------------------------------------------- records from rows

def _check_unique(r: "_Row", key: str, value, seen: dict[str, int]) -> None:
    """An id used twice in one sheet is an error naming the row that used it first."""
    if value is None:
        return
    if value in seen:
        r.error(key, "duplicate_id", f"{key} {value!r} is already used in row {seen[value]}: give each row its own id")
    else:
        seen[value] = r.number


def _products(ctx: _Ctx, rows: list[_Row]) -> dict[str, Product]:
    out: dict[str, Product] = {}
    seen: dict[str, int] = {}
    for r in rows:
        pid = r.get("product_id")
        _check_unique(r, "product_id", pid, seen)
        unit, mass = r.get("declared_unit"), r.get("mass_kg")
        amount = r.get("declared_amount") if r.get("declared_amount") is not None else 1.0
        if unit is not None and unit not in ("kg", "t") and mass is None and r.cells.get("mass_kg") is None:
            r.error("mass_kg", "missing_value",
                    f"mass_kg (质量(kg)) is required when declared_unit is {unit}: enter the mass per declared amount")
        if unit in ("kg", "t"):
            implied = amount * UNITS[unit].base_factor
            if mass is not None and abs(mass - implied) > MASS_TOLERANCE * implied:
                r.error("mass_kg", "mass_inconsistent",
                        f"mass_kg {mass:g} does not match the declared {amount:g} {unit} ({implied:g} kg; more "
                        f"than {MASS_TOLERANCE:.0%} apart): correct mass_kg or leave it empty", "warning")
            mass = implied if mass is None else mass
        if not r.ok or pid is None:
            continue
        out[pid] = Product(pid, r.get("product_name"), unit, float(amount), r.get("production_region"), mass,
                           r.get("declared_pcf_kgco2e"), r.get("annual_output"), r.number)
    return out


def _check_product(r: _Row, products: dict[str, Product], all_ids: set[str]) -> Product | None:
    pid = r.get("product_id")
    if pid is None:
        return None
    if pid not in all_ids:
        known = ", ".join(sorted(all_ids)[:10]) or "none"
        r.error("product_id", "unknown_product",
                f"product_id {pid!r} is not in the Products sheet (known: {known}): add it there or fix the id")
        return None
    return products.get(pid)


def _materials(rows: list[_Row], products: dict[str, Product], ids: set[str],
               pcfs: dict[str, SupplierPCF], company_id: str | None) -> list[MaterialLine]:
    out: list[MaterialLine] = []
    seen: dict[tuple[str, str], int] = {}
    for r in rows:
        _check_product(r, products, ids)
        pid, line = r.get("product_id"), r.get("line_id")
        if pid is not None and line is not None:
            if (pid, line) in seen:
                r.error("line_id", "duplicate_id", f"line_id {line!r} of product {pid!r} is already used in "
                                                   f"row {seen[(pid, line)]}")
            else:
                seen[(pid, line)] = r.number
        dataset, ds_unit, ds_amount = _link_material(r, pcfs, ids, company_id)
        if not r.ok:
            continue
        out.append(MaterialLine(pid, line, r.get("material"), r.get("amount"), r.get("unit"), r.get("source"),
                                r.get("reference"), r.get("origin_region"), r.get("recycled_share"),
                                r.get("supplier_name"), dataset, ds_unit, ds_amount, r.number))
    return out


def _link_material(r: _Row, pcfs: dict[str, SupplierPCF], ids: set[str], company_id: str | None):
    """Check source/reference/material/unit of a Materials row; (dataset, its unit, converted amount)."""
    source, ref, unit, amount = r.get("source"), r.get("reference"), r.get("unit"), r.get("amount")
    material = r.get("material")
    if source is None or material is None:
        return None, None, None
    if source == "supplier_product":
        if ref is None:
            r.error("reference", "missing_value", "a supplier_product line needs reference COMPANY_ID/PRODUCT_ID")
        elif not re.fullmatch(r"[A-Za-z0-9._-]{1,64}/[A-Za-z0-9._-]{1,64}", ref):
            r.error("reference", "bad_reference",
                    f"{ref!r} is not COMPANY_ID/PRODUCT_ID (e.g. ACME-CATHODE/NCM811-CAM)")
        elif company_id and ref.split("/")[0] == company_id and ref.split("/")[1] not in ids:
            r.error("reference", "unknown_product",
                    f"{ref!r} names your own company but product {ref.split('/')[1]!r} is not in Products")
        res = r.ctx.resolve(material)
        return (res.code, res.unit, None) if res.code else (None, None, None)
    if source == "supplier_pcf":
        if ref is None:
            r.error("reference", "missing_value", "a supplier_pcf line needs reference = a pcf_id of SupplierPCFs")
            return None, None, None
        pcf = pcfs.get(ref)
        if pcf is None and ref in r.ctx.pcf_ids:
            return None, None, None  # that PCF row has its own error
        if pcf is None:
            known = ", ".join(sorted(pcfs)[:10]) or "none"
            r.error("reference", "unknown_reference",
                    f"pcf_id {ref!r} is not in the SupplierPCFs sheet (known: {known})")
            return None, None, None
        bw = UNITS[pcf.declared_unit].bw_unit
        return None, bw, _converted(r, amount, unit, bw, f"the PCF {ref} is per {pcf.declared_unit}")
    # background
    if ref is not None and not re.fullmatch(r"[^:\s]+:[^:\s]+", ref):
        r.error("reference", "bad_reference", f"{ref!r} is not a dataset reference database:code")
        return None, None, None
    res = r.ctx.resolve(ref or material)
    if res.code is None:
        sugg = f" Closest known names: {', '.join(res.suggestions)}." if res.suggestions else ""
        why = f" {res.reason}." if getattr(res, "reason", "") else ""
        key = "reference" if ref else "material"
        r.error(key, "unknown_material",
                f"{(ref or material)!r} is not a known material or dataset.{why}{sugg} Use a name from "
                "inventories/aliases.csv or a dataset database:code")
        return None, None, None
    if res.unit is None:
        return res.code, None, None
    return res.code, res.unit, _converted(r, amount, unit, res.unit, f"the dataset {res.code} is per {res.unit}")


def _converted(r: _Row, amount, unit, target: str, why: str) -> float | None:
    if unit is None or amount is None:
        return None
    if not is_convertible(unit, target):
        ok_units = [u for u, d in UNITS.items() if d.dimension == dimension(target)]
        r.error("unit", "unit_mismatch", f"{unit} cannot be converted: {why}; use one of {', '.join(ok_units)}")
        return None
    return convert(amount, unit, target)


def _energy(rows: list[_Row], products: dict[str, Product], ids: set[str]) -> list[EnergyLine]:
    out = []
    for r in rows:
        prod = _check_product(r, products, ids)
        carrier, unit, amount = r.get("carrier"), r.get("unit"), r.get("amount")
        ref_amount = None
        if carrier is not None and unit is not None:
            allowed = CARRIERS[carrier].units
            if unit not in allowed:
                r.error("unit", "unknown_unit", f"{unit} is not a unit for {carrier}: use one of {', '.join(allowed)}")
            elif amount is not None:
                ref_amount = convert_carrier(carrier, amount, unit)
        region, sourcing = r.get("grid_region"), r.get("sourcing")
        if carrier is not None and carrier != "electricity":
            for key, val in (("grid_region", region), ("sourcing", sourcing)):
                if val is not None:
                    r.error(key, "ignored_value", f"{key} applies to electricity only and is ignored for {carrier}",
                            "warning")
            region = sourcing = None
        elif carrier == "electricity":
            region = region or (prod.production_region if prod else None)
            sourcing = sourcing or "grid"
        if not r.ok:
            continue
        out.append(EnergyLine(r.get("product_id"), carrier, amount, unit, ref_amount,
                              CARRIERS[carrier].reference_unit, region, sourcing,
                              r.get("supplier_ef_kgco2e_per_unit"), r.number))
    return out


def _transport(rows, products, ids) -> list[TransportLine]:
    out = []
    for r in rows:
        _check_product(r, products, ids)
        if r.ok:
            out.append(TransportLine(r.get("product_id"), r.get("mode"), r.get("mass_t"), r.get("distance_km"),
                                     r.get("direction") or "inbound", r.number))
    return out


def _emissions(rows, products, ids) -> list[EmissionLine]:
    out = []
    for r in rows:
        _check_product(r, products, ids)
        if r.ok:
            amount, unit = r.get("amount"), r.get("unit")
            out.append(EmissionLine(r.get("product_id"), r.get("gas"), amount, unit,
                                    amount * UNITS[unit].base_factor, r.number))
    return out


def _pcfs(ctx: _Ctx, rows: list[_Row], supplier: SupplierInfo | None) -> dict[str, SupplierPCF]:
    out: dict[str, SupplierPCF] = {}
    seen: dict[str, int] = {}
    for r in rows:
        pid = r.get("pcf_id")
        _check_unique(r, "pcf_id", pid, seen)
        end = r.get("reference_period_end")
        if end is not None and supplier is not None:
            start = supplier.reporting_period_start
            limit = _years_before(start, PCF_VALIDITY_YEARS)
            if end < limit:
                r.error("reference_period_end", "pcf_outdated",
                        f"the PCF's reference period ended {end}, more than {PCF_VALIDITY_YEARS} years before this workbook's period "
                        f"({start}): ask the supplier for an updated PCF (PACT validity)", "warning")
        if not r.ok or pid is None:
            continue
        verified = r.get("verified")
        out[pid] = SupplierPCF(pid, r.get("supplier_name"), r.get("product_name"), r.get("declared_unit"),
                               r.get("pcf_kgco2e"), r.get("primary_data_share"), r.get("dqr_technological"),
                               r.get("dqr_geographical"), r.get("dqr_temporal"), r.get("standard"), end,
                               None if verified is None else verified == "yes", r.number)
    return out


def _years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def _mass_balance(ctx: _Ctx, products: dict[str, Product], materials: list[MaterialLine], title: str) -> None:
    """Warn when the mass of a product differs from the mass of its materials by more than MASS_TOLERANCE."""
    totals: dict[str, float] = {}
    for m in materials:
        if dimension(m.unit) == "mass":
            totals[m.product_id] = totals.get(m.product_id, 0.0) + m.amount * UNITS[m.unit].base_factor
    for pid, total in totals.items():
        p = products.get(pid)
        if p is None or not p.mass_kg or total <= 0:
            continue
        if abs(total - p.mass_kg) > MASS_TOLERANCE * p.mass_kg:
            ctx.add(title, p.row, "mass_kg", "mass_inconsistent",
                    f"product {pid}: materials weigh {total:g} kg per declared amount but mass_kg is "
                    f"{p.mass_kg:g} kg (more than {MASS_TOLERANCE:.0%} apart): check amounts, units and declared_amount", "warning")


# ---------------------------------------------------------------- entry point

def validate(raw: RawWorkbook, resolve_material: Callable[[str], Resolution]
             ) -> tuple[Submission, list[InputIssue]]:
    """Check a workbook against template version 1 and build typed records.

    Parameters
    ----------
    raw : RawWorkbook
        From :func:`lca.supply.workbook.read_workbook`.
    resolve_material : callable
        ``name_or_ref -> Resolution``: material names (English/Chinese) and
        ``database:code`` strings to background datasets.

    Returns
    -------
    (Submission, list[InputIssue])
        All problems at once, sorted by sheet order and row. When any issue has
        severity ``error`` the submission is partial and must not be stored.
        A blank workbook (the template as written) gives an empty submission
        and one ``blank_workbook`` warning.
    """
    ctx = _Ctx(raw, resolve_material)
    sheets = _locate_sheets(ctx)
    for spec in SHEETS.values():
        if spec.required and spec.key not in sheets:
            ctx.add(spec.key, None, None, "missing_sheet",
                    f"the {spec.key} ({spec.zh}) sheet is missing: use the template")
    supplier, blank = _supplier(ctx, sheets.get("Supplier"))
    rows = {key: _table_rows(ctx, sheets[key], SHEETS[key]) for key in SHEETS
            if key != "Supplier" and key in sheets and (sheets[key].header or sheets[key].rows)}
    if blank and not any(rows.values()) and not ctx.has_errors:
        ctx.add(ctx.titles.get("Supplier", "Supplier"), None, None, "blank_workbook",
                "the workbook is blank: fill in the Supplier sheet and at least one product", "warning")
        return Submission(None, source_file=raw.path, sheet_titles=dict(ctx.titles)), _sorted(ctx)
    if blank:
        ctx.add(ctx.titles.get("Supplier", "Supplier"), None, None, "missing_value",
                "the Supplier sheet is empty: fill in company_name, company_id, country and the reporting period")
    all_ids = {r.get("product_id") for r in rows.get("Products", []) if r.get("product_id")}
    products = _products(ctx, rows.get("Products", []))
    ctx.pcf_ids = {r.get("pcf_id") for r in rows.get("SupplierPCFs", []) if r.get("pcf_id")}
    pcfs = _pcfs(ctx, rows.get("SupplierPCFs", []), supplier)
    company = supplier.company_id if supplier else None
    materials = _materials(rows.get("Materials", []), products, all_ids, pcfs, company)
    energy = _energy(rows.get("Energy", []), products, all_ids)
    transport = _transport(rows.get("Transport", []), products, all_ids)
    emissions = _emissions(rows.get("Emissions", []), products, all_ids)
    if "Products" in sheets and not rows.get("Products"):
        ctx.add(ctx.titles["Products"], None, None, "no_products",
                "the Products sheet has no product: add at least one row below the header")
    _mass_balance(ctx, products, materials, ctx.titles.get("Products", "Products"))
    used = {m.reference for m in materials if m.source == "supplier_pcf"}
    for pid, pcf in pcfs.items():
        if pid not in used:
            ctx.add(ctx.titles["SupplierPCFs"], pcf.row, "pcf_id", "unused_pcf",
                    f"pcf_id {pid!r} is not referenced by any Materials line", "warning")
    sub = Submission(supplier, tuple(products.values()), tuple(materials), tuple(energy), tuple(transport),
                     tuple(emissions), tuple(pcfs.values()), raw.path, dict(ctx.titles))
    return sub, _sorted(ctx)


def _sorted(ctx: _Ctx) -> list[InputIssue]:
    order = {t: i for i, t in enumerate(ctx.raw.sheets)}
    return sorted(ctx.issues, key=lambda i: (order.get(i.sheet or "", -1), i.row or 0))


def validate_file(path, resolve_material: Callable[[str], Resolution]) -> tuple[Submission, list[InputIssue]]:
    """Read (safely) and validate a workbook file; file-level warnings come first.

    Raises lca.InputError when the file itself is refused (see ``read_workbook``).
    """
    from lca.supply.workbook import read_workbook
    raw, issues = read_workbook(path)
    sub, more = validate(raw, resolve_material)
    return sub, issues + more
