"""The revealed-preference figure: points reproduced per pair of weights, and the
region's robust core outlined."""

from __future__ import annotations

from itertools import product

import pandas as pd
from matplotlib.patches import Rectangle

from overplay.experiments.plots.validation import region_figure
from overplay.experiments.validation.revealed import WEIGHTS


def _table(confidence: dict[float, float]) -> pd.DataFrame:
    """Look-ahead weight sets over two leverage values and two industry weights; the
    other weights fixed. Each leverage value gets all four points and a confidence."""
    fixed = {w.name: w.grid[0] for w in WEIGHTS}
    rows = []
    for leverage, industry in product(confidence, (0.0, 0.4)):
        right = 4 if industry == 0.0 else 3
        rows.append(
            fixed
            | {
                "strategy": "look_ahead_best_response",
                "leverage_value_usd_m_per_month": leverage,
                "domestic_industry_weight": industry,
                "points_right": right,
                "region_confidence": confidence[leverage] if right == 4 else 0.0,
            }
        )
    return pd.DataFrame(rows)


def _outlined(figure) -> int:
    return sum(isinstance(p, Rectangle) and not p.fill for ax in figure.axes for p in ax.patches)


def test_only_the_regions_robust_weight_sets_are_outlined():
    """Leverage 0 is in the region in every resample, 400 in half: only 0's cells are
    outlined, once in each panel where it shows (leverage x loss years, industry x
    retaliation)."""
    figure = region_figure(_table({0.0: 1.0, 400.0: 0.5}), 4)
    assert _outlined(figure) == 2
    figure = region_figure(_table({0.0: 1.0, 400.0: 0.95}), 4)
    assert _outlined(figure) == 3


def test_a_folder_written_before_the_resampling_is_drawn_without_outlines():
    table = _table({0.0: 1.0, 400.0: 1.0}).drop(columns="region_confidence")
    assert _outlined(region_figure(table, 4)) == 0
