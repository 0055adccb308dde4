"""Forecasting on a copy: what would a player earn if it took these actions now?

Best-response and look-ahead strategies value their candidate moves by simulating
the world forward on a deep copy of the model (pickled, random generator
included), so the live model — and its random stream — are never touched. The copy
leaves the recorded history (table records, collected series, the action log) behind:
a forecast reads payoffs only, and copying a long run's history cost more than the
forecast itself.
"""

from __future__ import annotations

import pickle
from typing import TYPE_CHECKING

from overplay.agents.actions import Action
from overplay.agents.strategies.base import Strategy, make_strategy

if TYPE_CHECKING:
    from overplay.model.leverage_model import LeverageModel

PASSIVE = {"china": "hold", "importer": "passive"}


def forecast_copy(model: LeverageModel) -> LeverageModel:
    """A deep copy of ``model`` to simulate ahead on, without its recorded history."""
    log = model.action_log
    model.action_log = []
    try:
        with model.recorder.history_set_aside():
            return pickle.loads(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
    finally:
        model.action_log = log


def role_of(player: str) -> str:
    return "china" if player == "china" else "importer"


def _without_foresight(copy: LeverageModel, player: str) -> None:
    """In the copy, the deciding player holds its new policy, and every other player
    that would itself forecast (or wait for a person) falls back to a plain rule, so
    forecasts never recurse and never block."""
    for name in copy.players():
        agent = copy.player_agent(name)
        strategy = agent.strategy
        if name == player:
            agent.strategy = make_strategy(PASSIVE[role_of(name)], {}, role_of(name))
        elif strategy.classifier.get("look_ahead") or strategy.classifier.get("human"):
            agent.strategy = fallback_of(strategy, role_of(name))


def fallback_of(strategy: Strategy, role: str) -> Strategy:
    """The plain rule a forecasting or human strategy falls back to in the ``role``."""
    if hasattr(strategy, "fallback_for"):
        return strategy.fallback_for(role)
    return make_strategy(getattr(strategy.params, "fallback", PASSIVE[role]), {}, role)


def simulate(copy: LeverageModel, player: str, actions: tuple[Action, ...], rounds: int) -> float:
    """On ``copy`` — taken while ``player`` decides — apply ``actions``, finish the round
    and run ``rounds`` decision rounds in all; return the player's payoff over them,
    discounted to now (USD m)."""
    _without_foresight(copy, player)
    start = copy.payoff[player]
    for action in actions:
        copy.apply(action)
    copy.last_chosen[player] = actions
    copy.continue_round(copy.decider_index + 1)
    return _earnings(copy, {player: start}, rounds)[player]


def _earnings(copy: LeverageModel, start: dict[str, float], rounds: int) -> dict[str, float]:
    """Finish the current month, run on to ``rounds`` rounds in all, and return each
    player's payoff since ``start`` (its cumulative payoff then), discounted to now."""
    copy.end_month()
    earned = {p: copy.payoff[p] - start[p] for p in start}
    previous = {p: copy.payoff[p] for p in start}
    for month in range(1, rounds * copy.config.timing.decision_interval_months):
        copy.step()
        for p in earned:
            earned[p] += (copy.payoff[p] - previous[p]) * copy.discount_per_month**month
            previous[p] = copy.payoff[p]
    return earned


def advance_to_round(model: LeverageModel, date: str) -> LeverageModel:
    """Run ``model`` up to the first decision round that starts in or after ``date``
    (YYYY-MM), and open that round: the state a stage game is played from."""
    from overplay.model.calendar import step_of_date

    target = max(1, step_of_date(model.config.start, date))
    interval = model.config.timing.decision_interval_months
    while not (model.step_count + 1 >= target and model.step_count % interval == 0):
        model.step()
    model.begin_month()
    model.open_round()
    return model


def play_profile(
    state: LeverageModel, moves: dict[str, tuple[Action, ...]], rounds: int
) -> dict[str, float]:
    """From an opened round, every player takes its move at once, then holds its policy
    for ``rounds`` rounds; each player's payoff over them, discounted to now (USD m)."""
    copy = forecast_copy(state)
    for name in copy.players():
        copy.player_agent(name).strategy = make_strategy(PASSIVE[role_of(name)], {}, role_of(name))
    start = dict(copy.payoff)
    for player, actions in moves.items():
        for action in actions:
            copy.apply(action)
        copy.last_chosen[player] = actions
    copy.continue_round(len(copy.round_order))
    return _earnings(copy, start, rounds)


class Forecaster:
    """Handed to a player in its observation: ``forecast(actions, rounds)`` → payoff."""

    def __init__(self, model: LeverageModel, player: str) -> None:
        self._model = model
        self.player = player

    def __call__(self, actions: tuple[Action, ...], rounds: int = 1) -> float:
        copy = forecast_copy(self._model)
        return simulate(copy, self.player, tuple(actions), rounds)
