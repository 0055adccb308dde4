"""``overplay compare``: scenarios over the same seeds as a sweep that keeps every step.

A comparison is a sweep whose one input is the scenario itself, with common random
numbers (replicate r runs with the same seed in every scenario), so `overplay plot`
draws its bands and, for scenarios with observed facts, the history figure.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

#: Outcomes a comparison keeps beside its per-step data.
OUTCOMES = [
    "china_processing_share_final_light",
    "china_processing_share_final_heavy",
    "peak_price_multiple_light",
    "peak_price_multiple_heavy",
    "payoff_china",
    "payoff_importers",
    "restriction_rounds",
]


def comparison_spec(
    scenarios: list[str], seeds: int, seed: int, years: float | None, firms: int | None
) -> dict[str, Any]:
    """The sweep spec (as YAML data) comparing ``scenarios``; paths made absolute, since
    the spec is written next to the results, not where the user typed them."""
    values = [
        str(Path(s).resolve()) if Path(s).suffix in (".yaml", ".yml") else s for s in scenarios
    ]
    overrides: dict[str, Any] = {}
    if years is not None:
        overrides["years"] = years
    if firms is not None:
        overrides["firms.count"] = firms
    return {
        "name": comparison_name(scenarios),
        "scenario": values[0],
        "overrides": overrides,
        "levers": [
            {"name": "scenario", "key": "scenario", "kind": "categorical", "values": values}
        ],
        "design": {"method": "full_factorial"},
        "replicates": seeds,
        "seed": seed,
        "seeds": "per_replicate",
        "outcomes": OUTCOMES,
        "per_round": "all",
    }


def comparison_name(scenarios: list[str]) -> str:
    """``compare-<stems>`` as one plain path component (``model.naming.OutputName``):
    file stems may hold spaces or other characters, and many scenarios make it long."""
    stems = "-".join(Path(s).stem for s in scenarios)
    return ("compare-" + re.sub(r"[^A-Za-z0-9._-]+", "_", stems))[:100]
