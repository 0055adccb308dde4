"""Immutable observations: what a player may see when it decides.

An agent builds one of these each decision round and hands it to its
strategy. Observations are frozen (mappings are read-only, arrays are
non-writeable) so a strategy cannot change the world except by returning
actions — and a person in the seminar sees exactly what an algorithm sees.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class PolicyView:
    """China's export regime toward one destination for one material."""

    regime: str
    approval_rate: float
    delay_months: float
    cut: float
    months_in_place: int


@dataclass(frozen=True)
class ChinaObservation:
    """What the supplier state sees at the start of a round."""

    round: int
    step: int
    date: str
    materials: tuple[str, ...]
    importers: tuple[str, ...]
    policy: Mapping[tuple[str, str], PolicyView]
    price_multiple: Mapping[str, float]
    processing_share: Mapping[str, float]
    diversification_momentum: Mapping[str, float]
    reputation: Mapping[str, float]
    retaliation: Mapping[str, float]
    deal_offers: Mapping[str, float]
    leverage: Mapping[tuple[str, str], float]
    quota_allowed: bool
    tech_ban: bool
    price_war: Mapping[str, float]
    forecast: Callable[..., float] | None = field(default=None, compare=False, repr=False)
    #: China's supply side: domestic price / reference, last month's legal output
    #: (t/month), the state reserve (t) and the enforcement level.
    domestic_price_multiple: Mapping[str, float] = field(default_factory=dict)
    legal_output: Mapping[str, float] = field(default_factory=dict)
    reserve_t: Mapping[str, float] = field(default_factory=dict)
    reserve_rate: Mapping[str, float] = field(default_factory=dict)  # t/month, − sells
    enforcement: float = 0.0


@dataclass(frozen=True)
class ImporterObservation:
    """What one importer state sees at the start of a round.

    ``forecast(actions, rounds)`` values candidate actions by simulating a copy of
    the world (best-response strategies use it; ChinaObservation has one too).
    """

    name: str
    round: int
    step: int
    date: str
    materials: tuple[str, ...]
    allies: tuple[str, ...]
    risk: Mapping[str, float]
    reputation_of_china: float
    policy_toward_me: Mapping[str, PolicyView]
    shortage: Mapping[str, float]
    price_multiple: Mapping[str, float]
    stockpile_days: Mapping[str, float]
    stockpile_target_days: Mapping[str, float]
    subsidy: Mapping[tuple[str, str], float]
    research: Mapping[str, float]
    import_value_share: Mapping[str, float]
    leverage: Mapping[str, float]
    retaliating: float
    wto_case_filed: bool
    coordinating: bool
    deal_pending: bool
    forecast: Callable[..., float] | None = field(default=None, compare=False, repr=False)
    #: per material, months since the latest fixed-length subsidy programme ended
    #: (infinite: none yet; negative: one is running)
    months_since_programme: Mapping[str, float] = field(default_factory=dict)
    #: per material, whether China's trade toward us has been open (or licensed without
    #: refusals) in some month since the latest programme began
    open_since_programme: Mapping[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class ProducerObservation:
    """What a producer (or a prospective entrant) sees at an investment decision."""

    name: str
    step: int
    materials: tuple[str, ...]
    greenfield: bool
    capacity: Mapping[tuple[str, str], float]
    pipeline: Mapping[tuple[str, str], float]
    expected_margin: Mapping[tuple[str, str], float]
    hurdle_margin: float
    brownfield_probability: float
    greenfield_probability: float
    expansion_fraction: float
    entrant_size: Mapping[str, float]
    lead_time_years: Mapping[str, float]
    size_margin_scale: float = 1.0  # excess margin that doubles a project's size
    max_project_multiple: float = 1.0  # largest project / base size


@dataclass(frozen=True)
class FirmObservation:
    """What the manufacturer population sees each round (arrays over firms)."""

    risk: np.ndarray
    sensitivity: np.ndarray
    base_buffer_days: np.ndarray
    risk_buffer_days: np.ndarray
    contracted: np.ndarray
    base_contracted: np.ndarray
    price_multiple: np.ndarray
    max_thrift: np.ndarray


def frozen_array(values: np.ndarray) -> np.ndarray:
    """A read-only copy, so strategies cannot write into the model's state."""
    copy = np.array(values, dtype=float, copy=True)
    copy.setflags(write=False)
    return copy
