"""The strategy contract and the registry that finds strategies by name.

A strategy is one small class (after the Axelrod library): a ``name``, a
``role``, a ``classifier`` and one decision method from an immutable
observation (plus the model's random generator) to actions. Its parameters
are a pydantic model, so YAML typos in them are caught like any other key.
"""

from __future__ import annotations

import difflib
import typing
from abc import ABC, abstractmethod
from collections.abc import Collection
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

#: Registered strategies keyed by (role, name): the same name may serve several roles
#: (``myopic_best_response`` for China and for importers). Role ``any`` fills either
#: player role (the human player).
REGISTRY: dict[tuple[str, str], type[Strategy]] = {}
PLAYER_ROLES = ("china", "importer")
CLASSIFIER_DEFAULTS: dict[str, Any] = {
    "memory_depth": 0,
    "stochastic": False,
    "look_ahead": False,
    "best_response": False,
    "learns": False,
}


class StrategyParams(BaseModel):
    """Base for strategy parameters: unknown keys are errors; true/false is not a number
    nor text a number, and NaN and infinities are refused (strict types). Lists are
    accepted where a parameter is a tuple (YAML has no tuples)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _lists_as_tuples(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        return {
            key: tuple(value)
            if isinstance(value, list)
            and key in cls.model_fields
            and typing.get_origin(cls.model_fields[key].annotation) is tuple
            else value
            for key, value in data.items()
        }


class Strategy(ABC):
    """A decision rule for one role."""

    name: ClassVar[str]
    role: ClassVar[str]
    classifier: ClassVar[dict[str, Any]] = {}
    Params: ClassVar[type[StrategyParams]] = StrategyParams

    def __init__(self, **params: Any) -> None:
        self.params = self.Params(**params)

    @abstractmethod
    def decide(self, observation: Any, rng: np.random.Generator) -> Any:
        """Map an observation to this role's decision. Must not change the world."""

    def update(self, payoff: float, chosen: tuple) -> None:  # noqa: B027 - optional hook
        """Learn from the payoff (USD m) earned over the round just ended, in which the
        player took the actions ``chosen`` (what ``decide`` returned).

        Called by the model at the start of each round; only learning strategies
        override it, so that ``decide`` itself stays free of side effects.
        """

    @classmethod
    def describe(cls) -> dict[str, Any]:
        """Name, role, full classifier, one-sentence rule and parameters (for listings)."""
        return {
            "name": cls.name,
            "role": cls.role,
            "classifier": {**CLASSIFIER_DEFAULTS, **cls.classifier},
            "rule": " ".join((cls.__doc__ or "").split()),
            "params": {
                k: {"default": f.default, "description": f.description}
                for k, f in cls.Params.model_fields.items()
            },
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.params!r})"


class StrategyError(ValueError):
    """A strategy name or parameter that does not exist or does not fit."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.path = path


def register(cls: type[Strategy]) -> type[Strategy]:
    """Class decorator adding a strategy to the registry under (role, name)."""
    key = (cls.role, cls.name)
    if key in REGISTRY:
        raise ValueError(f"strategy {cls.name!r} registered twice for role {cls.role!r}")
    REGISTRY[key] = cls
    return cls


def strategies_for(role: str) -> list[type[Strategy]]:
    """Strategies that can fill ``role`` (role-``any`` ones included for players)."""
    roles = {role, "any"} if role in PLAYER_ROLES else {role}
    return [cls for (r, _), cls in sorted(REGISTRY.items()) if r in roles]


def names_for(role: str) -> list[str]:
    """Registered strategy names for one role, sorted."""
    return sorted({cls.name for cls in strategies_for(role)})


def lookup(name: str, role: str) -> type[Strategy] | None:
    """The strategy registered under ``name`` for ``role``, if any."""
    cls = REGISTRY.get((role, name))
    if cls is None and role in PLAYER_ROLES:
        cls = REGISTRY.get(("any", name))
    return cls


def make_strategy(name: str, params: dict[str, Any], role: str) -> Strategy:
    """Build a registered strategy, with a did-you-mean for misspelled names."""
    candidates = names_for(role)
    cls = lookup(name, role)
    if cls is None:
        close = difflib.get_close_matches(name, candidates, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise StrategyError(
            f"unknown {role} strategy {name!r}{hint} (known: {', '.join(candidates)})", ("name",)
        )
    try:
        return cls(**params)
    except ValidationError as exc:
        error = exc.errors()[0]
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            fields = list(cls.Params.model_fields)
            close = difflib.get_close_matches(str(error["loc"][-1]), fields, n=1)
            message = "unknown parameter" + (
                f"; did you mean {close[0]!r}?"
                if close
                else f" (known: {', '.join(fields) or 'none'})"
            )
        raise StrategyError(message, ("params", *error["loc"])) from None


def scope_problems(
    strategy: Strategy, role: str, materials: Collection[str], importers: Collection[str]
) -> list[tuple[tuple[str | int, ...], str]]:
    """Parameters that name things a scenario defines — ``materials``, ``targets``,
    targets of ``moves`` (``ban:japan``) and the ``fallback`` rule — checked against
    one scenario, as (key path within params, message) pairs. The parameter schemas
    cannot do it: which materials and importers exist is the scenario's choice."""
    params = strategy.params
    fields = type(params).model_fields
    destinations = sorted({*importers, "other"})
    problems: list[tuple[tuple[str | int, ...], str]] = []
    if "materials" in fields:
        unknown = sorted(set(params.materials) - set(materials))
        if unknown:
            problems.append(
                (("materials",), f"unknown material(s) {unknown}; known: {sorted(materials)}")
            )
    if "targets" in fields:
        unknown = sorted(set(params.targets) - set(destinations))
        if unknown:
            problems.append(
                (
                    ("targets",),
                    f"unknown destination(s) {unknown}; known: {', '.join(destinations)}",
                )
            )
    for index, move in enumerate(params.moves if "moves" in fields else ()):
        target = move.partition(":")[2]
        if target and role != "china":
            problems.append((("moves", index), f"move {move!r}: only China's moves take a target"))
        elif target and target not in destinations:
            problems.append(
                (
                    ("moves", index),
                    f"move {move!r}: unknown target {target!r}; known: {', '.join(destinations)}",
                )
            )
    if "fallback" in fields:
        message = _fallback_problem(strategy, role)
        if message:
            problems.append((("fallback",), message))
    return problems


def _fallback_problem(strategy: Strategy, role: str) -> str | None:
    """The fallback decides in forecasts made by others and when a person is late, so it
    must exist for the role and decide without forecasting or waiting for a person."""
    name = strategy.params.fallback
    if strategy.name == "human" and role == "importer" and name == "hold":
        name = "passive"  # the human player's documented default for importers
    cls = lookup(name, role)
    if cls is None:
        close = difflib.get_close_matches(name, names_for(role), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown {role} strategy {name!r}{hint} (known: {', '.join(names_for(role))})"
    if cls.classifier.get("look_ahead") or cls.classifier.get("human"):
        return (
            f"{name!r} cannot be a fallback: it forecasts or waits for a person; "
            "choose a rule such as " + ("'hold'" if role == "china" else "'passive'")
        )
    return None
