"""Outcomes against each input, every run a point: the figure for designs without an
analysis of their own (a Latin hypercube, explicit points), as the EMA Workbench's
pairs plots show them — where an outcome moves with an input, and where it does not.

Numeric inputs are scatter plots; categories are strip plots (seaborn) in the spec's
order, spread sideways so that runs with the same value stay visible.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import seaborn as sns
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
    zero_note,
)
from overplay.experiments.plots.theme import PALETTE, note, slide, title, wrap
from overplay.experiments.sweep.spec import Parameter, category_key

if TYPE_CHECKING:
    from overplay.experiments.analysis import Sweep

#: Inputs drawn per figure (panels narrower than a quarter slide do not read).
MAX_PANELS = 8
#: More runs than this are drawn as a raster inside the SVG (files stay small).
RASTER_ABOVE = 2_000


def figures(sweep: Sweep) -> list[tuple[str, Figure]]:
    """One figure per outcome with a value in some run: a panel per input."""
    runs = sweep.runs[sweep.runs["status"] == "ok"]
    return [
        (f"scatter_{outcome}", figure(outcome, runs, sweep.inputs[:MAX_PANELS], len(sweep.inputs)))
        for outcome in sweep.outcome_columns
        if runs[outcome].notna().any()
    ]


def figure(outcome: str, runs: pd.DataFrame, inputs: list[Parameter], total: int) -> Figure:
    """``outcome`` against each of ``inputs`` (of ``total``), every run a point."""
    cols = min(len(inputs), 4)
    fig, axes = slide((len(inputs) + cols - 1) // cols, cols)
    shown = runs[runs[outcome].notna()]
    size, alpha = (45, 0.7) if len(shown) <= 200 else (8, 0.35)  # marker area, points²
    for ax, parameter in zip(axes, inputs, strict=False):
        style = {"color": PALETTE[0], "alpha": alpha, "rasterized": len(shown) > RASTER_ABOVE}
        if parameter.kind == "categorical":
            order = levels(shown[parameter.name].dropna(), parameter)
            sns.stripplot(
                x=shown[parameter.name].map(category_key),
                y=shown[outcome],
                order=[category_key(v) for v in order],
                ax=ax,
                size=size**0.5,
                jitter=0.25,
                **style,
            )
            ax.set_xticks(range(len(order)), [wrap(value_text(v), 12) for v in order])
        else:
            ax.scatter(shown[parameter.name], shown[outcome], s=size, lw=0, **style)
        ax.set_xlabel(wrap(input_label(parameter.name, parameter.key), 24))
        ax.set_ylabel(wrap(outcome_label(outcome), 28))
        ax.set_title(f"against {parameter.name}")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: number(value)))
    for ax in axes[len(inputs) :]:
        ax.set_visible(False)
    title(fig, wrap(f"{outcome_name(outcome, capital=True)}, against each input", HEADLINE_WIDTH))
    left_out = len(runs) - len(shown)
    never = (
        f" {left_out} run(s) without a value (a threshold never reached) are not shown."
        if left_out
        else ""
    )
    more = f" The first {len(inputs)} of {total} inputs are shown." if total > len(inputs) else ""
    from_zero = zero_note(axes[: len(inputs)])
    note(
        fig,
        f"Each point: one run ({len(shown):,} runs); every other input varies at the "
        "same time, so a cloud without a trend says the input matters little on its "
        "own, not that it never matters." + never + more + (f" {from_zero}" if from_zero else ""),
        keys_note(*inputs),
    )
    return fig
