"""The action vocabulary shared by strategies, scripted events, people and the action log.

Every decision in Overplay — a strategy's, a scripted event's or (later) a
seminar player's — is expressed as an :class:`Action`. Agents validate and
apply actions; nothing else changes the world. That single vocabulary is what
lets a human, a script and an algorithm play the same role interchangeably.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model


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
    {
        Kind.OPEN,
        Kind.LICENSE,
        Kind.QUOTA,
        Kind.BAN,
        Kind.TECH_BAN,
        Kind.ENFORCE,
        Kind.PRICE_WAR,
        Kind.PARTNERSHIP,
        Kind.ACCEPT_DEAL,
    }
)
IMPORTER_KINDS = frozenset(
    {
        Kind.STOCKPILE,
        Kind.SUBSIDIZE,
        Kind.PRICE_FLOOR,
        Kind.RESEARCH,
        Kind.RETALIATE,
        Kind.OFFER_DEAL,
        Kind.WTO_CASE,
        Kind.COORDINATE,
    }
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

#: Which kinds each role may take.
KINDS_OF_ROLE: dict[str, frozenset[Kind]] = {
    "china": CHINA_KINDS,
    "importer": IMPORTER_KINDS,
    "producer": PRODUCER_KINDS,
}

#: The range of each parameter, by name (a name means the same for every kind). Money
#: is capped at USD 1 trillion (a year), far above any policy, so that no sum overflows.
_MONEY = Annotated[float, Field(ge=0, le=1_000_000)]
_FRACTION = Annotated[float, Field(ge=0, le=1)]
PARAMETER_TYPES: dict[str, Any] = {
    "approval_rate": _FRACTION,
    "delay_months": Annotated[float, Field(ge=-1, le=120)],  # negative: the scenario's
    "cut": _FRACTION,
    "active": bool,
    "level": _FRACTION,
    "discount": Annotated[float, Field(ge=0, le=0.9)],
    "importer": str,
    "target_days": Annotated[float, Field(ge=0, le=720)],
    "usd_m_per_year": _MONEY,
    "stage": Literal["mining", "processing"],
    "usd_per_kg": Annotated[float, Field(ge=0, le=1_000_000)],
    "instrument": Annotated[str, Field(max_length=100)],
    "concession_usd_m": _MONEY,
    "months": Annotated[float, Field(gt=0, le=120)],
    "capacity_t_per_year": Annotated[float, Field(gt=0, le=10_000_000)],
    "lead_time_years": Annotated[float, Field(gt=0, le=30)],
}


class _ParameterRules(BaseModel):
    """Strict types (true/false is not a number), finite numbers, no unknown keys."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


#: One schema per kind, built from :data:`PARAMETERS` and :data:`PARAMETER_TYPES`.
PARAMETER_SCHEMAS: dict[Kind, type[BaseModel]] = {
    kind: create_model(
        f"{kind.value.title()}Parameters",
        __base__=_ParameterRules,
        **{
            name: (PARAMETER_TYPES[name], ... if default is None else default)
            for name, default in defaults.items()
        },
    )
    for kind, defaults in PARAMETERS.items()
}


def parameter_problems(kind: Kind, params: Mapping[str, Any]) -> list[tuple[tuple[str, ...], str]]:
    """Parameters of a ``kind`` action that are unknown, missing, of the wrong type or
    out of range, as (("params", name), message) pairs."""
    try:
        PARAMETER_SCHEMAS[kind].model_validate(dict(params))
    except ValidationError as exc:
        allowed = ", ".join(sorted(PARAMETERS[kind])) or "none"
        messages = {
            "extra_forbidden": f"unknown parameter of {kind.value} (allowed: {allowed})",
            "missing": f"{kind.value} needs this parameter",
        }
        return [
            (("params", *map(str, error["loc"])), messages.get(error["type"], error["msg"]))
            for error in exc.errors()
        ]
    return []


def action_problems(
    action: Action, role: str, materials: Collection[str], importers: Collection[str]
) -> list[tuple[tuple[str, ...], str]]:
    """What is wrong with ``action`` for an actor of ``role`` in a scenario with these
    materials and importers, as (key path within the action, message) pairs.

    Scripted events are checked with it when a scenario is loaded, so that a bad
    parameter is reported at its line instead of surfacing as NaN in the results."""
    problems: list[tuple[tuple[str, ...], str]] = []
    allowed = KINDS_OF_ROLE.get(role, frozenset())
    if action.kind not in allowed:
        kinds = ", ".join(sorted(k.value for k in allowed)) or "none"
        problems.append(
            (
                ("action",),
                f"{action.actor} ({role}) cannot take action "
                f"{action.kind.value!r}; its actions: {kinds}",
            )
        )
    unknown = sorted(set(action.materials) - set(materials))
    if unknown:
        problems.append(
            (("materials",), f"unknown material(s) {unknown}; known: {sorted(materials)}")
        )
    destinations = {*importers, "other"}
    unknown = sorted(set(action.targets) - destinations)
    if unknown:
        problems.append(
            (
                ("targets",),
                f"unknown destination(s) {unknown}; known: "
                f"{sorted(importers)} and 'other' (third countries)",
            )
        )
    problems += parameter_problems(action.kind, action.params)
    if "importer" in action.params and action.params["importer"] not in importers:
        problems.append(
            (
                ("params", "importer"),
                f"unknown importer {action.params['importer']!r}; known: {sorted(importers)}",
            )
        )
    return problems


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
        return (
            Action,
            (
                self.actor,
                self.kind,
                self.materials,
                self.targets,
                dict(self.params),
                self.source,
                self.note,
            ),
        )

    def param(self, key: str) -> Any:
        """The value of one parameter (defaults applied)."""
        return self.params[key]

    def describe_params(self) -> str:
        """Parameters as ``key=value`` pairs for the action log."""
        return ";".join(f"{k}={v}" for k, v in sorted(self.params.items()))
