"""The documentation keeps up with the code.

``docs/odd.md`` must have a parameter-table row for every field of the scenario
schema, and only for fields that exist; ``docs/outputs.md`` must document every
column of the output tables (its column tables are generated from
``model/columns.py``) and every key of ``summary.json`` and ``manifest.json``. Field
paths are dotted; fields of per-material, per-importer, per-producer and per-event
entries are written
``materials.<field>``, ``importers.<field>``, ``producers.<field>`` and
``events.<field>`` (no entry name), and strategy references as
``<section>.strategy.name`` / ``<section>.strategy.params``. Every registered
strategy and parameter appears in the generated catalogue ``docs/strategies.md``;
``docs/odd.md`` §7.14 describes the strategies the bundled scenarios use.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from overplay.experiments import outputs_doc
from overplay.experiments.single_run import OUTPUT_FILES, manifest, run_scenario
from overplay.model.columns import ACTION_COLUMNS, PAYOFF_COLUMNS, ROUND_COLUMNS, names
from overplay.model.config import Scenario
from overplay.model.scenarios import load_scenario

ROOT = Path(__file__).resolve().parents[2]
ODD = ROOT / "docs" / "odd.md"
OUTPUTS = ROOT / "docs" / "outputs.md"
STRATEGIES = ROOT / "docs" / "strategies.md"
#: The scenario schema: config.py and the modules it is built from (config_*.py).
CONFIG_FILES = sorted((ROOT / "model").glob("config*.py"))
FACTS = ROOT.parent / "shared" / "data" / "stylized_facts.csv"

FACT_ID = re.compile(r"\b[A-Z]\d{2}\b")


# -- helpers ------------------------------------------------------------------------------
def _nested_models(annotation: Any) -> list[type[BaseModel]]:
    """Pydantic models inside an annotation: the model itself, dict values, list items,
    optional and annotated types."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found.extend(_nested_models(arg))
    return found


def parameter_paths(model: type[BaseModel] = Scenario, prefix: str = "") -> list[str]:
    """Every leaf field of the schema as a dotted path (no names of dict entries)."""
    paths: list[str] = []
    for name, field in model.model_fields.items():
        nested = _nested_models(field.annotation)
        if nested:
            for sub in nested:
                paths.extend(parameter_paths(sub, f"{prefix}{name}."))
        else:
            paths.append(prefix + name)
    return list(dict.fromkeys(paths))


def section(text: str, heading: str) -> str:
    """The body of the Markdown section whose heading starts with ``heading``, up to the
    next heading of the same or a higher level."""
    match = re.search(rf"(?m)^(#+) {re.escape(heading)}.*$", text)
    assert match, f"no section {heading!r}"
    level = len(match.group(1))
    rest = text[match.end() :]
    end = re.search(rf"(?m)^#{{1,{level}}} ", rest)
    return rest[: end.start()] if end else rest


def first_cells(text: str) -> set[str]:
    """Backticked names in the first cell of Markdown table rows."""
    return set(re.findall(r"(?m)^\|\s*`([^`]+)`\s*\|", text))


def backticked(text: str) -> set[str]:
    return set(re.findall(r"`([^`\n]+)`", text))


@pytest.fixture(scope="module")
def odd() -> str:
    return ODD.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def outputs() -> str:
    return OUTPUTS.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def short_run():
    """A real one-year run of the baseline scenario."""
    return run_scenario(load_scenario("baseline", [("years", 1)]))


# -- docs/odd.md --------------------------------------------------------------------------
def test_walker_sees_nested_sections_and_entries():
    paths = parameter_paths()
    for expected in (
        "seed",
        "market.price_speed_per_month",
        "materials.demand_t_per_year",
        "importers.allies",
        "producers.ore_to_china",
        "events.at",
        "china.strategy.name",
    ):
        assert expected in paths


def test_every_scenario_parameter_has_a_row_in_the_parameter_table(odd):
    table = first_cells(section(odd, "8. Parameters"))
    missing = [p for p in parameter_paths() if p not in table]
    assert not missing, f"docs/odd.md §8 lacks rows for: {missing}"


def test_parameter_table_lists_no_parameter_that_does_not_exist(odd):
    table = first_cells(section(odd, "8. Parameters"))
    stale = sorted(table - set(parameter_paths()))
    assert not stale, f"docs/odd.md §8 documents unknown parameters: {stale}"


def test_odd_has_a_subsection_per_mechanism_and_for_payoffs(odd):
    headings = re.findall(r"(?m)^### (.*)$", section(odd, "7. Submodels"))
    for number in range(1, 11):
        assert any(f"Mechanism {number} " in h for h in headings), f"mechanism {number}"
    assert any("Payoffs" in h and "discounting" in h for h in headings)


def test_fact_ids_cited_in_config_and_odd_are_in_the_references(odd):
    references = section(odd, "10. References")
    listed = set(re.findall(r"(?m)^\|\s*([A-Z]\d{2})\s*\|", references))
    config_text = "\n".join(f.read_text(encoding="utf-8") for f in CONFIG_FILES)
    assert len(CONFIG_FILES) >= 4
    cited = set()
    for text in (config_text, odd.replace(references, "")):
        for group in re.findall(r"\[([^\]\n]+)\]", text):
            cited |= set(FACT_ID.findall(group))
    missing = sorted(cited - listed)
    assert not missing, f"fact ids cited but not in docs/odd.md references: {missing}"


def test_referenced_fact_ids_exist_in_the_facts_file(odd):
    if not FACTS.exists():
        pytest.skip(f"{FACTS} not available")
    known = set(re.findall(r"(?m)^([A-Z]\d{2}),", FACTS.read_text(encoding="utf-8")))
    references = section(odd, "10. References")
    sourced = references.split("### Sourced facts", 1)[1].split("\n### ", 1)[0]
    listed = set(re.findall(r"(?m)^\|\s*([A-Z]\d{2})\s*\|", sourced))
    assert len(listed) > 30 and not sorted(listed - known)


# -- docs/outputs.md ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("heading", "columns"),
    [
        ("rounds.parquet", names(ROUND_COLUMNS)),
        ("payoffs.parquet", names(PAYOFF_COLUMNS)),
        ("actions.csv", names(ACTION_COLUMNS)),
    ],
)
def test_every_output_column_is_documented_and_no_other(outputs, heading, columns):
    documented = first_cells(section(outputs, heading))
    assert not [c for c in columns if c not in documented], f"{heading}: undocumented columns"
    assert not sorted(documented - set(columns)), f"{heading}: documents unknown columns"


def test_written_tables_have_the_documented_columns(short_run):
    assert list(short_run.rounds.columns) == names(ROUND_COLUMNS)
    assert list(short_run.payoffs.columns) == names(PAYOFF_COLUMNS)
    assert list(short_run.actions.columns) == names(ACTION_COLUMNS)


def test_every_output_file_is_documented(outputs):
    files = first_cells(outputs)
    headings = set(re.findall(r"(?m)^## (\S+)\s*$", outputs))
    for name in OUTPUT_FILES:
        assert name in files, f"{name} missing from the file table"
        assert name in headings, f"{name} has no section"


def test_every_summary_key_is_documented(outputs, short_run):
    summary = short_run.summary
    text = section(outputs, "summary.json")
    documented = first_cells(text)
    expected = set(summary)
    for group in ("materials", "players", "importers"):
        for entry in summary[group].values():
            expected |= set(entry)
    missing = sorted(expected - documented)
    assert not missing, f"summary.json keys missing from docs/outputs.md: {missing}"
    missing = sorted(set(summary["restriction_rounds"]) - backticked(text))
    assert not missing, f"restriction_rounds keys missing: {missing}"


def test_every_manifest_key_is_documented(outputs, short_run):
    from datetime import UTC, datetime

    keys = manifest(short_run.model.config, datetime.now(UTC), "completed")
    missing = sorted(set(keys) - backticked(section(outputs, "manifest.json")))
    assert not missing, f"manifest.json keys missing from docs/outputs.md: {missing}"


def test_every_registered_strategy_and_parameter_is_described():
    """The generated catalogue (docs/strategies.md) names every strategy and parameter;
    tests/strategies/test_strategies.py checks that it is up to date with the registry."""
    from overplay.agents.strategies import REGISTRY

    text = backticked(STRATEGIES.read_text(encoding="utf-8"))
    missing = [cls.name for cls in REGISTRY.values() if cls.name not in text]
    missing += [
        f"{cls.name}.{param}"
        for cls in REGISTRY.values()
        for param in cls.Params.model_fields
        if param not in text
    ]
    assert not missing, f"docs/strategies.md does not describe: {missing}"


def test_odd_describes_the_bundled_scenarios_strategies_and_points_to_the_catalogue(odd):
    from overplay.model.scenario_files import bundled_names

    text = section(odd, "7.14 Default strategies")
    used: set[str] = set()
    for scenario in [Scenario(), *(load_scenario(name) for name in bundled_names())]:
        used |= {
            scenario.china.strategy.name,
            scenario.firms.strategy.name,
            scenario.producer_rules.strategy.name,
        }
        used |= {importer.strategy.name for importer in scenario.importers.values()}
    missing = sorted(used - backticked(text))
    assert not missing, f"docs/odd.md §7.14 does not describe: {missing}"
    assert "docs/strategies.md" in text


def test_outputs_column_tables_are_the_generated_ones(outputs):
    assert outputs == outputs_doc.render(outputs), (
        f"docs/outputs.md's column tables are out of date: run {outputs_doc.COMMAND}"
    )


def test_outputs_doc_check_flag_reports_drift(tmp_path, capsys):
    target = tmp_path / "outputs.md"
    target.write_text(OUTPUTS.read_text(encoding="utf-8"), encoding="utf-8")
    assert outputs_doc.main(["--check", "--output", str(target)]) == 0
    target.write_text(
        target.read_text(encoding="utf-8").replace("| `leakage` |", "| `leaks` |"),
        encoding="utf-8",
    )
    assert outputs_doc.main(["--check", "--output", str(target)]) == 1
    assert outputs_doc.COMMAND in capsys.readouterr().err
    assert outputs_doc.main(["--output", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == OUTPUTS.read_text(encoding="utf-8")


# -- figures ------------------------------------------------------------------------------
def test_every_run_figure_is_described_in_the_figures_guide(run_result):
    from overplay.experiments.plots import figures_of

    guide = (ROOT / "docs" / "figures.md").read_text()
    for stem, _figure in figures_of(run_result):
        generic = re.sub(r"_(light|heavy)$", "_<material>", stem)
        assert f"`{generic}`" in guide, stem


# -- docs/architecture.md -----------------------------------------------------------------
def test_every_file_the_architecture_page_names_exists():
    """The page says which files a change touches; a renamed or removed file must not
    leave it pointing nowhere."""
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:model|agents|experiments|tests|docs)/[\w/]+\.(?:py|md))", page))
    bare = set(re.findall(r"`(config_\w+\.py|scenario_\w+\.py|\w+\.py)`", page))
    assert len(named) > 30
    missing = sorted(p for p in named if not (ROOT / p).exists())
    missing += sorted(
        name
        for name in bare
        if not any((ROOT / d / name).exists() for d in ("model", "agents", "agents/strategies"))
    )
    assert not missing, f"docs/architecture.md names files that do not exist: {missing}"
