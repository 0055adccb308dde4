"""What the latest month left behind, as one typed object.

The next month's market (ore shares, contracted shares, shortages), the strategies'
observations (shares, leverage, shortages), the recorder and the tallies all read it;
:func:`overplay.model.month.clear_month` and :func:`overplay.model.memories.update_memories`
write it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from overplay.agents.firms import FirmFlows
    from overplay.model.month import MarketRecord


@dataclass
class LastMonth:
    """Dicts are keyed by material; arrays are importers × materials. The fields after
    ``leverage`` are empty until the first month has run."""

    china_processing_share: dict[str, float]
    china_mining_share: dict[str, float]
    local_ore_share: dict[str, float]
    contracted_share: dict[str, float]
    ore_to_china: dict[str, float]  # foreign ore bought by China's separators, t/month
    ore_sold_share: dict[str, float]  # share of non-China mine output that sold
    shortage: np.ndarray  # shortage fraction
    leverage: np.ndarray  # indispensability
    clearing: MarketRecord | None = None
    rows: dict[str, dict[str, Any]] | None = None
    flows: FirmFlows | None = None
    stockpile: np.ndarray | None = None
    region_need: np.ndarray | None = None
    recycled: np.ndarray | None = None
    risk: np.ndarray | None = None
    recycling: np.ndarray | None = None
