"""Figures of a fit (``overplay calibrate``) and of the test against history
(``overplay validate-history``): every fact as its deviation from the observation in
units of its declared tolerance, with the ensemble's 90 % band, so facts of any unit
share one axis and "within tolerance" is the shaded strip; and the history figure
(simulated range over 2009-2025 with the observed levels as points)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from overplay.experiments.plots import PlotError, files, timeline
from overplay.experiments.plots.compare import history, observed
from overplay.experiments.plots.theme import PALETTE, legend, note, slide, title
from overplay.experiments.validation.revealed import ROBUST_CONFIDENCE, in_region

#: Deviations beyond this many tolerances are drawn at the edge, with their value.
CLIP = 6.0
REDO = "the folder is damaged or incomplete: run the command that wrote it again"
SAMPLES = {"in": ("in sample (fitted window)", PALETTE[0]), "out": ("out of sample", PALETTE[3])}


def facts_figure(table: pd.DataFrame, heading: str, runs: str) -> Figure:
    """Each fact's median and 90 % band, in tolerance units (0 = observed)."""
    figure, (ax,) = slide(1, 1)
    y = np.arange(len(table))[::-1]
    ax.axvspan(-1, 1, color="0.9", zorder=0, label="within the declared tolerance")
    ax.axvline(0, color="0.4", lw=1)
    for (_, row), level in zip(table.iterrows(), y, strict=True):
        label, color = SAMPLES[row["sample"]]
        low, high = (
            np.clip(row[k], -CLIP, CLIP) for k in ("band_deviation_low", "band_deviation_high")
        )
        mid = row["deviation"]
        ax.plot([low, high], [level, level], color=color, lw=3, alpha=0.6)
        ax.scatter(
            np.clip(mid, -CLIP, CLIP),
            level,
            color=color if row["fitted"] or row["sample"] == "out" else "white",
            edgecolor=color,
            s=60,
            zorder=3,
            label=label,
        )
        if abs(mid) > CLIP:
            ax.annotate(
                f"{mid:+.0f}",
                (np.sign(mid) * CLIP, level),
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                fontsize="x-small",
            )
    ax.set_yticks(y, table["fact"])
    ax.set_xlim(-CLIP - 0.5, CLIP + 0.5)
    ax.set_xlabel("simulated − observed, in declared tolerances (|x| ≤ 1 is within)")
    legend(figure, ax.get_legend_handles_labels()[0])
    title(figure, heading)
    note(
        figure,
        f"Dot: median over {runs}; bar: 5th–95th percentile. Hollow dots: in-sample facts "
        "not fitted (their reason is in experiments/data/history.csv). Relative tolerances "
        "compare simulated/observed − 1; absolute ones the difference. Values beyond "
        f"±{CLIP:g} are drawn at the edge with their value.",
    )
    return figure


def _history(folder: Path, fit_window_end: str) -> Figure:
    world = files.table(folder / "world.parquet", PlotError, REDO)
    world = world.assign(
        scenario="calibrated",
        run_id=world["set"] * 1000 + world["seed"],
        month=timeline.months(world["date"]),
    )
    return history(world, observed(), "calibrated", fit_window_end)


def figures(folder: Path) -> list[tuple[str, Figure]]:
    manifest = files.json_mapping(folder / "manifest.json", PlotError)
    if manifest["kind"] == "findings":
        effects = files.table(folder / "effects.parquet", PlotError, REDO)
        runs = f"{manifest['parameter_sets']} parameter sets × {manifest['seeds']} seeds"
        return [("findings", findings_figure(effects, manifest["weight_sets"], runs))]
    if manifest["kind"] == "revealed":
        table = files.table(folder / "region.parquet", PlotError, REDO)
        decisions = files.table(folder / "decisions.parquet", PlotError, REDO)
        return [("revealed_region", region_figure(table, len(decisions)))]
    if manifest["kind"] == "calibration":
        table = files.table(folder / "fit.parquet", PlotError, REDO)
        runs = f"{manifest['ensemble_size']} parameter sets × {manifest['fit_seeds']} seeds"
        heading = f"Fit to {manifest['fit_window_end']}: the ensemble against the facts"
        return [("fit_facts", facts_figure(table, heading, runs))]
    table = files.table(folder / "facts.parquet", PlotError, REDO)
    runs = f"{manifest['parameter_sets']} parameter sets × {manifest['seeds']} seeds"
    heading = f"History: in sample to {manifest['fit_window_end']}, out of sample after"
    drawn = _history(folder, manifest["fit_window_end"])
    return [("validation_facts", facts_figure(table, heading, runs)), ("history", drawn)]


#: Weight pairs drawn against each other in the revealed-preference figure.
PAIRS = (
    ("leverage_value_usd_m_per_month", "leverage_loss_years"),
    ("domestic_industry_weight", "retaliation_scale"),
)


def region_figure(table: pd.DataFrame, points: int) -> Figure:
    """Per strategy and pair of weights: the most decision points right over the other
    weights (darker: more of China's choices reproduced), the region's robust core
    outlined."""
    strategies = list(dict.fromkeys(table["strategy"]))
    figure, axes = slide(len(strategies), len(PAIRS))
    for row, strategy in enumerate(strategies):
        mine = table[table["strategy"] == strategy]
        core = mine.assign(in_core=in_region(mine, ROBUST_CONFIDENCE))
        for col, (x, y) in enumerate(PAIRS):
            ax = axes[row * len(PAIRS) + col]
            best = mine.pivot_table(index=y, columns=x, values="points_right", aggfunc="max")
            ax.imshow(best.to_numpy(), cmap="Blues", vmin=0, vmax=points, origin="lower")
            for (i, j), value in np.ndenumerate(best.to_numpy()):
                colour = "white" if value > points / 2 else "black"
                ax.text(j, i, f"{value:.0f}", ha="center", va="center", color=colour)
            robust = core.pivot_table(index=y, columns=x, values="in_core", aggfunc="max")
            robust = robust.reindex(index=best.index, columns=best.columns, fill_value=False)
            for (i, j), inside in np.ndenumerate(robust.to_numpy()):
                if inside:
                    ax.add_patch(
                        Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=2, ec=PALETTE[1])
                    )
            ax.set_xticks(range(len(best.columns)), [f"{v:g}" for v in best.columns])
            ax.set_yticks(range(len(best.index)), [f"{v:g}" for v in best.index])
            ax.set_xlabel(x.replace("_", " "), fontsize="small")
            ax.set_ylabel(y.replace("_", " "), fontsize="small")
            ax.set_title(strategy.replace("_", " "), fontsize="small")
            ax.grid(False)
    title(figure, f"China's payoff weights: decision points reproduced (of {points})")
    note(
        figure,
        "Each cell: the most of China's observed choices (cut 2010, quotas gone 2014-15, "
        "licences not a ban April 2025, the October expansion suspended November 2025) a "
        "best-responding China reproduces, over the weights not shown; a point counts when "
        "most runs of the calibrated ensemble choose as China did. Outlined: the region's "
        f"robust core, weight sets in it in at least {ROBUST_CONFIDENCE:.0%} of resamples "
        "of the parameter sets.",
    )
    return figure


#: Line styles for the severities of the overuse design (a ban has none).
SEVERITY_STYLES = {0.3: ":", 0.6: "--", 0.9: "-"}


def findings_figure(effects: pd.DataFrame, weight_sets: int, runs: str) -> Figure:
    """China's payoff gain over never restricting, and the change in its light
    separation share, against how often it restricts; a panel per episode length."""
    durations = sorted(effects["duration_rounds"].dropna().unique())
    figure, axes = slide(2, len(durations), sharex=True)
    instruments = list(dict.fromkeys(effects["instrument"]))
    for col, duration in enumerate(durations):
        mine = effects[effects["duration_rounds"] == duration]
        for row, (column, label) in enumerate(
            (
                ("payoff_gain_median", "China's payoff gain (USD m)"),
                (
                    "china_processing_share_final_light_change",
                    "change in China's light separation share",
                ),
            )
        ):
            ax = axes[row * len(durations) + col]
            for (instrument, severity), line in mine.groupby(
                ["instrument", mine["severity"].fillna(-1)], sort=False
            ):
                line = line.sort_values("period_rounds", ascending=False)
                x = [f"every {p:g}" for p in line["period_rounds"]]
                name = instrument if severity < 0 else f"{instrument} {severity:g}"
                ax.plot(
                    x,
                    line[column],
                    marker="o",
                    color=PALETTE[instruments.index(instrument)],
                    linestyle=SEVERITY_STYLES.get(severity, "-"),
                    label=name,
                )
            ax.axhline(0, color="0.4", lw=1)
            ax.set_ylabel(label, fontsize="small")
            ax.set_title(f"episodes of {duration:g} round(s)", fontsize="small")
            if row:
                ax.set_xlabel("rounds between episodes (restricting more often →)")
    legend(figure, axes[0].get_legend_handles_labels()[0])
    title(figure, "When restriction pays China, and what it costs its share")
    note(
        figure,
        f"Medians over {runs} × {weight_sets} weight sets of the identified region, each "
        "against China never restricting on the same parameter set and seed (the 90 % bands "
        "are in the report's table). Severity: licences approve 1 − severity, quotas cut it.",
    )
    return figure
