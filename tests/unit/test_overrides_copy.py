"""An override's value is copied into the scenario: a mapping given once (a spec's
``china.strategy: {...}`` override, shared by every run of a sweep) is never written
into by later dotted keys, so one run's parameters cannot leak into the next."""

from __future__ import annotations

import copy

from overplay.model.scenarios import load_scenario


def test_a_mapping_override_is_not_shared_with_later_keys() -> None:
    strategy = {"name": "periodic_coercion", "params": {"period_rounds": 4}}
    given = copy.deepcopy(strategy)
    first = load_scenario(
        "baseline",
        [("china.strategy", strategy, "spec"), ("china.strategy.params.severity", 0.3, "spec")],
    )
    assert strategy == given
    second = load_scenario("baseline", [("china.strategy", strategy, "spec")])
    assert first.china.strategy.params["severity"] == 0.3
    assert "severity" not in second.china.strategy.params
