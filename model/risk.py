"""Perceived supply risk and reputation: memories that rise with events and decay.

Risk reads a memory of refused supply: each month adds the share of supply China
refused (one's own, plus a share of others'), and the memory decays with a
half-life. Perceived risk saturates gradually in that memory,
``r = 1 - 2^(-sensitivity · memory / half_saturation)``, so a second and a tenth
restriction still raise it, a licence that approves everything does not, and risk
fades with time since the last refusal. Reputation loses in proportion to the
severity of China's regimes: losses multiply it down, recovery closes part of the
gap to 1.
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
    """How harsh a regime is toward the destination it targets, in [0, 1]: what China's
    reputation reads (perceived risk reads the supply actually refused instead).

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


def perceived_risk(
    memory: np.ndarray, sensitivity: np.ndarray | float, half_saturation: float
) -> np.ndarray:
    """Perceived risk in [0, 1) from remembered months of refused supply."""
    return 1.0 - 0.5 ** (np.asarray(sensitivity) * np.asarray(memory) / half_saturation)


def memory_for(risk: float, sensitivity: float, half_saturation: float) -> float:
    """The remembered refused supply at which an importer perceives ``risk`` (the
    inverse of :func:`perceived_risk`; a risk of 1 is taken as 0.999)."""
    if sensitivity <= 0 or risk <= 0:
        return 0.0
    return float(half_saturation * np.log2(1.0 / (1.0 - min(risk, 0.999))) / sensitivity)


def update_reputation(reputation: float, loss: float, recovery: float) -> float:
    """Recover part of the gap to 1, then lose ``loss`` of what is left."""
    recovered = reputation + (1.0 - reputation) * recovery
    return min(max(float(recovered * (1.0 - min(max(loss, 0.0), 1.0))), 0.0), 1.0)
