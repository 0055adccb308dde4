"""China's rule-based strategies: one test class each, on the base class of ``base.py``."""

from __future__ import annotations

import pytest

from overplay.agents.strategies import StrategyError, make_strategy
from overplay.agents.strategies.china import (
    AlwaysBan,
    AlwaysOpen,
    CalibratedRestraint,
    Escalation,
    Hold,
    PeriodicCoercion,
    PriceWarOnEntrants,
    ReserveSteward,
    TitForTat,
)
from tests.helpers import event, run, series
from tests.strategies.base import (
    BOTH,
    EVERYWHERE,
    IMPORTERS,
    StrategyTest,
    calm,
    china,
    rule_classifier,
)


class TestAlwaysOpen(StrategyTest):
    name = "always_open"
    player = AlwaysOpen
    expected_classifier = rule_classifier(restricts=False)

    def test_scripted_match(self):
        """Lifts every restriction it finds."""
        self.versus_test(
            [
                {},
                {"regimes": {("heavy", "japan"): "ban"}},
                {},
                {"regimes": {"us": "licensing"}, "retaliation": {"us": 1.0}},
            ],
            [(), (china("open", ["heavy"], ["japan"]),), (), (china("open", BOTH, ["us"]),)],
        )

    def test_in_model(self):
        """Lifts a scripted ban at the next round."""
        model = self.build([event(2, "china", "ban", ["heavy"], ["japan"])])
        policy = series(run(model, 6), "china_policy", "heavy", "japan")
        assert policy.loc[2] == "ban" and policy.loc[4] == "open"


class TestHold(StrategyTest):
    name = "hold"
    player = Hold
    expected_classifier = rule_classifier(restricts=False)

    def test_scripted_match(self):
        """Never acts."""
        self.versus_test(
            [
                {},
                {"regimes": {"japan": "ban"}},
                {"retaliation": 1.0},
                {"deal_offers": {"us": 900.0}},
                {"diversification_momentum": 0.5},
            ],
            [(), (), (), (), ()],
        )

    def test_in_model(self):
        """Keeps a scripted ban."""
        rounds = run(self.build([event(2, "china", "ban", ["heavy"], ["japan"])]), 12)
        assert (series(rounds, "china_policy", "heavy", "japan").loc[2:] == "ban").all()


class TestPeriodicCoercion(StrategyTest):
    name = "periodic_coercion"
    player = PeriodicCoercion
    expected_classifier = rule_classifier(restricts=True)

    def test_scripted_match(self):
        """Restricts every period for its duration."""
        ban, reopen = china("ban"), china("open", BOTH, EVERYWHERE)
        # Rounds 0..8: from round 1, every 4 rounds a ban that is lifted 2 rounds later.
        self.versus_test(
            calm(9), [(), (ban,), (), (reopen,), (), (ban,), (), (reopen,), ()], round=0
        )

    def test_with_licensing_one_target_and_a_restriction_for_good(self):
        license_japan = china("license", ["heavy"], ["japan"], approval_rate=0.3, delay_months=3.0)
        self.versus_test(
            calm(4),
            [(license_japan,), (china("open", ["heavy"], ["japan"]),), (), (license_japan,)],
            params={
                "instrument": "licensing",
                "materials": ["heavy"],
                "targets": ["japan"],
                "period_rounds": 3,
                "duration_rounds": 1,
                "start_round": 0,
            },
            round=0,
        )
        quota = china("quota", cut=0.6)
        self.versus_test(
            calm(5),
            [(), (quota,), (), (quota,), ()],
            params={"instrument": "quota", "cut": 0.6, "period_rounds": 2, "duration_rounds": 2},
            round=0,
        )

    def test_in_model(self):
        """Bans from round one for two rounds every four."""
        policy = series(run(self.build(), 18), "china_policy", "light", "us")
        # Decision rounds fall on months 1, 4, 7, ...: round r on month 3r + 1.
        assert policy.loc[3] == "open"
        assert (policy.loc[4:9] == "ban").all()
        assert (policy.loc[10:15] == "open").all()
        assert policy.loc[16] == "ban"


class TestCalibratedRestraint(StrategyTest):
    name = "calibrated_restraint"
    player = CalibratedRestraint
    expected_classifier = rule_classifier(memory_depth=1, restricts=True)

    def test_scripted_match(self):
        """Licenses one target briefly and takes good deals."""
        license_ = {"approval_rate": 0.6, "delay_months": 2.0}
        script = calm(11)
        script[4] = {"deal_offers": {"japan": 150.0, "us": 50.0}}
        script[9] = {"retaliation": {"eu": 1.0, "us": 0.5}}
        self.versus_test(
            script,
            [
                (),  # round 0: before start
                (china("license", ["heavy"], ["us"], **license_),),  # episode 0: first in turn
                (china("open", ["heavy"], ["us"]),),  # after 1 round
                (),
                (china("accept_deal", importer="japan"),),
                (),
                (),
                (),
                (),
                (china("license", ["heavy"], ["eu"], **license_),),  # the worst retaliator
                (china("open", ["heavy"], ["eu"]),),
            ],
            round=0,
        )

    def test_backs_off_under_momentum_or_lost_reputation(self):
        script = calm(10)
        script[1] = {"diversification_momentum": {"heavy": 0.2}}
        script[9] = {"reputation": {"japan": 0.7}}
        self.versus_test(script, [()] * 10, round=0)

    def test_in_model(self):
        """Licenses heavy to one importer for one round."""
        rounds = run(self.build(), 9)
        assert series(rounds, "china_policy", "heavy", "us").loc[4] == "licensing"
        assert series(rounds, "china_policy", "heavy", "us").loc[7] == "open"
        assert (series(rounds, "china_policy", "heavy", "japan") == "open").all()
        assert (series(rounds, "china_policy", "light", "us") == "open").all()


class TestTitForTat(StrategyTest):
    name = "tit_for_tat"
    player = TitForTat
    expected_classifier = rule_classifier(memory_depth=1, restricts=True)

    def test_scripted_match(self):
        """Restricts retaliators and reopens when they stop or pay."""
        license_ = {"approval_rate": 0.4, "delay_months": 3.0}
        self.versus_test(
            [
                {},
                {"retaliation": {"us": 1.0}},
                {"retaliation": {"us": 1.0}},
                {"retaliation": {"us": 1.0}, "deal_offers": {"us": 200.0}},
                {},
                {"retaliation": {"japan": 0.5}},
                {},
            ],
            [
                (),
                (china("license", ["heavy"], ["us"], **license_),),
                (),
                (china("accept_deal", importer="us"), china("open", ["heavy"], ["us"])),
                (),
                (china("license", ["heavy"], ["japan"], **license_),),
                (china("open", ["heavy"], ["japan"]),),
            ],
        )

    def test_in_model(self):
        """Answers retaliation and forgives."""
        events = [event(1, "us", "retaliate", level=1.0), event(5, "us", "retaliate", level=0.0)]
        rounds = run(self.build(events), 9)
        policy = series(rounds, "china_policy", "heavy", "us")
        assert policy.loc[1] == "licensing" and policy.loc[7] == "open"
        assert (series(rounds, "china_policy", "heavy", "eu") == "open").all()


class TestAlwaysBan(StrategyTest):
    name = "always_ban"
    player = AlwaysBan
    expected_classifier = rule_classifier(restricts=True)

    def test_scripted_match(self):
        """Bans everything and keeps it banned."""
        self.versus_test(
            [
                {},
                {},
                {"regimes": {("light", "us"): "open"}},
                {"retaliation": 1.0, "deal_offers": {"us": 900.0, "japan": 900.0}},
            ],
            [
                (china("ban", BOTH, EVERYWHERE),),
                (),
                (china("ban", ["light"], ["us"]),),
                (),
            ],
        )

    def test_in_model(self):
        """Bans every pair for good."""
        # An event opening everything on a decision month is undone the same month.
        model = self.build([event(4, "china", "open")])
        rounds = run(model, 12)
        assert (rounds["china_policy"] == "ban").all()
        assert all(p.regime.value == "ban" for p in model.china.policy.values())


class TestEscalation(StrategyTest):
    name = "escalation"
    player = Escalation
    expected_classifier = rule_classifier(memory_depth=1, restricts=True)

    def test_scripted_match(self):
        """Climbs one rung a round while retaliated against, then steps down."""
        both = ("light", "heavy")
        us = ("us",)
        retaliating, stopped = {"retaliation": {"us": 1.0}}, {}
        self.versus_test(
            [{}, *[retaliating] * 4, *[stopped] * 4],
            [
                (),
                (china("license", both, us, approval_rate=0.5, delay_months=2.0),),
                (china("quota", both, us, cut=0.4),),
                (china("ban", both, us),),
                (),  # top of the ladder
                (china("quota", both, us, cut=0.4),),  # retaliation stopped: one rung down
                (china("license", both, us, approval_rate=0.5, delay_months=2.0),),
                (china("open", BOTH, us),),
                (),
            ],
        )

    def test_accepts_a_deal_instead_of_climbing(self):
        self.versus_test(
            [
                {"retaliation": {"japan": 1.0}},
                {"retaliation": {"japan": 1.0}, "deal_offers": {"japan": 150.0}},
                {},
            ],
            [
                (china("license", ["heavy"], ["japan"], approval_rate=0.5, delay_months=2.0),),
                (china("accept_deal", importer="japan"),),  # the deal opens japan and ends it
                (),
            ],
            params={"materials": ["heavy"]},
        )

    def test_skips_quotas_after_a_wto_ruling(self):
        both, us = ("light", "heavy"), ("us",)
        self.versus_test(
            [{"retaliation": {"us": 1.0}}, {"retaliation": {"us": 1.0}}, {}, {}],
            [
                (china("license", both, us, approval_rate=0.5, delay_months=2.0),),
                (china("ban", both, us),),
                (china("license", both, us, approval_rate=0.5, delay_months=2.0),),
                (china("open", BOTH, us),),
            ],
            quota_allowed=False,
        )

    def test_against_all_climbs_against_every_importer_while_any_retaliates(self):
        licence = {"approval_rate": 0.5, "delay_months": 2.0}
        self.versus_test(
            [{"retaliation": {"eu": 1.0}}, {}],
            [
                tuple(china("license", ["heavy"], [n], **licence) for n in IMPORTERS),
                tuple(china("open", ["heavy"], [n]) for n in IMPORTERS),
            ],
            params={"against": "all", "materials": ["heavy"]},
        )

    def test_reads_its_rung_off_the_policy_in_force(self):
        """A ban put in place by a scripted event is stepped down like its own."""
        self.versus_test(
            [{"regimes": {("heavy", "japan"): "ban"}}],
            [(china("quota", ("light", "heavy"), ["japan"], cut=0.4),)],
        )

    def test_in_model(self):
        """Climbs against the retaliator and climbs down after."""
        events = [event(1, "us", "retaliate", level=1.0), event(11, "us", "retaliate", level=0.0)]
        rounds = run(self.build(events), 21)
        policy = series(rounds, "china_policy", "heavy", "us")
        assert [policy.loc[s] for s in (1, 4, 7, 10, 13, 16, 19)] == [
            "licensing",
            "quota",
            "ban",
            "ban",
            "quota",
            "licensing",
            "open",
        ]
        assert (series(rounds, "china_policy", "heavy", "japan") == "open").all()


class TestPriceWarOnEntrants(StrategyTest):
    name = "price_war_on_entrants"
    player = PriceWarOnEntrants
    expected_classifier = rule_classifier(memory_depth=1, restricts=False)

    def test_scripted_match(self):
        """Starts and ends with diversification momentum."""
        self.versus_test(
            [
                {},
                {"diversification_momentum": {"light": 0.15}},
                {"diversification_momentum": {"light": 0.05}},
                {
                    "diversification_momentum": {"light": 0.05},
                    "regimes": {("light", "japan"): "ban", ("heavy", "us"): "ban"},
                },
                {"diversification_momentum": {"light": 0.01}},
                {"diversification_momentum": {"light": 0.05}},
                {"diversification_momentum": {"light": 0.2, "heavy": 0.3}},
            ],
            [
                (),
                (china("price_war", ["light"], discount=0.3),),
                (),  # between the thresholds: go on
                (china("open", ["light"], ["japan"]),),  # keeps the war's exports open
                (china("price_war", ["light"], active=False),),
                (),
                (
                    china("open", ["heavy"], ["us"]),
                    china("price_war", ["light", "heavy"], discount=0.3),
                ),
            ],
        )

    def test_thresholds_must_be_ordered(self):
        with pytest.raises(StrategyError, match="stop_momentum"):
            make_strategy(self.name, {"start_momentum": 0.05, "stop_momentum": 0.1}, self.role)

    def test_in_model(self):
        """Answers subsidised entry with a price war."""
        events = [
            event(1, "japan", "subsidize", ["light"], usd_m_per_year=1200, stage="processing"),
            event(13, "japan", "subsidize", ["light"], usd_m_per_year=0, stage="processing"),
        ]
        model = self.build(events, seed=3, years=5)
        war = []
        for _ in range(60):
            model.step()
            war.append(
                (
                    model.step_count,
                    model.china.price_war["light"],
                    model.diversification_momentum("light"),
                )
            )
        started = next(step for step, discount, _ in war if discount > 0)
        # The subsidy becomes projects at the investment round of month 13; China answers
        # at the next decision round.
        assert started == 16
        assert war[started - 2][2] > 0.10  # momentum seen at that round
        ended = next(step for step, discount, _ in war if step > started and discount == 0)
        assert war[ended - 2][2] < 0.02
        assert all(p.regime.value == "open" for p in model.china.policy.values())
        assert model.china.price_war["heavy"] == 0.0


class TestReserveSteward(StrategyTest):
    name = "reserve_steward"
    player = ReserveSteward
    expected_classifier = rule_classifier(restricts=False)

    def test_scripted_match(self):
        """Cracks down once; buys while the domestic price is low, stops in between,
        sells while it is high and the reserve holds something."""
        output = {"legal_output": {"light": 1000.0, "heavy": 100.0}}
        self.versus_test(
            [
                {**output, "domestic_price_multiple": {"light": 1.0, "heavy": 0.9}},
                {**output, "domestic_price_multiple": {"light": 1.2, "heavy": 0.9}},
                {
                    **output,
                    "domestic_price_multiple": {"light": 2.0, "heavy": 1.6},
                    "reserve_t": {"light": 300.0, "heavy": 0.0},
                },
            ],
            [
                (
                    china("enforce", level=1.0),
                    china("reserve", ["light"], t_per_month=50.0),
                    china("reserve", ["heavy"], t_per_month=5.0),
                ),
                (china("reserve", ["light"], t_per_month=0.0),),  # heavy: same rate
                (
                    china("reserve", ["light"], t_per_month=-50.0),
                    china("reserve", ["heavy"], t_per_month=0.0),  # nothing to sell
                ),
            ],
        )

    def test_thresholds_must_be_ordered(self):
        with pytest.raises(StrategyError, match="sell_above"):
            make_strategy(self.name, {"buy_below": 1.5, "sell_above": 1.2}, self.role)

    def test_in_model(self):
        """Under a production quota the reserve fills while prices are normal and black
        output is cracked down on."""
        model = self.build(materials__light__china_production_quota_t_per_year=400_000.0)
        rounds = run(model, 24)
        assert series(rounds, "china_reserve_t").iloc[-1] > 0
        assert series(rounds, "china_illegal_output").iloc[-1] == 0.0
        assert all(p.regime.value == "open" for p in model.china.policy.values())
