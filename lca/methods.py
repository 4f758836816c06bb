"""LCIA method tables: the short names, the climate sub-indicators, and which methods count declared PCFs.

Data only, plus small functions over it; nothing here imports Brightway. The
project's set-up writes the method families of :data:`METHOD_FAMILIES` from the
data bw2io ships (``lcia_39_ecoinvent.zip``).

References
----------
IPCC, 2021: Climate Change 2021: The Physical Science Basis (AR6 WG1), Table 7.15
(GWP100, GWP20). European Commission, Environmental Footprint 3.1 (2022), climate
change indicator (AR6 GWP100).
"""
from __future__ import annotations

import difflib

from .errors import InputError

GWP100 = ("IPCC 2021", "climate change", "global warming potential (GWP100)")
METHOD_ALIASES = {
    "GWP100": GWP100,
    "GWP20": ("IPCC 2021", "climate change", "global warming potential (GWP20)"),
    "EF3.1-climate": ("EF v3.1", "climate change", "global warming potential (GWP100)"),
}
METHOD_FAMILIES = ("IPCC 2021", "EF v3.1")  # written at set-up from bw2io's lcia_39_ecoinvent.zip
# Sub-indicators used for the fossil / biogenic / land-use split of a climate method.
SPLIT_CATEGORIES = {
    "IPCC 2021": {"fossil": "climate change: fossil", "biogenic": "climate change: biogenic",
                  "land_use": "climate change: land use"},
    "EF v3.1": {"fossil": "climate change: fossil", "biogenic": "climate change: biogenic",
                "land_use": "climate change: land use and land use change"},
}
DEFAULT_SCORE_UNIT = "kg CO2-Eq"


def resolve(method, known) -> tuple:
    """A short name (``GWP100``, ``GWP20``, ``EF3.1-climate``) or a method tuple -> the method tuple.

    Parameters
    ----------
    method : str or tuple of str
        A key of :data:`METHOD_ALIASES`, or a Brightway method tuple.
    known : container of tuple
        The method tuples of the project (``bw2data.methods``).

    Raises
    ------
    lca.InputError
        Unknown short name or tuple, naming the closest matches and where the valid names are.
    """
    if isinstance(method, str):
        if method in METHOD_ALIASES:
            return METHOD_ALIASES[method]
        close = difflib.get_close_matches(method, list(METHOD_ALIASES), n=3)
        raise InputError(f"unknown method {method!r}; use one of {sorted(METHOD_ALIASES)} "
                         f"or a Brightway method tuple{' (did you mean ' + close[0] + '?)' if close else ''}")
    tup = tuple(method)
    if tup not in known:
        close = difflib.get_close_matches(" | ".join(tup), [" | ".join(m) for m in known], n=3)
        raise InputError(f"unknown method {tup}; closest: {close}. Use a short name "
                         f"({', '.join(METHOD_ALIASES)}) or a method tuple of this project: "
                         "`lca info` lists how many there are and the short names")
    return tup


def split_methods(method: tuple, known) -> dict[str, tuple]:
    """The fossil / biogenic / land-use sub-indicators of a climate ``method`` that exist in ``known``."""
    cats = SPLIT_CATEGORIES.get(method[0])
    if not cats or len(method) < 3 or method[1] != "climate change":
        return {}
    out = {}
    for part, cat in cats.items():
        m = (method[0], cat, method[2])
        if m in known:
            out[part] = m
    return out


def pcf_characterizable(method: tuple) -> bool:
    """True for the methods a declared AR6 GWP100 figure (kg CO2e) is valid in.

    Supplier-declared PCFs (PACT v3) are stated under IPCC AR6 GWP100; they count 1:1
    under IPCC 2021 GWP100 and EF v3.1 climate change (GWP100), and cannot be
    re-characterized for any other method.
    """
    return (len(method) >= 3 and method[0] in METHOD_FAMILIES
            and str(method[1]).startswith("climate change") and "GWP100" in str(method[2]))
