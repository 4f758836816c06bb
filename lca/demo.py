"""The demo: the whole job on the bundled examples, product models and a supplier chain.

``lca demo`` builds the three product models (battery pack, NEV, PV module),
prints their footprints, imports the example supplier workbooks and writes the
supply-chain profile report (JSON, Excel, PNG, PACT) into the output directory.
"""
from __future__ import annotations

from pathlib import Path

from .compare import default_amount
from .files import atomic_write_text
from .paths import examples_dir  # noqa: F401  (lca.demo.examples_dir, as before)
from .results import dumps


def run(project, out_dir: Path, echo=print) -> dict:
    """Run the demo into ``out_dir``; return a summary dict (also written as summary.json)."""
    from . import models
    from .supply import demo as supply_demo

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary: dict = {"project": str(project.path), "models": [], "supply_chain": None}

    echo("== Product models (cradle-to-gate, IPCC 2021 GWP100)")
    for label, model in models.demo_models():
        fp = project.footprint(model, amount=default_amount(model))
        per_unit = fp.total / fp.amount
        echo(f"  {label:<58} {fp.total:>12,.0f} kg CO2e  ({per_unit:,.1f} per {fp.unit})")
        for stage, score in list(fp.by_stage.items())[:6]:
            echo(f"      {stage:<54} {score:>12,.0f}")
        summary["models"].append({"label": label, **fp.to_dict(top=10)})

    echo("")
    echo("== Supply chain (example supplier workbooks)")
    summary["supply_chain"] = supply_demo.run(project, examples_dir(), out_dir, echo=echo)

    atomic_write_text(out_dir / "summary.json", dumps(summary, indent=1), fsync=False)
    echo("")
    echo(f"wrote {out_dir}/summary.json and the reports beside it")
    return summary
