"""Non-China supply: costs, learning, monthly production and producers' profits.

Kept apart from the agents (which only hold state and decide) so that the
economics can be read and tested on its own. Costs are in USD/kg, capacity
in t/yr, flows in t/month, money in USD m.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from overplay.agents.producers import Producer
from overplay.model.config import Scenario
from overplay.model.config_actors import ProducerConfig, ProducerRulesConfig
from overplay.model.config_world import MarketConfig, MaterialConfig
from overplay.model.units import STAGES

if TYPE_CHECKING:
    from overplay.model.leverage_model import LeverageModel

KG_PER_T_IN_USD_M = 1e-3  # t × USD/kg → USD m


def china_stage_cost(reference_price: float, market: MarketConfig) -> float:
    """China's unit cost of one stage (mining or processing), USD/kg, at China's supply
    price ``reference_price``; half each."""
    return reference_price * market.china_cost_share * 0.5


def new_project_cost(
    material: MaterialConfig,
    market: MarketConfig,
    stage: str,
    learning: float,
    reference_price: float,
    tech_factor: float = 1.0,
) -> float:
    """Full unit cost of new non-China capacity, USD/kg: China's cost now (at its supply
    price ``reference_price``) times one plus the premium's excess, which learning
    closes (``learning`` is the Wright's-law multiplier), times the technology-ban
    factor. The premium is a ratio to China's cost [X03], so a project started when
    China's supply price is higher costs more. Learning narrows the gap to China's
    cost but never undercuts it: China's industry is far further down the same
    experience curve (a multiplier on the whole cost let a newcomer's learning from a
    small base take its costs below China's)."""
    premium = (
        material.mining_cost_premium if stage == "mining" else material.processing_cost_premium
    )
    gap = (premium - 1.0) * learning
    return china_stage_cost(reference_price, market) * (1.0 + gap) * tech_factor


def initial_output(scenario: Scenario) -> dict[tuple[str, str], float]:
    """Non-China output per (material, stage) at the start, t/yr: the share of world
    demand China does not mine or process."""
    output = {}
    for m, cfg in scenario.materials.items():
        output[(m, "mining")] = (1 - cfg.china_mining_share) * cfg.demand_t_per_year
        output[(m, "processing")] = (1 - cfg.china_processing_share) * cfg.demand_t_per_year
    return output


def initial_ore_to_china(scenario: Scenario) -> dict[str, float]:
    """Foreign ore China's separators buy at the start, t/month: what is mined outside
    China and not separated there."""
    output = initial_output(scenario)
    return {
        m: max(output[(m, "mining")] - output[(m, "processing")], 0.0) / 12
        for m in scenario.materials
    }


def scenario_producer(
    model: LeverageModel, cfg: ProducerConfig, output: dict[tuple[str, str], float]
) -> Producer:
    """A producer of the scenario with its shares of ``output`` as nameplate capacity
    (at the market's utilisation), at first-of-a-kind cost times its cost factor."""
    sc = model.config
    producer = Producer(
        model,
        cfg.name,
        cfg.country,
        model.producer_strategy,
        sc.producer_rules.exit_after_months,
        cost_factor=cfg.cost_factor,
        ore_to_china=cfg.ore_to_china,
    )
    util = sc.market.capacity_utilisation
    for m in model.materials:
        for stage, shares in (("mining", cfg.mining_share), ("processing", cfg.processing_share)):
            capacity = shares.get(m, 0.0) * output[(m, stage)] / util
            if capacity > 0:
                cost = new_project_cost(
                    sc.materials[m], sc.market, stage, 1.0, model.reference_price[m]
                )
                producer.add_capacity(m, stage, capacity, cost * cfg.cost_factor)
    return producer


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


class SlotArrays(NamedTuple):
    """The capacity that could run, one entry per slot (S), as the compiled month
    reads it (:func:`overplay.model.month_kernel.run_month`)."""

    material: np.ndarray  # material index
    stage: np.ndarray  # 0 mining, 1 separation
    producer: np.ndarray  # producer index
    host: np.ndarray  # importer index of the producer's country, else I
    output: np.ndarray  # t/month at the market's utilisation
    operating_cost: np.ndarray  # USD/kg: full cost less the capital charge
    capital_charge: np.ndarray  # USD m/month, paid running or not
    free_ore: np.ndarray  # share of the ore not committed to Chinese separators
    producers: int  # P


@dataclass(frozen=True)
class Slots:
    """The capacity that could run: one slot per active producer, material and stage
    with capacity (producer order within each material and stage), with the arrays
    the compiled month reads. Changes only when a producer does, so the model keeps it
    between months (and the arrays are built once, not every month)."""

    producers: tuple[Producer, ...]
    arrays: SlotArrays

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
        material, stage, producer, host = np.array(ints, dtype=np.int64).reshape(-1, 4).T.copy()
        output, operating_cost, capital_charge, free_ore = (
            np.array(floats, dtype=float).reshape(-1, 4).T.copy()
        )
        arrays = SlotArrays(
            material=material,
            stage=stage,
            producer=producer,
            host=host,
            output=output,
            operating_cost=operating_cost,
            capital_charge=capital_charge,
            free_ore=free_ore,
            producers=len(producers),
        )
        return cls(tuple(producers), arrays)


def effective_price(price: float, floor: float, premium: float, contracted: float) -> float:
    """What a processor earns per kg: contracted sales carry the security premium,
    and a state price floor tops the whole up (the 2025 DoD floor [E15])."""
    return max(price * (1.0 + premium * contracted), floor)


@dataclass(frozen=True)
class ProducerTotals:
    """What the model derives from its producers, rebuilt only after some producer
    changed: operating capacity, pipeline and the part of it ramping up per (material,
    stage) and ore not committed to Chinese separators per material, summed over
    active producers (in producer order); their slots for the market; the next step a
    project completes (or, ramping, adds capacity)."""

    producer_changes: int
    capacity: dict[tuple[str, str], float]
    pipeline: dict[tuple[str, str], float]
    ramping: dict[tuple[str, str], float]  # of the pipeline: built, ramping up
    free_ore: dict[str, float]
    slots: Slots
    next_completion: int

    def installed(self) -> dict[tuple[str, str], float]:
        """Nameplate of the plants built, ramping or not: what commissioning records
        (Lynas' first feed [S01]), while only the operable share produces."""
        return {k: c + self.ramping[k] for k, c in self.capacity.items()}

    def under_construction(self) -> dict[tuple[str, str], float]:
        """The pipeline less the plants already producing."""
        return {k: c - self.ramping[k] for k, c in self.pipeline.items()}

    @classmethod
    def of(
        cls,
        producers: list[Producer],
        producer_changes: int,
        materials: list[str],
        importers: list[str],
        market: MarketConfig,
        rules: ProducerRulesConfig,
        no_completion: int,
    ) -> ProducerTotals:
        """The totals of ``producers``; ``no_completion`` stands for "no project"."""
        active = [p for p in producers if p.active]
        pairs = [(m, s) for m in materials for s in STAGES]
        ready = [p.ready_step for producer in producers for p in producer.projects]
        return cls(
            producer_changes,
            {k: sum(p.total_capacity(*k) for p in active) for k in pairs},
            {k: sum(p.pipeline(*k) for p in active) for k in pairs},
            {k: sum(p.pipeline(*k, ramping_only=True) for p in active) for k in pairs},
            {
                m: sum(
                    (p.total_capacity(m, "mining") + p.pipeline(m, "mining"))
                    * (1.0 - p.ore_to_china)
                    for p in active
                )
                for m in materials
            },
            Slots.of(producers, materials, importers, market, rules),
            min(ready, default=no_completion),
        )
