"""The memories phase of a month, after the market: what agents carry into the next one.

:func:`update_memories` updates the importers' memory of refused supply and their
perceived risk (the firms read theirs from the memory when needed), recycling and
thrifting in one compiled pass (:func:`overplay.agents.firm_kernels.memories`), then
China's reputation with each destination and third countries' uptake of China's
partnership. It reads the month's refusals and shortages the market phase
(:mod:`overplay.model.month`) left in ``model.last``. Written as a function of the model so
:mod:`overplay.model.leverage_model` stays short; every formula is in ``docs/odd.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from overplay.agents.china import OTHER
from overplay.agents.firm_kernels import MemoryInputs, memories
from overplay.model.columns import PARTNERSHIPS
from overplay.model.month_inputs import coordinating_allies
from overplay.model.risk import severity, update_reputation

if TYPE_CHECKING:
    from overplay.model.leverage_model import LeverageModel


def update_memories(model: LeverageModel) -> None:
    """Perceived risk (importers, firms), reputation, recycling and thrifting."""
    sc = model.config
    cfg = sc.risk
    mats = model.materials
    chn = model.china
    step = model.step_count
    restricted = chn.restricted_pairs()
    severities = {}  # for reputation: the harsher of the pair's two products
    for pair in restricted:
        severities[pair] = max(
            severity(p.regime, p.approval_rate, p.delay_months, p.cut, cfg)
            for p in (chn.policy[pair], chn.magnet_policy[pair])
        )
    # Memory of refused supply, importers' risk, recycling and thrifting in one pass.
    arrays = model.importer_arrays
    policy = sc.policy
    pop = model.firm_population
    clearing = model.last.clearing
    remembered = memories(
        MemoryInputs(
            refused=with_magnets(model, clearing.refused, clearing.magnet_refused),
            orders=with_magnets(model, clearing.orders, clearing.magnet_orders),
            allies=coordinating_allies(model),
            spillover=float(cfg.spillover),
            shortage=model.last.shortage,
            shortage_weight=float(cfg.shortage_weight),
            memory=arrays.refusal_memory,
            sensitivity=arrays.sensitivity,
            retention=float(model.retention),
            half_saturation=float(cfg.half_saturation_months),
            research_stock=arrays.research_stock,
            recycling=arrays.recycling_rate,
            research_half=float(policy.research_half_usd_m),
            recycling_base=float(policy.recycling_base),
            recycling_max=float(policy.recycling_max),
            recycling_lag=float(policy.recycling_lag_months),
            region=pop.region,
            thrift=pop.thrift,
            committed=pop.thrift_committed,
            sticky=pop.thrift_sticky,
            sticky_share=pop.sticky_share,
            reversal_months=float(policy.thrift_reversal_months),
            effort=pop.thrift_effort,
            max_thrift=pop.max_thrift,
            thrift_rate=float(policy.thrift_rate_per_year),
            thrift_lag=float(policy.thrift_lag_months),
        )
    )
    risk, recycling, pop.region_memory = remembered.risk, remembered.recycling, remembered.memory
    model.last.risk, model.last.recycling = risk, recycling
    arrays.risk[:], arrays.recycling_rate[:] = risk, recycling
    arrays.refusal_memory[:] = remembered.memory

    # Reputation: own treatment, plus how broadly China restricts.
    pairs = len(mats) * len(model.destinations)
    breadth = len(restricted) / pairs
    mean_sev = float(np.mean(list(severities.values()))) if severities else 0.0
    for d in model.destinations:
        own = max((severities.get((m, d), 0.0) for m in mats), default=0.0) if severities else 0.0
        weight = cfg.third_country_weight if d == OTHER else cfg.spillover
        loss = cfg.reputation_sensitivity * (own + weight * breadth * mean_sev)
        chn.reputation[d] = update_reputation(chn.reputation[d], loss, model.reputation_recovery)

    # Partnerships: third countries take up China's offer, likelier when it is trusted.
    round_start = (step - 1) % sc.timing.decision_interval_months == 0
    if (
        chn.partnership_offered
        and round_start
        and model.rng.random() < sc.policy.partnership_uptake * chn.reputation[OTHER]
    ):
        chn.partners += 1
        model.partner_ore_share = min(0.5, chn.partners * sc.china.partnership_ore_share)
        model.add_payoff("china", (PARTNERSHIPS, sc.china.partnership_value_usd_m))
        model.log_event(
            OTHER,
            "join_partnership",
            target="china",
            parameters=f"partners={chn.partners}",
            source="uptake",
        )


def with_magnets(model: LeverageModel, oxides: np.ndarray, magnets: np.ndarray) -> np.ndarray:
    """Materials × destinations oxide flows plus the importers' Chinese magnet flows
    (materials × importers): a refused magnet is refused supply like a refused oxide."""
    if not model.magnets_in_use:
        return oxides
    total = oxides.copy()
    total[:, : magnets.shape[1]] += magnets
    return total
