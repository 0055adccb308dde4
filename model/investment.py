"""Investment outside China: producers' and entrants' decisions, projects under way,
capacity funded by importers' subsidies, and projects coming online.

Runs in the model's investment month (default yearly); projects complete in any month.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, NamedTuple

from overplay.agents.actions import Action, Kind
from overplay.agents.observations import ProducerObservation
from overplay.agents.producers import Producer, Project
from overplay.model import supply
from overplay.model.calendar import date_of_step

if TYPE_CHECKING:
    from overplay.model.leverage_model import LeverageModel

USD_M = 1e-3  # t × USD/kg → USD m


class MagnetPlant(NamedTuple):
    """A subsidised magnet plant under construction in an importer's territory."""

    importer: str
    material: str
    capacity_t_per_year: float  # rare-earth content
    ready_step: int


class Investment:
    """Starts, funds, abandons and completes capacity projects of the model's producers."""

    def __init__(self, model: LeverageModel) -> None:
        self.model = model

    def decide(self) -> None:
        """The investment round: unviable projects may be dropped, producers decide,
        then prospective entrants, then subsidy budgets become projects."""
        model = self.model
        self.abandon_unviable_projects()
        for producer in [p for p in model.producers if p.active]:
            obs = model.observe_producer(
                producer,
                producer.name,
                tuple(model.materials),
                producer.country,
                producer.cost_factor,
            )
            for action in producer.strategy.decide(obs, model.rng):
                action = self._own_capacity(producer, action)
                if action is not None:
                    model.apply(action)
        for m in model.materials:
            prospect: ProducerObservation | None = None
            seen_changes = -1
            for _ in range(model.config.materials[m].entrant_pool):
                # Prospects see the same world until one of them enters.
                if prospect is None or seen_changes != model.producer_changes:
                    prospect = model.observe_producer(None, "prospect", (m,), "other", 1.0)
                    seen_changes = model.producer_changes
                actions = model.producer_strategy.decide(prospect, model.rng)
                if actions:
                    entrant = self.new_producer(f"entrant_{len(model.producers)}", "other", 1.0)
                    first = actions[0]
                    model.apply(
                        Action(entrant.name, first.kind, first.materials, (), first.params, "entry")
                    )
        self.fund_subsidised_capacity()

    def _own_capacity(self, producer: Producer, action: Action) -> Action | None:
        """The action without the investments in capacity a series sets now (that
        capacity is data: the producer builds none of it on its own); None if nothing
        is left."""
        if action.kind is not Kind.INVEST:
            return action
        model = self.model
        stage = action.param("stage")
        kept = tuple(
            m
            for m in action.materials or model.materials
            if not model.exogenous.sets_capacity(producer.name, m, stage, model.step_count)
        )
        if not kept:
            return None
        return action if kept == action.materials else dataclasses.replace(action, materials=kept)

    def abandon_unviable_projects(self) -> None:
        """Private projects may be dropped when their expected margin falls below what
        they still need: the investment hurdle while most of the money is still to be
        raised (an uncommitted project must keep clearing the bar it started on [X03]),
        zero once committed; state-funded ones are kept (diversification by subsidy is
        sticky)."""
        model = self.model
        rules = model.config.producer_rules
        chance = rules.abandon_probability
        step = model.step_count
        for producer in model.producers:
            if not producer.projects:
                continue
            # A project under way is judged at the recent price: its builders all face
            # the same pipeline, and counting it would make them abandon together.
            margins = model.expected_margins(producer.country, producer.cost_factor, False)
            keep = []
            for project in producer.projects:
                if project.ramping:  # built: it ramps up, or the producer exits
                    keep.append(project)
                    continue
                needed = 0.0 if project.committed(step) else rules.hurdle_margin
                unviable = margins[(project.material, project.stage)] < needed
                if project.funded_by == "private" and unviable and model.rng.random() < chance:
                    model.log_event(
                        producer.name,
                        "abandon",
                        project.material,
                        parameters=f"capacity_t_per_year="
                        f"{project.capacity_t_per_year:.0f};"
                        f"stage={project.stage}",
                        source="margin",
                        note="expected margin below what the project still needs",
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

    def new_producer(self, name: str, country: str, cost_factor: float) -> Producer:
        """A producer created mid-run: an entrant or a subsidy's greenfield host."""
        model = self.model
        with model.agent_ids.registering(model):
            producer = Producer(
                model,
                name,
                country,
                model.producer_strategy,
                model.config.producer_rules.exit_after_months,
                cost_factor=cost_factor,
            )
        model.producers.append(producer)
        model.producer_changed()
        return producer

    def start_project(
        self,
        producer: Producer,
        material: str,
        stage: str,
        capacity: float,
        lead_years: float,
        funded_by: str,
    ) -> None:
        """A project at today's learning-curve cost; China's technology ban makes
        separation dearer and slower to build. Lead times vary by ``lead_time_jitter``."""
        model = self.model
        sc = model.config
        jitter = sc.timing.lead_time_jitter
        tech = model.china.tech_ban and stage == "processing"
        lead = lead_years * (sc.china.tech_ban_lead_time_factor if tech else 1.0)
        lead *= 1.0 + model.rng.uniform(-jitter, jitter)
        cost = (
            supply.new_project_cost(
                sc.materials[material],
                sc.market,
                stage,
                model.learning.multiplier(material, stage),
                model.reference_price[material],
                sc.china.tech_ban_cost_factor if tech else 1.0,
            )
            * producer.cost_factor
        )
        producer.start_project(
            Project(
                material,
                stage,
                capacity,
                model.step_count + max(1, round(lead * 12)),
                cost,
                funded_by,
                model.step_count,
                ramp_months=sc.timing.ramp_up_months,
            )
        )

    def fund_subsidised_capacity(self) -> None:
        """Turn a year of each state's subsidy budget into capacity projects, at the
        Molycorp capex of ~$79k per t/yr [S05]; joint procurement stretches the money."""
        model = self.model
        timing = model.config.timing
        for name, state in model.importers.items():
            efficiency = model.config.policy.coordination_efficiency if state.coordinating else 1.0
            for (m, stage), pot in state.subsidy_pot.items():
                if pot <= 0:
                    continue
                state.subsidy_pot[(m, stage)] = 0.0
                if stage == "magnets":
                    self.start_magnet_plant(name, m, pot * efficiency)
                    continue
                capex = model.config.materials[m].capex_usd_per_t_per_year
                capacity = pot * 1e6 / capex * efficiency
                host = self.subsidy_host(name, m, stage)
                if host is None:
                    host = self.new_producer(
                        f"{name}_{m}_{stage}_{len(model.producers)}", name, 1.0
                    )
                    lead = (
                        timing.greenfield_mining_lead_time_years
                        if stage == "mining"
                        else timing.greenfield_processing_lead_time_years
                    )
                else:
                    lead = timing.brownfield_lead_time_years
                self.start_project(host, m, stage, capacity, lead, name)
                model.log_event(
                    host.name,
                    "invest",
                    m,
                    parameters=f"capacity_t_per_year={capacity:.0f};stage={stage}",
                    source=f"subsidy:{name}",
                )

    def start_magnet_plant(self, importer: str, material: str, usd_m: float) -> None:
        """A magnet plant in the importer's own territory for ``usd_m`` of subsidy, at
        the 10X plant's capital cost; it makes magnets after the magnet-plant lead time
        (varied by ``lead_time_jitter``)."""
        model = self.model
        sc = model.config
        capacity = usd_m * 1e6 / sc.policy.magnet_plant_capex_usd_per_t_per_year
        jitter = sc.timing.lead_time_jitter
        lead = sc.timing.magnet_plant_lead_time_years * (1.0 + model.rng.uniform(-jitter, jitter))
        ready = model.step_count + max(1, round(lead * 12))
        model.magnet_plants.append(MagnetPlant(importer, material, capacity, ready))
        model.log_event(
            importer,
            "magnet_plant",
            material,
            parameters=f"capacity_t_per_year={capacity:.0f}",
            source="subsidy",
            note=f"magnet plant; makes magnets from {date_of_step(sc.start, ready)}",
        )

    def complete_magnet_plants(self) -> None:
        """Subsidised magnet plants whose lead time has passed start making magnets."""
        model = self.model
        step = model.step_count
        due = [plant for plant in model.magnet_plants if plant.ready_step <= step]
        if not due:
            return
        for plant in due:
            model.importers[plant.importer].magnet_built[plant.material] += (
                plant.capacity_t_per_year
            )
            model.log_event(
                plant.importer,
                "magnet_capacity",
                plant.material,
                parameters=f"+{plant.capacity_t_per_year:.0f} t/yr",
                source="subsidy",
                note="subsidised magnet plant online",
            )
        model.magnet_plants = [p for p in model.magnet_plants if p.ready_step > step]

    def subsidy_host(self, importer: str, material: str, stage: str) -> Producer | None:
        """An operating producer in the importer's country, else its largest partner;
        never one whose ore is all committed to Chinese separators, nor one whose
        capacity a series sets."""
        model = self.model
        operating = [
            p
            for p in model.producers
            if p.active
            and p.ore_to_china < 1.0
            and p.total_capacity(material, stage) > 0
            and not model.exogenous.sets_capacity(p.name, material, stage, model.step_count)
        ]
        home = [p for p in operating if p.country == importer]
        pool = home or operating
        return max(pool, key=lambda p: p.total_capacity(material, stage)) if pool else None

    def complete_projects(self) -> None:
        """Projects whose lead time has passed come online (skipped until the earliest
        ready step, which is looked up again whenever a producer changes)."""
        model = self.model
        if model.step_count < model.producers_now().next_completion:
            return
        for producer in model.producers:
            for project, capacity in producer.complete_projects(model.step_count):
                model.learning.add(project.material, project.stage, capacity)
                self.charge_leverage_loss(project.material, capacity)

    def charge_leverage_loss(self, material: str, capacity: float) -> None:
        """China's loss of future market: years of its lost margin on capacity that now
        exists outside China (negative when capacity exits)."""
        sc = self.model.config
        margin = self.model.reference_price[material] * (1 - sc.market.china_cost_share) * 0.5
        self.model.pending_leverage_change[material] += (
            capacity
            * sc.market.capacity_utilisation
            * margin
            * sc.china.leverage_loss_years
            * USD_M
        )
