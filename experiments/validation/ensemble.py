"""Running a parameter ensemble over seeds and reading every fact in each run.

Bands over parameter sets and seeds together are what the fit's uncertainty means: a
fact is reproduced when the ensemble's median is within its tolerance, and the 90 %
band says how sure the model is. Every set runs on the same seeds (common random
numbers), so differences between sets are the parameters', not the draws'.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from overplay.experiments.single_run import RunResult, run_scenario
from overplay.experiments.validation.calibration_spec import CalibrationSpec
from overplay.experiments.validation.facts import Fact
from overplay.experiments.validation.observe import observe_all
from overplay.experiments.validation.patterns import check_patterns
from overplay.experiments.validation.tasks import map_tasks
from overplay.model.scenario_checks import ScenarioNote
from overplay.model.scenarios import load_scenario

#: World series kept per run for the history figure.
WORLD_SERIES = (
    "price_multiple",
    "china_mining_share",
    "china_processing_share",
    "non_china_processing_capacity",
)
BAND = (0.05, 0.95)


@dataclass(frozen=True)
class EnsembleRuns:
    """Per run: the facts' values, the patterns' verdicts and the world series."""

    values: pd.DataFrame  # set, seed, one column per fact
    patterns: pd.DataFrame  # set, seed, pattern, passed, measured
    world: pd.DataFrame  # set, seed, date, material, WORLD_SERIES


def overrides(spec: CalibrationSpec, row: dict[str, float], seed: int) -> list[tuple[str, Any]]:
    """Scenario settings for one parameter set and seed."""
    settings = [(key, float(row[p.name])) for p in spec.parameters for key in p.keys]
    return [*settings, ("seed", int(seed))]


def run_with(scenario: str, settings: list[tuple[str, Any]], years: float | None) -> RunResult:
    """One run of ``scenario`` with these settings, cut after ``years`` if given: the
    fit and the validation build their runs here, so that they read the same runs."""
    if years is not None:
        settings = [*settings, ("years", years)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioNote)  # "events after the window left out"
        return run_scenario(load_scenario(scenario, settings, parse_once=True))


def _one(
    scenario: str, settings: list[tuple[str, Any]], facts: tuple[Fact, ...], years: float | None
) -> tuple[dict[str, float], list[tuple[str, bool, str]], pd.DataFrame]:
    """One run: its facts, patterns and world series (a worker's task)."""
    result = run_with(scenario, settings, years)
    rounds = result.rounds
    checks = [(c.name, c.passed, c.measured) for c in check_patterns(rounds, result.actions)]
    world = rounds.drop_duplicates(["date", "material"])[["date", "material", *WORLD_SERIES]]
    return observe_all(rounds, facts), checks, world.reset_index(drop=True)


def run_ensemble(
    spec: CalibrationSpec,
    ensemble: pd.DataFrame,
    facts: tuple[Fact, ...],
    seeds: int,
    *,
    years: float | None = None,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> EnsembleRuns:
    """Every parameter set of ``ensemble`` on seeds 1..``seeds`` (``years`` cuts the
    runs short, e.g. at the fit window's end)."""
    tasks = [
        (int(row["set"]), seed, overrides(spec, row, seed))
        for row in ensemble.to_dict("records")
        for seed in range(1, seeds + 1)
    ]
    results = map_tasks(
        _one, [(spec.scenario, s, facts, years) for _, _, s in tasks], workers, progress
    )
    values, patterns, worlds = [], [], []
    for (set_id, seed, _), (observed, checks, world) in zip(tasks, results, strict=True):
        values.append({"set": set_id, "seed": seed, **observed})
        patterns += [
            {"set": set_id, "seed": seed, "pattern": n, "passed": p, "measured": m}
            for n, p, m in checks
        ]
        worlds.append(world.assign(set=set_id, seed=seed))
    return EnsembleRuns(pd.DataFrame(values), pd.DataFrame(patterns), pd.concat(worlds))


def fact_table(facts: tuple[Fact, ...], values: pd.DataFrame, fit_window_end: str) -> pd.DataFrame:
    """One row per fact: observed, simulated median and 90 % band over every run,
    the tolerance, whether the median is within it, and the sample."""
    rows = []
    for fact in facts:
        simulated = values[fact.fact].to_numpy(float) if fact.fact in values else np.array([])
        simulated = simulated[np.isfinite(simulated)]
        covered = len(simulated) > 0
        median = float(np.median(simulated)) if covered else np.nan
        low, high = np.quantile(simulated, BAND) if covered else (np.nan, np.nan)
        rows.append(
            {
                "fact": fact.fact,
                "sample": fact.sample(fit_window_end),
                "fitted": fact.fitted(fit_window_end),
                "observed": fact.value,
                "median": median,
                "band_low": float(low),
                "band_high": float(high),
                "tolerance": fact.tolerance,
                "tolerance_kind": fact.tolerance_kind,
                "deviation": fact.deviation(median) if covered else np.nan,
                "band_deviation_low": fact.deviation(low) if covered else np.nan,
                "band_deviation_high": fact.deviation(high) if covered else np.nan,
                "within_tolerance": bool(covered and fact.within(median)),
                "runs": len(simulated),
                "unit": fact.unit,
                "definition": fact.definition,
            }
        )
    return pd.DataFrame(rows)


def pattern_table(patterns: pd.DataFrame) -> pd.DataFrame:
    """One row per pattern: share of runs that show it, and the first run's numbers."""
    grouped = patterns.groupby("pattern", sort=False)
    return pd.DataFrame(
        {
            "pattern": list(grouped.groups),
            "runs_passed": grouped["passed"].sum().astype(int).to_numpy(),
            "runs": grouped.size().to_numpy(),
            "measured_first_run": grouped["measured"].first().to_numpy(),
        }
    )
