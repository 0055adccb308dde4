"""Loading experiment specs (tournaments, equilibria): the scenario loader's YAML reading
and error format, any pydantic schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from overplay.agents.strategies import StrategyError, make_strategy
from overplay.agents.strategies.base import scope_problems
from overplay.model.config import Scenario
from overplay.model.problems import LineMap, Loc, Problem, ScenarioError
from overplay.model.safe_yaml import read_yaml
from overplay.model.scenario_checks import pydantic_problems, where
from overplay.model.scenarios import load_scenario

Spec = TypeVar("Spec", bound=BaseModel)


class StrictSpec(BaseModel):
    """Base of spec sections: unknown keys are errors, true/false is not a number, and
    NaN and infinities are refused (strict, finite types, as in scenarios)."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


def load_spec(path: str | Path, schema: type[Spec]) -> tuple[Spec, dict]:
    """A spec file validated against ``schema``; problems raise :class:`ScenarioError`
    (``FILE:LINE: key.path: message``). Returns the spec and its line map."""
    file = Path(path)
    if not file.exists():
        raise ScenarioError([Problem(str(file), 0, "", f"file not found: {file}")])
    data, lines = read_yaml(file)
    try:
        spec = schema.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(pydantic_problems(exc, lines, (str(file), 1), schema)) from None
    return spec, lines


def check_strategy(
    name: str,
    params: dict[str, Any],
    role: str,
    loc: tuple,
    lines: dict,
    file: str,
    scenario: Scenario | None = None,
) -> list[Problem]:
    """A located problem if the strategy does not exist for the role, its params are bad
    or (given the scenario) name materials, destinations or a fallback it does not have."""
    try:
        strategy = make_strategy(name, params, role)
    except StrategyError as exc:
        return [_located((*loc, *exc.path), str(exc), lines, file)]
    if scenario is None:
        return []
    return [
        _located((*loc, "params", *sub), message, lines, file)
        for sub, message in scope_problems(strategy, role, scenario.materials, scenario.importers)
    ]


def _located(loc: Loc, message: str, lines: LineMap, file: str) -> Problem:
    return Problem(*where(loc, lines, (file, 1)), ".".join(map(str, loc)), message)


def spec_overrides(
    overrides: dict[str, Any], at: Loc, extra: list[tuple[str, Any, Loc]], lines: LineMap, file: str
) -> list[tuple[str, Any, tuple[str, int]]]:
    """A spec's scenario overrides (the mapping at key path ``at``) and the settings it
    applies to every run (``years``, ``firms``, …, each with its key path), labelled with
    their lines in the spec file, so a value the scenario refuses is reported where the
    spec gives it (not at the scenario's file)."""
    return [
        (key, value, where((*at, key), lines, (file, 1))) for key, value in overrides.items()
    ] + [(key, value, where(loc, lines, (file, 1))) for key, value, loc in extra]


def load_spec_scenario(
    reference: str, overrides: list[tuple[str, Any, tuple[str, int]]]
) -> tuple[Scenario | None, list[Problem]]:
    """The scenario a spec runs, with its overrides, or the problems found loading it."""
    try:
        return load_scenario(reference, overrides), []
    except ScenarioError as exc:
        return None, exc.problems
