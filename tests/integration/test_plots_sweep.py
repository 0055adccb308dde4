"""Sweep figures, drawn from small real sweeps of each design (``tests/results.py``):
clean slides, units on the axes, and drawn values equal to the analysis tables and to
group means computed here with pandas."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.container import BarContainer

from overplay.experiments.analysis import analyze
from overplay.experiments.plots import PlotError, figures_of
from overplay.experiments.plots.compare import COMPARED
from overplay.experiments.plots.labels import number, outcome_unit
from overplay.experiments.plots.sweep import PRIM_BELOW, PRIM_OUTCOME
from overplay.experiments.plots.theme import themed
from tests import results
from tests.figure_checks import check_figure

#: The outcomes the fixture sweeps keep (``tests/results.py``).
OUTCOMES = [
    "china_processing_share_final_light",
    "payoff_china",
    "payoff_importers",
    "restriction_rounds",
    "years_to_processing_share_below_80pct_light",
]
YEARS = OUTCOMES[-1]


@pytest.fixture(scope="module")
def drawn(sweep_result):
    return dict(figures_of(sweep_result))


def _runs(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "runs.parquet")


def _only(folder: Path, *names: str) -> None:
    if folder.name not in names:
        pytest.skip(f"nothing to check on the {folder.name} sweep")


def _expected_stems(folder: Path) -> set[str]:
    """What each design should draw, from its data: outcomes without any value (a
    threshold never reached) have indices and heatmaps left out."""
    runs = _runs(folder)
    valued = [o for o in OUTCOMES if o in runs and runs[o].notna().any()]
    # indices need a value at every point, and Sobol some variance
    complete = [
        o
        for o in OUTCOMES
        if o in runs and runs[o].notna().all() and (folder.name != "sobol" or runs[o].nunique() > 1)
    ]
    if folder.name == "factorial":
        return {f"curve_{o}" for o in OUTCOMES} | {f"heatmap_{o}" for o in valued}
    if folder.name == "explicit":  # points on a grid of the levers: the curve too
        return (
            {f"curve_{o}" for o in OUTCOMES}
            | {f"heatmap_{o}" for o in valued}
            | {f"scatter_{o}" for o in valued}
        )
    if folder.name in ("sobol", "morris"):
        return {f"{folder.name}_{o}" for o in complete}
    if folder.name == "compare":  # one input: a curve per outcome, nothing to cross; and
        # the per-step comparison figures
        return {f"curve_{o}" for o in ("china_processing_share_final_light", "payoff_china")} | {
            f"compare_{c}" for c in COMPARED
        }
    # a latin hypercube: each outcome against each input, and PRIM when the share splits
    scatter = {f"scatter_{o}" for o in valued}
    holds = runs[PRIM_OUTCOME] < PRIM_BELOW
    stem = f"prim_{PRIM_OUTCOME}_below_{PRIM_BELOW:g}"
    return scatter | (
        {f"{stem}_tradeoff", f"{stem}_box"} if holds.any() and not holds.all() else set()
    )


def test_each_design_draws_its_analysis_on_clean_slides(sweep_result, drawn):
    assert set(drawn) == _expected_stems(sweep_result)
    for stem, figure in drawn.items():
        assert check_figure(figure) == [], stem


def _outcome_labels(stem: str, figure) -> list[str]:
    """The labels that must carry the outcome's unit, by kind of figure."""
    ax = figure.axes[0]
    kind = stem.split("_")[0]
    if kind == "heatmap":
        return [figure.axes[1].get_ylabel()]  # the colour bar
    if kind == "morris":
        return [ax.get_xlabel(), ax.get_ylabel()]
    return [ax.get_ylabel()]


def test_outcome_axes_carry_units(sweep_result, drawn):
    for stem, figure in drawn.items():
        if stem.startswith("sobol"):  # indices are shares of the outcome's variance
            assert figure.axes[0].get_xlabel().endswith("(0–1)"), stem
            continue
        if stem.startswith(("prim", "compare")):  # shares of runs; per-step series
            continue
        outcome = next(o for o in OUTCOMES if stem.endswith(o))
        for label in _outcome_labels(stem, figure):
            assert label.replace("\n", " ").endswith(f"({outcome_unit(outcome)})"), stem


def test_sobol_bars_are_the_indices(sweep_result, drawn):
    _only(sweep_result, "sobol")
    table = analyze(sweep_result, "sobol", write=False).table
    for outcome, rows in table.groupby("outcome"):
        ax = drawn[f"sobol_{outcome}"].axes[0]
        inputs = [t.get_text() for t in ax.get_yticklabels()]
        assert inputs == list(rows.sort_values("ST")["input"])  # largest ST on top
        bars = {
            c.get_label().split(":")[0]: [p.get_width() for p in c]
            for c in ax.containers
            if isinstance(c, BarContainer)
        }
        rows = rows.set_index("input").loc[inputs]
        np.testing.assert_allclose(bars["S1"], rows["S1"])
        np.testing.assert_allclose(bars["ST"], rows["ST"])


def test_morris_points_are_mu_star_and_sigma(sweep_result, drawn):
    _only(sweep_result, "morris")
    table = analyze(sweep_result, "morris", write=False).table
    for outcome, rows in table.groupby("outcome"):
        ax = drawn[f"morris_{outcome}"].axes[0]
        points = {
            c.get_label(): (c.lines[0].get_xdata()[0], c.lines[0].get_ydata()[0])
            for c in ax.containers
        }
        for _, row in rows.iterrows():
            assert points[row["input"]] == pytest.approx((row["mu_star"], row["sigma"]))


def test_scatter_points_are_the_runs(sweep_result, drawn):
    _only(sweep_result, "lhs", "explicit")
    runs = _runs(sweep_result)
    figure = drawn["scatter_payoff_china"]
    numeric, _period, category = figure.axes[:3]
    assert [ax.get_title(loc="left") for ax in figure.axes[:3]] == [
        "against elasticity",
        "against period_rounds",
        "against instrument",
    ]
    np.testing.assert_allclose(
        numeric.collections[0].get_offsets(), runs[["elasticity", "payoff_china"]].to_numpy()
    )
    assert [t.get_text() for t in category.get_xticklabels()] == ["licensing", "ban"]
    shown = np.concatenate([c.get_offsets()[:, 1] for c in category.collections])
    np.testing.assert_allclose(np.sort(shown), np.sort(runs["payoff_china"]))
    assert figure.axes[0].get_ylabel().replace("\n", " ").endswith("(USD m)")


def test_value_axes_that_leave_out_zero_say_so(sweep_result, drawn):
    _only(sweep_result, "factorial")
    share = drawn["curve_china_processing_share_final_light"]
    low = share.axes[0].get_ylim()[0]
    assert low > 0  # a share near 0.81: the axis starts far above zero
    assert "The y axis starts at" in share.get_supxlabel().replace("\n", " ")
    for stem, figure in drawn.items():  # said exactly where zero is out of view
        if stem.startswith("curve"):
            low, high = figure.axes[0].get_ylim()
            said = "not at zero" in figure.get_supxlabel().replace("\n", " ")
            assert said == (low > 0 or high < 0), stem


def test_heatmap_cells_are_group_means(sweep_result, drawn):
    _only(sweep_result, "factorial")
    runs = _runs(sweep_result)
    for outcome in ("payoff_china", "china_processing_share_final_light"):
        figure = drawn[f"heatmap_{outcome}"]
        ax = figure.axes[0]
        assert (ax.get_xlabel(), ax.get_ylabel()) == (
            "period_rounds (decision rounds)",
            "instrument",
        )
        columns = [t.get_text() for t in ax.get_xticklabels()]
        rows = [t.get_text() for t in ax.get_yticklabels()]
        assert (columns, rows) == (["2", "4"], ["licensing", "ban"])  # the spec's order
        means = runs.pivot_table(
            index="instrument", columns="period_rounds", values=outcome, aggfunc="mean"
        ).rename(columns=str)
        expected = means.loc[rows, columns].to_numpy()
        np.testing.assert_allclose(ax.images[0].get_array(), expected)
        assert [t.get_text() for t in ax.texts] == [number(v, 3) for v in expected.flat]


def test_curve_lines_are_group_means_with_reached_shares(sweep_result, drawn):
    _only(sweep_result, "factorial")
    runs = _runs(sweep_result)
    ax = drawn["curve_payoff_china"].axes[0]
    means = runs.groupby(["instrument", "period_rounds"])["payoff_china"].mean()
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"licensing", "ban"}
    for instrument, line in lines.items():
        np.testing.assert_allclose(line.get_xdata(), [2, 4])
        np.testing.assert_allclose(line.get_ydata(), means.loc[instrument].loc[[2, 4]])
    years = drawn[f"curve_{YEARS}"]
    assert len(years.axes) == 2  # the share that reached the threshold, under the means
    reached = runs[YEARS].notna().groupby([runs["instrument"], runs["period_rounds"]]).mean()
    for line in years.axes[1].get_lines():
        np.testing.assert_allclose(line.get_ydata(), reached.loc[line.get_label()].loc[[2, 4]])


def test_prim_figures_show_the_trajectory_and_the_box(sweep_result):
    _only(sweep_result, "lhs")
    runs = _runs(sweep_result)
    threshold = float(runs["payoff_china"].median())
    with themed():  # pastes the integer period_rounds to 2.5 (once a pandas 3 crash)
        result = analyze(sweep_result, "prim", ["payoff_china"], above=threshold, write=False)
        drawn = dict(result.draw())
    trajectory = next(t for n, t in result.tables.items() if n.endswith("trajectory"))
    tradeoff, box = drawn[f"{result.main.removesuffix('_box')}_tradeoff"], drawn[result.main]
    for figure in (tradeoff, box):
        assert check_figure(figure) == []
    points = tradeoff.axes[0].collections[0].get_offsets()
    np.testing.assert_allclose(points, trajectory[["coverage", "density"]].to_numpy())
    restricted = result.table[result.table["restricted"]]
    shown = [t.get_text() for t in box.axes[0].get_yticklabels()]
    assert sorted(shown) == sorted(restricted["input"])
    assert "quasi-p" in " ".join(t.get_text() for t in box.axes[0].texts)


def test_a_latin_hypercube_gets_prim_when_the_share_falls_below_80_percent(sweep_result, tmp_path):
    _only(sweep_result, "lhs")
    folder = tmp_path / "lhs"
    shutil.copytree(sweep_result, folder)
    runs = _runs(folder)
    # bans cost China 0.15 of its share: the box to find is instrument = ban
    runs.loc[runs["instrument"] == "ban", PRIM_OUTCOME] -= 0.15
    runs.to_parquet(folder / "runs.parquet", index=False)
    drawn = dict(figures_of(folder))
    stem = f"prim_{PRIM_OUTCOME}_below_{PRIM_BELOW:g}"
    assert {f"{stem}_tradeoff", f"{stem}_box"} <= set(drawn)
    texts = [t.get_text() for t in drawn[f"{stem}_box"].axes[0].texts]
    assert any(t.startswith("ban\nof licensing, ban\nquasi-p") for t in texts)
    assert not (folder / "analysis").exists()  # plotting writes no tables


def test_plot_command_writes_png_and_svg_for_a_sweep(sweep_result, tmp_path):
    _only(sweep_result, "factorial")
    folder = tmp_path / "factorial"
    shutil.copytree(sweep_result, folder, ignore=shutil.ignore_patterns("figures"))
    proc = subprocess.run(
        [sys.executable, "-m", "overplay.experiments.cli", "plot", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    written = sorted(p.name for p in (folder / "figures").iterdir())
    stems = _expected_stems(sweep_result)
    assert written == sorted(f"{s}.{f}" for s in stems for f in ("png", "svg"))
    assert all((folder / "figures" / name).stat().st_size > 0 for name in written)
    assert not (folder / "analysis").exists()


def test_an_unfinished_sweep_is_a_plot_error_with_advice(sweep_result, tmp_path):
    _only(sweep_result, "sobol")
    folder = tmp_path / "sobol"
    shutil.copytree(sweep_result, folder)
    (folder / "runs.parquet").unlink()
    with pytest.raises(PlotError, match="run the same `overplay sweep` command again"):
        figures_of(folder)


def test_figure_hints_choose_the_curve_axes_and_heatmap_pair(result_root, tmp_path):
    folder = result_root / "factorial"
    if not (folder / "runs.parquet").exists():
        results.make_sweep(result_root, "factorial")
    hinted = tmp_path / "hinted"
    shutil.copytree(folder, hinted)
    spec = (hinted / "spec.resolved.yaml").read_text()
    spec = spec.replace(
        "figures:\n  x: null\n  hue: null", "figures:\n  x: instrument\n  hue: period_rounds"
    )
    assert "x: instrument" in spec
    (hinted / "spec.resolved.yaml").write_text(spec)
    with themed():
        drawn = dict(figures_of(hinted))
    curve = drawn["curve_payoff_china"]
    assert curve.axes[0].get_xlabel().startswith("instrument")
    heat = drawn["heatmap_payoff_china"]
    labels = {heat.axes[0].get_xlabel().split(" ")[0], heat.axes[0].get_ylabel().split(" ")[0]}
    assert labels == {"instrument", "period_rounds"}


def test_categories_keep_the_spec_order_and_read_as_written():
    from overplay.experiments.plots.curve import levels
    from overplay.experiments.plots.labels import value_text
    from overplay.experiments.sweep.spec import Parameter

    severity = Parameter(name="severity", key="x", kind="categorical", values=[1, 0.5, 0.25])
    stored = pd.Series([0.25, 0.5, 1.0, 0.5])  # Parquet hands back floats
    assert levels(stored, severity) == [1.0, 0.5, 0.25]
    assert [value_text(v) for v in (True, np.bool_(False), 2, 12_500.0)] == [
        "True",
        "False",
        "2",
        "12,500",
    ]


def test_figure_hints_must_name_two_different_inputs(tmp_path):
    from overplay.experiments.sweep.spec import load_sweep
    from overplay.model.problems import ScenarioError

    spec = tmp_path / "hints.yaml"
    spec.write_text(
        results.SWEEP.format(
            name="h", design="{method: full_factorial}", replicates=1, years=1, per_round="none"
        )
        + "figures: {x: instrument, hue: instrument}\n"
    )
    with pytest.raises(ScenarioError, match="different inputs"):
        load_sweep(spec)
