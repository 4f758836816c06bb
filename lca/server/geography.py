"""Geographic containment for the ``geography`` criterion of ListFootprints and RequestCreated.

PACT v3 (Tech Spec, ListFootprints): ``geography`` "will return all footprints
within the specified geography(s)". A footprint declared for a place is within
that place and every place containing it: a country subdivision (``CN-GD``) or a
China grid region (``CN-NORTH``) is within its country (``CN``); a country is
within its UN M49 sub-region and region as PACT names them (``Eastern Asia``,
``Asia``); a sub-region within its region. Data: ``inventories/vocabulary/m49_regions.csv``
(country -> sub-region, region, with its source) and ``regions.csv`` (China's
provinces and grid regions).
"""
from __future__ import annotations

from functools import lru_cache

from .. import csvdata
from ..vocabulary import vocabulary_dir


@lru_cache(maxsize=1)
def _m49() -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """(country -> (sub-region, region), sub-region -> region), lower-cased."""
    _, rows = csvdata.read(vocabulary_dir() / "m49_regions.csv")
    countries = {r["code"].strip().lower(): (r["subregion"].strip().lower(), r["region"].strip().lower())
                 for _, r in rows}
    return countries, {sub: reg for sub, reg in countries.values()}


@lru_cache(maxsize=4096)
def containing(value: str) -> frozenset:
    """``value`` (lower-cased) and every geography that contains it, lower-cased."""
    v = str(value).strip().lower()
    countries, subregions = _m49()
    out = {v}
    country = v.split("-", 1)[0] if "-" in v and len(v.split("-", 1)[0]) == 2 else None
    if country:
        out.add(country)
    c = country or v
    if c in countries:
        out.update(countries[c])
    if v in subregions:
        out.add(subregions[v])
    return frozenset(out)
