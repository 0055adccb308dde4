"""``--set key.path=value`` overrides: parsing them and writing them into a scenario's
data, each remembered as the place later errors point at."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import yaml

from overplay.model.config import Scenario
from overplay.model.problems import LineMap, Loc, Problem, ScenarioError, dotted


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
