"""Restrictions announced ahead take effect on their date, and a suspension postpones
them (MOFCOM's 9 October 2025 expansion, in force from 1 December [E12], suspended
for a year after Busan before it took effect [E14])."""

from __future__ import annotations

import pandas as pd

from overplay.agents.actions import Action, Kind, Regime
from overplay.model import LeverageModel
from overplay.model.calendar import step_of_date
from tests.helpers import build, event, run, series


def heavy_to_japan(model: LeverageModel) -> Regime:
    return model.china.regime_toward("heavy", "japan")


def test_an_announced_ban_changes_nothing_until_its_month():
    model = build([event(3, "china", "ban", ["heavy"], ["japan"], effective_in_months=2)])
    rounds = run(model, 8)
    policy = series(rounds, "china_policy", "heavy")
    assert list(policy.loc[1:4]) == ["open"] * 4
    assert list(policy.loc[5:8]) == ["ban"] * 4
    shipped = series(rounds, "exports_from_china", "heavy")
    assert shipped.loc[4] > 0 and shipped.loc[5] == 0
    log = pd.DataFrame(model.action_log)
    bans = log[log.action == "ban"]
    assert list(bans.step) == [3, 5]
    assert list(bans.source) == ["event", "announced"]
    assert "takes effect" in bans.note.iloc[0]


def test_a_suspension_postpones_what_it_names_and_nothing_else():
    events = [
        event(2, "china", "ban", ["heavy"], ["japan"], effective_in_months=3),
        event(2, "china", "ban", ["light"], ["japan"], effective_in_months=3),
        event(3, "china", "suspend", ["heavy"], months=6),
    ]
    model = build(events)
    run(model, 8)
    assert heavy_to_japan(model) is Regime.OPEN  # due in month 5, postponed to 11
    assert model.china.regime_toward("light", "japan") is Regime.BAN
    run(model, 3)
    assert heavy_to_japan(model) is Regime.BAN


def test_a_second_suspension_postpones_again_and_restrictions_in_force_stay():
    model = build([event(2, "china", "quota", ["light"], cut=0.3)])
    run(model, 2)
    model.apply(Action("china", Kind.BAN, ("heavy",), ("japan",), {"effective_in_months": 2}))
    model.apply(Action("china", Kind.SUSPEND, params={"months": 3}))
    model.apply(Action("china", Kind.SUSPEND, params={"months": 3}))
    run(model, 7)
    assert heavy_to_japan(model) is Regime.OPEN  # due in month 4 + 6 = 10
    assert model.china.regime_toward("light", "us") is Regime.QUOTA  # not announced
    run(model, 1)
    assert heavy_to_japan(model) is Regime.BAN


def test_the_october_2025_expansion_never_cut_light_exports_in_2025():
    """licensing_2025: China's light export terms in October–December 2025 are
    September's, since the expansion was suspended before its date [E12, E14]; it takes
    effect when the suspension ends (November 2026)."""
    model = LeverageModel("licensing_2025", firms=60, rng=3)
    model.run(step_of_date(model.config.start, "2026-12"))
    rounds = model.datacollector.get_table_dataframe("rounds")
    light = rounds[rounds.material == "light"].set_index(["date", "importer"])
    terms = ["china_policy", "licence_approval_rate"]
    september = light.loc["2025-09", terms]
    for month in ("2025-10", "2025-11", "2025-12", "2026-10"):
        assert light.loc[month, terms].equals(september), month
    assert (light.loc["2025-09", "licence_approval_rate"] == 1.0).all()
    assert (light.loc["2026-12", "licence_approval_rate"] == 0.3).all()
