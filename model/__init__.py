"""The Overplay model: ``from model import LeverageModel``.

Names are loaded on first use, so ``agents`` modules can import ``model.config``
without pulling in the whole model (which imports ``agents``).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "LeverageModel": "overplay.model.leverage_model",
    "Scenario": "overplay.model.config",
    "ScenarioError": "overplay.model.scenarios",
    "load_scenario": "overplay.model.scenarios",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")
