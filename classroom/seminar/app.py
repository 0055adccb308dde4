"""The seminar's web app: FastAPI with Jinja2 pages, htmx (vendored) polling for live
status, and the rules of :mod:`session` on the SQLite store.

Every check is on the server: a team's cookie holds its code, and each request looks
the code up to find the one country it may see and act for; facilitator actions need
the session's secret (a cookie set from the link shown once). A background task
resolves rounds whose deadline has passed, so no request ever waits on a round.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import io
import json
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pandas as pd
import segno
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from overplay.classroom.seminar import debrief, forms, session
from overplay.classroom.seminar.news import Deck, load_briefings, load_deck
from overplay.classroom.seminar.store import Store
from overplay.classroom.seminar.views import (
    country_name,
    private_state,
    public_state,
    round_sentences,
)
from overplay.model.scenario_files import bundled_names

HERE = Path(__file__).parent
TEAM_COOKIE = "overplay_team"
#: Joining: attempts per client address per minute, so that codes cannot be guessed.
JOIN_ATTEMPTS_PER_MINUTE = 10


def _facilitator_cookie(session_id: str) -> str:
    return f"overplay_facilitator_{session_id}"


class ModelCache:
    """The latest model of each session, unpickled once per round, not per poll."""

    def __init__(self) -> None:
        self._models: dict[str, tuple[int, Any]] = {}

    def get(self, store: Store, session_id: str, round_: int) -> Any:
        cached = self._models.get(session_id)
        if cached is None or cached[0] != round_:
            cached = (round_, session.latest_model(store, session_id))
            self._models[session_id] = cached
        return cached[1]


def create_app(
    database: str | Path, address: str = "", tick_seconds: float = 0.5, deck: Deck | None = None
) -> FastAPI:
    """The app on a database file; ``address`` is what teams type (shown with a QR
    code; the request's own address if empty); ``deck`` the news cards on offer (the
    bundled deck if None)."""
    store = Store(database)
    deck = deck or load_deck()
    briefings = load_briefings()
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    models = ModelCache()
    attempts: dict[str, deque[float]] = defaultdict(deque)

    async def tick() -> None:
        while True:
            for session_id, round_ in await run_in_threadpool(session.due_rounds, store):
                await run_in_threadpool(
                    session.resolve_round, store, session_id, round_, "deadline"
                )
            await asyncio.sleep(tick_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(tick())
        try:
            yield
        finally:
            task.cancel()

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    def page(request: Request, template: str, code: int = 200, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, template, context, status_code=code)

    def message(request: Request, text: str, status: int, back: str = "/") -> HTMLResponse:
        return page(request, "message.html", status, message=text, status=status, back=back)

    @app.exception_handler(session.SeminarError)
    async def refused(request: Request, exc: session.SeminarError) -> Response:
        if request.headers.get("HX-Request"):
            return HTMLResponse(f'<p class="error">{html.escape(str(exc))}</p>', exc.status)
        return message(request, str(exc), exc.status)

    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception) -> Response:  # never a traceback page
        return HTMLResponse('<p class="error">Something went wrong on the server.</p>', 500)

    def team_of(request: Request) -> tuple[str, str]:
        code = request.cookies.get(TEAM_COOKIE, "")
        if not code:
            raise session.ForbiddenError("join with your team code first")
        return session.join(store, code)

    def facilitator(request: Request, session_id: str) -> None:
        secret = request.cookies.get(_facilitator_cookie(session_id), "")
        session.check_facilitator(store, session_id, secret)

    def world(session_id: str) -> tuple[session.SessionState, Any]:
        state = session.session_state(store, session_id)
        return state, models.get(store, session_id, state.current_round + (state.status == "ended"))

    @app.get("/favicon.ico")
    async def favicon() -> Response:  # browsers ask; no icon, and no 404 in the console
        return Response(status_code=204)

    @app.get("/", response_class=HTMLResponse)
    async def home(request: Request) -> HTMLResponse:
        playable = [(c, country_name(c)) for c in session.PLAYABLE]
        return page(request, "home.html", scenarios=bundled_names(), playable=playable)

    @app.post("/new")
    async def new(
        request: Request,
        scenario: str = Form("baseline"),
        countries: list[str] = Form(default=[]),  # noqa: B008 - FastAPI's form declaration
        rounds: int = Form(6),
        minutes: float = Form(8),
        seed: int = Form(1),
    ) -> Response:
        created = await run_in_threadpool(
            session.create_session, store, scenario, tuple(countries), rounds, minutes * 60, seed
        )
        response = RedirectResponse(f"/f/{created.session_id}", status_code=303)
        response.set_cookie(
            _facilitator_cookie(created.session_id),
            created.secret,
            httponly=True,
            samesite="strict",
        )
        return response

    @app.get("/f/{session_id}", response_class=HTMLResponse)
    async def console(request: Request, session_id: str, key: str = "") -> Response:
        if key:  # the facilitator's link, from another device or after a restart
            session.check_facilitator(store, session_id, key)
            response = RedirectResponse(f"/f/{session_id}", status_code=303)
            response.set_cookie(
                _facilitator_cookie(session_id), key, httponly=True, samesite="strict"
            )
            return response
        facilitator(request, session_id)
        join_at = address or str(request.base_url)
        qr = segno.make(join_at, micro=False).svg_inline(scale=4)
        with store.read() as db:
            codes = [
                (r["country"], r["code"])
                for r in db.execute(
                    "SELECT country, code FROM teams WHERE session_id = ? ORDER BY rowid",
                    (session_id,),
                )
            ]
        return page(
            request, "facilitator.html", address=join_at, qr=qr, codes=codes,
            secret=request.cookies.get(_facilitator_cookie(session_id), ""), cards=deck.cards,
            **_status_context(session_id),
        )  # fmt: skip

    def _status_context(session_id: str, note: str = "", error: bool = False) -> dict[str, Any]:
        state, model = world(session_id)
        with store.read() as db:
            submitted = {
                r["country"]: r["source"]
                for r in db.execute(
                    "SELECT country, source FROM submissions WHERE session_id = ? AND round = ?",
                    (session_id, state.current_round),
                )
            }
            teams = [
                {
                    "country": r["country"],
                    "joined": r["joined"],
                    "submitted": submitted.get(r["country"]),
                }
                for r in db.execute(
                    "SELECT country, joined FROM teams WHERE session_id = ? ORDER BY rowid",
                    (session_id,),
                )
            ]
        return {
            "sid": session_id, "state": state, "left": state.seconds_left(time.time()),
            "teams": teams, "public": public_state(model), "message": note, "error": error,
        }  # fmt: skip

    @app.get("/f/{session_id}/status", response_class=HTMLResponse)
    async def console_status(request: Request, session_id: str) -> HTMLResponse:
        facilitator(request, session_id)
        return page(request, "facilitator_status.html", **_status_context(session_id))

    @app.post("/f/{session_id}/control", response_class=HTMLResponse)
    async def control(request: Request, session_id: str, do: str = Form(...)) -> HTMLResponse:
        facilitator(request, session_id)
        state = session.session_state(store, session_id)
        actions = {
            "open": lambda: session.open_round(store, session_id),
            "advance": lambda: session.resolve_round(
                store, session_id, state.current_round, "facilitator"
            ),
            "extend": lambda: session.extend(store, session_id, 60),
            "pause": lambda: session.pause(store, session_id),
            "resume": lambda: session.resume(store, session_id),
            "end": lambda: session.end(store, session_id),
        }
        if do not in actions:
            raise session.SeminarError(f"unknown control {do!r}")
        await run_in_threadpool(actions[do])
        return page(
            request, "facilitator_status.html", **_status_context(session_id, f"{do}: done")
        )

    @app.post("/f/{session_id}/submit", response_class=HTMLResponse)
    async def override(
        request: Request, session_id: str, country: str = Form(...), decision: str = Form(...)
    ) -> HTMLResponse:
        facilitator(request, session_id)
        try:
            parsed = json.loads(decision)
        except ValueError as exc:
            raise session.BadDecisionError(f"not JSON: {exc}") from None
        round_ = await run_in_threadpool(
            lambda: session.submit(store, session_id, country, parsed, source="facilitator")
        )
        return HTMLResponse(f'<p class="ok">Stored for {html.escape(country)}, round {round_}.</p>')

    @app.post("/f/{session_id}/news", response_class=HTMLResponse)
    async def news(request: Request, session_id: str) -> HTMLResponse:
        facilitator(request, session_id)
        form = await request.form()
        try:
            card = deck.card(str(form.get("card", "")))
        except KeyError:
            raise session.SeminarError(f"no card {form.get('card')!r} in the deck") from None
        audience = [str(c) for c in form.getlist("to")] or None
        round_ = await run_in_threadpool(session.inject_news, store, session_id, card, audience)
        shown = ", ".join(audience) if audience else "every team"
        return HTMLResponse(
            f'<p class="ok">“{html.escape(card.title)}” happens in round {round_}; '
            f"shown to {html.escape(shown)}.</p>"
        )

    def debrief_reader(request: Request, session_id: str) -> None:
        """The facilitator, or a team of this session."""
        code = request.cookies.get(TEAM_COOKIE, "")
        if code:
            with contextlib.suppress(session.SeminarError):
                if session.join(store, code)[0] == session_id:
                    return
        facilitator(request, session_id)

    def debrief_context(session_id: str, chosen: str) -> dict[str, Any]:
        state = session.session_state(store, session_id)
        played = debrief.played_rounds(store, session_id)
        if played == 0:
            raise session.ClosedError("no round has been played yet")
        change = debrief.Counterfactual.parse(chosen)
        runs = {  # the session as stored: a replay of it ends the same (tested)
            "session": session.latest_model(store, session_id),
            "baseline": debrief.baseline(store, session_id),
            "counterfactual": debrief.replay(store, session_id, change),
        }
        with store.read() as db:
            teams = [
                r["country"]
                for r in db.execute(
                    "SELECT country FROM teams WHERE session_id = ? ORDER BY rowid", (session_id,)
                )
            ]
        choices = [(debrief.RESTRAINT, "China plays calibrated restraint throughout")]
        if "china" in teams:
            choices += [(f"drop:{r}", f"China's decision of round {r} is left out")
                        for r in range(1, played + 1)]  # fmt: skip
        return {
            "sid": session_id, "state": state, "played": played,
            "date": runs["session"].date, "chosen": chosen, "choices": choices,
            "counterfactual": change.describe(),
            "chart": debrief.png_data_uri(debrief.figure(runs)),
            "outcomes": debrief.outcomes(runs, teams),
            "timeline": debrief.timeline(store, session_id, runs["session"]),
            "names": {c: country_name(c) for c in teams},
            "query": f"?counterfactual={chosen}",
        }  # fmt: skip

    @app.get("/debrief/{session_id}", response_class=HTMLResponse)
    async def debrief_page(
        request: Request, session_id: str, counterfactual: str = debrief.RESTRAINT
    ) -> HTMLResponse:
        debrief_reader(request, session_id)
        context = await run_in_threadpool(debrief_context, session_id, counterfactual)
        return page(request, "debrief.html", export=False, **context)

    @app.get("/debrief/{session_id}/report.html")
    async def debrief_report(
        request: Request, session_id: str, counterfactual: str = debrief.RESTRAINT
    ) -> Response:
        """The debrief as one self-contained file (its chart inline) to keep or send."""
        debrief_reader(request, session_id)
        context = await run_in_threadpool(debrief_context, session_id, counterfactual)
        response = page(request, "debrief.html", export=True, **context)
        response.headers["Content-Disposition"] = (
            f'attachment; filename="overplay-debrief-{session_id}.html"'
        )
        return response

    @app.get("/debrief/{session_id}/{table}.{kind}")
    async def debrief_table(request: Request, session_id: str, table: str, kind: str) -> Response:
        """The session's tables: rounds (month × material × importer) and actions."""
        debrief_reader(request, session_id)
        if table not in ("rounds", "actions") or kind not in ("csv", "parquet"):
            raise session.NotFoundError("tables: rounds or actions, as .csv or .parquet")
        model = session.latest_model(store, session_id)
        frame = (
            model.datacollector.get_table_dataframe("rounds")
            if table == "rounds"
            else pd.DataFrame(model.action_log)
        )
        if kind == "csv":
            body, media = frame.to_csv(index=False).encode(), "text/csv"
        else:
            buffer = io.BytesIO()
            frame.to_parquet(buffer, index=False)
            body, media = buffer.getvalue(), "application/vnd.apache.parquet"
        name = f"overplay-{session_id}-{table}.{kind}"
        return Response(
            body,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @app.post("/join")
    async def join(request: Request, code: str = Form("")) -> Response:
        client = request.client.host if request.client else "?"
        recent = attempts[client]
        now = time.monotonic()
        while recent and now - recent[0] > 60:
            recent.popleft()
        if len(recent) >= JOIN_ATTEMPTS_PER_MINUTE:
            return message(request, "Too many attempts: wait a minute and try again.", 429)
        recent.append(now)
        session.join(store, code)
        response = RedirectResponse("/team", status_code=303)
        response.set_cookie(TEAM_COOKIE, code.strip().upper(), httponly=True, samesite="strict")
        return response

    def _team_context(session_id: str, country: str) -> dict[str, Any]:
        state, model = world(session_id)
        with store.read() as db:
            submitted = db.execute(
                "SELECT 1 FROM submissions WHERE session_id = ? AND round = ? AND country = ?",
                (session_id, state.current_round, country),
            ).fetchone()
        interval = model.config.timing.decision_interval_months
        first = max(1, model.step_count - interval + 1)
        return {
            "state": state, "left": state.seconds_left(time.time()), "submitted": bool(submitted),
            "public": public_state(model), "private": private_state(model, country),
            "outcome": round_sentences(model, first) if model.step_count else [],
            "news": session.news_for(store, session_id, country),
        }  # fmt: skip

    @app.get("/team", response_class=HTMLResponse)
    async def team(request: Request) -> HTMLResponse:
        session_id, country = team_of(request)
        _, model = world(session_id)
        return page(
            request, "team.html", country=country, name=country_name(country),
            cells=forms.china_cells(model.materials, model.importer_names),
            regimes=forms.REGIMES, fields=forms.IMPORTER_FIELDS,
            briefing=briefings.get(country),
            **_team_context(session_id, country),
        )  # fmt: skip

    @app.get("/team/status", response_class=HTMLResponse)
    async def team_status(request: Request) -> HTMLResponse:
        session_id, country = team_of(request)
        return page(request, "team_status.html", **_team_context(session_id, country))

    @app.post("/team/submit", response_class=HTMLResponse)
    async def team_submit(request: Request) -> HTMLResponse:
        session_id, country = team_of(request)
        form = await request.form()
        _, model = world(session_id)
        try:
            if country == "china":
                decision = forms.china_decision(form, model.materials, model.importer_names)
            else:
                decision = forms.importer_decision(form, model.materials)
        except ValueError as exc:
            raise session.BadDecisionError(str(exc)) from None
        round_ = await run_in_threadpool(session.submit, store, session_id, country, decision)
        return HTMLResponse(
            f'<p class="ok">Decision stored for round {round_} ({len(decision)} action(s)).</p>'
        )

    return app
