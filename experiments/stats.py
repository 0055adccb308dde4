"""The t-interval of a mean, the one interval the tables, rankings and bands report.

A t-interval rather than a normal one because groups are often a handful of seeds.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

#: Confidence level of every interval reported, unless a caller asks for another.
CONF_LEVEL = 0.95


class Interval(NamedTuple):
    """A mean over ``n`` values and its confidence interval ``[low, high]``."""

    n: int
    mean: float
    low: float
    high: float


def t_interval(values: ArrayLike, conf_level: float = CONF_LEVEL) -> Interval:
    """Mean ± t·s/√n over the values that are not missing (NaN), with t the
    two-sided ``conf_level`` quantile of Student's t on n − 1 degrees of freedom.

    Below two values there is no spread to measure: the bounds are NaN (and the mean
    too when there is no value at all)."""
    data = np.asarray(values, dtype=float).ravel()
    data = data[~np.isnan(data)]
    n = len(data)
    mean = float(data.mean()) if n else math.nan
    if n < 2:
        return Interval(n, mean, math.nan, math.nan)
    t = float(stats.t.ppf(0.5 + conf_level / 2, n - 1))
    half = t * float(data.std(ddof=1)) / math.sqrt(n)
    return Interval(n, mean, mean - half, mean + half)
