"""Write the example supplier workbooks of a battery supply chain (run: python examples/make_examples.py).

An LFP battery supply chain in China, four tiers, as the companies would fill
in template version 1 (three workbooks in Chinese, the reporting company's in
English), plus one PACT v3 footprint JSON from a BMS supplier:

    青海柴达木锂业 (QH-LITHIUM, Qinghai CN-QH): battery-grade lithium carbonate, per t
      -> 湘江正极材料 (HN-CATHODE, Hunan CN-HN): LFP cathode material, per 1000 kg
        -> 蜀能动力电池 (SC-CELL, Sichuan CN-SC): 280 Ah LFP cell, per cell (0.896 kWh)
          -> Pearl River Energy Storage (GD-PACK, Guangdong CN-GD): 100 kWh pack (reporting company)
    Shenzhen BMS supplier (SZ-BMS): battery management system, PACT v3 footprint JSON

Features shown: grid electricity of four provinces, a PPA (cell maker), a green
certificate (cathode maker), on-site PV (pack maker), a declared PCF (separator,
per m2, bought in m2), a supplier-declared product PCF (cell maker), transport
legs by rail and truck, process emissions (CO2 from carbonate decomposition in
LFP synthesis, HFC-134a leakage), declared_amount other than 1 and mixed units.

The companies are fictional and the quantities illustrative: orders of magnitude
follow published LFP inventories (e.g. Argonne GREET 2023 battery module; Dai et
al. 2019, Batteries 5(2):48; Chen et al. 2022 for Chinese cell plants), rounded;
they are examples, not data to cite.
"""
from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from lca.supply.fill import write_workbook  # noqa: E402

PERIOD = {"reporting_period_start": date(2024, 1, 1), "reporting_period_end": date(2024, 12, 31)}

LITHIUM = {
    "Supplier": {"company_name": "青海柴达木锂业有限公司", "company_id": "QH-LITHIUM", "country": "CN",
                 "green_factory": "provincial", "contact_email": "esg@example.cn", **PERIOD},
    "Products": [{"product_id": "LC-BATTERY", "product_name": "电池级碳酸锂", "declared_unit": "t",
                  "declared_amount": 1, "production_region": "CN-QH", "annual_output": 20000}],
    "Materials": [  # per t Li2CO3, brine route (Qaidam salt lakes)
        {"product_id": "LC-BATTERY", "line_id": 1, "material": "碳酸钠", "amount": 1.45, "unit": "t",
         "source": "background", "origin_region": "CN-QH"},
        {"product_id": "LC-BATTERY", "line_id": 2, "material": "氢氧化钠", "amount": 40, "unit": "kg",
         "source": "background"},
    ],
    "Energy": [
        {"product_id": "LC-BATTERY", "carrier": "electricity", "amount": 6.5, "unit": "MWh", "grid_region": "CN-QH"},
        {"product_id": "LC-BATTERY", "carrier": "natural_gas", "amount": 900, "unit": "m3"},
        {"product_id": "LC-BATTERY", "carrier": "steam", "amount": 4, "unit": "t"},
    ],
    "Transport": [{"product_id": "LC-BATTERY", "mode": "truck", "mass_t": 1.45, "distance_km": 150}],
}

CATHODE = {
    "Supplier": {"company_name": "湘江正极材料有限公司", "company_id": "HN-CATHODE", "country": "CN",
                 "green_factory": "national", **PERIOD},
    "Products": [{"product_id": "LFP-CAM", "product_name": "磷酸铁锂正极材料", "declared_unit": "kg",
                  "declared_amount": 1000, "production_region": "CN-HN", "declared_pcf_kgco2e": 6600}],
    "Materials": [  # per 1000 kg LFP
        {"product_id": "LFP-CAM", "line_id": 1, "material": "电池级碳酸锂", "amount": 234, "unit": "kg",
         "source": "supplier_product", "reference": "QH-LITHIUM/LC-BATTERY", "supplier_name": "青海柴达木锂业有限公司"},
        {"product_id": "LFP-CAM", "line_id": 2, "material": "硫酸亚铁", "amount": 0.96, "unit": "t",
         "source": "background"},
        {"product_id": "LFP-CAM", "line_id": 3, "material": "磷酸", "amount": 280, "unit": "kg",
         "source": "background"},
        {"product_id": "LFP-CAM", "line_id": 4, "material": "氨", "amount": 20, "unit": "kg", "source": "background"},
    ],
    "Energy": [
        {"product_id": "LFP-CAM", "carrier": "electricity", "amount": 4500, "unit": "kWh", "grid_region": "CN-HN"},
        {"product_id": "LFP-CAM", "carrier": "electricity", "amount": 1500, "unit": "kWh", "grid_region": "CN-HN",
         "sourcing": "green_certificate"},
        {"product_id": "LFP-CAM", "carrier": "natural_gas", "amount": 4.2, "unit": "GJ"},
    ],
    "Transport": [{"product_id": "LFP-CAM", "mode": "rail", "mass_t": 0.234, "distance_km": 1900},
                  {"product_id": "LFP-CAM", "mode": "truck", "mass_t": 1.3, "distance_km": 300}],
    # Li2CO3 -> 2 LiFePO4 releases 1 CO2: 44.01 / (2 x 157.76) = 0.139 kg CO2 per kg LFP
    "Emissions": [{"product_id": "LFP-CAM", "gas": "CO2", "amount": 139, "unit": "kg"}],
}

CELL = {
    "Supplier": {"company_name": "蜀能动力电池有限公司", "company_id": "SC-CELL", "country": "CN",
                 "green_factory": "national", **PERIOD},
    "Products": [{"product_id": "LFP280", "product_name": "280Ah 磷酸铁锂储能电芯", "declared_unit": "kWh",
                  "declared_amount": 0.896, "mass_kg": 5.4, "production_region": "CN-SC",
                  "declared_pcf_kgco2e": 52}],
    "Materials": [  # per cell (280 Ah x 3.2 V = 0.896 kWh)
        {"product_id": "LFP280", "line_id": 1, "material": "磷酸铁锂正极材料", "amount": 2.05, "unit": "kg",
         "source": "supplier_product", "reference": "HN-CATHODE/LFP-CAM", "supplier_name": "湘江正极材料有限公司"},
        {"product_id": "LFP280", "line_id": 2, "material": "人造石墨", "amount": 950, "unit": "g",
         "source": "background"},
        {"product_id": "LFP280", "line_id": 3, "material": "铜箔", "amount": 0.42, "unit": "kg", "source": "background"},
        {"product_id": "LFP280", "line_id": 4, "material": "铝箔", "amount": 0.22, "unit": "kg", "source": "background"},
        {"product_id": "LFP280", "line_id": 5, "material": "电解液", "amount": 0.85, "unit": "kg",
         "source": "background"},
        {"product_id": "LFP280", "line_id": 6, "material": "隔膜", "amount": 2.6, "unit": "m2",
         "source": "supplier_pcf", "reference": "SEP-2024", "supplier_name": "上海隔膜科技"},
        {"product_id": "LFP280", "line_id": 7, "material": "原铝锭", "amount": 0.55, "unit": "kg",
         "source": "background", "recycled_share": 0.3, "origin_region": "CN-SC"},
        {"product_id": "LFP280", "line_id": 8, "material": "PVDF", "amount": 0.04, "unit": "kg", "source": "background"},
        {"product_id": "LFP280", "line_id": 9, "material": "炭黑", "amount": 0.03, "unit": "kg", "source": "background"},
    ],
    "Energy": [
        {"product_id": "LFP280", "carrier": "electricity", "amount": 22, "unit": "kWh", "grid_region": "CN-SC"},
        {"product_id": "LFP280", "carrier": "electricity", "amount": 10, "unit": "kWh", "grid_region": "CN-SC",
         "sourcing": "ppa_renewable"},
        {"product_id": "LFP280", "carrier": "natural_gas", "amount": 0.6, "unit": "m3"},
    ],
    "Transport": [{"product_id": "LFP280", "mode": "truck", "mass_t": 0.00205, "distance_km": 1100}],
    "SupplierPCFs": [{"pcf_id": "SEP-2024", "supplier_name": "上海隔膜科技", "product_name": "湿法隔膜 PE 9um",
                      "declared_unit": "m2", "pcf_kgco2e": 0.45, "primary_data_share": 62,
                      "dqr_technological": 2, "dqr_geographical": 2, "dqr_temporal": 1, "standard": "ISO 14067",
                      "reference_period_end": date(2023, 12, 31), "verified": "yes"}],
}

PACK = {
    "Supplier": {"company_name": "Pearl River Energy Storage Co., Ltd.", "company_id": "GD-PACK", "country": "CN",
                 "green_factory": "provincial", **PERIOD},
    "Products": [{"product_id": "ESS-100", "product_name": "LFP battery pack 100 kWh", "declared_unit": "kWh",
                  "declared_amount": 100, "mass_kg": 640, "production_region": "CN-GD"}],
    "Materials": [  # per pack (100 kWh); cells stated in kg (112 cells x 5.4 kg), converted by the cell's mass
        {"product_id": "ESS-100", "line_id": 1, "material": "LFP cell 280Ah", "amount": 604.8, "unit": "kg",
         "source": "supplier_product", "reference": "SC-CELL/LFP280", "supplier_name": "蜀能动力电池有限公司"},
        {"product_id": "ESS-100", "line_id": 2, "material": "aluminium extrusion", "amount": 48, "unit": "kg",
         "source": "background"},
        {"product_id": "ESS-100", "line_id": 3, "material": "steel sheet", "amount": 22, "unit": "kg",
         "source": "background"},
        {"product_id": "ESS-100", "line_id": 4, "material": "copper cable", "amount": 7, "unit": "kg",
         "source": "background"},
        {"product_id": "ESS-100", "line_id": 5, "material": "polypropylene", "amount": 6, "unit": "kg",
         "source": "background"},
        {"product_id": "ESS-100", "line_id": 6, "material": "BMS", "amount": 1, "unit": "piece",
         "source": "supplier_product", "reference": "SZ-BMS/BMS-16S", "supplier_name": "Shenzhen BMS"},
    ],
    "Energy": [
        {"product_id": "ESS-100", "carrier": "electricity", "amount": 280, "unit": "kWh"},
        {"product_id": "ESS-100", "carrier": "electricity", "amount": 70, "unit": "kWh",
         "sourcing": "onsite_renewable"},
    ],
    "Transport": [
        {"product_id": "ESS-100", "mode": "truck", "mass_t": 0.63, "distance_km": 1600, "direction": "inbound"},
        {"product_id": "ESS-100", "mode": "truck", "mass_t": 0.64, "distance_km": 150, "direction": "outbound"},
    ],
    "Emissions": [{"product_id": "ESS-100", "gas": "HFC-134a", "amount": 5, "unit": "g"}],
}

BMS_PACT = {
    "id": "3f9e2c1a-6b7d-4e8f-9a0b-1c2d3e4f5a6b",
    "specVersion": "3.0.0",
    "created": "2025-03-01T00:00:00Z",
    "status": "Active",
    "companyName": "Shenzhen BMS Electronics Co., Ltd.",
    "companyIds": ["urn:pact:company:customcode:buyer-assigned:SZ-BMS"],
    "productDescription": "Battery management system, 16S, master + slave boards",
    "productIds": ["urn:pact:product:customcode:buyer-assigned:BMS-16S"],
    "productNameCompany": "BMS 16S",
    "pcf": {
        "declaredUnitOfMeasurement": "piece", "declaredUnitAmount": "1", "productMassPerDeclaredUnit": "2.8",
        "referencePeriodStart": "2024-01-01T00:00:00Z", "referencePeriodEnd": "2024-12-31T23:59:59Z",
        "geographyCountrySubdivision": "CN-GD",
        "pcfExcludingBiogenicUptake": "96.5", "pcfIncludingBiogenicUptake": "96.5",
        "fossilGhgEmissions": "96.1", "fossilCarbonContent": "0.4", "primaryDataShare": "35",
        "dqi": {"technologicalDQR": "2.5", "geographicalDQR": "2", "temporalDQR": "1.5"},
        "ipccCharacterizationFactors": ["AR6"], "crossSectoralStandards": ["ISO14067", "PACT-3.0"],
        "exemptedEmissionsPercent": "0.5",
    },
}

FILES = [("01-lithium-salt-qinghai.xlsx", LITHIUM, "zh"), ("02-cathode-hunan.xlsx", CATHODE, "zh"),
         ("03-cell-sichuan.xlsx", CELL, "zh"), ("04-pack-guangdong.xlsx", PACK, "en")]
PACT_FILE = "05-bms-shenzhen.pact.json"
REPORTING_PRODUCT = "GD-PACK/ESS-100"


def main(out: Path = HERE) -> list[Path]:
    written = []
    for name, data, lang in FILES:
        written.append(write_workbook(out / name, data, lang=lang))
    p = out / PACT_FILE
    p.write_text(json.dumps(BMS_PACT, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    written.append(p)
    return written


if __name__ == "__main__":
    for path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(f"wrote {path}")
