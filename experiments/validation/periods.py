"""Periods as the facts name them: a year, a month, a quarter or a span of years."""

from __future__ import annotations

import re

_YEAR = r"(19|20)\d\d"
PERIOD = re.compile(rf"^{_YEAR}(-(0[1-9]|1[0-2])|-Q[1-4]|-{_YEAR})?$")


def months(period: str) -> list[str]:
    """Months ("YYYY-MM") a period covers: ``2010``, ``2010-10``, ``2011-Q4``,
    ``2020-2023``."""
    if not PERIOD.match(period):
        raise ValueError(
            f"period {period!r} is not YYYY, YYYY-MM, YYYY-Qn or YYYY-YYYY (years inclusive)"
        )
    if len(period) == 4:
        return [f"{period}-{m:02d}" for m in range(1, 13)]
    head, tail = period.split("-")
    if tail.startswith("Q"):
        first = 3 * (int(tail[1]) - 1) + 1
        return [f"{head}-{m:02d}" for m in range(first, first + 3)]
    if len(tail) == 4:
        if int(tail) < int(head):
            raise ValueError(f"period {period!r} ends before it starts")
        return [f"{y}-{m:02d}" for y in range(int(head), int(tail) + 1) for m in range(1, 13)]
    return [period]
