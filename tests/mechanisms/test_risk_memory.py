"""Mechanism 3: perceived risk remembers refused supply — how hard, how often, how
recently — saturates gradually and fades (docs/odd.md §7.4)."""

from __future__ import annotations

import itertools

import pytest

from tests.helpers import build, event, run, series


def japan_heavy_risk(events: list[dict], months: int, **dotted) -> float:
    model = build(events, **dotted)
    run(model, months)
    return model.importers["japan"].risk["heavy"]


def licence(at: int, approval: float) -> dict:
    return event(
        at, "china", "license", ["heavy"], ["japan"], approval_rate=approval, delay_months=0
    )


def ban_for(at: int, months: int) -> list[dict]:
    return [
        event(at, "china", "ban", ["heavy"], ["japan"]),
        event(at + months, "china", "open", ["heavy"], ["japan"]),
    ]


def test_risk_follows_what_a_licence_refuses_not_that_it_exists():
    """A licence approving everything is not a standing restriction; the fewer it
    approves, the higher the risk."""
    open_trade = japan_heavy_risk([], 24)
    approve_all, approve_90, approve_30 = (
        japan_heavy_risk([licence(2, a)], 24) for a in (1.0, 0.9, 0.3)
    )
    assert approve_all == pytest.approx(open_trade, abs=1e-9)
    assert open_trade < approve_90 < approve_30


def test_every_further_restriction_still_raises_risk():
    """Dose–response: one to five three-month bans a year apart; risk at the end rises
    with each, and one ban leaves it well short of certainty."""
    risks = [
        japan_heavy_risk([e for k in range(bans) for e in ban_for(2 + 12 * k, 3)], 60)
        for bans in range(1, 6)
    ]
    assert all(later > earlier for earlier, later in itertools.pairwise(risks))
    assert risks[0] < 0.8
    assert risks[-1] - risks[-2] > 0.005  # the fifth ban still moves it


def test_a_longer_ban_and_a_recent_one_weigh_more():
    short, long_ = (japan_heavy_risk(ban_for(2, months), 30) for months in (2, 8))
    assert long_ > short
    early, recent = (japan_heavy_risk(ban_for(at, 3), 60) for at in (2, 50))
    assert recent > early


def test_the_memory_halves_every_half_life_once_refusals_and_shortages_stop():
    model = build(ban_for(2, 3), **{"risk.half_life_months": 12})
    run(model, 12)
    memory = model.importer_arrays.refusal_memory
    at_start = memory.copy()
    for _ in range(12):
        model.step()
        assert not model.last.shortage.any()  # nothing adds to the memory
    assert memory[1, 1] == pytest.approx(0.5 * at_start[1, 1], rel=1e-12)
    assert memory[1, 1] > 0


def test_the_target_feels_more_than_a_coordinating_ally_and_an_ally_more_than_others():
    coordinate = [event(1, name, "coordinate") for name in ("japan", "us")]
    model = build([*coordinate, *ban_for(2, 3)])
    rounds = run(model, 6)
    japan, us, eu = (
        series(rounds, "perceived_risk", "heavy", n).loc[6] for n in ("japan", "us", "eu")
    )
    assert japan > us > eu > 0


def test_half_saturation_sets_how_fast_risk_approaches_one():
    """Magnitude: risk is 1 − 2^(−sensitivity × memory / H), so the same ban alarms
    less when H is larger."""
    risks = {}
    for half in (3.0, 6.0):
        model = build(ban_for(2, 3), **{"risk.half_saturation_months": half})
        run(model, 8)
        memory = model.importer_arrays.refusal_memory[1, 1]  # japan, heavy
        sensitivity = model.config.importers["japan"].risk_sensitivity
        risks[half] = model.importers["japan"].risk["heavy"]
        assert risks[half] == pytest.approx(1 - 0.5 ** (sensitivity * memory / half), rel=1e-12)
    assert risks[6.0] < risks[3.0]
