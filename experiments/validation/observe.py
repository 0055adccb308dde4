"""Observation functions: a run's tables read the way each fact was measured.

A fact is only comparable with the model through the definition its source used:
China's customs record legal exports only, its partners record what arrives from China,
smuggled or not; mine shares are production-based; a fact about all rare earths weights
the two material baskets by the tonnage the world was supplied. Each function here turns
``rounds`` (one row per month x material x importer) into the measured quantity over
the fact's months; with a ``base_period`` the fact is a change, ``value / base - 1``,
of monthly rates for flows and of means for levels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from overplay.experiments.validation.periods import months as period_months

if TYPE_CHECKING:
    from overplay.experiments.validation.facts import Fact

#: Separation outside China counts as expanded once it stands this far above its first
#: month, t/yr: about half of Lynas' LAMP phase 1 (11,000 t/yr [S01]), so one new plant
#: and not a producer's small expansion.
EXPANSION_T_PER_YEAR = 5_000.0
ALL = "all"
#: What a partner records as arriving from China: legal exports and smuggled tonnes.
PARTNER = ("exports_from_china", "leakage")
#: Months between China's customs recording a shipment and its partner recording the
#: arrival (sea freight plus customs clearance): half a month, the mid-month convention
#: for shipments spread over a month (assumption). Japan recorded 1,278 t from China in
#: October 2010 [J02] when China recorded 830 t to everyone [Q09]: at least a third of
#: it left in September.
TRANSIT_MONTHS = 0.5
#: Flows to every destination, third countries included, recorded once per month and
#: material: what a fact about all of China's trade measures (importers' rows hold only
#: their own share).
WORLD_FLOWS = {
    "exports_from_china": "china_exports_all",
    "leakage": "china_leakage_all",
    "magnets_from_china": "china_magnet_exports_all",
}


class ObservationError(ValueError):
    """A fact cannot be measured in this run (months it does not cover, a material it
    lacks)."""


class RunView:
    """One run's rounds table as arrays, with the masks the observations share (runs of
    a fit are measured thousands of times: pandas slicing would cost a third of a run)."""

    def __init__(self, rounds: pd.DataFrame) -> None:
        self.rounds = rounds
        self.month = _month_number(rounds["date"])
        self.material = rounds["material"].to_numpy()
        self.importer = rounds["importer"].to_numpy()
        self.covered = set(self.month.tolist())
        self.materials = set(self.material.tolist())
        self.importers = set(self.importer.tolist())
        self._columns: dict[str, np.ndarray] = {}
        # World rows: the first importer's row of each (month, material).
        self.first = ~rounds.duplicated(["date", "material"]).to_numpy()
        received = self.column("exports_from_china") + self.column("leakage")
        self.received = received + self.column("non_china_supply")
        world_supply = (
            pd.Series(self.column("non_china_supply"))
            .groupby([self.month, self.material])
            .transform("sum")
            .to_numpy()
        )
        self.weight = (
            world_supply + self.column("china_legal_output") + self.column("china_illegal_output")
        )

    def column(self, name: str) -> np.ndarray:
        if name not in self._columns:
            self._columns[name] = self.rounds[name].to_numpy(dtype=float)
        return self._columns[name]

    def check(self, fact: Fact, months: list[str]) -> None:
        missing = [m for m in months if _number(m) not in self.covered]
        if missing:
            raise ObservationError(f"{fact.fact}: the run does not cover {missing[0]}")
        if fact.material != ALL and fact.material not in self.materials:
            raise ObservationError(f"{fact.fact}: the run has no material {fact.material!r}")
        if fact.importer != ALL and fact.importer not in self.importers:
            raise ObservationError(f"{fact.fact}: the run has no importer {fact.importer!r}")

    def select(self, fact: Fact, months: list[str]) -> np.ndarray:
        """Mask of the importer rows of the fact's material(s), importer(s) and months
        (a period's months are consecutive)."""
        keep = (self.month >= _number(months[0])) & (self.month <= _number(months[-1]))
        if fact.material != ALL:
            keep &= self.material == fact.material
        if fact.importer != ALL:
            keep &= self.importer == fact.importer
        return keep

    def world_rows(self, fact: Fact, months: list[str]) -> np.ndarray:
        """Mask of the world rows (one per month and material) the fact covers."""
        keep = self.first & (self.month >= _number(months[0])) & (self.month <= _number(months[-1]))
        if fact.material != ALL:
            keep &= self.material == fact.material
        return keep


def _month_number(dates: pd.Series) -> np.ndarray:
    """ "YYYY-MM" as a month count, so periods are ranges."""
    text = dates.astype(str)
    return text.str[:4].astype(int).to_numpy() * 12 + text.str[5:7].astype(int).to_numpy()


def _number(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7])


Measure = Callable[[RunView, "Fact", list[str]], float]


@dataclass(frozen=True)
class Observation:
    """How one kind of fact is measured: ``flow`` sums tonnes over the months (a change
    compares monthly rates), ``level`` averages (a change compares means), ``own``
    reads the base period itself. ``docs/validation.md`` says what each measures."""

    measure: Measure
    kind: Literal["flow", "level", "own"]
    single_material: bool = False


def _flow(columns: tuple[str, ...], transit_months: float = 0.0) -> Measure:
    """Tonnes over the months: to every destination when the fact is about all
    importers and the flow is recorded for the world, else over the importers' rows.
    With ``transit_months`` the flow is recorded on arrival: that fraction of each
    month's tonnes is recorded the month after (a run's first month has no earlier
    month, so it stands for itself)."""
    world = all(c in WORLD_FLOWS for c in columns)

    def tonnes(view: RunView, fact: Fact, months: list[str]) -> float:
        if world and fact.importer == ALL:
            keep = view.world_rows(fact, months)
            return float(sum(view.column(WORLD_FLOWS[c])[keep].sum() for c in columns))
        keep = view.select(fact, months)
        return float(sum(view.column(c)[keep].sum() for c in columns))

    def measure(view: RunView, fact: Fact, months: list[str]) -> float:
        shipped = tonnes(view, fact, months)
        if not transit_months:
            return shipped
        earlier = [_previous(m) for m in months]
        if _number(earlier[0]) in view.covered:
            before = tonnes(view, fact, earlier)
        else:  # the run's first month: what arrives is what it shipped
            before = tonnes(view, fact, months[:1])
            before += tonnes(view, fact, earlier[1:]) if len(months) > 1 else 0.0
        return (1 - transit_months) * shipped + transit_months * before

    return measure


def _previous(month: str) -> str:
    year, index = divmod(_number(month) - 2, 12)  # index: the previous month, from 0
    return f"{year:04d}-{index + 1:02d}"


def _partner_to_china(view: RunView, fact: Fact, months: list[str]) -> float:
    legal = _flow(("exports_from_china",))(view, fact, months)
    if legal <= 0:
        return float("inf")
    return float(_flow(PARTNER, TRANSIT_MONTHS)(view, fact, months) / legal)


def _weighted_world(column: str) -> Measure:
    """Monthly share weighted over materials by world supply, averaged over months."""

    def measure(view: RunView, fact: Fact, months: list[str]) -> float:
        keep = view.world_rows(fact, months)
        weight, month = view.weight[keep], view.month[keep] - view.month[keep].min()
        weighted = np.bincount(month, view.column(column)[keep] * weight)
        total = np.bincount(month, weight)
        present = total > 0
        return float((weighted[present] / total[present]).mean())

    return measure


def _world_mean(column: str) -> Measure:
    def measure(view: RunView, fact: Fact, months: list[str]) -> float:
        return float(view.column(column)[view.world_rows(fact, months)].mean())

    return measure


def _weighted_importers(column: str) -> Measure:
    """An importer-level share weighted by the supply each row received."""

    def measure(view: RunView, fact: Fact, months: list[str]) -> float:
        keep = view.select(fact, months)
        values, weights = view.column(column)[keep], view.received[keep]
        total = weights.sum()
        return float((values * weights).sum() / total if total > 0 else values.mean())

    return measure


def _peak(view: RunView, fact: Fact, months: list[str]) -> float:
    return float(view.column("price_multiple")[view.world_rows(fact, months)].max())


def _first_expansion(view: RunView, fact: Fact, months: list[str]) -> float:
    """Decimal year (end of month) when separation outside China first stands
    :data:`EXPANSION_T_PER_YEAR` above the run's first month; a month after the period
    when it never does (censored). A fact about ``all`` materials reads light's, the
    basket in which the new plants were built."""
    material = fact.material if fact.material != ALL else "light"
    rows = view.first & (view.material == material)
    capacity, month = view.column("non_china_processing_capacity")[rows], view.month[rows]
    inside = (month >= _number(months[0])) & (month <= _number(months[-1]))
    reached = month[inside & (capacity >= capacity[0] + EXPANSION_T_PER_YEAR)]
    if len(reached) == 0:
        return _decimal_year(months[-1]) + 1 / 12
    return float((int(reached[0]) - 1) // 12 + ((int(reached[0]) - 1) % 12 + 1) / 12)


def _non_china_mining_gain(view: RunView, fact: Fact, months: list[str]) -> float:
    """Gain per year of the non-Chinese share of world mine output, from the base
    period to the period's last 12 months (all of it when shorter)."""
    if fact.base_period is None:
        raise ObservationError(f"{fact.fact}: non_china_mining_gain needs a base_period")
    share = _weighted_world("china_mining_share")
    base = period_months(fact.base_period)
    view.check(fact, base)
    last_year = months[-12:]
    years = int(last_year[-1][:4]) - int(base[-1][:4])
    if years <= 0:
        raise ObservationError(f"{fact.fact}: the period must end in a later year than its base")
    return ((1 - share(view, fact, last_year)) - (1 - share(view, fact, base))) / years


def _decimal_year(month: str) -> float:
    return int(month[:4]) + int(month[5:7]) / 12


OBSERVATIONS: dict[str, Observation] = {
    # China's customs-recorded exports: legal oxide exports, t
    "china_recorded_exports": Observation(_flow(("exports_from_china",)), "flow"),
    # imports from China as its partners record them: legal exports plus smuggled, t
    "partner_recorded_imports": Observation(_flow(PARTNER, TRANSIT_MONTHS), "flow"),
    # all rare-earth imports: from China (legal and smuggled) and from elsewhere, t
    "all_imports": Observation(_flow((*PARTNER, "non_china_supply"), TRANSIT_MONTHS), "flow"),
    # China's magnet exports (rare-earth content), t
    "magnet_exports": Observation(_flow(("magnets_from_china",)), "flow"),
    # partner-recorded imports from China over China-recorded exports
    "partner_to_china_ratio": Observation(_partner_to_china, "level"),
    # ex-China price over China's supply price (the reference), monthly mean
    "price_multiple": Observation(_world_mean("price_multiple"), "level", single_material=True),
    # highest monthly ex-China price multiple
    "peak_price_multiple": Observation(_peak, "level", single_material=True),
    # China's domestic price, USD/kg, monthly mean
    "china_price": Observation(_world_mean("price_china"), "level", single_material=True),
    # China's share of world mine output (production basis), monthly mean
    "mining_share": Observation(_weighted_world("china_mining_share"), "level"),
    # China's share of world separation, monthly mean
    "processing_share": Observation(_weighted_world("china_processing_share"), "level"),
    # share of an importer's supply from China (legal and smuggled), supply-weighted
    "china_dependence": Observation(_weighted_importers("china_dependence"), "level"),
    # share of demand designed out (substitution, thrift), supply-weighted
    "thrift": Observation(_weighted_importers("thrift"), "level"),
    # decimal year when non-China separation first grows by a plant's worth
    "first_processing_expansion": Observation(_first_expansion, "own"),
    # yearly gain of the non-Chinese share of world mine output since the base period
    "non_china_mining_gain": Observation(_non_china_mining_gain, "own"),
}


def observe(view: RunView, fact: Fact) -> float:
    """The fact's quantity in this run; :class:`ObservationError` when the run cannot
    measure it."""
    observation = OBSERVATIONS[fact.observation]
    if observation.single_material and fact.material == ALL:
        raise ObservationError(f"{fact.fact}: {fact.observation} needs one material, not 'all'")
    months = fact.months
    view.check(fact, months)
    value = observation.measure(view, fact, months)
    if fact.base_period is None or observation.kind == "own":
        return value
    base_months = period_months(fact.base_period)
    view.check(fact, base_months)
    base = observation.measure(view, fact, base_months)
    if observation.kind == "flow":
        value, base = value / len(months), base / len(base_months)
    return value / base - 1.0 if base else float("nan")


def observe_all(rounds: pd.DataFrame, facts: tuple[Fact, ...]) -> dict[str, float]:
    """Every fact the run covers, by fact id (NaN where the run cannot measure it)."""
    view = RunView(rounds)
    values: dict[str, float] = {}
    for fact in facts:
        try:
            values[fact.fact] = observe(view, fact)
        except ObservationError:
            values[fact.fact] = np.nan
    return values
