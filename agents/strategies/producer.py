"""Investment rules for producers outside China."""

from __future__ import annotations

import numpy as np

from overplay.agents.actions import Action, Kind
from overplay.agents.observations import ProducerObservation
from overplay.agents.strategies.base import Strategy, register
from overplay.model.units import STAGES


def _likelier(base: float, excess_in_scales: float) -> float:
    """The chance of investing: the base chance at the hurdle, rising toward 1 as the
    excess margin grows, ``1 - (1 - base)^(1 + excess)`` (no cap that ignores price)."""
    return 1.0 - (1.0 - base) ** (1.0 + excess_in_scales)


@register
class MarginInvestor(Strategy):
    """Invests where the expected margin over full cost beats the hurdle: operators
    expand (one project at a time per stage) with some probability, permitted deposits
    are developed at GLOMBO's 8 %/yr opening rate [X12]; bigger margins make both likelier,
    without a cap: each margin scale of excess counts as one more try at the base chance.
    Bigger margins also make projects bigger, up to the largest sourced project [S05]."""

    name = "margin_investor"
    role = "producer"
    classifier = {"memory_depth": 1, "stochastic": True}

    def decide(self, observation: ProducerObservation, rng: np.random.Generator):
        obs = observation
        actions = []
        for material in obs.materials:
            for stage in STAGES:
                margin = obs.expected_margin[(material, stage)]
                excess = margin - obs.hurdle_margin
                if excess <= 0 or obs.pipeline[(material, stage)] > 0:
                    continue
                current = obs.capacity[(material, stage)]
                if obs.greenfield:
                    chance = _likelier(obs.greenfield_probability, excess / 0.25)
                    size = obs.entrant_size[material]
                    lead = obs.lead_time_years[f"greenfield_{stage}"]
                elif current > 0:
                    chance = _likelier(obs.brownfield_probability, excess / 0.5)
                    size = max(obs.expansion_fraction * current, obs.entrant_size[material])
                    lead = obs.lead_time_years["brownfield"]
                else:
                    continue
                size *= min(1.0 + excess / obs.size_margin_scale, obs.max_project_multiple)
                if rng.random() < chance:
                    actions.append(
                        Action(
                            obs.name,
                            Kind.INVEST,
                            (material,),
                            params={
                                "stage": stage,
                                "capacity_t_per_year": float(size),
                                "lead_time_years": float(lead),
                            },
                        )
                    )
        return tuple(actions)
