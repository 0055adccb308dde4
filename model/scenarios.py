"""Loading scenarios: a name or a path, with ``--set`` overrides, to a checked
:class:`Scenario` (files and ``extends``: ``scenario_files``; overrides: ``overrides``;
checks and located messages: ``scenario_checks``).

Every problem is reported as ``FILE:LINE: key.path: message`` — one line per
problem, all problems at once — so a user can jump straight to the typo. What a
scenario may read and how files merge is documented in ``docs/scenarios.md``.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml

from overplay.model.config import Scenario
from overplay.model.overrides import apply_overrides
from overplay.model.problems import LineMap, Loc, Problem, ScenarioError
from overplay.model.scenario_checks import validate
from overplay.model.scenario_files import load_raw, locate


@functools.lru_cache(maxsize=16)
def _parsed_once(path: Path) -> tuple[dict[str, Any], LineMap, set[Loc]]:
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
    data, lines, windowed = copy.deepcopy(_parsed_once(path)) if parse_once else load_raw(path)
    overridden = apply_overrides(data, overrides, lines) if overrides else set()
    return validate(data, lines, (str(path), 1), overridden, windowed)


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
