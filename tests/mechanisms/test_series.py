"""Exogenous series in a run (``docs/odd.md`` §7.15): world demand, China's supply price,
its production quotas and producers' known capacity events, month by month."""

from __future__ import annotations

import pandas as pd
import pytest

from overplay.agents.actions import Action, Kind
from tests.helpers import build, run, series

START = "2025-01"  # the baseline's first month


def test_world_demand_follows_its_series_and_a_slump_falls_on_chinas_exports():
    """Firms' needs move with world demand. While China is the supplier at the margin,
    a 30 % slump cuts China's exports and leaves the price at China's."""
    slump = {"light": {"2025-01": 360_000, "2026-01": 252_000, "2027-01": 360_000}}
    model = build(series__demand_t_per_year=slump)
    flat = build()
    rounds, flat_rounds = run(model, 24), run(flat, 24)
    growth = [model.exogenous.demand_growth("light", step) for step in (1, 7, 13, 19)]
    assert growth == pytest.approx([1.0, 0.85, 0.7, 0.85])
    exports, flat_exports = (series(r, "exports_from_china") for r in (rounds, flat_rounds))
    assert exports.loc[13] < 0.8 * flat_exports.loc[13]
    assert exports.loc[24] > exports.loc[13]  # demand back at its start level
    assert series(rounds, "price_ex_china").loc[13] == pytest.approx(
        series(rounds, "price_china").loc[13]
    )


def test_after_its_last_point_demand_grows_at_the_materials_trend():
    model = build(
        series__demand_t_per_year={"light": {"2024-01": 300_000}},
        materials__light__demand_growth_per_year=0.10,
    )
    assert model.config.materials["light"].demand_t_per_year == pytest.approx(300_000 * 1.1)
    assert model.exogenous.demand_growth("light", 13) == pytest.approx(1.1)


def test_production_quotas_are_chinas_actions_on_their_months():
    quota = {"light": {"2024-01": 400_000, "2025-07": 150_000}}
    model = build(series__china_production_quota_t_per_year=quota)
    assert model.china.supply.production_quota["light"] == 400_000  # in force at the start
    rounds = run(model, 12)
    log = pd.DataFrame(model.action_log)
    quotas = log[(log["action"] == "production_quota") & (log["source"] == "series")]
    assert list(quotas["date"]) == ["2025-07"] and list(quotas["actor"]) == ["china"]
    assert model.china.supply.production_quota["light"] == 150_000
    # A quota below what China sells raises its domestic price.
    assert series(rounds, "price_china").loc[12] > 1.2 * series(rounds, "price_china").loc[6]


def test_chinas_supply_price_follows_its_series():
    model = build(series__reference_price_usd_per_kg={"light": {"2025-01": 50, "2026-01": 100}})
    rounds = run(model, 24)
    assert model.reference_price["light"] == 100
    china = series(rounds, "price_china")
    assert china.loc[24] == pytest.approx(100, rel=0.05)
    assert china.loc[7] > 60  # follows it up, with the market's adjustment lag


def test_chinas_observed_price_replaces_its_home_market_only_inside_its_window():
    """Inside the window China's domestic price is the observed one, month by month,
    and it is China's export price too: a domestic price three times the supply price
    lifts the price abroad and cuts China's exports. After the last point the home
    market clears again and the price falls back toward the supply price."""
    observed = {"light": {"2025-04": 50, "2025-07": 150, "2025-10": 150}}
    model = build(series__china_price_usd_per_kg=observed)
    flat = build()
    rounds, flat_rounds = run(model, 24), run(flat, 24)
    china, flat_china = series(rounds, "price_china"), series(flat_rounds, "price_china")
    assert china.loc[1:3].tolist() == pytest.approx(flat_china.loc[1:3].tolist())  # before
    assert china.loc[[4, 5, 7, 10]].tolist() == pytest.approx([50, 50 + 100 / 3, 150, 150])
    abroad, flat_abroad = (series(r, "price_ex_china") for r in (rounds, flat_rounds))
    assert abroad.loc[10] > 2 * flat_abroad.loc[10]
    exports, flat_exports = (series(r, "exports_from_china") for r in (rounds, flat_rounds))
    assert exports.loc[10] < 0.8 * flat_exports.loc[10]
    assert china.loc[24] < 0.7 * 150  # released: back toward the supply price of 50
    assert model.exogenous.china_prices(11) == {}


def test_a_capacity_event_idles_a_producer_and_a_later_one_restarts_it():
    """Mountain Pass: care and maintenance in late 2015, restarted under new owners in
    2018 [USGS MCS 2019]. A restart after an exit starts a fresh operating history."""
    idle = {"2025-04": 0}
    events = {
        "mp_materials": {"light": {"mining": {**idle, "2026-01": 60_000}, "processing": idle}}
    }
    model = build(series__producer_capacity_t_per_year=events)
    mp = next(p for p in model.producers if p.name == "mp_materials")
    start_capacity = mp.total_capacity("light", "mining")
    assert start_capacity > 0
    rounds = run(model, 6)
    assert mp.total_capacity("light", "mining") == 0
    assert (
        series(rounds, "non_china_mining_capacity").loc[6]
        < series(rounds, "non_china_mining_capacity").loc[1]
    )
    assert not mp.active and mp.projects == []  # idle: no capacity left at all
    run(model, 12)
    assert mp.active and mp.exit_step is None
    assert mp.total_capacity("light", "mining") == 60_000
    log = pd.DataFrame(model.action_log)
    assert list(log[log["action"] == "capacity"]["date"]) == ["2025-04", "2025-04", "2026-01"]


def test_capacity_in_force_at_the_start_replaces_the_producers_share():
    events = {"lynas": {"heavy": {"processing": {"2020-01": 1234}}}}
    model = build(series__producer_capacity_t_per_year=events)
    lynas = next(p for p in model.producers if p.name == "lynas")
    assert lynas.total_capacity("heavy", "processing") == 1234


def test_capacity_a_series_sets_is_not_built_by_its_producer_on_its_own():
    events = {"lynas": {"light": {"processing": {"2024-01": 50_000}}}}
    model = build(series__producer_capacity_t_per_year=events)
    lynas = next(p for p in model.producers if p.name == "lynas")
    invest = Action(
        "lynas",
        Kind.INVEST,
        ("light", "heavy"),
        params={"stage": "processing", "capacity_t_per_year": 10_000, "lead_time_years": 2},
    )
    kept = model.investment._own_capacity(lynas, invest)
    assert kept is not None and kept.materials == ("heavy",)
    light_only = Action("lynas", Kind.INVEST, ("light",), params=invest.params)
    assert model.investment._own_capacity(lynas, light_only) is None
    assert model.investment.subsidy_host("japan", "light", "processing") is not lynas


def test_mines_expect_to_earn_only_on_the_ore_that_sells():
    model = build()
    run(model, 1)
    before = model.margins.expected("other", 1.0)[("light", "mining")]
    model.last.ore_sold_share["light"] = 0.5
    model.margins.basis.clear()  # the bases are kept within a step
    after = model.margins.expected("other", 1.0)[("light", "mining")]
    assert 1 + after == pytest.approx(0.5 * (1 + before))
