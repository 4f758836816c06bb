"""Synthetic ecoSpold2 releases in the real format, for tests and benchmarks (no licence needed).

A release folder as ecoinvent ships it: ``datasets/<activityId>_<productId>.spold`` (the
real file names, activity names, reference products and geographies of a release, from
the official dataset lists in ``ecoinvent_interface``'s ``data/mappings.zip``) and
``MasterData/`` (``ElementaryExchanges.xml`` = the ecoinvent 3.9 elementary flows bw2io
ships plus a few NEW flows with their own UUIDs, as a newer release adds them;
``IntermediateExchanges.xml`` = the products). Amounts are synthetic (seeded): each
dataset takes technosphere inputs from datasets later in the list (a tiered supply
chain) plus a few loops, and emits elementary flows. :class:`Release` keeps the numbers
so a test can solve the same system independently.
"""
from __future__ import annotations

import io
import json
import uuid
import zipfile
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

NS = "http://www.EcoInvent.org/EcoSpold02"
UNIT_NAMES = {"kilogram": "kg", "kilowatt hour": "kWh", "megajoule": "MJ", "ton kilometer": "metric ton*km",
              "cubic meter": "m3", "square meter": "m2", "unit": "unit", "kilometer": "km"}
# new flows of the synthetic release (not in bw2io's 3.9 list): (uuid, name, compartment, subcompartment)
NEW_FLOWS = [
    ("0f1e2d3c-4b5a-4697-8877-665544332211", "Synthetic flow, new in this release", "air", "unspecified"),
    ("1a2b3c4d-5e6f-4a0b-9c8d-7e6f5a4b3c2d", "Synthetic resource, new in this release", "natural resource",
     "in ground"),
]
# a release flow with a NEW UUID but the name, compartment and unit of a 3.9 flow (characterized as that flow)
TWIN_FLOW = ("7c3e5b1a-2d4f-4e6a-9b8c-0d1e2f3a4b5c", "Carbon dioxide, fossil", "air", "urban air close to ground")
# a greenhouse gas no 3.9 flow matches (no factor anywhere): an import must refuse it
UNKNOWN_GHG = ("8d4f6c2b-3e5a-4f7b-8c9d-1e2f3a4b5c6d", "Ethene, tetrafluoro-, HFO-1114", "air", "unspecified")
# climate-relevant flows (3.9 UUIDs) every dataset may emit, beside random others
GHG_FLOWS = [
    "349b29d1-3e58-4c66-98b9-9d1a076efd2e",  # Carbon dioxide, fossil, air, unspecified
    "f9749677-9c9f-4678-ab55-c607dfdc2cb9",  # Carbon dioxide, fossil, air, urban air close to ground
    "0795345f-c7ae-410c-ad25-1845784c75f5",  # Methane, fossil, air, unspecified
    "20185046-64bb-4c09-a8e7-e8a9e144ca98",  # Dinitrogen monoxide, air, unspecified
]


def official_list(version: str, system_model: str = "cutoff") -> list[dict]:
    """The official dataset list of a release: dicts with filename, activity_name, reference_product, geography."""
    spec = find_spec("ecoinvent_interface")
    if spec is None:
        raise RuntimeError("ecoinvent_interface is not installed (pip install green-lca[test])")
    path = Path(spec.origin).parent / "data" / "mappings.zip"
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read(f"{version}_{system_model}.json"))


def bw2io_flows_xml() -> Path:
    import bw2io

    return Path(bw2io.__file__).parent / "data" / "lci" / "ecoinvent elementary flows 3.9.xml"


def _flows_of(xml_text: str) -> list[tuple[str, str, str, str, str]]:
    """(uuid, name, unit name, compartment, subcompartment) of an ElementaryExchanges.xml."""
    from lxml import etree

    root = etree.fromstring(xml_text.encode("utf-8"))
    out = []
    for el in root:
        c = el.find(f"{{{NS}}}compartment")
        out.append((el.get("id"), el.findtext(f"{{{NS}}}name"), el.findtext(f"{{{NS}}}unitName"),
                    c.findtext(f"{{{NS}}}compartment"), c.findtext(f"{{{NS}}}subcompartment")))
    return out


@dataclass
class Release:
    """What was written: datasets in order, their exchanges, and the elementary flows."""

    root: Path
    datasets: list[dict]  # filename, activity, product, geography, unit, activity_id, product_id
    tech: list[list[tuple[int, float]]]  # per dataset: (supplier index, amount) inputs
    bio: list[list[tuple[str, float]]]  # per dataset: (flow uuid, amount) emissions
    flows: dict[str, tuple] = field(default_factory=dict)  # uuid -> (name, unit, compartment, subcompartment)

    def index(self, activity: str, product: str, geography: str) -> int:
        for i, d in enumerate(self.datasets):
            if (d["activity"], d["product"], d["geography"]) == (activity, product, geography):
                return i
        raise KeyError((activity, product, geography))

    def matrices(self):
        """(A, B, flow uuids): technosphere (n x n, production 1 on the diagonal) and biosphere (flows x n)."""
        import scipy.sparse as sp

        n = len(self.datasets)
        rows, cols, vals = list(range(n)), list(range(n)), [1.0] * n
        for j, inputs in enumerate(self.tech):
            for i, a in inputs:
                rows.append(i)
                cols.append(j)
                vals.append(-a)
        uuids = sorted({f for b in self.bio for f, _ in b})
        fi = {f: k for k, f in enumerate(uuids)}
        br, bc, bv = [], [], []
        for j, em in enumerate(self.bio):
            for f, a in em:
                br.append(fi[f])
                bc.append(j)
                bv.append(a)
        A = sp.csc_matrix((vals, (rows, cols)), shape=(n, n))
        B = sp.csc_matrix((bv, (br, bc)), shape=(len(uuids), n))
        return A, B, uuids


def _f(x: float) -> str:
    return repr(float(np.float32(x)))  # amounts as float32 values: Brightway stores float32


def write_release(root, entries: list[dict], n_tech: int = 12, n_bio: int = 19, seed: int = 0,
                  loops: int = 3, progress=None, write_datasets: bool = True, extra_flows=()) -> Release:
    """Write a synthetic release of ``entries`` (dicts with filename, activity_name, reference_product,
    geography and optionally unit) into ``root``; return the :class:`Release`.

    ``write_datasets=False``: only the numbers (and MasterData) of a release already written
    with the same arguments (benchmarks reuse a 23,500-file release). ``extra_flows``: more flows
    (uuid, name, compartment, subcompartment; kg) in MasterData, emitted like the GHGs (e.g.
    :data:`TWIN_FLOW`: a 3.9 flow under a new UUID; :data:`UNKNOWN_GHG`)."""
    root = Path(root)
    (root / "datasets").mkdir(parents=True, exist_ok=True)
    (root / "MasterData").mkdir(exist_ok=True)
    rng = np.random.default_rng(seed)
    base = bw2io_flows_xml().read_text(encoding="utf-8-sig")
    extra = "".join(
        f'  <elementaryExchange id="{u}" unitId="487df68b-4994-4027-8fdc-a4dc298257b7">\n'
        f'    <name xml:lang="en">{escape(n)}</name>\n    <unitName xml:lang="en">kg</unitName>\n'
        f'    <compartment subcompartmentId="{uuid.uuid5(uuid.NAMESPACE_URL, c + s)}">\n'
        f'      <compartment xml:lang="en">{c}</compartment>\n'
        f'      <subcompartment xml:lang="en">{s}</subcompartment>\n    </compartment>\n'
        f'  </elementaryExchange>\n'
        for u, n, c, s in list(NEW_FLOWS) + list(extra_flows))
    xml = base.replace("</validElementaryExchanges>", extra + "</validElementaryExchanges>")
    (root / "MasterData" / "ElementaryExchanges.xml").write_text(xml, encoding="utf-8")
    flows = {u: (n, un, c, s) for u, n, un, c, s in _flows_of(xml)}
    kg_flows = [u for u, (n, un, c, s) in flows.items() if un == "kg" and c != "natural resource"]
    pick = GHG_FLOWS + [u for u, *_ in NEW_FLOWS] + [u for u, *_ in extra_flows]

    ds = []
    for e in entries:
        a_id, p_id = e["filename"].replace(".spold", "").split("_")
        ds.append({"filename": e["filename"], "activity": e["activity_name"], "product": e["reference_product"],
                   "geography": e["geography"], "unit": e.get("unit", "kilogram"),
                   "activity_id": a_id, "product_id": p_id})
    n = len(ds)
    tech, bio = [], []
    for j in range(n):
        later = n - j - 1
        k = min(n_tech, later)
        sup = sorted(set(j + 1 + rng.choice(later, size=k, replace=False))) if k else []
        inputs = [(int(i), float(np.float32(rng.uniform(0.001, 0.6 / max(k, 1))))) for i in sup]
        tech.append(inputs)
        nb = min(n_bio, len(kg_flows))
        em = list(dict.fromkeys(list(rng.choice(pick, size=3)) + list(rng.choice(kg_flows, size=nb - 3))))
        bio.append([(str(u), float(np.float32(rng.lognormal(-3, 1.5)))) for u in em])
    for _ in range(loops if n > 3 else 0):  # a few loops: a late dataset buys a little from an earlier one
        j = int(rng.integers(n // 2, n))
        i = int(rng.integers(0, n // 2))
        if all(s != i for s, _ in tech[j]):
            tech[j].append((i, float(np.float32(rng.uniform(0.001, 0.01)))))

    products = {}
    for j, d in enumerate(ds):
        products[d["product_id"]] = (d["product"], d["unit"])
        if write_datasets:
            _write_dataset(root / "datasets" / d["filename"], d, [(ds[i], a) for i, a in tech[j]],
                           [(u, flows[u], a) for u, a in bio[j]])
        if progress and j % 1000 == 0:
            progress(j, n)
    inter = "".join(
        f'  <intermediateExchange id="{pid}" unitId="{uuid.uuid5(uuid.NAMESPACE_URL, unit)}">\n'
        f'    <name xml:lang="en">{escape(name)}</name>\n'
        f'    <unitName xml:lang="en">{UNIT_NAMES[unit]}</unitName>\n  </intermediateExchange>\n'
        for pid, (name, unit) in products.items())
    (root / "MasterData" / "IntermediateExchanges.xml").write_text(
        f'<?xml version="1.0" encoding="utf-8"?>\n<validIntermediateExchanges xmlns="{NS}">\n{inter}'
        "</validIntermediateExchanges>\n", encoding="utf-8")
    return Release(root=root, datasets=ds, tech=tech, bio=bio, flows=flows)


def _write_dataset(path: Path, d: dict, inputs, emissions) -> None:
    buf = io.StringIO()
    w = buf.write
    market = d["activity"].startswith("market")
    w(f'<?xml version="1.0" encoding="utf-8"?>\n<ecoSpold xmlns="{NS}">\n  <activityDataset>\n'
      f'    <activityDescription>\n'
      f'      <activity id="{d["activity_id"]}" activityNameId="{uuid.uuid5(uuid.NAMESPACE_URL, d["activity"])}" '
      f'type="{2 if market else 1}" specialActivityType="{1 if market else 0}">\n'
      f'        <activityName xml:lang="en">{escape(d["activity"])}</activityName>\n'
      f'        <generalComment><text xml:lang="en" index="1">Synthetic dataset for tests: real name, '
      f'synthetic amounts.</text></generalComment>\n      </activity>\n'
      f'      <geography geographyId="{uuid.uuid5(uuid.NAMESPACE_URL, d["geography"])}">\n'
      f'        <shortname xml:lang="en">{escape(d["geography"])}</shortname>\n      </geography>\n'
      f'      <technology technologyLevel="3"/>\n'
      f'      <timePeriod startDate="2020-01-01" endDate="2023-12-31" isDataValidForEntirePeriod="true"/>\n'
      f'      <macroEconomicScenario macroEconomicScenarioId="d9f57f0a-a01f-42eb-a57b-8f18d6635801">\n'
      f'        <name xml:lang="en">Business-as-Usual</name>\n      </macroEconomicScenario>\n'
      f'    </activityDescription>\n    <flowData>\n')
    unit = UNIT_NAMES[d["unit"]]
    w(f'      <intermediateExchange id="{uuid.uuid5(uuid.NAMESPACE_URL, d["filename"])}" '
      f'unitId="{uuid.uuid5(uuid.NAMESPACE_URL, d["unit"])}" intermediateExchangeId="{d["product_id"]}" '
      f'amount="1" productionVolumeAmount="1000">\n        <name xml:lang="en">{escape(d["product"])}</name>\n'
      f'        <unitName xml:lang="en">{unit}</unitName>\n        <outputGroup>0</outputGroup>\n'
      f'      </intermediateExchange>\n')
    for k, (s, a) in enumerate(inputs):
        w(f'      <intermediateExchange id="{uuid.uuid5(uuid.NAMESPACE_URL, d["filename"] + str(k))}" '
          f'unitId="{uuid.uuid5(uuid.NAMESPACE_URL, s["unit"])}" intermediateExchangeId="{s["product_id"]}" '
          f'activityLinkId="{s["activity_id"]}" amount="{_f(a)}">\n'
          f'        <name xml:lang="en">{escape(s["product"])}</name>\n'
          f'        <unitName xml:lang="en">{UNIT_NAMES[s["unit"]]}</unitName>\n'
          f'        <inputGroup>5</inputGroup>\n      </intermediateExchange>\n')
    for k, (u, (name, un, comp, sub), a) in enumerate(emissions):
        group = "inputGroup" if comp == "natural resource" else "outputGroup"
        w(f'      <elementaryExchange id="{uuid.uuid5(uuid.NAMESPACE_URL, d["filename"] + "b" + str(k))}" '
          f'unitId="487df68b-4994-4027-8fdc-a4dc298257b7" elementaryExchangeId="{u}" amount="{_f(a)}">\n'
          f'        <name xml:lang="en">{escape(name)}</name>\n        <unitName xml:lang="en">{un}</unitName>\n'
          f'        <compartment subcompartmentId="{uuid.uuid5(uuid.NAMESPACE_URL, comp + sub)}">\n'
          f'          <compartment xml:lang="en">{escape(comp)}</compartment>\n'
          f'          <subcompartment xml:lang="en">{escape(sub)}</subcompartment>\n        </compartment>\n'
          f'        <{group}>4</{group}>\n      </elementaryExchange>\n')
    w('    </flowData>\n    <modellingAndValidation>\n      <representativeness systemModelId='
      '"06590a66-662a-4885-8494-ad0cf410f956">\n        <systemModelName xml:lang="en">Allocation, cut-off by classification</systemModelName>\n'
      '      </representativeness>\n    </modellingAndValidation>\n'
      '    <administrativeInformation>\n'
      '      <dataEntryBy personId="788d0176-a69c-4de0-a5d3-259866b6b100" personName="green-lca tests" '
      'personEmail="tests@example.org"/>\n'
      '      <dataGeneratorAndPublication personId="788d0176-a69c-4de0-a5d3-259866b6b100" '
      'personName="green-lca tests" personEmail="tests@example.org" dataPublishedIn="0" '
      'isCopyrightProtected="false" accessRestrictedTo="0"/>\n'
      '      <fileAttributes majorRelease="3" minorRelease="10" majorRevision="0" minorRevision="0" '
      'defaultLanguage="en" creationTimestamp="2024-01-01T00:00:00" lastEditTimestamp="2024-01-01T00:00:00" '
      'internalSchemaVersion="2.0.10" fileGenerator="green-lca tests" fileTimestamp="2024-01-01T00:00:00"/>\n'
      '    </administrativeInformation>\n  </activityDataset>\n</ecoSpold>\n')
    path.write_text(buf.getvalue(), encoding="utf-8")
