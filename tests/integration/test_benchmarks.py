"""Smoke test of benchmarks/run_time.py: it runs and reports every figure (no timing limits)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SIZES = ("100", "1000", "10000")


def _positive(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def test_quick_json_reports_every_figure() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run_time.py"), "--quick", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    result = json.loads(proc.stdout)  # stdout is one JSON object and nothing else
    assert isinstance(result, dict)

    assert _positive(result["first_run_s"])
    assert _positive(result["baseline_run_s_median"])
    assert _positive(result["scaling_10000_over_1000"])
    for key in ("ms_per_step", "bare_mesa_ms_per_step", "ratio_to_bare_mesa", "tables_ms_per_step"):
        assert set(result[key]) >= set(SIZES), key
        for size in SIZES:
            assert _positive(result[key][size]), (key, size, result[key][size])
    for size in SIZES:
        expected = result["ms_per_step"][size] / result["bare_mesa_ms_per_step"][size]
        assert math.isclose(result["ratio_to_bare_mesa"][size], expected, rel_tol=1e-9)
    assert math.isclose(
        result["scaling_10000_over_1000"],
        result["ms_per_step"]["10000"] / result["ms_per_step"]["1000"],
        rel_tol=1e-9,
    )
