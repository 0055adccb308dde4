"""Manufacturers: a numpy population with one thin Mesa agent per firm.

Every firm is a Mesa agent (so AgentSet queries, SolaraViz and Mesa's
vocabulary work), but its numbers live in the population's arrays and all
dynamics run over those arrays, as compiled loops (``agents/firm_kernels.py``):
a firm agent is a view onto row ``index``. This is what keeps a step at 10,000
firms cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from overplay.agents import firm_kernels as kernels
from overplay.agents.observations import FirmObservation, frozen_array
from overplay.agents.strategies.firm import FirmDecision
from overplay.model.config import Scenario
from overplay.model.units import DAYS_PER_MONTH


@dataclass
class FirmFlows:
    """One month's per-importer results (importers × materials; t/month, USD m)."""

    consumption_need: np.ndarray
    consumed: np.ndarray
    shortfall: np.ndarray
    release_used: np.ndarray
    lost_output_usd_m: np.ndarray
    profit_usd_m: np.ndarray
    inventory: np.ndarray


class FirmPopulation:
    """Arrays over firms (rows) and materials (columns)."""

    def __init__(
        self,
        scenario: Scenario,
        materials: list[str],
        importers: list[str],
        rng: np.random.Generator,
    ) -> None:
        cfg = scenario.firms
        n = cfg.count
        self.materials = materials
        self.importers = importers
        self.n = n
        imp_cfgs = [scenario.importers[name] for name in importers]
        demand = np.array(
            [
                [
                    scenario.world_demand_share(name, m) * scenario.materials[m].demand_t_per_year
                    for m in materials
                ]
                for name in importers
            ]
        )  # importers × materials
        weight = demand.sum(axis=1)
        weight = (
            weight / weight.sum()
            if weight.sum() > 0
            else np.full(len(importers), 1 / len(importers))
        )
        # Every importer gets at least one firm when there are enough firms.
        self.region = np.sort(rng.choice(len(importers), size=n, p=weight))
        if n >= len(importers):
            self.region[: len(importers)] = np.arange(len(importers))
            self.region.sort()
        # bin of each (firm, material) cell in an importers × materials sum, row-major
        self._cell_bin = (
            self.region[:, None] * len(materials) + np.arange(len(materials))[None, :]
        ).ravel()
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
        material_value = np.array([scenario.materials[m].value_added_usd_per_kg for m in materials])
        # USD of output per kg of each material, firms × materials.
        self.value_added = (
            np.array([c.value_added_factor for c in imp_cfgs])[self.region] * sector_factor
        )[:, None] * material_value[None, :]
        self.base_contracted = np.array(
            [[c.nonchina_sourcing.get(m, 0.0) for m in materials] for c in imp_cfgs]
        )[self.region]
        self.contracted = self.base_contracted.copy()
        self.target_days = np.repeat(self.base_buffer_days[:, None], len(materials), axis=1)
        self.inventory = self.base_need * self.target_days / DAYS_PER_MONTH
        # Each importer's memory of refused supply (importers × materials), from which
        # the firms' risk is read; the model replaces it every month.
        self.region_memory = np.zeros((len(importers), len(materials)))
        self.half_saturation = scenario.risk.half_saturation_months
        self._risk: tuple[np.ndarray, np.ndarray] | None = None  # (memory, risk)
        self.thrift = np.zeros((n, len(materials)))
        self.thrift_committed = np.zeros((n, len(materials)))
        self.thrift_sticky = np.zeros((n, len(materials)))  # the part that stays
        self.sticky_share = np.array([scenario.materials[m].thrift_sticky_share for m in materials])
        self.thrift_effort = np.zeros((n, len(materials)))
        self.cumulative_profit = np.zeros(n)
        self.discounted_profit = np.zeros(n)
        self.last_orders = np.zeros((n, len(materials)))
        self.last_shortfall = np.zeros((n, len(materials)))
        self.max_thrift = np.array([scenario.materials[m].max_thrift for m in materials])
        self.adjust_months = cfg.inventory_adjustment_months
        self._constants: dict[str, np.ndarray] | None = None

    @property
    def risk(self) -> np.ndarray:
        """Each firm's perceived risk (firms × materials) from its importer's memory of
        refused supply and its own sensitivity. Worked out when first read after the
        memory changed: most months nobody reads it, and it costs a power per firm."""
        if self._risk is None or self._risk[0] is not self.region_memory:
            self._risk = (self.region_memory, self.risk_from(self.region_memory))
        return self._risk[1]

    def risk_from(self, region_memory: np.ndarray) -> np.ndarray:
        """The firms' perceived risk for a given importers × materials memory."""
        return kernels.firm_risk(region_memory, self.sensitivity, self.half_saturation, self.region)

    # -- decisions -------------------------------------------------------------------
    def observe(self, price_multiple: np.ndarray) -> FirmObservation:
        """The population's immutable view of itself and the market."""
        if self._constants is None:  # never change: frozen once
            self._constants = {
                name: frozen_array(getattr(self, name))
                for name in (
                    "sensitivity",
                    "base_buffer_days",
                    "risk_buffer_days",
                    "base_contracted",
                    "max_thrift",
                )
            }
        return FirmObservation(
            risk=frozen_array(self.risk),
            contracted=frozen_array(self.contracted),
            price_multiple=frozen_array(price_multiple),
            **self._constants,
        )

    def apply(self, decision: FirmDecision) -> None:
        """Adopt the strategy's per-firm choices, clipped to valid ranges."""
        shape = self.risk.shape
        for name in ("target_days", "contracted", "thrift_effort"):
            if getattr(decision, name).shape != shape:
                raise ValueError(
                    f"firm decision {name} has shape "
                    f"{getattr(decision, name).shape}, expected {shape}"
                )
        self.target_days, self.contracted, self.thrift_effort = kernels.clipped_decision(
            decision.target_days, decision.contracted, decision.thrift_effort
        )

    # -- sums per importer (the monthly dynamics are compiled loops over these arrays:
    # agents/firm_kernels.py, called from model/month_kernel.py and model/memories.py) --
    def by_region(self, values: np.ndarray) -> np.ndarray:
        """Sum a firms × materials array per importer (importers × materials): one
        bincount over all cells, each bin summed in firm order (as per column)."""
        cells = len(self.importers) * len(self.materials)
        return np.bincount(self._cell_bin, weights=values.ravel(), minlength=cells).reshape(
            len(self.importers), len(self.materials)
        )

    def mean_by_region(
        self, values: np.ndarray, weights: np.ndarray, total: np.ndarray | None = None
    ) -> np.ndarray:
        """Weighted mean of a firms × materials array per importer (``total``: the
        weights' sum per importer, when the caller already has it)."""
        total = self.by_region(weights) if total is None else total
        return np.divide(
            self.by_region(values * weights), total, out=np.zeros_like(total), where=total > 0
        )


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
