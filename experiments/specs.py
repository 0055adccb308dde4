"""Loading experiment specs (tournaments, equilibria): the scenario loader's YAML reading
and error format, any pydantic schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from agents.strategies import StrategyError, make_strategy
from model.scenarios import Problem, ScenarioError, pydantic_problems, read_yaml, where

Spec = TypeVar("Spec", bound=BaseModel)


class StrictSpec(BaseModel):
    """Base of spec sections: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


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


def check_strategy(name: str, params: dict[str, Any], role: str, loc: tuple,
                   lines: dict, file: str) -> list[Problem]:
    """A located problem if the strategy does not exist for the role or its params are bad."""
    try:
        make_strategy(name, params, role)
    except StrategyError as exc:
        full = (*loc, *exc.path)
        return [Problem(*where(full, lines, (file, 1)), ".".join(map(str, full)), str(exc))]
    return []
