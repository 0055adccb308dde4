"""The producers' rule: the chance of investing rises with the expected margin over
the hurdle, toward certainty, with no cap that ignores price (issue 13, item 4)."""

from __future__ import annotations

import numpy as np
import pytest

from overplay.agents.observations import ProducerObservation
from overplay.agents.strategies import make_strategy


class FixedDraw:
    """An rng whose every uniform draw is ``u``: the rule invests iff ``u < chance``."""

    def __init__(self, u: float) -> None:
        self.u = u

    def random(self) -> float:
        return self.u


def prospect(margin: float, greenfield: bool = True, capacity: float = 0.0) -> ProducerObservation:
    keys = [("light", "mining"), ("light", "processing")]
    return ProducerObservation(
        name="prospect",
        step=13,
        materials=("light",),
        greenfield=greenfield,
        capacity=dict.fromkeys(keys, capacity),
        pipeline=dict.fromkeys(keys, 0.0),
        expected_margin={("light", "mining"): -1.0, ("light", "processing"): margin},
        hurdle_margin=0.15,
        brownfield_probability=0.5,
        greenfield_probability=0.08,
        expansion_fraction=0.3,
        entrant_size={"light": 10_000.0},
        lead_time_years={"greenfield_processing": 5.0, "greenfield_mining": 7.0, "brownfield": 2.0},
        size_margin_scale=1.0,
        max_project_multiple=1.9,
    )


def invests(observation: ProducerObservation, u: float) -> bool:
    return bool(projects(observation, u))


def projects(observation: ProducerObservation, u: float = 0.0) -> tuple:
    rule = make_strategy("margin_investor", {}, "producer")
    return tuple(rule.decide(observation, FixedDraw(u)))


@pytest.mark.parametrize("greenfield, base", [(True, 0.08), (False, 0.5)])
def test_the_base_chance_holds_at_the_hurdle_and_nothing_below_it(greenfield, base):
    capacity = 0.0 if greenfield else 5_000.0
    at_hurdle = prospect(0.15 + 1e-12, greenfield, capacity)
    assert invests(at_hurdle, base - 1e-6) and not invests(at_hurdle, base + 1e-6)
    assert not invests(prospect(0.15, greenfield, capacity), 0.0)  # no excess: never


def test_a_bigger_margin_makes_entry_likelier_without_a_cap():
    """Old rule: at most 3 x 8 % = 24 % a year whatever the margin. Now the chance is
    1 - 0.92^(1 + excess/0.25): 15 % at 0.25 of excess, 53 % at 2, 97 % at 10."""
    for excess, chance in ((0.25, 1 - 0.92**2), (2.0, 1 - 0.92**9), (10.0, 1 - 0.92**41)):
        margin = 0.15 + excess
        assert invests(prospect(margin), chance - 1e-9)
        assert not invests(prospect(margin), chance + 1e-9)
    draws = np.linspace(0.01, 0.99, 99)
    counts = [sum(invests(prospect(0.15 + x), u) for u in draws) for x in (0.1, 1, 5, 20)]
    assert counts == sorted(counts) and counts[-1] > 90 and counts[0] < 15


@pytest.mark.parametrize("greenfield, base", [(True, 10_000.0), (False, 10_000.0)])
def test_a_bigger_margin_makes_a_bigger_project_up_to_the_largest_sourced(greenfield, base):
    """Size doubles at one margin scale of excess over the hurdle and stops at Phoenix's
    19,050 t/yr [S05] (1.9 × the 10,000 t/yr entrant)."""
    capacity = 0.0 if greenfield else 20_000.0  # an expansion of 0.3 × 20,000 < 10,000
    sizes = [
        projects(prospect(0.15 + excess, greenfield, capacity))[0].param("capacity_t_per_year")
        for excess in (1e-9, 0.5, 5.0)
    ]
    assert sizes == pytest.approx([base, 1.5 * base, 1.9 * base])
