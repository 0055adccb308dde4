"""Producers outside China: capacity by material and stage, projects, profits, exit."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace

import mesa

from overplay.agents.actions import Action
from overplay.agents.strategies.base import Strategy
from overplay.model.units import STAGES


@dataclass(frozen=True)
class Project:
    """Capacity under construction."""

    material: str
    stage: str
    capacity_t_per_year: float
    ready_step: int
    unit_cost: float
    funded_by: str
    started_step: int
    ramp_months: float = 0.0  # months from first output to nameplate (0: at once)
    delivered_t_per_year: float = 0.0  # nameplate already operable

    def online_share(self, step: int) -> float:
        """Share of the nameplate operable at ``step``: none before the plant is ready,
        then a further ``1 / ramp_months`` each month (all of it at once below a
        month). New plants reach nameplate only after a ramp-up, longest for novel
        hydrometallurgy (McNulty 1998)."""
        if step < self.ready_step:
            return 0.0
        return min(1.0, (step - self.ready_step + 1) / max(self.ramp_months, 1.0))

    @property
    def remaining_t_per_year(self) -> float:
        """Nameplate not yet operable: under construction, or built and ramping up."""
        return self.capacity_t_per_year - self.delivered_t_per_year

    @property
    def ramping(self) -> bool:
        """Built and producing, but below its nameplate."""
        return self.delivered_t_per_year > 0

    def committed(self, step: int) -> bool:
        """Past half its lead time: most of its capital is spent, so its builders go on
        while the margin stays positive; before that each tranche of financing must
        still clear the hurdle (assumption; the 2013-15 junior collapse [X13])."""
        return step - self.started_step >= (self.ready_step - self.started_step) / 2


class Producer(mesa.Agent):
    """A mining and/or separation company outside China (Lynas, MP Materials, entrants).

    Capacity is in t/yr per (material, stage); ``unit_cost`` is the full cost of
    each (USD/kg), a capacity-weighted average over vintages, so learning makes
    newer capacity cheaper than old.
    """

    def __init__(
        self,
        model: mesa.Model,
        name: str,
        country: str,
        strategy: Strategy,
        exit_after_months: int,
        *,
        cost_factor: float = 1.0,
        ore_to_china: float = 0.0,
    ) -> None:
        super().__init__(model)
        self.name = name
        self.country = country
        self.cost_factor = cost_factor
        self.ore_to_china = ore_to_china
        self.strategy = strategy
        self.capacity: dict[tuple[str, str], float] = {}
        self.unit_cost: dict[tuple[str, str], float] = {}
        self.projects: list[Project] = []
        self.active = True
        self.exit_step: int | None = None
        self.profit_history: deque[float] = deque(maxlen=exit_after_months)
        self.cumulative_profit = 0.0
        self.discounted_profit = 0.0

    def _changed(self) -> None:
        """Capacity, cost, projects or activity changed: tell the model, which keeps
        derived totals and rebuilds them only then (if it has a ``producer_changed``)."""
        notify = getattr(self.model, "producer_changed", None)
        if notify is not None:
            notify()

    def add_capacity(self, material: str, stage: str, capacity: float, unit_cost: float) -> None:
        """Bring capacity online, averaging its cost into the existing vintages."""
        key = (material, stage)
        old = self.capacity.get(key, 0.0)
        total = old + capacity
        if total <= 0:
            return
        self.unit_cost[key] = (
            self.unit_cost.get(key, unit_cost) * old + unit_cost * capacity
        ) / total
        self.capacity[key] = total
        self._changed()

    def set_capacity(self, material: str, stage: str, capacity: float, unit_cost: float) -> None:
        """A known capacity event (a restart, an idling, an expansion): the capacity of
        ``(material, stage)`` becomes ``capacity``; ``unit_cost`` applies where the
        producer had none. A producer left with no capacity at all is idle (care and
        maintenance: its projects stop, it neither invests nor exits); one that had
        exited or idled and gets capacity again restarts with a fresh operating history
        (Mountain Pass under new owners in 2018)."""
        key = (material, stage)
        self.unit_cost.setdefault(key, unit_cost)
        self.capacity[key] = capacity
        if capacity > 0 and not self.active:
            self.active = True
            self.exit_step = None
            self.profit_history.clear()
        elif not any(value > 0 for value in self.capacity.values()):
            self.active = False
            self.projects = []
        self._changed()

    def start_project(self, project: Project) -> None:
        self.projects.append(project)
        self._changed()

    def keep_projects(self, projects: list[Project]) -> None:
        """Replace the projects under way (the rest are abandoned)."""
        if len(projects) != len(self.projects):
            self.projects = projects
            self._changed()

    def deactivate(self) -> None:
        """Stop operating without writing capacity off (an entrant whose plans all failed)."""
        self.active = False
        self._changed()

    def complete_projects(self, step: int) -> list[tuple[Project, float]]:
        """Projects whose lead time has passed bring this month's share of their
        nameplate online (all of it when they need no ramp-up); those still ramping
        stay among the projects. Returns each project with the capacity it added."""
        if not any(p.ready_step <= step for p in self.projects):
            return []
        added: list[tuple[Project, float]] = []
        still: list[Project] = []
        for project in self.projects:
            if project.ready_step > step:
                still.append(project)
                continue
            share = project.online_share(step)
            operable = project.capacity_t_per_year * share
            added.append((project, operable - project.delivered_t_per_year))
            if share < 1.0:
                still.append(replace(project, delivered_t_per_year=operable))
        self.projects = still
        self._changed()
        for project, capacity in added:
            self.add_capacity(project.material, project.stage, capacity, project.unit_cost)
        return added

    def invest(self, action: Action) -> None:
        """Carry out an ``invest`` action: one private project per material named."""
        stage = action.param("stage")
        if stage not in STAGES:
            raise ValueError(f"invest: stage must be one of {STAGES}, got {stage!r}")
        for m in action.materials:
            self.model.investment.start_project(
                self,
                m,
                stage,
                float(action.param("capacity_t_per_year")),
                float(action.param("lead_time_years")),
                "private",
            )

    def record_profit(self, profit_usd_m: float, discount: float) -> None:
        self.profit_history.append(profit_usd_m)
        self.cumulative_profit += profit_usd_m
        self.discounted_profit += profit_usd_m * discount

    def losses_persist(self) -> bool:
        """Exit rule: a full window of operating history that lost money overall, and
        lost money in its most recent year too (Molycorp, 2012–2015)."""
        history = self.profit_history
        if not self.active or len(history) < history.maxlen:
            return False
        recent = list(history)[-12:]
        return sum(history) < 0 and sum(recent) < 0

    def exit(self, step: int) -> dict[tuple[str, str], float]:
        """Close: capacity and projects are written off. Returns the capacity lost."""
        lost = {k: v for k, v in self.capacity.items() if v > 0}
        self.capacity = dict.fromkeys(self.capacity, 0.0)
        self.projects = []
        self.active = False
        self.exit_step = step
        self._changed()
        return lost

    def total_capacity(self, material: str, stage: str) -> float:
        return self.capacity.get((material, stage), 0.0)

    def pipeline(self, material: str, stage: str, *, ramping_only: bool = False) -> float:
        """Nameplate still to come online: under construction or ramping up (only the
        plants built and producing but still ramping up, with ``ramping_only``)."""
        return sum(
            p.remaining_t_per_year
            for p in self.projects
            if p.material == material and p.stage == stage and (p.ramping or not ramping_only)
        )
