"""Manufacturers: a numpy population with one thin Mesa agent per firm.

Every firm is a Mesa agent (so AgentSet queries, SolaraViz and Mesa's
vocabulary work), but its numbers live in the population's arrays and all
dynamics run as array operations over firms: a firm agent is a view onto
row ``index``. This is what keeps a step at 10,000 firms cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from agents.observations import FirmObservation, frozen_array
from agents.strategies.firm import FirmDecision
from model.config import Scenario
from model.risk import update_risk

DAYS_PER_MONTH = 365.25 / 12


@dataclass
class FirmFlows:
    """One month's per-importer results (importers × materials; t/month, USD m)."""

    consumption_need: np.ndarray
    consumed: np.ndarray
    shortfall: np.ndarray
    release_used: np.ndarray
    lost_output_usd_m: np.ndarray
    profit_usd_m: np.ndarray


class FirmPopulation:
    """Arrays over firms (rows) and materials (columns)."""

    def __init__(self, scenario: Scenario, materials: list[str], importers: list[str],
                 rng: np.random.Generator) -> None:
        cfg = scenario.firms
        n = cfg.count
        self.materials = materials
        self.importers = importers
        self.n = n
        imp_cfgs = [scenario.importers[name] for name in importers]
        demand = np.array([[c.demand_share.get(m, 0.0) * scenario.materials[m].demand_t_per_year
                            for m in materials] for c in imp_cfgs])  # importers × materials
        weight = demand.sum(axis=1)
        weight = weight / weight.sum() if weight.sum() > 0 else np.full(len(importers),
                                                                       1 / len(importers))
        # Every importer gets at least one firm when there are enough firms.
        self.region = np.sort(rng.choice(len(importers), size=n, p=weight))
        if n >= len(importers):
            self.region[: len(importers)] = np.arange(len(importers))
            self.region.sort()
        # bin of each (firm, material) cell in an importers × materials sum, row-major
        self._cell_bin = (self.region[:, None] * len(materials)
                          + np.arange(len(materials))[None, :]).ravel()
        self._members = np.bincount(self.region, minlength=len(importers))
        sectors = list(cfg.sectors)
        self.sector_names = sectors
        self.sector = rng.choice(len(sectors), size=n, p=[cfg.sectors[s] for s in sectors])
        size = rng.lognormal(0.0, cfg.size_sigma, size=n)
        share = np.zeros(n)
        for r in range(len(importers)):
            members = self.region == r
            if members.any():
                share[members] = size[members] / size[members].sum()
        # Base monthly need at start, t/month, per firm and material.
        self.base_need = share[:, None] * demand[self.region] / 12.0
        self.sensitivity = rng.lognormal(0.0, cfg.risk_sensitivity_sigma, size=n)
        self.sensitivity *= np.array([c.risk_sensitivity for c in imp_cfgs])[self.region]
        self.base_buffer_days = np.array([c.firm_buffer_days for c in imp_cfgs])[self.region]
        self.risk_buffer_days = np.array([c.risk_buffer_days for c in imp_cfgs])[self.region]
        sector_factor = np.array([cfg.value_added_factor[s] for s in sectors])[self.sector]
        material_value = np.array([scenario.materials[m].value_added_usd_per_kg
                                   for m in materials])
        # USD of output per kg of each material, firms × materials.
        self.value_added = ((np.array([c.value_added_factor for c in imp_cfgs])[self.region]
                             * sector_factor)[:, None] * material_value[None, :])
        self.base_contracted = np.array([[c.nonchina_sourcing.get(m, 0.0) for m in materials]
                                         for c in imp_cfgs])[self.region]
        self.contracted = self.base_contracted.copy()
        self.target_days = np.repeat(self.base_buffer_days[:, None], len(materials), axis=1)
        self.inventory = self.base_need * self.target_days / DAYS_PER_MONTH
        self.risk = np.zeros((n, len(materials)))
        self.thrift = np.zeros((n, len(materials)))
        self.thrift_committed = np.zeros((n, len(materials)))
        self.thrift_effort = np.zeros((n, len(materials)))
        self.cumulative_profit = np.zeros(n)
        self.discounted_profit = np.zeros(n)
        self.last_orders = np.zeros((n, len(materials)))
        self.last_shortfall = np.zeros((n, len(materials)))
        self.max_thrift = np.array([scenario.materials[m].max_thrift for m in materials])
        self.adjust_months = cfg.inventory_adjustment_months

    # -- decisions -------------------------------------------------------------------
    def observe(self, price_multiple: np.ndarray) -> FirmObservation:
        """The population's immutable view of itself and the market."""
        return FirmObservation(
            risk=frozen_array(self.risk), sensitivity=frozen_array(self.sensitivity),
            base_buffer_days=frozen_array(self.base_buffer_days),
            risk_buffer_days=frozen_array(self.risk_buffer_days),
            contracted=frozen_array(self.contracted),
            base_contracted=frozen_array(self.base_contracted),
            price_multiple=frozen_array(price_multiple), max_thrift=frozen_array(self.max_thrift))

    def apply(self, decision: FirmDecision) -> None:
        """Adopt the strategy's per-firm choices, clipped to valid ranges."""
        shape = self.risk.shape
        for name in ("target_days", "contracted", "thrift_effort"):
            if getattr(decision, name).shape != shape:
                raise ValueError(f"firm decision {name} has shape "
                                 f"{getattr(decision, name).shape}, expected {shape}")
        self.target_days = np.clip(decision.target_days, 0.0, 720.0)
        self.contracted = np.clip(decision.contracted, 0.0, 1.0)
        self.thrift_effort = np.clip(decision.thrift_effort, 0.0, 1.0)

    # -- monthly dynamics ---------------------------------------------------------------
    def needs(self, growth: float, demand_mult: np.ndarray) -> np.ndarray:
        """Each firm's consumption need this month, t/month (firms × materials)."""
        return self.base_need * growth * (1.0 - self.thrift) * demand_mult[None, :]

    def orders(self, need: np.ndarray, price_paid: np.ndarray) -> np.ndarray:
        """Need plus closing part of the inventory gap (never negative); nothing is bought
        at a price above what a kg adds to the firm's output (it curtails instead)."""
        target = need * self.target_days / DAYS_PER_MONTH
        orders = np.maximum(need + (target - self.inventory) / self.adjust_months, 0.0)
        orders = np.where(price_paid < self.value_added, orders, 0.0)
        self.last_orders = orders
        return orders

    def by_region(self, values: np.ndarray) -> np.ndarray:
        """Sum a firms × materials array per importer (importers × materials): one
        bincount over all cells, each bin summed in firm order (as per column)."""
        cells = len(self.importers) * len(self.materials)
        return np.bincount(self._cell_bin, weights=values.ravel(),
                           minlength=cells).reshape(len(self.importers), len(self.materials))

    def spread(self, values: np.ndarray) -> np.ndarray:
        """Each firm's row of an importers × … array (firms are sorted by importer, so
        repeating rows equals indexing by region, at a fraction of the cost)."""
        return np.repeat(values, self._members, axis=0)

    def receive_and_consume(self, orders: np.ndarray, fill: np.ndarray, need: np.ndarray,
                            release: np.ndarray, price_paid: np.ndarray,
                            discount: float = 1.0) -> FirmFlows:
        """Deliveries arrive, stockpile releases cover shortfalls, firms consume.

        Args:
            orders: firms × materials orders placed this month.
            fill: importers × materials share of orders delivered.
            need: firms × materials consumption need.
            release: importers × materials state-stockpile release available, t.
            price_paid: firms × materials USD/kg paid (incl. premia).
            discount: this month's discount factor, for discounted profits.
        """
        delivered = orders * self.spread(fill)
        self.inventory += delivered
        gap = np.maximum(need - self.inventory, 0.0)
        region_gap = self.by_region(gap)
        share = np.minimum(np.divide(release, region_gap, out=np.zeros_like(release),
                                     where=region_gap > 0), 1.0)
        self.inventory += gap * self.spread(share)
        consumed = np.minimum(need, self.inventory)
        self.inventory -= consumed
        shortfall = need - consumed
        self.last_shortfall = shortfall
        value = _row_sums(consumed * self.value_added) * 1e-3  # t·USD/kg → USD m
        cost = _row_sums(delivered * price_paid) * 1e-3
        profit = value - cost
        self.cumulative_profit += profit
        self.discounted_profit += profit * discount
        regions = len(self.importers)
        return FirmFlows(
            consumption_need=self.by_region(need), consumed=self.by_region(consumed),
            shortfall=self.by_region(shortfall), release_used=region_gap * share,
            lost_output_usd_m=self.by_region(shortfall * self.value_added * 1e-3),
            profit_usd_m=np.bincount(self.region, weights=profit, minlength=regions))

    def advance_thrift(self, rate_per_year: float, boost: np.ndarray, lag_months: float) -> None:
        """Redesign: effort commits thrift at up to ``rate`` of demand a year (Sprecher:
        ~10 %/yr [S09]); realised thrift follows with a lag and never reverses."""
        room = np.maximum(self.max_thrift[None, :] - self.thrift_committed, 0.0)
        step = self.thrift_effort * rate_per_year / 12.0 * (1.0 + self.spread(boost))
        self.thrift_committed += np.minimum(step, room)
        self.thrift += (self.thrift_committed - self.thrift) / lag_months

    def update_risk(self, impulse: np.ndarray, retention: float) -> None:
        """Firms' perceived risk: their region's impulses scaled by their sensitivity."""
        scaled = np.minimum(np.maximum(self.spread(impulse) * self.sensitivity[:, None], 0.0),
                            1.0)
        self.risk = update_risk(self.risk, scaled, retention)

    def mean_by_region(self, values: np.ndarray, weights: np.ndarray,
                       total: np.ndarray | None = None) -> np.ndarray:
        """Weighted mean of a firms × materials array per importer (``total``: the
        weights' sum per importer, when the caller already has it)."""
        total = self.by_region(weights) if total is None else total
        return np.divide(self.by_region(values * weights), total,
                         out=np.zeros_like(total), where=total > 0)


def _row_sums(values: np.ndarray) -> np.ndarray:
    """Sum of each row, column by column: what ``values.sum(axis=1)`` gives for rows of
    fewer than eight numbers, several times faster on a tall, narrow array."""
    total = values[:, 0].copy()
    for column in range(1, values.shape[1]):
        total += values[:, column]
    return total


class Firm(mesa.Agent):
    """One manufacturer: a Mesa agent whose state is row ``index`` of the population."""

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def population(self) -> FirmPopulation:
        return self.model.firm_population

    @property
    def importer(self) -> str:
        """The importer (region) the firm belongs to."""
        return self.population.importers[self.population.region[self.index]]

    @property
    def sector(self) -> str:
        return self.population.sector_names[self.population.sector[self.index]]

    @property
    def inventory(self) -> np.ndarray:
        """Inventory per material, t (a read-only view)."""
        view = self.population.inventory[self.index]
        view.flags.writeable = False
        return view

    @property
    def perceived_risk(self) -> np.ndarray:
        return self.population.risk[self.index].copy()

    @property
    def cumulative_profit(self) -> float:
        return float(self.population.cumulative_profit[self.index])
