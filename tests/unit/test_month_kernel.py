"""The compiled month's named inputs and outputs mean what their names say.

``model/month_inputs.py`` builds ``run_month``'s :class:`MonthInputs` by name from the
agents and ``model/month.py`` writes its :class:`MonthOutputs` back by name. These tests
hold both sides to the names, with values read back from the agents before and after the
month (a restricted, coordinating world, so China's caps, leakage and pooled stockpiles
are in play).
"""

from __future__ import annotations

import numpy as np
import pytest

import overplay.model.month_kernel as kernel
from overplay.model import LeverageModel


@pytest.fixture(scope="module")
def month():
    """One month of a restricted, coordinating world, with run_month's inputs and
    outputs captured."""
    calls = []
    real = kernel.run_month

    def spy(inputs):
        stockpile_read = inputs.importers.stockpile.copy()  # the month updates the state
        outputs = real(inputs)
        calls.append((inputs, stockpile_read, outputs))
        return outputs

    model = LeverageModel("coercion", firms=60, rng=4)
    model.run(30)
    before = {n: dict(s.stockpile) for n, s in model.importers.items()}
    kernel.run_month = spy
    try:
        model.step()
    finally:
        kernel.run_month = real
    ((inputs, stockpile_read, outputs),) = calls
    return model, before, inputs, stockpile_read, outputs


def test_inputs_are_the_agents_state_by_name(month):
    model, before, inputs, stockpile_read, _ = month
    assert model.china.restricted_pairs()  # the premise: caps, leakage and pooling in play
    assert all(state.coordinating for state in model.importers.values())
    assert isinstance(inputs, kernel.MonthInputs)
    mats, names = model.materials, model.importer_names
    assert inputs.materials.reference_price.tolist() == [model.reference_price[m] for m in mats]
    assert stockpile_read.tolist() == [[before[n][m] for m in mats] for n in names]
    assert inputs.importers.stockpile is model.importer_arrays.stockpile  # the state itself
    assert inputs.china_share.shape == inputs.china_caps.shape == (len(mats), len(names) + 1)
    assert np.isfinite(inputs.china_caps).any()  # some cap binds somewhere
    assert inputs.allies.shape[0] == len(names) and inputs.allies.shape[1] > 0
    assert inputs.firms.regions == len(names)
    assert inputs.firms.inventory is model.firm_population.inventory  # updated in place


def test_outputs_reach_the_agents_by_name(month):
    model, _, _, _, out = month
    assert isinstance(out, kernel.MonthOutputs)
    names, mats = model.importer_names, model.materials
    np.testing.assert_array_equal(out.materials.exports, out.market.china.sum(axis=1))
    assert out.materials.processing_share.tolist() == [
        model.last.china_processing_share[m] for m in mats
    ]
    for i, n in enumerate(names):
        for j, m in enumerate(mats):
            assert model.importers[n].stockpile[m] == out.importers.stockpile[i, j]
    np.testing.assert_array_equal(model.last.shortage, out.importers.shortage)
    np.testing.assert_array_equal(model.last.leverage, out.importers.leverage)
    record = model.last.clearing
    np.testing.assert_array_equal(record.nonchina_sold, out.materials.processed)
    np.testing.assert_array_equal(record.nonchina_offered, out.materials.nonchina_offered)
    np.testing.assert_array_equal(model.last.flows.profit_usd_m, out.importers.firms_profit)
    np.testing.assert_array_equal(model.firm_population.last_orders, out.firm_orders)
    assert (out.market.china >= 0).all() and (out.materials.leaked >= 0).all()
