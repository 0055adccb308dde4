"""LeverageModel's public surface: defaults, flat keywords, batch_run, agents, registry."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import mesa
import pytest

from overplay.agents.china import SupplierState
from overplay.agents.firms import Firm
from overplay.agents.importer import ImporterState
from overplay.agents.producers import Producer
from overplay.model import LeverageModel, ScenarioError, load_scenario


def test_constructs_with_no_arguments_and_steps():
    model = LeverageModel()
    assert model.config.name == "baseline"
    model.step()
    assert model.step_count == 1 and model.round == 0


def test_flat_keywords_set_parameters():
    model = LeverageModel(
        firms=37,
        years=2,
        rng=5,
        china_strategy="tit_for_tat",
        importer_strategy="passive",
        materials__light__price_elasticity=0.3,
    )
    assert len(model.agents_by_type[Firm]) == 37
    assert model.total_steps == 24
    assert model.config.china.strategy.name == "tit_for_tat"
    assert {s.strategy.name for s in model.importers.values()} == {"passive"}
    assert model.config.materials["light"].price_elasticity == 0.3
    assert model.config.materials["heavy"].price_elasticity == 0.25


def test_bad_flat_keyword_is_a_scenario_error():
    with pytest.raises(ScenarioError, match="did you mean 'price_elasticity'"):
        LeverageModel(materials__light__price_elastcity=0.3)


def test_seed_given_as_text_works_as_solara_sends_it():
    a, b = LeverageModel(rng="11", years=1), LeverageModel(rng=11, years=1)
    a.run()
    b.run()
    assert a.datacollector.get_table_dataframe("rounds").equals(
        b.datacollector.get_table_dataframe("rounds")
    )


def test_from_scenario_with_overrides():
    model = LeverageModel.from_scenario("coercion", seed=4, overrides={"years": 1})
    assert model.config.name == "coercion" and model.total_steps == 12
    assert model.config.china.strategy.name == "periodic_coercion"


def test_every_role_is_a_mesa_agent():
    model = LeverageModel(firms=20)
    assert len(model.agents_by_type[SupplierState]) == 1
    assert len(model.agents_by_type[ImporterState]) == 3
    assert len(model.agents_by_type[Producer]) == len(load_scenario("baseline").producers)
    firm = next(iter(model.agents_by_type[Firm]))
    assert firm.importer in {"us", "japan", "eu"}
    assert firm.inventory.shape == (2,)
    with pytest.raises(ValueError):
        firm.inventory[0] = 1.0  # a read-only view onto the population's arrays


def test_mesa_batch_run_drives_the_model():
    """Seeds go in ``parameters`` on Mesa 3.3 and through ``rng=`` from Mesa 3.4 on."""
    options = {"max_steps": 3, "number_processes": 1, "display_progress": False}
    parameters = {"years": 1, "firms": 10}
    if "rng" in inspect.signature(mesa.batch_run).parameters:
        results = mesa.batch_run(LeverageModel, parameters=parameters, rng=[1, 2], **options)
    else:
        results = mesa.batch_run(
            LeverageModel, parameters={**parameters, "rng": [1, 2]}, iterations=1, **options
        )
    assert len({r["RunId"] for r in results}) == 2


def test_releases_mesa_class_level_agent_registry_and_keeps_ids_unique():
    model = LeverageModel("coercion", years=4, firms=10)
    ids = getattr(mesa.Agent, "_ids", {})
    assert model not in ids
    model.run()
    assert model not in ids
    unique = [a.unique_id for a in model.agents]
    assert len(unique) == len(set(unique))


def test_a_model_saved_mid_run_resumes_identically():
    """The seminar game saves state between rounds: pickling must not change the future."""
    import pickle

    model = LeverageModel("coercion", years=3, firms=30)
    model.run(12)
    resumed = pickle.loads(pickle.dumps(model))
    model.run()
    resumed.run()
    assert model.datacollector.get_table_dataframe("rounds").equals(
        resumed.datacollector.get_table_dataframe("rounds")
    )
    assert model.action_log == resumed.action_log


def test_firm_sums_per_importer_equal_a_pandas_groupby():
    """by_region adds every firm's value into its importer's cell, in firm order."""
    import numpy as np
    import pandas as pd

    from overplay.model import LeverageModel

    population = LeverageModel("baseline", firms=300).firm_population
    values = np.random.default_rng(4).random((population.n, len(population.materials)))
    expected = pd.DataFrame(values).groupby(population.region).sum().to_numpy()
    np.testing.assert_allclose(population.by_region(values), expected, rtol=1e-12)
    assert population.by_region(values).shape == (
        len(population.importers),
        len(population.materials),
    )


def test_no_other_module_names_a_private_member_of_the_model():
    """The model's private members are its own: other modules use its public phases and
    attributes, so the model can change inside without breaking them."""
    root = Path(__file__).resolve().parents[2]
    own = root / "model" / "leverage_model.py"
    private = set(re.findall(r"self\.(_[a-z]\w*)", own.read_text())) - {"__init__"}
    assert private
    pattern = re.compile(r"\.(" + "|".join(sorted(private)) + r")\b")
    offenders = [
        f"{path.relative_to(root)}: {match.group(1)}"
        for folder in ("model", "agents", "experiments", "classroom", "tests", "benchmarks")
        for path in (root / folder).rglob("*.py")
        if path != own
        for match in pattern.finditer(path.read_text())
    ]
    assert offenders == []
