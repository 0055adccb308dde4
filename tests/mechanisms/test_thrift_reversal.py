"""Thrift is partly reversible (``docs/odd.md`` §7.7): once prices and risk no longer
push firms to thrift, the reversible part fades and the sticky share stays (redesigns
stay [X06]; switched materials come back [X07])."""

from __future__ import annotations

import pytest

from tests.helpers import build, event, run, series

TWO_YEARS_OF_LICENSING = [
    event(1, "china", "license", approval_rate=0.4, delay_months=0),
    event(25, "china", "open"),
]


@pytest.fixture(scope="module")
def thrift():
    rounds = run(build(TWO_YEARS_OF_LICENSING, seed=3, years=15), 180)
    return {m: series(rounds, "thrift", m) for m in ("light", "heavy")}


def test_thrift_falls_back_but_not_below_its_sticky_share(thrift):
    for material, sticky in (("light", 0.5), ("heavy", 0.9)):
        peak, last = thrift[material].max(), thrift[material].iloc[-1]
        assert last < peak * 0.97  # it does come back ...
        assert last > peak * sticky * 0.95  # ... but the sticky share stays


def test_more_of_light_thrift_comes_back_than_of_heavy(thrift):
    kept = {m: thrift[m].iloc[-1] / thrift[m].max() for m in thrift}
    assert kept["light"] < kept["heavy"]


def test_with_everything_sticky_thrift_never_falls():
    model = build(
        TWO_YEARS_OF_LICENSING,
        seed=3,
        years=15,
        materials__light__thrift_sticky_share=1.0,
    )
    light = series(run(model, 180), "thrift", "light")
    assert (light.diff().dropna() >= -1e-12).all()
