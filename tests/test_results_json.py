"""lca.results: one JSON shape of a target in every result's ``to_dict``."""
import numpy as np
import pandas as pd

from lca.results import ActivityRef, Distribution, Footprint

REF = ActivityRef("background:steel-sheet", "steel sheet", "steel sheet", "CN", "kilogram")
KEYS = ["ref", "name", "product", "location", "unit"]
METHOD = ("IPCC 2021", "climate change", "global warming potential (GWP100)")


def test_footprint_and_distribution_write_the_same_target_shape():
    fp = Footprint(REF, 2.0, METHOD, "kg CO2-Eq", 3.5,
                   pd.DataFrame({"ref": [REF.ref], "name": [REF.name], "location": ["CN"], "score": [3.5]}),
                   pd.DataFrame({"flow": ["Carbon dioxide, fossil"], "categories": ["air"], "score": [3.5]}))
    dist = Distribution(REF, 2.0, METHOD, "kg CO2-Eq", np.array([3.0, 3.5, 4.0]), 3.5, 1)
    for d in (fp.to_dict(), dist.to_dict()):
        assert list(d["target"]) == KEYS
        assert d["target"] == {"ref": "background:steel-sheet", "name": "steel sheet", "product": "steel sheet",
                               "location": "CN", "unit": "kilogram"}
