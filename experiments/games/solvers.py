"""Nash equilibria of normal-form games and replicator dynamics, via nashpy and pygambit.

Nothing here implements an equilibrium algorithm. This module validates payoff arrays,
hands them to well-kept libraries, checks what comes back and converts it into plain
probability maps. Which library does what, and why:

Two players (nashpy 0.0.43, pygambit 16.7):
    * ``pygambit.nash.enumpure_solve`` — every pure equilibrium, in exact arithmetic.
    * ``nashpy`` support enumeration (equal-size supports, skipped when there are more
      than :data:`SUPPORT_ENUMERATION_LIMIT` support pairs). It decides "is a best
      response" with exact float equality, so it silently drops equilibria of games
      with non-integer payoffs; hence also
    * ``nashpy`` vertex enumeration — every equilibrium of a nondegenerate game.
    * ``pygambit.nash.enummixed_solve`` (floating point) — every extreme equilibrium,
      also of degenerate games, where nashpy's vertex enumeration can miss some.
    * ``nashpy`` Lemke–Howson from every initial label, only if all of the above found
      nothing (it never should: it is the last line of defence).

Three or more players (pygambit 16.7):
    * ``pygambit.nash.enumpure_solve`` — every pure equilibrium, exactly.
    * ``pygambit.nash.enumpoly_solve`` on the strategic form — every isolated
      equilibrium in principle, by solving the polynomial system of each support.
      In practice it misses some, and it can loop forever on degenerate games (Gambit
      issues #198, #1055); hence also
    * ``pygambit.nash.gnm_solve`` (global Newton) along up to :data:`GNM_RAYS`
      perturbation rays, one towards each of a spread of pure profiles: each ray can
      reach different equilibria. It too can hang, on some rays even of generic games.
    * ``pygambit.nash.logit_solve`` and ``pygambit.nash.simpdiv_solve`` — one
      equilibrium each, only if nothing above produced any.

    Because two of these can hang inside C++, every mixed solver call for three or more
    players runs in a child process under a per-call time limit and an overall budget;
    a call that overruns is killed and reported in a ``RuntimeWarning``, and the list of
    equilibria is then possibly incomplete (never wrong). The child is forked when this
    process has a single thread (milliseconds) and spawned otherwise (about a second,
    and, as always with ``spawn``, a script's ``__main__`` needs its
    ``if __name__ == "__main__"`` guard). Inside a daemonic process (e.g. a
    ``multiprocessing.Pool`` worker), which may not start children, the calls run
    in-process without that protection.

Every candidate, whatever its source, is accepted only if it is a probability profile
(after cleaning solver noise) whose largest regret is at most :data:`REGRET_TOLERANCE`
times the game's payoff span. So the returned list contains only equilibria; for three
or more players it may miss some (no available method is both complete and terminating).
"""

from __future__ import annotations

import math
import multiprocessing
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import nashpy
import numpy as np
import numpy.typing as npt
import pygambit

PROBABILITY_NOISE = 1e-9
"""Probabilities (and negatives) smaller than this in magnitude are solver noise: set to 0."""

NEGATIVE_TOLERANCE = 1e-6
"""A candidate with a probability below minus this is not a mixed strategy: rejected."""

DUPLICATE_TOLERANCE = 1e-6
"""Two equilibria whose probabilities all differ by at most this are the same one."""

REGRET_TOLERANCE = 1e-6
"""Largest regret accepted, as a fraction of the game's payoff span (at least 1)."""

SUPPORT_ENUMERATION_LIMIT = 2**16
"""Most equal-size support pairs for which nashpy's support enumeration is run."""

GNM_RAYS = 64
"""Most perturbation rays along which pygambit's global Newton method is run."""

SOLVER_TIMEOUT = 10.0
"""Seconds one pygambit mixed-solver call (3+ players) may take before it is killed."""

TIME_BUDGET = 120.0
"""Seconds all pygambit mixed-solver calls of one ``solve_game`` (3+ players) may take."""

STARTUP_TIMEOUT = 60.0
"""Seconds a solver child process may take to start (within the time budget)."""

Profile = tuple[np.ndarray, ...]
"""One mixed strategy per player, each a probability vector over its strategies."""

_Job = tuple[str, tuple[int, ...] | None]
"""A pygambit solver call: the solver's name and, for gnm, the pure profile of its ray."""


@dataclass(frozen=True)
class Equilibrium:
    """A Nash equilibrium of a normal-form game.

    Attributes:
        strategies: per player, the probability of every one of its strategy labels,
            zeros included, in label order; each player's probabilities sum to 1.
        payoffs: per player, its expected payoff at the profile.
        pure: whether every player plays a single strategy with probability 1.
        solver: which library function found it first, e.g. ``"nashpy.vertex_enumeration"``.

    The mappings take no part in hashing (they are unhashable); equality compares them.
    """

    strategies: dict[str, dict[str, float]] = field(hash=False)
    payoffs: dict[str, float] = field(hash=False)
    pure: bool
    solver: str


# --------------------------------------------------------------------------- validation


def _validate(
    payoffs: Mapping[str, npt.ArrayLike], labels: Mapping[str, Sequence[str]]
) -> tuple[list[str], list[list[str]], tuple[np.ndarray, ...]]:
    """Players (in ``payoffs`` order), their labels and float payoff arrays, or a
    ``ValueError`` that says what is wrong: solvers fed malformed games fail obscurely."""
    players = list(payoffs)
    if len(players) < 2:
        raise ValueError(f"a game needs at least two players, got {len(players)}")
    if set(labels) != set(players):
        missing = sorted(set(players) - set(labels))
        extra = sorted(set(labels) - set(players))
        raise ValueError(
            f"labels must name exactly the players of payoffs "
            f"(missing: {missing}, unknown: {extra})"
        )
    names: list[list[str]] = []
    for player in players:
        given = labels[player]
        if isinstance(given, str) or not isinstance(given, Sequence):
            raise ValueError(f"{player}'s labels must be a list of strategy names")
        if len(given) == 0:
            raise ValueError(f"{player} has an empty strategy set")
        if not all(isinstance(label, str) for label in given):
            raise ValueError(f"{player}'s strategy labels must be strings")
        if len(set(given)) != len(given):
            raise ValueError(f"{player}'s strategy labels are not unique: {list(given)}")
        names.append(list(given))
    shape = tuple(len(n) for n in names)
    arrays = []
    for player in players:
        try:
            array = np.array(payoffs[player], dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{player}'s payoffs are not numeric: {exc}") from None
        if array.shape != shape:
            raise ValueError(
                f"{player}'s payoffs have shape {array.shape}, expected "
                f"{shape} (one axis per player, one entry per strategy)"
            )
        if not np.all(np.isfinite(array)):
            raise ValueError(
                f"{player}'s payoffs are not all finite "
                f"(NaN or infinite entries: {int(np.sum(~np.isfinite(array)))})"
            )
        arrays.append(array)
    return players, names, tuple(arrays)


# ------------------------------------------------------------- checking solver output


def _strategy_values(array: np.ndarray, profile: Profile, player: int) -> np.ndarray:
    """``player``'s expected payoff of each of its pure strategies against the others'
    mixes (contracting the other axes from the last, so earlier axes keep their index)."""
    value = array
    for axis in reversed(range(len(profile))):
        if axis != player:
            value = np.tensordot(value, profile[axis], axes=([axis], [0]))
    return value


def _max_regret(arrays: tuple[np.ndarray, ...], profile: Profile) -> float:
    """The most any player could gain by a unilateral deviation (0 at an equilibrium)."""
    regrets = []
    for player, array in enumerate(arrays):
        values = _strategy_values(array, profile, player)
        regrets.append(float(values.max() - values @ profile[player]))
    return max(regrets)


def _clean(vector: npt.ArrayLike, size: int) -> np.ndarray | None:
    """A probability vector with solver noise removed (tiny entries and tiny negatives to
    0, renormalised to sum 1), or ``None`` if ``vector`` is not one (wrong length,
    non-finite, clearly negative, or not summing to 1 — e.g. a failed pivoting run)."""
    v = np.asarray(vector, dtype=float).reshape(-1)
    if v.shape != (size,) or not np.all(np.isfinite(v)) or v.min() < -NEGATIVE_TOLERANCE:
        return None
    if abs(v.sum() - 1.0) > NEGATIVE_TOLERANCE:
        return None
    v = np.where(v < PROBABILITY_NOISE, 0.0, v)
    return v / v.sum()


class _Collector:
    """Accepts candidate profiles that are (after cleaning) equilibria, once each."""

    def __init__(self, arrays: tuple[np.ndarray, ...]) -> None:
        self.arrays = arrays
        self.sizes = arrays[0].shape
        span = max(float(a.max() - a.min()) for a in arrays)
        self.regret_tolerance = REGRET_TOLERANCE * max(1.0, span)
        self.found: list[tuple[Profile, str]] = []

    def add(self, raw: Sequence[npt.ArrayLike], solver: str) -> None:
        if len(raw) != len(self.sizes):
            return
        cleaned = [_clean(vector, size) for vector, size in zip(raw, self.sizes, strict=True)]
        if any(v is None for v in cleaned):
            return
        profile: Profile = tuple(v for v in cleaned if v is not None)
        if _max_regret(self.arrays, profile) > self.regret_tolerance:
            return
        for known, _ in self.found:
            if all(
                np.max(np.abs(a - b)) <= DUPLICATE_TOLERANCE
                for a, b in zip(known, profile, strict=True)
            ):
                return
        self.found.append((profile, solver))


# ------------------------------------------------------------------------- pygambit


def _gambit_game(arrays: tuple[np.ndarray, ...]) -> pygambit.Game:
    """A pygambit strategic-form game with one payoff array per player."""
    return pygambit.Game.from_arrays(*arrays, title="overplay")


def _gambit_profiles(game: pygambit.Game, result: Any) -> list[list[list[float]]]:
    """pygambit's equilibria (exact rationals or floats) as nested lists of floats."""
    return [
        [[float(equilibrium[s]) for s in player.strategies] for player in game.players]
        for equilibrium in result.equilibria
    ]


def _pure_equilibria(arrays: tuple[np.ndarray, ...]) -> list[list[list[float]]]:
    """Every pure equilibrium, by pygambit's exact enumeration of pure profiles."""
    game = _gambit_game(arrays)
    return _gambit_profiles(game, pygambit.nash.enumpure_solve(game))


def _rays(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Up to ``GNM_RAYS`` pure profiles spread evenly over all of them (first = pygambit's
    default ray); gnm follows a different path from each."""
    total = math.prod(shape)
    picks = sorted({round(i) for i in np.linspace(0, total - 1, min(total, GNM_RAYS))})
    return [tuple(int(i) for i in np.unravel_index(p, shape)) for p in picks]


def _run_gambit_job(game: pygambit.Game, job: _Job) -> list[list[list[float]]]:
    """One pygambit mixed-solver call."""
    name, ray = job
    if name == "enumpoly_solve":
        result = pygambit.nash.enumpoly_solve(game, use_strategic=True)
    elif name == "gnm_solve":
        # The ray points at the pure profile ``ray``. The other strategies get small
        # distinct weights, not zeros: pygambit 16.7's uniqueness check of the maximiser
        # wrongly rejects any vector whose first two entries tie, even if a later
        # entry is the largest (e.g. (0, 0, 1)).
        perturbation = game.mixed_strategy_profile(rational=False)
        for player, chosen in zip(game.players, ray or (), strict=True):
            size = len(player.strategies)
            for index, strategy in enumerate(player.strategies):
                perturbation[strategy] = 1.0 if index == chosen else 0.1 * (index + 1) / (size + 1)
        result = pygambit.nash.gnm_solve(perturbation)
    elif name == "logit_solve":
        result = pygambit.nash.logit_solve(game, use_strategic=True)
    elif name == "simpdiv_solve":
        result = pygambit.nash.simpdiv_solve(game.mixed_strategy_profile(rational=True))
    else:  # pragma: no cover - internal
        raise ValueError(f"unknown pygambit solver {name}")
    return _gambit_profiles(game, result)


def _gambit_worker(
    connection: Connection, arrays: tuple[np.ndarray, ...], jobs: list[_Job]
) -> None:
    """Child-process side: say ``ready``, then run ``jobs`` in order, streaming each
    equilibrium found and a ``done``/``error`` marker per job, so that the parent keeps
    what arrived before a hang."""
    try:
        game = _gambit_game(arrays)
        connection.send(("ready", None))
        for job in jobs:
            try:
                profiles = _run_gambit_job(game, job)
            except Exception as exc:  # reported to the parent, which decides
                connection.send(("error", f"{type(exc).__name__}: {exc}"))
                continue
            for profile in profiles:
                connection.send(("equilibrium", profile))
            connection.send(("done", None))
    finally:
        connection.close()


def _context() -> Any:
    """``forkserver`` where available: children fork from a clean single-threaded server,
    so they start fast without forking this process, whose native threads (BLAS, Arrow)
    could deadlock a forked child (Python 3.12 warns about exactly that); else ``spawn``."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _job_name(job: _Job) -> str:
    name, ray = job
    return f"pygambit.{name}" + (f" (ray {list(ray)})" if ray is not None else "")


def _receive(receiver: Connection, until: float) -> tuple[str, Any] | None:
    """The child's next message, ``("eof", None)`` if it died, ``None`` if none came
    by ``until`` (a ``time.monotonic()`` value)."""
    if not receiver.poll(max(0.0, until - time.monotonic())):
        return None
    try:
        return receiver.recv()
    except EOFError:
        return ("eof", None)


def _run_gambit_jobs(
    arrays: tuple[np.ndarray, ...], jobs: list[_Job], timeout: float, budget: float
) -> tuple[list[tuple[list[list[float]], str]], list[str]]:
    """Run pygambit mixed solvers, each call limited to ``timeout`` seconds and all of
    them to ``budget``; a call that overruns (or crashes) is dropped and the rest run in
    a fresh child. Returns (profile, solver name) pairs and a list of problems."""
    found: list[tuple[list[list[float]], str]] = []
    problems: list[str] = []
    if not jobs:
        return found, problems
    if multiprocessing.current_process().daemon:
        problems.append(
            "running pygambit in-process without time limits "
            "(daemonic processes cannot start children)"
        )
        game = _gambit_game(arrays)
        for job in jobs:
            try:
                found += [(p, f"pygambit.{job[0]}") for p in _run_gambit_job(game, job)]
            except Exception as exc:
                problems.append(f"{_job_name(job)} failed: {type(exc).__name__}: {exc}")
        return found, problems
    context = _context()
    pending = list(jobs)
    deadline = time.monotonic() + budget
    while pending:
        if time.monotonic() >= deadline:
            problems.append(
                f"time budget of {budget:g} s ran out before {len(pending)} pygambit call(s)"
            )
            break
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=_gambit_worker, args=(sender, arrays, pending), daemon=True
        )
        process.start()
        sender.close()
        try:
            # Start-up (a spawned child imports numpy and pygambit) is not a solver's time.
            if _receive(receiver, min(deadline, time.monotonic() + STARTUP_TIMEOUT)) != (
                "ready",
                None,
            ):
                problems.append(
                    f"the pygambit child process did not start "
                    f"(exit code {process.exitcode}); {len(pending)} call(s) "
                    "skipped"
                )
                break
            started = time.monotonic()
            while pending:
                message = _receive(receiver, min(started + timeout, deadline))
                if message is None:
                    problems.append(
                        f"{_job_name(pending.pop(0))} gave no answer within "
                        f"{min(timeout, budget):g} s and was stopped"
                    )
                    break
                kind, payload = message
                if kind == "equilibrium":
                    found.append((payload, f"pygambit.{pending[0][0]}"))
                    continue
                if kind == "eof":
                    process.join(1.0)
                    problems.append(
                        f"{_job_name(pending.pop(0))} crashed (exit code {process.exitcode})"
                    )
                    break
                if kind == "error":
                    problems.append(f"{_job_name(pending[0])} failed: {payload}")
                pending.pop(0)
                started = time.monotonic()
        finally:
            if process.is_alive():
                process.kill()
            process.join()
            receiver.close()
    return found, problems


# --------------------------------------------------------------------------- nashpy


def _nashpy_candidates(row: np.ndarray, col: np.ndarray, collector: _Collector) -> list[str]:
    """Feed nashpy's (and pygambit's enummixed) equilibria of a bimatrix game to
    ``collector``; returns problems worth a warning (none if one complete method ran)."""
    failures: list[str] = []
    game = nashpy.Game(row, col)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        # nashpy warns about degenerate games; they are handled by the methods below.
        warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"nashpy(\.|$)")
        # Equal-size supports only (``non_degenerate=True`` in nashpy's naming): unequal
        # ones give non-square indifference systems that nashpy discards anyway.
        if math.comb(sum(row.shape), row.shape[0]) - 1 <= SUPPORT_ENUMERATION_LIMIT:
            for pair in game.support_enumeration(non_degenerate=True):
                collector.add(pair, "nashpy.support_enumeration")
        # Qhull cannot build the best-response polytope of a player with one strategy.
        if min(row.shape) > 1:
            try:
                for pair in game.vertex_enumeration():
                    collector.add(pair, "nashpy.vertex_enumeration")
            except (ValueError, RuntimeError, np.linalg.LinAlgError) as exc:
                failures.append(f"nashpy.vertex_enumeration: {type(exc).__name__}: {exc}")
        gambit = _gambit_game((row, col))
        try:
            result = pygambit.nash.enummixed_solve(gambit, rational=False)
        except (ValueError, RuntimeError) as exc:
            failures.append(f"pygambit.enummixed_solve: {type(exc).__name__}: {exc}")
        else:
            for profile in _gambit_profiles(gambit, result):
                collector.add(profile, "pygambit.enummixed_solve")
        if not collector.found:
            for pair in game.lemke_howson_enumeration():
                collector.add(pair, "nashpy.lemke_howson")
    # Either complete method alone lists every extreme equilibrium; warn only if both failed.
    return failures if len(failures) == 2 else []


# ------------------------------------------------------------------------ public API


def solve_game(
    payoffs: Mapping[str, npt.ArrayLike],
    labels: Mapping[str, Sequence[str]],
    *,
    solver_timeout: float = SOLVER_TIMEOUT,
    time_budget: float = TIME_BUDGET,
    exhaustive: bool = True,
) -> list[Equilibrium]:
    """Nash equilibria of a finite normal-form game.

    Args:
        payoffs: per player, in play order (the mapping's order), an array of shape
            ``(n_1, ..., n_k)``; entry ``[i_1, ..., i_k]`` is that player's payoff when
            player ``j`` plays its strategy ``i_j``.
        labels: per player, the names of its ``n_j`` strategies.
        solver_timeout: seconds one pygambit mixed-solver call may take (3+ players).
        time_budget: seconds all pygambit mixed-solver calls may take (3+ players).
        exhaustive: whether to run ``enumpoly_solve`` (3+ players), the only method
            that tries every support; without it only gnm rays search for mixed ones.

    Returns:
        Distinct equilibria (no two within ``DUPLICATE_TOLERANCE``): the pure ones first,
        sorted by their strategy labels player by player, then the mixed ones, sorted by
        decreasing probability on earlier-listed strategies. Every pure equilibrium is
        present; for two players every extreme equilibrium (all of them in a
        nondegenerate game); for more, those the solvers found (see the module notes).

    Raises:
        ValueError: fewer than two players, labels not matching the players, an empty
            or duplicated strategy set, a payoff array of the wrong shape, or a
            non-finite payoff.

    Warns:
        RuntimeWarning: a solver call failed, crashed or overran its time limit, so
            mixed equilibria may be missing.
    """
    players, names, arrays = _validate(payoffs, labels)
    collector = _Collector(arrays)
    for profile in _pure_equilibria(arrays):
        collector.add(profile, "pygambit.enumpure_solve")
    if len(players) == 2:
        problems = _nashpy_candidates(arrays[0], arrays[1], collector)
    else:
        jobs: list[_Job] = [("enumpoly_solve", None)] if exhaustive else []
        jobs += [("gnm_solve", ray) for ray in _rays(arrays[0].shape)]
        found, problems = _run_gambit_jobs(arrays, jobs, solver_timeout, time_budget)
        for profile, solver in found:
            collector.add(profile, solver)
        if not collector.found:
            found, more = _run_gambit_jobs(
                arrays,
                [("logit_solve", None), ("simpdiv_solve", None)],
                solver_timeout,
                time_budget,
            )
            problems += more
            for profile, solver in found:
                collector.add(profile, solver)
    if problems:
        warnings.warn(
            "solve_game: " + "; ".join(problems) + " — mixed equilibria may be missing",
            RuntimeWarning,
            stacklevel=2,
        )

    equilibria = []
    for profile, solver in collector.found:
        strategies = {
            player: {label: float(p) for label, p in zip(n, mix, strict=True)}
            for player, n, mix in zip(players, names, profile, strict=True)
        }
        expected = {
            player: float(_strategy_values(arrays[i], profile, i) @ profile[i])
            for i, player in enumerate(players)
        }
        pure = all(np.count_nonzero(mix) == 1 for mix in profile)
        equilibria.append(Equilibrium(strategies, expected, pure, solver))

    def pure_key(e: Equilibrium) -> tuple[str, ...]:
        return tuple(
            next(s for s, p in e.strategies[player].items() if p == 1.0) for player in players
        )

    def mixed_key(e: Equilibrium) -> tuple[float, ...]:
        return tuple(-round(p, 6) for player in players for p in e.strategies[player].values())

    return sorted((e for e in equilibria if e.pure), key=pure_key) + sorted(
        (e for e in equilibria if not e.pure), key=mixed_key
    )


def _start(start: npt.ArrayLike | None, size: int, name: str) -> np.ndarray:
    """A validated initial distribution (uniform if ``None``)."""
    if start is None:
        return np.full(size, 1.0 / size)
    vector = np.asarray(start, dtype=float)
    if vector.shape != (size,):
        raise ValueError(f"{name} has shape {vector.shape}, expected ({size},)")
    if not np.all(np.isfinite(vector)) or vector.min() < 0 or abs(vector.sum() - 1) > 1e-9:
        raise ValueError(f"{name} must be a probability vector (non-negative, sum 1)")
    return vector


def replicator_dynamics(
    row: npt.ArrayLike,
    col: npt.ArrayLike,
    row_start: npt.ArrayLike | None = None,
    col_start: npt.ArrayLike | None = None,
    steps: int = 2000,
    *,
    dt: float = 0.1,
    rescale: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Two-population (asymmetric) replicator dynamics of a bimatrix game.

    One population plays the row strategies, the other the column strategies; each
    strategy's share grows in proportion to how much better than its population's
    average it does against the other population. The ODE is integrated by nashpy's
    ``Game.asymmetric_replicator_dynamics`` (scipy's ``odeint``).

    Args:
        row, col: the row and column players' payoffs, both of shape ``(m, n)``.
        row_start, col_start: initial shares (default: uniform). Shares that start at 0
            stay at 0, as in any replicator dynamics.
        steps: number of time points returned, ``0, dt, ..., (steps - 1) * dt``.
        dt: time between returned points.
        rescale: map each population's payoffs affinely onto [0, 1] first. That keeps
            the rest points, their stability and each population's direction of motion
            and makes the time scale independent of payoff units (the model's run to
            hundreds of thousands of USD m, which would make the ODE stiff); it changes
            the two populations' relative speed, so set it False to integrate raw payoffs.

    Returns:
        The row and column populations' shares, arrays of shape ``(steps, m)`` and
        ``(steps, n)``; each row is a probability vector (integrator noise at the
        boundary is clipped and renormalised; a larger error gives a RuntimeWarning).

    Raises:
        ValueError: non-matrix or mismatched payoffs, an empty strategy set, non-finite
            payoffs, bad starting shares, ``steps < 2`` or a non-positive ``dt``.
    """
    a = np.asarray(row, dtype=float)
    b = np.asarray(col, dtype=float)
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(
            f"row and col payoffs must be matrices of the same shape, got {a.shape} and {b.shape}"
        )
    if a.size == 0:
        raise ValueError("both populations need at least one strategy")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("payoffs must be finite")
    if int(steps) != steps or steps < 2:
        raise ValueError(f"steps must be an integer of at least 2, got {steps}")
    if not (math.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be positive and finite, got {dt}")
    x0 = _start(row_start, a.shape[0], "row_start")
    y0 = _start(col_start, a.shape[1], "col_start")
    if rescale:
        a, b = (_unit_range(m) for m in (a, b))
    timepoints = np.arange(int(steps)) * dt
    xs, ys = nashpy.Game(a, b).asymmetric_replicator_dynamics(x0=x0, y0=y0, timepoints=timepoints)
    return _onto_simplex(np.asarray(xs)), _onto_simplex(np.asarray(ys))


def _unit_range(matrix: np.ndarray) -> np.ndarray:
    span = matrix.max() - matrix.min()
    return (matrix - matrix.min()) / span if span > 0 else np.zeros_like(matrix)


def _onto_simplex(path: np.ndarray) -> np.ndarray:
    """Clip the integrator's tiny negative shares and renormalise each time point."""
    error = max(float(-path.min()), float(np.max(np.abs(path.sum(axis=1) - 1.0))))
    if error > 1e-6:
        warnings.warn(
            f"replicator_dynamics: integration drifted {error:.2g} off the "
            "simplex; consider a smaller dt",
            RuntimeWarning,
            stacklevel=3,
        )
    clipped = np.clip(path, 0.0, None)
    return clipped / clipped.sum(axis=1, keepdims=True)


__all__ = ["Equilibrium", "replicator_dynamics", "solve_game"]
