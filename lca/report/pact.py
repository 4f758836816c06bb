"""PACT v3 ProductFootprint JSON of a carbon profile.

Every value is derived from the :class:`~lca.results.CarbonProfile`; PACT
states figures per ONE declared unit (``declaredUnitAmount`` is how many
declared units the product contains), as decimal strings. Only GWP100 (AR6)
profiles that are complete can be exported: PACT requires AR6 GWP100 and a
full cradle-to-gate boundary.

References: PACT Technical Specifications v3.0 (WBCSD Partnership for Carbon
Transparency, 2025), data model ``ProductFootprint`` / ``CarbonFootprint``.
"""
from __future__ import annotations

import math
import re
import uuid
from datetime import datetime, timezone

from ..errors import InputError, LcaError
from ..methods import pcf_characterizable
from ..units import PACT_UNITS

SPEC_VERSION = "3.0.0"
# workbook declared unit -> (PACT declaredUnitOfMeasurement, PACT units per workbook unit): lca.units
_SUBDIVISION = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")



def _background_text(name: str | None) -> str:
    """Which background database a footprint was computed on, for the PACT boundary description."""
    return f"the imported background database {name!r}" if name else "the green-lca open background inventory"

def decimal(x: float, what: str) -> str:
    """A finite float as a PACT decimal string (no exponent)."""
    x = float(x)
    if not math.isfinite(x):
        raise LcaError(f"{what} is not finite; refusing to write it to PACT JSON")
    text = f"{x:.9f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _datetime(day: str | None, end: bool) -> str:
    if not day:
        raise InputError("the product has no reporting period; PACT needs referencePeriodStart/End")
    d = datetime.fromisoformat(str(day)[:10])
    return d.strftime("%Y-%m-%dT23:59:59Z" if end else "%Y-%m-%dT00:00:00Z")


def _geography(region: str | None) -> dict:
    """The PACT geography field of a region code (``CN-SC``, ``CN``; ``CN-NORTH`` -> ``CN``), or {}."""
    region = (region or "").upper()
    if _SUBDIVISION.match(region):
        return {"geographyCountrySubdivision": region}
    if re.match(r"^[A-Z]{2}$", region):
        return {"geographyCountry": region}
    if region.startswith("CN-"):
        return {"geographyCountry": "CN"}
    return {}


def product_footprint(profile) -> dict:
    """The PACT v3 ProductFootprint dict of ``profile`` (see module docstring)."""
    if not pcf_characterizable(profile.method):
        raise InputError(f"PACT footprints are AR6 GWP100 figures; profile the product with GWP100 "
                         f"(not {' | '.join(profile.method)})")
    if not profile.complete:
        raise InputError(f"{profile.product} has an incomplete profile (unresolved references); "
                         "PACT needs the full cradle-to-gate boundary")
    if profile.declared_unit not in PACT_UNITS:
        raise InputError(f"PACT v3 has no declared unit for {profile.declared_unit!r}; declare the product "
                         f"per one of {', '.join(PACT_UNITS)}")
    unit, per = PACT_UNITS[profile.declared_unit]
    n_units = profile.declared_amount * per  # declared units (PACT) the product contains
    total = profile.total  # every characterized flow, so it already includes the biogenic uptake
    per_unit = total / n_units
    mass = profile.mass_kg / n_units if profile.mass_kg is not None else (1.0 if unit == "kilogram" else None)
    if mass is None:
        raise InputError(f"{profile.product} has no mass_kg; PACT needs productMassPerDeclaredUnit")
    fossil = profile.fossil / n_units
    # biogenic CO2 uptake (<= 0), as characterized by the method (IPCC 2021 GWP100 as shipped: 0; EF v3.1: -1).
    # PACT v3: pcfIncludingBiogenicUptake counts it, pcfExcludingBiogenicUptake leaves it out, so
    # excluding = total - uptake and including = total (adding it to the total again would count it twice).
    uptake = getattr(profile, "biogenic_uptake", 0.0) / n_units
    company_id, product_id = profile.product.split("/", 1)
    pcf = {
        "declaredUnitOfMeasurement": unit,
        "declaredUnitAmount": decimal(n_units, "declaredUnitAmount"),
        "productMassPerDeclaredUnit": decimal(mass, "productMassPerDeclaredUnit"),
        "referencePeriodStart": _datetime(profile.reference_period[0], end=False),
        "referencePeriodEnd": _datetime(profile.reference_period[1], end=True),
        "pcfExcludingBiogenicUptake": decimal(per_unit - uptake, "pcfExcludingBiogenicUptake"),
        "pcfIncludingBiogenicUptake": decimal(per_unit, "pcfIncludingBiogenicUptake"),
        "fossilGhgEmissions": decimal(fossil, "fossilGhgEmissions"),
        "fossilCarbonContent": "0",
        "primaryDataShare": decimal(profile.primary_data_share, "primaryDataShare"),
        "ipccCharacterizationFactors": ["AR6"],
        "crossSectoralStandards": ["ISO14067", "GHGP-Product", "PACT-3.0"],
        "exemptedEmissionsPercent": "0",
        "boundaryProcessesDescription": "Cradle-to-gate: supplier workbooks (own energy, direct emissions, "
                                        f"inbound transport) linked to {_background_text(profile.background)}; "
                                        "outbound transport (distribution) excluded; "
                                        "fossil carbon content of the product not assessed (reported as 0).",
    }
    if profile.dqi:
        pcf["dqi"] = {"technologicalDQR": decimal(profile.dqi["technological"], "technologicalDQR"),
                      "geographicalDQR": decimal(profile.dqi["geographical"], "geographicalDQR"),
                      "temporalDQR": decimal(profile.dqi["temporal"], "temporalDQR")}
    pcf.update(_geography(profile.region))
    comment = (f"computed by green-lca; location-based; market-based total "
               f"{decimal(profile.total_market_based / n_units, 'market-based')} kg CO2e per {unit}; "
               f"distribution (outbound transport, not included in the pcf fields) "
               f"{decimal(getattr(profile, 'distribution', 0.0) / n_units, 'distribution')} kg CO2e per {unit}")
    return _document(f"green-lca:{profile.product}", profile.company, company_id, profile.name, product_id,
                     comment, pcf)


def _document(key: str, company_name: str, company_id: str, product_name: str, product_code: str,
              comment: str, pcf: dict) -> dict:
    """The ProductFootprint around ``pcf``: a stable id (from ``key``, the period end and the figure), the
    company and product URNs, status Active, created now (UTC)."""
    ident = uuid.uuid5(uuid.NAMESPACE_URL, f"{key}:{pcf['referencePeriodEnd']}:{pcf['pcfExcludingBiogenicUptake']}")
    return {
        "id": str(ident),
        "specVersion": SPEC_VERSION,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": "Active",
        "companyName": company_name,
        "companyIds": [f"urn:pact:company:customcode:buyer-assigned:{company_id}"],
        "productDescription": product_name,
        "productIds": [f"urn:pact:product:customcode:buyer-assigned:{company_id}:{product_code}"],
        "productNameCompany": product_name,
        "comment": comment,
        "pcf": pcf,
    }


# model reference unit (Footprint.unit) -> PACT declaredUnitOfMeasurement
MODEL_UNITS = {"kilowatt hour": "kilowatt hour", "unit": "piece", "piece": "piece", "kilogram": "kilogram",
               "square meter": "square meter"}


def model_footprint(fp, period: tuple[str, str], company_id: str = "GREEN-LCA-MODELS",
                    company_name: str = "green-lca product model", mass_kg: float | None = None) -> dict:
    """The PACT v3 ProductFootprint dict of a product model's :class:`~lca.results.Footprint`.

    Figures are per one reference unit of the model (``declaredUnitAmount`` = ``fp.amount``
    units). ``period`` ``(start, end)`` (ISO dates) is the reference period the model's data
    stand for; ``mass_kg`` [kg per declared unit] is needed where the model reports no mass
    (battery packs report ``pack_mass_kg``). The model's figures are secondary data
    (``primaryDataShare`` 0).
    """
    if not pcf_characterizable(fp.method):
        raise InputError(f"PACT footprints are AR6 GWP100 figures; compute the model with GWP100 "
                         f"(not {' | '.join(fp.method)})")
    unit = MODEL_UNITS.get(fp.unit or "")
    if unit is None:
        raise InputError(f"PACT v3 has no declared unit for the model's reference unit {fp.unit!r} "
                         f"({fp.target.name}); PACT units here: {', '.join(sorted(set(MODEL_UNITS.values())))}")
    n_units = float(fp.amount)
    if not n_units > 0:
        raise InputError(f"the model footprint is for amount {fp.amount}; publish a positive amount")
    if mass_kg is None and "pack_mass_kg" in fp.extras:
        mass_kg = float(fp.extras["pack_mass_kg"]) / n_units
    if mass_kg is None:
        raise InputError(f"{fp.target.name}: the model reports no mass; PACT needs productMassPerDeclaredUnit: "
                         f"give --mass-kg KG (per {unit})")
    per_unit = fp.total / n_units
    fossil = fp.split.get("fossil", fp.total) / n_units
    geography = _geography(fp.target.location)
    if not geography:
        raise InputError(f"{fp.target.name}: region {fp.target.location!r} has no PACT geography; "
                         "set the model's region to a country (e.g. --set region=CN)")
    code = fp.target.ref.split(":", 1)[-1]
    pcf = {
        "declaredUnitOfMeasurement": unit,
        "declaredUnitAmount": decimal(n_units, "declaredUnitAmount"),
        "productMassPerDeclaredUnit": decimal(mass_kg, "productMassPerDeclaredUnit"),
        "referencePeriodStart": _datetime(period[0], end=False),
        "referencePeriodEnd": _datetime(period[1], end=True),
        "pcfExcludingBiogenicUptake": decimal(per_unit, "pcfExcludingBiogenicUptake"),
        "pcfIncludingBiogenicUptake": decimal(per_unit, "pcfIncludingBiogenicUptake"),
        "fossilGhgEmissions": decimal(fossil, "fossilGhgEmissions"),
        "fossilCarbonContent": "0",
        "primaryDataShare": "0",
        "ipccCharacterizationFactors": ["AR6"],
        "crossSectoralStandards": ["ISO14067", "GHGP-Product", "PACT-3.0"],
        "exemptedEmissionsPercent": "0",
        "boundaryProcessesDescription": "Cradle-to-gate product model of green-lca (bill of materials and "
                                        f"process energy from its parameter files) on "
                                        f"{_background_text((fp.background or {}).get('name'))}; "
                                        "secondary data; fossil carbon content not assessed (0).",
        **geography,
    }
    comment = f"computed by green-lca from the product model {fp.target.name}; {' | '.join(fp.method)}; " \
              "modelled (secondary) data"
    return _document(f"green-lca:model:{company_id}:{code}", company_name, company_id, fp.target.name, code,
                     comment, pcf)
