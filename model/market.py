"""Market clearing for one material group in one month, as pure functions.

The ex-China market has two sources: producers outside China, who sell all
they make (they are price takers), and China, the swing supplier, whose
exports to each destination are capped by its export policy. Buyers holding
non-China contracts are served first from non-China output; what they still
need is requested from China; blocked requests are partly met by the rest of
non-China output and by leakage (smuggling, transshipment).

Prices follow GLOMBO's partial-adjustment rule ``p' = p·(D/S)^k`` [X10] plus a
pull back to China's FOB price whenever China supplies freely, which is what
makes the ex-China price spike under restriction and decay afterwards.
"""

from __future__ import annotations

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
    leak_rate: float  # share of still-unmet blocked demand served by leakage


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
    leakage serves a share of what stays blocked. Reference:
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
    for r in range(n):
        requested[r] = want[r] - nonchina[r]
        china[r] = min(requested[r] * china_share[r], china_caps[r])
        shipped += china[r]
    if shipped > china_available:
        scale = max(china_available, 0.0) / max(shipped, EPS)
        for r in range(n):
            china[r] = china[r] * scale
    total_blocked = 0.0
    for r in range(n):
        blocked[r] = requested[r] - china[r]
        refused[r] = blocked[r]
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

    for r in range(n):
        leak[r] = blocked[r] * inputs.leak_rate
        blocked[r] = blocked[r] - leak[r]
    return Flows(nonchina, china, leak, blocked, requested, refused, nonchina_supply - spare)


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


def update_price(
    price: float,
    anchor: float,
    demand: float,
    supply: float,
    constrained_share: float,
    adjustment: float,
    reversion: float,
    floor: float,
    ceiling: float,
    cutoff: float = 0.1,
) -> float:
    """Next month's ex-China price, USD/kg.

    ``log p' = log p + k·log(D/S) + r·w·(log anchor - log p)`` with
    ``w = max(0, 1 - c/cutoff)``, clipped to [floor, ceiling]: excess demand
    raises the price; only when China supplies (nearly) freely — the share ``c``
    of requests it refuses is below ``cutoff`` — does the price relax toward
    China's FOB price. Under a binding restriction the marginal, non-Chinese or
    leaked supply sets the price.
    """
    ratio = (demand + EPS) / (supply + EPS)
    log_now = math.log(price)  # math, not numpy: a numpy call on a float costs ~1 µs
    log_price = log_now + adjustment * math.log(ratio)
    weight = max(0.0, 1.0 - constrained_share / cutoff) if cutoff > 0 else 0.0
    log_price += reversion * weight * (math.log(anchor) - log_now)
    return min(max(math.exp(log_price), floor), ceiling)


def demand_multiplier(price: float, reference: float, elasticity: float) -> float:
    """Short-run isoelastic demand response: ``(p / p_ref)^(-elasticity)``."""
    return float((max(price, EPS) / reference) ** (-elasticity))
