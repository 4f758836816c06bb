"""Worked example: design choices side by side with lca.models and Project.compare.

Run:  python examples/compare_designs.py [OUT_DIR]
Uses the default project (LCA_PROJECT or the per-user directory; set up offline on first use).
"""
import sys
from pathlib import Path

import lca
from lca.models import battery_pack, pv_module, vehicle


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    proj = lca.open_project()

    # 1. Chemistry and place: LFP vs NMC811, 60 kWh packs made in Sichuan (hydro) or Inner Mongolia (coal).
    packs = [
        battery_pack("LFP", 60.0, region="CN-SC"),
        battery_pack("LFP", 60.0, region="CN-NM"),
        battery_pack("NMC811", 60.0, region="CN-SC"),
        battery_pack("NMC811", 60.0, region="CN-NM"),
    ]
    cmp = proj.compare(packs, amounts=[60.0] * len(packs))  # whole packs: "per pack (60 kWh)" (default: per kWh)
    print(cmp.summary())
    cmp.plot(out / "packs_chemistry_region.png")
    first = cmp.footprints[0].extras["eu_battery_regulation"]
    print(f"  EU Battery Regulation declaration, LFP made in Sichuan: {first['per_kwh_delivered']:.4f} "
          f"kg CO2e per kWh delivered over {first['assumptions']['service_years']:g} years\n")

    # 1b. Five chemistries on the national grid, per kWh, with the cells alone for cell-level studies.
    chems = [battery_pack(c, 60.0, region="CN") for c in ("LFP", "NMC811", "NMC622", "NCA", "SIB-NMMT")]
    cmp = proj.compare(chems)
    print(cmp.summary())
    for lbl, fp in zip(cmp.labels, cmp.footprints):
        print(f"  {lbl}: cells alone {fp.extras['cells_per_kwh_cell']:.1f} kg CO2e per kWh of cell")
    cmp.plot(out / "packs_chemistries.png")
    print()

    # 2. Casing: aluminium vs steel (same mass) and aluminium with 50 % recycled content.
    casings = [battery_pack("NMC811", 75.0, casing="aluminium"), battery_pack("NMC811", 75.0, casing="steel"),
               battery_pack("NMC811", 75.0, casing="aluminium", recycled_al=0.5)]
    cmp = proj.compare(casings)
    print(cmp.summary())
    cmp.plot(out / "packs_casing.png")
    print()

    # 3. PV: glass-glass vs glass-backsheet, and a frameless glass-glass TOPCon module (per kWp).
    modules = [pv_module("PERC", "glass-backsheet"), pv_module("PERC", "glass-glass"),
               pv_module("TOPCon", "glass-glass", frame=False)]
    cmp = proj.compare(modules)
    print(cmp.summary())
    cmp.plot(out / "pv_modules.png")
    for lbl, fp in zip(cmp.labels, cmp.footprints):
        ex = fp.extras
        print(f"  {lbl}: {ex['per_m2']:.1f} per m2, {ex['per_module']:.0f} per module, "
              f"{1000 * ex['per_kwh_generated']:.1f} g per kWh generated")
    print()

    # 4. Vehicles: BEV with an LFP pack vs the ICEV of the same size, with use on the national grid.
    bev = vehicle("BEV", "medium", battery={"chemistry": "LFP", "capacity_kwh": 60.0}, use_grid="CN")
    icev = vehicle("ICEV", "medium", use_grid="CN")
    cmp = proj.compare([bev, icev])
    print(cmp.summary())
    be = cmp.footprints[0].extras.get("break_even_vs_icev", {})
    if be.get("km"):
        print(f"  break-even distance vs ICEV on the CN grid: {be['km']:,.0f} km")
    cmp.plot(out / "vehicles.png")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("compare-designs-out"))
