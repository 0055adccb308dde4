"""Restriction shading on the figures' time axes: the harshest regime China applied to
anyone each month, a licence that approves every request shown as open."""

from __future__ import annotations

import pandas as pd

from overplay.experiments.plots.timeline import harshest_regime, restriction_spans


def test_a_licence_approving_everything_is_not_shaded_and_a_real_one_is():
    rounds = pd.DataFrame(
        {
            "date": ["2015-01", "2015-01", "2015-02", "2015-02", "2015-03", "2015-03"],
            "material": ["light"] * 6,
            "china_policy": ["licensing", "open", "licensing", "quota", "licensing", "open"],
            "licence_approval_rate": [1.0, 1.0, 0.3, 1.0, 1.0, 1.0],
        }
    )
    regimes = harshest_regime(rounds, "light")
    assert list(regimes) == ["open", "quota", "open"]
    spans = restriction_spans(regimes)
    assert [(start.month, regime) for start, _, regime in spans] == [(2, "quota")]


def test_a_restriction_on_magnets_alone_is_shaded_too():
    rounds = pd.DataFrame(
        {
            "date": ["2025-04", "2025-05", "2025-06"],
            "material": ["light"] * 3,
            "china_policy": ["open"] * 3,
            "licence_approval_rate": [1.0] * 3,
            "china_magnet_policy": ["licensing", "licensing", "ban"],
            "magnet_licence_approval_rate": [0.3, 1.0, 0.0],
        }
    )
    assert list(harshest_regime(rounds, "light")) == ["licensing", "open", "ban"]
