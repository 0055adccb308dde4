"""The dashboard's model: untouched levers run the scenario as published, each lever
moves what it says, a bad scenario file is reported on the page instead of crashing
it, and SolaraViz accepts the page's inputs (Mesa 3.3 and 3.5 check the signature)."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from overplay.agents.strategies import REGISTRY
from overplay.classroom.dashboard_app import model_params
from overplay.classroom.dashboard_model import (
    AS_SCENARIO,
    FILES_ALLOWED,
    DashboardModel,
    strategies,
)
from overplay.model.leverage_model import LeverageModel
from overplay.model.scenarios import dump_scenario, load_scenario


def rounds(model: LeverageModel, steps: int) -> pd.DataFrame:
    for _ in range(steps):
        model.step()
    return model.datacollector.get_table_dataframe("rounds")


@pytest.fixture
def files(monkeypatch):
    """Scenario files allowed, as when the page is served to this computer alone."""
    monkeypatch.setenv(FILES_ALLOWED, "1")


def test_untouched_levers_run_the_scenario_as_published(files, tmp_path):
    own = tmp_path / "own.yaml"  # a file's own seed and firms are kept too
    own.write_text("extends: coercion\nname: own\nseed: 42\nfirms: {count: 60}\n")
    for scenario, file in (("restraint", ""), ("calibrated", ""), ("coercion", str(own))):
        page = DashboardModel(scenario_name=scenario, scenario_file=file)
        plain = LeverageModel(file or scenario)
        assert page.problem == ""
        assert page.config.model_dump() == plain.config.model_dump()
        pd.testing.assert_frame_equal(rounds(page, 4), rounds(plain, 4))
    assert "60 firms, seed 42" in page.levers


def test_severity_says_when_a_strategy_does_not_use_it(files, tmp_path):
    bans = DashboardModel(scenario_name="coercion", severity=0, firms=20)
    assert "severity not used" in bans.levers[0]
    assert bans.config.china.strategy.params["instrument"] == "ban"
    shared = tmp_path / "shared.yaml"  # periodic_coercion's one severity for both instruments
    shared.write_text(
        "extends: coercion\nchina:\n  strategy:\n    name: periodic_coercion\n"
        "    params: {instrument: licensing, severity: 0.5}\n"
    )
    halved = DashboardModel(scenario_file=str(shared), severity=0.5, firms=20)
    assert halved.config.china.strategy.params["severity"] == pytest.approx(0.25)
    assert "25% refused" in halved.levers[0]


def test_a_human_seat_in_a_file_plays_its_fallback(files, tmp_path):
    seat = tmp_path / "seat.yaml"
    seat.write_text("extends: coercion\nchina: {strategy: human}\n")
    model = DashboardModel(scenario_file=str(seat), firms=20, severity=2)
    assert model.problem == "" and model.config.china.strategy.name == "human"
    model.step()
    assert model.problem == ""


def without(data, key: str):
    """A scenario's data with every mapping entry named ``key`` left out."""
    if isinstance(data, dict):
        return {k: without(v, key) for k, v in data.items() if k != key}
    if isinstance(data, list):
        return [without(v, key) for v in data]
    return data


def test_a_strategy_that_does_not_fit_the_scenario_stops_the_run_with_a_message(files, tmp_path):
    """On a light-only world, a strategy whose moves name heavy rare earths stops the
    run with a message on the page; one that fits runs."""
    light = without(yaml.safe_load(dump_scenario(load_scenario("baseline"))), "heavy")
    path = tmp_path / "light.yaml"
    path.write_text(yaml.safe_dump({**light, "name": "light"}))
    fits = DashboardModel(scenario_file=str(path), china_strategy="always_ban", firms=20)
    assert fits.problem == "" and fits.materials == ["light"]
    model = DashboardModel(scenario_file=str(path), china_strategy="myopic_best_response")
    for _ in range(6):
        model.step()
    assert model.running is False and "the run stopped in 2025-04" in model.problem
    assert "unknown material(s) ['heavy']" in model.problem


def test_files_are_refused_unless_the_page_is_served_to_this_computer(tmp_path, monkeypatch):
    monkeypatch.delenv(FILES_ALLOWED, raising=False)
    mine = tmp_path / "mine.yaml"
    mine.write_text("extends: coercion\nname: mine\n")
    model = DashboardModel(scenario_file=str(mine), firms=20)
    assert "served to this computer alone" in model.problem and model.config.name == "restraint"
    assert "scenario_file" not in model_params()
    monkeypatch.setenv(FILES_ALLOWED, "1")
    assert "scenario_file" in model_params()
    big = tmp_path / "big.yaml"
    big.write_text("#" * 1_000_001)
    assert "larger than" in DashboardModel(scenario_file=str(big), firms=20).problem


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


def test_a_bad_scenario_file_is_reported_and_the_default_runs(files, tmp_path):
    bad = tmp_path / "mine.yaml"
    bad.write_text("extends: baseline\nmarket: {price_speed_per_month: -1}\n")
    model = DashboardModel(scenario_file=str(bad), firms=20)
    assert str(bad) in model.problem and "price_speed_per_month" in model.problem
    assert model.config.name == "restraint"
    missing = DashboardModel(scenario_file=str(tmp_path / "none.yaml"), firms=20)
    assert "none.yaml" in missing.problem


def test_levers_a_scenario_refuses_are_reported_and_the_default_runs(files, tmp_path):
    """An elasticity of 1 tripled is above the schema's 2: the page says so."""
    elastic = tmp_path / "elastic.yaml"
    elastic.write_text(
        "extends: baseline\nmaterials:\n  light: {price_elasticity: 1.0}\n"
        "  heavy: {price_elasticity: 1.0}\n"
    )
    model = DashboardModel(scenario_file=str(elastic), elasticity=3, firms=20)
    assert "price_elasticity" in model.problem and model.config.name == "restraint"
    assert model.config.materials["light"].price_elasticity == pytest.approx(0.75)


def test_a_good_scenario_file_is_used(files, tmp_path):
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
    values = {name: spec["value"] for name, spec in params.items()} | {"firms": 20}
    model = DashboardModel(**values)
    if hasattr(solara_viz, "_build_model_init_kwargs"):  # Mesa 3.5: Reset's own keywords
        values = solara_viz._build_model_init_kwargs(
            model, values, add_scenario_when_empty=True, require_model_accepts_scenario=True
        )
        assert "scenario" not in values
    assert type(model)(**values).config == model.config  # what Reset builds
