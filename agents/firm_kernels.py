"""The firm population's monthly arithmetic as compiled loops (numba).

One pass over firms × materials per phase of the month replaces some thirty numpy
calls, each of which walked the arrays on its own; at 1,000 firms that was most of
a step. Every formula is the one in ``docs/odd.md``; every per-importer sum adds firms
in firm order (as ``np.bincount`` does), so a run is reproducible to the bit. The same
mathematics, written for reading, is in :mod:`overplay.agents.firm_kernels_reference`
(``tests/unit/test_kernel_references.py`` holds the two together).

Data crosses the compiled boundary as named tuples of arrays. Arrays are firms ×
materials unless named ``region_*`` (importers × materials); ``region`` holds each
firm's importer index.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from overplay.model.jit import njit
from overplay.model.market import choke_bin
from overplay.model.units import DAYS_PER_MONTH


class FirmState(NamedTuple):
    """The population as the month reads it; the month updates ``inventory`` and both
    profits in place."""

    base_need: np.ndarray  # t/month before growth, thrift and price response
    thrift: np.ndarray  # share of need designed out
    contracted: np.ndarray  # share of orders under non-China contracts
    target_days: np.ndarray  # inventory target, days of need
    inventory: np.ndarray  # t
    value_added: np.ndarray  # USD of output per kg
    region: np.ndarray  # each firm's importer index (firms)
    regions: int  # number of importers
    adjust_months: float  # months to close the gap to the target inventory
    cumulative_profit: np.ndarray  # USD m (firms)
    discounted_profit: np.ndarray  # USD m (firms)


class MarketTerms(NamedTuple):
    """What every firm faces this month, per material."""

    growth: np.ndarray  # demand growth since the start
    price_response: np.ndarray  # short-run demand multiplier at the ex-China price
    price: np.ndarray  # ex-China price, USD/kg
    premium: np.ndarray  # security premium on contracted non-China supply
    stock_scale: np.ndarray  # share of the usual inventory worth holding at this price


class Demand(NamedTuple):
    """This month's needs, prices paid and orders, and their sums per importer."""

    need: np.ndarray  # t/month
    paid: np.ndarray  # USD/kg
    orders: np.ndarray  # t/month
    region_orders: np.ndarray
    region_contracted: np.ndarray  # orders under non-China contracts
    region_need: np.ndarray
    potential: np.ndarray  # what each firm would order if it bought (curtailing or not)


class Receipts(NamedTuple):
    """What arrived and was consumed; per importer unless ``shortfall`` (per firm)."""

    shortfall: np.ndarray  # each firm's unmet need, t/month
    release_used: np.ndarray  # state stockpile releases drawn, t/month
    consumed: np.ndarray  # t/month
    region_shortfall: np.ndarray  # t/month
    lost_output: np.ndarray  # USD m
    profit: np.ndarray  # firms' profit, USD m (importers)
    inventory: np.ndarray  # t, after consumption


@njit(cache=True)
def demand(firms, terms):
    """This month's needs, prices paid and orders (a :class:`FirmState` and the
    :class:`MarketTerms` in, a :class:`Demand` out).

    need = base need × growth × (1 − thrift) × price response; paid = price ×
    (1 + premium × contracted share); orders = need plus 1/adjust of the gap to the
    target inventory (the usual days of need, scaled down while the price is above
    China's: firms draw stocks down in a spike and rebuild them after it), never
    negative, and nothing where the price paid reaches what a kg adds to output (the
    firm curtails instead). Reference:
    :func:`overplay.agents.firm_kernels_reference.demand`.
    """
    n, m = firms.base_need.shape
    need = np.empty((n, m))
    paid = np.empty((n, m))
    orders = np.empty((n, m))
    potential = np.empty((n, m))
    region_orders = np.zeros((firms.regions, m))
    region_contracted = np.zeros((firms.regions, m))
    region_need = np.zeros((firms.regions, m))
    for i in range(n):
        r = firms.region[i]
        for j in range(m):
            wanted = (
                firms.base_need[i, j]
                * terms.growth[j]
                * (1.0 - firms.thrift[i, j])
                * terms.price_response[j]
            )
            cost = terms.price[j] * (1.0 + terms.premium[j] * firms.contracted[i, j])
            target = wanted * firms.target_days[i, j] / DAYS_PER_MONTH * terms.stock_scale[j]
            order = max(wanted + (target - firms.inventory[i, j]) / firms.adjust_months, 0.0)
            potential[i, j] = order
            if not cost < firms.value_added[i, j]:
                order = 0.0
            need[i, j] = wanted
            paid[i, j] = cost
            orders[i, j] = order
            region_orders[r, j] += order
            region_contracted[r, j] += order * firms.contracted[i, j]
            region_need[r, j] += wanted
    return Demand(need, paid, orders, region_orders, region_contracted, region_need, potential)


@njit(cache=True)
def choke_loads(firms, wanted, terms, edges, chinese_magnets):
    """The firms' orders by the price at which each stops buying (materials × bins;
    ``terms``: the month's :class:`MarketTerms`; ``edges``: each material's
    :func:`overplay.model.market.choke_edges`, one per bin).

    A firm buys while the price it pays stays below what a kg adds to its output: at the
    ex-China price ``price × value added / paid``. Each firm's potential order (from
    :func:`demand`: what it would order if it bought, so firms that curtail now count
    where they would come back), less the share its importer buys as Chinese magnets
    (``chinese_magnets``, importers × materials: not oxide demand), goes to the bin of
    that choke price
    (:func:`overplay.model.market.choke_bin`; the last bin: at or above the ceiling).
    :func:`overplay.model.market.demand_curve_price` reads them. Reference:
    :func:`overplay.agents.firm_kernels_reference.choke_loads`.
    """
    n, m = wanted.need.shape
    loads = np.zeros(edges.shape)
    for i in range(n):
        for j in range(m):
            order = wanted.potential[i, j] * (1.0 - chinese_magnets[firms.region[i], j])
            if order <= 0.0:
                continue
            choke = firms.value_added[i, j] * terms.price[j] / wanted.paid[i, j]
            loads[j, choke_bin(choke, edges[j])] += order
    return loads


@njit(cache=True)
def receive_and_consume(firms, demand, fill, release, discount):
    """Deliveries arrive, state stockpile releases cover gaps pro rata, firms consume.

    ``fill``: the share of each importer's orders delivered; ``release``: the
    stockpile each importer may release (importers × materials); ``discount``: this
    month's discount factor. Updates the firms' inventory and profits in place and
    returns the :class:`Receipts`. Reference:
    :func:`overplay.agents.firm_kernels_reference.receive_and_consume`.
    """
    orders, need, paid = demand.orders, demand.need, demand.paid
    value_added, inventory, region = firms.value_added, firms.inventory, firms.region
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
        firms.cumulative_profit[i] += profit
        firms.discounted_profit[i] += profit * discount
        region_profit[r] += profit
    return Receipts(
        shortfall,
        region_gap * share,
        region_consumed,
        region_shortfall,
        region_lost,
        region_profit,
        region_inventory,
    )


class MemoryInputs(NamedTuple):
    """A month's memories: importers' (importers × materials) and their firms'."""

    refused: np.ndarray  # orders China refused, materials × destinations, t/month
    orders: np.ndarray  # orders, materials × destinations, t/month
    allies: np.ndarray  # coordinating allies' importer indices, -1 padding (I × K)
    spillover: float  # share of another destination's refusals felt (twice an ally's)
    shortage: np.ndarray  # this month's shortage fraction
    shortage_weight: float  # months of refusal remembered per month of total shortage
    memory: np.ndarray  # importers' remembered months of refused supply
    sensitivity: np.ndarray  # importers' risk sensitivity (importers)
    retention: float  # monthly retention of the memory
    half_saturation: float  # memory at which a sensitivity-1 risk is 0.5, months
    research_stock: np.ndarray  # recycling R&D, USD m
    recycling: np.ndarray  # recycling rate
    research_half: float  # R&D stock at half the recycling boost, USD m
    recycling_base: float
    recycling_max: float
    recycling_lag: float  # months
    region: np.ndarray  # each firm's importer index
    thrift: np.ndarray  # firms × materials, advanced in place
    committed: np.ndarray  # thrift committed, firms × materials, advanced in place
    sticky: np.ndarray  # the committed thrift that stays, firms × materials, in place
    sticky_share: np.ndarray  # share of new thrift that stays, per material
    reversal_months: float  # time constant at which the rest fades without a push
    effort: np.ndarray  # thrifting effort, firms × materials
    max_thrift: np.ndarray  # per material
    thrift_rate: float  # per year at full effort
    thrift_lag: float  # months


class Memories(NamedTuple):
    """The importers' new memory, risk and recycling (the firms read their risk from
    the memory when they need it: :func:`firm_risk`)."""

    memory: np.ndarray
    risk: np.ndarray
    recycling: np.ndarray


@njit(cache=True)
def firm_risk(memory, sensitivity, half_saturation, region):
    """Each firm's perceived risk from its importer's memory of refused supply, scaled
    by its own sensitivity: ``r = 1 − 2^(−sensitivity · memory / half_saturation)``.
    Reference: :func:`overplay.agents.firm_kernels_reference.firm_risk`."""
    n = region.shape[0]
    m = memory.shape[1]
    result = np.empty((n, m))
    for i in range(n):
        r = region[i]
        for j in range(m):
            result[i, j] = 1.0 - 0.5 ** (sensitivity[i] * memory[r, j] / half_saturation)
    return result


@njit(cache=True)
def advance_thrift(inputs, boost):
    """Effort commits thrift at up to the :class:`MemoryInputs`' rate a year (faster
    with R&D: ``boost``, importers × materials), within what is left of the material's
    maximum; the sticky share of it stays, the rest fades while the firm has no reason
    to thrift (no effort); realised thrift follows with a lag. In place. Reference:
    :func:`overplay.agents.firm_kernels_reference.advance_thrift`."""
    thrift, committed, region = inputs.thrift, inputs.committed, inputs.region
    sticky = inputs.sticky
    n, m = thrift.shape
    for i in range(n):
        r = region[i]
        for j in range(m):
            room = max(inputs.max_thrift[j] - committed[i, j], 0.0)
            step = inputs.effort[i, j] * inputs.thrift_rate / 12.0 * (1.0 + boost[r, j])
            added = min(step, room)
            committed[i, j] += added
            sticky[i, j] += added * inputs.sticky_share[j]
            if inputs.effort[i, j] <= 0.0:
                committed[i, j] -= (committed[i, j] - sticky[i, j]) / inputs.reversal_months
            thrift[i, j] += (committed[i, j] - thrift[i, j]) / inputs.thrift_lag


@njit(cache=True)
def _spill_weights(allies, spillover, destinations):
    """How much of each destination's refused supply each importer feels (importers ×
    destinations): all of its own, ``spillover`` of others', twice that of a
    coordinating ally's (``allies``: importer indices per row, -1 padding)."""
    n_imp = allies.shape[0]
    weight = np.full((n_imp, destinations), spillover)
    for i in range(n_imp):
        weight[i, i] = 1.0
        for k in range(allies.shape[1]):
            if allies[i, k] >= 0:
                weight[i, allies[i, k]] = 2.0 * spillover
    return weight


@njit(cache=True)
def memories(inputs):
    """A month's memories of importers and their firms (:class:`MemoryInputs` in,
    :class:`Memories` out).

    Each importer feels the share of supply China refused it and, weighted, the
    shares it refused others; these combine with its shortage like independent
    probabilities into the month's dose, which the decaying memory of refused supply
    takes. Perceived risk saturates gradually in that memory (the importer's, and
    each firm's, sensitivity scale it). R&D raises recycling toward its ceiling with
    a lag and speeds the firms' thrifting (advanced in place). Reference:
    :func:`overplay.agents.firm_kernels_reference.memories`.
    """
    n_imp, n_mat = inputs.memory.shape
    n_dest = inputs.refused.shape[1]
    weight = _spill_weights(inputs.allies, inputs.spillover, n_dest)
    refused_share = np.zeros((n_mat, n_dest))
    for j in range(n_mat):
        for d in range(n_dest):
            if inputs.orders[j, d] > 0:
                refused_share[j, d] = inputs.refused[j, d] / inputs.orders[j, d]
    new_memory = np.empty((n_imp, n_mat))
    new_risk = np.empty((n_imp, n_mat))
    boost = np.empty((n_imp, n_mat))
    new_recycling = np.empty((n_imp, n_mat))
    half = inputs.half_saturation
    for i in range(n_imp):
        for j in range(n_mat):
            spared = 1.0 - min(max(inputs.shortage_weight * inputs.shortage[i, j], 0.0), 1.0)
            for d in range(n_dest):
                felt = weight[i, d] * refused_share[j, d]
                spared *= 1.0 - min(max(felt, 0.0), 1.0)
            new_memory[i, j] = inputs.memory[i, j] * inputs.retention + 1.0 - spared
            new_risk[i, j] = 1.0 - 0.5 ** (inputs.sensitivity[i] * new_memory[i, j] / half)
            stock = inputs.research_stock[i, j]
            boost[i, j] = stock / (stock + inputs.research_half)
            base, ceiling = inputs.recycling_base, inputs.recycling_max
            target = base + (ceiling - base) * boost[i, j]
            rate = inputs.recycling[i, j]
            new_recycling[i, j] = rate + (target - rate) / inputs.recycling_lag
    advance_thrift(inputs, boost)
    return Memories(new_memory, new_risk, new_recycling)


@njit(cache=True)
def clipped_decision(target_days, contracted, effort):
    """A firm decision clipped to valid ranges (target days in [0, 720], shares in
    [0, 1]), as new arrays, in one pass. Reference:
    :func:`overplay.agents.firm_kernels_reference.clipped_decision`."""
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
