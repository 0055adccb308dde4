"""Time axes: months as dates, restriction periods shaded, scripted events marked.

Shared by the run dashboard, scenario comparisons and the history figure, so a
restriction or an event looks the same on every figure.
"""

from __future__ import annotations

from typing import Any

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from overplay.experiments.plots.theme import REGIME_COLOURS

#: Regimes from mildest to harshest: a month shows the harshest China applied to anyone.
SEVERITY = ("open", "licensing", "quota", "ban")
#: Events closer than this are numbered on staggered lines.
STAGGER_MONTHS = 4


def months(dates: pd.Series) -> pd.Series:
    """``YYYY-MM`` strings as timestamps (the first of each month)."""
    return pd.to_datetime(dates, format="%Y-%m")


#: The regime columns of the rounds table (oxides; magnets, from the magnet stage on),
#: each with its licence approval rate.
REGIME_COLUMNS = (
    ("china_policy", "licence_approval_rate"),
    ("china_magnet_policy", "magnet_licence_approval_rate"),
)


def harshest_regime(rounds: pd.DataFrame, material: str | None = None) -> pd.Series:
    """Per month (indexed by date), the harshest regime China applied to any importer for
    ``material`` (for any material if None), on oxides or magnets. A licence approving
    every request (as after 2015) is shown as open, as the summaries count it."""
    rows = rounds if material is None else rounds[rounds["material"] == material]
    ranks = []
    for column, approval in REGIME_COLUMNS:
        if column not in rows:  # tables written before the column existed
            continue
        policy = rows[column]
        if approval in rows:
            pro_forma = (policy == "licensing") & (rows[approval] >= 1.0)
            policy = policy.where(~pro_forma, "open")
        ranks.append(policy.map(SEVERITY.index))
    rank = pd.concat(ranks, axis=1).max(axis=1)
    worst = rank.groupby(months(rows["date"])).max()
    return worst.map(lambda r: SEVERITY[int(r)])


def restriction_spans(regimes: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp, str]]:
    """Contiguous months under one restrictive regime: (start, end, regime); ``end`` is
    the first month after the span, so spans tile the axis."""
    spans: list[tuple[pd.Timestamp, pd.Timestamp, str]] = []
    dates = list(regimes.index)
    for i, (date, regime) in enumerate(regimes.items()):
        end = dates[i + 1] if i + 1 < len(dates) else date + pd.DateOffset(months=1)
        if regime == "open":
            continue
        if spans and spans[-1][2] == regime and spans[-1][1] == date:
            spans[-1] = (spans[-1][0], end, regime)
        else:
            spans.append((date, end, regime))
    return spans


def date_axis(ax: Axes) -> None:
    """Few, short date labels (years; months only where the span is short), so narrow
    panels never overlap their tick labels."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def shade_restrictions(ax: Axes, spans: list[tuple[pd.Timestamp, pd.Timestamp, str]]) -> None:
    for start, end, regime in spans:
        ax.axvspan(start, end, color=REGIME_COLOURS[regime], alpha=0.25, linewidth=0, zorder=0)


def regime_handles(spans: list[tuple[pd.Timestamp, pd.Timestamp, str]]) -> list[Patch]:
    """Legend entries for the regimes that occur, in order of severity."""
    present = {regime for _, _, regime in spans}
    return [
        Patch(color=REGIME_COLOURS[r], alpha=0.35, label=f"China: {r}")
        for r in SEVERITY[1:]
        if r in present
    ]


def event_marks(events: list[dict[str, Any]], start: str) -> list[tuple[pd.Timestamp, str]]:
    """Scripted events as (month, short label), one label per month."""
    from overplay.model.calendar import date_of_step

    by_month: dict[pd.Timestamp, list[str]] = {}
    for event in events:
        at = event.get("at")
        date = date_of_step(start, int(at)) if isinstance(at, int) else str(at)
        targets = event.get("targets") or []
        label = f"{event.get('actor', '')} {event.get('action', '')}".strip()
        if targets:
            label += " → " + ", ".join(map(str, targets))
        by_month.setdefault(pd.Timestamp(date + "-01"), []).append(label)
    return [(month, "; ".join(dict.fromkeys(labels))) for month, labels in sorted(by_month.items())]


def mark_events(ax: Axes, marks: list[tuple[pd.Timestamp, str]], numbered: bool = True) -> None:
    """A dotted line per event month, numbered at the top (the key goes in the figure
    note: full labels on the axes would overlap); numbers of events less than
    ``STAGGER_MONTHS`` apart step down so they do not overlap either."""
    level, previous = 0, None
    for number, (month, _label) in enumerate(marks, start=1):
        ax.axvline(month, color="0.3", linestyle=":", linewidth=1.2, zorder=1)
        close = previous is not None and (month - previous).days < 30.5 * STAGGER_MONTHS
        level = level + 1 if close else 0
        previous = month
        if numbered:
            ax.annotate(
                str(number),
                (month, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(2, -2 - 12 * level),
                textcoords="offset points",
                fontsize="x-small",
                va="top",
                color="0.2",
            )
