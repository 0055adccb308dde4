"""A scenario's exogenous series, applied to the model month by month
(``docs/odd.md`` §7.15; the series rules are in :mod:`overplay.model.series`).

- World demand and China's supply price are levels the model reads each month:
  :meth:`Exogenous.demand_growth` scales every demand term (firms', China's home
  market's, third countries', China's capacity), :meth:`Exogenous.reference_prices`
  moves China's supply price.
- China's production quotas become China's own ``production_quota`` actions on their
  months, merged into the scripted events (so they show in the action log, and a
  strategy may still change the quota in between).
- Producers' capacity events set a named producer's capacity on their month
  (:meth:`overplay.agents.producers.Producer.set_capacity`), logged as the producer's.
- Magnet plants opening or closing set an importer's magnet making on their month,
  logged as the importer's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from overplay.agents.actions import Action, Kind
from overplay.model import supply
from overplay.model.action_log import log_event
from overplay.model.calendar import month_index
from overplay.model.config import Scenario
from overplay.model.series import DatedSeries

if TYPE_CHECKING:
    from overplay.agents.producers import Producer
    from overplay.model.leverage_model import LeverageModel


class CapacityEvent(NamedTuple):
    """A producer's capacity of one material and stage from a month on, t/yr."""

    producer: str
    material: str
    stage: str
    capacity: float


class MagnetEvent(NamedTuple):
    """An importer's magnet making of one material from a month on, t of content/yr."""

    importer: str
    material: str
    capacity: float


class Exogenous:
    """The scenario's series, ready to read by step (1 = the start month)."""

    def __init__(self, scenario: Scenario) -> None:
        series = scenario.series
        self.start = month_index(scenario.start)
        self.demand = {m: DatedSeries.of(p) for m, p in series.demand_t_per_year.items()}
        self.growth = {m: cfg.demand_growth_per_year for m, cfg in scenario.materials.items()}
        self.base_demand = {m: cfg.demand_t_per_year for m, cfg in scenario.materials.items()}
        self.reference = {
            m: DatedSeries.of(p) for m, p in series.reference_price_usd_per_kg.items()
        }
        self.china_price = {m: DatedSeries.of(p) for m, p in series.china_price_usd_per_kg.items()}
        self.quotas = {
            m: DatedSeries.of(p) for m, p in series.china_production_quota_t_per_year.items()
        }
        self.capacity_events: dict[int, list[CapacityEvent]] = {}
        self.capacity_at_start: list[CapacityEvent] = []
        self.capacity_from: dict[tuple[str, str, str], int] = {}  # step of the first point
        for name, materials in series.producer_capacity_t_per_year.items():
            for material, stages in materials.items():
                for stage, points in stages.items():
                    dated = DatedSeries.of(points)
                    self.capacity_from[(name, material, stage)] = dated.months[0] - self.start + 1
                    now = dated.setting(self.start)
                    if now is not None:
                        self.capacity_at_start.append(CapacityEvent(name, material, stage, now))
                    for month, value in dated.changes_after(self.start):
                        self.capacity_events.setdefault(month - self.start + 1, []).append(
                            CapacityEvent(name, material, stage, value)
                        )

        self.magnet_events: dict[int, list[MagnetEvent]] = {}
        for name, materials in series.magnet_capacity_t_per_year.items():
            for material, points in materials.items():
                for month, value in DatedSeries.of(points).changes_after(self.start):
                    self.magnet_events.setdefault(month - self.start + 1, []).append(
                        MagnetEvent(name, material, value)
                    )

    def sets_capacity(self, producer: str, material: str, stage: str, step: int) -> bool:
        """Whether a series decides this capacity now (from its first point on): the
        producer then builds none of it on its own."""
        first = self.capacity_from.get((producer, material, stage))
        return first is not None and step >= first

    def demand_growth(self, material: str, step: int) -> float | None:
        """World demand this month over demand at the start (None: no series, the
        material grows at its trend)."""
        dated = self.demand.get(material)
        if dated is None:
            return None
        month = self.start + max(step, 1) - 1
        return dated.level(month, self.growth[material]) / self.base_demand[material]

    def reference_prices(self, step: int) -> dict[str, float]:
        """China's supply price this month, for the materials with a series."""
        month = self.start + max(step, 1) - 1
        return {m: dated.level(month) for m, dated in self.reference.items()}

    def china_prices(self, step: int) -> dict[str, float]:
        """China's observed domestic price this month, for the materials whose series
        covers it (from its first point to its last)."""
        month = self.start + max(step, 1) - 1
        return {
            m: dated.level(month)
            for m, dated in self.china_price.items()
            if dated.months[0] <= month <= dated.months[-1]
        }

    def quota_actions(self) -> dict[int, list[Action]]:
        """China's production quotas after the start, as its actions by step."""
        timeline: dict[int, list[Action]] = {}
        for material, dated in self.quotas.items():
            for month, value in dated.changes_after(self.start):
                timeline.setdefault(month - self.start + 1, []).append(
                    Action(
                        "china",
                        Kind.PRODUCTION_QUOTA,
                        (material,),
                        (),
                        {"t_per_year": value},
                        source="series",
                        note="production quota (series.china_production_quota_t_per_year)",
                    )
                )
        return timeline

    def apply_capacity(self, model: LeverageModel, events: list[CapacityEvent]) -> None:
        """Set the named producers' capacity (at the start: without a log row)."""
        by_name = {p.name: p for p in model.producers}
        for event in events:
            producer = by_name[event.producer]
            producer.set_capacity(
                event.material, event.stage, event.capacity, _new_cost(model, producer, event)
            )
            if model.step_count > 0:
                log_event(
                    model,
                    producer.name,
                    "capacity",
                    material=event.material,
                    parameters=f"{event.stage}={event.capacity:g} t/yr",
                    source="series",
                    note="known capacity event (series.producer_capacity_t_per_year)",
                )

    def apply_magnet_capacity(self, model: LeverageModel, step: int) -> None:
        """Set the importers' magnet making that changes this month."""
        for event in self.magnet_events.get(step, []):
            model.importers[event.importer].magnet_capacity[event.material] = event.capacity
            log_event(
                model,
                event.importer,
                "magnet_capacity",
                material=event.material,
                parameters=f"{event.capacity:g} t/yr",
                source="series",
                note="magnet plants (series.magnet_capacity_t_per_year)",
            )


def _new_cost(model: LeverageModel, producer: Producer, event: CapacityEvent) -> float:
    """Full unit cost of capacity a producer did not have: a new project's today."""
    sc = model.config
    learning = model.learning.multiplier(event.material, event.stage)
    cost = supply.new_project_cost(
        sc.materials[event.material],
        sc.market,
        event.stage,
        learning,
        model.reference_price[event.material],
    )
    return cost * producer.cost_factor
