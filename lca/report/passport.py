"""Battery passport: the carbon-footprint attributes of DIN DKE SPEC 99100 from a declaration.

``carbon_footprint(declaration)`` returns ``batteryCarbonFootprint`` [kg CO2e/kWh delivered],
``carbonFootprintPerLifecycleStage`` (``RawMaterialExtraction``, ``MainProduction``, ``Distribution``,
``Recycling`` [kg CO2e/kWh]), ``carbonFootprintStudy`` (a link to the public study: the declaration's
``study_url``, else a ``urn:`` naming the declaration, to be replaced by the published study's URL) and
``absoluteCarbonFootprint`` [kg CO2e per battery]. A declaration marked not declarable (``--draft``) gets
no passport (refused): the passport carries declared values only. ``carbonFootprintPerformanceClass`` is left out: no
class boundaries are adopted (Art. 7(2) delegated act pending), and none is invented. The schema the
output is tested against is ``inventories/schemas/battery-passport-carbon-footprint.schema.json``,
written from the published attribute list (not the data model's files, whose licence is non-commercial).
"""
from __future__ import annotations

import math
import re
from urllib.parse import quote

from ..errors import InputError, LcaError

STAGE_NAMES = {"raw_material_acquisition": "RawMaterialExtraction", "main_production": "MainProduction",
               "distribution": "Distribution", "end_of_life": "Recycling"}
NO_CLASS = ("carbonFootprintPerformanceClass is not given: the performance classes of Art. 7(2) have no adopted "
            "class boundaries yet, so no class can be assigned")


def carbon_footprint(decl, study_url: str | None = None) -> dict:
    """The passport's carbon-footprint attributes of declaration ``decl`` (read by attribute)."""
    if not getattr(decl, "declarable", True):
        raise InputError(f"{decl.target} is not declarable under {decl.rules} (draft: required company-specific data "
                         "missing, see its warnings): a battery passport carries declared values only; get the "
                         "suppliers' primary data and declare without --draft, then write the passport")
    stages = decl.stages
    values = [decl.per_kwh, decl.total_kgco2e, *stages.values()]
    if not all(math.isfinite(v) for v in values):
        raise LcaError("the declaration has a non-finite value; refusing to write a passport")
    url = study_url or getattr(decl, "study_url", None)
    if url is not None and not re.fullmatch(r"https?://[^\s/]+\.[^\s]+", str(url)):
        raise InputError(f"study URL {url!r}: give the web link (https://...) of the public version of the "
                         "carbon footprint study (Art. 7(1)(g))")
    url = url or (
        f"urn:green-lca:declaration:{quote(decl.target, safe='')}:{decl.rules}:{decl.rules_version}")
    return {
        "batteryCarbonFootprint": decl.per_kwh,
        "carbonFootprintPerLifecycleStage": [{"lifecycleStage": STAGE_NAMES[s], "carbonFootprint": v}
                                             for s, v in stages.items()],
        "carbonFootprintStudy": url,
        "absoluteCarbonFootprint": decl.total_kgco2e,
    }


def placeholder_warning(decl) -> str | None:
    """The warning for a passport whose ``carbonFootprintStudy`` is the ``urn:`` placeholder, else None."""
    if getattr(decl, "study_url", None):
        return None
    return ("passport: carbonFootprintStudy is a urn: placeholder naming this declaration, not the web link "
            "Art. 7(1)(g) asks for; give the public study's URL (--study-url https://...) before publishing")
