"""``overplay calibrate``: ABC-SMC (pyabc) over the declared parameters, fitted to the
facts of the fit window only.

Why ABC-SMC: the model is stochastic and has no likelihood; what a policy reader needs
from a fit is not one best point but the parameter sets that are compatible with
history, to carry into every later answer as bands. ABC-SMC gives that ensemble (a
posterior under the declared priors), each particle run on its own seed, so the seed
noise is part of what is fitted. The distance is declared in the spec and in
``docs/validation.md``: over the fitted facts, each fact's deviation in units of its
tolerance, either their root mean square (a fit at epsilon 1 is on average one
tolerance away) or the largest (at epsilon 1 every fitted fact is within).

The fit folder holds pyabc's database (``abc.db``): a stopped fit resumes from its
last complete generation and, each candidate having its own seed, ends as an
uninterrupted one would.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyabc
import yaml

from overplay.experiments.result_folder import check_result_folder
from overplay.experiments.single_run import (
    atomic_write,
    git_commit,
    git_dirty,
    json_text,
    manifest_common,
)
from overplay.experiments.validation.calibration_spec import (
    Budget,
    CalibrationSpec,
    DistanceKind,
    FittedParameter,
)
from overplay.experiments.validation.ensemble import fact_table, overrides, run_ensemble, run_with
from overplay.experiments.validation.facts import Fact, FactTable
from overplay.experiments.validation.observe import observe_all
from overplay.experiments.validation.seeded_sampler import SeededSampler
from overplay.model.scenario_checks import ScenarioNote
from overplay.model.scenarios import load_scenario

DATABASE = "abc.db"
ENSEMBLE = "ensemble.csv"
POINT = "calibrated.yaml"
MANIFEST = "manifest.json"
SPEC = "spec.resolved.yaml"
FIT = "fit.parquet"
#: Seeds per parameter set in the fit report.
FIT_SEEDS = 3
Progress = Callable[[int, int], None]


def window_years(spec: CalibrationSpec) -> float:
    """Years from the scenario's start to the end of the fit window."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioNote)
        start = load_scenario(spec.scenario, parse_once=True).start
    first, last = pd.Period(start, "M"), pd.Period(spec.fit_window_end, "M")
    return ((last - first).n + 1) / 12


def simulate(
    spec: CalibrationSpec,
    facts: tuple[Fact, ...],
    values: dict[str, float],
    seed: int,
    years: float | None,
) -> dict[str, float]:
    """The facts' values in one run of the scenario with these parameters."""
    return observe_all(run_with(spec.scenario, overrides(spec, values, seed), years).rounds, facts)


def distance(facts: tuple[Fact, ...], kind: DistanceKind = "rms") -> Callable[[dict, dict], float]:
    """The deviations, in tolerance units, over the fitted facts, as their root mean
    square (``rms``) or the largest (``max``); a run that cannot measure a fact is
    infinitely far."""

    def measure(simulated: dict, _observed: dict) -> float:
        deviations = np.abs([f.deviation(simulated[f.fact]) for f in facts])
        if not np.all(np.isfinite(deviations)):
            return math.inf
        if kind == "max":
            return float(deviations.max())
        return math.sqrt(float(np.mean(deviations**2)))

    return measure


def prior(parameters: list[FittedParameter]) -> pyabc.Distribution:
    """pyabc's prior. A log-uniform parameter is sampled, and its kernel moves it, as
    the uniform logarithm (see :func:`natural`): in natural units its prior density
    (1/x) and a kernel cut off by the lower bound give the few particles near that
    bound most of the weight."""
    rvs = {}
    for p in parameters:
        low, high = _scaled(p, p.prior.low), _scaled(p, p.prior.high)
        rvs[p.name] = pyabc.RV("uniform", low, high - low)
    return pyabc.Distribution(**rvs)


def natural(parameters: list[FittedParameter], sampled: dict[str, float]) -> dict[str, float]:
    """The parameters' values from pyabc's (logarithms for the log-uniform ones)."""
    return {
        p.name: math.exp(sampled[p.name])
        if p.prior.distribution == "loguniform"
        else float(sampled[p.name])
        for p in parameters
    }


def _scaled(parameter: FittedParameter, value: float) -> float:
    return math.log(value) if parameter.prior.distribution == "loguniform" else value


@dataclass(frozen=True)
class FitResult:
    """What a finished (or stopped) fit leaves behind."""

    folder: Path
    generations: int
    simulations: int
    epsilon: float
    point: dict[str, float]
    ensemble: pd.DataFrame
    #: Kish's effective sample size of the last generation's weights: how many equally
    #: weighted particles they are worth (near 1: the point estimate is one particle).
    effective_sample_size: float


class _Model:
    """pyabc's model: the spec's ``seeds_per_particle`` runs, on seeds from the
    candidate's random stream, read as each fact's median."""

    def __init__(self, spec: CalibrationSpec, facts: tuple[Fact, ...], years: float) -> None:
        self.spec, self.facts, self.years = spec, facts, years

    def __call__(self, parameters: Any) -> dict[str, float]:
        values = natural(self.spec.parameters, dict(parameters))
        seeds = [int(np.random.randint(0, 2**31 - 1)) for _ in range(self.spec.seeds_per_particle)]
        runs = [simulate(self.spec, self.facts, values, seed, self.years) for seed in seeds]
        # a run that cannot measure a fact makes its median unmeasurable too (NaN)
        return {f.fact: float(np.median([run[f.fact] for run in runs])) for f in self.facts}


def calibrate(
    spec: CalibrationSpec,
    facts: FactTable,
    folder: Path,
    *,
    tiny: bool = False,
    workers: int = 1,
    restart: bool = False,
    progress: Progress | None = None,
    log_generations: bool = False,
) -> FitResult:
    """Fit, or resume a stopped fit of the same spec, facts and scenario in ``folder``
    (anything else there is started over). ``log_generations`` keeps pyabc's line per
    generation (epsilon, acceptance), for logs where no progress bar is drawn."""
    budget = spec.tiny_budget if tiny else spec.budget
    fitted = tuple(f for f in facts.facts if f.fitted(spec.fit_window_end))
    check_result_folder(folder, "calibration")  # resumable: never replaced whole
    folder.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    key = resume_key(spec, fitted, tiny)
    database = folder / DATABASE
    resumed = _resumable(folder, key) and not restart
    if not resumed and database.exists():
        database.unlink()
    sessions = _sessions(folder, started, resumed)
    _write_manifest(folder, key, sessions, "running", spec)  # before the database exists
    _quiet_pyabc(log_generations)
    sampler = SeededSampler(spec.seed, workers, progress)
    abc = pyabc.ABCSMC(
        _Model(spec, fitted, window_years(spec)),
        prior(spec.parameters),
        distance(fitted, spec.distance),
        population_size=budget.population_size,
        sampler=sampler,
        transitions=pyabc.MultivariateNormalTransition(scaling=spec.kernel_scaling),
    )
    url = f"sqlite:///{database}"
    if resumed:
        abc.load(url, 1)
    else:
        abc.new(url, {f.fact: f.value for f in fitted})
    try:
        history = _generations(abc, budget, spec.seed)
    finally:
        sampler.close()
    result = _results(spec, history, folder)
    _write_fit_table(spec, facts, result.ensemble, folder, workers)
    _write_manifest(folder, key, sessions, "completed", spec, result)
    return result


def _write_fit_table(
    spec: CalibrationSpec, facts: FactTable, ensemble: pd.DataFrame, folder: Path, workers: int
) -> None:
    """The ensemble over the fit window on :data:`FIT_SEEDS` seeds, read against the
    in-sample facts: what the fit report draws."""
    in_sample = tuple(f for f in facts.facts if f.sample(spec.fit_window_end) == "in")
    runs = run_ensemble(
        spec, ensemble, in_sample, FIT_SEEDS, years=window_years(spec), workers=workers
    )
    table = fact_table(in_sample, runs.values, spec.fit_window_end)
    atomic_write(folder / FIT, lambda p: table.to_parquet(p, index=False))


def _generations(abc: pyabc.ABCSMC, budget: Budget, seed: int) -> pyabc.History:
    """Run the generations the budget has left (none when a resumed fit had finished).
    Candidates draw from their own seeds; the main process, which pyabc may also draw
    from, is seeded by the generation it starts at."""
    history = abc.history
    done = history.max_t + 1
    if done >= budget.generations or history.total_nr_simulations >= budget.max_simulations:
        return history
    if done > 0 and _epsilon(history) <= budget.minimum_epsilon:
        return history
    np.random.seed(np.random.SeedSequence([seed, done]).generate_state(1)[0])
    return abc.run(
        minimum_epsilon=budget.minimum_epsilon,
        max_nr_populations=budget.generations - done,
        max_total_nr_simulations=budget.max_simulations,
    )


def _epsilon(history: pyabc.History) -> float:
    populations = history.get_all_populations()
    return float(populations["epsilon"].iloc[-1])


def _results(spec: CalibrationSpec, history: pyabc.History, folder: Path) -> FitResult:
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    names = [p.name for p in spec.parameters]
    frame = pd.DataFrame(
        [natural(spec.parameters, row) for row in frame[names].to_dict("records")],
        columns=names,
    )
    weights = np.asarray(weights, float) / np.sum(weights)
    point = {n: _weighted_median(frame[n].to_numpy(), weights) for n in names}
    size = min(spec.ensemble_size, len(frame))  # no more sets than a tiny fit's particles
    chosen = systematic_resample(weights, size, np.random.default_rng(spec.seed))
    ensemble = frame.iloc[chosen].reset_index(drop=True)
    ensemble.insert(0, "set", np.arange(1, len(chosen) + 1))
    atomic_write(folder / ENSEMBLE, lambda p: ensemble.to_csv(p, index=False))
    atomic_write(folder / POINT, lambda p: p.write_text(point_scenario(spec, point)))
    return FitResult(
        folder=folder,
        generations=history.max_t + 1,
        simulations=int(history.total_nr_simulations),
        epsilon=_epsilon(history),
        point=point,
        ensemble=ensemble,
        effective_sample_size=float(1.0 / np.sum(weights**2)),
    )


def systematic_resample(weights: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``size`` equally weighted draws that represent a weighted population
    (systematic resampling, Kitagawa 1996): a particle of weight w appears floor(size·w)
    or ceil(size·w) times, so the ensemble's sets can be weighted equally downstream.
    Drawing without replacement, as the first six fits did, under-represents the
    heaviest particles. pyabc's ``resample`` is multinomial, noisier, and draws from
    numpy's global state."""
    positions = (rng.random() + np.arange(size)) / size
    chosen = np.searchsorted(np.cumsum(weights), positions, side="right")
    return np.minimum(chosen, len(weights) - 1)


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, 0.5)])


def point_scenario(spec: CalibrationSpec, point: dict[str, float]) -> str:
    """The point estimate as a scenario that extends the fitted one. A key through a
    list (``events.0.params.cut``) cannot be set alone in a file, so such a list is
    written whole, as the fitted scenario has it with the fitted values."""
    lines = [
        f"# The point estimate of calibration {spec.name!r}: each parameter's weighted",
        "# posterior median over the last ABC-SMC generation (docs/validation.md).",
        f"# Written by `overplay calibrate`; fitted to facts up to {spec.fit_window_end}.",
    ]
    # Six significant digits, not decimals: a log-uniform prior may reach values that
    # six decimals would write as 0.
    values = {key: float(f"{point[p.name]:.6g}") for p in spec.parameters for key in p.keys}
    settings: dict[str, Any] = {}
    listed = sorted({key.split(".")[0] for key in values if _through_list(key)})
    for key, value in values.items():
        if key.split(".")[0] in listed:
            continue
        node = settings
        *path, last = key.split(".")
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    if listed:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScenarioNote)
            fitted = load_scenario(spec.scenario, list(values.items()), parse_once=True)
        dumped = fitted.model_dump(mode="json", exclude_defaults=True)
        for section in listed:
            settings[section] = dumped[section]
            if section == "events":
                settings["events_merge"] = "replace"  # they are the fitted scenario's own
        lines.append(f"# {', '.join(listed)}: the fitted scenario's, with the fitted values.")
    body = {
        "extends": spec.scenario,
        "name": "calibrated",
        "description": f"{spec.scenario} with parameters fitted to facts up to "
        f"{spec.fit_window_end} (docs/validation.md).",
        **settings,
    }
    return "\n".join(lines) + "\n" + yaml.safe_dump(body, sort_keys=False, allow_unicode=True)


def _through_list(key: str) -> bool:
    return any(part.isdigit() for part in key.split("."))


def resume_key(spec: CalibrationSpec, fitted: tuple[Fact, ...], tiny: bool) -> dict:
    """What a stopped fit must share with this one to be resumed: the spec and budget,
    and the objective, that is the fitted facts and the scenario they are read from
    (a fact or a scenario edited in between would mix two objectives in one database)."""
    objective = {
        "facts": [f.model_dump(mode="json") for f in fitted],
        "scenario": load_scenario(spec.scenario).model_dump(mode="json"),
    }
    text = json.dumps(objective, sort_keys=True, default=str)
    return {
        "spec_hash": spec.spec_hash(),
        "objective_hash": hashlib.sha256(text.encode()).hexdigest()[:16],
        "tiny": tiny,
    }


def _resumable(folder: Path, key: dict) -> bool:
    """A fit with the same resume key left its database here."""
    manifest = folder / MANIFEST
    if not (folder / DATABASE).exists() or not manifest.exists():
        return False
    try:
        recorded = json.loads(manifest.read_text())
    except (OSError, ValueError):
        return False
    return all(recorded.get(k) == v for k, v in key.items())


def _sessions(folder: Path, started: datetime, resumed: bool) -> list[dict]:
    """Every session that ran this fit's generations, first to this one: a fit that
    takes hours is often stopped and resumed, perhaps on another commit, and its
    manifest must say when it began and on which code each part ran."""
    this = {
        "started": started.isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "git_dirty": git_dirty(),
    }
    if not resumed:
        return [this]
    recorded = json.loads((folder / MANIFEST).read_text())
    earlier = recorded.get("sessions") or [
        {k: recorded.get(k) for k in ("started", "git_commit", "git_dirty")}
    ]
    return [*earlier, this]


def _write_manifest(
    folder: Path,
    key: dict,
    sessions: list[dict],
    status: str,
    spec: CalibrationSpec,
    result: FitResult | None = None,
) -> None:
    document = {
        "kind": "calibration",
        **key,
        "spec": spec.name,
        "seed": spec.seed,
        "fit_window_end": spec.fit_window_end,
        "fit_seeds": FIT_SEEDS,
        "files": [DATABASE, f"{DATABASE}-journal", ENSEMBLE, FIT, POINT, SPEC],
        **manifest_common(datetime.fromisoformat(sessions[0]["started"]), status),
        "sessions": sessions,
    }
    if result is not None:
        document |= {
            "generations": result.generations,
            "simulations": result.simulations,
            "epsilon": result.epsilon,
            "point": result.point,
            "effective_sample_size": result.effective_sample_size,
            "ensemble_size": len(result.ensemble),
        }
    resolved = yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False)
    atomic_write(folder / SPEC, lambda p: p.write_text(resolved))
    atomic_write(folder / MANIFEST, lambda p: p.write_text(json_text(document)))


def _quiet_pyabc(log_generations: bool = False) -> None:
    """pyabc logs every generation at INFO; the command line shows a progress bar, and
    keeps pyabc's own generation lines (epsilon, acceptance) where it cannot draw one."""
    logging.getLogger("ABC").setLevel(logging.INFO if log_generations else logging.WARNING)
    for part in (
        "Acceptor",
        "Adaptation",
        "Distance",
        "Epsilon",
        "History",
        "Population",
        "Predictor",
        "Sampler",
        "Sumstat",
        "Transition",
        "Util",
    ):
        logging.getLogger(f"ABC.{part}").setLevel(logging.WARNING)
