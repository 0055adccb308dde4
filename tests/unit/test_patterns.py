"""Pattern-oriented checks (``experiments/validation/patterns.py``): each passes on a
small table that shows its pattern and fails on one that does not, and all of them read
a real run of ``history``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from overplay.experiments.single_run import run_scenario
from overplay.experiments.validation import patterns as p
from overplay.experiments.validation.periods import months
from overplay.model import load_scenario
from overplay.model.columns import ACTION_COLUMNS, names

DEFAULTS: dict[str, Any] = {
    "price_multiple": 1.0,
    "exports_from_china": 100.0,
    "china_policy": "open",
    "quota_cut": 0.0,
    "non_china_processing_capacity": 0.0,
    "non_china_processing_pipeline": 0.0,
    "china_mining_share": 0.97,
    "china_processing_share": 0.97,
    "leverage": 0.5,
    "leakage": 0.0,
    "non_china_supply": 0.0,
}
Value = Any | Callable[[str, str, str], Any]


def rounds(first: int = 2009, last: int = 2025, **values: Value) -> pd.DataFrame:
    """A minimal rounds table, one row per month x material x importer; each column is
    a constant or a function of (date, material, importer)."""
    columns = {**DEFAULTS, **values}
    rows = [
        {
            "step": step,
            "date": date,
            "material": material,
            "importer": importer,
            **{c: v(date, material, importer) if callable(v) else v for c, v in columns.items()},
        }
        for step, date in enumerate(months(f"{first}-{last}"), start=1)
        for material in ("light", "heavy")
        for importer in ("us", "japan", "eu")
    ]
    return pd.DataFrame(rows)


def actions(*rows: dict[str, Any]) -> pd.DataFrame:
    """An actions table of the given rows (other cells empty)."""
    columns = names(ACTION_COLUMNS)
    return pd.DataFrame([{c: row.get(c, "") for c in columns} for row in rows], columns=columns)


NO_ACTIONS = actions()


def between(first: str, last: str, inside: Any, outside: Any) -> Callable[[str, str, str], Any]:
    return lambda date, material, importer: inside if first <= date <= last else outside


# 1. spike_then_decay


def test_a_spike_that_decays_by_2014_passes():
    run = rounds(price_multiple=between("2011-01", "2011-12", 10.0, 1.0))
    check = p.spike_then_decay(run, NO_ACTIONS)
    assert check.passed
    assert "light peak 10.0x in 2011-01 (2009 1.0x), 2014 mean 1.0x" in check.measured


def test_a_spike_that_stays_high_fails():
    run = rounds(price_multiple=between("2011-01", "2025-12", 10.0, 1.0))
    assert not p.spike_then_decay(run, NO_ACTIONS).passed


def test_no_spike_fails():
    run = rounds(price_multiple=between("2011-01", "2011-12", 2.0, 1.0))
    assert not p.spike_then_decay(run, NO_ACTIONS).passed


# 2. exports_below_quota_after_spike


def quota_run(exports_under_quota: float) -> pd.DataFrame:
    """Open trade at 100 t/month to every pair until 2010-06, a 40 % quota from 2010-07
    to 2014-12 (a cap of 60 t/month), a halt to Japan in 2010-09..2010-10."""

    def policy(date: str, material: str, importer: str) -> str:
        if importer == "japan" and "2010-09" <= date <= "2010-10":
            return "ban"
        return "quota" if "2010-07" <= date <= "2014-12" else "open"

    def exports(date: str, material: str, importer: str) -> float:
        if date < "2010-07" or date > "2014-12":
            return 100.0
        if policy(date, material, importer) == "ban":
            return 0.0
        return exports_under_quota if date >= "2012-01" else 60.0

    return rounds(
        china_policy=policy,
        quota_cut=between("2010-07", "2014-12", 0.4, 0.0),
        exports_from_china=exports,
    )


def test_the_quota_is_rebuilt_as_the_model_applies_it():
    run = quota_run(60.0)
    caps = p.quota_caps(run)
    japan = run["importer"] == "japan"
    assert caps[run["date"] == "2010-06"].isna().all()
    assert caps[run["date"] == "2011-01"].tolist() == pytest.approx([60.0] * 6)
    # A quota after the halt cuts from the exports before the halt, not from zero.
    assert caps[japan & (run["date"] == "2010-11")].tolist() == pytest.approx([60.0] * 2)
    assert caps[japan & (run["date"] == "2010-09")].isna().all()


def test_exports_well_below_the_quota_pass():
    check = p.exports_below_quota_after_spike(quota_run(30.0), NO_ACTIONS)
    assert check.passed
    assert "(0.50; by year 2012 0.50, 2013 0.50, 2014 0.50)" in check.measured


def test_a_quota_that_binds_to_the_end_fails():
    check = p.exports_below_quota_after_spike(quota_run(60.0), NO_ACTIONS)
    assert not check.passed
    assert "(1.00;" in check.measured


def test_no_quota_in_force_fails():
    check = p.exports_below_quota_after_spike(rounds(), NO_ACTIONS)
    assert not check.passed
    assert check.measured == "no export quota in force in 2012-2014"


# 3. diversification_stalls_when_prices_fall


def pipeline_growth(per_month_after_2013: float, closure_in_2015: float = 0.0) -> pd.DataFrame:
    """Separation under construction: +100 t/yr a month per material in 2011-2013, then
    the given pace; an operating plant of 5,000 t/yr, closed in 2015-10 if asked."""

    def pipeline(date: str, material: str, importer: str) -> float:
        month = (int(date[:4]) - 2011) * 12 + int(date[5:])  # 2011-01 is 1
        return 100.0 * min(max(month, 0), 36) + per_month_after_2013 * max(month - 36, 0)

    operating = between("2015-10", "2025-12", 5_000.0 - closure_in_2015, 5_000.0)
    return rounds(non_china_processing_pipeline=pipeline, non_china_processing_capacity=operating)


def test_capacity_added_per_year_counts_rises_only():
    run = pipeline_growth(100.0, closure_in_2015=5_000.0)
    assert p.capacity_added_per_year(run, 2011, 2013) == pytest.approx(2_400.0)
    # The closure costs only its own month's additions (2 x 100 t/yr over 4 years).
    assert p.capacity_added_per_year(run, 2014, 2017) == pytest.approx(2_400.0 - 50.0)


def test_a_stall_after_the_boom_passes():
    check = p.diversification_stalls_when_prices_fall(pipeline_growth(10.0), NO_ACTIONS)
    assert check.passed
    assert check.measured == "2011-2013 +2,400 t/yr a year, 2014-2017 +240 t/yr a year"


def test_a_faster_pace_fails_even_with_a_closure():
    check = p.diversification_stalls_when_prices_fall(
        pipeline_growth(150.0, closure_in_2015=5_000.0), NO_ACTIONS
    )
    assert not check.passed
    assert check.measured == "2011-2013 +2,400 t/yr a year, 2014-2017 +3,525 t/yr a year"


def test_no_boom_fails():
    check = p.diversification_stalls_when_prices_fall(rounds(), NO_ACTIONS)
    assert not check.passed
    assert check.measured == "2011-2013 +0 t/yr a year, 2014-2017 +0 t/yr a year"


# 4. high_cost_entrant_can_fail

SCRIPTED_CLOSURE = {
    "date": "2015-10",
    "actor": "molycorp",
    "action": "capacity",
    "material": "light",
    "parameters": "processing=0 t/yr",
    "source": "series",
}
ABANDON = {"date": "2016-01", "actor": "entrant_8", "action": "abandon", "source": "margin"}


def test_an_exit_after_losses_passes():
    exit_ = {"date": "2015-06", "actor": "entrant_3", "action": "exit", "source": "losses"}
    check = p.high_cost_entrant_can_fail(rounds(), actions(exit_, SCRIPTED_CLOSURE))
    assert check.passed
    assert check.measured.startswith("1 endogenous exit(s) 2012-2017: entrant_3 2015-06;")


def test_a_scripted_closure_or_an_abandoned_project_is_not_an_exit():
    late_exit = {"date": "2020-01", "actor": "entrant_3", "action": "exit", "source": "losses"}
    check = p.high_cost_entrant_can_fail(rounds(), actions(SCRIPTED_CLOSURE, ABANDON, late_exit))
    assert not check.passed
    assert check.measured == (
        "0 endogenous exit(s) 2012-2017; not counted: scripted closures (molycorp), "
        "1 abandoned project(s)"
    )


# 5. processing_share_sticky_while_mining_falls


def test_mining_share_falling_faster_than_processing_passes():
    run = rounds(
        china_mining_share=between("2024-01", "2024-12", 0.70, 0.97),
        china_processing_share=between("2024-01", "2024-12", 0.90, 0.97),
    )
    check = p.processing_share_sticky_while_mining_falls(run, NO_ACTIONS)
    assert check.passed
    assert check.measured == (
        "light mining share 0.97 -> 0.70 (-0.27), processing share 0.97 -> 0.90 (-0.07)"
    )


def test_processing_share_falling_as_fast_fails():
    run = rounds(
        china_mining_share=between("2024-01", "2024-12", 0.80, 0.97),
        china_processing_share=between("2024-01", "2024-12", 0.80, 0.97),
    )
    assert not p.processing_share_sticky_while_mining_falls(run, NO_ACTIONS).passed


# 6. heavy_leverage_outlasts_light


def leverage(light_in_2020: float) -> Callable[[str, str, str], float]:
    def value(date: str, material: str, importer: str) -> float:
        if material == "heavy":
            return 0.3
        return light_in_2020 if date.startswith("2020") else 0.0

    return value


def test_heavy_leverage_above_light_every_year_passes():
    check = p.heavy_leverage_outlasts_light(rounds(leverage=leverage(0.1)), NO_ACTIONS)
    assert check.passed
    assert check.measured.startswith("heavy above light in 11 of 11 years; smallest gap +0.20")


def test_light_leverage_above_heavy_in_one_year_fails():
    check = p.heavy_leverage_outlasts_light(rounds(leverage=leverage(0.5)), NO_ACTIONS)
    assert not check.passed
    assert "10 of 11 years" in check.measured
    assert "in 2020" in check.measured


# 7. restriction_leaks_through_others


def ban_run(leakage_during: float, banned: bool = True) -> pd.DataFrame:
    in_ban = between("2010-09", "2010-10", True, False)

    def policy(date: str, material: str, importer: str) -> str:
        return (
            "ban" if banned and importer == "japan" and in_ban(date, material, importer) else "open"
        )

    def leak(date: str, material: str, importer: str) -> float:
        return leakage_during if in_ban(date, material, importer) else 10.0

    return rounds(china_policy=policy, leakage=leak, non_china_supply=5.0)


def test_supply_that_rises_under_the_ban_passes():
    check = p.restriction_leaks_through_others(ban_run(40.0), NO_ACTIONS)
    assert check.passed
    assert check.measured == (
        "japan in 2010-09..2010-10: 90 t/month (leakage 80), before: 30 t/month (leakage 20)"
    )


def test_supply_that_dries_up_under_the_ban_fails():
    assert not p.restriction_leaks_through_others(ban_run(0.0), NO_ACTIONS).passed


def test_no_ban_fails():
    check = p.restriction_leaks_through_others(ban_run(40.0, banned=False), NO_ACTIONS)
    assert not check.passed
    assert check.measured == "no ban toward japan in 2010"


# All of them


def test_a_shorter_run_fails_the_windows_it_does_not_cover():
    results = {c.name: c for c in p.check_patterns(rounds(2009, 2012), NO_ACTIONS)}
    assert results["spike_then_decay"].measured == "run does not cover 2009-2014"
    assert results["heavy_leverage_outlasts_light"].measured == "run does not cover 2015-2025"
    assert results["processing_share_sticky_while_mining_falls"].measured == (
        "run does not cover 2024"
    )
    assert not any(c.passed for c in results.values() if c.measured.startswith("run does"))


def test_a_run_with_one_material_gets_a_verdict_on_every_pattern():
    """A user's scenario may model heavy rare earths alone: the checks that compare
    light with heavy fail with a reason, none raises."""
    heavy_only = rounds()
    heavy_only = heavy_only[heavy_only["material"] == "heavy"]
    results = {c.name: c for c in p.check_patterns(heavy_only, NO_ACTIONS)}
    assert len(results) == len(p.PATTERNS)
    sticky = results["processing_share_sticky_while_mining_falls"]
    assert not sticky.passed and sticky.measured == "the run lacks the light material"


@pytest.fixture(scope="module")
def history_checks() -> list[p.PatternCheck]:
    result = run_scenario(load_scenario("history", [("seed", 1)]))
    return p.check_patterns(result.rounds, result.actions)


def test_the_history_run_gets_one_verdict_per_pattern(history_checks):
    assert [c.name for c in history_checks] == [
        "spike_then_decay",
        "exports_below_quota_after_spike",
        "diversification_stalls_when_prices_fall",
        "high_cost_entrant_can_fail",
        "processing_share_sticky_while_mining_falls",
        "heavy_leverage_outlasts_light",
        "restriction_leaks_through_others",
    ]
    assert [c.name for c in history_checks] == [check.__name__ for check in p.PATTERNS]
    for check in history_checks:
        assert isinstance(check.passed, bool)
        assert check.measured and check.description and check.expected
        assert not check.measured.startswith("run does not cover")
