"""Building blocks of the scenario schema: strict sections, name rules, fractions,
strategy references, and the error that reports fields inconsistent with each other."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from overplay.model.problems import Loc, dotted

MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
#: Names of materials, importers and producers: they become keys of ``--set`` paths,
#: targets of moves (``ban:japan``) and values in the output tables.
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
#: Names no importer or producer may take: China, the third-country destination and
#: the WTO (an actor in the action log).
RESERVED_NAMES = frozenset({"china", "other", "wto"})
#: Producers the model creates while running (greenfield entrants) are named so.
ENTRANT_NAME = re.compile(r"^entrant_\d+$")
SHARE_TOLERANCE = 1e-6


class Strict(BaseModel):
    """Base for every section: unknown keys are errors, values are re-validated on copy.

    Strict types: true/false is not a number and text is not a number; NaN and
    infinities are refused in every float (a cost of .inf would turn the results
    into NaN).
    """

    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, frozen=False, strict=True, allow_inf_nan=False
    )


class InconsistencyError(ValueError):
    """Problems found by comparing fields with each other. Each names the key paths that
    could be at fault, most specific first, so the loader can point at the one the user
    wrote (a ``--set`` override before a bundled file)."""

    def __init__(self, problems: list[tuple[tuple[Loc, ...], str]]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"{dotted(locs[0])}: {message}" for locs, message in problems))


Share = Annotated[float, Field(ge=0.0, le=1.0)]


def Frac(default: float, description: str) -> Any:  # noqa: N802 - reads like a type
    """A fraction in [0, 1]."""
    return Field(default, ge=0.0, le=1.0, description=description)


class StrategyRef(Strict):
    """A strategy chosen by name from the registry, with its parameters."""

    name: str = Field(description="Registered strategy name (see `overplay strategies`).")
    params: dict[str, Any] = Field(default_factory=dict, description="Strategy parameters.")

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, value: Any) -> Any:
        """Accept a bare name as shorthand for ``{name: NAME}``."""
        return {"name": value} if isinstance(value, str) else value


StrategyField = Annotated[StrategyRef, Field(description="Strategy name or {name, params}.")]
