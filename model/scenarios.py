"""Loading scenarios: safe YAML, ``extends``, ``--set`` overrides, located error messages.

Every problem is reported as ``FILE:LINE: key.path: message`` — one line per
problem, all problems at once — so a user can jump straight to the typo.
"""

from __future__ import annotations

import copy
import difflib
import functools
import types
import typing
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from agents.strategies import StrategyError, make_strategy
from model.config import Scenario
from model.events import EventError, make_action

Loc = tuple[str | int, ...]
LineMap = dict[Loc, tuple[str, int]]


@dataclass(frozen=True)
class Problem:
    """One located problem in a scenario or its overrides."""

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.file}:{self.line}: {where}{self.message}"


class ScenarioError(ValueError):
    """Bad input: one or more located problems."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line))
        super().__init__("\n".join(str(p) for p in problems))


# -- finding files ----------------------------------------------------------------------
def bundled_dir() -> Path:
    """Folder of the bundled scenarios (package data of ``experiments``)."""
    return Path(str(resources.files("experiments").joinpath("scenarios")))


def bundled_names() -> list[str]:
    return sorted(p.stem for p in bundled_dir().glob("*.yaml"))


def locate(reference: str | Path, relative_to: Path | None = None) -> Path:
    """A bundled scenario's name, or a path (relative to ``relative_to`` if given)."""
    ref = str(reference)
    if not ref.endswith((".yaml", ".yml")) and "/" not in ref and "\\" not in ref:
        candidate = bundled_dir() / f"{ref}.yaml"
        if candidate.exists():
            return candidate
        close = difflib.get_close_matches(ref, bundled_names(), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise FileNotFoundError(f"no bundled scenario named {ref!r}{hint} "
                                f"(bundled: {', '.join(bundled_names())})")
    path = Path(ref)
    if not path.is_absolute() and relative_to is not None:
        path = relative_to / path
    if not path.exists():
        raise FileNotFoundError(f"file not found: {path}")
    return path


# -- reading YAML with line numbers -----------------------------------------------------
def _line_map(node: yaml.Node, file: str, loc: Loc, out: LineMap,
              problems: list[Problem]) -> None:
    out.setdefault(loc, (file, node.start_mark.line + 1))
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                problems.append(Problem(file, key_node.start_mark.line + 1,
                                        _dotted((*loc, key)), "duplicate key"))
            seen.add(key)
            out[(*loc, key)] = (file, key_node.start_mark.line + 1)
            _line_map(value_node, file, (*loc, key), out, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            out[(*loc, index)] = (file, item.start_mark.line + 1)
            _line_map(item, file, (*loc, index), out, problems)


def read_yaml(path: Path) -> tuple[dict[str, Any], LineMap]:
    """Safely load one YAML mapping and where each key is."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError([Problem(file, 0, "", f"cannot read: {exc.strerror}")]) from None
    except UnicodeDecodeError:
        raise ScenarioError([Problem(file, 0, "", "not UTF-8 text")]) from None
    last_line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
    lines: LineMap = {}
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is not None:
            problems: list[Problem] = []
            _line_map(node, file, (), lines, problems)
            if problems:
                raise ScenarioError(problems)
        data = yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = min(mark.line + 1, last_line) if mark else 0
        message = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        if "could not determine a constructor" in message:
            message = "unsafe or unknown YAML tag; only plain YAML is allowed (" + message + ")"
        keys = [loc for loc, (_, at) in lines.items() if at == line and loc]
        path = _dotted(min(keys, key=len)) if keys else ""
        raise ScenarioError([Problem(file, line, path, message)]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(file, 0, "", f"invalid YAML: {exc}")]) from None
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise ScenarioError([Problem(file, 1, "", "the top level must be a mapping of keys")])
    return data, lines


def _deep_merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """Child keys win; nested mappings merge; lists are replaced whole."""
    merged = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_raw(path: Path, chain: tuple[Path, ...] = ()) -> tuple[dict[str, Any], LineMap]:
    """A scenario file merged over what it ``extends``, with a line map."""
    resolved = path.resolve()
    data, lines = read_yaml(path)
    data.setdefault("name", path.stem)  # a scenario is named after its own file
    parent_ref = data.pop("extends", None)
    if parent_ref is None:
        return data, lines
    file, line = lines.get(("extends",), (str(path), 1))
    if not isinstance(parent_ref, str):
        raise ScenarioError([Problem(file, line, "extends",
                                     "must be a bundled scenario's name or a path")])
    try:
        parent_path = locate(parent_ref, path.parent)
    except FileNotFoundError as exc:
        raise ScenarioError([Problem(file, line, "extends", str(exc))]) from None
    if parent_path.resolve() in (*chain, resolved):
        cycle = " -> ".join(str(p) for p in (*chain, resolved, parent_path.resolve()))
        raise ScenarioError([Problem(file, line, "extends", f"extends cycle: {cycle}")])
    parent, parent_lines = load_raw(parent_path, (*chain, resolved))
    return _deep_merge(parent, data), {**parent_lines, **lines}


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
        raise ScenarioError([Problem("--set", index, key, f"bad value {raw!r}: {reason}")]) \
            from None
    return key, value


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any] | list[tuple],
                    lines: LineMap, source: str = "--set") -> None:
    """Set dotted keys in place; list items are addressed by index (``producers.0.name``).

    Items are ``(key, value)`` — located as ``SOURCE:N`` — or ``(key, value, label)``
    for values from a named option such as ``--seed``.
    """
    items = list(overrides.items()) if isinstance(overrides, dict) else list(overrides)
    for number, item in enumerate(items, start=1):
        dotted, value = item[0], item[1]
        where = (item[2], 1) if len(item) > 2 else (source, number)
        parts: list[str | int] = [int(p) if p.isdigit() else p for p in dotted.split(".")]
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
                    raise ScenarioError([Problem(*where, dotted,
                                                 f"no item {part} in list")])
                nxt = {}
                target[part] = nxt
            if not isinstance(nxt, dict | list):
                raise ScenarioError([Problem(*where, dotted, "cannot set a key "
                                             f"inside {_dotted(tuple(parts[:depth + 1]))!r}")])
            target = nxt
        last = parts[-1]
        if isinstance(target, list) and not (isinstance(last, int) and last < len(target)):
            raise ScenarioError([Problem(*where, dotted, f"no item {last} in list")])
        target[last] = value
        lines[tuple(parts)] = where


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
def _dotted(loc: Loc) -> str:
    return ".".join(str(p) for p in loc)


def where(loc: Loc, lines: LineMap, default: tuple[str, int]) -> tuple[str, int]:
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return default


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
        while typing.get_origin(annotation) in (typing.Union, types.UnionType,
                                                typing.Annotated):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def pydantic_problems(exc: ValidationError, lines: LineMap, default: tuple[str, int],
                      root: type[BaseModel] = Scenario) -> list[Problem]:
    """Located, one-line problems from a pydantic validation error."""
    problems = []
    for error in exc.errors():
        loc: Loc = tuple(error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "value_error" and not loc:
            head, sep, rest = message.partition(": ")
            if sep and " " not in head:
                loc = tuple(int(p) if p.isdigit() else p for p in head.split("."))
                message = rest
        elif error["type"] == "extra_forbidden":
            allowed = _fields_at(loc[:-1], root)
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            message = "unknown key" + (f"; did you mean {close[0]!r}?" if close else
                                       (f" (allowed: {', '.join(allowed)})" if allowed else ""))
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


def _strategy_and_event_problems(data: dict[str, Any], lines: LineMap,
                                 default: tuple[str, int]) -> list[Problem]:
    """Strategy names and parameters, and event actions, checked on the raw data so they
    are reported together with any schema problems."""
    problems = []
    for loc, ref, role in _strategy_refs(data):
        name, params = (ref, {}) if isinstance(ref, str) else (
            (ref.get("name"), ref.get("params", {})) if isinstance(ref, dict) else (None, None))
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
        fields = (raw.get("actor", ""), raw.get("action"), raw.get("materials", []),
                  raw.get("targets", []), raw.get("params", {}))
        if not (isinstance(fields[1], str) and isinstance(fields[4], dict)
                and all(isinstance(f, list) for f in fields[2:4])):
            continue
        try:
            make_action(str(fields[0]), fields[1], fields[2], fields[3], fields[4], index)
        except EventError as exc:
            problems.append(Problem(*where(exc.path, lines, default), _dotted(exc.path),
                                    str(exc)))
    return problems


def validate(data: dict[str, Any], lines: LineMap, default: tuple[str, int]) -> Scenario:
    """Build a :class:`Scenario` or raise :class:`ScenarioError` listing every problem."""
    problems = _strategy_and_event_problems(data, lines, default)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        seen = {(p.file, p.line, p.path) for p in problems}
        problems += [p for p in pydantic_problems(exc, lines, default)
                     if (p.file, p.line, p.path) not in seen]
    if problems:
        raise ScenarioError(problems)
    return scenario


@functools.lru_cache(maxsize=16)
def _parsed_once(path: Path) -> tuple[dict[str, Any], LineMap]:
    return load_raw(path)


def load_scenario(reference: str | Path,
                  overrides: dict[str, Any] | list[tuple[str, Any]] | None = None, *,
                  parse_once: bool = False) -> Scenario:
    """Load a bundled scenario by name or a YAML file by path, then apply overrides.

    ``parse_once`` parses each file once per process and reuses a copy (sweep workers
    load the same base scenario thousands of times; parsing is ~90 % of the cost).
    Files edited after the first load are then not re-read.
    """
    try:
        path = locate(reference)
    except FileNotFoundError as exc:
        raise ScenarioError([Problem(str(reference), 0, "", str(exc))]) from None
    data, lines = copy.deepcopy(_parsed_once(path)) if parse_once else load_raw(path)
    if overrides:
        apply_overrides(data, overrides, lines)
    return validate(data, lines, (str(path), 1))


def resolve_scenario(source: Scenario | str | Path | None,
                     overrides: dict[str, Any]) -> Scenario:
    """Whatever a caller passed as a scenario, as a validated :class:`Scenario`."""
    if source is None:
        source = "baseline"
    if isinstance(source, Scenario):
        if not overrides:
            return source
        data = source.model_dump(mode="python")
        lines: LineMap = {}
        apply_overrides(data, overrides, lines, source="<overrides>")
        return validate(data, lines, ("<scenario>", 0))
    return load_scenario(source, overrides)


def dump_scenario(scenario: Scenario) -> str:
    """The fully resolved scenario as YAML (every default written out)."""
    return yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False,
                          allow_unicode=True, width=100)
