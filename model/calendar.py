"""Month arithmetic: one Mesa step is one month, step 1 is the scenario's start month."""

from __future__ import annotations

from functools import cache


def month_index(date: str) -> int:
    """Months since year 0 for a ``YYYY-MM`` string."""
    year, month = date.split("-")
    return int(year) * 12 + int(month) - 1


@cache  # asked every month of every run; the few distinct answers are kept
def date_of_step(start: str, step: int) -> str:
    """The ``YYYY-MM`` month that step ``step`` (1-based) simulates."""
    index = month_index(start) + step - 1
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def step_of_date(start: str, date: str) -> int:
    """The step (1-based) that simulates month ``date``."""
    return month_index(date) - month_index(start) + 1
