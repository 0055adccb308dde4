"""Rule-based strategies for the supplier state (China)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from agents.actions import Action, Kind
from agents.observations import ChinaObservation
from agents.strategies.base import Strategy, StrategyParams, register

CHINA = "china"


def _open_all(obs: ChinaObservation, materials: tuple[str, ...] = (),
              targets: tuple[str, ...] = ()) -> tuple[Action, ...]:
    """One OPEN action covering every restricted (material, destination) in scope;
    no targets means every destination, third countries included."""
    mats = materials or obs.materials
    dests = targets or tuple(sorted({d for _, d in obs.policy}))
    restricted = [(m, d) for m in mats for d in dests if obs.policy[(m, d)].regime != "open"]
    if not restricted:
        return ()
    return (Action(CHINA, Kind.OPEN, tuple(sorted({m for m, _ in restricted})),
                   tuple(sorted({d for _, d in restricted}))),)


def _restriction(instrument: str, materials: tuple[str, ...], targets: tuple[str, ...],
                 approval_rate: float, delay_months: float, cut: float) -> Action:
    if instrument == "ban":
        return Action(CHINA, Kind.BAN, materials, targets)
    if instrument == "quota":
        return Action(CHINA, Kind.QUOTA, materials, targets, {"cut": cut})
    return Action(CHINA, Kind.LICENSE, materials, targets,
                  {"approval_rate": approval_rate, "delay_months": delay_months})


def _accept_deals(obs: ChinaObservation, min_concession: float) -> tuple[Action, ...]:
    return tuple(Action(CHINA, Kind.ACCEPT_DEAL, params={"importer": name})
                 for name, value in sorted(obs.deal_offers.items()) if value >= min_concession)


Instrument = Literal["licensing", "quota", "ban"]


@register
class AlwaysOpen(Strategy):
    """Never restricts; lifts any restriction it finds (the 'open trade' benchmark)."""

    name = "always_open"
    role = "china"
    classifier = {"memory_depth": 0, "stochastic": False, "restricts": False}

    def decide(self, observation: ChinaObservation, rng: np.random.Generator):
        return _open_all(observation)


@register
class Hold(Strategy):
    """Keeps the current policy; only scripted events change it (historical replays)."""

    name = "hold"
    role = "china"
    classifier = {"memory_depth": 0, "stochastic": False, "restricts": False}

    def decide(self, observation: ChinaObservation, rng: np.random.Generator):
        return ()


class PeriodicParams(StrategyParams):
    period_rounds: int = Field(4, ge=1, description="Rounds between restriction episodes.")
    duration_rounds: int = Field(2, ge=1, description="Rounds each episode lasts; "
                                 "period_rounds or more restricts for good.")
    start_round: int = Field(1, ge=0, description="Round of the first episode.")
    instrument: Instrument = Field("ban", description="licensing, quota or ban.")
    materials: tuple[str, ...] = Field((), description="Material groups; empty = all.")
    targets: tuple[str, ...] = Field((), description="Importers; empty = all.")
    approval_rate: float = Field(0.3, ge=0, le=1, description="For licensing.")
    delay_months: float = Field(3.0, ge=0, le=24, description="For licensing.")
    cut: float = Field(0.5, ge=0, le=1, description="For quotas: fraction cut.")


@register
class PeriodicCoercion(Strategy):
    """Restricts every k rounds for d rounds, then reopens (coercion as a habit)."""

    name = "periodic_coercion"
    role = "china"
    classifier = {"memory_depth": 0, "stochastic": False, "restricts": True}
    Params = PeriodicParams

    def decide(self, observation: ChinaObservation, rng: np.random.Generator):
        p = self.params
        if observation.round < p.start_round:
            return ()
        phase = (observation.round - p.start_round) % p.period_rounds
        if phase == 0:
            return (_restriction(p.instrument, p.materials, p.targets,
                                 p.approval_rate, p.delay_months, p.cut),)
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
    momentum_threshold: float = Field(0.15, ge=0, description="Skip an episode when non-"
                                      "China processing capacity grew more than this "
                                      "fraction over the last year.")
    reputation_floor: float = Field(0.75, ge=0, le=1, description="Skip an episode when "
                                    "any observer's reputation of China is below this.")
    accept_deals_above_usd_m: float = Field(100.0, ge=0, description="Accept deals worth "
                                            "at least this much.")


@register
class CalibratedRestraint(Strategy):
    """Short, selective licensing of one target at a time; backs off when diversification
    momentum or reputation loss is high ('caution, not coercion', seed article 000)."""

    name = "calibrated_restraint"
    role = "china"
    classifier = {"memory_depth": 1, "stochastic": False, "restricts": True}
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
            momentum = max(observation.diversification_momentum.get(m, 0.0)
                           for m in p.materials or observation.materials)
            reputation = min(observation.reputation.values(), default=1.0)
            if momentum <= p.momentum_threshold and reputation >= p.reputation_floor:
                target = self._target(observation, episode)
                actions.append(_restriction("licensing", p.materials, (target,),
                                            p.approval_rate, p.delay_months, 0.0))
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
    classifier = {"memory_depth": 1, "stochastic": False, "restricts": True}
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
                actions.append(_restriction(p.instrument, mats, (name,), p.approval_rate,
                                            p.delay_months, p.cut))
            elif restricted and not hostile:
                actions.extend(_open_all(observation, mats, (name,)))
        return tuple(actions)
