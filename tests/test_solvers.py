"""Known games through the same code path as the model's: textbook equilibria."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

pytest.importorskip("nashpy")
pytest.importorskip("pygambit")

from experiments.games.solvers import replicator_dynamics, solve_game


def _solve(row, col, r_labels, c_labels):
    return solve_game({"row": np.array(row, float), "col": np.array(col, float)},
                      {"row": r_labels, "col": c_labels})


def _mixes(equilibria):
    return [{p: {s: round(x, 6) for s, x in m.items()} for p, m in e.strategies.items()}
            for e in equilibria]


def test_prisoners_dilemma_has_only_mutual_defection():
    row = [[3, 0], [5, 1]]
    eqs = _solve(row, np.array(row).T, ["C", "D"], ["C", "D"])
    assert _mixes(eqs) == [{"row": {"C": 0, "D": 1}, "col": {"C": 0, "D": 1}}]
    assert eqs[0].pure and eqs[0].payoffs == {"row": 1.0, "col": 1.0}


def test_matching_pennies_is_uniquely_mixed():
    row = [[1, -1], [-1, 1]]
    eqs = _solve(row, -np.array(row), ["H", "T"], ["H", "T"])
    assert _mixes(eqs) == [{"row": {"H": 0.5, "T": 0.5}, "col": {"H": 0.5, "T": 0.5}}]
    assert eqs[0].payoffs["row"] == pytest.approx(0.0)


def test_battle_of_the_sexes_has_two_pure_and_one_mixed():
    eqs = _solve([[3, 0], [0, 2]], [[2, 0], [0, 3]], ["opera", "football"],
                 ["opera", "football"])
    assert [e.pure for e in eqs] == [True, True, False]
    mixed = eqs[2]
    assert mixed.strategies["row"]["opera"] == pytest.approx(0.6)
    assert mixed.strategies["col"]["opera"] == pytest.approx(0.4)
    assert mixed.payoffs["row"] == pytest.approx(1.2)


def test_rock_paper_scissors_is_uniform():
    row = [[0, -1, 1], [1, 0, -1], [-1, 1, 0]]
    eqs = _solve(row, -np.array(row), list("RPS"), list("RPS"))
    assert len(eqs) == 1
    for mix in eqs[0].strategies.values():
        assert list(mix.values()) == pytest.approx([1 / 3] * 3)


def test_dominated_strategy_gets_zero_probability_and_is_listed():
    row = [[3, 1, 0], [2, 0, -1]]  # row's second strategy is strictly dominated
    col = [[1, 0, 3], [0, 2, 1]]
    eqs = _solve(row, col, ["a", "b"], ["x", "y", "z"])
    for e in eqs:
        assert e.strategies["row"]["b"] == 0.0
        assert list(e.strategies["col"]) == ["x", "y", "z"]
    assert _mixes(eqs) == [{"row": {"a": 1, "b": 0}, "col": {"x": 0, "y": 0, "z": 1}}]


def _three_player(rule):
    arrays = [np.zeros((2, 2, 2)) for _ in range(3)]
    for profile in itertools.product(range(2), repeat=3):
        for player in range(3):
            arrays[player][profile] = rule(player, profile)
    return arrays


def test_three_player_majority_game_has_its_two_consensus_equilibria():
    """Each player earns 1 when all three agree: 'all A' and 'all B' are the pure
    equilibria (plus the solvers' mixed ones)."""
    arrays = _three_player(lambda p, prof: float(len(set(prof)) == 1))
    eqs = solve_game(dict(zip("abc", arrays, strict=True)), {p: ["A", "B"] for p in "abc"})
    pure = [e for e in eqs if e.pure]
    assert [{p: max(m, key=m.get) for p, m in e.strategies.items()} for e in pure] == [
        {"a": "A", "b": "A", "c": "A"}, {"a": "B", "b": "B", "c": "B"}]


def test_three_player_matching_pennies_has_a_unique_mixed_equilibrium():
    """Jordan (1993): 1 matches 2, 2 matches 3, 3 mismatches 1 — the unique equilibrium
    has everyone mixing 1/2."""
    def payoff(player, prof):
        i, j, k = prof
        return {0: 1 if i == j else -1, 1: 1 if j == k else -1, 2: 1 if k != i else -1}[player]

    arrays = _three_player(payoff)
    eqs = solve_game(dict(zip("abc", arrays, strict=True)), {p: ["H", "T"] for p in "abc"})
    assert len(eqs) == 1 and not eqs[0].pure
    for mix in eqs[0].strategies.values():
        assert mix == pytest.approx({"H": 0.5, "T": 0.5})
        assert sum(mix.values()) == pytest.approx(1.0)


def test_output_is_deterministic():
    args = ([[3, 0], [0, 2]], [[2, 0], [0, 3]], ["o", "f"], ["o", "f"])
    assert _mixes(_solve(*args)) == _mixes(_solve(*args))


@pytest.mark.parametrize("payoffs, labels, message", [
    ({"r": np.array([[1.0, np.nan]]), "c": np.zeros((1, 2))}, {"r": ["a"], "c": ["x", "y"]},
     "finite"),
    ({"r": np.zeros((2, 2)), "c": np.zeros((2, 3))}, {"r": ["a", "b"], "c": ["x", "y"]},
     "shape"),
    ({"r": np.zeros((0,))}, {"r": []}, "two players"),
])
def test_bad_games_raise(payoffs, labels, message):
    with pytest.raises(ValueError, match=message):
        solve_game(payoffs, labels)


def test_replicator_dynamics_reach_defection_in_the_prisoners_dilemma():
    row = np.array([[3, 0], [5, 1]], float)
    xs, ys = replicator_dynamics(row, row.T, steps=500)
    assert xs[-1][1] > 0.99 and ys[-1][1] > 0.99
    assert np.allclose(xs.sum(axis=1), 1.0, atol=1e-6)


def test_replicator_dynamics_stay_in_the_simplex_in_matching_pennies():
    row = np.array([[1, -1], [-1, 1]], float)
    xs, ys = replicator_dynamics(row, -row, row_start=[0.7, 0.3], col_start=[0.4, 0.6],
                                 steps=400)
    for path in (xs, ys):
        assert np.all(path >= 0) and np.all(path <= 1)
        assert np.allclose(path.sum(axis=1), 1.0, atol=1e-4)
