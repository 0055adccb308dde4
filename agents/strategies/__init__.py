"""Decision rules, chosen by name in YAML. Importing this package registers them all."""

from overplay.agents.strategies import adaptive, china, firm, human, importer, producer
from overplay.agents.strategies.base import (
    REGISTRY,
    Strategy,
    StrategyError,
    lookup,
    make_strategy,
    names_for,
    strategies_for,
)

__all__ = [
    "REGISTRY",
    "Strategy",
    "StrategyError",
    "adaptive",
    "china",
    "firm",
    "human",
    "importer",
    "lookup",
    "make_strategy",
    "names_for",
    "producer",
    "strategies_for",
]
