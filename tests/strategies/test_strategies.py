"""Strategies, tested the Axelrod library's way.

Each rule-based strategy of ``agents/strategies/china.py`` and ``importer.py`` gets

* a scripted match (``versus_test``): a sequence of situations — what the other
  players and scripted events do, round by round — and the exact actions the strategy
  must answer with in each. Between rounds the strategy's own actions are carried
  into the next observation (its bans stay in force, its stockpile targets stay set),
  as the model would;
* an in-model check: a small running model (``tests.helpers.build``) in which the
  strategy does what its docstring says.

A generic test over the whole registry (like Axelrod's ``TestPlayer``) checks the
base contract of every strategy, whoever wrote it; and the generated catalogue
``docs/strategies.md`` must match the registry.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pytest

from overplay.agents.actions import REGIME_OF_KIND, Action, Kind
from overplay.agents.observations import ChinaObservation, ImporterObservation, PolicyView
from overplay.agents.strategies import REGISTRY, StrategyError, make_strategy
from overplay.agents.strategies.base import CLASSIFIER_DEFAULTS, Strategy
from overplay.experiments import catalogue
from tests.helpers import build, event, run, series

MATERIALS = ("light", "heavy")
IMPORTERS = ("us", "japan", "eu")
DESTINATIONS = (*IMPORTERS, "other")
#: Materials and destinations as the strategies' covering actions list them (sorted).
BOTH = ("heavy", "light")
EVERYWHERE = ("eu", "japan", "other", "us")
RULE_MODULES = ("overplay.agents.strategies.china", "overplay.agents.strategies.importer")

SCRIPTED: set[tuple[str, str]] = set()
IN_MODEL: set[tuple[str, str]] = set()


def scripted(role: str, name: str) -> Callable:
    """Mark a test as the scripted match of strategy ``(role, name)``."""

    def mark(test: Callable) -> Callable:
        SCRIPTED.add((role, name))
        return test

    return mark


def in_model(role: str, name: str) -> Callable:
    """Mark a test as the in-model check of strategy ``(role, name)``."""

    def mark(test: Callable) -> Callable:
        IN_MODEL.add((role, name))
        return test

    return mark


# -- observation factories ------------------------------------------------------------------
def view(
    regime: str = "open",
    approval_rate: float = 1.0,
    delay_months: float = 0.0,
    cut: float = 0.0,
    months_in_place: int = 0,
) -> PolicyView:
    """China's regime toward one destination for one material."""
    return PolicyView(regime, approval_rate, delay_months, cut, months_in_place)


def _per(default: Mapping, value: Any) -> dict:
    """A mapping with defaults: a number sets every entry, a mapping overrides some."""
    if value is None:
        return dict(default)
    if isinstance(value, Mapping):
        return {**default, **value}
    return dict.fromkeys(default, value)


def _as_view(value: str | PolicyView) -> PolicyView:
    return value if isinstance(value, PolicyView) else view(value)


def china_obs(
    round: int = 1, policy: Mapping | None = None, regimes: Mapping | None = None, **overrides: Any
) -> ChinaObservation:
    """What China sees in a calm world: everything open, nobody retaliating, no offers,
    no diversification. ``regimes`` changes the regime of (material, destination) pairs,
    or of every material toward a destination given alone (values: regime names or
    PolicyViews); mapping fields take a number (for every entry) or partial mappings."""
    table = (
        dict(policy)
        if policy is not None
        else {(m, d): view() for m in MATERIALS for d in DESTINATIONS}
    )
    for key, value in (regimes or {}).items():
        for pair in [key] if isinstance(key, tuple) else [(m, key) for m in MATERIALS]:
            table[pair] = _as_view(value)
    fields: dict[str, Any] = {
        "round": round,
        "step": 3 * round + 1,
        "date": "2025-01",
        "materials": MATERIALS,
        "importers": IMPORTERS,
        "policy": table,
        "deal_offers": {},
        "quota_allowed": True,
        "tech_ban": False,
    }
    per = {
        "price_multiple": dict.fromkeys(MATERIALS, 1.0),
        "processing_share": {"light": 0.91, "heavy": 0.999},
        "diversification_momentum": dict.fromkeys(MATERIALS, 0.0),
        "reputation": dict.fromkeys(DESTINATIONS, 1.0),
        "retaliation": dict.fromkeys(IMPORTERS, 0.0),
        "leverage": {(i, m): 0.5 for i in IMPORTERS for m in MATERIALS},
        "price_war": dict.fromkeys(MATERIALS, 0.0),
    }
    for key, default in per.items():
        fields[key] = _per(default, overrides.pop(key, None))
    return ChinaObservation(**{**fields, **overrides})


def importer_obs(
    name: str = "japan",
    round: int = 1,
    regimes: str | PolicyView | Mapping | None = None,
    **overrides: Any,
) -> ImporterObservation:
    """What an importer sees in a calm world: no risk, everything open, no shortage,
    60 days of stockpile target, no budgets. ``regimes`` is China's regime toward it:
    one for every material, or a mapping per material."""
    policy = {m: view() for m in MATERIALS}
    if isinstance(regimes, Mapping):
        policy.update({m: _as_view(v) for m, v in regimes.items()})
    elif regimes is not None:
        policy = {m: _as_view(regimes) for m in MATERIALS}
    policy = {**policy, **overrides.pop("policy_toward_me", {})}
    fields: dict[str, Any] = {
        "name": name,
        "round": round,
        "step": 3 * round + 1,
        "date": "2025-01",
        "materials": MATERIALS,
        "allies": tuple(i for i in IMPORTERS if i != name),
        "reputation_of_china": 1.0,
        "policy_toward_me": policy,
        "retaliating": 0.0,
        "wto_case_filed": False,
        "coordinating": False,
        "deal_pending": False,
    }
    per = {
        "risk": dict.fromkeys(MATERIALS, 0.0),
        "shortage": dict.fromkeys(MATERIALS, 0.0),
        "price_multiple": dict.fromkeys(MATERIALS, 1.0),
        "stockpile_days": dict.fromkeys(MATERIALS, 60.0),
        "stockpile_target_days": dict.fromkeys(MATERIALS, 60.0),
        "subsidy": {(m, s): 0.0 for m in MATERIALS for s in ("mining", "processing")},
        "research": dict.fromkeys(MATERIALS, 0.0),
        "import_value_share": {"light": 0.4, "heavy": 0.6},
        "leverage": dict.fromkeys(MATERIALS, 0.5),
    }
    for key, default in per.items():
        fields[key] = _per(default, overrides.pop(key, None))
    return ImporterObservation(**{**fields, **overrides})


# -- expected actions -----------------------------------------------------------------------
def china(
    kind: str, materials: Iterable[str] = (), targets: Iterable[str] = (), **params: Any
) -> Action:
    return Action("china", Kind(kind), tuple(materials), tuple(targets), params)


def by(actor: str, kind: str, materials: Iterable[str] = (), **params: Any) -> Action:
    return Action(actor, Kind(kind), tuple(materials), (), params)


def _comparable(action: Action) -> tuple:
    """An action with its numbers rounded, so 0.6 × 400 × 0.75 equals 180."""
    params = tuple(
        sorted((k, round(v, 9) if isinstance(v, float) else v) for k, v in action.params.items())
    )
    return (
        action.actor,
        action.kind,
        action.materials,
        action.targets,
        params,
        action.source,
        action.note,
    )


# -- carrying a player's own actions into its next observation --------------------------------
def _carry_china(obs: ChinaObservation, actions: Iterable[Action]) -> dict[str, Any]:
    """China's regimes and price wars after its actions (an accepted deal opens the
    importer); everything else is up to the script."""
    policy, price_war = dict(obs.policy), dict(obs.price_war)
    for action in actions:
        materials = action.materials or obs.materials
        if action.kind in REGIME_OF_KIND:
            params = action.params
            delay = params.get("delay_months", 0.0)
            new = view(
                REGIME_OF_KIND[action.kind].value,
                params.get("approval_rate", 1.0),
                2.0 if delay < 0 else delay,
                params.get("cut", 0.0),
            )
            for m in materials:
                for d in action.targets or DESTINATIONS:
                    policy[(m, d)] = new
        elif action.kind is Kind.PRICE_WAR:
            for m in materials:
                price_war[m] = action.param("discount") if action.param("active") else 0.0
        elif action.kind is Kind.ACCEPT_DEAL:
            for m in obs.materials:
                policy[(m, action.param("importer"))] = view()
    return {"policy": policy, "price_war": price_war}


def _carry_importer(obs: ImporterObservation, actions: Iterable[Action]) -> dict[str, Any]:
    """An importer's own settings after its actions. Deal offers are not carried: the
    model lets them lapse after China's turn, so the script says when one is pending."""
    state: dict[str, Any] = {
        "stockpile_target_days": dict(obs.stockpile_target_days),
        "subsidy": dict(obs.subsidy),
        "research": dict(obs.research),
        "retaliating": obs.retaliating,
        "coordinating": obs.coordinating,
        "wto_case_filed": obs.wto_case_filed,
    }
    for action in actions:
        materials = action.materials or obs.materials
        if action.kind is Kind.STOCKPILE:
            for m in materials:
                state["stockpile_target_days"][m] = action.param("target_days")
        elif action.kind is Kind.SUBSIDIZE:
            for m in materials:
                state["subsidy"][(m, action.param("stage"))] = action.param("usd_m_per_year")
        elif action.kind is Kind.RESEARCH:
            for m in materials:
                state["research"][m] = action.param("usd_m_per_year")
        elif action.kind is Kind.RETALIATE:
            state["retaliating"] = action.param("level")
        elif action.kind is Kind.COORDINATE:
            state["coordinating"] = action.param("active")
        elif action.kind is Kind.WTO_CASE:
            state["wto_case_filed"] = True
    return state


def versus_test(
    strategy: Strategy,
    script: list[dict[str, Any]],
    expected_actions: list[Iterable[Action]],
    seed: int = 17,
    **base: Any,
) -> None:
    """Play ``strategy`` through the scripted rounds and compare its actions, round by
    round, with ``expected_actions`` (Axelrod's ``versus_test``).

    Each round observes ``base`` (defaults of the observation factory; ``round`` is the
    first round's number, 1 unless given) overridden by the state the strategy's own
    earlier actions left behind, overridden by that round's script entry: the script
    plays the other players and the scripted events.
    """
    assert len(script) == len(expected_actions), "one expected entry per scripted round"
    make, carry = (
        (china_obs, _carry_china) if strategy.role == "china" else (importer_obs, _carry_importer)
    )
    rng = np.random.default_rng(seed)
    first = base.pop("round", 1)
    state: dict[str, Any] = {}
    played = []
    for number, situation in enumerate(script, start=first):
        observation = make(**{**base, "round": number, **state, **situation})
        actions = tuple(strategy.decide(observation, rng))
        played.append(actions)
        state = carry(observation, actions)
    assert [[_comparable(a) for a in r] for r in played] == [
        [_comparable(a) for a in r] for r in expected_actions
    ]


def calm(rounds: int) -> list[dict[str, Any]]:
    return [{} for _ in range(rounds)]


# -- China: scripted matches ----------------------------------------------------------------
@scripted("china", "always_open")
def test_always_open_lifts_every_restriction_it_finds():
    versus_test(
        make_strategy("always_open", {}, "china"),
        [
            {},
            {"regimes": {("heavy", "japan"): "ban"}},
            {},
            {"regimes": {"us": "licensing"}, "retaliation": {"us": 1.0}},
        ],
        [(), (china("open", ["heavy"], ["japan"]),), (), (china("open", BOTH, ["us"]),)],
    )


@scripted("china", "hold")
def test_hold_never_acts():
    versus_test(
        make_strategy("hold", {}, "china"),
        [
            {},
            {"regimes": {"japan": "ban"}},
            {"retaliation": 1.0},
            {"deal_offers": {"us": 900.0}},
            {"diversification_momentum": 0.5},
        ],
        [(), (), (), (), ()],
    )


@scripted("china", "periodic_coercion")
def test_periodic_coercion_restricts_every_period_for_its_duration():
    strategy = make_strategy("periodic_coercion", {}, "china")
    ban, reopen = china("ban"), china("open", BOTH, EVERYWHERE)
    # Rounds 0..8: from round 1, every 4 rounds a ban that is lifted 2 rounds later.
    versus_test(
        strategy, calm(9), [(), (ban,), (), (reopen,), (), (ban,), (), (reopen,), ()], round=0
    )


def test_periodic_coercion_with_licensing_one_target_and_a_restriction_for_good():
    licensing = make_strategy(
        "periodic_coercion",
        {
            "instrument": "licensing",
            "materials": ["heavy"],
            "targets": ["japan"],
            "period_rounds": 3,
            "duration_rounds": 1,
            "start_round": 0,
        },
        "china",
    )
    license_japan = china("license", ["heavy"], ["japan"], approval_rate=0.3, delay_months=3.0)
    versus_test(
        licensing,
        calm(4),
        [(license_japan,), (china("open", ["heavy"], ["japan"]),), (), (license_japan,)],
        round=0,
    )
    for_good = make_strategy(
        "periodic_coercion",
        {"instrument": "quota", "cut": 0.6, "period_rounds": 2, "duration_rounds": 2},
        "china",
    )
    quota = china("quota", cut=0.6)
    versus_test(for_good, calm(5), [(), (quota,), (), (quota,), ()], round=0)


@scripted("china", "calibrated_restraint")
def test_calibrated_restraint_licenses_one_target_briefly_and_takes_good_deals():
    strategy = make_strategy("calibrated_restraint", {}, "china")
    license_ = {"approval_rate": 0.6, "delay_months": 2.0}
    script = calm(11)
    script[4] = {"deal_offers": {"japan": 150.0, "us": 50.0}}
    script[9] = {"retaliation": {"eu": 1.0, "us": 0.5}}
    versus_test(
        strategy,
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


def test_calibrated_restraint_backs_off_under_momentum_or_lost_reputation():
    strategy = make_strategy("calibrated_restraint", {}, "china")
    script = calm(10)
    script[1] = {"diversification_momentum": {"heavy": 0.2}}
    script[9] = {"reputation": {"japan": 0.7}}
    versus_test(strategy, script, [()] * 10, round=0)


@scripted("china", "tit_for_tat")
def test_tit_for_tat_restricts_retaliators_and_reopens_when_they_stop_or_pay():
    strategy = make_strategy("tit_for_tat", {}, "china")
    license_ = {"approval_rate": 0.4, "delay_months": 3.0}
    versus_test(
        strategy,
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


@scripted("china", "always_ban")
def test_always_ban_bans_everything_and_keeps_it_banned():
    versus_test(
        make_strategy("always_ban", {}, "china"),
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


@scripted("china", "escalation")
def test_escalation_climbs_one_rung_a_round_while_retaliated_against_then_steps_down():
    strategy = make_strategy("escalation", {}, "china")
    both = ("light", "heavy")
    us = ("us",)
    retaliating, stopped = {"retaliation": {"us": 1.0}}, {}
    versus_test(
        strategy,
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


def test_escalation_accepts_a_deal_instead_of_climbing():
    strategy = make_strategy("escalation", {"materials": ["heavy"]}, "china")
    versus_test(
        strategy,
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
    )


def test_escalation_skips_quotas_after_a_wto_ruling():
    strategy = make_strategy("escalation", {}, "china")
    both, us = ("light", "heavy"), ("us",)
    versus_test(
        strategy,
        [{"retaliation": {"us": 1.0}}, {"retaliation": {"us": 1.0}}, {}, {}],
        [
            (china("license", both, us, approval_rate=0.5, delay_months=2.0),),
            (china("ban", both, us),),
            (china("license", both, us, approval_rate=0.5, delay_months=2.0),),
            (china("open", BOTH, us),),
        ],
        quota_allowed=False,
    )


def test_escalation_against_all_climbs_against_every_importer_while_any_retaliates():
    strategy = make_strategy("escalation", {"against": "all", "materials": ["heavy"]}, "china")
    licence = {"approval_rate": 0.5, "delay_months": 2.0}
    versus_test(
        strategy,
        [{"retaliation": {"eu": 1.0}}, {}],
        [
            tuple(china("license", ["heavy"], [n], **licence) for n in IMPORTERS),
            tuple(china("open", ["heavy"], [n]) for n in IMPORTERS),
        ],
    )


def test_escalation_reads_its_rung_off_the_policy_in_force():
    """A ban put in place by a scripted event is stepped down like its own."""
    versus_test(
        make_strategy("escalation", {}, "china"),
        [{"regimes": {("heavy", "japan"): "ban"}}],
        [(china("quota", ("light", "heavy"), ["japan"], cut=0.4),)],
    )


@scripted("china", "price_war_on_entrants")
def test_price_war_on_entrants_starts_and_ends_with_diversification_momentum():
    strategy = make_strategy("price_war_on_entrants", {}, "china")
    versus_test(
        strategy,
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


def test_price_war_thresholds_must_be_ordered():
    with pytest.raises(StrategyError, match="stop_momentum"):
        make_strategy(
            "price_war_on_entrants", {"start_momentum": 0.05, "stop_momentum": 0.1}, "china"
        )


# -- importers: scripted matches ------------------------------------------------------------
@scripted("importer", "passive")
def test_passive_never_acts():
    versus_test(
        make_strategy("passive", {}, "importer"),
        [{}, {"regimes": "ban", "risk": 1.0, "shortage": 0.5}, {"regimes": "quota"}],
        [(), (), ()],
    )


@scripted("importer", "threshold_diversifier")
def test_threshold_diversifier_acts_in_proportion_to_risk_above_its_threshold():
    strategy = make_strategy("threshold_diversifier", {}, "importer")
    at_risk = {"risk": {"heavy": 0.75}}
    versus_test(
        strategy,
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
            # 120 days × 0.75; 400 × 0.75 × 0.6 (heavy's share of import value) split 70/30;
            # R&D 200 × 0.75 × 0.6.
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


def test_threshold_diversifier_retaliates_while_banned_if_enabled():
    strategy = make_strategy("threshold_diversifier", {"retaliate_on_ban": True}, "importer")
    versus_test(
        strategy,
        [{"regimes": {"heavy": "ban"}}, {"regimes": {"heavy": "ban"}}, {}],
        [(by("us", "retaliate", level=1.0),), (), (by("us", "retaliate", level=0.0),)],
        name="us",
    )


@scripted("importer", "stockpile_only")
def test_stockpile_only_raises_targets_with_risk_and_never_lowers_them():
    strategy = make_strategy("stockpile_only", {}, "importer")
    versus_test(
        strategy,
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


@scripted("importer", "retaliator")
def test_retaliator_retaliates_while_restricted_and_stops_when_china_reopens():
    strategy = make_strategy("retaliator", {}, "importer")
    full = by("us", "retaliate", level=1.0, instrument="chip_controls")
    stop = by("us", "retaliate", level=0.0, instrument="chip_controls")
    versus_test(
        strategy,
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


@scripted("importer", "negotiator")
def test_negotiator_offers_deals_when_restricted_or_short_and_never_retaliates():
    strategy = make_strategy("negotiator", {}, "importer")
    offer = by("eu", "offer_deal", concession_usd_m=500.0, months=12.0)
    versus_test(
        strategy,
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


@scripted("importer", "coordinator")
def test_coordinator_joins_allies_and_subsidises_above_threshold_and_stands_down():
    strategy = make_strategy("coordinator", {}, "importer")

    def subsidies(light: float, heavy: float) -> tuple[Action, ...]:
        return tuple(
            by("japan", "subsidize", [m], usd_m_per_year=total * share, stage=stage)
            for m, total in (("light", light), ("heavy", heavy))
            for stage, share in (("processing", 0.7), ("mining", 0.3))
        )

    versus_test(
        strategy,
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


def test_coordinator_without_allies_only_subsidises():
    strategy = make_strategy(
        "coordinator",
        {"subsidy_usd_m_per_year": 100.0, "processing_share_of_subsidy": 1.0},
        "importer",
    )
    versus_test(
        strategy,
        [{"risk": 0.5}],
        [
            (
                by("japan", "subsidize", ["light"], usd_m_per_year=40.0, stage="processing"),
                by("japan", "subsidize", ["heavy"], usd_m_per_year=60.0, stage="processing"),
            )
        ],
        allies=(),
    )


def test_coordinator_thresholds_must_be_ordered():
    with pytest.raises(StrategyError, match="stand_down_risk"):
        make_strategy("coordinator", {"risk_threshold": 0.2, "stand_down_risk": 0.3}, "importer")


# -- in the running model -------------------------------------------------------------------
def _actions_of(model, actor: str) -> list[dict[str, Any]]:
    return [row for row in model.action_log if row["actor"] == actor]


@in_model("china", "always_open")
def test_always_open_in_model_lifts_a_scripted_ban_at_the_next_round():
    model = build([event(2, "china", "ban", ["heavy"], ["japan"])], china__strategy="always_open")
    policy = series(run(model, 6), "china_policy", "heavy", "japan")
    assert policy.loc[2] == "ban" and policy.loc[4] == "open"


@in_model("china", "hold")
def test_hold_in_model_keeps_a_scripted_ban():
    rounds = run(build([event(2, "china", "ban", ["heavy"], ["japan"])]), 12)
    assert (series(rounds, "china_policy", "heavy", "japan").loc[2:] == "ban").all()


@in_model("china", "periodic_coercion")
def test_periodic_coercion_in_model_bans_from_round_one_for_two_rounds_every_four():
    model = build(china__strategy="periodic_coercion")
    policy = series(run(model, 18), "china_policy", "light", "us")
    # Decision rounds fall on months 1, 4, 7, ...: round r on month 3r + 1.
    assert policy.loc[3] == "open"
    assert (policy.loc[4:9] == "ban").all()
    assert (policy.loc[10:15] == "open").all()
    assert policy.loc[16] == "ban"


@in_model("china", "calibrated_restraint")
def test_calibrated_restraint_in_model_licenses_heavy_to_one_importer_for_one_round():
    rounds = run(build(china__strategy="calibrated_restraint"), 9)
    assert series(rounds, "china_policy", "heavy", "us").loc[4] == "licensing"
    assert series(rounds, "china_policy", "heavy", "us").loc[7] == "open"
    assert (series(rounds, "china_policy", "heavy", "japan") == "open").all()
    assert (series(rounds, "china_policy", "light", "us") == "open").all()


@in_model("china", "tit_for_tat")
def test_tit_for_tat_in_model_answers_retaliation_and_forgives():
    events = [event(1, "us", "retaliate", level=1.0), event(5, "us", "retaliate", level=0.0)]
    rounds = run(build(events, china__strategy="tit_for_tat"), 9)
    policy = series(rounds, "china_policy", "heavy", "us")
    assert policy.loc[1] == "licensing" and policy.loc[7] == "open"
    assert (series(rounds, "china_policy", "heavy", "eu") == "open").all()


@in_model("china", "always_ban")
def test_always_ban_in_model_bans_every_pair_for_good():
    # An event opening everything on a decision month is undone the same month.
    model = build([event(4, "china", "open")], china__strategy="always_ban")
    rounds = run(model, 12)
    assert (rounds["china_policy"] == "ban").all()
    assert all(p.regime.value == "ban" for p in model.china.policy.values())


@in_model("china", "escalation")
def test_escalation_in_model_climbs_against_the_retaliator_and_climbs_down_after():
    events = [event(1, "us", "retaliate", level=1.0), event(11, "us", "retaliate", level=0.0)]
    rounds = run(build(events, china__strategy="escalation"), 21)
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


@in_model("china", "price_war_on_entrants")
def test_price_war_on_entrants_in_model_answers_subsidised_entry_with_a_price_war():
    events = [
        event(1, "japan", "subsidize", ["light"], usd_m_per_year=1200, stage="processing"),
        event(13, "japan", "subsidize", ["light"], usd_m_per_year=0, stage="processing"),
    ]
    model = build(events, seed=3, years=5, china__strategy="price_war_on_entrants")
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


@in_model("importer", "passive")
def test_passive_in_model_takes_no_action_even_when_banned():
    model = build([event(2, "china", "ban")])
    run(model, 12)
    assert not [r for r in model.action_log if r["actor"] in model.importers]


@in_model("importer", "threshold_diversifier")
def test_threshold_diversifier_in_model_stockpiles_subsidises_and_coordinates_when_banned():
    model = build(
        [event(2, "china", "ban", ["heavy"], ["japan"])],
        importers__japan__strategy="threshold_diversifier",
    )
    run(model, 6)
    japan = model.importers["japan"]
    assert japan.stockpile_target_days["heavy"] > 60
    assert japan.subsidy[("heavy", "processing")] > 0 and japan.research["heavy"] > 0
    assert japan.coordinating
    assert japan.subsidy[("light", "processing")] == 0  # light is not at risk


@in_model("importer", "stockpile_only")
def test_stockpile_only_in_model_raises_the_target_and_does_nothing_else():
    model = build(
        [event(2, "china", "ban", ["heavy"], ["japan"])],
        importers__japan__strategy="stockpile_only",
    )
    run(model, 12)
    japan = model.importers["japan"]
    assert japan.stockpile_target_days["heavy"] > 60
    assert {r["action"] for r in _actions_of(model, "japan")} == {"stockpile"}
    assert japan.retaliation == 0 and not japan.coordinating and not any(japan.subsidy.values())


@in_model("importer", "retaliator")
def test_retaliator_in_model_retaliates_while_banned():
    model = build(
        [
            event(2, "china", "ban", ["heavy"], ["japan"]),
            event(8, "china", "open", ["heavy"], ["japan"]),
        ],
        importers__japan__strategy="retaliator",
    )
    level = {}
    for _ in range(12):
        model.step()
        level[model.step_count] = model.importers["japan"].retaliation
    assert level[3] == 0.0 and level[4] == 1.0 and level[9] == 1.0 and level[10] == 0.0
    unanswered = build(
        [
            event(2, "china", "ban", ["heavy"], ["japan"]),
            event(8, "china", "open", ["heavy"], ["japan"]),
        ]
    ).run(12)
    assert model.payoff["china"] < unanswered.payoff["china"]  # retaliation cost China


@in_model("importer", "negotiator")
def test_negotiator_in_model_buys_an_end_to_a_ban_from_a_deal_taking_china():
    # calibrated_restraint takes deals worth 100 USD m or more (and leaves light alone).
    model = build(
        [event(2, "china", "ban", targets=["us"])],
        china__strategy="calibrated_restraint",
        importers__us__strategy="negotiator",
    )
    rounds = run(model, 12)
    policy = series(rounds, "china_policy", "light", "us")
    assert (policy.loc[2:6] == "ban").all() and (policy.loc[7:] == "open").all()
    us = [(r["step"], r["action"]) for r in _actions_of(model, "us")]
    assert us[0] == (4, "offer_deal")
    assert {action for _, action in us} == {"offer_deal"}  # never retaliates
    assert any(r["action"] == "accept_deal" for r in _actions_of(model, "china"))
    assert model.china.truce_until["us"] >= 7 + 12


@in_model("importer", "coordinator")
def test_coordinator_in_model_coordinates_while_at_risk_and_stands_down_after():
    model = build(
        [
            event(2, "china", "ban", ["heavy"], ["japan"]),
            event(5, "china", "open", ["heavy"], ["japan"]),
        ],
        importers__japan__strategy="coordinator",
        risk__half_life_months=3,
    )
    japan = model.importers["japan"]
    run(model, 4)
    assert japan.coordinating and japan.subsidy[("heavy", "processing")] > 0
    run(model, 20)
    assert not japan.coordinating and not any(japan.subsidy.values())
    assert [r["action"] for r in _actions_of(model, "japan") if r["action"] == "coordinate"] == [
        "coordinate",
        "coordinate",
    ]


def test_every_rule_based_strategy_has_a_scripted_match_and_an_in_model_check():
    rule_based = {key for key, cls in REGISTRY.items() if cls.__module__ in RULE_MODULES}
    assert not sorted(rule_based - SCRIPTED), "strategies without a scripted match"
    assert not sorted(rule_based - IN_MODEL), "strategies without an in-model check"


# -- every registered strategy: the base contract -------------------------------------------
@pytest.fixture(scope="module")
def observations() -> dict[str, Any]:
    """One real observation per role, from a model in which Japan is under a ban."""
    model = build([event(2, "china", "ban", ["heavy"], ["japan"])], seed=5)
    run(model, 7)
    producer = model.producers[0]
    pop = model.firm_population
    multiple = np.array([model.price_x[m] / model.reference_price[m] for m in model.materials])
    return {
        "china": model.observe_china(),
        "importer": model.observe_importer(model.importers["japan"]),
        "producer": model.observe_producer(
            producer, producer.name, tuple(model.materials), producer.country, producer.cost_factor
        ),
        "firm": pop.observe(multiple),
    }


def _snapshot(observation: Any) -> Any:
    """A deep copy, sharing the fields excluded from comparison (the forecaster)."""
    shared = {
        id(value): value
        for f in dataclasses.fields(observation)
        if not f.compare
        for value in [getattr(observation, f.name)]
    }
    return copy.deepcopy(observation, memo=shared)


def _same(a: Any, b: Any) -> bool:
    """Deep equality that also compares numpy arrays and nested observations (fields
    excluded from a dataclass's comparison are skipped, as ``==`` would)."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(
            _same(getattr(a, f.name), getattr(b, f.name))
            for f in dataclasses.fields(a)
            if f.compare
        )
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and np.array_equal(a, b)
    if isinstance(a, Mapping):
        return isinstance(b, Mapping) and set(a) == set(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    return a == b


@pytest.mark.parametrize("key", sorted(REGISTRY), ids=lambda key: "-".join(key))
def test_every_registered_strategy_meets_the_base_contract(key, observations):
    cls = REGISTRY[key]
    role, name = key
    assert (cls.role, cls.name) == key
    assert (cls.__doc__ or "").strip(), f"{name} has no docstring"
    described = cls.describe()
    assert described["rule"] and described["name"] == name and described["role"] == role
    classifier = described["classifier"]
    assert set(CLASSIFIER_DEFAULTS) <= set(classifier)
    depth = classifier["memory_depth"]
    assert depth == float("inf") or (isinstance(depth, int) and depth >= 0)
    for flag in ("stochastic", "look_ahead", "learns"):
        assert isinstance(classifier[flag], bool), f"{name}: {flag} is not a bool"
    strategy = cls()  # default parameters
    if role == "any" or classifier["look_ahead"] or role not in observations:
        return  # needs a forecaster or a person; no default observation to give
    observation = observations[role]
    before = _snapshot(observation)
    strategy.decide(observation, np.random.default_rng(3))
    assert _same(observation, before), f"{name}.decide changed its observation"


def test_rule_based_parameters_are_described_and_validated():
    for cls in REGISTRY.values():
        if cls.__module__ not in RULE_MODULES:
            continue
        for field, info in cls.describe()["params"].items():
            assert info["description"], f"{cls.name}.{field} has no description"
        with pytest.raises(StrategyError):
            make_strategy(cls.name, {"no_such_parameter": 1}, cls.role)


def test_deterministic_rule_based_strategies_ignore_the_random_generator(observations):
    for key, cls in REGISTRY.items():
        if cls.__module__ not in RULE_MODULES or cls.describe()["classifier"]["stochastic"]:
            continue
        first = cls().decide(observations[key[0]], np.random.default_rng(1))
        second = cls().decide(observations[key[0]], np.random.default_rng(2))
        assert first == second, key


# -- the generated catalogue ----------------------------------------------------------------
def _role_section(text: str, title: str) -> str:
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def _table_names(text: str, title: str) -> list[str]:
    table = _role_section(text, title).split("\n### ", 1)[0]
    return re.findall(r"(?m)^\| `([a-z0-9_]+)` \|", table)


def test_committed_catalogue_is_the_generated_one():
    assert catalogue.CATALOGUE.read_text(encoding="utf-8") == catalogue.render(), (
        "docs/strategies.md is out of date: run python -m experiments.catalogue"
    )


def test_catalogue_check_flag_reports_drift(tmp_path, capsys):
    target = tmp_path / "strategies.md"
    assert catalogue.main(["--check", "--output", str(target)]) == 1  # missing
    assert catalogue.main(["--output", str(target)]) == 0
    assert catalogue.main(["--check", "--output", str(target)]) == 0
    target.write_text(target.read_text(encoding="utf-8") + "hand edit\n", encoding="utf-8")
    assert catalogue.main(["--check", "--output", str(target)]) == 1
    assert "out of date" in capsys.readouterr().err


def test_catalogue_tabulates_every_strategy_by_role_with_its_parameters_and_the_moves():
    text = catalogue.render()
    for (role, name), cls in REGISTRY.items():
        title = catalogue.ROLE_TITLES.get(role, role)
        assert name in _table_names(text, title), (role, name)
        own = _role_section(text, title).split(f"\n### `{name}`\n", 1)[1].split("\n### ")[0]
        for param in cls.Params.model_fields:
            assert f"| `{param}` |" in own, (role, name, param)
    assert "| `escalation` | 1 | restricts | Climbs the ladder" in text
    assert "| `against` | `retaliators` |" in text
    from overplay.agents.moves import CHINA_MOVES, IMPORTER_MOVES

    for move in (*CHINA_MOVES, *IMPORTER_MOVES):
        assert f"| `{move}` |" in text


def test_first_sentence_ignores_stops_inside_brackets_and_abbreviations():
    assert (
        catalogue.first_sentence("Does x (e.g. y. z) now. Then more.") == "Does x (e.g. y. z) now."
    )
    assert (
        catalogue.first_sentence("Cites Sprecher et al. 2017 here. Next.")
        == "Cites Sprecher et al. 2017 here."
    )
    assert catalogue.first_sentence("No stop at all") == "No stop at all"


def test_catalogue_lists_enough_strategies_per_player_role():
    text = catalogue.CATALOGUE.read_text(encoding="utf-8")
    assert len(_table_names(text, "China")) >= 9
    assert len(_table_names(text, "Importer states")) >= 7
