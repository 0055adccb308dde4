"""``overplay validate-history``: every fact against the ensemble, the JSON contract,
the folder its figures and report read, and bad ensembles refused in one line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from overplay.experiments.cli import app
from overplay.experiments.errors import UserError
from overplay.experiments.plots import validation as validation_plots
from overplay.experiments.validation.calibration_spec import load_calibration
from overplay.experiments.validation.facts import bundled, load_facts
from overplay.experiments.validation.patterns import PATTERNS
from overplay.experiments.validation.validate import BUNDLED_SPEC, read_ensemble

KEYS = {
    "fact",
    "observed",
    "median",
    "band",
    "tolerance",
    "tolerance_kind",
    "within_tolerance",
    "sample",
}


def _ensemble(path: Path, sets: int = 2) -> Path:
    """Parameter sets spread over the bundled spec's priors."""
    spec, _ = load_calibration(bundled(BUNDLED_SPEC))
    rows = []
    for k in range(sets):
        share = (k + 1) / (sets + 1)
        row = {"set": k + 1}
        for p in spec.parameters:
            row[p.name] = p.prior.low + share * (p.prior.high - p.prior.low)
        rows.append(row)
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def validated(tmp_path_factory) -> tuple[Path, list[dict]]:
    folder = tmp_path_factory.mktemp("validate")
    ensemble = _ensemble(folder / "ensemble.csv")
    out = folder / "out"
    args = ["validate-history", "--ensemble", str(ensemble), "--seeds", "2", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return out, json.loads(result.stdout)


def test_json_is_one_object_per_fact_with_the_contracts_keys(validated):
    _, rows = validated
    facts = load_facts().facts
    assert [r["fact"] for r in rows] == [f.fact for f in facts]
    for row in rows:
        assert set(row) == KEYS
        low, high = row["band"]
        assert low <= row["median"] <= high
        assert row["sample"] in ("in", "out") and isinstance(row["within_tolerance"], bool)
    assert {r["sample"] for r in rows} == {"in", "out"}


def test_within_tolerance_is_the_median_of_every_run_against_the_declared_tolerance(validated):
    folder, rows = validated
    values = pd.read_parquet(folder / "runs.parquet")
    assert len(values) == 2 * 2, "two sets x two seeds"
    by_id = load_facts().by_id()
    for row in rows:
        fact = by_id[row["fact"]]
        median = values[row["fact"]].median()
        assert row["median"] == pytest.approx(median)
        assert row["within_tolerance"] == fact.within(median)
        assert row["sample"] == fact.sample("2014-12")
        # recomputed from the row alone, as a reader of the JSON would
        off = median / row["observed"] - 1 if row["tolerance_kind"] == "relative" else None
        off = median - row["observed"] if off is None else off
        assert row["within_tolerance"] == (abs(off) <= row["tolerance"])
    assert json.loads((folder / "validation.json").read_text()) == rows


def test_every_pattern_is_checked_in_every_run(validated):
    folder, _ = validated
    patterns = pd.read_parquet(folder / "patterns.parquet")
    assert list(patterns["pattern"]) == [check.__name__ for check in PATTERNS]
    assert (patterns["runs"] == 4).all()


def test_the_printed_table_lists_samples_misses_and_patterns(tmp_path):
    ensemble = _ensemble(tmp_path / "ensemble.csv", sets=1)
    args = ["validate-history", "--ensemble", str(ensemble), "--seeds", "1", "-q"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    for text in ("In sample", "Out of sample", "Pattern checks", "spike_then_decay"):
        assert text in result.stdout


def test_the_history_figure_marks_where_the_fit_window_ends(validated):
    """Every panel shows the first out-of-sample month, so a reader sees which facts
    the fit saw."""
    folder, _ = validated
    (_, _), (_, figure) = validation_plots.figures(folder)
    first_test_month = pd.Timestamp("2015-01-01")
    panels = [ax for ax in figure.axes if ax.get_visible() and ax.lines]
    assert panels
    for ax in panels:
        marks = [line for line in ax.lines if line.get_label() == "fit window ends"]
        assert len(marks) == 1
        assert pd.Timestamp(marks[0].get_xdata()[0]) == first_test_month


def test_plot_and_report_read_the_folder(validated):
    folder, _ = validated
    runner = CliRunner()
    assert runner.invoke(app, ["plot", str(folder), "--format", "png"]).exit_code == 0
    assert {p.name for p in (folder / "figures").iterdir()} == {
        "validation_facts.png",
        "history.png",
    }
    assert runner.invoke(app, ["report", str(folder)]).exit_code == 0
    page = (folder / "report.html").read_text()
    assert "Out of sample" in page and "Pattern checks" in page


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("set,price_speed\n1,0.2\n", "missing column(s) price_elasticity_light"),
        (("price_speed", "fast"), "price_speed: 'fast' is not a number"),
        (("leakage_rate", "5"), "leakage_rate: Input should be less than or equal to 1"),
    ],
)
@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_bad_ensemble_is_refused_in_one_line(tmp_path, content, message, workers):
    path = tmp_path / "ensemble.csv"
    if isinstance(content, tuple):
        column, value = content
        lines = _ensemble(path).read_text().splitlines()
        cells = lines[2].split(",")
        cells[lines[0].split(",").index(column)] = value
        path.write_text("\n".join([*lines[:2], ",".join(cells)]) + "\n")
        message = f"{path}:3: {message}"
    else:
        path.write_text(content)
    command = ["validate-history", "--ensemble", str(path), "--workers", workers]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda lines: lines[:1], "no parameter sets"),
        (lambda lines: [lines[0], lines[1], "", lines[1]], ":4: set: 1 repeats line 2"),
        (lambda lines: [lines[0], "", "1.5" + lines[1][1:]], ":3: set: 1.5 is not a whole"),
    ],
)
def test_set_ids_are_distinct_whole_numbers_reported_at_the_editors_line(tmp_path, edit, message):
    """Runs are matched to their parameter set by id, so a repeated id would measure
    one set against another's control. Lines count blank ones, as an editor does, and a
    spreadsheet's byte-order mark is no part of the first column's name."""
    path = _ensemble(tmp_path / "ensemble.csv")
    lines = path.read_text().splitlines()
    path.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8-sig")
    spec, _ = load_calibration(bundled(BUNDLED_SPEC))
    with pytest.raises(UserError) as refused:
        read_ensemble(path, spec)
    assert message in str(refused.value) and str(refused.value).startswith(str(path))


@pytest.mark.parametrize("scenario", ["history", "calibrated"])
def test_history_and_calibrated_write_every_month_2009_to_2025(tmp_path, scenario):
    out = tmp_path / scenario
    result = CliRunner().invoke(app, ["run", scenario, "--quiet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rounds = pd.read_parquet(out / "rounds.parquet")
    months = rounds["date"].drop_duplicates()
    assert (months.iloc[0], months.iloc[-1], len(months)) == ("2009-01", "2025-12", 204)


@pytest.mark.parametrize(
    "command", [["validate-history"], ["revealed-preference"], ["findings", "--region", "x"]]
)
def test_a_folder_holding_something_else_is_refused_before_anything_runs(tmp_path, command):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    ensemble = _ensemble(tmp_path / "ensemble.csv", sets=1)
    args = [*command, "--ensemble", str(ensemble), "--seeds", "1", "-q", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "not a" in result.output and "folder" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_a_second_run_replaces_the_first_whole(tmp_path):
    ensemble = _ensemble(tmp_path / "ensemble.csv", sets=1)
    out = tmp_path / "out"
    args = ["validate-history", "--ensemble", str(ensemble), "--seeds", "1", "-q"]
    for _ in range(2):
        result = CliRunner().invoke(app, [*args, "--out", str(out)])
        assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(p.name for p in out.iterdir()) == sorted(["manifest.json", *manifest["files"]])


def test_findings_refuse_a_region_found_on_another_ensemble(tmp_path):
    """The region's weights were read off other parameter sets' histories."""
    region = tmp_path / "region"
    region.mkdir()
    other = _ensemble(tmp_path / "other.csv", sets=2)
    digest = hashlib.sha256(other.read_bytes()).hexdigest()
    document = {"kind": "revealed", "ensemble": str(other), "ensemble_sha256": digest}
    (region / "manifest.json").write_text(json.dumps(document))
    ensemble = _ensemble(tmp_path / "ensemble.csv", sets=1)
    args = ["findings", "--region", str(region), "--ensemble", str(ensemble), "-q"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "identified on another ensemble" in result.output and str(other) in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("recorded", "message"),
    [
        ({"spec": "another_fit", "parameter_sets": 2}, "identified with spec 'another_fit'"),
        ({"parameter_sets": 1}, "identified on the first 1 parameter sets"),
    ],
)
def test_findings_refuse_a_region_found_with_another_spec_or_fewer_sets(
    tmp_path, recorded, message
):
    """The same ensemble file is not enough: the region must have been read off the
    histories of every set findings runs, under the same spec."""
    ensemble = _ensemble(tmp_path / "ensemble.csv", sets=2)
    spec, _ = load_calibration(bundled(BUNDLED_SPEC))
    digest = hashlib.sha256(ensemble.read_bytes()).hexdigest()
    document = {"kind": "revealed", "spec": spec.name, "ensemble_sha256": digest, **recorded}
    region = tmp_path / "region"
    region.mkdir()
    (region / "manifest.json").write_text(json.dumps(document))
    args = ["findings", "--region", str(region), "--ensemble", str(ensemble), "-q"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "out").exists()
