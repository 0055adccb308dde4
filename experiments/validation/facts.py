"""The observed facts the model is read against (``experiments/data/history.csv``).

One row per fact: which observation function measures it in a run's tables, over which
months, the observed value, and the tolerance declared before any fit
(``docs/validation.md``). Each row cites ids of ``shared/data/stylized_facts.csv`` or of
the "Other sources" of ``docs/odd.md`` section 10. A user's own facts file has the same
columns; its problems are reported with file, line and column, never a traceback.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from overplay.experiments.validation.observe import OBSERVATIONS
from overplay.experiments.validation.periods import months
from overplay.model.problems import Problem, ScenarioError, dotted

#: The bundled facts, inside the package.
BUNDLED = "data/history.csv"
#: The last month of the fit window unless a calibration spec says otherwise.
FIT_WINDOW_END = "2014-12"


class Fact(BaseModel):
    """One observed fact and how it is measured in the model."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    fact: str = Field(pattern=r"^[A-Z]\d\d(:[0-9A-Za-z-]+)?$")
    refs: str = Field(min_length=1, description="cited fact ids, space-separated")
    observation: str
    material: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    importer: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    period: str
    base_period: str | None = None
    value: float
    unit: str = Field(min_length=1)
    tolerance: float = Field(gt=0)
    tolerance_kind: Literal["relative", "absolute"]
    not_fitted_because: str | None = None
    definition: str = Field(min_length=1)
    source: str = Field(min_length=1)
    url: str = Field(pattern=r"^https?://\S+$")

    @field_validator("period", "base_period")
    @classmethod
    def _period(cls, value: str | None) -> str | None:
        if value is not None:
            months(value)
        return value

    @field_validator("tolerance_kind")
    @classmethod
    def _relative_to_something(cls, kind: str, info: ValidationInfo) -> str:
        if kind == "relative" and info.data.get("value") == 0:
            raise ValueError("a relative tolerance needs an observed value other than 0")
        return kind

    @field_validator("observation")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in OBSERVATIONS:
            raise ValueError(f"unknown observation {value!r}; known: {', '.join(OBSERVATIONS)}")
        return value

    @property
    def months(self) -> list[str]:
        return months(self.period)

    @property
    def last_month(self) -> str:
        return self.months[-1]

    def sample(self, fit_window_end: str = FIT_WINDOW_END) -> Literal["in", "out"]:
        """In-sample when every month the fact measures lies in the fit window."""
        return "in" if self.last_month <= fit_window_end else "out"

    def fitted(self, fit_window_end: str = FIT_WINDOW_END) -> bool:
        """Whether the fit's objective counts this fact."""
        return self.sample(fit_window_end) == "in" and not self.not_fitted_because

    def within(self, simulated: float) -> bool:
        """Whether a simulated value is inside the declared tolerance."""
        return abs(self.deviation(simulated)) <= 1.0

    def deviation(self, simulated: float) -> float:
        """Signed distance from the observation in units of the tolerance (|d| <= 1 is
        within it); relative tolerances compare the ratio to the observed value."""
        if self.tolerance_kind == "relative":
            return (simulated / self.value - 1.0) / self.tolerance
        return (simulated - self.value) / self.tolerance


@dataclass(frozen=True)
class FactTable:
    """The facts of one file, in its order."""

    path: str
    facts: tuple[Fact, ...]

    def by_id(self) -> dict[str, Fact]:
        return {f.fact: f for f in self.facts}


def bundled(name: str) -> Path:
    """A file shipped in the ``overplay.experiments`` package (``data/history.csv``)."""
    return Path(str(resources.files("overplay.experiments").joinpath(name)))


def load_facts(path: Path | None = None) -> FactTable:
    """Read and check a facts file (the bundled one by default); every problem is
    reported at once as ``FILE:LINE: column: message``."""
    path = path or bundled(BUNDLED)
    name = str(path)
    try:
        rows, header = read_csv_rows(path)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        message = getattr(error, "strerror", None) or str(error)
        raise ScenarioError([Problem(name, 0, "", f"cannot read: {message}")]) from None
    problems: list[Problem] = []
    missing = [c for c in Fact.model_fields if c not in header]
    if missing:
        problems.append(Problem(name, 1, "", f"missing column(s): {', '.join(missing)}"))
        raise ScenarioError(problems)
    facts: list[Fact] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        cleaned = {k: (v if v != "" else None) for k, v in row.items() if k is not None}
        if None in row:
            problems.append(Problem(name, line, "", "more fields than the header has columns"))
            continue
        try:
            fact = Fact(**cleaned)
        except ValidationError as error:
            problems += [
                Problem(name, line, dotted(e["loc"]), e["msg"].removeprefix("Value error, "))
                for e in error.errors()
            ]
            continue
        if fact.fact in seen:
            problems.append(
                Problem(name, line, "fact", f"{fact.fact} repeats line {seen[fact.fact]}")
            )
        seen[fact.fact] = line
        facts.append(fact)
    if not rows:
        problems.append(Problem(name, 1, "", "no facts: the file has a header and no rows"))
    if problems:
        raise ScenarioError(problems)
    return FactTable(name, tuple(facts))


def read_csv_rows(path: Path) -> tuple[list[tuple[int, dict]], list[str]]:
    """A CSV file's rows, each with the line it ends on, and its header. Lines are the
    reader's (blank lines skipped, quoted fields spanning lines) so that a message
    points at the line an editor shows; a spreadsheet's byte-order mark is dropped."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        rows = [(reader.line_num, row) for row in reader]
        return rows, list(reader.fieldnames or [])
