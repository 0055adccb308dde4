"""Unit and property tests of the pure market-clearing and memory functions.

Covers :mod:`model.market` (``allocate_flows``, ``clearing_price``, ``adjust_price``,
``demand_multiplier``)
and :mod:`model.risk` (``severity``, ``perceived_risk``, ``update_reputation``,
``decay_factor``). Everything here is a pure function of its arguments, so the
tests need no model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from overplay.agents.actions import Regime
from overplay.model.config_world import RiskConfig
from overplay.model.market import (
    EPS,
    AllocationInputs,
    adjust_price,
    allocate_flows,
    china_limit,
    clearing_price,
    demand_multiplier,
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
    orders,
    contracted,
    nonchina_supply,
    china_share,
    china_caps,
    china_available,
    leak_rate,
    anchor_scale=1.0,
) -> Clearing:
    """``allocate_flows`` taking lists or arrays (``anchor_scale`` 1: the price is
    China's own)."""
    *flows, sold = allocate_flows(
        AllocationInputs(
            *(np.asarray(a, dtype=float) for a in (orders, contracted, china_share, china_caps)),
            float(nonchina_supply),
            float(china_available),
            float(leak_rate),
            float(anchor_scale),
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


# -- licences are volumes ------------------------------------------------------------------
class TestLicencesAreVolumes:
    def test_approved_volume_does_not_shrink_as_the_price_rises(self):
        """A 40 % licence approves 40 % of what buyers ask at China's price: at a
        scarcity price where they ask only half as much (demand there is twice demand
        now), all of it is shipped, and 60 % of the request still counts as refused."""
        orders = np.array([100.0])
        at_fob = allocate(orders, np.zeros(1), 0.0, np.array([0.4]), np.full(1, np.inf), 1e9, 0.0)
        np.testing.assert_allclose(at_fob.china, [40.0])
        np.testing.assert_allclose(at_fob.refused, [60.0])
        scarce = allocate(
            [40.0], np.zeros(1), 0.0, np.array([0.4]), np.full(1, np.inf), 1e9, 0.2, 2.5
        )
        np.testing.assert_allclose(scarce.china, [40.0])  # 0.4 × 100 at China's price
        np.testing.assert_allclose(scarce.blocked, [0.0])
        np.testing.assert_allclose(scarce.refused, [40.0 * 0.6])
        np.testing.assert_allclose(scarce.leak, [0.0])  # nothing left unmet to take it

    def test_open_trade_ignores_the_anchor(self):
        c = allocate([100.0], np.zeros(1), 0.0, np.ones(1), np.full(1, np.inf), 1e9, 0.2, 0.5)
        np.testing.assert_allclose(c.china, [100.0])
        np.testing.assert_allclose(c.refused, [0.0])

    @SETTINGS
    @given(clearing_inputs(), st.floats(0.0, 50.0))
    def test_flows_stay_consistent_at_any_price(self, args, scale):
        orders, contracted, supply, share, caps, available, leak = args
        c = allocate(orders, contracted, supply, share, caps, available, leak, scale)
        want = np.maximum(orders, 0.0)
        tol = close_enough(want)
        np.testing.assert_allclose(c.received + c.blocked, want, rtol=1e-9, atol=1e-6)
        assert np.all(c.china <= c.requested + tol)
        assert np.all(c.china <= caps + tol)
        assert np.all(c.refused >= c.blocked + c.leak - tol)  # never less than left unmet
        assert np.all(c.refused <= c.requested + tol)
        assert np.all(c.leak <= leak * c.refused + tol)

    @SETTINGS
    @given(clearing_inputs(), st.floats(0.0, 50.0))
    def test_china_limit_bounds_what_china_ships(self, args, scale):
        """The most China would ship at its own price is never below what it ships now
        (its policy allows each destination at least that) and never above what it has."""
        orders, contracted, supply, share, caps, available, leak = args
        c = allocate(orders, contracted, supply, share, caps, available, leak, scale)
        most = china_limit(
            np.asarray(orders, float), c.requested, share, caps, scale, float(available)
        )
        assert most <= max(available, 0.0) + 1e-9
        shipped_before_displacement = np.minimum(c.china + c.nonchina, c.requested).sum()
        assert (
            most
            >= min(c.china.sum(), max(available, 0.0))
            - close_enough(shipped_before_displacement).max()
        )


# -- clearing_price and adjust_price ---------------------------------------------------------
positive = st.floats(1e-3, 1e6)
elasticity = st.floats(0.05, 2.0)


class TestClearingPrice:
    @SETTINGS
    @given(positive, positive, positive, positive, positive, elasticity)
    def test_demand_at_the_price_meets_supply_when_a_limit_binds(
        self, price, demand, own, fixed, extra, eps
    ):
        """Where the price is above the supplier's own, demand there equals the most
        that can be supplied; where below, the fixed supply alone; else it is the
        supplier's price."""
        p = clearing_price(price, demand, own, fixed, fixed + extra, eps)
        wanted = demand * (p / price) ** (-eps)
        if p > own * (1 + 1e-9):
            assert wanted == pytest.approx(fixed + extra, rel=1e-6)
        elif p < own * (1 - 1e-9):
            assert wanted == pytest.approx(fixed, rel=1e-6)
        else:
            assert fixed * (1 - 1e-9) <= wanted <= (fixed + extra) * (1 + 1e-9)

    @SETTINGS
    @given(positive, positive, positive, positive, positive, positive, elasticity)
    def test_more_supply_never_raises_it(self, price, demand, own, fixed, extra, more, eps):
        base = clearing_price(price, demand, own, fixed, fixed + extra, eps)
        assert clearing_price(price, demand, own, fixed, fixed + extra + more, eps) <= base * (
            1 + 1e-12
        )
        assert clearing_price(price, demand, own, fixed + more, fixed + more + extra, eps) <= (
            base * (1 + 1e-12)
        )
        assert clearing_price(price, demand + more, own, fixed, fixed + extra, eps) >= base * (
            1 - 1e-12
        )

    def test_examples(self):
        # Unlimited supplier: its own price.
        assert clearing_price(80.0, 100.0, 20.0, 10.0, math.inf, 0.25) == pytest.approx(20.0)
        # Half of demand rationed away at elasticity 0.5: price × 2^(1/0.5) = ×4.
        assert clearing_price(20.0, 100.0, 20.0, 10.0, 50.0, 0.5) == pytest.approx(80.0)
        # A glut: fixed supply 2× demand at elasticity 1 halves the price (a bust).
        assert clearing_price(20.0, 100.0, 20.0, 200.0, math.inf, 1.0) == pytest.approx(10.0)

    def test_a_tiny_elasticity_gives_a_huge_price_not_an_overflow(self):
        p = clearing_price(50.0, 1e6, 50.0, 0.0, 1.0, 0.01)
        assert math.isfinite(p) and p > 1e100

    def test_no_fixed_supply_and_no_demand_stay_finite(self):
        assert clearing_price(20.0, 0.0, 20.0, 0.0, 0.0, 0.25) == pytest.approx(20.0)
        assert math.isfinite(clearing_price(20.0, 100.0, 20.0, 0.0, 1e-15, 0.25))


class TestAdjustPrice:
    @SETTINGS
    @given(positive, positive, st.floats(0.0, 1.0))
    def test_moves_part_of_the_way_in_logs(self, price, target, speed):
        p = adjust_price(price, target, speed, 1e-9, 1e12)
        assert math.log(p) == pytest.approx(
            math.log(price) + speed * (math.log(target) - math.log(price)), abs=1e-9
        )

    def test_clipped(self):
        assert adjust_price(10.0, 1e9, 1.0, 2.0, 1000.0) == 1000.0
        assert adjust_price(10.0, 1e-9, 1.0, 2.0, 1000.0) == 2.0


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
