"""Known small games through :mod:`experiments.games.solvers` give their textbook equilibria.

Every game goes through ``solve_game``, the same code path the equilibrium experiments
use. Besides the equilibria themselves the tests check the output's shape: every
player's every strategy is listed (zeros included), probabilities sum to 1, the expected
payoffs are right, every profile is a Nash equilibrium (by an independent regret check
written here), and the order is deterministic: pure first, by labels, then mixed.
"""

from __future__ import annotations

import itertools
import math
import os
import time
import warnings

import numpy as np
import pytest

pytest.importorskip("nashpy")
pytest.importorskip("pygambit")

from overplay.experiments.games import solvers
from overplay.experiments.games.solvers import Equilibrium, replicator_dynamics, solve_game

# ------------------------------------------------------------------------------ games


def _bimatrix(row, col, row_labels, col_labels):
    return (
        {"row": np.array(row, dtype=float), "col": np.array(col, dtype=float)},
        {"row": list(row_labels), "col": list(col_labels)},
    )


def _three_player(rule, labels):
    """Arrays of a 3-player game whose payoff to ``player`` at ``profile`` is ``rule``."""
    shape = (len(labels),) * 3
    arrays = {p: np.zeros(shape) for p in "abc"}
    for profile in itertools.product(range(len(labels)), repeat=3):
        for index, player in enumerate("abc"):
            arrays[player][profile] = rule(index, profile)
    return arrays, {p: list(labels) for p in "abc"}


PRISONERS_DILEMMA = _bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]], "CD", "CD")
MATCHING_PENNIES = _bimatrix([[1, -1], [-1, 1]], [[-1, 1], [1, -1]], "HT", "HT")
# Battle of the sexes: she (row) prefers the opera, he (column) the football.
BATTLE_OF_THE_SEXES = _bimatrix(
    [[2, 0], [0, 1]], [[1, 0], [0, 2]], ["opera", "football"], ["opera", "football"]
)
ROCK_PAPER_SCISSORS = _bimatrix(
    [[0, -1, 1], [1, 0, -1], [-1, 1, 0]], [[0, 1, -1], [-1, 0, 1], [1, -1, 0]], "RPS", "RPS"
)
# Matching pennies plus a third column strategy 'z' that is strictly dominated for the
# column player (-2 < -1 whatever the row does), so the game reduces to matching pennies.
DOMINATED_2X3 = _bimatrix(
    [[1, -1, 0], [-1, 1, 0]], [[-1, 1, -2], [1, -1, -2]], "HT", ["x", "y", "z"]
)
# Row is indifferent everywhere; column wants to match. Degenerate: the equilibria form
# two segments and a third one; their extreme points are (T,L), (B,R), (½½,L), (½½,R).
DEGENERATE_2X2 = _bimatrix([[1, 1], [1, 1]], [[1, 0], [0, 1]], "TB", "LR")
# Three-player coordination: all earn 2 if all play A, 1 if all play B, else 0.
COORDINATION_3 = _three_player(
    lambda _, profile: {(0, 0, 0): 2.0, (1, 1, 1): 1.0}.get(profile, 0.0), "AB"
)
# Jordan's (1993) three-player matching pennies: a matches b, b matches c, c mismatches a.
JORDAN_3 = _three_player(
    lambda player, p: {
        0: 1 if p[0] == p[1] else -1,
        1: 1 if p[1] == p[2] else -1,
        2: 1 if p[2] != p[0] else -1,
    }[player],
    "HT",
)

ALL_GAMES = {
    "prisoners_dilemma": PRISONERS_DILEMMA,
    "matching_pennies": MATCHING_PENNIES,
    "battle_of_the_sexes": BATTLE_OF_THE_SEXES,
    "rock_paper_scissors": ROCK_PAPER_SCISSORS,
    "dominated_2x3": DOMINATED_2X3,
    "degenerate_2x2": DEGENERATE_2X2,
    "coordination_3": COORDINATION_3,
    "jordan_3": JORDAN_3,
}


def _solve(game) -> list[Equilibrium]:
    payoffs, labels = game
    return solve_game(payoffs, labels)


def _solve_with(game, **options) -> list[Equilibrium]:
    payoffs, labels = game
    return solve_game(payoffs, labels, **options)


def _rounded(equilibria: list[Equilibrium], digits: int = 6) -> list[dict]:
    return [
        {p: {s: round(x, digits) + 0.0 for s, x in mix.items()} for p, mix in e.strategies.items()}
        for e in equilibria
    ]


# --------------------------------------------------------------------- textbook games


def test_prisoners_dilemma_has_only_mutual_defection():
    equilibria = _solve(PRISONERS_DILEMMA)
    assert _rounded(equilibria) == [{"row": {"C": 0.0, "D": 1.0}, "col": {"C": 0.0, "D": 1.0}}]
    assert equilibria[0].pure
    assert equilibria[0].payoffs == {"row": 1.0, "col": 1.0}


def test_matching_pennies_has_only_the_half_half_mix():
    equilibria = _solve(MATCHING_PENNIES)
    assert _rounded(equilibria) == [{"row": {"H": 0.5, "T": 0.5}, "col": {"H": 0.5, "T": 0.5}}]
    assert not equilibria[0].pure
    assert equilibria[0].payoffs == pytest.approx({"row": 0.0, "col": 0.0}, abs=1e-12)


def test_battle_of_the_sexes_has_two_pure_and_the_two_thirds_mix():
    equilibria = _solve(BATTLE_OF_THE_SEXES)
    assert [e.pure for e in equilibria] == [True, True, False]
    # Pure ones sorted by labels: ("football", "football") < ("opera", "opera").
    football, opera, mixed = equilibria
    assert football.strategies == {
        "row": {"opera": 0.0, "football": 1.0},
        "col": {"opera": 0.0, "football": 1.0},
    }
    assert football.payoffs == {"row": 1.0, "col": 2.0}
    assert opera.strategies == {
        "row": {"opera": 1.0, "football": 0.0},
        "col": {"opera": 1.0, "football": 0.0},
    }
    assert opera.payoffs == {"row": 2.0, "col": 1.0}
    # Each mixes so that the other is indifferent: she goes to the opera with 2/3,
    # he with 1/3, and both expect 2/3.
    assert mixed.strategies["row"] == pytest.approx({"opera": 2 / 3, "football": 1 / 3})
    assert mixed.strategies["col"] == pytest.approx({"opera": 1 / 3, "football": 2 / 3})
    assert mixed.payoffs == pytest.approx({"row": 2 / 3, "col": 2 / 3})


def test_rock_paper_scissors_has_only_the_uniform_mix():
    equilibria = _solve(ROCK_PAPER_SCISSORS)
    assert len(equilibria) == 1
    for mix in equilibria[0].strategies.values():
        assert list(mix) == ["R", "P", "S"]
        assert list(mix.values()) == pytest.approx([1 / 3] * 3)
    assert equilibria[0].payoffs == pytest.approx({"row": 0.0, "col": 0.0}, abs=1e-12)


def test_a_dominated_strategy_is_listed_with_probability_zero():
    equilibria = _solve(DOMINATED_2X3)
    assert _rounded(equilibria) == [
        {"row": {"H": 0.5, "T": 0.5}, "col": {"x": 0.5, "y": 0.5, "z": 0.0}}
    ]
    assert equilibria[0].strategies["col"]["z"] == 0.0
    assert equilibria[0].payoffs == pytest.approx({"row": 0.0, "col": 0.0}, abs=1e-12)


def test_a_degenerate_bimatrix_game_yields_its_extreme_equilibria():
    """Support enumeration alone cannot find these (unequal supports); the vertex
    enumerations do."""
    equilibria = _solve(DEGENERATE_2X2)
    assert _rounded(equilibria) == [
        {"row": {"T": 0.0, "B": 1.0}, "col": {"L": 0.0, "R": 1.0}},
        {"row": {"T": 1.0, "B": 0.0}, "col": {"L": 1.0, "R": 0.0}},
        {"row": {"T": 0.5, "B": 0.5}, "col": {"L": 1.0, "R": 0.0}},
        {"row": {"T": 0.5, "B": 0.5}, "col": {"L": 0.0, "R": 1.0}},
    ]
    assert [e.pure for e in equilibria] == [True, True, False, False]


def test_three_player_coordination_has_its_two_consensus_equilibria_and_one_mix():
    """Pure: a 2-1 split is never stable (the odd one out gains by joining), so only
    all-A and all-B. Mixed: with q = P(A), a player is indifferent iff 2 q_j q_k =
    (1 - q_j)(1 - q_k); these three equations force q_1 = q_2 = q_3 = q with
    2 q² = (1 - q)², i.e. q = √2 - 1, and partial mixes are impossible (a pure player
    leaves the others a strict preference). So exactly three equilibria."""
    equilibria = _solve(COORDINATION_3)
    assert [e.pure for e in equilibria] == [True, True, False]
    all_a, all_b, mixed = equilibria
    assert all_a.strategies == {p: {"A": 1.0, "B": 0.0} for p in "abc"}
    assert all_a.payoffs == dict.fromkeys("abc", 2.0)
    assert all_b.strategies == {p: {"A": 0.0, "B": 1.0} for p in "abc"}
    assert all_b.payoffs == dict.fromkeys("abc", 1.0)
    q = math.sqrt(2) - 1
    for mix in mixed.strategies.values():
        assert mix == pytest.approx({"A": q, "B": 1 - q}, abs=1e-9)
    assert mixed.payoffs == pytest.approx(dict.fromkeys("abc", 2 * q * q), abs=1e-9)
    assert all_a.solver == all_b.solver == "pygambit.enumpure_solve"


def test_three_player_matching_pennies_has_a_unique_completely_mixed_equilibrium():
    """Jordan (1993). No pure equilibrium: a = b, b = c, c ≠ a is contradictory. No
    player can be pure in equilibrium either: if one is, the player tracking it has a
    strict best response, and so on round the cycle back to a contradiction. So all
    mix, and each is indifferent only if the player it tracks mixes ½–½."""
    equilibria = _solve(JORDAN_3)
    assert len(equilibria) == 1
    only = equilibria[0]
    assert not only.pure
    assert only.solver.startswith("pygambit.")
    for mix in only.strategies.values():
        assert mix == pytest.approx({"H": 0.5, "T": 0.5}, abs=1e-9)
    assert only.payoffs == pytest.approx(dict.fromkeys("abc", 0.0), abs=1e-9)


# ------------------------------------------------------------------- output contract


def _independent_check(payoffs: dict[str, np.ndarray], equilibrium: Equilibrium) -> None:
    """Expected payoffs and 'no profitable deviation', computed by brute force over all
    pure profiles, independently of the module."""
    players = list(payoffs)
    mixes = [np.array(list(equilibrium.strategies[p].values())) for p in players]
    shape = payoffs[players[0]].shape
    for i, player in enumerate(players):
        expected = 0.0
        deviation = np.zeros(shape[i])
        for profile in itertools.product(*(range(n) for n in shape)):
            others = math.prod(mixes[j][profile[j]] for j in range(len(players)) if j != i)
            expected += others * mixes[i][profile[i]] * payoffs[player][profile]
            deviation[profile[i]] += others * payoffs[player][profile]
        assert equilibrium.payoffs[player] == pytest.approx(expected, abs=1e-9)
        assert deviation.max() <= expected + 1e-9


@pytest.mark.parametrize("name", sorted(ALL_GAMES))
def test_every_equilibrium_lists_every_strategy_and_sums_to_one(name):
    payoffs, labels = ALL_GAMES[name]
    equilibria = solve_game(payoffs, labels)
    assert equilibria
    for e in equilibria:
        assert list(e.strategies) == list(payoffs) == list(e.payoffs)
        for player, mix in e.strategies.items():
            assert list(mix) == labels[player]  # zeros included, in label order
            assert all(isinstance(p, float) and 0.0 <= p <= 1.0 for p in mix.values())
            assert abs(sum(mix.values()) - 1.0) <= 1e-9
        assert e.pure == all(1.0 in mix.values() for mix in e.strategies.values())
        _independent_check(payoffs, e)


@pytest.mark.parametrize("name", sorted(ALL_GAMES))
def test_output_order_is_deterministic_pure_first_by_labels(name):
    payoffs, labels = ALL_GAMES[name]
    first, second = solve_game(payoffs, labels), solve_game(payoffs, labels)
    assert first == second
    flags = [e.pure for e in first]
    assert flags == sorted(flags, reverse=True)
    pure_keys = [
        tuple(max(mix, key=mix.get) for mix in e.strategies.values()) for e in first if e.pure
    ]
    assert pure_keys == sorted(pure_keys)
    assert len(
        {
            tuple(tuple(round(p, 6) for p in m.values()) for m in e.strategies.values())
            for e in first
        }
    ) == len(first)


def test_a_three_player_game_that_hangs_a_solver_still_returns_in_time():
    """pygambit's gnm_solve loops forever on this degenerate game from its default ray
    (pygambit 16.7). The call is cut off; pure and other mixed equilibria still come."""
    payoffs = {
        "a": np.array([[[4, -3], [-4, -2]], [[-1, 3], [-1, -4]]], dtype=float),
        "b": np.array([[[-2, 1], [3, 3]], [[5, -3], [4, -5]]], dtype=float),
        "c": np.array([[[1, -2], [-3, 2]], [[-2, 1], [-3, -4]]], dtype=float),
    }
    labels = {p: ["A", "B"] for p in "abc"}
    started = time.monotonic()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        equilibria = solve_game(payoffs, labels, solver_timeout=2.0, time_budget=20.0)
    assert time.monotonic() - started < 20.0
    for warning in caught:  # the cut-off, if any, is reported
        assert warning.category is RuntimeWarning
        assert "may be missing" in str(warning.message)
    assert [e.pure for e in equilibria][:2] == [True, True]
    assert [
        {p: max(m, key=m.get) for p, m in e.strategies.items()} for e in equilibria if e.pure
    ] == [{"a": "A", "b": "B", "c": "B"}, {"a": "B", "b": "A", "c": "B"}]
    assert {
        "a": {"A": 0.5, "B": 0.5},
        "b": {"A": 0.25, "B": 0.75},
        "c": {"A": 0.0, "B": 1.0},
    } in _rounded(equilibria)
    for e in equilibria:
        _independent_check(payoffs, e)


def test_solver_calls_that_hang_or_crash_are_cut_off_and_the_rest_still_run(monkeypatch):
    """The isolation itself, with a deliberately hanging and a crashing call: both are
    reported, and the remaining gnm rays still find Jordan's equilibrium."""
    if solvers._context().get_start_method() != "fork":
        pytest.skip("the patched solver reaches the child only through fork")
    real = solvers._run_gambit_job

    def flaky(game, job):
        if job[0] == "enumpoly_solve":
            time.sleep(60)
        if job[1] == (0, 0, 0):
            os._exit(3)
        return real(game, job)

    monkeypatch.setattr(solvers, "_run_gambit_job", flaky)
    started = time.monotonic()
    with pytest.warns(
        RuntimeWarning,
        match=r"enumpoly_solve gave no answer within 1 s.*"
        r"ray \[0, 0, 0\]\) crashed \(exit code 3\)",
    ):
        equilibria = _solve_with(JORDAN_3, solver_timeout=1.0)
    assert time.monotonic() - started < 10.0
    assert _rounded(equilibria) == [{p: {"H": 0.5, "T": 0.5} for p in "abc"}]
    assert equilibria[0].solver == "pygambit.gnm_solve"


# ---------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "payoffs, labels, message",
    [
        (
            {"r": np.array([[1.0, np.nan]]), "c": np.zeros((1, 2))},
            {"r": ["a"], "c": ["x", "y"]},
            "finite",
        ),
        (
            {"r": np.array([[1.0, np.inf]]), "c": np.zeros((1, 2))},
            {"r": ["a"], "c": ["x", "y"]},
            "finite",
        ),
        (
            {"r": np.zeros((2, 2)), "c": np.zeros((2, 3))},
            {"r": ["a", "b"], "c": ["x", "y"]},
            "shape",
        ),
        (
            {"r": np.zeros((0, 2)), "c": np.zeros((0, 2))},
            {"r": [], "c": ["x", "y"]},
            "empty strategy set",
        ),
        ({"r": np.zeros(2)}, {"r": ["a", "b"]}, "two players"),
        (
            {"r": np.zeros((1, 1)), "c": np.zeros((1, 1))},
            {"r": ["a"], "d": ["x"]},
            "labels must name",
        ),
        (
            {"r": np.zeros((2, 1)), "c": np.zeros((2, 1))},
            {"r": ["a", "a"], "c": ["x"]},
            "not unique",
        ),
        (
            {"r": np.zeros((1, 1, 1)), "c": np.zeros((1, 1, 1)), "d": np.full((1, 1, 1), np.nan)},
            {"r": ["a"], "c": ["x"], "d": ["u"]},
            "finite",
        ),
    ],
)
def test_malformed_games_raise_value_error(payoffs, labels, message):
    with pytest.raises(ValueError, match=message):
        solve_game(payoffs, labels)


# ---------------------------------------------------------------- replicator dynamics


def test_replicator_dynamics_reach_mutual_defection_in_the_prisoners_dilemma():
    row = np.array([[3, 0], [5, 1]], dtype=float)
    xs, ys = replicator_dynamics(row, row.T, steps=500)
    assert xs.shape == ys.shape == (500, 2)
    assert xs[0] == pytest.approx([0.5, 0.5]) and ys[0] == pytest.approx([0.5, 0.5])
    assert xs[-1][1] > 0.999 and ys[-1][1] > 0.999
    assert np.all(np.diff(xs[:, 1]) >= -1e-12)  # defection never loses ground


def test_replicator_dynamics_stay_in_the_simplex_and_cycle_in_matching_pennies():
    row = np.array([[1, -1], [-1, 1]], dtype=float)
    xs, ys = replicator_dynamics(row, -row, row_start=[0.7, 0.3], col_start=[0.4, 0.6], steps=2000)
    for path in (xs, ys):
        assert np.all(path >= 0.0) and np.all(path <= 1.0)
        assert np.allclose(path.sum(axis=1), 1.0, atol=1e-9)
    # The interior equilibrium is a centre, not an attractor: the orbit keeps away from it.
    distance = np.hypot(xs[:, 0] - 0.5, ys[:, 0] - 0.5)
    assert distance.min() > 0.1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"row": [[1.0, np.nan]], "col": [[0.0, 0.0]]}, "finite"),
        ({"row": [[1.0, 0.0]], "col": [[0.0], [1.0]]}, "same shape"),
        ({"row": [[1.0, 0.0]], "col": [[0.0, 1.0]], "col_start": [0.6, 0.6]}, "probability"),
        ({"row": [[1.0, 0.0]], "col": [[0.0, 1.0]], "row_start": [0.5, 0.5]}, "shape"),
        ({"row": [[1.0, 0.0]], "col": [[0.0, 1.0]], "steps": 1}, "steps"),
    ],
)
def test_replicator_dynamics_reject_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        replicator_dynamics(**kwargs)
