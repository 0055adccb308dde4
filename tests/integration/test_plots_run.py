"""The run dashboard, drawn from a real run (crisis_2010, three years: a quota cut, a
halt to Japan and a quota on it — restrictions to shade and events to number)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from overplay.experiments.plots import PlotError, figures_of, plot_folder
from overplay.experiments.plots.timeline import harshest_regime, restriction_spans
from tests.figure_checks import check_figure


@pytest.fixture(scope="module")
def dashboard(run_result):
    return dict(figures_of(run_result))


def test_every_dashboard_figure_is_a_clean_slide(dashboard):
    assert set(dashboard) == {
        "run_prices",
        "run_shares",
        "run_capacity",
        "run_importers_light",
        "run_importers_heavy",
        "run_magnets",  # crisis_2010 has history's magnet stage
        "run_risk",
        "run_payoffs",
    }
    for stem, figure in dashboard.items():
        assert check_figure(figure) == [], stem


def test_units_are_on_the_axes(dashboard):
    labels = {stem: [ax.get_ylabel() for ax in figure.axes] for stem, figure in dashboard.items()}
    assert all("(USD/kg)" in label for label in labels["run_prices"])
    assert all("(fraction)" in label for label in labels["run_shares"])
    assert all("(t/yr)" in label for label in labels["run_capacity"])
    assert labels["run_importers_light"] == [
        "stockpile (days)",
        "shortage: share of need unmet (fraction)",
    ]
    assert "(USD m)" in labels["run_payoffs"][0]
    assert all("(t/month)" in label for label in labels["run_magnets"])


def test_restrictions_are_shaded_and_events_numbered(run_result, dashboard):
    import pandas as pd

    rounds = pd.read_parquet(run_result / "rounds.parquet")
    spans = restriction_spans(harshest_regime(rounds, "light"))
    # October 2010: the H2 quota binds and Japan is halted (the harshest regime shows).
    assert [regime for _, _, regime in spans][:2] == ["ban", "quota"]
    assert spans[0][0] == pd.Timestamp("2010-10-01") and spans[1][0] == pd.Timestamp("2010-12-01")
    prices = dashboard["run_prices"]
    legend = [t.get_text() for t in prices.legends[0].get_texts()]
    assert "China: quota" in legend and "China: ban" in legend  # the halt to Japan
    numbers = [t.get_text() for t in prices.axes[0].texts]
    assert numbers == ["1", "2", "3"]  # 2010-10 (quota and halt), 2010-12, 2011-01 (yearly quota)
    assert "1 2010-10 china quota; china ban → japan" in prices.get_supxlabel().replace("\n", " ")


def test_plot_writes_png_and_svg_and_refuses_unknown_folders(run_result, tmp_path):
    written = plot_folder(run_result)
    assert {p.suffix for p in written} == {".png", ".svg"}
    assert len(written) == 16 and all(p.stat().st_size > 0 for p in written)
    with pytest.raises(PlotError, match=r"no manifest\.json"):
        plot_folder(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "overplay.experiments.cli", "plot", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "no manifest.json" in proc.stderr


def test_a_run_without_a_magnet_stage_draws_no_magnet_figure(tmp_path):
    from datetime import datetime

    from overplay.experiments.single_run import run_scenario, write_outputs
    from overplay.model import load_scenario

    folder = tmp_path / "baseline"
    result = run_scenario(load_scenario("baseline", [("years", 1)]))
    write_outputs(result, folder, datetime.now())
    assert "run_magnets" not in dict(figures_of(folder))
