"""A sweep run reports every outcome its spec asks for, threshold outcomes at any
percentage included (they came back NaN from sweeps, computed only at 80 %), and a
comparison's default folder name is one plain path component."""

from __future__ import annotations

import math

from pydantic import TypeAdapter

from overplay.experiments.sweep.comparison import comparison_name
from overplay.experiments.sweep.work import RunConfiguration, run_one
from overplay.model.naming import OutputName


def test_threshold_outcomes_at_any_percentage_reach_the_sweep_row() -> None:
    names = (
        "years_to_processing_share_below_99pct_light",
        "processing_share_below_99pct_light",
        "years_to_processing_share_below_80pct_light",
    )
    config = RunConfiguration(
        run_id=0,
        point_id=0,
        replicate=0,
        seed=1,
        scenario="coercion",
        overrides=(("years", 3), ("firms.count", 10), ("seed", 1)),
        inputs=(),
        outcomes=names,
        per_round="none",
    )
    row, _ = run_one(config)
    assert row["status"] == "ok", row["error"]
    assert row["processing_share_below_99pct_light"] == 1
    assert not math.isnan(row["years_to_processing_share_below_99pct_light"])


def test_a_comparison_name_is_a_plain_folder_name() -> None:
    name = comparison_name(["my scenarios/first try.yaml", "b" * 200])
    TypeAdapter(OutputName).validate_python(name)
    assert name.startswith("compare-first_try-b")
