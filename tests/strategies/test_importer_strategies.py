"""Importers' rule-based strategies: one test class each, on the base class of ``base.py``."""

from __future__ import annotations

import numpy as np
import pytest

from overplay.agents.actions import Action, Kind
from overplay.agents.strategies import StrategyError, make_strategy
from overplay.agents.strategies.importer import (
    Coordinator,
    Negotiator,
    Passive,
    Retaliator,
    StockpileOnly,
    ThresholdDiversifier,
)
from tests.helpers import build, event, run, series
from tests.strategies.base import (
    StrategyTest,
    actions_of,
    by,
    importer_obs,
    rule_classifier,
    view,
)


class TestPassive(StrategyTest):
    name = "passive"
    player = Passive
    expected_classifier = rule_classifier(retaliates=False)

    def test_scripted_match(self):
        """Never acts."""
        self.versus_test(
            [{}, {"regimes": "ban", "risk": 1.0, "shortage": 0.5}, {"regimes": "quota"}],
            [(), (), ()],
        )

    def test_in_model(self):
        """Takes no action even when banned."""
        model = self.build([event(2, "china", "ban")])
        run(model, 12)
        assert not [r for r in model.action_log if r["actor"] in model.importers]


class TestThresholdDiversifier(StrategyTest):
    name = "threshold_diversifier"
    player = ThresholdDiversifier
    expected_classifier = rule_classifier(memory_depth=1, retaliates=False)

    def test_scripted_match(self):
        """Acts in proportion to risk above its threshold."""
        at_risk = {"risk": {"heavy": 0.75}}
        self.versus_test(
            [
                {},
                at_risk,
                at_risk,
                {**at_risk, "regimes": {"heavy": "quota"}},
                {**at_risk, "regimes": {"heavy": "ban"}, "shortage": {"heavy": 0.2}},
                {"risk": 0.2},
            ],
            [
                (),
                # 120 days × 0.75; 400 × 0.75 × 0.6 (heavy's share of import value) split
                # 70/30; R&D 200 × 0.75 × 0.6.
                (
                    by("japan", "stockpile", ["heavy"], target_days=90.0),
                    by("japan", "subsidize", ["heavy"], usd_m_per_year=126.0, stage="processing"),
                    by("japan", "subsidize", ["heavy"], usd_m_per_year=54.0, stage="mining"),
                    by("japan", "research", ["heavy"], usd_m_per_year=90.0),
                    by("japan", "coordinate", active=True),
                ),
                (),
                (by("japan", "wto_case"),),
                (by("japan", "offer_deal", concession_usd_m=500.0),),
                # Risk faded: budgets stop, stockpiles stay, coordination ends.
                (
                    by("japan", "subsidize", ["heavy"], usd_m_per_year=0.0, stage="processing"),
                    by("japan", "subsidize", ["heavy"], usd_m_per_year=0.0, stage="mining"),
                    by("japan", "research", ["heavy"], usd_m_per_year=0.0),
                    by("japan", "coordinate", active=False),
                ),
            ],
        )

    def test_a_later_programme_needs_a_new_episode(self):
        """With three-year programmes: after one ended, a quota starts another if trade
        was open since that programme began (a new episode), not if the quota is the
        crisis it answered; nothing starts while a programme runs, or with trade open."""
        at_risk = {"risk": {"heavy": 0.75}, "research": {"heavy": 90.0}}

        def subsidies(months_since: float, opened: bool, regime: str = "quota") -> tuple:
            actions = self.player(programme_years=3.0).decide(
                importer_obs(
                    regimes={"heavy": view(regime, cut=0.4)},
                    months_since_programme={"heavy": months_since},
                    open_since_programme={"heavy": opened},
                    stockpile_target_days={"heavy": 90.0},
                    coordinating=True,
                    **at_risk,
                ),
                np.random.default_rng(0),
            )
            return tuple(a for a in actions if a.kind is Kind.SUBSIDIZE)

        new = subsidies(6, opened=True)
        assert [a.param("usd_m_per_year") for a in new] == pytest.approx([126.0, 54.0])
        assert [a.param("years") for a in new] == [3.0, 3.0]
        assert subsidies(6, opened=False) == ()
        assert subsidies(-3, opened=True) == ()
        assert subsidies(6, opened=True, regime="open") == ()
        assert len(subsidies(float("inf"), opened=False)) == 2  # the first programme

    def test_a_programme_ends_by_itself_and_a_new_ban_starts_the_next(self):
        """In the model: a one-year programme under a ban stops after a year though the
        ban goes on; if trade reopened and a second ban came meanwhile, a second
        programme follows the first without a gap."""
        ban = event(2, "china", "ban", ["heavy"], ["japan"])
        model = build(
            [ban],
            importers__japan__strategy={
                "name": self.name,
                "params": {"programme_years": 1.0},
            },
            years=3,
        )
        japan = model.importers["japan"]
        run(model, 7)
        assert japan.subsidy[("heavy", "processing")] > 0
        run(model, 12)
        assert japan.subsidy[("heavy", "processing")] == 0  # still banned, no new episode
        reopen = [ban, event(8, "china", "open", ["heavy"], ["japan"])]
        again = build(
            [*reopen, event(11, "china", "ban", ["heavy"], ["japan"])],
            importers__japan__strategy={"name": self.name, "params": {"programme_years": 1.0}},
            years=3,
        )
        paid = []
        for _ in range(28):
            run(again, 1)
            paid.append(again.importers["japan"].subsidy[("heavy", "processing")] > 0)
        first = paid.index(True)
        # The second episode began during the first programme: the next follows it
        # without a month's gap, and each runs exactly twelve months.
        assert paid[first : first + 24] == [True] * 24 and not any(paid[first + 24 :])
        starts = [
            row["date"]
            for row in actions_of(again, "japan")
            if row["action"] == "subsidize"
            and "stage=processing" in row["parameters"]
            and row["material"] == "heavy"
        ]
        assert len(starts) == 2, starts

    def test_retaliates_while_banned_if_enabled(self):
        self.versus_test(
            [{"regimes": {"heavy": "ban"}}, {"regimes": {"heavy": "ban"}}, {}],
            [(by("us", "retaliate", level=1.0),), (), (by("us", "retaliate", level=0.0),)],
            params={"retaliate_on_ban": True},
            name="us",
        )

    def test_in_model(self):
        """Stockpiles, subsidises and coordinates when banned."""
        model = self.build([event(2, "china", "ban", ["heavy"], ["japan"])])
        japan = model.importers["japan"]
        before = japan.stockpile_target_days["heavy"]
        run(model, 7)  # two decision rounds into the ban
        assert japan.stockpile_target_days["heavy"] > before + 10
        assert japan.subsidy[("heavy", "processing")] > 0 and japan.research["heavy"] > 0
        assert japan.coordinating
        assert japan.subsidy[("light", "processing")] == 0  # light is not at risk


class TestStockpileOnly(StrategyTest):
    name = "stockpile_only"
    player = StockpileOnly
    expected_classifier = rule_classifier(retaliates=False)

    def test_scripted_match(self):
        """Raises targets with risk and never lowers them."""
        self.versus_test(
            [
                {},
                {"risk": {"heavy": 0.5}},
                {"risk": {"heavy": 0.5}},
                {"risk": {"heavy": 0.52}},  # 93.6 days: within 5 days of 90
                {"risk": {"light": 0.5, "heavy": 1.0}},
                {"risk": 0.1, "regimes": "ban", "shortage": 0.5},
            ],
            [
                (),
                (by("japan", "stockpile", ["heavy"], target_days=90.0),),
                (),
                (),
                (
                    by("japan", "stockpile", ["light"], target_days=90.0),
                    by("japan", "stockpile", ["heavy"], target_days=180.0),
                ),
                (),  # nothing else, ever
            ],
        )

    def test_in_model(self):
        """Raises the target and does nothing else."""
        model = self.build([event(2, "china", "ban", ["heavy"], ["japan"])])
        run(model, 12)
        japan = model.importers["japan"]
        assert japan.stockpile_target_days["heavy"] > 60
        assert {r["action"] for r in actions_of(model, "japan")} == {"stockpile"}
        assert japan.retaliation == 0 and not japan.coordinating and not any(japan.subsidy.values())


class TestRetaliator(StrategyTest):
    name = "retaliator"
    player = Retaliator
    expected_classifier = rule_classifier(retaliates=True)

    def test_scripted_match(self):
        """Retaliates while restricted and stops when China reopens."""
        full = by("us", "retaliate", level=1.0, instrument="chip_controls")
        stop = by("us", "retaliate", level=0.0, instrument="chip_controls")
        self.versus_test(
            [
                {},
                {"regimes": {"heavy": view("licensing", approval_rate=0.5, delay_months=2)}},
                {"regimes": {"heavy": view("licensing", approval_rate=0.5, delay_months=2)}},
                {"regimes": {"light": "quota"}},
                {},
                # A licence approving everything once reviewed is not a restriction...
                {"regimes": {"heavy": view("licensing", delay_months=2, months_in_place=3)}},
                # ... but one still under review is.
                {"regimes": {"heavy": view("licensing", delay_months=2, months_in_place=1)}},
            ],
            [(), (full,), (), (), (stop,), (), (full,)],
            name="us",
        )

    def test_in_model(self):
        """Retaliates while banned, at a cost to China."""
        events = [
            event(2, "china", "ban", ["heavy"], ["japan"]),
            event(8, "china", "open", ["heavy"], ["japan"]),
        ]
        model = self.build(events)
        level = {}
        for _ in range(12):
            model.step()
            level[model.step_count] = model.importers["japan"].retaliation
        assert level[3] == 0.0 and level[4] == 1.0 and level[9] == 1.0 and level[10] == 0.0
        unanswered = build(events).run(12)
        assert model.payoff["china"] < unanswered.payoff["china"]  # retaliation cost China


class TestNegotiator(StrategyTest):
    name = "negotiator"
    player = Negotiator
    expected_classifier = rule_classifier(retaliates=False)

    def test_scripted_match(self):
        """Offers deals when restricted or short and never retaliates."""
        offer = by("eu", "offer_deal", concession_usd_m=500.0, months=12.0)
        self.versus_test(
            [
                {},
                {"regimes": {"heavy": "ban"}},
                {"regimes": {"heavy": "ban"}, "deal_pending": True},
                {"regimes": {"heavy": "ban"}},  # the offer lapsed: offer again
                {"shortage": {"light": 0.1}},
                {"shortage": {"light": 0.01}},
                {"regimes": "ban", "retaliating": 0.0, "risk": 1.0, "deal_pending": True},
            ],
            [(), (offer,), (), (offer,), (offer,), (), ()],
            name="eu",
        )

    def test_in_model(self):
        """Buys an end to a ban from a deal-taking China."""
        # calibrated_restraint takes deals worth 100 USD m or more (and leaves light alone).
        model = self.build(
            [event(2, "china", "ban", targets=["us"])],
            importer="us",
            china__strategy="calibrated_restraint",
        )
        rounds = run(model, 12)
        policy = series(rounds, "china_policy", "light", "us")
        assert (policy.loc[2:6] == "ban").all() and (policy.loc[7:] == "open").all()
        us = [(r["step"], r["action"]) for r in actions_of(model, "us")]
        assert us[0] == (4, "offer_deal")
        assert {action for _, action in us} == {"offer_deal"}  # never retaliates
        assert any(r["action"] == "accept_deal" for r in actions_of(model, "china"))
        assert model.china.truce_until["us"] >= 7 + 12


class TestCoordinator(StrategyTest):
    name = "coordinator"
    player = Coordinator
    expected_classifier = rule_classifier(memory_depth=1, retaliates=False)

    def test_scripted_match(self):
        """Joins allies and subsidises above its threshold, and stands down."""

        def subsidies(light: float, heavy: float) -> tuple[Action, ...]:
            return tuple(
                by("japan", "subsidize", [m], usd_m_per_year=total * share, stage=stage)
                for m, total in (("light", light), ("heavy", heavy))
                for stage, share in (("processing", 0.7), ("mining", 0.3))
            )

        self.versus_test(
            [
                {},
                {"risk": {"heavy": 0.4}},
                {"risk": {"heavy": 0.2}},
                {"risk": {"heavy": 0.1}},
                {"risk": {"heavy": 0.2}},
            ],
            [
                (),
                # 400 USD m/yr split by import value (light 0.4, heavy 0.6), 70 % to processing.
                (by("japan", "coordinate", active=True), *subsidies(160.0, 240.0)),
                (),  # between the thresholds: stay
                (by("japan", "coordinate", active=False), *subsidies(0.0, 0.0)),
                (),  # below the threshold: stay out
            ],
        )

    def test_without_allies_only_subsidises(self):
        self.versus_test(
            [{"risk": 0.5}],
            [
                (
                    by("japan", "subsidize", ["light"], usd_m_per_year=40.0, stage="processing"),
                    by("japan", "subsidize", ["heavy"], usd_m_per_year=60.0, stage="processing"),
                )
            ],
            params={"subsidy_usd_m_per_year": 100.0, "processing_share_of_subsidy": 1.0},
            allies=(),
        )

    def test_thresholds_must_be_ordered(self):
        with pytest.raises(StrategyError, match="stand_down_risk"):
            make_strategy(self.name, {"risk_threshold": 0.2, "stand_down_risk": 0.3}, self.role)

    def test_in_model(self):
        """Coordinates while at risk and stands down after."""
        model = self.build(
            [
                event(2, "china", "ban", ["heavy"], ["japan"]),
                event(5, "china", "open", ["heavy"], ["japan"]),
            ],
            risk__half_life_months=3,
        )
        japan = model.importers["japan"]
        run(model, 4)
        assert japan.coordinating and japan.subsidy[("heavy", "processing")] > 0
        run(model, 20)
        assert not japan.coordinating and not any(japan.subsidy.values())
        assert [r["action"] for r in actions_of(model, "japan") if r["action"] == "coordinate"] == [
            "coordinate",
            "coordinate",
        ]
