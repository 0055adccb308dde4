"""Sweep analysis: Sobol and Morris indices, PRIM scenario discovery, the overuse curve,
and the ``overplay analyze`` command — on real, small sweeps (1-year runs, 10 firms,
serial executor) made once per module.

The sweeps vary three inputs chosen so that the right answers are known:
``china_strategy`` (always_open vs always_ban) drives China's restrictions and its
processing share; ``wto_ruling_months`` (30–60 months) cannot matter in a one-year
run, since a WTO ruling comes at least 30 months after a filing; ``elasticity`` moves
prices a little. ``restriction_rounds`` is exactly 4 under always_ban and 0 otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from overplay.experiments.analysis import AnalysisError, analyze, to_unit
from overplay.experiments.stats import Interval, t_interval
from overplay.experiments.sweep.designs import from_unit
from overplay.experiments.sweep.runner import run_sweep
from overplay.experiments.sweep.spec import Parameter, load_sweep

SPEC = """\
name: {name}
scenario: baseline
overrides: {{years: 1, firms.count: 10{extra}}}
uncertainties:
  - {{name: elasticity, key: materials.light.price_elasticity, kind: real, low: 0.1, high: 0.4}}
  - {{name: wto_ruling_months, key: timing.wto_ruling_months, kind: integer, low: 30, high: 60}}
levers:
  - {{name: china_strategy, key: china.strategy, kind: categorical,
      values: [always_open, always_ban]}}
{lever}design: {design}
replicates: {replicates}
seed: 3
outcomes: [china_processing_share_final_light, payoff_china, restriction_rounds,
           years_to_processing_share_below_80pct_light]
"""
US_LEVER = (
    "  - {name: us_strategy, key: importers.us.strategy, kind: categorical,\n"
    "      values: [passive, threshold_diversifier]}\n"
)
OUTCOMES = ["china_processing_share_final_light", "payoff_china", "restriction_rounds"]
INPUTS = ["elasticity", "wto_ruling_months", "china_strategy"]
ENV = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}


def _sweep(
    root: Path, name: str, design: str, replicates: int = 1, extra: str = "", lever: str = ""
) -> Path:
    spec_file = root / f"{name}.yaml"
    spec_file.write_text(
        SPEC.format(name=name, design=design, replicates=replicates, extra=extra, lever=lever)
    )
    out = root / name
    table = run_sweep(load_sweep(spec_file), spec_file, out, "serial", workers=1)
    assert (table["status"] == "ok").all()
    return out


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("analysis")
    return {
        "sobol": _sweep(root, "sobol", "{method: sobol, samples: 8}"),
        "morris": _sweep(root, "morris", "{method: morris, samples: 4, levels: 4}"),
        # China starts just above 80 % of light processing, so a ban crosses it at once.
        "lhs": _sweep(
            root,
            "lhs",
            "{method: latin_hypercube, samples: 12}",
            replicates=2,
            extra=", materials.light.china_processing_share: 0.81",
            lever=US_LEVER,
        ),
    }


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header (IHDR)."""
    header = path.read_bytes()[16:24]
    return int.from_bytes(header[:4], "big"), int.from_bytes(header[4:], "big")


def _copy(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / folder.name
    shutil.copytree(folder, target)
    shutil.rmtree(target / "analysis", ignore_errors=True)
    return target


# --- sobol ------------------------------------------------------------------------------


def test_sobol_table_has_a_row_per_outcome_and_input_with_finite_indices(sweeps):
    result = analyze(sweeps["sobol"], "sobol", OUTCOMES)
    table = result.table
    assert list(table.columns) == ["outcome", "input", "S1", "S1_conf", "ST", "ST_conf"]
    assert list(zip(table["outcome"], table["input"], strict=True)) == [
        (o, i) for o in OUTCOMES for i in INPUTS
    ]
    assert np.isfinite(table[["S1", "S1_conf", "ST", "ST_conf"]].to_numpy()).all()
    stored = pd.read_parquet(sweeps["sobol"] / "analysis" / "sobol.parquet")
    pd.testing.assert_frame_equal(stored, table)
    for outcome in OUTCOMES:  # slide-sized, drawn by experiments.plots.sensitivity
        assert _png_size(sweeps["sobol"] / "analysis" / f"sobol_{outcome}.png") == (1280, 720)


def test_sobol_ranks_the_driver_first_and_gives_the_irrelevant_input_nothing(sweeps):
    table = analyze(sweeps["sobol"], "sobol", OUTCOMES, write=False).table.set_index(
        ["outcome", "input"]
    )
    # restriction_rounds = 4·[always_ban] exactly: all variance is China's strategy, so a
    # mis-paired Saltelli layout (wrong order, wrong N) could not give 1 and 0 here.
    rounds = table.loc["restriction_rounds"]
    assert rounds.loc["china_strategy", "S1"] == pytest.approx(1.0)
    assert rounds.loc["china_strategy", "ST"] == pytest.approx(1.0)
    assert (rounds.loc[["elasticity", "wto_ruling_months"], ["S1", "ST"]] == 0).all().all()
    share = table.loc["china_processing_share_final_light"]
    assert share["ST"].idxmax() == "china_strategy"
    assert share.loc["china_strategy", "ST"] > 0.5
    assert share.loc["wto_ruling_months", "ST"] < 0.05
    assert abs(share.loc["wto_ruling_months", "S1"]) < 0.1


def test_sobol_default_skips_outcomes_without_values_and_says_so(sweeps):
    result = analyze(sweeps["sobol"], "sobol", write=False)
    assert set(result.table["outcome"]) == set(OUTCOMES)
    assert any("years_to_processing_share_below_80pct_light" in n for n in result.notes)
    with pytest.raises(AnalysisError, match="no value"):
        analyze(
            sweeps["sobol"], "sobol", ["years_to_processing_share_below_80pct_light"], write=False
        )


def test_sobol_refuses_other_designs_failed_runs_and_unfinished_sweeps(sweeps, tmp_path):
    with pytest.raises(AnalysisError, match=r"needs a sweep with design\.method: sobol"):
        analyze(sweeps["lhs"], "sobol", write=False)
    failed = _copy(sweeps["sobol"], tmp_path)
    runs = pd.read_parquet(failed / "runs.parquet")
    runs.loc[7, ["status", "error"]] = ["error", "RuntimeError: boom (x.py:1)"]
    runs.loc[7, OUTCOMES] = np.nan
    runs.to_parquet(failed / "runs.parquet", index=False)
    with pytest.raises(AnalysisError, match=r"1 of 40 runs failed .*run 7: RuntimeError"):
        analyze(failed, "sobol", write=False)
    runs.drop(index=7).assign(status="ok").to_parquet(failed / "runs.parquet", index=False)
    with pytest.raises(AnalysisError, match="39 of 40 runs stored"):
        analyze(failed, "sobol", write=False)
    (failed / "runs.parquet").unlink()
    with pytest.raises(AnalysisError, match="has not finished"):
        analyze(failed, "sobol", write=False)


# --- morris -----------------------------------------------------------------------------


def test_morris_table_shape_and_known_effects(sweeps):
    table = analyze(sweeps["morris"], "morris", OUTCOMES).table
    assert list(table.columns) == ["outcome", "input", "mu", "mu_star", "mu_star_conf", "sigma"]
    assert len(table) == len(OUTCOMES) * len(INPUTS)
    assert (table["mu_star"] >= 0).all()
    rounds = table[table["outcome"] == "restriction_rounds"].set_index("input")
    # 4 rounds per unit-cube step of 2/3 (4 levels): 6 per full range, in every trajectory.
    assert rounds.loc["china_strategy", "mu_star"] == pytest.approx(6.0)
    assert rounds.loc["china_strategy", "sigma"] == pytest.approx(0.0)
    assert rounds.loc["wto_ruling_months", "mu_star"] == 0
    assert (sweeps["morris"] / "analysis" / "morris.parquet").exists()


def test_to_unit_inverts_from_unit():
    integer = Parameter(name="n", key="k", kind="integer", low=30, high=60)
    category = Parameter(name="c", key="k", kind="categorical", values=["a", "b", "c"])
    for u in np.linspace(0, 1, 7):
        value = from_unit(integer, u)
        assert to_unit(integer, pd.Series([value]))[0] == pytest.approx((value - 30) / 30)
        centre = to_unit(category, pd.Series([from_unit(category, u)]))[0]
        assert from_unit(category, centre) == from_unit(category, u)


def test_morris_refuses_a_sobol_design(sweeps):
    with pytest.raises(AnalysisError, match="morris"):
        analyze(sweeps["sobol"], "morris", write=False)


# --- prim -------------------------------------------------------------------------------


def test_prim_finds_chinas_ban_as_the_box_for_restrictions(sweeps):
    result = analyze(sweeps["lhs"], "prim", ["restriction_rounds"], above=0)
    trajectory = result.tables["prim_restriction_rounds_above_0_trajectory"]
    assert {"coverage", "density", "mass", "restricted_dims", "chosen"} <= set(trajectory)
    chosen = trajectory[trajectory["chosen"]].iloc[0]
    assert chosen["coverage"] == 1 and chosen["density"] == 1
    assert chosen["restricted_dims"] == 1
    box = result.table.set_index("input")
    assert box.loc["china_strategy", "restricted"]
    assert box.loc["china_strategy", "categories"] == "always_ban"
    assert not box.loc["elasticity", "restricted"]
    folder = sweeps["lhs"] / "analysis"
    assert (folder / "prim_restriction_rounds_above_0_tradeoff.png").exists()
    assert (folder / "prim_restriction_rounds_above_0_box.png").exists()  # the box's limits
    assert (folder / "prim_restriction_rounds_above_0_box.parquet").exists()


def test_prim_needs_a_condition_that_sometimes_holds(sweeps):
    with pytest.raises(AnalysisError, match="holds in none"):
        analyze(sweeps["lhs"], "prim", ["restriction_rounds"], above=10, write=False)
    with pytest.raises(AnalysisError, match="exactly one of --below"):
        analyze(sweeps["lhs"], "prim", ["restriction_rounds"], write=False)


# --- curve ------------------------------------------------------------------------------


def test_curve_gives_means_inside_their_intervals_and_threshold_shares(sweeps):
    outcomes = ["payoff_china", "years_to_processing_share_below_80pct_light"]
    table = analyze(sweeps["lhs"], "curve", outcomes).table
    runs = pd.read_parquet(sweeps["lhs"] / "runs.parquet")
    assert list(table.columns[:2]) == ["china_strategy", "us_strategy"]
    payoff = table[table["outcome"] == "payoff_china"]
    # Under open trade the elasticity changes nothing, so those points repeat each
    # other's runs and count once.
    assert (payoff["runs"] + payoff["repeats"]).sum() == len(runs)
    assert (payoff["n"] == payoff["runs"]).all()
    assert ((payoff["ci_low"] <= payoff["mean"]) & (payoff["mean"] <= payoff["ci_high"])).all()
    expected = runs.groupby(["china_strategy", "us_strategy"])["payoff_china"].mean()
    np.testing.assert_allclose(
        payoff.set_index(["china_strategy", "us_strategy"])["mean"].loc[expected.index], expected
    )
    years = table[table["outcome"].str.startswith("years_to")].set_index("china_strategy")
    assert (years.loc["always_ban", "reached_share"] == 1).all()
    assert (years.loc["always_open", "reached_share"] == 0).all()
    assert (years.loc["always_open", "n"] == 0).all()
    assert payoff["reached"].isna().all()
    for outcome in outcomes:
        assert (sweeps["lhs"] / "analysis" / f"curve_{outcome}.png").exists()


def test_curve_checks_its_columns(sweeps):
    with pytest.raises(AnalysisError, match="--x: unknown column 'nope'"):
        analyze(sweeps["lhs"], "curve", x="nope", write=False)
    table = analyze(
        sweeps["lhs"], "curve", ["payoff_china"], by=["china_strategy"], write=False
    ).table
    assert len(table) == 2


# --- command line -----------------------------------------------------------------------


def _overplay(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "overplay.experiments.cli", "analyze", *args],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
        check=False,
    )


def test_cli_exit_codes(sweeps, tmp_path):
    lhs, sobol = str(sweeps["lhs"]), str(sweeps["sobol"])
    cases = {
        "good_curve": (lhs, "--method", "curve", "--outcome", "payoff_china"),
        "good_sobol": (sobol, "--method", "sobol", "--outcome", "restriction_rounds"),
        "unknown_method": (lhs, "--method", "anova"),
        "unknown_outcome": (lhs, "--method", "curve", "--outcome", "nope"),
        "not_a_sweep": (str(tmp_path), "--method", "curve"),
        "wrong_design": (lhs, "--method", "sobol"),
        "both_sides": (
            lhs,
            "--method",
            "prim",
            "--outcome",
            "payoff_china",
            "--below",
            "1",
            "--above",
            "2",
        ),
    }
    with ThreadPoolExecutor(len(cases)) as pool:
        procs = dict(zip(cases, pool.map(lambda a: _overplay(*a), cases.values()), strict=True))
    for name, proc in procs.items():
        assert "Traceback" not in proc.stderr + proc.stdout, (name, proc.stderr)
        if name.startswith("good"):
            assert proc.returncode == 0, (name, proc.stderr)
        else:
            assert proc.returncode == 2, (name, proc.stdout, proc.stderr)
            assert len(proc.stderr.strip().splitlines()) == 1, (name, proc.stderr)
    assert "always_ban" in procs["good_curve"].stdout
    assert "china_strategy" in procs["good_sobol"].stdout
    assert "unknown method 'anova'" in procs["unknown_method"].stderr
    assert "not a sweep folder" in procs["not_a_sweep"].stderr


# --- repeated design points ------------------------------------------------------------

IGNORED = """\
name: ignored
scenario: baseline
overrides: {years: 1, firms.count: 10, china.strategy: {name: periodic_coercion}}
levers:
  - {name: instrument, key: china.strategy.params.instrument, kind: categorical,
     values: [licensing, ban]}
  - {name: severity, key: china.strategy.params.severity, kind: categorical,
     values: [0.3, 0.9]}
design: {method: full_factorial}
replicates: 3
seed: 4
outcomes: [payoff_china, china_processing_share_final_light, restriction_rounds]
"""


@pytest.fixture(scope="module")
def ignored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ban ignores severity: its two severities are the same runs (common seeds)."""
    root = tmp_path_factory.mktemp("ignored")
    (root / "ignored.yaml").write_text(IGNORED)
    run_sweep(load_sweep(root / "ignored.yaml"), root / "ignored.yaml", root / "out", "serial")
    return root / "out"


def test_repeated_design_points_are_counted_once_and_said_to_be(ignored):
    result = analyze(ignored, "curve", ["payoff_china"], by=["instrument"], write=False)
    runs = pd.read_parquet(ignored / "runs.parquet")
    table = result.table.set_index("instrument")
    bans = runs[runs["instrument"] == "ban"]
    distinct = bans[bans["severity"] == 0.3]["payoff_china"]
    assert (bans[bans["severity"] == 0.9]["payoff_china"].to_numpy() == distinct.to_numpy()).all()
    assert table.loc["ban", "runs"] == 3 and table.loc["ban", "repeats"] == 3
    assert table.loc["ban", "std"] == pytest.approx(distinct.std(ddof=1))  # not 6 copies' std
    assert table.loc["licensing", "runs"] == 6 and table.loc["licensing", "repeats"] == 0
    assert any(
        "1 of 4 design points repeat an earlier point's runs" in n
        and "instrument = ban, severity = 0.9" in n
        for n in result.notes
    )


def test_compare_table_gives_each_points_mean_and_band(ignored):
    from overplay.experiments.analysis import compare_table

    table = compare_table(ignored, ["payoff_china"])
    runs = pd.read_parquet(ignored / "runs.parquet")
    assert list(table.columns[:3]) == ["instrument", "severity", "outcome"]
    means = runs.groupby(["instrument", "severity"])["payoff_china"].mean()
    got = table.set_index(["instrument", "severity"])
    np.testing.assert_allclose(got["mean"].loc[means.index], means)
    assert (got["ci_low"] < got["mean"]).all() and (got["mean"] < got["ci_high"]).all()
    assert (got["runs"] == 3).all()


# -- the t-interval every table, ranking and band reports ------------------------------------
def test_t_interval_of_two_values_uses_one_degree_of_freedom():
    # t(0.975, 1) = 12.706205 (tables); s = sqrt(2), n = 2: half-width = t.
    n, mean, low, high = t_interval([1.0, 3.0])
    assert (n, mean) == (2, 2.0)
    assert high - mean == pytest.approx(12.706205, rel=1e-6)
    assert mean - low == pytest.approx(12.706205, rel=1e-6)
    assert t_interval([1.0, 3.0], conf_level=0.90).high == pytest.approx(2 + 6.313752, rel=1e-6)


def test_t_interval_of_ten_values():
    # 1..10: mean 5.5, s = 3.0276504, t(0.975, 9) = 2.2621572.
    interval = t_interval(np.arange(1.0, 11.0))
    half = 2.2621572 * 3.0276504 / np.sqrt(10)
    assert interval.n == 10 and interval.mean == 5.5
    assert interval.low == pytest.approx(5.5 - half, rel=1e-7)
    assert interval.high == pytest.approx(5.5 + half, rel=1e-7)


def test_t_interval_needs_two_values_and_skips_missing_ones():
    one = t_interval(pd.Series([4.2, np.nan]))
    assert (one.n, one.mean) == (1, 4.2) and np.isnan(one.low) and np.isnan(one.high)
    none = t_interval([])
    assert none.n == 0 and all(np.isnan(x) for x in none[1:])
    assert t_interval([1.0, np.nan, 3.0]) == t_interval([1.0, 3.0])


def test_t_interval_of_equal_values_has_no_width():
    assert t_interval([4.0, 4.0, 4.0]) == Interval(3, 4.0, 4.0, 4.0)
