"""Workbook schema: one import for the template's sheet spec, cell parsing, records and validation.

The concepts live in their own modules: :mod:`lca.supply.sheets` (the sheets
and columns of template version 1, as data), :mod:`lca.supply.cells` (cell
values -> numbers, dates, codes), :mod:`lca.supply.records` (the typed rows of a
:class:`Submission`) and :mod:`lca.supply.rules` (:func:`validate`). This module
re-exports their public names for callers that want them in one place.
"""
from __future__ import annotations

from lca.supply.cells import FLOAT32_LIMIT, gas_codes, parse_number
from lca.supply.records import (EmissionLine, EnergyLine, MaterialLine, Product, Resolution, Submission,
                                SupplierInfo, SupplierPCF, TransportLine)
from lca.supply.rules import MASS_TOLERANCE, MAX_ROW_WARNINGS, PCF_VALIDITY_YEARS, dict_resolver, validate, validate_file
from lca.supply.sheets import (CN_GRID_REGIONS, CN_PROVINCES, COUNTRIES, ENUMS, EXAMPLE_IDS, INSTRUCTION_SHEETS, REGIONS,
                               SHEETS, TEMPLATE_VERSION, Column, SheetSpec, match_header, match_sheet)

__all__ = [
    "TEMPLATE_VERSION", "EXAMPLE_IDS", "FLOAT32_LIMIT", "Column", "SheetSpec", "SHEETS", "ENUMS", "INSTRUCTION_SHEETS",
    "REGIONS", "COUNTRIES", "CN_PROVINCES", "CN_GRID_REGIONS", "Resolution", "SupplierInfo", "Product",
    "MaterialLine", "EnergyLine", "TransportLine", "EmissionLine", "SupplierPCF", "Submission",
    "validate", "validate_file", "match_header", "match_sheet", "dict_resolver", "gas_codes", "parse_number",
    "MASS_TOLERANCE", "PCF_VALIDITY_YEARS", "MAX_ROW_WARNINGS",
]
