"""Rule-based strategies for importer states (US, Japan, EU, ...)."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from agents.actions import Action, Kind
from agents.observations import ImporterObservation
from agents.strategies.base import Strategy, StrategyParams, register


def _changed(old: float, new: float) -> bool:
    """Budgets move only on changes worth a line in the action log (over 10 %)."""
    return abs(new - old) > 0.1 * max(abs(old), 1.0)


@register
class Passive(Strategy):
    """Does nothing: firms and markets alone respond (the no-policy benchmark)."""

    name = "passive"
    role = "importer"
    classifier = {"memory_depth": 0, "stochastic": False}

    def decide(self, observation: ImporterObservation, rng: np.random.Generator):
        return ()


class ThresholdParams(StrategyParams):
    risk_threshold: float = Field(0.3, ge=0, le=1, description="Perceived risk above "
                                  "which the state acts.")
    stockpile_days_at_full_risk: float = Field(120.0, ge=0, le=720, description="Stockpile "
                                               "target at risk 1, days (JOGMEC up to 180 [E17]).")
    subsidy_usd_m_per_year_at_full_risk: float = Field(
        400.0, ge=0, description="Diversification budget at risk 1, USD m/yr, split over "
        "materials by their share of import value (Japan's ¥100 bn ≈ $1.2 bn [J11], "
        "spent over ~3 years).")
    processing_share_of_subsidy: float = Field(0.7, ge=0, le=1, description="Share of the "
                                               "budget for processing (the chokepoint).")
    research_usd_m_per_year_at_full_risk: float = Field(200.0, ge=0, description="R&D "
                                                        "budget at risk 1, USD m/yr.")
    wto_on_quota: bool = Field(True, description="File a WTO case against quotas.")
    retaliate_on_ban: bool = Field(False, description="Retaliate when banned.")
    deal_shortage: float = Field(0.15, ge=0, le=1, description="Offer a deal when the "
                                 "shortage fraction exceeds this.")
    concession_usd_m: float = Field(500.0, ge=0, description="Concession offered in a deal.")
    coordinate: bool = Field(True, description="Coordinate with allies when at risk.")


@register
class ThresholdDiversifier(Strategy):
    """Builds stockpiles, subsidises non-China capacity and funds R&D in proportion to
    perceived risk once it passes a threshold; stops subsidies and R&D when risk fades
    but keeps the stockpiles it built (the post-2011 pattern: urgency waned once prices
    fell, domain notes M12)."""

    name = "threshold_diversifier"
    role = "importer"
    classifier = {"memory_depth": 1, "stochastic": False}
    Params = ThresholdParams

    def decide(self, observation: ImporterObservation, rng: np.random.Generator):
        p = self.params
        obs = observation
        actions: list[Action] = []
        for material in obs.materials:
            risk = obs.risk[material]
            active = risk > p.risk_threshold
            intensity = risk if active else 0.0
            target = p.stockpile_days_at_full_risk * intensity
            if abs(target - obs.stockpile_target_days[material]) > 5 and active:
                actions.append(Action(obs.name, Kind.STOCKPILE, (material,),
                                      params={"target_days": target}))
            weight = obs.import_value_share[material]
            budget = p.subsidy_usd_m_per_year_at_full_risk * intensity * weight
            for stage, share in (("processing", p.processing_share_of_subsidy),
                                 ("mining", 1 - p.processing_share_of_subsidy)):
                if _changed(obs.subsidy[(material, stage)], budget * share):
                    actions.append(Action(obs.name, Kind.SUBSIDIZE, (material,),
                                          params={"usd_m_per_year": budget * share,
                                                  "stage": stage}))
            research = p.research_usd_m_per_year_at_full_risk * intensity * weight
            if _changed(obs.research[material], research):
                actions.append(Action(obs.name, Kind.RESEARCH, (material,),
                                      params={"usd_m_per_year": research}))
        policies = obs.policy_toward_me.values()
        if p.wto_on_quota and not obs.wto_case_filed and any(v.regime == "quota"
                                                             for v in policies):
            actions.append(Action(obs.name, Kind.WTO_CASE))
        banned = any(v.regime == "ban" for v in policies)
        if p.retaliate_on_ban and banned != (obs.retaliating > 0):
            actions.append(Action(obs.name, Kind.RETALIATE, params={"level": float(banned)}))
        if not obs.deal_pending and max(obs.shortage.values(), default=0) > p.deal_shortage:
            actions.append(Action(obs.name, Kind.OFFER_DEAL,
                                  params={"concession_usd_m": p.concession_usd_m}))
        at_risk = max(obs.risk.values(), default=0) > p.risk_threshold
        if p.coordinate and obs.allies and at_risk != obs.coordinating:
            actions.append(Action(obs.name, Kind.COORDINATE, params={"active": at_risk}))
        return tuple(actions)
