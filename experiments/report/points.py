"""A sweep's outcomes per design point: how many runs each point had and each main
outcome's mean with its 95 % t-interval over them, so a reader can check any point
behind the sweep's figures.

Intervals come from :func:`experiments.analysis.summarise` (scipy's t quantiles), the
same numbers ``overplay analyze --method curve`` reports, so the table and the curve
agree. A sweep of many points shows its extremes by the first outcome rather than
hundreds of rows.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from overplay.experiments.analysis import YEARS_PREFIX, summarise
from overplay.experiments.report.source import ResultFolder
from overplay.experiments.report.tables import Cell, Table, number, table
from overplay.experiments.stats import CONF_LEVEL

#: More points than this and the table shows the highest and lowest half as many each.
MAX_ROWS = 40


def point_tables(result: ResultFolder) -> dict[str, Any]:
    """Data for ``tables.html``: the per-point table and notes on what it leaves out."""
    spec = result.yaml("spec.resolved.yaml")
    runs = result.table("runs.parquet")
    inputs = [p["name"] for role in ("levers", "uncertainties") for p in spec.get(role) or []]
    outcomes = [
        c
        for c in spec.get("outcomes") or []
        if c in runs and pd.api.types.is_numeric_dtype(runs[c])
    ]
    shown, notes = point_table(result.table("design.parquet"), runs, inputs, outcomes)
    if len(shown.rows) < len(runs["point_id"].unique()):
        notes.append(
            "Every point, one row per outcome: overplay analyze "
            f"{result.path} --method curve --by {','.join(inputs)}"
        )
    failed = int((runs["status"] != "ok").sum())
    if failed:
        notes.append(f"{failed} failed run(s) are left out of the counts and intervals.")
    return {"tables": [shown], "notes": notes}


def point_table(
    design: pd.DataFrame, runs: pd.DataFrame, inputs: list[str], outcomes: list[str]
) -> tuple[Table, list[str]]:
    """One row per design point: its inputs, its successful runs, and per outcome the
    mean with the interval under it; at most :data:`MAX_ROWS` rows, with a note when
    cut."""
    ok = runs[runs["status"] == "ok"]
    stats = summarise(ok, ["point_id"], outcomes, CONF_LEVEL) if len(ok) else pd.DataFrame()
    cells = {(row.point_id, row.outcome): row for row in stats.itertuples(index=False)}
    frame = design[["point_id", *inputs]].copy()
    frame["runs"] = frame["point_id"].map(ok.groupby("point_id").size()).fillna(0).astype(int)
    for outcome in outcomes:
        frame[outcome] = [_interval(cells.get((p, outcome))) for p in frame["point_id"]]
    notes: list[str] = []
    if len(frame) > MAX_ROWS and outcomes:
        first = outcomes[0]
        means = frame["point_id"].map({p: r.mean for (p, o), r in cells.items() if o == first})
        order = means.sort_values(ascending=False, na_position="last").index
        half = MAX_ROWS // 2
        frame = frame.loc[[*order[:half], *order[-half:]]]
        notes.append(
            f"{len(design):,} design points: shown are the {half} with the highest "
            f"and the {half} with the lowest mean {first}, highest first."
        )
    else:
        frame = frame.sort_values(inputs, kind="stable") if inputs else frame
    caption = (
        f"Mean over each point's successful runs, and under it the {CONF_LEVEL:.0%} t-interval"
    )
    return table(frame.drop(columns="point_id"), caption, numeric=outcomes), notes


def _interval(row: Any) -> Cell:
    """The mean, with the interval (and for a years-to-threshold outcome how many runs
    reached the threshold: its mean is over those) as the cell's second line."""
    if row is None or row.n == 0:
        return Cell(
            "never reached" if row is not None and _is_years(row.outcome) else "–", numeric=True
        )
    detail = [f"{number(row.ci_low)} to {number(row.ci_high)}"] if row.n > 1 else []
    if _is_years(row.outcome):
        detail.append(f"{row.n} of {row.runs} reached")
    return Cell(number(row.mean), numeric=True, detail=" · ".join(detail))


def _is_years(outcome: str) -> bool:
    return outcome.startswith(YEARS_PREFIX)
