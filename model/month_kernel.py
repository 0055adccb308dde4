"""The month's market clearing over materials, importers and producers' slots, compiled.

:func:`model.month.clear_month` gathers the world's state into small arrays, calls
:func:`run_month` once (firms' demand, :func:`clear_materials`, stockpile releases,
firms' receipts, :func:`leverage`) and writes the results back to the agents. Written
as plain loops in the order of ``docs/odd.md`` §7 (a step used to spend most of its
time in Python overhead around a few dozen numbers per material). Every sum runs in
a fixed order (importers, then third countries; slots in producer order), so a run
is reproducible to the bit. The packed inputs and outputs of :func:`run_month` are
named by the ``*_INPUTS`` and ``*_OUTPUTS`` tuples (``tests/unit/test_month_kernel.py``
holds the two sides to them).

Shapes: ``I`` importers, ``M`` materials, ``D = I + 1`` destinations (third
countries last), ``S`` producers' slots (one per producer, material and stage with
capacity), ``P`` producers. Slot stages: 0 mining, 1 separation (processing).
"""

from __future__ import annotations

import numpy as np

from overplay.agents import firm_kernels
from overplay.model.jit import njit
from overplay.model.market import allocate_flows
from overplay.model.supply import KG_PER_T_IN_USD_M
from overplay.model.units import DAYS_PER_MONTH


@njit(cache=True)
def clear_materials(
    region_orders,
    region_contracted,
    region_need,
    recycling,
    stock,
    stockpile_target_days,
    shortage,
    build_months,
    other_need,
    share,
    caps,
    price_x,
    price_c_ore,
    premium,
    local_share,
    contracted_share,
    floors,
    slot_material,
    slot_stage,
    slot_producer,
    slot_output,
    slot_cost,
    slot_charge,
    slot_free_ore,
    slot_host,
    producers,
    partner_ore_share,
    ore_value_share,
    china_available,
    domestic,
    leak_rate,
):
    """Clear every material's market for one month.

    Importers' stockpile purchases, orders to the market (firms' orders net of
    recycling, plus purchases; third countries' need last), which slots run (revenue
    covers operating cost), the allocation (contracts first, China within its policy,
    spot output, leakage), deliveries, China's and foreign shares of mining and
    separation, and producers' profits and price-floor top-ups.

    Updates ``stock`` in place (purchases delivered). Returns a tuple; see the
    unpacking in :func:`model.month.clear_month`.
    """
    n_imp, n_mat = region_orders.shape
    n_dest = n_imp + 1
    recycled = np.empty((n_imp, n_mat))
    purchases = np.empty((n_imp, n_mat))
    market_orders = np.empty((n_imp, n_mat))
    for i in range(n_imp):
        for j in range(n_mat):
            recycled[i, j] = min(region_need[i, j] * recycling[i, j], region_orders[i, j])
            market_orders[i, j] = region_orders[i, j] - recycled[i, j]
            if shortage[i, j] < 0.01:  # no stock building in a shortage
                target = stockpile_target_days[i, j] * region_need[i, j] / DAYS_PER_MONTH
                purchases[i, j] = max(target - stock[i, j], 0.0) / build_months
            else:
                purchases[i, j] = 0.0

    nonchina = np.empty((n_mat, n_dest))
    china = np.empty((n_mat, n_dest))
    leak = np.empty((n_mat, n_dest))
    market_fill = np.ones((n_imp, n_mat))
    demand_total = np.empty(n_mat)
    supply_total = np.empty(n_mat)
    constrained = np.empty(n_mat)
    exports = np.empty(n_mat)
    leaked = np.empty(n_mat)
    processed = np.empty(n_mat)
    mined_sold = np.empty(n_mat)
    processing_share = np.empty(n_mat)
    mining_share = np.empty(n_mat)
    new_local_share = np.empty(n_mat)
    new_contracted_share = np.empty(n_mat)
    producer_profit = np.zeros(producers)
    producer_present = np.zeros(producers, dtype=np.bool_)
    floor_cost = np.zeros(n_imp + 1)
    running = np.zeros(slot_output.shape[0], dtype=np.bool_)
    all_orders = np.empty((n_mat, n_dest))
    requested = np.empty((n_mat, n_dest))
    refused = np.empty((n_mat, n_dest))
    offered = np.empty(n_mat)
    contracted = np.empty(n_dest)
    for j in range(n_mat):
        orders = all_orders[j]
        for i in range(n_imp):
            orders[i] = market_orders[i, j] + purchases[i, j]
            contracted[i] = min(region_contracted[i, j], market_orders[i, j])
        orders[n_imp] = other_need[j]
        contracted[n_imp] = 0.0

        # Which capacity runs: revenue covers operating cost (full cost less capital).
        px, pc = price_x[j], price_c_ore[j]
        ore_local = ore_value_share * px
        ore_blend = ore_value_share * (local_share[j] * px + (1 - local_share[j]) * pc)
        paid = px * (1.0 + premium[j] * contracted_share[j])
        mined = 0.0
        free_ore = 0.0
        separation = 0.0
        for s in range(slot_output.shape[0]):
            if slot_material[s] != j:
                continue
            if slot_stage[s] == 0:
                running[s] = ore_blend >= slot_cost[s]
                if running[s]:
                    mined += slot_output[s]
                    free_ore += slot_output[s] * slot_free_ore[s]
            else:
                earned = max(paid, floors[slot_host[s], j])
                running[s] = earned - ore_local >= slot_cost[s]
                if running[s]:
                    separation += slot_output[s]
        offered[j] = min(separation, free_ore * (1.0 - partner_ore_share))

        flows = allocate_flows(
            orders, contracted, share[j], caps[j], offered[j], china_available[j], leak_rate
        )
        nonchina[j], china[j], leak[j] = flows[0], flows[1], flows[2]
        requested[j], refused[j], sold = flows[4], flows[5], flows[6]
        demand_total[j] = 0.0
        supply_total[j] = 0.0
        refused_total = 0.0
        requested_total = 0.0
        exports[j] = 0.0
        leaked[j] = 0.0
        contracted_total = 0.0
        for d in range(n_dest):
            received = nonchina[j, d] + china[j, d] + leak[j, d]
            if d < n_imp and orders[d] > 0:
                market_fill[d, j] = received / orders[d]
            demand_total[j] += orders[d]
            supply_total[j] += received
            refused_total += refused[j, d]
            requested_total += requested[j, d]
            exports[j] += china[j, d]
            leaked[j] += leak[j, d]
            contracted_total += contracted[d]
        constrained[j] = min(1.0, refused_total / max(requested_total, 1e-12))

        # Shares: foreign ore beyond what is separated abroad goes to China, up to its
        # needs; what China separates is its home market, exports and leakage.
        processed[j] = sold
        china_processed = domestic[j] + exports[j] + leaked[j]
        to_china = min(max(mined - sold, 0.0), china_processed)
        mined_sold[j] = sold + to_china
        china_mined = china_processed - to_china
        processing_share[j] = china_processed / max(china_processed + sold, 1e-12)
        mining_share[j] = china_mined / max(china_mined + mined_sold[j], 1e-12)
        new_local_share[j] = min(1.0, sold / mined_sold[j]) if mined_sold[j] > 0 else 1.0
        new_contracted_share[j] = min(1.0, contracted_total / sold) if sold > 0 else 0.0

        # Producers' profits: margins on what sold, pro rata; every slot pays capital.
        local = new_local_share[j]  # sales now decide the ore's blended value
        ore_blend = ore_value_share * (local * px + (1 - local) * pc)
        mine_scale = min(1.0, mined_sold[j] / mined) if mined > 0 else 0.0
        separation_scale = min(1.0, sold / separation) if separation > 0 else 0.0
        value = np.zeros(producers)
        present = np.zeros(producers, dtype=np.bool_)
        country_cost = np.zeros(n_imp + 1)
        for stage in range(2):
            for s in range(slot_output.shape[0]):
                if slot_material[s] != j or slot_stage[s] != stage or not running[s]:
                    continue
                p = slot_producer[s]
                if stage == 0:
                    volume = slot_output[s] * mine_scale
                    margin = ore_blend - slot_cost[s]
                else:
                    volume = slot_output[s] * separation_scale
                    earned = max(paid, floors[slot_host[s], j])
                    top_up = max(0.0, earned - paid)
                    country_cost[slot_host[s]] += top_up * volume * KG_PER_T_IN_USD_M
                    margin = earned - ore_local - slot_cost[s]
                value[p] = value[p] + margin * volume * KG_PER_T_IN_USD_M
                present[p] = True
        for stage in range(2):
            for s in range(slot_output.shape[0]):
                if slot_material[s] == j and slot_stage[s] == stage:
                    p = slot_producer[s]
                    value[p] = value[p] - slot_charge[s]
                    present[p] = True
        for p in range(producers):
            if present[p]:
                producer_profit[p] += value[p]
                producer_present[p] = True
        for c in range(n_imp + 1):
            floor_cost[c] += country_cost[c]

    firm_fill = np.ones((n_imp, n_mat))
    delivered = np.empty((n_imp, n_mat))
    for i in range(n_imp):
        for j in range(n_mat):
            if region_orders[i, j] > 0:
                firm_fill[i, j] = (
                    market_orders[i, j] * market_fill[i, j] + recycled[i, j]
                ) / region_orders[i, j]
            delivered[i, j] = purchases[i, j] * market_fill[i, j]
            stock[i, j] += delivered[i, j]
    return (
        recycled,
        all_orders,
        offered,
        nonchina,
        china,
        leak,
        requested,
        refused,
        firm_fill,
        delivered,
        demand_total,
        supply_total,
        constrained,
        exports,
        leaked,
        processed,
        mined_sold,
        processing_share,
        mining_share,
        new_local_share,
        new_contracted_share,
        producer_profit,
        producer_present,
        floor_cost,
    )


@njit(cache=True)
def leverage(
    region_need,
    recycled,
    region_contracted,
    inventory,
    stockpile,
    other_need,
    nonchina_supply,
    horizon,
):
    """Indispensability: each importer's share of demand over the buffer horizon it
    could not meet without China, from non-China output (contracts first), its
    firms' inventories, its stockpile and recycling (importers × materials)."""
    n_imp, n_mat = region_need.shape
    result = np.zeros((n_imp, n_mat))
    need = np.empty(n_imp + 1)
    contracted = np.zeros(n_imp + 1)
    shut = np.zeros(n_imp + 1)
    for j in range(n_mat):
        for i in range(n_imp):
            need[i] = region_need[i, j]
            contracted[i] = region_contracted[i, j]
        need[n_imp] = other_need[j]
        contracted[n_imp] = 0.0
        nonchina = allocate_flows(need, contracted, shut, shut, nonchina_supply[j], 0.0, 0.0)[0]
        for i in range(n_imp):
            demand = region_need[i, j] * horizon
            if demand <= 0:
                continue
            have = (nonchina[i] + recycled[i, j]) * horizon + inventory[i, j] + stockpile[i, j]
            result[i, j] = min(max(1.0 - have / demand, 0.0), 1.0)
    return result


@njit(cache=True)
def release_pool(stock, allies):
    """Stockpile each importer may draw on: its own, plus an equal share of each
    coordinating ally's (``allies``: importer indices per row, -1 padding), so no
    tonne is promised twice."""
    claimants = _claimants(allies, stock.shape[0])
    pool = stock.copy()
    for i in range(allies.shape[0]):
        for k in range(allies.shape[1]):
            a = allies[i, k]
            if a >= 0:
                pool[i] += stock[a] / claimants[a]
    return pool


@njit(cache=True)
def draw_stockpiles(stock, used, allies):
    """Take releases from the importer's own stockpile first, then from its share of its
    coordinating allies' stockpiles (in their order). In place."""
    claimants = _claimants(allies, stock.shape[0])
    shares = np.zeros_like(stock)
    for a in range(stock.shape[0]):
        if claimants[a] > 0:
            shares[a] = stock[a] / claimants[a]
    for i in range(stock.shape[0]):
        own = np.minimum(used[i], stock[i])
        stock[i] -= own
        rest = used[i] - own
        for k in range(allies.shape[1]):
            a = allies[i, k]
            if a >= 0:
                take = np.minimum(rest, np.minimum(shares[a], stock[a]))
                stock[a] -= take
                rest = rest - take


@njit(cache=True)
def _claimants(allies, importers):
    """How many importers may draw on each importer's stockpile."""
    claimants = np.zeros(importers)
    for a in range(importers):
        for i in range(allies.shape[0]):
            for k in range(allies.shape[1]):
                if allies[i, k] == a:
                    claimants[a] += 1.0
                    break
    return claimants


#: Rows of ``run_month``'s per-material input.
MATERIAL_INPUTS = (
    "growth",
    "price_response",
    "price_x",
    "premium",
    "other_need",
    "china_domestic",
    "china_available",
    "price_c_ore",
    "local_ore_share",
    "contracted_share",
    "reference_price",
)
#: Columns of its importers × materials input.
IMPORTER_INPUTS = (
    "recycling",
    "stockpile",
    "stockpile_target_days",
    "shortage",
    "price_floor",
    "holding_cost_per_month",
)
#: Rows of its per-material output.
MATERIAL_OUTPUTS = (
    "demand",
    "supply",
    "constrained",
    "exports",
    "leaked",
    "processed",
    "mined_sold",
    "processing_share",
    "mining_share",
    "local_ore_share",
    "contracted_share",
    "nonchina_offered",
)
#: Planes of its materials × destinations output.
MARKET_OUTPUTS = ("nonchina", "china", "leak", "orders", "requested", "refused")
#: Planes of its importers × materials output.
IMPORTER_OUTPUTS = (
    "recycled",
    "stockpile",
    "shortage",
    "leverage",
    "need",
    "lost_output",
    "consumed",
    "shortfall",
    "release_used",
    "inventory",
)
#: Rows of its per-importer output (USD m this month).
PAYOFF_OUTPUTS = ("firms_profit", "stockpile_holding", "stockpile_bought")


@njit(cache=True)
def run_month(
    materials,
    importers,
    limits,
    slot_ints,
    slot_floats,
    producers,
    allies,
    scalars,
    base_need,
    thrift,
    contracted,
    target_days,
    inventory,
    value_added,
    region,
    cumulative_profit,
    discounted_profit,
):
    """The whole month after the decisions, in one call: firms' demand, every
    material's market, stockpile releases, firms' receipts and consumption, the
    stockpiles drawn and the importers' leverage.

    Inputs are packed (rows/columns named by ``MATERIAL_INPUTS``, ``IMPORTER_INPUTS``;
    ``limits`` is materials × destinations × (approved share, cap); slots as
    (material, stage, producer, host) and (output, operating cost, capital charge,
    free ore); ``scalars``: stockpile build months, partners' ore share, ore value
    share, leak rate, leverage horizon, discount factor, inventory adjustment months).
    Updates the firms' inventories and profits in place. Returns the per-material,
    market, importer and payoff outputs (named by the ``*_OUTPUTS`` tuples), the
    firms' orders and shortfalls, producers' profits and whether each took part, and
    the price-floor top-ups per host.
    """
    n_imp, n_mat = importers.shape[0], importers.shape[1]
    build_months, partner_share, ore_value_share = scalars[0], scalars[1], scalars[2]
    leak_rate, horizon, discount, adjust_months = scalars[3], scalars[4], scalars[5], scalars[6]
    need, paid, orders, region_orders, region_contracted, region_need = firm_kernels.demand(
        base_need,
        thrift,
        materials[0],
        materials[1],
        materials[2],
        materials[3],
        contracted,
        target_days,
        inventory,
        adjust_months,
        value_added,
        region,
        n_imp,
    )
    stock = np.ascontiguousarray(importers[:, :, 1])
    floors = np.zeros((n_imp + 1, n_mat))
    floors[:n_imp] = importers[:, :, 4]
    (
        recycled,
        all_orders,
        offered,
        nonchina,
        china,
        leak,
        requested,
        refused,
        firm_fill,
        delivered,
        demand_total,
        supply_total,
        constrained,
        exports,
        leaked,
        processed,
        mined_sold,
        processing_share,
        mining_share,
        local_share,
        contracted_share,
        producer_profit,
        producer_present,
        floor_cost,
    ) = clear_materials(
        region_orders,
        region_contracted,
        region_need,
        np.ascontiguousarray(importers[:, :, 0]),
        stock,
        np.ascontiguousarray(importers[:, :, 2]),
        np.ascontiguousarray(importers[:, :, 3]),
        build_months,
        materials[4],
        np.ascontiguousarray(limits[:, :, 0]),
        np.ascontiguousarray(limits[:, :, 1]),
        materials[2],
        materials[7],
        materials[3],
        materials[8],
        materials[9],
        floors,
        slot_ints[0],
        slot_ints[1],
        slot_ints[2],
        slot_floats[0],
        slot_floats[1],
        slot_floats[2],
        slot_floats[3],
        slot_ints[3],
        producers,
        partner_share,
        ore_value_share,
        materials[6],
        materials[5],
        leak_rate,
    )
    pool = release_pool(stock, allies) if allies.shape[1] > 0 else stock
    shortfall, release_used, consumed, short, lost, firm_profit, region_inventory = (
        firm_kernels.receive_and_consume(
            orders,
            firm_fill,
            need,
            pool,
            paid,
            value_added,
            inventory,
            region,
            discount,
            cumulative_profit,
            discounted_profit,
        )
    )
    draw_stockpiles(stock, release_used, allies)
    stock = np.maximum(stock, 0.0)
    held = leverage(
        region_need,
        recycled,
        region_contracted,
        region_inventory,
        stock,
        materials[4],
        processed,
        horizon,
    )
    shortage = np.zeros((n_imp, n_mat))
    for i in range(n_imp):
        for j in range(n_mat):
            if region_need[i, j] > 0:
                shortage[i, j] = short[i, j] / region_need[i, j]

    per_material = np.empty((12, n_mat))
    for k, row in enumerate(
        (
            demand_total,
            supply_total,
            constrained,
            exports,
            leaked,
            processed,
            mined_sold,
            processing_share,
            mining_share,
            local_share,
            contracted_share,
            offered,
        )
    ):
        per_material[k] = row
    market = np.empty((6, n_mat, n_imp + 1))
    for k, plane in enumerate((nonchina, china, leak, all_orders, requested, refused)):
        market[k] = plane
    per_importer = np.empty((10, n_imp, n_mat))
    for k, plane in enumerate(
        (
            recycled,
            stock,
            shortage,
            held,
            region_need,
            lost,
            consumed,
            short,
            release_used,
            region_inventory,
        )
    ):
        per_importer[k] = plane
    payoffs = np.zeros((3, n_imp))
    for i in range(n_imp):
        holding = 0.0
        bought = 0.0
        for j in range(n_mat):
            holding += stock[i, j] * materials[10, j]
            bought += delivered[i, j] * materials[2, j]
        payoffs[0, i] = firm_profit[i]
        payoffs[1, i] = holding * KG_PER_T_IN_USD_M * importers[i, 0, 5]
        payoffs[2, i] = bought * KG_PER_T_IN_USD_M
    return (
        per_material,
        market,
        per_importer,
        payoffs,
        orders,
        shortfall,
        producer_profit,
        producer_present,
        floor_cost,
    )
