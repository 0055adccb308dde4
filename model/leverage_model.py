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

import contextlib
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from overplay.agents.actions import REGIME_OF_KIND, Action, Kind, Regime, action_problems
from overplay.agents.china import OTHER, SupplierState
from overplay.agents.firms import Firm, FirmPopulation
from overplay.agents.importer import ImporterState
from overplay.agents.observations import (
    ChinaObservation,
    ImporterObservation,
    PolicyView,
    ProducerObservation,
)
from overplay.agents.producers import Producer, Project
from overplay.agents.strategies import make_strategy
from overplay.model import supply
from overplay.model.calendar import date_of_step
from overplay.model.config import Scenario
from overplay.model.events import compile_events
from overplay.model.forecast import Forecaster
from overplay.model.month import clear_month, update_memories
from overplay.model.month_state import LastMonth
from overplay.model.recorder import Recorder
from overplay.model.risk import decay_factor
from overplay.model.units import DAYS_PER_MONTH, DAYS_PER_YEAR, STAGES

USD_M = 1e-3  # t × USD/kg → USD m


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
        self._id_counter = None
        self.record_tables = record_tables
        self._build()
        self._release_agent_registry()
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
        self._date = (0, "")
        self._views: dict[tuple[str, str], tuple] = {}
        self.round = -1
        self.running = True
        self.retention = decay_factor(sc.risk.half_life_months)
        self.reputation_recovery = 1.0 - decay_factor(sc.risk.reputation_half_life_months)

        self.china = SupplierState(
            self,
            make_strategy(sc.china.strategy.name, sc.china.strategy.params, "china"),
            self.materials,
            self.destinations,
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
            state.risk = dict.fromkeys(self.materials, cfg.initial_risk)
            state.recycling_rate = dict.fromkeys(self.materials, sc.policy.recycling_base)
            state.stockpile = {
                m: cfg.stockpile_initial_days
                * sc.materials[m].demand_t_per_year
                * cfg.demand_share.get(m, 0.0)
                / DAYS_PER_YEAR
                for m in self.materials
            }
            self.importers[name] = state
        self.importer_sensitivity = np.array(
            [sc.importers[n].risk_sensitivity for n in self.importer_names], dtype=float
        )
        self.producer_strategy = make_strategy(
            sc.producer_rules.strategy.name, sc.producer_rules.strategy.params, "producer"
        )
        self.firm_strategy = make_strategy(sc.firms.strategy.name, sc.firms.strategy.params, "firm")
        self.firm_population = FirmPopulation(sc, self.materials, self.importer_names, self.rng)
        for index in range(self.firm_population.n):
            Firm(self, index)
        pop = self.firm_population
        # Each importer's firms' base need per material (constant), t/month.
        self._base_need_of = {
            name: [pop.base_need[pop.region == r, j].sum() for j in range(len(self.materials))]
            for r, name in enumerate(self.importer_names)
        }
        self.firm_population.risk[:] = np.array(
            [sc.importers[n].initial_risk for n in self.importer_names]
        )[self.firm_population.region][:, None]

        ref = {m: sc.materials[m].reference_price_usd_per_kg for m in self.materials}
        self.reference_price = ref
        # Share of world demand that is neither China's nor the importers' (constant).
        self.other_demand_share = {
            m: 1
            - sc.materials[m].china_consumption_share
            - sum(cfg.demand_share.get(m, 0.0) for cfg in sc.importers.values())
            for m in self.materials
        }
        self.price_x = dict(ref)
        self.price_c = dict(ref)
        self.price_history = {m: deque([ref[m]], maxlen=12) for m in self.materials}
        self.price_c_history = {m: deque([ref[m]], maxlen=12) for m in self.materials}
        self.china_output_plan = {
            m: sc.materials[m].demand_t_per_year / 12 * (sc.materials[m].china_processing_share)
            for m in self.materials
        }
        self.export_history = {
            (m, d): deque(maxlen=12) for m in self.materials for d in self.destinations
        }
        # China's limits when nothing is restricted: every request approved, no cap.
        self.open_limits = np.tile([1.0, np.inf], (len(self.materials), len(self.destinations), 1))
        self._build_producers()
        self.events = compile_events(sc)
        self.recorder = Recorder(self, tables=self.record_tables)
        self.datacollector = self.recorder.datacollector
        self.action_log: list[dict[str, Any]] = []
        self.payoff = {"china": 0.0, **dict.fromkeys(self.importer_names, 0.0)}
        self.round_start_payoff = dict(self.payoff)
        self.last_chosen: dict[str, tuple[Action, ...]] = dict.fromkeys(self.payoff, ())
        self.round_order: list[str] = []
        self.decider_index = 0
        self.discounted_payoff = dict.fromkeys(self.payoff, 0.0)
        self.discount_per_month = (1 + sc.payoffs.discount_rate_per_year) ** (-1 / 12)
        self.pending_leverage_change = dict.fromkeys(self.materials, 0.0)
        self.partner_ore_share = 0.0
        self.wto_rulings: dict[str, int] = {}
        self.last = self._initial_market_state()

    def _build_producers(self) -> None:
        sc = self.config
        self.producers: list[Producer] = []
        self._derived: tuple[tuple[int, int] | None, dict[str, Any]] = (None, {})
        self._producer_changes = 0
        self._basis_memo: tuple[tuple | None, dict[tuple[str, str], tuple]] = (None, {})
        self._price_memo: tuple[int, dict[str, tuple[float, float]]] = (-1, {})
        initial: dict[tuple[str, str], float] = {}
        for m in self.materials:
            cfg = sc.materials[m]
            initial[(m, "mining")] = (1 - cfg.china_mining_share) * cfg.demand_t_per_year
            initial[(m, "processing")] = (1 - cfg.china_processing_share) * cfg.demand_t_per_year
        # Nameplate = normal output / utilisation.
        util = sc.market.capacity_utilisation
        self.learning = supply.Learning(
            {k: v / util for k, v in initial.items()},
            {m: sc.materials[m].entrant_size_t_per_year for m in self.materials},
            sc.producer_rules.learning_rate,
        )
        for cfg in sc.producers:
            producer = Producer(
                self,
                cfg.name,
                cfg.country,
                self.producer_strategy,
                sc.producer_rules.exit_after_months,
                cost_factor=cfg.cost_factor,
                ore_to_china=cfg.ore_to_china,
            )
            for m in self.materials:
                for stage, shares in (
                    ("mining", cfg.mining_share),
                    ("processing", cfg.processing_share),
                ):
                    capacity = shares.get(m, 0.0) * initial[(m, stage)] / util
                    if capacity > 0:
                        cost = supply.new_project_cost(sc.materials[m], sc.market, stage, 1.0)
                        producer.add_capacity(m, stage, capacity, cost * cfg.cost_factor)
            self.producers.append(producer)
        self.capacity_history = {
            (m, s): deque([self.nonchina_capacity(m, s)], maxlen=13)
            for m in self.materials
            for s in STAGES
        }
        self.entrants = 0

    def _initial_market_state(self) -> LastMonth:
        pairs = [(r, m) for r in self.importer_names for m in self.materials]
        return LastMonth(
            china_processing_share={
                m: self.config.materials[m].china_processing_share for m in self.materials
            },
            china_mining_share={
                m: self.config.materials[m].china_mining_share for m in self.materials
            },
            local_ore_share=dict.fromkeys(self.materials, 1.0),
            contracted_share=dict.fromkeys(self.materials, 0.0),
            shortage=dict.fromkeys(pairs, 0.0),
            leverage=dict.fromkeys(pairs, 0.0),
        )

    # -- Mesa 3.3 agent registry --------------------------------------------------------
    def _release_agent_registry(self) -> None:
        """Drop Mesa < 3.4.2's class-level id counter entry, which keeps every model alive."""
        ids = getattr(mesa.Agent, "_ids", None)
        if isinstance(ids, dict) and self in ids:
            self._id_counter = ids.pop(self)

    @contextlib.contextmanager
    def _registering_agents(self) -> Iterator[None]:
        """Briefly restore the id counter to create agents mid-run (entrants)."""
        ids = getattr(mesa.Agent, "_ids", None)
        if isinstance(ids, dict) and self._id_counter is not None:
            ids[self] = self._id_counter
            try:
                yield
            finally:
                self._id_counter = ids.pop(self, self._id_counter)
        else:
            yield

    # -- the step -----------------------------------------------------------------------
    def step(self) -> None:
        """Advance one month."""
        self._begin_step()
        if (self.step_count - 1) % self.config.timing.decision_interval_months == 0:
            self._decision_round()
        self._end_step()

    def _begin_step(self) -> None:
        """A new month: WTO rulings fall due and scripted events happen."""
        self.step_count += 1
        self._resolve_wto(self.step_count)
        for action in self.events.get(self.step_count, ()):
            self.apply(action)

    def _end_step(self) -> None:
        """Everything after the decisions: investment, projects, markets, memories, records."""
        step = self.step_count
        if step > 1 and (step - 1) % self.config.timing.investment_interval_months == 0:
            self._investment_round()
        self._complete_projects()
        if any(p.regime is Regime.QUOTA for p in self.china.policy.values()):
            self.china.quota_steps.append(step)
        self._market_month()
        self._update_memories()
        self.recorder.record()
        self.china.new_restrictions.clear()
        if step >= self.total_steps:
            self.running = False

    def run(self, steps: int | None = None, progress: Any = None) -> LeverageModel:
        """Run ``steps`` months (default: to the scenario's end); ``progress(n)`` per step."""
        for _ in range(self.total_steps - self.step_count if steps is None else steps):
            self.step()
            if progress is not None:
                progress(1)
        return self

    @property
    def date(self) -> str:
        """The month being simulated, ``YYYY-MM`` (worked out once per step)."""
        step = max(self.step_count, 1)
        if self._date[0] != step:
            self._date = (step, date_of_step(self.config.start, step))
        return self._date[1]

    def _decision_round(self) -> None:
        """A round: learners hear last round's payoff, then China decides, then the
        importers in shuffled order, then the firms."""
        self.open_round()
        self._continue_round(0)

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

    def _continue_round(self, start: int) -> None:
        """Let the deciders from position ``start`` of this round's order decide, then the
        firms. (A forecast on a copy resumes a round half-way through.)"""
        for index in range(start, len(self.round_order)):
            self.decider_index = index
            player = self.round_order[index]
            if index == 1:  # China (always first) has had its chance at the offers
                self._lapse_deal_offers()
            chosen = self.player_agent(player).decide()
            self.last_chosen[player] = chosen
            for action in chosen:
                self.apply(action)
        self.decider_index = len(self.round_order)
        pop = self.firm_population
        multiple = np.array([self.price_x[m] / self.reference_price[m] for m in self.materials])
        pop.apply(self.firm_strategy.decide(pop.observe(multiple), self.rng))

    def _lapse_deal_offers(self) -> None:
        """China had its chance this round: offers it did not accept lapse."""
        for name, state in self.importers.items():
            if state.deal_offer is not None and state.deal_round < self.round:
                state.deal_offer = None
                self.log_event(name, "deal_lapsed", target="china", source="timeout")

    def players(self) -> list[str]:
        """The strategic players: China and the importer states."""
        return ["china", *self.importer_names]

    def player_agent(self, player: str) -> SupplierState | ImporterState:
        return self.china if player == "china" else self.importers[player]

    # -- actions ------------------------------------------------------------------------
    def apply(self, action: Action) -> None:
        """Validate and carry out one action, and log it. An action is checked as a
        scripted event is at load time (role, materials, targets, parameter ranges),
        since a person's or a strategy's action arrives only now."""
        actor = action.actor
        if actor == "china":
            role = "china"
        elif actor in self.importers:
            role = "importer"
        elif any(p.name == actor for p in self.producers):
            role = "producer"
        else:
            raise ValueError(f"unknown actor {actor!r}")
        problems = action_problems(action, role, self.materials, self.importer_names)
        if problems:
            raise ValueError(
                f"{action.kind.value} by {actor}: "
                + "; ".join(f"{'.'.join(path)}: {message}" for path, message in problems)
            )
        step = self.step_count
        if actor == "china":
            if action.kind in REGIME_OF_KIND:
                baseline = {
                    k: (float(np.mean(h)) if h else 0.0) for k, h in self.export_history.items()
                }
                changed = self.china.restrict(action, baseline, step)
                self._log(action, changed)
                return
            if action.kind is Kind.ACCEPT_DEAL:
                self._accept_deal(action)
                return
            self.china.set_lever(action)
        elif actor in self.importers:
            self.importers[actor].apply(action)
        else:
            self._start_private_project(action)
        self._log(action)

    def _log(
        self, action: Action, pairs: list[tuple[str, str]] | None = None, note: str = ""
    ) -> None:
        if pairs is None:
            mats = action.materials or (
                tuple(self.materials)
                if action.kind
                in (
                    Kind.STOCKPILE,
                    Kind.SUBSIDIZE,
                    Kind.RESEARCH,
                    Kind.PRICE_FLOOR,
                    Kind.PRICE_WAR,
                    Kind.INVEST,
                )
                else ("",)
            )
            pairs = [(m, t) for m in mats for t in (action.targets or ("",))]
        for material, target in pairs:
            self.action_log.append(
                {
                    "step": self.step_count,
                    "date": self.date,
                    "actor": action.actor,
                    "action": action.kind.value,
                    "material": material,
                    "target": target,
                    "parameters": action.describe_params(),
                    "source": action.source,
                    "note": note or action.note,
                }
            )

    def log_event(
        self,
        actor: str,
        action: str,
        material: str = "",
        target: str = "",
        parameters: str = "",
        source: str = "",
        note: str = "",
    ) -> None:
        """Log something that happened without being an agent's action (an exit, a
        ruling, a project abandoned), in the same table as actions."""
        self.action_log.append(
            {
                "step": self.step_count,
                "date": self.date,
                "actor": actor,
                "action": action,
                "material": material,
                "target": target,
                "parameters": parameters,
                "source": source,
                "note": note,
            }
        )

    def _accept_deal(self, action: Action) -> None:
        name = action.param("importer")
        state = self.importers.get(name)
        if state is None or state.deal_offer is None:
            return
        value = state.deal_offer
        self.add_payoff("china", value)
        self.add_payoff(name, -value)
        self.china.truce_until[name] = self.step_count + round(state.deal_months)
        opening = Action("china", Kind.OPEN, targets=(name,), source=action.source)
        changed = self.china.restrict(opening, {}, self.step_count)
        state.retaliation = 0.0
        state.deal_offer = None
        self._log(
            action,
            [("", name)],
            note=f"concession {value:.0f} USD m; {len(changed)} restriction(s) lifted",
        )

    def _resolve_wto(self, step: int) -> None:
        """A filed case is ruled on after the ruling delay; China loses if it applied an
        export quota at any time since the filing (quotas breach its WTO accession terms;
        licensing was not ruled on), and complies after the compliance delay (W01, W02)."""
        timing = self.config.timing
        for name, state in self.importers.items():
            filed = state.wto_filed_step
            if filed is None or name in self.wto_rulings:
                continue
            if step == filed + timing.wto_ruling_months:
                lost = any(s >= filed for s in self.china.quota_steps)
                self.wto_rulings[name] = step + timing.wto_compliance_months if lost else -1
                self.log_event(
                    "wto",
                    "ruling",
                    target=name,
                    source="wto_case",
                    note="against China's quotas" if lost else "case dismissed",
                )
        for name, comply_at in self.wto_rulings.items():
            if step == comply_at and self.china.quota_allowed:
                self.china.abolish_quotas(step)
                self.log_event(
                    "china", "abolish_quotas", target=name, source="wto_ruling", note="WTO ruling"
                )

    # -- investment ---------------------------------------------------------------------
    def expected_margins(self, country: str, cost_factor: float) -> dict[tuple[str, str], float]:
        """Expected margin of new capacity per (material, stage) for a producer in
        ``country`` with the given cost factor: expected revenue over the cost of new
        capacity, less one. Only the host's price floor and the cost factor differ
        between producers; the rest is worked out once per step and producer state."""
        margins = {}
        for (m, stage), (revenue, cost, floored) in self._margin_basis().items():
            if floored is not None:  # separation: the host's floor tops up the price
                price, premium, contracted, ore_cost = floored
                floor = self.price_floors().get(country, {}).get(m, 0.0)
                revenue = supply.effective_price(price, floor, premium, contracted) - ore_cost
            margins[(m, stage)] = revenue / (cost * cost_factor) - 1.0
        return margins

    def _margin_basis(self) -> dict[tuple[str, str], tuple]:
        """Per (material, stage): expected revenue per kg (or, for separation with ore to
        separate, what it is made of), and the unit cost of new capacity. The same
        within a step until some producer changes (a project started changes the feed
        room of the next)."""
        key = (
            self.step_count,
            self.china.tech_ban,
            self.partner_ore_share,
            self._producer_key_now(),
        )
        if self._basis_memo[0] != key:
            sc = self.config
            ore = sc.market.ore_value_share
            basis = {}
            for m in self.materials:
                cfg = sc.materials[m]
                price, price_c = self._remembered_prices()[m]
                price_c *= 1.0 - self.china.price_war[m]
                local = self.last.local_ore_share[m]
                feed_room = self.free_ore_capacity(m) - (
                    self.nonchina_capacity(m, "processing")
                    + self.nonchina_pipeline(m, "processing")
                )
                for stage in STAGES:
                    tech = (
                        sc.china.tech_ban_cost_factor
                        if stage == "processing" and self.china.tech_ban
                        else 1.0
                    )
                    cost = supply.new_project_cost(
                        cfg, sc.market, stage, self.learning.multiplier(m, stage), tech
                    )
                    if stage == "mining":
                        basis[(m, stage)] = (
                            ore * (local * price + (1 - local) * price_c),
                            cost,
                            None,
                        )
                    elif feed_room <= 0:
                        basis[(m, stage)] = (0.0, cost, None)  # no uncommitted ore to separate
                    else:
                        basis[(m, stage)] = (
                            None,
                            cost,
                            (
                                price,
                                self.security_premium(m),
                                self.last.contracted_share[m],
                                ore * price,
                            ),
                        )
            self._basis_memo = (key, basis)
        return self._basis_memo[1]

    def _remembered_prices(self) -> dict[str, tuple[float, float]]:
        """The prices producers expect, ex-China and Chinese: the last year's means,
        damped toward the reference (``price_memory``); the same all step."""
        if self._price_memo[0] != self.step_count:
            pm = self.config.producer_rules.price_memory
            memo = {}
            for m in self.materials:
                ref = self.config.materials[m].reference_price_usd_per_kg
                memo[m] = (
                    ref * (float(np.mean(self.price_history[m])) / ref) ** pm,
                    ref * (float(np.mean(self.price_c_history[m])) / ref) ** pm,
                )
            self._price_memo = (self.step_count, memo)
        return self._price_memo[1]

    def observe_producer(
        self,
        producer: Producer | None,
        name: str,
        materials: tuple[str, ...],
        country: str,
        cost_factor: float,
    ) -> ProducerObservation:
        sc = self.config
        timing = sc.timing
        rules = sc.producer_rules
        return ProducerObservation(
            name=name,
            step=self.step_count,
            materials=materials,
            greenfield=producer is None,
            capacity={
                (m, s): (producer.total_capacity(m, s) if producer else 0.0)
                for m in self.materials
                for s in STAGES
            },
            pipeline={
                (m, s): (producer.pipeline(m, s) if producer else 0.0)
                for m in self.materials
                for s in STAGES
            },
            expected_margin=self.expected_margins(country, cost_factor),
            hurdle_margin=rules.hurdle_margin,
            brownfield_probability=rules.brownfield_probability,
            greenfield_probability=rules.greenfield_probability,
            expansion_fraction=rules.expansion_fraction,
            entrant_size={m: sc.materials[m].entrant_size_t_per_year for m in self.materials},
            lead_time_years={
                "brownfield": timing.brownfield_lead_time_years,
                "greenfield_mining": timing.greenfield_mining_lead_time_years,
                "greenfield_processing": timing.greenfield_processing_lead_time_years,
            },
        )

    def _investment_round(self) -> None:
        self._abandon_unviable_projects()
        for producer in [p for p in self.producers if p.active]:
            obs = self.observe_producer(
                producer,
                producer.name,
                tuple(self.materials),
                producer.country,
                producer.cost_factor,
            )
            for action in producer.strategy.decide(obs, self.rng):
                self.apply(action)
        prospect: tuple[tuple, ProducerObservation] | None = None
        for m in self.materials:
            for _ in range(self.config.materials[m].entrant_pool):
                # Prospects see the same world until one of them enters.
                key = (m, self._producer_key_now())
                if prospect is None or prospect[0] != key:
                    prospect = (
                        key,
                        self.observe_producer(None, "prospect", (m,), "other", 1.0),
                    )
                actions = self.producer_strategy.decide(prospect[1], self.rng)
                if actions:
                    entrant = self._new_producer(f"entrant_{len(self.producers)}", "other", 1.0)
                    first = actions[0]
                    self.apply(
                        Action(
                            entrant.name,
                            first.kind,
                            first.materials,
                            (),
                            first.params,
                            source="entry",
                        )
                    )
        self._fund_subsidised_capacity()

    def _abandon_unviable_projects(self) -> None:
        """Private projects whose expected margin has turned negative may be dropped;
        state-funded ones are kept (diversification by subsidy is sticky)."""
        chance = self.config.producer_rules.abandon_probability
        for producer in self.producers:
            if not producer.projects:
                continue
            margins = self.expected_margins(producer.country, producer.cost_factor)
            keep = []
            for project in producer.projects:
                unviable = margins[(project.material, project.stage)] < 0
                if project.funded_by == "private" and unviable and self.rng.random() < chance:
                    self.log_event(
                        producer.name,
                        "abandon",
                        project.material,
                        parameters=f"capacity_t_per_year="
                        f"{project.capacity_t_per_year:.0f};"
                        f"stage={project.stage}",
                        source="margin",
                        note="expected margin below zero",
                    )
                else:
                    keep.append(project)
            producer.keep_projects(keep)
            if (
                not producer.projects
                and producer.name.startswith("entrant_")
                and not any(v > 0 for v in producer.capacity.values())
            ):
                producer.deactivate()

    def _new_producer(self, name: str, country: str, cost_factor: float) -> Producer:
        with self._registering_agents():
            producer = Producer(
                self,
                name,
                country,
                self.producer_strategy,
                self.config.producer_rules.exit_after_months,
                cost_factor=cost_factor,
            )
        self.producers.append(producer)
        return producer

    def _start_private_project(self, action: Action) -> None:
        producer = next(p for p in self.producers if p.name == action.actor)
        stage = action.param("stage")
        if stage not in STAGES:
            raise ValueError(f"invest: stage must be one of {STAGES}, got {stage!r}")
        for m in action.materials:
            self._start_project(
                producer,
                m,
                stage,
                float(action.param("capacity_t_per_year")),
                float(action.param("lead_time_years")),
                "private",
            )

    def _start_project(
        self,
        producer: Producer,
        material: str,
        stage: str,
        capacity: float,
        lead_years: float,
        funded_by: str,
    ) -> None:
        sc = self.config
        jitter = sc.timing.lead_time_jitter
        tech = self.china.tech_ban and stage == "processing"
        lead = lead_years * (sc.china.tech_ban_lead_time_factor if tech else 1.0)
        lead *= 1.0 + self.rng.uniform(-jitter, jitter)
        cost = (
            supply.new_project_cost(
                sc.materials[material],
                sc.market,
                stage,
                self.learning.multiplier(material, stage),
                sc.china.tech_ban_cost_factor if tech else 1.0,
            )
            * producer.cost_factor
        )
        producer.start_project(
            Project(
                material,
                stage,
                capacity,
                self.step_count + max(1, round(lead * 12)),
                cost,
                funded_by,
            )
        )

    def _fund_subsidised_capacity(self) -> None:
        """Turn a year of each state's subsidy budget into capacity projects, at the
        Molycorp capex of ~$79k per t/yr [S05]; joint procurement stretches the money."""
        timing = self.config.timing
        for name, state in self.importers.items():
            efficiency = self.config.policy.coordination_efficiency if state.coordinating else 1.0
            for (m, stage), pot in state.subsidy_pot.items():
                if pot <= 0:
                    continue
                capex = self.config.materials[m].capex_usd_per_t_per_year
                capacity = pot * 1e6 / capex * efficiency
                state.subsidy_pot[(m, stage)] = 0.0
                host = self._subsidy_host(name, m, stage)
                if host is None:
                    host = self._new_producer(
                        f"{name}_{m}_{stage}_{len(self.producers)}", name, 1.0
                    )
                    lead = (
                        timing.greenfield_mining_lead_time_years
                        if stage == "mining"
                        else timing.greenfield_processing_lead_time_years
                    )
                else:
                    lead = timing.brownfield_lead_time_years
                self._start_project(host, m, stage, capacity, lead, name)
                self.log_event(
                    host.name,
                    "invest",
                    m,
                    parameters=f"capacity_t_per_year={capacity:.0f};stage={stage}",
                    source=f"subsidy:{name}",
                )

    def _subsidy_host(self, importer: str, material: str, stage: str) -> Producer | None:
        """An operating producer in the importer's country, else its largest partner;
        never one whose ore is all committed to Chinese separators."""
        operating = [
            p
            for p in self.producers
            if p.active and p.ore_to_china < 1.0 and p.total_capacity(material, stage) > 0
        ]
        home = [p for p in operating if p.country == importer]
        pool = home or operating
        return max(pool, key=lambda p: p.total_capacity(material, stage)) if pool else None

    def _complete_projects(self) -> None:
        """Projects whose lead time has passed come online (skipped until the earliest
        ready step, which is looked up again whenever a producer changes)."""
        if self.step_count < self.producers_now()["next_completion"]:
            return
        for producer in self.producers:
            for project in producer.complete_projects(self.step_count):
                self.learning.add(project.material, project.stage, project.capacity_t_per_year)
                self.charge_leverage_loss(project.material, project.capacity_t_per_year)

    def charge_leverage_loss(self, material: str, capacity: float) -> None:
        """China's loss of future market: years of its lost margin on capacity that now
        exists outside China (negative when capacity exits)."""
        sc = self.config
        cfg = sc.materials[material]
        margin = cfg.reference_price_usd_per_kg * (1 - sc.market.china_cost_share) * 0.5
        self.pending_leverage_change[material] += (
            capacity
            * sc.market.capacity_utilisation
            * margin
            * sc.china.leverage_loss_years
            * USD_M
        )

    # -- observations -----------------------------------------------------------------
    def observe_china(self) -> ChinaObservation:
        step = self.step_count
        return ChinaObservation(
            round=self.round,
            step=step,
            date=self.date,
            materials=tuple(self.materials),
            importers=tuple(self.importer_names),
            policy={k: self._policy_view(k) for k in self.china.policy},
            price_multiple={m: self.price_x[m] / self.reference_price[m] for m in self.materials},
            processing_share=dict(self.last.china_processing_share),
            diversification_momentum={m: self.diversification_momentum(m) for m in self.materials},
            reputation=dict(self.china.reputation),
            retaliation={n: s.retaliation for n, s in self.importers.items()},
            deal_offers={
                n: s.deal_offer for n, s in self.importers.items() if s.deal_offer is not None
            },
            leverage=dict(self.last.leverage),
            quota_allowed=self.china.quota_allowed,
            tech_ban=self.china.tech_ban,
            price_war=dict(self.china.price_war),
            forecast=Forecaster(self, "china"),
        )

    def observe_importer(self, state: ImporterState) -> ImporterObservation:
        step = self.step_count
        need = self._region_need_per_day(state.name)
        return ImporterObservation(
            name=state.name,
            round=self.round,
            step=step,
            date=self.date,
            materials=tuple(self.materials),
            allies=state.allies,
            risk=dict(state.risk),
            reputation_of_china=self.china.reputation[state.name],
            policy_toward_me={m: self._policy_view((m, state.name)) for m in self.materials},
            shortage={m: self.last.shortage[(state.name, m)] for m in self.materials},
            price_multiple={m: self.price_x[m] / self.reference_price[m] for m in self.materials},
            stockpile_days={
                m: state.stockpile[m] / need[m] if need[m] > 0 else 0.0 for m in self.materials
            },
            stockpile_target_days=dict(state.stockpile_target_days),
            subsidy=dict(state.subsidy),
            research=dict(state.research),
            import_value_share=self._import_value_share(need),
            leverage={m: self.last.leverage[(state.name, m)] for m in self.materials},
            retaliating=state.retaliation,
            wto_case_filed=state.wto_filed_step is not None,
            coordinating=state.coordinating,
            deal_pending=state.deal_offer is not None,
            forecast=Forecaster(self, state.name),
        )

    def _policy_view(self, key: tuple[str, str]) -> PolicyView:
        """What players see of China's policy toward one (material, destination) this
        step; the same view serves every observation until the policy changes."""
        policy = self.china.policy[key]
        cached = self._views.get(key)
        if cached is None or cached[0] is not policy or cached[1] != self.step_count:
            cached = (policy, self.step_count, policy.view(self.step_count))
            self._views[key] = cached
        return cached[2]

    # -- derived quantities -----------------------------------------------------------
    def producer_changed(self) -> None:
        """Called by a producer whose capacity, cost, projects or activity changed."""
        self._producer_changes += 1

    def _producer_key_now(self) -> tuple[int, int]:
        """Changes whenever a producer is added or changes."""
        return len(self.producers), self._producer_changes

    def producers_now(self) -> dict[str, Any]:
        """What the model derives from its producers, rebuilt only after some producer
        changed: operating capacity, pipeline and free ore summed over active producers
        (in producer order), their slots for the market, and the next step at which a
        project completes."""
        key = self._producer_key_now()
        if self._derived[0] != key:
            active = [p for p in self.producers if p.active]
            pairs = [(m, s) for m in self.materials for s in STAGES]
            ready = [p.ready_step for producer in self.producers for p in producer.projects]
            self._derived = (
                key,
                {
                    "capacity": {k: sum(p.total_capacity(*k) for p in active) for k in pairs},
                    "pipeline": {k: sum(p.pipeline(*k) for p in active) for k in pairs},
                    "free_ore": {
                        m: sum(
                            (p.total_capacity(m, "mining") + p.pipeline(m, "mining"))
                            * (1.0 - p.ore_to_china)
                            for p in active
                        )
                        for m in self.materials
                    },
                    "slots": supply.Slots.of(
                        self.producers,
                        self.materials,
                        self.importer_names,
                        self.config.market,
                        self.config.producer_rules,
                    ),
                    "next_completion": min(ready, default=self.total_steps + 1),
                },
            )
        return self._derived[1]

    def nonchina_capacity(self, material: str, stage: str) -> float:
        """Operating non-China nameplate capacity, t/yr."""
        return self.producers_now()["capacity"][(material, stage)]

    def free_ore_capacity(self, material: str) -> float:
        """Non-China mining capacity, incl. projects, not committed to Chinese separators."""
        return (1.0 - self.partner_ore_share) * self.producers_now()["free_ore"][material]

    def nonchina_pipeline(self, material: str, stage: str) -> float:
        return self.producers_now()["pipeline"][(material, stage)]

    def diversification_momentum(self, material: str) -> float:
        """Growth of non-China processing capacity incl. projects under way, over a year."""
        history = self.capacity_history[(material, "processing")]
        before = history[0]
        now = self.nonchina_capacity(material, "processing") + self.nonchina_pipeline(
            material, "processing"
        )
        return now / before - 1.0 if before > 0 else 0.0

    def security_premium(self, material: str) -> float:
        """Premium buyers pay for contracted non-China supply: grows with importers'
        perceived risk and with China's lost reputation."""
        risks = [s.risk[material] for s in self.importers.values()]
        reputations = [self.china.reputation[n] for n in self.importer_names]
        risk, reputation = sum(risks) / len(risks), sum(reputations) / len(reputations)
        return self.config.market.security_premium_max * max(risk, 1.0 - reputation)

    def price_floors(self) -> dict[str, dict[str, float]]:
        return {n: s.price_floor for n, s in self.importers.items()}

    def demand_growth(self, material: str) -> float:
        return (1 + self.config.materials[material].demand_growth_per_year) ** (
            (max(self.step_count, 1) - 1) / 12
        )

    def _region_need_per_day(self, importer: str) -> dict[str, float]:
        base = self._base_need_of[importer]
        return {
            m: float(base[j] * self.demand_growth(m)) / DAYS_PER_MONTH
            for j, m in enumerate(self.materials)
        }

    def _import_value_share(self, need_per_day: dict[str, float]) -> dict[str, float]:
        """Each material's share of an importer's needs valued at reference prices."""
        value = {m: need_per_day[m] * self.reference_price[m] for m in self.materials}
        total = sum(value.values())
        return {m: (v / total if total > 0 else 1 / len(value)) for m, v in value.items()}

    def add_payoff(self, player: str, value: float) -> None:
        self.payoff[player] += value
        self.discounted_payoff[player] += value * self.discount_per_month ** (
            max(self.step_count, 1) - 1
        )

    def _market_month(self) -> None:
        clear_month(self)

    def _update_memories(self) -> None:
        update_memories(self)
