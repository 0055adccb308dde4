"""Every compiled kernel agrees with its plain-numpy reference on random valid inputs.

The references (``model/market_reference.py``, ``model/clearing_kernel_reference.py``,
``model/month_kernel_reference.py``, ``agents/firm_kernels_reference.py``) are the same
mathematics written for reading. Inputs are seeded numpy draws, plus the edge cases that
take other branches: zero demand, zero capacity, a ban, full stockpiles, shortages, firms
that curtail, importers without firms, coordinating allies. Sums may run in another order,
so values agree to a tight tolerance rather than to the bit (the golden tests hold the
bits).
"""

from __future__ import annotations

import numpy as np
import pytest

from overplay.agents import firm_kernels as kernels
from overplay.agents import firm_kernels_reference as firms_reference
from overplay.agents.firm_kernels import FirmState, MarketTerms, MemoryInputs
from overplay.agents.strategies.firm import RiskBufferInputs, risk_buffer
from overplay.model import (
    clearing_kernel,
    clearing_kernel_reference,
    magnet_kernel,
    magnet_kernel_reference,
    market,
    market_reference,
    month_kernel,
    month_kernel_reference,
)
from overplay.model.clearing_kernel import ClearingInputs
from overplay.model.magnet_kernel import MagnetInputs
from overplay.model.market import AllocationInputs, choke_edges
from overplay.model.month_kernel import (
    ImporterInputs,
    LeverageInputs,
    MaterialInputs,
    MonthInputs,
    MonthSettings,
)
from overplay.model.risk import perceived_risk
from overplay.model.supply import SlotArrays

RTOL, ATOL = 1e-11, 1e-9
SEEDS = range(12)
EDGES = ("none", "zero_demand", "zero_capacity", "ban", "full_stock", "shortage")


def assert_agree(got, want, path: str = "") -> None:
    """Named tuples field by field; arrays and numbers to the tolerance."""
    if isinstance(want, tuple):
        assert type(got) is type(want), path
        for name, g, w in zip(type(want)._fields, got, want, strict=True):
            assert_agree(g, w, f"{path}.{name}")
    else:
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=path)


def copy_arrays(value):
    """A deep copy of the arrays in a (nested) named tuple, so each path has its own."""
    if isinstance(value, tuple):
        return type(value)(*(copy_arrays(v) for v in value))
    return value.copy() if isinstance(value, np.ndarray) else value


# -- random inputs ----------------------------------------------------------------------------
def firm_state(rng, n: int, m: int, regions: int) -> FirmState:
    region = np.sort(rng.integers(0, max(regions - 1, 1), n))  # the last importer: no firms
    shape = (n, m)
    return FirmState(
        base_need=rng.lognormal(0, 1, shape) * (rng.random(shape) > 0.1),
        thrift=rng.uniform(0, 0.3, shape),
        contracted=rng.uniform(0, 1, shape),
        target_days=rng.uniform(0, 200, shape),
        inventory=rng.uniform(0, 20, shape),
        value_added=rng.uniform(5, 400, shape),  # some below the price: those curtail
        region=region,
        regions=regions,
        adjust_months=3.0,
        cumulative_profit=rng.normal(0, 1, n),
        discounted_profit=rng.normal(0, 1, n),
    )


def material_inputs(rng, m: int, edge: str) -> MaterialInputs:
    price = rng.uniform(20, 200, m)
    return MaterialInputs(
        growth=rng.uniform(0.9, 1.3, m),
        price_response=rng.uniform(0.5, 1.5, m),
        price_x=price,
        anchor_scale=rng.uniform(0.5, 20.0, m),
        stock_scale=rng.uniform(0.05, 1.0, m),
        premium=rng.uniform(0, 0.5, m),
        other_need=np.zeros(m) if edge == "zero_demand" else rng.uniform(0, 500, m),
        china_domestic=rng.uniform(0, 800, m),
        china_available=rng.uniform(0, 1500, m),
        price_c_ore=price * rng.uniform(0.3, 1.0, m),
        local_ore_share=rng.uniform(0, 1, m),
        contracted_share=rng.uniform(0, 1, m),
        reference_price=rng.uniform(20, 200, m),
        value_added=rng.uniform(50, 5000, m),
        elasticity=rng.uniform(0.05, 1.0, m),
    )


def importer_inputs(rng, i: int, m: int, edge: str) -> ImporterInputs:
    stockpile = rng.uniform(0, 300, (i, m))
    if edge == "full_stock":
        stockpile = stockpile + 1e6
    shortage = rng.uniform(0, 0.2, (i, m)) * (rng.random((i, m)) < 0.3)
    if edge == "shortage":
        shortage = shortage + 0.05
    return ImporterInputs(
        recycling=rng.uniform(0, 0.3, (i, m)),
        stockpile=stockpile,
        stockpile_target_days=rng.uniform(0, 180, (i, m)),
        shortage=shortage,
        price_floor=rng.uniform(0, 150, (i, m)) * (rng.random((i, m)) < 0.3),
        holding_cost_per_month=rng.uniform(0, 0.01, i),
    )


def slot_arrays(rng, i: int, m: int, producers: int, edge: str) -> SlotArrays:
    s = 0 if edge == "zero_capacity" else int(rng.integers(1, 4 * producers))
    output = rng.uniform(0, 400, s) * (rng.random(s) > 0.1)
    return SlotArrays(
        material=rng.integers(0, m, s),
        stage=rng.integers(0, 2, s),
        producer=rng.integers(0, producers, s),
        host=rng.integers(0, i + 1, s),
        output=output,
        operating_cost=rng.uniform(0, 120, s),
        capital_charge=rng.uniform(0, 2, s),
        free_ore=rng.uniform(0, 1, s),
        producers=producers,
    )


def limits(rng, i: int, m: int, edge: str) -> tuple[np.ndarray, np.ndarray]:
    share = np.where(rng.random((m, i + 1)) < 0.6, 1.0, rng.uniform(0, 1, (m, i + 1)))
    caps = np.where(rng.random((m, i + 1)) < 0.6, np.inf, rng.uniform(0, 300, (m, i + 1)))
    if edge == "ban":
        share[:, 0], caps[:, 0] = 0.0, 0.0
    return share, caps


def magnet_inputs(rng, i: int, m: int, edge: str) -> MagnetInputs:
    """Magnet terms: some materials without magnets, some importers without magnet
    making, magnets banned to the first importer in the ``ban`` edge."""
    share, caps = limits(rng, i - 1, m, edge)
    return MagnetInputs(
        use_share=np.where(rng.random(m) < 0.25, 0.0, rng.uniform(0, 1, m)),
        capacity=np.where(rng.random((i, m)) < 0.4, 0.0, rng.uniform(0, 100, (i, m))),
        china_share=share,
        china_caps=caps,
    )


def settings(rng) -> MonthSettings:
    return MonthSettings(
        build_months=float(rng.uniform(3, 24)),
        partner_ore_share=float(rng.uniform(0, 0.5)),
        ore_value_share=float(rng.uniform(0.1, 0.4)),
        leak_rate=float(rng.uniform(0, 0.3)),
        leverage_horizon=float(rng.uniform(1, 12)),
        discount=float(rng.uniform(0.9, 1.0)),
        price_ceiling_multiple=float(rng.uniform(2, 200)),
    )


def allies(rng, i: int) -> np.ndarray:
    """Coordinating allies per importer, -1 padding (sometimes nobody coordinates)."""
    if i < 2 or rng.random() < 0.3:
        return np.empty((i, 0), dtype=np.int64)
    rows = [[a for a in range(i) if a != k and rng.random() < 0.6] for k in range(i)]
    width = max(1, max(len(row) for row in rows))
    return np.array([row + [-1] * (width - len(row)) for row in rows], dtype=np.int64)


def month_inputs(seed: int, edge: str = "none") -> MonthInputs:
    rng = np.random.default_rng(seed)
    i, m = int(rng.integers(1, 5)), int(rng.integers(1, 4))
    share, caps = limits(rng, i, m, edge)
    firms = firm_state(rng, int(rng.integers(i, 60)), m, i)
    if edge == "zero_demand":
        firms = firms._replace(base_need=np.zeros_like(firms.base_need))
    materials, month_settings = material_inputs(rng, m, edge), settings(rng)
    edges = np.array(
        [
            choke_edges(ref, month_settings.price_ceiling_multiple)
            for ref in materials.reference_price
        ]
    )
    return MonthInputs(
        materials=materials,
        importers=importer_inputs(rng, i, m, edge),
        china_share=share,
        china_caps=caps,
        choke_edges=edges,
        slots=slot_arrays(rng, i, m, int(rng.integers(1, 6)), edge),
        allies=allies(rng, i),
        settings=month_settings,
        firms=firms,
        magnets=magnet_inputs(rng, i, m, edge),
    )


def clearing_inputs(seed: int, edge: str) -> ClearingInputs:
    month = month_inputs(seed, edge)
    mat = month.materials
    wanted = kernels.demand(
        month.firms,
        MarketTerms(mat.growth, mat.price_response, mat.price_x, mat.premium, mat.stock_scale),
    )
    return ClearingInputs(
        wanted,
        mat,
        month.importers,
        month.china_share,
        month.china_caps,
        month.slots,
        month.settings,
    )


# -- the market -------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(40))
def test_allocate_flows(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 6))
    orders = rng.uniform(-50, 1000, n) * (rng.random(n) > 0.2)
    inputs = AllocationInputs(
        orders=orders,
        contracted=np.maximum(orders, 0) * rng.uniform(0, 1.5, n),
        china_share=np.where(rng.random(n) < 0.3, 0.0, rng.uniform(0, 1, n)),  # bans
        china_caps=np.where(rng.random(n) < 0.5, np.inf, rng.uniform(0, 500, n)),
        nonchina_supply=float(rng.choice([0.0, rng.uniform(0, 3000)])),
        china_available=float(rng.choice([np.inf, rng.uniform(-10, 3000)])),
        leak_rate=float(rng.uniform(0, 1)),
        anchor_scale=float(rng.choice([1.0, rng.uniform(0.2, 30.0)])),
    )
    assert_agree(market.allocate_flows(inputs), market_reference.allocate_flows(inputs))


# -- the month --------------------------------------------------------------------------------
@pytest.mark.parametrize("edge", EDGES)
@pytest.mark.parametrize("seed", SEEDS)
def test_clear_materials(seed, edge):
    inputs = clearing_inputs(seed, edge)
    got = clearing_kernel.clear_materials(inputs)
    assert_agree(got, clearing_kernel_reference.clear_materials(inputs))
    if edge == "full_stock":
        assert not got.delivered.any()
    if edge == "zero_capacity":
        assert not got.materials.nonchina_offered.any()


@pytest.mark.parametrize("seed", SEEDS)
def test_leverage(seed):
    rng = np.random.default_rng(seed)
    i, m = int(rng.integers(1, 5)), int(rng.integers(1, 4))
    need = rng.uniform(0, 100, (i, m)) * (rng.random((i, m)) > 0.2)
    inputs = LeverageInputs(
        need=need,
        recycled=need * rng.uniform(0, 0.3, (i, m)),
        contracted=need * rng.uniform(0, 1, (i, m)),
        inventory=rng.uniform(0, 200, (i, m)),
        stockpile=rng.uniform(0, 500, (i, m)),
        other_need=rng.uniform(0, 100, m),
        nonchina_supply=rng.uniform(0, 150, m),
        horizon=float(rng.uniform(1, 12)),
        chinese_magnets=rng.uniform(0, 1, (i, m)) * (rng.random((i, m)) > 0.3),
    )
    assert_agree(month_kernel.leverage(inputs), month_kernel_reference.leverage(inputs))


@pytest.mark.parametrize("edge", EDGES)
@pytest.mark.parametrize("seed", SEEDS)
def test_magnet_trade(seed, edge):
    month = month_inputs(seed, edge)
    rng = np.random.default_rng(seed)
    orders = month.firms.base_need[: month.magnets.capacity.shape[0]] * rng.uniform(0, 2)
    need = orders * rng.uniform(0.5, 1.5, orders.shape)
    available = rng.choice([np.inf, 0.0, -5.0, 10.0], orders.shape[1])
    got = magnet_kernel.magnet_trade(month.magnets, orders, need, available)
    assert_agree(got, magnet_kernel_reference.magnet_trade(month.magnets, orders, need, available))
    assert (got.shipped <= got.orders - got.refused + 1e-9).all()
    assert (got.china_used <= np.maximum(available, 0.0) + 1e-9).all()


@pytest.mark.parametrize("seed", SEEDS)
def test_stockpile_pooling(seed):
    rng = np.random.default_rng(seed)
    i, m = int(rng.integers(2, 6)), int(rng.integers(1, 4))
    pact = allies(rng, i)
    stock = rng.uniform(0, 100, (i, m))
    used = rng.uniform(0, 150, (i, m))
    assert_agree(
        month_kernel.release_pool(stock, pact), month_kernel_reference.release_pool(stock, pact)
    )
    compiled, reference = stock.copy(), stock.copy()
    month_kernel.draw_stockpiles(compiled, used, pact)
    month_kernel_reference.draw_stockpiles(reference, used, pact)
    assert_agree(compiled, reference)


@pytest.mark.parametrize("edge", EDGES)
@pytest.mark.parametrize("seed", SEEDS)
def test_run_month(seed, edge):
    inputs = month_inputs(seed, edge)
    compiled, reference = copy_arrays(inputs), copy_arrays(inputs)
    assert_agree(month_kernel.run_month(compiled), month_kernel_reference.run_month(reference))
    assert_agree(compiled.firms, reference.firms)  # inventories and profits, in place


# -- the firms --------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_demand(seed):
    rng = np.random.default_rng(seed)
    firms = firm_state(rng, 300, 2, 4)
    terms = MarketTerms(
        *(
            rng.uniform(low, high, 2)
            for low, high in ((0.9, 1.2), (0.5, 1.5), (10, 300), (0, 0.5), (0.1, 1.0))
        )
    )
    got = kernels.demand(firms, terms)
    assert (got.orders == 0).any() and (got.orders > 0).any()  # some firms curtail
    assert_agree(got, firms_reference.demand(firms, terms))


@pytest.mark.parametrize("seed", SEEDS)
def test_receive_and_consume(seed):
    rng = np.random.default_rng(seed)
    firms = firm_state(rng, 300, 2, 4)
    n, m = firms.base_need.shape
    wanted = kernels.Demand(
        need=rng.uniform(0, 8, (n, m)),
        paid=rng.uniform(10, 300, (n, m)),
        orders=rng.uniform(0, 5, (n, m)),
        region_orders=np.zeros((4, m)),
        region_contracted=np.zeros((4, m)),
        region_need=np.zeros((4, m)),
        potential=np.zeros((n, m)),
    )
    fill = rng.uniform(0.3, 1.0, (4, m))
    release = rng.uniform(0, 50, (4, m)) * (rng.random((4, m)) > 0.3)
    compiled, reference = copy_arrays(firms), copy_arrays(firms)
    got = kernels.receive_and_consume(compiled, wanted, fill, release, 0.97)
    assert (got.shortfall > 0).any()
    assert_agree(got, firms_reference.receive_and_consume(reference, wanted, fill, release, 0.97))
    assert_agree(compiled, reference)


def memory_inputs(seed: int) -> MemoryInputs:
    rng = np.random.default_rng(seed)
    regions, n, m = 4, 200, 2
    region = np.sort(rng.integers(0, regions - 1, n))
    thrift = rng.uniform(0, 0.3, (n, m))
    orders = rng.uniform(0, 500, (m, regions + 1)) * (rng.random((m, regions + 1)) > 0.2)
    allies = np.array([[1, 2], [0, -1], [0, -1], [-1, -1]])  # 0 with 1 and 2; 3 alone
    return MemoryInputs(
        refused=orders * rng.uniform(0, 1, orders.shape) * (rng.random(orders.shape) > 0.3),
        orders=orders,
        allies=allies,
        spillover=0.3,
        shortage=rng.uniform(0, 0.5, (regions, m)),
        shortage_weight=2.0,
        memory=rng.uniform(0, 20, (regions, m)),
        sensitivity=rng.uniform(0.5, 2, regions),
        retention=0.9,
        half_saturation=3.0,
        research_stock=rng.uniform(0, 3000, (regions, m)),
        recycling=rng.uniform(0, 0.2, (regions, m)),
        research_half=1000.0,
        recycling_base=0.01,
        recycling_max=0.3,
        recycling_lag=120.0,
        region=region,
        thrift=thrift,
        committed=thrift * rng.uniform(1, 1.5, (n, m)),
        sticky=thrift * rng.uniform(0, 1, (n, m)),
        sticky_share=np.array([0.5, 0.9]),
        reversal_months=36.0,
        effort=rng.uniform(0, 1, (n, m)) * (rng.random((n, m)) > 0.3),
        max_thrift=np.array([0.35, 0.25]),
        thrift_rate=0.1,
        thrift_lag=24.0,
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_memories(seed):
    compiled, reference = copy_arrays(memory_inputs(seed)), copy_arrays(memory_inputs(seed))
    got = kernels.memories(compiled)
    assert_agree(got, firms_reference.memories(reference))
    assert_agree(compiled, reference)  # thrift advanced in place
    assert not np.shares_memory(got.memory, compiled.memory)


@pytest.mark.parametrize("seed", SEEDS)
def test_firm_risk_and_thrift(seed):
    inputs = memory_inputs(seed)
    rng = np.random.default_rng(seed)
    boost = rng.uniform(0, 1, inputs.memory.shape)
    sensitivity = rng.lognormal(0, 0.4, inputs.region.shape[0])
    args = (inputs.memory, sensitivity, 3.0, inputs.region)
    got = kernels.firm_risk(*args)
    assert_agree(got, firms_reference.firm_risk(*args))
    # The firms' rule is the importers' (model.risk) with each firm's own sensitivity.
    assert_agree(got, perceived_risk(inputs.memory[inputs.region], sensitivity[:, None], 3.0))
    compiled, reference = copy_arrays(inputs), copy_arrays(inputs)
    kernels.advance_thrift(compiled, boost)
    firms_reference.advance_thrift(reference, boost)
    assert_agree(compiled, reference)


def test_clipped_decision():
    rng = np.random.default_rng(7)
    days, share, effort = (rng.normal(0.5, scale, (50, 2)) for scale in (400, 1, 1))
    days[3, 1] = share[4, 0] = effort[5, 1] = np.nan  # NaN stays NaN
    got = kernels.clipped_decision(days, share, effort)
    assert np.isnan(got[0][3, 1]) and np.isnan(got[1][4, 0]) and np.isnan(got[2][5, 1])
    for g, w in zip(got, firms_reference.clipped_decision(days, share, effort), strict=True):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("seed", SEEDS)
def test_risk_buffer(seed):
    rng = np.random.default_rng(seed)
    n, m = 100, 2
    inputs = RiskBufferInputs(
        risk=rng.uniform(0, 1, (n, m)),
        base_days=rng.uniform(10, 60, n),
        risk_days=rng.uniform(0, 120, n),
        base_contracted=rng.uniform(0, 0.5, (n, m)),
        contracted=rng.uniform(0, 1, (n, m)),
        price_push=rng.uniform(0, 1, m) * (rng.random(m) > 0.5),
        sensitivity=0.6,
        threshold=0.05,
        risk_trigger=0.5,
    )
    compiled, reference = risk_buffer(inputs), firms_reference.risk_buffer(inputs)
    for field in compiled._fields:
        assert_agree(getattr(compiled, field), getattr(reference, field))
