"""Roll-up: the supply-chain carbon profile of an imported supplier product.

The product system is solved by the project's calculator (``project.calc``,
:class:`lca.calc.Calculator`: one kept factorization); background inputs are valued with the project's
all-products adjoint scores, split by gas with one more adjoint solve per gas
present. The supplier part of the system is then expanded by path length
(tier): ``z_0 = demand``, ``z_{t+1} = M z_t`` with ``M`` the supplier-to-supplier
input matrix, and everything deeper than :data:`MAX_TIER` is the exact
remainder ``(I - M)^{-1} z_K`` from the linear solve, so loops between suppliers
come out as the linear-system solution and every breakdown sums to the total.

Each contribution (a workbook line of some supplier activity at some tier,
split by gas) is one entry of a ``sparse.COO`` array over
``(tier, supplier, material, stage, gas, region)``: any breakdown is a sum over
the other axes (:meth:`CarbonProfile.by`).

Dimensions
----------
- tier: 0 = the reporting company's own operations (energy, direct emissions,
  transport) for the product; a supplier product sits one tier below its buyer;
  a background dataset or a declared PCF one tier below the line that buys it.
  Paths deeper than MAX_TIER are reported as ``"{MAX_TIER}+"``.
- stage (from the product's point of view): ``raw materials`` (background
  materials the company buys), ``purchased components`` (everything that comes
  through its supplier_product and supplier_pcf lines), ``own energy``,
  ``own direct emissions``, ``transport``.
- material: the product's own bill-of-materials line the contribution flows
  through (its material name, or ``electricity``, ``direct emissions``,
  ``transport (truck)``...).
- supplier: the company whose line it is (the material's ``supplier_name``
  where given, the declaring supplier of a PCF).
- gas: the elementary flow (flows.csv alias); declared PCFs as
  ``declared PCF (CO2e)``.
- region: where the emission is located (grid region, dataset location,
  production region).

Indicators
----------
- primary_data_share [%] (PACT): own activity data of every company in the chain
  (energy, direct emissions, transport lines) is primary; a declared PCF counts
  with its declared share; background datasets are secondary.
- dqr: footprint-weighted mean of per-line ratings (1 very good .. 5 very poor),
  technological / geographical / temporal: own direct emissions 1/1/1; own energy
  and transport 2/1-3/2 (grid of the exact region or a fallback); background
  3 / 2 (regional match) or 3 / 2-4 by data age; declared PCFs as declared, else 3.
  A rule of thumb after the PACT v3 DQR scale, stated as an estimate.
- green_electricity_share [%]: renewable-sourced kWh over all kWh in the chain.
- recycled_share [%]: recycled content over the mass of background materials
  bought anywhere in the chain.
- green_factory_share [%]: share of the footprint arising at companies that are
  MIIT green factories (provincial or national).

Market-based total: the location-based total with every electricity line's
grid footprint replaced by its market-based factor (supplier_ef, renewable
dataset of a PPA / on-site / certificate, else the grid).

Declared PCFs and methods: declared PCFs (and supplier-specific electricity
factors) are kg CO2e under AR6 GWP100. They count 1:1 under IPCC 2021 GWP100
and EF v3.1 climate change (GWP100); under any other method a profile that
needs them is refused unless ``allow_incomplete`` -- then they count 0 and are
listed in ``not_characterized``.
"""
from __future__ import annotations

import difflib
import math

import numpy as np

from .. import engine, inventory
from ..declared import DECLARED_TOLERANCE, declared_difference, declared_differs, declared_message  # noqa: F401
from ..errors import InputError, LcaError
from ..methods import pcf_characterizable
from ..results import DIMENSIONS, CarbonProfile, finite
from . import link, store
MAX_TIER = 8
PCF_GAS = "declared PCF (CO2e)"
_OWN_STAGE = {"background": "raw materials", "supplier_pcf": "purchased components", "energy": "own energy",
              "emission": "own direct emissions", "transport": "transport"}
_DEEPER = {"background": 1, "supplier_pcf": 1}  # tier offset of a line's contribution


def _root_code(built: link.Built, product) -> str:
    text = str(getattr(product, "ref", product)).strip()
    if text.startswith(f"{link.SUPPLIER_DB}:"):
        text = text.split(":", 1)[1]
    if text in built.activities and not built.activities[text].get("declared_pcf"):
        return text
    names = [c for c, a in built.activities.items() if not a.get("declared_pcf")]
    close = difflib.get_close_matches(text, names, n=5, cutoff=0.5)
    hint = f"; closest: {', '.join(close)}" if close else ("; none imported yet" if not names else "")
    raise InputError(f"unknown supplier product {text!r}: give COMPANY_ID/PRODUCT_ID of an imported "
                     f"workbook{hint}")


def _reachable(built: link.Built, root: str, by_act: dict | None = None) -> list[str]:
    by_act = built.lines_of() if by_act is None else by_act
    seen, stack = [root], [root]
    while stack:
        a = stack.pop()
        for line in by_act.get(a, []):
            if line.kind == "supplier_product":
                t = line.input[1]
                if t not in seen:
                    seen.append(t)
                    stack.append(t)
    return seen


def _gas_scores(project, method: tuple) -> tuple[list[str], np.ndarray, dict[int, int]]:
    """Per-gas cradle-to-gate scores of every activity: (gas labels, array[columns, gases], flow row -> gas)."""
    return project.calc.cached(("gas_scores", method), lambda: _compute_gas_scores(project, method))


def _compute_gas_scores(project, method: tuple) -> tuple[list[str], np.ndarray, dict[int, int]]:
    calc = project.calc
    system = calc.system()
    c = calc.characterization(method)
    names = _flow_alias_by_row(project)
    rows_with = np.nonzero(c)[0]
    present = set(system.B.tocsr()[rows_with].nonzero()[0])
    groups: dict[str, list[int]] = {}
    for i in sorted(present):
        r = int(rows_with[i])
        groups.setdefault(names.get(r, f"flow {int(system.flow_ids[r])}"), []).append(r)
    labels = sorted(groups)
    out = np.zeros((system.n, len(labels)))
    row_gas = {}
    for k, lab in enumerate(labels):
        cg = np.zeros_like(c)
        cg[groups[lab]] = c[groups[lab]]
        for r in groups[lab]:
            row_gas[r] = k
        y = calc.solve_adjoint(system.B.T @ cg)
        out[:, k] = y[system.product_row]
    return labels, out, row_gas


def _flow_alias_by_row(project) -> dict[int, str]:
    """System flow row -> flow alias (``flows.csv``), else the biosphere name and categories."""
    return project.calc.cached(("flow_alias_rows",), lambda: _compute_flow_alias_by_row(project))


def _compute_flow_alias_by_row(project) -> dict[int, str]:
    project.activate()
    system = project.calc.system()
    from bw2data.backends import ActivityDataset as AD

    by_id = {i: (n, tuple(d.get("categories", ()))) for i, n, d in
             AD.select(AD.id, AD.name, AD.data).where(AD.database == inventory.BIOSPHERE_DB).tuples()}
    alias = {(f.name, f.categories): f.alias for f in inventory.flows().values()}
    # flows.csv lists alias and gas_code for the same flow; keep the alias (first spelling)
    out = {}
    for r, fid in enumerate(system.flow_ids):
        nm = by_id.get(int(fid))
        if nm is None:
            continue
        out[r] = alias.get(nm) or (nm[0] + (f" ({'::'.join(nm[1])})" if nm[1] else ""))
    return out


def profile(project, product, method="GWP100", allow_incomplete: bool = False) -> CarbonProfile:
    """The supply-chain carbon profile of ``product`` (``COMPANY_ID/PRODUCT_ID``); see module docstring."""
    import sparse

    m = project.method(method)
    built = store.linked(project)
    root = _root_code(built, product)
    acts = built.activities
    by_act = built.lines_of()
    reach = _reachable(built, root, by_act)

    unresolved = [dict(u, product=a) for a in reach for u in built.unresolved.get(a, [])]
    if unresolved and not allow_incomplete:
        listing = "; ".join(f"{u['product']} {u['where']}: {u['reference']} ({u['reason']})" for u in unresolved)
        raise InputError(f"{root} has unresolved supplier references, so it has no total yet: {listing}. "
                         "Import the missing suppliers' workbooks, or use --allow-incomplete "
                         "(allow_incomplete=True) for a flagged partial profile.")
    pcf_ok = pcf_characterizable(m)
    not_char, pcf_lines = [], []
    for a in reach:
        for line in by_act.get(a, []):
            if (line.kind == "supplier_pcf" or line.mb_ef is not None) and not pcf_ok:
                entry = {"product": a, "where": line.where, "label": line.label,
                         "why": "declared kg CO2e (AR6 GWP100) cannot be re-characterized for " + " | ".join(m)}
                not_char.append(entry)
                if line.kind == "supplier_pcf":
                    pcf_lines.append(entry)
    if pcf_lines and not allow_incomplete:
        raise InputError(f"{root}'s supply chain uses declared PCFs ({len(pcf_lines)} line(s), e.g. "
                         f"{pcf_lines[0]['product']} {pcf_lines[0]['where']}), which are AR6 GWP100 figures "
                         f"and cannot be characterized with {' | '.join(m)}; use GWP100 or EF3.1-climate, "
                         "or allow_incomplete to leave them out (flagged).")

    calc = project.calc
    system = calc.system()
    nodes = calc.nodes()
    sup_nodes = nodes[nodes["database"] == link.SUPPLIER_DB]
    id_of = dict(zip(sup_nodes["code"], sup_nodes["id"]))
    col_of = {code: system.col_of[int(id_of[code])] for code in acts if code in id_of}
    missing = [a for a in reach if a not in col_of]
    if missing:
        raise LcaError(f"the suppliers database lacks {missing[:5]}; run `lca init` to rebuild it")
    scores = calc.scores(m)
    gas_labels, gas_scores, row_gas = _gas_scores(project, m)
    c = calc.characterization(m)
    bd = project.activate()

    root_meta = acts[root]
    norm = float(root_meta["declared_amount"]) * float(root_meta["bw_per_declared_unit"])

    # full solve with the project's solver: supply of every activity, checks
    demand = np.zeros(system.n)
    demand[system.product_row[col_of[root]]] = norm
    x = calc.solve(demand)
    neg = engine.check_supply(system, x)
    if neg:
        raise LcaError(f"negative supply in the product system of {root}: a loop between suppliers consumes "
                       "more than it produces; check the amounts of the supplier_product lines in that loop")

    # supplier sub-system: index, M (inputs of supplier products per unit), and the tier expansion
    idx = {a: i for i, a in enumerate(reach)}
    n_s = len(reach)
    M = np.zeros((n_s, n_s))
    for a in reach:
        for line in by_act.get(a, []):
            if line.kind == "supplier_product":
                M[idx[line.input[1]], idx[a]] += line.amount

    def tail(z: np.ndarray) -> np.ndarray:
        if not np.any(z):
            return z
        d = np.zeros(system.n)
        for a, i in idx.items():
            d[system.product_row[col_of[a]]] = z[i]
        xs = calc.solve(d)
        return np.array([xs[col_of[a]] for a in reach])

    # pieces: 0 = the product's own lines at tier 0; one per supplier_product line of the product
    root_lines = by_act.get(root, [])
    pieces = []  # (stage or None, material label or None, list of (tier, z))
    z0 = np.zeros(n_s)
    z0[idx[root]] = norm
    pieces.append((None, None, [(0, z0)], True))
    for line in root_lines:
        if line.kind != "supplier_product":
            continue
        z = np.zeros(n_s)
        z[idx[line.input[1]]] = norm * line.amount
        seq, t = [], 1
        while t < MAX_TIER and np.any(z):
            seq.append((t, z))
            z = M @ z
            t += 1
        if np.any(z):
            seq.append((MAX_TIER, tail(z)))
        pieces.append(("purchased components", line.label, seq, False))

    # line attribute tables over the lines of reachable activities (excluding supplier_product links)
    L = [line for a in reach for line in by_act.get(a, []) if line.kind != "supplier_product"]
    n_g = len(gas_labels) + 1  # last gas: declared PCF
    gas_all = gas_labels + [PCF_GAS]
    unit_val = np.zeros((len(L), n_g))
    mb_delta = np.zeros(len(L))
    bio_id_cache: dict[str, int] = {}
    codes = project.biosphere_codes()
    col_cache: dict = {}

    def col_of_key(key):
        if key not in col_cache:
            col_cache[key] = system.col_of[int(bd.get_id(tuple(key)))]
        return col_cache[key]

    for k, line in enumerate(L):
        if line.kind == "emission":
            code = codes[line.flow]
            if code not in bio_id_cache:
                bio_id_cache[code] = bd.get_id((inventory.BIOSPHERE_DB, code))
            r = system.row_of_flow.get(bio_id_cache[code])
            if r is not None and c[r] != 0:
                unit_val[k, row_gas.get(r, 0)] = line.amount * c[r]
        elif line.kind == "supplier_pcf":
            unit_val[k, n_g - 1] = line.amount * line.pcf_kgco2e if pcf_ok else 0.0
        else:
            col = col_of_key(line.input)
            unit_val[k, :n_g - 1] = line.amount * gas_scores[col]
            if line.kind == "energy":
                loc = line.amount * scores[col]
                if line.mb_ef is not None:
                    mb = line.amount * line.mb_ef if pcf_ok else loc
                elif line.mb_input is not None:
                    mb = line.amount * scores[col_of_key(line.mb_input)]
                else:
                    mb = loc
                mb_delta[k] = mb - loc
    line_act = np.array([idx[line.activity] for line in L], dtype=np.int64)
    deeper = np.array([_DEEPER.get(line.kind, 0) for line in L], dtype=np.int64)

    lab = {d: {} for d in DIMENSIONS}

    def code_of(dim, value):
        table = lab[dim]
        if value not in table:
            table[value] = len(table)
        return table[value]

    for t in range(MAX_TIER + 1):
        code_of("tier", _tier_label(t))
    for g in gas_all:
        code_of("gas", g)
    coords, data, prim, dq = [], [], [], []
    green_kwh = all_kwh = mass = recycled = 0.0
    market_delta = 0.0
    gf = 0.0
    green_companies = {a for a in reach if acts[a].get("green_factory") in link.GREEN_FACTORY_LEVELS}
    line_sup = [code_of("supplier", line.supplier or acts[line.activity]["company_name"]) for line in L]
    line_reg = [code_of("region", line.region or "unspecified") for line in L]
    line_green_fac = np.array([line.activity in green_companies for line in L])
    for stage, material, seq, own in pieces:
        for t, z in seq:
            w = z[line_act]
            if own:  # the product's own lines only (its supplier_product lines are the other pieces)
                w = np.where(line_act == idx[root], w, 0.0)
            nz = np.nonzero(w)[0]
            for k in nz:
                line = L[k]
                wk = float(w[k])
                if line.kind == "energy":
                    all_kwh += wk * line.kwh
                    green_kwh += wk * line.kwh if line.green else 0.0
                    market_delta += wk * mb_delta[k]
                if line.kind == "background":
                    mass += wk * line.mass_kg
                    recycled += wk * line.recycled_kg
                vals = wk * unit_val[k]
                gnz = np.nonzero(vals)[0]
                if not len(gnz):
                    continue
                tier = _tier_label(min(t + deeper[k], MAX_TIER) if t < MAX_TIER else MAX_TIER)
                st = stage or _OWN_STAGE[line.kind]
                mat = material or line.label
                base = (code_of("tier", tier), line_sup[k], code_of("material", mat), code_of("stage", st))
                for g in gnz:
                    coords.append(base + (int(g), line_reg[k]))
                    data.append(float(vals[g]))
                    prim.append(float(vals[g]) * line.primary)
                    dq.append((abs(float(vals[g])),) + tuple(line.dqr))
                    if line_green_fac[k]:
                        gf += float(vals[g])

    labels = {d: list(lab[d]) for d in DIMENSIONS}
    shape = tuple(max(1, len(labels[d])) for d in DIMENSIONS)
    if data:
        arr = sparse.COO(np.array(coords, dtype=np.int64).T, np.array(data), shape=shape)
    else:
        arr = sparse.COO(np.zeros((len(DIMENSIONS), 0), dtype=np.int64), np.zeros(0), shape=shape)
    total = float(arr.sum()) if data else 0.0
    for v in (total, market_delta):
        finite(v, f"the profile of {root}")

    # cross-check with the project's adjoint scores (same matrices, float32 storage)
    if pcf_ok or not pcf_lines:
        expected = float(scores[col_of[root]]) * norm
        if not math.isclose(total, expected, rel_tol=1e-5, abs_tol=1e-9 * max(1.0, abs(expected))):
            raise LcaError(f"internal check failed: the profile of {root} sums to {total!r} but the "
                           f"project's solve gives {expected!r}; please report this")

    dq_arr = np.array(dq) if dq else np.zeros((0, 4))
    wsum = float(dq_arr[:, 0].sum()) if len(dq_arr) else 0.0
    dqi = {}
    if wsum > 0:
        for i, name in enumerate(("technological", "geographical", "temporal"), start=1):
            dqi[name] = float((dq_arr[:, 0] * dq_arr[:, i]).sum() / wsum)
        dqi["overall"] = float(np.mean([dqi["technological"], dqi["geographical"], dqi["temporal"]]))
    primary = 100.0 * float(sum(prim)) / total if total else 0.0

    warnings = []
    declared = root_meta.get("declared_pcf_kgco2e")
    if declared_differs(declared, total):
        warnings.append(declared_message(declared, total))
    suppliers = []
    for a in reach:
        meta = acts[a]
        comp = float(scores[col_of[a]]) * float(meta["declared_amount"]) * float(meta["bw_per_declared_unit"])
        d = meta.get("declared_pcf_kgco2e")
        entry = {"product": a, "name": meta["name"], "company": meta["company_name"],
                 "declared_unit": meta["declared_unit"], "declared_amount": meta["declared_amount"],
                 "computed": comp if (pcf_ok or not pcf_lines) else None, "declared": d,
                 "green_factory": meta.get("green_factory"), "supply": float(x[col_of[a]]),
                 "unresolved": len(built.unresolved.get(a, []))}
        if a != root and declared_differs(d, comp):
            warnings.append(f"{a}: {declared_message(d, comp)}")
        suppliers.append(entry)
    declared_pcfs = []
    for a in reach:
        for line in by_act.get(a, []):
            if line.kind == "supplier_pcf":
                p = acts.get(line.input[1], {})
                declared_pcfs.append({"product": a, "where": line.where, "material": line.label,
                                      "supplier": line.supplier, "pcf_id": p.get("pcf_id"),
                                      "pcf_kgco2e_per_unit": p.get("pcf_kgco2e_per_unit"),
                                      "unit": p.get("unit"), "primary_data_share": p.get("primary_data_share"),
                                      "standard": p.get("standard"), "verified": p.get("verified"),
                                      "amount_per_unit": line.amount})

    split = {}
    for part, sm in calc.split_methods(m).items():
        split[part] = float(calc.characterization(sm) @ (system.B @ x))
    uptake = 0.0
    for g, name in enumerate(labels["gas"]):
        if name == "CO2 uptake":
            uptake = float(arr[:, :, :, :, g, :].sum())
    processes = _top_processes(project, root, norm, m) if not unresolved else []
    return CarbonProfile(
        processes=processes,
        product=root, name=root_meta["name"], company=root_meta["company_name"], method=m,
        score_unit=calc.score_unit(m), declared_unit=root_meta["declared_unit"],
        declared_amount=float(root_meta["declared_amount"]),
        mass_kg=(root_meta["mass_kg_per_unit"] * norm if root_meta.get("mass_kg_per_unit") is not None else None),
        labels=labels, array=arr, total_market_based=total + market_delta,
        primary_data_share=primary, dqi=dqi,
        green_electricity_share=(100.0 * green_kwh / all_kwh if all_kwh else None),
        recycled_share=(100.0 * recycled / mass if mass else None),
        green_factory_share=(100.0 * gf / total if total else 0.0),
        unresolved=unresolved, complete=not unresolved and not pcf_lines, not_characterized=not_char,
        declared_pcf=declared, declared_pcfs=declared_pcfs, suppliers=suppliers, warnings=warnings,
        reference_period=(root_meta.get("reporting_period_start"), root_meta.get("reporting_period_end")),
        region=root_meta.get("location"),
        fossil=total - split.get("biogenic", 0.0) - split.get("land_use", 0.0), biogenic=split.get("biogenic", 0.0),
        biogenic_uptake=uptake,
    )


def _top_processes(project, root: str, amount: float, method: tuple, top: int = 50) -> list[dict]:
    """The processes with the largest direct emissions in the product's chain (as ``lca footprint``)."""
    try:
        fp = project.footprint(f"{store.SUPPLIER_DB}:{root}", amount=amount, method=method)
    except LcaError:  # e.g. declared PCFs under a method they cannot be characterized in
        return []
    return [{"ref": r.ref, "name": r.name, "location": r.location, "score": finite(r.score, r.ref)}
            for r in fp.by_process.head(top).itertuples()]


def _tier_label(t: int) -> str:
    return f"{MAX_TIER}+" if t >= MAX_TIER else str(t)
