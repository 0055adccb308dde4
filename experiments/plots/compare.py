"""Scenario comparison and history: per-step series over seeds, from a sweep that kept
per-step data (``per_round: all``, e.g. ``overplay compare coercion restraint``).

Comparison: for each design point (a scenario, or a combination of inputs), the mean
over its runs each month with a 95 % t-interval band — where two bands separate, the
difference is the inputs', not the seeds'. History: for the scenarios of the
history world (``history``, its windows and ``calibrated``), the range of simulated runs
(5th–95th percentile) with the observed facts of ``experiments/data/history.csv`` that
are levels of a drawn series as points (``docs/validation.md`` reads every fact).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from overplay.experiments.plots import PlotError, files, timeline
from overplay.experiments.plots.labels import FRACTIONS, SERIES, series_label
from overplay.experiments.plots.theme import PALETTE, legend, note, slide, title
from overplay.experiments.stats import t_interval
from overplay.experiments.sweep.spec import SCENARIO_KEY

#: The observed facts, in the package (``overplay.experiments.validation.facts``).
HISTORY = "experiments/data/history.csv"
#: Scenarios of the one 2009-2025 world the facts describe.
HISTORY_WORLD = ("history", "calibrated", "crisis_2010", "licensing_2025")
#: Observations that are a drawn series' monthly level, and the series.
PLOTTED = {
    "price_multiple": "price_multiple",
    "mining_share": "china_mining_share",
    "processing_share": "china_processing_share",
}
#: World series compared, one figure each.
COMPARED = (
    "price_multiple",
    "china_processing_share",
    "china_mining_share",
    "non_china_processing_capacity",
)
#: What to do about a damaged sweep folder.
REDO = (
    "the folder is damaged or incomplete: run the same `overplay sweep` (or `overplay "
    "compare`) command again"
)
#: Panels of the history figure in one row; more take two rows.
MAX_ROW = 3
#: More design points than this are a sweep, not a comparison (use curves, heatmaps).
MAX_GROUPS = 6
#: Short panel titles (three panels share a slide).
PANEL_TITLES = {  # short: three titles share a row; the y labels say whose share
    "price_multiple": "price multiple",
    "china_mining_share": "mining share",
    "china_processing_share": "separation share",
}


def observed() -> pd.DataFrame:
    """The bundled facts that are levels of a drawn series, one row each, at their
    period's middle month; facts about all rare earths sit on the light panel (light
    is nine tenths of the tonnage)."""
    from overplay.experiments.validation.facts import load_facts

    rows = [
        {
            "fact": f.fact,
            "series": PLOTTED[f.observation],
            "material": "light" if f.material == "all" else f.material,
            "date": f.months[len(f.months) // 2],
            "value": f.value,
            "source": f.source,
            "url": f.url,
        }
        for f in load_facts().facts
        if f.observation in PLOTTED and f.base_period is None
    ]
    facts = pd.DataFrame(rows)
    facts["month"] = timeline.months(facts["date"])
    return facts


def _groups(folder: Path) -> tuple[pd.DataFrame, dict[int, str]]:
    """Successful runs with their scenario, and a label per design point built from the
    inputs that vary (``scenario = coercion``)."""
    runs = files.table(folder / "runs.parquet", PlotError, REDO, ("run_id", "point_id", "status"))
    runs = runs[runs["status"] == "ok"]
    if runs.empty:
        raise PlotError(
            f"{folder / 'runs.parquet'}: no run succeeded, so there is nothing "
            "to compare; see the error column for why"
        )
    spec = files.yaml_mapping(folder / "spec.resolved.yaml", PlotError, REDO)
    parameters = (spec.get("uncertainties") or []) + (spec.get("levers") or [])
    inputs = [p["name"] for p in parameters]
    varying = [c for c in inputs if runs[c].nunique() > 1] or inputs[:1]
    swapped = next((p["name"] for p in parameters if p["key"] == SCENARIO_KEY), None)
    runs = runs.assign(
        scenario=runs[swapped].astype(str) if swapped else spec.get("scenario", "baseline")
    )
    labels = {
        int(p): ", ".join(f"{c} = {v}" for c, v in zip(varying, row, strict=True))
        for p, row in runs.groupby("point_id")[varying].first().iterrows()
    }
    return runs, labels


def _world(folder: Path, runs: pd.DataFrame) -> pd.DataFrame:
    """One row per run, month and material (world values repeat on importer rows)."""
    rounds = files.table(folder / "rounds", PlotError, REDO, ("run_id", "step", "material", "date"))
    rounds = rounds.drop_duplicates(["run_id", "step", "material"])
    rounds = rounds.merge(runs[["run_id", "point_id", "scenario"]], on="run_id")
    rounds["month"] = timeline.months(rounds["date"])
    return rounds


def _time_panel(ax: Axes, heading: str, column: str) -> None:
    """Title, labelled axes (dates on x) and a y range from zero (fractions up to 1)."""
    ax.set_title(heading)
    ax.set_xlabel("month")
    ax.set_ylabel(series_label(column))
    if SERIES[column][1] in FRACTIONS:
        ax.set_ylim(0, 1.02)
    else:
        ax.set_ylim(bottom=0)
    timeline.date_axis(ax)


def comparison(
    world: pd.DataFrame, labels: dict[int, str], column: str, runs_per_point: int
) -> Figure:
    """Mean and 95 % band of one world series per design point, a panel per material."""
    materials = list(dict.fromkeys(world["material"]))
    figure, axes = slide(1, len(materials), sharex=True)
    for ax, material in zip(axes, materials, strict=True):
        rows = world[world["material"] == material]
        for colour, (point, group) in zip(PALETTE, rows.groupby("point_id"), strict=False):
            band = group.groupby("month")[column].apply(t_interval)
            mean, low, high = (
                np.array([getattr(b, k) for b in band]) for k in ("mean", "low", "high")
            )
            ax.plot(band.index, mean, color=colour, lw=2.5, label=labels[int(point)])
            ax.fill_between(band.index, low, high, color=colour, alpha=0.25, linewidth=0)
        _time_panel(ax, f"{material} rare earths", column)
    legend(figure, axes[0].get_legend_handles_labels()[0])
    title(figure, f"{SERIES[column][0][0].upper()}{SERIES[column][0][1:]}, compared")
    note(
        figure,
        f"Lines: mean over the {runs_per_point} runs of each design point; bands: "
        "95 % t-interval of that mean. Seeds are common to all points unless the spec "
        "says seeds: per_run, so differences between lines are the inputs' doing.",
    )
    return figure


def history(
    world: pd.DataFrame, facts: pd.DataFrame, scenario: str, fit_window_end: str | None = None
) -> Figure:
    """Simulated 5–95 % range and median against observed facts, a panel per series and
    material that has facts; ``fit_window_end`` marks where the fitted years end and the
    out-of-sample test begins."""
    panels = list(facts.groupby(["series", "material"], sort=False).groups)
    n_rows = 1 if len(panels) <= MAX_ROW else 2
    n_cols = -(-len(panels) // n_rows)
    figure, axes = slide(n_rows, n_cols, sharex=True)
    for spare in axes[len(panels) :]:
        spare.set_visible(False)
    axes = axes[: len(panels)]
    runs = world[world["scenario"] == scenario]
    first_test_month = (
        None
        if fit_window_end is None
        else timeline.months(pd.Series([str(pd.Period(fit_window_end, "M") + 1)])).iloc[0]
    )
    for ax, (column, material) in zip(axes, panels, strict=True):
        rows = runs[runs["material"] == material].groupby("month")[column]
        low, mid, high = rows.quantile(0.05), rows.median(), rows.quantile(0.95)
        ax.fill_between(
            low.index,
            low,
            high,
            color=PALETTE[0],
            alpha=0.25,
            linewidth=0,
            label="simulated, 5–95 % of runs",
        )
        ax.plot(mid.index, mid, color=PALETTE[0], lw=2.5, label="simulated median")
        points = facts[(facts["series"] == column) & (facts["material"] == material)]
        ax.scatter(
            points["month"],
            points["value"],
            color=PALETTE[3],
            s=70,
            zorder=3,
            edgecolor="black",
            label="observed",
        )
        for _, fact in points.iterrows():
            ax.annotate(
                fact["fact"],
                (fact["month"], fact["value"]),
                xytext=(6, 0),
                textcoords="offset points",
                fontsize="x-small",
                va="center",
            )
        if first_test_month is not None:
            ax.axvline(first_test_month, color="grey", ls="--", lw=1.2, label="fit window ends")
        _time_panel(ax, f"{PANEL_TITLES.get(column, column)}, {material}", column)
        if n_rows > 1:  # two rows of panels: smaller axis labels, months below the last
            ax.yaxis.label.set_size("x-small")
    for i, ax in enumerate(axes):
        if i + n_cols < len(panels):
            ax.set_xlabel("")
        else:  # the last panel of its column: dates below it, even with none under it
            ax.tick_params(labelbottom=True)
    legend(figure, axes[0].get_legend_handles_labels()[0])
    title(figure, f"History: {scenario} simulated against observed facts")
    sources = "; ".join(f"{f.fact} {f.source}" for f in facts.itertuples())
    note(
        figure,
        f"Band: 5th–95th percentile of {runs['run_id'].nunique()} runs; line: "
        f"median. Points: observed facts, from {HISTORY} in the package (with each "
        f"source's URL): {sources}.",
    )
    return figure


def figures(folder: Path) -> list[tuple[str, Figure]]:
    """Comparison figures (at most :data:`MAX_GROUPS` design points) and a history figure
    per compared scenario of the history world that covers observed facts; none without
    per-step data."""
    if not any((folder / "rounds").glob("*.parquet")):
        return []
    runs, labels = _groups(folder)
    world = _world(folder, runs)
    drawn: list[tuple[str, Figure]] = []
    if len(labels) <= MAX_GROUPS:
        per_point = int(runs.groupby("point_id").size().min())
        drawn += [
            (f"compare_{column}", comparison(world, labels, column, per_point))
            for column in COMPARED
        ]
    facts = observed()
    for scenario in dict.fromkeys(runs["scenario"]):
        months = world.loc[world["scenario"] == scenario, "month"]
        covered = facts["month"].between(months.min(), months.max())
        mine = facts[covered]
        if scenario in HISTORY_WORLD and len(mine):
            drawn.append((f"history_{scenario}", history(world, mine, scenario)))
    return drawn
