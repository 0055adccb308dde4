"""``overplay seminar`` in chromium, on a closed network: a facilitator and two teams,
each in its own browser context, play three rounds with a news card and a missed
deadline; the server is SIGKILLed mid-round, every page says it cannot reach it and
recovers by itself once it is restarted, with nothing lost; a team cannot see or act
for another; the debrief and its counterfactual render; no request leaves 127.0.0.1
and the console stays free of errors but the failed requests while the server is
down."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import pytest

from tests.browser.conftest import free_port, offline_browser, start_server, stop_server

pytestmark = pytest.mark.browser
WAIT_MS = 60_000


def start(port: int, database: Path, log: Path):
    """``overplay seminar`` on ``port`` with this database."""
    arguments = ["seminar", "--host", "127.0.0.1", "--port", str(port), "--db", str(database)]
    return start_server(arguments, port, log)


#: What a page may log while the server is down: its polls fail to connect.
NETWORK_FAILURE = re.compile(
    r"^(htmx:(afterRequest|sendError), \[object HTML\w+Element\]"
    r"|Failed to load resource: "
    r"net::ERR_(CONNECTION_(RESET|REFUSED|CLOSED)|EMPTY_RESPONSE|FAILED))$"
)
LOST = "The seminar server cannot be reached"


def watch(page, errors: dict[str, list[str]], phase: list[str]) -> None:
    """Record the page's console errors under the test's phase at the time
    (``phase[0]``: "up", or "down" from the crash until every page recovered)."""

    def record(text: str) -> None:
        errors.setdefault(phase[0], []).append(text)

    page.on("console", lambda m: record(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: record(str(e)))


def test_a_seminar_of_three_rounds_survives_a_crash(tmp_path):
    port, database, log = free_port(), tmp_path / "seminar.db", tmp_path / "server.log"
    url = f"http://127.0.0.1:{port}"
    server = start(port, database, log)
    errors: dict[str, list[str]] = {}
    phase = ["up"]
    try:
        with offline_browser() as (context, outside):
            browser = context.browser
            facilitator = context.new_page()
            watch(facilitator, errors, phase)
            facilitator.goto(url)
            facilitator.select_option("select[name=scenario]", "restraint")
            facilitator.fill("input[name=rounds]", "3")
            facilitator.fill("input[name=minutes]", "0.5")
            facilitator.get_by_role("button", name="Create session").click()
            facilitator.get_by_role("button", name="Start round 1").wait_for(timeout=WAIT_MS)
            sid = facilitator.url.rstrip("/").rsplit("/", 1)[1]
            codes = dict(re.findall(r"<td>(\w+)</td><td class=\"code\">([A-Z0-9]{6})</td>",
                                    facilitator.content()))  # fmt: skip
            facilitator.get_by_role("button", name="Start round 1").click()
            facilitator.get_by_text("Round 1 of 3").wait_for(timeout=WAIT_MS)

            teams = {}
            for country in ("china", "us"):
                team_context = browser.new_context()  # its own cookies
                team_context.route("**/*", lambda r: r.continue_()
                                   if r.request.url.startswith("http://127.0.0.1")
                                   else (outside.append(r.request.url), r.abort()))  # fmt: skip
                page = team_context.new_page()
                watch(page, errors, phase)
                page.goto(url)
                page.fill("input[name=code]", codes[country].lower())
                page.get_by_role("button", name="Join").click()
                page.get_by_text("You play").wait_for(timeout=WAIT_MS)
                teams[country] = page
            china, us = teams["china"], teams["us"]
            assert "Only you see this" in us.content() and "share refused" in china.content()

            # Round 1: both decide, a news card for the US only, the facilitator advances.
            china.select_option("select[name='regime:heavy:us']", "ban")
            china.get_by_role("button", name="Submit decision").click()
            china.get_by_text("Decision stored for round 1").wait_for(timeout=WAIT_MS)
            us.fill("#stockpile_days", "120")
            us.get_by_role("button", name="Submit decision").click()
            us.get_by_text("Decision stored for round 1").wait_for(timeout=WAIT_MS)
            facilitator.select_option("select[name=card]", "entity_list")
            facilitator.check("input[name=to][value=us]")
            facilitator.get_by_role("button", name="Deal").click()
            facilitator.get_by_text("shown to us").wait_for(timeout=WAIT_MS)
            facilitator.get_by_role("button", name="Resolve round now").click()
            facilitator.get_by_text("Round 2 of 3").wait_for(timeout=WAIT_MS)
            us.get_by_text("The US expands the Entity List").wait_for(timeout=WAIT_MS)
            us.get_by_text("The US stockpiles heavy rare earths").first.wait_for(timeout=WAIT_MS)
            assert "Entity List" not in china.content()

            # A team cannot reach the facilitator's console or act for China.
            assert us.request.get(f"{url}/f/{sid}").status == 403
            forged = us.request.post(f"{url}/f/{sid}/submit",
                                     form={"country": "china", "decision": "[]"})  # fmt: skip
            assert forged.status == 403

            # Round 2: China decides, the US misses the deadline (30 s) and is played.
            china.get_by_role("button", name="Submit decision").click()
            china.get_by_text("Decision stored for round 2").wait_for(timeout=WAIT_MS)
            facilitator.get_by_text("Round 3 of 3").wait_for(timeout=WAIT_MS)

            # Round 3: the US decides, then the server is killed and restarted.
            us.fill("#stockpile_days", "200")
            us.get_by_role("button", name="Submit decision").click()
            us.get_by_text("Decision stored for round 3").wait_for(timeout=WAIT_MS)
            phase[0] = "down"
            stop_server(server, signal.SIGKILL)
            for page in (us, facilitator):  # each page says so, without a reload
                page.get_by_text(LOST).wait_for(timeout=WAIT_MS)
            server = start(port, database, log)
            for page in (us, facilitator):  # and recovers by itself
                page.get_by_text(LOST).wait_for(state="hidden", timeout=WAIT_MS)
            phase[0] = "up"
            us.reload()
            us.get_by_text("decision stored").wait_for(timeout=WAIT_MS)  # nothing lost
            left = int(re.search(r"(\d+):(\d\d)", us.locator(".clock").inner_text())[2])
            assert 0 < left < 30  # the countdown resumed, not restarted
            facilitator.reload()
            facilitator.get_by_role("button", name="Resolve round now").click()
            facilitator.get_by_text("Round 3 of 3 · ended").wait_for(timeout=WAIT_MS)

            # The debrief and its counterfactual.
            facilitator.get_by_role("link", name="Debrief").click()
            facilitator.get_by_text("Decisions, round by round").wait_for(timeout=WAIT_MS)
            text = facilitator.content()
            assert "played by its strategy" in text and "China bans exports" in text
            facilitator.select_option("select[name=counterfactual]", "drop:1")
            facilitator.get_by_role("button", name="Replay").click()
            facilitator.get_by_text("China's decision of round 1 left out").first.wait_for(
                timeout=WAIT_MS
            )
            assert facilitator.locator("img").evaluate("i => i.naturalWidth") > 0
    finally:
        stop_server(server)
    assert outside == []
    assert errors.get("up", []) == []
    assert all(NETWORK_FAILURE.match(text) for text in errors.get("down", [])), errors
