"""Windows of a longer scenario (``docs/scenarios.md``): a file that extends another and
changes only its period runs the same world over fewer months, leaving out the
parent's events outside it with a note."""

from __future__ import annotations

import warnings

import pytest

from overplay.model import load_scenario
from overplay.model.events import compile_events
from overplay.model.problems import ScenarioError
from overplay.model.scenario_checks import ScenarioNote

PARENT = """name: parent
start: "2010-01"
years: 10
events:
  - {at: "2011-01", actor: china, action: ban}
  - {at: "2016-01", actor: china, action: open}
  - {at: "2019-01", actor: china, action: ban}
"""


def _load(tmp_path, child: str):
    (tmp_path / "parent.yaml").write_text(PARENT, encoding="utf-8")
    (tmp_path / "child.yaml").write_text("extends: parent.yaml\n" + child, encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scenario = load_scenario(tmp_path / "child.yaml")
    notes = [str(w.message) for w in caught if issubclass(w.category, ScenarioNote)]
    return scenario, notes


def test_a_shorter_window_leaves_out_the_later_events_with_a_note(tmp_path):
    scenario, notes = _load(tmp_path, "years: 5\n")
    assert sorted(compile_events(scenario)) == [13]
    assert any("2 scripted event(s) after 2014-12" in n for n in notes)


def test_a_later_window_leaves_out_the_earlier_events_with_a_note(tmp_path):
    scenario, notes = _load(tmp_path, 'start: "2015-01"\nyears: 5\n')
    assert [e.at for e in scenario.events] == ["2016-01", "2019-01"]
    assert sorted(compile_events(scenario)) == [13, 49]
    assert any("1 scripted event(s) before 2015-01" in n for n in notes)


def test_a_file_that_is_not_a_window_still_refuses_events_outside_it(tmp_path):
    path = tmp_path / "own.yaml"
    path.write_text(PARENT.replace("years: 10", "years: 5"), encoding="utf-8")
    with pytest.raises(ScenarioError, match="after the last simulated month"):
        load_scenario(path)
