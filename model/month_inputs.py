"""The world's state as the compiled month's named inputs (:class:`MonthInputs`).

:func:`overplay.model.month.clear_month` calls :func:`gather` once a month, hands the
result to :func:`overplay.model.month_kernel.run_month` and reads back its named
outputs; this module only reads the model.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from overplay.agents.firm_kernels import FirmState
from overplay.model import china_market, market
from overplay.model.china_market import ChinaMonth
from overplay.model.magnet_kernel import MagnetInputs
from overplay.model.month_kernel import (
    ImporterInputs,
    MaterialInputs,
    MonthInputs,
    MonthSettings,
)

if TYPE_CHECKING:
    from overplay.model.leverage_model import LeverageModel


def gather(model: LeverageModel, china: ChinaMonth) -> MonthInputs:
    """This month's market terms, the importers', China's limits (its export policy and,
    from ``china``, what it has to export), the producers' slots, the allies, the
    month's scalars and the firm population, by name."""
    sc = model.config
    mkt = sc.market
    mats = model.materials
    names = model.importer_names
    arrays = model.importer_arrays
    pop = model.firm_population
    chn = model.china
    step = model.step_count
    discount = model.discount_per_month ** (step - 1)

    # Per material, each term in MaterialInputs' field order; one array, one row a term.
    rows = []
    mean_risk = arrays.risk.mean(axis=0).tolist()
    for j, m in enumerate(mats):
        cfg = sc.materials[m]
        px, pc, ref = model.price_x[m], model.price_c[m], model.reference_price[m]
        export_price = pc * (1.0 - chn.price_war[m])  # a price war cheapens ore too
        growth = model.demand_growth(m)
        response = market.demand_multiplier(px, ref, cfg.price_elasticity)
        china_cm = cfg.china_consumption_share * cfg.demand_t_per_year / 12 * growth
        home = china_cm * market.demand_multiplier(pc, ref, cfg.price_elasticity)
        other = model.other_demand_share[m] * cfg.demand_t_per_year / 12 * growth * response
        if px >= cfg.value_added_usd_per_kg:  # third countries' firms stop buying too
            other = 0.0
        rows.append(
            (
                growth,  # growth
                response,  # price_response
                px,  # price_x
                market.demand_multiplier(export_price, px, cfg.price_elasticity),  # anchor_scale
                stock_scale(export_price, px, mean_risk[j]),
                model.security_premium(m),  # premium
                max(other, 0.0),  # other_need
                home,  # china_domestic
                china_market.exportable(china, j, home),  # china_available
                export_price,  # price_c_ore
                model.last.local_ore_share[m],  # local_ore_share
                model.last.contracted_share[m],  # contracted_share
                ref,  # reference_price
                cfg.value_added_usd_per_kg,  # value_added
                cfg.price_elasticity,  # elasticity
            )
        )
    materials = MaterialInputs(*np.array(rows).T.copy())
    restricted = chn.restricted_pairs()
    limits = policy_limits(model, chn.policy) if restricted else model.open_limits
    china_share = np.ascontiguousarray(limits[:, :, 0])
    china_caps = np.ascontiguousarray(limits[:, :, 1])
    if restricted:
        magnet_limits = policy_limits(model, chn.magnet_policy)[:, : len(names)]
        magnet_share = np.ascontiguousarray(magnet_limits[:, :, 0])
        magnet_caps = np.ascontiguousarray(magnet_limits[:, :, 1])
    else:
        magnet_share, magnet_caps = model.open_magnet_limits
    leak_rate = mkt.leakage_rate * (1.0 - chn.enforcement)
    slots = model.producers_now().slots
    return MonthInputs(
        materials=materials,
        importers=ImporterInputs(
            recycling=arrays.recycling_rate,
            stockpile=arrays.stockpile,
            stockpile_target_days=arrays.stockpile_target_days,
            shortage=model.last.shortage,
            price_floor=arrays.price_floor,
            holding_cost_per_month=arrays.holding_cost_per_month,
        ),
        china_share=china_share,
        china_caps=china_caps,
        choke_edges=all_choke_edges(
            tuple(model.reference_price[m] for m in mats), float(mkt.max_price_multiple)
        ),
        slots=slots.arrays,
        allies=coordinating_allies(model),
        settings=MonthSettings(
            build_months=float(sc.policy.stockpile_build_months),
            partner_ore_share=float(model.partner_ore_share),
            ore_value_share=float(mkt.ore_value_share),
            leak_rate=float(leak_rate),
            leverage_horizon=float(sc.policy.leverage_horizon_months),
            discount=float(discount),
            price_ceiling_multiple=float(mkt.max_price_multiple),
        ),
        firms=FirmState(
            base_need=pop.base_need,
            thrift=pop.thrift,
            contracted=pop.contracted,
            target_days=pop.target_days,
            inventory=pop.inventory,
            value_added=pop.value_added,
            region=pop.region,
            regions=len(names),
            adjust_months=float(pop.adjust_months),
            cumulative_profit=pop.cumulative_profit,
            discounted_profit=pop.discounted_profit,
        ),
        magnets=MagnetInputs(
            use_share=model.magnet_use_share,
            capacity=(arrays.magnet_capacity + arrays.magnet_built) / 12.0,
            china_share=magnet_share,
            china_caps=magnet_caps,
        ),
    )


def policy_limits(model: LeverageModel, policy: dict) -> np.ndarray:
    """China's (share approved, cap) for every material and destination under one
    product's ``policy`` (materials × destinations × 2)."""
    step = model.step_count
    return np.array(
        [[policy[(m, d)].limits(step) for d in model.destinations] for m in model.materials]
    )


@functools.lru_cache(maxsize=1024)
def all_choke_edges(references: tuple[float, ...], ceiling_multiple: float) -> np.ndarray:
    """Every material's :func:`overplay.model.market.choke_edges` (materials × bins),
    built once per set of reference prices (a series moves them monthly, hence the
    bound). Cached: read it, never write to it."""
    return np.array([market.choke_edges(ref, ceiling_multiple) for ref in references])


def coordinating_allies(model: LeverageModel) -> np.ndarray:
    """For each importer, the allies whose stockpiles it may draw on (both coordinate),
    as importer indices padded with -1; no columns when nobody coordinates."""
    states = model.importers
    names = model.importer_names
    if not any(state.coordinating for state in states.values()):
        return np.empty((len(names), 0), dtype=np.int64)
    rows = [
        [
            names.index(a)
            for a in states[n].allies
            if states[n].coordinating and states[a].coordinating
        ]
        for n in names
    ]
    width = max(len(row) for row in rows)
    return np.array([row + [-1] * (width - len(row)) for row in rows], dtype=np.int64).reshape(
        len(names), width
    )


def stock_scale(export_price: float, price: float, risk: float) -> float:
    """The share of their usual stocks buyers hold at ``price``: the expected price over
    the price now, at most 1. Buyers expect the price to return to China's export price
    unless the restriction persists, which they think as likely as their perceived risk:
    the expected price is ``export_price^(1 - risk) · price^risk`` (a geometric mean).
    So stocks are drawn down in a spike buyers think will pass and held in one they
    think will last (the 2010-11 hoarding)."""
    return min(1.0, (export_price / price) ** (1.0 - min(max(risk, 0.0), 1.0)))
