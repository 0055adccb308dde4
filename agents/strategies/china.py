"""Rule-based strategies for the supplier state (China)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from overplay.agents.actions import Action, Kind
from overplay.agents.observations import ChinaObservation
from overplay.agents.strategies.base import Strategy, StrategyParams, register

CHINA = "china"


def _covering(
    obs: ChinaObservation,
    kind: Kind,
    regime: str,
    materials: tuple[str, ...],
    targets: tuple[str, ...],
) -> tuple[Action, ...]:
    """One ``kind`` action covering every (material, destination) in scope not yet under
    ``regime``; no materials means all, no targets every destination, third countries
    included."""
    mats = materials or obs.materials
    dests = targets or tuple(sorted({d for _, d in obs.policy}))
    pending = [(m, d) for m in mats for d in dests if obs.policy[(m, d)].regime != regime]
    if not pending:
        return ()
    return (
        Action(
            CHINA,
            kind,
            tuple(sorted({m for m, _ in pending})),
            tuple(sorted({d for _, d in pending})),
        ),
    )


def _open_all(
    obs: ChinaObservation, materials: tuple[str, ...] = (), targets: tuple[str, ...] = ()
) -> tuple[Action, ...]:
    """One OPEN action covering every restricted (material, destination) in scope;
    no targets means every destination, third countries included."""
    return _covering(obs, Kind.OPEN, "open", materials, targets)


def _restriction(
    instrument: str,
    materials: tuple[str, ...],
    targets: tuple[str, ...],
    approval_rate: float,
    delay_months: float,
    cut: float,
) -> Action:
    if instrument == "ban":
        return Action(CHINA, Kind.BAN, materials, targets)
    if instrument == "quota":
        return Action(CHINA, Kind.QUOTA, materials, targets, {"cut": cut})
    return Action(
        CHINA,
        Kind.LICENSE,
        materials,
        targets,
        {"approval_rate": approval_rate, "delay_months": delay_months},
    )


def _accept_deals(obs: ChinaObservation, min_concession: float) -> tuple[Action, ...]:
    return tuple(
        Action(CHINA, Kind.ACCEPT_DEAL, params={"importer": name})
        for name, value in sorted(obs.deal_offers.items())
        if value >= min_concession
    )


Instrument = Literal["licensing", "quota", "ban"]


@register
class AlwaysOpen(Strategy):
    """Never restricts; lifts any restriction it finds (the 'open trade' benchmark)."""

    name = "always_open"
    role = "china"
    classifier = {
        "memory_depth": 0,
        "stochastic": False,
        "look_ahead": False,
        "learns": False,
        "restricts": False,
    }

    def decide(self, observation: ChinaObservation, rng: np.random.Generator):
        return _open_all(observation)


@register
class Hold(Strategy):
    """Keeps the current policy; only scripted events change it (historical replays)."""

    name = "hold"
    role = "china"
    classifier = {
        "memory_depth": 0,
        "stochastic": False,
        "look_ahead": False,
        "learns": False,
        "restricts": False,
    }

    def decide(self, observation: ChinaObservation, rng: np.random.Generator):
        return ()


class PeriodicParams(StrategyParams):
    period_rounds: int = Field(4, ge=1, description="Rounds between restriction episodes.")
    duration_rounds: int = Field(
        2, ge=1, description="Rounds each episode lasts; period_rounds or more restricts for good."
    )
    start_round: int = Field(1, ge=0, description="Round of the first episode.")
    instrument: Instrument = Field("ban", description="licensing, quota or ban.")
    materials: tuple[str, ...] = Field((), description="Material groups; empty = all.")
    targets: tuple[str, ...] = Field((), description="Importers; empty = all.")
    approval_rate: float = Field(0.3, ge=0, le=1, description="For licensing.")
    delay_months: float = Field(3.0, ge=0, le=24, description="For licensing.")
    cut: float = Field(0.5, ge=0, le=1, description="For quotas: fraction cut.")
    severity: float | None = Field(
        None,
        ge=0,
        le=1,
        description="If given, one knob for "
        "both instruments: licences approve 1 − severity of "
        "requests and quotas cut severity (for sweeps over "
        "severity × instrument).",
    )


@register
class PeriodicCoercion(Strategy):
    """Restricts every k rounds for d rounds, then reopens (coercion as a habit)."""

    name = "periodic_coercion"
    role = "china"
    classifier = {
        "memory_depth": 0,
        "stochastic": False,
        "look_ahead": False,
        "learns": False,
        "restricts": True,
    }
    Params = PeriodicParams

    def decide(self, observation: ChinaObservation, rng: np.random.Generator):
        p = self.params
        if observation.round < p.start_round:
            return ()
        phase = (observation.round - p.start_round) % p.period_rounds
        if phase == 0:
            approval = p.approval_rate if p.severity is None else 1.0 - p.severity
            cut = p.cut if p.severity is None else p.severity
            return (
                _restriction(p.instrument, p.materials, p.targets, approval, p.delay_months, cut),
            )
        if phase == p.duration_rounds:
            return _open_all(observation, p.materials, p.targets)
        return ()


class RestraintParams(StrategyParams):
    period_rounds: int = Field(8, ge=1, description="Rounds between episodes.")
    duration_rounds: int = Field(1, ge=1, description="Rounds each episode lasts.")
    start_round: int = Field(1, ge=0, description="Round of the first episode.")
    materials: tuple[str, ...] = Field(("heavy",), description="Material groups restricted.")
    approval_rate: float = Field(0.6, ge=0, le=1, description="Licence approval rate.")
    delay_months: float = Field(2.0, ge=0, le=24, description="Licence delay, months.")
    momentum_threshold: float = Field(
        0.15,
        ge=0,
        description="Skip an episode when non-"
        "China processing capacity grew more than this "
        "fraction over the last year.",
    )
    reputation_floor: float = Field(
        0.75,
        ge=0,
        le=1,
        description="Skip an episode when any observer's reputation of China is below this.",
    )
    accept_deals_above_usd_m: float = Field(
        100.0, ge=0, description="Accept deals worth at least this much."
    )


@register
class CalibratedRestraint(Strategy):
    """Short, selective licensing of one target at a time; backs off when diversification
    momentum or reputation loss is high ('caution, not coercion', seed article 000)."""

    name = "calibrated_restraint"
    role = "china"
    classifier = {
        "memory_depth": 1,
        "stochastic": False,
        "look_ahead": False,
        "learns": False,
        "restricts": True,
    }
    Params = RestraintParams

    def decide(self, observation: ChinaObservation, rng: np.random.Generator):
        p = self.params
        actions = list(_accept_deals(observation, p.accept_deals_above_usd_m))
        if observation.round < p.start_round:
            return tuple(actions)
        episode, phase = divmod(observation.round - p.start_round, p.period_rounds)
        if phase == p.duration_rounds:
            actions.extend(_open_all(observation, p.materials))
        elif phase == 0:
            momentum = max(
                observation.diversification_momentum.get(m, 0.0)
                for m in p.materials or observation.materials
            )
            reputation = min(observation.reputation.values(), default=1.0)
            if momentum <= p.momentum_threshold and reputation >= p.reputation_floor:
                target = self._target(observation, episode)
                actions.append(
                    _restriction(
                        "licensing", p.materials, (target,), p.approval_rate, p.delay_months, 0.0
                    )
                )
        return tuple(actions)

    @staticmethod
    def _target(observation: ChinaObservation, episode: int) -> str:
        """The importer retaliating most, else the next one in turn."""
        retaliating = {k: v for k, v in observation.retaliation.items() if v > 0}
        if retaliating:
            return max(sorted(retaliating), key=retaliating.__getitem__)
        return observation.importers[episode % len(observation.importers)]


class TitForTatParams(StrategyParams):
    instrument: Instrument = Field("licensing", description="Answer to retaliation.")
    materials: tuple[str, ...] = Field(("heavy",), description="Material groups restricted.")
    approval_rate: float = Field(0.4, ge=0, le=1, description="For licensing.")
    delay_months: float = Field(3.0, ge=0, le=24, description="For licensing.")
    cut: float = Field(0.5, ge=0, le=1, description="For quotas.")
    accept_deals_above_usd_m: float = Field(100.0, ge=0, description="Deal threshold.")


@register
class TitForTat(Strategy):
    """Restricts exactly the importers that retaliate (chip controls, tariffs, entity
    listings) and reopens when they stop (the Oct 2025 'rare earth counter', seed 001)."""

    name = "tit_for_tat"
    role = "china"
    classifier = {
        "memory_depth": 1,
        "stochastic": False,
        "look_ahead": False,
        "learns": False,
        "restricts": True,
    }
    Params = TitForTatParams

    def decide(self, observation: ChinaObservation, rng: np.random.Generator):
        p = self.params
        actions = list(_accept_deals(observation, p.accept_deals_above_usd_m))
        accepted = {a.param("importer") for a in actions}
        mats = p.materials or observation.materials
        for name in observation.importers:
            restricted = any(observation.policy[(m, name)].regime != "open" for m in mats)
            hostile = observation.retaliation.get(name, 0.0) > 0 and name not in accepted
            if hostile and not restricted:
                actions.append(
                    _restriction(
                        p.instrument, mats, (name,), p.approval_rate, p.delay_months, p.cut
                    )
                )
            elif restricted and not hostile:
                actions.extend(_open_all(observation, mats, (name,)))
        return tuple(actions)


@register
class AlwaysBan(Strategy):
    """Bans both material groups to every destination and keeps them banned, whatever
    anyone does. The worst case importers' contingency plans are tested against; in 2010
    China halted shipments 'first to Japan, then to the United States and Europe' (seed
    000)."""

    name = "always_ban"
    role = "china"
    classifier = {
        "memory_depth": 0,
        "stochastic": False,
        "look_ahead": False,
        "learns": False,
        "restricts": True,
    }

    def decide(self, observation: ChinaObservation, rng: np.random.Generator):
        return _covering(observation, Kind.BAN, "ban", (), ())


#: The escalation ladder, mildest rung first; quotas drop out once a WTO ruling bans them.
LADDER = ("open", "licensing", "quota", "ban")


class EscalationParams(StrategyParams):
    against: Literal["retaliators", "all"] = Field(
        "retaliators",
        description="Whom to escalate against: each importer that "
        "retaliates (retaliators), or every importer while any of them retaliates (all).",
    )
    materials: tuple[str, ...] = Field((), description="Material groups restricted; empty = all.")
    approval_rate: float = Field(
        0.5, ge=0, le=1, description="Licensing rung: share of requests approved."
    )
    delay_months: float = Field(
        2.0,
        ge=0,
        le=24,
        description="Licensing rung: review delay, months (45 working days [E02]).",
    )
    cut: float = Field(0.4, ge=0, le=1, description="Quota rung: fraction cut (2010: 40 % [Q04]).")
    accept_deals_above_usd_m: float = Field(
        100.0,
        ge=0,
        description="Accept deals worth "
        "at least this much; an accepted deal ends the "
        "trigger (and the model opens and holds a truce).",
    )


@register
class Escalation(Strategy):
    """Climbs the ladder open → licensing → quota → ban one rung per round against each
    importer that retaliates without an acceptable deal on the table, and steps back down
    one rung per round once the retaliation stops. Graduated escalation after the 2010 quota cut and
    halt of shipments (seed 000) and the Oct 2025 'rare earth counter' to US chip controls
    (seed 001).

    With ``against: all`` it climbs against every importer while any one retaliates. The
    rung is read off the current policy toward the importer (its most severe regime
    over the materials in scope), so the strategy keeps no memory of its own; quotas drop
    out of the ladder once a WTO ruling has abolished them.
    """

    name = "escalation"
    role = "china"
    classifier = {
        "memory_depth": 1,
        "stochastic": False,
        "look_ahead": False,
        "learns": False,
        "restricts": True,
    }
    Params = EscalationParams

    def decide(self, observation: ChinaObservation, rng: np.random.Generator):
        p = self.params
        obs = observation
        actions = list(_accept_deals(obs, p.accept_deals_above_usd_m))
        accepted = {a.param("importer") for a in actions}
        mats = p.materials or obs.materials
        hostile = {
            n for n in obs.importers if obs.retaliation.get(n, 0.0) > 0 and n not in accepted
        }
        ladder = [r for r in LADDER if r != "quota" or obs.quota_allowed]
        for name in obs.importers:
            if name in accepted:  # the deal opens it; a truce follows
                continue
            triggered = name in hostile if p.against == "retaliators" else bool(hostile)
            current = max(LADDER.index(obs.policy[(m, name)].regime) for m in mats)
            if triggered:
                rung = next((r for r in ladder if LADDER.index(r) > current), None)
            else:
                rung = next((r for r in reversed(ladder) if LADDER.index(r) < current), None)
            if rung == "open":
                actions.extend(_open_all(obs, mats, (name,)))
            elif rung is not None:
                actions.append(
                    _restriction(rung, mats, (name,), p.approval_rate, p.delay_months, p.cut)
                )
        return tuple(actions)


class PriceWarParams(StrategyParams):
    start_momentum: float = Field(
        0.10,
        ge=0,
        description="Start a price war on a material "
        "when non-China processing capacity, projects under way "
        "included, has grown more than this fraction in a year.",
    )
    stop_momentum: float = Field(
        0.02, ge=0, description="End it when that growth falls below this (at most start_momentum)."
    )
    discount: float = Field(
        0.3, gt=0, le=0.9, description="Cut in China's export price while at war, fraction."
    )
    materials: tuple[str, ...] = Field((), description="Material groups watched; empty = all.")

    @model_validator(mode="after")
    def _ordered(self) -> PriceWarParams:
        if self.stop_momentum > self.start_momentum:
            raise ValueError("stop_momentum must not exceed start_momentum")
        return self


@register
class PriceWarOnEntrants(Strategy):
    """Starts a price war on a material when non-China processing momentum passes
    ``start_momentum``, keeps that material's exports open while the war lasts and ends
    it once momentum falls below ``stop_momentum``. Limit pricing: China deters the rest
    of the world's fringe entrants by price rather than quantity (Minooei Fard, Semmler &
    Di Bartolomeo 2023, 'Rare Earth Elements: A game between China and the rest of the
    world', working paper); low-cost Chinese competition closed Mountain Pass in 2002
    and Molycorp went bankrupt in 2015 (seed 003)."""

    name = "price_war_on_entrants"
    role = "china"
    classifier = {
        "memory_depth": 1,
        "stochastic": False,
        "look_ahead": False,
        "learns": False,
        "restricts": False,
    }
    Params = PriceWarParams

    def decide(self, observation: ChinaObservation, rng: np.random.Generator):
        p = self.params
        obs = observation
        mats = p.materials or obs.materials
        momentum = obs.diversification_momentum
        waging = {m for m in mats if obs.price_war.get(m, 0.0) > 0}
        start = tuple(m for m in mats if m not in waging and momentum[m] > p.start_momentum)
        stop = tuple(m for m in mats if m in waging and momentum[m] < p.stop_momentum)
        at_war = tuple(m for m in mats if (m in waging and m not in stop) or m in start)
        actions = list(_open_all(obs, at_war)) if at_war else []
        if start:
            actions.append(Action(CHINA, Kind.PRICE_WAR, start, params={"discount": p.discount}))
        if stop:
            actions.append(Action(CHINA, Kind.PRICE_WAR, stop, params={"active": False}))
        return tuple(actions)


class ReserveParams(StrategyParams):
    buy_below: float = Field(
        1.0,
        gt=0,
        description="Buy for the state reserve while China's domestic price is at or "
        "below this multiple of the reference.",
    )
    sell_above: float = Field(
        1.5,
        gt=0,
        description="Sell from the reserve while the domestic price is at or above this "
        "multiple of the reference (more than buy_below).",
    )
    share_of_output: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Monthly purchases or sales, as a share of last month's legal output.",
    )
    crackdown: float = Field(
        1.0, ge=0, le=1, description="Enforcement against black output and smuggling."
    )
    materials: tuple[str, ...] = Field((), description="Material groups managed; empty = all.")

    @model_validator(mode="after")
    def _ordered(self) -> ReserveParams:
        if self.sell_above <= self.buy_below:
            raise ValueError("sell_above must be more than buy_below")
        return self


@register
class ReserveSteward(Strategy):
    """Never restricts exports; manages supply instead. Cracks down on black output and
    smuggling, buys for the state reserve while the domestic price is low and sells
    from it while the price is high: counter-cyclical stockpiling. China's strategic
    reserves buffer the market and serve as a lever (seed 002); the 2016-2018 campaign
    against illegal mining and smuggling (seed 003)."""

    name = "reserve_steward"
    role = "china"
    classifier = {
        "memory_depth": 0,
        "stochastic": False,
        "look_ahead": False,
        "learns": False,
        "restricts": False,
    }
    Params = ReserveParams

    def decide(self, observation: ChinaObservation, rng: np.random.Generator):
        p = self.params
        obs = observation
        actions = []
        if obs.enforcement != p.crackdown:
            actions.append(Action(CHINA, Kind.ENFORCE, params={"level": p.crackdown}))
        for m in p.materials or obs.materials:
            level = obs.domestic_price_multiple.get(m, 1.0)
            amount = p.share_of_output * obs.legal_output.get(m, 0.0)
            if level <= p.buy_below:
                rate = amount
            elif level >= p.sell_above and obs.reserve_t.get(m, 0.0) > 0:
                rate = -amount
            else:
                rate = 0.0
            current = obs.reserve_rate.get(m, 0.0)
            if (
                (rate > 0) != (current > 0)
                or (rate < 0) != (current < 0)
                or (abs(rate - current) > 0.2 * abs(current))
            ):  # a new direction, or a rate 20 % off: not every small change is logged
                actions.append(Action(CHINA, Kind.RESERVE, (m,), params={"t_per_month": rate}))
        return tuple(actions)
