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
    china = np.minimum(requested * inputs.china_share, inputs.china_caps)
    if china.sum() > inputs.china_available:
        china = china * (max(inputs.china_available, 0.0) / max(china.sum(), EPS))
    refused = requested - china
    blocked = refused.copy()

    # Spot non-China output goes to blocked buyers first, then displaces Chinese
    # exports (China is the swing supplier); each time pro rata.
    for source in (blocked, china):
        total = source.sum()
        if spare > EPS and total > EPS:
            moved = source * min(1.0, spare / total)
            nonchina = nonchina + moved
            source -= moved
            spare -= moved.sum()

    # Leakage serves a share of what is still blocked.
    leak = blocked * inputs.leak_rate
    return Flows(
        nonchina=nonchina,
        china=china,
        leak=leak,
        blocked=blocked - leak,
        requested=requested,
        refused=refused,
        sold=inputs.nonchina_supply - spare,
    )
