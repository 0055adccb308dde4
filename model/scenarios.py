"""Loading scenarios: safe YAML, ``extends``, ``--set`` overrides, located error messages.

Every problem is reported as ``FILE:LINE: key.path: message`` — one line per
problem, all problems at once — so a user can jump straight to the typo. What a
scenario may read and how files merge is documented in ``docs/scenarios.md``.
"""

from __future__ import annotations

import copy
import difflib
import functools
import re
import types
import typing
import warnings
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ValidationError

from overplay.agents.strategies import StrategyError, make_strategy
from overplay.model.calendar import date_of_step
from overplay.model.config import Scenario
from overplay.model.config_base import InconsistencyError
from overplay.model.events import EventError, event_step, make_action
from overplay.model.naming import OUTPUT_NAME_PATTERN
from overplay.model.problems import LineMap, Loc, Problem, ScenarioError, dotted
from overplay.model.safe_yaml import read_yaml

__all__ = [
    "LineMap",
    "Loc",
    "Problem",
    "ScenarioError",
    "ScenarioNote",
    "load_scenario",
    "read_yaml",
    "resolve_scenario",
]

#: Longest chain of ``extends`` (bundled scenarios use one link).
MAX_EXTENDS = 8
SCENARIO_SUFFIXES = (".yaml", ".yml")
#: Loader directive: how a file's ``events`` combine with those it extends.
EVENTS_MERGE = ("append", "replace")


class ScenarioNote(UserWarning):
    """Something the loader did that the user should know of, though it is not an
    error (events left out of a shortened run, inherited events replaced)."""


_NOTES_SHOWN: dict = {}  # warnings registry: each note once per process (sweeps load often)


def note(problem: Problem) -> None:
    """Show a located note as ``FILE:LINE: ScenarioNote: key: message`` on stderr."""
    where = f"{problem.path}: " if problem.path else ""
    warnings.warn_explicit(
        where + problem.message, ScenarioNote, problem.file, problem.line, registry=_NOTES_SHOWN
    )


# -- finding files ----------------------------------------------------------------------
def bundled_dir() -> Path:
    """Folder of the bundled scenarios (package data of ``experiments``)."""
    return Path(str(resources.files("overplay.experiments").joinpath("scenarios")))


def bundled_names() -> list[str]:
    return sorted(p.stem for p in bundled_dir().glob("*.yaml"))


def _is_bundled_name(ref: str) -> bool:
    return not ref.endswith(SCENARIO_SUFFIXES) and "/" not in ref and "\\" not in ref


def locate(reference: str | Path, relative_to: Path | None = None) -> Path:
    """A bundled scenario's name, or a path (relative to ``relative_to`` if given)."""
    ref = str(reference)
    if _is_bundled_name(ref):
        candidate = bundled_dir() / f"{ref}.yaml"
        if candidate.is_file():
            return candidate
        close = difflib.get_close_matches(ref, bundled_names(), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise FileNotFoundError(
            f"no bundled scenario named {ref!r}{hint} (bundled: {', '.join(bundled_names())})"
        )
    path = Path(ref)
    if not path.is_absolute() and relative_to is not None:
        path = relative_to / path
    if not path.exists():
        raise FileNotFoundError(f"file not found: {path}")
    return path


def _parent_of(ref: Any, child: Path, chain: tuple[Path, ...], where_: tuple[str, int]) -> Path:
    """The file an ``extends:`` names: a bundled scenario's name, or a regular
    ``.yaml``/``.yml`` file relative to the extending file, not already in the chain
    and at most :data:`MAX_EXTENDS` links from the file loaded first."""

    def refuse(message: str) -> ScenarioError:
        return ScenarioError([Problem(*where_, "extends", message)])

    if not isinstance(ref, str) or not ref:
        raise refuse("must be a bundled scenario's name or a path to a .yaml file")
    if not _is_bundled_name(ref) and not ref.endswith(SCENARIO_SUFFIXES):
        raise refuse(f"{ref!r}: a path must end in .yaml or .yml")
    try:
        path = locate(ref, child.parent)
    except FileNotFoundError as exc:
        raise refuse(str(exc)) from None
    except OSError as exc:
        raise refuse(f"{ref!r}: {exc.strerror or exc}") from None
    if not path.is_file():
        kind = "a folder" if path.is_dir() else "a device, pipe or socket"
        raise refuse(f"{path} is {kind}, not a regular file")
    resolved = (*chain, child.resolve())
    if path.resolve() in resolved:
        cycle = " -> ".join(str(p) for p in (*resolved, path.resolve()))
        raise refuse(f"extends cycle: {cycle}")
    if len(resolved) >= MAX_EXTENDS:
        raise refuse(
            f"more than {MAX_EXTENDS} files in the extends chain "
            f"({' -> '.join(p.name for p in resolved)} -> ...)"
        )
    return path


def _default_name(path: Path) -> str:
    """A scenario is named after its file; characters a folder name should not hold
    become '_' (the name picks the output folder)."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", path.stem).lstrip("._-")[:100]
    return name if re.match(OUTPUT_NAME_PATTERN, name) else "scenario"


def _merged_lines(parent: LineMap, child: LineMap, replaced: set[Loc]) -> LineMap:
    """Both line maps, the child's entries last: later entries were set later, which is
    how a problem found across several keys is blamed on the one most recently set.
    The parent's entries under a location the child replaced (``replaced``, from
    :func:`_replaced`) are dropped: what is there now is the child's, and a problem in
    it must not be blamed on a parent's line that no longer holds anything."""
    merged = {
        loc: at
        for loc, at in parent.items()
        if not any(loc[:n] in replaced for n in range(1, len(loc) + 1))
    }
    for loc, at in child.items():
        merged.pop(loc, None)
        merged[loc] = at
    return merged


def _replaced(base: dict[str, Any], child: dict[str, Any], loc: Loc = ()) -> set[Loc]:
    """Where :func:`_deep_merge` puts the child's value instead of merging into the
    parent's (a list, a scalar, or a mapping over a non-mapping)."""
    out: set[Loc] = set()
    for key, value in child.items():
        if key not in base:
            continue
        if isinstance(value, dict) and isinstance(base[key], dict):
            out |= _replaced(base[key], value, (*loc, key))
        else:
            out.add((*loc, key))
    return out


def _deep_merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """Child keys win; nested mappings merge; lists are replaced whole."""
    merged = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _merge_events(
    parent: dict[str, Any],
    data: dict[str, Any],
    mode: Any,
    lines: LineMap,
    file: str,
    parent_ref: str,
) -> list[Problem]:
    """Apply ``events_merge`` (append or replace) to the child's ``events``, in place.
    Without it, a child's ``events`` replace the inherited ones and a note says so."""
    at = lines.get(("events_merge",), lines.get(("events",), (file, 1)))
    if mode is not None and mode not in EVENTS_MERGE:
        return [
            Problem(*at, "events_merge", f"must be one of {', '.join(EVENTS_MERGE)}, got {mode!r}")
        ]
    inherited, own = parent.get("events"), data.get("events")
    if not (isinstance(inherited, list) and inherited and isinstance(own, list)):
        return []
    if mode == "append":
        data["events"] = [*inherited, *own]
        own_items = [loc for loc in lines if loc[:1] == ("events",) and len(loc) > 1]
        lines.update(
            {
                ("events", len(inherited) + int(loc[1]), *loc[2:]): lines.pop(loc)
                for loc in own_items
            }
        )
    elif mode is None:
        count = len(inherited)
        note(
            Problem(
                *lines.get(("events",), (file, 1)),
                "events",
                f"replaces the {count} "
                f"event{'s' if count > 1 else ''} inherited from {parent_ref}; write "
                "`events_merge: append` to keep them (or `replace` to say so)",
            )
        )
    return []


def load_raw(path: Path, chain: tuple[Path, ...] = ()) -> tuple[dict[str, Any], LineMap]:
    """A scenario file merged over what it ``extends``, with a line map."""
    data, lines = read_yaml(path)
    data.setdefault("name", _default_name(path))
    has_parent = "extends" in data
    parent_ref = data.pop("extends", None)
    merge_mode = data.pop("events_merge", None)
    file = str(path)
    if not has_parent:
        if merge_mode is not None:
            raise ScenarioError(
                [
                    Problem(
                        *lines.get(("events_merge",), (file, 1)),
                        "events_merge",
                        "only a file that extends another can merge events",
                    )
                ]
            )
        return data, lines
    at = lines.get(("extends",), (file, 1))
    parent_path = _parent_of(parent_ref, path, chain, at)
    parent, parent_lines = load_raw(parent_path, (*chain, path.resolve()))
    problems = _merge_events(parent, data, merge_mode, lines, file, parent_ref)
    if problems:
        raise ScenarioError(problems)
    replaced = _replaced(parent, data)
    if merge_mode == "append":
        replaced.discard(("events",))  # the inherited events stay where they are
    return _deep_merge(parent, data), _merged_lines(parent_lines, lines, replaced)


# -- overrides --------------------------------------------------------------------------
def parse_assignment(text: str, index: int) -> tuple[str, Any]:
    """``key.path=value`` with the value read as a YAML scalar or flow collection."""
    if "=" not in text:
        raise ScenarioError([Problem("--set", index, text, "expected key.path=value")])
    key, _, raw = text.partition("=")
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise ScenarioError([Problem("--set", index, key or text, "empty key")])
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError as exc:
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(
            [Problem("--set", index, key, f"bad value {raw!r}: {reason}")]
        ) from None
    return key, value


def apply_overrides(
    data: dict[str, Any],
    overrides: dict[str, Any] | list[tuple],
    lines: LineMap,
    source: str = "--set",
) -> set[Loc]:
    """Set dotted keys in place; list items are addressed by index (``producers.0.name``).

    Items are ``(key, value)`` — located as ``SOURCE:N`` — or ``(key, value, label)``
    for values from a named option such as ``--seed`` (located as ``LABEL:1``) or from
    a spec file (a label ``(file, line)``). NumPy scalars are taken as Python numbers
    (``mesa.batch_run`` passes them); overridden keys go last in the line map, so
    problems spanning several keys are blamed on the override. Returns the key paths set.
    """
    items = list(overrides.items()) if isinstance(overrides, dict) else list(overrides)
    overridden: set[Loc] = set()
    for number, item in enumerate(items, start=1):
        key, value = item[0], item[1]
        label = item[2] if len(item) > 2 else None
        where_ = (
            (source, number)
            if label is None
            else (tuple(label) if isinstance(label, tuple) else (label, 1))
        )
        if isinstance(value, np.generic):
            value = value.item()
        parts: list[str | int] = [int(p) if p.isdigit() else p for p in key.split(".")]
        if len(parts) > 1 and parts[0] not in data:
            seeded = _builtin_collection(str(parts[0]))
            if seeded is not None:
                data[parts[0]] = seeded
        target: Any = data
        for depth, part in enumerate(parts[:-1]):
            nxt = target[part] if _has(target, part) else None
            if part == "strategy" and isinstance(nxt, str):  # short form: strategy: NAME
                nxt = {"name": nxt}
                target[part] = nxt
            if nxt is None:
                if isinstance(target, list):
                    raise ScenarioError([Problem(*where_, key, f"no item {part} in list")])
                nxt = {}
                target[part] = nxt
            if not isinstance(nxt, dict | list):
                raise ScenarioError(
                    [
                        Problem(
                            *where_,
                            key,
                            f"cannot set a key inside {dotted(tuple(parts[: depth + 1]))!r}",
                        )
                    ]
                )
            target = nxt
        last = parts[-1]
        if isinstance(target, list) and not (isinstance(last, int) and last < len(target)):
            raise ScenarioError([Problem(*where_, key, f"no item {last} in list")])
        target[last] = copy.deepcopy(value)  # never shared between runs or keys
        for loc in [loc for loc in lines if loc[: len(parts)] == tuple(parts)]:
            del lines[loc]  # what the file said below this key is gone
        lines[tuple(parts)] = where_
        overridden.add(tuple(parts))
    return overridden


def _builtin_collection(key: str) -> Any:
    """The built-in materials, importers or producers, so that overriding one item of a
    collection the file left at its default keeps the others."""
    defaults = Scenario()
    if key in ("materials", "importers"):
        return {name: {} for name in getattr(defaults, key)}
    if key == "producers":
        return [p.model_dump() for p in defaults.producers]
    return None


def _has(container: Any, key: str | int) -> bool:
    if isinstance(container, dict):
        return key in container
    return isinstance(key, int) and key < len(container)


# -- validation ---------------------------------------------------------------------------
_dotted = dotted


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
                problems.append(Problem(*at, _dotted(culprit), text))
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
        problems.append(Problem(file, line, _dotted(loc), message))
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
            problems.append(Problem(*where(full, lines, default), _dotted(full), str(exc)))
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
            problems.append(Problem(*where(exc.path, lines, default), _dotted(exc.path), str(exc)))
    return problems


def _late_event_problems(
    scenario: Scenario,
    lines: LineMap,
    default: tuple[str, int],
    overridden: set[Loc] | frozenset[Loc],
) -> list[Problem]:
    """Events after the last simulated month. When an override (``--years``,
    ``--rounds``, ``--set years=…``, a spec's ``years``) shortened the period they are
    left out with a note; when the files themselves say so, it is an error."""
    last = scenario.steps
    late = [
        (i, event)
        for i, event in enumerate(scenario.events)
        if event_step(event, scenario.start) > last
    ]
    if not late:
        return []
    end = date_of_step(scenario.start, last)
    if ("years",) in overridden:
        note(
            Problem(
                *lines.get(("years",), default),
                "years",
                f"{len(late)} scripted event(s) after {end} are left out of this "
                f"shorter run (first: events.{late[0][0]} at {late[0][1].at})",
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


def validate(
    data: dict[str, Any],
    lines: LineMap,
    default: tuple[str, int],
    overridden: set[Loc] | frozenset[Loc] = frozenset(),
) -> Scenario:
    """Build a :class:`Scenario` or raise :class:`ScenarioError` listing every problem
    (``overridden``: the key paths overrides set, which may shorten the period)."""
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
        problems += _late_event_problems(scenario, lines, default, overridden)
    if problems:
        raise ScenarioError(problems)
    return scenario


@functools.lru_cache(maxsize=16)
def _parsed_once(path: Path) -> tuple[dict[str, Any], LineMap]:
    return load_raw(path)


def load_scenario(
    reference: str | Path,
    overrides: dict[str, Any] | list[tuple[str, Any]] | None = None,
    *,
    parse_once: bool = False,
) -> Scenario:
    """Load a bundled scenario by name or a YAML file by path, then apply overrides.

    ``parse_once`` parses each file once per process and reuses a copy (sweep workers
    load the same base scenario thousands of times; parsing is ~90 % of the cost).
    Files edited after the first load are then not re-read.
    """
    try:
        path = locate(reference)
    except OSError as exc:
        raise ScenarioError([Problem(str(reference), 0, "", str(exc))]) from None
    data, lines = copy.deepcopy(_parsed_once(path)) if parse_once else load_raw(path)
    overridden = apply_overrides(data, overrides, lines) if overrides else set()
    return validate(data, lines, (str(path), 1), overridden)


def resolve_scenario(source: Scenario | str | Path | None, overrides: dict[str, Any]) -> Scenario:
    """Whatever a caller passed as a scenario, as a validated :class:`Scenario`."""
    if source is None:
        source = "baseline"
    if isinstance(source, Scenario):
        if not overrides:
            return source
        data = source.model_dump(mode="python")
        lines: LineMap = {}
        overridden = apply_overrides(data, overrides, lines, source="<overrides>")
        return validate(data, lines, ("<scenario>", 0), overridden)
    return load_scenario(source, overrides)


def dump_scenario(scenario: Scenario) -> str:
    """The fully resolved scenario as YAML (every default written out)."""
    return yaml.safe_dump(
        scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True, width=100
    )
