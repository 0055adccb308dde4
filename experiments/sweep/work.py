"""The work a sweep's workers do: run configurations and their runs.

Kept apart from the runner so that a spawned worker imports only the model and the
outcome catalogue, not the design, store and analysis libraries — three Python
processes' imports are most of a sweep's memory.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from overplay.experiments.outcomes import outcomes_of
from overplay.model.leverage_model import LeverageModel
from overplay.model.scenarios import load_scenario


@dataclass(frozen=True)
class RunConfiguration:
    """One run: its design point, replicate and seed, and the scenario overrides that
    make it (the name follows Mesa 4's experiment layer)."""

    run_id: int
    point_id: int
    replicate: int
    seed: int
    scenario: str
    overrides: tuple[tuple[str, Any], ...]
    inputs: tuple[tuple[str, Any], ...]
    outcomes: tuple[str, ...]
    per_round: str | int


def run_one(config: RunConfiguration) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """Run a configuration; a failure becomes a row with its error, never an exception."""
    row: dict[str, Any] = {
        "run_id": config.run_id,
        "point_id": config.point_id,
        "replicate": config.replicate,
        "seed": config.seed,
        **dict(config.inputs),
    }
    try:
        scenario = load_scenario(config.scenario, list(config.overrides), parse_once=True)
        keep_rounds = config.per_round != "none"
        model = LeverageModel(scenario, record_tables=keep_rounds)
        model.run()
        values = outcomes_of(model, config.outcomes)
        row |= {name: values.get(name, np.nan) for name in config.outcomes}
        row |= {"status": "ok", "error": ""}
        kept = None
        if keep_rounds:
            rounds = model.datacollector.get_table_dataframe("rounds")
            every = 1 if config.per_round == "all" else int(config.per_round)
            kept = rounds[rounds["step"] % every == 0].copy()
            kept.insert(0, "run_id", config.run_id)
        return row, kept
    except Exception as exc:  # one failing run must not stop the sweep
        last = traceback.extract_tb(exc.__traceback__)[-1]
        row |= dict.fromkeys(config.outcomes, np.nan)
        row |= {
            "status": "error",
            "error": f"{type(exc).__name__}: {exc} ({Path(last.filename).name}:{last.lineno})",
        }
        return row, None


def run_chunk(chunk: list[RunConfiguration]) -> list[tuple[dict[str, Any], Any]]:
    """A unit of work for an executor: several runs, to amortise dispatch."""
    return [run_one(config) for config in chunk]
