"""The compiled month written for reading: plain numpy, a loop over materials only.

Each function is the mathematics of the compiled loop of the same name in
:mod:`overplay.model.month_kernel`, on the same named tuples, built from the readable
references of the market (:mod:`overplay.model.clearing_kernel_reference`, itself on
:mod:`overplay.model.market_reference`) and of the firms
(:mod:`overplay.agents.firm_kernels_reference`); ``tests/unit/test_kernel_references.py``
checks that the two paths agree. Read these to follow the model (``docs/odd.md`` §7);
change both together.
"""

from __future__ import annotations

import numpy as np

from overplay.agents import firm_kernels_reference as firms_reference
from overplay.agents.firm_kernels import MarketTerms
from overplay.model.clearing_kernel import Clearing, ClearingInputs
from overplay.model.clearing_kernel_reference import clear_materials, slot_supply
from overplay.model.magnet_kernel_reference import magnet_trade
from overplay.model.market import AllocationInputs, ExChinaTerms, ex_china_target
from overplay.model.market_reference import allocate_flows
from overplay.model.month_kernel import (
    PRICE_BISECTIONS,
    ImporterOutputs,
    LeverageInputs,
    MaterialInputs,
    MonthInputs,
    MonthOutputs,
)
from overplay.model.supply import KG_PER_T_IN_USD_M


def leverage(inputs: LeverageInputs) -> np.ndarray:
    """Indispensability: each importer's share of demand over the horizon it could not
    meet without China (importers × materials); non-China oxide cannot stand in for the
    magnets only China makes for it."""
    n_imp, n_mat = inputs.need.shape
    result = np.zeros((n_imp, n_mat))
    shut = np.zeros(n_imp + 1)
    oxide_need = inputs.need * (1.0 - inputs.chinese_magnets)
    for j in range(n_mat):
        need = np.append(oxide_need[:, j], inputs.other_need[j])
        contracted = np.append(inputs.contracted[:, j], 0.0)
        supply = AllocationInputs(
            need, contracted, shut, shut, inputs.nonchina_supply[j], 0, 0, 1.0
        )
        nonchina = allocate_flows(supply).nonchina[:n_imp]
        demand = inputs.need[:, j] * inputs.horizon
        have = (
            (nonchina + inputs.recycled[:, j]) * inputs.horizon
            + inputs.inventory[:, j]
            + inputs.stockpile[:, j]
        )
        short = np.divide(have, demand, out=np.ones(n_imp), where=demand > 0)
        result[:, j] = np.clip(1.0 - short, 0.0, 1.0)
    return result


def claimants(allies: np.ndarray, importers: int) -> np.ndarray:
    """How many importers may draw on each importer's stockpile."""
    return np.array([float(sum(a in row for row in allies)) for a in range(importers)])


def release_pool(stock: np.ndarray, allies: np.ndarray) -> np.ndarray:
    """Stockpile each importer may draw on: its own plus an equal share of each
    coordinating ally's (``allies``: importer indices per row, -1 padding)."""
    counts = claimants(allies, stock.shape[0])
    pool = stock.copy()
    for i, row in enumerate(allies):
        for a in row[row >= 0]:
            pool[i] += stock[a] / counts[a]
    return pool


def draw_stockpiles(stock: np.ndarray, used: np.ndarray, allies: np.ndarray) -> None:
    """Take releases from the importer's own stockpile first, then from its share of
    its allies' stockpiles (in their order). In place."""
    counts = claimants(allies, stock.shape[0])
    shares = np.divide(stock, counts[:, None], out=np.zeros_like(stock), where=counts[:, None] > 0)
    for i, row in enumerate(allies):
        own = np.minimum(used[i], stock[i])
        stock[i] -= own
        rest = used[i] - own
        for a in row[row >= 0]:
            take = np.minimum(rest, np.minimum(shares[a], stock[a]))
            stock[a] -= take
            rest = rest - take


def price_targets(inputs: MonthInputs, loads: np.ndarray, clearing: Clearing) -> np.ndarray:
    """The price each ex-China price moves toward: non-China output that runs at that
    price and smuggling are sold whatever they fetch, China supplies at its export price
    up to its limit."""
    mat, settings, flows = inputs.materials, inputs.settings, clearing.market
    cleared = clearing.materials
    floors = np.vstack([inputs.importers.price_floor, np.zeros(mat.price_x.shape[0])])
    smuggled = flows.refused.sum(axis=1) * settings.leak_rate
    targets = []
    for j in range(loads.shape[0]):
        terms = ExChinaTerms(
            mat.price_x[j],
            cleared.demand[j],
            mat.other_need[j],
            mat.value_added[j],
            mat.price_c_ore[j],
            mat.elasticity[j],
        )

        def target_with(offered: float, j: int = j, terms: ExChinaTerms = terms) -> float:
            fixed = offered + smuggled[j]
            most = fixed + cleared.china_limit[j]
            return ex_china_target(terms, loads[j], inputs.choke_edges[j], fixed, most)

        def offered_at(price: float, j: int = j) -> float:
            return slot_supply(j, price, mat, inputs.slots, floors, settings)[1].offered

        first = target_with(cleared.nonchina_offered[j])
        if offered_at(first) == cleared.nonchina_offered[j]:
            targets.append(first)
            continue
        # The target falls as output rises: bisect, in logs, between this month's price
        # and the first target for the price whose output gives itself as the target.
        low, high = sorted((mat.price_x[j], first))
        for _ in range(PRICE_BISECTIONS):
            middle = np.sqrt(low * high)
            low, high = (
                (middle, high) if target_with(offered_at(middle)) > middle else (low, middle)
            )
        targets.append(np.sqrt(low * high))
    return np.array(targets)


def run_month(inputs: MonthInputs) -> MonthOutputs:
    """The whole month after the decisions; updates the firms' inventories and profits
    in place."""
    mat, imp, settings = inputs.materials, inputs.importers, inputs.settings
    terms = MarketTerms(mat.growth, mat.price_response, mat.price_x, mat.premium, mat.stock_scale)
    wanted = firms_reference.demand(inputs.firms, terms)
    magnets = magnet_trade(
        inputs.magnets, wanted.region_orders, wanted.region_need, mat.china_available
    )
    # The oxide market sees the orders less the Chinese magnets; China's exportable
    # oxide less what those magnets took, which its home market separated.
    oxide = wanted._replace(region_orders=wanted.region_orders * (1.0 - magnets.chinese_share))
    used = magnets.china_used
    oxide_terms = MaterialInputs(
        **{
            **mat._asdict(),
            "china_domestic": mat.china_domestic + used,
            "china_available": mat.china_available - used,
        }
    )
    loads = firms_reference.choke_loads(
        inputs.firms, wanted, terms, inputs.choke_edges, magnets.chinese_share
    )
    clearing = clear_materials(
        ClearingInputs(
            oxide, oxide_terms, imp, inputs.china_share, inputs.china_caps, inputs.slots, settings
        )
    )
    stock = imp.stockpile + clearing.delivered
    pool = release_pool(stock, inputs.allies)
    # Firms' fill: the oxide market's of their oxide orders, plus the magnets shipped.
    ordered = magnets.orders.T > 0
    fill = np.where(
        ordered,
        np.divide(
            clearing.firm_fill * oxide.region_orders + magnets.shipped.T,
            wanted.region_orders,
            out=np.ones_like(wanted.region_orders),
            where=ordered,
        ),
        clearing.firm_fill,
    )
    receipts = firms_reference.receive_and_consume(
        inputs.firms, wanted, fill, pool, settings.discount
    )
    draw_stockpiles(stock, receipts.release_used, inputs.allies)
    stock = np.maximum(stock, 0.0)
    held = leverage(
        LeverageInputs(
            wanted.region_need,
            clearing.recycled,
            wanted.region_contracted,
            receipts.inventory,
            stock,
            mat.other_need,
            clearing.materials.processed,
            settings.leverage_horizon,
            magnets.chinese_share,
        )
    )
    need = wanted.region_need
    shortage = np.divide(receipts.region_shortfall, need, out=np.zeros_like(need), where=need > 0)
    holding = stock @ mat.reference_price * KG_PER_T_IN_USD_M * imp.holding_cost_per_month
    return MonthOutputs(
        materials=clearing.materials,
        market=clearing.market,
        importers=ImporterOutputs(
            recycled=clearing.recycled,
            stockpile=stock,
            shortage=shortage,
            leverage=held,
            need=need,
            lost_output=receipts.lost_output,
            consumed=receipts.consumed,
            shortfall=receipts.region_shortfall,
            release_used=receipts.release_used,
            inventory=receipts.inventory,
            firms_profit=receipts.profit,
            stockpile_holding=holding,
            stockpile_bought=clearing.delivered @ mat.price_x * KG_PER_T_IN_USD_M,
        ),
        producer_profit=clearing.producer_profit,
        producer_present=clearing.producer_present,
        floor_cost=clearing.floor_cost,
        firm_orders=wanted.orders,
        firm_shortfall=receipts.shortfall,
        price_target=price_targets(inputs, loads, clearing),
        magnets=magnets,
        choke_loads=loads,
    )
