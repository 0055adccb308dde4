"""Market clearing for one material group in one month, as pure functions.

The ex-China market has two sources: producers outside China, who sell all
they make (they are price takers), and China, the swing supplier, whose
exports to each destination are capped by its export policy. Buyers holding
non-China contracts are served first from non-China output; what they still
need is requested from China; blocked requests are partly met by the rest of
non-China output and by leakage (smuggling, transshipment).

Prices adjust part of the way each month (:func:`adjust_price`) toward the price that
clears the market: China's export price while China supplies what is asked, the price
at which demand falls to the rationed supply when China's limits bind, and below
China's price when the other supply alone exceeds demand (a bust). Abroad the demand
curve drops where buyers curtail (:func:`ex_china_target`); China's home market uses
one isoelastic curve (:func:`clearing_price`).
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np

from overplay.model.jit import njit

EPS = 1e-12


class AllocationInputs(NamedTuple):
    """One material's market this month; arrays are per region (destinations)."""

    orders: np.ndarray  # t/month (negative counts as 0)
    contracted: np.ndarray  # the part of orders under non-China contracts (<= orders)
    china_share: np.ndarray  # share of each region's request China approves (1 when open)
    china_caps: np.ndarray  # most China ships to each region, t/month (inf if none)
    nonchina_supply: float  # non-China processed output offered, t/month
    china_available: float  # China's exportable output, t/month
    leak_rate: float  # share of refused supply smugglers offer
    anchor_scale: float  # demand at China's export price / demand now


class Flows(NamedTuple):
    """One material's allocation; arrays are per region, t/month."""

    nonchina: np.ndarray  # non-China supply received
    china: np.ndarray  # China's shipments
    leak: np.ndarray  # leakage (smuggling, transshipment)
    blocked: np.ndarray  # demand still unmet
    requested: np.ndarray  # the request made to China
    refused: np.ndarray  # what China refused of it
    sold: float  # non-China output sold


@njit(cache=True)
def allocate_flows(inputs):
    """Split one material's supply among regions this month (a compiled loop; sums run
    in region order): an :class:`AllocationInputs` in, :class:`Flows` out.

    Contracts are served first from non-China output; the rest is requested from
    China, which ships within its policy and availability; spot non-China output goes
    to blocked buyers, then displaces Chinese exports (China is the swing supplier);
    smugglers offer a share of what China refused, taken up to what stays blocked. Reference:
    :func:`overplay.model.market_reference.allocate_flows`.
    """
    orders, contracted = inputs.orders, inputs.contracted
    china_share, china_caps = inputs.china_share, inputs.china_caps
    nonchina_supply, china_available = inputs.nonchina_supply, inputs.china_available
    n = orders.shape[0]
    nonchina = np.empty(n)
    china = np.empty(n)
    leak = np.empty(n)
    blocked = np.empty(n)
    requested = np.empty(n)
    refused = np.empty(n)
    held = np.empty(n)
    want = np.empty(n)
    total_contracted = 0.0
    for r in range(n):
        want[r] = max(orders[r], 0.0)
        held[r] = min(max(contracted[r], 0.0), want[r])
        total_contracted += held[r]
    fill = min(1.0, nonchina_supply / total_contracted) if total_contracted > EPS else 0.0
    given = 0.0
    for r in range(n):
        nonchina[r] = held[r] * fill
        given += nonchina[r]
    spare = max(0.0, nonchina_supply - given)

    shipped = 0.0
    withheld = np.zeros(n)  # share of the request China's policy withholds
    for r in range(n):
        requested[r] = want[r] - nonchina[r]
        allowed, at_anchor = allowed_volume(
            requested[r], want[r], china_share[r], china_caps[r], inputs.anchor_scale
        )
        china[r] = min(requested[r], allowed)
        normal = max(at_anchor, requested[r])
        if allowed < normal:
            withheld[r] = 1.0 - allowed / normal
        shipped += china[r]
    if shipped > china_available:
        scale = max(china_available, 0.0) / max(shipped, EPS)
        for r in range(n):
            china[r] = china[r] * scale
    total_blocked = 0.0
    for r in range(n):
        blocked[r] = requested[r] - china[r]
        # Refused: what is not shipped, or the withheld share of the request if more (a
        # licence rationing by price refuses a share of normal volumes, whatever it
        # ships at the scarcity price).
        refused[r] = max(blocked[r], requested[r] * withheld[r])
        total_blocked += blocked[r]

    # Spot non-China output goes first to blocked buyers ...
    if spare > EPS and total_blocked > EPS:
        spare -= _shift(blocked, nonchina, spare, total_blocked)
    # ... and what is left displaces Chinese exports.
    shipped = 0.0
    for r in range(n):
        shipped += china[r]
    if spare > EPS and shipped > EPS:
        spare -= _shift(china, nonchina, spare, shipped)

    # Smugglers offer a share of what China refuses; buyers take it for demand still
    # unmet (at a scarcity price, the refused volume exceeds what is still unmet).
    for r in range(n):
        leak[r] = min(refused[r] * inputs.leak_rate, blocked[r])
        blocked[r] = blocked[r] - leak[r]
    return Flows(nonchina, china, leak, blocked, requested, refused, nonchina_supply - spare)


@njit(cache=True)
def allowed_volume(requested, wanted, share, cap, anchor_scale):
    """What China's policy lets one destination have this month, t/month (``inf``:
    no limit), and what it would request at China's export price.

    Licences are volumes: the approved share of what the destination would request at
    China's price (its orders ``wanted`` scaled by ``anchor_scale``, demand there over
    demand now), so they do not shrink as the scarcity price rises; quotas and bans
    are caps. Reference: :func:`overplay.model.market_reference.allowed_volume`.
    """
    at_anchor = max(requested + wanted * (anchor_scale - 1.0), 0.0)
    if share >= 1.0:
        return cap, at_anchor
    return min(share * at_anchor, cap), at_anchor


@njit(cache=True)
def china_limit(orders, requested, china_share, china_caps, anchor_scale, china_available):
    """The most China would ship of one material at its own export price this month,
    t/month: what its policy allows each destination, no more than the destination would
    request there (or requests now), within what China has to export. Buyers China
    refuses bid for the rest, so a restriction on one destination raises the one
    ex-China price.
    Reference: :func:`overplay.model.market_reference.china_limit`.
    """
    most = 0.0
    for d in range(orders.shape[0]):
        allowed, at_anchor = allowed_volume(
            requested[d], max(orders[d], 0.0), china_share[d], china_caps[d], anchor_scale
        )
        most += min(allowed, max(at_anchor, requested[d]))
    return min(most, max(china_available, 0.0))


@njit(cache=True)
def _shift(source, target, spare, total):
    """Move the share min(1, spare / total) of every region's ``source`` to its ``target``
    (in place); returns the amount moved, summed in region order."""
    fill = min(1.0, spare / total)
    moved = 0.0
    for r in range(source.shape[0]):
        amount = source[r] * fill
        target[r] = target[r] + amount
        source[r] = source[r] - amount
        moved += amount
    return moved


def clearing_price(
    price: float,
    demand: float,
    elastic_price: float,
    fixed_supply: float,
    most_supply: float,
    elasticity: float,
) -> float:
    """The price at which this month's demand, moved along its short-run curve, meets
    what can be supplied, USD/kg.

    Demand at price ``q`` is ``demand·(q/price)^(-ε)``. Supply is ``fixed_supply``, sold
    whatever it fetches, plus one supplier (China) who sells any amount at
    ``elastic_price`` up to ``most_supply`` in all (``inf``: no limit). So the price is
    the elastic supplier's own price unless its limit binds (rationed supply sets a
    higher price: ``price·(D/most)^(1/ε)``) or the fixed supply alone exceeds demand
    there (a bust: ``price·(D/fixed)^(1/ε)``, below the elastic price).
    """
    exponent = 1.0 / max(elasticity, EPS)
    wanted = max(demand, EPS)

    def meeting(supply: float) -> float:
        # In logs, so that a tiny elasticity gives a huge price, not an overflow.
        return math.exp(min(math.log(price) + exponent * math.log(wanted / supply), 700.0))

    rationed = meeting(max(most_supply, EPS)) if most_supply < math.inf else 0.0
    glut = meeting(fixed_supply) if fixed_supply > EPS else math.inf
    return min(max(elastic_price, rationed), glut)


#: Bins of the buyers' choke prices between the reference price and the ceiling (a
#: bin spans about 15 % at the default 100× ceiling), plus one for chokes above it.
CHOKE_BINS = 32


@njit(cache=True)
def choke_bin(choke, edges):
    """The bin of a choke price on ``edges`` (:func:`choke_edges`): ``b`` where
    ``edges[b] <= choke < edges[b + 1]``, 0 below the first edge, the last index at or
    above the last edge (see :func:`overplay.agents.firm_kernels.choke_loads`). A
    binary search: a log per firm cost twice as much."""
    top = edges.shape[0] - 1
    if choke >= edges[top]:
        return top
    low, high = 0, top
    while high - low > 1:
        middle = (low + high) // 2
        if choke >= edges[middle]:
            low = middle
        else:
            high = middle
    return low


@functools.lru_cache(maxsize=4096)
def choke_edges(reference: float, ceiling_multiple: float) -> np.ndarray:
    """The price at which each choke bin's buyers stop buying (its lower edge), USD/kg;
    the ceiling for the bin of buyers who would pay more (the model's prices stop
    there). Cached (a series moves the reference monthly, hence the bound): read it,
    never write to it."""
    steps = np.arange(CHOKE_BINS + 1) / CHOKE_BINS
    return reference * ceiling_multiple**steps


@njit(cache=True)
def demand_curve_price(price, loads, edges, supply, elasticity):
    """The price at which demand falls to ``supply``, USD/kg (at most the last edge).

    Buyers in bin ``b`` order ``loads[b]·(q/price)^(-ε)`` at a price ``q`` below
    ``edges[b]`` and nothing above (they curtail: what a kg adds to their output no
    longer covers it). Demand falls with the price within a bin and drops at each edge,
    so it meets supply either inside a bin or at an edge. Reference: the docstring's
    rule, pinned in ``tests/unit/test_market.py``.
    """
    remaining = 0.0
    for b in range(loads.shape[0]):
        remaining += loads[b]
    lower = 0.0
    exponent = 1.0 / max(elasticity, EPS)
    for b in range(loads.shape[0]):
        if remaining <= EPS:
            return lower
        q = price * (remaining / supply) ** exponent if supply > EPS else np.inf
        if q <= lower:
            return lower
        if q < edges[b]:
            return q
        remaining -= loads[b]
        lower = edges[b]
    return lower


@njit(cache=True)
def ex_china_target(terms, firm_loads, edges, fixed, most):
    """The price toward which the ex-China price moves (``docs/odd.md`` §7.3), from
    the firms' orders by choke bin (:func:`overplay.agents.firm_kernels.choke_loads`)
    and an :class:`ExChinaTerms`, given the fixed supply and the most that can be
    supplied.

    The firms' bins are scaled so that the curve gives this month's demand at this
    month's price (recycling and stockpile purchases pro rata); third countries'
    orders join the bin of the material's value added. China supplies at its export
    price up to its limit; a bust sets the price below it.
    """
    loads = firm_loads.copy()
    buying = 0.0
    for b in range(loads.shape[0]):
        if edges[b] > terms.price:
            buying += loads[b]
    if buying > 0.0:
        scale = max(terms.demand - terms.other, 0.0) / buying
        for b in range(loads.shape[0]):
            loads[b] *= scale
    loads[choke_bin(terms.other_choke, edges)] += terms.other
    rationed = demand_curve_price(terms.price, loads, edges, most, terms.elasticity)
    glut = demand_curve_price(terms.price, loads, edges, fixed, terms.elasticity)
    return min(max(terms.export_price, rationed), glut)


class ExChinaTerms(NamedTuple):
    """One material's terms for :func:`ex_china_target`."""

    price: float  # ex-China price now, USD/kg
    demand: float  # all destinations' orders, t/month
    other: float  # third countries' orders, t/month
    other_choke: float  # the price at which third countries curtail, USD/kg
    export_price: float  # China's export price, USD/kg
    elasticity: float  # short-run price elasticity of demand


def adjust_price(price: float, target: float, speed: float, floor: float, ceiling: float) -> float:
    """Next month's price: a share ``speed`` of the way to ``target`` in logs, clipped to
    [floor, ceiling] (partial adjustment: buyers and sellers take months to re-contract)."""
    log_now = math.log(price)  # math, not numpy: a numpy call on a float costs ~1 µs
    log_price = log_now + speed * (math.log(max(target, EPS)) - log_now)
    return min(max(math.exp(log_price), floor), ceiling)


def demand_multiplier(price: float, reference: float, elasticity: float) -> float:
    """Short-run isoelastic demand response: ``(p / p_ref)^(-elasticity)``."""
    return float((max(price, EPS) / reference) ** (-elasticity))
