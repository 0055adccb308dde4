"""Exogenous time series as monthly values (``docs/odd.md`` §7.15).

A scenario's ``series:`` (:class:`overplay.model.config_series.SeriesConfig`) gives
values at some months; the model asks for one month at a time. Two rules:

- a **level** (world demand, China's supply price) moves linearly between its points
  and stays at the first before it; after the last point it stays flat, or grows at a
  given yearly rate (demand: the material's trend, so a history runs on into a
  projection);
- a **setting** (a production quota, a producer's capacity) holds from its month until
  the next point, like the decision it records; before the first point there is none.

Hand-written rather than ``numpy.interp``: one value per call, with the growth tail
and the step rule, costs less than building arrays each month.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from overplay.model.calendar import month_index


@dataclass(frozen=True)
class DatedSeries:
    """A series' points as month indices (months since year 0) and values, in order."""

    months: tuple[int, ...]
    values: tuple[float, ...]

    @classmethod
    def of(cls, points: dict[str, float]) -> DatedSeries:
        ordered = sorted((month_index(date), float(value)) for date, value in points.items())
        return cls(tuple(m for m, _ in ordered), tuple(v for _, v in ordered))

    def level(self, month: int, growth_per_year: float = 0.0) -> float:
        """The level at ``month``: linear between points, the first value before them,
        the last grown at ``growth_per_year`` after them."""
        months, values = self.months, self.values
        if month <= months[0]:
            return values[0]
        if month >= months[-1]:
            return values[-1] * (1.0 + growth_per_year) ** ((month - months[-1]) / 12.0)
        right = bisect.bisect_right(months, month)
        m0, m1 = months[right - 1], months[right]
        v0, v1 = values[right - 1], values[right]
        return v0 + (v1 - v0) * (month - m0) / (m1 - m0)

    def setting(self, month: int) -> float | None:
        """The setting in force at ``month``: the last point at or before it (None
        before the first)."""
        index = bisect.bisect_right(self.months, month)
        return self.values[index - 1] if index else None

    def changes_after(self, month: int) -> list[tuple[int, float]]:
        """The points after ``month`` as (month, value): when a setting changes."""
        return [(m, v) for m, v in zip(self.months, self.values, strict=True) if m > month]
