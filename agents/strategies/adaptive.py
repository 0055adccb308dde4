"""Strategies that optimise or learn over a menu of moves (agents/moves.py).

Best responses value each move by forecasting on a copy of the model (the
observation's ``forecast``); the learner (EWA) never simulates and adapts to the
payoffs it actually earns.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from pydantic import Field, field_validator

from overplay.agents.actions import Action
from overplay.agents.moves import actions_of, moves_for
from overplay.agents.observations import ChinaObservation, ImporterObservation
from overplay.agents.strategies.base import Strategy, StrategyParams, register

Observation = ChinaObservation | ImporterObservation
DEFAULT_MOVES = {
    "china": ("open", "license_heavy", "license", "quota", "ban", "price_war"),
    "importer": ("hold", "stockpile", "diversify", "retaliate", "negotiate", "stand_down"),
}


def _actor(observation: Observation) -> str:
    return "china" if isinstance(observation, ChinaObservation) else observation.name


def move_actions(move: str, observation: Observation) -> tuple[Action, ...]:
    """The move's actions for the observing player, tagged with the move's name."""
    actions = actions_of(move, _actor(observation), tuple(observation.materials))
    return tuple(replace(a, note=f"move:{move}") for a in actions)


def move_of(chosen: tuple[Action, ...], moves: tuple[str, ...]) -> str | None:
    """Which move produced ``chosen`` (a move with no actions if nothing was done)."""
    for action in chosen:
        if action.note.startswith("move:"):
            return action.note.removeprefix("move:")
    return "hold" if not chosen and "hold" in moves else None


def _check_moves(moves: tuple[str, ...], role: str) -> tuple[str, ...]:
    menu = moves_for(role)
    unknown = [m for m in moves if m.partition(":")[0] not in menu]
    if unknown:
        raise ValueError(f"unknown {role} move(s) {unknown}; known: {', '.join(menu)}")
    if not moves:
        raise ValueError("give at least one move")
    return moves


class _MenuParams(StrategyParams):
    moves: tuple[str, ...] = Field(DEFAULT_MOVES["china"], description="Move menu.")
    fallback: str = Field("hold", description="Rule used in forecasts made by others.")

    @field_validator("moves")
    @classmethod
    def _known(cls, moves: tuple[str, ...]) -> tuple[str, ...]:
        return _check_moves(moves, "china")


class _ImporterMenuParams(StrategyParams):
    moves: tuple[str, ...] = Field(DEFAULT_MOVES["importer"], description="Move menu.")
    fallback: str = Field("passive", description="Rule used in forecasts made by others.")

    @field_validator("moves")
    @classmethod
    def _known(cls, moves: tuple[str, ...]) -> tuple[str, ...]:
        return _check_moves(moves, "importer")


class _BestResponse(Strategy):
    """Shared rule: forecast every move over ``rounds`` rounds, take the best (the
    first listed on a tie), assuming everyone else keeps their current policy."""

    rounds: int = 1

    def _horizon(self) -> int:
        return self.rounds

    def decide(self, observation: Observation, rng: np.random.Generator):
        if observation.forecast is None:
            raise ValueError(f"{self.name} needs a forecaster in its observation")
        values = [
            observation.forecast(move_actions(m, observation), self._horizon())
            for m in self.params.moves
        ]
        return move_actions(self.params.moves[int(np.argmax(values))], observation)


@register
class MyopicBestResponseChina(_BestResponse):
    """Picks the move that maximises China's payoff over the coming round, others'
    policies held fixed (myopic best response; Cournot adjustment)."""

    name = "myopic_best_response"
    role = "china"
    classifier = {"memory_depth": 0, "look_ahead": True, "best_response": True}
    Params = _MenuParams


@register
class MyopicBestResponseImporter(_BestResponse):
    """Picks the move that maximises the importer's payoff over the coming round,
    others' policies held fixed (myopic best response)."""

    name = "myopic_best_response"
    role = "importer"
    classifier = {"memory_depth": 0, "look_ahead": True, "best_response": True}
    Params = _ImporterMenuParams


class _LookAheadParams(_MenuParams):
    rounds: int = Field(4, ge=1, le=40, description="Rounds simulated per candidate move.")


@register
class LookAheadBestResponse(_BestResponse):
    """Simulates k rounds ahead on a copy of the model for each move and commits to the
    best — so it sees diversification that a myopic player misses (the shadow of the
    future, Axelrod 1984; RFF 2025 on temporary vs sustained restrictions)."""

    name = "look_ahead_best_response"
    role = "china"
    classifier = {"memory_depth": 0, "look_ahead": True, "best_response": True}
    Params = _LookAheadParams

    def _horizon(self) -> int:
        return self.params.rounds


class _EWAParams(StrategyParams):
    sensitivity: float = Field(
        3.0,
        ge=0,
        le=100,
        description="Logit choice sensitivity "
        "λ to attractions (payoffs scaled by their running mean "
        "size), dimensionless.",
    )
    attraction_decay: float = Field(0.9, ge=0, le=1, description="φ: weight of past attractions.")
    experience_decay: float = Field(
        0.9, ge=0, le=1, description="ρ: decay of the experience weight N."
    )


class _EWA(Strategy):
    """Experience-weighted attraction learning (Camerer & Ho 1999) with δ = 0: only the
    move taken is reinforced by the payoff it earned (foregone payoffs are unknown
    without simulating); moves are chosen by a logit rule on attractions."""

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.attractions = np.zeros(len(self.params.moves))
        self.experience = 1.0
        self.scale = 0.0

    def probabilities(self) -> np.ndarray:
        """Choice probabilities over the move menu."""
        logits = self.params.sensitivity * self.attractions
        weights = np.exp(logits - logits.max())
        return weights / weights.sum()

    def decide(self, observation: Observation, rng: np.random.Generator):
        move = self.params.moves[int(rng.choice(len(self.params.moves), p=self.probabilities()))]
        return move_actions(move, observation)

    def update(self, payoff: float, chosen: tuple) -> None:
        move = move_of(chosen, self.params.moves)
        if move is None or move not in self.params.moves:
            return
        self.scale = abs(payoff) if self.scale == 0 else 0.9 * self.scale + 0.1 * abs(payoff)
        reward = payoff / self.scale if self.scale > 0 else 0.0
        p = self.params
        new_experience = p.experience_decay * self.experience + 1.0
        taken = np.array([m == move for m in p.moves], dtype=float)
        self.attractions = (
            p.attraction_decay * self.experience * self.attractions + taken * reward
        ) / new_experience
        self.experience = new_experience


class _ChinaEWAParams(_EWAParams, _MenuParams):
    pass


class _ImporterEWAParams(_EWAParams, _ImporterMenuParams):
    pass


@register
class EWALearningChina(_EWA):
    __doc__ = _EWA.__doc__
    name = "ewa_learning"
    role = "china"
    classifier = {"memory_depth": float("inf"), "stochastic": True, "learns": True}
    Params = _ChinaEWAParams


@register
class EWALearningImporter(_EWA):
    __doc__ = _EWA.__doc__
    name = "ewa_learning"
    role = "importer"
    classifier = {"memory_depth": float("inf"), "stochastic": True, "learns": True}
    Params = _ImporterEWAParams
