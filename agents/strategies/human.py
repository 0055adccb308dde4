"""A player whose decisions come from a person (the seminar game).

The strategy asks a :class:`HumanChannel` for the round's decision — moves such as
``"ban_heavy:japan"`` or :class:`Action` objects — submitted from outside (a web
page, a notebook, a test), or produced by a callback. If nothing arrives before the
deadline it falls back to a named rule, so a round never stalls.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pydantic import Field

from overplay.agents.actions import Action
from overplay.agents.observations import ChinaObservation, ImporterObservation
from overplay.agents.strategies.adaptive import move_actions
from overplay.agents.strategies.base import Strategy, StrategyParams, make_strategy, register

Decision = Sequence[str | Action]


class HumanChannel:
    """Where a person's decisions wait for their round, one queue per player.

    Either ``submit(player, decision)`` from another thread (the seminar server), or
    give a ``callback(player, observation) -> decision | None`` that is asked directly.
    """

    def __init__(self, callback: Callable[[str, Any], Decision | None] | None = None) -> None:
        self.callback = callback
        self._queues: dict[str, queue.Queue[Decision]] = {}

    def _queue(self, player: str) -> queue.Queue[Decision]:
        return self._queues.setdefault(player, queue.Queue())

    def submit(self, player: str, decision: Decision) -> None:
        """Hand in a player's decision for its next round."""
        self._queue(player).put(list(decision))

    def take(self, player: str, observation: Any, timeout: float) -> Decision | None:
        """The player's decision, waiting at most ``timeout`` seconds; None if none came."""
        if self.callback is not None:
            return self.callback(player, observation)
        try:
            return (
                self._queue(player).get(timeout=timeout)
                if timeout > 0
                else self._queue(player).get_nowait()
            )
        except queue.Empty:
            return None


class HumanParams(StrategyParams):
    fallback: str = Field(
        "hold",
        description="Rule that decides when no decision arrives "
        "in time ('hold' for China; importers use 'passive' when 'hold' "
        "is given).",
    )
    deadline_seconds: float = Field(
        0.0, ge=0, le=3600, description="How long a round waits for the person, seconds."
    )


@register
class Human(Strategy):
    """Plays what a person submits through a HumanChannel (moves or actions), falling back
    to a named rule when nothing arrives before the deadline (seminar mode)."""

    name = "human"
    role = "any"
    classifier = {"memory_depth": 0, "human": True}
    Params = HumanParams

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.channel: HumanChannel | None = None

    def connect(self, channel: HumanChannel) -> Human:
        """Attach the channel decisions arrive through (not saved with the model)."""
        self.channel = channel
        return self

    def fallback_for(self, role: str) -> Strategy:
        name = self.params.fallback
        if role == "importer" and name == "hold":
            name = "passive"
        return make_strategy(name, {}, role)

    def decide(self, observation: Any, rng: np.random.Generator):
        is_china = isinstance(observation, ChinaObservation)
        if not is_china and not isinstance(observation, ImporterObservation):
            raise TypeError("the human strategy plays China or an importer")
        player = "china" if is_china else observation.name
        decision = None
        if self.channel is not None:
            decision = self.channel.take(player, observation, self.params.deadline_seconds)
        if decision is None:
            return tuple(
                self.fallback_for("china" if is_china else "importer").decide(observation, rng)
            )
        actions: list[Action] = []
        for item in decision:
            if isinstance(item, Action):
                if item.actor != player:
                    raise ValueError(f"{player} cannot submit an action for {item.actor}")
                actions.append(item)
            else:
                actions.extend(move_actions(str(item), observation))
        return tuple(actions)

    def __getstate__(self) -> dict[str, Any]:
        """Saved models keep the player's settings, not its live connection."""
        state = dict(self.__dict__)
        state["channel"] = None
        return state
