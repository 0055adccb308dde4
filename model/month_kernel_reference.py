"""The compiled month written for reading: plain numpy, a loop over materials only.

Each function is the mathematics of the compiled loop of the same name in
:mod:`overplay.model.month_kernel`, on the same named tuples, built from the readable
references of the allocation (:mod:`overplay.model.market_reference`) and of the firms
(:mod:`overplay.agents.firm_kernels_reference`); ``tests/unit/test_kernel_references.py``
checks that the two paths agree. Read these to follow the model (``docs/odd.md`` §7);
change both together.
"""

from __future__ import annotations

import numpy as np

from overplay.agents import firm_kernels_reference as firms_reference
from overplay.agents.firm_kernels import MarketTerms
from overplay.model.market import AllocationInputs
from overplay.model.market_reference import allocate_flows
from overplay.model.month_kernel import (
    Clearing,
    ClearingInputs,
    ImporterOutputs,
    LeverageInputs,
    MarketFlows,
    MaterialOutputs,
    MonthInputs,
    MonthOutputs,
)
from overplay.model.supply import KG_PER_T_IN_USD_M
from overplay.model.units import DAYS_PER_MONTH

MINING, SEPARATION = 0, 1


def clear_materials(inputs: ClearingInputs) -> Clearing:
    """Clear every material's market for one month."""
    demand, mat, imp = inputs.demand, inputs.materials, inputs.importers
    slots, settings = inputs.slots, inputs.settings
    n_imp, n_mat = imp.stockpile.shape

    # Importers: recycling covers part of the firms' orders; states buy toward their
    # stockpile targets unless in a shortage.
    recycled = np.minimum(demand.region_need * imp.recycling, demand.region_orders)
    market_orders = demand.region_orders - recycled
    target = imp.stockpile_target_days * demand.region_need / DAYS_PER_MONTH
    building = np.maximum(target - imp.stockpile, 0.0) / settings.build_months
    purchases = np.where(imp.shortage < 0.01, building, 0.0)
    # Materials × destinations (third countries last, no floor and no contracts).
    orders = np.vstack([market_orders + purchases, mat.other_need]).T
    contracted = np.vstack([np.minimum(demand.region_contracted, market_orders), np.zeros(n_mat)]).T
    floors = np.vstack([imp.price_floor, np.zeros(n_mat)])

    outputs = {name: np.empty(n_mat) for name in MaterialOutputs._fields}
    flows = {name: np.empty((n_mat, n_imp + 1)) for name in MarketFlows._fields}
    flows["orders"] = orders
    market_fill = np.ones((n_imp, n_mat))
    producer_profit = np.zeros(slots.producers)
    producer_present = np.zeros(slots.producers, dtype=bool)
    floor_cost = np.zeros(n_imp + 1)
    mining, separating = slots.stage == MINING, slots.stage == SEPARATION
    for j in range(n_mat):
        # Which capacity runs: revenue covers operating cost (full cost less capital).
        px, pc = mat.price_x[j], mat.price_c_ore[j]
        ore_local = settings.ore_value_share * px
        local = mat.local_ore_share[j]
        ore_blend = settings.ore_value_share * (local * px + (1 - local) * pc)
        paid = px * (1.0 + mat.premium[j] * mat.contracted_share[j])
        earned = np.maximum(paid, floors[slots.host, j])  # per slot, for separators
        here = slots.material == j
        running = here & np.where(
            mining, ore_blend >= slots.operating_cost, earned - ore_local >= slots.operating_cost
        )
        mined = slots.output[running & mining].sum()
        free_ore = (slots.output * slots.free_ore)[running & mining].sum()
        separation = slots.output[running & separating].sum()
        offered = min(separation, free_ore * (1.0 - settings.partner_ore_share))

        allocation = allocate_flows(
            AllocationInputs(
                orders[j],
                contracted[j],
                inputs.china_share[j],
                inputs.china_caps[j],
                offered,
                mat.china_available[j],
                settings.leak_rate,
            )
        )
        for name in ("nonchina", "china", "leak", "requested", "refused"):
            flows[name][j] = getattr(allocation, name)
        received = allocation.nonchina + allocation.china + allocation.leak
        ordered = orders[j, :n_imp]
        market_fill[:, j] = np.divide(
            received[:n_imp], ordered, out=np.ones(n_imp), where=ordered > 0
        )
        sold = allocation.sold
        exports, leaked = allocation.china.sum(), allocation.leak.sum()

        # Shares: foreign ore beyond what is separated abroad goes to China, up to its
        # needs; what China separates is its home market, exports and leakage.
        china_processed = mat.china_domestic[j] + exports + leaked
        to_china = min(max(mined - sold, 0.0), china_processed)
        mined_sold = sold + to_china
        china_mined = china_processed - to_china
        local_share = min(1.0, sold / mined_sold) if mined_sold > 0 else 1.0
        for name, value in (
            ("demand", orders[j].sum()),
            ("supply", received.sum()),
            (
                "constrained",
                min(1.0, allocation.refused.sum() / max(allocation.requested.sum(), 1e-12)),
            ),
            ("exports", exports),
            ("leaked", leaked),
            ("processed", sold),
            ("mined_sold", mined_sold),
            ("processing_share", china_processed / max(china_processed + sold, 1e-12)),
            ("mining_share", china_mined / max(china_mined + mined_sold, 1e-12)),
            ("local_ore_share", local_share),
            ("contracted_share", min(1.0, contracted[j].sum() / sold) if sold > 0 else 0.0),
            ("nonchina_offered", offered),
        ):
            outputs[name][j] = value

        # Producers' profits: margins on what sold, pro rata; every slot pays capital.
        ore_blend = settings.ore_value_share * (local_share * px + (1 - local_share) * pc)
        mine_scale = min(1.0, mined_sold / mined) if mined > 0 else 0.0
        separation_scale = min(1.0, sold / separation) if separation > 0 else 0.0
        volume = slots.output * np.where(mining, mine_scale, separation_scale)
        margin = np.where(
            mining, ore_blend - slots.operating_cost, earned - ore_local - slots.operating_cost
        )
        earning = np.where(running, margin * volume * KG_PER_T_IN_USD_M, 0.0)
        np.add.at(producer_profit, slots.producer[here], earning[here] - slots.capital_charge[here])
        producer_present[slots.producer[here]] = True
        topped = running & separating
        top_up = np.maximum(0.0, earned - paid) * volume * KG_PER_T_IN_USD_M
        np.add.at(floor_cost, slots.host[topped], top_up[topped])

    firm_fill = np.divide(
        market_orders * market_fill + recycled,
        demand.region_orders,
        out=np.ones((n_imp, n_mat)),
        where=demand.region_orders > 0,
    )
    return Clearing(
        materials=MaterialOutputs(**outputs),
        market=MarketFlows(**flows),
        recycled=recycled,
        firm_fill=firm_fill,
        delivered=purchases * market_fill,
        producer_profit=producer_profit,
        producer_present=producer_present,
        floor_cost=floor_cost,
    )


def leverage(inputs: LeverageInputs) -> np.ndarray:
    """Indispensability: each importer's share of demand over the horizon it could not
    meet without China (importers × materials)."""
    n_imp, n_mat = inputs.need.shape
    result = np.zeros((n_imp, n_mat))
    shut = np.zeros(n_imp + 1)
    for j in range(n_mat):
        need = np.append(inputs.need[:, j], inputs.other_need[j])
        contracted = np.append(inputs.contracted[:, j], 0.0)
        supply = AllocationInputs(need, contracted, shut, shut, inputs.nonchina_supply[j], 0, 0)
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


def run_month(inputs: MonthInputs) -> MonthOutputs:
    """The whole month after the decisions; updates the firms' inventories and profits
    in place."""
    mat, imp, settings = inputs.materials, inputs.importers, inputs.settings
    wanted = firms_reference.demand(
        inputs.firms, MarketTerms(mat.growth, mat.price_response, mat.price_x, mat.premium)
    )
    clearing = clear_materials(
        ClearingInputs(
            wanted, mat, imp, inputs.china_share, inputs.china_caps, inputs.slots, settings
        )
    )
    stock = imp.stockpile + clearing.delivered
    pool = release_pool(stock, inputs.allies)
    receipts = firms_reference.receive_and_consume(
        inputs.firms, wanted, clearing.firm_fill, pool, settings.discount
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
    )
