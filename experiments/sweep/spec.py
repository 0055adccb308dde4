"""Sweep specs: a base scenario, uncertainties and levers, a design, replicates, outcomes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from experiments.outcomes import OUTCOMES
from experiments.specs import StrictSpec, load_spec
from experiments.tournament import reference_from, scenario_reference
from model import load_scenario
from model.scenarios import Problem, ScenarioError

#: An input with this key swaps the base scenario (values: bundled names or paths).
SCENARIO_KEY = "scenario"
Method = Literal["full_factorial", "explicit", "latin_hypercube", "sobol", "morris"]


class Parameter(StrictSpec):
    """An input of the experiment: a scenario key and the values it may take.

    Uncertainties are exogenous (demand, elasticities, lead times); levers are policy
    choices (strategies, stockpile targets, subsidies) — the EMA Workbench vocabulary.
    """

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="Column name.")
    key: str = Field(description="Dotted scenario key it sets, e.g. "
                     "materials.light.price_elasticity or china.strategy; or `scenario` "
                     "(categorical): the base scenario itself, to compare scenarios.")
    kind: Literal["real", "integer", "categorical"] = Field(description="Value type.")
    low: float | None = Field(None, description="Lower bound (real, integer).")
    high: float | None = Field(None, description="Upper bound (real, integer).")
    values: list[Any] | None = Field(None, description="Categories (categorical).")

    @model_validator(mode="after")
    def _range(self) -> Parameter:
        if self.key == SCENARIO_KEY and self.kind != "categorical":
            raise ValueError("the scenario input must be categorical (scenario names)")
        if self.kind == "categorical":
            if not self.values:
                raise ValueError("categorical inputs need values")
        elif self.low is None or self.high is None or not self.low < self.high:
            raise ValueError("real and integer inputs need low < high")
        elif self.kind == "integer" and not (self.low.is_integer() and self.high.is_integer()):
            raise ValueError("integer inputs need whole-number low and high")
        return self


class Design(StrictSpec):
    """How points are drawn from the inputs' space."""

    method: Method = Field(description="full_factorial, explicit, latin_hypercube, sobol "
                           "(Saltelli) or morris.")
    samples: int = Field(16, ge=1, le=1_000_000, description="LHS: points; sobol: base "
                         "samples N (N·(D+2) points, N·(2D+2) with second order; a "
                         "power of 2); morris: trajectories (N·(D+1) points).")
    levels: int = Field(3, ge=2, le=100, description="Full factorial: levels of each "
                        "real/integer input; morris: grid levels.")
    points: list[dict[str, Any]] = Field(default_factory=list, description="Explicit points "
                                         "(input name → value).")
    second_order: bool = Field(False, description="Sobol: also second-order indices.")


class FigureHints(StrictSpec):
    """How `overplay plot` should draw a factorial sweep (input names)."""

    x: str | None = Field(None, description="The curve's x axis (default: the first lever).")
    hue: str | None = Field(None, description="One line per value of this input (default: "
                            "the second lever).")


class SweepSpec(StrictSpec):
    """A designed batch of runs."""

    name: str = Field("sweep", description="Short name.")
    scenario: str = Field("baseline", description="Bundled scenario name or YAML path.")
    overrides: dict[str, Any] = Field(default_factory=dict, description="Dotted overrides "
                                      "for every run (e.g. years, firms.count).")
    uncertainties: list[Parameter] = Field(default_factory=list, description="Exogenous inputs.")
    levers: list[Parameter] = Field(default_factory=list, description="Policy inputs.")
    design: Design = Field(description="The experimental design.")
    replicates: int = Field(1, ge=1, le=10_000, description="Seeds per design point.")
    seed: int = Field(2026, ge=0, description="Root seed; every run's seed is spawned from it.")
    seeds: Literal["per_replicate", "per_run"] = Field(
        "per_replicate", description="per_replicate: common random numbers — replicate r "
        "of every design point runs with the same seed, so differences between points are "
        "the inputs' doing (paired comparisons; Sobol and Morris see a deterministic "
        "function of the inputs); per_run: every run draws its own seed.")
    outcomes: list[str] = Field(description="Outcomes to keep (see docs/experiments.md).")
    per_round: Literal["none", "all"] | int = Field("none", description="Per-step data: "
                                                    "none, all, or every k steps.")
    figures: FigureHints = Field(default_factory=FigureHints, description="How `overplay "
                                 "plot` draws the overuse curve and heatmap (x, hue).")

    @model_validator(mode="after")
    def _consistent(self) -> SweepSpec:
        names = [p.name for p in self.inputs]
        if len(set(names)) != len(names):
            raise ValueError("input names must be unique")
        if sum(p.key == SCENARIO_KEY for p in self.inputs) > 1:
            raise ValueError("at most one input may set the scenario")
        if not names and self.design.method != "explicit":
            raise ValueError("give at least one uncertainty or lever")
        unknown = sorted(set(self.outcomes) - set(OUTCOMES))
        if unknown:
            raise ValueError(f"outcomes: unknown {unknown}; known: {', '.join(sorted(OUTCOMES))}")
        samples = self.design.samples
        if self.design.method == "sobol" and samples & (samples - 1):
            raise ValueError(f"design.samples: Saltelli sampling needs a power of 2 "
                             f"(Sobol' sequence balance); {samples} is not — use "
                             f"{1 << (samples.bit_length() - 1)} or {1 << samples.bit_length()}")
        if self.design.method == "morris" and self.design.levels % 2:
            raise ValueError("design.levels: Morris needs an even number of levels")
        if isinstance(self.per_round, int) and self.per_round < 1:
            raise ValueError("per_round: every k steps needs k >= 1")
        if self.figures.x is not None and self.figures.x == self.figures.hue:
            raise ValueError("figures: x and hue must be different inputs")
        for axis in ("x", "hue"):
            hinted = getattr(self.figures, axis)
            if hinted is not None and hinted not in names:
                raise ValueError(f"figures.{axis}: unknown input {hinted!r}; choose one of "
                                 f"{', '.join(names)}")
        for i, point in enumerate(self.design.points):
            extra = set(point) - set(names)
            if extra:
                raise ValueError(f"design.points.{i}: unknown input(s) {sorted(extra)}")
        return self

    @property
    def inputs(self) -> list[Parameter]:
        return [*self.uncertainties, *self.levers]


def spec_hash(spec: SweepSpec) -> str:
    """What identifies a sweep's runs: a changed spec must not share a folder."""
    return hashlib.sha256(json.dumps(spec.model_dump(mode="json"), sort_keys=True)
                          .encode()).hexdigest()


def load_sweep(path: str | Path) -> SweepSpec:
    """Validate a sweep spec, including that every input key exists in the scenario."""
    spec, lines = load_spec(path, SweepSpec)
    file = Path(path)
    references = [scenario_reference(spec, file)]
    problems: list[Problem] = []
    for section in ("uncertainties", "levers"):
        for i, parameter in enumerate(getattr(spec, section)):
            if parameter.key == SCENARIO_KEY:
                references = []
                where = lines.get((section, i, "values"), (str(file), 1))
                for j, value in enumerate(parameter.values or []):
                    try:
                        load_scenario(reference_from(str(value), file))
                        references.append(reference_from(str(value), file))
                    except ScenarioError as exc:
                        reasons = "; ".join(p.message for p in exc.problems)
                        problems.append(Problem(*where, f"{section}.{i}.values.{j}", reasons))
    for reference in references:
        try:
            load_scenario(reference, list(spec.overrides.items()))
        except ScenarioError as exc:
            problems += exc.problems
    for section in ("uncertainties", "levers"):
        for i, parameter in enumerate(getattr(spec, section)):
            if parameter.key == SCENARIO_KEY:
                continue
            probe = parameter.values[0] if parameter.kind == "categorical" else (
                int(parameter.low) if parameter.kind == "integer" else parameter.low)
            try:
                load_scenario(references[0],
                              [*spec.overrides.items(), (parameter.key, probe)])
            except ScenarioError as exc:
                where = lines.get((section, i, "key"), (str(file), 1))
                reasons = "; ".join(p.message for p in exc.problems)
                problems.append(Problem(*where, f"{section}.{i}.key",
                                        f"{parameter.key} = {probe!r} is not valid: {reasons}"))
    if problems:
        raise ScenarioError(problems)
    return spec
