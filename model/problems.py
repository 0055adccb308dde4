"""Located problems in scenario and spec files: ``FILE:LINE: key.path: message``.

Kept apart from the loader so that the YAML reader, the loader and the spec loaders
share one error type without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass

Loc = tuple[str | int, ...]
LineMap = dict[Loc, tuple[str, int]]


@dataclass(frozen=True)
class Problem:
    """One located problem in a scenario or its overrides."""

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.file}:{self.line}: {where}{self.message}"


class ScenarioError(ValueError):
    """Bad input: one or more located problems."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line))
        super().__init__("\n".join(str(p) for p in problems))

    def __reduce__(self) -> tuple[type, tuple[list[Problem]]]:
        """Rebuilt from its problems, so that a worker process can raise it: the default
        would pass the message string back as the list of problems."""
        return ScenarioError, (self.problems,)


def dotted(loc: Loc) -> str:
    """``("importers", "us", "demand_share")`` as ``importers.us.demand_share``."""
    return ".".join(str(p) for p in loc)
