"""Plausibility (issue 24): order-of-magnitude slips in supplier lines -> ``implausible_intensity`` naming the cell.

The slips the issue names: 10x (a decimal point), 10,000x (万 vs 1), t typed for kg, MWh typed for kWh, in a
Chinese and an English workbook; the examples and the correct chains get none; ``--strict`` refuses; the
profile lists the flagged lines; the mass check by product class (assembled vs process industry).
"""
from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import pytest

from lca.supply import importer, plausibility, store
from lca.supply.fill import write_workbook

WRITES_PROJECT = True
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PERIOD = {"reporting_period_start": date(2024, 1, 1), "reporting_period_end": date(2024, 12, 31)}


def cathode(cid="T24-CAM"):
    """An LFP cathode maker, per 1000 kg: 6 kWh/kg of electricity (class range 0.5..40 kWh/kg)."""
    return {
        "Supplier": {"company_name": "T24 cathode", "company_id": cid, "country": "CN", **PERIOD},
        "Products": [{"product_id": "LFP", "product_name": "磷酸铁锂正极材料 LFP cathode", "declared_unit": "kg",
                      "declared_amount": 1000, "production_region": "CN-HN"}],
        "Materials": [
            {"product_id": "LFP", "line_id": 1, "material": "lithium carbonate", "amount": 240, "unit": "kg",
             "source": "background"},
            {"product_id": "LFP", "line_id": 2, "material": "iron sulfate", "amount": 0.96, "unit": "t",
             "source": "background"},
            {"product_id": "LFP", "line_id": 3, "material": "phosphoric acid", "amount": 280, "unit": "kg",
             "source": "background"},
        ],
        "Energy": [{"product_id": "LFP", "carrier": "electricity", "amount": 6000, "unit": "kWh"},
                   {"product_id": "LFP", "carrier": "natural_gas", "amount": 4.2, "unit": "GJ"}],
        "Transport": [{"product_id": "LFP", "mode": "truck", "mass_t": 1.5, "distance_km": 300}],
        "Emissions": [{"product_id": "LFP", "gas": "CO2", "amount": 139, "unit": "kg"}],
    }


def read(tmp: Path, data: dict, lang: str, name: str = "w"):
    path = write_workbook(tmp / f"{name}-{lang}.xlsx", data, lang)
    result = importer.read_file(path)
    return result.records, result.issues


def flagged(issues, code=plausibility.CODE):
    return [i for i in issues if i.code == code]


def slip(data: dict, kind: str) -> tuple[str, str, str]:
    """Apply one slip to ``data``; (sheet key, column letter+row the warning must name, text of the slip)."""
    if kind == "10x":
        data["Energy"][0]["amount"] = 60000          # 6000 kWh typed with one zero too many
        return "Energy", "C2", "10x"
    if kind == "10000x":
        data["Energy"][0].update(amount=6000, unit="万kWh")  # kWh typed into a 万千瓦时 row
        return "Energy", "C2", "10,000x"
    if kind == "t_for_kg":
        data["Materials"][0].update(amount=240, unit="t")   # 240 kg typed as t
        return "Materials", "D2", "1000x"
    if kind == "MWh_for_kWh":
        data["Energy"][0].update(amount=6000, unit="MWh")   # 6000 kWh typed as MWh
        return "Energy", "C2", "1000x"
    raise AssertionError(kind)


def test_correct_workbook_is_plausible(tmp_path):
    for lang in ("en", "zh"):
        recs, issues = read(tmp_path, cathode(), lang)
        assert recs and not flagged(issues) and not flagged(issues, "mass_inconsistent"), issues


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("kind", ["10x", "10000x", "t_for_kg", "MWh_for_kWh"])
def test_slip_is_flagged_naming_the_cell(tmp_path, kind, lang):
    data = cathode()
    sheet, cell, _ = slip(data, kind)
    recs, issues = read(tmp_path, data, lang, kind)
    found = flagged(issues)
    assert len(found) == 1, issues
    i = found[0]
    assert i.severity == "warning" and i.row == int(cell[1:])
    assert i.message.startswith(f"{cell} ("), i.message   # the cell named first
    assert i.sheet == ({"Energy": "能源", "Materials": "物料"}[sheet] if lang == "zh" else sheet)
    if lang == "zh":  # wholly in the workbook's language: the range and the likely slip
        assert "合理范围 0.5..40" in i.message or "合理范围 0..10" in i.message, i.message
        assert {"10x": "十倍", "10000x": "一万倍", "t_for_kg": "一千倍", "MWh_for_kWh": "一千倍"}[kind] in i.message
        assert "likely" not in i.message and "range" not in i.message
    else:
        assert "0.5..40 kWh/kg" in i.message or "0..10 kg/kg" in i.message, i.message
        assert {"10x": "10x", "10000x": "10,000x", "t_for_kg": "kilograms typed into a tonne",
                "MWh_for_kWh": "MWh/GJ row"}[kind] in i.message, i.message
    assert recs and plausibility.CODE in {f["code"] for f in recs[0]["flags"]}  # kept with the submission


def test_value_and_expected_range_and_correction_in_message(tmp_path):
    data = cathode()
    data["Energy"][0].update(amount=6000, unit="万kWh")
    _, issues = read(tmp_path, data, "en", "wan")
    msg = flagged(issues)[0].message
    # 6000 x 10^4 kWh + 0 per 1000 kg = 60,000 kWh/kg; per declared unit: 6e7 kWh per 1000 kg
    assert "6e+04 kWh/kg" in msg and "6e+07 kWh per 1000 kg as declared" in msg and "0.5..40 kWh/kg" in msg
    assert "would be 6" in msg  # 60,000 / 10,000


def test_examples_are_plausible():
    for path in sorted(EXAMPLES.glob("*.xlsx")):
        result = importer.read_file(path)
        recs, issues = result.records, result.issues
        assert recs and not flagged(issues) and not flagged(issues, "mass_inconsistent"), (path, issues)


def test_likely_slip_arithmetic():
    assert "10,000x" in plausibility.likely_slip(45_000.0, 0.5, 40.0, "万kWh")
    assert "would be 4.5" in plausibility.likely_slip(45_000.0, 0.5, 40.0, "万kWh")
    assert "MWh/GJ" in plausibility.likely_slip(4_500.0, 0.5, 40.0, "MWh")
    assert "10x" in plausibility.likely_slip(60.0, 0.5, 40.0, "kWh")
    assert "would be 6" in plausibility.likely_slip(0.006, 0.5, 40.0, "kWh")  # too small by 1000


def test_classes_carry_sources_and_labelled_estimates():
    all_ = plausibility.classes()
    assert "default" in all_ and len(all_) >= 5
    for c in all_.values():
        assert "estimate" in c.source and c.label and c.label_zh
        for lo, hi in c.ranges.values():
            assert 0 <= lo < hi
    assert plausibility.classify("LFP battery pack 100 kWh").key == "battery_pack"
    assert plausibility.classify("packaging film").key == "default"   # 'pack' is a whole word only
    assert plausibility.classify("三元前驱体").key == "cathode"
    assert plausibility.classify("x", "graphite-synthetic").key == "anode"


# ---- the mass check by product class: assembled vs process industry

def chemical(cid, name, product, materials):
    return {
        "Supplier": {"company_name": name, "company_id": cid, "country": "CN", **PERIOD},
        "Products": [{"product_id": "P", "product_name": product, "declared_unit": "t", "declared_amount": 1,
                      "production_region": "CN-JS"}],
        "Materials": [{"product_id": "P", "line_id": i + 1, "material": m, "amount": a, "unit": u,
                       "source": "background"} for i, (m, a, u) in enumerate(materials)],
        "Energy": [{"product_id": "P", "carrier": "electricity", "amount": 3, "unit": "MWh"}],
    }


CHEMICALS = [
    # NCM811 hydroxide precursor, per t: NiSO4 hexahydrate-equivalent reagents weigh ~4x the product
    ("T24-PRE", "前驱体厂", "三元前驱体 NCM811", [("硫酸镍", 2.4, "t"), ("硫酸钴", 0.33, "t"), ("硫酸锰", 0.2, "t"),
                                                 ("氢氧化钠", 0.9, "t"), ("氨", 60, "kg")]),
    # lithium hydroxide from lithium carbonate + lime: 1.6 t reagents and 6 t water per t
    ("T24-LIOH", "Lithium refinery", "lithium hydroxide, battery grade", [
        ("lithium carbonate", 0.92, "t"), ("hydrated lime", 0.95, "t"), ("deionised water", 6, "t")]),
    # LiPF6: PCl5 + HF + LiF-route reagents, 2.3 kg per kg
    ("T24-LIPF6", "六氟磷酸锂厂", "六氟磷酸锂", [("五氯化磷", 1.4, "t"), ("氟化氢", 0.8, "t"), ("碳酸锂", 0.25, "t")]),
]


@pytest.mark.parametrize("cid,name,product,materials", CHEMICALS)
def test_mass_check_silent_on_correct_chemical_workbooks(tmp_path, cid, name, product, materials):
    recs, issues = read(tmp_path, chemical(cid, name, product, materials), "zh" if "厂" in name else "en", cid)
    assert recs, issues
    assert not flagged(issues, "mass_inconsistent") and not flagged(issues), issues


def test_mass_check_loud_on_t_for_kg_in_a_chemical_workbook(tmp_path):
    cid, name, product, materials = CHEMICALS[0]
    materials = [("硫酸镍", 2400, "t")] + materials[1:]   # 2400 kg typed as t
    recs, issues = read(tmp_path, chemical(cid, name, product, materials), "zh", "slip")
    mass = flagged(issues, "mass_inconsistent")
    assert len(mass) == 1 and "一千倍" in mass[0].message, issues
    assert any(i.row == 2 and i.message.startswith("D2 (") for i in flagged(issues))


def test_mass_check_of_an_assembled_product_stays_tight(tmp_path):
    data = {
        "Supplier": {"company_name": "Pack", "company_id": "T24-PK", "country": "CN", **PERIOD},
        "Products": [{"product_id": "P", "product_name": "battery pack", "declared_unit": "piece", "mass_kg": 400,
                      "production_region": "CN-GD"}],
        "Materials": [{"product_id": "P", "line_id": 1, "material": "aluminium", "amount": 120, "unit": "kg",
                       "source": "background"},
                      {"product_id": "P", "line_id": 2, "material": "steel", "amount": 30, "unit": "kg",
                       "source": "background"}],
        "Energy": [{"product_id": "P", "carrier": "electricity", "amount": 200, "unit": "kWh"}],
    }
    _, issues = read(tmp_path, data, "en", "asm")
    assert len(flagged(issues, "mass_inconsistent")) == 1  # 150 kg of 400 kg: a BOM 62 % short
    data["Materials"][1]["amount"] = 270
    _, issues = read(tmp_path, data, "en", "asm2")
    assert not flagged(issues, "mass_inconsistent") and not flagged(issues)
    data["Materials"][0].update(unit="t")  # 120 t of aluminium instead of 120 kg: the issue's case
    _, issues = read(tmp_path, data, "en", "asm3")
    assert flagged(issues, "mass_inconsistent") and flagged(issues)[0].message.startswith("D2 (")


# ---- with the project: --strict refuses, the profile lists the lines

def test_strict_refuses_and_profile_lists_flagged_lines(project, tmp_path):
    data = cathode("T24-STRICT")
    slip(data, "10x")
    path = write_workbook(tmp_path / "strict.xlsx", data, "en")
    strict = project.import_files([path], strict=True)
    assert not strict.ok and [e.code for e in strict.errors] == [plausibility.CODE] and not strict.products
    assert "T24-STRICT" not in {s["company_id"] for s in store.submissions(project)}
    report = project.import_files([path])
    assert report.ok and [w.code for w in report.warnings].count(plausibility.CODE) == 1
    prof = project.profile("T24-STRICT/LFP")
    hits = [w for w in prof.warnings if w.startswith(plausibility.CODE)]
    assert len(hits) == 1 and "C2 (amount)" in hits[0] and "strict.xlsx" in hits[0]
    xlsx = tmp_path / "report.xlsx"
    prof.to_excel(xlsx)
    import openpyxl

    cells = [c.value for row in openpyxl.load_workbook(xlsx)["Warnings"].iter_rows() for c in row]
    assert any(plausibility.CODE in str(v) and "C2 (amount)" in str(v) for v in cells)


def test_example_chain_imports_without_plausibility_warnings(project):
    files = sorted(EXAMPLES.glob("*.xlsx")) + sorted(EXAMPLES.glob("*.json"))
    report = project.import_files(files)
    assert report.ok, report.summary()
    assert not [w for w in report.warnings if w.code in (plausibility.CODE, "mass_inconsistent")], report.summary()
    prof = project.profile("GD-PACK/ESS-100")
    assert not [w for w in prof.warnings if plausibility.CODE in w or "mass_inconsistent" in w], prof.warnings


def test_implausible_footprint_per_kg_is_flagged(project, tmp_path):
    data = copy.deepcopy(cathode("T24-FP"))
    # 139 kg of process CO2 typed as t: 139 kg CO2 per kg of cathode, and a footprint ~150 kg CO2e/kg
    data["Emissions"][0].update(amount=139, unit="t")
    path = write_workbook(tmp_path / "fp.xlsx", data, "en")
    report = project.import_files([path])
    assert report.ok
    msgs = [w.message for w in report.warnings if w.code == plausibility.CODE]
    assert any(m.startswith("C2 (amount)") and "kilograms typed into a tonne" in m for m in msgs), msgs  # the line
    assert any("footprint" in m and "T24-FP/LFP" in m for m in msgs), msgs  # the product's footprint per kg


def test_cli_strict_exit_2_report_on_stderr(project, tmp_path, capsys):
    from lca import cli

    data = cathode("T24-CLI")
    slip(data, "10000x")
    path = write_workbook(tmp_path / "cli.xlsx", data, "zh")
    code = cli.main(["--project", str(project.path), "import", str(path), "--strict"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert "implausible_intensity" in captured.err and "C2" in captured.err and "一万倍" in captured.err
    assert cli.main(["--project", str(project.path), "import", str(path), "--by", "dave"]) == 0
    assert "implausible_intensity" in capsys.readouterr().out   # a warning only, without --strict
