"""LeverageModel: the Mesa model of rare-earth export-control leverage.

One step is one month. Each step, in this order (leader–follower):

1. scripted events due this month are applied;
2. on a decision round (default every 3 months) China decides, then the
   importer states (shuffled), then the firm population;
3. on an investment month (default yearly) producers and prospective entrants
   decide, and states' subsidy budgets become capacity projects;
4. projects whose lead time has passed come online;
5. each material's market clears (non-China output, China's capped exports,
   leakage), stockpiles cover shortfalls, firms consume, prices adjust;
6. perceived risk, reputation, recycling and thrifting update;
7. payoffs accrue and one row per material × importer is recorded.

See ``docs/odd.md`` for the equations.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from overplay.agents.actions import Action, Regime
from overplay.agents.china import OTHER, SupplierState
from overplay.agents.firms import Firm, FirmPopulation
from overplay.agents.importer import ImporterState
from overplay.agents.importer_arrays import ImporterArrays
from overplay.agents.producers import Producer
from overplay.agents.strategies import make_strategy
from overplay.model import china_market, observing, supply
from overplay.model.action_log import log_event
from overplay.model.agent_registry import ReleasedAgentIds
from overplay.model.calendar import date_of_step
from overplay.model.columns import Column
from overplay.model.config import Scenario
from overplay.model.dispatch import apply_action
from overplay.model.events import compile_events
from overplay.model.exogenous import Exogenous
from overplay.model.investment import Investment, MagnetPlant
from overplay.model.margins import MarginOutlook
from overplay.model.memories import update_memories
from overplay.model.month import clear_month
from overplay.model.month_state import LastMonth
from overplay.model.observing import PolicyViews
from overplay.model.payoff_ledger import PayoffLedger
from overplay.model.recorder import Recorder
from overplay.model.risk import decay_factor
from overplay.model.trade_rules import lapse_deal_offers, resolve_wto
from overplay.model.units import STAGES


class LeverageModel(mesa.Model):
    """Agent-based, game-theoretic model of rare-earth trade leverage.

    Args:
        scenario: a :class:`Scenario`, a bundled scenario's name, a YAML path, or
            None for ``baseline``.
        firms: number of firm agents (overrides ``firms.count``).
        years: simulated years (overrides ``years``).
        china_strategy: China's strategy name (overrides ``china.strategy``).
        importer_strategy: every importer's strategy name.
        rng: seed or generator; defaults to the scenario's ``seed``.
        record_tables: write the per-step ``rounds`` and ``payoffs`` tables (a sweep
            that keeps no per-step data turns them off; summaries and outcomes come
            from running tallies either way).
        **overrides: any other parameter as a flat keyword, with ``__`` for dots
            (``materials__light__price_elasticity=0.2``), so ``mesa.batch_run`` and
            SolaraViz can set it.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path | None = None,
        *,
        firms: int | None = None,
        years: float | None = None,
        china_strategy: str | None = None,
        importer_strategy: str | None = None,
        rng: Any = None,
        record_tables: bool = True,
        **overrides: Any,
    ) -> None:
        from overplay.model.scenarios import resolve_scenario

        flat = {k.replace("__", "."): v for k, v in overrides.items()}
        if firms is not None:
            flat["firms.count"] = int(firms)
        if years is not None:
            flat["years"] = float(years)
        if china_strategy is not None:
            flat["china.strategy"] = {"name": china_strategy}
        if importer_strategy is not None:
            base = resolve_scenario(scenario, {})
            for name in base.importers:
                flat[f"importers.{name}.strategy"] = {"name": importer_strategy}
        self.config: Scenario = resolve_scenario(scenario, flat)
        if isinstance(rng, str):
            rng = int(rng) if rng.strip() else None
        super().__init__(rng=self.config.seed if rng is None else rng)
        self.record_tables = record_tables
        self._build()
        self.agent_ids = ReleasedAgentIds(self)
        self.datacollector.collect(self)  # the state at step 0, as Mesa's tools expect

    @classmethod
    def from_scenario(
        cls,
        source: Scenario | str | Path,
        seed: int | None = None,
        overrides: dict[str, Any] | None = None,
    ) -> LeverageModel:
        """Build from a scenario (object, bundled name or YAML path) with dotted overrides."""
        from overplay.model.scenarios import resolve_scenario

        scenario = resolve_scenario(source, overrides or {})
        return cls(scenario, rng=seed)

    # -- construction -----------------------------------------------------------------
    def _build(self) -> None:
        sc = self.config
        self.materials: list[str] = list(sc.materials)
        self.importer_names: list[str] = list(sc.importers)
        self.destinations = [*self.importer_names, OTHER]
        self.total_steps = sc.steps
        self.step_count = 0
        self.date = date_of_step(sc.start, 1)  # the month being simulated, ``YYYY-MM``
        self.policy_views = PolicyViews()
        self.round = -1
        self.running = True
        self.retention = decay_factor(sc.risk.half_life_months)
        self.reputation_recovery = 1.0 - decay_factor(sc.risk.reputation_half_life_months)

        self.china = SupplierState(
            self,
            make_strategy(sc.china.strategy.name, sc.china.strategy.params, "china"),
            self.materials,
            self.destinations,
            china_market.initial_supply(sc),
        )
        self.importers: dict[str, ImporterState] = {}
        for name, cfg in sc.importers.items():
            state = ImporterState(
                self,
                name,
                cfg,
                make_strategy(cfg.strategy.name, cfg.strategy.params, "importer"),
                self.materials,
            )
            self.importers[name] = state
        self.importer_arrays = ImporterArrays.adopt([*self.importers.values()], self.materials)
        self.producer_strategy = make_strategy(
            sc.producer_rules.strategy.name, sc.producer_rules.strategy.params, "producer"
        )
        self.firm_strategy = make_strategy(sc.firms.strategy.name, sc.firms.strategy.params, "firm")
        self.exogenous = Exogenous(sc)
        self.firm_population = FirmPopulation(sc, self.materials, self.importer_names, self.rng)
        for index in range(self.firm_population.n):
            Firm(self, index)
        pop = self.firm_population
        # Each importer's firms' base need per material (constant), t/month.
        self.region_base_need = {
            name: [pop.base_need[pop.region == r, j].sum() for j in range(len(self.materials))]
            for r, name in enumerate(self.importer_names)
        }
        pop.region_memory = self.importer_arrays.refusal_memory.copy()
        ref = {m: sc.materials[m].reference_price_usd_per_kg for m in self.materials}
        self.reference_price = ref
        # Share of world demand that is neither China's nor the importers' (constant).
        self.other_demand_share = {
            m: 1
            - sc.materials[m].china_consumption_share
            - sum(sc.world_demand_share(name, m) for name in sc.importers)
            for m in self.materials
        }
        self.price_x = dict(ref)
        self.price_c = dict(ref)
        self.price_history = {m: deque([ref[m]], maxlen=12) for m in self.materials}
        self.price_c_history = {m: deque([ref[m]], maxlen=12) for m in self.materials}
        self.export_history = {
            (m, d): deque(maxlen=12) for m in self.materials for d in self.destinations
        }
        self.magnet_export_history = {key: deque(maxlen=12) for key in self.export_history}
        self.magnet_use_share = np.array([sc.materials[m].magnet_use_share for m in self.materials])
        self.magnets_in_use = bool(self.magnet_use_share.any())  # else the stage is off
        # China's limits when nothing is restricted: every request approved, no cap.
        self.open_limits = np.tile([1.0, np.inf], (len(self.materials), len(self.destinations), 1))
        shape = (len(self.materials), len(self.importer_names))  # magnets: importers only
        self.open_magnet_limits = (np.ones(shape), np.full(shape, np.inf))
        self._build_producers()
        self.events = compile_events(sc)
        for step, actions in self.exogenous.quota_actions().items():
            self.events[step] = [*actions, *self.events.get(step, [])]  # scripts may override
        self.recorder = Recorder(self, tables=self.record_tables)
        self.datacollector = self.recorder.datacollector
        self.action_log: list[dict[str, Any]] = []
        self.payoff = {"china": 0.0, **dict.fromkeys(self.importer_names, 0.0)}
        self.round_start_payoff = dict(self.payoff)
        self.last_chosen: dict[str, tuple[Action, ...]] = dict.fromkeys(self.payoff, ())
        self.round_order: list[str] = []
        self.decider_index = 0
        self.discounted_payoff = dict.fromkeys(self.payoff, 0.0)
        self.ledger = PayoffLedger()  # this month's payoffs by term
        self.discount_per_month = (1 + sc.payoffs.discount_rate_per_year) ** (-1 / 12)
        self.pending_leverage_change = dict.fromkeys(self.materials, 0.0)
        self.magnet_plants: list[MagnetPlant] = []  # subsidised, under construction
        self.partner_ore_share = 0.0
        self.wto_rulings: dict[str, int] = {}  # winner -> compliance step (-1: dismissed)
        self.wto_rulings_spent: set[str] = set()  # China refused them nothing a month
        self.last = self._initial_market_state()

    def _build_producers(self) -> None:
        sc = self.config
        self.producer_changes = 0  # counts changes of any producer; see producers_now()
        self._producer_totals: supply.ProducerTotals | None = None
        self.margins = MarginOutlook(self)
        self.investment = Investment(self)
        output = supply.initial_output(sc)
        util = sc.market.capacity_utilisation  # nameplate = normal output / utilisation
        self.learning = supply.Learning(
            {k: v / util for k, v in output.items()},
            {m: sc.materials[m].entrant_size_t_per_year for m in self.materials},
            sc.producer_rules.learning_rate,
        )
        self.producers: list[Producer] = []
        for cfg in sc.producers:
            self.producers.append(supply.scenario_producer(self, cfg, output))
        self.exogenous.apply_capacity(self, self.exogenous.capacity_at_start)
        self.capacity_history = {
            (m, s): deque([self.nonchina_capacity(m, s)], maxlen=13)
            for m in self.materials
            for s in STAGES
        }
        self.entrants = 0

    def _initial_market_state(self) -> LastMonth:
        shape = (len(self.importer_names), len(self.materials))
        return LastMonth(
            china_processing_share={
                m: self.config.materials[m].china_processing_share for m in self.materials
            },
            china_mining_share={
                m: self.config.materials[m].china_mining_share for m in self.materials
            },
            local_ore_share=dict.fromkeys(self.materials, 1.0),
            contracted_share=dict.fromkeys(self.materials, 0.0),
            ore_to_china=supply.initial_ore_to_china(self.config),
            ore_sold_share=dict.fromkeys(self.materials, 1.0),
            shortage=np.zeros(shape),
            leverage=np.zeros(shape),
        )

    # -- the month ----------------------------------------------------------------------
    def step(self) -> None:
        """Advance one month."""
        self.begin_month()
        if (self.step_count - 1) % self.config.timing.decision_interval_months == 0:
            self.decision_round()
        self.end_month()

    def begin_month(self) -> None:
        """A new month: WTO rulings fall due and scripted events happen."""
        self.step_count += 1
        self.ledger.start_month()
        self.date = date_of_step(self.config.start, self.step_count)
        resolve_wto(self, self.step_count)
        for state in self.importers.values():
            state.expire_programmes(self.step_count)
        self.reference_price.update(self.exogenous.reference_prices(self.step_count))
        for m, price in self.exogenous.china_prices(self.step_count).items():
            self.price_c[m] = self.price_c_history[m][-1] = price  # observed, not cleared
        self.exogenous.apply_capacity(self, self.exogenous.capacity_events.get(self.step_count, []))
        self.exogenous.apply_magnet_capacity(self, self.step_count)
        for action in self.events.get(self.step_count, ()):
            self.apply(action)

    def end_month(self) -> None:
        """Everything after the decisions: investment, projects, markets, memories, records."""
        step = self.step_count
        if step > 1 and (step - 1) % self.config.timing.investment_interval_months == 0:
            self.investment.decide()
        self.investment.complete_projects()
        self.investment.complete_magnet_plants()
        if any(p.regime is Regime.QUOTA for p in self.china.policy.values()):
            self.china.quota_steps.append(step)
        clear_month(self)
        update_memories(self)
        self.recorder.record()
        if step >= self.total_steps:
            self.running = False

    def run(self, steps: int | None = None, progress: Any = None) -> LeverageModel:
        """Run ``steps`` months (default: to the scenario's end); ``progress(n)`` per step."""
        for _ in range(self.total_steps - self.step_count if steps is None else steps):
            self.step()
            if progress is not None:
                progress(1)
        return self

    # -- decision rounds ----------------------------------------------------------------
    def decision_round(self) -> None:
        """A round: learners hear last round's payoff, then China decides, then the
        importers in shuffled order, then the firms."""
        self.open_round()
        self.continue_round(0)

    def open_round(self) -> None:
        """Start a decision round without anyone deciding yet: learners hear last round's
        payoff and the importers' order is drawn. (A stage game then lets every player
        move at once.)"""
        self.round += 1
        for player in self.players():
            earned = self.payoff[player] - self.round_start_payoff[player]
            self.round_start_payoff[player] = self.payoff[player]
            if self.round > 0:
                self.player_agent(player).strategy.update(earned, self.last_chosen[player])
        # What AgentSet.shuffle(inplace=False) draws, without building a new AgentSet:
        # the model's random stream permutes the importers in creation order.
        shuffled = list(self.importer_names)
        self.random.shuffle(shuffled)
        self.round_order = ["china", *shuffled]
        self.decider_index = 0

    def continue_round(self, start: int) -> None:
        """Let the deciders from position ``start`` of this round's order decide, then the
        firms. (A forecast on a copy resumes a round half-way through.)"""
        for index in range(start, len(self.round_order)):
            self.decider_index = index
            player = self.round_order[index]
            if index == 1:  # China (always first) has had its chance at the offers
                lapse_deal_offers(self)
            chosen = self.player_agent(player).decide()
            self.last_chosen[player] = chosen
            for action in chosen:
                self.apply(action)
        self.decider_index = len(self.round_order)
        pop = self.firm_population
        multiple = np.array([self.price_x[m] / self.reference_price[m] for m in self.materials])
        pop.apply(self.firm_strategy.decide(pop.observe(multiple), self.rng))

    def players(self) -> list[str]:
        """The strategic players: China and the importer states."""
        return ["china", *self.importer_names]

    def player_agent(self, player: str) -> SupplierState | ImporterState:
        return self.china if player == "china" else self.importers[player]

    # -- actions, the log and observations: methods whose work lives in its own module --
    #: Check, carry out and log one action.
    apply = apply_action
    #: Log something that happened without being an agent's action (an exit, a ruling, a
    #: project abandoned), in the same table as actions.
    log_event = log_event
    observe_china = observing.observe_china
    observe_importer = observing.observe_importer
    observe_producer = observing.observe_producer
    diversification_momentum = observing.diversification_momentum

    def expected_margins(
        self, country: str, cost_factor: float, pipeline: bool = True
    ) -> dict[tuple[str, str], float]:
        """Expected margin of new capacity per (material, stage) for a producer in
        ``country`` with the given cost factor (see :mod:`overplay.model.margins`)."""
        return self.margins.expected(country, cost_factor, pipeline)

    def charge_leverage_loss(self, material: str, capacity: float) -> None:
        """China's leverage lost to capacity now outside China (< 0 when it exits)."""
        self.investment.charge_leverage_loss(material, capacity)

    # -- derived quantities -----------------------------------------------------------
    def producer_changed(self) -> None:
        """Called when a producer changes (capacity, cost, projects, activity) or is added."""
        self.producer_changes += 1

    def producers_now(self) -> supply.ProducerTotals:
        """What the model derives from its producers, rebuilt after a producer changed."""
        totals = self._producer_totals
        if totals is None or totals.producer_changes != self.producer_changes:
            totals = supply.ProducerTotals.of(
                self.producers,
                self.producer_changes,
                self.materials,
                self.importer_names,
                self.config.market,
                self.config.producer_rules,
                self.total_steps + 1,
            )
            self._producer_totals = totals
        return totals

    def nonchina_capacity(self, material: str, stage: str) -> float:
        """Operating non-China nameplate capacity, t/yr."""
        return self.producers_now().capacity[(material, stage)]

    def security_premium(self, material: str) -> float:
        """Premium buyers pay for contracted non-China supply: grows with importers'
        perceived risk and with China's lost reputation."""
        risks = self.importer_arrays.risk[:, self.materials.index(material)].tolist()
        reputations = [self.china.reputation[n] for n in self.importer_names]
        risk, reputation = sum(risks) / len(risks), sum(reputations) / len(reputations)
        return self.config.market.security_premium_max * max(risk, 1.0 - reputation)

    def demand_growth(self, material: str) -> float:
        """World demand this month over demand at the start: the series of world demand
        where the scenario gives one, else the material's trend growth."""
        from_series = self.exogenous.demand_growth(material, self.step_count)
        if from_series is not None:
            return from_series
        return (1 + self.config.materials[material].demand_growth_per_year) ** (
            (max(self.step_count, 1) - 1) / 12
        )

    def add_payoff(self, player: str, *terms: tuple[Column, float]) -> None:
        value = self.ledger.add(player, terms)  # each (term, USD m), summed
        self.payoff[player] += value
        self.discounted_payoff[player] += value * self.discount_per_month ** (
            max(self.step_count, 1) - 1
        )
