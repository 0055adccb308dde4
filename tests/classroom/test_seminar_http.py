"""The seminar's endpoints through an HTTP client: every refusal has its status and a
plain message (never a traceback), a team reaches only its own country, facilitator
actions need the secret, and the server's timer resolves a round on its own."""

from __future__ import annotations

import io
import re
import time

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from overplay.classroom.seminar.app import JOIN_ATTEMPTS_PER_MINUTE, create_app


@pytest.fixture
def app(tmp_path):
    return create_app(tmp_path / "seminar.db", address="http://10.0.0.5:8000/", tick_seconds=0.1)


@pytest.fixture
def facilitator(app):
    with TestClient(app) as client:
        yield client


def new_session(client, countries=("china", "us"), rounds=3) -> tuple[str, dict[str, str]]:
    form = {"scenario": "restraint", "countries": list(countries), "rounds": rounds,
            "minutes": 1, "seed": 3}  # fmt: skip
    created = client.post("/new", data=form, follow_redirects=False)
    assert created.status_code == 303
    session_id = created.headers["location"].rsplit("/", 1)[1]
    console = client.get(f"/f/{session_id}")
    assert console.status_code == 200 and "http://10.0.0.5:8000/" in console.text
    assert "<svg" in console.text  # the QR code, drawn on the server
    codes = re.findall(r"<td>(\w+)</td><td class=\"code\">([A-Z0-9]{6})</td>", console.text)
    return session_id, dict(codes)


def team_client(app, code: str) -> TestClient:
    client = TestClient(app)
    joined = client.post("/join", data={"code": code.lower()}, follow_redirects=False)
    assert joined.status_code == 303
    return client


def test_a_round_from_join_to_outcome(app, facilitator):
    sid, codes = new_session(facilitator)
    us = team_client(app, codes["us"])
    assert us.post("/team/submit", data={"stockpile_days": "90"}).status_code == 409  # lobby
    assert facilitator.post(f"/f/{sid}/control", data={"do": "open"}).status_code == 200
    page = us.get("/team")
    assert page.status_code == 200 and "You play The US" in page.text
    stored = us.post("/team/submit", data={"stockpile_days": "90", "coordinate": "join"})
    assert stored.status_code == 200 and "round 1 (2 action(s))" in stored.text
    status = facilitator.get(f"/f/{sid}/status").text
    assert re.search(r"<td>us</td><td>yes</td><td>team</td>", status)
    assert facilitator.post(f"/f/{sid}/control", data={"do": "advance"}).status_code == 200
    outcome = us.get("/team/status").text
    assert "Round 2 of 3" in outcome and "The US stockpiles" in outcome


def test_refusals_have_their_status_and_a_message(app, facilitator):
    sid, codes = new_session(facilitator)
    facilitator.post(f"/f/{sid}/control", data={"do": "open"})
    us = team_client(app, codes["us"])
    bad = us.post("/team/submit", data={"stockpile_days": "lots"})
    assert bad.status_code == 422 and "is not a number" in bad.text
    negative = us.post("/team/submit", data={"stockpile_days": "-5"})
    assert negative.status_code == 422 and "target_days" in negative.text
    assert facilitator.post(f"/f/{sid}/control", data={"do": "fly"}).status_code == 400
    wrong = TestClient(app).post("/join", data={"code": "ZZZZZZ"})
    assert wrong.status_code == 404 and "no team has this code" in wrong.text
    assert "Traceback" not in bad.text + negative.text + wrong.text
    assert TestClient(app).get("/team").status_code == 403  # not joined


def test_a_team_reaches_only_its_own_country(app, facilitator):
    sid, codes = new_session(facilitator)
    facilitator.post(f"/f/{sid}/control", data={"do": "open"})
    us = team_client(app, codes["us"])
    for path in (f"/f/{sid}", f"/f/{sid}/status"):
        assert us.get(path).status_code == 403
    assert us.post(f"/f/{sid}/control", data={"do": "end"}).status_code == 403
    as_china = us.post(f"/f/{sid}/submit", data={"country": "china", "decision": "[]"})
    assert as_china.status_code == 403
    # China's fields in the US team's form change nothing of China's
    us.post("/team/submit", data={"regime:heavy:us": "ban"})
    china = team_client(app, codes["china"])
    assert "Only you see this" in china.get("/team").text
    assert (
        "share refused" in china.get("/team").text
        and "Stockpile target" not in china.get("/team").text
    )
    facilitator.post(f"/f/{sid}/control", data={"do": "advance"})
    assert "your reputation" in china.get("/team/status").text  # China's private view
    assert "your reputation" not in us.get("/team/status").text
    assert "Your payoff so far" in us.get("/team/status").text
    status = facilitator.get(f"/f/{sid}/status").text
    assert re.search(r"<td>china</td><td>yes</td><td>—</td>", status)
    assert TestClient(app).get(f"/f/{sid}?key=guess").status_code == 403


def test_joining_is_rate_limited(app):
    client = TestClient(app)
    answers = [client.post("/join", data={"code": "AAAAAA"}).status_code for _ in range(12)]
    assert answers[:JOIN_ATTEMPTS_PER_MINUTE] == [404] * JOIN_ATTEMPTS_PER_MINUTE
    assert answers[JOIN_ATTEMPTS_PER_MINUTE:] == [429, 429]


def end_the_round_now(database, session_id: str) -> None:
    """The round's time is up (as if its minutes had passed)."""
    from overplay.classroom.seminar.store import Store

    with Store(database).write() as db:
        db.execute("UPDATE sessions SET deadline = ? WHERE id = ?", (time.time() - 1, session_id))


def test_a_decision_after_the_deadline_is_refused(tmp_path):
    slow = create_app(tmp_path / "seminar.db", "http://10.0.0.5:8000/", tick_seconds=3600)
    with TestClient(slow) as facilitator:
        sid, codes = new_session(facilitator)
        facilitator.post(f"/f/{sid}/control", data={"do": "open"})
        us = team_client(slow, codes["us"])
        end_the_round_now(tmp_path / "seminar.db", sid)
        late = us.post("/team/submit", data={"stockpile_days": "90"})
        assert late.status_code == 409 and "too late" in late.text


def test_the_timer_resolves_a_round_on_its_own(app, facilitator, tmp_path):
    sid, _ = new_session(facilitator)
    facilitator.post(f"/f/{sid}/control", data={"do": "open"})
    end_the_round_now(tmp_path / "seminar.db", sid)
    deadline = time.monotonic() + 20
    while "Round 2 of 3" not in facilitator.get(f"/f/{sid}/status").text:
        assert time.monotonic() < deadline, "the timer did not resolve the round"
        time.sleep(0.2)


def test_the_facilitator_pauses_extends_and_ends(app, facilitator):
    sid, _ = new_session(facilitator)
    facilitator.post(f"/f/{sid}/control", data={"do": "open"})
    paused = facilitator.post(f"/f/{sid}/control", data={"do": "pause"}).text
    assert "paused" in paused and "Resume" in paused
    facilitator.post(f"/f/{sid}/control", data={"do": "extend"})
    assert "1:5" in facilitator.post(f"/f/{sid}/control", data={"do": "resume"}).text
    ended = facilitator.post(f"/f/{sid}/control", data={"do": "end"})
    assert "ended" in ended.text
    again = facilitator.post(f"/f/{sid}/control", data={"do": "pause"})
    assert again.status_code == 409


def test_a_news_card_is_dealt_to_the_teams_chosen(app, facilitator):
    sid, codes = new_session(facilitator)
    facilitator.post(f"/f/{sid}/control", data={"do": "open"})
    assert "Deal a news card" in facilitator.get(f"/f/{sid}").text
    dealt = facilitator.post(f"/f/{sid}/news", data={"card": "entity_list", "to": ["us"]})
    assert dealt.status_code == 200 and "shown to us" in dealt.text
    us, china = team_client(app, codes["us"]), team_client(app, codes["china"])
    assert "The US expands the Entity List" in us.get("/team/status").text
    assert "Entity List" not in china.get("/team/status").text
    assert facilitator.post(f"/f/{sid}/news", data={"card": "nope"}).status_code == 400
    assert us.post(f"/f/{sid}/news", data={"card": "truce"}).status_code == 403


def test_each_team_reads_its_own_briefing_with_sources(app, facilitator):
    _, codes = new_session(facilitator)
    china = team_client(app, codes["china"]).get("/team").text
    us = team_client(app, codes["us"]).get("/team").text
    assert "China — the supplier" in china and "The United States" not in china
    assert "The United States — the largest rival" in us and "E19" in us


def test_the_debrief_shows_decisions_outcomes_and_a_counterfactual(app, facilitator):
    sid, codes = new_session(facilitator)
    facilitator.post(f"/f/{sid}/control", data={"do": "open"})
    china, us = team_client(app, codes["china"]), team_client(app, codes["us"])
    china.post("/team/submit", data={"regime:heavy:us": "ban"})
    facilitator.post(f"/f/{sid}/control", data={"do": "advance"})
    us.post("/team/submit", data={"stockpile_days": "150"})
    facilitator.post(f"/f/{sid}/control", data={"do": "advance"})
    page = facilitator.get(f"/debrief/{sid}")
    assert page.status_code == 200 and "data:image/png;base64," in page.text
    assert (
        "China bans exports of heavy rare earths and magnets made with them bound for" in page.text
    )
    assert "played by its strategy" in page.text and "the team" in page.text
    assert "payoff: counterfactual" in page.text
    dropped = us.get(f"/debrief/{sid}", params={"counterfactual": "drop:1"})
    assert dropped.status_code == 200 and "decision of round 1 left out" in dropped.text
    assert us.get(f"/debrief/{sid}", params={"counterfactual": "x"}).status_code == 400
    assert TestClient(app).get(f"/debrief/{sid}").status_code == 403
    report = facilitator.get(f"/debrief/{sid}/report.html")
    assert "attachment" in report.headers["content-disposition"]
    assert "<form" not in report.text and "data:image/png" in report.text
    rounds = facilitator.get(f"/debrief/{sid}/rounds.csv")
    assert rounds.status_code == 200 and rounds.text.startswith("step,date,round,material")
    actions = pd.read_parquet(
        io.BytesIO(facilitator.get(f"/debrief/{sid}/actions.parquet").content)
    )
    assert {"china", "us"} <= set(actions["actor"])
    assert facilitator.get(f"/debrief/{sid}/secrets.csv").status_code == 404


def test_a_debrief_before_any_round_says_so(app, facilitator):
    sid, _ = new_session(facilitator)
    answer = facilitator.get(f"/debrief/{sid}")
    assert answer.status_code == 409 and "no round has been played yet" in answer.text
