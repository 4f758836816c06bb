"""Power battery packs: cell -> module -> pack as linked Brightway activities, per kWh of capacity.

Chain (one foreground activity per step, ``stage`` in brackets): raw-material
supply mixes [raw materials] -> precursor hydroxide, cathode active material,
cathode, aluminium foil [cathode] -> anode paste, copper foil [anode] -> cell
[cell manufacturing] -> module, pack [pack assembly]. The reference product is
1 kWh of pack capacity (``amount=capacity_kwh`` gives the whole pack). Every
quantity comes from ``inventories/parameters/battery.toml`` with its source.

Parameters (defaults from the chemistry's named set, units in brackets):

- ``chemistry``: ``LFP``, ``NMC811``, ``NMC622``, ``NCA``, ``SIB-NMMT``, ``LFP-premise2020`` (named sets in
  battery.toml; ``LFP`` is 2022-2024 Chinese cell-to-pack production, ``LFP-premise2020`` the premise/Crenna
  2021 set; ``NCA`` is Dai et al. 2019 via premise; ``SIB-NMMT`` is a sodium-ion cell with a layered-oxide
  NMMT cathode and a hard-carbon anode from pitch, Zhang et al. 2024 via premise)
- ``capacity_kwh`` [kWh]: nominal pack capacity (> 0)
- ``region``: grid region of every step unless ``cathode_region``, ``cell_region``,
  ``pack_region`` say otherwise (``CN``, ``CN-SC``, ``CN-NORTH``, ``DE``...)
- ``cell_energy_density`` [kWh/kg cell], ``cell_to_pack`` [kg cells/kg pack]
- ``cell_energy`` [kWh of factory energy per kWh of cell] and ``cell_heat_share`` [-] (the share of it
  supplied as natural-gas heat): one harmonized basis for every Li-ion chemistry (Degen et al. 2023's
  LFP figure per kg of cell; the Degen & Schuette 2022 carrier split; battery.toml ``[harmonization]``)
- ``cell_electricity`` [kWh per kWh of cell], ``cell_heat`` [MJ natural-gas heat per kWh of cell]: derived,
  ``cell_energy x (1 - cell_heat_share)`` and ``cell_energy x cell_heat_share x 3.6``, unless set
- ``lithium_route``: ``brine`` or ``spodumene``; ``graphite_synthetic_share`` [-]
- ``recycled_al``, ``recycled_cu``, ``recycled_ni``, ``recycled_co``, ``recycled_li`` [-]: recycled content
- ``casing``: ``aluminium`` or ``steel``
- declaration: ``usable_share`` [-], ``cycles_per_year`` [FEC/a], ``service_years`` [a]

References
----------
Dai, Q., Kelly, J.C., Gaines, L., Wang, M. (2019). Life cycle analysis of lithium-ion
batteries for automotive applications. Batteries 5(2):48, as revised by Crenna, E. et al.
(2021), Resour. Conserv. Recycl. 170:105619, via premise (BSD-3, PSI/PIK) extracts.
Regulation (EU) 2023/1542, Art. 7, and the JRC draft delegated act on the carbon footprint
of EV batteries (declared unit: kWh of total energy provided over the service life).
"""
from __future__ import annotations

from functools import lru_cache

from .. import inventory
from ..errors import InputError
from .base import (MODELS_DB, Builder, Model, check_choice, check_limit, check_number, check_unknown, fmt, named,
                   parameters, value)

MJ_PER_KWH = 3.6  # [MJ/kWh]
# parameters Monte Carlo draws (lca.uncertainty), and where their entries live in battery.toml:
# the chemistry set, [defaults], or a table of [common] read by the build
CHEMISTRY_PARAMS = ("cell_energy_density", "cell_to_pack", "cell_energy", "cell_heat_share")
DEFAULT_PARAMS = ("graphite_synthetic_share", "recycled_al", "recycled_cu", "recycled_ni", "recycled_co", "recycled_li")
DATA_PARAMS = {"casing_share": ("common", "balance-of-pack"), "cells_truck_tkm_per_kg": ("common", "transport")}
DECLARATION_PARAMS = ("usable_share", "cycles_per_year", "service_years")
# plant primary data (battery.toml [plant]): only in params when set, so an unset model is unchanged
PLANT_PARAMS = ("cam_electricity", "cell_onsite_share", "cell_ppa_share", "cell_certificate_share", "cam_onsite_share",
                "cam_ppa_share", "cam_certificate_share", "cell_grid_factor", "cam_grid_factor", "contract_generation")
CONTRACT_DATASETS = {"wind": "electricity-wind", "hydro": "electricity-hydro", "solar": "electricity-solar-pv"}

STAGES = ("raw materials", "cathode", "anode", "cell manufacturing", "pack assembly")
EU_STAGES = {
    "raw material acquisition and pre-processing": ("raw materials", "cathode", "anode"),
    "main product production": ("cell manufacturing", "pack assembly"),
}


def _data(version: str | None = None) -> dict:
    """battery.toml, with chemistry sets that name a ``base`` set completed from it (own keys win)."""
    return _resolved(inventory.inventories_version() if version is None else version)


@lru_cache(maxsize=8)
def _resolved(version: str) -> dict:
    data = parameters("battery", version)
    chems = data["chemistry"]
    if any("base" in c for c in chems.values()):
        resolved = {}
        for name, chem in chems.items():
            base = chem.get("base")
            if base is not None and base not in chems:
                raise InputError(f"battery.toml: chemistry {name!r} names an unknown base set {base!r}")
            resolved[name] = {**chems[base], **chem} if base else chem
        data = dict(data, chemistry=resolved)
    return data


def chemistries() -> list[str]:
    """The chemistry sets of ``inventories/parameters/battery.toml``.

    Returns
    -------
    list of str
        Their names [-], sorted (``LFP``, ``NMC811``, ...): the values ``battery_pack(chemistry=...)`` takes.
    """
    return sorted(_data()["chemistry"])


class BatteryPack(Model):
    """A parameterized traction battery pack (see module docstring)."""

    name = "battery_pack"
    product_title = "Traction battery pack"
    unit = "kilowatt hour"
    parameter_file = "battery"

    def __init__(self, chemistry: str = "LFP", capacity_kwh: float | None = None, region: str = "CN", *,
                 _stage: str | None = None, _version: str | None = None, **params):
        super().__init__(_version)
        data = self.data
        chem = named(data["chemistry"], chemistry, "chemistry", "battery")
        defaults = {k: value(v) for k, v in data["defaults"].items()}
        decl = {k: value(v) for k, v in data["declaration"].items()}
        known = {"cathode_region", "cell_region", "pack_region", "cell_energy_density", "cell_to_pack",
                 "cell_electricity", "cell_heat", "cell_energy", "cell_heat_share", "lithium_route", "graphite_synthetic_share", "recycled_al",
                 "recycled_cu", "recycled_ni", "recycled_co", "recycled_li", "casing", "usable_share",
                 "cycles_per_year", "service_years", "casing_share", "cells_truck_tkm_per_kg",
                 "casing_kg_per_kwh"} | set(PLANT_PARAMS) | {"plant"}
        check_unknown("battery_pack", params, known)
        params = self._plant_set(params)
        p: dict = {"chemistry": chemistry}
        p["capacity_kwh"] = check_number("capacity_kwh", defaults["capacity_kwh"] if capacity_kwh is None
                                         else capacity_kwh, 0, 1e6, "kWh", lo_open=True)
        p["region"] = self.check_region("region", region)
        for r in ("cathode_region", "cell_region", "pack_region"):
            p[r] = self.check_region(r, params.get(r, p["region"]))
        p["cell_energy_density"] = check_number("cell_energy_density", params.get(
            "cell_energy_density", value(chem["cell_energy_density"])), 0.01, 1.0, "kWh/kg")
        p["cell_to_pack"] = check_number("cell_to_pack", params.get("cell_to_pack", value(chem["cell_to_pack"])),
                                         0.3, 1.0, "kg cells per kg pack")
        p["cell_energy"] = check_number("cell_energy", params.get("cell_energy", value(chem["cell_energy"])), 0, 500,
                                        "kWh of factory energy per kWh of cell")
        p["cell_heat_share"] = check_number("cell_heat_share", params.get(
            "cell_heat_share", value(chem["cell_heat_share"])), 0, 1, "kWh heat per kWh of factory energy")
        # cell_electricity / cell_heat: set by the user (taken as known), else derived from the two above
        self._explicit = {k for k in ("cell_electricity", "cell_heat") if k in params}
        self.user_set = set(params) | ({"capacity_kwh"} if capacity_kwh is not None else set())
        if "cell_electricity" in params:
            p["cell_electricity"] = check_number("cell_electricity", params["cell_electricity"], 0, 500,
                                                 "kWh per kWh of cell")
        if "cell_heat" in params:
            p["cell_heat"] = check_number("cell_heat", params["cell_heat"], 0, 5000, "MJ per kWh of cell")
        p = self.derive(p)
        p["lithium_route"] = check_choice("lithium_route", params.get("lithium_route", defaults["lithium_route"]),
                                          ["brine", "spodumene"])
        p["graphite_synthetic_share"] = check_number("graphite_synthetic_share", params.get(
            "graphite_synthetic_share", defaults["graphite_synthetic_share"]), 0, 1)
        for m in ("al", "cu", "ni", "co", "li"):
            k = f"recycled_{m}"
            p[k] = check_number(k, params.get(k, defaults[k]), 0, 1, "kg recycled per kg")
        p["casing"] = check_choice("casing", params.get("casing", defaults["casing"]),
                                   sorted(data["common"]["casing"]))
        # the levers of the balance of pack (issue 21: every parameter `lca model` lists can be set)
        common = data["common"]
        p["casing_share"] = self.setting(params, "casing_share", common["balance-of-pack"]["casing_share"], 0, 1)
        p["cells_truck_tkm_per_kg"] = self.setting(params, "cells_truck_tkm_per_kg",
                                                   common["transport"]["cells_truck_tkm_per_kg"], 0, 100)
        if "casing_kg_per_kwh" in params:  # the casing's mass itself, replacing share x mass factor
            p["casing_kg_per_kwh"] = check_number("casing_kg_per_kwh", params["casing_kg_per_kwh"], 0, 100,
                                                  "kg casing per kWh")
        check_limit("capacity_kwh", p["capacity_kwh"], data.get("limits", {}).get("capacity_kwh"), self.warnings)
        p["usable_share"] = check_number("usable_share", params.get("usable_share", decl["usable_share"]), 0, 1,
                                         lo_open=True)
        p["cycles_per_year"] = check_number("cycles_per_year", params.get("cycles_per_year",
                                            decl["cycles_per_year"]), 0, 10000, "FEC/year", lo_open=True)
        p["service_years"] = check_number("service_years", params.get("service_years", decl["service_years"]),
                                          0, 100, "years", lo_open=True)
        p.update(self._plant_params(params))
        self.params = p
        self.default_amount = p["capacity_kwh"]
        self._stage = _stage
        if _stage:
            self.params = dict(p, _stage=_stage)  # a different code prefix for the vehicle's own copy

    def _load_data(self) -> dict:
        return _data(self._version)

    def choices(self) -> dict[str, dict]:
        out = super().choices()
        for k, vals in (("chemistry", sorted(self.data["chemistry"])), ("lithium_route", ["brine", "spodumene"]),
                        ("casing", sorted(self.data["common"]["casing"]))):
            out[k] = {"value": self.params[k], "values": vals}
        out["chemistry"]["labels"] = {c: d.get("description", "") for c, d in sorted(self.data["chemistry"].items())}
        plants = sorted(self.data.get("plant", {}).get("sets", {}))
        if plants:  # named plant primary-data sets and the contracted generation (issue 18)
            out["plant"] = {"value": self.params.get("plant"), "values": plants}
        out["contract_generation"] = {"value": self.params.get("contract_generation"),
                                      "values": sorted(CONTRACT_DATASETS)}
        return out

    def derive(self, p: dict) -> dict:
        """cell_electricity [kWh/kWh] and cell_heat [MJ/kWh] from cell_energy and cell_heat_share, unless set."""
        p = dict(p)
        if "cell_electricity" not in self._explicit:
            p["cell_electricity"] = p["cell_energy"] * (1 - p["cell_heat_share"])
        if "cell_heat" not in self._explicit:
            p["cell_heat"] = p["cell_energy"] * p["cell_heat_share"] * MJ_PER_KWH
        return p

    def parameter_entries(self) -> dict[str, dict]:
        data = self.data
        chem = data["chemistry"][self.params["chemistry"]]
        out = {}
        for k in CHEMISTRY_PARAMS:
            out[k] = chem[k]
        for k in DEFAULT_PARAMS + ("capacity_kwh",):
            out[k] = data["defaults"][k]
        for k, (a, b) in DATA_PARAMS.items():
            out[k] = data[a][b][k]
        for k in DECLARATION_PARAMS:
            out[k] = data["declaration"][k]
        for k in PLANT_PARAMS:
            out[k] = data["plant"][k]
        res = {}
        for k, e in out.items():
            v = self.params.get(k, value(e))
            dist = e.get("dist")
            sampled = (k not in DECLARATION_PARAMS and k not in self.user_set and dist is not None
                       and dist.get("type") != "fixed"
                       and not (k in ("cell_energy", "cell_heat_share") and self._explicit >= {"cell_electricity",
                                                                                              "cell_heat"}))
            res[k] = {"value": v, "unit": e.get("unit"), "source": e.get("source"), "dist": dist,
                      "basis": e.get("basis"), "sampled": bool(sampled)}
        factor = data["common"]["casing"][self.params["casing"]].get("mass_factor", {})
        res["casing_kg_per_kwh"] = {
            "value": self.casing_kg_per_kwh, "unit": "kg casing per kWh", "dist": None, "basis": None, "sampled": False,
            "source": "set by the user" if "casing_kg_per_kwh" in self.params else
            f"derived: non-cell mass of the aluminium design x casing_share x the {self.params['casing']} casing's "
            f"mass factor {value(factor) if factor else 1.0:g} ({factor.get('source', 'reference design') if factor else 'reference design'})"}
        return res

    # -- derived quantities ---------------------------------------------------------------------
    @property
    def cell_kg_per_kwh(self) -> float:
        return 1.0 / self.params["cell_energy_density"]

    @property
    def casing_kg_per_kwh(self) -> float:
        """Casing mass [kg/kWh]: ``casing_kg_per_kwh`` if set, else the aluminium design's non-cell mass x
        ``casing_share`` x the casing material's ``mass_factor`` (battery.toml ``[common.casing.*]``)."""
        p = self.params
        if "casing_kg_per_kwh" in p:
            return p["casing_kg_per_kwh"]
        factor = value(self.data["common"]["casing"][p["casing"]].get("mass_factor", 1.0))
        return self._non_cell_kg_per_kwh * p["casing_share"] * factor

    @property
    def _non_cell_kg_per_kwh(self) -> float:
        """Non-cell mass of the reference (aluminium-cased) design [kg/kWh], from ``cell_to_pack``."""
        return self.cell_kg_per_kwh / self.params["cell_to_pack"] - self.cell_kg_per_kwh

    @property
    def pack_kg_per_kwh(self) -> float:
        """Pack mass [kg/kWh]: cells / cell_to_pack, with the casing's own mass in place of the reference one."""
        p = self.params
        return (self.cell_kg_per_kwh / p["cell_to_pack"] + self.casing_kg_per_kwh
                - self._non_cell_kg_per_kwh * p["casing_share"])

    @property
    def pack_mass_kg(self) -> float:
        return self.pack_kg_per_kwh * self.params["capacity_kwh"]

    def _stage_of(self, stage: str) -> str:
        return self._stage or stage

    # -- the inventory ----------------------------------------------------------------------------
    def _build(self, b: Builder) -> str:
        p, data = self.params, self.data
        chem = data["chemistry"][p["chemistry"]]
        regions = {"cathode": p["cathode_region"], "cell": p["cell_region"], "pack": p["pack_region"]}
        mixes_used: set[str] = set()
        steps = dict(chem["steps"])
        for name in ("copper-foil", "aluminium-foil", "anode", "module-packaging"):
            steps[name] = data["common"][name]
        label = f"{p['chemistry']} pack"

        for part, step in steps.items():
            loc = regions[step["region"]]
            b.activity(part, f"{step['name']} [{label}]", "kilogram", loc, self._stage_of(step["stage"]))
            for row in step["rows"]:
                b.add_row(part, row, loc, mixes_used.add)

        # cell: the chemistry's bill of materials + energy from the parameters (per kg of cell)
        cell_loc = regions["cell"]
        dens = p["cell_energy_density"]
        act = b.acts["cell"]
        act["comment"] = (f"per kg of cell; energy density {fmt(dens)} kWh/kg; electricity {fmt(p['cell_electricity'])} "
                          f"kWh and heat {fmt(p['cell_heat'])} MJ per kWh of cell")
        b.add_elec("cell", cell_loc, p["cell_electricity"] * dens,
                   "parameter cell_electricity [kWh/kWh] x cell_energy_density [kWh/kg]")
        b.add_bg("cell", "heat-natural-gas", p["cell_heat"] * dens, "megajoule", material="heat",
                 source="parameter cell_heat [MJ/kWh] x cell_energy_density [kWh/kg]")

        # module: 1 kWh of cells, packaged (module packaging is part of the balance of pack below)
        pack_loc = regions["pack"]
        common = data["common"]
        b.activity("module", f"battery module [{label}], per kWh", "kilowatt hour", pack_loc,
                   self._stage_of("pack assembly"), product="battery module capacity")
        b.add_part("module", "cell", self.cell_kg_per_kwh, "kilogram", "1 / cell_energy_density")
        truck = common["transport"]["cells_truck_tkm_per_kg"]  # t km per kg of cell
        b.add_bg("module", "transport-truck", self.cell_kg_per_kwh * p["cells_truck_tkm_per_kg"],
                 "ton kilometer",
                 material="transport", source=truck["source"])

        # pack, per kWh: module + balance of pack (casing, module packaging, BMS, cooling...)
        b.activity("pack", f"battery pack, {p['chemistry']}, {fmt(p['capacity_kwh'])} kWh, per kWh", "kilowatt hour",
                   pack_loc, self._stage_of("pack assembly"), product="battery pack capacity",
                   comment=f"pack mass {fmt(self.pack_kg_per_kwh, '.3f')} kg/kWh; parameters "
                           f"{ {k: fmt(v) if not isinstance(v, str) else v for k, v in self.params.items()} }")
        b.add_part("pack", "module", 1.0, "kilowatt hour", "pack capacity = cell capacity")
        non_cell = self._non_cell_kg_per_kwh
        bop = common["balance-of-pack"]
        casing_kg = self.casing_kg_per_kwh
        for row in common["casing"][p["casing"]]["rows"]:
            b.add_row("pack", dict(row, amount=row["amount"] * casing_kg), pack_loc, mixes_used.add)
        for row in bop["rows"]:
            b.add_row("pack", dict(row, amount=row["amount"] * non_cell), pack_loc, mixes_used.add)

        # raw-material supply mixes
        for mix in sorted(mixes_used):
            self._mix(b, mix)
        self._plant_electricity(b, regions)
        return "pack"

    # -- plant primary data (battery.toml [plant]) ----------------------------------------------
    def _plant_set(self, params: dict) -> dict:
        """``plant = NAME``: the named plant set's values under the user's own settings."""
        name = params.get("plant")
        if name is None:
            return params
        sets = self.data["plant"]["sets"]
        chosen = named(sets, name, "plant set", "battery")
        out = {k: value(v) for k, v in chosen.items() if k != "description"}
        out.update({k: v for k, v in params.items() if k != "plant"})
        return out

    def _plant_params(self, params: dict) -> dict:
        """The plant parameters the user (or a plant set) gave, checked; empty when none."""
        p = {}
        for k in PLANT_PARAMS:
            if k not in params:
                continue
            if k == "contract_generation":
                p[k] = check_choice(k, params[k], sorted(CONTRACT_DATASETS))
            elif k.endswith("_share"):
                p[k] = check_number(k, params[k], 0, 1)
            elif k.endswith("_grid_factor"):
                p[k] = check_number(k, params[k], 0, 3, "kg CO2e/kWh", lo_open=True)
            else:
                p[k] = check_number(k, params[k], 0, 200, "kWh per kg", lo_open=True)
        for plant in ("cell", "cam"):
            total = sum(p.get(f"{plant}_{s}_share", 0.0) for s in ("onsite", "ppa", "certificate"))
            if total > 1 + 1e-12:
                raise InputError(f"{plant}_onsite_share + {plant}_ppa_share + {plant}_certificate_share = {total:g} "
                                 "exceeds 1: the shares are of the same plant's electricity")
        return p

    def _plant_electricity(self, b: Builder, regions: dict) -> None:
        """Split the cell and CAM steps' electricity by sourcing (plant primary data), where given.

        Each new exchange says its ``sourcing`` (and ``supplier_ef``), so a declaration re-values it by
        its rule set like a supplier workbook's Energy row."""
        p = self.params
        for plant, part, loc in (("cell", "cell", regions["cell"]), ("cam", "cam", regions["cathode"])):
            keys = [k for k in PLANT_PARAMS if k.startswith(plant + "_")]
            if not any(k in p for k in keys):
                continue
            if part not in b.acts:
                raise InputError(f"chemistry {p['chemistry']} has no step {part!r}: {', '.join(keys)} do not apply")
            ex = b.acts[part]["exchanges"]
            grid = self.grid(loc)
            elec = [e for e in ex if e.get("type") == "technosphere" and e["input"] == ("background", grid)]
            kwh = sum(e["amount"] for e in elec)
            if plant == "cam" and "cam_electricity" in p:
                kwh = p["cam_electricity"]  # per kg of CAM (the step's unit)
            for e in elec:
                ex.remove(e)
            shares = {s: p.get(f"{plant}_{s}_share", 0.0) for s in ("onsite", "ppa", "certificate")}
            grid_kwh = kwh * (1 - sum(shares.values()))
            src = f"plant primary data ({plant} plant, battery.toml [plant])"
            factor = p.get(f"{plant}_grid_factor")
            if factor:
                b.add_bio(part, "CO2 fossil", grid_kwh * factor, source=f"{src}: supplier grid factor {factor:g} "
                          "kg CO2e/kWh")
                ex[-1].update(material=f"electricity {loc}", sourcing="grid", kwh=grid_kwh, grid_code=grid,
                              supplier_ef=factor)
            elif grid_kwh > 0:
                b.add_elec(part, loc, grid_kwh, src)
                ex[-1].update(sourcing="grid", kwh=grid_kwh)
            contract = CONTRACT_DATASETS[p.get("contract_generation", "wind")]
            for share, sourcing, code in (("onsite", "onsite_renewable", "electricity-solar-pv"),
                                          ("ppa", "ppa_renewable", contract),
                                          ("certificate", "green_certificate", contract)):
                if shares[share] > 0:
                    b.add_bg(part, code, kwh * shares[share], "kilowatt hour", material=f"electricity {sourcing}",
                             source=f"{src}: {plant}_{share}_share")
                    ex[-1].update(sourcing=sourcing, kwh=kwh * shares[share], grid_code=grid)

    def _mix(self, b: Builder, mix: str) -> None:
        p = self.params
        spec = self.data["mix"][mix]
        part = "mix-" + mix
        b.activity(part, f"{mix}, supply mix [{p['chemistry']} pack]", "kilogram", "GLO",
                   self._stage_of("raw materials"), product=mix)
        primary = spec["primary"]
        if "share_param" in spec:  # graphite: natural vs synthetic
            s = p[spec["share_param"]]
            b.add_bg(part, primary["synthetic"], s, "kilogram", material=mix, source=f"{spec['share_param']}={s}")
            b.add_bg(part, primary["natural"], 1 - s, "kilogram", material=mix, source=f"1 - {spec['share_param']}")
            return
        r = p[spec["recycled_param"]]
        code = primary[p["lithium_route"]] if isinstance(primary, dict) else primary
        if r < 1:
            b.add_bg(part, code, 1 - r, "kilogram", material=mix, source=f"1 - {spec['recycled_param']}")
        if r > 0:
            b.add_bg(part, spec["recycled"], r, "kilogram", material=mix, source=f"{spec['recycled_param']}={r}")

    # -- other units ------------------------------------------------------------------------------
    def lifetime_energy_kwh(self) -> float:
        """Total energy over the service life [kWh]: usable capacity x FEC/year x years (draft delegated act)."""
        p = self.params
        return p["capacity_kwh"] * p["usable_share"] * p["cycles_per_year"] * p["service_years"]

    def basis(self, amount: float = 1.0) -> str:
        """``per kWh``; ``per pack (75 kWh)`` when ``amount`` is the capacity; else ``per 30 kWh``."""
        cap = self.params["capacity_kwh"]
        if float(amount) == 1.0:
            return "per kWh"
        if abs(float(amount) - cap) <= 1e-9 * cap:
            return f"per pack ({cap:g} kWh)"
        return f"per {float(amount):g} kWh"

    def extras(self, fp, project) -> dict:
        p = self.params
        per_kwh = fp.total / fp.amount if fp.amount else 0.0
        out = {
            "basis": self.basis(fp.amount),
            **({"warnings": list(self.warnings)} if self.warnings else {}),
            "per_pack": per_kwh * p["capacity_kwh"],
            "per_kwh_capacity": per_kwh,
            "per_kg_pack": per_kwh / self.pack_kg_per_kwh,
            "pack_mass_kg": self.pack_mass_kg,
            "cell_mass_kg": self.cell_kg_per_kwh * p["capacity_kwh"],
            "parameters": {k: v for k, v in p.items() if not k.startswith("_")},
        }
        scores = project.footprints(method=fp.method)
        # cells alone, for comparison with cell-level studies (Xu et al. 2022)
        out["cells_per_kwh_cell"] = float(scores[f"{MODELS_DB}:{self.prefix}-cell"]) * self.cell_kg_per_kwh
        mats = self.by_material(fp, project)
        if mats:
            out["by_material_per_kwh"] = mats
        out["eu_battery_regulation"] = self.declaration(fp, project)
        return out

    def declaration(self, fp, project) -> dict:
        """EU Battery Regulation Art. 7 declaration: kg CO2e per kWh of total energy over the service life."""
        p, decl = self.params, self.data["declaration"]
        per_kwh = fp.total / fp.amount if fp.amount else 0.0
        stages = fp.by_stage or {}
        scale = p["capacity_kwh"] / fp.amount if fp.amount else 0.0  # by_stage is for fp.amount kWh
        parts = {name: sum(stages.get(s, 0.0) for s in members) * scale for name, members in EU_STAGES.items()}
        covered = sum(parts.values())
        pack_total = per_kwh * p["capacity_kwh"]
        if abs(covered - pack_total) > 1e-6 * max(1.0, abs(pack_total)):
            parts["main product production"] += pack_total - covered  # anything outside the named stages
        mass = self.pack_mass_kg
        scores = project.footprints(method=fp.method)
        truck = float(scores["background:transport-truck"])
        dist = mass / 1000.0 * value(decl["distribution_km"]) * truck
        grid = float(scores[f"background:{self.grid(p['pack_region'])}"])
        eol = mass * (value(decl["eol_electricity_kwh_per_kg"]) * grid
                      + value(decl["eol_sulfuric_acid_kg_per_kg"]) * float(scores["background:sulfuric-acid"])
                      + value(decl["eol_sodium_hydroxide_kg_per_kg"])
                      * float(scores["background:sodium-hydroxide"]))
        parts["distribution"] = dist
        parts["end of life and recycling"] = eol
        energy = self.lifetime_energy_kwh()
        total = sum(v for v in parts.values() if v is not None)
        return {
            "declared_unit": "kWh of total energy provided over the service life",
            "total_energy_kwh": energy,
            "assumptions": {"capacity_kwh": p["capacity_kwh"], "usable_share": p["usable_share"],
                            "cycles_per_year": p["cycles_per_year"], "service_years": p["service_years"],
                            "source": decl["cycles_per_year"]["source"]},
            "per_kwh_delivered": total / energy,
            "by_stage_per_kwh_delivered": {k: (None if v is None else v / energy) for k, v in parts.items()},
            "by_stage_per_pack": parts,
            "notes": {
                "distribution": "modelled simply: " + decl["distribution_km"]["source"],
                "end of life and recycling": "modelled simply: " + decl["eol_electricity_kwh_per_kg"]["source"],
                "stage mapping": "raw materials + cathode + anode -> raw material acquisition and pre-processing; "
                                 "cell manufacturing + pack assembly -> main product production (this model's "
                                 "reading of the JRC draft rules)",
                "electricity": "location-based grid averages of each step's region",
            },
        }


def battery_pack(chemistry: str = "LFP", capacity_kwh: float | None = None, region: str = "CN",
                 **params) -> BatteryPack:
    """A traction battery pack model: cell -> module -> pack, footprint per kWh of pack capacity.

    The reference product is 1 kWh of nominal pack capacity; ``project.footprint(model,
    amount=capacity_kwh)`` is the whole pack. Defaults come from the chemistry's named set
    and ``[defaults]`` of ``inventories/parameters/battery.toml`` (each value there with
    its unit, source and range).

    Parameters
    ----------
    chemistry : str, default ``"LFP"``
        Named set of battery.toml [-]: ``LFP`` (2022-2024 Chinese cell-to-pack production),
        ``NMC811``, ``NMC622``, ``NCA`` (Dai et al. 2019 via premise), ``SIB-NMMT``
        (sodium-ion, Zhang et al. 2024 via premise), ``LFP-premise2020`` (Crenna et al. 2021).
    capacity_kwh : float, optional
        Nominal pack capacity [kWh], > 0; default 60 kWh (a mid-size BEV pack, estimate).
    region : str, default ``"CN"``
        Grid location [-] of every step (``CN``, a province such as ``CN-SC``, ``DE`` ...).
    **params
        Overrides, each checked against its range:

        - ``cathode_region``, ``cell_region``, ``pack_region`` [grid location]: per step.
        - ``cell_energy_density`` [kWh/kg cell]: LFP 0.168 (BYD Blade), NMC811 0.28.
        - ``cell_to_pack`` [kg cells/kg pack]: LFP 0.87 (module-free packs 85-90 %), NMC 0.726.
        - ``cell_energy`` [kWh factory energy/kWh cell]: LFP 37.5 (Degen et al. 2023); other
          Li-ion chemistries the same 6.3 kWh per kg of cell over their energy density.
        - ``cell_heat_share`` [kWh natural-gas heat/kWh factory energy]: 0.52 (Degen & Schuette 2022).
        - ``cell_electricity`` [kWh/kWh cell], ``cell_heat`` [MJ/kWh cell]: derived from the two
          above unless given.
        - ``lithium_route`` [``brine`` | ``spodumene``]: default spodumene (Istrate et al. 2024).
        - ``graphite_synthetic_share`` [kg synthetic/kg graphite]: 0.85 (GGII 2022 shipments).
        - ``recycled_al``, ``recycled_cu``, ``recycled_ni``, ``recycled_co``, ``recycled_li``
          [kg recycled/kg]: 0 (primary only).
        - ``casing`` [``aluminium`` | ``steel``].
        - EU declaration: ``usable_share`` [kWh usable/kWh nominal] 0.9, ``cycles_per_year``
          [full equivalent cycles/a] 60, ``service_years`` [a] 8.

    Returns
    -------
    BatteryPack
        The model; ``project.footprint(model)`` gives [kg CO2-Eq per kWh of capacity] with
        GWP100, and ``extras`` per kg of pack and the EU declaration per kWh delivered.

    Raises
    ------
    lca.InputError
        An unknown chemistry, parameter or region, or a value outside its range.

    References
    ----------
    .. [1] Degen, F., Winter, M., Bendig, D., Tübke, J. (2023). Energy consumption of current
       and future production of lithium-ion and post lithium-ion battery cells. Nat. Energy
       8:1284, doi:10.1038/s41560-023-01355-z.
    .. [2] Degen, F., Schütte, M. (2022). Life cycle assessment of the energy consumption and
       GHG emissions of state-of-the-art automotive battery cell production. J. Clean. Prod.
       330:129798.
    .. [3] Dai, Q., Kelly, J.C., Gaines, L., Wang, M. (2019). Life cycle analysis of lithium-ion
       batteries for automotive applications. Batteries 5(2):48; as revised by Crenna, E. et
       al. (2021), Resour. Conserv. Recycl. 170:105619 (via premise, BSD-3).
    .. [4] Istrate, R. et al. (2024). Joule 8(11): most Chinese lithium chemicals are refined from
       Australian spodumene (battery.toml ``lithium_route``).
    .. [5] Regulation (EU) 2023/1542 (Batteries Regulation), Art. 7, and the JRC draft delegated
       act on the carbon footprint of EV batteries (60 full equivalent cycles per year).
    """
    return BatteryPack(chemistry=chemistry, capacity_kwh=capacity_kwh, region=region, **params)
