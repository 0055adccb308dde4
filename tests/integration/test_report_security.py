"""The report escapes everything that comes from a scenario, a spec or a result: names
built to inject markup stay text, and rich-markup look-alikes appear verbatim.

Each kind's real result folder is copied and its names rewritten; the figures are
replaced by one whose headline is hostile too (drawing is not what is tested here).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from matplotlib.figure import Figure

import overplay.experiments.report
from overplay.experiments.report import render
from tests.report_checks import copy_result, parse, sweep_folder

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(2)>'
QUOTES = "' onmouseover='alert(3)"
AMPERSAND = 'R&D "quoted" & <b>bold</b>'
RICH = "[bold]loud[/bold] [/] :fire:"
HOSTILE = [SCRIPT, BREAKOUT, QUOTES, AMPERSAND, RICH]

TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "h1",
    "h2",
    "p",
    "b",
    "code",
    "nav",
    "ol",
    "ul",
    "li",
    "a",
    "section",
    "div",
    "table",
    "caption",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "small",
    "br",
    "wbr",
    "figure",
    "img",
    "figcaption",
}
ATTRIBUTES = {"lang", "charset", "id", "href", "class", "alt", "src"}


@pytest.fixture
def hostile_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    """One figure whose headline and file stem carry markup."""

    def figures_of(folder: Path) -> list[tuple[str, Figure]]:
        figure = Figure(figsize=(2, 1))
        figure.suptitle(SCRIPT + BREAKOUT)
        return [(QUOTES, figure)]

    monkeypatch.setattr(overplay.experiments.report, "figures_of", figures_of)


def _rename(mapping: dict, old: str, new: str) -> dict:
    return {new if k == old else k: v for k, v in mapping.items()}


def _hostile_run(folder: Path) -> None:
    scenario = yaml.safe_load((folder / "scenario.resolved.yaml").read_text())
    scenario["name"], scenario["description"] = BREAKOUT, SCRIPT + AMPERSAND
    scenario["materials"] = _rename(scenario["materials"], "light", SCRIPT)
    scenario["importers"] = _rename(scenario["importers"], "japan", BREAKOUT)
    scenario["importers"]["us"]["strategy"] = {"name": RICH, "params": {QUOTES: SCRIPT}}
    scenario["china"]["strategy"] = {"name": SCRIPT, "params": {"x": BREAKOUT}}
    scenario["producers"][0].update(name=AMPERSAND, country=QUOTES)
    scenario["events"][0].update(
        actor=SCRIPT, action=BREAKOUT, note=RICH + QUOTES, targets=[AMPERSAND]
    )
    (folder / "scenario.resolved.yaml").write_text(yaml.safe_dump(scenario))
    summary = json.loads((folder / "summary.json").read_text())
    summary["materials"] = _rename(summary["materials"], "light", SCRIPT)
    summary["materials"][SCRIPT]["peak_price_date"] = RICH
    summary["players"] = _rename(summary["players"], "japan", BREAKOUT)
    summary["restriction_rounds"] = {QUOTES: 2}
    (folder / "summary.json").write_text(json.dumps(summary))


def _hostile_sweep(folder: Path) -> None:
    spec = yaml.safe_load((folder / "spec.resolved.yaml").read_text())
    spec["name"], spec["scenario"], spec["seeds"] = SCRIPT, BREAKOUT, QUOTES
    spec["overrides"] = {AMPERSAND: RICH}
    lever = spec["levers"][1]
    lever.update(name=BREAKOUT, key=SCRIPT, values=[SCRIPT, RICH])
    (folder / "spec.resolved.yaml").write_text(yaml.safe_dump(spec))
    for name in ("runs.parquet", "design.parquet"):
        table = pd.read_parquet(folder / name).rename(columns={"instrument": BREAKOUT})
        table[BREAKOUT] = table[BREAKOUT].map({"licensing": SCRIPT, "ban": RICH})
        table.to_parquet(folder / name)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["spec"] = AMPERSAND
    manifest["problem"]["names"][2] = BREAKOUT
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _hostile_tournament(folder: Path) -> None:
    ranking = pd.read_parquet(folder / "ranking.parquet")
    ranking["china_strategy"] = [HOSTILE[i % len(HOSTILE)] for i in range(len(ranking))]
    ranking.to_parquet(folder / "ranking.parquet")
    spec = yaml.safe_load((folder / "spec.resolved.yaml").read_text())
    spec["name"] = SCRIPT + QUOTES
    (folder / "spec.resolved.yaml").write_text(yaml.safe_dump(spec))


def _hostile_equilibrium(folder: Path) -> None:
    text = (folder / "equilibria.json").read_text()
    # Player and strategy names as they appear in the document, each replaced.
    for old, new in (('"ban_heavy"', SCRIPT), ('"retaliate"', BREAKOUT), ('"us"', RICH)):
        text = text.replace(old, json.dumps(new))
    document = json.loads(text)
    document["discount_sweep"][0]["china_strategies_in_equilibrium"] = [QUOTES, AMPERSAND]
    (folder / "equilibria.json").write_text(json.dumps(document))


HOSTILE_FOLDERS = {
    "run": _hostile_run,
    "sweep": _hostile_sweep,
    "tournament": _hostile_tournament,
    "equilibrium": _hostile_equilibrium,
}


def _source(kind: str, request: pytest.FixtureRequest, result_root: Path) -> Path:
    if kind == "sweep":
        return sweep_folder(result_root)
    return request.getfixturevalue(f"{kind}_result")


@pytest.mark.usefixtures("hostile_figures")
@pytest.mark.parametrize("kind", list(HOSTILE_FOLDERS))
def test_names_from_results_are_text_never_markup(kind, request, result_root, tmp_path):
    folder = copy_result(_source(kind, request, result_root), tmp_path / kind)
    HOSTILE_FOLDERS[kind](folder)
    page = parse(render(folder))
    for tag, attributes in page.tags:
        assert tag in TAGS, f"injected <{tag}>"
        assert set(attributes) <= ATTRIBUTES, f"injected attribute on <{tag}>: {attributes}"
        assert attributes.get("href", "#").startswith("#")
        if tag == "img":
            assert attributes["src"].startswith("data:image/png;base64,")
    assert sum(tag == "img" for tag, _ in page.tags) == 1  # the figure, nothing injected
    shown = [text for text in HOSTILE if text in page.text]
    assert len(shown) >= 3, "the names should still be readable, as text"
    if kind in ("run", "sweep", "equilibrium"):
        assert RICH in page.text  # rich-markup look-alikes verbatim, never interpreted


@pytest.mark.usefixtures("hostile_figures")
def test_every_hostile_run_name_is_shown_as_written(run_result, tmp_path):
    folder = copy_result(run_result, tmp_path / "run")
    _hostile_run(folder)
    page = parse(render(folder))
    for text in HOSTILE:
        assert text in page.text
    figure = next(attributes for tag, attributes in page.tags if tag == "figure")
    assert figure["id"] == QUOTES
    image = next(attributes for tag, attributes in page.tags if tag == "img")
    assert image["alt"] == SCRIPT + BREAKOUT
