"""Importer states: stockpiles, subsidies, R&D, retaliation, deals, WTO cases, coordination."""

from __future__ import annotations

import mesa

from overplay.agents.actions import Action
from overplay.agents.observations import ImporterObservation
from overplay.agents.strategies.base import Strategy
from overplay.model.config_actors import ImporterConfig
from overplay.model.risk import memory_for
from overplay.model.units import DAYS_PER_YEAR, SUBSIDY_STAGES


class ImporterState(mesa.Agent):
    """One importer (US, Japan, EU, ...). Its firms are rows of the firm population."""

    def __init__(
        self,
        model: mesa.Model,
        name: str,
        config: ImporterConfig,
        strategy: Strategy,
        materials: list[str],
    ) -> None:
        super().__init__(model)
        self.name = name
        self.config = config
        self.strategy = strategy
        self.materials = materials
        self.allies = tuple(config.allies)
        world = model.config.materials
        self.stockpile: dict[str, float] = {  # t, from days of the region's demand
            m: config.stockpile_initial_days
            * world[m].demand_t_per_year
            * model.config.world_demand_share(name, m)
            / DAYS_PER_YEAR
            for m in materials
        }
        self.stockpile_target_days: dict[str, float] = dict.fromkeys(
            materials, config.stockpile_target_days
        )
        self.subsidy: dict[tuple[str, str], float] = {
            (m, s): 0.0 for m in materials for s in SUBSIDY_STAGES
        }
        self.subsidy_pot: dict[tuple[str, str], float] = dict.fromkeys(self.subsidy, 0.0)
        # Step at which each budget of a fixed-length programme stops (None: until changed)
        # and, per material, the end of the latest programme (None: there was none).
        self.subsidy_end_step: dict[tuple[str, str], int | None] = dict.fromkeys(self.subsidy)
        self.programme_end_step: dict[str, int | None] = dict.fromkeys(materials)
        # Per material: has China's trade toward us been open at some month since the
        # latest programme began (a later restriction is then a new episode)?
        self.open_since_programme: dict[str, bool] = dict.fromkeys(materials, True)
        self.price_floor: dict[str, float] = dict.fromkeys(materials, 0.0)
        self.research: dict[str, float] = dict.fromkeys(materials, 0.0)
        self.research_stock: dict[str, float] = dict.fromkeys(materials, 0.0)
        self.recycling_rate: dict[str, float] = dict.fromkeys(
            materials, model.config.policy.recycling_base
        )
        self.risk: dict[str, float] = dict.fromkeys(materials, config.initial_risk)
        # Remembered months of refused supply, at the level that gives the initial risk.
        self.refusal_memory: dict[str, float] = dict.fromkeys(
            materials,
            memory_for(
                config.initial_risk,
                config.risk_sensitivity,
                model.config.risk.half_saturation_months,
            ),
        )
        # Magnet making in the territory, t of rare-earth content/yr: the known plants
        # (configured; a series may move them) and those its subsidies built.
        self.magnet_capacity: dict[str, float] = {
            m: config.magnet_capacity_t_per_year.get(m, 0.0) for m in materials
        }
        self.magnet_built: dict[str, float] = dict.fromkeys(materials, 0.0)
        self.retaliation = 0.0
        self.deal_offer: float | None = None
        self.deal_months = 0.0
        self.deal_round = -1
        self.wto_filed_step: int | None = None
        self.coordinating = False

    def observe(self) -> ImporterObservation:
        return self.model.observe_importer(self)

    def decide(self) -> tuple[Action, ...]:
        return tuple(self.strategy.decide(self.observe(), self.model.rng))

    # Each method below carries out one action kind (see ``KINDS`` in
    # ``agents/actions.py``, which names them); an action naming no material concerns
    # every material. They change this state's own settings; effects on others go
    # through the model.
    def _materials_of(self, action: Action) -> tuple[str, ...]:
        return action.materials or tuple(self.materials)

    def set_stockpile_target(self, action: Action) -> None:
        for m in self._materials_of(action):
            self.stockpile_target_days[m] = max(0.0, float(action.param("target_days")))

    def set_subsidy(self, action: Action) -> None:
        stage = action.param("stage")
        if stage not in SUBSIDY_STAGES:
            raise ValueError(f"subsidize: stage must be one of {SUBSIDY_STAGES}, got {stage!r}")
        years = float(action.param("years"))
        end = self.model.step_count + max(1, round(years * 12)) if years > 0 else None
        for m in self._materials_of(action):
            self.subsidy[(m, stage)] = max(0.0, float(action.param("usd_m_per_year")))
            self.subsidy_end_step[(m, stage)] = end
            if end is not None:
                self.programme_end_step[m] = end
                self.open_since_programme[m] = False

    def note_openness(self, open_now: dict[str, bool]) -> None:
        """Remember, per material, that trade has been open since the latest programme
        began: the next restriction is then a new episode."""
        for m, is_open in open_now.items():
            if is_open:
                self.open_since_programme[m] = True

    def expire_programmes(self, step: int) -> None:
        """Budgets of programmes that have run their course stop, at the start of the
        month, so that a new programme decided this month follows without a gap."""
        for key, end in self.subsidy_end_step.items():
            if end is not None and step >= end:
                self.subsidy[key] = 0.0
                self.subsidy_end_step[key] = None

    def months_since_programme(self, material: str) -> float:
        """Months since the latest fixed-length subsidy programme for the material
        ended: infinite if there was none, negative while one runs."""
        end = self.programme_end_step[material]
        return float("inf") if end is None else float(self.model.step_count - end)

    def set_price_floor(self, action: Action) -> None:
        for m in self._materials_of(action):
            self.price_floor[m] = max(0.0, float(action.param("usd_per_kg")))

    def set_research(self, action: Action) -> None:
        for m in self._materials_of(action):
            self.research[m] = max(0.0, float(action.param("usd_m_per_year")))

    def set_retaliation(self, action: Action) -> None:
        self.retaliation = min(max(float(action.param("level")), 0.0), 1.0)

    def offer_deal(self, action: Action) -> None:
        """An offer China may accept this round; it lapses after China's turn."""
        self.deal_offer = max(0.0, float(action.param("concession_usd_m")))
        self.deal_months = float(action.param("months"))
        self.deal_round = self.model.round

    def file_wto_case(self, action: Action) -> None:
        """File once; the ruling follows the scenario's delay."""
        if self.wto_filed_step is None:
            self.wto_filed_step = self.model.step_count

    def set_coordination(self, action: Action) -> None:
        self.coordinating = bool(action.param("active"))

    def monthly_policy_cost(self) -> float:
        """Subsidies and R&D paid this month, USD m (subsidies also fill the pot)."""
        cost = 0.0
        for key, budget in self.subsidy.items():
            if budget:  # most budgets are zero; the pots are not touched for them
                self.subsidy_pot[key] += budget / 12.0
                cost += budget / 12.0
        for m, budget in self.research.items():
            if budget:
                self.research_stock[m] += budget / 12.0
                cost += budget / 12.0
        return cost
