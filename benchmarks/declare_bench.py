"""Declaration benchmark (issue 18): a battery declaration with 10,000 Monte Carlo samples, beside a plain one.

    python benchmarks/declare_bench.py [--quick] [--project DIR]

A three-company chain (cathode, cell, pack; grid, on-site, PPA and certificate electricity) is imported
from supplier workbooks into a fresh project; then, in one run and on the warm project:

- the plain declaration (``Project.declare`` under ``eu-2024-draft``, no uncertainty), best of 3;
- the same declaration with ``uncertainty=10_000`` (``--quick``: 2,000), best of 3.

Target (spec/benchmarks.md, figure 8): the declaration with 10,000 samples under 10 s on this machine.
Correctness in the same run: both give the same static per-kWh value, and the Monte Carlo median lies
within 5 % of it (the distributions are lognormal around the static values).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

from scratch import brightway_scratch

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
PERIOD = {"reporting_period_start": date(2025, 1, 1), "reporting_period_end": date(2025, 12, 31)}
LIFE = {"usable_kwh": 60.0, "vehicle_category": "M1", "service_years": 8.0}


def workbooks(tmp: Path) -> list[Path]:
    from lca.supply.fill import write_workbook

    def sup(name, cid):
        return {"company_name": name, "company_id": cid, "country": "CN", **PERIOD}

    el = "electricity"
    cam = {"Supplier": sup("Bench Cathode", "BCAM"),
           "Products": [{"product_id": "cam", "product_name": "LFP cathode material", "declared_unit": "kg",
                         "declared_amount": 1000, "production_region": "CN-HN"}],
           "Energy": [{"product_id": "cam", "carrier": el, "amount": 8000, "unit": "kWh"},
                      {"product_id": "cam", "carrier": el, "amount": 2000, "unit": "kWh", "sourcing": "ppa_renewable"}],
           "Emissions": [{"product_id": "cam", "gas": "CO2", "amount": 100, "unit": "kg"}]}
    cell = {"Supplier": sup("Bench Cell", "BCELL"),
            "Products": [{"product_id": "cell", "product_name": "LFP cell", "declared_unit": "kg",
                          "declared_amount": 1000, "production_region": "CN-SC"}],
            "Materials": [{"product_id": "cell", "line_id": 1, "material": "cathode", "amount": 450, "unit": "kg",
                           "source": "supplier_product", "reference": "BCAM/cam"},
                          {"product_id": "cell", "line_id": 2, "material": "graphite", "amount": 250, "unit": "kg",
                           "source": "background"}],
            "Energy": [{"product_id": "cell", "carrier": el, "amount": 20000, "unit": "kWh"},
                       {"product_id": "cell", "carrier": el, "amount": 5000, "unit": "kWh",
                        "sourcing": "onsite_renewable"},
                       {"product_id": "cell", "carrier": el, "amount": 3000, "unit": "kWh",
                        "sourcing": "green_certificate"}]}
    pack = {"Supplier": sup("Bench Pack", "BPACK"),
            "Products": [{"product_id": "pack", "product_name": "battery pack", "declared_unit": "piece",
                          "declared_amount": 1, "mass_kg": 400, "production_region": "CN-GD"}],
            "Materials": [{"product_id": "pack", "line_id": 1, "material": "cells", "amount": 300, "unit": "kg",
                           "source": "supplier_product", "reference": "BCELL/cell"},
                          {"product_id": "pack", "line_id": 2, "material": "aluminium", "amount": 50, "unit": "kg",
                           "source": "background"}],
            "Energy": [{"product_id": "pack", "carrier": el, "amount": 500, "unit": "kWh"},
                       {"product_id": "pack", "carrier": el, "amount": 200, "unit": "kWh", "sourcing": "ppa_renewable"}],
            "Transport": [{"product_id": "pack", "mode": "truck", "mass_t": 0.4, "distance_km": 1000,
                           "direction": "outbound"}]}
    return [write_workbook(tmp / f"{k}.xlsx", v) for k, v in (("cam", cam), ("cell", cell), ("pack", pack))]


def best(fn, repeat=3):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="2,000 samples (what CI runs)")
    ap.add_argument("--project", help="project directory to set up and keep")
    args = ap.parse_args(argv)
    with brightway_scratch("green-lca-declbench-") as tmp:
        import lca

        n = 2_000 if args.quick else 10_000
        proj = lca.open_project(Path(args.project) if args.project else tmp / "project")
        t = time.perf_counter()
        report = proj.import_files(workbooks(tmp))
        assert report.ok, report.summary()
        print(f"green-lca declaration benchmark, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores; "
              f"import {time.perf_counter() - t:.1f} s")
        first = time.perf_counter()
        proj.declare("BPACK/pack", rules="eu-2024-draft", **LIFE)
        print(f"  first declaration (solves, line table): {time.perf_counter() - first:.2f} s")
        plain_t, plain = best(lambda: proj.declare("BPACK/pack", rules="eu-2024-draft", **LIFE))
        mc_t, mc = best(lambda: proj.declare("BPACK/pack", rules="eu-2024-draft", uncertainty=n, seed=1, **LIFE))
        u = mc.uncertainty
        print(f"  plain declaration: {plain_t * 1000:.1f} ms ({plain.per_kwh:.4f} kg CO2e/kWh)")
        print(f"  declaration with {n} samples: {mc_t:.2f} s ({mc_t / plain_t:.1f}x the plain one); "
              f"p5 {u['p5']:.4f} p50 {u['p50']:.4f} p95 {u['p95']:.4f}")
        ok = abs(mc.per_kwh - plain.per_kwh) <= 1e-9 * abs(plain.per_kwh) and abs(u["p50"] / plain.per_kwh - 1) < 0.05
        print(f"  check static equal and median within 5 %: {'ok' if ok else 'FAILED'}")
        print(f"  target < 10 s with 10,000 samples: {'met' if mc_t < 10 and n == 10_000 else ('quick run' if args.quick else 'NOT met')}")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
