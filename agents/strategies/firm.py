"""Decision rules for the manufacturer population, vectorised over firms."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import Field

from agents.observations import FirmObservation
from agents.strategies.base import Strategy, StrategyParams, register


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
    switch_threshold: float = Field(0.05, ge=0, le=1, description="Least change in the "
                                    "contracted non-China share worth renegotiating.")
    sourcing_sensitivity: float = Field(0.6, ge=0, le=1, description="Extra contracted "
                                        "non-China share at perceived risk 1.")
    thrift_price_trigger: float = Field(1.5, ge=1, description="Price multiple that "
                                        "starts redesign for thrifting.")
    thrift_price_full: float = Field(3.0, gt=1, description="Price multiple at which "
                                     "thrifting effort is full.")
    thrift_risk_trigger: float = Field(0.5, ge=0, le=1, description="Perceived risk that "
                                       "starts redesign on its own.")


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
        risk = obs.risk  # already each firm's own (impulses scaled by its sensitivity)
        target_days = obs.base_buffer_days[:, None] + obs.risk_buffer_days[:, None] * risk
        wanted = _unit(obs.base_contracted + p.sourcing_sensitivity * risk)
        contracted = np.where(np.abs(wanted - obs.contracted) > p.switch_threshold,
                              wanted, obs.contracted)
        price_push = _unit((obs.price_multiple - p.thrift_price_trigger)
                           / (p.thrift_price_full - p.thrift_price_trigger))
        risk_push = _unit((risk - p.thrift_risk_trigger) / (1 - p.thrift_risk_trigger + 1e-9))
        effort = np.maximum(price_push[None, :], risk_push)
        return FirmDecision(target_days=target_days, contracted=contracted,
                            thrift_effort=effort)
