"""Which inputs drive an outcome (Sobol, Morris) and where a condition holds (PRIM).

Drawn from the tables ``experiments.analysis`` computes, so every bar and point is a
number ``overplay analyze`` writes; whiskers are its 95 % bootstrap intervals, so a
reader sees at once whether the sweep was large enough to rank the inputs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from overplay.experiments.plots.labels import (
    HEADLINE_WIDTH,
    outcome_label,
    outcome_name,
    outcome_unit,
)
from overplay.experiments.plots.theme import PALETTE, note, slide, title, wrap

#: Marker per input on the Morris plane, so inputs stay apart without colour.
MARKERS = "oDs^vP*Xph"
#: Colour of what a box leaves out, and the narrowest box drawn (a share of the range).
GREY, MIN_WIDTH = "0.85", 0.005
#: A numeric input's sampled range, or a categorical input's categories in order.
Range = tuple[float, float] | Sequence[str]


def sobol_figures(table: pd.DataFrame, base_samples: int) -> list[tuple[str, Figure]]:
    """One Sobol figure per outcome of the ``sobol`` table."""
    return [
        (f"sobol_{outcome}", sobol(outcome, rows, base_samples))
        for outcome, rows in table.groupby("outcome", sort=False)
    ]


def sobol(outcome: str, table: pd.DataFrame, base_samples: int) -> Figure:
    """S1 beside ST per input, largest ST on top: the gap between them is what the
    input does through interactions. Horizontal bars keep long input names readable."""
    rows = table.sort_values("ST", kind="stable")  # drawn bottom-up: the largest on top
    figure, (ax,) = slide()
    y = np.arange(len(rows))
    ax.barh(
        y + 0.2,
        rows["S1"],
        0.4,
        xerr=rows["S1_conf"],
        capsize=4,
        color=PALETTE[0],
        label="S1: the input alone",
    )
    ax.barh(
        y - 0.2,
        rows["ST"],
        0.4,
        xerr=rows["ST_conf"],
        capsize=4,
        color=PALETTE[1],
        label="ST: alone and through interactions",
    )
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_yticks(y, list(rows["input"]))
    ax.set_ylabel("input")
    ax.set_xlabel("Sobol index: share of the outcome's variance (0–1)")
    ax.set_title(f"outcome: {outcome_label(outcome)}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    title(
        figure,
        wrap(
            f"{outcome_name(outcome, capital=True)}: which inputs drive it? (Sobol indices)",
            HEADLINE_WIDTH,
        ),
    )
    note(
        figure,
        "Each bar apportions the variance of the outcome (averaged over seeds) "
        "over the sweep's inputs; ST − S1 is the share through interactions with "
        "other inputs.",
        f"Whiskers: 95 % bootstrap interval from N = "
        f"{base_samples} base samples; whiskers that cross 0 or each other mean "
        "the sweep is too small to tell.",
    )
    return figure


def morris_figures(table: pd.DataFrame, trajectories: int) -> list[tuple[str, Figure]]:
    """One Morris figure per outcome of the ``morris`` table."""
    return [
        (f"morris_{outcome}", morris(outcome, rows, trajectories))
        for outcome, rows in table.groupby("outcome", sort=False)
    ]


def morris(outcome: str, table: pd.DataFrame, trajectories: int) -> Figure:
    """The μ*–σ plane: right = influential, up = non-linear or interacting, near the
    origin = negligible. Inputs are told apart by a legend (labels at the points
    would collide where inputs have similar effects)."""
    figure, (ax,) = slide()
    for i, (_, row) in enumerate(table.iterrows()):
        # colour cycles fastest, marker per round of colours: no two inputs look alike
        colour, marker = PALETTE[i % len(PALETTE)], MARKERS[i // len(PALETTE) % len(MARKERS)]
        ax.errorbar(
            row["mu_star"],
            row["sigma"],
            xerr=row["mu_star_conf"],
            fmt=marker,
            ms=12,
            capsize=5,
            color=colour,
            label=row["input"],
        )
    top = float(np.nanmax([*(table["mu_star"] + table["mu_star_conf"]), *table["sigma"]]))
    top = 1.08 * top if top > 0 else 1.0
    ax.plot([0, top], [0, top], ls="--", color="0.5", lw=1, label="σ = μ*")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    unit = outcome_unit(outcome)
    ax.set_xlabel(f"μ*: mean |elementary effect| per full input range ({unit})")
    ax.set_ylabel(wrap(f"σ: spread of elementary effects per full input range ({unit})", 40))
    ax.set_title(f"outcome: {outcome_label(outcome)}")
    ax.legend(title="input", loc="upper left", bbox_to_anchor=(1.01, 1))
    title(
        figure,
        wrap(
            f"{outcome_name(outcome, capital=True)}: which inputs move it? (Morris screening)",
            HEADLINE_WIDTH,
        ),
    )
    note(
        figure,
        "An elementary effect is the change in the outcome when one input moves "
        "across its full range, the others held. Right: influential on average; "
        "above the dashed line: the effect depends on the other inputs or is "
        "non-linear; near the origin: negligible.",
        f"Whiskers: 95 % bootstrap interval of μ* from {trajectories} trajectories.",
    )
    return figure


def prim_figures(
    stem: str,
    trajectory: pd.DataFrame,
    limits: pd.DataFrame,
    ranges: dict[str, Range],
    condition: str,
) -> list[tuple[str, Figure]]:
    """The peeling trade-off, and the chosen box's limits when it restricts any input."""
    drawn = [(f"{stem}_tradeoff", prim_tradeoff(trajectory, condition))]
    if limits["restricted"].any():
        drawn.append((f"{stem}_box", prim_box(trajectory, limits, ranges, condition)))
    return drawn


def _chosen(trajectory: pd.DataFrame) -> pd.Series:
    return trajectory[trajectory["chosen"]].iloc[0]


def _box_name(box: pd.Series) -> str:
    return (
        f"box {int(box['box'])}: coverage {box['coverage']:.2f}, density "
        f"{box['density']:.2f}, {int(box['restricted_dims'])} input(s) restricted"
    )


def prim_tradeoff(trajectory: pd.DataFrame, condition: str) -> Figure:
    """Coverage against density along the peeling trajectory, the trade-off an analyst
    picks a box from; colour counts the inputs each box restricts (simpler is better)."""
    figure, (ax,) = slide()
    top = int(trajectory["restricted_dims"].max())
    ax.plot(trajectory["coverage"], trajectory["density"], color="0.6", lw=1, zorder=1)
    points = ax.scatter(
        trajectory["coverage"],
        trajectory["density"],
        c=trajectory["restricted_dims"],
        s=80,
        zorder=2,
        vmin=-0.5,
        vmax=top + 0.5,
        cmap=mpl.colormaps["viridis"].resampled(top + 1),
    )
    chosen = _chosen(trajectory)
    ax.scatter(
        [chosen["coverage"]],
        [chosen["density"]],
        s=500,
        facecolors="none",
        edgecolors="black",
        linewidths=2,
        zorder=3,
        label=f"chosen {_box_name(chosen)}",
    )
    ax.set_xlim(0, 1.03)
    ax.set_ylim(0, 1.03)
    ax.set_xlabel("coverage: share of the runs meeting the condition that lie in the box (0–1)")
    ax.set_ylabel(wrap("density: share of the box's runs that meet the condition (0–1)", 40))
    ax.set_title("peeling trajectory: coverage against density")
    ax.legend(loc="lower left")
    figure.colorbar(points, ax=ax, ticks=range(top + 1)).set_label(
        "inputs the box restricts (count)"
    )
    title(figure, wrap(f"When does {condition} hold? PRIM's candidate boxes", HEADLINE_WIDTH))
    base = trajectory.iloc[0]
    note(
        figure,
        "Each point is a box of inputs, peeled from all runs (right) toward "
        "smaller, purer boxes (up, left). A good box keeps most of the condition's "
        "runs (coverage) while holding few others (density).",
        f"The first box is every run: its density {base['density']:.2f} is the base rate "
        f"of the condition ({int(base['runs'])} runs).",
    )
    return figure


def _limits(row: pd.Series) -> tuple[float, float]:
    """The box's limits; for an integer input the first and last value inside (PRIM
    may cut between integers, at 2.5 say)."""
    if row["kind"] == "integer":
        return math.ceil(row["low"]), math.floor(row["high"])
    return row["low"], row["high"]


def _span(row: pd.Series, low: float, high: float) -> tuple[float, float]:
    """The box on the 0–1 scale of the sampled range: integers as one bin per value
    (so a box of one value is visible), reals at least a hairline wide."""
    box_low, box_high = _limits(row)
    if row["kind"] == "integer":
        low, high, box_low, box_high = low - 0.5, high + 0.5, box_low - 0.5, box_high + 0.5
    return (box_low - low) / (high - low), max((box_high - box_low) / (high - low), MIN_WIDTH)


def prim_box(
    trajectory: pd.DataFrame, limits: pd.DataFrame, ranges: dict[str, Range], condition: str
) -> Figure:
    """Each restricted input's box range (colour) against the range it was sampled over
    (grey), on a common 0–1 scale; the values themselves are written beside each row."""
    restricted = limits[limits["restricted"]].iloc[::-1]  # drawn bottom-up: first on top
    figure, (ax,) = slide()
    for y, (_, row) in enumerate(restricted.iterrows()):
        full = ranges[row["input"]]
        if row["kind"] == "categorical":
            kept = row["categories"].split(", ")
            for j, category in enumerate(full):
                ax.barh(
                    y,
                    1 / len(full),
                    0.5,
                    left=j / len(full),
                    edgecolor="white",
                    color=PALETTE[0] if category in kept else GREY,
                )
            kept_text, full_text = row["categories"], ", ".join(full)
        else:
            ax.barh(y, 1, 0.5, color=GREY)
            left, width = _span(row, *full)
            ax.barh(y, width, 0.5, left=left, color=PALETTE[0])
            box_low, box_high = _limits(row)
            values = f"{box_low:.3g}" if box_low == box_high else f"{box_low:.3g} to {box_high:.3g}"
            kept_text, full_text = values, f"{full[0]:g} to {full[1]:g}"
        qp = np.nanmin([row["qp_low"], row["qp_high"], np.inf])
        lines = [wrap(kept_text, 26), wrap(f"of {full_text}", 26)]
        lines += [f"quasi-p {qp:.2g}"] if np.isfinite(qp) else []
        ax.annotate(
            "\n".join(lines),
            (1.02, y),
            xycoords=("axes fraction", "data"),
            va="center",
            fontsize="small",
        )
    ax.set_yticks(range(len(restricted)), list(restricted["input"]))
    ax.set_ylim(-0.6, len(restricted) - 0.4)
    ax.set_xlim(0, 1)
    ax.set_xlabel("position in the input's sampled range (0 = lowest, 1 = highest)")
    ax.set_ylabel("restricted input")
    ax.set_title(f"chosen {_box_name(_chosen(trajectory))}")
    title(
        figure,
        wrap(f"When does {condition} hold? The inputs PRIM's chosen box restricts", HEADLINE_WIDTH),
    )
    free = limits.loc[~limits["restricted"], "input"]
    note(
        figure,
        "Grey: the range or categories each input was sampled over; blue: what the "
        "box keeps. Beside each row: the box's values, and the quasi-p-value of the "
        "restriction (low = unlikely to be chance).",
        f"Not restricted (any value): {', '.join(free)}." if len(free) else "",
    )
    return figure
