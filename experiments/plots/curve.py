"""The overuse curve: how an outcome moves as a lever is pushed (e.g. how often China
restricts), one line per value of a second lever, with 95 % bands over the runs.

Years-to-threshold outcomes are means over the runs that reached the threshold only,
so they get a second panel with the share of runs that did: a fast crossing in one
run in ten is not the same finding as a slow one in every run.
"""

from __future__ import annotations

from itertools import cycle
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

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

#: Horizontal spread between hue values at a categorical x (in category widths).
DODGE = 0.12


def levels(values: pd.Series, parameter: Parameter) -> list[Any]:
    """The values an input took, in the spec's order for categories, else ascending, so
    axes read in the order the sweep's author wrote."""
    present = list(pd.unique(values))
    if parameter.kind != "categorical":
        return sorted(present)
    order = {category_key(v): i for i, v in enumerate(parameter.values or [])}
    return sorted(present, key=lambda v: order.get(category_key(v), len(order)))


def figures(table: pd.DataFrame, x: Parameter, hue: Parameter | None) -> list[tuple[str, Figure]]:
    """One curve per outcome of a ``summarise`` table grouped by ``x`` (and ``hue``)."""
    return [
        (f"curve_{outcome}", figure(outcome, rows, x, hue))
        for outcome, rows in table.groupby("outcome", sort=False)
    ]


def figure(outcome: str, table: pd.DataFrame, x: Parameter, hue: Parameter | None) -> Figure:
    """Mean and t-interval of ``outcome`` against ``x``: lines with bands when x's values
    are ordered (numbers), dodged points with whiskers when not (a line would invent an
    order). Categorical numbers keep the spec's order, evenly spaced: [8, 4, 2] rounds
    between restrictions reads as restricting more often, left to right."""
    years = bool(table["reached_share"].notna().any())
    fig, axes = slide(2 if years else 1, 1, sharex=True, height_ratios=(3, 2) if years else None)
    ordered = pd.api.types.is_numeric_dtype(table[x.name])
    xs = levels(table[x.name], x)
    ticks = (
        np.asarray(xs, dtype=float)
        if ordered and x.kind != "categorical"
        else np.arange(len(xs), dtype=float)
    )
    groups = (
        [(None, table)]
        if hue is None
        else [(v, table[table[hue.name] == v]) for v in levels(table[hue.name], hue)]
    )
    for g, ((value, rows), colour) in enumerate(zip(groups, cycle(PALETTE))):
        rows = rows.set_index(x.name).reindex(xs)
        style = _style(g, len(groups), colour, None if hue is None else value_text(value))
        position = ticks if ordered else ticks + (g - (len(groups) - 1) / 2) * DODGE
        _means(axes[0], position, rows, ordered, style)
        if years:
            axes[1].plot(
                position,
                rows["reached_share"],
                **style | {"marker": "s"},
                ls="-" if ordered else "none",
            )
    axes[-1].set_xticks(ticks, [wrap(value_text(v), 14) for v in xs])
    axes[-1].set_xlabel(input_label(x.name, x.key))
    if not ordered:
        axes[-1].set_xlim(-0.5, len(xs) - 0.5)
    _label_means(axes[0], outcome, table, years)
    if years:
        axes[1].set_ylim(-0.05, 1.05)
        axes[1].set_ylabel(wrap("runs that reached it (share, 0–1)", 20))
        axes[1].set_title("share of runs that reached the threshold")
    if hue is not None:
        axes[0].legend(
            title=wrap(input_label(hue.name, hue.key), 18),
            loc="upper left",
            bbox_to_anchor=(1.01, 1),
        )
    by = f" and {hue.name}" if hue else ""
    title(fig, wrap(f"{outcome_name(outcome, capital=True)}, by {x.name}{by}", HEADLINE_WIDTH))
    runs = sorted({int(table["runs"].min()), int(table["runs"].max())})
    repeats = int(table["repeats"].max()) if "repeats" in table else 0
    from_zero = zero_note([axes[0]])
    note(
        fig,
        f"Each point: the mean over the runs at that {x.name}{by} "
        f"({'–'.join(map(str, runs))} runs each, averaging over every other input and "
        f"the seeds); {'bands' if ordered else 'whiskers'}: 95 % t-interval of the "
        "mean."
        + (
            " Years are averaged over the runs that reached the threshold; the "
            "lower panel shows how many did."
            if years
            else ""
        )
        + (
            " Runs that repeat another design point's runs exactly (an input with no "
            "effect there) are counted once."
            if repeats
            else ""
        )
        + (f" {from_zero}" if from_zero else ""),
        keys_note(x, *([hue] if hue else [])),
    )
    return fig


def _style(index: int, count: int, colour: Any, label: str | None) -> dict[str, Any]:
    """Later lines thinner, with smaller markers, so a line that coincides with an
    earlier one (a discrete outcome often does) leaves the earlier one visible."""
    scale = (count - index) / count
    return {
        "color": colour,
        "label": label,
        "marker": "o",
        "ms": 6 + 7 * scale,
        "lw": 1.5 + 2 * scale,
    }


def _means(
    ax: Axes, position: np.ndarray, rows: pd.DataFrame, ordered: bool, style: dict[str, Any]
) -> None:
    mean, low, high = (rows[c].to_numpy(dtype=float) for c in ("mean", "ci_low", "ci_high"))
    if ordered:
        ax.plot(position, mean, **style)
        ax.fill_between(position, low, high, color=style["color"], alpha=0.2, lw=0)
    else:
        ax.errorbar(
            position,
            mean,
            yerr=np.nan_to_num([mean - low, high - mean]),
            ls="none",
            capsize=6,
            **style,
        )


def _label_means(ax: Axes, outcome: str, table: pd.DataFrame, years: bool) -> None:
    """Title, unit and number format of the means panel; say so when it is empty."""
    ax.set_ylabel(wrap(outcome_label(outcome), 32 if years else 45))
    ax.set_title("mean over the runs that reached the threshold" if years else "mean over runs")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: number(value)))
    ax.margins(y=0.1)
    if table["mean"].isna().all():
        ax.text(
            0.5,
            0.5,
            "no run reached the threshold",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="0.3",
        )
        ax.set_yticks([])
