"""``overplay compare`` prints its numbers (per scenario and outcome: mean over the common
seeds and its 95 % interval), not only where the figures went."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from overplay.experiments.analysis import compare_table
from overplay.experiments.cli import app


def test_compare_prints_each_scenarios_mean_and_band(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    result = CliRunner().invoke(
        app,
        [
            "compare",
            "baseline",
            "coercion",
            "--seeds",
            "2",
            "--years",
            "1",
            "--firms",
            "10",
            "--workers",
            "1",
            "--quiet",
            "--out",
            str(out),
        ],
        env={"COLUMNS": "250"},
    )
    assert result.exit_code == 0, result.output
    table = compare_table(out)
    assert set(table["scenario"]) == {"baseline", "coercion"}
    assert "Mean over 2 common seeds [95 % interval]" in result.stdout
    lines = {
        line.split("│")[1].strip(): line
        for line in result.stdout.splitlines()
        if line.count("│") == 4
    }
    for row in table.itertuples():
        assert (
            f"{row.mean:.4g} [" in lines[row.outcome] or f"{row.mean:,.0f} [" in lines[row.outcome]
        ), (row, lines[row.outcome])
