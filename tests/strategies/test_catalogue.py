"""The generated strategy catalogue, ``docs/strategies.md``, matches the registry."""

from __future__ import annotations

import re

from overplay.agents.moves import CHINA_MOVES, IMPORTER_MOVES
from overplay.agents.strategies import REGISTRY
from overplay.experiments import catalogue


def _role_section(text: str, title: str) -> str:
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def _table_names(text: str, title: str) -> list[str]:
    table = _role_section(text, title).split("\n### ", 1)[0]
    return re.findall(r"(?m)^\| `([a-z0-9_]+)` \|", table)


def test_committed_catalogue_is_the_generated_one():
    assert catalogue.CATALOGUE.read_text(encoding="utf-8") == catalogue.render(), (
        "docs/strategies.md is out of date: run python -m overplay.experiments.catalogue"
    )


def test_catalogue_check_flag_reports_drift(tmp_path, capsys):
    target = tmp_path / "strategies.md"
    assert catalogue.main(["--check", "--output", str(target)]) == 1  # missing
    assert catalogue.main(["--output", str(target)]) == 0
    assert catalogue.main(["--check", "--output", str(target)]) == 0
    target.write_text(target.read_text(encoding="utf-8") + "hand edit\n", encoding="utf-8")
    assert catalogue.main(["--check", "--output", str(target)]) == 1
    assert "out of date" in capsys.readouterr().err


def test_catalogue_tabulates_every_strategy_by_role_with_its_parameters_and_the_moves():
    text = catalogue.render()
    for (role, name), cls in REGISTRY.items():
        title = catalogue.ROLE_TITLES.get(role, role)
        assert name in _table_names(text, title), (role, name)
        own = _role_section(text, title).split(f"\n### `{name}`\n", 1)[1].split("\n### ")[0]
        for param in cls.Params.model_fields:
            assert f"| `{param}` |" in own, (role, name, param)
    assert "| `escalation` | 1 | restricts | Climbs the ladder" in text
    assert "| `against` | `retaliators` |" in text
    for move in (*CHINA_MOVES, *IMPORTER_MOVES):
        assert f"| `{move}` |" in text


def test_first_sentence_ignores_stops_inside_brackets_and_abbreviations():
    assert (
        catalogue.first_sentence("Does x (e.g. y. z) now. Then more.") == "Does x (e.g. y. z) now."
    )
    assert (
        catalogue.first_sentence("Cites Sprecher et al. 2017 here. Next.")
        == "Cites Sprecher et al. 2017 here."
    )
    assert catalogue.first_sentence("No stop at all") == "No stop at all"


def test_catalogue_lists_enough_strategies_per_player_role():
    text = catalogue.CATALOGUE.read_text(encoding="utf-8")
    assert len(_table_names(text, "China")) >= 9
    assert len(_table_names(text, "Importer states")) >= 7
