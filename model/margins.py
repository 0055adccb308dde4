"""What new capacity outside China is expected to earn: the margins producers and
prospective entrants invest on.

The margin of new capacity is expected revenue over its unit cost, less one. Only
the host's price floor and the producer's cost factor differ between producers, so
the rest (the basis) is worked out once per step and producer state and kept in typed
caches until either changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from overplay.model import supply
from overplay.model.market import ex_china_target
from overplay.model.month_kernel import ex_china_terms
from overplay.model.units import STAGES

if TYPE_CHECKING:
    from overplay.model.leverage_model import LeverageModel


@dataclass(frozen=True)
class ExpectedPrices:
    """The prices producers expect in one step, USD/kg: ex-China and Chinese."""

    step: int
    ex_china: dict[str, float]
    china: dict[str, float]


@dataclass(frozen=True)
class SeparationRevenue:
    """What separation earns per kg, before the host's price floor tops it up."""

    price: float
    security_premium: float
    contracted_share: float
    ore_cost: float


@dataclass(frozen=True)
class StageBasis:
    """One (material, stage): the unit cost of new capacity and either its revenue per
    kg or, for separation with ore to separate, what the revenue is made of."""

    unit_cost: float
    revenue: float = 0.0
    separation: SeparationRevenue | None = None


@dataclass(frozen=True)
class BasisState:
    """What the basis depends on besides the config: it is rebuilt when this changes."""

    step: int
    tech_ban: bool
    partner_ore_share: float
    producer_changes: int


@dataclass(frozen=True)
class MarginBasis:
    state: BasisState
    stages: dict[tuple[str, str], StageBasis]
    pipeline: bool  # whether the ex-China price counts the capacity under way


class MarginOutlook:
    """Expected margins of new capacity, for producers' decisions and observations."""

    def __init__(self, model: LeverageModel) -> None:
        self.model = model
        self.basis: dict[bool, MarginBasis] = {}
        self.prices: dict[bool, ExpectedPrices] = {}

    def expected(
        self, country: str, cost_factor: float, pipeline: bool = True
    ) -> dict[tuple[str, str], float]:
        """Expected margin of new capacity per (material, stage) for a producer in
        ``country`` with the given cost factor; ``pipeline``: at the price that counts
        the capacity under way (a decision to start), or at the recent price only (a
        project already under way, whose builders all face the same pipeline)."""
        host = self.model.importers.get(country)  # an importer's price floor helps its firms
        floors = host.price_floor if host is not None else {}
        margins = {}
        for (m, stage), basis in self.current_basis(pipeline).items():
            revenue = basis.revenue
            if basis.separation is not None:  # the host's floor tops up the price
                s = basis.separation
                floor = floors.get(m, 0.0)
                revenue = (
                    supply.effective_price(s.price, floor, s.security_premium, s.contracted_share)
                    - s.ore_cost
                )
            margins[(m, stage)] = revenue / (basis.unit_cost * cost_factor) - 1.0
        return margins

    def current_basis(self, pipeline: bool = True) -> dict[tuple[str, str], StageBasis]:
        """The basis for this step and producer state (a project started changes the
        feed room of the next)."""
        model = self.model
        state = BasisState(
            model.step_count,
            model.china.tech_ban,
            model.partner_ore_share,
            model.producer_changes,
        )
        basis = self.basis.get(pipeline)
        if basis is None or basis.state != state:
            basis = self.basis[pipeline] = MarginBasis(state, self._build_basis(pipeline), pipeline)
        return basis.stages

    def _build_basis(self, pipeline: bool) -> dict[tuple[str, str], StageBasis]:
        model = self.model
        sc = model.config
        ore = sc.market.ore_value_share
        prices = self.expected_prices(pipeline)
        basis = {}
        for m in model.materials:
            cfg = sc.materials[m]
            price = prices.ex_china[m]
            price_c = prices.china[m] * (1.0 - model.china.price_war[m])
            local = model.last.local_ore_share[m]
            totals = model.producers_now()
            free_ore = (1.0 - model.partner_ore_share) * totals.free_ore[m]
            feed_room = free_ore - (
                totals.capacity[(m, "processing")] + totals.pipeline[(m, "processing")]
            )
            for stage in STAGES:
                tech = (
                    sc.china.tech_ban_cost_factor
                    if stage == "processing" and model.china.tech_ban
                    else 1.0
                )
                cost = supply.new_project_cost(
                    cfg,
                    sc.market,
                    stage,
                    model.learning.multiplier(m, stage),
                    model.reference_price[m],
                    tech,
                )
                if stage == "mining":  # only the share of ore that sold last month earns
                    revenue = ore * (local * price + (1 - local) * price_c)
                    revenue *= model.last.ore_sold_share[m]
                    basis[(m, stage)] = StageBasis(cost, revenue)
                elif feed_room <= 0:
                    basis[(m, stage)] = StageBasis(cost)  # no uncommitted ore to separate
                else:
                    basis[(m, stage)] = StageBasis(
                        cost,
                        separation=SeparationRevenue(
                            price,
                            model.security_premium(m),
                            model.last.contracted_share[m],
                            ore * price,
                        ),
                    )
        return basis

    def expected_prices(self, pipeline: bool = True) -> ExpectedPrices:
        """The prices producers expect, ex-China and Chinese: the last year's means,
        damped toward the reference (``price_memory``); the same all step. Ex-China,
        no more than the price the market clears at once the capacity under way runs
        (:meth:`pipeline_price`): investors do not count on a price that projects
        already being built will erode (``pipeline`` False: the trailing mean only)."""
        model = self.model
        cached = self.prices.get(pipeline)
        if cached is None or cached.step != model.step_count:
            pm = model.config.producer_rules.price_memory
            ex_china, china = {}, {}
            for j, m in enumerate(model.materials):
                ref = model.reference_price[m]
                recent = float(np.mean(model.price_history[m]))
                if pipeline:
                    recent = min(recent, self.pipeline_price(j))
                ex_china[m] = ref * (recent / ref) ** pm
                china[m] = ref * (float(np.mean(model.price_c_history[m])) / ref) ** pm
            cached = self.prices[pipeline] = ExpectedPrices(model.step_count, ex_china, china)
        return cached

    def pipeline_price(self, j: int) -> float:
        """The ex-China price of material ``j`` at which last month's market would clear
        with the non-China separation that operating capacity and projects under way
        can run (at utilisation, no more than the free ore allows), China supplying at
        its export price up to last month's limit (the price target of ``docs/odd.md``
        §7.3 on that supply); infinite before the first month."""
        model = self.model
        record = model.last.clearing
        if record is None:
            return float("inf")
        m = model.materials[j]
        totals = model.producers_now()
        separation = totals.capacity[(m, "processing")] + totals.pipeline[(m, "processing")]
        ore = totals.free_ore[m] * (1.0 - model.partner_ore_share)
        future = min(separation, ore) * model.config.market.capacity_utilisation / 12.0
        fixed = max(float(record.nonchina_offered[j]), future) + (
            float(record.refused[j].sum()) * record.leak_rate
        )
        terms = ex_china_terms(record.terms, float(record.demand[j]), j)
        most = fixed + float(record.china_limit[j])
        return ex_china_target(terms, record.choke_loads[j], record.choke_edges[j], fixed, most)
