"""The Overplay model: ``from model import LeverageModel``."""

from model.config import Scenario
from model.leverage_model import LeverageModel
from model.scenarios import ScenarioError, load_scenario

__all__ = ["LeverageModel", "Scenario", "ScenarioError", "load_scenario"]
