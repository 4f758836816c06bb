"""Workbook records: the typed, frozen rows of a validated supplier workbook (a :class:`Submission`).

Plain dataclasses, one per sheet, with units in comments; built only by
:func:`lca.supply.rules.validate`. :class:`Resolution` (what a material name
resolves to) is :class:`lca.inventory.Resolution`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from lca.inventory import Resolution
from lca.supply.sheets import TEMPLATE_VERSION

__all__ = ["Resolution", "SupplierInfo", "Product", "MaterialLine", "EnergyLine", "TransportLine", "EmissionLine",
           "SupplierPCF", "Submission"]


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
    supplier_ef_kgco2e_per_unit: float | None  # [kg CO2e / unit] per the row's workbook unit (converted)
    row: int
    supplier_ef_stated: float | None = None    # the factor as typed, in supplier_ef_unit
    supplier_ef_unit: str | None = None        # e.g. "kg CO2e/kWh" (the default for electricity when empty)


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

    def lines_by_product(self) -> dict[str, dict[str, list]]:
        """Every product's lines by sheet key, ``{product_id: {"Materials": [...], "Energy": [...], "Transport":
        [...], "Emissions": [...]}}``, in one pass per sheet (a product without lines is absent)."""
        out: dict = {}
        for key, lines in (("Materials", self.materials), ("Energy", self.energy), ("Transport", self.transport),
                           ("Emissions", self.emissions)):
            for line in lines:
                got = out.get(line.product_id)
                if got is None:
                    got = out[line.product_id] = {"Materials": [], "Energy": [], "Transport": [], "Emissions": []}
                got[key].append(line)
        return out
