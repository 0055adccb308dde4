"""Sweeps: designs, executors agree, resume after kill -9, failures isolated, bad specs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from overplay.experiments.sweep.runner import configurations, run_sweep
from overplay.experiments.sweep.spec import load_sweep
from overplay.model.problems import ScenarioError

TINY = """\
name: tiny
scenario: baseline
overrides: {{years: {years}, firms.count: 10}}
uncertainties:
  - {{name: elasticity, key: materials.light.price_elasticity, kind: real, low: 0.1, high: 0.4}}
levers:
  - {{name: china_strategy, key: china.strategy, kind: categorical,
      values: [always_open, periodic_coercion]}}
design: {{method: latin_hypercube, samples: {samples}}}
replicates: {replicates}
seed: {seed}
outcomes: [china_processing_share_final_light, payoff_china, restriction_rounds]
per_round: {per_round}
"""


def _spec(
    tmp_path: Path,
    name: str = "tiny.yaml",
    years: float = 1,
    samples: int = 4,
    replicates: int = 1,
    seed: int = 5,
    per_round: str = "none",
) -> Path:
    path = tmp_path / name
    path.write_text(
        TINY.format(
            years=years, samples=samples, replicates=replicates, seed=seed, per_round=per_round
        )
    )
    return path


def test_serial_processes_and_dask_give_identical_runs(tmp_path):
    spec_file = _spec(tmp_path)
    spec = load_sweep(spec_file)
    tables = {
        executor: run_sweep(spec, spec_file, tmp_path / executor, executor, workers=2)
        for executor in ("serial", "processes", "dask")
    }
    assert len(tables["serial"]) == 4
    assert (tables["serial"]["status"] == "ok").all()
    pd.testing.assert_frame_equal(tables["serial"], tables["processes"])
    pd.testing.assert_frame_equal(tables["serial"], tables["dask"])
    stored = pd.read_parquet(tmp_path / "dask" / "runs.parquet")
    pd.testing.assert_frame_equal(stored, tables["serial"])


def test_seeds_are_spawned_per_replicate_or_per_run(tmp_path):
    spec_file = _spec(tmp_path, samples=3, replicates=2)
    runs, design = configurations(load_sweep(spec_file), spec_file)
    assert [r.run_id for r in runs] == list(range(6))
    assert [r.point_id for r in runs] == [0, 0, 1, 1, 2, 2]
    first, second = runs[0].seed, runs[1].seed  # common random numbers by default
    assert first != second and [r.seed for r in runs] == [first, second] * 3
    assert len(design) == 3 and set(design.columns) == {"point_id", "elasticity", "china_strategy"}
    independent = tmp_path / "independent.yaml"
    independent.write_text(spec_file.read_text() + "seeds: per_run\n")
    runs, _ = configurations(load_sweep(independent), independent)
    assert len({r.seed for r in runs}) == 6


def test_integer_inputs_sample_every_value_equally():
    from overplay.experiments.sweep.designs import from_unit
    from overplay.experiments.sweep.spec import Parameter

    rounds = Parameter(name="k", key="x", kind="integer", low=2, high=5)
    drawn = [from_unit(rounds, u) for u in (i / 4000 for i in range(4001))]
    counts = pd.Series(drawn).value_counts().sort_index()
    assert list(counts.index) == [2, 3, 4, 5]
    assert counts.max() - counts.min() <= 2  # rounding gave the ends half as many


def test_killed_sweep_resumes_without_losing_or_duplicating_runs(tmp_path):
    spec_file = _spec(tmp_path, years=3, samples=12, replicates=2)
    command = [
        sys.executable,
        "-m",
        "overplay.experiments.cli",
        "sweep",
        str(spec_file),
        "--executor",
        "serial",
        "--workers",
        "1",
        "--quiet",
    ]
    killed = tmp_path / "killed"
    proc = subprocess.Popen(
        [*command, "--out", str(killed)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 120
    while time.time() < deadline and not list((killed / "parts").glob("runs-*.parquet")):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = len(list((killed / "parts").glob("runs-*.parquet")))
    assert partial > 0
    assert not (killed / "runs.parquet").exists()
    assert subprocess.run([*command, "--out", str(killed)], check=False).returncode == 0
    whole = tmp_path / "whole"
    assert subprocess.run([*command, "--out", str(whole)], check=False).returncode == 0
    resumed = pd.read_parquet(killed / "runs.parquet")
    uninterrupted = pd.read_parquet(whole / "runs.parquet")
    assert resumed["run_id"].is_unique and len(resumed) == 24
    pd.testing.assert_frame_equal(resumed, uninterrupted)


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    import overplay.experiments.sweep.work as work

    spec_file = _spec(tmp_path, samples=6)
    real = work.LeverageModel

    def failing(scenario, **kwargs):  # a run the model cannot do (specs are checked whole)
        if scenario.china.strategy.name == "periodic_coercion":
            raise ValueError("market.leakage_rate: the market cannot clear")
        return real(scenario, **kwargs)

    monkeypatch.setattr(work, "LeverageModel", failing)
    table = run_sweep(load_sweep(spec_file), spec_file, tmp_path / "out", "serial")
    failed = table[table["status"] == "error"]
    assert len(failed) and len(failed) < len(table)
    assert failed["error"].str.contains("leakage_rate").all()
    assert failed["payoff_china"].isna().all()
    assert (table.loc[table["status"] == "ok", "payoff_china"].notna()).all()


def test_failed_runs_are_retried_on_request_without_losing_their_chunk(tmp_path, monkeypatch):
    import overplay.experiments.sweep.work as work

    spec_file = _spec(tmp_path, samples=12)
    spec_file.write_text(spec_file.read_text() + "seeds: per_run\n")  # seeds name runs
    spec = load_sweep(spec_file)
    runs, _ = configurations(spec, spec_file)
    doomed = {runs[0].seed, runs[2].seed}  # first and last of the first chunk of three
    real = work.LeverageModel

    def flaky(scenario, **kwargs):
        if scenario.seed in doomed:
            raise MemoryError("out of memory")
        return real(scenario, **kwargs)

    monkeypatch.setattr(work, "LeverageModel", flaky)
    out = tmp_path / "out"
    first = run_sweep(spec, spec_file, out, "serial")
    assert list(first.loc[first["status"] == "error", "run_id"]) == [0, 2]
    monkeypatch.setattr(work, "LeverageModel", real)
    assert run_sweep(spec, spec_file, out, "serial").equals(first)  # failures are final
    retried = run_sweep(spec, spec_file, out, "serial", retry_failed=True)
    whole = run_sweep(spec, spec_file, tmp_path / "whole", "serial")
    # same rows and values; counts stored next to a failure's NaN stay floats
    pd.testing.assert_frame_equal(retried, whole, check_dtype=False)


def test_per_step_parts_of_unfinished_chunks_are_dropped_on_resume(tmp_path):
    spec_file = _spec(tmp_path, per_round="all")
    spec = load_sweep(spec_file)
    out = tmp_path / "out"
    run_sweep(spec, spec_file, out, "serial")
    runs_part = sorted((out / "parts").glob("runs-*.parquet"))[-1]
    runs_part.unlink()  # as if killed between the per-step part and the runs part
    run_sweep(spec, spec_file, out, "serial")
    rounds = pd.read_parquet(out / "rounds")
    assert not rounds.duplicated(["run_id", "step", "material", "importer"]).any()
    assert set(rounds["run_id"]) == {0, 1, 2, 3}


def test_a_changed_spec_is_refused_in_the_same_folder(tmp_path):
    out = tmp_path / "out"
    first = _spec(tmp_path, seed=5)
    run_sweep(load_sweep(first), first, out, "serial")
    second = _spec(tmp_path, name="changed.yaml", seed=6)
    with pytest.raises(ScenarioError, match="different spec"):
        run_sweep(load_sweep(second), second, out, "serial")


def test_per_round_data_is_partitioned_by_chunk(tmp_path):
    spec_file = _spec(tmp_path, per_round="3")
    run_sweep(load_sweep(spec_file), spec_file, tmp_path / "out", "serial")
    rounds = pd.read_parquet(tmp_path / "out" / "rounds")
    assert set(rounds["run_id"]) == {0, 1, 2, 3}
    assert set(rounds["step"]) == {3, 6, 9, 12}


@pytest.mark.parametrize(
    "method, expected", [("sobol", 4 * (2 + 2)), ("morris", 4 * 3), ("full_factorial", 3 * 2)]
)
def test_design_sizes(tmp_path, method, expected):
    text = (
        _spec(tmp_path)
        .read_text()
        .replace(
            "design: {method: latin_hypercube, samples: 4}",
            f"design: {{method: {method}, samples: 4, levels: {4 if method == 'morris' else 3}}}",
        )
    )
    spec_file = tmp_path / "design.yaml"
    spec_file.write_text(text)
    runs, _ = configurations(load_sweep(spec_file), spec_file)
    assert len(runs) == expected


@pytest.mark.parametrize(
    "change, path, message",
    [
        (("payoff_china", "payof_china"), "outcomes", "unknown"),
        (
            ("materials.light.price_elasticity", "materials.light.price_elastcity"),
            "uncertainties.0.low",
            "did you mean",
        ),
        (("low: 0.1, high: 0.4", "low: 0.4, high: 0.1"), "uncertainties.0", "low < high"),
        (("method: latin_hypercube", "method: lhs"), "design.method", "Input should be"),
        (("replicates: 1", "replicate: 1"), "replicate", "did you mean 'replicates'"),
        (
            ("method: latin_hypercube, samples: 4", "method: sobol, samples: 6"),
            "design.samples",
            "power of 2",
        ),
        (
            ("kind: real, low: 0.1, high: 0.4", "kind: integer, low: 1, high: 2.5"),
            "uncertainties.0",
            "whole-number",
        ),
    ],
)
def test_bad_specs_are_located(tmp_path, change, path, message):
    spec_file = tmp_path / "bad.yaml"
    spec_file.write_text(_spec(tmp_path).read_text().replace(*change))
    with pytest.raises(ScenarioError) as error:
        load_sweep(spec_file)
    problem = error.value.problems[0]
    assert problem.path == path and message in problem.message


def test_a_scenario_input_compares_scenarios(tmp_path):
    spec_file = tmp_path / "compare.yaml"
    spec_file.write_text(
        "name: compare\nscenario: baseline\noverrides: {years: 2, firms.count: 10}\n"
        "levers:\n  - {name: scenario, key: scenario, kind: categorical,"
        " values: [baseline, coercion]}\n"
        "design: {method: full_factorial}\nreplicates: 2\n"
        "outcomes: [restriction_rounds]\n"
    )
    spec = load_sweep(spec_file)
    runs, _ = configurations(spec, spec_file)
    assert [r.scenario for r in runs] == ["baseline"] * 2 + ["coercion"] * 2
    assert all("scenario" not in dict(r.overrides) for r in runs)
    table = run_sweep(spec, spec_file, tmp_path / "out", "serial")
    by_scenario = table.groupby("scenario")["restriction_rounds"].min()
    assert by_scenario["baseline"] == 0 and by_scenario["coercion"] > 0
    spec_file.write_text(spec_file.read_text().replace("coercion]", "coercoin]"))
    with pytest.raises(ScenarioError, match="coercoin"):
        load_sweep(spec_file)
