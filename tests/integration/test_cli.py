"""The ``overplay`` command line, run as a user runs it: in a subprocess.

Contract checked here (see ``experiments/cli.py``): exit 0 on success; exit 2 on bad
input with one ``FILE:LINE: key.path: message`` line per problem on stderr and no
traceback; a bad-input run never touches an earlier run's files.

The bad-input cases are independent subprocesses, so they are started together by a
module fixture (``bad_runs``) and each test then checks its own result; runs are kept
to one simulated year so the whole file stays well under a minute.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from overplay.model.scenario_files import bundled_names

ENV = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
TIMEOUT = 120

OUTPUT_FILES = (
    "rounds.parquet",
    "payoffs.parquet",
    "actions.csv",
    "summary.json",
    "scenario.resolved.yaml",
    "manifest.json",
)
ROUND_COLUMNS = [
    "step",
    "date",
    "material",
    "importer",
    "price_ex_china",
    "price_china",
    "china_mining_share",
    "china_processing_share",
    "non_china_mining_capacity",
    "non_china_processing_capacity",
    "exports_from_china",
    "stockpile_days",
    "shortage_fraction",
    "perceived_risk",
    "china_dependence",
    "lost_output",
    "china_policy",
]
MATERIALS = ("light", "heavy")
IMPORTERS = ("us", "japan", "eu")
YEARS = 1
STEPS = 12 * YEARS


def overplay(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``overplay ARGS`` (as ``python -m overplay.experiments.cli``) in ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "overplay.experiments.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=TIMEOUT,
        check=False,
    )


def assert_no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stdout, proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr


def problem_lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in proc.stderr.splitlines() if line.strip()]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden temporaries included) and its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


# -- a good run: the output contract -----------------------------------------------------
@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory: pytest.TempPathFactory):
    """``overplay run baseline --seed 1 --years 1 --out DIR --quiet``."""
    cwd = tmp_path_factory.mktemp("baseline_run")
    out = cwd / "run"
    proc = overplay(
        "run",
        "baseline",
        "--seed",
        "1",
        "--years",
        str(YEARS),
        "--out",
        str(out),
        "--quiet",
        cwd=cwd,
    )
    return proc, out


def test_run_exits_0_and_writes_every_file(baseline_run) -> None:
    proc, out = baseline_run
    assert proc.returncode == 0, proc.stderr
    assert_no_traceback(proc)
    assert proc.stdout.strip() == ""  # --quiet: no table
    for name in OUTPUT_FILES:
        assert (out / name).is_file(), name
        assert (out / name).stat().st_size > 0, name
    leftovers = [p.name for p in out.iterdir() if p.name not in OUTPUT_FILES]
    assert leftovers == []  # no temporary files left behind


def test_rounds_parquet_has_one_row_per_step_material_importer(baseline_run) -> None:
    _, out = baseline_run
    rounds = pd.read_parquet(out / "rounds.parquet")
    missing = set(ROUND_COLUMNS) - set(rounds.columns)
    assert not missing, f"missing columns: {sorted(missing)}"
    assert len(rounds) == STEPS * len(MATERIALS) * len(IMPORTERS)
    assert not rounds.duplicated(["step", "material", "importer"]).any()
    assert sorted(rounds["step"].unique()) == list(range(1, STEPS + 1))
    assert set(rounds["material"]) == set(MATERIALS)
    assert set(rounds["importer"]) == set(IMPORTERS)
    assert rounds["date"].map(lambda d: bool(re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", d))).all()
    dates = rounds.drop_duplicates("step").sort_values("step")["date"].tolist()
    assert dates == [f"2025-{m:02d}" for m in range(1, 13)]  # baseline starts 2025-01
    numeric = [
        c
        for c in ROUND_COLUMNS
        if c not in ("step", "date", "material", "importer", "china_policy")
    ]
    assert rounds[numeric].notna().all().all()
    assert rounds["china_policy"].map(lambda v: isinstance(v, str) and v != "").all()


def test_payoffs_and_actions_tables(baseline_run) -> None:
    _, out = baseline_run
    payoffs = pd.read_parquet(out / "payoffs.parquet")
    assert {"step", "date", "player", "role", "payoff"} <= set(payoffs.columns)
    assert {"china", *IMPORTERS} <= set(payoffs["player"])
    actions = pd.read_csv(out / "actions.csv")
    assert {"step", "date", "actor", "action", "material", "target"} <= set(actions.columns)
    # The baseline's scripted event: the US price floor in 2025-07.
    floor = actions[(actions["actor"] == "us") & (actions["action"] == "price_floor")]
    assert (floor["date"] == "2025-07").any()


def test_summary_json(baseline_run) -> None:
    _, out = baseline_run
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == "baseline"
    assert summary["seed"] == 1
    assert set(summary["materials"]) == set(MATERIALS)
    for name, m in summary["materials"].items():
        for key in (
            "china_processing_share_final",
            "china_mining_share_final",
            "peak_price_multiple",
        ):
            assert isinstance(m[key], float), (name, key)
        assert 0 <= m["china_processing_share_final"] <= 1
        assert 0 <= m["china_mining_share_final"] <= 1
        assert m["peak_price_multiple"] > 0
        years = m["years_to_processing_share_below_80pct"]
        assert years is None or years >= 0, (name, years)
    for player in ("china", *IMPORTERS):
        assert isinstance(summary["players"][player]["cumulative_payoff"], float), player
    rounds = summary["restriction_rounds"]
    assert set(rounds) >= {"licensing", "quota", "ban"}
    assert all(isinstance(v, int) and v >= 0 for v in rounds.values())
    assert rounds == {"licensing": 0, "quota": 0, "ban": 0}  # baseline: China never restricts


def test_manifest(baseline_run) -> None:
    _, out = baseline_run
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "completed"
    assert manifest["seed"] == 1
    assert manifest["steps"] == STEPS
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["config_hash"])
    # The hash is of the resolved scenario, which is what scenario.resolved.yaml holds.
    resolved = (out / "scenario.resolved.yaml").read_bytes()
    assert manifest["config_hash"] == hashlib.sha256(resolved).hexdigest()
    versions = manifest["versions"]
    for package in ("python", "overplay", "mesa", "numpy", "pandas"):
        assert versions.get(package), package
    assert set(manifest["files"]) == set(OUTPUT_FILES)
    assert manifest["git_dirty"] in (True, False, None)


def test_the_commit_is_read_once_so_a_long_job_names_the_tree_it_started_from(monkeypatch):
    from overplay.experiments import single_run

    answers = iter(["a" * 40, "b" * 40])
    single_run.git_commit.cache_clear()
    monkeypatch.setattr(single_run, "_git", lambda *args: next(answers))
    try:
        assert single_run.git_commit() == "a" * 40
        assert single_run.git_commit() == "a" * 40  # a commit made meanwhile is not read
    finally:
        single_run.git_commit.cache_clear()


def test_resolved_scenario_revalidates(baseline_run) -> None:
    _, out = baseline_run
    proc = overplay("validate", str(out / "scenario.resolved.yaml"), cwd=out.parent)
    assert proc.returncode == 0, proc.stderr
    assert_no_traceback(proc)
    assert "valid" in proc.stdout


def test_resolved_scenario_reproduces_the_run(baseline_run, tmp_path: Path) -> None:
    _, out = baseline_run
    again = tmp_path / "again"
    proc = overplay(
        "run", str(out / "scenario.resolved.yaml"), "--out", str(again), "--quiet", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    first = json.loads((out / "manifest.json").read_text())
    second = json.loads((again / "manifest.json").read_text())
    assert second["config_hash"] == first["config_hash"]
    pd.testing.assert_frame_equal(
        pd.read_parquet(again / "rounds.parquet"), pd.read_parquet(out / "rounds.parquet")
    )


# -- defaults and the summary table -------------------------------------------------------
@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory):
    """``overplay run --years 1`` (no scenario, no --out, not quiet) in an empty folder."""
    cwd = tmp_path_factory.mktemp("default_run")
    return overplay("run", "--years", str(YEARS), cwd=cwd), cwd


def test_run_without_scenario_runs_baseline_into_results(default_run) -> None:
    proc, cwd = default_run
    assert proc.returncode == 0, proc.stderr
    assert_no_traceback(proc)
    out = cwd / "results" / "baseline-seed1"
    for name in OUTPUT_FILES:
        assert (out / name).is_file(), name
    assert json.loads((out / "summary.json").read_text())["scenario"] == "baseline"
    assert [p.name for p in cwd.iterdir()] == ["results"]  # nothing written elsewhere


def test_run_without_quiet_prints_a_summary_table(default_run) -> None:
    proc, _ = default_run
    assert proc.returncode == 0, proc.stderr
    for text in (
        "baseline",
        "China processing share",
        "China mining share",
        "light",
        "heavy",
        "Discounted payoffs",
        "china",
        "japan",
        "Restriction rounds",
    ):
        assert text in proc.stdout, text


# -- other commands -----------------------------------------------------------------------
@pytest.mark.parametrize("name", bundled_names())
def test_validate_bundled_scenario(name: str, tmp_path: Path) -> None:
    proc = overplay("validate", name, cwd=tmp_path)
    assert_no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert "valid" in proc.stdout


def test_scenarios_lists_bundled(tmp_path: Path) -> None:
    proc = overplay("scenarios", cwd=tmp_path)
    assert_no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    for name in bundled_names():
        assert name in proc.stdout, name


def test_strategies_json(tmp_path: Path) -> None:
    proc = overplay("strategies", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)  # stdout is JSON only
    assert isinstance(rows, list) and rows
    for row in rows:
        assert isinstance(row["name"], str) and row["name"]
        assert row["role"] in {"china", "importer", "firm", "producer"}
    keys = [(row["role"], row["name"]) for row in rows]
    assert len(keys) == len(set(keys))
    assert ("china", "always_open") in keys
    assert ("importer", "threshold_diversifier") in keys
    assert ("firm", "risk_buffer") in keys
    assert ("producer", "margin_investor") in keys
    assert {("china", "human"), ("importer", "human")} <= set(keys)


def test_strategies_role_filter_and_table(tmp_path: Path) -> None:
    proc = overplay("strategies", "--role", "importer", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert rows and {row["role"] for row in rows} == {"importer"}
    table = overplay("strategies", cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert "always_open" in table.stdout


# -- bad input ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Expect:
    """One expected problem line: ``FILE:LINE: PATH: ...TEXT...``.

    ``file`` may hold ``{d}`` (the case's folder) and may be a tuple of acceptable files.
    ``path`` None means a file-level problem with no key path.
    """

    file: str | tuple[str, ...]
    line: int
    path: str | None
    text: str


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]  # scenario and options; "{d}" is the case's folder
    expect: tuple[Expect, ...]
    files: Mapping[str, str] = field(default_factory=dict)  # YAML written into the folder
    commands: tuple[str, ...] = ("validate",)  # "run" also checks an earlier run survives


S = "{d}/s.yaml"
CASES = [
    Case(
        "unknown_key",
        (S,),
        (
            Expect(
                S,
                5,
                "china.enforcment_cost_usd_m_per_month",
                "did you mean 'enforcement_cost_usd_m_per_month'",
            ),
        ),
        {
            "s.yaml": "name: t\nyears: 1\nchina:\n  strategy: always_open\n"
            "  enforcment_cost_usd_m_per_month: 3\n"
        },
        commands=("validate", "run"),
    ),
    Case(
        "wrong_type",
        (S,),
        (Expect(S, 4, "timing.decision_interval_months", "integer"),),
        {"s.yaml": "name: t\nyears: 1\ntiming:\n  decision_interval_months: often\n"},
    ),
    Case(
        "out_of_range",
        (S,),
        (Expect(S, 4, "market.leakage_rate", "less than or equal to 1"),),
        {"s.yaml": "name: t\nyears: 1\nmarket:\n  leakage_rate: 1.5\n"},
    ),
    Case(
        "misspelled_strategy",
        (S,),
        (Expect(S, 4, "china.strategy.name", "did you mean 'always_open'"),),
        {"s.yaml": "name: t\nyears: 1\nchina:\n  strategy: always_opn\n"},
    ),
    Case(
        "misspelled_strategy_param",
        (S,),
        (
            Expect(
                S, 8, "importers.us.strategy.params.risk_treshold", "did you mean 'risk_threshold'"
            ),
        ),
        {
            "s.yaml": "name: t\nyears: 1\nimporters:\n  us:\n    strategy:\n"
            "      name: threshold_diversifier\n      params:\n"
            "        risk_treshold: 0.3\n"
        },
    ),
    Case(
        "unsafe_tag",
        (S,),
        (Expect(S, 3, None, "unsafe"),),
        {"s.yaml": 'name: t\nyears: 1\nseed: !!python/object/apply:os.system ["echo x"]\n'},
        commands=("validate", "run"),
    ),
    Case(
        "unsafe_tag_touch",
        (S,),
        (Expect(S, 3, None, "unsafe"),),
        {
            "s.yaml": "name: t\nyears: 1\n"
            'seed: !!python/object/apply:os.system ["touch {d}/PWNED"]\n'
        },
        commands=("run",),
    ),
    Case(
        "malformed_yaml",
        (S,),
        (Expect(S, 3, None, "mapping values are not allowed"),),
        {"s.yaml": "name: t\nyears: 1\nchina: strategy: always_open\nseed: 2\n"},
        commands=("validate", "run"),
    ),
    Case(
        "missing_file",
        ("{d}/does_not_exist.yaml",),
        (Expect("{d}/does_not_exist.yaml", 0, None, "file not found"),),
        commands=("validate", "run"),
    ),
    Case(
        "misspelled_bundled_name",
        ("basline",),
        (Expect("basline", 0, None, "did you mean 'baseline'"),),
    ),
    Case(
        "extends_cycle",
        ("{d}/a.yaml",),
        (Expect(("{d}/a.yaml", "{d}/b.yaml"), 1, "extends", "cycle"),),
        {"a.yaml": "extends: b.yaml\nyears: 1\n", "b.yaml": "extends: a.yaml\nseed: 2\n"},
        commands=("validate", "run"),
    ),
    Case(
        "problem_in_extended_file",
        ("{d}/child.yaml",),
        (Expect("{d}/parent.yaml", 4, "market.leakag_rate", "did you mean 'leakage_rate'"),),
        {
            "parent.yaml": "name: parent\nyears: 1\nmarket:\n  leakag_rate: 0.3\n",
            "child.yaml": "# extends a file with a typo\nextends: parent.yaml\nseed: 4\n",
        },
    ),
    Case(
        "event_unknown_action",
        (S,),
        (Expect(S, 6, "events.0.action", "did you mean 'ban'"),),
        {
            "s.yaml": 'name: t\nyears: 1\nevents:\n  - at: "2025-03"\n    actor: china\n'
            "    action: bann\n    materials: [light]\n"
        },
    ),
    Case(
        "event_bad_date",
        (S,),
        (Expect(S, 7, "events.1.at", "YYYY-MM"),),
        {
            "s.yaml": 'name: t\nyears: 1\nevents:\n  - at: "2025-03"\n    actor: china\n'
            '    action: ban\n  - at: "2025-13"\n    actor: china\n    action: ban\n'
        },
        commands=("validate", "run"),
    ),
    Case(
        "several_problems",
        (S,),
        (
            Expect(S, 2, "yeers", "did you mean 'years'"),
            Expect(S, 4, "market.leakage_rate", "less than or equal to 1"),
            Expect(S, 6, "timing.decision_interval_months", "integer"),
        ),
        {
            "s.yaml": "name: t\nyeers: 1\nmarket:\n  leakage_rate: 1.5\ntiming:\n"
            "  decision_interval_months: often\n"
        },
    ),
    Case(
        "set_without_equals",
        ("baseline", "--set", "years"),
        (Expect("--set", 1, "years", "expected key.path=value"),),
        commands=("validate", "run"),
    ),
    Case(
        "set_unknown_key",
        ("baseline", "--set", "years=1", "--set", "yeers=2"),
        (Expect("--set", 2, "yeers", "did you mean 'years'"),),
        commands=("validate", "run"),
    ),
    Case(
        "set_out_of_range",
        ("baseline", "--set", "years=1", "--set", "market.leakage_rate=2"),
        (Expect("--set", 2, "market.leakage_rate", "less than or equal to 1"),),
        commands=("validate", "run"),
    ),
    Case(
        "set_missing_list_item",
        ("baseline", "--set", "years=1", "--set", "producers.9.name=x"),
        (Expect("--set", 2, "producers.9.name", "no item 9"),),
    ),
    # -- regressions: bugs found and fixed while building the loader ---------------------
    Case(
        "unsafe_tag_names_its_key",
        (S,),
        (Expect(S, 3, "seed", "unsafe"),),
        {"s.yaml": 'name: t\nyears: 1\nseed: !!python/object/apply:os.system ["echo x"]\n'},
    ),
    Case(
        "extends_cycle_at_its_line",
        ("{d}/a.yaml",),
        (Expect(("{d}/a.yaml", "{d}/b.yaml"), 4, "extends", "cycle"),),
        {
            "a.yaml": "# a extends b\nname: a\nyears: 1\nextends: b.yaml\n",
            "b.yaml": "# b extends a\n\nseed: 2\nextends: a.yaml\n",
        },
    ),
    Case(
        "event_problems_all_at_once",
        (S,),
        (
            Expect(S, 6, "events.0.action", "did you mean 'ban'"),
            Expect(S, 7, "events.1.at", "YYYY-MM"),
        ),
        {
            "s.yaml": 'name: t\nyears: 1\nevents:\n  - at: "2025-03"\n    actor: china\n'
            '    action: bann\n  - at: "2025-13"\n    actor: china\n    action: ban\n'
        },
    ),
    Case(
        "set_bad_value_is_one_line",
        ("baseline", "--set", "years=[1"),
        (Expect("--set", 1, "years", "bad value"),),
    ),
]


def _fill(text: str, folder: Path) -> str:
    return text.replace("{d}", str(folder))


def _invocation(case: Case, command: str, folder: Path, out: Path) -> list[str]:
    args = [_fill(a, folder) for a in case.args]
    if command == "run":
        return ["run", *args, "--out", str(out), "--quiet"]
    return ["validate", *args]


@pytest.fixture(scope="module")
def bad_runs(baseline_run, tmp_path_factory: pytest.TempPathFactory):
    """Every bad-input case, run in parallel. A ``run`` targets a folder that already
    holds the good baseline run, to show that nothing in it is lost or changed."""
    good_proc, good_out = baseline_run
    assert good_proc.returncode == 0, good_proc.stderr
    jobs = {}
    for case in CASES:
        for command in case.commands:
            folder = tmp_path_factory.mktemp(f"{case.id}-{command}")
            for name, text in case.files.items():
                (folder / name).write_text(_fill(text, folder), encoding="utf-8")
            out = folder / "earlier_run"
            if command == "run":
                shutil.copytree(good_out, out)
            jobs[(case.id, command)] = (
                folder,
                out,
                snapshot(out) if out.exists() else {},
                _invocation(case, command, folder, out),
            )
    workers = min(8, (os.cpu_count() or 2) + 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {key: pool.submit(overplay, *job[3], cwd=job[0]) for key, job in jobs.items()}
        return {key: (futures[key].result(), *jobs[key][:3]) for key in jobs}


def _case_params():
    for case in CASES:
        for command in case.commands:
            yield pytest.param(case, command, id=f"{case.id}-{command}")


@pytest.mark.parametrize(("case", "command"), list(_case_params()))
def test_bad_input_is_reported_located_without_traceback(
    bad_runs, case: Case, command: str
) -> None:
    proc, folder, _, _ = bad_runs[(case.id, command)]
    assert_no_traceback(proc)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = problem_lines(proc)
    assert len(lines) == len(case.expect), f"expected {len(case.expect)} line(s):\n" + proc.stderr
    for line, expect in zip(lines, case.expect, strict=True):
        files = expect.file if isinstance(expect.file, tuple) else (expect.file,)
        prefixes = [
            f"{_fill(f, folder)}:{expect.line}: " + (f"{expect.path}: " if expect.path else "")
            for f in files
        ]
        matched = [p for p in prefixes if line.startswith(p)]
        assert matched, f"{line!r} does not start with any of {prefixes}"
        assert expect.text in line[len(matched[0]) :], line


@pytest.mark.parametrize("case_id", [c.id for c in CASES if "run" in c.commands])
def test_bad_input_run_leaves_an_earlier_run_intact(bad_runs, case_id: str) -> None:
    proc, _, out, before = bad_runs[(case_id, "run")]
    assert proc.returncode != 0
    assert snapshot(out) == before  # same files, byte for byte; no temporaries left


def test_unsafe_tag_is_never_executed(bad_runs) -> None:
    proc, folder, _, _ = bad_runs[("unsafe_tag_touch", "run")]
    assert proc.returncode == 2
    assert not (folder / "PWNED").exists()
    echo, _, _, _ = bad_runs[("unsafe_tag", "run")]
    assert "x" not in echo.stdout.split()


def test_out_that_is_a_file_is_a_machine_problem(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_bytes(b"not a folder\n")
    proc = overplay(
        "run", "baseline", "--years", "1", "--out", str(target), "--quiet", cwd=tmp_path
    )
    assert_no_traceback(proc)
    assert proc.returncode == 1
    assert str(target) in proc.stderr
    assert target.read_bytes() == b"not a folder\n"


# -- further known bugs ---------------------------------------------------------------------
def test_set_strategy_parameter_of_shorthand_strategy(tmp_path: Path) -> None:
    proc = overplay(
        "validate",
        "baseline",
        "--set",
        "importers.us.strategy.params.risk_threshold=0.3",
        cwd=tmp_path,
    )
    assert_no_traceback(proc)
    assert proc.returncode == 0, proc.stderr


def test_extending_scenario_is_named_after_its_file(tmp_path: Path) -> None:
    (tmp_path / "variant.yaml").write_text("extends: baseline\nyears: 1\n", encoding="utf-8")
    proc = overplay("validate", str(tmp_path / "variant.yaml"), cwd=tmp_path)
    assert_no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert "(variant," in proc.stdout, proc.stdout
