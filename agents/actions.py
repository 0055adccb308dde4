"""The action vocabulary shared by strategies, scripted events, people and the action log.

Every decision in Overplay — a strategy's, a scripted event's or (later) a
seminar player's — is expressed as an :class:`Action`. Agents validate and
apply actions; nothing else changes the world. That single vocabulary is what
lets a human, a script and an algorithm play the same role interchangeably.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any


class Regime(StrEnum):
    """China's export regime toward one destination for one material group."""

    OPEN = "open"
    LICENSING = "licensing"
    QUOTA = "quota"
    BAN = "ban"


class Kind(StrEnum):
    """What an action does. The actor's role decides which kinds it may use."""

    # China (supplier state)
    OPEN = "open"
    LICENSE = "license"
    QUOTA = "quota"
    BAN = "ban"
    TECH_BAN = "tech_ban"
    ENFORCE = "enforce"
    PRICE_WAR = "price_war"
    PARTNERSHIP = "partnership"
    ACCEPT_DEAL = "accept_deal"
    # importer states
    STOCKPILE = "stockpile"
    SUBSIDIZE = "subsidize"
    PRICE_FLOOR = "price_floor"
    RESEARCH = "research"
    RETALIATE = "retaliate"
    OFFER_DEAL = "offer_deal"
    WTO_CASE = "wto_case"
    COORDINATE = "coordinate"
    # producers
    INVEST = "invest"


CHINA_KINDS = frozenset(
    {Kind.OPEN, Kind.LICENSE, Kind.QUOTA, Kind.BAN, Kind.TECH_BAN, Kind.ENFORCE,
     Kind.PRICE_WAR, Kind.PARTNERSHIP, Kind.ACCEPT_DEAL}
)
IMPORTER_KINDS = frozenset(
    {Kind.STOCKPILE, Kind.SUBSIDIZE, Kind.PRICE_FLOOR, Kind.RESEARCH, Kind.RETALIATE,
     Kind.OFFER_DEAL, Kind.WTO_CASE, Kind.COORDINATE}
)
PRODUCER_KINDS = frozenset({Kind.INVEST})

#: The regime an export-restriction action puts in place.
REGIME_OF_KIND = {
    Kind.OPEN: Regime.OPEN,
    Kind.LICENSE: Regime.LICENSING,
    Kind.QUOTA: Regime.QUOTA,
    Kind.BAN: Regime.BAN,
}

#: Parameters each kind accepts, with their defaults (None = required).
PARAMETERS: dict[Kind, dict[str, Any]] = {
    Kind.OPEN: {},
    # delay_months < 0: the scenario's timing.licence_delay_months (45 working days [E02])
    Kind.LICENSE: {"approval_rate": 0.8, "delay_months": -1.0},
    Kind.QUOTA: {"cut": 0.4},
    Kind.BAN: {},
    Kind.TECH_BAN: {"active": True},
    Kind.ENFORCE: {"level": 1.0},
    Kind.PRICE_WAR: {"discount": 0.3, "active": True},
    Kind.PARTNERSHIP: {"active": True},
    Kind.ACCEPT_DEAL: {"importer": None},
    Kind.STOCKPILE: {"target_days": None},
    Kind.SUBSIDIZE: {"usd_m_per_year": None, "stage": "processing"},
    Kind.PRICE_FLOOR: {"usd_per_kg": None},
    Kind.RESEARCH: {"usd_m_per_year": None},
    Kind.RETALIATE: {"level": 1.0, "instrument": "tariffs"},
    Kind.OFFER_DEAL: {"concession_usd_m": None, "months": 12.0},
    Kind.WTO_CASE: {},
    Kind.COORDINATE: {"active": True},
    Kind.INVEST: {"stage": None, "capacity_t_per_year": None, "lead_time_years": None},
}

#: Parameters whose value is text, not a number.
TEXT_PARAMETERS = frozenset({"stage", "instrument", "importer"})


@dataclass(frozen=True)
class Action:
    """One decision: who does what, on which materials, toward whom.

    ``materials`` and ``targets`` are tuples of names; an empty tuple means
    "all" (all material groups, all importers). ``params`` holds the kind's
    parameters (see :data:`PARAMETERS`); missing ones take their defaults.
    """

    actor: str
    kind: Kind
    materials: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    source: str = "strategy"
    note: str = ""

    def __post_init__(self) -> None:
        defaults = PARAMETERS[self.kind]
        unknown = set(self.params) - set(defaults)
        if unknown:
            raise ValueError(
                f"{self.kind.value}: unknown parameter(s) {sorted(unknown)}; "
                f"allowed: {sorted(defaults) or 'none'}"
            )
        merged = {**defaults, **dict(self.params)}
        missing = [k for k, v in merged.items() if v is None]
        if missing:
            raise ValueError(f"{self.kind.value}: missing parameter(s) {missing}")
        for key, value in merged.items():
            if key not in TEXT_PARAMETERS and not isinstance(value, bool | int | float):
                raise ValueError(f"{self.kind.value}: parameter {key!r} must be a number")
        object.__setattr__(self, "params", MappingProxyType(merged))
        object.__setattr__(self, "materials", tuple(self.materials))
        object.__setattr__(self, "targets", tuple(self.targets))

    def __reduce__(self) -> tuple:
        """Pickle through the constructor (read-only mappings do not pickle), so models
        holding scripted actions can be saved and resumed."""
        return (Action, (self.actor, self.kind, self.materials, self.targets,
                         dict(self.params), self.source, self.note))

    def param(self, key: str) -> Any:
        """The value of one parameter (defaults applied)."""
        return self.params[key]

    def describe_params(self) -> str:
        """Parameters as ``key=value`` pairs for the action log."""
        return ";".join(f"{k}={v}" for k, v in sorted(self.params.items()))
