"""Non-China supply: costs, learning, monthly production and producers' profits.

Kept apart from the agents (which only hold state and decide) so that the
economics can be read and tested on its own. Costs are in USD/kg, capacity
in t/yr, flows in t/month, money in USD m.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from overplay.agents.producers import Producer
from overplay.model.config import MarketConfig, MaterialConfig, ProducerRulesConfig
from overplay.model.units import STAGES

KG_PER_T_IN_USD_M = 1e-3  # t × USD/kg → USD m


def china_stage_cost(material: MaterialConfig, market: MarketConfig) -> float:
    """China's unit cost of one stage (mining or processing), USD/kg; half each."""
    return material.reference_price_usd_per_kg * market.china_cost_share * 0.5


def new_project_cost(
    material: MaterialConfig,
    market: MarketConfig,
    stage: str,
    learning: float,
    tech_factor: float = 1.0,
) -> float:
    """Full unit cost of new non-China capacity, USD/kg: China's cost × premium × learning."""
    premium = (
        material.mining_cost_premium if stage == "mining" else material.processing_cost_premium
    )
    return china_stage_cost(material, market) * premium * learning * tech_factor


class Learning:
    """Wright's-law cost multiplier from cumulative non-China capacity ever built."""

    def __init__(
        self, initial: dict[tuple[str, str], float], floor: dict[str, float], learning_rate: float
    ) -> None:
        self.reference = {k: max(v, floor[k[0]]) for k, v in initial.items()}
        self.cumulative = dict(self.reference)
        self.exponent = -math.log2(1.0 - learning_rate) if learning_rate < 1 else 10.0

    def add(self, material: str, stage: str, capacity: float) -> None:
        self.cumulative[(material, stage)] += capacity

    def multiplier(self, material: str, stage: str) -> float:
        key = (material, stage)
        return (self.cumulative[key] / self.reference[key]) ** (-self.exponent)


@dataclass(frozen=True)
class Slots:
    """The capacity that could run: one slot per active producer, material and stage
    with capacity (producer order within each material and stage), packed as the
    compiled month reads them (:func:`model.month_kernel.run_month`). Changes only
    when a producer does, so the model keeps it between months.

    ``ints`` rows: material index, stage (0 mining, 1 separation), producer index,
    host (importer index of the producer's country, else the number of importers).
    ``floats`` rows: output at the market's utilisation (t/month), operating cost
    (USD/kg: full cost less the sunk capital charge), capital charge (USD m/month,
    paid running or not), share of the ore not committed to Chinese separators.
    """

    producers: tuple[Producer, ...]
    ints: np.ndarray
    floats: np.ndarray

    @classmethod
    def of(
        cls,
        producers: list[Producer],
        materials: list[str],
        importers: list[str],
        market: MarketConfig,
        rules: ProducerRulesConfig,
    ) -> Slots:
        util = market.capacity_utilisation
        host = {name: i for i, name in enumerate(importers)}
        ints, floats = [], []
        for j, material in enumerate(materials):
            for k, stage in enumerate(STAGES):
                for index, producer in enumerate(producers):
                    capacity = producer.total_capacity(material, stage)
                    if not producer.active or capacity <= 0:
                        continue
                    cost = producer.unit_cost[(material, stage)]
                    charge = cost * rules.capex_share_of_cost * capacity * util / 12.0
                    ints.append((j, k, index, host.get(producer.country, len(importers))))
                    floats.append(
                        (
                            capacity * util / 12.0,
                            cost * (1 - rules.capex_share_of_cost),
                            charge * KG_PER_T_IN_USD_M,
                            1.0 - producer.ore_to_china,
                        )
                    )
        return cls(
            tuple(producers),
            np.array(ints, dtype=np.int64).reshape(-1, 4).T.copy(),
            np.array(floats, dtype=float).reshape(-1, 4).T.copy(),
        )


def effective_price(price: float, floor: float, premium: float, contracted: float) -> float:
    """What a processor earns per kg: contracted sales carry the security premium,
    and a state price floor tops the whole up (the 2025 DoD floor [E15])."""
    return max(price * (1.0 + premium * contracted), floor)
