"""Roll-up: the supply-chain carbon profile of an imported supplier product.

Four steps, each a small function of :func:`profile`:

1. **tiers** (:func:`tiers`): the supplier part of the system expanded by path
   length: ``z_0 = demand``, ``z_{t+1} = M z_t`` with ``M`` the
   supplier-to-supplier input matrix; everything deeper than :data:`MAX_TIER` is
   the exact remainder ``(I - M)^{-1} z_K`` from the project's linear solve, so
   loops between suppliers come out as the linear-system solution;
2. **line values** (:func:`lca.supply.values.line_values`): one unit of each
   linked line valued by gas with the project's per-gas adjoint scores;
3. **accumulation** (:func:`accumulate`): each (tier step, line) pair is a
   contribution, an entry of a ``sparse.COO`` array over
   ``(tier, supplier, material, stage, gas, region)``; the same pass adds up
   each line's activity amount, so the line items sum to the total;
4. **indicators** (:mod:`lca.supply.indicators`): primary data share, DQR,
   green-factory, green-electricity and recycled-content shares, as the
   methodology sheet defines them.

Before any of that, a profile that cannot be right is refused (InputError,
naming the products and rows): stored rows that no longer link, a product
with no rows, unresolved references (unless ``allow_incomplete``), declared
PCFs under a non-GWP100 method, a supplier loop that consumes at least what it
produces. A loop that only inflates (gain < 1) is solved and named in a warning.

Dimensions
----------
- tier (by company): 0 = the reporting company's own operations (energy, direct
  emissions, inbound transport), including the intermediate products it makes
  for itself; 1 = its direct suppliers' operations; n = the companies n purchase
  steps up the chain; a background dataset or a declared PCF one tier below the
  company that buys it. Splitting a company's products never moves another
  company's tier. Paths deeper than MAX_TIER are reported as ``"{MAX_TIER}+"``.
- stage (from the product's point of view): ``raw materials``, ``purchased
  components`` (everything through its supplier_product and supplier_pcf
  lines), ``own energy``, ``own direct emissions``, ``transport`` (inbound).
- material: the product's own bill-of-materials line the contribution flows
  through (labelled by the dataset it is computed with, see
  :mod:`lca.supply.link`), or ``electricity``, ``direct emissions``...
- supplier: the company whose line it is (the material's ``supplier_name``
  where given, the declaring supplier of a PCF).
- gas: the elementary flow (flows.csv alias); declared PCFs as ``declared PCF (CO2e)``.
- region: where the emission is located (grid region, dataset location, production region).

Boundary: outbound transport (``direction = outbound``) is not in the total:
the product's own outbound legs are ``distribution`` (:attr:`CarbonProfile.distribution`);
a supplier's outbound legs are its buyer's inbound transport and are not added.

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
from dataclasses import dataclass, field

import numpy as np

from .. import engine
from ..declared import DECLARED_TOLERANCE, declared_difference, declared_differs, declared_message  # noqa: F401
from ..errors import InputError, LcaError, Severity
from ..methods import pcf_characterizable
from ..results import DIMENSIONS, CarbonProfile, finite
from . import indicators as ind
from . import link, periods, store, trail
from .values import PCF_GAS, LineValues, distribution_values, line_values  # noqa: F401

MAX_TIER = 8
LOOP_GAIN_LIMIT = 1.0 - 1e-9  # a supplier loop at or above this gain consumes what it produces
CHECK_REL = 1e-5  # the profile's sum vs the project's solve (float32 matrices: ~1e-7 per entry)
_OWN_STAGE = {"background": "raw materials", "supplier_pcf": "purchased components", "energy": "own energy",
              "emission": "own direct emissions", "transport": "transport"}
_DEEPER = {"background": 1, "supplier_pcf": 1}  # tier offset of a line's contribution
_NOT_CRADLE_TO_GATE = ("supplier_product", "distribution")  # links between activities; outbound transport


@dataclass
class Chain:
    """The supplier products a product's profile reaches, and their supplier-to-supplier matrix."""

    root: str
    reach: list[str]                  # supplier products, the root first
    by_activity: dict[str, list]      # code -> its lines
    index: dict[str, int]             # code -> position in reach
    supplier_matrix: np.ndarray       # M[i, j]: units of reach[i] per unit of reach[j]
    norm: float                       # Brightway units of the root in its declared amount

    def lines(self, kinds=None, exclude=()) -> list:
        return [line for a in self.reach for line in self.by_activity.get(a, [])
                if (kinds is None or line.kind in kinds) and line.kind not in exclude]


@dataclass
class Piece:
    """A part of the tier expansion: the root's own lines, or everything through one of its supplier_product lines."""

    stage: str | None                 # None: the line's own stage
    material: str | None              # None: the line's own label
    steps: list[tuple[int, np.ndarray]]  # (tier, activity amounts over chain.reach)
    own: bool                         # only the root's own lines count


@dataclass
class Accumulation:
    """Contributions of the lines of a chain (see :func:`accumulate`)."""

    lines: list
    values: LineValues
    labels: dict[str, list]
    coords: list[tuple]
    data: list[float]
    weight: np.ndarray                # per line: amount of its activity through the chain [units per declared amount]
    first_tier: list[str | None]
    stage: list[str | None]
    market_delta: float = 0.0

    @property
    def contribution(self) -> np.ndarray:
        return self.weight * self.values.per_unit


@dataclass
class Solved:
    """The full solve of the product system: supply of every column, and where the chain's products are."""

    x: np.ndarray
    col_of: dict[str, int]
    scores: np.ndarray
    loops: list[str] = field(default_factory=list)


# -- 0. the chain and what refuses it ---------------------------------------------------
def root_code(built: link.Built, product) -> str:
    """``COMPANY/PRODUCT`` (or ``suppliers:COMPANY/PRODUCT``) of an imported product, else InputError."""
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


def chain_of(built: link.Built, root: str) -> Chain:
    by_activity = built.lines_of()
    reach, stack = [root], [root]
    while stack:
        for line in by_activity.get(stack.pop(), []):
            if line.kind == "supplier_product" and line.input[1] not in reach:
                reach.append(line.input[1])
                stack.append(line.input[1])
    index = {a: i for i, a in enumerate(reach)}
    matrix = np.zeros((len(reach), len(reach)))
    for a in reach:
        for line in by_activity.get(a, []):
            if line.kind == "supplier_product":
                matrix[index[line.input[1]], index[a]] += line.amount
    meta = built.activities[root]
    return Chain(root, reach, by_activity, index, matrix,
                 float(meta["declared_amount"]) * float(meta["bw_per_declared_unit"]))


def refuse_broken(built: link.Built, chain: Chain) -> None:
    """Stored rows of the chain that no longer link (e.g. after an inventories update) refuse the profile."""
    files = {built.activities[a].get("source_file") for a in chain.reach}
    errors = [i for i in built.issues if i.severity == Severity.ERROR and i.file in files]
    if errors:
        listing = "; ".join(f"{i.file} {i.sheet} row {i.row}: {i.message}" for i in errors[:5])
        raise InputError(f"{chain.root}: {len(errors)} stored row(s) of its supply chain no longer link, so its "
                         f"total would leave them out: {listing}. Fix those workbooks and import them again.")


def refuse_empty(chain: Chain, built: link.Built) -> None:
    """A product without any cradle-to-gate row (nor unresolved reference) has no footprint to report."""
    own = [line for line in chain.by_activity.get(chain.root, []) if line.kind != "distribution"]
    if not own and not built.unresolved.get(chain.root):
        raise InputError(f"{chain.root} has no input and no emission rows (Materials, Energy, inbound Transport, "
                         "Emissions), so it has no cradle-to-gate footprint: fill in its rows in the workbook "
                         "and import it again")


def check_loops(chain: Chain) -> list[str]:
    """Refuse a supplier loop that consumes at least what it produces; name the others in warnings."""
    from scipy.sparse.csgraph import connected_components

    matrix = chain.supplier_matrix
    if not matrix.any():
        return []
    n, labels = connected_components(matrix != 0, directed=True, connection="strong")
    warnings = []
    for comp in range(n):
        members = np.nonzero(labels == comp)[0]
        sub = matrix[np.ix_(members, members)]
        if len(members) == 1 and sub[0, 0] == 0:
            continue
        names = [chain.reach[i] for i in members]
        gain = float(max(abs(np.linalg.eigvals(sub))))
        if gain >= LOOP_GAIN_LIMIT:
            raise InputError(f"the supplier loop {' -> '.join(names + names[:1])} consumes at least as much as it "
                             f"produces (loop gain {gain:.4g} >= 1), so it has no finite footprint: check the "
                             "supplier_product amounts of those products (Materials sheet)")
        warnings.append(f"supplier loop {' <-> '.join(names)}: each unit they supply passes through the loop, "
                        f"which multiplies their output by up to {1 / (1 - gain):.4g} (loop gain {gain:.3g}); "
                        "check that the loop is real (e.g. scrap bought back) and not a wrong reference")
    return warnings


def characterizable(chain: Chain, method: tuple, allow_incomplete: bool) -> tuple[bool, list[dict], list[dict]]:
    """(declared figures usable, lines not characterized, declared-PCF lines among them); refuses if needed."""
    pcf_ok = pcf_characterizable(method)
    not_char, pcf_lines = [], []
    if not pcf_ok:
        for line in chain.lines(exclude=("distribution",)):
            if line.kind == "supplier_pcf" or line.mb_ef is not None:
                entry = {"product": line.activity, "where": line.where, "label": line.label,
                         "why": "declared kg CO2e (AR6 GWP100) cannot be re-characterized for " + " | ".join(method)}
                not_char.append(entry)
                if line.kind == "supplier_pcf":
                    pcf_lines.append(entry)
    if pcf_lines and not allow_incomplete:
        raise InputError(f"{chain.root}'s supply chain uses declared PCFs ({len(pcf_lines)} line(s), e.g. "
                         f"{pcf_lines[0]['product']} {pcf_lines[0]['where']}), which are AR6 GWP100 figures "
                         f"and cannot be characterized with {' | '.join(method)}; use GWP100 or EF3.1-climate, "
                         "or allow_incomplete to leave them out (flagged).")
    return pcf_ok, not_char, pcf_lines


def unresolved_of(built: link.Built, chain: Chain, allow_incomplete: bool) -> list[dict]:
    unresolved = [dict(u, product=a) for a in chain.reach for u in built.unresolved.get(a, [])]
    if unresolved and not allow_incomplete:
        listing = "; ".join(f"{u['product']} {u['where']}: {u['reference']} ({u['reason']})" for u in unresolved)
        raise InputError(f"{chain.root} has unresolved supplier references, so it has no total yet: {listing}. "
                         "Import the missing suppliers' workbooks, or use --allow-incomplete "
                         "(allow_incomplete=True) for a flagged partial profile.")
    return unresolved


# -- 1. solve and tiers ------------------------------------------------------------------
def solve(project, built: link.Built, chain: Chain, method: tuple) -> Solved:
    calc = project.calc
    system = calc.system()
    nodes = calc.nodes()
    sup_nodes = nodes[nodes["database"] == link.SUPPLIER_DB]
    id_of = dict(zip(sup_nodes["code"], sup_nodes["id"]))
    col_of = {code: system.col_of[int(id_of[code])] for code in built.activities if code in id_of}
    missing = [a for a in chain.reach if a not in col_of]
    if missing:
        raise LcaError(f"the suppliers database lacks {missing[:5]}; run `lca init` to rebuild it")
    demand = np.zeros(system.n)
    demand[system.product_row[col_of[chain.root]]] = chain.norm
    x = calc.solve(demand)
    if engine.check_supply(system, x):
        raise LcaError(f"negative supply in the product system of {chain.root}; please report this")
    return Solved(x=x, col_of=col_of, scores=calc.scores(method))


def tiers(project, chain: Chain, solved: Solved, activities: dict | None = None) -> list[Piece]:
    """The root's own lines at tier 0, then one piece per supplier_product line of the root.

    Tier by company (``docs/supply-chain.md``): a step to a product of the same company (an
    intermediate it makes for itself) stays in the tier; a step to another company's product is
    one tier deeper. So splitting a company's products never moves another company's tier.
    ``activities``: the linked products' metadata (their ``company_id``); without it every
    step counts (tier by product).
    """
    system = project.calc.system()
    n = len(chain.reach)
    company = [(activities or {}).get(a, {}).get("company_id", a) if activities else a for a in chain.reach]
    same = np.array([[company[i] == company[j] for j in range(n)] for i in range(n)], dtype=bool)
    m_same = np.where(same, chain.supplier_matrix, 0.0)
    m_cross = chain.supplier_matrix - m_same
    closing = np.any(m_same)

    def closure(z: np.ndarray) -> np.ndarray:  # a company's own intermediate products: the same tier
        return np.linalg.solve(np.eye(n) - m_same, z) if closing else z

    def remainder(z: np.ndarray) -> np.ndarray:  # (I - M)^-1 z by the project's solver
        demand = np.zeros(system.n)
        for a, i in chain.index.items():
            demand[system.product_row[solved.col_of[a]]] = z[i]
        supply = project.calc.solve(demand)
        return np.array([supply[solved.col_of[a]] for a in chain.reach])

    own = np.zeros(n)
    own[0] = chain.norm
    pieces = [Piece(None, None, [(0, own)], True)]
    for line in chain.by_activity.get(chain.root, []):
        if line.kind != "supplier_product":
            continue
        z = np.zeros(n)
        j = chain.index[line.input[1]]
        z[j] = chain.norm * line.amount
        steps, tier = [], 0 if company[j] == company[0] else 1
        while tier < MAX_TIER and np.any(z):
            zc = closure(z)
            steps.append((tier, zc))
            z = m_cross @ zc
            tier += 1
        if np.any(z):
            steps.append((MAX_TIER, remainder(z)))
        pieces.append(Piece("purchased components", line.label, steps, False))
    return pieces


# -- 3. accumulation ---------------------------------------------------------------------
class _Labels:
    """Label -> code per dimension, in the order first seen."""

    def __init__(self, gases: list[str]):
        self.table = {d: {} for d in DIMENSIONS}
        for t in range(MAX_TIER + 1):
            self.code("tier", tier_label(t))
        for g in gases:
            self.code("gas", g)

    def code(self, dim: str, value) -> int:
        return self.table[dim].setdefault(value, len(self.table[dim]))

    def lists(self) -> dict[str, list]:
        return {d: list(self.table[d]) for d in DIMENSIONS}


def accumulate(chain: Chain, pieces: list[Piece], values: LineValues, activities: dict) -> Accumulation:
    """Every (tier step, line) contribution by gas, with each line's total activity amount."""
    lines = values.lines
    labels = _Labels(values.gases)
    line_activity = np.array([chain.index[line.activity] for line in lines], dtype=np.int64)
    supplier = [labels.code("supplier", line.supplier or activities[line.activity]["company_name"]) for line in lines]
    region = [labels.code("region", line.region or "unspecified") for line in lines]
    acc = Accumulation(lines=lines, values=values, labels={}, coords=[], data=[], weight=np.zeros(len(lines)),
                       first_tier=[None] * len(lines), stage=[None] * len(lines))
    for piece in pieces:
        for tier, z in piece.steps:
            amounts = z[line_activity]
            if piece.own:  # the root's own lines only (its supplier_product lines are the other pieces)
                amounts = np.where(line_activity == 0, amounts, 0.0)
            for k in np.nonzero(amounts)[0]:
                line, amount = lines[k], float(amounts[k])
                acc.weight[k] += amount
                acc.market_delta += amount * values.market_delta[k]
                shown_tier = tier_label(min(tier + _DEEPER.get(line.kind, 0), MAX_TIER) if tier < MAX_TIER
                                        else MAX_TIER)
                stage = piece.stage or _OWN_STAGE[line.kind]
                if acc.first_tier[k] is None:
                    acc.first_tier[k], acc.stage[k] = shown_tier, stage
                by_gas = amount * values.by_gas[k]
                base = (labels.code("tier", shown_tier), supplier[k],
                        labels.code("material", piece.material or line.label), labels.code("stage", stage))
                for g in np.nonzero(by_gas)[0]:
                    acc.coords.append(base + (int(g), region[k]))
                    acc.data.append(float(by_gas[g]))
    acc.labels = labels.lists()
    return acc


def to_array(acc: Accumulation):
    """The contributions as a ``sparse.COO`` over :data:`DIMENSIONS`, duplicates summed, in canonical order.

    Canonicalised here with numpy (``ravel_multi_index`` refuses a coordinate outside the shape;
    ``unique`` + ``bincount`` sum the duplicates in sorted order), so sparse is told the coordinates
    are sorted and unique: its own check is a numba function compiled at first use in every process
    (2-5 s of a fresh ``lca profile``, profiled).
    """
    import sparse

    shape = tuple(max(1, len(acc.labels[d])) for d in DIMENSIONS)
    if not acc.data:
        return sparse.COO(np.zeros((len(DIMENSIONS), 0), dtype=np.int64), np.zeros(0), shape=shape,
                          has_duplicates=False, sorted=True)
    linear = np.ravel_multi_index(np.array(acc.coords, dtype=np.int64).T, shape)
    keys, where = np.unique(linear, return_inverse=True)
    data = np.bincount(where.ravel(), weights=np.asarray(acc.data, dtype=np.float64), minlength=len(keys))
    coords = np.array(np.unravel_index(keys, shape), dtype=np.int64)
    return sparse.COO(coords, data, shape=shape, has_duplicates=False, sorted=True)


def line_items(acc: Accumulation, activities: dict) -> list[dict]:
    """One row per workbook line of the chain: amount x factor = contribution (sums to the total)."""
    out = []
    for k, line in enumerate(acc.lines):
        if not acc.weight[k]:
            continue
        per_unit = float(acc.values.per_unit[k])
        meta = activities[line.activity]
        out.append({
            "product": line.activity, "company": meta["company_name"], "file": meta.get("source_file"),
            "sheet": (meta.get("sheet_titles") or {}).get(line.sheet, line.sheet), "row": line.row,
            "kind": line.kind, "tier": acc.first_tier[k],
            "stage": acc.stage[k], "material": line.label, "typed": line.typed,
            "typed_amount": line.quantity, "typed_unit": line.typed_unit,
            "dataset": line.dataset, "dataset_name": line.dataset_name, "dataset_source": line.dataset_source,
            "dataset_year": line.dataset_year, "amount": float(acc.weight[k] * line.amount),
            "unit": line.dataset_unit, "factor": per_unit / line.amount if line.amount else 0.0,
            "contribution": float(acc.weight[k] * per_unit), "primary_share": line.primary,
        })
    return out


# -- the profile ---------------------------------------------------------------------------
def profile(project, product, method="GWP100", allow_incomplete: bool = False, period=None) -> CarbonProfile:
    """The supply-chain carbon profile of ``product`` (``COMPANY_ID/PRODUCT_ID``); see module docstring.

    ``period``: the reporting year (default the company's latest; :mod:`lca.supply.periods`).
    """
    m = project.method(method)
    built = store.linked(project)
    if period is not None:
        product = periods.root_for(product, period, *store.load_periods(project))
    chain = chain_of(built, root_code(built, product))
    refuse_broken(built, chain)
    refuse_empty(chain, built)
    unresolved = unresolved_of(built, chain, allow_incomplete)
    pcf_ok, not_char, pcf_lines = characterizable(chain, m, allow_incomplete)
    loop_warnings = check_loops(chain)
    solved = solve(project, built, chain, m)
    values = line_values(project, m, chain.lines(exclude=_NOT_CRADLE_TO_GATE), pcf_ok)
    acc = accumulate(chain, tiers(project, chain, solved, built.activities), values, built.activities)
    arr = to_array(acc)
    total = float(arr.data.sum()) if acc.data else 0.0
    for v in (total, acc.market_delta):
        finite(v, f"the profile of {chain.root}")
    if pcf_ok or not pcf_lines:
        _cross_check(chain, solved, total, acc)
    # the trail to the last dataset (lca.supply.trail): background datasets and own lines, summing to the total
    trail_ds, trail_own = trail.of(project, m, solved.x, line_items(acc, built.activities), built.activities,
                                   total, chain.root, check=pcf_ok or not pcf_lines)
    found = ind.indicators(project, acc, built.activities, solved.x, solved.col_of)
    root_meta = built.activities[chain.root]
    suppliers, warnings = _suppliers(built, chain, solved, total, pcf_ok or not pcf_lines)
    distribution = distribution_values(project, m, [line for line in chain.by_activity.get(chain.root, [])
                                                    if line.kind == "distribution"], chain.norm)
    split = {part: float(project.calc.characterization(sm) @ (project.calc.system().B @ solved.x))
             for part, sm in project.calc.split_methods(m).items()}
    labels = acc.labels
    gas = arr.coords[DIMENSIONS.index("gas")]
    uptake = sum(float(arr.data[gas == g].sum()) for g, name in enumerate(labels["gas"]) if name == "CO2 uptake")
    return CarbonProfile(
        processes=_top_processes(project, chain.root, chain.norm, m) if not unresolved else [],
        product=chain.root, name=root_meta["name"], company=root_meta["company_name"], method=m,
        score_unit=project.calc.score_unit(m), declared_unit=root_meta["declared_unit"],
        declared_amount=float(root_meta["declared_amount"]),
        mass_kg=(root_meta["mass_kg_per_unit"] * chain.norm if root_meta.get("mass_kg_per_unit") is not None else None),
        labels=labels, array=arr, total_market_based=total + acc.market_delta,
        primary_data_share=found.primary_data_share, dqi=found.dqi,
        green_electricity_share=found.green_electricity_share, recycled_share=found.recycled_share,
        green_factory_share=found.green_factory_share,
        unresolved=unresolved, complete=not unresolved and not pcf_lines, not_characterized=not_char,
        declared_pcf=root_meta.get("declared_pcf_kgco2e"), declared_pcfs=_declared_pcfs(built, chain),
        suppliers=suppliers,
        warnings=(warnings + loop_warnings + found.warnings + _outbound_warnings(chain)
                  + plausibility_warnings(project, built, chain, solved, m)
                  + periods.period_warnings(built.activities, chain.reach, chain.root)),
        reference_period=(root_meta.get("reporting_period_start"), root_meta.get("reporting_period_end")),
        region=root_meta.get("location"),
        fossil=total - split.get("biogenic", 0.0) - split.get("land_use", 0.0), biogenic=split.get("biogenic", 0.0),
        biogenic_uptake=uptake,
        distribution=sum(d["score"] for d in distribution), distribution_lines=distribution,
        line_items=line_items(acc, built.activities), methodology=ind.methodology(m, project.calc.score_unit(m)),
        electricity_kwh=found.electricity_kwh, green_electricity_kwh=found.green_electricity_kwh,
        recycled_unmodelled=found.recycled_unmodelled, background=project.calc.background or None,
        background_datasets=trail_ds, direct_lines=trail_own,
    )


def plausibility_warnings(project, built: link.Built, chain: Chain, solved: Solved, m) -> list[str]:
    """The chain's implausible lines (kept with each submission at import) and implausible footprints per kg
    (GWP100 only: the ranges are in kg CO2e), as the profile's warnings (``implausible_intensity``)."""
    from . import plausibility

    out, seen = [], set()
    for code in chain.reach:
        meta = built.activities.get(code) or {}
        for f in meta.get("flags") or []:
            key = (f.get("file"), f.get("sheet"), f.get("row"), f.get("column"), f.get("code"))
            if key in seen:
                continue
            seen.add(key)
            out.append(f"{f.get('code')}: {meta.get('company_id')} {f.get('file') or ''} {f.get('sheet')} "
                       f"row {f.get('row')}: {f.get('message')}")
    if m != project.method("GWP100"):
        return out
    items = []
    for code in chain.reach:
        meta = built.activities.get(code) or {}
        col = solved.col_of.get(code)
        if col is None or not meta.get("mass_kg_per_unit") or meta.get("unresolved"):
            continue
        items.append({"ref": code, "name": meta.get("name"), "code": None,
                      "kg_co2e_per_kg": float(solved.scores[col]) / meta["mass_kg_per_unit"]})
    out += [f"{plausibility.CODE}: {f['message']}" for f in plausibility.check_footprints(items)]
    return out


def _cross_check(chain: Chain, solved: Solved, total: float, acc: Accumulation) -> None:
    """The profile's sum against the project's own solve (same matrices); a mismatch is a bug."""
    expected = float(solved.scores[solved.col_of[chain.root]]) * chain.norm
    scale = float(np.abs(acc.data).sum()) if acc.data else 0.0  # cancelling gases: tolerance on what was summed
    if not math.isclose(total, expected, rel_tol=CHECK_REL, abs_tol=CHECK_REL * scale + 1e-12):
        raise LcaError(f"internal check failed: the profile of {chain.root} sums to {total!r} but the "
                       f"project's solve gives {expected!r}; please report this")


def _suppliers(built, chain: Chain, solved: Solved, total: float, computable: bool) -> tuple[list[dict], list[str]]:
    """Each product of the chain with its computed and declared footprints; warnings where they differ."""
    warnings, out = [], []
    declared = built.activities[chain.root].get("declared_pcf_kgco2e")
    if declared_differs(declared, total):
        warnings.append(declared_message(declared, total))
    for a in chain.reach:
        meta = built.activities[a]
        computed = (float(solved.scores[solved.col_of[a]]) * float(meta["declared_amount"])
                    * float(meta["bw_per_declared_unit"]))
        d = meta.get("declared_pcf_kgco2e")
        out.append({"product": a, "name": meta["name"], "company": meta["company_name"],
                    "declared_unit": meta["declared_unit"], "declared_amount": meta["declared_amount"],
                    "computed": computed if computable else None, "declared": d,
                    "green_factory": meta.get("green_factory"), "supply": float(solved.x[solved.col_of[a]]),
                    "unresolved": len(built.unresolved.get(a, []))})
        if a != chain.root and declared_differs(d, computed):
            warnings.append(f"{a}: {declared_message(d, computed)}")
    return out, warnings


def _declared_pcfs(built, chain: Chain) -> list[dict]:
    out = []
    for line in chain.lines(kinds=("supplier_pcf",)):
        p = built.activities.get(line.input[1], {})
        out.append({"product": line.activity, "where": line.where, "material": line.label,
                    "supplier": line.supplier, "pcf_id": p.get("pcf_id"),
                    "pcf_kgco2e_per_unit": p.get("pcf_kgco2e_per_unit"), "unit": p.get("unit"),
                    "primary_data_share": p.get("primary_data_share"), "standard": p.get("standard"),
                    "verified": p.get("verified"), "amount_per_unit": line.amount})
    return out


def _outbound_warnings(chain: Chain) -> list[str]:
    """A supplier's outbound leg is left to its buyer's inbound transport: warn where the buyer reports none."""
    out = []
    for a in chain.reach[1:]:
        legs = [line for line in chain.by_activity.get(a, []) if line.kind == "distribution"]
        if not legs:
            continue
        for buyer in chain.reach:
            buys = any(line.kind == "supplier_product" and line.input[1] == a
                       for line in chain.by_activity.get(buyer, []))
            inbound = any(line.kind == "transport" for line in chain.by_activity.get(buyer, []))
            if buys and not inbound:
                out.append(f"{a} reports outbound transport ({', '.join(line.where for line in legs)}), which is "
                           f"not added to the chain (it is the buyer's inbound leg), but its buyer {buyer} reports "
                           "no inbound transport: that delivery may be missing; add it to the buyer's Transport "
                           "sheet (direction inbound)")
    return out


def _top_processes(project, root: str, amount: float, method: tuple, top: int = 50) -> list[dict]:
    """The processes with the largest direct emissions in the product's chain (as ``lca footprint``)."""
    try:
        fp = project.footprint(f"{store.SUPPLIER_DB}:{root}", amount=amount, method=method)
    except LcaError:  # e.g. declared PCFs under a method they cannot be characterized in
        return []
    return [{"ref": r.ref, "name": r.name, "location": r.location, "score": finite(r.score, r.ref)}
            for r in fp.by_process.head(top).itertuples()]


def tier_label(t: int) -> str:
    return f"{MAX_TIER}+" if t >= MAX_TIER else str(t)


_tier_label = tier_label  # the name earlier callers used
