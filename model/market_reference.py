"""The market's allocation written for reading: plain numpy, no loops over regions.

The compiled :func:`overplay.model.market.allocate_flows` is the same mathematics as
loops; ``tests/unit/test_kernel_references.py`` checks that the two agree. Read this
one to follow the model (``docs/odd.md``, Allocation); change both together.
"""

from __future__ import annotations

import numpy as np

from overplay.model.market import EPS, AllocationInputs, Flows


def allocate_flows(inputs: AllocationInputs) -> Flows:
    """Split one material's supply among regions (destinations) this month."""
    want = np.maximum(inputs.orders, 0.0)
    held = np.minimum(np.maximum(inputs.contracted, 0.0), want)
    # Contracts are served first from non-China output, pro rata.
    total_held = held.sum()
    fill = min(1.0, inputs.nonchina_supply / total_held) if total_held > EPS else 0.0
    nonchina = held * fill
    spare = max(0.0, inputs.nonchina_supply - nonchina.sum())

    # The rest is requested from China, which approves a share up to a cap, within
    # what it has to export.
    requested = want - nonchina
    allowed, at_anchor = allowed_volume(
        requested, want, inputs.china_share, inputs.china_caps, inputs.anchor_scale
    )
    china = np.minimum(requested, allowed)
    if china.sum() > inputs.china_available:
        china = china * (max(inputs.china_available, 0.0) / max(china.sum(), EPS))
    blocked = requested - china
    # Refused: what is not shipped, or the share of the normal request (at China's
    # price) the policy withholds, if more.
    normal = np.maximum(at_anchor, requested)
    withheld = np.where(allowed < normal, 1.0 - allowed / np.where(normal > 0, normal, 1.0), 0.0)
    refused = np.maximum(blocked, requested * withheld)

    # Spot non-China output goes to blocked buyers first, then displaces Chinese
    # exports (China is the swing supplier); each time pro rata.
    for source in (blocked, china):
        total = source.sum()
        if spare > EPS and total > EPS:
            moved = source * min(1.0, spare / total)
            nonchina = nonchina + moved
            source -= moved
            spare -= moved.sum()

    # Smugglers offer a share of what China refused; buyers take it for unmet demand.
    leak = np.minimum(refused * inputs.leak_rate, blocked)
    return Flows(
        nonchina=nonchina,
        china=china,
        leak=leak,
        blocked=blocked - leak,
        requested=requested,
        refused=refused,
        sold=inputs.nonchina_supply - spare,
    )


def allowed_volume(
    requested: np.ndarray,
    wanted: np.ndarray,
    share: np.ndarray,
    cap: np.ndarray,
    anchor_scale: float,
) -> tuple[np.ndarray, np.ndarray]:
    """What China's policy lets each destination have (inf: no limit) and what each
    would request at China's export price: licences approve a share of that volume,
    quotas and bans cap it."""
    at_anchor = np.maximum(requested + wanted * (anchor_scale - 1.0), 0.0)
    return np.where(share >= 1.0, cap, np.minimum(share * at_anchor, cap)), at_anchor


def china_limit(
    orders: np.ndarray,
    requested: np.ndarray,
    china_share: np.ndarray,
    china_caps: np.ndarray,
    anchor_scale: float,
    china_available: float,
) -> float:
    """The most China would ship at its own export price: what its policy allows each
    destination (no more than it would request there or now), within what China has to
    export."""
    allowed, at_anchor = allowed_volume(
        requested, np.maximum(orders, 0.0), china_share, china_caps, anchor_scale
    )
    most = np.minimum(allowed, np.maximum(at_anchor, requested)).sum()
    return min(most, max(china_available, 0.0))
