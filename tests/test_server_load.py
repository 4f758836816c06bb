"""The server load benchmark runs clean: concurrent keep-alive clients, no errors (timings not asserted)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "server_bench.py"


@pytest.mark.slow
def test_server_bench_quick_has_no_errors():
    out = subprocess.run([sys.executable, str(BENCH), "--quick", "--seconds", "1", "--json"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    res = json.loads(out.stdout)
    for name in ("ListFootprints", "GetFootprint"):
        for who in ("lca", "baseline"):
            assert res[name][who]["errors"] == 0 and res[name][who]["requests"] > 0
        assert res[name]["ratio_rps"] > 0
    pul = res["publish_under_load"]  # each publication against its matched control window, served after
    assert pul["errors"] == 0 and len(pul["publications"]) == 2
    assert all(r["requests"] > 0 and r["control_requests"] > 0 and r["control_s"] > 0 for r in pul["publications"])
    assert isinstance(pul["met"], bool) and pul["target_ms"] == 50.0
