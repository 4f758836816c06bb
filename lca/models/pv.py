"""Crystalline-silicon PV modules: MG-Si -> poly-Si -> Cz ingot -> wafer -> cell -> module, per kWp.

One foreground activity per step, each in its own grid region (``stage`` =
``metallurgical silicon``, ``polysilicon``, ``ingot``, ``wafer``, ``cell``,
``module``). The reference product is 1 kWp: ``1 / efficiency`` m2 of module at
STC (1 kW/m2). Quantities: ``inventories/parameters/pv.toml``.

Parameters (units in brackets):

- ``technology``: ``PERC``, ``TOPCon``, ``HJT`` (own layers, silver and defaults)
- ``construction``: ``glass-backsheet`` or ``glass-glass``; ``frame``: True/False (aluminium frame)
- ``region``: grid region of every step unless ``mgsi_region``, ``polysi_region``,
  ``ingot_region``, ``wafer_region``, ``cell_region``, ``module_region`` say otherwise;
  with ``region="CN"`` (default) a step takes the province pv.toml gives it in ``[defaults]``
  (``polysi_region``: ``CN-XJ``, where most Chinese polysilicon is made)
- ``efficiency`` [-] (0 < efficiency <= 1), ``power_w`` [W per module]
- ``wafer_thickness_um``, ``kerf_loss_um`` [um]
- per kWh generated: ``yield_kwh_per_kwp`` [kWh/kWp/a], ``lifetime_years`` [a], ``degradation`` [1/a]

References
----------
IEA PVPS Task 12 (2020), Life Cycle Inventories and Life Cycle Assessments of Photovoltaic
Systems, Report T12-19:2020, via premise extracts. Mueller, A. et al. (2021),
Sol. Energy Mater. Sol. Cells 230:111277 (published comparison).
"""
from __future__ import annotations

from ..errors import InputError
from .base import Builder, Model, check_limit, check_number, check_unknown, fmt, named, split_recycled, value

STEPS = ("mgsi", "polysi", "ingot", "wafer", "cell", "module")
# stage names of the steps, in process order (pv.toml ``stage`` of each step)
STAGES = ("metallurgical silicon", "polysilicon", "ingot", "wafer", "cell", "module")


class PVModule(Model):
    """A mono-Si PV module model, per kWp (see module docstring)."""

    name = "pv_module"
    product_title = "PV module"
    unit = "kilowatt peak"
    default_amount = 1.0
    parameter_file = "pv"

    def __init__(self, technology: str = "PERC", construction: str = "glass-backsheet", region: str = "CN", **params):
        super().__init__()
        data = self.data
        tech = named(data["technology"], technology, "technology", "pv")
        named(data["construction"], construction, "construction", "pv")
        d = {k: value(v) for k, v in data["defaults"].items()}
        known = {f"{s}_region" for s in STEPS} | {"frame", "efficiency", "power_w", "wafer_thickness_um",
                                                  "kerf_loss_um", "yield_kwh_per_kwp", "lifetime_years",
                                                  "degradation", "wafer_loss_factor", "aluminium_kg_per_m2",
                                                  "recycled_al_frame"}
        check_unknown("pv_module", params, known)
        p: dict = {"technology": technology, "construction": construction,
                   "region": self.check_region("region", region)}
        national = p["region"] == "CN"  # the Chinese chain: steps pv.toml places in a province by default
        for s in STEPS:
            default = value(d[f"{s}_region"]) if national and f"{s}_region" in d else p["region"]
            p[f"{s}_region"] = self.check_region(f"{s}_region", params.get(f"{s}_region", default))
        frame = params.get("frame", True)
        if not isinstance(frame, bool):
            raise InputError(f"parameter frame={frame!r} must be true or false")
        p["frame"] = frame
        p["efficiency"] = check_number("efficiency", params.get("efficiency", value(tech["efficiency"])), 0, 1,
                                       "(module efficiency at STC, a fraction)", lo_open=True)
        p["power_w"] = check_number("power_w", params.get("power_w", d["power_w"]), 0, 5000, "W", lo_open=True)
        p["wafer_thickness_um"] = check_number("wafer_thickness_um", params.get(
            "wafer_thickness_um", value(tech["wafer_thickness_um"])), 20, 1000, "um")
        p["kerf_loss_um"] = check_number("kerf_loss_um", params.get("kerf_loss_um", value(tech["kerf_loss_um"])),
                                         0, 1000, "um")
        p["yield_kwh_per_kwp"] = check_number("yield_kwh_per_kwp", params.get(
            "yield_kwh_per_kwp", d["yield_kwh_per_kwp"]), 0, 5000, "kWh/kWp/year", lo_open=True)
        p["lifetime_years"] = check_number("lifetime_years", params.get("lifetime_years", d["lifetime_years"]),
                                           0, 100, "years", lo_open=True)
        p["degradation"] = check_number("degradation", params.get("degradation", d["degradation"]), 0, 0.2,
                                        "per year")
        check_limit("efficiency", p["efficiency"], data.get("limits", {}).get("efficiency"), self.warnings)
        # the levers of the wafer and the frame (issue 21: every parameter `lca model` lists can be set)
        p["wafer_loss_factor"] = self.setting(params, "wafer_loss_factor", data["defaults"]["wafer_loss_factor"], 1, 3)
        p["aluminium_kg_per_m2"] = self.setting(params, "aluminium_kg_per_m2", data["frame"]["aluminium_kg_per_m2"],
                                                0, 20)
        p["recycled_al_frame"] = self.setting(params, "recycled_al_frame", data["frame"]["recycled_al_frame"], 0, 1)
        self.params = p
        self.user_set = set(params)

    def fixed(self) -> dict[str, str]:
        return {"silicon_density": "a physical constant (crystalline silicon, CRC Handbook)"}

    def choices(self) -> dict[str, dict]:
        out = super().choices()
        for k in ("technology", "construction"):
            out[k] = {"value": self.params[k], "values": sorted(self.data[k]),
                      "labels": {n: d.get("description", "") for n, d in sorted(self.data[k].items())}}
        out["frame"] = {"value": self.params["frame"], "values": [True, False],
                        "labels": {True: "aluminium frame", False: "frameless"}}
        return out

    def parameter_entries(self) -> dict[str, dict]:
        data = self.data
        tech = data["technology"][self.params["technology"]]
        entries = {k: tech[k] for k in ("efficiency", "wafer_thickness_um", "kerf_loss_um")}
        entries.update({k: data["defaults"][k] for k in ("wafer_loss_factor", "silicon_density", "power_w",
                                                          "yield_kwh_per_kwp", "lifetime_years", "degradation")})
        entries["aluminium_kg_per_m2"] = data["frame"]["aluminium_kg_per_m2"]
        entries["recycled_al_frame"] = data["frame"]["recycled_al_frame"]
        in_footprint = {"efficiency", "wafer_thickness_um", "kerf_loss_um", "wafer_loss_factor"} | (
            {"aluminium_kg_per_m2"} if self.params["frame"] else set())
        out = {}
        for k, e in entries.items():
            dist = e.get("dist")
            out[k] = {"value": self.params.get(k, value(e)), "unit": e.get("unit"), "source": e.get("source"),
                      "dist": dist, "basis": e.get("basis"),
                      "sampled": bool(k in in_footprint and k not in self.user_set and dist
                                      and dist.get("type") != "fixed")}
        return out

    @property
    def m2_per_kwp(self) -> float:
        return 1.0 / self.params["efficiency"]  # STC irradiance 1 kW/m2

    @property
    def module_area_m2(self) -> float:
        return self.params["power_w"] / 1000.0 * self.m2_per_kwp

    @property
    def cz_kg_per_m2_wafer(self) -> float:
        p, d = self.params, self.data["defaults"]
        return value(d["silicon_density"]) * (p["wafer_thickness_um"] + p["kerf_loss_um"]) * 1e-6 \
            * p.get("wafer_loss_factor", value(d["wafer_loss_factor"]))

    def _build(self, b: Builder) -> str:
        p, data = self.params, self.data
        label = f"{p['technology']} {p['construction']}{'' if p['frame'] else ' frameless'}"
        for s in STEPS:
            step = data["steps"][s]
            loc = p[f"{s}_region"]
            b.activity(s, f"{step['name']} [{label}]", step["unit"], loc, step["stage"])
            rows = list(step["rows"])
            if s == "wafer":
                rows.insert(0, {"input": "part:ingot", "amount": self.cz_kg_per_m2_wafer, "unit": "kilogram",
                                "source": "silicon_density x (wafer_thickness_um + kerf_loss_um) x wafer_loss_factor"})
            if s == "cell":
                rows += data["technology"][p["technology"]]["rows"]
            if s == "module":
                rows += data["construction"][p["construction"]]["rows"]
                if p["frame"]:
                    fr = data["frame"]["aluminium_kg_per_m2"]
                    rows += split_recycled([{"input": "bg:aluminium-wrought", "amount": p["aluminium_kg_per_m2"],
                                             "unit": "kilogram", "source": fr["source"]}],
                                           "aluminium-wrought", "aluminium-recycled", p["recycled_al_frame"],
                                           "recycled_al_frame")
            for row in rows:
                b.add_row(s, row, loc)
        b.activity("kwp", f"PV module, {label}, {fmt(p['efficiency'], '.3g')} efficiency, per kWp", "kilowatt peak",
                   p["module_region"], "module", product="PV module peak power",
                   comment=f"1/efficiency m2 of module per kWp at STC; parameters "
                           f"{ {k: fmt(v) if not isinstance(v, (str, bool)) else v for k, v in p.items()} }")
        b.add_part("kwp", "module", self.m2_per_kwp, "square meter", "1 / efficiency [m2 per kWp]")
        return "kwp"

    def lifetime_kwh_per_kwp(self) -> float:
        """Energy generated per kWp over the lifetime [kWh]: yield x sum over years of (1 - degradation x year)."""
        p = self.params
        n = int(round(p["lifetime_years"]))
        return sum(p["yield_kwh_per_kwp"] * max(0.0, 1 - p["degradation"] * t) for t in range(n))

    def extras(self, fp, project) -> dict:
        per_kwp = fp.total / fp.amount if fp.amount else 0.0
        p = self.params
        out = {
            "basis": self.basis(fp.amount),
            **({"warnings": list(self.warnings)} if self.warnings else {}),
            "per_kwp": per_kwp,
            "per_m2": per_kwp / self.m2_per_kwp,
            "per_module": per_kwp * p["power_w"] / 1000.0,
            "module_area_m2": self.module_area_m2,
            "per_kwh_generated": per_kwp / self.lifetime_kwh_per_kwp(),
            "per_kwh_generated_note": (f"module only (no balance of system); {p['yield_kwh_per_kwp']:g} kWh/kWp/a, "
                                       f"{p['lifetime_years']:g} years, {p['degradation']:.2%}/a linear degradation"),
            "cz_silicon_kg_per_m2_wafer": self.cz_kg_per_m2_wafer,
        }
        mats = self.by_material(fp, project)
        if mats:
            out["by_material_per_kwp"] = mats
        return out


def pv_module(technology: str = "PERC", construction: str = "glass-backsheet", region: str = "CN",
              **params) -> PVModule:
    """A crystalline-silicon PV module model: MG-Si -> poly-Si -> ingot -> wafer -> cell -> module, per kWp.

    The reference product is 1 kWp, i.e. ``1 / efficiency`` m2 of module at STC
    (1 kW/m2). Quantities come from ``inventories/parameters/pv.toml`` (IEA PVPS / premise
    inventories; each value with its unit, source and range).

    Parameters
    ----------
    technology : {"PERC", "TOPCon", "HJT"}, default ``"PERC"``
        Cell technology [-]: its own layers, silver, efficiency and wafer defaults.
    construction : {"glass-backsheet", "glass-glass"}, default ``"glass-backsheet"``
        Module construction [-].
    region : str, default ``"CN"``
        Grid location of every step [-]; with ``CN`` a step takes the province pv.toml gives
        it (polysilicon: ``CN-XJ``, Xinjiang, 55 % of Chinese polysilicon in 2021).
    **params
        Overrides, each checked against its range:

        - ``mgsi_region``, ``polysi_region``, ``ingot_region``, ``wafer_region``,
          ``cell_region``, ``module_region`` [grid location]: per step.
        - ``frame`` [bool]: aluminium frame (default True).
        - ``efficiency`` [-], 0 < efficiency <= 1: module efficiency at STC (PERC 0.22,
          Fraunhofer ISE 2023).
        - ``power_w`` [W per module at STC]: 550 (estimate).
        - ``wafer_thickness_um``, ``kerf_loss_um`` [um]: PERC 150 and 55 (ITRPV 2023).
        - per kWh generated (``extras``): ``yield_kwh_per_kwp`` [kWh/kWp/a] 1300 (estimate),
          ``lifetime_years`` [a] 30 and ``degradation`` [1/a, linear] 0.007 (IEA PVPS 2020).

    Returns
    -------
    PVModule
        The model; ``project.footprint(model)`` gives [kg CO2-Eq per kWp] with GWP100, and
        ``extras`` per m2, per module and per kWh generated.

    Raises
    ------
    lca.InputError
        An unknown technology, construction, parameter or region, or a value outside its range.

    References
    ----------
    .. [1] IEA PVPS Task 12 (2020). Life Cycle Inventories and Life Cycle Assessments of
       Photovoltaic Systems, Report T12-19:2020 (via premise extracts).
    .. [2] IEA PVPS Task 12 (2020). Methodology Guidelines on Life Cycle Assessment of
       Photovoltaic (module lifetime 30 years, degradation 0.7 %/a).
    .. [3] ITRPV, International Technology Roadmap for Photovoltaic, 14th/15th ed. (2023/2024):
       wafer thickness and kerf loss (as recalled in pv.toml, marked there as not re-read).
    .. [4] Mueller, A. et al. (2021). Sol. Energy Mater. Sol. Cells 230:111277 (published
       comparison of module footprints by manufacturing location).
    """
    return PVModule(technology=technology, construction=construction, region=region, **params)
