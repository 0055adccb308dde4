"""The whole registry: every rule-based strategy has its test class, and every strategy
without one — adaptive, human, firm and producer rules, a user's own — still meets the
base contract."""

from __future__ import annotations

from typing import Any

import pytest

from overplay.agents.strategies import REGISTRY
from tests.strategies.base import RULE_MODULES, assert_base_contract, strategy_test_classes

TESTED = {(cls.player.role, cls.player.name) for cls in strategy_test_classes()}


def test_every_rule_based_strategy_has_a_test_class():
    rule_based = {key for key, cls in REGISTRY.items() if cls.__module__ in RULE_MODULES}
    assert not sorted(rule_based - TESTED), "strategies without a test class"


@pytest.mark.parametrize("key", sorted(set(REGISTRY) - TESTED), ids=lambda key: "-".join(key))
def test_strategies_without_a_test_class_meet_the_base_contract(
    key: tuple[str, str], observations: dict[str, Any]
):
    assert_base_contract(REGISTRY[key], observations)
