"""Battery carbon footprint declaration: the plain-data result of :func:`lca.declare.declare`.

Per kWh of the total energy the battery delivers over its life (``per_kwh``), in the four stages
of the rule set (``stages``), with every line of the chain, the electricity lines as the rules
valued them, primary versus secondary data against the rules' requirements and, optionally, a
Monte Carlo spread. ``to_dict`` gives the JSON contract of ``lca declare --json``; ``to_excel``
and ``to_passport`` delegate to the writers in :mod:`lca.report`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .results import dumps, finite

STAGES = ("raw_material_acquisition", "main_production", "distribution", "end_of_life")
PASSPORT_STAGES = {"raw_material_acquisition": "RawMaterialExtraction", "main_production": "MainProduction",
                   "distribution": "Distribution", "end_of_life": "Recycling"}


def finite_tree(obj):
    """``obj`` with every float checked finite (:func:`lca.results.finite`), keys as text."""
    if isinstance(obj, dict):
        return {str(k): finite_tree(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite_tree(v) for v in obj]
    if isinstance(obj, float):
        return finite(obj, "a value of the declaration")
    return obj


@dataclass
class Declaration:
    """A battery carbon footprint declaration under one rule set (kg CO2e; per kWh = per kWh delivered)."""

    target: str                       # COMPANY/PRODUCT or the model's name
    name: str
    manufacturer: str
    plant: str                        # production region of the declared battery
    rules: str
    rules_version: str
    rules_info: dict                  # name, version, title, title_zh, status, source, file
    lifetime: dict                    # inputs, their sources and the product
    lifetime_energy_kwh: float
    total_kgco2e: float               # one battery
    stages_kgco2e: dict[str, float]   # one battery, by stage
    electricity: list[dict]
    primary_data: dict
    lines: list[dict]                 # every contribution: stage, rule, value [kg CO2e per battery]
    battery: dict                     # declared unit, units per battery, mass [kg]
    methodology: list[str]
    warnings: list[str] = field(default_factory=list)
    declarable: bool = True
    uncertainty: dict | None = None   # n, seed, p5, p50, p95, mean [kg CO2e / kWh]
    samples: object = None            # per-kWh samples (numpy), not in to_dict
    study_url: str | None = None      # web link of the public study (passport carbonFootprintStudy)

    @property
    def per_kwh(self) -> float:
        return self.total_kgco2e / self.lifetime_energy_kwh

    @property
    def stages(self) -> dict[str, float]:
        """Per kWh delivered, by stage; sums to :attr:`per_kwh`."""
        return {s: self.stages_kgco2e.get(s, 0.0) / self.lifetime_energy_kwh for s in STAGES}

    def to_dict(self) -> dict:
        d = {
            "rules": self.rules, "rules_version": self.rules_version,
            "lifetime_energy_kwh": self.lifetime_energy_kwh, "total_kgco2e": self.total_kgco2e,
            "per_kwh": self.per_kwh, "stages": self.stages, "electricity": self.electricity,
            "primary_data": self.primary_data, "uncertainty": self.uncertainty, "warnings": list(self.warnings),
            # extensions beyond the contract
            "declarable": self.declarable, "status": "declarable" if self.declarable else "not declarable",
            "target": self.target, "name": self.name, "manufacturer": self.manufacturer, "plant": self.plant,
            "rules_info": self.rules_info, "lifetime": self.lifetime, "stages_kgco2e": self.stages_kgco2e,
            "battery": self.battery, "unit": "kg CO2e per kWh of total energy delivered over the service life",
            "lines": self.lines, "methodology": self.methodology,
        }
        return finite_tree(d)

    def to_json(self, indent: int | None = None) -> str:
        return dumps(self.to_dict(), indent=indent)

    def to_excel(self, path, lang: str = "both"):
        from .report import declaration_excel

        return declaration_excel.write(self, path, lang=lang)

    def to_passport(self) -> dict:
        from .report import passport

        return passport.carbon_footprint(self)

    def summary(self, lang: str = "en") -> str:
        zh = lang == "zh"
        head = (f"{self.target} 碳足迹声明（{self.rules} {self.rules_version}）" if zh
                else f"{self.target}: carbon footprint declaration ({self.rules} {self.rules_version})")
        lines = [head,
                 (f"  {self.per_kwh:.4g} kg CO2e/kWh（全生命周期总能量 {self.lifetime_energy_kwh:.6g} kWh；"
                  f"单个电池 {self.total_kgco2e:.6g} kg CO2e）") if zh else
                 (f"  {self.per_kwh:.4g} kg CO2e/kWh delivered (lifetime energy {self.lifetime_energy_kwh:.6g} kWh; "
                  f"one battery {self.total_kgco2e:.6g} kg CO2e)")]
        names_zh = {"raw_material_acquisition": "原材料获取及预处理", "main_production": "主要产品生产",
                    "distribution": "分销", "end_of_life": "寿命终止及回收"}
        names_zh.update((self.rules_info or {}).get("stage_names_zh") or {})  # the rules' own names (MIIT)
        for s, v in self.stages.items():
            lines.append(f"  {names_zh[s]}：{v:.4g}" if zh else f"  {s}: {v:.4g}")
        if self.uncertainty:
            u = self.uncertainty
            lines.append(f"  p5 {u['p5']:.4g}  p50 {u['p50']:.4g}  p95 {u['p95']:.4g} (n={u['n']}, seed={u['seed']})")
        if not self.declarable:
            lines.append("  不可申报（--draft）" if zh else "  NOT DECLARABLE (draft: required primary data missing)")
        if zh:  # Chinese title and fix, the English original as 详情 (lca.declare_messages)
            from .declare_messages import zh as to_zh

            lines += ["  ! " + to_zh(w).replace("\n", "\n    ") for w in self.warnings]
        else:
            lines += [f"  ! {w}" for w in self.warnings]
        return "\n".join(lines)
