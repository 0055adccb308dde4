"""Importers' per-material state lives in arrays that each importer reads by material."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from overplay.agents.importer_arrays import PER_MATERIAL, ByMaterial
from overplay.model import LeverageModel


@pytest.fixture(scope="module")
def model():
    return LeverageModel("coercion", firms=40, rng=2).run(12)


def test_each_importer_reads_and_writes_its_row(model):
    arrays = model.importer_arrays
    for i, name in enumerate(model.importer_names):
        state = model.importers[name]
        for field in PER_MATERIAL:
            view = getattr(state, field)
            assert isinstance(view, ByMaterial)
            assert list(view) == model.materials
            row = getattr(arrays, field)[i].tolist()
            assert dict(view) == dict(zip(model.materials, row, strict=True))
    state, m = model.importers[model.importer_names[-1]], model.materials[-1]
    state.stockpile_target_days[m] = 123.0
    assert arrays.stockpile_target_days[-1, -1] == 123.0
    assert type(state.stockpile_target_days[m]) is float
    with pytest.raises(TypeError):
        del state.stockpile[m]


def test_the_month_writes_the_arrays_the_importers_see(model):
    before = {n: dict(s.risk) for n, s in model.importers.items()}
    model.step()
    assert np.array_equal(model.importer_arrays.stockpile, model.last.stockpile)
    assert np.array_equal(model.importer_arrays.risk, model.last.risk)
    assert any(dict(s.risk) != before[n] for n, s in model.importers.items())


@pytest.mark.parametrize("duplicate", [copy.deepcopy, lambda m: pickle.loads(pickle.dumps(m))])
def test_a_copied_model_keeps_its_importers_on_its_own_arrays(model, duplicate):
    twin = duplicate(model)
    name, m = twin.importer_names[0], twin.materials[0]
    original = model.importers[name].stockpile[m]
    twin.importers[name].stockpile[m] = original + 1000.0
    assert twin.importer_arrays.stockpile[0, 0] == original + 1000.0
    assert model.importers[name].stockpile[m] == original
