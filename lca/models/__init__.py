"""Product models: parameterized lifecycle models of power batteries, NEVs and PV modules."""
from __future__ import annotations

from ..errors import InputError

MODELS: dict = {}


def get_model(name: str, **params):
    """The model ``name`` (``battery_pack``, ``vehicle``, ``pv_module``) with ``params``."""
    if name not in MODELS:
        raise InputError(f"unknown model {name!r}; valid models: {sorted(MODELS)}")
    return MODELS[name](**params)
