"""Product models: parameterized lifecycle models of power batteries, NEVs and PV modules."""
from __future__ import annotations

from .. import hooks
from ..errors import InputError
from .base import MODELS_DB, Model, ensure_written, rebuild
from .battery import BatteryPack, battery_pack
from .pv import PVModule, pv_module
from .vehicle import Vehicle, vehicle
from .battery import STAGES as _BATTERY_STAGES
from .pv import STAGES as _PV_STAGES
from .vehicle import STAGES as _VEHICLE_STAGES

MODELS: dict = {"battery_pack": battery_pack, "vehicle": vehicle, "pv_module": pv_module}
# every model's stages in process order (comparison tables and charts keep this order) [-]
STAGE_GROUPS: tuple = (_BATTERY_STAGES, _PV_STAGES, _VEHICLE_STAGES)
STAGE_ORDER: tuple = tuple(dict.fromkeys(_BATTERY_STAGES + _PV_STAGES + _VEHICLE_STAGES))
__all__ = ["MODELS", "STAGE_ORDER", "STAGE_GROUPS", "MODELS_DB", "Model", "BatteryPack", "Vehicle", "PVModule", "battery_pack", "vehicle",
           "pv_module", "get_model", "ensure_written", "rebuild", "demo_models"]


def get_model(name: str, **params):
    """The model ``name`` built with ``params`` (what ``lca footprint --model NAME --set KEY=VALUE`` uses).

    Parameters
    ----------
    name : {"battery_pack", "vehicle", "pv_module"}
        The model [-].
    **params
        Its parameters, each with the unit its function documents
        (:func:`~lca.models.battery.battery_pack` [kWh, kWh/kg, ...],
        :func:`~lca.models.vehicle.vehicle` [kg, km, kWh/km, ...],
        :func:`~lca.models.pv.pv_module` [W, um, kWh/kWp/a, ...]).

    Returns
    -------
    lca.models.Model

    Raises
    ------
    lca.InputError
        An unknown model name (the valid ones are listed), or a parameter the model refuses.
    """
    if name not in MODELS:
        raise InputError(f"unknown model {name!r}; valid models: {sorted(MODELS)}")
    return MODELS[name](**params)


def demo_models() -> list[tuple[str, Model]]:
    """The models ``lca demo`` builds and prints.

    Returns
    -------
    list of (str, lca.models.Model)
        (label, model): a 60 kWh LFP pack made in Sichuan [per kWh], a 75 kWh NMC811 pack made in
        Inner Mongolia [per kWh], a medium BEV with a 60 kWh LFP pack [per vehicle], a TOPCon
        glass-glass module of the Chinese chain [per kWp].
    """
    return [
        ("LFP pack, 60 kWh, made in Sichuan", battery_pack("LFP", 60.0, region="CN-SC")),
        ("NMC811 pack, 75 kWh, made in Inner Mongolia", battery_pack("NMC811", 75.0, region="CN-NM")),
        ("BEV medium, LFP 60 kWh, assembled in China",
         vehicle(powertrain="BEV", size="medium", battery={"chemistry": "LFP", "capacity_kwh": 60.0})),
        ("TOPCon glass-glass module, Chinese chain", pv_module(technology="TOPCon", construction="glass-glass")),
    ]



def _model_key(project, target):
    """A model object -> the key of its reference activity (written into ``models`` on first use), else None."""
    if hasattr(target, "datasets") and hasattr(target, "reference_code"):
        return ensure_written(project, target)
    return None


# the project rebuilds ``models`` and resolves model targets through this registration (lca.hooks)
hooks.register_database(hooks.DerivedDatabase(MODELS_DB, rebuild=rebuild, resolve_target=_model_key))
