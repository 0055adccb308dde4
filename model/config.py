"""The scenario schema: every parameter of the model, with its unit and source.

Parameters are written in natural units (tonnes per year, days, years,
USD/kg) and converted by the model. Each field's description gives the unit
and where the default comes from; fact ids such as ``[M12]`` refer to rows of
``shared/data/stylized_facts.csv`` and are listed with their sources in
``docs/odd.md``. "Assumption" marks a default no public source pins down; those
are the first candidates for calibration.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from overplay.agents.actions import KINDS_OF_ROLE, Kind, action_problems
from overplay.model.calendar import month_index, step_of_date
from overplay.model.config_actors import (
    EventConfig,
    FirmConfig,
    ImporterConfig,
    PayoffConfig,
    ProducerConfig,
    ProducerRulesConfig,
    default_importers,
    default_producers,
)
from overplay.model.config_base import (
    ENTRANT_NAME,
    MONTH_PATTERN,
    NAME_PATTERN,
    RESERVED_NAMES,
    SHARE_TOLERANCE,
    InconsistencyError,
    StrategyRef,
    Strict,
)
from overplay.model.config_series import MATERIAL_KEYED, MATERIAL_SERIES, SeriesConfig
from overplay.model.config_world import (
    ChinaConfig,
    MarketConfig,
    MaterialConfig,
    PolicyConfig,
    RiskConfig,
    TimingConfig,
    default_materials,
)
from overplay.model.events import EventError, make_action
from overplay.model.naming import OutputName
from overplay.model.problems import Loc, dotted
from overplay.model.series import DatedSeries


class Scenario(Strict):
    """A complete, resolved scenario."""

    name: OutputName = Field(
        "scenario",
        description="Short name; it names the default "
        "output folder, so letters, digits, '.', '_' and '-' only.",
    )
    description: str = Field("", description="What this scenario represents.")
    start: str = Field("2025-01", description="First simulated month, YYYY-MM.")
    years: float = Field(
        10.0, ge=1 / 12, le=100, description="Simulated years (at least one month)."
    )
    seed: int = Field(1, ge=0, description="Random seed.")
    timing: TimingConfig = Field(default_factory=TimingConfig)
    market: MarketConfig = Field(default_factory=MarketConfig)
    risk: RiskConfig = Field(default_factory=RiskConfig)
    payoffs: PayoffConfig = Field(default_factory=PayoffConfig)
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    materials: dict[str, MaterialConfig] = Field(default_factory=default_materials)
    china: ChinaConfig = Field(default_factory=ChinaConfig)
    importers: dict[str, ImporterConfig] = Field(default_factory=default_importers)
    producers: list[ProducerConfig] = Field(default_factory=default_producers)
    producer_rules: ProducerRulesConfig = Field(default_factory=ProducerRulesConfig)
    firms: FirmConfig = Field(default_factory=FirmConfig)
    events: list[EventConfig] = Field(default_factory=list)
    series: SeriesConfig = Field(default_factory=SeriesConfig)

    @model_validator(mode="before")
    @classmethod
    def _start_from_builtins(cls, data: Any) -> Any:
        """A material or importer named like a built-in one (light, heavy, us, japan, eu)
        starts from the built-in values, so a partial spec cannot silently take the
        light group's defaults for the heavy group."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for key, builtins in (
            ("materials", default_materials()),
            ("importers", default_importers()),
        ):
            given = data.get(key)
            if not isinstance(given, dict):
                continue
            merged = {}
            for name, spec in given.items():
                if name in builtins and isinstance(spec, dict):
                    base = builtins[name].model_dump(exclude_unset=True)
                    if "allies" in base:  # built-in alliances among the importers present
                        base["allies"] = [a for a in base["allies"] if a in given]
                    spec = {**base, **spec}
                merged[name] = spec
            data[key] = merged
        return data

    @field_validator("start")
    @classmethod
    def _start(cls, value: str) -> str:
        if not MONTH_PATTERN.match(value):
            raise ValueError("must be YYYY-MM")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        """Cross-field checks, all reported at once."""
        problems = [
            *self._name_problems(),
            *self._share_problems(),
            *self._firm_problems(),
            *self._event_problems(),
            *self._strategy_problems(),
            *self._series_problems(),
        ]
        if problems:
            raise InconsistencyError(problems)
        self._series_at_start()
        return self

    def _series_problems(self) -> list[tuple[tuple[Loc, ...], str]]:
        """Series name materials, producers, importers and stages that exist."""
        materials = set(self.materials)
        series = self.series
        problems = series.stage_problems()
        for field_name in MATERIAL_KEYED:
            for mat in getattr(series, field_name):
                if mat not in materials:
                    problems.append(
                        (
                            (("series", field_name, mat),),
                            f"unknown material {mat!r}; known: {sorted(materials)}",
                        )
                    )
        named = (
            ("producer_capacity_t_per_year", "producer", {p.name for p in self.producers}),
            ("magnet_capacity_t_per_year", "importer", set(self.importers)),
        )
        for field_name, kind, known in named:
            for name, by_material in getattr(series, field_name).items():
                loc = ("series", field_name, name)
                if name not in known:
                    problems.append(((loc,), f"unknown {kind} {name!r}; known: {sorted(known)}"))
                problems += [
                    (((*loc, mat),), f"unknown material {mat!r}; known: {sorted(materials)}")
                    for mat in by_material
                    if mat not in materials
                ]
        return problems

    def _series_at_start(self) -> None:
        """A material's series set its fields at the start month: the levels there, the
        settings in force then (a window of a longer history starts from its data)."""
        start = month_index(self.start)
        series = self.series
        for mat, cfg in list(self.materials.items()):
            update: dict[str, float] = {}
            for field_name in MATERIAL_SERIES:
                points = getattr(series, field_name).get(mat)
                if points is None:
                    continue
                dated = DatedSeries.of(points)
                if field_name == "china_production_quota_t_per_year":
                    value = dated.setting(start)
                    if value is not None:
                        update[field_name] = value
                elif field_name == "demand_t_per_year":
                    update[field_name] = dated.level(start, cfg.demand_growth_per_year)
                else:
                    update[field_name] = dated.level(start)
            if update:
                self.materials[mat] = cfg.model_copy(update=update)
        for name, by_material in series.magnet_capacity_t_per_year.items():
            capacity = dict(self.importers[name].magnet_capacity_t_per_year)
            for mat, points in by_material.items():
                value = DatedSeries.of(points).setting(start)
                if value is not None:
                    capacity[mat] = value
            self.importers[name] = self.importers[name].model_copy(
                update={"magnet_capacity_t_per_year": capacity}
            )

    def _name_problems(self) -> list[tuple[tuple[Loc, ...], str]]:
        """Materials and players need plain, distinct names: a player's name picks whose
        action an event is, and China, third countries and the WTO have theirs."""
        problems: list[tuple[tuple[Loc, ...], str]] = []
        for section in ("materials", "importers"):
            for name in getattr(self, section):
                if not re.match(NAME_PATTERN, name):
                    problems.append(
                        (
                            ((section, name),),
                            "names are lower-case letters, digits and '_', starting with a letter",
                        )
                    )
        for name in self.importers:
            if name in RESERVED_NAMES:
                problems.append(
                    (
                        (("importers", name),),
                        f"{name!r} is reserved "
                        f"({', '.join(sorted(RESERVED_NAMES))}); rename the importer",
                    )
                )
        seen: dict[str, Loc] = {}
        for i, producer in enumerate(self.producers):
            loc: Loc = ("producers", i, "name")
            name = producer.name
            if name in RESERVED_NAMES or ENTRANT_NAME.match(name):
                problems.append(
                    (
                        (loc,),
                        f"{name!r} is reserved (china, other, wto and "
                        "entrant_N, the names of new entrants)",
                    )
                )
            elif name in self.importers:
                problems.append(
                    ((loc,), f"{name!r} is also an importer's name; players need distinct names")
                )
            elif name in seen:
                problems.append(
                    (
                        (loc,),
                        f"{name!r} is also the name of "
                        f"{dotted(seen[name][:2])}; players need distinct names",
                    )
                )
            seen.setdefault(name, loc)
        return problems

    def _share_problems(self) -> list[tuple[tuple[Loc, ...], str]]:
        problems: list[tuple[tuple[Loc, ...], str]] = []
        materials = set(self.materials)
        names = set(self.importers)
        for name, imp in self.importers.items():
            for field_name in (
                "demand_share_outside_china",
                "nonchina_sourcing",
                "magnet_capacity_t_per_year",
            ):
                for mat in getattr(imp, field_name):
                    if mat not in materials:
                        problems.append(
                            (
                                ((("importers", name, field_name, mat)),),
                                f"unknown material {mat!r}; known: {sorted(materials)}",
                            )
                        )
            unknown_allies = set(imp.allies) - names
            if unknown_allies:
                problems.append(
                    (
                        (("importers", name, "allies"),),
                        f"unknown importer(s) {sorted(unknown_allies)}; known: {sorted(names)}",
                    )
                )
        for mat in self.materials:
            total = sum(
                imp.demand_share_outside_china.get(mat, 0.0) for imp in self.importers.values()
            )
            if total > 1 + SHARE_TOLERANCE:
                culprits = [
                    ("importers", name, "demand_share_outside_china", mat)
                    for name, imp in self.importers.items()
                    if mat in imp.demand_share_outside_china
                ]
                problems.append(
                    (
                        (*culprits, ("materials", mat)),
                        f"the importers' shares of {mat} demand outside China add up to "
                        f"{total:.3f} > 1",
                    )
                )
        for stage in ("mining", "processing"):
            totals: dict[str, float] = {}
            for i, producer in enumerate(self.producers):
                for mat, value in getattr(producer, f"{stage}_share").items():
                    if mat not in materials:
                        problems.append(
                            (
                                (("producers", i, f"{stage}_share", mat),),
                                f"unknown material {mat!r}; known: {sorted(materials)}",
                            )
                        )
                    totals[mat] = totals.get(mat, 0.0) + value
            for mat, total in totals.items():
                if total > 1 + SHARE_TOLERANCE:
                    culprits = [
                        ("producers", i, f"{stage}_share", mat)
                        for i, p in enumerate(self.producers)
                        if mat in getattr(p, f"{stage}_share")
                    ]
                    problems.append(
                        (
                            (*culprits, ("producers",)),
                            f"the producers' {stage} shares of {mat} sum to "
                            f"{total:.3f} > 1 (shares of non-China capacity)",
                        )
                    )
        return problems

    def _firm_problems(self) -> list[tuple[tuple[Loc, ...], str]]:
        sectors = self.firms.sectors
        locs = tuple(("firms", "sectors", name) for name in sectors)
        if not sectors:
            return [(((("firms", "sectors"),)), "give at least one sector")]
        problems: list[tuple[tuple[Loc, ...], str]] = []
        total = sum(sectors.values())
        if abs(total - 1) > SHARE_TOLERANCE:
            problems.append(
                ((*locs, ("firms", "sectors")), f"shares must sum to 1, got {total:.6g}")
            )
        missing = set(sectors) - set(self.firms.value_added_factor)
        if missing:
            problems.append(
                ((("firms", "value_added_factor"),), f"missing sector(s) {sorted(missing)}")
            )
        return problems

    def _event_problems(self) -> list[tuple[tuple[Loc, ...], str]]:
        """Each event's actor may take its action, on materials and destinations that
        exist, with parameters in range, no earlier than the first simulated month.
        (Events after the last month are the loader's to judge: it knows whether an
        override shortened the period.)"""
        problems: list[tuple[tuple[Loc, ...], str]] = []
        roles = {
            "china": "china",
            **dict.fromkeys(self.importers, "importer"),
            **{p.name: "producer" for p in self.producers},
        }
        for i, event in enumerate(self.events):
            if event.actor not in roles:
                problems.append(
                    (
                        (("events", i, "actor"),),
                        f"unknown actor {event.actor!r}; known: {sorted(roles)}",
                    )
                )
                continue
            step = event.at if isinstance(event.at, int) else step_of_date(self.start, event.at)
            if step < 1:
                problems.append(
                    (
                        (("events", i, "at"),),
                        f"{event.at} is before the first simulated month {self.start}",
                    )
                )
            allowed = KINDS_OF_ROLE[roles[event.actor]]
            if event.action in set(Kind) and Kind(event.action) not in allowed:
                kinds = ", ".join(sorted(k.value for k in allowed))
                problems.append(
                    (
                        (("events", i, "action"),),
                        f"{event.actor} "
                        f"({roles[event.actor]}) cannot take action "
                        f"{event.action!r}; its actions: {kinds}",
                    )
                )
                continue
            try:
                action = make_action(
                    event.actor, event.action, event.materials, event.targets, event.params, i
                )
            except EventError as exc:
                problems.append(((exc.path,), str(exc)))
                continue
            for loc, message in action_problems(
                action, roles[event.actor], self.materials, self.importers
            ):
                problems.append((((("events", i, *loc)),), message))
        return problems

    def _strategy_problems(self) -> list[tuple[tuple[Loc, ...], str]]:
        """Strategy parameters that name materials, destinations, move targets or a
        fallback rule, checked against this scenario."""
        from overplay.agents.strategies.base import StrategyError, make_strategy, scope_problems

        refs: list[tuple[Loc, StrategyRef, str]] = [
            (("china", "strategy"), self.china.strategy, "china"),
            (("firms", "strategy"), self.firms.strategy, "firm"),
            (("producer_rules", "strategy"), self.producer_rules.strategy, "producer"),
            *(
                (("importers", name, "strategy"), imp.strategy, "importer")
                for name, imp in self.importers.items()
            ),
        ]
        problems: list[tuple[tuple[Loc, ...], str]] = []
        for loc, ref, role in refs:
            try:
                strategy = make_strategy(ref.name, ref.params, role)
            except StrategyError as exc:
                problems.append((((*loc, *exc.path),), str(exc)))
                continue
            for sub, message in scope_problems(strategy, role, self.materials, self.importers):
                problems.append((((*loc, "params", *sub),), message))
        return problems

    @property
    def steps(self) -> int:
        """Number of monthly steps."""
        return round(self.years * 12)

    def world_demand_share(self, importer: str, material: str) -> float:
        """The importer's share of world demand for the material.

        Importers' shares are given of demand outside China, so that fitting or sweeping
        China's consumption share scales every importer alike instead of moving all the
        freed demand to the third countries.
        """
        outside_china = 1.0 - self.materials[material].china_consumption_share
        share = self.importers[importer].demand_share_outside_china.get(material, 0.0)
        return share * outside_china


Role = Literal["china", "importer", "firm", "producer"]
