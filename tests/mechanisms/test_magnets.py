"""The magnet stage (``docs/odd.md`` §7.16): magnets made at home from world-market oxide,
the rest bought as Chinese magnets under China's magnet policy, which a restriction may
name apart from oxides."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.helpers import build, event, run, series

MAGNETS = {"materials__light__magnet_use_share": 0.4}


def test_without_magnet_making_a_share_of_use_comes_as_chinese_magnets():
    """Japan makes magnets for half its magnet use; the US makes none. Each buys the
    rest of its magnet use, and no more, as Chinese magnets."""
    model = build(**MAGNETS, importers__japan__magnet_capacity_t_per_year={"light": 1e9})
    rounds = run(model, 6)
    us = rounds[(rounds.material == "light") & (rounds.importer == "us") & (rounds.step == 6)]
    japan = rounds[(rounds.material == "light") & (rounds.importer == "japan") & (rounds.step == 6)]
    need = model.last.region_need[model.importer_names.index("us"), 0]
    assert float(us["magnets_from_china"].iloc[0]) == pytest.approx(0.4 * need, rel=0.1)
    assert float(us["magnets_made_at_home"].iloc[0]) == 0.0
    assert float(japan["magnets_from_china"].iloc[0]) == 0.0
    japan_need = model.last.region_need[model.importer_names.index("japan"), 0]
    assert float(japan["magnets_made_at_home"].iloc[0]) == pytest.approx(0.4 * japan_need)


def test_an_oxide_restriction_leaves_chinese_magnets_flowing_and_a_magnet_one_stops_them():
    """2010's quotas named separated products: Chinese magnets kept coming. The 2025
    licences named magnets too [E01]: a ban on magnets refuses every Chinese magnet."""
    oxides = build([event(1, "china", "ban", ["light"], ["us"], products="oxides")], **MAGNETS)
    magnets = build([event(1, "china", "ban", ["light"], ["us"], products="magnets")], **MAGNETS)
    both = build([event(1, "china", "ban", ["light"], ["us"])], **MAGNETS)
    frames = {name: run(m, 3) for name, m in (("oxides", oxides), ("magnets", magnets))}
    frames["both"] = run(both, 3)

    def at(name: str, column: str) -> float:
        return series(frames[name], column, importer="us").loc[3]

    assert at("oxides", "exports_from_china") == 0 and at("oxides", "magnets_from_china") > 0
    assert at("oxides", "china_magnet_policy") == "open"
    assert at("magnets", "magnets_from_china") == 0 and at("magnets", "exports_from_china") > 0
    assert at("magnets", "magnets_refused") > 0 and at("magnets", "china_policy") == "open"
    assert at("both", "exports_from_china") == 0 and at("both", "magnets_from_china") == 0


def test_refused_magnets_raise_perceived_risk_like_refused_oxide():
    ban = [event(1, "china", "ban", ["light"], ["us"], products="magnets")]
    refused = run(build(ban, **MAGNETS), 6)
    calm = run(build(**MAGNETS), 6)
    assert series(refused, "perceived_risk", importer="us").loc[6] > 0.1
    assert series(calm, "perceived_risk", importer="us").loc[6] == 0.0


def test_magnet_making_at_home_makes_a_magnet_ban_hurt_less():
    """Magnet plants of its own shrink what an importer must buy as Chinese magnets,
    so the same magnet ban refuses less and short-changes its firms less."""
    ban = [event(1, "china", "ban", ["light"], ["us"], products="magnets")]
    bare = run(build(ban, **MAGNETS), 6)
    plants = run(
        build(ban, **MAGNETS, importers__us__magnet_capacity_t_per_year={"light": 6_000}), 6
    )
    refused = [series(r, "magnets_refused", importer="us").loc[6] for r in (bare, plants)]
    assert refused[1] < 0.8 * refused[0]
    assert series(plants, "magnets_made_at_home", importer="us").loc[6] == pytest.approx(500)


def test_magnets_china_ships_take_oxide_it_could_have_exported():
    """China's magnet makers buy oxide at home: with magnets in the world, China's
    oxide exports (to every destination) fall by what its exported magnets contain, and
    its legal output stays what it was."""
    models = [build(**MAGNETS), build()]
    frames = [run(model, 6) for model in models]
    rows = [model.last.rows["light"] for model in models]
    assert rows[0]["magnet_exports"] > 0 and rows[1]["magnet_exports"] == 0
    assert rows[0]["world_exports"] + rows[0]["magnet_exports"] == pytest.approx(
        rows[1]["world_exports"], rel=1e-6
    )
    outputs = [series(frame, "china_legal_output").loc[6] for frame in frames]
    assert outputs[0] == pytest.approx(outputs[1], rel=1e-9)


def test_dependence_on_chinese_magnets_is_leverage_non_china_oxide_cannot_remove():
    """Plenty of non-China oxide does not replace magnets only China makes for an
    importer: its indispensability rises with its Chinese-magnet share."""
    plenty = {"importers__us__nonchina_sourcing": {"light": 1.0}}
    low = run(build(**plenty), 6)
    high = run(build(**plenty, materials__light__magnet_use_share=0.9), 6)
    leverage = [series(r, "leverage", importer="us").loc[6] for r in (low, high)]
    assert leverage[1] > leverage[0] + 0.1


def test_a_series_opens_a_magnet_plant_on_its_month_and_logs_it():
    plant = {"us": {"light": {"2025-04": 1_200}}}
    model = build(**MAGNETS, series__magnet_capacity_t_per_year=plant)
    assert model.importers["us"].magnet_capacity["light"] == 0
    rounds = run(model, 5)
    made = series(rounds, "magnets_made_at_home", importer="us")
    assert made.loc[3] == 0 and made.loc[4] == pytest.approx(100)
    log = pd.DataFrame(model.action_log)
    opened = log[log["action"] == "magnet_capacity"]
    assert list(opened["actor"]) == ["us"] and list(opened["date"]) == ["2025-04"]


def test_a_magnet_quota_cuts_from_the_magnets_shipped_the_year_before():
    quota = [event(7, "china", "quota", ["light"], ["us"], products="magnets", cut=0.5)]
    rounds = run(build(quota, **MAGNETS), 9)
    shipped = series(rounds, "magnets_from_china", importer="us")
    assert shipped.loc[9] == pytest.approx(0.5 * shipped.loc[1:6].mean(), rel=1e-6)


def test_a_magnet_subsidy_builds_a_plant_at_home_after_its_lead_time():
    """USD 1 bn buys ~3,000 t/yr of rare-earth content in magnets (the 10X plant's
    10,000 t/yr of magnets at ~30 % [E15, G03]), making magnets ~3 years on; then the
    importer buys fewer Chinese magnets."""
    subsidy = [event(1, "us", "subsidize", ["light"], usd_m_per_year=1000.0, stage="magnets")]
    model = build(subsidy, **MAGNETS, timing__lead_time_jitter=0.0)
    rounds = run(model, 60)
    capacity = series(rounds, "magnet_plant_capacity", importer="us")
    assert capacity.loc[12] == 0  # funded at the first investment round, building
    assert capacity.loc[60] == pytest.approx(1000e6 / 333_000, rel=1e-9)  # the first plant
    assert [p.ready_step for p in model.magnet_plants] == [61, 73, 85]  # still building
    log = pd.DataFrame(model.action_log)
    online = log[(log["action"] == "magnet_capacity") & (log["actor"] == "us")]
    assert online["date"].iloc[0] == "2029-01"  # funded 2026-01, three years to build
    chinese = series(rounds, "magnets_from_china", importer="us").loc[60]
    without = series(run(build(**MAGNETS), 60), "magnets_from_china", importer="us").loc[60]
    assert chinese == pytest.approx(without - 1000e6 / 333_000 / 12, rel=0.02)


def test_the_threshold_diversifier_can_put_part_of_its_budget_into_magnet_plants():
    from overplay.agents.strategies.importer import _subsidy_split

    assert _subsidy_split(0.7, 0.0) == [("processing", 0.7), ("mining", 1 - 0.7)]
    split = dict(_subsidy_split(0.7, 0.5))
    assert split == pytest.approx({"processing": 0.35, "mining": 0.15, "magnets": 0.5})
    strategy = {"name": "threshold_diversifier", "params": {"magnet_share_of_subsidy": 0.5}}
    model = build(
        [event(1, "china", "ban", targets=["us"])],
        **MAGNETS,
        importers__us__strategy=strategy,
    )
    run(model, 24)
    assert model.importers["us"].subsidy[("light", "magnets")] > 0
    assert any(plant.importer == "us" for plant in model.magnet_plants)
