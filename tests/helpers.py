"""Small builders for mechanism tests: a scenario with overrides, run for some months."""

from __future__ import annotations

from typing import Any

import pandas as pd

from overplay.model import LeverageModel, load_scenario

QUIET_WORLD = [
    ("china.strategy", "hold"),
    ("importers.us.strategy", "passive"),
    ("importers.japan.strategy", "passive"),
    ("importers.eu.strategy", "passive"),
    ("importers.us.initial_risk", 0.0),
    ("importers.japan.initial_risk", 0.0),
    ("importers.eu.initial_risk", 0.0),
    ("events", []),
    ("firms.count", 60),
]


def event(
    at: int | str,
    actor: str,
    action: str,
    materials: list[str] | None = None,
    targets: list[str] | None = None,
    **params: Any,
) -> dict[str, Any]:
    return {
        "at": at,
        "actor": actor,
        "action": action,
        "materials": materials or [],
        "targets": targets or [],
        "params": params,
    }


def build(
    events: list[dict] | None = None,
    base: str = "baseline",
    quiet: bool = True,
    seed: int = 7,
    **dotted: Any,
) -> LeverageModel:
    """A model of ``base`` (quiet: China holds, importers passive, no events)."""
    overrides: list[tuple[str, Any]] = list(QUIET_WORLD) if quiet else []
    overrides.append(("seed", seed))
    if events is not None:
        overrides.append(("events", events))
    overrides += [(k.replace("__", "."), v) for k, v in dotted.items()]
    return LeverageModel(load_scenario(base, overrides))


def run(model: LeverageModel, months: int) -> pd.DataFrame:
    """Step ``months`` times and return the rounds table."""
    for _ in range(months):
        model.step()
    return model.datacollector.get_table_dataframe("rounds")


def series(
    rounds: pd.DataFrame, column: str, material: str = "light", importer: str = "japan"
) -> pd.Series:
    rows = rounds[(rounds["material"] == material) & (rounds["importer"] == importer)]
    return rows.set_index("step")[column]
