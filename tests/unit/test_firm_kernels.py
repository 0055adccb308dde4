"""The compiled firm loops equal the numpy expressions they replaced, bit for bit.

The references below are the array formulas the population used before the loops
were compiled (docs/odd.md §Firms); per-importer sums are ``np.bincount`` (firm
order). Random populations include firms that curtail (price above value added),
importers without firms and zero needs.
"""

from __future__ import annotations

import numpy as np
import pytest

from overplay.agents import firm_kernels as kernels
from overplay.model.risk import update_risk
from overplay.model.units import DAYS_PER_MONTH

DAYS = DAYS_PER_MONTH


def by_region(values: np.ndarray, region: np.ndarray, regions: int) -> np.ndarray:
    m = values.shape[1]
    bins = (region[:, None] * m + np.arange(m)[None, :]).ravel()
    return np.bincount(bins, weights=values.ravel(), minlength=regions * m).reshape(regions, m)


def population(seed: int, n: int = 300, m: int = 2, regions: int = 4):
    rng = np.random.default_rng(seed)
    region = np.sort(rng.integers(0, regions - 1, n))  # the last importer has no firms
    shape = (n, m)
    return (
        rng,
        region,
        regions,
        {
            "base_need": rng.lognormal(0, 1, shape) * (rng.random(shape) > 0.1),
            "thrift": rng.uniform(0, 0.3, shape),
            "contracted": rng.uniform(0, 1, shape),
            "target_days": rng.uniform(0, 200, shape),
            "inventory": rng.uniform(0, 20, shape),
            "value_added": rng.uniform(5, 400, shape),
        },
    )


def firm_state(p: dict, region: np.ndarray, regions: int) -> kernels.FirmState:
    n = region.shape[0]
    return kernels.FirmState(
        p["base_need"],
        p["thrift"],
        p["contracted"],
        p["target_days"],
        p["inventory"],
        p["value_added"],
        region,
        regions,
        3.0,
        np.zeros(n),
        np.zeros(n),
    )


def memory_inputs(**fields) -> kernels.MemoryInputs:
    """Memory inputs with the given fields, the rest unused by the kernel under test."""
    empty = np.zeros((0, 0))
    defaults = dict.fromkeys(kernels.MemoryInputs._fields, empty)
    return kernels.MemoryInputs(**(defaults | fields))


@pytest.mark.parametrize("seed", range(5))
def test_demand_matches_numpy(seed):
    rng, region, regions, p = population(seed)
    m = p["base_need"].shape[1]
    growth, mult = rng.uniform(0.9, 1.2, m), rng.uniform(0.5, 1.5, m)
    price, premium = rng.uniform(10, 300, m), rng.uniform(0, 0.5, m)
    need, paid, orders, r_orders, r_contracted, r_need = kernels.demand(
        firm_state(p, region, regions), kernels.MarketTerms(growth, mult, price, premium)
    )
    want_need = p["base_need"] * growth * (1.0 - p["thrift"]) * mult[None, :]
    want_paid = price[None, :] * (1.0 + premium[None, :] * p["contracted"])
    target = want_need * p["target_days"] / DAYS
    want_orders = np.maximum(want_need + (target - p["inventory"]) / 3.0, 0.0)
    want_orders = np.where(want_paid < p["value_added"], want_orders, 0.0)
    assert (want_orders == 0).any() and (want_orders > 0).any()
    for got, want in (
        (need, want_need),
        (paid, want_paid),
        (orders, want_orders),
        (r_orders, by_region(want_orders, region, regions)),
        (r_contracted, by_region(want_orders * p["contracted"], region, regions)),
        (r_need, by_region(want_need, region, regions)),
    ):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("seed", range(5))
def test_receive_and_consume_matches_numpy(seed):
    rng, region, regions, p = population(seed)
    n, m = p["base_need"].shape
    orders, need = rng.uniform(0, 5, (n, m)), rng.uniform(0, 8, (n, m))
    paid = rng.uniform(10, 300, (n, m))
    fill = rng.uniform(0.3, 1.0, (regions, m))
    release = rng.uniform(0, 50, (regions, m)) * (rng.random((regions, m)) > 0.3)
    inventory, cumulative, discounted = p["inventory"].copy(), np.ones(n), np.ones(n)
    firms = firm_state(p, region, regions)._replace(
        inventory=inventory, cumulative_profit=cumulative, discounted_profit=discounted
    )
    wanted = kernels.Demand(need, paid, orders, *(np.zeros((regions, m)),) * 3)
    got = kernels.receive_and_consume(firms, wanted, fill, release, 0.97)

    stock = p["inventory"].copy()
    delivered = orders * fill[region]
    stock += delivered
    gap = np.maximum(need - stock, 0.0)
    region_gap = by_region(gap, region, regions)
    share = np.minimum(
        np.divide(release, region_gap, out=np.zeros_like(release), where=region_gap > 0), 1.0
    )
    stock += gap * share[region]
    consumed = np.minimum(need, stock)
    stock -= consumed
    shortfall = need - consumed
    value = (consumed * p["value_added"]).sum(axis=1) * 1e-3
    cost = (delivered * paid).sum(axis=1) * 1e-3
    profit = value - cost
    assert (shortfall > 0).any()
    np.testing.assert_array_equal(inventory, stock)
    np.testing.assert_array_equal(cumulative, 1.0 + profit)
    np.testing.assert_array_equal(discounted, 1.0 + profit * 0.97)
    want = (
        shortfall,
        region_gap * share,
        by_region(consumed, region, regions),
        by_region(shortfall, region, regions),
        by_region(shortfall * p["value_added"] * 1e-3, region, regions),
        np.bincount(region, weights=profit, minlength=regions),
        by_region(stock, region, regions),
    )
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("seed", range(3))
def test_memories_match_numpy(seed):
    rng, region, regions, p = population(seed)
    n, m = p["base_need"].shape
    risk, sensitivity = rng.uniform(0, 1, (n, m)), rng.lognormal(0, 0.5, n)
    impulse = rng.uniform(0, 1, (regions, m))
    felt = np.clip(impulse[region] * sensitivity[:, None], 0.0, 1.0)
    np.testing.assert_array_equal(
        kernels.update_risk(risk, impulse, sensitivity, 0.9, region), update_risk(risk, felt, 0.9)
    )

    thrift, committed = p["thrift"].copy(), p["thrift"] * 1.2
    effort, boost = rng.uniform(0, 1, (n, m)), rng.uniform(0, 1, (regions, m))
    max_thrift = np.array([0.35, 0.25])[:m]
    want_committed = committed + np.minimum(
        effort * 0.1 / 12.0 * (1.0 + boost[region]),
        np.maximum(max_thrift[None, :] - committed, 0.0),
    )
    want_thrift = thrift + (want_committed - thrift) / 24.0
    kernels.advance_thrift(
        memory_inputs(
            thrift=thrift,
            committed=committed,
            effort=effort,
            max_thrift=max_thrift,
            thrift_rate=0.1,
            thrift_lag=24.0,
            region=region,
        ),
        boost,
    )
    np.testing.assert_array_equal(committed, want_committed)
    np.testing.assert_array_equal(thrift, want_thrift)


def test_clipped_decision_matches_numpy():
    rng = np.random.default_rng(7)
    days, share, effort = (
        rng.normal(0.5, 400, (50, 2)),
        rng.normal(0.5, 1, (50, 2)),
        rng.normal(0.5, 1, (50, 2)),
    )
    days[3, 1] = share[4, 0] = effort[5, 1] = np.nan
    got = kernels.clipped_decision(days, share, effort)
    for g, x, high in zip(got, (days, share, effort), (720.0, 1.0, 1.0), strict=True):
        np.testing.assert_array_equal(g, np.minimum(np.maximum(x, 0.0), high))


def test_importers_memories_match_python():
    """Importers' risk and recycling as the month's Python loops had them (docs/odd.md
    §7.4, §7.7); the firms' part is the two loops tested above."""
    rng, region, regions, p = population(11)
    n, m = p["base_need"].shape
    impulse, shortage = rng.uniform(0, 1, (regions, m)), rng.uniform(0, 0.5, (regions, m))
    risk, sensitivity = rng.uniform(0, 1, (regions, m)), rng.uniform(0.5, 2, regions)
    research, recycling = rng.uniform(0, 3000, (regions, m)), rng.uniform(0, 0.2, (regions, m))
    firm_risk = rng.uniform(0, 1, (n, m))
    thrift, committed = p["thrift"].copy(), p["thrift"].copy()
    new_risk, new_recycling, firms = kernels.memories(
        kernels.MemoryInputs(
            impulse,
            shortage,
            2.0,
            risk,
            sensitivity,
            0.9,
            research,
            recycling,
            1000.0,
            0.01,
            0.3,
            120.0,
            firm_risk,
            rng.lognormal(0, 0.4, n),
            region,
            thrift,
            committed,
            rng.uniform(0, 1, (n, m)),
            np.array([0.35, 0.25])[:m],
            0.1,
            24.0,
        )
    )
    for i in range(regions):
        for j in range(m):
            felt = 1.0 - (1.0 - impulse[i, j]) * (1.0 - min(max(2.0 * shortage[i, j], 0.0), 1.0))
            assert new_risk[i, j] == update_risk(
                risk[i, j], min(max(felt * sensitivity[i], 0.0), 1.0), 0.9
            )
            effect = research[i, j] / (research[i, j] + 1000.0)
            target = 0.01 + (0.3 - 0.01) * effect
            assert new_recycling[i, j] == recycling[i, j] + (target - recycling[i, j]) / 120.0
    assert firms.shape == firm_risk.shape and not np.shares_memory(firms, firm_risk)
