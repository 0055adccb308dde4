"""Sweep specs: a base scenario, uncertainties and levers, a design, replicates, outcomes.

A spec is checked whole before anything runs: every categorical value and both bounds
of every range against the base scenario (each problem at its line), then the all-low and
all-high corners of the ranges and each explicit point together, the design's size
against a limit (computed from the spec, before a single point is drawn), and the
design's points against the inputs' domains.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import ConfigDict, Field, model_validator

from overplay.experiments.outcomes import OUTCOMES, is_outcome
from overplay.experiments.specs import StrictSpec, load_spec
from overplay.experiments.tournament import reference_from, scenario_reference
from overplay.model import load_scenario
from overplay.model.naming import OutputName
from overplay.model.problems import Problem, ScenarioError
from overplay.model.scenario_checks import where

#: An input with this key swaps the base scenario (values: bundled names or paths).
SCENARIO_KEY = "scenario"
Method = Literal["full_factorial", "explicit", "latin_hypercube", "sobol", "morris"]
#: Runs a sweep may have unless its spec raises ``max_runs``: the parent process keeps
#: about 1.3 KB per run (its configuration and design row), so 100,000 runs is ~130 MB.
MAX_RUNS = 100_000
#: The most ``max_runs`` may allow (~1.3 GB in the parent before the first run).
MAX_RUNS_CEILING = 1_000_000
#: Categories of one input (each is checked against the scenario: ~2 ms each).
MAX_VALUES = 1_000


class Strict(StrictSpec):
    """Spec sections: unknown keys are errors, booleans are not numbers, and every
    number is finite."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


def category_key(value: Any) -> str:
    """Categories compare as text: Parquet may hand back 1.0 for 1 or numpy scalars."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        value = int(value)
    return str(value.item() if isinstance(value, np.generic) else value)


class Parameter(Strict):
    """An input of the experiment: a scenario key and the values it may take.

    Uncertainties are exogenous (demand, elasticities, lead times); levers are policy
    choices (strategies, stockpile targets, subsidies) — the EMA Workbench vocabulary.
    """

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="Column name.")
    key: str = Field(
        description="Dotted scenario key it sets, e.g. "
        "materials.light.price_elasticity or china.strategy; or `scenario` "
        "(categorical): the base scenario itself, to compare scenarios."
    )
    kind: Literal["real", "integer", "categorical"] = Field(description="Value type.")
    low: float | None = Field(None, description="Lower bound (real, integer).")
    high: float | None = Field(None, description="Upper bound (real, integer).")
    values: list[Any] | None = Field(
        None, max_length=MAX_VALUES, description="Categories (categorical)."
    )
    only_with: dict[str, list[Any]] | None = Field(
        None,
        description="Full factorial: vary this input only in the points where "
        "another (categorical) input takes one of these values, e.g. {instrument: "
        "[licensing, quota]}; elsewhere it is left at the scenario's value (blank in the "
        "design), so an input a lever ignores is not crossed with it.",
    )

    @model_validator(mode="after")
    def _range(self) -> Parameter:
        if self.key == SCENARIO_KEY and self.kind != "categorical":
            raise ValueError("the scenario input must be categorical (scenario names)")
        if self.kind == "categorical":
            if not self.values:
                raise ValueError("categorical inputs need values")
            seen: dict[str, int] = {}
            for j, value in enumerate(self.values):
                if category_key(value) in seen:
                    raise ValueError(
                        f"values.{j}: {value!r} repeats values."
                        f"{seen[category_key(value)]}; each design point "
                        "would be run twice and counted as two"
                    )
                seen[category_key(value)] = j
        elif self.low is None or self.high is None or not self.low < self.high:
            raise ValueError("real and integer inputs need low < high")
        elif self.kind == "integer" and not (self.low.is_integer() and self.high.is_integer()):
            raise ValueError("integer inputs need whole-number low and high")
        if self.only_with is not None and len(self.only_with) != 1:
            raise ValueError("only_with: name exactly one input and its values")
        return self

    def grid(self, levels: int) -> list[Any]:
        """A full factorial's values: the categories, or ``levels`` evenly spaced values
        from low to high (integers: the distinct whole numbers among them)."""
        if self.kind == "categorical":
            return list(self.values or [])
        grid = np.linspace(self.low, self.high, levels)
        if self.kind == "integer":
            return sorted({round(float(v)) for v in grid})
        return [float(v) for v in grid]

    def bounds(self) -> list[tuple[str, Any]]:
        """Every value the scenario must accept, by the spec key that gives it: each
        category, or both ends of a range."""
        if self.kind == "categorical":
            return [(f"values.{j}", v) for j, v in enumerate(self.values or [])]
        cast = int if self.kind == "integer" else float
        return [("low", cast(self.low)), ("high", cast(self.high))]

    def admits(self, value: Any) -> bool:
        """Whether an explicit point's value lies in this input's domain."""
        if self.kind == "categorical":
            return category_key(value) in {category_key(v) for v in self.values or []}
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.kind == "integer" and not float(value).is_integer():
            return False
        return self.low <= value <= self.high  # type: ignore[operator]


class Design(Strict):
    """How points are drawn from the inputs' space."""

    method: Method = Field(
        description="full_factorial, explicit, latin_hypercube, sobol (Saltelli) or morris."
    )
    samples: int = Field(
        16,
        ge=1,
        le=1_000_000,
        description="LHS: points; sobol: base "
        "samples N (N·(D+2) points, N·(2D+2) with second order; a "
        "power of 2); morris: trajectories (N·(D+1) points).",
    )
    levels: int = Field(
        3,
        ge=2,
        le=100,
        description="Full factorial: levels of each real/integer input; morris: grid levels.",
    )
    points: list[dict[str, Any]] = Field(
        default_factory=list, description="Explicit points (input name → value)."
    )
    second_order: bool = Field(False, description="Sobol: also second-order indices.")


class FigureHints(Strict):
    """How `overplay plot` should draw a factorial sweep (input names)."""

    x: str | None = Field(None, description="The curve's x axis (default: the first lever).")
    hue: str | None = Field(
        None, description="One line per value of this input (default: the second lever)."
    )


class SweepSpec(Strict):
    """A designed batch of runs."""

    name: OutputName = Field(
        "sweep",
        description="Short name; it names the default output "
        "folder results/<name>, so letters, digits, '.', '_' and '-'.",
    )
    scenario: str = Field("baseline", description="Bundled scenario name or YAML path.")
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        description="Dotted overrides for every run (e.g. years, firms.count).",
    )
    uncertainties: list[Parameter] = Field(default_factory=list, description="Exogenous inputs.")
    levers: list[Parameter] = Field(default_factory=list, description="Policy inputs.")
    design: Design = Field(description="The experimental design.")
    replicates: int = Field(1, ge=1, le=10_000, description="Seeds per design point.")
    seed: int = Field(2026, ge=0, description="Root seed; every run's seed is spawned from it.")
    seeds: Literal["per_replicate", "per_run"] = Field(
        "per_replicate",
        description="per_replicate: common random numbers — replicate r "
        "of every design point runs with the same seed, so differences between points are "
        "the inputs' doing (paired comparisons; Sobol and Morris see a deterministic "
        "function of the inputs); per_run: every run draws its own seed.",
    )
    outcomes: list[str] = Field(
        description="Outcomes to keep (see docs/experiments.md); "
        "threshold outcomes name their threshold, e.g. "
        "years_to_processing_share_below_95pct_heavy."
    )
    per_round: Literal["none", "all"] | int = Field(
        "none", description="Per-step data: none, all, or every k steps."
    )
    figures: FigureHints = Field(
        default_factory=FigureHints,
        description="How `overplay plot` draws the overuse curve and heatmap (x, hue).",
    )
    max_runs: int = Field(
        MAX_RUNS,
        ge=1,
        le=MAX_RUNS_CEILING,
        description="The most runs "
        "(design points × replicates) this sweep may have; refused "
        "before anything runs if the design is larger.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> SweepSpec:
        names = [p.name for p in self.inputs]
        if len(set(names)) != len(names):
            raise ValueError("input names must be unique")
        if sum(p.key == SCENARIO_KEY for p in self.inputs) > 1:
            raise ValueError("at most one input may set the scenario")
        if not names and self.design.method != "explicit":
            raise ValueError("give at least one uncertainty or lever")
        unknown = sorted(name for name in self.outcomes if not is_outcome(name))
        if unknown:
            raise ValueError(
                f"outcomes: unknown {unknown}; known: {', '.join(sorted(OUTCOMES))}"
                " (threshold outcomes at another whole percent too, e.g. "
                "years_to_processing_share_below_95pct_heavy)"
            )
        samples = self.design.samples
        if self.design.method == "sobol" and samples & (samples - 1):
            raise ValueError(
                f"design.samples: Saltelli sampling needs a power of 2 "
                f"(Sobol' sequence balance); {samples} is not — use "
                f"{1 << (samples.bit_length() - 1)} or {1 << samples.bit_length()}"
            )
        if self.design.method == "morris" and self.design.levels % 2:
            raise ValueError("design.levels: Morris needs an even number of levels")
        if isinstance(self.per_round, int) and self.per_round < 1:
            raise ValueError("per_round: every k steps needs k >= 1")
        if self.figures.x is not None and self.figures.x == self.figures.hue:
            raise ValueError("figures: x and hue must be different inputs")
        for axis in ("x", "hue"):
            hinted = getattr(self.figures, axis)
            if hinted is not None and hinted not in names:
                raise ValueError(
                    f"figures.{axis}: unknown input {hinted!r}; choose one of {', '.join(names)}"
                )
        self._check_conditions()
        self._check_points()
        self._check_size()
        return self

    @property
    def inputs(self) -> list[Parameter]:
        return [*self.uncertainties, *self.levers]

    def located(self, parameter: Parameter) -> str:
        """The spec path of an input (``levers.2``), for messages."""
        section = "uncertainties" if parameter in self.uncertainties else "levers"
        return f"{section}.{getattr(self, section).index(parameter)}"

    def _check_conditions(self) -> None:
        """``only_with`` names a categorical input that is not itself conditional, by
        values it takes; only a full factorial can leave an input out of some points."""
        by_name = {p.name: p for p in self.inputs}
        for parameter in self.inputs:
            if parameter.only_with is None:
                continue
            at = f"{self.located(parameter)}.only_with"
            if self.design.method != "full_factorial":
                raise ValueError(
                    f"{at}: only a full_factorial design can vary an input in "
                    f"some points only ({self.design.method} samples every "
                    "input in every point)"
                )
            ((name, values),) = parameter.only_with.items()
            other = by_name.get(name)
            if other is None or other is parameter:
                raise ValueError(f"{at}: {name!r} is not another input of this spec")
            if other.kind != "categorical" or other.only_with is not None:
                raise ValueError(
                    f"{at}: {name!r} must be a categorical input that is itself in every point"
                )
            missing = [v for v in values if not other.admits(v)]
            if missing or not values:
                raise ValueError(
                    f"{at}.{name}: give values of {name} "
                    f"({', '.join(map(str, other.values or []))}); "
                    f"not {missing or 'none'}"
                )

    def _check_points(self) -> None:
        """An explicit design has points, each naming inputs of the spec by values in
        their domains, and no point repeats another (it would count twice)."""
        if self.design.method != "explicit":
            if self.design.points:
                raise ValueError(
                    f"design.points: only an explicit design takes points "
                    f"(this one is {self.design.method})"
                )
            return
        if not self.design.points:
            raise ValueError("design.points: an explicit design needs at least one point")
        by_name = {p.name: p for p in self.inputs}
        seen: dict[str, int] = {}
        for i, point in enumerate(self.design.points):
            extra = sorted(set(point) - set(by_name))
            if extra:
                raise ValueError(f"design.points.{i}: unknown input(s) {extra}")
            for name, value in point.items():
                if not by_name[name].admits(value):
                    raise ValueError(
                        f"design.points.{i}.{name}: {value!r} is outside the "
                        f"input's {_domain(by_name[name])}"
                    )
            key = json.dumps({n: category_key(v) for n, v in point.items()}, sort_keys=True)
            if key in seen:
                raise ValueError(
                    f"design.points.{i}: repeats design.points.{seen[key]}; a "
                    "repeated point is not an independent observation (raise "
                    "replicates instead)"
                )
            seen[key] = i

    def _check_size(self) -> None:
        """Refuse a design too large to hold, before a single point is drawn."""
        points, formula = design_size(self)
        runs = points * self.replicates
        if runs > self.max_runs:
            raise ValueError(
                f"design: {formula} = {points:,} point(s) × {self.replicates:,} replicate(s) "
                f"= {runs:,} runs, more than max_runs = {self.max_runs:,}; shrink the design "
                f"or the replicates, or raise max_runs (at most {MAX_RUNS_CEILING:,}: the "
                "sweep keeps ~1.3 KB per run in memory before it starts)"
            )


def _domain(parameter: Parameter) -> str:
    if parameter.kind == "categorical":
        return f"values {parameter.values}"
    return f"range [{parameter.low:g}, {parameter.high:g}] ({parameter.kind})"


def design_size(spec: SweepSpec) -> tuple[int, str]:
    """How many points the design has, and how that number is made — from the spec
    alone (a factorial's product is never enumerated to count it)."""
    design, inputs = spec.design, spec.inputs
    d = len(inputs)
    if design.method == "explicit":
        return len(design.points), "explicit points"
    if design.method == "latin_hypercube":
        return design.samples, "samples"
    if design.method == "sobol":
        factor = 2 * d + 2 if design.second_order else d + 2
        return design.samples * factor, f"N·({'2D+2' if design.second_order else 'D+2'})"
    if design.method == "morris":
        return design.samples * (d + 1), "N·(D+1)"
    sizes = {p.name: len(p.grid(design.levels)) for p in inputs}
    size = math.prod(
        sizes[p.name] for p in inputs if p.only_with is None and not _controls(p, inputs)
    )
    for controller in (p for p in inputs if _controls(p, inputs)):
        size *= sum(
            math.prod(
                sizes[q.name]
                for q in inputs
                if q.only_with and category_key(value) in _when(q, controller)
            )
            for value in controller.values or []
        )
    return size, "levels' product"


def _controls(parameter: Parameter, inputs: list[Parameter]) -> bool:
    return any(q.only_with and parameter.name in q.only_with for q in inputs)


def _when(parameter: Parameter, controller: Parameter) -> set[str]:
    """The controller's values (as category keys) in whose points ``parameter`` varies."""
    return {category_key(v) for v in (parameter.only_with or {}).get(controller.name, [])}


def spec_hash(spec: SweepSpec) -> str:
    """What identifies a sweep's runs: a changed spec must not share a folder."""
    return hashlib.sha256(
        json.dumps(spec.model_dump(mode="json"), sort_keys=True).encode()
    ).hexdigest()


def load_sweep(path: str | Path) -> SweepSpec:
    """Validate a sweep spec: its schema and design, then every categorical value and
    both bounds of every range against the base scenario(s), then the ranges' corners and
    explicit points together, each problem at its line."""
    spec, lines = load_spec(path, SweepSpec)
    file = Path(path)
    problems: list[Problem] = []
    references = [scenario_reference(spec, file)]
    swapped = next((p for p in spec.inputs if p.key == SCENARIO_KEY), None)
    if swapped is not None:
        references = []
        for label, value in swapped.bounds():
            at = f"{spec.located(swapped)}.{label}"
            reference = reference_from(str(value), file)
            try:
                load_scenario(reference, parse_once=True)
                references.append(reference)
            except ScenarioError as exc:
                reasons = "; ".join(p.message for p in exc.problems)
                problems.append(_problem(at, lines, file, reasons))
    for reference in references:
        try:
            load_scenario(reference, _overrides(spec), parse_once=True)
        except ScenarioError as exc:
            problems += exc.problems
    if problems or not references:
        raise ScenarioError(problems)
    for parameter in spec.inputs:
        if parameter is swapped:
            continue
        for label, value in parameter.bounds():
            problem = _probe(spec, references, [(parameter.key, value)])
            if problem:
                problems.append(
                    _problem(
                        f"{spec.located(parameter)}.{label}",
                        lines,
                        file,
                        f"{parameter.key} = {value!r} is not valid: {problem}",
                    )
                )
    if not problems:
        problems = _combination_problems(spec, references, swapped, lines, file)
    if problems:
        raise ScenarioError(problems)
    return spec


def _combination_problems(
    spec: SweepSpec, references: list[str], swapped: Parameter | None, lines: dict, file: Path
) -> list[Problem]:
    """Inputs valid one at a time can break a rule between keys together (two demand
    shares both at ``high`` summing over 1): probe the all-low and all-high corners of the
    real and integer inputs that are in every point, and each explicit point, against
    the scenario — a few probes more, instead of a sweep that fails once it runs."""
    problems = []
    ranged = [p for p in spec.inputs if p.kind != "categorical" and p.only_with is None]
    if len(ranged) > 1 and spec.design.method != "explicit":
        for end in ("low", "high"):
            settings = [(p.name, p.key, dict(p.bounds())[end]) for p in ranged]
            problem = _probe(spec, references, [(key, v) for _, key, v in settings])
            if problem:
                shown = ", ".join(f"{name} = {v!r}" for name, _, v in settings)
                problems.append(
                    _problem(
                        f"{spec.located(ranged[0])}.{end}",
                        lines,
                        file,
                        f"with every real/integer input at its {end} "
                        f"({shown}) the scenario is not valid: {problem}; "
                        "narrow the ranges so that they fit together",
                    )
                )
    if spec.design.method == "explicit":
        by_name = {p.name: p for p in spec.inputs}
        for i, point in enumerate(spec.design.points):
            chosen = references
            if swapped is not None and swapped.name in point:
                chosen = [reference_from(str(point[swapped.name]), file)]
            settings = [(by_name[n].key, v) for n, v in point.items() if by_name[n] is not swapped]
            problem = _probe(spec, chosen, settings) if len(settings) > 1 else None
            if problem:
                problems.append(
                    _problem(
                        f"design.points.{i}",
                        lines,
                        file,
                        f"{', '.join(point)} together are not valid: {problem}",
                    )
                )
    return problems


def _probe(spec: SweepSpec, references: list[str], settings: list[tuple[str, Any]]) -> str | None:
    """Why the scenario(s) refuse these ``(key, value)`` settings on top of the spec's
    overrides (None if they accept them)."""
    for reference in references:
        try:
            load_scenario(reference, [*_overrides(spec), *copy.deepcopy(settings)], parse_once=True)
        except ScenarioError as exc:
            shown = "" if len(references) == 1 else f" (scenario {reference})"
            return "; ".join(p.message for p in exc.problems) + shown
    return None


def _overrides(spec: SweepSpec) -> list[tuple[str, Any]]:
    """The spec's overrides, copied: the loader sets a mapping value as is and later
    dotted keys write into it, so probing with the spec's own would change the spec."""
    return copy.deepcopy(list(spec.overrides.items()))


def _problem(at: str, lines: dict, file: Path, message: str) -> Problem:
    """A problem at spec path ``at`` (``levers.0.values.2``), located at its line."""
    loc = tuple(int(part) if part.isdigit() else part for part in at.split("."))
    return Problem(*where(loc, lines, (str(file), 1)), at, message)
