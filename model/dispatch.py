"""Carrying out actions: each is checked, handed to the handler its kind declares
(``KINDS`` in ``agents/actions.py``) on the actor's agent, and logged."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from overplay.agents.actions import KINDS, Action, action_problems
from overplay.model.action_log import log_action

if TYPE_CHECKING:
    from overplay.model.leverage_model import LeverageModel


def actor_of(model: LeverageModel, actor: str) -> tuple[str, mesa.Agent]:
    """The role and agent of an action's actor: China, an importer or a producer."""
    if actor == "china":
        return "china", model.china
    if actor in model.importers:
        return "importer", model.importers[actor]
    for producer in model.producers:
        if producer.name == actor:
            return "producer", producer
    raise ValueError(f"unknown actor {actor!r}")


def apply_action(model: LeverageModel, action: Action) -> None:
    """Validate and carry out one action, and log it. An action is checked as a
    scripted event is at load time (role, materials, targets, parameter ranges),
    since a person's or a strategy's action arrives only now."""
    role, agent = actor_of(model, action.actor)
    problems = action_problems(action, role, model.materials, model.importer_names)
    if problems:
        raise ValueError(
            f"{action.kind.value} by {action.actor}: "
            + "; ".join(f"{'.'.join(path)}: {message}" for path, message in problems)
        )
    logged = getattr(agent, KINDS[action.kind].handler)(action)
    log_action(model, action, logged)
