"""New-energy vehicles: BEV, PHEV (and an ICEV for comparison), cradle-to-gate per vehicle by component.

Components (one foreground activity each, its ``stage`` = the component):
glider, electric motor, power electronics (inverter, charger, converter, power
distribution unit), battery (a :class:`~lca.models.battery.BatteryPack` of any
chemistry and capacity, all its steps labelled ``battery``), combustion engine
and mechanical powertrain, and vehicle assembly energy in the assembly region.
Masses and compositions: ``inventories/parameters/vehicle.toml``.

Parameters (units in brackets):

- ``powertrain``: ``BEV``, ``PHEV``, ``ICEV``; ``size``: ``small``, ``medium``, ``large``
- ``battery``: a ``battery_pack`` model, a dict of its parameters, or a chemistry name;
  ``battery_kwh`` [kWh] and ``battery_chemistry`` set the default battery
- ``region``: assembly grid region (components and assembly energy)
- ``glider_kg``, ``motor_kg``, ``powertrain_kg`` [kg]: override the size's masses
- optional use stage: ``use_grid`` (a grid region), ``lifetime_km`` [km],
  ``consumption_kwh_per_km`` [kWh/km], ``fuel_mj_per_km`` [MJ/km]; then ``extras``
  gives the use stage per km and, for BEV/PHEV, the break-even distance against the
  ICEV of the same size.

References
----------
Sacchi, R., Bauer, C., Cox, B., Mutel, C. carculator (BSD-3), vehicle masses via premise
extracts. Compositions are estimates, labelled in vehicle.toml.
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from .base import (Builder, Model, check_choice, check_limit, check_number, check_unknown, fmt, named, split_recycled,
                   value)
from .battery import BatteryPack

POWERTRAINS = ("BEV", "PHEV", "ICEV")
# components (stages) in process order: parts, the battery, then the assembly (vehicle.toml ``stage``)
STAGES = ("glider", "electric motor", "power electronics", "powertrain (engine or reducer, gearbox, drivetrain)",
          "battery", "assembly")


class Vehicle(Model):
    """A passenger car model, per vehicle (see module docstring)."""

    name = "vehicle"
    product_title = "Passenger car"
    unit = "unit"
    default_amount = 1.0
    parameter_file = "vehicle"

    def __init__(self, powertrain: str = "BEV", size: str = "medium", battery=None, region: str = "CN", *,
                 _version: str | None = None, **params):
        super().__init__(_version)
        data = self.data
        check_choice("powertrain", powertrain, POWERTRAINS)
        sz = named(data["size"], size, "size", "vehicle")
        spec = sz[powertrain]
        defaults = {k: value(v) for k, v in data["defaults"].items()}
        known = {"battery_kwh", "battery_chemistry", "glider_kg", "motor_kg", "powertrain_kg", "use_grid",
                 "lifetime_km", "consumption_kwh_per_km", "fuel_mj_per_km", "charging_efficiency",
                 "phev_electric_share", "gasoline_mj_per_kg", "electricity_kwh", "heat_mj", "recycled_al_glider"
                 } | set(data["power_electronics"])
        check_unknown("vehicle", params, known)
        p: dict = {"powertrain": powertrain, "size": size, "region": self.check_region("region", region)}
        glider_default = value(spec.get("glider_kg", sz["glider_kg"]))
        p["glider_kg"] = check_number("glider_kg", params.get("glider_kg", glider_default), 0, 1e5, "kg")
        p["motor_kg"] = check_number("motor_kg", params.get("motor_kg", value(spec["motor_kg"])), 0, 1e4, "kg")
        p["powertrain_kg"] = check_number("powertrain_kg", params.get("powertrain_kg", value(spec["powertrain_kg"])),
                                          0, 1e4, "kg")
        # the battery
        self.battery = None
        if powertrain != "ICEV":
            bparams: dict = {}
            if isinstance(battery, BatteryPack):
                bparams = {k: v for k, v in battery.params.items() if not k.startswith("_")}
            elif isinstance(battery, dict):
                bparams = dict(battery)
            elif isinstance(battery, str):
                bparams = {"chemistry": battery}
            elif battery is not None:
                raise InputError(f"parameter battery={battery!r}: give a battery_pack model, a dict of its "
                                 "parameters, or a chemistry name")
            bparams.setdefault("chemistry", params.get("battery_chemistry", defaults["battery_chemistry"]))
            bparams.setdefault("capacity_kwh", params.get("battery_kwh", value(spec["battery_kwh"])))
            bparams.setdefault("region", p["region"])
            self.battery = BatteryPack(_stage="battery", _version=self._version, **bparams)
            p["battery"] = {k: v for k, v in self.battery.params.items() if not k.startswith("_")}
            self.warnings += self.battery.warnings
            lim = data.get("limits", {}).get("battery_kwh", {}).get(size)
            check_limit(f"battery capacity_kwh (a {size} {powertrain})", self.battery.params["capacity_kwh"], lim,
                        self.warnings)
        elif battery is not None or "battery_kwh" in params:
            raise InputError("parameter battery: an ICEV has no traction battery; use powertrain=BEV or PHEV")
        # use stage (optional)
        p["use_grid"] = (None if params.get("use_grid") in (None, "")
                         else self.check_region("use_grid", params["use_grid"]))
        p["lifetime_km"] = check_number("lifetime_km", params.get("lifetime_km", defaults["lifetime_km"]), 0, 2e6,
                                        "km", lo_open=True)
        p["consumption_kwh_per_km"] = check_number("consumption_kwh_per_km", params.get(
            "consumption_kwh_per_km", value(spec.get("consumption_kwh_per_km", 0.0))), 0, 5, "kWh/km")
        p["fuel_mj_per_km"] = check_number("fuel_mj_per_km", params.get(
            "fuel_mj_per_km", value(spec.get("fuel_mj_per_km", 0.0))), 0, 50, "MJ/km")
        p["charging_efficiency"] = check_number("charging_efficiency", params.get(
            "charging_efficiency", defaults["charging_efficiency"]), 0, 1, lo_open=True)
        p["phev_electric_share"] = check_number("phev_electric_share", params.get(
            "phev_electric_share", defaults["phev_electric_share"]), 0, 1)
        # the levers of assembly, power electronics, fuel and glider (issue 21: every listed parameter settable)
        for k in ("electricity_kwh", "heat_mj"):
            p[k] = self.setting(params, k, data["assembly"][k], 0, 1e5)
        pe = sorted(set(data["power_electronics"]) & set(params))
        if powertrain == "ICEV" and pe:
            raise InputError(f"parameter(s) {', '.join(pe)}: an ICEV has no power electronics; use powertrain=BEV "
                             "or PHEV")
        if powertrain != "ICEV":
            for k, e in data["power_electronics"].items():
                p[k] = self.setting(params, k, e, 0, 1000)
        p["gasoline_mj_per_kg"] = self.setting(params, "gasoline_mj_per_kg", data["defaults"]["gasoline_mj_per_kg"],
                                               0, 100, lo_open=True)
        p["recycled_al_glider"] = self.setting(params, "recycled_al_glider", data["defaults"]["recycled_al_glider"],
                                               0, 1)
        self.params = p
        self.user_set = set(params)

    def choices(self) -> dict[str, dict]:
        from .battery import chemistries

        out = super().choices()
        out["powertrain"] = {"value": self.params["powertrain"], "values": list(POWERTRAINS)}
        out["size"] = {"value": self.params["size"], "values": sorted(self.data["size"])}
        if self.battery is not None:
            out["battery_chemistry"] = {"value": self.battery.params["chemistry"], "values": chemistries()}
        return out

    def submodels(self) -> dict:
        return {} if self.battery is None else {"battery": self.battery}

    def parameter_entries(self) -> dict[str, dict]:
        data, p = self.data, self.params
        sz = data["size"][p["size"]]
        spec = sz[p["powertrain"]]
        entries = {"glider_kg": spec.get("glider_kg", sz["glider_kg"]), "motor_kg": spec["motor_kg"],
                   "powertrain_kg": spec["powertrain_kg"]}
        for k in ("consumption_kwh_per_km", "fuel_mj_per_km"):
            if k in spec:
                entries[k] = spec[k]
        entries.update({k: data["defaults"][k] for k in ("lifetime_km", "charging_efficiency", "phev_electric_share",
                                                          "gasoline_mj_per_kg", "recycled_al_glider")})
        entries.update(data["assembly"])
        if p["powertrain"] != "ICEV":
            entries.update(data["power_electronics"])
        in_footprint = {"glider_kg", "motor_kg", "powertrain_kg", "electricity_kwh", "heat_mj"} | set(
            data["power_electronics"])
        out = {}
        for k, e in entries.items():
            dist = e.get("dist")
            out[k] = {"value": p.get(k, value(e)), "unit": e.get("unit"), "source": e.get("source"), "dist": dist,
                      "basis": e.get("basis"),
                      "sampled": bool(k in in_footprint and k not in self.user_set and dist
                                      and dist.get("type") != "fixed" and value(e) != 0)}
        return out

    def datasets(self, biosphere_codes: dict | None = None) -> list[dict]:
        own = super().datasets(biosphere_codes)
        if self.battery is None:
            return own
        return own + self.battery.datasets(biosphere_codes)

    def _build(self, b: Builder) -> str:
        p, data = self.params, self.data
        loc = p["region"]
        label = f"{p['powertrain']} {p['size']}"
        masses = {"glider": p["glider_kg"], "motor": p["motor_kg"], "powertrain": p["powertrain_kg"],
                  "power_electronics": 0.0}
        if p["powertrain"] != "ICEV":
            masses["power_electronics"] = sum(p.get(k, value(v)) for k, v in data["power_electronics"].items())
        b.activity("vehicle", f"passenger car, {label}", "unit", loc, "assembly",
                   product="passenger car", comment=f"parameters { {k: fmt(v) if isinstance(v, (float, np.ndarray)) else v for k, v in p.items()} }")
        for comp, kg in masses.items():
            if not isinstance(kg, np.ndarray) and kg <= 0:
                continue
            spec = data["component"][comp]
            b.activity(comp, f"{spec['name']} [{label}]", "kilogram", loc, spec["stage"])
            rows = spec["rows"] if comp != "glider" else split_recycled(
                spec["rows"], "aluminium-wrought", "aluminium-recycled", p["recycled_al_glider"], "recycled_al_glider")
            for row in rows:
                b.add_row(comp, row, loc)
            b.add_part("vehicle", comp, kg, "kilogram", f"{comp} mass [kg]")
        if self.battery is not None:
            b.add_model("vehicle", self.battery.reference_code, self.battery.params["capacity_kwh"],
                        "kilowatt hour", "battery capacity [kWh]")
        asm = data["assembly"]
        b.add_elec("vehicle", loc, p["electricity_kwh"], asm["electricity_kwh"]["source"])
        b.add_bg("vehicle", "heat-natural-gas", p["heat_mj"], "megajoule", material="heat",
                 source=asm["heat_mj"]["source"])
        return "vehicle"

    # the battery's activities are other datasets of the models database: include them in the solve
    def product_system(self):
        data, ref = self.own_datasets()
        if self.battery is not None:
            data = data + self.battery.own_datasets()[0]
        return data, ref

    def use_per_km(self, scores) -> float | None:
        """Use-stage score per km [score/km] on ``use_grid`` (electricity) and gasoline; None without use_grid."""
        p = self.params
        if p["use_grid"] is None and p["powertrain"] != "ICEV":
            return None
        gas_mj = value(self.data["defaults"]["gasoline_mj_per_kg"])
        fuel = float(scores["background:gasoline-combusted"]) * p["fuel_mj_per_km"] / gas_mj
        if p["powertrain"] == "ICEV":
            return fuel
        elec = float(scores[f"background:{self.grid(p['use_grid'])}"]) * p["consumption_kwh_per_km"] \
            / p["charging_efficiency"]
        if p["powertrain"] == "BEV":
            return elec
        s = p["phev_electric_share"]
        return s * elec + (1 - s) * fuel

    def extras(self, fp, project) -> dict:
        p = self.params
        out = {"basis": self.basis(fp.amount), **({"warnings": list(self.warnings)} if self.warnings else {}),
               "per_vehicle": fp.total / fp.amount if fp.amount else 0.0,
               "masses_kg": {k: p[k] for k in ("glider_kg", "motor_kg", "powertrain_kg")},
               "by_component": dict(fp.by_stage)}
        if self.battery is not None:
            out["battery_kwh"] = self.battery.params["capacity_kwh"]
            out["battery_mass_kg"] = self.battery.pack_mass_kg
        if p["use_grid"] is None:
            return out
        scores = project.footprints(method=fp.method)
        per_km = self.use_per_km(scores)
        prod = out["per_vehicle"]
        out["use_stage"] = {"grid": p["use_grid"], "per_km": per_km, "lifetime_km": p["lifetime_km"],
                            "lifetime": per_km * p["lifetime_km"],
                            "production_plus_use_per_km": prod / p["lifetime_km"] + per_km}
        if p["powertrain"] != "ICEV":
            icev = Vehicle("ICEV", p["size"], region=p["region"], use_grid=p["use_grid"],
                           lifetime_km=p["lifetime_km"], _version=self._version)
            icev_fp = project.footprint(icev, method=fp.method)
            icev_km = icev.use_per_km(scores)
            gap = icev_km - per_km
            out["break_even_vs_icev"] = {
                "icev_production": icev_fp.total, "icev_per_km": icev_km,
                "km": (prod - icev_fp.total) / gap if gap > 0 else None,
                "note": "distance at which production + use equal those of the ICEV of the same size; "
                        "None if the ICEV's use stage is not higher per km",
            }
        return out


def vehicle(powertrain: str = "BEV", size: str = "medium", battery=None, region: str = "CN", **params) -> Vehicle:
    """A passenger car model: cradle-to-gate footprint per vehicle, by component.

    Component masses, battery capacity and consumption are those of the size and
    powertrain in ``inventories/parameters/vehicle.toml`` (premise/carculator vehicles,
    each value with its unit, source and range).

    Parameters
    ----------
    powertrain : {"BEV", "PHEV", "ICEV"}, default ``"BEV"``
        Battery-electric, plug-in hybrid, or the gasoline car to compare with [-].
    size : {"small", "medium", "large"}, default ``"medium"``
        Vehicle size class [-] (e.g. medium BEV: glider 1350 kg, motor 89.9 kg, 48 kWh).
    battery : BatteryPack, dict, or str, optional
        The traction battery: a :func:`~lca.models.battery.battery_pack` model, a dict of its
        parameters, or a chemistry name; default: ``battery_chemistry`` (LFP) with the size's
        ``battery_kwh`` [kWh]. Ignored for an ICEV.
    region : str, default ``"CN"``
        Grid location of assembly and components [-] (``CN``, ``CN-SC``, ``DE`` ...).
    **params
        Overrides, each checked against its range:

        - ``battery_kwh`` [kWh], ``battery_chemistry`` [name in battery.toml].
        - ``glider_kg``, ``motor_kg``, ``powertrain_kg`` [kg].
        - use stage, for ``extras``: ``use_grid`` [grid location], ``lifetime_km`` [km]
          (200 000, carculator), ``consumption_kwh_per_km`` [kWh/km at the battery] (medium
          BEV 0.1953), ``fuel_mj_per_km`` [MJ gasoline/km], ``charging_efficiency`` [kWh at
          the battery/kWh from the grid] (0.9, estimate), ``phev_electric_share`` [km
          electric/km] (0.4, estimate).

    Returns
    -------
    Vehicle
        The model; ``project.footprint(model)`` gives [kg CO2-Eq per vehicle] with GWP100,
        by component; with a use stage, ``extras`` gives it per km and, for BEV and PHEV,
        the break-even distance [km] against the ICEV of the same size.

    Raises
    ------
    lca.InputError
        An unknown powertrain, size, parameter or region, or a value outside its range.

    References
    ----------
    .. [1] Sacchi, R., Bauer, C., Cox, B., Mutel, C. carculator (BSD-3), the vehicle model of
       premise: vehicle masses, capacities and consumption via premise extracts. Compositions are estimates, labelled in vehicle.toml.
    """
    return Vehicle(powertrain=powertrain, size=size, battery=battery, region=region, **params)
