"""Two levers at once: the mean of an outcome in every cell of a full-factorial grid,
written in the cell, so a slide shows where the combination matters and by how much.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from overplay.experiments.plots.curve import levels
from overplay.experiments.plots.labels import (
    HEADLINE_WIDTH,
    input_label,
    keys_note,
    number,
    outcome_label,
    outcome_name,
    value_text,
)
from overplay.experiments.plots.theme import note, slide, title, wrap
from overplay.experiments.sweep.spec import Parameter

CMAP = "viridis"
#: Cells beyond this many are left unannotated (the numbers would not fit).
MAX_ANNOTATED = 100


def figures(table: pd.DataFrame, x: Parameter, y: Parameter) -> list[tuple[str, Figure]]:
    """One heatmap per outcome of a ``summarise`` table grouped by ``x`` and ``y``;
    outcomes without a value anywhere (a threshold no run reached) are left out."""
    return [
        (f"heatmap_{outcome}", figure(outcome, rows, x, y))
        for outcome, rows in table.groupby("outcome", sort=False)
        if rows["mean"].notna().any()
    ]


def grid(table: pd.DataFrame, x: Parameter, y: Parameter, column: str = "mean") -> pd.DataFrame:
    """``column`` as a y × x grid, each input's levels in reading order."""
    return table.pivot(index=y.name, columns=x.name, values=column).reindex(
        index=levels(table[y.name], y), columns=levels(table[x.name], x)
    )


def figure(outcome: str, table: pd.DataFrame, x: Parameter, y: Parameter) -> Figure:
    """The outcome's mean over the x × y grid, cells annotated; years-to-threshold
    cells also say how many runs reached the threshold (the mean is over those)."""
    means = grid(table, x, y)
    values = means.to_numpy(dtype=float)
    fig, (ax,) = slide()
    norm = Normalize(np.nanmin(values), np.nanmax(values))
    image = ax.imshow(values, cmap=CMAP, norm=norm, aspect="auto", origin="lower")
    years = bool(table["reached_share"].notna().any())
    if values.size <= MAX_ANNOTATED:
        shares = grid(table, x, y, "reached_share").to_numpy(dtype=float)
        run = grid(table, x, y, "runs").notna().to_numpy()
        size = "medium" if values.size <= 25 else "x-small"
        for (i, j), value in np.ndenumerate(values):
            if np.isnan(value):  # explicit designs may leave cells out
                missing = "none reached" if years else "no value"
                text, colour = (missing if run[i, j] else "not run"), "black"
            else:  # white on viridis' dark lower part, black on its light upper part
                text = number(value, 3) + (f"\n{shares[i, j]:.0%} of runs" if years else "")
                colour = "white" if norm(value) < 0.6 else "black"
            ax.text(j, i, text, ha="center", va="center", fontsize=size, color=colour)
    ax.set_xticks(range(means.shape[1]), [wrap(value_text(v), 14) for v in means.columns])
    ax.set_yticks(range(means.shape[0]), [wrap(value_text(v), 18) for v in means.index])
    ax.set_xlabel(input_label(x.name, x.key))
    ax.set_ylabel(input_label(y.name, y.key))
    ax.grid(False)
    ax.set_title(
        "mean over the runs that reached the threshold" if years else "mean over runs in each cell"
    )
    colorbar = fig.colorbar(image, ax=ax, format=FuncFormatter(lambda value, _: number(value)))
    colorbar.set_label(wrap(outcome_label(outcome), 40))
    title(
        fig,
        wrap(f"{outcome_name(outcome, capital=True)}, by {x.name} and {y.name}", HEADLINE_WIDTH),
    )
    runs = sorted({int(table["runs"].min()), int(table["runs"].max())})
    note(
        fig,
        f"Each cell: the mean over its {'–'.join(map(str, runs))} runs, averaging over "
        "every other input and the seeds.",
        keys_note(x, y),
    )
    return fig
