"""Bundled scenarios: each validates and runs; the central claims emerge over seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from overplay.experiments.single_run import run_scenario
from overplay.model import LeverageModel, load_scenario
from overplay.model.calendar import step_of_date
from overplay.model.scenario_files import bundled_names

SEEDS = range(1, 21)


@pytest.mark.parametrize("name", bundled_names())
def test_bundled_scenario_validates_and_runs(name):
    scenario = load_scenario(name)
    model = LeverageModel(scenario)
    model.run(6)
    rounds = model.datacollector.get_table_dataframe("rounds")
    assert len(rounds) == 6 * len(scenario.materials) * len(scenario.importers)


def test_the_five_scenarios_of_the_issue_are_bundled():
    assert {"baseline", "coercion", "restraint", "crisis_2010", "licensing_2025"} <= set(
        bundled_names()
    )


def _finals(name: str) -> pd.DataFrame:
    rows = []
    for seed in SEEDS:
        summary = run_scenario(load_scenario(name, [("seed", seed)])).summary
        for material, m in summary["materials"].items():
            rows.append({"seed": seed, "material": material, **m})
    return pd.DataFrame(rows).set_index(["material", "seed"])


@pytest.fixture(scope="module")
def coercion_and_restraint():
    return _finals("coercion"), _finals("restraint")


@pytest.mark.slow
@pytest.mark.parametrize("material", ["light", "heavy"])
def test_coercion_erodes_chinas_processing_share_more_than_restraint(
    coercion_and_restraint, material
):
    """Overuse speeds diversification — produced by risk, prices and investment, not by a
    parameter: both scenarios share every parameter but China's strategy."""
    coercion, restraint = (df.loc[material] for df in coercion_and_restraint)
    assert (
        coercion["china_processing_share_final"].mean()
        < restraint["china_processing_share_final"].mean()
    )
    assert (
        coercion["non_china_processing_capacity_final"].mean()
        > restraint["non_china_processing_capacity_final"].mean()
    )


@pytest.mark.slow
def test_light_mining_leverage_erodes_faster_than_heavy_processing(coercion_and_restraint):
    for finals in coercion_and_restraint:
        light, heavy = finals.loc["light"], finals.loc["heavy"]
        light_mining = light["china_mining_share_initial"] - light["china_mining_share_final"]
        heavy_processing = (
            heavy["china_processing_share_initial"] - heavy["china_processing_share_final"]
        )
        assert light_mining.mean() > heavy_processing.mean()
        assert light_mining.mean() > 0


@pytest.fixture(scope="module")
def crisis() -> pd.DataFrame:
    result = run_scenario(load_scenario("crisis_2010"))
    return result.rounds.drop_duplicates(["step", "material"])


@pytest.mark.slow
@pytest.mark.parametrize("material", ["light", "heavy"])
def test_crisis_2010_price_spikes_several_fold_within_18_months_then_declines(crisis, material):
    """Ex-China prices rose ~15–30× by 2011 [P02, P07, P08] and fell back by 2013–15."""
    start = load_scenario("crisis_2010").start
    cut = step_of_date(start, "2010-07")
    world = crisis[crisis["material"] == material].set_index("step")
    price = world["price_multiple"]
    assert price.loc[cut : cut + 18].max() >= 4.0
    peak_step = int(price.idxmax())
    assert peak_step - cut <= 30
    assert price.loc[peak_step + 12] < 0.8 * price.max()
    assert price.iloc[-1] < 0.5 * price.max()


@pytest.mark.slow
def test_crisis_2010_capacity_responds_with_a_lag_of_years(crisis):
    """Lynas's first feed came 28 months after the July 2010 cut [S01]: a tenth of the
    five-year growth of non-China separation comes no sooner than about two years on."""
    start = load_scenario("crisis_2010").start
    cut = step_of_date(start, "2010-07")
    world = crisis[crisis["material"] == "light"].set_index("step")
    capacity = world["non_china_processing_capacity"]
    growth = capacity.loc[cut + 60] - capacity.loc[cut]
    assert growth > 0
    tenth = capacity[capacity >= capacity.loc[cut] + 0.1 * growth].index.min()
    assert tenth - cut >= 22


def test_licensing_2025_cuts_heavy_exports_to_the_us_then_the_deal_restores_them():
    result = run_scenario(load_scenario("licensing_2025"))
    us = result.rounds[
        (result.rounds["importer"] == "us") & (result.rounds["material"] == "heavy")
    ].set_index("date")
    assert us.loc["2025-04", "china_policy"] == "licensing"
    assert us.loc["2025-04", "exports_from_china"] < 0.2 * us.loc["2025-03", "exports_from_china"]
    assert us.loc["2025-06", "china_policy"] == "open"
    heavy = result.rounds[result.rounds["material"] == "heavy"].drop_duplicates("step")
    assert heavy["price_multiple"].max() > 1.5
    assert result.summary["restriction_rounds"]["licensing"] >= 2


def test_summary_reports_years_to_threshold_consistently():
    result = run_scenario(load_scenario("coercion", [("seed", 3)]))
    for material, m in result.summary["materials"].items():
        world = result.rounds[result.rounds["material"] == material].drop_duplicates("step")
        below = world[world["china_processing_share"] < 0.8]
        if m["years_to_processing_share_below_80pct"] is None:
            assert below.empty
        else:
            assert m["years_to_processing_share_below_80pct"] == pytest.approx(
                (below["step"].min() - 1) / 12, abs=0.01
            )
    assert np.isfinite(result.summary["players"]["china"]["cumulative_payoff"])


def test_the_2010_and_2025_episodes_are_windows_of_one_history():
    """One world, one parameter set: the windows change only their length (and name),
    and the window's months are history's months, bit for bit."""
    history = load_scenario("history").model_dump()
    for name in ("crisis_2010", "licensing_2025"):
        window = load_scenario(name).model_dump()
        assert {key for key in history if history[key] != window[key]} == {
            "name",
            "description",
            "years",
        }
    overrides = [("firms.count", 40), ("seed", 2)]
    whole = run_scenario(load_scenario("history", overrides)).rounds
    part = run_scenario(load_scenario("crisis_2010", overrides)).rounds
    pd.testing.assert_frame_equal(whole[whole["step"] <= 96].reset_index(drop=True), part)


def test_history_writes_every_month_material_stage_and_importer():
    result = run_scenario(load_scenario("history", [("firms.count", 40)]))
    rounds = result.rounds
    assert rounds["date"].iloc[0] == "2009-01" and rounds["date"].iloc[-1] == "2025-12"
    assert len(rounds) == 204 * 2 * 3  # months × materials × importers
    stages = ["china_mining_share", "china_processing_share"]
    stages += ["non_china_mining_capacity", "non_china_processing_capacity"]
    assert rounds[stages].notna().all().all()
    assert set(rounds["importer"]) == {"us", "japan", "eu"}
    # The series drive it: China's quotas as its actions, Mountain Pass restarted.
    log = result.model.action_log
    quotas = [row["date"] for row in log if row["action"] == "production_quota"]
    assert quotas[0] == "2011-01" and "2024-01" in quotas
    assert any(row["actor"] == "mp_materials" and row["date"] == "2018-01" for row in log)


def test_quota_cut_is_reported_only_while_a_quota_is_in_force():
    """After the WTO ruling the quotas go (2015-01); the rows must not keep their cut."""
    rounds = run_scenario(load_scenario("history", [("years", 7)])).rounds
    under_quota = rounds["china_policy"] == "quota"
    assert (rounds.loc[under_quota, "quota_cut"] > 0).all()
    assert (rounds.loc[~under_quota, "quota_cut"] == 0).all()
    assert (rounds.loc[rounds["date"] >= "2015-01", "china_policy"] != "quota").any()
