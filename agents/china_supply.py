"""China as a supplier: its capacity, production quota, illegal output and state reserve.

The export policy (:class:`overplay.agents.china.ExportPolicy`) says what China lets
out; this says what China has. Legal producers sell at China's supply price up to the
production quota or the capacity, whichever is lower; "black" output outside the
state plan comes on top and grows with the domestic price; the state reserve buys
from and sells into the home market. :mod:`overplay.model.china_market` clears the
home market with these each month (``docs/odd.md`` §7.3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

#: Months in a year, to turn the yearly quantities into monthly ones.
MONTHS = 12.0


@dataclass
class ChinaSupply:
    """China's supply-side state, per material (t/year unless said)."""

    capacity: dict[str, float]  # separation capacity at the start; grows with world demand
    production_quota: dict[str, float]  # legal output allowed; inf: no quota
    illegal_per_quota: float  # black output per tonne of quota at the reference price
    illegal_price_elasticity: float  # its response to the domestic price
    reserve: dict[str, float] = field(default_factory=dict)  # state reserve, t
    reserve_rate: dict[str, float] = field(default_factory=dict)  # t/month: + buys, − sells

    def __post_init__(self) -> None:
        for m in self.capacity:
            self.reserve.setdefault(m, 0.0)
            self.reserve_rate.setdefault(m, 0.0)

    def legal_most(self, material: str, growth: float) -> float:
        """Most legal output this month, t/month: the quota, or the capacity (which
        grows with world demand) if lower."""
        return min(self.production_quota[material], self.capacity[material] * growth) / MONTHS

    def illegal(self, material: str, price_c: float, reference: float, enforcement: float) -> float:
        """Black output this month, t/month: output beyond the state plan, so none
        without a quota; it rises with the domestic price and falls with enforcement
        (the 2016–2018 crackdowns)."""
        quota = self.production_quota[material]
        if not math.isfinite(quota):
            return 0.0
        response = (max(price_c, 1e-12) / reference) ** self.illegal_price_elasticity
        return self.illegal_per_quota * quota / MONTHS * response * (1.0 - enforcement)

    def reserve_flow(self, material: str) -> float:
        """This month's reserve purchases (+) or sales (−), t/month: sales are limited
        to what the reserve holds."""
        rate = self.reserve_rate[material]
        return rate if rate >= 0 else -min(-rate, self.reserve[material])
