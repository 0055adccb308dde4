"""Unit and property tests of the pure market-clearing and memory functions.

Covers :mod:`model.market` (``allocate_flows``, ``update_price``, ``demand_multiplier``)
and :mod:`model.risk` (``severity``, ``perceived_risk``, ``update_reputation``,
``decay_factor``). Everything here is a pure function of its arguments, so the
tests need no model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from overplay.agents.actions import Regime
from overplay.model.config_world import RiskConfig
from overplay.model.market import (
    EPS,
    AllocationInputs,
    allocate_flows,
    demand_multiplier,
    update_price,
)
from overplay.model.risk import (
    decay_factor,
    memory_for,
    perceived_risk,
    severity,
    update_reputation,
)

SETTINGS = settings(max_examples=300, deadline=None)


def close_enough(scale: float | np.ndarray) -> float | np.ndarray:
    """Absolute tolerance for comparing flows of the given magnitude."""
    return 1e-9 * (1.0 + np.abs(scale))


# -- strategies ---------------------------------------------------------------------------
amount = st.floats(0.0, 1e6, allow_nan=False, allow_infinity=False)
fraction = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def clearing_inputs(draw, n: int | None = None):
    """Valid-looking inputs to ``allocate`` for ``n`` regions (some edge values)."""
    n = draw(st.integers(1, 6)) if n is None else n
    orders = np.array(
        draw(
            st.lists(
                st.one_of(amount, st.floats(-100.0, 0.0), st.just(0.0)), min_size=n, max_size=n
            )
        )
    )
    # Contracted volumes: any share of orders, sometimes more than orders (clipped).
    contracted = np.array([max(o, 0.0) * draw(st.floats(0.0, 1.5)) for o in orders])
    nonchina_supply = draw(st.one_of(amount, st.just(0.0)))
    share = np.array(
        draw(st.lists(st.one_of(fraction, st.sampled_from([0.0, 1.0])), min_size=n, max_size=n))
    )
    caps = np.array(
        draw(st.lists(st.one_of(amount, st.just(np.inf), st.just(0.0)), min_size=n, max_size=n))
    )
    available = draw(st.one_of(st.floats(-1e3, 1e7), st.just(np.inf)))
    leak_rate = draw(fraction)
    return orders, contracted, nonchina_supply, share, caps, available, leak_rate


@dataclass(frozen=True)
class Clearing:
    """One material's flows per region, as ``allocate_flows`` returns them."""

    nonchina: np.ndarray
    china: np.ndarray
    leak: np.ndarray
    blocked: np.ndarray
    requested: np.ndarray
    refused: np.ndarray
    nonchina_sold: float

    @property
    def received(self) -> np.ndarray:
        return self.nonchina + self.china + self.leak


def allocate(
    orders, contracted, nonchina_supply, china_share, china_caps, china_available, leak_rate
) -> Clearing:
    """``allocate_flows`` taking lists or arrays."""
    *flows, sold = allocate_flows(
        AllocationInputs(
            *(np.asarray(a, dtype=float) for a in (orders, contracted, china_share, china_caps)),
            float(nonchina_supply),
            float(china_available),
            float(leak_rate),
        )
    )
    return Clearing(*flows, nonchina_sold=sold)


def _allocate(args):
    orders, contracted, supply, share, caps, available, leak = args
    # allocate must not mutate its inputs.
    copies = [np.array(a, copy=True) for a in (orders, contracted, share, caps)]
    result = allocate(orders, contracted, supply, share, caps, available, leak)
    for before, after in zip(copies, (orders, contracted, share, caps), strict=True):
        np.testing.assert_array_equal(before, after)
    return result


# -- allocate -----------------------------------------------------------------------------
class TestAllocate:
    @SETTINGS
    @given(clearing_inputs())
    def test_received_between_zero_and_orders(self, args):
        orders = args[0]
        c = _allocate(args)
        want = np.maximum(orders, 0.0)
        tol = close_enough(want)
        for flow in (c.nonchina, c.china, c.leak, c.blocked, c.requested, c.refused):
            assert np.all(np.isfinite(flow))
            assert np.all(flow >= -tol)
        assert np.all(c.received <= want + tol)
        # Every tonne ordered is received or left blocked (net of leakage).
        np.testing.assert_allclose(c.received + c.blocked, want, rtol=1e-9, atol=1e-6)

    @SETTINGS
    @given(clearing_inputs())
    def test_china_respects_share_caps_and_availability(self, args):
        orders, _contracted, _supply, share, caps, available, _leak = args
        c = _allocate(args)
        tol = close_enough(np.maximum(orders, 0.0))
        assert np.all(c.china <= share * c.requested + tol)
        assert np.all(c.china <= caps + tol)
        assert np.all(c.china <= share * np.maximum(orders, 0.0) + tol)
        assert c.china.sum() <= max(available, 0.0) + close_enough(max(orders.sum(), 0.0))
        # A ban (share 0 or cap 0) ships nothing.
        assert np.all(c.china[(share == 0) | (caps == 0)] == 0.0)

    @SETTINGS
    @given(clearing_inputs())
    def test_nonchina_sold_at_most_offered(self, args):
        supply = args[2]
        c = _allocate(args)
        assert -EPS <= c.nonchina_sold <= supply + close_enough(supply)
        assert c.nonchina.sum() == pytest.approx(c.nonchina_sold, rel=1e-9, abs=1e-6)

    @SETTINGS
    @given(clearing_inputs())
    def test_contracted_buyers_served_first(self, args):
        orders, contracted, supply, *_ = args
        c = _allocate(args)
        want = np.maximum(orders, 0.0)
        held = np.minimum(contracted, want)
        total = held.sum()
        if supply >= total:
            # Every contract is filled in full before anyone else gets non-China output.
            assert np.all(c.nonchina >= held - close_enough(held))
        else:
            # Short of contracted volume: contracts are pro-rated, nobody else gets any.
            np.testing.assert_allclose(c.nonchina, held * (supply / total), rtol=1e-9, atol=1e-6)
            assert c.nonchina_sold == pytest.approx(supply, rel=1e-9, abs=1e-6)

    def test_contracted_buyer_served_before_spot_buyer(self):
        orders = np.array([100.0, 100.0])
        contracted = np.array([60.0, 0.0])
        c = allocate(orders, contracted, 50.0, np.zeros(2), np.zeros(2), 0.0, 0.0)
        np.testing.assert_allclose(c.nonchina, [50.0, 0.0])
        c = allocate(orders, contracted, 80.0, np.zeros(2), np.zeros(2), 0.0, 0.0)
        # The 20 t spare goes to blocked buyers pro rata to what they still lack (40, 100).
        np.testing.assert_allclose(c.nonchina, [60.0 + 20 * 40 / 140, 20 * 100 / 140])

    @SETTINGS
    @given(clearing_inputs())
    def test_leakage_only_from_blocked_demand(self, args):
        orders, _contracted, _supply, _share, _caps, _available, leak = args
        c = _allocate(args)
        tol = close_enough(np.maximum(orders, 0.0))
        assert np.all(c.leak <= leak * c.refused + tol)
        assert np.all(c.leak[c.refused <= 0] == 0.0)
        # refused = what China did not approve of the request.
        assert np.all(c.refused <= c.requested + tol)

    @SETTINGS
    @given(clearing_inputs())
    def test_no_leakage_without_leak_rate(self, args):
        args = (*args[:-1], 0.0)
        c = _allocate(args)
        assert np.all(c.leak == 0.0)

    @SETTINGS
    @given(clearing_inputs())
    def test_open_trade_fills_everything(self, args):
        orders, contracted, supply, _share, _caps, _available, leak = args
        n = len(orders)
        want = np.maximum(orders, 0.0)
        c = allocate(
            orders,
            contracted,
            supply,
            np.ones(n),
            np.full(n, np.inf),
            float(want.sum()) * (1 + 1e-12) + 1.0,
            leak,
        )
        np.testing.assert_allclose(c.received, want, rtol=1e-9, atol=1e-6)
        np.testing.assert_allclose(c.blocked, 0.0, atol=1e-6)
        assert np.all(c.leak <= close_enough(want))
        assert np.all(c.refused <= close_enough(want))

    @SETTINGS
    @given(clearing_inputs())
    def test_more_nonchina_supply_never_hurts(self, args):
        """Adding non-China output never lowers what any region receives in total."""
        orders, contracted, supply, share, caps, available, leak = args
        before = _allocate(args).received.sum()
        after = allocate(
            orders, contracted, supply * 2 + 1.0, share, caps, available, leak
        ).received.sum()
        assert after >= before - close_enough(before)

    def test_total_ban_with_leakage(self):
        orders = np.array([100.0, 50.0])
        c = allocate(orders, np.zeros(2), 0.0, np.zeros(2), np.zeros(2), 1e9, 0.2)
        np.testing.assert_allclose(c.china, 0.0)
        np.testing.assert_allclose(c.leak, [20.0, 10.0])
        np.testing.assert_allclose(c.blocked, [80.0, 40.0])
        np.testing.assert_allclose(c.received, [20.0, 10.0])

    def test_china_available_scales_shipments_pro_rata(self):
        orders = np.array([100.0, 300.0])
        c = allocate(orders, np.zeros(2), 0.0, np.ones(2), np.full(2, np.inf), 200.0, 0.0)
        np.testing.assert_allclose(c.china, [50.0, 150.0])
        c = allocate(orders, np.zeros(2), 0.0, np.ones(2), np.full(2, np.inf), -5.0, 0.5)
        np.testing.assert_allclose(c.china, 0.0)
        np.testing.assert_allclose(c.leak, [50.0, 150.0])

    def test_spare_nonchina_output_displaces_china(self):
        orders = np.array([100.0])
        c = allocate(orders, np.zeros(1), 30.0, np.ones(1), np.full(1, np.inf), 1e9, 0.0)
        np.testing.assert_allclose(c.nonchina, [30.0])
        np.testing.assert_allclose(c.china, [70.0])
        assert c.nonchina_sold == pytest.approx(30.0)

    def test_quota_cap(self):
        orders = np.array([100.0, 100.0])
        c = allocate(orders, np.zeros(2), 0.0, np.ones(2), np.array([40.0, np.inf]), 1e9, 0.0)
        np.testing.assert_allclose(c.china, [40.0, 100.0])
        np.testing.assert_allclose(c.refused, [60.0, 0.0])


# -- update_price -------------------------------------------------------------------------
@st.composite
def price_inputs(draw):
    ref = draw(st.floats(1.0, 1e3))
    floor = 0.2 * ref
    ceiling = draw(st.floats(1.5, 500.0)) * ref
    price = draw(st.floats(floor, ceiling))
    anchor = draw(st.floats(floor, ceiling))
    demand = draw(st.floats(0.0, 1e6))
    supply = draw(st.floats(0.0, 1e6))
    constrained = draw(fraction)
    adjustment = draw(st.floats(0.01, 2.0))
    reversion = draw(fraction)
    return {
        "price": price,
        "anchor": anchor,
        "demand": demand,
        "supply": supply,
        "constrained_share": constrained,
        "adjustment": adjustment,
        "reversion": reversion,
        "floor": floor,
        "ceiling": ceiling,
    }


class TestUpdatePrice:
    @SETTINGS
    @given(price_inputs())
    def test_within_floor_and_ceiling(self, kw):
        p = update_price(**kw)
        assert math.isfinite(p)
        assert kw["floor"] <= p <= kw["ceiling"]

    @SETTINGS
    @given(price_inputs(), st.floats(1.01, 100.0))
    def test_rises_with_excess_demand(self, kw, excess):
        """Excess demand raises the price when nothing pulls it down (fully constrained,
        or the anchor is not below the price)."""
        kw["supply"] = max(kw["supply"], 1.0)
        kw["demand"] = kw["supply"] * excess
        for variant in ({"constrained_share": 1.0}, {"anchor": kw["price"]}):
            p = update_price(**{**kw, **variant})
            if kw["price"] < kw["ceiling"] * (1 - 1e-9):
                assert p > kw["price"]
            else:
                assert p == pytest.approx(kw["ceiling"])

    @SETTINGS
    @given(price_inputs(), st.floats(1.01, 100.0))
    def test_falls_with_excess_supply(self, kw, excess):
        kw["demand"] = max(kw["demand"], 1.0)
        kw["supply"] = kw["demand"] * excess
        p = update_price(**{**kw, "constrained_share": 1.0})
        if kw["price"] > kw["floor"] * (1 + 1e-9):
            assert p < kw["price"]
        else:
            assert p == pytest.approx(kw["floor"])

    @SETTINGS
    @given(price_inputs())
    def test_reverts_toward_anchor_when_unconstrained(self, kw):
        kw.update(demand=kw["supply"], constrained_share=0.0)
        assume(kw["reversion"] > 0.01)
        p = update_price(**kw)
        lo, hi = sorted((kw["price"], kw["anchor"]))
        # Between the old price and the anchor, and no farther from the anchor (log scale).
        assert lo * (1 - 1e-9) <= p <= hi * (1 + 1e-9)
        gap_before = abs(math.log(kw["price"]) - math.log(kw["anchor"]))
        gap_after = abs(math.log(p) - math.log(kw["anchor"]))
        assert gap_after <= gap_before * (1 - kw["reversion"]) + 1e-9
        if kw["reversion"] == 1.0:
            assert p == pytest.approx(kw["anchor"])

    @SETTINGS
    @given(price_inputs())
    def test_no_reversion_when_fully_constrained(self, kw):
        kw.update(demand=kw["supply"] + 1.0, supply=kw["supply"] + 1.0, constrained_share=1.0)
        assert update_price(**kw) == pytest.approx(kw["price"], rel=1e-9)

    @SETTINGS
    @given(price_inputs(), fraction, fraction, fraction)
    def test_reversion_weakens_as_china_refuses_more(self, kw, c1, c2, cutoff):
        """The pull toward the anchor never grows with the refused share, and vanishes
        once the refused share reaches the cutoff (a binding restriction)."""
        kw.update(demand=kw["supply"])
        low, high = sorted((c1, c2))

        def gap(c):
            p = update_price(**{**kw, "constrained_share": c}, cutoff=cutoff)
            return abs(math.log(p) - math.log(kw["anchor"]))

        assert gap(low) <= gap(high) + 1e-9
        if high >= cutoff:
            p = update_price(**{**kw, "constrained_share": high}, cutoff=cutoff)
            assert p == pytest.approx(kw["price"], rel=1e-9)

    @SETTINGS
    @given(price_inputs(), st.floats(0.0, 1e6), st.floats(0.0, 1e6))
    def test_monotone_in_demand(self, kw, d1, d2):
        low, high = sorted((d1, d2))
        p_low = update_price(**{**kw, "demand": low})
        p_high = update_price(**{**kw, "demand": high})
        assert p_low <= p_high * (1 + 1e-12)

    @SETTINGS
    @given(price_inputs(), st.floats(0.0, 1e6), st.floats(0.0, 1e6))
    def test_antitone_in_supply(self, kw, s1, s2):
        low, high = sorted((s1, s2))
        assert update_price(**{**kw, "supply": high}) <= update_price(**{**kw, "supply": low}) * (
            1 + 1e-12
        )

    def test_example(self):
        # p' = 10·(2)^0.5 with no reversion.
        p = update_price(10.0, 10.0, 200.0, 100.0, 1.0, 0.5, 0.6, 1.0, 1000.0)
        assert p == pytest.approx(10.0 * 2**0.5, rel=1e-9)
        # Balanced market, half-way back to the anchor in log terms.
        p = update_price(40.0, 10.0, 100.0, 100.0, 0.0, 0.35, 0.5, 1.0, 1000.0)
        assert p == pytest.approx(20.0, rel=1e-9)

    def test_zero_demand_and_supply_is_finite(self):
        p = update_price(10.0, 10.0, 0.0, 0.0, 0.5, 0.35, 0.6, 2.0, 1000.0)
        assert p == pytest.approx(10.0)


# -- demand_multiplier --------------------------------------------------------------------
class TestDemandMultiplier:
    @SETTINGS
    @given(st.floats(1e-3, 1e5), st.floats(1e-3, 1e5), st.floats(0.1, 1e3), st.floats(1e-3, 2.0))
    def test_decreasing_in_price(self, p1, p2, reference, elasticity):
        low, high = sorted((p1, p2))
        m_low = demand_multiplier(low, reference, elasticity)
        m_high = demand_multiplier(high, reference, elasticity)
        assert m_low > 0 and m_high > 0
        assert math.isfinite(m_low) and math.isfinite(m_high)
        assert m_high <= m_low
        if high > low * (1 + 1e-6):
            assert m_high < m_low

    @SETTINGS
    @given(st.floats(0.1, 1e3), st.floats(1e-3, 2.0))
    def test_one_at_reference(self, reference, elasticity):
        assert demand_multiplier(reference, reference, elasticity) == pytest.approx(1.0)
        assert demand_multiplier(2 * reference, reference, elasticity) < 1.0
        assert demand_multiplier(0.5 * reference, reference, elasticity) > 1.0

    def test_zero_price_is_finite(self):
        assert math.isfinite(demand_multiplier(0.0, 50.0, 0.15))

    def test_isoelastic(self):
        assert demand_multiplier(100.0, 50.0, 0.5) == pytest.approx(2**-0.5)


# -- risk.severity ------------------------------------------------------------------------
CFG = RiskConfig()


def _sev(regime, approval=1.0, delay=0.0, cut=0.0, cfg=CFG):
    return severity(regime, approval, delay, cut, cfg)


class TestSeverity:
    def test_ordering_ban_quota_licensing_open(self):
        ban = _sev(Regime.BAN)
        quota = _sev(Regime.QUOTA, cut=0.4)
        licensing = _sev(Regime.LICENSING, approval=0.8, delay=2.0)
        opened = _sev(Regime.OPEN)
        assert ban > quota > licensing > opened == 0.0

    @SETTINGS
    @given(fraction, st.floats(0.0, 24.0), fraction)
    def test_all_in_unit_interval_and_ban_is_worst(self, approval, delay, cut):
        ban = _sev(Regime.BAN)
        for regime in Regime:
            s = _sev(regime, approval, delay, cut)
            assert 0.0 <= s <= 1.0
            assert s <= ban

    @SETTINGS
    @given(fraction, fraction)
    def test_quota_increases_with_cut(self, c1, c2):
        low, high = sorted((c1, c2))
        assert _sev(Regime.QUOTA, cut=low) <= _sev(Regime.QUOTA, cut=high)
        assert _sev(Regime.QUOTA, cut=1.0) == pytest.approx(_sev(Regime.BAN))

    @SETTINGS
    @given(fraction, fraction, st.floats(0.0, 24.0))
    def test_licensing_harsher_as_approval_falls(self, a1, a2, delay):
        low, high = sorted((a1, a2))
        assert _sev(Regime.LICENSING, low, delay) >= _sev(Regime.LICENSING, high, delay)

    @SETTINGS
    @given(fraction, st.floats(0.0, 24.0), st.floats(0.0, 24.0))
    def test_licensing_harsher_as_delay_grows(self, approval, d1, d2):
        low, high = sorted((d1, d2))
        assert _sev(Regime.LICENSING, approval, low) <= _sev(Regime.LICENSING, approval, high)

    def test_licensing_approaches_ban(self):
        """Slow, selective licensing climbs from its base toward the ban's severity."""
        mild = _sev(Regime.LICENSING, 1.0, 0.0)
        assert mild == pytest.approx(CFG.severity_licensing_base)
        path = [
            _sev(Regime.LICENSING, a, d)
            for a, d in [(1.0, 0.0), (0.8, 2.0), (0.5, 4.0), (0.2, 8.0), (0.0, 12.0)]
        ]
        assert path == sorted(path)
        assert len(set(path)) == len(path)  # strictly rising
        harshest = path[-1]
        ban = _sev(Regime.BAN)
        # The harshest licensing is much closer to a ban than the mildest, and harsher
        # than the default 40 % quota, but (by design, factor 0.8) stays below a ban.
        assert ban - harshest < 0.25 * (ban - mild)
        assert harshest > _sev(Regime.QUOTA, cut=0.4)
        assert harshest <= ban
        # Delay beyond a year adds nothing more.
        assert _sev(Regime.LICENSING, 0.0, 24.0) == pytest.approx(harshest)
        assert _sev(Regime.LICENSING, 0.5, 12.0) == pytest.approx(harshest)


# -- update_risk, decay, reputation -------------------------------------------------------
class TestRiskMemory:
    @SETTINGS
    @given(
        st.lists(st.floats(0.0, 1e4), min_size=1, max_size=8),
        st.floats(0.0, 5.0),
        st.floats(0.1, 120.0),
    )
    def test_perceived_risk_is_bounded_and_rises_with_memory(self, memory, sensitivity, half):
        memory = np.sort(np.array(memory))
        out = perceived_risk(memory, sensitivity, half)
        assert np.all(np.isfinite(out))
        assert np.all((out >= 0.0) & (out <= 1.0))
        assert np.all(np.diff(out) >= 0.0)

    @SETTINGS
    @given(st.floats(0.1, 5.0), st.floats(0.1, 120.0))
    def test_half_saturation_and_dose_response(self, sensitivity, half):
        """Memory of ``half / sensitivity`` months gives risk 0.5; each further dose of
        the same size halves what is left, so a tenth dose still raises risk."""
        dose = half / sensitivity
        risks = [float(perceived_risk(k * dose, sensitivity, half)) for k in range(11)]
        assert risks[1] == pytest.approx(0.5, rel=1e-12)
        for k in range(1, 11):
            assert 1.0 - risks[k] == pytest.approx(0.5**k, rel=1e-9)

    @SETTINGS
    @given(st.floats(0.0, 0.999), st.floats(0.1, 5.0), st.floats(0.1, 120.0))
    def test_memory_for_inverts_perceived_risk(self, risk, sensitivity, half):
        memory = memory_for(risk, sensitivity, half)
        assert float(perceived_risk(memory, sensitivity, half)) == pytest.approx(risk, abs=1e-12)

    def test_memory_for_caps_certainty_and_ignores_the_insensitive(self):
        assert memory_for(1.0, 1.0, 3.0) == memory_for(0.999, 1.0, 3.0)
        assert memory_for(0.5, 0.0, 3.0) == 0.0

    @SETTINGS
    @given(st.floats(0.1, 1200.0))
    def test_decay_factor(self, half_life):
        d = decay_factor(half_life)
        assert 0.0 < d < 1.0
        assert d**half_life == pytest.approx(0.5, rel=1e-9)

    @SETTINGS
    @given(fraction, st.floats(-1.0, 2.0), fraction)
    def test_update_reputation_bounded(self, reputation, loss, recovery):
        out = update_reputation(reputation, loss, recovery)
        assert 0.0 <= out <= 1.0

    @SETTINGS
    @given(fraction, fraction, fraction, fraction)
    def test_reputation_monotone(self, reputation, l1, l2, recovery):
        low, high = sorted((l1, l2))
        assert update_reputation(reputation, high, recovery) <= update_reputation(
            reputation, low, recovery
        )
        # Without loss it only recovers.
        assert update_reputation(reputation, 0.0, recovery) >= reputation - 1e-12

    def test_reputation_recovers_with_half_life(self):
        recovery = 1.0 - decay_factor(60.0)
        rep = 0.5
        for _ in range(60):
            rep = update_reputation(rep, 0.0, recovery)
        assert rep == pytest.approx(0.75, rel=1e-9)  # half the gap closed
