"""Throughput benchmark of ``overplay sweep`` against ``mesa.batch_run`` over the same runs.

One invocation generates a sweep spec (written to a temporary YAML file and loaded
with ``load_sweep``, as ``overplay sweep SPEC`` does): the baseline scenario with
``years`` and ``firms.count`` fixed, a full factorial over ``china.strategy``
(always_open, periodic_coercion, calibrated_restraint) × ``materials.light.price_elasticity``
(evenly spaced levels in [0.1, 0.4]), and several replicates per point. Default: 3 × 4
points × 10 replicates = 120 runs of 10 years (120 steps) with 60 firms; ``--quick``:
2 × 2 points × 2 replicates = 8 runs of 1 year. Then it measures, with
``time.perf_counter`` and ``gc.collect()`` before each case, ``--repeats`` times (default
3) with the cases alternating — each repeat runs every case once, in forward order on
odd repeats and reverse order on even ones, so a slow spell of a shared machine hits
both tools alike — and reports medians:

(a) runs per second of the sweep runner (``run_sweep`` called in-process, each time
    into a fresh temporary folder; only the ``run_sweep`` call is timed, which
    includes pool start-up, per-run scenario loading, Parquet writes and the final
    consolidation; the forkserver that starts the workers is started once per process,
    by the first pool case, as in a Python session, while ``overplay sweep`` starts one
    per command):
    ``sweep_serial_executor_runs_per_s`` — executor "serial" (runs in this process);
    ``sweep_runs_per_s`` — executor "processes" with 1 worker (a worker pool);
    ``sweep_runs_per_s_2_workers`` — executor "processes" with 2 workers;
(b) runs per second of ``mesa.batch_run(LeverageModel, ...)`` over the same runs,
    with ``number_processes=1`` (``batch_run_runs_per_s``) and 2
    (``batch_run_runs_per_s_2_processes``), ``data_collection_period=-1`` and
    ``display_progress=False``. Both sides do the same work: scenarios parsed the same
    way (``load_scenario(..., parse_once=True)``, as a sweep worker does), models built
    with the same tables (``record_tables=False``: no per-step tables, as a sweep that
    keeps none), and pools started the same way: this benchmark makes the sweep's start
    method (a forkserver with the model preloaded, where available) the default, which
    ``batch_run``'s ``multiprocessing.Pool`` uses, and hides this script's ``__main__``
    while batch_run starts its processes, as the sweep does for its workers, so neither
    re-imports this script. ``max_steps`` is steps − 1 on Mesa < 3.5, whose loop
    is ``while model.running and model.steps <= max_steps`` (one extra step), and
    steps from 3.5 on (LeverageModel also stops itself after its last step);
(c) peak RSS in MiB of the whole process tree (this process plus all its children,
    e.g. pool workers and multiprocessing's resource tracker), sampled with psutil
    every ``--rss-interval`` seconds while each case runs (without psutil: this
    process's and its largest child's ``ru_maxrss``, a rough bound).
    ``peak_rss_mib`` is the highest of the three sweep cases; ``peak_rss_mib_by_case``
    has every case. Summing RSS counts shared library pages once per process;
(d) ratios: ``sweep_vs_batch_run_ratio`` = sweep runs/s ÷ batch_run runs/s, both with
    one worker/process (pools on the sweep side, in-process on batch_run's, as each
    tool does by default); ``sweep_serial_vs_batch_run_ratio`` compares the two
    in-process loops; ``sweep_vs_batch_run_ratio_2`` the two with 2 processes each;
    ``speedup_2_workers`` = 2-worker ÷ 1-worker sweep runs/s;
    ``batch_run_speedup_2_processes`` the same for batch_run.

The runs are identical between the two. The sweep spawns one seed per run from its
root seed, so seeds are not a factorial axis and batch_run's ``rng=[seeds]`` product
cannot reproduce them; instead batch_run sweeps a single parameter, ``scenario``, whose
values are the sweep's own per-run scenarios (``load_scenario(reference, overrides,
parse_once=True)`` with the run's strategy, elasticity, years, firms and seed — exactly
what each sweep run loads). Building those scenarios is timed as part of the batch_run
case (in the parent: batch_run takes parameters, not a loader). The
check (untimed, reported as ``same_results``) asks that:

* the three sweep tables are identical (outcomes and seeds, run by run);
* batch_run with 1 and 2 processes gives identical rows;
* every batch_run run has the sweep run's strategy, elasticity and seed;
* for ``--check-runs`` runs, a ``LeverageModel`` built from the batch_run parameters and
  run to the end reproduces the sweep's final China processing share (light, heavy)
  and China's discounted payoff exactly, and batch_run's reported values at its
  ``Step``.

Note: Mesa 3.3's batch_run reports the model reporters at ``Step = model.steps - 1``,
i.e. the state one step before the end (LeverageModel collects at step 0 and after each
step), so its last row is step T-1 of T, not the final state; ``batch_run_reported_step``
shows it. That is why the final-share check goes through a direct run.

``--memory`` adds the memory-bound case: a 10,000-run sweep (Latin hypercube, 5,000
points × 2 seeds, 1-year runs, 10 firms) keeping per-step data at *every* step
(``per_round: all``), run as ``overplay sweep SPEC --workers 2`` in a fresh process
whose process tree's peak RSS is sampled as in (c):
``memory_sweep`` = {runs, wall_s, peak_rss_mib, per_step_rows, stored_mib}.

``--sobol N`` adds the Sobol-study case: ``experiments/specs/sobol.yaml`` (8 inputs,
ten-year coercion runs, 40 firms) with its Saltelli base sample cut to N (a power of
2; N·10 runs), run by ``run_sweep`` with 2 workers: ``sobol_study`` = {runs,
wall_s, runs_per_s, full_study_runs, projected_full_study_min} — the projection
divides the bundled study's 10,240 runs by the measured rate, so take N >= 64 (640
runs) for the pool's start-up (about a second) not to dominate; the full study took
9 min 18 s on the 2-core machine.

It prints figures and asserts nothing: timings depend on the machine.

Run from the repository root with the project's environment:

    python benchmarks/sweep_throughput.py            # full run, human-readable table
    python benchmarks/sweep_throughput.py --json     # one JSON object on stdout, nothing else
    python benchmarks/sweep_throughput.py --quick    # smoke mode: 8 runs of 1 year
    python benchmarks/sweep_throughput.py --memory   # also the 10,000-run memory case
    python benchmarks/sweep_throughput.py --sobol 32 # also the Sobol study's rate
    python benchmarks/sweep_throughput.py --years 5 --firms 100 --replicates 3 --repeats 3

JSON keys: ``sweep_runs_per_s``, ``sweep_runs_per_s_2_workers``,
``sweep_serial_executor_runs_per_s``, ``batch_run_runs_per_s``,
``batch_run_runs_per_s_2_processes``, ``sweep_vs_batch_run_ratio``,
``sweep_vs_batch_run_ratio_2``, ``sweep_serial_vs_batch_run_ratio``, ``speedup_2_workers``,
``batch_run_speedup_2_processes``, ``peak_rss_mib``, ``peak_rss_mib_by_case``,
``wall_s_by_case`` (median seconds), ``same_results``, ``checks``, ``runs``,
``batch_run_reported_step``, ``settings``, ``versions`` and, with ``--memory``,
``memory_sweep``; with ``--sobol``, ``sobol_study``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import inspect
import json
import math
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mesa
import pandas as pd
import pyarrow.parquet as pq
import yaml
from environment import versions  # benchmarks/, the script's folder

from overplay.experiments.sweep.pool import hidden_main, worker_context
from overplay.experiments.sweep.runner import configurations, run_sweep
from overplay.experiments.sweep.spec import load_sweep
from overplay.model import LeverageModel, load_scenario

try:
    import psutil
except ImportError:  # pragma: no cover - psutil is optional
    psutil = None

STRATEGIES = ("always_open", "periodic_coercion", "calibrated_restraint")
ELASTICITY = (0.1, 0.4)
ROOT_SEED = 2026
OUTCOMES = (
    "china_processing_share_final_light",
    "china_processing_share_final_heavy",
    "peak_price_multiple_light",
    "payoff_china",
    "payoff_importers",
)
#: Model reporters compared between batch_run and a direct run at batch_run's step.
REPORTERS = (
    "china_processing_share_light",
    "china_processing_share_heavy",
    "price_multiple_light",
    "china_payoff",
)
CASES = {
    "sweep_serial": "overplay sweep, executor serial",
    "sweep_processes_1": "overplay sweep, processes, 1 worker",
    "sweep_processes_2": "overplay sweep, processes, 2 workers",
    "batch_run_1": "mesa.batch_run, number_processes=1",
    "batch_run_2": "mesa.batch_run, number_processes=2",
}


# -- the runs -------------------------------------------------------------------------
def memory_spec_data(runs: int) -> dict[str, Any]:
    """The memory case: ``runs`` one-year runs keeping every step's rows."""
    return {
        **spec_data(1, 10, len(STRATEGIES), 2, 2),
        "name": "memory",
        "design": {"method": "latin_hypercube", "samples": runs // 2},
        "per_round": "all",
    }


def spec_data(
    years: int, firms: int, strategies: int, levels: int, replicates: int
) -> dict[str, Any]:
    """The generated sweep spec, as it would be written in YAML."""
    return {
        "name": "throughput",
        "scenario": "baseline",
        "overrides": {"years": years, "firms.count": firms},
        "uncertainties": [
            {
                "name": "elasticity",
                "key": "materials.light.price_elasticity",
                "kind": "real",
                "low": ELASTICITY[0],
                "high": ELASTICITY[1],
            }
        ],
        "levers": [
            {
                "name": "china_strategy",
                "key": "china.strategy",
                "kind": "categorical",
                "values": list(STRATEGIES[:strategies]),
            }
        ],
        "design": {"method": "full_factorial", "levels": levels},
        "replicates": replicates,
        "seed": ROOT_SEED,
        "outcomes": list(OUTCOMES),
        "per_round": "none",
    }


# -- peak RSS of the process tree -------------------------------------------------------
def _tree_rss_bytes(process: Any) -> int:
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        members = [process]
    for member in members:
        with contextlib.suppress(psutil.Error):  # a worker that just exited
            total += member.memory_info().rss
    return total


def _maxrss_bytes() -> int:
    """Fallback without psutil: this process's peak plus the largest child's peak."""
    import resource

    unit = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return unit * (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    )


class PeakRss:
    """Samples the process tree's RSS in a background thread while the block runs."""

    def __init__(self, interval: float, pid: int | None = None) -> None:
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._process = psutil.Process(pid) if psutil is not None else None

    def _sample(self) -> None:
        if self._process is not None:
            self.peak = max(self.peak, _tree_rss_bytes(self._process))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> PeakRss:
        self._sample()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()
        if self._process is None:
            self.peak = _maxrss_bytes()

    @property
    def mib(self) -> float:
        return self.peak / 2**20


# -- the cases ------------------------------------------------------------------------
def timed_sweep(
    spec: Any, spec_file: Path, executor: str, workers: int, interval: float
) -> tuple[float, float, pd.DataFrame]:
    """Seconds and peak RSS (MiB) of one ``run_sweep`` into a fresh folder, and its table."""
    with tempfile.TemporaryDirectory(prefix="overplay-sweep-bench-") as tmp:
        out = Path(tmp) / "sweep"
        gc.collect()
        with PeakRss(interval) as rss:
            start = time.perf_counter()
            table = run_sweep(spec, spec_file, out, executor=executor, workers=workers)
            seconds = time.perf_counter() - start
    return seconds, rss.mib, table


def batch_run_max_steps(steps: int) -> int:
    """``max_steps`` that makes batch_run run exactly ``steps`` steps."""
    major, minor = (int(x) for x in mesa.__version__.split(".")[:2])
    return steps if (major, minor) >= (3, 5) else steps - 1


def timed_batch_run(
    runs: list[Any], steps: int, processes: int, interval: float
) -> tuple[float, float, list[dict[str, Any]]]:
    """Seconds and peak RSS (MiB) of building the runs' scenarios and batch-running them;
    the rows sorted by RunId."""
    gc.collect()
    with PeakRss(interval) as rss:
        start = time.perf_counter()
        parameters = {
            "scenario": [
                load_scenario(r.scenario, list(r.overrides), parse_once=True) for r in runs
            ],
            "record_tables": False,
        }  # as the sweep's runs: no per-step tables
        with hidden_main():  # as the sweep's workers start: without re-importing this script
            rows = mesa.batch_run(
                LeverageModel,
                parameters=parameters,
                number_processes=processes,
                data_collection_period=-1,
                max_steps=batch_run_max_steps(steps),
                display_progress=False,
            )
        seconds = time.perf_counter() - start
    return seconds, rss.mib, sorted(rows, key=lambda r: r["RunId"])


def warm_up(spec: Any, spec_file: Path, runs: list[Any]) -> None:
    """Untimed: import and cache what the in-process cases use, so they don't pay it."""
    first = runs[0]
    LeverageModel(load_scenario(first.scenario, [*first.overrides, ("years", 1)])).run()
    tiny = spec.model_copy(update={"replicates": 1, "overrides": {**spec.overrides, "years": 1}})
    with tempfile.TemporaryDirectory(prefix="overplay-sweep-bench-") as tmp:
        run_sweep(tiny, spec_file, Path(tmp) / "warm", executor="serial", workers=1)


# -- the check ------------------------------------------------------------------------
def _same(a: Any, b: Any) -> bool:
    return a == b or (
        isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
    )


def check_results(
    runs: list[Any],
    sweeps: dict[str, pd.DataFrame],
    batches: dict[str, list[dict[str, Any]]],
    steps: int,
    check_runs: int,
) -> dict[str, Any]:
    """Whether the sweep and batch_run cases ran the same simulations (see the docstring)."""
    columns = ["run_id", "seed", "status", *OUTCOMES]
    tables = [t[columns].reset_index(drop=True) for t in sweeps.values()]
    sweeps_agree = all(t.equals(tables[0]) for t in tables[1:])
    all_ok = bool((tables[0]["status"] == "ok").all()) and len(tables[0]) == len(runs)

    rows = list(batches.values())
    keys = [*REPORTERS, "Step", "RunId"]
    batch_runs_agree = all(
        len(r) == len(rows[0])
        and all(_same(a[k], b[k]) for a, b in zip(r, rows[0], strict=True) for k in keys)
        for r in rows[1:]
    )
    sweep = tables[0]
    first = rows[0]
    same_inputs = len(first) == len(runs) and all(
        row["RunId"] == i
        and row["scenario"].seed == int(sweep.loc[i, "seed"]) == run.seed
        and row["scenario"].china.strategy.name == dict(run.inputs)["china_strategy"]
        and row["scenario"].materials["light"].price_elasticity == dict(run.inputs)["elasticity"]
        for i, (row, run) in enumerate(zip(first, runs, strict=True))
    )

    picks = (
        sorted({round(i * (len(runs) - 1) / max(1, check_runs - 1)) for i in range(check_runs)})
        if runs
        else []
    )
    direct = []
    for i in picks:
        row = first[i]
        model = LeverageModel(row["scenario"])  # exactly what batch_run constructs
        model.run()
        values = model.datacollector.model_vars
        step = int(row["Step"])
        finals = {
            "china_processing_share_final_light": values["china_processing_share_light"][-1],
            "china_processing_share_final_heavy": values["china_processing_share_heavy"][-1],
            "payoff_china": model.discounted_payoff["china"],
        }
        direct.append(
            {
                "run_id": i,
                "steps_run": len(values["china_payoff"]) - 1,
                "batch_run_step": step,
                "sweep_final_china_processing_share_light": float(
                    sweep.loc[i, "china_processing_share_final_light"]
                ),
                "direct_final_china_processing_share_light": float(
                    finals["china_processing_share_final_light"]
                ),
                "batch_run_china_processing_share_light": float(
                    row["china_processing_share_light"]
                ),
                "direct_china_processing_share_light_at_batch_run_step": float(
                    values["china_processing_share_light"][step]
                ),
                "sweep_matches_direct": all(
                    _same(float(sweep.loc[i, k]), float(v)) for k, v in finals.items()
                ),
                "batch_run_matches_direct": all(_same(row[k], values[k][step]) for k in REPORTERS),
                "ran_all_steps": len(values["china_payoff"]) - 1 == steps,
            }
        )
    direct_ok = bool(direct) and all(
        d["sweep_matches_direct"] and d["batch_run_matches_direct"] and d["ran_all_steps"]
        for d in direct
    )
    checks = {
        "sweeps_agree": sweeps_agree,
        "all_sweep_runs_ok": all_ok,
        "batch_runs_agree": batch_runs_agree,
        "same_inputs_and_seeds": same_inputs,
        "direct_runs_agree": direct_ok,
        "direct": direct,
    }
    checks["same_results"] = all(v for k, v in checks.items() if k != "direct")
    return checks


# -- the benchmark --------------------------------------------------------------------
def _alternating(
    repeats: int, cases: dict[str, Callable[[], tuple[float, float, Any]]]
) -> dict[str, tuple[float, float, Any]]:
    """Each case's median seconds, highest peak RSS and last result over ``repeats``
    rounds; every round runs each case once, forward on odd rounds, reversed on even."""
    seconds: dict[str, list[float]] = {case: [] for case in cases}
    peaks: dict[str, list[float]] = {case: [] for case in cases}
    results: dict[str, Any] = {}
    for repeat in range(repeats):
        order = list(cases) if repeat % 2 == 0 else list(reversed(cases))
        for case in order:
            s, peak, results[case] = cases[case]()
            seconds[case].append(s)
            peaks[case].append(peak)
    return {
        case: (statistics.median(seconds[case]), max(peaks[case]), results[case]) for case in cases
    }


def measure(
    years: int,
    firms: int,
    strategies: int,
    levels: int,
    replicates: int,
    repeats: int,
    check_runs: int,
    interval: float,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="overplay-sweep-bench-spec-") as tmp:
        spec_file = Path(tmp) / "throughput.yaml"
        spec_file.write_text(
            yaml.safe_dump(spec_data(years, firms, strategies, levels, replicates), sort_keys=False)
        )
        spec = load_sweep(spec_file)
        runs, _ = configurations(spec, spec_file)
        steps = LeverageModel(load_scenario(runs[0].scenario, list(runs[0].overrides))).total_steps
        warm_up(spec, spec_file, runs)

        cases: dict[str, Callable[[], tuple[float, float, Any]]] = {}
        for case, executor, workers in (
            ("sweep_serial", "serial", 1),
            ("sweep_processes_1", "processes", 1),
            ("sweep_processes_2", "processes", 2),
        ):
            cases[case] = lambda e=executor, w=workers: timed_sweep(spec, spec_file, e, w, interval)
        for case, processes in (("batch_run_1", 1), ("batch_run_2", 2)):
            cases[case] = lambda p=processes: timed_batch_run(runs, steps, p, interval)
        # A/B pairs next to each other: serial vs batch_run 1, then the pools
        order = [
            "sweep_serial",
            "batch_run_1",
            "sweep_processes_1",
            "sweep_processes_2",
            "batch_run_2",
        ]
        measured = _alternating(repeats, {case: cases[case] for case in order})
        wall = {case: m[0] for case, m in measured.items()}
        peak = {case: m[1] for case, m in measured.items()}
        sweeps = {case: measured[case][2] for case in CASES if case.startswith("sweep")}
        batches = {case: measured[case][2] for case in CASES if case.startswith("batch")}

    checks = check_results(runs, sweeps, batches, steps, check_runs)
    rate = {case: len(runs) / seconds for case, seconds in wall.items()}
    return {
        "sweep_runs_per_s": rate["sweep_processes_1"],
        "sweep_runs_per_s_2_workers": rate["sweep_processes_2"],
        "sweep_serial_executor_runs_per_s": rate["sweep_serial"],
        "batch_run_runs_per_s": rate["batch_run_1"],
        "batch_run_runs_per_s_2_processes": rate["batch_run_2"],
        "sweep_vs_batch_run_ratio": rate["sweep_processes_1"] / rate["batch_run_1"],
        "sweep_vs_batch_run_ratio_2": rate["sweep_processes_2"] / rate["batch_run_2"],
        "sweep_serial_vs_batch_run_ratio": rate["sweep_serial"] / rate["batch_run_1"],
        "speedup_2_workers": rate["sweep_processes_2"] / rate["sweep_processes_1"],
        "batch_run_speedup_2_processes": rate["batch_run_2"] / rate["batch_run_1"],
        "peak_rss_mib": max(
            peak[c] for c in ("sweep_serial", "sweep_processes_1", "sweep_processes_2")
        ),
        "peak_rss_mib_by_case": peak,
        "wall_s_by_case": {case: wall[case] for case in CASES},
        "same_results": checks["same_results"],
        "checks": checks,
        "runs": len(runs),
        "batch_run_reported_step": int(batches["batch_run_1"][0]["Step"]),
        "steps": steps,
    }


def measure_memory(runs: int, interval: float) -> dict[str, Any]:
    """Peak RSS of a large sweep that stores per-step data at every step: ``overplay
    sweep SPEC --workers 2`` in a fresh process, as a user runs it, its process tree
    sampled (this benchmark's own memory is not counted)."""
    with tempfile.TemporaryDirectory(prefix="overplay-sweep-bench-memory-") as tmp:
        spec_file = Path(tmp) / "memory.yaml"
        spec_file.write_text(yaml.safe_dump(memory_spec_data(runs), sort_keys=False))
        out = Path(tmp) / "sweep"
        command = [
            sys.executable,
            "-m",
            "overplay.experiments.cli",
            "sweep",
            str(spec_file),
            "--workers",
            "2",
            "--out",
            str(out),
            "--quiet",
        ]
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        with PeakRss(interval, process.pid) as rss:
            process.wait()
        seconds = time.perf_counter() - start
        if process.returncode != 0:
            raise RuntimeError(f"the memory sweep failed (exit {process.returncode})")
        table = pd.read_parquet(out / "runs.parquet")
        rows = sum(pq.ParquetFile(p).metadata.num_rows for p in (out / "rounds").iterdir())
        stored = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {
        "runs": len(table),
        "ok": int((table["status"] == "ok").sum()),
        "wall_s": seconds,
        "peak_rss_mib": rss.mib,
        "per_step_rows": rows,
        "stored_mib": stored / 2**20,
    }


def measure_sobol(base_samples: int) -> dict[str, Any]:
    """Runs per second of the bundled Sobol study with a smaller base sample (2 workers),
    and the time the full study would take at that rate."""
    from importlib import resources

    bundled = resources.files("overplay.experiments").joinpath("specs/sobol.yaml")
    data = yaml.safe_load(bundled.read_text())
    full = load_sweep(Path(str(bundled)))
    full_runs = len(configurations(full, Path(str(bundled)))[0])
    data["design"]["samples"] = base_samples
    with tempfile.TemporaryDirectory(prefix="overplay-sweep-bench-sobol-") as tmp:
        spec_file = Path(tmp) / "sobol.yaml"
        spec_file.write_text(yaml.safe_dump(data, sort_keys=False))
        spec = load_sweep(spec_file)
        gc.collect()
        start = time.perf_counter()
        table = run_sweep(spec, spec_file, Path(tmp) / "sweep", executor="processes", workers=2)
        seconds = time.perf_counter() - start
    rate = len(table) / seconds
    return {
        "runs": len(table),
        "wall_s": seconds,
        "runs_per_s": rate,
        "full_study_runs": full_runs,
        "projected_full_study_min": full_runs / rate / 60,
    }


def report(result: dict[str, Any]) -> str:
    s = result["settings"]
    rates = {
        "sweep_serial": result["sweep_serial_executor_runs_per_s"],
        "sweep_processes_1": result["sweep_runs_per_s"],
        "sweep_processes_2": result["sweep_runs_per_s_2_workers"],
        "batch_run_1": result["batch_run_runs_per_s"],
        "batch_run_2": result["batch_run_runs_per_s_2_processes"],
    }
    checks = ", ".join(
        f"{k}={v}" for k, v in result["checks"].items() if k not in ("direct", "same_results")
    )
    lines = [
        f"Overplay sweep throughput: {result['runs']} runs = {s['strategies']} strategies x "
        f"{s['levels']} elasticities x {s['replicates']} seeds; {s['years']} year(s) = "
        f"{result['steps']} steps, {s['firms']} firms; median of {s['repeats']} alternating "
        f"repeat(s); pools started by {s['start_method']}; "
        f"{result['versions']['cpu_count']} CPUs{', quick mode' if s['quick'] else ''}",
        "",
        f"{'case':<38}  {'runs/s':>8}  {'wall s':>8}  {'peak RSS MiB':>12}",
    ]
    for case, label in CASES.items():
        lines.append(
            f"{label:<38}  {rates[case]:>8.2f}  {result['wall_s_by_case'][case]:>8.2f}"
            f"  {result['peak_rss_mib_by_case'][case]:>12.0f}"
        )
    lines += [
        "",
        f"sweep (processes, 1 worker) / batch_run (1 process): "
        f"{result['sweep_vs_batch_run_ratio']:.2f}x",
        f"sweep (serial executor) / batch_run (1 process):     "
        f"{result['sweep_serial_vs_batch_run_ratio']:.2f}x",
        f"sweep (2 workers) / batch_run (2 processes):         "
        f"{result['sweep_vs_batch_run_ratio_2']:.2f}x",
        f"sweep speed-up with 2 workers:                       {result['speedup_2_workers']:.2f}x",
        f"batch_run speed-up with 2 processes:                 "
        f"{result['batch_run_speedup_2_processes']:.2f}x",
        f"peak RSS of the process tree during the sweeps:      "
        f"{result['peak_rss_mib']:.0f} MiB ({s['rss_method']})",
        "",
        f"same results: {str(result['same_results']).lower()} ({checks})",
        f"batch_run's last row is Step {result['batch_run_reported_step']} of "
        f"{result['steps']} steps (Mesa {result['versions']['mesa']})",
    ]
    memory = result.get("memory_sweep")
    if memory:
        lines.append(
            f"memory case: {memory['runs']:,} one-year runs with every step kept "
            f"({memory['per_step_rows']:,} rows, {memory['stored_mib']:.0f} MiB on disk), "
            f"2 workers: {memory['wall_s']:.0f} s, peak RSS {memory['peak_rss_mib']:.0f} MiB"
        )
    sobol = result.get("sobol_study")
    if sobol:
        lines.append(
            f"Sobol study slice: {sobol['runs']:,} ten-year coercion runs, 2 workers: "
            f"{sobol['runs_per_s']:.1f} runs/s -> the full {sobol['full_study_runs']:,} runs "
            f"in ~{sobol['projected_full_study_min']:.1f} min"
        )
    for d in result["checks"]["direct"]:
        lines.append(
            f"  run {d['run_id']}: final China processing share (light) sweep "
            f"{d['sweep_final_china_processing_share_light']:.6f}, direct "
            f"{d['direct_final_china_processing_share_light']:.6f}; at step "
            f"{d['batch_run_step']} batch_run {d['batch_run_china_processing_share_light']:.6f},"
            f" direct {d['direct_china_processing_share_light_at_batch_run_step']:.6f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object only")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke mode: 2 strategies x 2 elasticities x 2 seeds, 1 year",
    )
    parser.add_argument(
        "--years",
        type=int,
        default=None,
        help="simulated years per run (default 10; 1 with --quick)",
    )
    parser.add_argument("--firms", type=int, default=60, help="firms per run (default 60)")
    parser.add_argument(
        "--replicates",
        type=int,
        default=None,
        help="seeds per design point (default 10; 2 with --quick)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="rounds of all cases, alternating their order; medians are reported (default 3)",
    )
    parser.add_argument(
        "--check-runs",
        type=int,
        default=3,
        help="runs re-run directly to check the results agree (default 3)",
    )
    parser.add_argument(
        "--memory",
        action="store_true",
        help="also run the 10,000-run memory case (about 2 minutes)",
    )
    parser.add_argument(
        "--memory-runs", type=int, default=10_000, help="runs in the memory case (default 10,000)"
    )
    parser.add_argument(
        "--sobol",
        type=int,
        default=None,
        metavar="N",
        help="also time the Sobol study with N base samples (power of 2)",
    )
    parser.add_argument(
        "--rss-interval",
        type=float,
        default=0.05,
        help="seconds between RSS samples (default 0.05)",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    years = args.years or (1 if quick else 10)
    replicates = args.replicates or (2 if quick else 10)
    strategies, levels = (2, 2) if quick else (3, 4)
    if min(years, args.firms, replicates, args.repeats, args.check_runs) < 1:
        parser.error("--years, --firms, --replicates, --repeats and --check-runs must be >= 1")
    if args.rss_interval <= 0:
        parser.error("--rss-interval must be positive")
    if args.memory_runs < 2:
        parser.error("--memory-runs must be >= 2")
    if args.sobol is not None and (args.sobol < 1 or args.sobol & (args.sobol - 1)):
        parser.error("--sobol must be a power of 2 (Saltelli sampling)")

    # batch_run's Pool starts its processes as the sweep's pool does
    start_method = worker_context().get_start_method()
    multiprocessing.set_start_method(start_method, force=True)
    result = measure(
        years,
        args.firms,
        strategies,
        levels,
        replicates,
        args.repeats,
        args.check_runs,
        args.rss_interval,
    )
    result["settings"] = {
        "quick": quick,
        "years": years,
        "firms": args.firms,
        "strategies": strategies,
        "china_strategies": list(STRATEGIES[:strategies]),
        "levels": levels,
        "elasticity_range": list(ELASTICITY),
        "replicates": replicates,
        "root_seed": ROOT_SEED,
        "repeats": args.repeats,
        "check_runs": args.check_runs,
        "rss_interval_s": args.rss_interval,
        "start_method": start_method,
        "rss_method": "psutil, process tree"
        if psutil is not None
        else "ru_maxrss self + largest child",
        "batch_run_max_steps": batch_run_max_steps(result["steps"]),
        "batch_run_swept_parameter": "scenario (the sweep's per-run scenarios)",
        "batch_run_takes_keyword_rng": "rng" in inspect.signature(mesa.batch_run).parameters,
    }
    if args.memory:
        result["memory_sweep"] = measure_memory(args.memory_runs, args.rss_interval)
    if args.sobol:
        result["sobol_study"] = measure_sobol(args.sobol)
    result["versions"] = versions()
    if args.json:
        sys.stdout.write(json.dumps(result) + "\n")
    else:
        print(report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
