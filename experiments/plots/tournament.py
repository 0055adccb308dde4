"""Tournament figures: which of China's strategies pays, and does it depend on the importers?

The ranking answers "what should China play?" with the spread over matches in view
(and what each strategy leaves the importers); the payoff matrix answers "against whom?".
Its cells are drawn by ``cells.py``, as the equilibrium tables are, so every payoff
table looks the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, StrMethodFormatter

from overplay.experiments.plots import PlotError, files
from overplay.experiments.plots.cells import (
    STATES,
    cell_size,
    colour_bar,
    heatmap,
    labelled,
    money,
    shown,
)
from overplay.experiments.plots.theme import PALETTE, note, slide, title

#: x label of every payoff axis and colour bar.
PAYOFF = "mean discounted payoff (USD m)"


@dataclass
class TournamentResult:
    """The tables of a tournament folder, read once for all its figures."""

    name: str
    ranking: pd.DataFrame
    matrix: pd.DataFrame
    spec: dict[str, Any]

    @classmethod
    def read(cls, folder: Path) -> TournamentResult:
        """The tournament's tables; a missing, empty or damaged one is a
        :class:`PlotError` naming it."""
        redo = (
            "the folder is damaged or incomplete: run `overplay tournament ... --out "
            f"{folder}` again"
        )
        manifest = files.json_mapping(folder / "manifest.json", PlotError, redo)
        name = f"tournament {manifest.get('spec', folder.name)}"
        return cls(
            name,
            files.table(folder / "ranking.parquet", PlotError, redo, ("china_strategy",)),
            files.table(
                folder / "payoff_matrix.parquet", PlotError, redo, ("china_strategy", "profile")
            ),
            files.yaml_mapping(folder / "spec.resolved.yaml", PlotError, redo),
        )

    @property
    def importers(self) -> list[str]:
        """The importing states whose payoffs sum to "importers", as written in prose."""
        return [
            STATES.get(name, name)
            for name in (
                c.removesuffix("_mean")
                for c in self.matrix.columns
                if c.endswith("_mean") and c not in ("china_mean", "importers_mean")
            )
        ]

    def pivot(self, player: str) -> pd.DataFrame:
        """``player``'s mean payoff, China strategy (ranked order) × importer profile."""
        table = self.matrix.pivot(
            index="china_strategy", columns="profile", values=f"{player}_mean"
        )
        return table.loc[
            self.ranking["china_strategy"], list(dict.fromkeys(self.matrix["profile"]))
        ]

    def design(self) -> str:
        """What each point averages over, for the figure notes."""
        profiles = self.matrix["profile"].nunique()
        parts = [
            f"Each strategy played {int(self.ranking['matches'].iloc[0])} matches "
            f"({profiles} importer profiles × {self.spec['replicates']} replicates, "
            f"{self.spec['years']:g}-year runs)"
        ]
        rate = self.spec["discount_rate_per_year"]
        parts.append(
            f"discounted at {100 * rate:g} % a year"
            if rate is not None
            else "discounted at the base scenario's rate"
        )
        return ", ".join(parts) + "."


def _value_labels(ax: Axes, xs: Iterable[float], ys: Iterable[float]) -> None:
    for x, y in zip(xs, ys, strict=True):
        ax.annotate(
            money(x),
            (x, y),
            xytext=(0, 11),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize="x-small",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1, "alpha": 0.8},
        )


def _point_range(ax: Axes, ranking: pd.DataFrame, player: str, colour: Any) -> None:
    """Means with 95 % intervals, one row per China strategy, the best on top."""
    rows = np.arange(len(ranking))[::-1]
    mean = ranking[f"{player}_payoff_mean"].to_numpy(float)
    low = ranking[f"{player}_payoff_ci95_low"].to_numpy(float)
    high = ranking[f"{player}_payoff_ci95_high"].to_numpy(float)
    ax.errorbar(
        mean, rows, xerr=[mean - low, high - mean], fmt="o", ms=11, lw=2.5, capsize=7, color=colour
    )
    _value_labels(ax, mean, rows)
    if low.min() < 0 < high.max():
        ax.axvline(0, color="0.3", lw=1)
    ax.set_yticks(
        rows,
        [
            f"{rank}. {shown(name)}"
            for rank, name in zip(ranking["rank"], ranking["china_strategy"], strict=True)
        ],
    )
    ax.set_ylim(-0.6, len(ranking) - 0.3)
    ax.margins(x=0.12)
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(PAYOFF)
    ax.set_ylabel("China's strategy (rank)")


def ranking_figure(result: TournamentResult) -> Figure:
    """China's strategies by mean payoff, and what each leaves the importers beside it."""
    figure, (china, importers) = slide(1, 2)
    _point_range(china, result.ranking, "china", PALETTE[0])
    china.set_title("China's payoff")
    _point_range(importers, result.ranking, "importers", PALETTE[1])
    importers.set_title("Importers' payoff")
    title(figure, f"Which of China's strategies pays best? — {result.name}")
    note(
        figure,
        "Dots: mean discounted payoff over all of a strategy's matches; bars: 95 % "
        "t-interval (none when every match paid the same). Importers' payoff: "
        f"{' + '.join(result.importers)}. " + result.design(),
    )
    return figure


def matrix_figure(result: TournamentResult, player: str) -> Figure:
    """One player's payoff, China strategy × importer profile (one player a slide, so
    cells stay legible with many strategies)."""
    figure, (ax,) = slide()
    table = labelled(result.pivot(player))
    colour_bar(figure, heatmap(ax, table, fontsize=cell_size(table)), ax, PAYOFF)
    ax.set_xlabel("importers' profile")
    ax.set_ylabel("China's strategy (ranked)")
    if player == "china":
        ax.set_title("China's mean discounted payoff (USD m)")
        title(figure, f"Does China's best strategy depend on the importers? — {result.name}")
    else:
        ax.set_title(f"Importers' mean discounted payoff ({' + '.join(result.importers)}, USD m)")
        title(figure, f"What each China strategy leaves the importers — {result.name}")
    note(
        figure,
        "Each cell: mean discounted payoff of that China strategy against that "
        "importer profile (red: a loss, blue: a gain, when there are both). " + result.design(),
    )
    return figure


def figures(folder: Path) -> list[tuple[str, Figure]]:
    """The ranking and the payoff matrix (China's, the importers'), as (file stem, figure)."""
    result = TournamentResult.read(folder)
    return [
        ("tournament_ranking", ranking_figure(result)),
        ("tournament_payoff_matrix", matrix_figure(result, "china")),
        ("tournament_payoff_matrix_importers", matrix_figure(result, "importers")),
    ]
