"""One month of the world: markets clear, stocks move, memories and payoffs update.

Written as functions of the model so the orchestration in
:mod:`model.leverage_model` stays short; every formula is in ``docs/odd.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.china import OTHER
from agents.firms import DAYS_PER_MONTH
from agents.producers import STAGES
from model import market, supply
from model.risk import severity, update_reputation

if TYPE_CHECKING:
    from model.leverage_model import LeverageModel

USD_M = 1e-3  # t × USD/kg → USD m


def clear_month(model: LeverageModel) -> None:
    """Demand, allocation, consumption, prices, shares, producers' and players' payoffs."""
    sc = model.config
    mats = model.materials
    names = model.importer_names
    pop = model.firm_population
    n_imp = len(names)
    step = model.step_count
    discount = model.discount_per_month ** (step - 1)

    # Per-material scalars as Python floats (numpy scalars slow every later operation).
    growth = [model._growth(m) for m in mats]
    mult_x = [market.demand_multiplier(model.price_x[m], model.reference_price[m],
                                       sc.materials[m].price_elasticity) for m in mats]
    premia = [model.security_premium(m) for m in mats]
    firms = pop.demand(np.array(growth), np.array(mult_x),
                       np.array([model.price_x[m] for m in mats]), np.array(premia))
    region_orders, region_contracted = firms.region_orders, firms.region_contracted
    region_need = firms.region_need
    recycling = np.array([[model.importers[n].recycling_rate[m] for m in mats] for n in names])
    recycled = np.minimum(region_need * recycling, region_orders)
    firm_market_orders = region_orders - recycled

    stock = np.array([[model.importers[n].stockpile[m] for m in mats] for n in names])
    target_days = np.array([[model.importers[n].stockpile_target_days[m] for m in mats]
                            for n in names])
    target_stock = target_days * region_need / DAYS_PER_MONTH
    calm = np.array([[model.last["shortage"][(n, m)] < 0.01 for m in mats] for n in names])
    purchases = np.where(calm, np.maximum(target_stock - stock, 0.0)
                         / sc.policy.stockpile_build_months, 0.0)

    # Per material, plain floats: a handful of regions (see market.allocate).
    order_rows = (firm_market_orders + purchases).T.tolist()
    contracted_rows = np.minimum(region_contracted, firm_market_orders).T.tolist()
    market_fill = np.ones((len(mats), n_imp))
    rows: dict[str, dict] = {}
    slate = model.supply_slates()
    leak_rate = sc.market.leakage_rate * (1.0 - model.china.enforcement)
    china_payoff = 0.0
    producer_profit: dict = {}
    floor_costs: dict[str, float] = {}
    for j, m in enumerate(mats):
        cfg = sc.materials[m]
        px, pc = model.price_x[m], model.price_c[m]
        other_need = ((1 - cfg.china_consumption_share - sum(
            sc.importers[n].demand_share.get(m, 0.0) for n in names))
            * cfg.demand_t_per_year / 12 * growth[j] * mult_x[j])
        orders = [*order_rows[j], max(other_need, 0.0)]
        contracted = [*contracted_rows[j], 0.0]
        limits = [model.china.policy[(m, d)].limits(step) for d in model.destinations]
        share = [x[0] for x in limits]
        caps = [x[1] for x in limits]

        premium = premia[j]
        contracted_share = model.last["contracted_share"][m]
        floors = {n: s.price_floor[m] for n, s in model.importers.items()}
        pc_ore = pc * (1.0 - model.china.price_war[m])  # a price war cheapens ore too
        offer = supply.offers(slate, m, px, pc_ore, model.last["local_ore_share"][m],
                              floors, premium, contracted_share, sc.market)
        mined = offer["mining"].total
        free_ore = sum(slot.output * slot.free_ore for slot in offer["mining"].slots)
        feed = free_ore * (1.0 - model.partner_ore_share)
        processed_offered = min(offer["processing"].total, feed)

        china_cm = cfg.china_consumption_share * cfg.demand_t_per_year / 12 * growth[j]
        domestic = china_cm * market.demand_multiplier(pc, model.reference_price[m],
                                                       cfg.price_elasticity)
        china_capacity = cfg.demand_t_per_year * growth[j] / 12 / sc.market.capacity_utilisation
        clearing = market.allocate(orders, contracted, processed_offered, share, caps,
                                   china_capacity - domestic, leak_rate)
        received = clearing.received
        for d, shipped in zip(model.destinations, clearing.china, strict=True):
            model.export_history[(m, d)].append(shipped)
        # Share of each importer's orders delivered (firms' and stockpile purchases).
        market_fill[j] = [r / o if o > 0 else 1.0
                          for r, o in zip(received[:n_imp], orders[:n_imp], strict=False)]

        # Prices: excess demand raises the ex-China price; free Chinese supply anchors it.
        demand_total = sum(orders)
        supply_total = sum(received)
        constrained = min(1.0, sum(clearing.refused) / max(sum(clearing.requested), 1e-12))
        anchor = pc * (1.0 - model.china.price_war[m])
        ref = model.reference_price[m]
        new_px = market.update_price(px, anchor, demand_total, supply_total, constrained,
                                     sc.market.price_adjustment_per_month,
                                     sc.market.reversion_per_month, 0.2 * ref,
                                     sc.market.max_price_multiple * ref,
                                     sc.market.reversion_cutoff)
        exports = sum(clearing.china)
        leaked = sum(clearing.leak)
        offered_home = model.china_output_plan[m] - exports - leaked
        new_pc = market.update_price(pc, ref, domestic, max(offered_home, 1e-9), 0.0,
                                     sc.market.price_adjustment_per_month,
                                     sc.market.reversion_per_month, 0.2 * ref,
                                     sc.market.max_price_multiple * ref)
        model.china_output_plan[m] += sc.market.china_price_adjustment_per_month * (
            domestic + exports + leaked - model.china_output_plan[m])

        # Shares: ore mined abroad but not separated abroad is separated in China.
        processed = clearing.nonchina_sold
        china_processed = domestic + exports + leaked
        # Foreign ore beyond what is separated abroad goes to China, up to its needs.
        ore_to_china = min(max(mined - processed, 0.0), china_processed)
        mined_sold = processed + ore_to_china
        china_mined = china_processed - ore_to_china
        processing_share = china_processed / max(china_processed + processed, 1e-12)
        mining_share = china_mined / max(china_mined + mined_sold, 1e-12)

        profit, floor_cost = supply.settle(slate, m, offer, processed, mined_sold,
                                           px, pc_ore, floors, premium, contracted_share,
                                           sc.market)
        for producer, value in profit.items():
            producer_profit[producer] = producer_profit.get(producer, 0.0) + value
        for country, value in floor_cost.items():
            floor_costs[country] = floor_costs.get(country, 0.0) + value

        china_cost = ref * sc.market.china_cost_share
        china_payoff += exports * (px - china_cost) * USD_M
        china_payoff -= model.pending_leverage_change[m]
        model.pending_leverage_change[m] = 0.0

        model.last["china_processing_share"][m] = processing_share
        model.last["china_mining_share"][m] = mining_share
        model.last["local_ore_share"][m] = (min(1.0, processed / mined_sold)
                                            if mined_sold > 0 else 1.0)
        model.last["contracted_share"][m] = (min(1.0, sum(contracted) / processed)
                                             if processed > 0 else 0.0)
        model.price_x[m], model.price_c[m] = new_px, new_pc
        model.price_history[m].append(new_px)
        model.price_c_history[m].append(new_pc)
        rows[m] = {
            "price_ex_china": px, "price_china": pc,
            "china_mining_share": mining_share, "china_processing_share": processing_share,
            "exports": clearing.china[:n_imp], "leak": clearing.leak[:n_imp],
            "nonchina_received": clearing.nonchina[:n_imp],
            "world_exports": exports, "nonchina_processed": processed,
            "other_need": max(other_need, 0.0),
            "mined_abroad": mined_sold,
            "security_premium": premium}

    # Deliveries to importers: firms' part plus recycling, and stockpile purchases.
    market_fill = market_fill.T
    firm_fill = np.divide(firm_market_orders * market_fill + recycled, region_orders,
                          out=np.ones((n_imp, len(mats))), where=region_orders > 0)
    delivered_to_stock = purchases * market_fill
    stock += delivered_to_stock

    # Firms receive, the state stockpiles cover gaps, firms consume.
    pact = _pact(model)
    pool = _release_pool(pact, stock)
    flows = pop.receive_and_consume(firms, firm_fill, pool, discount)
    _draw_stockpiles(pact, stock, flows.release_used)
    for i, n in enumerate(names):
        state = model.importers[n]
        for j, m in enumerate(mats):
            state.stockpile[m] = float(max(stock[i, j], 0.0))

    # Payoffs.
    chn = model.china
    china_payoff += sc.china.domestic_industry_weight * float(flows.lost_output_usd_m.sum())
    china_payoff -= sc.china.enforcement_cost_usd_m_per_month * chn.enforcement
    for state in model.importers.values():
        china_payoff -= state.retaliation * state.config.retaliation_cost_to_china_usd_m_per_month
    model._add_payoff("china", china_payoff)
    purchase_price = np.array([rows[m]["price_ex_china"] for m in mats])
    for i, n in enumerate(names):
        state = model.importers[n]
        holding = sum(state.stockpile[m] * model.reference_price[m] for m in mats) * USD_M * (
            state.config.stockpile_holding_cost_per_year / 12)
        bought = float((delivered_to_stock[i] * purchase_price).sum()) * USD_M
        value = (flows.profit_usd_m[i] - holding - bought - state.monthly_policy_cost()
                 - floor_costs.get(n, 0.0)
                 - state.retaliation * state.config.retaliation_self_cost_usd_m_per_month)
        model._add_payoff(n, float(value))
    for producer, value in producer_profit.items():
        producer.record_profit(value, discount)
    for producer in model.producers:
        host = model.importers.get(producer.country)
        floored = host is not None and any(
            host.price_floor[m] > 0 and producer.total_capacity(m, "processing") > 0
            for m in mats)
        if producer.losses_persist() and not floored:
            for (m, _stage), capacity in producer.exit(step).items():
                model._charge_leverage_loss(m, -capacity)
            model.log_event(producer.name, "exit", source="losses", note="persistent losses")
    for m in mats:
        for stage in STAGES:
            model.capacity_history[(m, stage)].append(model.nonchina_capacity(m, stage))

    for i, n in enumerate(names):
        for j, m in enumerate(mats):
            need = flows.consumption_need[i, j]
            model.last["shortage"][(n, m)] = (float(flows.shortfall[i, j] / need)
                                              if need > 0 else 0.0)
    model.last["rows"] = rows
    model.last["leverage"] = _indispensability(model, region_need, recycled,
                                               region_contracted, flows.inventory)
    held = sum(model.last["leverage"].values()) / len(mats)
    model._add_payoff("china", sc.china.leverage_value_usd_m_per_month * held)
    model.last["flows"] = flows
    model.last["region_need"] = region_need
    model.last["recycled"] = recycled
    model.last["china_payoff"] = china_payoff


def _pact(model: LeverageModel) -> dict[int, list[int]]:
    """For each importer, the allies whose stockpiles it may draw on: both coordinate.
    Empty when nobody coordinates (the usual case, so it is checked first)."""
    states = model.importers
    if not any(state.coordinating for state in states.values()):
        return {}
    names = model.importer_names
    pact: dict[int, list[int]] = {}
    for i, n in enumerate(names):
        state = states[n]
        pact[i] = [names.index(a) for a in state.allies
                   if state.coordinating and states[a].coordinating]
    return pact


def _release_pool(pact: dict[int, list[int]], stock: np.ndarray) -> np.ndarray:
    """Stockpile each importer may draw on: its own, plus an equal share of each
    coordinating ally's, so no tonne is promised twice."""
    claimants = {a: sum(a in allies for allies in pact.values()) for a in pact}
    pool = stock.copy()
    for i, allies in pact.items():
        for a in allies:
            pool[i] += stock[a] / claimants[a]
    return pool


def _draw_stockpiles(pact: dict[int, list[int]], stock: np.ndarray, used: np.ndarray) -> None:
    """Take releases from the importer's own stockpile first, then from its share of its
    coordinating allies' stockpiles."""
    if not pact:
        stock -= np.minimum(used, stock)
        return
    claimants = {a: sum(a in allies for allies in pact.values()) for a in pact}
    shares = {a: stock[a] / claimants[a] for a in pact if claimants[a]}
    for i, allies in pact.items():
        own = np.minimum(used[i], stock[i])
        stock[i] -= own
        rest = used[i] - own
        for a in allies:
            take = np.minimum(rest, np.minimum(shares[a], stock[a]))
            stock[a] -= take
            rest = rest - take


def _indispensability(model: LeverageModel, region_need: np.ndarray, recycled: np.ndarray,
                      contracted: np.ndarray,
                      inventory: np.ndarray) -> dict[tuple[str, str], float]:
    """Leverage: share of an importer's demand over the buffer horizon it could not meet
    without China, from non-China output (contracts first), stocks and recycling."""
    sc = model.config
    horizon = sc.policy.leverage_horizon_months
    names = model.importer_names
    inventory, contracted = inventory.T.tolist(), contracted.T.tolist()
    needs, recycled_rows = region_need.T.tolist(), recycled.T.tolist()
    no_china = [0.0] * (len(names) + 1)
    result = {}
    for j, m in enumerate(model.materials):
        row = model.last["rows"][m]
        alloc = market.allocate([*needs[j], row["other_need"]], [*contracted[j], 0.0],
                                row["nonchina_processed"], no_china, no_china, 0.0, 0.0)
        for i, n in enumerate(names):
            demand = needs[j][i] * horizon
            if demand <= 0:
                result[(n, m)] = 0.0
                continue
            have = ((alloc.nonchina[i] + recycled_rows[j][i]) * horizon + inventory[j][i]
                    + model.importers[n].stockpile[m])
            result[(n, m)] = min(max(1.0 - have / demand, 0.0), 1.0)
    return result


def update_memories(model: LeverageModel) -> None:
    """Perceived risk (importers, firms), reputation, recycling and thrifting."""
    sc = model.config
    cfg = sc.risk
    names = model.importer_names
    mats = model.materials
    chn = model.china
    step = model.step_count
    # Importers × materials as lists of floats: a handful of numbers, no numpy calls.
    impulse = [[0.0] * len(mats) for _ in names]
    restricted = chn.restricted_pairs()
    severities = {}
    for (m, d) in restricted:
        policy = chn.policy[(m, d)]
        sev = severity(policy.regime, policy.approval_rate, policy.delay_months, policy.cut, cfg)
        severities[(m, d)] = sev
        strength = sev if (m, d) in chn.new_restrictions else cfg.ongoing_share * sev
        j = mats.index(m)
        for i, n in enumerate(names):
            if d == n:
                felt = strength
            else:
                state = model.importers[n]
                allied = (d in state.allies and state.coordinating
                          and model.importers[d].coordinating) if d != OTHER else False
                felt = strength * cfg.spillover * (2.0 if allied else 1.0)
            impulse[i][j] = 1.0 - (1.0 - impulse[i][j]) * (1.0 - min(felt, 1.0))
    shortage = model.last["shortage"]
    retention = model.retention
    for i, n in enumerate(names):
        state = model.importers[n]
        row = impulse[i]
        for j, m in enumerate(mats):
            row[j] = 1.0 - (1.0 - row[j]) * (
                1.0 - min(max(cfg.shortage_weight * shortage[(n, m)], 0.0), 1.0))
        sensitivity = state.config.risk_sensitivity
        state.risk = {m: 1.0 - (1.0 - state.risk[m] * retention)
                      * (1.0 - min(max(row[j] * sensitivity, 0.0), 1.0))
                      for j, m in enumerate(mats)}
    model.firm_population.update_risk(np.array(impulse), retention)

    # Reputation: own treatment, plus how broadly China restricts.
    pairs = len(mats) * len(model.destinations)
    breadth = len(restricted) / pairs
    mean_sev = float(np.mean(list(severities.values()))) if severities else 0.0
    for d in model.destinations:
        own = max((severities.get((m, d), 0.0) for m in mats), default=0.0)
        weight = cfg.third_country_weight if d == OTHER else cfg.spillover
        loss = cfg.reputation_sensitivity * (own + weight * breadth * mean_sev)
        chn.reputation[d] = update_reputation(chn.reputation[d], loss, model.reputation_recovery)

    # Partnerships: third countries take up China's offer, likelier when it is trusted.
    round_start = (step - 1) % sc.timing.decision_interval_months == 0
    if (chn.partnership_offered and round_start
            and model.rng.random() < sc.policy.partnership_uptake * chn.reputation[OTHER]):
        chn.partners += 1
        model.partner_ore_share = min(0.5, chn.partners * sc.china.partnership_ore_share)
        model._add_payoff("china", sc.china.partnership_value_usd_m)
        model.log_event(OTHER, "join_partnership", target="china",
                        parameters=f"partners={chn.partners}", source="uptake")

    # R&D: recycling creeps up with a long lag; thrifting speeds up.
    policy = sc.policy
    boost = [[0.0] * len(mats) for _ in names]
    for i, n in enumerate(names):
        state = model.importers[n]
        for j, m in enumerate(mats):
            stock = state.research_stock[m]
            effect = stock / (stock + policy.research_half_usd_m)
            boost[i][j] = effect
            target = policy.recycling_base + (policy.recycling_max - policy.recycling_base) * effect
            state.recycling_rate[m] += ((target - state.recycling_rate[m])
                                        / policy.recycling_lag_months)
    model.firm_population.advance_thrift(policy.thrift_rate_per_year, np.array(boost),
                                         policy.thrift_lag_months)
