"""The firm population's monthly arithmetic as compiled loops (numba).

One pass over firms × materials per phase of the month replaces some thirty numpy
calls, each of which walked the arrays on its own; at 1,000 firms that was most of
a step. Every formula is the one in ``docs/odd.md``, written in the same order as
the numpy expressions it replaces, and every per-importer sum adds firms in firm
order (as ``np.bincount`` does), so results are the same to the last bit;
``tests/unit/test_firm_kernels.py`` checks them against plain numpy.

Arrays are firms × materials unless named ``region_*`` (importers × materials).
``region`` holds each firm's importer index.
"""

from __future__ import annotations

import numpy as np

from overplay.model.jit import njit
from overplay.model.units import DAYS_PER_MONTH


@njit(cache=True)
def demand(
    base_need,
    thrift,
    growth,
    multiplier,
    price,
    premium,
    contracted,
    target_days,
    inventory,
    adjust_months,
    value_added,
    region,
    regions,
):
    """This month's needs, prices paid and orders, and their sums per importer.

    need = base need × growth × (1 − thrift) × price response; paid = price ×
    (1 + premium × contracted share); orders = need plus 1/adjust of the gap to the
    target inventory, never negative, and nothing where the price paid reaches what
    a kg adds to output (the firm curtails instead).

    Returns need, paid, orders, and per importer: orders, contracted orders, need.
    """
    n, m = base_need.shape
    need = np.empty((n, m))
    paid = np.empty((n, m))
    orders = np.empty((n, m))
    region_orders = np.zeros((regions, m))
    region_contracted = np.zeros((regions, m))
    region_need = np.zeros((regions, m))
    for i in range(n):
        r = region[i]
        for j in range(m):
            wanted = base_need[i, j] * growth[j] * (1.0 - thrift[i, j]) * multiplier[j]
            cost = price[j] * (1.0 + premium[j] * contracted[i, j])
            target = wanted * target_days[i, j] / DAYS_PER_MONTH
            order = max(wanted + (target - inventory[i, j]) / adjust_months, 0.0)
            if not cost < value_added[i, j]:
                order = 0.0
            need[i, j] = wanted
            paid[i, j] = cost
            orders[i, j] = order
            region_orders[r, j] += order
            region_contracted[r, j] += order * contracted[i, j]
            region_need[r, j] += wanted
    return need, paid, orders, region_orders, region_contracted, region_need


@njit(cache=True)
def receive_and_consume(
    orders,
    fill,
    need,
    release,
    paid,
    value_added,
    inventory,
    region,
    discount,
    cumulative_profit,
    discounted_profit,
):
    """Deliveries arrive, state stockpile releases cover gaps pro rata, firms consume.

    Updates ``inventory`` and both profit arrays in place. Returns each firm's
    shortfall and, per importer: release used, consumed, shortfall, lost output
    (USD m), firms' profit (USD m) and inventory after consumption.
    """
    n, m = orders.shape
    regions = fill.shape[0]
    region_gap = np.zeros((regions, m))
    for i in range(n):
        r = region[i]
        for j in range(m):
            inventory[i, j] += orders[i, j] * fill[r, j]
            region_gap[r, j] += max(need[i, j] - inventory[i, j], 0.0)
    share = np.zeros((regions, m))
    for r in range(regions):
        for j in range(m):
            if region_gap[r, j] > 0:
                share[r, j] = min(release[r, j] / region_gap[r, j], 1.0)
    shortfall = np.empty((n, m))
    region_consumed = np.zeros((regions, m))
    region_shortfall = np.zeros((regions, m))
    region_lost = np.zeros((regions, m))
    region_inventory = np.zeros((regions, m))
    region_profit = np.zeros(regions)
    for i in range(n):
        r = region[i]
        value = 0.0
        cost = 0.0
        for j in range(m):
            gap = max(need[i, j] - inventory[i, j], 0.0)
            inventory[i, j] += gap * share[r, j]
            consumed = min(need[i, j], inventory[i, j])
            inventory[i, j] -= consumed
            short = need[i, j] - consumed
            shortfall[i, j] = short
            if j == 0:
                value = consumed * value_added[i, j]
                cost = orders[i, j] * fill[r, j] * paid[i, j]
            else:
                value += consumed * value_added[i, j]
                cost += orders[i, j] * fill[r, j] * paid[i, j]
            region_consumed[r, j] += consumed
            region_shortfall[r, j] += short
            region_lost[r, j] += short * value_added[i, j] * 1e-3
            region_inventory[r, j] += inventory[i, j]
        profit = value * 1e-3 - cost * 1e-3  # t·USD/kg → USD m
        cumulative_profit[i] += profit
        discounted_profit[i] += profit * discount
        region_profit[r] += profit
    return (
        shortfall,
        region_gap * share,
        region_consumed,
        region_shortfall,
        region_lost,
        region_profit,
        region_inventory,
    )


@njit(cache=True)
def update_risk(risk, impulse, sensitivity, retention, region):
    """Each firm's perceived risk after its importer's impulses, scaled by its own
    sensitivity: r' = 1 − (1 − r·retention)(1 − clip(impulse × sensitivity)).
    Returns a new array (month records keep the old one)."""
    n, m = risk.shape
    result = np.empty((n, m))
    for i in range(n):
        r = region[i]
        for j in range(m):
            felt = min(max(impulse[r, j] * sensitivity[i], 0.0), 1.0)
            result[i, j] = 1.0 - (1.0 - risk[i, j] * retention) * (1.0 - felt)
    return result


@njit(cache=True)
def advance_thrift(thrift, committed, effort, max_thrift, rate_per_year, boost, lag_months, region):
    """Effort commits thrift at up to ``rate`` a year (faster with R&D), within what is
    left of the material's maximum; realised thrift follows with a lag. In place."""
    n, m = thrift.shape
    for i in range(n):
        r = region[i]
        for j in range(m):
            room = max(max_thrift[j] - committed[i, j], 0.0)
            step = effort[i, j] * rate_per_year / 12.0 * (1.0 + boost[r, j])
            committed[i, j] += min(step, room)
            thrift[i, j] += (committed[i, j] - thrift[i, j]) / lag_months


@njit(cache=True)
def memories(
    impulse,
    shortage,
    shortage_weight,
    risk,
    sensitivity,
    retention,
    research_stock,
    recycling,
    research_half,
    recycling_base,
    recycling_max,
    recycling_lag,
    firm_risk,
    firm_sensitivity,
    region,
    thrift,
    committed,
    effort,
    max_thrift,
    thrift_rate,
    thrift_lag,
):
    """A month's memories of importers and their firms (importers × materials).

    The impulse of China's restrictions combines with shortages like independent
    probabilities; perceived risk decays and takes the impulse (scaled by the
    importer's, and each firm's, sensitivity); R&D raises recycling toward its
    ceiling with a lag and speeds the firms' thrifting. Returns the importers' new
    risk and recycling and the firms' new risk; thrift is advanced in place.
    """
    n_imp, n_mat = impulse.shape
    felt = np.empty((n_imp, n_mat))
    new_risk = np.empty((n_imp, n_mat))
    boost = np.empty((n_imp, n_mat))
    new_recycling = np.empty((n_imp, n_mat))
    for i in range(n_imp):
        for j in range(n_mat):
            felt[i, j] = 1.0 - (1.0 - impulse[i, j]) * (
                1.0 - min(max(shortage_weight * shortage[i, j], 0.0), 1.0)
            )
            new_risk[i, j] = 1.0 - (1.0 - risk[i, j] * retention) * (
                1.0 - min(max(felt[i, j] * sensitivity[i], 0.0), 1.0)
            )
            stock = research_stock[i, j]
            boost[i, j] = stock / (stock + research_half)
            target = recycling_base + (recycling_max - recycling_base) * boost[i, j]
            new_recycling[i, j] = recycling[i, j] + (target - recycling[i, j]) / recycling_lag
    firms = update_risk(firm_risk, felt, firm_sensitivity, retention, region)
    advance_thrift(thrift, committed, effort, max_thrift, thrift_rate, boost, thrift_lag, region)
    return new_risk, new_recycling, firms


@njit(cache=True)
def clipped_decision(target_days, contracted, effort):
    """A firm decision clipped to valid ranges (target days in [0, 720], shares in
    [0, 1]), as new arrays, in one pass."""
    n, m = target_days.shape
    days = np.empty((n, m))
    share = np.empty((n, m))
    push = np.empty((n, m))
    for i in range(n):
        for j in range(m):
            days[i, j] = _clip(target_days[i, j], 720.0)
            share[i, j] = _clip(contracted[i, j], 1.0)
            push[i, j] = _clip(effort[i, j], 1.0)
    return days, share, push


@njit(cache=True)
def _clip(value, high):
    """``value`` within [0, high]; NaN stays NaN (as with np.minimum/np.maximum)."""
    if value != value:
        return value
    return min(max(value, 0.0), high)
