"""The trail sheets of a profile's Excel report: every background dataset that contributes, and the own direct lines.

"Background datasets": ref, name, geography, database, source, year, contribution and
share, largest first, at every depth of the chain (the national grid three tiers up as
much as a material a workbook line names). "Direct lines": each company's own direct
emissions and declared PCFs with the reporting period they were declared for. A closing
row shows that the two sum to the profile total (:mod:`lca.supply.trail`).
"""
from __future__ import annotations

DATASET_HEADER = ["ref", "name", "geography", "database", "source", "year"]
OWN_HEADER = ["product", "company", "file", "sheet", "row", "kind", "material", "period start", "period end"]


def write(wb, d: dict, title: str, put, table, finish, bi, number: str, percent: str) -> None:
    """Add the sheets "Background datasets" and "Direct lines" from the profile dict ``d``, with the cell
    writers of :mod:`lca.report.excel` (``put``: text never a formula, numbers finite; ``table``, ``finish``,
    ``bi``: header, print set-up, bilingual labels), passed in so that this module does not import it back."""
    from openpyxl.styles import Font

    unit, total = d["score_unit"], d["total"]
    datasets, own = d.get("background_datasets") or [], d.get("direct_lines") or []

    def share(v):
        return 100 * v / total if total else 0.0

    ws = wb.create_sheet("Background datasets")
    rows = [[b["ref"], b["name"], b["geography"], b["database"], b["source"], b["year"], b["contribution"],
             share(b["contribution"])] for b in datasets]
    end = table(ws, 1, DATASET_HEADER + [f"contribution [{unit}]", "share [%]"], rows, {7: number, 8: percent})
    summed_bg = sum(b["contribution"] for b in datasets)
    summed_own = sum(o["contribution"] for o in own)
    for k, (label, value) in enumerate((("background datasets", summed_bg), ("own direct lines (sheet Direct lines)",
                                        summed_own), ("together", summed_bg + summed_own), ("profile total", total))):
        put(ws, end + 2 + k, 6, bi(label)).font = Font(bold=True)
        put(ws, end + 2 + k, 7, value, number).font = Font(bold=True)
    put(ws, end + 7, 1, "contribution = the dataset's direct emissions x its supply in the whole chain (all tiers); "
                        "with the companies' own direct lines they sum to the profile total | 贡献 = 数据集直接排放 × "
                        "其在整个供应链中的供应量；与企业自身直接排放合计等于碳足迹合计")
    finish(ws, {"A": 34, "B": 44, "C": 11, "D": 14, "E": 60, "F": 7, "G": 14, "H": 9}, title, wrap="BE")

    ws = wb.create_sheet("Direct lines")
    rows = [[o["product"], o["company"], o["file"], o["sheet"], o["row"], o["kind"], o["material"],
             o["period_start"], o["period_end"], o["contribution"], share(o["contribution"])] for o in own]
    end = table(ws, 1, OWN_HEADER + [f"contribution [{unit}]", "share [%]"], rows, {10: number, 11: percent})
    put(ws, end + 2, 9, bi("total of the line items")).font = Font(bold=True)
    put(ws, end + 2, 10, summed_own, number).font = Font(bold=True)
    finish(ws, {"A": 22, "B": 20, "C": 16, "D": 11, "E": 6, "F": 12, "G": 24, "H": 12, "I": 12, "J": 14, "K": 9},
            title)
