"""Test helper: a model's foreground solved by plain numpy, independent of the engine."""
import numpy as np


def supply(model) -> dict[str, float]:
    """Foreground activity code -> amount per reference unit (numpy solve of the model's own datasets)."""
    data = model.datasets()
    codes = [d["code"] for d in data]
    idx = {c: i for i, c in enumerate(codes)}
    A = np.eye(len(codes))
    for d in data:
        for e in d["exchanges"]:
            if e["type"] == "technosphere" and e["input"][0] == "models":
                A[idx[e["input"][1]], idx[d["code"]]] -= e["amount"]
    f = np.zeros(len(codes))
    f[idx[model.reference_code]] = 1.0
    return dict(zip(codes, np.linalg.solve(A, f)))
