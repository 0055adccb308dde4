"""The compiled magnet stage written for reading: plain numpy over whole arrays.

The mathematics of :func:`overplay.model.magnet_kernel.magnet_trade`
(``docs/odd.md`` §7.16); ``tests/unit/test_kernel_references.py`` checks that the two
agree. Change both together.
"""

from __future__ import annotations

import numpy as np

from overplay.model.magnet_kernel import MagnetFlows, MagnetInputs


def magnet_trade(
    inputs: MagnetInputs,
    region_orders: np.ndarray,
    region_need: np.ndarray,
    china_available: np.ndarray,
) -> MagnetFlows:
    """The importers' Chinese magnet orders, China's approvals within its magnet policy,
    and what its exportable oxide lets it ship."""
    use = inputs.use_share * region_need
    made_at_home = np.minimum(use, inputs.capacity)
    chinese_share = np.divide(
        use - made_at_home, region_need, out=np.zeros_like(use), where=region_need > 0
    )
    orders = (chinese_share * region_orders).T
    approved = np.minimum(orders * inputs.china_share, inputs.china_caps)
    total = approved.sum(axis=1)
    room = np.maximum(china_available, 0.0)
    scale = np.minimum(1.0, np.divide(room, total, out=np.ones_like(total), where=total > 0))
    shipped = approved * scale[:, None]
    return MagnetFlows(
        chinese_share, orders, shipped, orders - approved, made_at_home, shipped.sum(axis=1)
    )
