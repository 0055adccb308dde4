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
from functools import cached_property
from types import MappingProxyType
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model


class Regime(StrEnum):
    """China's export regime toward one destination for one material group."""

    OPEN = "open"
    LICENSING = "licensing"
    QUOTA = "quota"
    BAN = "ban"


def open_in_effect(regime: str, approval_rate: float) -> bool:
    """Open trade, or licences that approve every request (as after a WTO ruling): what
    China's policy toward a destination is when it refuses nothing."""
    return regime == Regime.OPEN or (regime == Regime.LICENSING and approval_rate >= 1)


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
    PRODUCTION_QUOTA = "production_quota"
    RESERVE = "reserve"
    PARTNERSHIP = "partnership"
    ACCEPT_DEAL = "accept_deal"
    SUSPEND = "suspend"
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


#: Ranges of parameter values. Money is capped at USD 1 trillion (a year), far above any
#: policy, so that no sum overflows.
MONEY = Annotated[float, Field(ge=0, le=1_000_000)]
FRACTION = Annotated[float, Field(ge=0, le=1)]
STAGE = Literal["mining", "processing"]
SUBSIDY_STAGE = Literal["mining", "processing", "magnets"]


@dataclass(frozen=True)
class Param:
    """One parameter of an action kind: its range (a pydantic type) and its default
    (None: the actor must give it)."""

    range: Any
    default: Any = None

    @property
    def text(self) -> bool:
        """Whether the value is text rather than a number."""
        base = get_args(self.range)[0] if get_origin(self.range) is Annotated else self.range
        return base is str or get_origin(base) is Literal


@dataclass(frozen=True)
class Logged:
    """The action-log rows an applied action asks for when not its default ones:
    (material, target) pairs and a note (empty: the action's own)."""

    pairs: tuple[tuple[str, str], ...]
    note: str = ""


@dataclass(frozen=True)
class KindSpec:
    """Everything about one action kind, in one place.

    ``handler`` names the method of the actor's agent (China's
    :class:`~overplay.agents.china.SupplierState`, an
    :class:`~overplay.agents.importer.ImporterState` or a
    :class:`~overplay.agents.producers.Producer`) that carries the action out; it
    returns :class:`Logged` when the action log should not get the default rows.
    ``per_material``: an action naming no material concerns every material, and is
    logged once per material (otherwise once, with no material)."""

    role: str
    handler: str
    params: Mapping[str, Param] = field(default_factory=dict)
    regime: Regime | None = None
    per_material: bool = False

    @cached_property
    def defaults(self) -> dict[str, Any]:
        """Each parameter's default (None = required)."""
        return {name: p.default for name, p in self.params.items()}

    @cached_property
    def schema(self) -> type[BaseModel]:
        """The pydantic model that checks a parameter mapping of this kind."""
        return create_model(
            "KindParameters",
            __base__=_ParameterRules,
            **{
                name: (p.range, ... if p.default is None else p.default)
                for name, p in self.params.items()
            },
        )


class _ParameterRules(BaseModel):
    """Strict types (true/false is not a number), finite numbers, no unknown keys."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


_SWITCH = {"active": Param(bool, True)}
#: Which of China's exports a regime covers: separated products (oxides, metals),
#: magnets, or both. MOFCOM's April 2025 licences named the elements and magnets
#: containing them [E01]; the 2010 quotas named separated products only.
_PRODUCTS = {"products": Param(Literal["all", "oxides", "magnets"], "all")}
#: Months from announcing a restriction to its taking effect (0: at once). MOFCOM
#: announced the October 2025 expansion on 9 Oct, effective 1 Dec [E12].
_EFFECTIVE = {"effective_in_months": Param(Annotated[float, Field(ge=0, le=120)], 0.0)}

#: Every action kind, declared once.
KINDS: dict[Kind, KindSpec] = {
    # China: export regimes (each sets the regime of the pairs it names)
    Kind.OPEN: KindSpec("china", "set_regime", _PRODUCTS, Regime.OPEN),
    Kind.LICENSE: KindSpec(
        "china",
        "set_regime",
        {
            "approval_rate": Param(FRACTION, 0.8),
            # negative: the scenario's timing.licence_delay_months (45 working days [E02])
            "delay_months": Param(Annotated[float, Field(ge=-1, le=120)], -1.0),
            **_EFFECTIVE,
            **_PRODUCTS,
        },
        regime=Regime.LICENSING,
    ),
    Kind.QUOTA: KindSpec(
        "china",
        "set_regime",
        {
            "cut": Param(FRACTION, 0.4),
            # > 0: a yearly tonnage for all the action's pairs together, as quotas were
            # issued (30,258 t in 2010 [Q03]); it sets the cut and ``cut`` is ignored
            "t_per_year": Param(Annotated[float, Field(ge=0)], 0.0),
            **_EFFECTIVE,
            **_PRODUCTS,
        },
        Regime.QUOTA,
    ),
    Kind.BAN: KindSpec("china", "set_regime", {**_EFFECTIVE, **_PRODUCTS}, Regime.BAN),
    # China: other levers
    Kind.TECH_BAN: KindSpec("china", "set_tech_ban", _SWITCH),
    Kind.ENFORCE: KindSpec("china", "set_enforcement", {"level": Param(FRACTION, 1.0)}),
    Kind.PRICE_WAR: KindSpec(
        "china",
        "set_price_war",
        {
            "discount": Param(Annotated[float, Field(ge=0, le=0.9)], 0.3),
            "active": Param(bool, True),
        },
        per_material=True,
    ),
    Kind.PRODUCTION_QUOTA: KindSpec(
        "china",
        "set_production_quota",
        # 0: no quota (output limited by capacity only)
        {"t_per_year": Param(Annotated[float, Field(ge=0, le=10_000_000)])},
        per_material=True,
    ),
    # positive: buy for the state reserve; negative: sell from it
    Kind.RESERVE: KindSpec(
        "china",
        "set_reserve",
        {"t_per_month": Param(Annotated[float, Field(ge=-1_000_000, le=1_000_000)])},
        per_material=True,
    ),
    Kind.PARTNERSHIP: KindSpec("china", "set_partnership", _SWITCH),
    Kind.ACCEPT_DEAL: KindSpec("china", "accept_deal", {"importer": Param(str)}),
    # postpone announced restrictions not yet in effect (Busan, Oct 2025: one year [E14])
    Kind.SUSPEND: KindSpec(
        "china", "suspend_announced", {"months": Param(Annotated[float, Field(gt=0, le=600)], 12.0)}
    ),
    # importer states
    Kind.STOCKPILE: KindSpec(
        "importer",
        "set_stockpile_target",
        {"target_days": Param(Annotated[float, Field(ge=0, le=720)])},
        per_material=True,
    ),
    Kind.SUBSIDIZE: KindSpec(
        "importer",
        "set_subsidy",
        {
            "usd_m_per_year": Param(MONEY),
            "stage": Param(SUBSIDY_STAGE, "processing"),
            # > 0: a programme that ends by itself after that many years; 0: until changed
            "years": Param(Annotated[float, Field(ge=0, le=50)], 0.0),
        },
        per_material=True,
    ),
    Kind.PRICE_FLOOR: KindSpec(
        "importer",
        "set_price_floor",
        {"usd_per_kg": Param(Annotated[float, Field(ge=0, le=1_000_000)])},
        per_material=True,
    ),
    Kind.RESEARCH: KindSpec(
        "importer", "set_research", {"usd_m_per_year": Param(MONEY)}, per_material=True
    ),
    Kind.RETALIATE: KindSpec(
        "importer",
        "set_retaliation",
        {
            "level": Param(FRACTION, 1.0),
            "instrument": Param(Annotated[str, Field(max_length=100)], "tariffs"),
        },
    ),
    Kind.OFFER_DEAL: KindSpec(
        "importer",
        "offer_deal",
        {
            "concession_usd_m": Param(MONEY),
            "months": Param(Annotated[float, Field(gt=0, le=120)], 12.0),
        },
    ),
    Kind.WTO_CASE: KindSpec("importer", "file_wto_case"),
    Kind.COORDINATE: KindSpec("importer", "set_coordination", _SWITCH),
    # producers
    Kind.INVEST: KindSpec(
        "producer",
        "invest",
        {
            "stage": Param(STAGE),
            "capacity_t_per_year": Param(Annotated[float, Field(gt=0, le=10_000_000)]),
            "lead_time_years": Param(Annotated[float, Field(gt=0, le=30)]),
        },
        per_material=True,
    ),
}

#: The regime each export-restriction kind puts in place.
REGIME_OF_KIND: dict[Kind, Regime] = {
    kind: spec.regime for kind, spec in KINDS.items() if spec.regime is not None
}

#: Which kinds each role may take.
KINDS_OF_ROLE: dict[str, frozenset[Kind]] = {
    role: frozenset(kind for kind, spec in KINDS.items() if spec.role == role)
    for role in ("china", "importer", "producer")
}


def parameter_problems(kind: Kind, params: Mapping[str, Any]) -> list[tuple[tuple[str, ...], str]]:
    """Parameters of a ``kind`` action that are unknown, missing, of the wrong type or
    out of range, as (("params", name), message) pairs."""
    try:
        KINDS[kind].schema.model_validate(dict(params))
    except ValidationError as exc:
        allowed = ", ".join(sorted(KINDS[kind].params)) or "none"
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
    parameters (see :data:`KINDS`); missing ones take their defaults.
    """

    actor: str
    kind: Kind
    materials: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    source: str = "strategy"
    note: str = ""

    def __post_init__(self) -> None:
        spec = KINDS[self.kind]
        defaults = spec.defaults
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
            if not spec.params[key].text and not isinstance(value, bool | int | float):
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
