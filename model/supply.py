"""Non-China supply: costs, learning, monthly production and producers' profits.

Kept apart from the agents (which only hold state and decide) so that the
economics can be read and tested on its own. Costs are in USD/kg, capacity
in t/yr, flows in t/month, money in USD m.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from agents.producers import STAGES, Producer
from model.config import MarketConfig, MaterialConfig, ProducerRulesConfig

KG_PER_T_IN_USD_M = 1e-3  # t × USD/kg → USD m


def china_stage_cost(material: MaterialConfig, market: MarketConfig) -> float:
    """China's unit cost of one stage (mining or processing), USD/kg; half each."""
    return material.reference_price_usd_per_kg * market.china_cost_share * 0.5


def new_project_cost(material: MaterialConfig, market: MarketConfig, stage: str,
                     learning: float, tech_factor: float = 1.0) -> float:
    """Full unit cost of new non-China capacity, USD/kg: China's cost × premium × learning."""
    premium = (material.mining_cost_premium if stage == "mining"
               else material.processing_cost_premium)
    return china_stage_cost(material, market) * premium * learning * tech_factor


class Learning:
    """Wright's-law cost multiplier from cumulative non-China capacity ever built."""

    def __init__(self, initial: dict[tuple[str, str], float], floor: dict[str, float],
                 learning_rate: float) -> None:
        self.reference = {k: max(v, floor[k[0]]) for k, v in initial.items()}
        self.cumulative = dict(self.reference)
        self.exponent = -math.log2(1.0 - learning_rate) if learning_rate < 1 else 10.0

    def add(self, material: str, stage: str, capacity: float) -> None:
        self.cumulative[(material, stage)] += capacity

    def multiplier(self, material: str, stage: str) -> float:
        key = (material, stage)
        return (self.cumulative[key] / self.reference[key]) ** (-self.exponent)


@dataclass(frozen=True)
class Slot:
    """One producer's capacity of one material and stage, with what running it costs."""

    producer: Producer
    output: float           # t/month at the market's utilisation
    operating_cost: float   # USD/kg: full cost less the sunk capital charge
    capital_charge: float   # USD m/month, paid running or not
    free_ore: float         # share of its ore not committed to Chinese separators


Slates = dict[tuple[str, str], tuple[Slot, ...]]


def slates(producers: list[Producer], materials: list[str], market: MarketConfig,
           rules: ProducerRulesConfig) -> Slates:
    """The capacity that could run, per (material, stage): active producers with some,
    in producer order. Changes only when a producer does, so the model keeps it."""
    util = market.capacity_utilisation
    result: Slates = {}
    for material in materials:
        for stage in STAGES:
            row = []
            for producer in producers:
                capacity = producer.total_capacity(material, stage)
                if not producer.active or capacity <= 0:
                    continue
                cost = producer.unit_cost[(material, stage)]
                charge = cost * rules.capex_share_of_cost * capacity * util / 12.0
                row.append(Slot(producer, capacity * util / 12.0,
                                cost * (1 - rules.capex_share_of_cost),
                                charge * KG_PER_T_IN_USD_M, 1.0 - producer.ore_to_china))
            result[(material, stage)] = tuple(row)
    return result


@dataclass(frozen=True)
class StageOffer:
    """The slots running this month for one material and stage."""

    slots: tuple[Slot, ...]

    @property
    def total(self) -> float:
        """Output offered, t/month."""
        return sum(slot.output for slot in self.slots)


def effective_price(price: float, floor: float, premium: float, contracted: float) -> float:
    """What a processor earns per kg: contracted sales carry the security premium,
    and a state price floor tops the whole up (the 2025 DoD floor [E15])."""
    return max(price * (1.0 + premium * contracted), floor)


def offers(slate: Slates, material: str, price_x: float, price_c: float, local_share: float,
           floors: dict[str, float], premium: float, contracted: float,
           market: MarketConfig) -> dict[str, StageOffer]:
    """Which capacity runs this month: a stage runs when its revenue covers its operating
    cost (full cost less the sunk capital charge)."""
    ore_price_local = market.ore_value_share * price_x
    ore_price_blend = market.ore_value_share * (local_share * price_x
                                                + (1 - local_share) * price_c)
    mining = tuple(slot for slot in slate[(material, "mining")]
                   if ore_price_blend >= slot.operating_cost)
    processing = tuple(
        slot for slot in slate[(material, "processing")]
        if effective_price(price_x, floors.get(slot.producer.country, 0.0), premium,
                           contracted) - ore_price_local >= slot.operating_cost)
    return {"mining": StageOffer(mining), "processing": StageOffer(processing)}


def settle(slate: Slates, material: str, offer: dict[str, StageOffer],
           processed_sold: float, mined_sold: float, price_x: float, price_c: float,
           floors: dict[str, float], premium: float, contracted: float,
           market: MarketConfig) -> tuple[dict[Producer, float], dict[str, float]]:
    """Profits of one month for one material, per producer (USD m).

    Returns the profit per producer and the price-floor top-ups owed by each
    host state (USD m). Every producer with capacity pays its capital charge,
    running or not.
    """
    profit: dict[Producer, float] = {}
    local_share = min(1.0, processed_sold / mined_sold) if mined_sold > 0 else 1.0
    ore_local = market.ore_value_share * price_x
    ore_blend = market.ore_value_share * (local_share * price_x + (1 - local_share) * price_c)
    floor_cost: dict[str, float] = {}
    for stage in STAGES:
        stage_offer = offer[stage]
        total = stage_offer.total
        sold = mined_sold if stage == "mining" else processed_sold
        scale = min(1.0, sold / total) if total > 0 else 0.0
        for slot in stage_offer.slots:
            producer = slot.producer
            volume = slot.output * scale
            if stage == "mining":
                margin = ore_blend - slot.operating_cost
            else:
                earned = effective_price(price_x, floors.get(producer.country, 0.0), premium,
                                         contracted)
                top_up = max(0.0, earned - price_x * (1 + premium * contracted)) * volume
                floor_cost[producer.country] = (floor_cost.get(producer.country, 0.0)
                                                + top_up * KG_PER_T_IN_USD_M)
                margin = earned - ore_local - slot.operating_cost
            profit[producer] = profit.get(producer, 0.0) + margin * volume * KG_PER_T_IN_USD_M
    for stage in STAGES:
        for slot in slate[(material, stage)]:
            profit[slot.producer] = profit.get(slot.producer, 0.0) - slot.capital_charge
    return profit, floor_cost
