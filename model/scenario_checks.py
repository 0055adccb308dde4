"""Checking a scenario's data: every problem located as ``FILE:LINE: key: message``
(pydantic's, strategy names and parameters, events outside the period), and notes
for what the loader did that the user should know."""

from __future__ import annotations

import difflib
import types
import typing
import warnings
from typing import Any

from pydantic import BaseModel, ValidationError

from overplay.agents.strategies import StrategyError, make_strategy
from overplay.model.calendar import date_of_step, step_of_date
from overplay.model.config import Scenario
from overplay.model.config_base import MONTH_PATTERN, InconsistencyError
from overplay.model.events import EventError, event_step, make_action
from overplay.model.problems import LineMap, Loc, Problem, ScenarioError, dotted


class ScenarioNote(UserWarning):
    """Something the loader did that the user should know of, though it is not an
    error (events left out of a shortened run, inherited events replaced)."""


_NOTES_SHOWN: dict = {}  # warnings registry: each note once per process (sweeps load often)

#: Keys that no longer mean anything, and why. A scenario that still sets one loads,
#: with a located note, instead of being refused as an unknown key.
RETIRED: dict[Loc, str] = {
    ("risk", "ongoing_share"): "no longer used and ignored: perceived risk follows the "
    "supply China refuses each month, so a standing restriction counts by what it "
    "refuses (docs/odd.md §7.4)",
    ("market", "price_adjustment_per_month"): "no longer used and ignored: prices move "
    "toward the price that clears the market at `market.price_speed_per_month` "
    "(docs/odd.md §7.3)",
    ("market", "reversion_per_month"): "no longer used and ignored: the same "
    "`market.price_speed_per_month` takes the price back to China's once China supplies "
    "what is asked (docs/odd.md §7.3)",
    ("market", "reversion_cutoff"): "no longer used and ignored: China's supply anchors "
    "the price whenever its limits do not bind, by how much they bind (docs/odd.md §7.3)",
    ("market", "china_price_adjustment_per_month"): "no longer used and ignored: China's "
    "legal producers supply what is sold up to the production quota or capacity "
    "(docs/odd.md §7.3)",
}


def note(problem: Problem) -> None:
    """Show a located note as ``FILE:LINE: ScenarioNote: key: message`` on stderr."""
    where = f"{problem.path}: " if problem.path else ""
    warnings.warn_explicit(
        where + problem.message, ScenarioNote, problem.file, problem.line, registry=_NOTES_SHOWN
    )


def where(loc: Loc, lines: LineMap, default: tuple[str, int]) -> tuple[str, int]:
    """Where ``loc`` was written: the key itself; else the most recently set key below it
    (an override that created it); else the nearest key above it."""
    if loc in lines:
        return lines[loc]
    below = [at for key, at in lines.items() if len(key) > len(loc) and key[: len(loc)] == loc]
    if below:
        return below[-1]
    for cut in range(len(loc) - 1, -1, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return default


def blame(
    candidates: tuple[Loc, ...], lines: LineMap, default: tuple[str, int]
) -> tuple[Loc, tuple[str, int]]:
    """Of several keys that together break a rule (shares summing over 1), the one set
    most recently — an override before the file, a file before what it extends."""
    order = {loc: i for i, loc in enumerate(lines)}
    written = [loc for loc in candidates if loc in order]
    if written:
        loc = max(written, key=order.__getitem__)
        return loc, lines[loc]
    return candidates[0], where(candidates[0], lines, default)


def _fields_at(loc: Loc, root: type[BaseModel] = Scenario) -> list[str]:
    """The keys allowed at ``loc`` in the schema (for did-you-mean)."""
    annotation: Any = root
    for part in loc:
        origin = typing.get_origin(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return []
            annotation = field.annotation
        elif origin in (dict, list):
            annotation = typing.get_args(annotation)[-1]
        else:
            return []
        while typing.get_origin(annotation) in (typing.Union, types.UnionType, typing.Annotated):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def pydantic_problems(
    exc: ValidationError, lines: LineMap, default: tuple[str, int], root: type[BaseModel] = Scenario
) -> list[Problem]:
    """Located, one-line problems from a pydantic validation error."""
    problems = []
    for error in exc.errors():
        loc: Loc = tuple(error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, InconsistencyError):
            for candidates, text in cause.problems:
                culprit, at = blame(tuple((*loc, *c) for c in candidates), lines, default)
                problems.append(Problem(*at, dotted(culprit), text))
            continue
        if error["type"] == "value_error" and not loc:
            head, sep, rest = message.partition(": ")
            if sep and " " not in head:
                loc = tuple(int(p) if p.isdigit() else p for p in head.split("."))
                message = rest
        elif error["type"] == "extra_forbidden":
            allowed = _fields_at(loc[:-1], root)
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            message = "unknown key" + (
                f"; did you mean {close[0]!r}?"
                if close
                else (f" (allowed: {', '.join(allowed)})" if allowed else "")
            )
        elif error["type"] == "missing":
            message = "required key is missing"
        file, line = where(loc, lines, default)
        problems.append(Problem(file, line, dotted(loc), message))
    return problems


def _strategy_refs(data: dict[str, Any]) -> list[tuple[Loc, Any, str]]:
    """Where strategies are named in raw scenario data, with the role each must fill."""
    refs: list[tuple[Loc, Any, str]] = []
    for section, role in (("china", "china"), ("firms", "firm"), ("producer_rules", "producer")):
        block = data.get(section)
        if isinstance(block, dict) and "strategy" in block:
            refs.append(((section, "strategy"), block["strategy"], role))
    importers = data.get("importers")
    if isinstance(importers, dict):
        for name, block in importers.items():
            if isinstance(block, dict) and "strategy" in block:
                refs.append((("importers", name, "strategy"), block["strategy"], "importer"))
    return refs


def _strategy_and_event_problems(
    data: dict[str, Any], lines: LineMap, default: tuple[str, int]
) -> list[Problem]:
    """Strategy names and parameters, and event actions, checked on the raw data so they
    are reported together with any schema problems."""
    problems = []
    for loc, ref, role in _strategy_refs(data):
        name, params = (
            (ref, {})
            if isinstance(ref, str)
            else (
                (ref.get("name"), ref.get("params", {})) if isinstance(ref, dict) else (None, None)
            )
        )
        if not isinstance(name, str) or not isinstance(params, dict):
            continue  # the schema reports the wrong shape
        try:
            make_strategy(name, params, role)
        except StrategyError as exc:
            full = (*loc, *exc.path)
            problems.append(Problem(*where(full, lines, default), dotted(full), str(exc)))
    events = data.get("events")
    for index, raw in enumerate(events if isinstance(events, list) else []):
        if not isinstance(raw, dict):
            continue
        fields = (
            raw.get("actor", ""),
            raw.get("action"),
            raw.get("materials", []),
            raw.get("targets", []),
            raw.get("params", {}),
        )
        if not (
            isinstance(fields[1], str)
            and isinstance(fields[4], dict)
            and all(isinstance(f, list) for f in fields[2:4])
        ):
            continue
        try:
            make_action(str(fields[0]), fields[1], fields[2], fields[3], fields[4], index)
        except EventError as exc:
            problems.append(Problem(*where(exc.path, lines, default), dotted(exc.path), str(exc)))
    return problems


def _without_retired(
    data: dict[str, Any], lines: LineMap, default: tuple[str, int]
) -> dict[str, Any]:
    """``data`` without the :data:`RETIRED` keys it sets (copied along their paths, so
    a cached parse stays as read), noting each where it was written."""
    for loc, why in RETIRED.items():
        parents = [data]
        for key in loc[:-1]:
            child = parents[-1].get(key)
            if not isinstance(child, dict):
                break
            parents.append(child)
        else:
            if loc[-1] not in parents[-1]:
                continue
            note(Problem(*where(loc, lines, default), dotted(loc), why))
            child = {k: v for k, v in parents[-1].items() if k != loc[-1]}
            for parent, key in zip(reversed(parents[:-1]), reversed(loc[:-1]), strict=True):
                child = {**parent, key: child}
            data = child
    return data


def _late_event_problems(
    scenario: Scenario,
    lines: LineMap,
    default: tuple[str, int],
    overridden: set[Loc] | frozenset[Loc],
    windowed: set[Loc] | frozenset[Loc],
) -> list[Problem]:
    """Events after the last simulated month. When an override (``--years``,
    ``--rounds``, ``--set years=…``, a spec's ``years``) or a window of a longer
    scenario (a file that extends it with another period) shortened the period they
    are left out with a note; when the files themselves say so, it is an error."""
    last = scenario.steps
    late = [
        (i, event)
        for i, event in enumerate(scenario.events)
        if event_step(event, scenario.start) > last
    ]
    if not late:
        return []
    end = date_of_step(scenario.start, last)
    if ("years",) in overridden or ("years",) in windowed:
        what = "shorter run" if ("years",) in overridden else "window"
        note(
            Problem(
                *lines.get(("years",), default),
                "years",
                f"{len(late)} scripted event(s) after {end} are left out of this "
                f"{what} (first: events.{late[0][0]} at {late[0][1].at})",
            )
        )
        return []
    return [
        Problem(
            *where(("events", i, "at"), lines, default),
            f"events.{i}.at",
            f"{event.at} is after the last simulated month {end}; lengthen "
            "`years` or remove the event",
        )
        for i, event in late
    ]


def _without_early_events(
    data: dict[str, Any], lines: LineMap, default: tuple[str, int]
) -> dict[str, Any]:
    """A window that starts later than the scenario it extends leaves out the events
    before its start, with a note (the line map follows the events that stay)."""
    start, events = data.get("start"), data.get("events")
    if not (isinstance(start, str) and MONTH_PATTERN.match(start) and isinstance(events, list)):
        return data  # the schema reports what is wrong
    early = [
        i
        for i, event in enumerate(events)
        if isinstance(event, dict)
        and isinstance(event.get("at"), str)
        and MONTH_PATTERN.match(event["at"])
        and step_of_date(start, event["at"]) < 1
    ]
    if not early:
        return data
    note(
        Problem(
            *lines.get(("start",), default),
            "start",
            f"{len(early)} scripted event(s) before {start} are left out of this window "
            f"(first: events.{early[0]} at {events[early[0]]['at']})",
        )
    )
    kept = [i for i in range(len(events)) if i not in set(early)]
    moved = {old: new for new, old in enumerate(kept)}
    for loc in [loc for loc in lines if loc[:1] == ("events",) and len(loc) > 1]:
        at = lines.pop(loc)
        if isinstance(loc[1], int) and loc[1] in moved:
            lines[("events", moved[loc[1]], *loc[2:])] = at
    return {**data, "events": [events[i] for i in kept]}


def validate(
    data: dict[str, Any],
    lines: LineMap,
    default: tuple[str, int],
    overridden: set[Loc] | frozenset[Loc] = frozenset(),
    windowed: set[Loc] | frozenset[Loc] = frozenset(),
) -> Scenario:
    """Build a :class:`Scenario` or raise :class:`ScenarioError` listing every problem
    (``overridden``: the key paths overrides set, which may shorten the period;
    ``windowed``: the period keys a file changed from the one it extends)."""
    data = _without_retired(data, lines, default)
    if ("start",) in overridden or ("start",) in windowed:
        data = _without_early_events(data, lines, default)
    problems = _strategy_and_event_problems(data, lines, default)
    scenario = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        seen = {(p.file, p.line, p.path) for p in problems}
        problems += [
            p
            for p in pydantic_problems(exc, lines, default)
            if (p.file, p.line, p.path) not in seen
        ]
    if scenario is not None:
        problems += _late_event_problems(scenario, lines, default, overridden, windowed)
    if problems:
        raise ScenarioError(problems)
    return scenario
