"""Decision rules for the manufacturer population, vectorised over firms."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import Field

from overplay.agents.observations import FirmObservation
from overplay.agents.strategies.base import Strategy, StrategyParams, register
from overplay.model.jit import njit


def _unit(values: np.ndarray) -> np.ndarray:
    """Clipped to [0, 1] (``np.clip`` without its wrapper's cost on every call)."""
    return np.minimum(np.maximum(values, 0.0), 1.0)


@dataclass(frozen=True)
class FirmDecision:
    """Per-firm, per-material choices (arrays of shape firms × materials)."""

    target_days: np.ndarray
    contracted: np.ndarray
    thrift_effort: np.ndarray


class RiskBufferParams(StrategyParams):
    switch_threshold: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Least change in the contracted non-China share worth renegotiating.",
    )
    sourcing_sensitivity: float = Field(
        0.6, ge=0, le=1, description="Extra contracted non-China share at perceived risk 1."
    )
    thrift_price_trigger: float = Field(
        1.5, ge=1, description="Price multiple that starts redesign for thrifting."
    )
    thrift_price_full: float = Field(
        3.0, gt=1, description="Price multiple at which thrifting effort is full."
    )
    thrift_risk_trigger: float = Field(
        0.5, ge=0, le=1, description="Perceived risk that starts redesign on its own."
    )


@register
class RiskBuffer(Strategy):
    """Holds more inventory and contracts more non-China supply as perceived risk rises,
    and redesigns products (thrifting) when prices or risk stay high (Sprecher et al. 2017)."""

    name = "risk_buffer"
    role = "firm"
    classifier = {"memory_depth": 1, "stochastic": False, "vectorised": True}
    Params = RiskBufferParams

    def decide(self, observation: FirmObservation, rng: np.random.Generator) -> FirmDecision:
        p = self.params
        obs = observation
        price_push = _unit(
            (obs.price_multiple - p.thrift_price_trigger)
            / (p.thrift_price_full - p.thrift_price_trigger)
        )
        target_days, contracted, effort = _risk_buffer(
            obs.risk,
            obs.base_buffer_days,
            obs.risk_buffer_days,
            obs.base_contracted,
            obs.contracted,
            price_push,
            p.sourcing_sensitivity,
            p.switch_threshold,
            p.thrift_risk_trigger,
        )
        return FirmDecision(target_days=target_days, contracted=contracted, thrift_effort=effort)


@njit(cache=True)
def _risk_buffer(
    risk,
    base_days,
    risk_days,
    base_contracted,
    contracted,
    price_push,
    sensitivity,
    threshold,
    risk_trigger,
):
    """Every firm's rule in one compiled pass (risk is already each firm's own: impulses
    scaled by its sensitivity). Target inventory days rise with risk; the contracted
    non-China share moves to base + sensitivity × risk when the change is worth a
    renegotiation; thrifting effort is the larger of the price push and the risk push.
    Reference: :func:`overplay.agents.firm_kernels_reference.risk_buffer`."""
    n, m = risk.shape
    target_days = np.empty((n, m))
    new_contracted = np.empty((n, m))
    effort = np.empty((n, m))
    for i in range(n):
        for j in range(m):
            target_days[i, j] = base_days[i] + risk_days[i] * risk[i, j]
            wanted = min(max(base_contracted[i, j] + sensitivity * risk[i, j], 0.0), 1.0)
            if abs(wanted - contracted[i, j]) > threshold:
                new_contracted[i, j] = wanted
            else:
                new_contracted[i, j] = contracted[i, j]
            push = min(max((risk[i, j] - risk_trigger) / (1 - risk_trigger + 1e-9), 0.0), 1.0)
            effort[i, j] = max(price_push[j], push)
    return target_days, new_contracted, effort
