"""The calibration spec: what is fitted, to which facts, over which window, with what
budget. Parameters not named here keep the scenario's values; every prior is declared
in the spec (and documented in ``docs/validation.md``) before the fit runs."""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from overplay.experiments.specs import StrictSpec, load_spec
from overplay.experiments.validation.facts import FIT_WINDOW_END, FactTable, load_facts
from overplay.model.problems import Problem, ScenarioError
from overplay.model.scenario_checks import ScenarioNote, where
from overplay.model.scenarios import load_scenario

MONTH = r"^(19|20)\d\d-(0[1-9]|1[0-2])$"

DistanceKind = Literal["rms", "max"]


class Prior(StrictSpec):
    """A prior over one parameter: uniform, or uniform in the logarithm (for rates and
    half-lives whose order of magnitude is what is unknown)."""

    distribution: Literal["uniform", "loguniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _range(self) -> Prior:
        if not self.low < self.high:
            raise ValueError("a prior needs low < high")
        if self.distribution == "loguniform" and self.low <= 0:
            raise ValueError("a log-uniform prior needs low > 0")
        return self


class FittedParameter(StrictSpec):
    """One fitted number, written to one or more scenario keys (one elasticity for both
    materials, say)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    keys: list[str] = Field(min_length=1)
    prior: Prior
    why: str = Field(min_length=1, description="why it is uncertain and where its prior is from")
    transfer: bool = Field(
        True,
        description="whether the fitted value describes behaviour and so carries over to "
        "other scenarios (false: a trait of the fitted world, like its market shares)",
    )


class Budget(StrictSpec):
    """ABC-SMC's budget: particles per generation, generations at most, the distance
    the fit stops at (1 = one declared tolerance: on average with the ``rms``
    distance, for every fitted fact with ``max``)."""

    population_size: int = Field(200, ge=4, le=100_000)
    generations: int = Field(8, ge=1, le=100)
    minimum_epsilon: float = Field(1.0, ge=0)
    max_simulations: int = Field(50_000, ge=1)


class CalibrationSpec(StrictSpec):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str = ""
    scenario: str = "history"
    fit_window_end: str = Field(FIT_WINDOW_END, pattern=MONTH)
    seed: int = Field(1, ge=0, le=2**31 - 1)
    facts: str | None = Field(None, description="a facts CSV; the bundled one if unset")
    parameters: list[FittedParameter] = Field(min_length=1)
    budget: Budget = Budget()
    tiny_budget: Budget = Budget(population_size=6, generations=2, max_simulations=200)
    ensemble_size: int = Field(50, ge=1, le=10_000)
    seeds_per_particle: int = Field(
        1,
        ge=1,
        le=20,
        description="runs per particle, each on its own seed; the particle's value of a "
        "fact is their median, as validation reads the median over seeds (a fact set "
        "more by the seed than by the parameters is then not fitted to lucky seeds)",
    )
    distance: DistanceKind = Field(
        "rms",
        description="how a run's deviations (in tolerance units) over the fitted facts "
        "become one distance: their root mean square, or the largest (at epsilon 1 "
        "every fitted fact is then within its tolerance)",
    )
    kernel_scaling: float = Field(
        2.0,
        gt=0,
        le=10,
        description="width of ABC-SMC's proposal kernel over pyabc's default (Silverman's "
        "rule, 1): a narrow kernel in ten dimensions leaves accepted particles in its "
        "tails with most of the importance weight (docs/validation.md)",
    )

    @model_validator(mode="after")
    def _distinct(self) -> CalibrationSpec:
        names = [p.name for p in self.parameters]
        keys = [k for p in self.parameters for k in p.keys]
        for label, items in (("parameter name", names), ("scenario key", keys)):
            repeated = sorted({i for i in items if items.count(i) > 1})
            if repeated:
                raise ValueError(f"each {label} once: {', '.join(repeated)} repeat(s)")
        return self

    def spec_hash(self) -> str:
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_calibration(path: str | Path) -> tuple[CalibrationSpec, FactTable]:
    """A checked spec and its facts: unknown keys, priors outside what the scenario
    accepts and a fit window with no fitted fact are located errors."""
    file = Path(path)
    spec, lines = load_spec(file, CalibrationSpec)
    problems: list[Problem] = []
    for i, parameter in enumerate(spec.parameters):
        for end in ("low", "high"):
            value = getattr(parameter.prior, end)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ScenarioNote)  # the scenario's own notes
                    settings = [(k, value) for k in parameter.keys]
                    load_scenario(spec.scenario, settings, parse_once=True)
            except ScenarioError as exc:
                loc = ("parameters", i, "prior", end)
                problems.append(
                    Problem(
                        *where(loc, lines, (str(file), 1)),
                        f"parameters.{i}.prior.{end}",
                        "; ".join(p.message for p in exc.problems),
                    )
                )
    facts_path = None
    if spec.facts is not None:
        facts_path = Path(spec.facts)
        if not facts_path.is_absolute():
            facts_path = file.parent / facts_path
    facts = load_facts(facts_path)
    if not any(f.fitted(spec.fit_window_end) for f in facts.facts):
        problems.append(
            Problem(
                *where(("fit_window_end",), lines, (str(file), 1)),
                "fit_window_end",
                f"no fact to fit ends by {spec.fit_window_end}",
            )
        )
    if problems:
        raise ScenarioError(problems)
    return spec, facts
