"""Decision rules, chosen by name in YAML. Importing this package registers them all."""

from agents.strategies import china, firm, importer, producer
from agents.strategies.base import REGISTRY, Strategy, StrategyError, make_strategy, names_for

__all__ = ["REGISTRY", "Strategy", "StrategyError", "china", "firm", "importer",
           "make_strategy", "names_for", "producer"]
