"""Equilibrium figures: what is stable, and does it survive a shorter shadow of the future?

One figure per part of ``equilibria.json`` that is present: the stage game's payoff
table and the meta-game's (equilibria outlined), the replicator paths (where imitation
of what pays leads) and the discount sweep (which China strategies stay in equilibrium
as the future counts less).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from overplay.experiments.plots import PlotError, files
from overplay.experiments.plots.cells import (
    STATES,
    cell_size,
    colour_bar,
    heatmap,
    labelled,
    money,
    outline,
    shown,
)
from overplay.experiments.plots.theme import PALETTE, note, slide, title

#: Probabilities below this count as "not played".
PLAYED = 1e-9
#: How the equilibrium outlines read, for every payoff table.
OUTLINED = (
    "Outlined (bold label): a pure Nash equilibrium — no player gains by changing "
    "only its own choice."
)
#: The meta-game's players as headings.
POPULATIONS = {"china": "China's strategies", "importers": "Importers' profiles"}


def _redo(folder: Path) -> str:
    return (
        f"the folder is damaged or incomplete: run `overplay equilibrium ... --out {folder}` again"
    )


def player_name(player: str) -> str:
    """A player as written in prose."""
    return "China" if player == "china" else STATES.get(player, player)


@dataclass
class EquilibriumResult:
    """An equilibrium folder: the JSON document and the tables beside it."""

    folder: Path
    document: dict[str, Any]

    @classmethod
    def read(cls, folder: Path) -> EquilibriumResult:
        """The equilibria document; a missing or damaged one is a :class:`PlotError`."""
        return cls(folder, files.json_mapping(folder / "equilibria.json", PlotError, _redo(folder)))

    def table(self, name: str) -> pd.DataFrame:
        """A table beside the document; a missing, empty or damaged one is a
        :class:`PlotError` naming it."""
        return files.table(self.folder / name, PlotError, _redo(self.folder))

    @property
    def name(self) -> str:
        return f"equilibrium {self.document['name']}"


def mixed(equilibria: list[dict[str, Any]], shown_at_most: int = 3) -> str:
    """The mixed equilibria in words: each player's strategies with their probabilities
    (the first few: the note must leave the slide to the figure)."""
    found = [e for e in equilibria if not e["pure"]]
    lines = []
    for number, eq in enumerate(found[:shown_at_most], start=1):
        mixes = "; ".join(
            f"{player_name(player)}: "
            + ", ".join(f"{shown(s, 99)} {p:.2f}" for s, p in mix.items() if p > PLAYED)
            for player, mix in eq["strategies"].items()
        )
        lines.append(f"({number}) {mixes}")
    if len(found) > shown_at_most:
        lines.append(f"… and {len(found) - shown_at_most} more (equilibria.json)")
    return f"Mixed equilibria: {' '.join(lines)}." if lines else "No mixed equilibria."


def _mark_pure(ax: Axes, rows: list[int], width: int = 1, col: int | None = None) -> None:
    """Outline each row's cells (one cell at ``col`` if given) and embolden its label."""
    labels = ax.get_yticklabels()
    for row in rows:
        outline(ax, row, 0 if col is None else col, width)
        labels[row].set_fontweight("bold")


def stage_table(stage: dict[str, Any], payoffs: pd.DataFrame) -> pd.DataFrame:
    """Payoff per action profile (rows, labelled by the moves) and player (columns)."""
    players = stage["players"]
    index = [
        " · ".join(shown(row[f"action_{p}"], 99) for p in players) for _, row in payoffs.iterrows()
    ]
    return pd.DataFrame(
        {player_name(p): payoffs[f"payoff_{p}"].to_numpy(float) for p in players}, index=index
    )


def pure_profiles(stage: dict[str, Any], payoffs: pd.DataFrame) -> list[int]:
    """Rows of the payoff table that are pure equilibria."""
    players = stage["players"]
    chosen = [
        tuple(max(eq["strategies"][p], key=eq["strategies"][p].get) for p in players)
        for eq in stage["equilibria"]
        if eq["pure"]
    ]
    moves = list(zip(*(payoffs[f"action_{p}"] for p in players), strict=True))
    return [moves.index(profile) for profile in chosen]


def stage_figure(result: EquilibriumResult) -> Figure:
    """Every combination of moves with each player's payoff; shades compare within a
    player, since the players' payoffs differ in scale."""
    stage = result.document["stage_game"]
    payoffs = result.table("stage_game_payoffs.parquet")
    table = stage_table(stage, payoffs)
    span = table.max() - table.min()
    relative = (table - table.min()) / span.where(span > 0, 1)
    figure, (ax,) = slide()
    size = cell_size(table)
    image = heatmap(
        ax,
        relative,
        colours="Greens",
        norm=Normalize(0, 1),
        texts=np.vectorize(money)(table.to_numpy()),
        fontsize=size,
    )
    ax.tick_params(axis="y", labelsize=size)
    _mark_pure(ax, pure_profiles(stage, payoffs), width=table.shape[1])
    bar = colour_bar(figure, image, ax, "shade: how good for that player")
    bar.set_ticks([0, 1], labels=["its worst", "its best"])
    ax.set_title("Discounted payoff of every combination of moves (USD m)")
    ax.set_xlabel("player")
    ax.set_ylabel(f"moves ({' · '.join(table.columns)})")
    state = stage["state"]
    title(figure, f"The stage game in {state['date']}: what each move pays — {result.name}")
    note(
        figure,
        f"The {state['scenario']} scenario (seed {state['seed']}) is run to "
        f"{state['date']}; there each player makes one move, then all hold for "
        f"{state['horizon_rounds']} decision round(s). " + OUTLINED,
        mixed(stage["equilibria"]),
    )
    return figure


def meta_figure(result: EquilibriumResult) -> Figure:
    """The bimatrix China strategy × importer profile, coloured by China's payoff."""
    game = result.document["meta_game"]
    china, profiles = game["strategies"]["china"], game["strategies"]["importers"]
    pure = [
        (
            china.index(max(m := eq["strategies"]["china"], key=m.get)),
            profiles.index(max(n := eq["strategies"]["importers"], key=n.get)),
        )
        for eq in game["equilibria"]
        if eq["pure"]
    ]
    ours, theirs = (np.array(game["payoffs"][p], dtype=float) for p in ("china", "importers"))
    texts = np.vectorize(lambda a, b: f"{money(a)}\n{money(b)}")(ours, theirs)
    table = labelled(pd.DataFrame(ours, index=china, columns=profiles))
    figure, (ax,) = slide()
    colour_bar(
        figure,
        heatmap(ax, table, texts=texts, fontsize=cell_size(table)),
        ax,
        "China's payoff (USD m)",
    )
    for row, col in pure:
        _mark_pure(ax, [row], col=col)
    ax.set_title("China's payoff (upper, colour) and the importers' (lower), USD m")
    ax.set_xlabel("importers' profile")
    ax.set_ylabel("China's strategy")
    title(figure, f"The meta-game and its equilibria — {result.name}")
    note(
        figure,
        "Each cell: mean discounted payoff over the tournament's matches of that "
        "pairing; the importers' is summed over the states. " + OUTLINED,
        mixed(game["equilibria"]),
    )
    return figure


def replicator_figure(result: EquilibriumResult) -> Figure:
    """Shares of each strategy over the replicator steps, one panel per population."""
    game = result.document["meta_game"]
    paths = result.table("replicator.parquet")
    figure, axes = slide(1, 2)
    for ax, population in zip(axes, ("china", "importers"), strict=True):
        rows = paths[paths["population"] == population]
        for number, strategy in enumerate(game["strategies"][population]):
            share = rows[strategy]
            ax.plot(
                rows["step"],
                share,
                lw=2.5,
                color=PALETTE[number % len(PALETTE)],
                label=f"{shown(strategy, 99)} (ends at {share.iloc[-1]:.2f})",
            )
        ax.set_ylim(0, 1.02)
        ax.set_title(POPULATIONS[population])
        ax.set_xlabel("replicator step (iterations)")
        ax.set_ylabel("share of the population (fraction)")
        ax.legend(fontsize="x-small", loc="best")
    title(figure, f"Which strategies spread when players copy what pays? — {result.name}")
    note(
        figure,
        "Two-population replicator dynamics on the meta-game's payoffs (China's "
        "mean discounted payoff; the importers' summed payoff), from equal shares: a "
        "strategy's share grows while it earns more than its population's average.",
    )
    return figure


def played(
    sweep: list[dict[str, Any]], player: str, names: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Per strategy × discount rate: the highest probability any equilibrium gives it,
    and whether a pure equilibrium plays it."""
    top = np.array(
        [
            [max((e["strategies"][player][n] for e in s["equilibria"]), default=0.0) for s in sweep]
            for n in names
        ]
    )
    pure = np.array(
        [
            [
                any(e["pure"] and e["strategies"][player][n] > 0.5 for e in s["equilibria"])
                for s in sweep
            ]
            for n in names
        ]
    )
    return top, pure


def _grid(ax: Axes, sweep: list[dict[str, Any]], player: str, names: list[str]) -> None:
    top, pure = played(sweep, player, names)
    rows = np.arange(len(names))[::-1]
    for col in range(len(sweep)):
        for row, p, is_pure in zip(rows, top[:, col], pure[:, col], strict=True):
            if is_pure:
                ax.plot(col, row, "o", ms=22, color=PALETTE[2])
            elif p > PLAYED:
                ax.plot(
                    col,
                    row,
                    "o",
                    ms=22,
                    color=PALETTE[2],
                    fillstyle="left",
                    markerfacecoloralt="white",
                    mew=2,
                )
                ax.annotate(
                    f"{p:.2f}",
                    (col, row),
                    xytext=(0, -17),
                    textcoords="offset points",
                    ha="center",
                    va="top",
                    fontsize="x-small",
                )
            else:
                ax.plot(col, row, "o", ms=6, color="0.75")
    ax.set_xticks(
        range(len(sweep)),
        [f"{100 * s['discount_rate']:g} %\n({s['discount_factor_per_year']:.2f})" for s in sweep],
    )
    ax.set_yticks(rows, [shown(n) for n in names])
    ax.set_xlim(-0.6, len(sweep) - 0.4)
    ax.set_ylim(-0.7, len(names) - 0.4)
    ax.set_title(POPULATIONS[player])
    ax.set_xlabel("annual discount rate\n(discount factor per year)")
    ax.set_ylabel("China's strategy" if player == "china" else "importers' profile")


def discount_figure(result: EquilibriumResult) -> Figure:
    """Strategy × discount rate: is the strategy played in equilibrium there, and how?"""
    sweep = result.document["discount_sweep"]
    strategies = result.document["meta_game"]["strategies"]
    figure, axes = slide(1, 2)
    for ax, player in zip(axes, ("china", "importers"), strict=True):
        _grid(ax, sweep, player, strategies[player])
    title(figure, f"Which strategies are equilibria as the future counts less? — {result.name}")
    note(
        figure,
        "Each column re-solves the meta-game (China's strategy × the importers' "
        "profile) with the tournament's payoff streams discounted at that rate; a discount "
        "factor of 1 values next year like this one.",
        "Filled circle: played in a pure equilibrium. Half-filled: played only in mixed "
        "equilibria, with the highest probability any gives it. Grey dot: in no equilibrium.",
    )
    return figure


def figures(folder: Path) -> list[tuple[str, Figure]]:
    """A figure for each part the equilibrium folder holds, as (file stem, figure)."""
    result = EquilibriumResult.read(folder)
    parts = result.document
    drawn = []
    if "stage_game" in parts:
        drawn.append(("equilibrium_stage_game", stage_figure(result)))
    if "meta_game" in parts:
        drawn += [
            ("equilibrium_meta_game", meta_figure(result)),
            ("equilibrium_replicator", replicator_figure(result)),
        ]
    if "discount_sweep" in parts:
        drawn.append(("equilibrium_discount", discount_figure(result)))
    return drawn
