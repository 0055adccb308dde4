"""``overplay revealed-preference``: the decision points simulated over the calibrated
ensemble, every weight set scored, and the folder ``overplay plot``/``report`` read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from overplay.experiments.result_folder import check_result_folder
from overplay.experiments.single_run import manifest_common
from overplay.experiments.validation.outputs import write_result
from overplay.experiments.validation.revealed import (
    DECISIONS,
    HORIZONS,
    WEIGHTS,
    distinct,
    region,
    simulate_decisions,
    summary,
    weight_grid,
)
from overplay.experiments.validation.validate import Inputs

REGION = "region.parquet"
SUMMARY = "summary.parquet"
DECISIONS_TABLE = "decisions.parquet"


def decisions_table() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "point": p.name,
                "date": p.date,
                "menu": ", ".join(p.menu),
                "China did": " or ".join(p.observed),
                "what": p.what,
                "refs": p.refs,
            }
            for p in DECISIONS
        ]
    )


def revealed_preference(
    inputs: Inputs,
    sets: int | None,
    seeds: int,
    out: Path,
    *,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate, score every weight set, write the folder; the region and summary."""
    check_result_folder(out, "revealed")
    started = datetime.now(UTC)
    ensemble = inputs.ensemble.head(sets or len(inputs.ensemble))
    simulated = simulate_decisions(inputs.spec, ensemble, seeds, workers=workers, progress=progress)
    table = region(simulated, weight_grid())
    brief = summary(table)
    document = {
        "spec": inputs.spec.name,
        **inputs.provenance(),
        "parameter_sets": len(ensemble),
        "seeds": seeds,
        "reference_weights": distinct(simulated.references),
        "weights": {w.name: list(w.grid) for w in WEIGHTS},
        "horizons_rounds": HORIZONS,
        **manifest_common(started, "completed"),
    }
    tables = {REGION: table, SUMMARY: brief, DECISIONS_TABLE: decisions_table()}
    write_result(out, "revealed", tables, {}, document)
    return table, brief
