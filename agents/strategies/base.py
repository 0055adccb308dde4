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

REGISTRY: dict[str, type[Strategy]] = {}


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
        """Map an observation to this role's decision."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.params!r})"


class StrategyError(ValueError):
    """A strategy name or parameter that does not exist or does not fit."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.path = path


def register(cls: type[Strategy]) -> type[Strategy]:
    """Class decorator adding a strategy to the registry under its name."""
    if cls.name in REGISTRY:
        raise ValueError(f"strategy {cls.name!r} registered twice")
    REGISTRY[cls.name] = cls
    return cls


def names_for(role: str) -> list[str]:
    """Registered strategy names for one role, sorted."""
    return sorted(name for name, cls in REGISTRY.items() if cls.role == role)


def make_strategy(name: str, params: dict[str, Any], role: str) -> Strategy:
    """Build a registered strategy, with a did-you-mean for misspelled names."""
    candidates = names_for(role)
    cls = REGISTRY.get(name)
    if cls is None or cls.role != role:
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
