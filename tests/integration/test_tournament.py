"""Tournaments: seeding, parallel = serial, tables, ranking, spec errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from overplay.experiments.stats import t_interval
from overplay.experiments.tournament import (
    discounted,
    load_tournament,
    matches,
    mean_ci,
    run_tournament,
)
from overplay.model.problems import ScenarioError

SPEC = """\
name: small
years: 1
firms: 12
replicates: 2
seed: 7
china:
  - always_open
  - name: periodic_coercion
    params: {instrument: licensing}
  - myopic_best_response
importers:
  passive: passive
  hawks: {us: retaliator, japan: stockpile_only, eu: negotiator}
"""


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tournament") / "small.yaml"
    path.write_text(SPEC)
    return path


@pytest.fixture(scope="module")
def serial(spec_file):
    return run_tournament(load_tournament(spec_file), spec_file, workers=1)


def test_one_seed_per_match_spawned_from_the_tournament_seed(spec_file):
    spec = load_tournament(spec_file)
    jobs = matches(spec, spec_file)
    assert len(jobs) == 3 * 2 * 2
    seeds = [j.seed for j in jobs]
    assert len(set(seeds)) == len(seeds)
    expected = np.random.SeedSequence(7).spawn(len(jobs))[5].generate_state(1, np.uint32)[0]
    assert seeds[5] == int(expected)
    assert matches(spec, spec_file) == jobs


def test_two_workers_give_identical_tables(spec_file, serial):
    parallel = run_tournament(load_tournament(spec_file), spec_file, workers=2)
    assert serial.keys() == parallel.keys()
    for name in serial:
        pd.testing.assert_frame_equal(serial[name], parallel[name])


def test_tables_are_tidy_and_complete(serial):
    assert len(serial["matches"]) == 12
    results = serial["results"]
    assert set(results["player"]) == {"china", "us", "japan", "eu", "importers"}
    assert len(results) == 12 * 5
    ranking = serial["ranking"]
    assert list(ranking["rank"]) == [1, 2, 3]
    assert (ranking["china_payoff_ci95_low"] <= ranking["china_payoff_mean"]).all()
    assert (ranking["china_payoff_mean"] <= ranking["china_payoff_ci95_high"]).all()
    assert ranking["china_payoff_mean"].is_monotonic_decreasing
    matrix = serial["payoff_matrix"]
    assert len(matrix) == 3 * 2
    streams = serial["round_payoffs"]
    assert set(streams.columns) == {"match_id", "round", "player", "payoff"}


def test_rediscounting_the_round_streams(serial):
    undiscounted = discounted(serial["round_payoffs"], 0.0, 3)
    totals = serial["round_payoffs"].groupby(["match_id", "player"])["payoff"].sum()
    assert np.allclose(undiscounted.set_index(["match_id", "player"])["value"], totals)
    heavy = discounted(serial["round_payoffs"], 0.5, 3).set_index(["match_id", "player"])
    stream = serial["round_payoffs"].query("match_id == 4 and player == 'china'")
    by_hand = sum(
        p * 1.5 ** (-3 * r / 12) for r, p in zip(stream["round"], stream["payoff"], strict=True)
    )
    assert heavy.loc[(4, "china"), "value"] == pytest.approx(by_hand)


def test_mean_ci_shows_one_match_as_both_bounds_and_otherwise_the_t_interval():
    """The ranking's interval is experiments.stats.t_interval (tested there), except that
    a strategy with a single match shows its value as both bounds."""
    assert mean_ci(pd.Series([3.0])) == (3.0, 3.0, 3.0)
    values = pd.Series([1.0, 2.0, 3.0, 4.0])
    assert mean_ci(values) == tuple(t_interval(values))[1:]


@pytest.mark.parametrize(
    "text, path, message",
    [
        (
            "name: x\nchina: [alwys_open]\nimporters: {p: passive}\n",
            "china.0.name",
            "did you mean 'always_open'",
        ),
        (
            "name: x\nchina: [always_open]\nimporters: {p: pasive}\n",
            "importers.p.name",
            "did you mean 'passive'",
        ),
        (
            "name: x\nchina: [always_open]\nimporters: {p: {us: passive, xx: passive}}\n",
            "importers.p",
            "unknown importer",
        ),
        (
            "name: x\nchina: [always_open]\nimporters: {p: passive}\nreplicate: 3\n",
            "replicate",
            "did you mean 'replicates'",
        ),
        (
            "name: x\nchina: [always_open, always_open]\nimporters: {p: passive}\n",
            "china",
            "distinct labels",
        ),
    ],
)
def test_bad_specs_are_located(tmp_path, text, path, message):
    file = tmp_path / "bad.yaml"
    file.write_text(text)
    with pytest.raises(ScenarioError) as error:
        load_tournament(file)
    problem = error.value.problems[0]
    assert problem.path == path and message in problem.message


def test_cli_writes_tables_and_prints_the_ranking(spec_file, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "overplay.experiments.cli",
            "tournament",
            str(spec_file),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Ranking of China's strategies" in proc.stdout
    for name in ("matches", "results", "round_payoffs", "ranking", "payoff_matrix"):
        assert (out / f"{name}.parquet").exists()
    assert (out / "manifest.json").exists() and (out / "spec.resolved.yaml").exists()
