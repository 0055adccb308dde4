"""Tournament and equilibrium figures, drawn from small real result folders: clean
slides, units on the axes, and the values drawn equal to the tables they come from."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from overplay.experiments.plots import figures_of
from tests.figure_checks import check_figure

TOURNAMENT = {
    "tournament_ranking",
    "tournament_payoff_matrix",
    "tournament_payoff_matrix_importers",
}
EQUILIBRIUM = {
    "equilibrium_stage_game",
    "equilibrium_meta_game",
    "equilibrium_replicator",
    "equilibrium_discount",
}


@pytest.fixture(scope="module")
def tournament(tournament_result):
    return dict(figures_of(tournament_result))


@pytest.fixture(scope="module")
def equilibrium(equilibrium_result):
    return dict(figures_of(equilibrium_result))


@pytest.fixture(scope="module")
def document(equilibrium_result):
    return json.loads((equilibrium_result / "equilibria.json").read_text())


def words(name: str) -> str:
    return name.replace("_", " ")


def top_down(ax: Axes) -> list[str]:
    """The y tick labels from the top of the axes down, unwrapped."""
    ticks = sorted(
        zip(ax.get_yticks(), ax.get_yticklabels(), strict=True),
        key=lambda pair: pair[0],
        reverse=not ax.yaxis_inverted(),
    )
    return [label.get_text().replace("\n", " ") for _, label in ticks]


def heading(ax: Axes) -> str:
    """The panel title (the theme puts titles on the left)."""
    return ax.get_title(loc="left")


def number(text: str) -> float:
    return float(text.replace("\N{MINUS SIGN}", "-").replace(",", ""))


def outlined(ax: Axes) -> list[tuple[int, int, int]]:
    """(row, first column, columns spanned) of every equilibrium frame."""
    return sorted(
        (round(p.get_y() + 0.5), round(p.get_x() + 0.5), round(p.get_width()))
        for p in ax.patches
        if isinstance(p, Rectangle) and not p.get_fill()
    )


def test_every_figure_is_a_clean_slide(tournament, equilibrium):
    assert set(tournament) == TOURNAMENT and set(equilibrium) == EQUILIBRIUM
    for stem, figure in (tournament | equilibrium).items():
        assert check_figure(figure) == [], stem


def test_ranking_draws_the_ranking_table_best_on_top(tournament_result, tournament):
    ranking = pd.read_parquet(tournament_result / "ranking.parquet")
    figure = tournament["tournament_ranking"]
    assert heading(figure.axes[0]) == "China's payoff"
    expected = [
        f"{rank}. {words(name)}"
        for rank, name in zip(ranking["rank"], ranking["china_strategy"], strict=True)
    ]
    for ax, player in zip(figure.axes, ("china", "importers"), strict=True):
        assert top_down(ax) == expected
        assert ax.get_xlabel() == "mean discounted payoff (USD m)"
        points, _, (bars,) = ax.containers[0]
        top_first = np.argsort(-points.get_ydata())
        np.testing.assert_allclose(points.get_xdata()[top_first], ranking[f"{player}_payoff_mean"])
        spans = np.array([[seg[0][0], seg[1][0]] for seg in bars.get_segments()])[top_first]
        np.testing.assert_allclose(spans[:, 0], ranking[f"{player}_payoff_ci95_low"])
        np.testing.assert_allclose(spans[:, 1], ranking[f"{player}_payoff_ci95_high"])


def test_payoff_matrix_cells_equal_the_table(tournament_result, tournament):
    matrix = pd.read_parquet(tournament_result / "payoff_matrix.parquet")
    order = pd.read_parquet(tournament_result / "ranking.parquet")["china_strategy"]
    profiles = list(dict.fromkeys(matrix["profile"]))
    for stem, player in (
        ("tournament_payoff_matrix", "china"),
        ("tournament_payoff_matrix_importers", "importers"),
    ):
        ax, bar = tournament[stem].axes
        expected = (
            matrix.pivot(index="china_strategy", columns="profile", values=f"{player}_mean")
            .loc[order, profiles]
            .to_numpy()
        )
        image = ax.images[0]
        np.testing.assert_allclose(image.get_array(), expected)
        cells = np.array([number(t.get_text()) for t in ax.texts]).reshape(expected.shape)
        np.testing.assert_allclose(cells, expected.round(), atol=0.5)
        assert top_down(ax) == [words(s) for s in order]
        assert [t.get_text() for t in ax.get_xticklabels()] == [words(p) for p in profiles]
        assert bar.get_ylabel() == "mean discounted payoff (USD m)"
        assert heading(ax).endswith("USD m)")
        low, high = expected.min(), expected.max()
        if low < 0 < high:  # China gains against some profiles and loses against others
            assert image.get_cmap().name == "RdBu"
            assert image.norm.vmin == -image.norm.vmax
        else:
            assert image.get_cmap().name in ("Blues", "Reds_r")
    assert tournament["tournament_payoff_matrix"].axes[0].images[0].get_cmap().name == "RdBu"


def test_stage_game_table_and_its_equilibria(equilibrium_result, equilibrium, document):
    payoffs = pd.read_parquet(equilibrium_result / "stage_game_payoffs.parquet")
    stage = document["stage_game"]
    ax = equilibrium["equilibrium_stage_game"].axes[0]
    players = stage["players"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["China", "US"]
    cells = np.array([number(t.get_text()) for t in ax.texts]).reshape(len(payoffs), -1)
    expected = payoffs[[f"payoff_{p}" for p in players]].to_numpy()
    np.testing.assert_allclose(cells, expected.round(), atol=0.5)
    rows = [" · ".join(words(r[f"action_{p}"]) for p in players) for _, r in payoffs.iterrows()]
    assert top_down(ax) == rows
    pure = [
        " · ".join(words(max(mix := eq["strategies"][p], key=mix.get)) for p in players)
        for eq in stage["equilibria"]
        if eq["pure"]
    ]
    assert pure and outlined(ax) == sorted((rows.index(r), 0, len(players)) for r in pure)
    bold = [t.get_text() for t in ax.get_yticklabels() if t.get_fontweight() == "bold"]
    assert sorted(bold) == sorted(pure)
    assert "(USD m)" in heading(ax)


def test_meta_game_cells_and_equilibria(equilibrium, document):
    game = document["meta_game"]
    china, profiles = game["strategies"]["china"], game["strategies"]["importers"]
    ax = equilibrium["equilibrium_meta_game"].axes[0]
    np.testing.assert_allclose(ax.images[0].get_array(), game["payoffs"]["china"])
    pairs = np.array([[number(v) for v in t.get_text().split("\n")] for t in ax.texts])
    np.testing.assert_allclose(pairs[:, 0], np.ravel(game["payoffs"]["china"]).round(), atol=0.5)
    np.testing.assert_allclose(
        pairs[:, 1], np.ravel(game["payoffs"]["importers"]).round(), atol=0.5
    )
    pure = sorted(
        (
            china.index(max(c := eq["strategies"]["china"], key=c.get)),
            profiles.index(max(i := eq["strategies"]["importers"], key=i.get)),
            1,
        )
        for eq in game["equilibria"]
        if eq["pure"]
    )
    assert pure and outlined(ax) == pure
    first = next(eq for eq in game["equilibria"] if not eq["pure"])["strategies"]["china"]
    played = ", ".join(f"{words(s)} {p:.2f}" for s, p in first.items() if p > 1e-9)
    assert f"Mixed equilibria: (1) China: {played};" in equilibrium[
        "equilibrium_meta_game"
    ].get_supxlabel().replace("\n", " ")


def test_replicator_paths_equal_the_table(equilibrium_result, equilibrium, document):
    paths = pd.read_parquet(equilibrium_result / "replicator.parquet")
    figure = equilibrium["equilibrium_replicator"]
    for ax, population in zip(figure.axes, ("china", "importers"), strict=True):
        rows = paths[paths["population"] == population]
        names = document["meta_game"]["strategies"][population]
        assert len(ax.lines) == len(names)
        for line, name in zip(ax.lines, names, strict=True):
            np.testing.assert_allclose(line.get_ydata(), rows[name])
            final = document["meta_game"]["replicator_final_shares"][population][name]
            assert line.get_label() == f"{words(name)} (ends at {final:.2f})"
        assert ax.get_ylabel() == "share of the population (fraction)"
        assert "iterations" in ax.get_xlabel()


def test_discount_grid_marks_the_strategies_played(equilibrium, document):
    sweep = document["discount_sweep"]
    ax = equilibrium["equilibrium_discount"].axes[0]
    assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()] == [
        "0 %",
        "5 %",
        "20 %",
        "100 %",
    ]
    assert "annual discount rate" in ax.get_xlabel() and "per year" in ax.get_xlabel()
    names = dict(
        zip(ax.get_yticks(), document["meta_game"]["strategies"]["china"][::-1], strict=True)
    )
    marked = {
        (int(line.get_xdata()[0]), names[line.get_ydata()[0]])
        for line in ax.lines
        if line.get_markersize() > 10
    }
    assert marked == {
        (col, name)
        for col, rate in enumerate(sweep)
        for name in rate["china_strategies_in_equilibrium"]
    }
    assert marked  # the fixture has equilibria to mark


def test_only_the_parts_present_are_drawn(equilibrium_result, tmp_path):
    folder = tmp_path / "stage_only"
    shutil.copytree(equilibrium_result, folder, ignore=shutil.ignore_patterns("figures"))
    document = json.loads((folder / "equilibria.json").read_text())
    del document["meta_game"], document["discount_sweep"]
    (folder / "equilibria.json").write_text(json.dumps(document))
    assert [stem for stem, _ in figures_of(folder)] == ["equilibrium_stage_game"]


@pytest.mark.parametrize("kind", ["tournament", "equilibrium"])
def test_plot_command_writes_png_and_svg(kind, tournament_result, equilibrium_result):
    folder, stems = {
        "tournament": (tournament_result, TOURNAMENT),
        "equilibrium": (equilibrium_result, EQUILIBRIUM),
    }[kind]
    proc = subprocess.run(
        [sys.executable, "-m", "overplay.experiments.cli", "plot", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    written = {p.name for p in (folder / "figures").iterdir()}
    assert written >= {f"{stem}.{fmt}" for stem in stems for fmt in ("png", "svg")}
    assert all((folder / "figures" / name).stat().st_size > 0 for name in written)
