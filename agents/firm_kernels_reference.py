"""The firm population's monthly arithmetic written for reading: plain numpy.

Each function is the mathematics of the compiled loop of the same name in
:mod:`overplay.agents.firm_kernels` (and :func:`risk_buffer` of the default firm rule,
:mod:`overplay.agents.strategies.firm`), written as whole-array expressions;
``tests/unit/test_kernel_references.py`` checks that the two agree. Read these to follow
the model (``docs/odd.md``, Firms); change both together. Like the loops, they update
the arrays the loops update in place.
"""

from __future__ import annotations

import numpy as np

from overplay.agents.firm_kernels import (
    Demand,
    FirmState,
    MarketTerms,
    Memories,
    MemoryInputs,
    Receipts,
)
from overplay.agents.strategies.firm import RiskBufferChoice, RiskBufferInputs
from overplay.model.risk import perceived_risk
from overplay.model.units import DAYS_PER_MONTH

USD_M = 1e-3  # t × USD/kg → USD m


def by_region(values: np.ndarray, region: np.ndarray, regions: int) -> np.ndarray:
    """Sum the rows of a firms × materials array per importer (importers × materials)."""
    total = np.zeros((regions, values.shape[1]))
    np.add.at(total, region, values)
    return total


def demand(firms: FirmState, terms: MarketTerms) -> Demand:
    """This month's needs, prices paid and orders, and their sums per importer."""
    need = firms.base_need * terms.growth * (1.0 - firms.thrift) * terms.price_response
    paid = terms.price * (1.0 + terms.premium * firms.contracted)
    target = need * firms.target_days / DAYS_PER_MONTH * terms.stock_scale
    potential = np.maximum(need + (target - firms.inventory) / firms.adjust_months, 0.0)
    orders = np.where(paid < firms.value_added, potential, 0.0)  # else the firm curtails

    def per_importer(values: np.ndarray) -> np.ndarray:
        return by_region(values, firms.region, firms.regions)

    return Demand(
        need=need,
        paid=paid,
        orders=orders,
        region_orders=per_importer(orders),
        region_contracted=per_importer(orders * firms.contracted),
        region_need=per_importer(need),
        potential=potential,
    )


def choke_loads(
    firms: FirmState,
    wanted: Demand,
    terms: MarketTerms,
    edges: np.ndarray,
    chinese_magnets: np.ndarray,
) -> np.ndarray:
    """The firms' orders (as if they bought, less what their importer buys as Chinese
    magnets) by the bin of the ex-China price at which each stops buying (materials ×
    bins; a bin starts at its edge, the last one at the ceiling)."""
    choke = firms.value_added * terms.price / wanted.paid
    oxide = wanted.potential * (1.0 - chinese_magnets[firms.region])
    orders = np.where(oxide > 0, oxide, 0.0)
    loads = np.zeros(edges.shape)
    for j in range(edges.shape[0]):
        index = np.maximum(np.searchsorted(edges[j], choke[:, j], side="right") - 1, 0)
        np.add.at(loads[j], index, orders[:, j])
    return loads


def receive_and_consume(
    firms: FirmState, demand: Demand, fill: np.ndarray, release: np.ndarray, discount: float
) -> Receipts:
    """Deliveries arrive, state stockpile releases cover gaps pro rata, firms consume."""
    region, regions = firms.region, fill.shape[0]
    inventory = firms.inventory
    delivered = demand.orders * fill[region]
    inventory += delivered
    gap = np.maximum(demand.need - inventory, 0.0)
    region_gap = by_region(gap, region, regions)
    share = np.minimum(
        np.divide(release, region_gap, out=np.zeros_like(region_gap), where=region_gap > 0), 1.0
    )
    inventory += gap * share[region]
    consumed = np.minimum(demand.need, inventory)
    inventory -= consumed
    shortfall = demand.need - consumed
    value = (consumed * firms.value_added).sum(axis=1) * USD_M
    cost = (delivered * demand.paid).sum(axis=1) * USD_M
    profit = value - cost
    firms.cumulative_profit[:] += profit
    firms.discounted_profit[:] += profit * discount
    return Receipts(
        shortfall=shortfall,
        release_used=region_gap * share,
        consumed=by_region(consumed, region, regions),
        region_shortfall=by_region(shortfall, region, regions),
        lost_output=by_region(shortfall * firms.value_added * USD_M, region, regions),
        profit=np.bincount(region, weights=profit, minlength=regions),
        inventory=by_region(inventory, region, regions),
    )


def firm_risk(
    memory: np.ndarray, sensitivity: np.ndarray, half_saturation: float, region: np.ndarray
) -> np.ndarray:
    """Each firm's perceived risk from its importer's memory, scaled by its own
    sensitivity (a new array)."""
    return perceived_risk(memory[region], sensitivity[:, None], half_saturation)


def advance_thrift(inputs: MemoryInputs, boost: np.ndarray) -> None:
    """Effort commits thrift (faster with R&D) within what is left of the material's
    maximum; the sticky share stays, the rest fades while there is no effort; realised
    thrift follows with a lag. In place."""
    room = np.maximum(inputs.max_thrift - inputs.committed, 0.0)
    step = inputs.effort * inputs.thrift_rate / 12.0 * (1.0 + boost[inputs.region])
    added = np.minimum(step, room)
    inputs.committed[:] += added
    inputs.sticky[:] += added * inputs.sticky_share
    fading = (inputs.committed - inputs.sticky) / inputs.reversal_months
    inputs.committed[:] -= np.where(inputs.effort <= 0.0, fading, 0.0)
    inputs.thrift[:] += (inputs.committed - inputs.thrift) / inputs.thrift_lag


def memories(inputs: MemoryInputs) -> Memories:
    """Importers' memory of refused supply, risk and recycling, the firms' risk; thrift
    advanced in place."""
    n_imp, n_dest = inputs.memory.shape[0], inputs.refused.shape[1]
    weight = np.full((n_imp, n_dest), inputs.spillover)
    weight[np.arange(n_imp), np.arange(n_imp)] = 1.0
    for i, k in zip(*np.nonzero(inputs.allies >= 0), strict=True):
        weight[i, inputs.allies[i, k]] = 2.0 * inputs.spillover
    orders = inputs.orders
    share = np.divide(inputs.refused, orders, out=np.zeros_like(orders), where=orders > 0)
    felt = np.clip(weight[:, None, :] * share[None, :, :], 0, 1)
    spared = np.prod(1.0 - felt, axis=2)  # importers × materials
    spared = spared * (1.0 - np.clip(inputs.shortage_weight * inputs.shortage, 0.0, 1.0))
    memory = inputs.memory * inputs.retention + (1.0 - spared)
    risk = perceived_risk(memory, inputs.sensitivity[:, None], inputs.half_saturation)
    boost = inputs.research_stock / (inputs.research_stock + inputs.research_half)
    target = inputs.recycling_base + (inputs.recycling_max - inputs.recycling_base) * boost
    recycling = inputs.recycling + (target - inputs.recycling) / inputs.recycling_lag
    advance_thrift(inputs, boost)
    return Memories(memory=memory, risk=risk, recycling=recycling)


def clipped_decision(
    target_days: np.ndarray, contracted: np.ndarray, effort: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Target days within [0, 720], shares within [0, 1]; NaN stays NaN."""
    return (
        np.minimum(np.maximum(target_days, 0.0), 720.0),
        np.minimum(np.maximum(contracted, 0.0), 1.0),
        np.minimum(np.maximum(effort, 0.0), 1.0),
    )


def risk_buffer(inputs: RiskBufferInputs) -> RiskBufferChoice:
    """The default firm rule: target days, contracted share and thrifting effort."""
    risk, contracted = inputs.risk, inputs.contracted
    target_days = inputs.base_days[:, None] + inputs.risk_days[:, None] * risk
    wanted = np.clip(inputs.base_contracted + inputs.sensitivity * risk, 0.0, 1.0)
    new_contracted = np.where(np.abs(wanted - contracted) > inputs.threshold, wanted, contracted)
    trigger = inputs.risk_trigger
    risk_push = np.clip((risk - trigger) / (1 - trigger + 1e-9), 0.0, 1.0)
    return RiskBufferChoice(target_days, new_contracted, np.maximum(inputs.price_push, risk_push))
