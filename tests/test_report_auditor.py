"""The auditor's report: line items that sum to the total, methodology, formats, print set-up, Chinese charts."""
from __future__ import annotations

import warnings
from datetime import date

import openpyxl
import pytest

import lca
from lca.report import fonts
from lca.supply.sheets import SHEETS
from lca.supply.fill import write_workbook

WRITES_PROJECT = True  # conftest: this module works on its own copy of the session project

PERIOD = {"reporting_period_start": date(2024, 1, 1), "reporting_period_end": date(2024, 12, 31)}


@pytest.fixture(scope="module")
def zh_profile(project, tmp_path_factory):
    """A two-tier chain from Chinese workbooks with Chinese names, outbound transport and a recycled share."""
    tmp = tmp_path_factory.mktemp("auditor")
    graphite = {"Supplier": {"company_name": "内蒙古石墨有限公司", "company_id": "AUD-GR", "country": "CN",
                             "green_factory": "national", **PERIOD},
                "Products": [{"product_id": "gr", "product_name": "人造石墨负极", "declared_unit": "t",
                              "production_region": "CN-NM"}],
                "Materials": [{"product_id": "gr", "line_id": 1, "material": "石油焦", "amount": 1.2, "unit": "t",
                               "source": "supplier_pcf", "reference": "PC1"}],
                "Energy": [{"product_id": "gr", "carrier": "electricity", "amount": 12, "unit": "MWh"}],
                "SupplierPCFs": [{"pcf_id": "PC1", "supplier_name": "山东焦化", "product_name": "石油焦",
                                  "declared_unit": "t", "pcf_kgco2e": 450, "primary_data_share": 30}]}
    cell = {"Supplier": {"company_name": "四川电芯制造", "company_id": "AUD-CELL", "country": "CN", **PERIOD},
            "Products": [{"product_id": "cell", "product_name": "磷酸铁锂电芯", "declared_unit": "kWh",
                          "mass_kg": 5.5, "production_region": "CN-SC"}],
            "Materials": [{"product_id": "cell", "line_id": 1, "material": "负极材料", "amount": 1.1, "unit": "kg",
                           "source": "supplier_product", "reference": "AUD-GR/gr"},
                          {"product_id": "cell", "line_id": 2, "material": "铝", "amount": 0.4, "unit": "kg",
                           "source": "background", "recycled_share": 0.5},
                          {"product_id": "cell", "line_id": 3, "material": "铜箔", "amount": 0.5, "unit": "kg",
                           "source": "background"}],
            "Energy": [{"product_id": "cell", "carrier": "electricity", "amount": 40, "unit": "kWh",
                        "sourcing": "green_certificate"}],
            "Transport": [{"product_id": "cell", "mode": "truck", "mass_t": 0.0011, "distance_km": 1500},
                          {"product_id": "cell", "mode": "rail", "mass_t": 0.0055, "distance_km": 2000,
                           "direction": "outbound"}],
            "Emissions": [{"product_id": "cell", "gas": "CH4", "amount": 2, "unit": "g"}]}
    files = [write_workbook(tmp / "gr.xlsx", graphite, "zh"), write_workbook(tmp / "cell.xlsx", cell, "zh")]
    report = project.import_files(files)
    assert report.ok, report.summary()
    return project.profile("AUD-CELL/cell"), tmp


def test_line_item_sheet_sums_to_the_profile_total(zh_profile):
    prof, tmp = zh_profile
    wb = openpyxl.load_workbook(prof.to_excel(tmp / "report.xlsx"))
    ws = wb["Line items"]
    header = [c.value for c in ws[1]]
    col = next(i for i, h in enumerate(header) if h and h.startswith("contribution"))
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] and r[4] is not None]
    assert len(rows) == len(prof.line_items) >= 8
    assert sum(r[col] for r in rows) == pytest.approx(prof.total, rel=1e-9)
    amount, factor = header.index("amount | 用量"), next(i for i, h in enumerate(header) if h.startswith("factor"))
    for r in rows:
        assert r[amount] * r[factor] == pytest.approx(r[col], rel=1e-9, abs=1e-12)
    datasets = {r[header.index("dataset | 数据集")] for r in rows}
    assert "background:aluminium-wrought-recycled" in datasets and "suppliers:AUD-GR/pcf:PC1" in datasets
    sheet = header.index("sheet | 工作表")
    assert {r[sheet] for r in rows} >= {SHEETS["Materials"].zh, SHEETS["Energy"].zh}  # the workbook's own titles
    src = header.index("source | 数据来源")
    assert all(r[src] for r in rows)  # every line names its data source
    assert ws[f"{openpyxl.utils.get_column_letter(col + 1)}2"].number_format != "General"
    assert all("|" in h for h in header if h)  # bilingual headers
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows.replace("$", "") == "1:1" and ws.freeze_panes == "A2"


def test_methodology_and_summary_state_the_boundary_and_indicators(zh_profile):
    prof, tmp = zh_profile
    wb = openpyxl.load_workbook(prof.to_excel(tmp / "report2.xlsx"))
    text = {r[0]: r[2] for r in wb["Methodology"].iter_rows(min_row=2, values_only=True)}
    for topic in ("System boundary", "Cut-off and exclusions", "Allocation", "Impact method",
                  "Share from green factories", "Green electricity share", "Recycled content",
                  "Data sources and versions"):
        assert text.get(topic), topic
    assert "outbound" in text["System boundary"] and "bw2calc" in text["Data sources and versions"]
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=4, values_only=True) if r[0]}
    dist = next(v for k, v in summary.items() if k.startswith("distribution"))
    assert dist == pytest.approx(prof.distribution) and dist > 0
    assert any("分销" in k for k in summary)
    # the rail delivery is the distribution figure and no line item
    assert [d["mode"] for d in prof.distribution_lines] == ["rail"]
    assert all(i["kind"] != "distribution" for i in prof.line_items)


def test_chart_draws_chinese_labels_with_a_cjk_font(zh_profile):
    prof, tmp = zh_profile
    family = fonts.cjk_font()
    assert family, "the install brings a CJK font (mplfonts)"
    labels = [str(x) for d in ("supplier", "material") for x in prof.by(d)[d]]
    assert any(fonts.needs_cjk([t]) for t in labels)
    for text in labels + [prof.name]:
        assert fonts.missing_glyphs(family, text) == "", text
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = prof.plot(tmp / "hot.png")
    glyph = [w for w in caught if "glyph" in str(w.message).lower() or "missing from" in str(w.message).lower()]
    assert not glyph, [str(w.message) for w in glyph]
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 20_000


def test_chart_in_chinese_says_its_own_words_in_chinese(zh_profile):
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from lca.report import plots

    prof, tmp = zh_profile
    frames = {dim: prof.by(dim).head(plots.TOP) for dim in plots.PANELS}
    fig = plots._draw(plt, prof, frames, "zh")
    try:
        assert [ax.get_title() for ax in fig.axes] == ["按阶段", "按供应商", "按材料", "按层级"]
        title = fig.get_suptitle()
        assert f"每 {prof.declared_amount:g} {prof.declared_unit}" in title and "基于市场" in title
        assert "per" not in title and "market-based" not in title
        stages = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert stages and all(plots.label_zh(str(x)) in stages for x in frames["stage"]["stage"])
        assert plots.label_zh("transport (ship sea)") == "运输（海运）" and plots.label_zh("Acme 有限公司") == "Acme 有限公司"
        assert not {"raw materials", "own energy", "purchased components"} & set(stages)
    finally:
        plt.close(fig)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = prof.plot(tmp / "hot-zh.png", lang="zh")
    assert not [w for w in caught if "glyph" in str(w.message).lower()]
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(lca.InputError, match="use en or zh"):
        prof.plot(tmp / "x.png", lang="fr")
