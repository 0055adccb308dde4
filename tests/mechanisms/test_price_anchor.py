"""Prices with an anchor (``docs/odd.md`` §7.3): under a standing restriction the
ex-China price settles where demand meets the rationed supply instead of drifting; it
returns to China's price when the restriction ends; it falls below the reference when
supply outruns demand; and a licence that rations keeps counting as refused supply."""

from __future__ import annotations

import numpy as np
import pytest

from overplay.model import china_market
from overplay.model.clearing_kernel import slot_supply
from overplay.model.month_inputs import gather
from tests.helpers import build, event, run, series


def price(rounds, material: str = "light"):
    return series(rounds, "price_multiple", material)


def licence(approval: float, at: int = 1) -> dict:
    return event(at, "china", "license", approval_rate=approval, delay_months=0)


@pytest.mark.parametrize("material", ["light", "heavy"])
def test_a_standing_licence_settles_the_price_instead_of_drifting(material):
    rounds = run(build([licence(0.5)]), 48)
    multiple = price(rounds, material)
    assert multiple.loc[12] > 2.0  # a real scarcity price
    assert multiple.max() < 50.0  # far below the 100× guard
    # No drift: once it has adjusted (a year), it stays within 15 % of that level
    # (demand grows 5 % a year; thrift, recycling and new capacity work the other way).
    assert multiple.loc[13:48].max() <= multiple.loc[12] * 1.15


def test_a_harsher_licence_sets_a_higher_price():
    peaks = [price(run(build([licence(a)]), 24)).loc[24] for a in (0.8, 0.5, 0.3)]
    assert peaks[0] < peaks[1] < peaks[2]


def test_the_price_returns_to_chinas_once_the_licence_is_lifted():
    rounds = run(build([licence(0.5), event(13, "china", "open")]), 48)
    multiple = price(rounds)
    assert multiple.loc[12] > 2.0
    assert multiple.loc[36] == pytest.approx(1.0, abs=0.02)


def test_prices_fall_below_the_reference_when_supply_outruns_demand():
    """Most separation outside China and China consuming most of the demand: non-China
    output, sold whatever it fetches, exceeds the demand abroad (a bust)."""
    model = build(
        materials__light__china_processing_share=0.3,
        materials__light__china_mining_share=0.3,
    )
    multiple = price(run(model, 12))
    assert multiple.min() < 0.9


def test_a_licence_that_approves_everything_is_no_restriction_but_one_that_rations_is():
    """Risk reads refused supply: a 100 % licence refuses nothing; a 40 % licence refuses
    60 % of normal volumes every month, even once the scarcity price has cut what buyers
    ask to what it approves."""
    risk = {}
    for approval in (1.0, 0.4):
        rounds = run(build([licence(approval)]), 36)
        risk[approval] = series(rounds, "perceived_risk", "light")
    assert risk[1.0].max() < 0.01
    assert risk[0.4].loc[36] >= risk[0.4].loc[12] > 0.5


def test_in_a_bust_the_price_settles_at_the_marginal_producers_cost():
    """Demand for light rare earths falls to a fifth: non-China output alone exceeds
    what is bought outside China, and the ex-China price falls below China's. Capacity
    runs while its revenue covers its operating cost, so the price settles where the
    marginal producer's output switches on or off, instead of swinging between a glut
    with it running and a shortage with it shut."""
    slump = {"light": {"2025-01": 360_000, "2025-03": 72_000}}
    model = build(series__demand_t_per_year=slump)
    prices = series(run(model, 20), "price_ex_china")
    assert prices.loc[20] < 0.85 * series(run(model, 0), "price_china").loc[20]
    assert np.abs(np.diff(np.log(prices.loc[10:20].to_numpy()))).max() < 0.005  # settled
    inputs = gather(model, china_market.plan(model))
    floors = np.zeros((len(model.destinations), len(model.materials)))
    running = np.zeros(inputs.slots.output.shape[0], dtype=np.bool_)

    def offered(price: float) -> float:
        return slot_supply(
            0, price, inputs.materials, inputs.slots, floors, inputs.settings, running
        ).offered

    settled = prices.loc[20]
    assert offered(settled * 1.01) > offered(settled * 0.99)  # a producer's switch point
