"""Axis labels with units for every series a figure can show.

Series labels and units are the columns' declarations (:mod:`overplay.model.columns`,
which ``docs/outputs.md`` is generated from); outcome units come from the outcome
catalogue's naming scheme.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes

from overplay.experiments.outcomes import OUTCOMES, threshold_of
from overplay.experiments.sweep.spec import Parameter
from overplay.model.columns import ROUND_COLUMNS

#: rounds.parquet column → (what it is, unit), for every column declared with a label.
SERIES: dict[str, tuple[str, str]] = {
    column.name: (column.label, column.unit) for column in ROUND_COLUMNS if column.label
}


#: Units of series bounded in [0, 1].
FRACTIONS = ("fraction", "0–1")


def series_label(column: str) -> str:
    """``what (unit)`` for a rounds column."""
    what, unit = SERIES[column]
    return f"{what} ({unit})"


def outcome_unit(outcome: str) -> str:
    """The unit of a catalogued outcome (see ``experiments/outcomes.py``)."""
    prefixes = {
        ("payoff_", "lost_output_"): "USD m",
        ("china_processing_share_final", "china_mining_share_final"): "share of world, 0–1",
        ("peak_price_multiple",): "× reference price",
        ("non_china_processing_capacity",): "t/yr",
        ("years_to_",): "years",
        ("processing_share_below_",): "share of runs, 0–1",
        ("restriction_rounds",): "decision rounds",
        ("entrants", "exits"): "producers",
    }
    for keys, unit in prefixes.items():
        if outcome.startswith(keys):
            return unit
    return "–"


def outcome_label(outcome: str) -> str:
    """A readable outcome name with its unit: ``payoff china (USD m)``."""
    return f"{outcome.replace('_', ' ')} ({outcome_unit(outcome)})"


#: Per-material outcome (without its ``_light``/``_heavy`` suffix) → words for headlines.
MATERIAL_OUTCOMES = {
    "china_processing_share_final": "China's final share of {} separation",
    "china_mining_share_final": "China's final share of {} mining",
    "peak_price_multiple": "the peak {} price",
    "non_china_processing_capacity_final": "final {} separation capacity outside China",
}
#: Threshold outcomes (by stem) → words, with the material and the threshold's percent.
THRESHOLD_OUTCOMES = {
    "years_to_processing_share_below": "years until China's {} separation share is below {} %",
    "processing_share_below": "runs in which China's {} separation share fell below {} %",
}


def outcome_name(outcome: str, capital: bool = False) -> str:
    """An outcome in words for headlines (the catalogue's description, unit dropped);
    ``capital`` to start a sentence."""
    stem, _, material = outcome.rpartition("_")
    threshold = threshold_of(outcome)
    if threshold is not None:
        words = THRESHOLD_OUTCOMES[outcome.rsplit("_", 2)[0]]
        text = words.format(material, round(threshold * 100))
    elif stem in MATERIAL_OUTCOMES:
        text = MATERIAL_OUTCOMES[stem].format(material)
    else:
        text = OUTCOMES.get(outcome, outcome.replace("_", " ")).removesuffix(
            f" ({outcome_unit(outcome)})"
        )
    return text[:1].upper() + text[1:] if capital else text


#: Ending of a scenario key's last part → unit (the naming scheme of model/config.py).
KEY_UNITS = (
    ("_usd_m_per_year", "USD m/yr"),
    ("_usd_m", "USD m"),
    ("_months", "months"),
    ("_years", "yr"),
    ("_rounds", "decision rounds"),
    ("_days", "days"),
    ("_rate", "fraction"),
    ("_share", "fraction"),
    ("elasticity", "–"),
)


def input_unit(key: str) -> str:
    """The unit of a sweep input from its scenario key; '' when the name does not say
    (categories such as an instrument or a strategy)."""
    field = key.rsplit(".", 1)[-1]
    return next((unit for part, unit in KEY_UNITS if part in field), "")


def input_label(name: str, key: str) -> str:
    """``name (unit)`` for a sweep input, or just the name when it has no unit."""
    unit = input_unit(key)
    return f"{name} ({unit})" if unit else name


#: Characters of a headline that fit the slide's width at the theme's headline size.
HEADLINE_WIDTH = 88


def number(value: float, digits: int = 4) -> str:
    """A value for ticks and cells: thousands separated, no exponent for large payoffs,
    ``digits`` significant digits below 1,000."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.{digits}g}"


def value_text(value: Any) -> str:
    """An input's value as a tick label (numbers via :func:`number`; booleans as words)."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    return number(value) if isinstance(value, int | float | np.number) else str(value)


def zero_note(axes: list[Axes]) -> str:
    """A note when value axes leave zero out (differences then look larger than they
    are): where they start (or end, for negative values)."""
    limits = [ax.get_ylim() for ax in axes]
    above = [low for low, _ in limits if low > 0]
    below = [high for _, high in limits if high < 0]
    if above:
        return (
            f"The y axis starts at {number(min(above))}, not at zero: differences look "
            "larger than they are."
        )
    if below:
        return (
            f"The y axis ends at {number(max(below))}, not at zero: differences look "
            "larger than they are."
        )
    return ""


def keys_note(*inputs: Parameter) -> str:
    """Which scenario key each sweep input sets, for a figure note (researchers check
    the figure against the spec); inputs named after their key are left out."""
    keys = [f"{p.name} sets {p.key}" for p in inputs if p.key != p.name]
    return f"{'; '.join(keys)}." if keys else ""
