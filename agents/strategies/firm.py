"""Decision rules for the manufacturer population, vectorised over firms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

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
        chosen = risk_buffer(
            RiskBufferInputs(
                risk=obs.risk,
                base_days=obs.base_buffer_days,
                risk_days=obs.risk_buffer_days,
                base_contracted=obs.base_contracted,
                contracted=obs.contracted,
                price_push=price_push,
                sensitivity=float(p.sourcing_sensitivity),
                threshold=float(p.switch_threshold),
                risk_trigger=float(p.thrift_risk_trigger),
            )
        )
        return FirmDecision(
            target_days=chosen.target_days,
            contracted=chosen.contracted,
            thrift_effort=chosen.thrift_effort,
        )


class RiskBufferInputs(NamedTuple):
    """What the default firm rule reads (N firms, M materials)."""

    risk: np.ndarray  # N × M, each firm's own perceived risk
    base_days: np.ndarray  # N, inventory days held at no risk
    risk_days: np.ndarray  # N, extra days at full risk
    base_contracted: np.ndarray  # N × M, non-China share contracted at no risk
    contracted: np.ndarray  # N × M, the share contracted now
    price_push: np.ndarray  # M, thrifting effort the price alone calls for
    sensitivity: float  # contracted share added per unit of risk
    threshold: float  # smallest change worth a renegotiation
    risk_trigger: float  # risk above which thrifting starts


class RiskBufferChoice(NamedTuple):
    """The default firm rule's choice, each N × M."""

    target_days: np.ndarray
    contracted: np.ndarray
    thrift_effort: np.ndarray


@njit(cache=True)
def risk_buffer(inputs):
    """Every firm's rule in one compiled pass (risk is already each firm's own: impulses
    scaled by its sensitivity). Target inventory days rise with risk; the contracted
    non-China share moves to base + sensitivity × risk when the change is worth a
    renegotiation; thrifting effort is the larger of the price push and the risk push.
    Reference: :func:`overplay.agents.firm_kernels_reference.risk_buffer`."""
    risk, base_days, risk_days = inputs.risk, inputs.base_days, inputs.risk_days
    base_contracted, contracted, price_push = (
        inputs.base_contracted,
        inputs.contracted,
        inputs.price_push,
    )
    sensitivity, threshold, risk_trigger = inputs.sensitivity, inputs.threshold, inputs.risk_trigger
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
    return RiskBufferChoice(target_days, new_contracted, effort)
