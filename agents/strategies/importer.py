"""Rule-based strategies for importer states (US, Japan, EU, ...)."""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field, model_validator

from overplay.agents.actions import Action, Kind, open_in_effect
from overplay.agents.observations import ImporterObservation, PolicyView
from overplay.agents.strategies.base import Strategy, StrategyParams, register


def _changed(old: float, new: float) -> bool:
    """Budgets move only on changes worth a line in the action log (over 10 %)."""
    return abs(new - old) > 0.1 * max(abs(old), 1.0)


def _holds_back(view: PolicyView) -> bool:
    """Whether a regime holds shipments back: a ban, a quota, or a licence that refuses
    some requests or is still under review. A licence that approves everything once
    reviewed (China's regime after the WTO ruling [W02]) is paperwork, not a restriction."""
    if view.regime == "licensing":
        return view.approval_rate < 1.0 or view.months_in_place < view.delay_months
    return view.regime != "open"


def _restricted(obs: ImporterObservation) -> bool:
    """Whether China holds back any material from this importer."""
    return any(_holds_back(v) for v in obs.policy_toward_me.values())


@register
class Passive(Strategy):
    """Does nothing: firms and markets alone respond (the no-policy benchmark)."""

    name = "passive"
    role = "importer"
    classifier = {
        "memory_depth": 0,
        "stochastic": False,
        "look_ahead": False,
        "learns": False,
        "retaliates": False,
    }

    def decide(self, observation: ImporterObservation, rng: np.random.Generator):
        return ()


class ThresholdParams(StrategyParams):
    risk_threshold: float = Field(
        0.3, ge=0, le=1, description="Perceived risk above which the state acts."
    )
    stockpile_days_at_full_risk: float = Field(
        120.0,
        ge=0,
        le=720,
        description="Stockpile target at risk 1, days (JOGMEC up to 180 [E17]).",
    )
    subsidy_usd_m_per_year_at_full_risk: float = Field(
        400.0,
        ge=0,
        description="Diversification budget at risk 1, USD m/yr, split over "
        "materials by their share of import value (Japan's ¥100 bn ≈ $1.2 bn [J11], "
        "spent over ~3 years).",
    )
    processing_share_of_subsidy: float = Field(
        0.7, ge=0, le=1, description="Share of the budget for processing (the chokepoint)."
    )
    programme_years: float = Field(
        0.0,
        ge=0,
        le=30,
        description="> 0: subsidies come as programmes of this many years, sized by the "
        "risk that starts them, as Japan's one-off ¥100 bn supplementary budget of 2010 "
        "[J11]; a later programme needs a new episode (a restriction after trade was open "
        "again since the last one began). 0: budgets follow risk every round, open-ended "
        "(a standing policy).",
    )
    magnet_share_of_subsidy: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Share of the budget for magnet plants at home, taken before the "
        "processing/mining split (0: none; the 2025 US magnet deal [E15] shows the choice).",
    )
    research_usd_m_per_year_at_full_risk: float = Field(
        200.0, ge=0, description="R&D budget at risk 1, USD m/yr."
    )
    wto_on_quota: bool = Field(True, description="File a WTO case against quotas.")
    retaliate_on_ban: bool = Field(False, description="Retaliate when banned.")
    deal_shortage: float = Field(
        0.15, ge=0, le=1, description="Offer a deal when the shortage fraction exceeds this."
    )
    concession_usd_m: float = Field(500.0, ge=0, description="Concession offered in a deal.")
    coordinate: bool = Field(True, description="Coordinate with allies when at risk.")


def _subsidy_split(processing: float, magnets: float) -> list[tuple[str, float]]:
    """A diversification budget's shares by stage: magnets first (if any), the rest
    between processing and mining."""
    rest = 1.0 - magnets
    split = [("processing", processing * rest), ("mining", (1 - processing) * rest)]
    return [*split, ("magnets", magnets)] if magnets > 0 else split


@register
class ThresholdDiversifier(Strategy):
    """Builds stockpiles, subsidises non-China capacity and funds R&D in proportion to
    perceived risk once it passes a threshold; stops subsidies and R&D when risk fades
    but keeps the stockpiles it built (the post-2011 pattern: urgency waned once prices
    fell, domain notes M12). With ``programme_years`` subsidies come instead as
    fixed-length programmes, one per episode (Japan's 2010 budget [J11])."""

    name = "threshold_diversifier"
    role = "importer"
    classifier = {
        "memory_depth": 1,
        "stochastic": False,
        "look_ahead": False,
        "learns": False,
        "retaliates": False,
    }  # only with retaliate_on_ban
    Params = ThresholdParams

    def decide(self, observation: ImporterObservation, rng: np.random.Generator):
        p = self.params
        obs = observation
        actions: list[Action] = []
        for material in obs.materials:
            risk = obs.risk[material]
            active = risk > p.risk_threshold
            intensity = risk if active else 0.0
            # Stockpiles only grow: the target follows risk up, never down.
            current = obs.stockpile_target_days[material]
            target = max(current, p.stockpile_days_at_full_risk * intensity)
            if target - current > 5 and active:
                actions.append(
                    Action(obs.name, Kind.STOCKPILE, (material,), params={"target_days": target})
                )
            weight = obs.import_value_share[material]
            budget = p.subsidy_usd_m_per_year_at_full_risk * intensity * weight
            if p.programme_years == 0 or self._programme_due(obs, material, active):
                years = {"years": p.programme_years} if p.programme_years else {}
                for stage, share in _subsidy_split(
                    p.processing_share_of_subsidy, p.magnet_share_of_subsidy
                ):
                    if _changed(obs.subsidy[(material, stage)], budget * share):
                        actions.append(
                            Action(
                                obs.name,
                                Kind.SUBSIDIZE,
                                (material,),
                                params={"usd_m_per_year": budget * share, "stage": stage, **years},
                            )
                        )
            research = p.research_usd_m_per_year_at_full_risk * intensity * weight
            if _changed(obs.research[material], research):
                actions.append(
                    Action(
                        obs.name, Kind.RESEARCH, (material,), params={"usd_m_per_year": research}
                    )
                )
        policies = obs.policy_toward_me.values()
        if p.wto_on_quota and not obs.wto_case_filed and any(v.regime == "quota" for v in policies):
            actions.append(Action(obs.name, Kind.WTO_CASE))
        banned = any(v.regime == "ban" for v in policies)
        if p.retaliate_on_ban and banned != (obs.retaliating > 0):
            actions.append(Action(obs.name, Kind.RETALIATE, params={"level": float(banned)}))
        if not obs.deal_pending and max(obs.shortage.values(), default=0) > p.deal_shortage:
            actions.append(
                Action(obs.name, Kind.OFFER_DEAL, params={"concession_usd_m": p.concession_usd_m})
            )
        at_risk = max(obs.risk.values(), default=0) > p.risk_threshold
        if p.coordinate and obs.allies and at_risk != obs.coordinating:
            actions.append(Action(obs.name, Kind.COORDINATE, params={"active": at_risk}))
        return tuple(actions)

    @staticmethod
    def _programme_due(obs: ImporterObservation, material: str, active: bool) -> bool:
        """A new programme: at risk, none running, and either none before or a new
        episode: China restricts this material toward us again after trade was open
        since the last programme began (not the crisis that programme answered)."""
        since = obs.months_since_programme.get(material, float("inf"))
        if not active or since < 0:
            return False
        view = obs.policy_toward_me[material]
        restricting = not open_in_effect(view.regime, view.approval_rate)
        new_episode = restricting and obs.open_since_programme.get(material, True)
        return since == float("inf") or new_episode


class StockpileParams(StrategyParams):
    days_at_full_risk: float = Field(
        180.0,
        ge=0,
        le=720,
        description="Stockpile target "
        "at perceived risk 1, days (Japan's national stockpile "
        "holds up to 180 days of high-risk metals [E17]).",
    )
    min_raise_days: float = Field(
        5.0, ge=0, description="Raise a target only when it grows by more than this many days."
    )


@register
class StockpileOnly(Strategy):
    """Raises each material's stockpile target to ``days_at_full_risk`` × its perceived
    risk when that is higher than the current target, never lowers it and does nothing
    else. Buffering without diversifying, like Japan's national stockpiling system (60
    days, up to 180 for high-risk metals [E17]) or the US National Defense Stockpile
    [E18]."""

    name = "stockpile_only"
    role = "importer"
    classifier = {
        "memory_depth": 0,
        "stochastic": False,
        "look_ahead": False,
        "learns": False,
        "retaliates": False,
    }
    Params = StockpileParams

    def decide(self, observation: ImporterObservation, rng: np.random.Generator):
        p = self.params
        obs = observation
        actions = []
        for m in obs.materials:
            target = p.days_at_full_risk * obs.risk[m]
            if target > obs.stockpile_target_days[m] + p.min_raise_days:
                actions.append(
                    Action(obs.name, Kind.STOCKPILE, (m,), params={"target_days": target})
                )
        return tuple(actions)


class RetaliatorParams(StrategyParams):
    level: float = Field(
        1.0,
        gt=0,
        le=1,
        description="Retaliation level while restricted "
        "(1 = full: costs China the importer's "
        "retaliation_cost_to_china_usd_m_per_month).",
    )
    instrument: str = Field(
        "chip_controls",
        description="What the retaliation is (for "
        "the action log): chip_controls, tariffs, entity_list, ...",
    )


@register
class Retaliator(Strategy):
    """Retaliates at full level while China restricts any material toward it and stops
    as soon as China reopens. Chips versus minerals: the Sept 2025 US Entity List
    extension met China's Oct 2025 'rare earth counter' (seed 001).

    A licence that approves everything once reviewed (China's regime after the WTO
    ruling [W02]) does not count as a restriction."""

    name = "retaliator"
    role = "importer"
    classifier = {
        "memory_depth": 0,
        "stochastic": False,
        "look_ahead": False,
        "learns": False,
        "retaliates": True,
    }
    Params = RetaliatorParams

    def decide(self, observation: ImporterObservation, rng: np.random.Generator):
        p = self.params
        level = p.level if _restricted(observation) else 0.0
        if observation.retaliating == level:
            return ()
        return (
            Action(
                observation.name,
                Kind.RETALIATE,
                params={"level": level, "instrument": p.instrument},
            ),
        )


class NegotiatorParams(StrategyParams):
    deal_shortage: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Offer a deal also when "
        "the largest shortage fraction exceeds this, restricted "
        "or not.",
    )
    concession_usd_m: float = Field(
        500.0, gt=0, description="Concession offered, USD m (the 'negotiate' move)."
    )
    months: float = Field(
        12.0,
        gt=0,
        description="Months without restrictions asked in "
        "return (the Busan suspension ran a year [E14]).",
    )


@register
class Negotiator(Strategy):
    """Offers China a deal whenever China restricts it or its shortage exceeds
    ``deal_shortage`` and no offer is pending, and never retaliates. After the May 2025
    US–China deal China resumed issuing permits (seed 000); the Busan meeting suspended
    the Oct 2025 controls for a year [E14]."""

    name = "negotiator"
    role = "importer"
    classifier = {
        "memory_depth": 0,
        "stochastic": False,
        "look_ahead": False,
        "learns": False,
        "retaliates": False,
    }
    Params = NegotiatorParams

    def decide(self, observation: ImporterObservation, rng: np.random.Generator):
        p = self.params
        obs = observation
        short = max(obs.shortage.values(), default=0.0) > p.deal_shortage
        if obs.deal_pending or not (_restricted(obs) or short):
            return ()
        return (
            Action(
                obs.name,
                Kind.OFFER_DEAL,
                params={"concession_usd_m": p.concession_usd_m, "months": p.months},
            ),
        )


class CoordinatorParams(StrategyParams):
    risk_threshold: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Perceived risk (largest "
        "over materials) above which the state joins its allies.",
    )
    stand_down_risk: float = Field(
        0.15,
        ge=0,
        le=1,
        description="Risk below which it stands down again (at most risk_threshold).",
    )
    subsidy_usd_m_per_year: float = Field(
        400.0,
        ge=0,
        description="Joint diversification "
        "budget while active, USD m/yr, split over "
        "materials by their share of import value.",
    )
    processing_share_of_subsidy: float = Field(
        0.7, ge=0, le=1, description="Share of the budget for processing (the chokepoint)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Any:
        if self.stand_down_risk > self.risk_threshold:
            raise ValueError("stand_down_risk must not exceed risk_threshold")
        return self


@register
class Coordinator(Strategy):
    """Coordinates with its allies and funds a joint diversification budget while its
    perceived risk is above ``risk_threshold``, and stands both down once risk falls
    below ``stand_down_risk``. Joint procurement and allied trade-policy coordination:
    the EU aggregates demand across its industries (seed 002).

    A pact forms with each ally that coordinates too: it shares stockpile releases and
    stretches subsidies (ODD §4, Collectives). A state without allies only subsidises."""

    name = "coordinator"
    role = "importer"
    classifier = {
        "memory_depth": 1,
        "stochastic": False,
        "look_ahead": False,
        "learns": False,
        "retaliates": False,
    }
    Params = CoordinatorParams

    def decide(self, observation: ImporterObservation, rng: np.random.Generator):
        p = self.params
        obs = observation
        risk = max(obs.risk.values(), default=0.0)
        engaged = obs.coordinating or any(v > 0 for v in obs.subsidy.values())
        active = risk > p.risk_threshold or (engaged and risk >= p.stand_down_risk)
        actions: list[Action] = []
        if obs.allies and active != obs.coordinating:
            actions.append(Action(obs.name, Kind.COORDINATE, params={"active": active}))
        for m in obs.materials:
            budget = p.subsidy_usd_m_per_year * obs.import_value_share[m] if active else 0.0
            for stage, share in (
                ("processing", p.processing_share_of_subsidy),
                ("mining", 1 - p.processing_share_of_subsidy),
            ):
                if _changed(obs.subsidy[(m, stage)], budget * share):
                    actions.append(
                        Action(
                            obs.name,
                            Kind.SUBSIDIZE,
                            (m,),
                            params={"usd_m_per_year": budget * share, "stage": stage},
                        )
                    )
        return tuple(actions)
