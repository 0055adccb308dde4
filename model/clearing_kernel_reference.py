"""The compiled market clearing written for reading: plain numpy, a loop over materials only.

:func:`clear_materials` is the mathematics of the compiled loop of the same name in
:mod:`overplay.model.clearing_kernel`, on the same named tuples, built from the readable
reference of the allocation (:mod:`overplay.model.market_reference`);
``tests/unit/test_kernel_references.py`` checks that the two paths agree. Read it to
follow the market (``docs/odd.md`` §7); change both together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from overplay.model.clearing_kernel import (
    Clearing,
    ClearingInputs,
    MarketFlows,
    MaterialOutputs,
    SlotSupply,
)
from overplay.model.market import AllocationInputs
from overplay.model.market_reference import allocate_flows, china_limit
from overplay.model.supply import KG_PER_T_IN_USD_M, SlotArrays
from overplay.model.units import DAYS_PER_MONTH

if TYPE_CHECKING:
    from overplay.model.month_kernel import MaterialInputs, MonthSettings

MINING, SEPARATION = 0, 1


def slot_supply(
    j: int,
    px: float,
    mat: MaterialInputs,
    slots: SlotArrays,
    floors: np.ndarray,
    settings: MonthSettings,
) -> tuple[np.ndarray, SlotSupply]:
    """Which of material ``j``'s slots run at the ex-China price ``px`` and what they
    offer (separated output, within the free ore mined)."""
    mining, separating = slots.stage == MINING, slots.stage == SEPARATION
    ore_local = settings.ore_value_share * px
    local = mat.local_ore_share[j]
    ore_blend = settings.ore_value_share * (local * px + (1 - local) * mat.price_c_ore[j])
    paid = px * (1.0 + mat.premium[j] * mat.contracted_share[j])
    earned = np.maximum(paid, floors[slots.host, j])  # per slot, for separators
    running = (slots.material == j) & np.where(
        mining, ore_blend >= slots.operating_cost, earned - ore_local >= slots.operating_cost
    )
    mined = slots.output[running & mining].sum()
    free_ore = (slots.output * slots.free_ore)[running & mining].sum()
    separation = slots.output[running & separating].sum()
    offered = min(separation, free_ore * (1.0 - settings.partner_ore_share))
    return running, SlotSupply(offered, mined, separation, ore_local, ore_blend, paid)


def clear_materials(inputs: ClearingInputs) -> Clearing:
    """Clear every material's market for one month."""
    demand, mat, imp = inputs.demand, inputs.materials, inputs.importers
    slots, settings = inputs.slots, inputs.settings
    n_imp, n_mat = imp.stockpile.shape

    # Importers: recycling covers part of the firms' orders; states buy toward their
    # stockpile targets unless in a shortage.
    recycled = np.minimum(demand.region_need * imp.recycling, demand.region_orders)
    market_orders = demand.region_orders - recycled
    target = imp.stockpile_target_days * demand.region_need / DAYS_PER_MONTH * mat.stock_scale
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
        running, supply = slot_supply(j, px, mat, slots, floors, settings)
        ore_local, ore_blend, paid = supply.ore_local, supply.ore_blend, supply.paid
        mined, separation, offered = supply.mined, supply.separation, supply.offered
        here = slots.material == j
        earned = np.maximum(paid, floors[slots.host, j])  # per slot, for separators

        allocation = allocate_flows(
            AllocationInputs(
                orders[j],
                contracted[j],
                inputs.china_share[j],
                inputs.china_caps[j],
                offered,
                mat.china_available[j],
                settings.leak_rate,
                mat.anchor_scale[j],
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
        ore_sold_share = min(1.0, mined_sold / mined) if mined > 0 else 1.0
        for name, value in (
            ("demand", orders[j].sum()),
            ("exports", exports),
            ("leaked", leaked),
            ("processed", sold),
            ("mined_sold", mined_sold),
            ("ore_to_china", to_china),
            ("ore_sold_share", ore_sold_share),
            ("processing_share", china_processed / max(china_processed + sold, 1e-12)),
            ("mining_share", china_mined / max(china_mined + mined_sold, 1e-12)),
            ("local_ore_share", local_share),
            ("contracted_share", min(1.0, contracted[j].sum() / sold) if sold > 0 else 0.0),
            ("nonchina_offered", offered),
            (
                "china_limit",
                china_limit(
                    orders[j],
                    allocation.requested,
                    inputs.china_share[j],
                    inputs.china_caps[j],
                    mat.anchor_scale[j],
                    mat.china_available[j],
                ),
            ),
        ):
            outputs[name][j] = value

        # Producers' profits: margins on what sold, pro rata; every slot pays capital.
        ore_blend = settings.ore_value_share * (local_share * px + (1 - local_share) * pc)
        separation_scale = min(1.0, sold / separation) if separation > 0 else 0.0
        volume = slots.output * np.where(mining, ore_sold_share, separation_scale)
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
