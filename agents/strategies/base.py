"""The strategy contract and the registry that finds strategies by name.

A strategy is one small class (after the Axelrod library): a ``name``, a
``role``, a ``classifier`` and one decision method from an immutable
observation (plus the model's random generator) to actions. Its parameters
are a pydantic model, so YAML typos in them are caught like any other key.
"""

from __future__ import annotations

import difflib
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

#: Registered strategies keyed by (role, name): the same name may serve several roles
#: (``myopic_best_response`` for China and for importers). Role ``any`` fills either
#: player role (the human player).
REGISTRY: dict[tuple[str, str], type[Strategy]] = {}
PLAYER_ROLES = ("china", "importer")
CLASSIFIER_DEFAULTS: dict[str, Any] = {
    "memory_depth": 0, "stochastic": False, "look_ahead": False, "learns": False}


class StrategyParams(BaseModel):
    """Base for strategy parameters: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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
        return {"name": cls.name, "role": cls.role,
                "classifier": {**CLASSIFIER_DEFAULTS, **cls.classifier},
                "rule": " ".join((cls.__doc__ or "").split()),
                "params": {k: {"default": f.default, "description": f.description}
                           for k, f in cls.Params.model_fields.items()}}

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
            f"unknown {role} strategy {name!r}{hint} (known: {', '.join(candidates)})",
            ("name",))
    try:
        return cls(**params)
    except ValidationError as exc:
        error = exc.errors()[0]
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            fields = list(cls.Params.model_fields)
            close = difflib.get_close_matches(str(error["loc"][-1]), fields, n=1)
            message = "unknown parameter" + (f"; did you mean {close[0]!r}?" if close else
                                             f" (known: {', '.join(fields) or 'none'})")
        raise StrategyError(message, ("params", *error["loc"])) from None
