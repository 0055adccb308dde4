"""Golden summaries: the bundled scenarios' summaries and outcomes (seed 3; 3 years,
except ``history``, whole: its windows start with it, so it covers them through 2025)
must not move when code is only made faster. Numbers are compared to 1e-9 relative
(bit-level differences between CPUs' vector maths are not changes); counts, dates and
regimes exactly. After an intended model change, regenerate and review the diff:

    python -m tests.integration.test_golden --update
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest

from overplay.experiments.outcomes import outcomes_of
from overplay.experiments.single_run import run_scenario
from overplay.model import load_scenario
from overplay.model.scenario_files import bundled_names

GOLDEN = Path(__file__).parents[1] / "golden" / "summaries.json"
#: Scenarios run for their whole period.
WHOLE = ("history",)


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out |= _flat(item, f"{prefix}.{key}" if prefix else str(key))
        return out
    return {prefix: value}


def current() -> dict[str, dict[str, Any]]:
    """Every bundled scenario's summary and outcomes, flattened to dotted keys."""
    result = {}
    for name in bundled_names():
        period = [] if name in WHOLE else [("years", 3)]
        run = run_scenario(load_scenario(name, [("seed", 3), *period]))
        result[name] = _flat({"summary": run.summary, "outcomes": outcomes_of(run.model)})
    return json.loads(json.dumps(result, default=float))


_CACHE: dict[str, dict[str, Any]] = {}


def current_cache() -> dict[str, dict[str, Any]]:
    """All scenarios run once per session, whichever test asks first."""
    if not _CACHE:
        _CACHE.update(current())
    return _CACHE


@pytest.mark.parametrize("name", bundled_names())
def test_bundled_scenarios_reproduce_their_golden_summary(name):
    golden = json.loads(GOLDEN.read_text())[name]
    now = current_cache()[name]
    assert sorted(now) == sorted(golden)
    for key, expected in golden.items():
        got = now[key]
        if isinstance(expected, float) and isinstance(got, float):
            assert (math.isnan(got) and math.isnan(expected)) or math.isclose(
                got, expected, rel_tol=1e-9, abs_tol=1e-9
            ), (key, got, expected)
        else:
            assert got == expected, (key, got, expected)


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python -m tests.integration.test_golden --update")
    GOLDEN.write_text(json.dumps(current(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN}")
