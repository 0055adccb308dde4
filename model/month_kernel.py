"""The month after the decisions in one compiled call: demand, market, releases, leverage.

:func:`overplay.model.month.clear_month` gathers the world's state into a
:class:`MonthInputs`, calls :func:`run_month` once (firms' demand, the market's
:func:`overplay.model.clearing_kernel.clear_materials`, stockpile releases, firms'
receipts, :func:`leverage`) and writes the :class:`MonthOutputs` back to the agents.
Written as plain loops in the order of ``docs/odd.md`` §7 (a step used to spend most of
its time in Python overhead around a few dozen numbers per material). Every sum runs in
a fixed order (importers, then third countries; slots in producer order), so a run is
reproducible to the bit. The same mathematics, written for reading, is in
:mod:`overplay.model.month_kernel_reference` (``tests/unit/test_kernel_references.py``
holds the two together).

Data crosses the compiled boundary as named tuples of arrays. Shapes: ``I``
importers, ``M`` materials, ``D = I + 1`` destinations (third countries last), ``S``
producers' slots (one per producer, material and stage with capacity), ``P``
producers. Slot stages: 0 mining, 1 separation (processing).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from overplay.agents.firm_kernels import (
    Demand,
    FirmState,
    MarketTerms,
    choke_loads,
    demand,
    receive_and_consume,
)
from overplay.model.clearing_kernel import (
    ClearingInputs,
    MarketFlows,
    MaterialOutputs,
    clear_materials,
    slot_supply,
)
from overplay.model.jit import njit
from overplay.model.magnet_kernel import MagnetFlows, MagnetInputs, magnet_trade
from overplay.model.market import (
    AllocationInputs,
    ExChinaTerms,
    allocate_flows,
    ex_china_target,
)
from overplay.model.supply import KG_PER_T_IN_USD_M, SlotArrays


class MaterialInputs(NamedTuple):
    """This month's market terms per material (M)."""

    growth: np.ndarray  # demand growth since the start
    price_response: np.ndarray  # short-run demand multiplier at the ex-China price
    price_x: np.ndarray  # ex-China price, USD/kg
    anchor_scale: np.ndarray  # demand at China's export price / demand at price_x
    stock_scale: np.ndarray  # share of the usual stocks worth holding at price_x
    premium: np.ndarray  # security premium on contracted non-China supply
    other_need: np.ndarray  # third countries' orders, t/month
    china_domestic: np.ndarray  # China's home demand, t/month
    china_available: np.ndarray  # China's exportable output, t/month
    price_c_ore: np.ndarray  # China's price as paid for ore, USD/kg
    local_ore_share: np.ndarray  # last month's share of ore separated abroad
    contracted_share: np.ndarray  # last month's contracted share of non-China sales
    reference_price: np.ndarray  # USD/kg
    value_added: np.ndarray  # what a kg adds to third countries' output, USD/kg
    elasticity: np.ndarray  # short-run price elasticity of demand


class ImporterInputs(NamedTuple):
    """The importer states' side of the month (I × M unless said)."""

    recycling: np.ndarray  # recycling rate
    stockpile: np.ndarray  # t
    stockpile_target_days: np.ndarray  # days of need
    shortage: np.ndarray  # last month's shortage fraction
    price_floor: np.ndarray  # USD/kg (0: none)
    holding_cost_per_month: np.ndarray  # share of the stockpile's value (I)


class MonthSettings(NamedTuple):
    """The month's scalars."""

    build_months: float  # months to build a stockpile to its target
    partner_ore_share: float  # share of foreign ore committed to China's partners
    ore_value_share: float  # ore's share of the separated product's value
    leak_rate: float  # share of blocked demand served by leakage
    leverage_horizon: float  # months of buffer counted in indispensability
    discount: float  # this month's discount factor
    price_ceiling_multiple: float  # ceiling on price / reference


class MonthInputs(NamedTuple):
    """Everything :func:`run_month` reads."""

    materials: MaterialInputs
    importers: ImporterInputs
    china_share: np.ndarray  # share of each request China approves (M × D)
    china_caps: np.ndarray  # most China ships, t/month (M × D; inf if none)
    choke_edges: np.ndarray  # buyers' choke price bins, USD/kg (M × CHOKE_BINS + 1)
    slots: SlotArrays
    allies: np.ndarray  # coordinating allies' importer indices, -1 padding (I × K)
    settings: MonthSettings
    firms: FirmState
    magnets: MagnetInputs


class LeverageInputs(NamedTuple):
    """What :func:`leverage` reads (I × M unless said)."""

    need: np.ndarray  # t/month
    recycled: np.ndarray  # t/month
    contracted: np.ndarray  # orders under non-China contracts, t/month
    inventory: np.ndarray  # firms' inventory, t
    stockpile: np.ndarray  # t
    other_need: np.ndarray  # third countries' need, t/month (M)
    nonchina_supply: np.ndarray  # non-China output, t/month (M)
    horizon: float  # months
    chinese_magnets: np.ndarray  # share of need only Chinese magnets can meet


class ImporterOutputs(NamedTuple):
    """The month's results per importer (I × M; the last three: I, USD m)."""

    recycled: np.ndarray  # t/month
    stockpile: np.ndarray  # t, after purchases and releases
    shortage: np.ndarray  # shortage fraction
    leverage: np.ndarray  # indispensability
    need: np.ndarray  # firms' need, t/month
    lost_output: np.ndarray  # USD m
    consumed: np.ndarray  # t/month
    shortfall: np.ndarray  # t/month
    release_used: np.ndarray  # t/month
    inventory: np.ndarray  # firms' inventory, t
    firms_profit: np.ndarray
    stockpile_holding: np.ndarray
    stockpile_bought: np.ndarray


class MonthOutputs(NamedTuple):
    """What :func:`run_month` returns."""

    materials: MaterialOutputs
    market: MarketFlows
    importers: ImporterOutputs
    producer_profit: np.ndarray  # USD m (P)
    producer_present: np.ndarray  # whether each producer took part (P)
    floor_cost: np.ndarray  # price-floor top-ups per host, USD m (D)
    firm_orders: np.ndarray  # firms × materials, t/month
    firm_shortfall: np.ndarray  # firms × materials, t/month
    price_target: np.ndarray  # the price the ex-China price moves toward, USD/kg (M)
    magnets: MagnetFlows
    choke_loads: np.ndarray  # firms' oxide orders by choke bin (M × bins), the demand curve


@njit(cache=True)
def leverage(inputs):
    """Indispensability: each importer's share of demand over the buffer horizon it
    could not meet without China, from non-China output (contracts first), its
    firms' inventories, its stockpile and recycling (:class:`LeverageInputs` in,
    importers × materials out). Non-China oxide cannot stand in for the magnets only
    China makes for it. Reference:
    :func:`overplay.model.month_kernel_reference.leverage`."""
    n_imp, n_mat = inputs.need.shape
    horizon = inputs.horizon
    result = np.zeros((n_imp, n_mat))
    need = np.empty(n_imp + 1)
    contracted = np.zeros(n_imp + 1)
    shut = np.zeros(n_imp + 1)
    for j in range(n_mat):
        for i in range(n_imp):
            need[i] = inputs.need[i, j] * (1.0 - inputs.chinese_magnets[i, j])
            contracted[i] = inputs.contracted[i, j]
        need[n_imp] = inputs.other_need[j]
        contracted[n_imp] = 0.0
        nonchina = allocate_flows(
            AllocationInputs(need, contracted, shut, shut, inputs.nonchina_supply[j], 0.0, 0.0, 1.0)
        ).nonchina
        for i in range(n_imp):
            demand = inputs.need[i, j] * horizon
            if demand <= 0:
                continue
            have = (
                (nonchina[i] + inputs.recycled[i, j]) * horizon
                + inputs.inventory[i, j]
                + inputs.stockpile[i, j]
            )
            result[i, j] = min(max(1.0 - have / demand, 0.0), 1.0)
    return result


@njit(cache=True)
def release_pool(stock, allies):
    """Stockpile each importer may draw on: its own, plus an equal share of each
    coordinating ally's (``allies``: importer indices per row, -1 padding), so no
    tonne is promised twice. Reference:
    :func:`overplay.model.month_kernel_reference.release_pool`."""
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
    coordinating allies' stockpiles (in their order). In place. Reference:
    :func:`overplay.model.month_kernel_reference.draw_stockpiles`."""
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


class TargetInputs(NamedTuple):
    """One material's terms for :func:`consistent_target`."""

    material: int
    terms: ExChinaTerms
    loads: np.ndarray  # firms' orders by choke bin
    edges: np.ndarray  # the bins' choke prices, USD/kg
    smuggled: float  # leakage offered whatever it fetches, t/month
    china_limit: float  # most China ships at its export price, t/month
    offered_now: float  # non-China output offered at this month's price, t/month


#: Halvings of the bracket when the price target and the supply that runs at it must
#: agree: 2^-40 of the bracket, far below a cent.
PRICE_BISECTIONS = 40


@njit(cache=True)
def price_targets(inputs, loads, clearing):
    """The price each ex-China price moves toward (``docs/odd.md`` §7.3): where the
    demand curve (firms' ``loads`` by choke bin, third countries at the material's value
    added) meets non-China output and smuggling, sold whatever they fetch, plus China's
    supply at its export price up to its limit (:func:`ex_china_target`). Non-China
    output is what runs *at that price* (:func:`consistent_target`). Reference:
    :func:`overplay.model.month_kernel_reference.price_targets`."""
    mat, settings, flows = inputs.materials, inputs.settings, clearing.market
    n_mat, n_dest = flows.refused.shape
    floors = np.zeros((n_dest, n_mat))  # third countries have no price floor
    floors[: n_dest - 1] = inputs.importers.price_floor
    running = np.zeros(inputs.slots.output.shape[0], dtype=np.bool_)
    target = np.empty(n_mat)
    for j in range(n_mat):
        refused = 0.0
        for d in range(n_dest):
            refused += flows.refused[j, d]
        target[j] = consistent_target(
            TargetInputs(
                j,
                ex_china_terms(mat, clearing.materials.demand[j], j),
                loads[j],
                inputs.choke_edges[j],
                refused * settings.leak_rate,
                clearing.materials.china_limit[j],
                clearing.materials.nonchina_offered[j],
            ),
            mat,
            inputs.slots,
            floors,
            settings,
            running,
        )
    return target


@njit(cache=True)
def ex_china_terms(mat, demand, j):
    """Material ``j``'s :class:`ExChinaTerms` from the month's :class:`MaterialInputs`
    and the orders that cleared (``demand``, t/month): what the price target reads, in
    the month and in investors' pipeline price (:mod:`overplay.model.margins`)."""
    return ExChinaTerms(
        mat.price_x[j],
        demand,
        mat.other_need[j],
        mat.value_added[j],
        mat.price_c_ore[j],
        mat.elasticity[j],
    )


@njit(cache=True)
def consistent_target(target_inputs, mat, slots, floors, settings, running):
    """The price target at which the non-China output that runs is the output the
    target assumed. Capacity runs while its revenue covers its operating cost, so in a
    bust the price settles at the marginal producer's cost instead of swinging between
    a glut with it running and a shortage with it shut. The target at this month's
    output is kept when the same output runs at it; otherwise the price lies between
    the two (the target falls as output rises) and is found by bisection in logs."""
    t = target_inputs
    fixed = t.offered_now + t.smuggled
    first = ex_china_target(t.terms, t.loads, t.edges, fixed, fixed + t.china_limit)
    at_first = slot_supply(t.material, first, mat, slots, floors, settings, running).offered
    if at_first == t.offered_now:
        return first
    low, high = min(t.terms.price, first), max(t.terms.price, first)
    for _ in range(PRICE_BISECTIONS):
        middle = np.sqrt(low * high)
        supply = slot_supply(t.material, middle, mat, slots, floors, settings, running)
        fixed = supply.offered + t.smuggled
        if ex_china_target(t.terms, t.loads, t.edges, fixed, fixed + t.china_limit) > middle:
            low = middle
        else:
            high = middle
    return np.sqrt(low * high)


@njit(cache=True)
def run_month(inputs):
    """The whole month after the decisions, in one call (:class:`MonthInputs` in,
    :class:`MonthOutputs` out): firms' demand, every material's market, stockpile
    releases, firms' receipts and consumption, the stockpiles drawn and the
    importers' leverage. Updates the firms' inventories and profits in place.
    Reference: :func:`overplay.model.month_kernel_reference.run_month`.
    """
    mat, imp, settings = inputs.materials, inputs.importers, inputs.settings
    n_imp, n_mat = imp.stockpile.shape
    terms = MarketTerms(mat.growth, mat.price_response, mat.price_x, mat.premium, mat.stock_scale)
    wanted = demand(inputs.firms, terms)
    magnets = magnet_trade(
        inputs.magnets, wanted.region_orders, wanted.region_need, mat.china_available
    )
    oxide = oxide_demand(wanted, magnets.chinese_share)
    loads = choke_loads(inputs.firms, wanted, terms, inputs.choke_edges, magnets.chinese_share)
    clearing = clear_materials(
        ClearingInputs(
            oxide,
            with_magnet_exports(mat, magnets.china_used),
            imp,
            inputs.china_share,
            inputs.china_caps,
            inputs.slots,
            settings,
        )
    )
    stock = imp.stockpile + clearing.delivered
    allies = inputs.allies
    pool = release_pool(stock, allies) if allies.shape[1] > 0 else stock
    fill = firm_fill(clearing.firm_fill, oxide.region_orders, wanted.region_orders, magnets)
    receipts = receive_and_consume(inputs.firms, wanted, fill, pool, settings.discount)
    draw_stockpiles(stock, receipts.release_used, allies)
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
    shortage = np.zeros((n_imp, n_mat))
    holding = np.zeros(n_imp)
    bought = np.zeros(n_imp)
    for i in range(n_imp):
        held_value = 0.0
        bought_value = 0.0
        for j in range(n_mat):
            if wanted.region_need[i, j] > 0:
                shortage[i, j] = receipts.region_shortfall[i, j] / wanted.region_need[i, j]
            held_value += stock[i, j] * mat.reference_price[j]
            bought_value += clearing.delivered[i, j] * mat.price_x[j]
        holding[i] = held_value * KG_PER_T_IN_USD_M * imp.holding_cost_per_month[i]
        bought[i] = bought_value * KG_PER_T_IN_USD_M
    return MonthOutputs(
        materials=clearing.materials,
        market=clearing.market,
        importers=ImporterOutputs(
            recycled=clearing.recycled,
            stockpile=stock,
            shortage=shortage,
            leverage=held,
            need=wanted.region_need,
            lost_output=receipts.lost_output,
            consumed=receipts.consumed,
            shortfall=receipts.region_shortfall,
            release_used=receipts.release_used,
            inventory=receipts.inventory,
            firms_profit=receipts.profit,
            stockpile_holding=holding,
            stockpile_bought=bought,
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


@njit(cache=True)
def oxide_demand(wanted, chinese_share):
    """The firms' demand left for the oxide market: their orders less the share bought
    as Chinese magnets (importers × materials)."""
    return Demand(
        wanted.need,
        wanted.paid,
        wanted.orders,
        wanted.region_orders * (1.0 - chinese_share),
        wanted.region_contracted,
        wanted.region_need,
        wanted.potential,
    )


@njit(cache=True)
def with_magnet_exports(mat, used):
    """The material terms with the oxide China's exported magnets took: no longer
    exportable as oxide, and separated in China for its own magnet makers."""
    return MaterialInputs(
        mat.growth,
        mat.price_response,
        mat.price_x,
        mat.anchor_scale,
        mat.stock_scale,
        mat.premium,
        mat.other_need,
        mat.china_domestic + used,
        mat.china_available - used,
        mat.price_c_ore,
        mat.local_ore_share,
        mat.contracted_share,
        mat.reference_price,
        mat.value_added,
        mat.elasticity,
    )


@njit(cache=True)
def firm_fill(oxide_fill, oxide_orders, orders, magnets):
    """The share of each importer's firm orders delivered: the oxide market's fill of
    its oxide orders plus the Chinese magnets shipped (importers × materials)."""
    fill = oxide_fill.copy()
    n_imp, n_mat = fill.shape
    for i in range(n_imp):
        for j in range(n_mat):
            if magnets.orders[j, i] > 0:
                fill[i, j] = (
                    oxide_fill[i, j] * oxide_orders[i, j] + magnets.shipped[j, i]
                ) / orders[i, j]
    return fill
