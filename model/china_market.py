"""China's side of the month: what it has to export and the price of its home market.

Before the market clears, :func:`plan` reads China's supply state
(:class:`overplay.agents.china_supply.ChinaSupply`) into the month's most legal output
(its own mines' quota or capacity, plus the foreign ore its separators bought last
month: Myanmar's clays, Mountain Pass's concentrate), black output and reserve flow;
:func:`exportable` is what is left for export once the home market is served (the state
plan serves domestic users first [seed 002]). After
the market clears, :func:`settle` moves the reserve and China's domestic price toward
the price that clears its home market (``docs/odd.md`` §7.3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from overplay.agents.china_supply import ChinaSupply
from overplay.model import market

if TYPE_CHECKING:
    from overplay.model.config import Scenario
    from overplay.model.leverage_model import LeverageModel


class ChinaMonth(NamedTuple):
    """China's supply this month, per material (t/month)."""

    legal_most: list[float]  # most legal output: quota or capacity, plus imported ore
    illegal: list[float]  # black output
    reserve_flow: list[float]  # reserve purchases (+) or sales (−)


class HomeMarket(NamedTuple):
    """How China's home market settled this month (one material)."""

    price: float  # next month's domestic price, USD/kg
    legal_output: float  # legal output sold, t/month
    illegal_output: float  # black output sold at home or smuggled, t/month


def initial_supply(sc: Scenario) -> ChinaSupply:
    """China's supply state at the start: capacity as configured or world demand over
    normal utilisation, the configured quota (none: unlimited) and reserve."""
    inf = float("inf")
    util = sc.market.capacity_utilisation
    mats = sc.materials
    return ChinaSupply(
        capacity={
            m: cfg.china_capacity_t_per_year or cfg.demand_t_per_year / util
            for m, cfg in mats.items()
        },
        production_quota={
            m: cfg.china_production_quota_t_per_year or inf for m, cfg in mats.items()
        },
        illegal_per_quota=sc.china.illegal_supply_per_quota,
        illegal_price_elasticity=sc.china.illegal_price_elasticity,
        reserve={m: cfg.china_reserve_t for m, cfg in mats.items()},
    )


def plan(model: LeverageModel) -> ChinaMonth:
    """This month's most legal output, black output and reserve flow per material. The
    quota bounds China's own mines; foreign ore separated in China comes on top."""
    chn = model.china
    supply = chn.supply
    legal, illegal, flow = [], [], []
    for m in model.materials:
        imported = model.last.ore_to_china[m]
        legal.append(supply.legal_most(m, model.demand_growth(m)) + imported)
        illegal.append(
            supply.illegal(m, model.price_c[m], model.reference_price[m], chn.enforcement)
        )
        flow.append(supply.reserve_flow(m))
    return ChinaMonth(legal, illegal, flow)


def exportable(month: ChinaMonth, j: int, home: float) -> float:
    """What China could export of material ``j`` this month, t/month: its output and
    reserve sales, less reserve purchases and the home market's demand."""
    flow = month.reserve_flow[j]
    return month.legal_most[j] + month.illegal[j] - flow - home


def settle(
    model: LeverageModel, month: ChinaMonth, j: int, home: float, exports: float, leaked: float
) -> HomeMarket:
    """Move China's reserve and its domestic price for material ``j``.

    Legal producers sell at the reference price up to what the quota or capacity leaves
    after exports, legal leakage and reserve purchases; black output (less what was
    smuggled) and reserve sales are sold whatever they fetch. The domestic price moves
    toward the price that clears the home market at that supply.
    """
    m = model.materials[j]
    cfg = model.config
    pc, ref = model.price_c[m], model.reference_price[m]
    flow, illegal = month.reserve_flow[j], month.illegal[j]
    smuggled = min(leaked, illegal)  # smuggling draws on black output first
    legal_leak = leaked - smuggled
    fixed = illegal - smuggled + max(-flow, 0.0)
    room = max(month.legal_most[j] - exports - legal_leak - max(flow, 0.0), 0.0)
    target = market.clearing_price(
        pc, home, ref, fixed, fixed + room, cfg.materials[m].price_elasticity
    )
    mkt = cfg.market
    price = market.adjust_price(
        pc, target, mkt.price_speed_per_month, 0.2 * ref, mkt.max_price_multiple * ref
    )
    model.china.supply.reserve[m] += flow
    legal_output = exports + legal_leak + max(flow, 0.0) + min(max(home - fixed, 0.0), room)
    return HomeMarket(price, legal_output, illegal)
