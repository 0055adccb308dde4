"""Scenario comparison and history figures, from real sweeps that kept every step."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from overplay.experiments.plots import compare
from overplay.experiments.plots.theme import themed
from overplay.experiments.sweep.runner import run_sweep
from overplay.experiments.sweep.spec import load_sweep
from tests import results
from tests.figure_checks import check_figure

HISTORY = """\
name: history
scenario: crisis_2010
overrides: {years: 3, firms.count: 10}
levers:
  - {name: scenario, key: scenario, kind: categorical, values: [crisis_2010]}
design: {method: full_factorial}
replicates: 3
seeds: per_run
outcomes: [china_processing_share_final_light]
per_round: all
"""


@pytest.fixture(scope="module")
def compared(result_root):
    folder = result_root / "compare"
    if not (folder / "runs.parquet").exists():
        results.make_sweep(result_root, "compare")
    with themed():
        return folder, dict(compare.figures(folder))


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    root = tmp_path_factory.mktemp("history")
    (root / "history.yaml").write_text(HISTORY)
    run_sweep(load_sweep(root / "history.yaml"), root / "history.yaml", root / "out", "serial")
    with themed():
        return root / "out", dict(compare.figures(root / "out"))


def test_comparison_figures_are_clean_slides(compared):
    _, figures = compared
    assert set(figures) == {f"compare_{c}" for c in compare.COMPARED}
    for stem, figure in figures.items():
        assert check_figure(figure) == [], stem


def test_comparison_lines_are_means_over_the_seeds(compared):
    folder, figures = compared
    rounds = pd.read_parquet(folder / "rounds").drop_duplicates(["run_id", "step", "material"])
    runs = pd.read_parquet(folder / "runs.parquet")
    coercion = runs.loc[runs["scenario"] == "coercion", "run_id"]
    light = rounds[rounds["run_id"].isin(coercion) & (rounds["material"] == "light")]
    expected = light.groupby("step")["price_multiple"].mean().to_numpy()
    axes = figures["compare_price_multiple"].axes[0]
    line = next(ln for ln in axes.get_lines() if ln.get_label() == "scenario = coercion")
    np.testing.assert_allclose(line.get_ydata(), expected)
    assert axes.get_ylabel() == "ex-China price / reference price (×)"


def test_history_puts_observed_facts_over_the_simulated_range(history):
    _folder, figures = history
    figure = figures["history_crisis_2010"]
    assert check_figure(figure) == []
    facts = compare.observed()
    light_prices = facts[(facts["series"] == "price_multiple") & (facts["material"] == "light")]
    ax = figure.axes[0]
    assert ax.get_title(loc="left") == "price multiple, light"
    points = ax.collections[-1].get_offsets()
    np.testing.assert_allclose(np.asarray(points)[:, 1], light_prices["value"])
    assert {t.get_text() for t in ax.texts} == set(light_prices["fact"])
    cited = figure.get_supxlabel().replace("\n", " ")
    assert f"from {compare.HISTORY} in the package" in cited


def test_the_history_figure_cites_sources_that_ship_with_the_package():
    from importlib import resources

    shipped = resources.files("overplay.experiments").joinpath(compare.HISTORY.split("/", 1)[1])
    assert shipped.is_file()
    facts = compare.observed()
    assert facts["source"].str.strip().ne("").all()
    assert facts["url"].str.match(r"https?://\S+$").all(), "every fact has its URL"
