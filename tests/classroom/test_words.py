"""The action log in plain words: hand-written sentences for the kinds a classroom
meets, and no logged action of a bundled scenario left as raw parameters."""

from __future__ import annotations

import pytest

from overplay.agents.actions import KINDS
from overplay.classroom.words import _SENTENCES, parameters, sentence
from overplay.model.leverage_model import LeverageModel


def row(action: str, **fields: str) -> dict[str, str]:
    return {"date": "2026-04", "actor": "china", "action": action, **fields}


@pytest.mark.parametrize(
    ("logged", "expected"),
    [
        (
            row(
                "license",
                material="heavy",
                target="us",
                parameters="approval_rate=0.3;delay_months=2;effective_in_months=0.0;products=all",
            ),
            "2026-04: China requires licences for heavy rare earths and magnets made with "
            "them bound for the US, approving 30% of applications after a 2-month review",
        ),
        (
            row(
                "ban",
                material="light",
                target="japan",
                parameters="products=oxides",
                note="Senkaku",
            ),
            "2026-04: China bans exports of light rare earths bound for Japan — Senkaku",
        ),
        (
            row("quota", material="light", parameters="cut=0.4;t_per_year=30184;products=oxides"),
            "2026-04: China sets an export quota on light rare earths to every destination: "
            "30,184 t a year in all",
        ),
        (
            row("stockpile", actor="japan", material="heavy", parameters="target_days=90.4"),
            "2026-04: Japan stockpiles heavy rare earths toward 90 days of use",
        ),
        (
            row("open", material="heavy", target="eu", parameters="products=magnets"),
            "2026-04: China lifts its restrictions on magnets made with heavy rare earths bound "
            "for the EU",
        ),
    ],
)
def test_a_logged_action_reads_as_a_sentence(logged, expected):
    assert sentence(logged) == expected


@pytest.mark.parametrize(
    ("logged", "expected"),
    [
        (row("retaliate", actor="us", parameters="instrument=chip_controls;level=0"),
         "The US stops retaliating against China"),
        (row("retaliate", actor="us", parameters="instrument=chip_controls;level=0.5"),
         "The US retaliates against China with chip controls (50% of its strongest)"),
        (row("subsidize", actor="eu", material="light",
             parameters="stage=mining;usd_m_per_year=0.0"),
         "The EU ends its subsidy for mining of light rare earths"),
        (row("research", actor="japan", material="heavy", parameters="usd_m_per_year=0"),
         "Japan stops funding research on heavy rare earths"),
        (row("reserve", material="light", parameters="t_per_month=0"),
         "China stops trading light rare earths for its state reserve"),
        (row("reserve", material="light", parameters="t_per_month=-200"),
         "China sells 200 t of light rare earths a month from its state reserve"),
        (row("ruling", actor="wto", target="japan", note="case dismissed"),
         "The WTO dismisses Japan's case against China — case dismissed"),
        (row("ban", material="heavy", target="other", parameters="products=oxides"),
         "China bans exports of heavy rare earths bound for third countries"),
        (row("ban", material="heavy", parameters="products=oxides"),
         "China bans exports of heavy rare earths to every destination"),
        (row("stockpile", actor="south_korea", material="heavy", parameters="target_days=30"),
         "South Korea stockpiles heavy rare earths toward 30 days of use"),
        (row("exit", actor="molycorp", note="persistent losses"),
         "Molycorp closes — persistent losses"),
    ],
)  # fmt: skip
def test_ending_stopping_and_naming_read_right(logged, expected):
    assert sentence(logged) == f"2026-04: {expected}"


def test_every_action_kind_has_its_own_sentence():
    assert {kind.value for kind in KINDS} <= set(_SENTENCES)


def test_an_unknown_entry_keeps_its_name_parameters_and_note():
    text = sentence(row("new_lever", actor="new_mine", parameters="level=2", note="why"))
    assert text == "2026-04: New Mine new lever (level 2) — why"


def test_parameters_are_read_back_from_the_log():
    assert parameters("a=1;b=x=y;;c") == {"a": "1", "b": "x=y"}


def test_no_row_of_the_history_run_falls_back_to_raw_words():
    model = LeverageModel("history", firms=20)
    model.run()
    kinds = {r["action"] for r in model.action_log}
    assert kinds <= set(_SENTENCES), kinds - set(_SENTENCES)
    assert all(sentence(r).startswith(r["date"] + ": ") for r in model.action_log)
