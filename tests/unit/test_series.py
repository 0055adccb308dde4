"""Exogenous series (``docs/odd.md`` §7.15): how dated points become monthly values,
and how the schema checks them and sets a material's values at the start."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from overplay.model.calendar import month_index
from overplay.model.config import Scenario
from overplay.model.series import DatedSeries

POINTS = DatedSeries.of({"2010-01": 100.0, "2012-01": 300.0, "2011-01": 200.0})


def test_a_level_is_linear_between_points_flat_before_and_grows_after():
    assert POINTS.months == tuple(month_index(d) for d in ("2010-01", "2011-01", "2012-01"))
    assert POINTS.level(month_index("2009-05")) == 100.0
    assert POINTS.level(month_index("2010-07")) == pytest.approx(150.0)
    assert POINTS.level(month_index("2011-04")) == pytest.approx(225.0)
    assert POINTS.level(month_index("2013-01")) == 300.0
    assert POINTS.level(month_index("2014-01"), 0.1) == pytest.approx(300.0 * 1.1**2)


def test_a_setting_holds_from_its_month_until_the_next():
    assert POINTS.setting(month_index("2009-12")) is None
    assert POINTS.setting(month_index("2010-01")) == 100.0
    assert POINTS.setting(month_index("2011-12")) == 200.0
    assert POINTS.changes_after(month_index("2010-06")) == [
        (month_index("2011-01"), 200.0),
        (month_index("2012-01"), 300.0),
    ]


def test_series_set_the_materials_values_at_the_start():
    scenario = Scenario(
        start="2011-01",
        series={
            "demand_t_per_year": {"light": {"2010-01": 100_000, "2012-01": 300_000}},
            "reference_price_usd_per_kg": {"heavy": {"2010-01": 100, "2012-01": 200}},
            "china_production_quota_t_per_year": {"light": {"2010-06": 90_000}},
            "china_mining_share": {"light": {"2010-01": 0.97, "2012-01": 0.91}},
        },
    )
    light, heavy = scenario.materials["light"], scenario.materials["heavy"]
    assert light.demand_t_per_year == pytest.approx(200_000)
    assert heavy.reference_price_usd_per_kg == pytest.approx(150.0, rel=0.01)
    assert light.china_production_quota_t_per_year == 90_000
    assert light.china_mining_share == pytest.approx(0.94, abs=0.001)
    # A quota announced after the start is not in force at it.
    later = Scenario(
        start="2009-01",
        series={"china_production_quota_t_per_year": {"light": {"2010-06": 90_000}}},
    )
    assert later.materials["light"].china_production_quota_t_per_year is None


@pytest.mark.parametrize(
    ("series", "where", "message"),
    [
        ({"demand_t_per_year": {"lite": {"2010-01": 1.0}}}, "lite", "unknown material"),
        ({"demand_t_per_year": {"light": {"2010-1": 1.0}}}, "light", "'YYYY-MM'"),
        ({"demand_t_per_year": {"light": {}}}, "light", "at least one point"),
        ({"demand_t_per_year": {"light": {"2010-01": 0.0}}}, "2010-01", "greater than 0"),
        ({"china_mining_share": {"light": {"2010-01": 1.5}}}, "2010-01", "less than or equal"),
        (
            {"producer_capacity_t_per_year": {"nobody": {"light": {"mining": {"2010-01": 1}}}}},
            "nobody",
            "unknown producer",
        ),
        (
            {"producer_capacity_t_per_year": {"lynas": {"light": {"refining": {"2010-01": 1}}}}},
            "refining",
            "unknown stage",
        ),
    ],
)
def test_bad_series_are_refused_at_their_key(series, where, message):
    with pytest.raises(ValidationError) as info:
        Scenario(series=series)
    text = str(info.value)
    assert where in text and message in text


def test_learning_closes_the_gap_to_chinas_cost_and_never_undercuts_it():
    from overplay.model.config_world import MarketConfig, MaterialConfig
    from overplay.model.supply import china_stage_cost, new_project_cost

    material, market = MaterialConfig(), MarketConfig()
    china = china_stage_cost(50.0, market)
    first = new_project_cost(material, market, "processing", 1.0, 50.0)
    assert first == pytest.approx(china * material.processing_cost_premium)
    learned = [new_project_cost(material, market, "processing", g, 50.0) for g in (0.5, 0.1, 0.0)]
    assert first > learned[0] > learned[1] > learned[2] == pytest.approx(china)
    # The premium is a ratio to China's cost now: a dearer China, dearer projects.
    assert new_project_cost(material, market, "processing", 1.0, 100.0) == pytest.approx(2 * first)
