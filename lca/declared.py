"""Declared versus computed: how a supplier's declared PCF is compared with the computed footprint.

One helper for the importer's warning, the roll-up's warnings and the Excel
report's "Declared vs computed" sheet.

References
----------
Together for Sustainability (TfS), PCF Guideline v3.0 (2024): a declared PCF is
to be updated when it differs from a new calculation by more than 20 %.
"""
from __future__ import annotations

DECLARED_TOLERANCE = 0.20  # [-] TfS: declared vs computed beyond 20% -> warning


def declared_difference(declared, computed) -> float | None:
    """(declared - computed) / computed [-], or None when there is nothing to compare (no figure, computed 0)."""
    if declared is None or computed is None or not computed:
        return None
    return (float(declared) - float(computed)) / float(computed)


def declared_differs(declared, computed) -> bool:
    """True when a declared PCF is more than :data:`DECLARED_TOLERANCE` away from the computed one."""
    diff = declared_difference(declared, computed)
    return diff is not None and abs(diff) > DECLARED_TOLERANCE


def declared_message(declared, computed) -> str:
    """``declared PCF D differs from the computed C by +N% (more than 20%, the TfS update threshold)``."""
    return (f"declared PCF {float(declared):g} differs from the computed {float(computed):.6g} by "
            f"{100 * declared_difference(declared, computed):+.0f}% (more than {DECLARED_TOLERANCE:.0%}, "
            "the TfS update threshold)")
