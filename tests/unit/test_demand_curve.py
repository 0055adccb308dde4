"""The ex-China demand curve with buyers who curtail (``docs/odd.md`` §7.3):
:func:`overplay.model.market.demand_curve_price` and the firms' choke loads."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from overplay.agents import firm_kernels, firm_kernels_reference
from overplay.agents.firm_kernels import FirmState, MarketTerms, demand
from overplay.model.market import CHOKE_BINS, choke_edges, demand_curve_price
from overplay.model.market import choke_bin as market_choke_bin

SETTINGS = settings(max_examples=200, deadline=None)


def test_inside_a_bin_demand_meets_supply_on_its_curve():
    # Everybody buys up to 1,000; half the supply at elasticity 0.5: price ×4.
    edges = np.array([1000.0])
    assert demand_curve_price(10.0, np.array([100.0]), edges, 50.0, 0.5) == pytest.approx(40.0)


def test_the_price_stops_at_the_marginal_buyers_value_added():
    """Buyers of 60 t curtail at 30, the other 40 t at 1,000: with 45 t of supply the
    high-value buyers alone want less than 45 t above 30, so the price is 30."""
    loads, edges = np.array([60.0, 40.0]), np.array([30.0, 1000.0])
    assert demand_curve_price(10.0, loads, edges, 45.0, 0.25) == pytest.approx(30.0)
    # With 30 t, the high-value buyers bid above 30 along their curve ...
    p = demand_curve_price(10.0, loads, edges, 30.0, 0.25)
    assert p == pytest.approx(10.0 * (40.0 / 30.0) ** 4)
    # ... and with 10 t up to where they too curtail.
    assert demand_curve_price(10.0, loads, edges, 10.0, 0.25) == 1000.0


def test_no_supply_sets_the_price_at_the_last_buyers_choke():
    loads, edges = np.array([60.0, 40.0]), np.array([30.0, 1000.0])
    assert demand_curve_price(10.0, loads, edges, 0.0, 0.25) == 1000.0


@SETTINGS
@given(
    st.lists(st.floats(0.0, 1e4), min_size=CHOKE_BINS + 1, max_size=CHOKE_BINS + 1),
    st.floats(1e-3, 1e5),
    st.floats(1e-3, 1e5),
    st.floats(0.05, 2.0),
)
def test_more_supply_never_raises_the_price_and_the_price_stays_in_range(
    loads, supply, more, elasticity
):
    loads = np.array(loads)
    edges = choke_edges(50.0, 100.0)
    p = demand_curve_price(50.0, loads, edges, supply, elasticity)
    assert 0.0 <= p <= edges[-1]
    assert demand_curve_price(50.0, loads, edges, supply + more, elasticity) <= p * (1 + 1e-12)


def _firms(value_added: list[float]) -> FirmState:
    n = len(value_added)
    return FirmState(
        base_need=np.full((n, 1), 10.0),
        thrift=np.zeros((n, 1)),
        contracted=np.zeros((n, 1)),
        target_days=np.zeros((n, 1)),
        inventory=np.zeros((n, 1)),
        value_added=np.array(value_added, dtype=float).reshape(n, 1),
        region=np.zeros(n, dtype=np.int64),
        regions=1,
        adjust_months=1.0,
        cumulative_profit=np.zeros(n),
        discounted_profit=np.zeros(n),
    )


def test_firms_are_binned_by_their_choke_and_curtailed_firms_still_count():
    """A firm that curtails at today's price (value added 80 < price 100) still counts
    where it would buy again; one above the ceiling goes to the last bin."""
    firms = _firms([80.0, 500.0, 1e9])
    terms = MarketTerms(np.ones(1), np.ones(1), np.array([100.0]), np.zeros(1), np.ones(1))
    wanted = demand(firms, terms)
    assert wanted.orders[0, 0] == 0.0  # curtails now
    edges = choke_edges(50.0, 100.0)
    no_magnets = np.zeros((firms.regions, 1))
    loads = firm_kernels.choke_loads(firms, wanted, terms, edges[None, :], no_magnets)
    assert loads.sum() == pytest.approx(30.0)
    assert loads[0, -1] == pytest.approx(10.0)
    for value in (80.0, 500.0):
        b = market_choke_bin(value, edges)
        assert edges[b] <= value < edges[b + 1]
        assert loads[0, b] == pytest.approx(10.0)
    reference = firm_kernels_reference.choke_loads(firms, wanted, terms, edges[None, :], no_magnets)
    np.testing.assert_array_equal(loads, reference)
    # The share bought as Chinese magnets is not oxide demand.
    half = firm_kernels.choke_loads(firms, wanted, terms, edges[None, :], no_magnets + 0.5)
    np.testing.assert_allclose(half, loads / 2)


@SETTINGS
@given(st.floats(0.0, 1e6), st.floats(1.0, 500.0), st.floats(1.5, 300.0))
def test_a_choke_falls_in_the_bin_whose_edges_hold_it(choke, reference, ceiling_multiple):
    edges = choke_edges(reference, ceiling_multiple)
    b = market_choke_bin(choke, edges)
    top = edges.shape[0] - 1
    assert b == max(int(np.searchsorted(edges, choke, side="right")) - 1, 0)
    if b == top:
        assert choke >= edges[top]
    else:
        assert choke < edges[b + 1] and (b == 0 or edges[b] <= choke)
