"""Smoke test of benchmarks/sweep_throughput.py: it runs, reports every figure and finds
that the sweep and mesa.batch_run ran the same simulations (no timing limits)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

from overplay.model import load_scenario

ROOT = Path(__file__).resolve().parents[2]
FIGURES = (
    "sweep_runs_per_s",
    "sweep_runs_per_s_2_workers",
    "sweep_serial_executor_runs_per_s",
    "batch_run_runs_per_s",
    "batch_run_runs_per_s_2_processes",
    "sweep_vs_batch_run_ratio",
    "sweep_vs_batch_run_ratio_2",
    "speedup_2_workers",
    "peak_rss_mib",
)


def _positive(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def test_quick_json_reports_every_figure_and_the_same_results() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "sweep_throughput.py"),
            "--quick",
            "--json",
            "--repeats",
            "2",
            "--memory",
            "--memory-runs",
            "8",
            "--sobol",
            "2",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    result = json.loads(proc.stdout)  # stdout is one JSON object and nothing else
    assert isinstance(result, dict)

    for key in FIGURES:
        assert _positive(result.get(key)), (key, result.get(key))
    assert isinstance(result["runs"], int) and result["runs"] > 0
    assert isinstance(result["settings"], dict) and result["settings"]["quick"] is True
    # fair: both tools' pools start the same way, and take turns
    assert result["settings"]["start_method"] in ("forkserver", "spawn")
    assert result["settings"]["repeats"] == 2
    assert isinstance(result["versions"], dict) and "mesa" in result["versions"]
    assert result["same_results"] is True, result.get("checks")
    memory = result["memory_sweep"]
    baseline = load_scenario("baseline")
    assert memory["runs"] == memory["ok"] == 8 and _positive(memory["peak_rss_mib"])
    assert memory["per_step_rows"] == 8 * 12 * len(baseline.materials) * len(baseline.importers)
    sobol = result["sobol_study"]
    assert sobol["runs"] == 2 * (8 + 2) and sobol["full_study_runs"] == 1024 * (8 + 2)
    assert math.isclose(
        sobol["projected_full_study_min"],
        sobol["full_study_runs"] / sobol["runs_per_s"] / 60,
        rel_tol=1e-9,
    )
    assert math.isclose(
        result["sweep_vs_batch_run_ratio"],
        result["sweep_runs_per_s"] / result["batch_run_runs_per_s"],
        rel_tol=1e-9,
    )
    assert math.isclose(
        result["speedup_2_workers"],
        result["sweep_runs_per_s_2_workers"] / result["sweep_runs_per_s"],
        rel_tol=1e-9,
    )
