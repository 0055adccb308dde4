"""Nash equilibria of normal-form games and replicator dynamics, via pygambit and nashpy.

Nothing here implements an equilibrium algorithm: two-player games go to nashpy
(support enumeration, then vertex enumeration if the game is degenerate), games of
three or more players to pygambit (pure equilibria by enumeration, mixed ones by
polynomial enumeration, with the logit path as a fallback). This module only
converts payoff arrays in and probability maps out.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import nashpy
import numpy as np
import pygambit

TOLERANCE = 1e-6


@dataclass(frozen=True)
class Equilibrium:
    """A Nash equilibrium: each player's probability on every one of its strategies."""

    strategies: dict[str, dict[str, float]]
    payoffs: dict[str, float]
    pure: bool
    solver: str


def _validate(payoffs: dict[str, np.ndarray], labels: dict[str, list[str]]) -> list[str]:
    players = list(payoffs)
    if list(labels) != players:
        raise ValueError("labels must name the same players, in the same order, as payoffs")
    if len(players) < 2:
        raise ValueError("a game needs at least two players")
    shape = tuple(len(labels[p]) for p in players)
    if any(n == 0 for n in shape):
        raise ValueError("every player needs at least one strategy")
    for player, array in payoffs.items():
        if np.shape(array) != shape:
            raise ValueError(f"{player}'s payoffs have shape {np.shape(array)}, "
                             f"expected {shape}")
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{player}'s payoffs are not all finite")
    return players


def _clean(probabilities: np.ndarray) -> np.ndarray:
    """Round solver noise: tiny negatives and near-zeros to 0, renormalise to sum 1."""
    p = np.where(np.abs(probabilities) < 1e-10, 0.0, np.asarray(probabilities, dtype=float))
    p = np.clip(p, 0.0, None)
    return p / p.sum()


def _expected(payoffs: dict[str, np.ndarray], mixes: list[np.ndarray]) -> dict[str, float]:
    result = {}
    for player, array in payoffs.items():
        value = np.asarray(array, dtype=float)
        for mix in reversed(mixes):
            value = value @ mix
        result[player] = float(value)
    return result


def _equilibrium(payoffs: dict[str, np.ndarray], labels: dict[str, list[str]],
                 mixes: list[np.ndarray], solver: str) -> Equilibrium:
    mixes = [_clean(m) for m in mixes]
    strategies = {p: {label: float(x) for label, x in zip(labels[p], mix, strict=True)}
                  for p, mix in zip(payoffs, mixes, strict=True)}
    pure = all(np.isclose(mix.max(), 1.0) for mix in mixes)
    return Equilibrium(strategies, _expected(payoffs, mixes), pure, solver)


def _gambit_game(payoffs: dict[str, np.ndarray]) -> pygambit.Game:
    return pygambit.Game.from_arrays(*(np.asarray(a, dtype=float) for a in payoffs.values()))


def _mixes(game: pygambit.Game, profile) -> list[np.ndarray]:
    return [np.array([float(profile[s]) for s in player.strategies]) for player in game.players]


def _pure(payoffs: dict[str, np.ndarray]) -> list[list[np.ndarray]]:
    """Every pure equilibrium (pygambit's enumeration of pure profiles)."""
    game = _gambit_game(payoffs)
    return [_mixes(game, profile) for profile in pygambit.nash.enumpure_solve(game).equilibria]


def _two_player(payoffs: dict[str, np.ndarray]) -> list[tuple[list[np.ndarray], str]]:
    row, col = (np.asarray(a, dtype=float) for a in payoffs.values())
    game = nashpy.Game(row, col)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nashpy warns on degenerate games
        found = [([s, t], "nashpy.support_enumeration") for s, t in game.support_enumeration()]
        if not found:
            found = [([s, t], "nashpy.vertex_enumeration")
                     for s, t in game.vertex_enumeration()]
    return found


def _many_player(payoffs: dict[str, np.ndarray]) -> list[tuple[list[np.ndarray], str]]:
    game = _gambit_game(payoffs)
    found = []
    for solver, solve in (("pygambit.enumpoly_solve",
                           lambda: pygambit.nash.enumpoly_solve(game, use_strategic=True)),
                          ("pygambit.logit_solve", lambda: pygambit.nash.logit_solve(game))):
        try:
            result = solve()
        except (RuntimeError, ValueError):
            continue
        found += [(_mixes(game, profile), solver) for profile in result.equilibria]
        if found:
            break
    return found


def _same(a: Equilibrium, b: Equilibrium) -> bool:
    return all(abs(a.strategies[p][s] - b.strategies[p][s]) < TOLERANCE
               for p in a.strategies for s in a.strategies[p])


def solve_game(payoffs: dict[str, np.ndarray],
               labels: dict[str, list[str]]) -> list[Equilibrium]:
    """All pure and the solvers' mixed Nash equilibria of a normal-form game.

    Args:
        payoffs: per player (in play order), an array of shape (n_1, ..., n_k) whose
            entry is that player's payoff at the profile.
        labels: per player, its strategy labels (length n_i).

    Returns:
        Equilibria without duplicates, pure first (lexicographic by labels), then mixed;
        each maps every strategy of every player to its probability (zeros included).
    """
    players = _validate(payoffs, labels)
    arrays = {p: np.asarray(payoffs[p], dtype=float) for p in players}
    pure = [_equilibrium(arrays, labels, mixes, "pygambit.enumpure_solve")
            for mixes in _pure(arrays)]
    pure.sort(key=lambda e: [next(s for s, x in e.strategies[p].items() if x > 0.5)
                             for p in players])
    found = _two_player(arrays) if len(players) == 2 else _many_player(arrays)
    result = list(pure)
    for mixes, solver in found:
        candidate = _equilibrium(arrays, labels, mixes, solver)
        if not any(_same(candidate, known) for known in result):
            result.append(candidate)
    mixed = sorted((e for e in result if not e.pure),
                   key=lambda e: [tuple(e.strategies[p].values()) for p in players])
    return [e for e in result if e.pure] + mixed


def replicator_dynamics(row: np.ndarray, col: np.ndarray, row_start: np.ndarray | None = None,
                        col_start: np.ndarray | None = None,
                        steps: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Two-population replicator dynamics of a bimatrix game (nashpy's asymmetric
    replicator dynamics), from uniform shares unless starts are given.

    Payoffs are rescaled to [0, 1] per population first: replicator paths depend on
    payoff differences, and the model's payoffs run to hundreds of thousands of USD m.
    """
    row, col = np.asarray(row, dtype=float), np.asarray(col, dtype=float)
    if row.shape != col.shape or row.ndim != 2:
        raise ValueError("row and col payoffs must be matrices of the same shape")
    if not (np.all(np.isfinite(row)) and np.all(np.isfinite(col))):
        raise ValueError("payoffs must be finite")

    def scaled(matrix: np.ndarray) -> np.ndarray:
        span = matrix.max() - matrix.min()
        return (matrix - matrix.min()) / span if span > 0 else np.zeros_like(matrix)

    game = nashpy.Game(scaled(row), scaled(col))
    x0 = (np.full(row.shape[0], 1 / row.shape[0]) if row_start is None
          else np.asarray(row_start, dtype=float))
    y0 = (np.full(row.shape[1], 1 / row.shape[1]) if col_start is None
          else np.asarray(col_start, dtype=float))
    timepoints = np.linspace(0, steps / 10, steps)
    xs, ys = game.asymmetric_replicator_dynamics(x0=x0, y0=y0, timepoints=timepoints)
    return np.clip(xs, 0, 1), np.clip(ys, 0, 1)
