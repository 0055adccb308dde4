"""Every material's market for one month, compiled: what clears, who runs, who earns.

:func:`clear_materials` is the market step of :func:`overplay.model.month_kernel.run_month`:
from the firms' demand and the month's terms it works out the importers' stockpile
purchases and orders to the market, which producers' slots run (revenue covers operating
cost), the allocation of :func:`overplay.model.market.allocate_flows` (contracts first,
China within its policy, spot output, leakage), deliveries, China's and foreign shares of
mining and separation, and producers' profits and price-floor top-ups (``docs/odd.md`` §7).
Plain loops with every sum in a fixed order (importers, then third countries; slots in
producer order), so a run is reproducible to the bit. The same mathematics, written for
reading, is :func:`overplay.model.clearing_kernel_reference.clear_materials`
(``tests/unit/test_kernel_references.py`` holds the two together).

Shapes as in :mod:`overplay.model.month_kernel`: ``I`` importers, ``M`` materials,
``D = I + 1`` destinations (third countries last), ``S`` producers' slots, ``P``
producers. Its inputs are the month's (:class:`~overplay.model.month_kernel.MaterialInputs`,
:class:`~overplay.model.month_kernel.ImporterInputs`,
:class:`~overplay.model.supply.SlotArrays`,
:class:`~overplay.model.month_kernel.MonthSettings`); its outputs are defined here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from overplay.model.jit import njit
from overplay.model.market import AllocationInputs, allocate_flows, china_limit
from overplay.model.supply import KG_PER_T_IN_USD_M
from overplay.model.units import DAYS_PER_MONTH

if TYPE_CHECKING:
    from overplay.agents.firm_kernels import Demand
    from overplay.model.month_kernel import (
        ImporterInputs,
        MaterialInputs,
        MonthSettings,
    )
    from overplay.model.supply import SlotArrays


class SlotSupply(NamedTuple):
    """One material's non-China supply at an ex-China price (t/month) and the prices
    its slots earn (USD/kg)."""

    offered: float  # separated output offered: separation, or the free ore it has
    mined: float  # ore mined
    separation: float  # separation that runs
    ore_local: float  # ore's value to a separator abroad
    ore_blend: float  # ore's value to a mine (abroad and to China, blended)
    paid: float  # what buyers pay a separator, premium on contracts included


@njit(cache=True)
def slot_supply(j, px, mat, slots, floors, settings, running):
    """Which of material ``j``'s slots run at the ex-China price ``px`` (revenue covers
    operating cost, a host's floor included; written into ``running``) and what they
    offer: separated output, no more than the free ore mined allows. The market step
    runs it at this month's price; the price target at candidate prices
    (:func:`overplay.model.month_kernel.price_targets`). Reference:
    :func:`overplay.model.clearing_kernel_reference.slot_supply`."""
    ore_value_share = settings.ore_value_share
    local = mat.local_ore_share[j]
    ore_local = ore_value_share * px
    ore_blend = ore_value_share * (local * px + (1 - local) * mat.price_c_ore[j])
    paid = px * (1.0 + mat.premium[j] * mat.contracted_share[j])
    mined = 0.0
    free_ore = 0.0
    separation = 0.0
    for s in range(slots.output.shape[0]):
        if slots.material[s] != j:
            continue
        if slots.stage[s] == 0:
            running[s] = ore_blend >= slots.operating_cost[s]
            if running[s]:
                mined += slots.output[s]
                free_ore += slots.output[s] * slots.free_ore[s]
        else:
            earned = max(paid, floors[slots.host[s], j])
            running[s] = earned - ore_local >= slots.operating_cost[s]
            if running[s]:
                separation += slots.output[s]
    offered = min(separation, free_ore * (1.0 - settings.partner_ore_share))
    return SlotSupply(offered, mined, separation, ore_local, ore_blend, paid)


class ClearingInputs(NamedTuple):
    """What :func:`clear_materials` reads: the firms' demand and the month's terms."""

    demand: Demand
    materials: MaterialInputs
    importers: ImporterInputs
    china_share: np.ndarray
    china_caps: np.ndarray
    slots: SlotArrays
    settings: MonthSettings


class MaterialOutputs(NamedTuple):
    """The month's market per material (M): t/month, shares in [0, 1]."""

    demand: np.ndarray  # orders, all destinations
    exports: np.ndarray  # China's shipments
    leaked: np.ndarray  # leakage
    processed: np.ndarray  # non-China separated output sold
    mined_sold: np.ndarray  # non-China ore sold (abroad or to China)
    ore_to_china: np.ndarray  # of which to Chinese separators
    ore_sold_share: np.ndarray  # share of the ore mined that sold (1 if none was mined)
    processing_share: np.ndarray  # China's share of separation
    mining_share: np.ndarray  # China's share of mining
    local_ore_share: np.ndarray  # share of foreign ore separated abroad
    contracted_share: np.ndarray  # contracted share of non-China sales
    nonchina_offered: np.ndarray  # non-China separated output offered
    china_limit: np.ndarray  # most China would ship at its own price


class MarketFlows(NamedTuple):
    """The allocation, materials × destinations (third countries last), t/month."""

    nonchina: np.ndarray
    china: np.ndarray
    leak: np.ndarray
    orders: np.ndarray
    requested: np.ndarray  # asked of China
    refused: np.ndarray  # refused by China


class Clearing(NamedTuple):
    """What :func:`clear_materials` returns."""

    materials: MaterialOutputs
    market: MarketFlows
    recycled: np.ndarray  # t/month (I × M)
    firm_fill: np.ndarray  # share of the firms' orders delivered (I × M)
    delivered: np.ndarray  # stockpile purchases delivered, t (I × M)
    producer_profit: np.ndarray  # USD m (P)
    producer_present: np.ndarray  # whether each producer took part (P)
    floor_cost: np.ndarray  # price-floor top-ups per host, USD m (D)


@njit(cache=True)
def clear_materials(inputs):
    """Clear every material's market for one month (:class:`ClearingInputs` in,
    :class:`Clearing` out).

    Importers' stockpile purchases, orders to the market (firms' orders net of
    recycling, plus purchases; third countries' need last), which slots run (revenue
    covers operating cost), the allocation (contracts first, China within its policy,
    spot output, leakage), deliveries, China's and foreign shares of mining and
    separation, and producers' profits and price-floor top-ups. Reference:
    :func:`overplay.model.clearing_kernel_reference.clear_materials`.
    """
    # Local names for the loops below (reading a named tuple's field costs nothing).
    demand, mat, imp, settings = inputs.demand, inputs.materials, inputs.importers, inputs.settings
    region_orders, region_need = demand.region_orders, demand.region_need
    region_contracted = demand.region_contracted
    recycling, stock, shortage = imp.recycling, imp.stockpile, imp.shortage
    stockpile_target_days, build_months = imp.stockpile_target_days, settings.build_months
    other_need, price_x, price_c_ore = mat.other_need, mat.price_x, mat.price_c_ore
    slot_material, slot_stage = inputs.slots.material, inputs.slots.stage
    slot_producer, slot_host = inputs.slots.producer, inputs.slots.host
    slot_output, slot_cost = inputs.slots.output, inputs.slots.operating_cost
    slot_charge = inputs.slots.capital_charge
    producers = inputs.slots.producers
    ore_value_share = settings.ore_value_share
    leak_rate = settings.leak_rate
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
                target = (
                    stockpile_target_days[i, j]
                    * region_need[i, j]
                    / DAYS_PER_MONTH
                    * mat.stock_scale[j]
                )
                purchases[i, j] = max(target - stock[i, j], 0.0) / build_months
            else:
                purchases[i, j] = 0.0

    floors = np.zeros((n_dest, n_mat))  # third countries have no price floor
    floors[:n_imp] = imp.price_floor
    nonchina = np.empty((n_mat, n_dest))
    china = np.empty((n_mat, n_dest))
    leak = np.empty((n_mat, n_dest))
    market_fill = np.ones((n_imp, n_mat))
    demand_total = np.empty(n_mat)
    exports = np.empty(n_mat)
    leaked = np.empty(n_mat)
    processed = np.empty(n_mat)
    mined_sold = np.empty(n_mat)
    ore_to_china = np.empty(n_mat)
    ore_sold_share = np.empty(n_mat)
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
    limit = np.empty(n_mat)
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
        supply = slot_supply(j, px, mat, inputs.slots, floors, settings, running)
        ore_local, ore_blend, paid = supply.ore_local, supply.ore_blend, supply.paid
        mined, separation = supply.mined, supply.separation
        offered[j] = supply.offered

        flows = allocate_flows(
            AllocationInputs(
                orders,
                contracted,
                inputs.china_share[j],
                inputs.china_caps[j],
                offered[j],
                mat.china_available[j],
                leak_rate,
                mat.anchor_scale[j],
            )
        )
        nonchina[j], china[j], leak[j] = flows.nonchina, flows.china, flows.leak
        requested[j], refused[j], sold = flows.requested, flows.refused, flows.sold
        limit[j] = china_limit(
            orders,
            requested[j],
            inputs.china_share[j],
            inputs.china_caps[j],
            mat.anchor_scale[j],
            mat.china_available[j],
        )
        demand_total[j] = 0.0
        exports[j] = 0.0
        leaked[j] = 0.0
        contracted_total = 0.0
        for d in range(n_dest):
            received = nonchina[j, d] + china[j, d] + leak[j, d]
            if d < n_imp and orders[d] > 0:
                market_fill[d, j] = received / orders[d]
            demand_total[j] += orders[d]
            exports[j] += china[j, d]
            leaked[j] += leak[j, d]
            contracted_total += contracted[d]

        # Shares: foreign ore beyond what is separated abroad goes to China, up to its
        # needs; what China separates is its home market, exports and leakage.
        processed[j] = sold
        china_processed = mat.china_domestic[j] + exports[j] + leaked[j]
        to_china = min(max(mined - sold, 0.0), china_processed)
        mined_sold[j] = sold + to_china
        ore_to_china[j] = to_china
        china_mined = china_processed - to_china
        processing_share[j] = china_processed / max(china_processed + sold, 1e-12)
        mining_share[j] = china_mined / max(china_mined + mined_sold[j], 1e-12)
        new_local_share[j] = min(1.0, sold / mined_sold[j]) if mined_sold[j] > 0 else 1.0
        new_contracted_share[j] = min(1.0, contracted_total / sold) if sold > 0 else 0.0

        # Producers' profits: margins on what sold, pro rata; every slot pays capital.
        local = new_local_share[j]  # sales now decide the ore's blended value
        ore_blend = ore_value_share * (local * px + (1 - local) * pc)
        ore_sold_share[j] = min(1.0, mined_sold[j] / mined) if mined > 0 else 1.0
        mine_scale = ore_sold_share[j]  # only running mines, so none when none was mined
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
    return Clearing(
        materials=MaterialOutputs(
            demand=demand_total,
            exports=exports,
            leaked=leaked,
            processed=processed,
            mined_sold=mined_sold,
            ore_to_china=ore_to_china,
            ore_sold_share=ore_sold_share,
            processing_share=processing_share,
            mining_share=mining_share,
            local_ore_share=new_local_share,
            contracted_share=new_contracted_share,
            nonchina_offered=offered,
            china_limit=limit,
        ),
        market=MarketFlows(
            nonchina=nonchina,
            china=china,
            leak=leak,
            orders=all_orders,
            requested=requested,
            refused=refused,
        ),
        recycled=recycled,
        firm_fill=firm_fill,
        delivered=delivered,
        producer_profit=producer_profit,
        producer_present=producer_present,
        floor_cost=floor_cost,
    )
