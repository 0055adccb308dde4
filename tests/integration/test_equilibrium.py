"""Equilibrium analysis end to end: stage game from the model, meta-game, discount sweep."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("nashpy")
pytest.importorskip("pygambit")

from overplay.experiments.equilibrium import (
    StageGameSpec,
    discount_sweep,
    load_equilibrium,
    meta_game,
    stage_game,
)
from overplay.model.problems import ScenarioError


def _is_nash(
    equilibrium, payoffs: pd.DataFrame, players: list[str], actions: dict[str, list[str]]
) -> bool:
    """No player gains by deviating to any of its actions (within 1e-6 of the scale)."""
    lookup = {tuple(row[f"action_{p}"] for p in players): row for _, row in payoffs.iterrows()}

    def expected(player: str, own: str | None) -> float:
        total = 0.0
        for profile in itertools.product(*(actions[p] for p in players)):
            weight = 1.0
            for p, a in zip(players, profile, strict=True):
                if p == player and own is not None:
                    weight *= 1.0 if a == own else 0.0
                else:
                    weight *= equilibrium.strategies[p][a]
            total += weight * lookup[profile][f"payoff_{player}"]
        return total

    scale = max(1.0, float(np.abs(payoffs.filter(like="payoff_").to_numpy()).max()))
    return all(
        expected(p, a) <= expected(p, None) + 1e-6 * scale for p in players for a in actions[p]
    )


def test_stage_game_equilibria_are_nash_and_complete(tmp_path):
    spec = StageGameSpec(
        date="2025-04",
        firms=12,
        horizon_rounds=1,
        actions={
            "china": ["open", "ban_heavy"],
            "us": ["hold", "retaliate"],
            "japan": ["hold", "stockpile"],
        },
    )
    result = stage_game(spec, tmp_path / "spec.yaml")
    assert result["state"]["date"] == "2025-04"
    assert len(result["payoffs"]) == 8
    assert result["equilibria"]
    for equilibrium in result["equilibria"]:
        for player, mix in equilibrium.strategies.items():
            assert list(mix) == result["actions"][player]  # every action, zeros included
            assert sum(mix.values()) == pytest.approx(1.0)
        assert _is_nash(equilibrium, result["payoffs"], result["players"], result["actions"])


def _synthetic_tables(rows: dict[tuple[str, str], tuple[list[float], list[float]]]):
    """Tournament-like tables from per-round payoff streams of China and the importers."""
    matches, streams = [], []
    for match_id, ((china, profile), (china_stream, importer_stream)) in enumerate(rows.items()):
        matches.append(
            {
                "match_id": match_id,
                "china_strategy": china,
                "profile": profile,
                "payoff_china": sum(china_stream),
                "payoff_importers": sum(importer_stream),
            }
        )
        for r, (c, i) in enumerate(zip(china_stream, importer_stream, strict=True)):
            streams += [
                {"match_id": match_id, "round": r, "player": "china", "payoff": c},
                {"match_id": match_id, "round": r, "player": "us", "payoff": i},
            ]
    return {"matches": pd.DataFrame(matches), "round_payoffs": pd.DataFrame(streams)}


def test_meta_game_of_a_prisoners_dilemma():
    """China: restrain/coerce; importers: trust/hedge — a prisoner's dilemma."""
    pd_payoffs = {
        ("restrain", "trust"): (3, 3),
        ("restrain", "hedge"): (0, 5),
        ("coerce", "trust"): (5, 0),
        ("coerce", "hedge"): (1, 1),
    }
    tables = _synthetic_tables({k: ([c], [i]) for k, (c, i) in pd_payoffs.items()})
    game = meta_game(tables, replicator_steps=500)
    assert len(game["equilibria"]) == 1
    only = game["equilibria"][0]
    assert only.strategies["china"] == {"restrain": 0.0, "coerce": 1.0}
    assert only.strategies["importers"] == {"trust": 0.0, "hedge": 1.0}
    assert game["replicator"]["china"]["coerce"] > 0.9


def test_discount_sweep_follows_the_shadow_of_the_future():
    """'grab' pays 10 at once; 'patient' pays 1.5 a round for 20 rounds. Impatient
    China grabs; patient China waits."""
    grab = [10.0] + [0.0] * 19
    patient = [1.5] * 20
    flat = [1.0] * 20
    tables = _synthetic_tables({("grab", "any"): (grab, flat), ("patient", "any"): (patient, flat)})
    sweep = discount_sweep(tables, [0.0, 5.0], months_per_round=3)
    assert sweep[0]["china_strategies_in_equilibrium"] == ["patient"]
    assert sweep[1]["china_strategies_in_equilibrium"] == ["grab"]
    assert sweep[1]["discount_factor_per_year"] == pytest.approx(1 / 6)


def test_cli_json_is_json_only_with_full_probability_maps(equilibrium_result: Path):
    """``overplay equilibrium SPEC --json`` (run once per session by tests/results.py on
    its spec) prints one JSON document and nothing else, with full probability maps."""
    stdout = (equilibrium_result.parent / "equilibrium_stdout.txt").read_text()
    document = json.loads(stdout)
    parts = [document["stage_game"], document["meta_game"], *document["discount_sweep"]]
    for part in parts:
        assert part["equilibria"]
        for equilibrium in part["equilibria"]:
            for mix in equilibrium["strategies"].values():
                assert sum(mix.values()) == pytest.approx(1.0)
    assert set(document["meta_game"]["equilibria"][0]["strategies"]["china"]) == {
        "always_open",
        "always_ban",
        "periodic_coercion",
    }
    assert [s["discount_rate"] for s in document["discount_sweep"]] == [0.0, 0.05, 0.2, 1.0]
    assert (equilibrium_result / "equilibria.json").exists()


def test_bad_equilibrium_specs_are_located(tmp_path: Path):
    file = tmp_path / "bad.yaml"
    file.write_text("name: x\nstage_game:\n  actions:\n    china: [open, bann]\n")
    with pytest.raises(ScenarioError) as error:
        load_equilibrium(file)
    assert "bann" in str(error.value)
    file.write_text("name: x\ndiscount_sweep: {discount_rates: [0.1]}\nstage_game: {}\n")
    with pytest.raises(ScenarioError, match="needs meta_game"):
        load_equilibrium(file)
