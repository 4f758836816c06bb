"""The supply-chain part of ``lca demo``: import the bundled example workbooks, write the profile report.

:func:`run` (called by :func:`lca.demo.run`) imports every ``*.xlsx`` and
``*.pact.json`` in the examples directory in one import, profiles the
reporting company's product and writes ``profile.json``, ``profile.xlsx``,
``profile.png`` and ``profile.pact.json`` into the output directory.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..files import atomic_write_text
from ..results import dumps

REPORTING_PRODUCT = "GD-PACK/ESS-100"


def example_files(examples_dir: Path) -> list[Path]:
    d = Path(examples_dir)
    return sorted(d.glob("*.xlsx")) + sorted(d.glob("*.pact.json"))


def run(project, examples_dir: Path, out_dir: Path, echo=print, product: str = REPORTING_PRODUCT) -> dict:
    """Import the examples and write the report of ``product``; return a JSON-able summary."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = example_files(examples_dir)
    report = project.import_files(files)
    echo(f"  imported {len(files)} file(s): {len(report.products)} product(s), "
         f"{len(report.warnings)} warning(s)")
    if not report.ok:
        raise InputError("the bundled examples did not import:\n" + report.summary(), report.errors)
    prof = project.profile(product)
    paths = {
        "json": out_dir / "profile.json", "excel": out_dir / "profile.xlsx",
        "plot": out_dir / "profile.png", "pact": out_dir / "profile.pact.json",
    }
    atomic_write_text(paths["json"], dumps(prof.to_dict(), indent=1), fsync=False)
    prof.to_excel(paths["excel"])
    prof.plot(paths["plot"])
    atomic_write_text(paths["pact"], dumps(prof.to_pact(), indent=2), fsync=False)
    for line in prof.summary().splitlines():
        echo("  " + line)
    echo("  wrote " + ", ".join(str(p) for p in paths.values()))
    return {"product": prof.product, "total": prof.total, "total_market_based": prof.total_market_based,
            "declared_unit": prof.declared_unit, "declared_amount": prof.declared_amount,
            "primary_data_share": prof.primary_data_share, "files": {k: str(v) for k, v in paths.items()},
            "import": report.to_dict()}

