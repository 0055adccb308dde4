"""Decision rules, chosen by name in YAML. Importing this package registers them all."""

from agents.strategies import china, firm, importer, producer
from agents.strategies.base import (
    REGISTRY,
    Strategy,
    StrategyError,
    lookup,
    make_strategy,
    names_for,
    strategies_for,
)

__all__ = ["REGISTRY", "Strategy", "StrategyError", "china", "firm", "importer", "lookup",
           "make_strategy", "names_for", "producer", "strategies_for"]
