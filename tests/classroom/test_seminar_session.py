"""The seminar's rules on the database alone: a round plays the stored decisions and
labels the countries a strategy played; a team acts only for its own country, in time
and in form; simultaneous submissions both count; a round is resolved once however
many callers race for it; a restart from the file loses nothing."""

from __future__ import annotations

import threading

import pandas as pd
import pytest
import yaml

from overplay.classroom.seminar import debrief
from overplay.classroom.seminar import session as rules
from overplay.classroom.seminar.news import Card, load_briefings, load_deck
from overplay.classroom.seminar.store import Store
from overplay.model.scenarios import dump_scenario, load_scenario

LICENCE = [{"kind": "license", "materials": ["heavy"], "targets": ["us"],
            "params": {"approval_rate": 0.2}}]  # fmt: skip
STOCKPILE = [{"kind": "stockpile", "materials": ["heavy"], "params": {"target_days": 150}}]


@pytest.fixture
def game(tmp_path):
    store = Store(tmp_path / "seminar.db")
    created = rules.create_session(store, "restraint", ("china", "us"), 3, 60, seed=4, now=1000)
    rules.open_round(store, created.session_id, now=1000)
    return store, created


def events(store, session_id, kind):
    with store.read() as db:
        rows = db.execute(
            "SELECT country, detail FROM events WHERE session_id = ? AND kind = ?",
            (session_id, kind),
        ).fetchall()
    return [(r["country"], r["detail"]) for r in rows]


def test_a_round_plays_what_teams_stored_and_labels_the_rest(game):
    store, created = game
    sid = created.session_id
    assert rules.join(store, created.codes["china"]) == (sid, "china")
    assert rules.submit(store, sid, "china", LICENCE, now=1010) == 1
    assert rules.resolve_round(store, sid, 1, "deadline", now=1061)
    model = rules.latest_model(store, sid)
    licences = [r for r in model.action_log if r["action"] == "license" and r["actor"] == "china"]
    assert [(r["material"], r["target"]) for r in licences] == [("heavy", "us")]
    assert "approval_rate=0.2" in licences[0]["parameters"]
    played = dict(events(store, sid, "played"))
    assert '"by": "team"' in played["china"] and '"by": "strategy"' in played["us"]
    state = rules.session_state(store, sid)
    assert (state.current_round, state.status, state.deadline) == (2, "open", 1061 + 60)


def test_a_team_acts_only_for_itself_in_time_and_in_form(game):
    store, created = game
    sid = created.session_id
    with pytest.raises(rules.ForbiddenError):
        rules.submit(store, sid, "japan", STOCKPILE, now=1010)  # no team plays Japan
    with pytest.raises(rules.BadDecisionError, match="us cannot take 'license'"):
        rules.submit(store, sid, "us", LICENCE, now=1010)  # an importer cannot license
    with pytest.raises(rules.BadDecisionError, match="cannot take 'nuke'; its kinds: coordinate"):
        rules.submit(store, sid, "us", [{"kind": "nuke"}], now=1010)
    with pytest.raises(rules.BadDecisionError, match="list"):
        rules.submit(store, sid, "us", "stockpile", now=1010)  # type: ignore[arg-type]
    bad_days = [{"kind": "stockpile", "params": {"target_days": -5}}]
    with pytest.raises(rules.BadDecisionError, match="target_days"):
        rules.submit(store, sid, "us", bad_days, now=1010)
    with pytest.raises(rules.ClosedError, match="too late"):
        rules.submit(store, sid, "us", STOCKPILE, now=1061)
    with pytest.raises(rules.NotFoundError):
        rules.join(store, "AAAAAA")
    with pytest.raises(rules.ForbiddenError):
        rules.check_facilitator(store, sid, "guess")
    rules.check_facilitator(store, sid, created.secret)


def test_simultaneous_submissions_both_count(game):
    store, created = game
    sid = created.session_id
    barrier = threading.Barrier(2)

    def send(country, decision):
        barrier.wait()
        rules.submit(store, sid, country, decision, now=1010)

    threads = [
        threading.Thread(target=send, args=("china", LICENCE)),
        threading.Thread(target=send, args=("us", STOCKPILE)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with store.read() as db:
        stored = db.execute("SELECT country FROM submissions WHERE session_id = ?", (sid,))
        assert sorted(r["country"] for r in stored) == ["china", "us"]


def test_a_round_is_resolved_once_however_many_race_for_it(game):
    store, created = game
    sid = created.session_id
    results: list[bool] = []
    barrier = threading.Barrier(4)

    def race():
        barrier.wait()
        results.append(rules.resolve_round(store, sid, 1, "race", now=1061))

    threads = [threading.Thread(target=race) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]
    assert len(events(store, sid, "resolved")) == 1
    assert rules.latest_model(store, sid).step_count == 3


def test_a_restart_from_the_file_loses_nothing(game, tmp_path):
    store, created = game
    sid = created.session_id
    rules.submit(store, sid, "us", STOCKPILE, now=1010)
    reopened = Store(tmp_path / "seminar.db")  # a new server process on the same file
    state = rules.session_state(reopened, sid)
    assert state.seconds_left(now=1030) == 30  # the countdown runs on absolute time
    assert rules.due_rounds(reopened, now=1059) == []
    assert rules.due_rounds(reopened, now=1060) == [(sid, 1)]
    assert rules.resolve_round(reopened, sid, 1, "deadline", now=1060)
    assert ("us", '{"by": "team", "kinds": ["stockpile"]}') in events(reopened, sid, "played")


def test_pause_extend_resume_and_the_last_round(game):
    store, created = game
    sid = created.session_id
    rules.pause(store, sid, now=1020)
    assert rules.session_state(store, sid).seconds_left(now=5000) == 40
    assert rules.due_rounds(store, now=5000) == []  # a paused round never times out
    rules.extend(store, sid, 30)
    rules.resume(store, sid, now=2000)
    assert rules.session_state(store, sid).deadline == 2070
    for round_ in (1, 2, 3):
        assert rules.resolve_round(store, sid, round_, "advance", now=2000 + round_)
    state = rules.session_state(store, sid)
    assert (state.status, state.current_round) == ("ended", 3)
    with pytest.raises(rules.ClosedError):
        rules.submit(store, sid, "us", STOCKPILE, now=2010)


def test_a_session_refuses_settings_it_cannot_play(tmp_path):
    store = Store(tmp_path / "s.db")
    with pytest.raises(rules.SeminarError, match="teams play"):
        rules.create_session(store, "restraint", ("india",), 3, 60)
    with pytest.raises(rules.SeminarError, match="rounds: 1 to 40"):
        rules.create_session(store, "restraint", ("us",), 99, 60)
    with pytest.raises(rules.SeminarError, match="scenario"):
        rules.create_session(store, "no_such_scenario", ("us",), 3, 60)


def test_a_news_card_happens_when_the_round_is_played_and_only_its_audience_sees_it(game):
    store, created = game
    sid = created.session_id
    deck = load_deck()
    assert rules.inject_news(store, sid, deck.card("heavy_licences"), ["us"]) == 1
    rules.inject_news(store, sid, deck.card("price_floor"))
    assert [card.id for _, card in rules.news_for(store, sid, "us")] == [
        "price_floor",
        "heavy_licences",
    ]
    assert [card.id for _, card in rules.news_for(store, sid, "china")] == ["price_floor"]
    with pytest.raises(rules.SeminarError, match="no team plays japan"):
        rules.inject_news(store, sid, deck.card("truce"), ["japan"])
    rules.resolve_round(store, sid, 1, "deadline", now=1061)
    log = rules.latest_model(store, sid).action_log
    news = [(r["actor"], r["action"], r["material"]) for r in log if r["source"] == "news"]
    assert ("china", "license", "heavy") in news and ("us", "price_floor", "light") in news


def test_a_card_naming_a_country_outside_the_world_is_refused(game):
    store, created = game
    card = Card.model_validate(
        {"id": "korea", "title": "Korea stockpiles", "text": "…", "sources": ["test"],
         "actions": [{"actor": "korea", "kind": "stockpile", "params": {"target_days": 90}}]}
    )  # fmt: skip
    with pytest.raises(rules.SeminarError, match="korea is not in this session's world"):
        rules.inject_news(store, created.session_id, card)


def test_the_bundled_deck_is_valid_and_cites_its_sources():
    deck = load_deck()
    assert len(deck.cards) >= 8 and all(card.sources for card in deck.cards)
    assert len({card.id for card in deck.cards}) == len(deck.cards)


def test_a_deck_that_is_not_one_is_refused_with_its_file(tmp_path):
    bad = tmp_path / "deck.yaml"
    bad.write_text("cards:\n  - {id: x, title: t}\n")
    with pytest.raises(ValueError, match=r"deck\.yaml: not a deck of news cards"):
        load_deck(bad)


def test_every_playable_country_has_a_sourced_briefing():
    briefings = load_briefings()
    assert set(briefings) == set(rules.PLAYABLE)
    assert all(b.sources and b.goals for b in briefings.values())


def test_a_replay_ends_where_the_session_did_and_a_counterfactual_does_not(game):
    """Same seed, decisions and news: the replay is the session, month for month;
    leaving out China's licence of round 1 changes the heavy price."""
    store, created = game
    sid = created.session_id
    rules.submit(store, sid, "china", LICENCE, now=1010)
    rules.inject_news(store, sid, load_deck().card("price_floor"))
    rules.resolve_round(store, sid, 1, "deadline", now=1061)
    rules.submit(store, sid, "us", STOCKPILE, now=1070)
    rules.resolve_round(store, sid, 2, "deadline", now=1122)
    live = rules.latest_model(store, sid)
    again = debrief.replay(store, sid)
    table = "rounds"
    pd.testing.assert_frame_equal(
        live.datacollector.get_table_dataframe(table),
        again.datacollector.get_table_dataframe(table),
    )
    assert live.payoff == again.payoff
    without = debrief.replay(store, sid, debrief.Counterfactual(drop_round=1))
    heavy = [
        m.datacollector.get_table_dataframe(table).query("material == 'heavy'")["price_ex_china"]
        for m in (live, without)
    ]
    assert heavy[0].max() > heavy[1].max()
    assert debrief.baseline(store, sid).step_count == live.step_count == 6


def test_a_team_for_a_country_outside_the_scenario_is_refused(tmp_path):
    world = yaml.safe_load(dump_scenario(load_scenario("restraint")))
    del world["importers"]["japan"]
    for importer in world["importers"].values():
        importer["allies"] = [a for a in importer["allies"] if a != "japan"]
    two = tmp_path / "two.yaml"
    two.write_text(yaml.safe_dump({**world, "name": "two"}))
    with pytest.raises(rules.SeminarError, match="japan does not take part"):
        rules.create_session(Store(tmp_path / "s.db"), str(two), ("japan",), 3, 60)
