"""Scripted events: a timeline of actions at given months, applied before decisions.

Historical replays (2010, 2025) are written as events; so, later, are
seminar shocks. An event is turned into the same :class:`Action` a strategy
would return, so the model cannot tell a script from a decision.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from overplay.agents.actions import Action, Kind, parameter_problems
from overplay.model.calendar import step_of_date
from overplay.model.config_actors import EventConfig

if TYPE_CHECKING:
    from overplay.model.config import Scenario


class EventError(ValueError):
    """An event that cannot become an action; ``path`` locates it in the scenario."""

    def __init__(self, message: str, path: tuple[str | int, ...]) -> None:
        super().__init__(message)
        self.path = path


def event_step(event: EventConfig, start: str) -> int:
    """The step an event happens at (1 = the scenario's first month)."""
    return event.at if isinstance(event.at, int) else step_of_date(start, event.at)


def make_action(
    actor: str,
    action: str,
    materials: list[str],
    targets: list[str],
    params: dict,
    index: int,
    note: str = "",
) -> Action:
    """The action of event number ``index``, or an :class:`EventError` locating the fault."""
    try:
        kind = Kind(action)
    except ValueError:
        known = [k.value for k in Kind]
        close = difflib.get_close_matches(action, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(known)})"
        raise EventError(f"unknown action {action!r}{hint}", ("events", index, "action")) from None
    problems = parameter_problems(kind, params)
    if problems:
        loc, message = problems[0]
        raise EventError(message, ("events", index, *loc))
    return Action(
        actor, kind, tuple(materials), tuple(targets), dict(params), source="event", note=note
    )


def event_action(event: EventConfig, index: int) -> Action:
    """The action an event stands for."""
    return make_action(
        event.actor, event.action, event.materials, event.targets, event.params, index, event.note
    )


def compile_events(scenario: Scenario) -> dict[int, list[Action]]:
    """Events by step, in file order. Events outside the simulated months are left out:
    the loader has refused those before the start, and those after the end unless an
    override shortened the period (then it showed a note)."""
    timeline: dict[int, list[Action]] = {}
    for index, event in enumerate(scenario.events):
        step = event_step(event, scenario.start)
        action = event_action(event, index)
        if 1 <= step <= scenario.steps:
            timeline.setdefault(step, []).append(action)
    return timeline
