"""Axis labels with units for every series a figure can show.

Units match ``docs/outputs.md`` (a test keeps them in step); outcome units come from
the outcome catalogue's naming scheme.
"""

from __future__ import annotations

#: rounds.parquet column → (what it is, unit).
SERIES: dict[str, tuple[str, str]] = {
    "price_ex_china": ("ex-China price", "USD/kg"),
    "price_china": ("China's domestic price", "USD/kg"),
    "price_multiple": ("ex-China price / reference price", "×"),
    "china_mining_share": ("China's share of mining", "fraction"),
    "china_processing_share": ("China's share of separation", "fraction"),
    "non_china_mining_capacity": ("non-China mining capacity", "t/yr"),
    "non_china_processing_capacity": ("non-China separation capacity", "t/yr"),
    "non_china_processing_pipeline": ("non-China separation under construction", "t/yr"),
    "exports_from_china": ("China's exports", "t/month"),
    "stockpile_days": ("stockpile", "days"),
    "shortage_fraction": ("shortage: share of need unmet", "fraction"),
    "lost_output": ("lost manufacturing output", "USD m"),
    "perceived_risk": ("state's perceived supply risk", "0–1"),
    "firm_risk": ("firms' perceived supply risk", "0–1"),
    "reputation": ("China's reputation", "0–1"),
    "china_dependence": ("share of supply from China", "fraction"),
    "leverage": ("China's leverage (indispensability)", "fraction"),
    "non_china_sourcing": ("firms' non-China contracted share", "fraction"),
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
        ("processing_share_below_80pct",): "share of runs, 0–1",
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
