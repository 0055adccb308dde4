"""The market phase of a month, after the decisions: markets clear, stocks move, prices,
shares and payoffs update.

:func:`clear_month` runs the arithmetic compiled in
:func:`overplay.model.month_kernel.run_month` on the inputs
:func:`overplay.model.month_inputs.gather` collects, then writes the results back to the
agents. The memories phase that follows is :mod:`overplay.model.memories`. Written as a
function of the model so :mod:`overplay.model.leverage_model` stays short; every formula
is in ``docs/odd.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from overplay.agents.firms import FirmFlows
from overplay.model import china_market, market, month_kernel
from overplay.model.columns import (
    CAPTURED_INDUSTRY,
    ENFORCEMENT,
    EXPORT_MARGIN,
    FIRMS_PROFIT,
    LEVERAGE_LOSS,
    LEVERAGE_VALUE,
    POLICY_SPENDING,
    PRICE_FLOOR_SUPPORT,
    PRODUCER_PROFIT,
    RETALIATION,
    STOCKPILE_HOLDING,
    STOCKPILE_PURCHASES,
    WTO_DEFIANCE,
)
from overplay.model.month_inputs import gather
from overplay.model.month_kernel import MaterialInputs
from overplay.model.trade_rules import rulings_defied

if TYPE_CHECKING:
    from overplay.model.leverage_model import LeverageModel

USD_M = 1e-3  # t × USD/kg → USD m


@dataclass
class MarketRecord:
    """One month's allocations: materials × destinations (third countries last); read
    only (not frozen: a frozen dataclass costs several times more to build)."""

    orders: np.ndarray
    nonchina_offered: np.ndarray
    china_share: np.ndarray
    china_caps: np.ndarray
    anchor_scale: np.ndarray  # per material: demand at China's price / demand now
    china_available: np.ndarray
    leak_rate: float
    nonchina: np.ndarray
    china: np.ndarray
    leak: np.ndarray
    requested: np.ndarray
    refused: np.ndarray
    nonchina_sold: np.ndarray
    magnet_orders: np.ndarray  # Chinese magnets ordered, materials × importers
    magnet_refused: np.ndarray  # of which China's magnet policy refused
    # The month's ex-China demand curve, for investors' price outlook (margins.py):
    terms: MaterialInputs  # the month's market terms
    demand: np.ndarray  # orders, all destinations, per material
    china_limit: np.ndarray  # most China would ship at its own price, per material
    choke_loads: np.ndarray  # firms' oxide orders by choke bin, materials × bins
    choke_edges: np.ndarray  # the bins' choke prices, materials × bins


def clear_month(model: LeverageModel) -> None:
    """Demand, allocation, consumption, prices, shares, producers' and players' payoffs.

    Gathers the state into named inputs, runs the month in compiled code
    (:func:`overplay.model.month_kernel.run_month`) and writes its named outputs back
    to the agents; prices are updated here.
    """
    sc = model.config
    mkt = sc.market
    mats = model.materials
    names = model.importer_names
    states = [model.importers[n] for n in names]
    pop = model.firm_population
    chn = model.china

    china_month = china_market.plan(model)
    inputs = gather(model, china_month)
    out = month_kernel.run_month(inputs)
    # The material terms read below, as Python floats (numpy scalars slow every later
    # operation).
    terms = inputs.materials
    home_demand = terms.china_domestic.tolist()
    other_need, premium = terms.other_need.tolist(), terms.premium.tolist()
    export_prices = terms.price_c_ore.tolist()
    pop.last_orders, pop.last_shortfall = out.firm_orders, out.firm_shortfall
    magnets = out.magnets
    per_material, flows_md, per_importer = out.materials, out.market, out.importers
    exports = per_material.exports.tolist()
    leaked, processed = per_material.leaked.tolist(), per_material.processed.tolist()
    mined_sold = per_material.mined_sold.tolist()
    processing_share = per_material.processing_share.tolist()
    mining_share = per_material.mining_share.tolist()
    local_share = per_material.local_ore_share.tolist()
    contracted_share = per_material.contracted_share.tolist()
    nonchina, china, leak = flows_md.nonchina, flows_md.china, flows_md.leak
    firm_profit = per_importer.firms_profit.tolist()
    holding = per_importer.stockpile_holding.tolist()
    bought = per_importer.stockpile_bought.tolist()
    region_need, lost, stock = per_importer.need, per_importer.lost_output, per_importer.stockpile
    flows = FirmFlows(
        consumption_need=region_need,
        consumed=per_importer.consumed,
        shortfall=per_importer.shortfall,
        release_used=per_importer.release_used,
        lost_output_usd_m=lost,
        profit_usd_m=per_importer.firms_profit,
        inventory=per_importer.inventory,
    )
    # What the market did, by material (rows) and destination (columns, third
    # countries last): the inputs and flows of each allocation.
    model.last.clearing = MarketRecord(
        orders=flows_md.orders,
        nonchina_offered=per_material.nonchina_offered,
        china_share=inputs.china_share,
        china_caps=inputs.china_caps,
        anchor_scale=inputs.materials.anchor_scale,
        china_available=inputs.materials.china_available,
        leak_rate=inputs.settings.leak_rate,
        nonchina=nonchina,
        china=china,
        leak=leak,
        requested=flows_md.requested,
        refused=flows_md.refused,
        nonchina_sold=per_material.processed,
        magnet_orders=magnets.orders,
        magnet_refused=magnets.refused,
        terms=inputs.materials,
        demand=per_material.demand,
        china_limit=per_material.china_limit,
        choke_loads=out.choke_loads,
        choke_edges=inputs.choke_edges,
    )
    for (m, d), shipped in zip(model.export_history, china.ravel().tolist(), strict=True):
        model.export_history[(m, d)].append(shipped)
    if model.magnets_in_use:  # otherwise none ship, and an empty history means none
        magnets_shipped = np.zeros_like(china)  # third countries buy no Chinese magnets
        magnets_shipped[:, : len(names)] = magnets.shipped
        for (m, d), shipped in zip(
            model.magnet_export_history, magnets_shipped.ravel().tolist(), strict=True
        ):
            model.magnet_export_history[(m, d)].append(shipped)
    magnets_exported = magnets.china_used.tolist()

    # Prices move toward the prices that clear the markets: abroad, China's export price
    # unless its limits bind or other supply alone exceeds demand; at home, the
    # reference price unless the quota, capacity or the reserve's purchases bind.
    rows: dict[str, dict] = {}
    export_margin = leverage_loss = reserve_bought = 0.0
    n_imp = len(names)
    targets = out.price_target.tolist()
    ore_to_china = per_material.ore_to_china.tolist()
    ore_sold_share = per_material.ore_sold_share.tolist()
    for j, m in enumerate(mats):
        px, pc, ref = model.price_x[m], model.price_c[m], model.reference_price[m]
        new_px = market.adjust_price(
            px, targets[j], mkt.price_speed_per_month, 0.2 * ref, mkt.max_price_multiple * ref
        )
        # China's magnet makers take the oxide of the magnets shipped like an export.
        shipped = exports[j] + magnets_exported[j]
        home = china_market.settle(model, china_month, j, home_demand[j], shipped, leaked[j])
        new_pc = home.price

        # China's magnet makers sell their content at no less than China's export price.
        cost = ref * mkt.china_cost_share
        magnet_price = max(px, export_prices[j])
        export_margin += (
            exports[j] * (px - cost) + magnets_exported[j] * (magnet_price - cost)
        ) * USD_M
        reserve_bought += china_month.reserve_flow[j] * pc * USD_M  # sales count negative
        leverage_loss -= model.pending_leverage_change[m]
        model.pending_leverage_change[m] = 0.0

        model.last.china_processing_share[m] = processing_share[j]
        model.last.china_mining_share[m] = mining_share[j]
        model.last.local_ore_share[m] = local_share[j]
        model.last.ore_to_china[m] = ore_to_china[j]
        model.last.ore_sold_share[m] = ore_sold_share[j]
        model.last.contracted_share[m] = contracted_share[j]
        model.price_x[m], model.price_c[m] = new_px, new_pc
        model.price_history[m].append(new_px)
        model.price_c_history[m].append(new_pc)
        rows[m] = {
            "price_ex_china": px,
            "price_china": pc,
            "reference_price": ref,
            "china_legal_output": home.legal_output,
            "china_illegal_output": home.illegal_output,
            "china_reserve_t": chn.supply.reserve[m],
            "china_mining_share": mining_share[j],
            "china_processing_share": processing_share[j],
            "exports": china[j, :n_imp],
            "magnets_from_china": magnets.shipped[j],
            "magnets_refused": magnets.refused[j],
            "magnets_made_at_home": magnets.made_at_home[:, j],
            "leak": leak[j, :n_imp],
            "nonchina_received": nonchina[j, :n_imp],
            "world_exports": exports[j],
            "world_leakage": leaked[j],
            "magnet_exports": magnets_exported[j],
            "nonchina_processed": processed[j],
            "other_need": other_need[j],
            "mined_abroad": mined_sold[j],
            "security_premium": premium[j],
        }

    model.importer_arrays.stockpile[:] = stock

    # Payoffs, term by term (docs/odd.md §7; the payoffs table has a column for each).
    retaliation = sum(
        s.retaliation * s.config.retaliation_cost_to_china_usd_m_per_month for s in states
    )
    model.add_payoff(
        "china",
        (EXPORT_MARGIN, export_margin),
        (LEVERAGE_LOSS, leverage_loss),
        (CAPTURED_INDUSTRY, sc.china.domestic_industry_weight * float(lost.sum())),
        (ENFORCEMENT, -sc.china.enforcement_cost_usd_m_per_month * chn.enforcement),
        (RETALIATION, -retaliation),
        (WTO_DEFIANCE, -sc.china.wto_defiance_cost_usd_m_per_month * rulings_defied(model)),
        (STOCKPILE_PURCHASES, -reserve_bought),
    )
    floor_cost = out.floor_cost.tolist()
    for i, state in enumerate(states):
        state.note_openness(
            {m: model.china.policy[(m, state.name)].open_in_effect for m in model.materials}
        )
        model.add_payoff(
            state.name,
            (FIRMS_PROFIT, firm_profit[i]),
            (STOCKPILE_HOLDING, -holding[i]),
            (STOCKPILE_PURCHASES, -bought[i]),
            (POLICY_SPENDING, -state.monthly_policy_cost()),
            (PRICE_FLOOR_SUPPORT, -floor_cost[i]),
            (RETALIATION, -state.retaliation * state.config.retaliation_self_cost_usd_m_per_month),
        )
    for producer, present, value in zip(
        model.producers_now().slots.producers,
        out.producer_present.tolist(),
        out.producer_profit.tolist(),
        strict=True,
    ):
        if present:
            producer.record_profit(value, inputs.settings.discount)
            model.ledger.add(producer.name, ((PRODUCER_PROFIT, value),))
    _close_loss_makers(model)
    for key, capacity in model.producers_now().capacity.items():
        model.capacity_history[key].append(capacity)

    model.last.rows = rows
    model.last.leverage = per_importer.leverage
    held = sum(per_importer.leverage.T.ravel().tolist()) / len(mats)  # material by material
    model.add_payoff("china", (LEVERAGE_VALUE, sc.china.leverage_value_usd_m_per_month * held))
    model.last.flows = flows
    # Importers × materials arrays of this month (the recorder keeps them as they are).
    model.last.stockpile = stock
    model.last.shortage = per_importer.shortage
    model.last.region_need = region_need
    model.last.recycled = per_importer.recycled


def _close_loss_makers(model: LeverageModel) -> None:
    """Producers with persistent losses exit, unless their host's price floor props up
    their separation."""
    for producer in model.producers:
        if not producer.losses_persist():
            continue
        host = model.importers.get(producer.country)
        floored = host is not None and any(
            host.price_floor[m] > 0 and producer.total_capacity(m, "processing") > 0
            for m in model.materials
        )
        if not floored:
            for (m, _stage), capacity in producer.exit(model.step_count).items():
                model.charge_leverage_loss(m, -capacity)
            model.log_event(producer.name, "exit", source="losses", note="persistent losses")
