"""The compiled month's packed inputs and outputs mean what their names say.

``run_month`` takes and returns packed arrays whose rows, columns and planes are named
by tuples in ``model/month_kernel.py``; ``model/month.py`` packs and unpacks them by
position. These tests hold both sides to the names, with values read back from the
agents after the month (a restricted world, so China's caps and leakage are in play).
"""

from __future__ import annotations

import numpy as np
import pytest

import overplay.model.month_kernel as kernel
from overplay.model import LeverageModel


@pytest.fixture(scope="module")
def month():
    """One month of a restricted, coordinating world, with run_month's arguments and
    results captured."""
    calls = []
    real = kernel.run_month

    def spy(*args):
        result = real(*args)
        calls.append((args, result))
        return result

    model = LeverageModel("coercion", firms=60, rng=4)
    model.run(30)
    before = {n: dict(s.stockpile) for n, s in model.importers.items()}
    kernel.run_month = spy
    try:
        model.step()
    finally:
        kernel.run_month = real
    ((args, result),) = calls
    return model, before, args, result


def test_inputs_have_the_named_layout(month):
    model, before, args, _ = month
    assert model.china.restricted_pairs()  # the premise: caps, leakage and pooling in play
    assert all(state.coordinating for state in model.importers.values())
    materials, importers, limits = args[0], args[1], args[2]
    assert materials.shape == (len(kernel.MATERIAL_INPUTS), len(model.materials))
    assert importers.shape == (
        len(model.importer_names),
        len(model.materials),
        len(kernel.IMPORTER_INPUTS),
    )
    assert limits.shape == (len(model.materials), len(model.destinations), 2)
    price = materials[kernel.MATERIAL_INPUTS.index("reference_price")]
    assert price.tolist() == [model.reference_price[m] for m in model.materials]
    stock = importers[:, :, kernel.IMPORTER_INPUTS.index("stockpile")]
    assert stock.tolist() == [[before[n][m] for m in model.materials] for n in model.importer_names]


def test_outputs_have_the_named_layout_and_reach_the_agents(month):
    model, _, _, result = month
    per_material, market, per_importer, payoffs = result[:4]
    names, mats = model.importer_names, model.materials
    assert per_material.shape == (len(kernel.MATERIAL_OUTPUTS), len(mats))
    assert market.shape == (len(kernel.MARKET_OUTPUTS), len(mats), len(names) + 1)
    assert per_importer.shape == (len(kernel.IMPORTER_OUTPUTS), len(names), len(mats))
    assert payoffs.shape == (len(kernel.PAYOFF_OUTPUTS), len(names))

    def row(name):
        return per_material[kernel.MATERIAL_OUTPUTS.index(name)]

    def plane(tuple_, array, name):
        return array[tuple_.index(name)]

    china = plane(kernel.MARKET_OUTPUTS, market, "china")
    np.testing.assert_array_equal(row("exports"), china.sum(axis=1))
    assert row("processing_share").tolist() == [model.last.china_processing_share[m] for m in mats]
    stock = plane(kernel.IMPORTER_OUTPUTS, per_importer, "stockpile")
    shortage = plane(kernel.IMPORTER_OUTPUTS, per_importer, "shortage")
    for i, n in enumerate(names):
        for j, m in enumerate(mats):
            assert model.importers[n].stockpile[m] == stock[i, j]
            assert model.last.shortage[(n, m)] == shortage[i, j]
            assert (
                model.last.leverage[(n, m)]
                == plane(kernel.IMPORTER_OUTPUTS, per_importer, "leverage")[i, j]
            )
    record = model.last.clearing
    np.testing.assert_array_equal(record.nonchina_sold, row("processed"))
    np.testing.assert_array_equal(record.nonchina_offered, row("nonchina_offered"))
    np.testing.assert_array_equal(
        model.last.flows.profit_usd_m, payoffs[kernel.PAYOFF_OUTPUTS.index("firms_profit")]
    )
    assert (china >= 0).all() and (row("leaked") >= 0).all()
