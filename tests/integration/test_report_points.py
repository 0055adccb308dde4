"""A sweep report's table per design point: each point's inputs, its runs, and each
main outcome's mean with a 95 % t-interval; shown right after the sweep's figures and
cut to its extremes when the sweep has many points."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import yaml
from scipy import stats

from overplay.experiments.report import render
from overplay.experiments.report.points import MAX_ROWS, point_table
from overplay.experiments.report.tables import number
from tests.report_checks import sweep_folder


def _expected(values: pd.Series) -> tuple[str, str]:
    """Mean and t-interval as the table writes them, computed here with scipy."""
    mean = values.mean()
    low, high = stats.t.interval(0.95, len(values) - 1, loc=mean, scale=stats.sem(values))
    return number(mean), f"{number(low)} to {number(high)}"


def _shown(value: object) -> str:
    return number(value) if isinstance(value, int | float) else str(value)


def test_each_point_has_its_runs_and_intervals(result_root):
    folder = sweep_folder(result_root)
    runs, design = (
        pd.read_parquet(folder / "runs.parquet"),
        pd.read_parquet(folder / "design.parquet"),
    )
    spec = yaml.safe_load((folder / "spec.resolved.yaml").read_text())
    inputs = [p["name"] for role in ("levers", "uncertainties") for p in spec[role]]
    outcomes = ["payoff_china", "china_processing_share_final_light"]
    shown, notes = point_table(design, runs, inputs, outcomes)
    header = [c.text for c in shown.columns]
    assert header == [*inputs, "runs", *outcomes]
    assert len(shown.rows) == len(design) == 8 and notes == []
    for row in shown.rows:
        cells = dict(zip(header, row, strict=True))
        texts = pd.Series({name: cell.text for name, cell in cells.items()})
        point = runs[runs[inputs].map(_shown).eq(texts[inputs]).all(axis=1)]
        assert texts["runs"] == str(len(point)) == "3"
        for outcome in outcomes:
            assert (cells[outcome].text, cells[outcome].detail) == _expected(point[outcome])
    assert all(c.numeric for c in shown.columns[len(inputs) :])  # right-aligned numbers


def test_the_table_follows_the_sweeps_figures(result_root):
    page = render(sweep_folder(result_root))
    headings = re.findall(r"<h2>(.*?)</h2>", page)
    assert headings[headings.index("Figures") + 1] == "Outcomes per design point"
    assert "95% t-interval" in page and "<small>" in page


def _many_points(points: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    design = pd.DataFrame({"point_id": range(points), "x": [p / 10 for p in range(points)]})
    runs = pd.DataFrame(
        {
            "point_id": [p for p in range(points) for _ in range(2)],
            "status": "ok",
            "y": [p + r for p in range(points) for r in (0, 1)],
        }
    )
    return design, runs


def test_many_points_show_their_extremes_with_a_note():
    design, runs = _many_points(3 * MAX_ROWS)  # y grows with x
    shown, notes = point_table(design, runs, ["x"], ["y"])
    xs = [float(row[0].text) for row in shown.rows]
    assert len(shown.rows) == MAX_ROWS
    assert xs == sorted(xs, reverse=True)  # highest mean first
    assert xs[0] == design["x"].max() and xs[-1] == design["x"].min()  # both ends shown
    assert len(notes) == 1 and f"{3 * MAX_ROWS} design points" in notes[0]


@pytest.mark.parametrize(
    ("values", "text", "detail"),
    [
        ([float("nan"), float("nan")], "never reached", ""),
        ([2.0, float("nan")], "2", "1 of 2 reached"),
        ([2.0, 4.0], "3", "-9.71 to 15.7 · 2 of 2 reached"),
    ],
)
def test_years_to_threshold_say_how_many_runs_reached_it(values, text, detail):
    design = pd.DataFrame({"point_id": [0], "x": [1.0]})
    runs = pd.DataFrame(
        {"point_id": [0, 0], "status": "ok", "years_to_processing_share_below_80pct_light": values}
    )
    table, _ = point_table(design, runs, ["x"], ["years_to_processing_share_below_80pct_light"])
    cell = table.rows[0][-1]
    assert (cell.text, cell.detail) == (text, detail)


def test_failed_runs_are_not_counted():
    design, runs = _many_points(2)
    runs.loc[0, "status"] = "error"
    shown, _ = point_table(design, runs, ["x"], ["y"])
    assert [row[1].text for row in shown.rows] == ["1", "2"]
