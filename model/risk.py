"""Perceived supply risk and reputation: memories that rise with events and decay.

Both are bounded in [0, 1]. Risk combines impulses like independent
probabilities, ``r' = 1 - (1 - r·d)(1 - i)``, so repeated restrictions push it
toward 1 without overshooting; it decays with a half-life. Reputation is the
mirror image: losses multiply it down, recovery closes part of the gap to 1.
"""

from __future__ import annotations

import numpy as np

from overplay.agents.actions import Regime
from overplay.model.config_world import RiskConfig


def decay_factor(half_life_months: float) -> float:
    """Monthly retention of a memory with the given half-life."""
    return float(0.5 ** (1.0 / half_life_months))


def severity(
    regime: Regime, approval_rate: float, delay_months: float, cut: float, cfg: RiskConfig
) -> float:
    """How alarming a regime is to the importer it targets, in [0, 1].

    Ban > quota > licensing > open. Licensing rises toward a ban as approvals
    fall and delays lengthen (slow licensing read as a de facto ban).
    """
    if regime is Regime.OPEN:
        return 0.0
    if regime is Regime.BAN:
        return cfg.severity_ban
    if regime is Regime.QUOTA:
        base = cfg.severity_quota_base
        return float(min(1.0, base + (cfg.severity_ban - base) * cut))
    base = cfg.severity_licensing_base
    slowness = min(1.0, delay_months / 12.0)
    harshness = 1.0 - approval_rate * (1.0 - slowness)
    return float(min(cfg.severity_ban, base + (cfg.severity_ban - base) * harshness * 0.8))


def update_risk(
    risk: np.ndarray | float, impulse: np.ndarray | float, retention: float
) -> np.ndarray | float:
    """Decay the memory, then add the new impulse."""
    impulse = np.clip(impulse, 0.0, 1.0)
    return 1.0 - (1.0 - np.asarray(risk) * retention) * (1.0 - impulse)


def update_reputation(reputation: float, loss: float, recovery: float) -> float:
    """Recover part of the gap to 1, then lose ``loss`` of what is left."""
    recovered = reputation + (1.0 - reputation) * recovery
    return min(max(float(recovered * (1.0 - min(max(loss, 0.0), 1.0))), 0.0), 1.0)
