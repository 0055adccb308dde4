"""Output folders are never lost or mixed, and every message prints what it says.

- ``overplay run`` (and tournaments, equilibria) write their files into a staging folder
  that replaces the output folder only when complete; a folder holding anything else is
  refused before the run starts.
- Text that comes from users (names, paths, option values) is printed verbatim: no rich
  markup, no emoji codes; machine problems end in one line and exit 1.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from overplay.experiments.cli import app
from overplay.experiments.single_run import json_text

runner = CliRunner()
RUN = ("run", "baseline", "--years", "1", "--firms", "20", "--quiet")


def overplay(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def earlier_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("earlier") / "run"
    code, _, stderr = overplay(*RUN, "--seed", "1", "--out", str(folder))
    assert code == 0, stderr
    (folder / "figures").mkdir()
    (folder / "figures" / "old.png").write_bytes(b"old figure")
    (folder / "report.html").write_text("old report", encoding="utf-8")
    return folder


def copy_of(folder: Path, tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(folder, tmp_path / "copy"))


# -- no data lost or mixed -----------------------------------------------------------------
def test_a_new_run_replaces_the_earlier_one_whole(earlier_run: Path, tmp_path: Path) -> None:
    folder = copy_of(earlier_run, tmp_path)
    code, _, stderr = overplay(*RUN, "--seed", "2", "--out", str(folder))
    assert code == 0, stderr
    assert not (folder / "figures").exists()
    assert not (folder / "report.html").exists()
    assert json.loads((folder / "manifest.json").read_text())["seed"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy"]  # no staging left


def test_a_failed_run_leaves_the_earlier_run_intact(
    earlier_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = copy_of(earlier_run, tmp_path)
    before = snapshot(folder)

    def disk_full(self: pd.DataFrame, *args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device", "actions.csv")

    monkeypatch.setattr(pd.DataFrame, "to_csv", disk_full)
    code, _, stderr = overplay(*RUN, "--seed", "2", "--out", str(folder))
    assert code == 1
    assert stderr.strip() == "actions.csv: No space left on device"
    assert snapshot(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy"]


@pytest.mark.parametrize("kind", ["sweep", "tournament", "equilibrium", None, "damaged"])
def test_run_refuses_a_folder_holding_something_else(tmp_path: Path, kind: str | None) -> None:
    folder = tmp_path / "taken"
    folder.mkdir()
    if kind == "damaged":
        (folder / "manifest.json").write_text("{not json", encoding="utf-8")
    elif kind is None:
        (folder / "notes.txt").write_text("mine", encoding="utf-8")
    else:
        (folder / "manifest.json").write_text(json.dumps({"kind": kind}), encoding="utf-8")
        (folder / "runs.parquet").write_bytes(b"rows")
    before = snapshot(folder)
    code, stdout, stderr = overplay(*RUN, "--out", str(folder))
    assert code == 2, stdout + stderr
    assert str(folder) in stderr and "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert snapshot(folder) == before


def test_run_refuses_files_the_earlier_run_did_not_write(earlier_run: Path, tmp_path: Path) -> None:
    folder = copy_of(earlier_run, tmp_path)
    (folder / "my_notes.md").write_text("keep me", encoding="utf-8")
    code, _, stderr = overplay(*RUN, "--out", str(folder))
    assert code == 2
    assert "my_notes.md" in stderr
    assert (folder / "my_notes.md").read_text() == "keep me"


def test_summary_json_is_strict_json() -> None:
    text = json_text({"a": float("nan"), "b": [float("inf"), 1.5], "c": None})
    assert json.loads(text) == {"a": None, "b": [None, 1.5], "c": None}
    assert "NaN" not in text and "Infinity" not in text


# -- machine problems: one line, exit 1 -----------------------------------------------------
def test_out_below_a_file_is_one_line_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    code, _, stderr = overplay(*RUN, "--out", str(tmp_path / "file" / "run"))
    assert code == 1, stderr
    assert stderr.strip() == f"{tmp_path / 'file'}: not a folder; choose another --out"
    assert len(stderr.strip().splitlines()) == 1


def test_out_that_is_a_file_is_one_line_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    code, _, stderr = overplay(*RUN, "--out", str(tmp_path / "file"))
    assert code == 1, stderr
    assert stderr.strip() == (
        f"{tmp_path / 'file'}: exists and is not a folder; choose another --out"
    )
    assert (tmp_path / "file").read_text() == "x"


def test_a_name_too_long_for_the_file_system_is_one_line_and_exit_1(tmp_path: Path) -> None:
    code, _, stderr = overplay(*RUN, "--out", str(tmp_path / ("x" * 300)))
    assert code == 1, stderr
    assert "File name too long" in stderr
    assert len(stderr.strip().splitlines()) == 1


# -- messages print what they say -----------------------------------------------------------
def test_line_numbers_and_file_names_are_not_emoji(tmp_path: Path) -> None:
    scenario = tmp_path / "a:fire:.yaml"
    scenario.write_text("extends: baseline\n" + "\n" * 98 + "yeers: 1\n", encoding="utf-8")
    code, _, stderr = overplay("validate", str(scenario))
    assert code == 2
    assert f"{scenario}:100:" in stderr, stderr


@pytest.mark.parametrize("name", ["[bold]x[/bold]", "x[/]y", "a:fire:b"])
def test_markup_in_an_output_path_is_printed_verbatim(tmp_path: Path, name: str) -> None:
    folder = tmp_path / name
    result = runner.invoke(
        app,
        ["run", "baseline", "--years", "1", "--firms", "20", "--out", str(folder)],
        env={"COLUMNS": "400"},
    )
    assert result.exit_code == 0, result.output
    assert f"Wrote {folder}/" in result.stdout
    assert (folder / "manifest.json").exists()


def test_help_does_not_load_the_model() -> None:
    probe = (
        "import sys; from typer.testing import CliRunner; from experiments.cli import app; "
        "result = CliRunner().invoke(app, ['--help']); assert result.exit_code == 0; "
        "print(sorted(m for m in ('numba', 'numpy', 'mesa', 'overplay.model.leverage_model') "
        "if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"


def test_a_loader_note_prints_as_one_located_line(tmp_path: Path) -> None:
    scenario = tmp_path / "variant.yaml"
    scenario.write_text("extends: crisis_2010\nevents: []\n", encoding="utf-8")
    code, _, stderr = overplay("validate", str(scenario))
    assert code == 0, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"{scenario}:2: note: events: replaces"), stderr


@pytest.mark.parametrize("out", [".", ".."])
def test_the_current_folder_or_its_parent_is_refused_before_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, out: str
) -> None:
    work = tmp_path / "project"
    work.mkdir()
    monkeypatch.chdir(work)
    code, _, stderr = overplay(*RUN, "--out", out)
    assert code == 2, stderr
    assert "a result needs a folder of its own" in stderr
    assert list(work.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["project"]


@pytest.mark.parametrize("files", ["3", '"abc"', "[1, 2]"])
def test_a_manifest_with_a_damaged_file_list_is_refused(tmp_path: Path, files: str) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "manifest.json").write_text(f'{{"kind": "run", "files": {files}}}', encoding="utf-8")
    (folder / "rounds.parquet").write_bytes(b"rows")
    code, _, stderr = overplay(*RUN, "--out", str(folder))
    assert code == 2, stderr
    assert stderr.strip().startswith(f"{folder / 'manifest.json'}: damaged")


def test_rounds_and_years_together_are_refused(tmp_path: Path) -> None:
    code, _, stderr = overplay("run", "--rounds", "4", "--years", "2", "--out", str(tmp_path / "r"))
    assert code == 2
    assert stderr.strip() == "--rounds and --years: give one of them, not both"
    code, _, stderr = overplay("run", "--rounds", "0", "--out", str(tmp_path / "r"))
    assert code == 2
    assert stderr.strip().startswith("--rounds: 0 is not a number of rounds")
    assert not (tmp_path / "r").exists()


def test_compare_reports_every_located_problem(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text("extends: baseline\nyears: .nan\nfirms: {count: true}\n", encoding="utf-8")
    code, _, stderr = overplay("compare", "baseline", str(scenario), "--out", str(tmp_path / "cmp"))
    assert code == 2
    lines = stderr.strip().splitlines()
    assert [line.split(": ")[0] for line in lines] == [f"{scenario}:2", f"{scenario}:3"]
    assert not (tmp_path / "cmp").exists()


def test_compare_into_a_run_folder_is_refused_and_leaves_it_as_it_was(
    earlier_run: Path, tmp_path: Path
) -> None:
    folder = copy_of(earlier_run, tmp_path)
    before = snapshot(folder)
    code, _, stderr = overplay(
        "compare", "baseline", "--seeds", "1", "--years", "1", "--out", str(folder)
    )
    assert code == 2, stderr
    assert len(stderr.strip().splitlines()) == 1
    assert snapshot(folder) == before and not (folder / ".lock").exists()


def test_a_refused_sweep_prints_one_line_and_no_progress_bar(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    spec = Path(__file__).resolve().parents[2] / "experiments" / "specs" / "smoke.yaml"
    code, _, stderr = overplay("sweep", str(spec), "--executor", "serial", "--out", str(folder))
    assert code == 2
    assert stderr.strip().splitlines() == [stderr.strip()]
    assert str(folder) in stderr and "runs" not in stderr.split(";")[0].split(":")[-1]
