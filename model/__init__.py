"""The Overplay model: ``from overplay.model import LeverageModel``.

Names are loaded on first use: the command line's ``--help`` and the ``agents``
modules that read only ``overplay.model.config`` or ``overplay.model.units`` do not
pay for importing the whole model (numpy, numba, Mesa, every agent).
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
    raise AttributeError(f"module 'overplay.model' has no attribute {name!r}")
