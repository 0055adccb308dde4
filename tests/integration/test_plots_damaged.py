"""`overplay plot` and `overplay analyze` on damaged or foreign folders: one line that
names the file and says what to do (a UserError, exit 2), never a traceback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from overplay.experiments.analysis import AnalysisError, analyze, compare_table
from overplay.experiments.errors import UserError
from overplay.experiments.plots import PlotError, figures_of
from tests import results

Damage = Callable[[Path], None]


def _write(name: str, content: bytes | str) -> Damage:
    def damage(folder: Path) -> None:
        path = folder / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)

    return damage


def _remove(name: str) -> Damage:
    return lambda folder: (folder / name).unlink()


def _no_rows(name: str) -> Damage:
    def damage(folder: Path) -> None:
        table = pd.read_parquet(folder / name)
        table.iloc[:0].to_parquet(folder / name, index=False)

    return damage


def _manifest(**changes: object) -> Damage:
    def damage(folder: Path) -> None:
        manifest = json.loads((folder / "manifest.json").read_text())
        (folder / "manifest.json").write_text(json.dumps(manifest | changes))

    return damage


#: Damage to a run folder → what the message must name.
RUN_DAMAGE: dict[str, tuple[Damage, str]] = {
    "manifest not JSON": (_write("manifest.json", "{not json"), "manifest.json: not valid JSON"),
    "manifest empty": (_write("manifest.json", ""), "manifest.json: empty"),
    "manifest a list": (_write("manifest.json", "[1, 2]"), "holds a list"),
    "manifest binary": (_write("manifest.json", b"\xff\xfe\x00"), "not UTF-8"),
    "unknown kind": (_manifest(kind="novel"), "kind 'novel' has no figures"),
    "unfinished": (_manifest(status="running"), "has not finished"),
    "rounds missing": (_remove("rounds.parquet"), "rounds.parquet: missing"),
    "rounds empty file": (_write("rounds.parquet", b""), "rounds.parquet: not a readable"),
    "rounds garbage": (_write("rounds.parquet", b"PAR1 no table"), "rounds.parquet: not a"),
    "rounds no rows": (_no_rows("rounds.parquet"), "rounds.parquet: the table has no rows"),
    "payoffs no rows": (_no_rows("payoffs.parquet"), "payoffs.parquet: the table has no rows"),
    "summary missing": (_remove("summary.json"), "summary.json: missing"),
    "scenario not YAML": (
        _write("scenario.resolved.yaml", "a: [1,\n"),
        "scenario.resolved.yaml: not valid YAML",
    ),
}

#: Damage to a finished sweep folder → what the message must name.
SWEEP_DAMAGE: dict[str, tuple[Damage, str]] = {
    "runs missing": (_remove("runs.parquet"), "has not finished"),
    "runs no rows": (_no_rows("runs.parquet"), "runs.parquet: the table has no rows"),
    "runs garbage": (_write("runs.parquet", b"junk"), "runs.parquet: not a readable"),
    "design empty file": (_write("design.parquet", b""), "design.parquet: not a readable"),
    "spec a string": (_write("spec.resolved.yaml", "just text\n"), "holds a str"),
    "manifest without problem": (_manifest(problem="x"), None),
    "runs without status": (
        lambda f: (
            pd.read_parquet(f / "runs.parquet")
            .drop(columns="status")
            .to_parquet(f / "runs.parquet")
        ),
        "missing column(s) status",
    ),
}


def _damaged(source: Path, tmp_path: Path, damage: Damage) -> Path:
    folder = tmp_path / source.name
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("figures", "analysis"))
    damage(folder)
    return folder


def _one_line(error: pytest.ExceptionInfo, *names: str) -> None:
    text = str(error.value)
    assert "\n" not in text and isinstance(error.value, UserError), text
    for name in names:
        assert name in text, text


@pytest.mark.parametrize("case", RUN_DAMAGE)
def test_a_damaged_run_folder_is_named_in_one_line(run_result, tmp_path, case):
    damage, expected = RUN_DAMAGE[case]
    folder = _damaged(run_result, tmp_path, damage)
    with pytest.raises(PlotError) as caught:
        figures_of(folder)
    _one_line(caught, expected)


@pytest.fixture(scope="module")
def factorial(result_root):
    folder = result_root / "factorial"
    return (
        folder
        if (folder / "runs.parquet").exists()
        else results.make_sweep(result_root, "factorial")
    )


@pytest.mark.parametrize("case", SWEEP_DAMAGE)
def test_a_damaged_sweep_folder_is_named_in_one_line(factorial, tmp_path, case):
    damage, expected = SWEEP_DAMAGE[case]
    folder = _damaged(factorial, tmp_path, damage)
    if expected is None:  # a manifest without the stored problem still plots
        assert figures_of(folder)
        return
    for attempt in (
        lambda: figures_of(folder),
        lambda: analyze(folder, "curve", write=False),
        lambda: compare_table(folder),
    ):
        with pytest.raises(UserError) as caught:
            attempt()
        _one_line(caught, expected)


def test_folders_of_another_kind_or_none_at_all(run_result, tournament_result, tmp_path):
    with pytest.raises(AnalysisError) as caught:
        analyze(run_result, "curve", write=False)
    _one_line(caught, "holds a 'run' output, not a sweep")
    with pytest.raises(AnalysisError) as caught:
        analyze(tmp_path / "nowhere", "curve", write=False)
    _one_line(caught, "no such folder")
    (tmp_path / "file").write_text("x")
    with pytest.raises(PlotError) as caught:
        figures_of(tmp_path / "file")
    _one_line(caught, "not a folder")
    folder = _damaged(tournament_result, tmp_path, _remove("ranking.parquet"))
    with pytest.raises(PlotError) as caught:
        figures_of(folder)
    _one_line(caught, "ranking.parquet: missing", "overplay tournament")


def test_the_commands_print_one_line_and_exit_2(run_result, factorial, tmp_path):
    run = _damaged(run_result, tmp_path / "a", _write("rounds.parquet", b""))
    sweep = _damaged(factorial, tmp_path / "b", _write("spec.resolved.yaml", "- 1\n"))
    for args in (
        ["plot", str(run)],
        ["analyze", str(sweep), "--method", "curve"],
        ["plot", str(sweep)],
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "overplay.experiments.cli", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
