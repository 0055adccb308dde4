"""Forecasting on copies, best responses, look-ahead, learning and the human player."""

from __future__ import annotations

import pickle
import threading
from dataclasses import replace

import numpy as np
import pytest

from overplay.agents.actions import Action, Kind
from overplay.agents.strategies import make_strategy
from overplay.agents.strategies.adaptive import move_of
from overplay.agents.strategies.human import HumanChannel
from overplay.model import LeverageModel
from overplay.model.forecast import advance_to_round, play_profile
from tests.helpers import build


def _china_observation(model: LeverageModel):
    return model.observe_china()


def _state(model: LeverageModel) -> tuple:
    """Everything a forecast could disturb in the live model."""
    return (
        pickle.dumps(model.rng.bit_generator.state),
        model.step_count,
        model.round,
        dict(model.payoff),
        {k: p.regime for k, p in model.china.policy.items()},
        len(model.action_log),
        model.datacollector.get_table_dataframe("rounds").to_json(),
    )


def test_look_ahead_leaves_the_live_model_untouched():
    model = build(seed=4)
    model.run(13)
    before = _state(model)
    observation = _china_observation(model)
    strategy = make_strategy("look_ahead_best_response", {"rounds": 3}, "china")
    chosen = strategy.decide(observation, np.random.default_rng(0))
    assert chosen  # some move was chosen
    assert _state(model) == before
    model.run(3)  # and the live model carries on normally
    assert model.step_count == 16


def test_forecast_of_a_ban_shows_its_bite_on_exports():
    model = build(seed=4)
    model.run(3)
    forecast = model.observe_china().forecast
    open_value = forecast((Action("china", Kind.OPEN),), 1)
    ban_value = forecast((Action("china", Kind.BAN, targets=("us", "japan", "eu")),), 1)
    assert open_value != ban_value
    assert forecast((Action("china", Kind.OPEN),), 1) == open_value  # deterministic


def _with_forecast(observation, values: dict[str, float]):
    """An observation whose forecaster reads a move's value from a table."""

    def forecast(actions, rounds):
        return values[move_of(tuple(actions), tuple(values)) or "hold"]

    return replace(observation, forecast=forecast)


@pytest.mark.parametrize(
    "name, role",
    [
        ("myopic_best_response", "china"),
        ("myopic_best_response", "importer"),
        ("look_ahead_best_response", "china"),
    ],
)
def test_best_response_takes_the_best_move_and_the_first_on_ties(name, role):
    model = build()
    observation = (
        model.observe_china()
        if role == "china"
        else model.observe_importer(model.importers["japan"])
    )
    strategy = make_strategy(name, {}, role)
    moves = strategy.params.moves
    values = {m: float(i) for i, m in enumerate(moves)}
    best = strategy.decide(_with_forecast(observation, values), np.random.default_rng(0))
    assert move_of(best, moves) == moves[-1]
    tied = dict.fromkeys(moves, 1.0)
    first = strategy.decide(_with_forecast(observation, tied), np.random.default_rng(0))
    assert move_of(first, moves) == moves[0]


def test_best_response_runs_in_the_model_and_is_reproducible():
    logs = []
    for _ in range(2):
        model = LeverageModel(china_strategy="myopic_best_response", years=2, firms=30, rng=5)
        model.run()
        logs.append(model.action_log)
    assert logs[0] == logs[1]
    assert any(row["note"].startswith("move:") for row in logs[0])


def test_ewa_learns_the_better_move_in_a_repeated_game():
    """A two-move repeated game: 'open' pays 100, 'ban' pays 20 (plus noise)."""
    strategy = make_strategy("ewa_learning", {"moves": ("open", "ban")}, "china")
    observation = build().observe_china()
    rng = np.random.default_rng(11)
    start = strategy.probabilities()[0]
    for _ in range(300):
        chosen = strategy.decide(observation, rng)
        move = move_of(chosen, ("open", "ban"))
        payoff = (100.0 if move == "open" else 20.0) + rng.normal(0, 5)
        strategy.update(payoff, chosen)
    assert start == pytest.approx(0.5)
    assert strategy.probabilities()[0] > 0.95


def test_ewa_is_updated_by_the_model_each_round():
    model = LeverageModel(china_strategy="ewa_learning", years=2, firms=20, rng=3)
    model.run()
    strategy = model.china.strategy
    assert strategy.experience > 1.0
    assert np.any(strategy.attractions != 0)


def test_human_plays_submitted_moves_and_falls_back_without_them():
    model = build(china__strategy="human")
    channel = HumanChannel()
    model.china.strategy.connect(channel)
    channel.submit("china", ["ban_heavy:japan"])
    model.step()
    assert model.china.regime_toward("heavy", "japan").value == "ban"
    assert model.china.regime_toward("heavy", "us").value == "open"
    model.run(3)  # nothing submitted for the next round: 'hold' keeps the ban
    assert model.china.regime_toward("heavy", "japan").value == "ban"


def test_human_waits_for_a_decision_submitted_from_another_thread():
    model = build(importers__eu__strategy={"name": "human", "params": {"deadline_seconds": 5}})
    channel = HumanChannel()
    model.importers["eu"].strategy.connect(channel)
    threading.Timer(0.2, channel.submit, args=("eu", ["retaliate"])).start()
    model.step()
    assert model.importers["eu"].retaliation == 1.0


def test_human_by_callback_and_rejects_other_players_actions():
    model = build(china__strategy="human")
    seen = []

    def callback(player, observation):
        seen.append(player)
        return [Action("us", Kind.RETALIATE)]

    model.china.strategy.connect(HumanChannel(callback))
    with pytest.raises(ValueError, match="cannot submit an action for us"):
        model.step()
    assert seen == ["china"]


def test_a_model_with_a_human_player_can_be_saved():
    model = build(china__strategy="human")
    model.china.strategy.connect(HumanChannel())
    restored = pickle.loads(pickle.dumps(model))
    assert restored.china.strategy.channel is None


def test_stage_game_profiles_are_simulated_on_copies():
    model = advance_to_round(build(seed=2), "2025-07")
    assert model.date == "2025-07" and model.decider_index == 0
    before = _state(model)
    moves = {"china": (Action("china", Kind.BAN, ("heavy",)),), "us": ()}
    earned = play_profile(model, moves, 2)
    assert set(earned) == {"china", "us", "japan", "eu"}
    assert _state(model) == before
    assert play_profile(model, moves, 2) == earned
