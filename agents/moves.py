"""Moves: named bundles of actions a player can choose in one round.

Best-response and learning strategies choose among moves, the stage game's action
sets are moves, and a seminar team picks moves from a menu. A move may name a
target after a colon (``ban:japan``); without one a restriction hits every
destination and an importer's move concerns itself.
"""

from __future__ import annotations

from collections.abc import Callable

from overplay.agents.actions import Action, Kind

CHINA = "china"

#: China's moves: what each does, for listings and the catalogue.
CHINA_MOVES: dict[str, str] = {
    "open": "lift every restriction",
    "license": "license both groups (approval 50 %, statutory delay)",
    "license_heavy": "license heavy rare earths only (approval 50 %, statutory delay)",
    "quota": "export quota, 40 % below recent exports, both groups",
    "ban": "ban exports of both groups",
    "ban_heavy": "ban exports of heavy rare earths",
    "price_war": "cut export prices by 30 % to squeeze producers outside China",
}

#: Importers' moves.
IMPORTER_MOVES: dict[str, str] = {
    "hold": "change nothing",
    "stockpile": "stockpile target 120 days for both groups",
    "diversify": "subsidise non-China separation and mining (USD 400 m/yr) and R&D (USD 100 m/yr)",
    "retaliate": "retaliate at full strength (tariffs, chip controls)",
    "negotiate": "offer China a deal: USD 500 m of concessions for 12 months without restrictions",
    "coordinate": "join allies in joint procurement and shared stockpiles",
    "stand_down": "stop subsidies, R&D and retaliation",
}


def _split(move: str, known: dict[str, str], role: str) -> tuple[str, tuple[str, ...]]:
    base, _, target = move.partition(":")
    if base not in known:
        raise ValueError(f"unknown {role} move {move!r}; known: {', '.join(known)}")
    return base, ((target,) if target else ())


def china_move(move: str) -> tuple[Action, ...]:
    """The actions of one of China's moves."""
    base, targets = _split(move, CHINA_MOVES, "china")
    heavy = ("heavy",)
    build: dict[str, Callable[[], tuple[Action, ...]]] = {
        "open": lambda: (
            Action(CHINA, Kind.OPEN, targets=targets),
            Action(CHINA, Kind.PRICE_WAR, params={"active": False}),
        ),
        "license": lambda: (
            Action(CHINA, Kind.LICENSE, targets=targets, params={"approval_rate": 0.5}),
        ),
        "license_heavy": lambda: (
            Action(CHINA, Kind.LICENSE, heavy, targets, {"approval_rate": 0.5}),
        ),
        "quota": lambda: (Action(CHINA, Kind.QUOTA, targets=targets, params={"cut": 0.4}),),
        "ban": lambda: (Action(CHINA, Kind.BAN, targets=targets),),
        "ban_heavy": lambda: (Action(CHINA, Kind.BAN, heavy, targets),),
        "price_war": lambda: (
            Action(CHINA, Kind.OPEN, targets=targets),
            Action(CHINA, Kind.PRICE_WAR, params={"discount": 0.3}),
        ),
    }
    return build[base]()


def importer_move(move: str, actor: str, materials: tuple[str, ...]) -> tuple[Action, ...]:
    """The actions of one of an importer's moves."""
    base, _ = _split(move, IMPORTER_MOVES, "importer")
    per_material = 1 / max(len(materials), 1)
    if base == "hold":
        return ()
    if base == "stockpile":
        return (Action(actor, Kind.STOCKPILE, params={"target_days": 120.0}),)
    if base == "diversify":
        return tuple(
            Action(actor, kind, (m,), params=params)
            for m in materials
            for kind, params in (
                (Kind.SUBSIDIZE, {"usd_m_per_year": 300 * per_material, "stage": "processing"}),
                (Kind.SUBSIDIZE, {"usd_m_per_year": 100 * per_material, "stage": "mining"}),
                (Kind.RESEARCH, {"usd_m_per_year": 100 * per_material}),
            )
        )
    if base == "retaliate":
        return (Action(actor, Kind.RETALIATE, params={"level": 1.0}),)
    if base == "negotiate":
        return (Action(actor, Kind.OFFER_DEAL, params={"concession_usd_m": 500.0, "months": 12.0}),)
    if base == "coordinate":
        return (Action(actor, Kind.COORDINATE, params={"active": True}),)
    return (
        *(
            Action(actor, Kind.SUBSIDIZE, (m,), params={"usd_m_per_year": 0.0, "stage": s})
            for m in materials
            for s in ("processing", "mining")
        ),
        *(Action(actor, Kind.RESEARCH, (m,), params={"usd_m_per_year": 0.0}) for m in materials),
        Action(actor, Kind.RETALIATE, params={"level": 0.0}),
    )


def moves_for(role: str) -> dict[str, str]:
    """The move menu of a player role."""
    return CHINA_MOVES if role == "china" else IMPORTER_MOVES


def actions_of(move: str, actor: str, materials: tuple[str, ...]) -> tuple[Action, ...]:
    """The actions of ``move`` for ``actor`` (China or an importer)."""
    if actor == CHINA:
        return china_move(move)
    return importer_move(move, actor, materials)
