"""The seminar's rules, on the database alone: create a session, join, submit, and
resolve a round exactly once from what was stored.

A round is one decision round of the model. Teams decide while it is open; when the
deadline passes (or the facilitator advances) the round is resolved: the model is
restored from the snapshot taken before the round, each team's stored decision is
handed to its country's ``human`` strategy through a callback (so nothing waits on a
person), countries without a team or a submission play their scenario strategy, and
the model after the round is stored as the next round's snapshot — all in one write
transaction that first checks the round is still the current one, so a round is
resolved once however many requests or timers ask for it.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from overplay.agents.actions import KINDS_OF_ROLE, Action, Kind, action_problems
from overplay.agents.strategies.human import HumanChannel
from overplay.classroom.seminar.news import Card
from overplay.classroom.seminar.store import Store
from overplay.model.leverage_model import LeverageModel
from overplay.model.problems import ScenarioError
from overplay.model.scenarios import resolve_scenario

#: Join codes: six characters from an alphabet without look-alikes (0/O, 1/I/L), about
#: 7e8 codes; with attempts rate-limited by the server, unguessable in a seminar.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
PLAYABLE = ("china", "us", "japan", "eu")


class SeminarError(ValueError):
    """A request the rules refuse; ``status`` is the HTTP status the web layer answers."""

    status = 400


class NotFoundError(SeminarError):
    status = 404


class ForbiddenError(SeminarError):
    status = 403


class ClosedError(SeminarError):
    """Not the time for it: the round is not open, or the session has ended."""

    status = 409


class BadDecisionError(SeminarError):
    status = 422


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


@dataclass(frozen=True)
class Created:
    """What the facilitator gets once: the session, its secret and the teams' codes."""

    session_id: str
    secret: str
    codes: dict[str, str]


@dataclass(frozen=True)
class SessionState:
    id: str
    scenario: str
    seed: int
    rounds: int
    round_seconds: float
    status: str
    current_round: int
    deadline: float | None
    remaining: float | None

    def seconds_left(self, now: float) -> float | None:
        """Seconds left in the open round (frozen while paused)."""
        if self.status == "paused":
            return self.remaining
        if self.status == "open" and self.deadline is not None:
            return max(0.0, self.deadline - now)
        return None


def _seminar_model(scenario: str, seed: int, countries: tuple[str, ...]) -> LeverageModel:
    """The session's model: the teams' countries play ``human``, falling back to the
    strategy the scenario gives them when a team submits nothing."""
    base = resolve_scenario(scenario, {})
    overrides: dict[str, Any] = {}
    for country in countries:
        if country == "china":
            key, fallback = "china.strategy", base.china.strategy.name
        elif country not in base.importers:
            raise SeminarError(f"{country} does not take part in {scenario!r}")
        else:
            key, fallback = f"importers.{country}.strategy", base.importers[country].strategy.name
        overrides[key] = {"name": "human", "params": {"fallback": fallback}}
    return LeverageModel(scenario, rng=seed, **overrides)


def create_session(
    store: Store,
    scenario: str,
    countries: tuple[str, ...],
    rounds: int,
    round_seconds: float,
    seed: int = 1,
    now: float | None = None,
) -> Created:
    """A new session in the lobby, its model stored as round 1's snapshot."""
    unknown = sorted(set(countries) - set(PLAYABLE))
    if unknown or not countries:
        raise SeminarError(f"teams play some of {', '.join(PLAYABLE)}; not {unknown or 'none'}")
    try:
        model = _seminar_model(scenario, seed, tuple(countries))
    except ScenarioError as exc:
        raise SeminarError(f"scenario {scenario!r}: {exc}") from None
    interval = model.config.timing.decision_interval_months
    playable_rounds = model.total_steps // interval
    if not 1 <= rounds <= playable_rounds:
        raise SeminarError(f"rounds: 1 to {playable_rounds} in {scenario!r}, not {rounds}")
    if not 10 <= round_seconds <= 3600:
        raise SeminarError("round_seconds: 10 to 3600")
    session_id, secret = secrets.token_hex(6), secrets.token_urlsafe(24)
    codes: dict[str, str] = {}
    with store.write() as db:
        db.execute(
            "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, 'lobby', 0, NULL, NULL)",
            (session_id, now or time.time(), scenario, seed, rounds, round_seconds, _hash(secret)),
        )
        for country in countries:
            while True:
                code = _code()
                if not db.execute("SELECT 1 FROM teams WHERE code = ?", (code,)).fetchone():
                    break
            db.execute("INSERT INTO teams VALUES (?, ?, ?, NULL)", (code, session_id, country))
            codes[country] = code
        db.execute("INSERT INTO snapshots VALUES (?, 1, ?)", (session_id, _pickle(model)))
        _event(db, session_id, 0, "created", detail={"countries": list(countries)})
    return Created(session_id, secret, codes)


def _pickle(model: LeverageModel) -> bytes:
    return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)


def _event(db: Any, session_id: str, round_: int, kind: str, country: str = "", detail=None):
    db.execute(
        "INSERT INTO events (session_id, round, at, kind, country, detail) VALUES (?,?,?,?,?,?)",
        (session_id, round_, time.time(), kind, country, json.dumps(detail or {})),
    )


def session_state(store: Store, session_id: str) -> SessionState:
    with store.read() as db:
        row = db.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
    if row is None:
        raise NotFoundError("no such session")
    return SessionState(
        row["id"], row["scenario"], row["seed"], row["rounds"], row["round_seconds"],
        row["status"], row["current_round"], row["deadline"], row["remaining"],
    )  # fmt: skip


def check_facilitator(store: Store, session_id: str, secret: str) -> None:
    """Refuse anyone without the session's facilitator secret."""
    with store.read() as db:
        row = db.execute("SELECT secret_hash FROM sessions WHERE id = ?", (session_id,)).fetchone()
    if row is None or not secrets.compare_digest(row["secret_hash"], _hash(secret or "")):
        raise ForbiddenError("the facilitator's secret is needed for this")


def join(store: Store, code: str, now: float | None = None) -> tuple[str, str]:
    """The (session, country) a code plays; joining again with it changes nothing."""
    code = (code or "").strip().upper()
    with store.write() as db:
        row = db.execute("SELECT * FROM teams WHERE code = ?", (code,)).fetchone()
        if row is None:
            raise NotFoundError("no team has this code")
        if row["joined"] is None:
            db.execute("UPDATE teams SET joined = ? WHERE code = ?", (now or time.time(), code))
            _event(db, row["session_id"], 0, "joined", row["country"])
    return row["session_id"], row["country"]


def decision_actions(country: str, decision: list[Mapping[str, Any]], model: LeverageModel):
    """A team's decision (a list of actions as mappings) as :class:`Action` objects for
    its own country, or :class:`BadDecisionError` naming what is wrong."""
    if not isinstance(decision, list) or len(decision) > 50:
        raise BadDecisionError("a decision is a list of at most 50 actions")
    role = "china" if country == "china" else "importer"
    actions = []
    for i, item in enumerate(decision):
        if not isinstance(item, Mapping):
            raise BadDecisionError(f"action {i + 1}: not an action")
        kind = str(item.get("kind", ""))
        if kind not in {k.value for k in KINDS_OF_ROLE[role]}:
            allowed = ", ".join(sorted(k.value for k in KINDS_OF_ROLE[role]))
            raise BadDecisionError(
                f"action {i + 1}: {country} cannot take {kind!r}; its kinds: {allowed}"
            )
        try:
            action = Action(
                country,
                Kind(kind),
                tuple(item.get("materials") or ()),
                tuple(item.get("targets") or ()),
                dict(item.get("params") or {}),
            )
        except (ValueError, TypeError) as exc:
            raise BadDecisionError(f"action {i + 1}: {exc}") from None
        problems = action_problems(action, role, model.materials, model.importer_names)
        if problems:
            where, message = problems[0]
            raise BadDecisionError(f"action {i + 1} ({'.'.join(where)}): {message}")
        actions.append(action)
    return actions


def submit(
    store: Store,
    session_id: str,
    country: str,
    decision: list[Mapping[str, Any]],
    *,
    source: str = "team",
    now: float | None = None,
) -> int:
    """Store a country's decision for the open round (replacing an earlier one);
    the round it counts for."""
    now = time.time() if now is None else now
    model = latest_model(store, session_id)
    decision_actions(country, decision, model)  # refused here, never at resolution
    with store.write() as db:
        row = db.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise NotFoundError("no such session")
        if row["status"] not in ("open", "paused"):
            raise ClosedError(f"no round is open (the session is {row['status']})")
        if row["status"] == "open" and row["deadline"] is not None and now > row["deadline"]:
            raise ClosedError(f"round {row['current_round']} closed; this decision was too late")
        team = db.execute(
            "SELECT 1 FROM teams WHERE session_id = ? AND country = ?", (session_id, country)
        ).fetchone()
        if team is None:
            raise ForbiddenError(f"no team plays {country} in this session")
        round_ = row["current_round"]
        db.execute(
            "INSERT OR REPLACE INTO submissions VALUES (?, ?, ?, ?, ?, ?)",
            (session_id, round_, country, json.dumps(list(decision)), source, now),
        )
        _event(db, session_id, round_, f"submitted_by_{source}", country)
    return round_


def latest_model(store: Store, session_id: str) -> LeverageModel:
    """The model as it stands before the current round (after the last one played)."""
    with store.read() as db:
        row = db.execute(
            "SELECT model FROM snapshots WHERE session_id = ? ORDER BY round DESC LIMIT 1",
            (session_id,),
        ).fetchone()
    if row is None:
        raise NotFoundError("no such session")
    return pickle.loads(row["model"])


def open_round(store: Store, session_id: str, now: float | None = None) -> None:
    """Start round 1 from the lobby."""
    now = time.time() if now is None else now
    with store.write() as db:
        row = db.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise NotFoundError("no such session")
        if row["status"] != "lobby":
            raise ClosedError(f"the session has already started ({row['status']})")
        db.execute(
            "UPDATE sessions SET status = 'open', current_round = 1, deadline = ? WHERE id = ?",
            (now + row["round_seconds"], session_id),
        )
        _event(db, session_id, 1, "round_opened")


def resolve_round(
    store: Store, session_id: str, round_: int, reason: str, now: float | None = None
) -> bool:
    """Play round ``round_`` from the stored submissions, once: False (and nothing
    done) when it is no longer the current open or paused round."""
    now = time.time() if now is None else now
    with store.write() as db:
        row = db.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None or row["current_round"] != round_ or row["status"] not in ("open", "paused"):
            return False
        snapshot = db.execute(
            "SELECT model FROM snapshots WHERE session_id = ? AND round = ?", (session_id, round_)
        ).fetchone()
        model: LeverageModel = pickle.loads(snapshot["model"])
        stored = {
            r["country"]: (json.loads(r["decision"]), r["source"])
            for r in db.execute(
                "SELECT * FROM submissions WHERE session_id = ? AND round = ?",
                (session_id, round_),
            )
        }
        teams = [
            r["country"]
            for r in db.execute("SELECT country FROM teams WHERE session_id = ?", (session_id,))
        ]
        for card_row in db.execute(
            "SELECT card FROM news WHERE session_id = ? AND round = ? ORDER BY id",
            (session_id, round_),
        ).fetchall():
            card = Card.model_validate_json(card_row["card"])
            for item in card.actions:
                model.apply(item.action())
        channel = HumanChannel(
            lambda player, _obs: (
                decision_actions(player, stored[player][0], model) if player in stored else None
            )
        )
        for country in teams:
            model.player_agent(country).strategy.connect(channel)
        model.run(model.config.timing.decision_interval_months)
        for country in teams:
            chosen = [a.kind.value for a in model.last_chosen.get(country, ())]
            played_by = stored[country][1] if country in stored else "strategy"
            _event(db, session_id, round_, "played", country, {"by": played_by, "kinds": chosen})
        last = round_ >= row["rounds"] or not model.running
        db.execute(
            "INSERT INTO snapshots VALUES (?, ?, ?)", (session_id, round_ + 1, _pickle(model))
        )
        if last:
            db.execute(
                "UPDATE sessions SET status = 'ended', deadline = NULL, remaining = NULL "
                "WHERE id = ?",
                (session_id,),
            )
        else:
            db.execute(
                "UPDATE sessions SET status = 'open', current_round = ?, deadline = ?, "
                "remaining = NULL WHERE id = ?",
                (round_ + 1, now + row["round_seconds"], session_id),
            )
        _event(db, session_id, round_, "resolved", detail={"reason": reason, "last": last})
    return True


def due_rounds(store: Store, now: float | None = None) -> list[tuple[str, int]]:
    """Open rounds whose deadline has passed: what the server's timer resolves."""
    now = time.time() if now is None else now
    with store.read() as db:
        rows = db.execute(
            "SELECT id, current_round FROM sessions WHERE status = 'open' AND deadline <= ?",
            (now,),
        ).fetchall()
    return [(r["id"], r["current_round"]) for r in rows]


def _running(db: Any, session_id: str) -> Any:
    row = db.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
    if row is None:
        raise NotFoundError("no such session")
    if row["status"] not in ("open", "paused"):
        raise ClosedError(f"no round is running (the session is {row['status']})")
    return row


def extend(store: Store, session_id: str, seconds: float, now: float | None = None) -> None:
    """Give the running round more (or, negative, less) time."""
    now = time.time() if now is None else now
    with store.write() as db:
        row = _running(db, session_id)
        if row["status"] == "paused":
            db.execute(
                "UPDATE sessions SET remaining = max(0, remaining + ?) WHERE id = ?",
                (seconds, session_id),
            )
        else:
            deadline = max(now, row["deadline"] + seconds)
            db.execute("UPDATE sessions SET deadline = ? WHERE id = ?", (deadline, session_id))
        _event(db, session_id, row["current_round"], "extended", detail={"seconds": seconds})


def pause(store: Store, session_id: str, now: float | None = None) -> None:
    """Stop the clock: the seconds left are kept until :func:`resume`."""
    now = time.time() if now is None else now
    with store.write() as db:
        row = _running(db, session_id)
        if row["status"] == "open":
            left = max(0.0, row["deadline"] - now)
            db.execute(
                "UPDATE sessions SET status = 'paused', deadline = NULL, remaining = ? "
                "WHERE id = ?",
                (left, session_id),
            )
            _event(db, session_id, row["current_round"], "paused")


def resume(store: Store, session_id: str, now: float | None = None) -> None:
    now = time.time() if now is None else now
    with store.write() as db:
        row = _running(db, session_id)
        if row["status"] == "paused":
            db.execute(
                "UPDATE sessions SET status = 'open', deadline = ?, remaining = NULL WHERE id = ?",
                (now + row["remaining"], session_id),
            )
            _event(db, session_id, row["current_round"], "resumed")


def end(store: Store, session_id: str) -> None:
    """End the session before its last round; the rounds played stay for the debrief."""
    with store.write() as db:
        row = _running(db, session_id)
        db.execute(
            "UPDATE sessions SET status = 'ended', deadline = NULL, remaining = NULL WHERE id = ?",
            (session_id,),
        )
        _event(db, session_id, row["current_round"], "ended_early")


def inject_news(
    store: Store, session_id: str, card: Card, audience: list[str] | None = None
) -> int:
    """Deal a news card into the running round: its actions happen when the round is
    played, and the teams of ``audience`` (all if None) see it. The round it is for."""
    model = latest_model(store, session_id)
    for i, item in enumerate(card.actions):
        role = "china" if item.actor == "china" else "importer"
        if role == "importer" and item.actor not in model.importer_names:
            raise SeminarError(f"card {card.id}: {item.actor} is not in this session's world")
        problems = action_problems(item.action(), role, model.materials, model.importer_names)
        if problems:
            raise SeminarError(f"card {card.id}, action {i + 1}: {problems[0][1]}")
    with store.write() as db:
        row = _running(db, session_id)
        teams = [
            r["country"]
            for r in db.execute("SELECT country FROM teams WHERE session_id = ?", (session_id,))
        ]
        unknown = sorted(set(audience or []) - set(teams))
        if unknown:
            raise SeminarError(f"no team plays {', '.join(unknown)}")
        seen_by = list(audience) if audience else teams
        db.execute(
            "INSERT INTO news (session_id, round, card, audience, at) VALUES (?, ?, ?, ?, ?)",
            (session_id, row["current_round"], card.model_dump_json(), json.dumps(seen_by),
             time.time()),
        )  # fmt: skip
        _event(
            db, session_id, row["current_round"], "news", detail={"card": card.id, "to": seen_by}
        )
    return row["current_round"]


def news_for(store: Store, session_id: str, country: str) -> list[tuple[int, Card]]:
    """The cards a country's team has been shown, newest first, with their rounds."""
    with store.read() as db:
        rows = db.execute(
            "SELECT round, card, audience FROM news WHERE session_id = ? ORDER BY id DESC",
            (session_id,),
        ).fetchall()
    return [
        (r["round"], Card.model_validate_json(r["card"]))
        for r in rows
        if country in json.loads(r["audience"])
    ]
