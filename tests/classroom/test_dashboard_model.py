"""The dashboard's model: untouched levers run the scenario as published, each lever
moves what it says, a bad scenario file is reported on the page instead of crashing
it, and SolaraViz accepts the page's inputs (Mesa 3.3 and 3.5 check the signature)."""

from __future__ import annotations

import pandas as pd
import pytest

from overplay.agents.strategies import REGISTRY
from overplay.classroom.dashboard_app import model_params
from overplay.classroom.dashboard_model import AS_SCENARIO, DashboardModel, strategies
from overplay.model.leverage_model import LeverageModel


def rounds(model: LeverageModel, steps: int) -> pd.DataFrame:
    for _ in range(steps):
        model.step()
    return model.datacollector.get_table_dataframe("rounds")


def test_untouched_levers_run_the_scenario_as_published():
    for scenario in ("restraint", "calibrated"):
        page = DashboardModel(scenario_name=scenario, firms=40)
        plain = LeverageModel(scenario, firms=40)
        pd.testing.assert_frame_equal(rounds(page, 6), rounds(plain, 6))
        assert page.config.materials == plain.config.materials


def test_severity_scales_the_share_china_refuses():
    assert DashboardModel(firms=20).config.china.strategy.params["approval_rate"] == 0.6
    softer = DashboardModel(firms=20, severity=0.5).config.china.strategy.params
    assert softer["approval_rate"] == pytest.approx(0.8)
    assert DashboardModel(firms=20, severity=0).config.china.strategy.params["approval_rate"] == 1
    harsh = DashboardModel(firms=20, severity=3).config.china.strategy.params
    assert harsh["approval_rate"] == 0  # refused share capped at all of it
    escalation = DashboardModel(firms=20, china_strategy="escalation", severity=2)
    assert escalation.config.china.strategy.params["cut"] == pytest.approx(0.8)  # 2 × 0.4


def test_a_restriction_refusing_nothing_leaves_heavy_prices_lower():
    """restraint licenses heavy exports to the US in April 2025 after a 2-month review
    (nothing ships while it runs, whatever the severity): by July, licences that refuse
    40 % leave the heavy price higher than licences that refuse none."""
    harsh, none = DashboardModel(firms=40), DashboardModel(firms=40, severity=0)
    price = {}
    for name, model in (("harsh", harsh), ("none", none)):
        table = rounds(model, 7)
        price[name] = table[table["material"] == "heavy"]["price_ex_china"].iloc[-1]
    assert price["harsh"] > price["none"] * 1.05


def test_the_other_levers_scale_the_scenario_values():
    base = LeverageModel("restraint", firms=20).config
    model = DashboardModel(
        firms=30, seed=7, elasticity=2, risk_half_life=0.5, subsidy_budget=3,
        importer_strategy="coordinator",
    )  # fmt: skip
    assert (
        model.config.materials["heavy"].price_elasticity
        == 2 * base.materials["heavy"].price_elasticity
    )
    assert model.config.risk.half_life_months == base.risk.half_life_months / 2
    params = model.config.importers["us"].strategy.params
    assert model.config.importers["us"].strategy.name == "coordinator"
    default = REGISTRY[("importer", "coordinator")].Params.model_fields["subsidy_usd_m_per_year"]
    assert params["subsidy_usd_m_per_year"] == pytest.approx(3 * default.default)
    assert model.config.firms.count == 30 and model.config.seed == 7
    assert any("coordinator" in lever for lever in model.levers)


def test_a_bad_scenario_file_is_reported_and_the_default_runs(tmp_path):
    bad = tmp_path / "mine.yaml"
    bad.write_text("extends: baseline\nmarket: {price_speed_per_month: -1}\n")
    model = DashboardModel(scenario_file=str(bad), firms=20)
    assert str(bad) in model.problem and "price_speed_per_month" in model.problem
    assert model.config.name == "restraint"
    missing = DashboardModel(scenario_file=str(tmp_path / "none.yaml"), firms=20)
    assert "none.yaml" in missing.problem


def test_levers_a_scenario_refuses_are_reported_and_the_default_runs(tmp_path):
    """An elasticity of 1 tripled is above the schema's 2: the page says so."""
    elastic = tmp_path / "elastic.yaml"
    elastic.write_text(
        "extends: baseline\nmaterials:\n  light: {price_elasticity: 1.0}\n"
        "  heavy: {price_elasticity: 1.0}\n"
    )
    model = DashboardModel(scenario_file=str(elastic), elasticity=3, firms=20)
    assert "price_elasticity" in model.problem and model.config.name == "restraint"
    assert model.config.materials["light"].price_elasticity == pytest.approx(0.75)


def test_a_good_scenario_file_is_used(tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text("extends: coercion\nname: mine\n")
    model = DashboardModel(scenario_file=str(mine), firms=20)
    assert model.problem == "" and model.config.name == "mine"


def test_the_strategy_choices_exclude_the_human_seat():
    for role in ("china", "importer"):
        assert strategies(role)[0] == AS_SCENARIO and "human" not in strategies(role)


def test_solaraviz_accepts_the_page_inputs():
    """Mesa's own check of the model's signature against the inputs (both versions
    name it the same); then Reset's keywords build a model."""
    from mesa.visualization import solara_viz

    params = model_params()
    solara_viz._check_model_params(DashboardModel.__init__, params)
    values = {name: spec["value"] for name, spec in params.items()}
    assert isinstance(DashboardModel(**{**values, "firms": 20}), DashboardModel)
