"""Forecasts simulate on a copy of the model that leaves the recorded history behind
(copying a long run's history was most of a tournament's time), while the live model
keeps all of it and the forecast's value does not change."""

from __future__ import annotations

import pickle

import pandas as pd

from overplay.model import LeverageModel
from overplay.model.forecast import Forecaster, forecast_copy


def run_model(months: int) -> LeverageModel:
    model = LeverageModel("coercion", rng=1, firms=30)
    model.run(months)
    return model


def test_the_copy_carries_no_history_and_the_live_model_keeps_it() -> None:
    model = run_model(60)
    rounds_before = model.datacollector.get_table_dataframe("rounds")
    model = run_model(60)  # tables not yet read: the month records are still pending
    log = list(model.action_log)
    full = len(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
    copy = forecast_copy(model)
    light = len(pickle.dumps(copy, protocol=pickle.HIGHEST_PROTOCOL))
    assert light < full / 3, (light, full)
    assert copy.action_log == []
    assert all(values == [] for values in copy.datacollector.model_vars.values())
    assert copy.datacollector.get_table_dataframe("rounds").empty
    assert model.action_log == log
    pd.testing.assert_frame_equal(model.datacollector.get_table_dataframe("rounds"), rounds_before)


def test_a_forecast_is_worth_the_same_with_or_without_the_history() -> None:
    model = run_model(24)
    model.begin_month()
    model.open_round()
    with_history = pickle.loads(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
    light = Forecaster(model, "china")((), rounds=2)
    from overplay.model.forecast import simulate

    full = simulate(with_history, "china", (), 2)
    assert light == full


def test_forecasts_play_a_human_importers_fallback_in_its_role() -> None:
    """A person's default fallback, 'hold', is China's rule; in an importer's seat it is
    'passive' (the forecast used to ask for an importer called 'hold' and crash)."""
    model = LeverageModel(
        "baseline",
        rng=1,
        firms=10,
        years=1,
        china_strategy="myopic_best_response",
        importer_strategy="human",
    )
    model.run(4)
    assert model.step_count == 4
