"""``overplay report`` on damaged or foreign folders says what is wrong in one line
(a :class:`PlotError`, exit 2 on the command line) naming the file, never a traceback,
whether the report's own tables or the figures find the damage.

Each case damages a private copy of a real result folder the way a crash, a full
disk or a hand edit would.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from overplay.experiments.plots import PlotError
from overplay.experiments.report import render
from tests.report_checks import copy_result, sweep_folder


def _write(name: str, content: str | bytes) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        path = folder / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)

    return damage


def _delete(name: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).unlink()


def _manifest(**changes: object) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        manifest = json.loads((folder / "manifest.json").read_text())
        (folder / "manifest.json").write_text(json.dumps(manifest | changes))

    return damage


def _no_rows(name: str) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        table = pd.read_parquet(folder / name)
        table.iloc[:0].to_parquet(folder / name)

    return damage


def _without(name: str, key: str) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        document = json.loads((folder / name).read_text())
        del document[key]
        (folder / name).write_text(json.dumps(document))

    return damage


#: Case → (result kind, damage, words the message must contain).
RUN_CASES = {
    "no manifest": (_delete("manifest.json"), "no manifest.json"),
    "empty manifest": (_write("manifest.json", ""), "manifest.json: empty"),
    "manifest not JSON": (_write("manifest.json", '{"kind": "run",'), "not valid JSON"),
    "manifest a list": (_write("manifest.json", "[1, 2]"), "holds a list"),
    "manifest not UTF-8": (_write("manifest.json", b"\xff\xfe{}"), "not UTF-8"),
    "unknown kind": (_manifest(kind="painting"), "kind 'painting'"),
    "failed run": (_manifest(status="failed"), "has not finished"),
    "missing table": (_delete("rounds.parquet"), "rounds.parquet: missing"),
    "empty table file": (_write("payoffs.parquet", b""), "payoffs.parquet: not a readable"),
    "corrupt table": (_write("rounds.parquet", b"PAR1 not really"), "not a readable Parquet"),
    "table without rows": (_no_rows("rounds.parquet"), "rounds.parquet: the table has no rows"),
    "summary not JSON": (_write("summary.json", "{"), "summary.json: not valid JSON"),
    "summary without a key": (_without("summary.json", "materials"), "lack what the report"),
    "scenario not YAML": (
        _write("scenario.resolved.yaml", "a: [1,\n b: {"),
        "scenario.resolved.yaml: not valid YAML",
    ),
    "scenario a string": (_write("scenario.resolved.yaml", "just words"), "holds a str"),
}


def _check_message(folder: Path, words: str) -> None:
    with pytest.raises(PlotError) as caught:
        render(folder)
    message = str(caught.value)
    assert words in message
    assert "\n" not in message and str(folder) in message


@pytest.mark.parametrize("case", list(RUN_CASES))
def test_damaged_run_folder(case, run_result, tmp_path):
    damage, words = RUN_CASES[case]
    folder = copy_result(run_result, tmp_path / "run")
    damage(folder)
    _check_message(folder, words)


def test_unfinished_sweep(result_root, tmp_path):
    folder = copy_result(sweep_folder(result_root), tmp_path / "sweep")
    _manifest(status="running")(folder)
    _delete("runs.parquet")(folder)
    _check_message(folder, "the sweep has not finished")


def test_damaged_part_of_a_sweeps_steps(result_root, tmp_path):
    folder = copy_result(sweep_folder(result_root), tmp_path / "sweep")
    (folder / "rounds").mkdir(exist_ok=True)
    _write("rounds/part-0.parquet", b"")(folder)
    _check_message(folder, "rounds: not a readable Parquet")


def test_equilibrium_without_its_replicator_table(equilibrium_result, tmp_path):
    folder = copy_result(equilibrium_result, tmp_path / "equilibrium")
    _delete("replicator.parquet")(folder)
    _check_message(folder, "replicator.parquet: missing")


def test_not_a_folder(tmp_path):
    _check_message(tmp_path / "nowhere", "no such folder")
    (tmp_path / "a_file").write_text("x")
    _check_message(tmp_path / "a_file", "not a folder")


def test_command_prints_one_line_and_exits_2(run_result, tmp_path):
    folder = copy_result(run_result, tmp_path / "run")
    _write("manifest.json", "{")(folder)
    proc = subprocess.run(
        [sys.executable, "-m", "overplay.experiments.cli", "report", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "not valid JSON" in proc.stderr
    assert not (folder / "report.html").exists()
