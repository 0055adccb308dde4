"""Equilibrium analysis: the stage game at a model state, the empirical meta-game over
strategies from a tournament, and a sweep over the discount factor.

All solving goes through :mod:`experiments.games.solvers` (pygambit for three or
more players, nashpy for two); payoffs always come from simulating the model.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from overplay.agents.moves import actions_of, moves_for
from overplay.experiments.errors import MachineError
from overplay.experiments.specs import StrictSpec, load_spec, load_spec_scenario, spec_overrides
from overplay.experiments.tournament import (
    discounted,
    load_tournament,
    run_tournament,
    scenario_reference,
)
from overplay.model import LeverageModel, load_scenario
from overplay.model.calendar import date_of_step, step_of_date
from overplay.model.forecast import advance_to_round, play_profile
from overplay.model.naming import OutputName
from overplay.model.problems import Problem, ScenarioError
from overplay.model.scenario_checks import where


class StageGameSpec(StrictSpec):
    """The normal-form game among China and the importers at one state of the model."""

    scenario: str = Field("baseline", description="Bundled scenario name or YAML path.")
    overrides: dict[str, Any] = Field(default_factory=dict, description="Dotted overrides.")
    date: str = Field(
        "2026-01",
        pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
        description="Play at the first decision round starting in or after this month.",
    )
    seed: int = Field(1, ge=0, description="Seed of the run that reaches the state.")
    firms: int = Field(60, ge=1, le=100_000, description="Firm agents.")
    horizon_rounds: int = Field(
        4,
        ge=1,
        le=80,
        description="Rounds each profile is simulated after the moves (everyone then holds).",
    )
    actions: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "china": ["open", "license_heavy", "ban"],
            "us": ["hold", "diversify", "retaliate"],
            "japan": ["hold", "stockpile"],
            "eu": ["hold", "diversify"],
        },
        description="Each player's moves (agents/moves.py); players absent hold.",
    )

    @model_validator(mode="after")
    def _moves_exist(self) -> StageGameSpec:
        for player, moves in self.actions.items():
            menu = moves_for("china" if player == "china" else "importer")
            unknown = [m for m in moves if m.partition(":")[0] not in menu]
            if unknown:
                raise ValueError(
                    f"actions.{player}: unknown move(s) {unknown}; known: {', '.join(menu)}"
                )
            if not moves:
                raise ValueError(f"actions.{player}: give at least one move")
        return self


class MetaGameSpec(StrictSpec):
    """The meta-game over strategies, from a tournament's payoffs."""

    tournament: str = Field(description="Tournament spec YAML (path relative to this file).")
    replicator_steps: int = Field(
        2000, ge=10, le=1_000_000, description="Steps of the two-population replicator dynamics."
    )


class SweepSpec(StrictSpec):
    """Which China strategy is in equilibrium as the future weighs more or less."""

    discount_rates: list[float] = Field(
        default_factory=lambda: [0.0, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0],
        description="Annual discount rates r (discount factor per year 1/(1+r)).",
    )

    @model_validator(mode="after")
    def _rates(self) -> SweepSpec:
        if not self.discount_rates or any(not 0 <= r <= 10 for r in self.discount_rates):
            raise ValueError("discount_rates: give rates between 0 and 10")
        return self


class EquilibriumSpec(StrictSpec):
    """What ``overplay equilibrium`` computes; each part is optional."""

    name: OutputName = Field(
        "equilibrium",
        description="Short name; it names the default "
        "output folder, so letters, digits, '.', '_' and '-' only.",
    )
    stage_game: StageGameSpec | None = Field(None, description="Stage game at a state.")
    meta_game: MetaGameSpec | None = Field(None, description="Meta-game over strategies.")
    discount_sweep: SweepSpec | None = Field(
        None, description="Discount-factor sweep (needs meta_game)."
    )

    @model_validator(mode="after")
    def _something(self) -> EquilibriumSpec:
        if not (self.stage_game or self.meta_game):
            raise ValueError("give stage_game, meta_game or both")
        if self.discount_sweep and not self.meta_game:
            raise ValueError("discount_sweep needs meta_game (it reuses its tournament)")
        return self


def load_equilibrium(path: str | Path) -> EquilibriumSpec:
    """Validate an equilibrium spec and the tournament it refers to."""
    spec, lines = load_spec(path, EquilibriumSpec)
    file = Path(path)
    problems: list[Problem] = []
    if spec.stage_game:
        problems += _stage_game_problems(spec.stage_game, file, lines)
    if spec.meta_game:
        tournament = file.parent / spec.meta_game.tournament
        if not tournament.is_file():
            problems.append(
                Problem(
                    *where(("meta_game", "tournament"), lines, (str(file), 1)),
                    "meta_game.tournament",
                    f"{tournament} is not a file",
                )
            )
        else:
            try:
                load_tournament(tournament)
            except ScenarioError as exc:
                problems += exc.problems
    if problems:
        raise ScenarioError(problems)
    return spec


def _stage_game_problems(game: StageGameSpec, file: Path, lines: dict) -> list[Problem]:
    """The scenario with the game's settings, the players and their moves' targets, and
    a date inside the simulated period."""
    settings = [
        ("seed", game.seed, ("stage_game", "seed")),
        ("firms.count", game.firms, ("stage_game", "firms")),
    ]
    scenario, problems = load_spec_scenario(
        scenario_reference(game, file),
        spec_overrides(game.overrides, ("stage_game", "overrides"), settings, lines, str(file)),
    )
    if scenario is None:
        return problems

    def located(loc: tuple, message: str) -> Problem:
        return Problem(*where(loc, lines, (str(file), 1)), ".".join(map(str, loc)), message)

    players = {"china", *scenario.importers}
    destinations = {*scenario.importers, "other"}
    for player, moves in game.actions.items():
        if player not in players:
            problems.append(
                located(
                    ("stage_game", "actions", player), f"unknown player; known: {sorted(players)}"
                )
            )
            continue
        for i, move in enumerate(moves):
            target = move.partition(":")[2]
            if target and player != "china":
                problems.append(
                    located(
                        ("stage_game", "actions", player, i),
                        f"move {move!r}: only China's moves take a target",
                    )
                )
            elif target and target not in destinations:
                problems.append(
                    located(
                        ("stage_game", "actions", player, i),
                        f"move {move!r}: unknown target {target!r}; "
                        f"known: {', '.join(sorted(destinations))}",
                    )
                )
    step = step_of_date(scenario.start, game.date)
    if not 1 <= step <= scenario.steps:
        problems.append(
            located(
                ("stage_game", "date"),
                f"{game.date} is outside the "
                f"simulated period {scenario.start} to "
                f"{date_of_step(scenario.start, scenario.steps)}",
            )
        )
    return problems


def _solver():
    """The solver module; pygambit/nashpy are the optional ``games`` extra."""
    try:
        from overplay.experiments.games import solvers
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise MachineError(
            f"equilibria need the games extra: pip install 'overplay[games]' ({exc})"
        ) from None
    return solvers


def _equilibria_json(equilibria: list) -> list[dict[str, Any]]:
    return [
        {"strategies": e.strategies, "payoffs": e.payoffs, "pure": e.pure, "solver": e.solver}
        for e in equilibria
    ]


def stage_game(
    spec: StageGameSpec, spec_file: Path, progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Payoffs of every action profile by simulation, and the game's Nash equilibria."""
    scenario = load_scenario(
        scenario_reference(spec, spec_file),
        [*spec.overrides.items(), ("seed", spec.seed), ("firms.count", spec.firms)],
    )
    state = advance_to_round(LeverageModel(scenario), spec.date)
    players = list(spec.actions)
    labels = {p: list(spec.actions[p]) for p in players}
    shape = tuple(len(labels[p]) for p in players)
    tensors = {p: np.zeros(shape) for p in players}
    rows = []
    for index in itertools.product(*(range(n) for n in shape)):
        profile = {p: labels[p][i] for p, i in zip(players, index, strict=True)}
        moves = {p: actions_of(m, p, tuple(state.materials)) for p, m in profile.items()}
        earned = play_profile(state, moves, spec.horizon_rounds)
        for p in players:
            tensors[p][index] = earned[p]
        rows.append(
            {
                **{f"action_{p}": m for p, m in profile.items()},
                **{f"payoff_{p}": earned[p] for p in players},
            }
        )
        if progress:
            progress(1)
    equilibria = _solver().solve_game(tensors, labels)
    return {
        "state": {
            "scenario": scenario.name,
            "date": state.date,
            "round": state.round,
            "seed": spec.seed,
            "horizon_rounds": spec.horizon_rounds,
        },
        "players": players,
        "actions": labels,
        "payoffs": pd.DataFrame(rows),
        "equilibria": equilibria,
    }


def _bimatrix(
    values: pd.DataFrame, china: list[str], profiles: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Mean China payoff and mean importers' payoff per (China strategy, profile)."""
    means = values.groupby(["china_strategy", "profile"])[["china", "importers"]].mean()
    row = np.array([[means.loc[(c, p), "china"] for p in profiles] for c in china])
    col = np.array([[means.loc[(c, p), "importers"] for p in profiles] for c in china])
    return row, col


def meta_game(tables: dict[str, pd.DataFrame], replicator_steps: int) -> dict[str, Any]:
    """Equilibria of the 2-player game China strategy × importer profile (importers'
    payoff summed), and where two-population replicator dynamics go."""
    solvers = _solver()
    matches = tables["matches"]
    china = list(dict.fromkeys(matches["china_strategy"]))
    profiles = list(dict.fromkeys(matches["profile"]))
    values = matches.rename(columns={"payoff_china": "china", "payoff_importers": "importers"})
    row, col = _bimatrix(values, china, profiles)
    equilibria = solvers.solve_game(
        {"china": row, "importers": col}, {"china": china, "importers": profiles}
    )
    row_path, col_path = solvers.replicator_dynamics(row, col, steps=replicator_steps)
    return {
        "china_strategies": china,
        "profiles": profiles,
        "payoff_china": row,
        "payoff_importers": col,
        "equilibria": equilibria,
        "replicator": {
            "china": dict(zip(china, row_path[-1].tolist(), strict=True)),
            "importers": dict(zip(profiles, col_path[-1].tolist(), strict=True)),
        },
        "replicator_paths": (row_path, col_path),
    }


def discount_sweep(
    tables: dict[str, pd.DataFrame], rates: list[float], months_per_round: int
) -> list[dict[str, Any]]:
    """For each annual discount rate, re-discount every match's per-round payoffs, solve
    the meta-game again and report which China strategies are played in equilibrium."""
    solvers = _solver()
    matches = tables["matches"][["match_id", "china_strategy", "profile"]]
    china = list(dict.fromkeys(matches["china_strategy"]))
    profiles = list(dict.fromkeys(matches["profile"]))
    importers = [p for p in tables["round_payoffs"]["player"].unique() if p != "china"]
    results = []
    for rate in rates:
        values = discounted(tables["round_payoffs"], rate, months_per_round)
        wide = values.pivot(index="match_id", columns="player", values="value")
        wide["importers"] = wide[importers].sum(axis=1)
        frame = matches.join(wide[["china", "importers"]], on="match_id")
        row, col = _bimatrix(frame, china, profiles)
        equilibria = solvers.solve_game(
            {"china": row, "importers": col}, {"china": china, "importers": profiles}
        )
        played = sorted(
            {s for e in equilibria for s, p in e.strategies["china"].items() if p > 1e-9}
        )
        results.append(
            {
                "discount_rate": rate,
                "discount_factor_per_year": 1 / (1 + rate),
                "equilibria": equilibria,
                "china_strategies_in_equilibrium": played,
            }
        )
    return results


def run_equilibrium(
    spec: EquilibriumSpec,
    spec_file: Path,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Everything the spec asks for."""
    result: dict[str, Any] = {"name": spec.name}
    if spec.stage_game:
        result["stage_game"] = stage_game(spec.stage_game, spec_file, progress)
    if spec.meta_game:
        tournament_file = spec_file.parent / spec.meta_game.tournament
        tournament = load_tournament(tournament_file)
        tables = run_tournament(tournament, tournament_file, workers, progress)
        result["tournament_tables"] = tables
        result["meta_game"] = meta_game(tables, spec.meta_game.replicator_steps)
        if spec.discount_sweep:
            months = load_scenario(
                scenario_reference(tournament, tournament_file), list(tournament.overrides.items())
            ).timing.decision_interval_months
            result["discount_sweep"] = discount_sweep(
                tables, spec.discount_sweep.discount_rates, months
            )
    return result


def as_json(result: dict[str, Any]) -> dict[str, Any]:
    """The JSON ``overplay equilibrium --json`` prints: every equilibrium as, per player,
    each of its strategies or actions with its probability (zeros included)."""
    out: dict[str, Any] = {"name": result["name"]}
    if "stage_game" in result:
        game = result["stage_game"]
        out["stage_game"] = {
            "state": game["state"],
            "players": game["players"],
            "actions": game["actions"],
            "equilibria": _equilibria_json(game["equilibria"]),
        }
    if "meta_game" in result:
        game = result["meta_game"]
        out["meta_game"] = {
            "players": ["china", "importers"],
            "strategies": {"china": game["china_strategies"], "importers": game["profiles"]},
            "payoffs": {
                "china": game["payoff_china"].tolist(),
                "importers": game["payoff_importers"].tolist(),
            },
            "equilibria": _equilibria_json(game["equilibria"]),
            "replicator_final_shares": game["replicator"],
        }
    if "discount_sweep" in result:
        out["discount_sweep"] = [
            {
                "discount_rate": s["discount_rate"],
                "discount_factor_per_year": s["discount_factor_per_year"],
                "china_strategies_in_equilibrium": s["china_strategies_in_equilibrium"],
                "equilibria": _equilibria_json(s["equilibria"]),
            }
            for s in result["discount_sweep"]
        ]
    return out
