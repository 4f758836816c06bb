"""PACT v3 ProductFootprint JSON from a supplier -> a stored submission with a declared PCF.

A footprint file (one ``ProductFootprint`` object, or a ``{"data": [...]}``
list response) becomes, per footprint, a supplier product
``COMPANY_ID/PRODUCT_ID`` whose only input is its declared PCF
(``supplier_pcf``), so buyers reference it as a ``supplier_product``.
``COMPANY_ID`` is the last segment of the first ``companyIds`` URN and
``PRODUCT_ID`` the last segment of the first ``productIds`` URN (characters
outside ``[A-Za-z0-9._-]`` become ``-``).

Parsing is strict: a size cap, no NaN/Infinity, no duplicate keys, a depth
bound; the required v3 fields with their types and patterns; ``AR6`` among the
characterization factors (declared PCFs are used as AR6 GWP100 figures).
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from ..errors import InputError, InputIssue, Severity
from ..units import FLOAT32_MAX, PACT_TO_UNIT

MAX_BYTES = 5 * 1024 * 1024  # [bytes] a footprint file is a few KB
MAX_FOOTPRINTS = 1000
_DECIMAL = re.compile(r"^[+-]?\d+(\.\d+)?$")
_UNITS = PACT_TO_UNIT  # PACT declaredUnitOfMeasurement -> workbook unit (lca.units)
_REQUIRED_PCF = ("declaredUnitOfMeasurement", "declaredUnitAmount", "productMassPerDeclaredUnit",
                 "referencePeriodStart", "referencePeriodEnd", "pcfExcludingBiogenicUptake",
                 "pcfIncludingBiogenicUptake", "fossilGhgEmissions", "ipccCharacterizationFactors",
                 "crossSectoralStandards", "exemptedEmissionsPercent")
_REQUIRED = ("id", "specVersion", "created", "status", "companyName", "companyIds", "productDescription",
             "productIds", "productNameCompany", "pcf")
_ID_CLEAN = re.compile(r"[^A-Za-z0-9._-]+")


def _no_dupes(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def _no_const(name):
    raise ValueError(f"{name} is not a number JSON allows")


def _depth(obj, limit=32, d=0):
    if d > limit:
        raise ValueError("nested deeper than 32 levels")
    if isinstance(obj, dict):
        for v in obj.values():
            _depth(v, limit, d + 1)
    elif isinstance(obj, list):
        for v in obj:
            _depth(v, limit, d + 1)


def read(path: Path) -> tuple[list[dict], list[InputIssue]]:
    """Records (see :mod:`lca.supply.store`) and issues of one PACT JSON file."""
    name = path.name
    size = path.stat().st_size
    if size > MAX_BYTES:
        msg = (f"{size:,} bytes is over the {MAX_BYTES:,} byte cap of a PACT footprint file (one is a few KB): "
               "check that this is the supplier's footprint file, or split the list into smaller files")
        raise InputError(f"{name}: {msg}", [InputIssue(None, None, None, "too_large", msg, Severity.ERROR, name)])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
        doc = json.loads(text, object_pairs_hook=_no_dupes, parse_constant=_no_const)
        _depth(doc)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError(f"{name}: not a valid PACT JSON file ({exc})",
                         [InputIssue(None, None, None, "bad_json",
                                     f"not valid JSON: {exc}; ask the supplier for the file as exported "
                                     "(UTF-8 PACT v3 JSON)", Severity.ERROR, name)])
    if isinstance(doc, dict) and "data" in doc and isinstance(doc["data"], list):
        items = doc["data"]
    elif isinstance(doc, dict):
        items = [doc]
    else:
        items = None
    if not items or len(items) > MAX_FOOTPRINTS:
        got = f"{len(items)} footprints" if items else "no footprint"
        msg = (f"found {got}: expected one PACT ProductFootprint object or {{\"data\": [...]}} with "
               f"1..{MAX_FOOTPRINTS} footprints; export the footprints again as PACT v3 JSON "
               f"(split longer lists into files of at most {MAX_FOOTPRINTS})")
        raise InputError(f"{name}: {msg}", [InputIssue(None, None, None, "bad_structure", msg, Severity.ERROR, name)])
    records, issues = [], []
    by_company: dict[str, dict] = {}
    for n, fp in enumerate(items):
        rec_issues: list[InputIssue] = []
        product = _footprint(fp, n, name, rec_issues)
        issues.extend(rec_issues)
        if product is None:
            continue
        cid, sup, prod, pcf, mat = product
        rec = by_company.setdefault(cid, {"supplier": sup, "products": [], "materials": [], "energy": [],
                                          "transport": [], "emissions": [], "pcfs": [], "source_file": name})
        if any(p["product_id"] == prod["product_id"] for p in rec["products"]):
            issues.append(InputIssue(f"footprint {n}", None, "productIds", "duplicate_product",
                                     f"product {prod['product_id']!r} appears twice", Severity.ERROR, name))
            continue
        rec["products"].append(prod)
        rec["pcfs"].append(pcf)
        rec["materials"].append(mat)
    if any(i.severity == Severity.ERROR for i in issues):
        return [], issues
    from .store import to_record

    records = [to_record(r) for r in by_company.values()]
    return records, issues


def _footprint(fp, n: int, name: str, issues: list[InputIssue]):
    where = f"footprint {n}"

    def bad(column, code, message):
        issues.append(InputIssue(where, None, column, code, message, Severity.ERROR, name))

    if not isinstance(fp, dict):
        bad(None, "bad_type", "a ProductFootprint must be a JSON object")
        return None
    for key in _REQUIRED:
        if key not in fp:
            bad(key, "missing_field", f"required field {key!r} is missing (PACT v3 ProductFootprint)")
    pcf = fp.get("pcf")
    if not isinstance(pcf, dict):
        bad("pcf", "bad_type", "pcf must be an object")
        return None
    for key in _REQUIRED_PCF:
        if key not in pcf:
            bad(f"pcf.{key}", "missing_field", f"required field pcf.{key} is missing (PACT v3 CarbonFootprint)")
    if issues:
        return None
    if not str(fp.get("specVersion", "")).startswith("3."):
        bad("specVersion", "bad_version", f"specVersion {fp.get('specVersion')!r}: only PACT 3.x is accepted")
    if fp.get("status") != "Active":
        bad("status", "not_active", f"status {fp.get('status')!r}: only Active footprints can be used")

    def dec(key, minimum=None, positive=False):
        v = pcf.get(key)
        if not isinstance(v, str) or not _DECIMAL.match(v.strip()):
            bad(f"pcf.{key}", "bad_number", f"pcf.{key} must be a decimal string like \"1.25\", not {v!r}")
            return None
        x = float(v)
        if positive and not x > 0:
            bad(f"pcf.{key}", "out_of_range", f"pcf.{key} must be > 0")
        elif minimum is not None and x < minimum:
            bad(f"pcf.{key}", "out_of_range", f"pcf.{key} must be >= {minimum}")
        if abs(x) > FLOAT32_MAX:
            bad(f"pcf.{key}", "out_of_range",
                f"pcf.{key} is beyond the float32 range (|x| <= {FLOAT32_MAX:.4g}): check its magnitude")
        return x

    unit = pcf.get("declaredUnitOfMeasurement")
    if unit not in _UNITS:
        bad("pcf.declaredUnitOfMeasurement", "bad_unit",
            f"declared unit {unit!r}: supported are {', '.join(_UNITS)}")
    amount = dec("declaredUnitAmount", positive=True)
    mass = dec("productMassPerDeclaredUnit", minimum=0)
    excl = dec("pcfExcludingBiogenicUptake", minimum=0)
    dec("pcfIncludingBiogenicUptake")
    dec("fossilGhgEmissions")
    dec("exemptedEmissionsPercent", minimum=0)
    share = dec("primaryDataShare", minimum=0) if "primaryDataShare" in pcf else None
    if share is not None and share > 100:
        bad("pcf.primaryDataShare", "out_of_range", "primaryDataShare is a percentage 0..100")
    factors = pcf.get("ipccCharacterizationFactors")
    if not isinstance(factors, list) or "AR6" not in factors:
        bad("pcf.ipccCharacterizationFactors", "not_ar6",
            f"ipccCharacterizationFactors {factors!r} must include \"AR6\" (declared PCFs are used as AR6 GWP100)")
    periods = []
    for key in ("referencePeriodStart", "referencePeriodEnd"):
        try:
            periods.append(datetime.fromisoformat(str(pcf.get(key)).replace("Z", "+00:00")).date())
        except ValueError:
            bad(f"pcf.{key}", "bad_date", f"pcf.{key} must be an ISO 8601 date-time")
    dqi = pcf.get("dqi") if isinstance(pcf.get("dqi"), dict) else {}
    dqr = {}
    for src, dst in (("technologicalDQR", "dqr_technological"), ("geographicalDQR", "dqr_geographical"),
                     ("temporalDQR", "dqr_temporal")):
        v = dqi.get(src)
        if v is None:
            continue
        if not isinstance(v, str) or not _DECIMAL.match(v) or not 1 <= float(v) <= 5:
            bad(f"pcf.dqi.{src}", "bad_number", f"{src} must be a decimal string 1..5")
        else:
            dqr[dst] = float(v)
    cids, pids = fp.get("companyIds"), fp.get("productIds")
    if not (isinstance(cids, list) and cids and all(isinstance(c, str) and c.lower().startswith("urn:")
                                                    for c in cids)):
        bad("companyIds", "bad_urn", "companyIds must be a non-empty list of URNs")
    if not (isinstance(pids, list) and pids and all(isinstance(c, str) and c.lower().startswith("urn:")
                                                    for c in pids)):
        bad("productIds", "bad_urn", "productIds must be a non-empty list of URNs")
    for key in ("companyName", "productNameCompany"):
        if not isinstance(fp.get(key), str) or not fp[key].strip():
            bad(key, "missing_value", f"{key} must be a non-empty string")
    if any(i.severity == Severity.ERROR for i in issues):
        return None
    cid = _ID_CLEAN.sub("-", cids[0].rsplit(":", 1)[-1]).strip("-")[:64] or "pact-company"
    pid = _ID_CLEAN.sub("-", pids[0].rsplit(":", 1)[-1]).strip("-")[:64] or f"product-{n}"
    wb_unit = _UNITS[unit]
    country = str(pcf.get("geographyCountry") or "").upper()
    region = str(pcf.get("geographyCountrySubdivision") or country or "GLO").upper()
    sup = {"company_name": fp["companyName"].strip(), "company_id": cid, "country": country or "GLO",
           "reporting_period_start": periods[0].isoformat(), "reporting_period_end": periods[1].isoformat(),
           "green_factory": None, "template_version": 1}
    prod = {"product_id": pid, "product_name": fp["productNameCompany"].strip(), "declared_unit": wb_unit,
            "declared_amount": 1.0, "production_region": region,
            "mass_kg": (mass if wb_unit not in ("kg",) else None) or None,
            "declared_pcf_kgco2e": excl, "annual_output": None, "row": None,
            "pact_id": fp.get("id"), "declared_unit_amount": amount}
    pcf_rec = {"pcf_id": f"pact-{pid}", "supplier_name": fp["companyName"].strip(),
               "product_name": fp["productNameCompany"].strip(), "declared_unit": wb_unit,
               "pcf_kgco2e": excl, "primary_data_share": share, "standard": "PACT",
               "reference_period_end": periods[1].isoformat(), "verified": None, "row": None, **dqr}
    mat = {"product_id": pid, "line_id": "1", "material": fp["productNameCompany"].strip(), "amount": 1.0,
           "unit": wb_unit, "source": "supplier_pcf", "reference": pcf_rec["pcf_id"], "origin_region": None,
           "recycled_share": None, "supplier_name": fp["companyName"].strip(), "row": None}
    return cid, sup, prod, pcf_rec, mat
