"""Every bad scenario is refused before anything runs (issue 11, item 3).

The generated corpus (``tests/bad_scenarios.py``) goes through ``overplay validate``
and ``overplay run`` in-process (typer's runner, fast); a handful also through a real
``overplay`` subprocess. Each must exit 2 with a ``FILE:LINE: key: message`` line at
the expected place, print no traceback and, for ``run``, write no output folder.
"""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from overplay.experiments.cli import app
from overplay.model.naming import OUTPUT_NAME_RULE
from overplay.model.problems import Problem, ScenarioError
from overplay.model.scenario_checks import ScenarioNote
from overplay.model.scenarios import load_scenario
from tests.bad_scenarios import Case, corpus

CASES = corpus()
LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<rest>.*)$")


def test_the_corpus_is_large_enough_and_covers_every_class():
    prefixes = {case.id.split("-")[0] for case in CASES}
    assert len(CASES) >= 150
    assert {
        "event",
        "role",
        "strategy",
        "number",
        "share",
        "name",
        "key",
        "alias",
        "extends",
        "set",
        "main",
        "huge",
        "deep",
        "value",
    } <= prefixes


def _arguments(case: Case, folder: Path, command: str) -> tuple[list[str], str, int, Path]:
    scenario, file, line = case.write(folder)
    out = folder / "out"
    extra = ["--out", str(out), "--quiet"] if command == "run" else []
    return [command, scenario, *case.args, *extra], file, line, out


def _check(case: Case, code: int, stderr: str, stdout: str, file: str, line: int) -> None:
    assert code == 2, (code, stdout, stderr)
    assert "Traceback" not in stderr + stdout, stderr
    located = [m for m in map(LOCATED.match, stderr.splitlines()) if m]
    assert located, stderr
    wanted = [
        m
        for m in located
        if m["file"] == file
        and int(m["line"]) == line
        and (m["rest"].startswith(f"{case.path}: ") if case.path else True)
    ]
    assert wanted, f"expected {file}:{line}: {case.path}: ...; got\n{stderr}"


RUNS = [(case, command) for case in CASES for command in case.commands]


@pytest.mark.parametrize("case, command", RUNS, ids=[f"{c.id}-{m}" for c, m in RUNS])
def test_bad_scenario_is_refused_at_its_line(case: Case, command: str, tmp_path: Path):
    args, file, line, out = _arguments(case, tmp_path, command)
    result = CliRunner().invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    _check(case, result.exit_code, result.stderr, result.stdout, file, line)
    assert not out.exists()


END_TO_END = ["event-quota-cut=5", "extends-fifo", "alias-bomb", "set-demand-sum", "huge-file"]


@pytest.mark.parametrize("case_id", END_TO_END)
def test_bad_scenario_is_refused_by_the_installed_command(case_id: str, tmp_path: Path):
    case = next(c for c in CASES if c.id == case_id)
    for command in case.commands:
        folder = tmp_path / command
        folder.mkdir()
        args, file, line, out = _arguments(case, folder, command)
        overplay = Path(sys.executable).with_name("overplay")
        proc = subprocess.run(
            [str(overplay), *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=folder,
            env={"COLUMNS": "200", "NO_COLOR": "1", "PATH": "/usr/bin:/bin"},
        )
        _check(case, proc.returncode, proc.stderr, proc.stdout, file, line)
        assert not out.exists()


# -- decisions documented in docs/scenarios.md --------------------------------------------
def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


PARENT = (
    'name: parent\nstart: "2025-01"\nyears: 2\nevents:\n'
    "  - {at: 2, actor: china, action: ban, note: parent}\n"
)
CHILD_EVENTS = "events:\n  - {at: 3, actor: china, action: open, note: child}\n"


def test_child_events_replace_the_parents_with_a_note(tmp_path: Path):
    _write(tmp_path, "parent.yaml", PARENT)
    child = _write(tmp_path, "child.yaml", "extends: parent.yaml\nname: child\n" + CHILD_EVENTS)
    with pytest.warns(ScenarioNote, match=r"events: replaces the 1 event inherited"):
        scenario = load_scenario(child)
    assert [e.note for e in scenario.events] == ["child"]


@pytest.mark.parametrize("mode, notes", [("append", ["parent", "child"]), ("replace", ["child"])])
def test_events_merge_says_how_lists_combine_without_a_note(tmp_path: Path, mode, notes):
    _write(tmp_path, "parent.yaml", PARENT)
    child = _write(
        tmp_path,
        "child.yaml",
        f"extends: parent.yaml\nname: child\nevents_merge: {mode}\n" + CHILD_EVENTS,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScenarioNote)
        scenario = load_scenario(child)
    assert [e.note for e in scenario.events] == notes


def test_appended_events_are_located_after_the_inherited_ones(tmp_path: Path):
    _write(tmp_path, "parent.yaml", PARENT)
    child = _write(
        tmp_path,
        "child.yaml",
        "extends: parent.yaml\nname: child\n"
        "events_merge: append\nevents:\n"
        "  - {at: 3, actor: china, action: quota, params: {cut: 5}}\n",
    )
    with pytest.raises(ScenarioError) as error:
        load_scenario(child)
    assert [str(p) for p in error.value.problems] == [
        f"{child}:5: events.1.params.cut: Input should be less than or equal to 1"
    ]


def test_events_after_a_shortened_period_are_left_out_with_a_note(tmp_path: Path):
    path = _write(tmp_path, "s.yaml", PARENT.replace("at: 2", "at: 20"))
    with pytest.warns(ScenarioNote, match=r"1 scripted event\(s\) after 2025-12 are left out"):
        scenario = load_scenario(path, [("years", 1, "--years")])
    assert scenario.steps == 12


def test_a_retired_key_loads_with_a_located_note_and_no_effect(tmp_path: Path):
    path = _write(tmp_path, "old.yaml", "name: old\nyears: 1\nrisk:\n  ongoing_share: 0.1\n")
    with pytest.warns(ScenarioNote, match=r"^risk.ongoing_share: no longer used") as notes:
        scenario = load_scenario(path)
    assert (notes[0].filename, notes[0].lineno) == (str(path), 4)
    assert scenario == load_scenario(_write(tmp_path, "new.yaml", "name: old\nyears: 1\n"))
    with pytest.warns(ScenarioNote, match=r"^risk.ongoing_share") as notes:
        load_scenario("baseline", [("risk.ongoing_share", 0.2, "--set")])
    assert (notes[0].filename, notes[0].lineno) == ("--set", 1)


def test_scenario_named_after_its_file_gets_a_plain_name(tmp_path: Path):
    path = _write(tmp_path, "my scenario [v2].yaml", "years: 1\n")
    assert load_scenario(path).name == "my_scenario__v2_"


def test_numpy_numbers_from_batch_run_are_taken_as_numbers():
    np = pytest.importorskip("numpy")
    scenario = load_scenario(
        "baseline", [("firms.count", np.int64(50)), ("years", np.float64(1.0))]
    )
    assert scenario.firms.count == 50 and type(scenario.firms.count) is int


# -- tournament and equilibrium specs -------------------------------------------------------
TOURNAMENT = """name: t
scenario: baseline
years: 1
firms: 10
replicates: 1
overrides:
  materials.light.price_elasticity: 0.3
china:
  - always_open
  - name: periodic_coercion
    params: {period_rounds: 2}
importers:
  passive: passive
"""

SPEC_CASES = {
    "name-escape": (("name: t\n", "name: ../../etc\n"), 1, "name"),
    "name-absolute": (("name: t\n", "name: /tmp/x\n"), 1, "name"),
    "override-nan": (
        ("price_elasticity: 0.3", "price_elasticity: .nan"),
        7,
        "materials.light.price_elasticity",
    ),
    "override-demand-sum": (
        (
            "price_elasticity: 0.3\n",
            "price_elasticity: 0.3\n  importers.us.demand_share_outside_china.light: 0.9\n",
        ),
        8,
        "importers.us.demand_share_outside_china.light",
    ),
    "strategy-target": (
        ("{period_rounds: 2}", "{targets: [narnia]}"),
        11,
        "china.1.params.targets",
    ),
    "strategy-material": (
        ("{period_rounds: 2}", "{materials: [unobtainium]}"),
        11,
        "china.1.params.materials",
    ),
    "strategy-cut-bool": (("{period_rounds: 2}", "{cut: true}"), 11, "china.1.params.cut"),
    "years-bool": (("years: 1\n", "years: true\n"), 3, "years"),
    "years-inf": (("years: 1\n", "years: .inf\n"), 3, "years"),
    "importer-profile": (
        ("passive: passive\n", "passive: {narnia: passive}\n"),
        13,
        "importers.passive",
    ),
    "matches-cap": (("replicates: 1\n", "replicates: 10000\n"), 5, "replicates"),
}


@pytest.mark.parametrize("change, line, path", SPEC_CASES.values(), ids=SPEC_CASES.keys())
def test_bad_tournament_spec_is_refused_at_its_line(tmp_path: Path, change, line, path):
    from overplay.experiments.tournament import load_tournament

    text = TOURNAMENT.replace(*change)
    if path == "replicates":  # 2 × 1 × 10,000 is fine; 60 China entries are not
        text = text.replace(
            "china:\n",
            "china:\n" + "".join(f"  - {{name: always_open, label: a{i}}}\n" for i in range(60)),
        )
    spec = _write(tmp_path, "t.yaml", text)
    with pytest.raises(ScenarioError) as error:
        load_tournament(spec)
    assert any(
        p.file == str(spec) and p.line == line and p.path == path for p in error.value.problems
    ), error.value


EQUILIBRIUM = """name: e
stage_game:
  scenario: baseline
  date: "2026-01"
  actions:
    china: [open, ban]
    us: [hold, stockpile]
"""

EQUILIBRIUM_CASES = {
    "name-escape": (("name: e\n", "name: ..\n"), 1, "name"),
    "date-after-end": (('date: "2026-01"', 'date: "2999-01"'), 4, "stage_game.date"),
    "date-before-start": (('date: "2026-01"', 'date: "1999-01"'), 4, "stage_game.date"),
    "move-target": (("[open, ban]", '[open, "ban:narnia"]'), 6, "stage_game.actions.china.1"),
    "importer-move-target": (
        ("[hold, stockpile]", '[hold, "stockpile:japan"]'),
        7,
        "stage_game.actions.us.1",
    ),
    "unknown-player": (
        ("    us: [hold, stockpile]", "    narnia: [hold]"),
        7,
        "stage_game.actions.narnia",
    ),
    "override": (("  date:", "  overrides: {years: .inf}\n  date:"), 4, "years"),
    "tournament-folder": (
        ("stage_game:", "meta_game: {tournament: folder}\nstage_game:"),
        2,
        "meta_game.tournament",
    ),
}


@pytest.mark.parametrize(
    "change, line, path", EQUILIBRIUM_CASES.values(), ids=EQUILIBRIUM_CASES.keys()
)
def test_bad_equilibrium_spec_is_refused_at_its_line(tmp_path: Path, change, line, path):
    from overplay.experiments.equilibrium import load_equilibrium

    (tmp_path / "folder").mkdir()
    spec = _write(tmp_path, "e.yaml", EQUILIBRIUM.replace(*change))
    with pytest.raises(ScenarioError) as error:
        load_equilibrium(spec)
    assert any(
        p.file == str(spec) and p.line == line and p.path == path for p in error.value.problems
    ), error.value


def test_a_bad_tournament_spec_exits_2_before_anything_runs(tmp_path: Path):
    spec = _write(
        tmp_path, "t.yaml", TOURNAMENT.replace("{period_rounds: 2}", "{targets: [narnia]}")
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["tournament", str(spec), "--out", str(out), "--quiet"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"{spec}:11: china.1.params.targets: unknown destination")
    assert not out.exists()


def test_the_documented_limits_are_the_limits():
    from overplay.experiments.tournament import MAX_MATCHES
    from overplay.model.safe_yaml import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES
    from overplay.model.scenario_files import MAX_EXTENDS

    text = (Path(__file__).resolve().parents[2] / "docs" / "scenarios.md").read_text()
    limits = re.search(r"(?ms)^## Limits$(.*)", text).group(1)
    for value in (
        f"{MAX_FILE_BYTES:,} bytes",
        f"{MAX_DEPTH} levels",
        f"{MAX_NODES:,} keys",
        f"{MAX_EXTENDS} files",
        f"{MAX_MATCHES:,} matches",
    ):
        assert value in limits, value


@pytest.mark.parametrize("name", ["../x", ".hidden", "x" * 101])
def test_a_bad_name_is_explained_in_words_not_a_pattern(name: str, tmp_path: Path):
    (tmp_path / "bad.yaml").write_text(f"name: {name!r}\nyears: 2\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(str(tmp_path / "bad.yaml"))
    (problem,) = caught.value.problems
    assert problem.path == "name" and problem.message.endswith(OUTPUT_NAME_RULE), problem


def test_a_scenario_error_crosses_a_process_boundary_with_its_problems():
    """Workers raise it in another process: pickled and back, it keeps its locations."""
    error = ScenarioError([Problem("run.yaml", 4, "market.leakage_rate", "at most 1")])
    again = pickle.loads(pickle.dumps(error))
    assert again.problems == error.problems
    assert str(again) == "run.yaml:4: market.leakage_rate: at most 1"
