"""The magnet stage of a month, compiled: which part of the importers' orders comes as
magnets made in China, how much of it China's magnet policy lets through, and what it
takes from China's exportable oxide (``docs/odd.md`` §7.16).

Importers' firms use a share of each material in permanent magnets. Magnet makers in
their own territory turn oxide bought on the world market into magnets, up to their
capacity; the rest of the magnets they use are made in China, from Chinese oxide. So an
oxide restriction leaves that part untouched while a magnet restriction cuts it, and
magnets China ships use oxide it would otherwise export (its magnet makers buy at home).
:func:`magnet_trade` splits the orders before the oxide market clears
(:func:`overplay.model.month_kernel.run_month`). The same mathematics, written for
reading, is :func:`overplay.model.magnet_kernel_reference.magnet_trade`.

Shapes as in :mod:`overplay.model.month_kernel`: ``I`` importers, ``M`` materials.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from overplay.model.jit import njit


class MagnetInputs(NamedTuple):
    """The month's magnet terms."""

    use_share: np.ndarray  # share of the importers' use that goes into magnets (M)
    capacity: np.ndarray  # magnet making in each importer's territory, t/month (I × M)
    china_share: np.ndarray  # share of magnet requests China approves (M × I)
    china_caps: np.ndarray  # most magnets China ships, t/month of content (M × I)


class MagnetFlows(NamedTuple):
    """The month's magnet trade; t/month of rare-earth content."""

    chinese_share: np.ndarray  # share of each importer's use met by Chinese magnets (I × M)
    orders: np.ndarray  # Chinese magnets ordered (M × I)
    shipped: np.ndarray  # Chinese magnets delivered (M × I)
    refused: np.ndarray  # Chinese magnets China's policy refused (M × I)
    made_at_home: np.ndarray  # magnet use met by magnet making at home (I × M)
    china_used: np.ndarray  # China's exportable oxide the magnets shipped took (M)


@njit(cache=True)
def magnet_trade(inputs, region_orders, region_need, china_available):
    """The month's Chinese magnet orders, approvals and shipments (:class:`MagnetInputs`,
    the importers' orders and needs and China's exportable oxide in,
    :class:`MagnetFlows` out).

    Magnet use = use share × need; the importer's magnet makers meet it up to their
    capacity; the rest is its Chinese-magnet share of need, and that share of its orders
    (stock rebuilding included) is ordered as Chinese magnets. China approves them as its
    magnet policy says (share, cap); if its exportable oxide cannot cover all it
    approved, every importer gets the same share of its approval (a shortage, not a
    refusal). Reference: :func:`overplay.model.magnet_kernel_reference.magnet_trade`.
    """
    n_imp, n_mat = region_orders.shape
    chinese_share = np.zeros((n_imp, n_mat))
    made_at_home = np.zeros((n_imp, n_mat))
    orders = np.zeros((n_mat, n_imp))
    approved = np.zeros((n_mat, n_imp))
    refused = np.zeros((n_mat, n_imp))
    shipped = np.zeros((n_mat, n_imp))
    china_used = np.zeros(n_mat)
    for j in range(n_mat):
        total = 0.0
        for i in range(n_imp):
            need = region_need[i, j]
            use = inputs.use_share[j] * need
            own = min(use, inputs.capacity[i, j])
            made_at_home[i, j] = own
            if need > 0:
                chinese_share[i, j] = (use - own) / need
            ordered = chinese_share[i, j] * region_orders[i, j]
            orders[j, i] = ordered
            approved[j, i] = min(ordered * inputs.china_share[j, i], inputs.china_caps[j, i])
            refused[j, i] = ordered - approved[j, i]
            total += approved[j, i]
        scale = min(1.0, max(china_available[j], 0.0) / total) if total > 0 else 1.0
        for i in range(n_imp):
            shipped[j, i] = approved[j, i] * scale
            china_used[j] += shipped[j, i]
    return MagnetFlows(chinese_share, orders, shipped, refused, made_at_home, china_used)
