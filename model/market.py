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

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

EPS = 1e-12


@dataclass(frozen=True)
class Clearing:
    """Flows of one material in one month, per region (t/month)."""

    nonchina: tuple[float, ...]
    china: tuple[float, ...]
    leak: tuple[float, ...]
    blocked: tuple[float, ...]
    requested: tuple[float, ...]
    refused: tuple[float, ...]
    nonchina_sold: float

    @property
    def received(self) -> tuple[float, ...]:
        """Total supply each region received."""
        return tuple(n + c + k for n, c, k in zip(self.nonchina, self.china, self.leak,
                                                  strict=True))


def allocate(
    orders: Sequence[float],
    contracted: Sequence[float],
    nonchina_supply: float,
    china_share: Sequence[float],
    china_caps: Sequence[float],
    china_available: float,
    leak_rate: float,
) -> Clearing:
    """Split this month's supply among regions.

    Written over plain floats: with a handful of regions, numpy's per-call cost would
    be most of the work (a clearing takes about 6 µs this way, 20 µs with arrays).

    Args:
        orders: each region's orders, t/month (>= 0).
        contracted: the part of ``orders`` under non-China contracts (<= orders).
        nonchina_supply: non-China processed output offered, t/month.
        china_share: share of each region's request China approves (1 when open).
        china_caps: most China will ship to each region, t/month (``inf`` if none).
        china_available: China's exportable output, t/month.
        leak_rate: share of still-unmet blocked demand served by leakage.

    Returns:
        A :class:`Clearing`; non-China output displaces Chinese exports, since
        China is the swing supplier.
    """
    nonchina_supply, china_available = float(nonchina_supply), float(china_available)
    orders = [max(o, 0.0) for o in orders]
    contracted = [min(max(c, 0.0), o) for c, o in zip(contracted, orders, strict=True)]
    total_contracted = sum(contracted)
    fill = min(1.0, nonchina_supply / total_contracted) if total_contracted > EPS else 0.0
    nonchina = [c * fill for c in contracted]
    spare = max(0.0, nonchina_supply - sum(nonchina))

    request = [o - n for o, n in zip(orders, nonchina, strict=True)]
    china = [min(r * s, c) for r, s, c in zip(request, china_share, china_caps, strict=True)]
    shipped = sum(china)
    if shipped > china_available:
        scale = max(china_available, 0.0) / max(shipped, EPS)
        china = [c * scale for c in china]
    blocked = [r - c for r, c in zip(request, china, strict=True)]
    refused = tuple(blocked)

    # Spot non-China output goes first to blocked buyers ...
    total_blocked = sum(blocked)
    if spare > EPS and total_blocked > EPS:
        fill = min(1.0, spare / total_blocked)
        spot = [b * fill for b in blocked]
        nonchina = [n + x for n, x in zip(nonchina, spot, strict=True)]
        blocked = [b - x for b, x in zip(blocked, spot, strict=True)]
        spare -= sum(spot)
    # ... and what is left displaces Chinese exports.
    shipped = sum(china)
    if spare > EPS and shipped > EPS:
        fill = min(1.0, spare / shipped)
        displaced = [c * fill for c in china]
        china = [c - x for c, x in zip(china, displaced, strict=True)]
        nonchina = [n + x for n, x in zip(nonchina, displaced, strict=True)]
        spare -= sum(displaced)

    leak = [b * leak_rate for b in blocked]
    return Clearing(
        nonchina=tuple(nonchina),
        china=tuple(china),
        leak=tuple(leak),
        blocked=tuple(b - k for b, k in zip(blocked, leak, strict=True)),
        requested=tuple(request),
        refused=refused,
        nonchina_sold=nonchina_supply - spare,
    )


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
    log_price = np.log(price) + adjustment * np.log(ratio)
    weight = max(0.0, 1.0 - constrained_share / cutoff) if cutoff > 0 else 0.0
    log_price += reversion * weight * (np.log(anchor) - np.log(price))
    return min(max(float(np.exp(log_price)), floor), ceiling)  # scalar: no np.clip call


def demand_multiplier(price: float, reference: float, elasticity: float) -> float:
    """Short-run isoelastic demand response: ``(p / p_ref)^(-elasticity)``."""
    return float((max(price, EPS) / reference) ** (-elasticity))
