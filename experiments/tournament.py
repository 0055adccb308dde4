"""Round-robin tournaments: China's strategies against importer strategy profiles.

Every (China strategy, importer profile, replicate) is a match: one full run of the
base scenario with those strategies. Each match gets its own seed, spawned from
the tournament seed with ``numpy.random.SeedSequence`` (Axelrod's rule: one seed
per match), so results are identical whatever the number of workers.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from overplay.experiments.outcomes import outcomes_of
from overplay.experiments.specs import (
    StrictSpec,
    check_strategy,
    load_spec,
    load_spec_scenario,
    spec_overrides,
)
from overplay.experiments.stats import t_interval
from overplay.model import LeverageModel, load_scenario
from overplay.model.naming import OutputName
from overplay.model.problems import Problem, ScenarioError
from overplay.model.scenario_checks import where
from overplay.model.scenario_files import bundled_names

#: Most matches a tournament may have (each is a full run; the list of matches and their
#: results stay in memory).
MAX_MATCHES = 100_000


class Entry(StrictSpec):
    """A strategy with parameters and an optional label (to enter one twice)."""

    name: str = Field(description="Registered strategy name.")
    params: dict[str, Any] = Field(default_factory=dict, description="Strategy parameters.")
    label: str | None = Field(None, description="Name shown in results (default: name).")

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value

    @property
    def shown(self) -> str:
        return self.label or self.name


class TournamentSpec(StrictSpec):
    """A tournament: base scenario, contestants, replicates and the seed."""

    name: OutputName = Field(
        "tournament",
        description="Short name; it names the default "
        "output folder, so letters, digits, '.', '_' and '-' only.",
    )
    scenario: str = Field("baseline", description="Bundled scenario name or YAML path.")
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="Dotted scenario overrides applied to every match."
    )
    years: float = Field(10.0, ge=1 / 12, le=100, description="Simulated years per match.")
    firms: int = Field(60, ge=1, le=100_000, description="Firm agents per match.")
    replicates: int = Field(5, ge=1, le=10_000, description="Matches per pairing.")
    seed: int = Field(
        2026, ge=0, description="Tournament seed; each match's seed is spawned from it."
    )
    discount_rate_per_year: float | None = Field(
        None, ge=0, le=1, description="Overrides the scenario's discount rate."
    )
    china: list[Entry] = Field(min_length=1, description="China's strategies.")
    importers: dict[str, Entry | dict[str, Entry]] = Field(
        min_length=1,
        description="Importer profiles: a name → one strategy for every "
        "importer, or a mapping importer → strategy.",
    )

    @model_validator(mode="after")
    def _bounded(self) -> TournamentSpec:
        count = len(self.china) * len(self.importers) * self.replicates
        if count > MAX_MATCHES:
            raise ValueError(
                f"replicates: {count:,} matches (China strategies × importer "
                f"profiles × replicates); at most {MAX_MATCHES:,}"
            )
        return self

    @field_validator("china")
    @classmethod
    def _unique(cls, entries: list[Entry]) -> list[Entry]:
        labels = [e.shown for e in entries]
        duplicates = sorted({x for x in labels if labels.count(x) > 1})
        if duplicates:
            raise ValueError(f"strategies entered twice need distinct labels: {duplicates}")
        return entries


@dataclass(frozen=True)
class Match:
    """One run of the tournament."""

    match_id: int
    china: str
    profile: str
    replicate: int
    seed: int
    scenario: str
    overrides: tuple[tuple[str, Any], ...]


def load_tournament(path: str | Path) -> TournamentSpec:
    """Validate a tournament spec, strategies and scenario included: the scenario with
    every setting a match applies, and each strategy against its materials and players."""
    spec, lines = load_spec(path, TournamentSpec)
    file = str(path)
    scenario, problems = load_spec_scenario(
        scenario_reference(spec, Path(path)),
        spec_overrides(spec.overrides, ("overrides",), match_settings(spec), lines, file),
    )
    for i, entry in enumerate(spec.china):
        problems += check_strategy(
            entry.name, entry.params, "china", ("china", i), lines, file, scenario
        )
    for profile, value in spec.importers.items():
        entries = value.items() if isinstance(value, dict) else [(None, value)]
        for importer, entry in entries:
            loc = ("importers", profile) + ((importer,) if importer else ())
            problems += check_strategy(
                entry.name, entry.params, "importer", loc, lines, file, scenario
            )
        unknown = (
            set(value) - set(scenario.importers)
            if isinstance(value, dict) and scenario is not None
            else set()
        )
        if unknown:
            problems.append(
                Problem(
                    *where(("importers", profile), lines, (file, 1)),
                    f"importers.{profile}",
                    f"unknown importer(s) {sorted(unknown)}; known: {sorted(scenario.importers)}",
                )
            )
    if problems:
        raise ScenarioError(problems)
    return spec


def match_settings(spec: TournamentSpec) -> list[tuple[str, Any, tuple[str, ...]]]:
    """What every match sets in the scenario besides the spec's overrides, with the spec
    key that gives each."""
    settings = [("years", spec.years, ("years",)), ("firms.count", spec.firms, ("firms",))]
    if spec.discount_rate_per_year is not None:
        settings.append(
            (
                "payoffs.discount_rate_per_year",
                spec.discount_rate_per_year,
                ("discount_rate_per_year",),
            )
        )
    return settings


def scenario_reference(spec: Any, spec_file: Path) -> str:
    """A spec's ``scenario``: a bundled name as is, a path relative to the spec file."""
    return reference_from(spec.scenario, spec_file)


def reference_from(scenario: str, spec_file: Path) -> str:
    """A scenario named in a spec: a bundled name as is (a bare word that is not one is
    left for the loader to suggest a bundled name), a path relative to the spec."""
    if scenario in bundled_names() or not any(c in scenario for c in "./\\"):
        return scenario
    path = Path(scenario)
    return str(path if path.is_absolute() else spec_file.parent / path)


def matches(spec: TournamentSpec, spec_file: Path) -> list[Match]:
    """Every match, in a fixed order, each with its own spawned seed."""
    scenario = load_scenario(scenario_reference(spec, spec_file), list(spec.overrides.items()))
    base = [*spec.overrides.items(), ("years", spec.years), ("firms.count", spec.firms)]
    if spec.discount_rate_per_year is not None:
        base.append(("payoffs.discount_rate_per_year", spec.discount_rate_per_year))
    pairings = [(c, p) for c in spec.china for p in spec.importers]
    children = np.random.SeedSequence(spec.seed).spawn(len(pairings) * spec.replicates)
    result = []
    for index, ((china, profile), replicate) in enumerate(
        (pair, r) for pair in pairings for r in range(spec.replicates)
    ):
        seed = int(children[index].generate_state(1, dtype=np.uint32)[0])
        value = spec.importers[profile]
        roles = value if isinstance(value, dict) else dict.fromkeys(scenario.importers, value)
        overrides = [
            *base,
            ("seed", seed),
            ("china.strategy", {"name": china.name, "params": china.params}),
        ]
        overrides += [
            (f"importers.{n}.strategy", {"name": e.name, "params": e.params})
            for n, e in roles.items()
        ]
        result.append(
            Match(
                index,
                china.shown,
                profile,
                replicate,
                seed,
                scenario_reference(spec, spec_file),
                tuple(overrides),
            )
        )
    return result


def play(match: Match) -> dict[str, Any]:
    """Run one match; return its payoffs, per-round payoff streams and outcomes."""
    model = LeverageModel(load_scenario(match.scenario, list(match.overrides)))
    model.run()
    payoffs = model.datacollector.get_table_dataframe("payoffs")
    players = model.players()
    streams = (
        payoffs[payoffs["player"].isin(players)]
        .groupby(["round", "player"], as_index=False)["payoff"]
        .sum()
    )
    streams.insert(0, "match_id", match.match_id)
    row: dict[str, Any] = {
        "match_id": match.match_id,
        "china_strategy": match.china,
        "profile": match.profile,
        "replicate": match.replicate,
        "seed": match.seed,
        **outcomes_of(model),
    }
    return {"row": row, "streams": streams}


def run_tournament(
    spec: TournamentSpec,
    spec_file: Path,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> dict[str, pd.DataFrame]:
    """Play every match (in parallel when ``workers`` > 1) and tabulate the results."""
    jobs = matches(spec, spec_file)
    if workers > 1:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            outcomes = []
            for outcome in pool.map(play, jobs, chunksize=1):
                outcomes.append(outcome)
                if progress:
                    progress(1)
    else:
        outcomes = []
        for job in jobs:
            outcomes.append(play(job))
            if progress:
                progress(1)
    matches_table = pd.DataFrame([o["row"] for o in outcomes])
    streams = pd.concat([o["streams"] for o in outcomes], ignore_index=True)
    players = [c.removeprefix("payoff_") for c in matches_table.columns if c.startswith("payoff_")]
    return {
        "matches": matches_table,
        "round_payoffs": streams,
        "results": tidy_results(matches_table, players),
        "ranking": ranking(matches_table),
        "payoff_matrix": payoff_matrix(matches_table, players),
    }


def tidy_results(table: pd.DataFrame, players: list[str]) -> pd.DataFrame:
    """One row per match × player: the discounted payoff."""
    keys = ["match_id", "china_strategy", "profile", "replicate", "seed"]
    tidy = table.melt(
        id_vars=keys,
        value_vars=[f"payoff_{p}" for p in players],
        var_name="player",
        value_name="discounted_payoff",
    )
    tidy["player"] = tidy["player"].str.removeprefix("payoff_")
    return tidy.sort_values(["match_id", "player"]).reset_index(drop=True)


def mean_ci(values: pd.Series) -> tuple[float, float, float]:
    """Mean and 95 % t-interval for the ranking; a strategy with one match shows its
    value as both bounds, so that the printed ranking and its figure have numbers."""
    n, mean, low, high = t_interval(values)
    return (mean, low, high) if n > 1 else (mean, mean, mean)


def ranking(table: pd.DataFrame) -> pd.DataFrame:
    """China's strategies ranked by mean discounted payoff over all matches, with 95 %
    intervals, importers' payoff and diversification outcomes."""
    rows = []
    outcome_columns = [
        c
        for c in table.columns
        if c.startswith(
            (
                "china_processing_share_final_",
                "non_china_processing_capacity_final_",
                "years_to_processing_share_below_80pct_",
            )
        )
    ]
    for strategy, group in table.groupby("china_strategy", sort=False):
        row: dict[str, Any] = {"china_strategy": strategy, "matches": len(group)}
        for player in ("china", "importers"):
            mean, low, high = mean_ci(group[f"payoff_{player}"])
            row |= {
                f"{player}_payoff_mean": mean,
                f"{player}_payoff_ci95_low": low,
                f"{player}_payoff_ci95_high": high,
            }
        for column in outcome_columns:
            row[f"{column}_mean"] = float(group[column].mean())
        rows.append(row)
    ranked = pd.DataFrame(rows).sort_values("china_payoff_mean", ascending=False)
    ranked.insert(0, "rank", range(1, len(ranked) + 1))
    return ranked.reset_index(drop=True)


def payoff_matrix(table: pd.DataFrame, players: list[str]) -> pd.DataFrame:
    """Mean discounted payoff of every player for each China strategy × importer profile."""
    columns = [f"payoff_{p}" for p in players]
    matrix = table.groupby(["china_strategy", "profile"], sort=False)[columns].mean()
    return matrix.rename(columns=lambda c: c.removeprefix("payoff_") + "_mean").reset_index()


def discounted(streams: pd.DataFrame, rate_per_year: float, months_per_round: int) -> pd.DataFrame:
    """Each match's discounted payoff per player recomputed from its per-round stream,
    for another discount rate (rounds discounted from their first month)."""
    factor = (1 + rate_per_year) ** (-months_per_round / 12)
    weights = factor ** streams["round"].to_numpy(dtype=float)
    frame = streams.assign(value=streams["payoff"].to_numpy() * weights)
    return frame.groupby(["match_id", "player"], as_index=False)["value"].sum()
