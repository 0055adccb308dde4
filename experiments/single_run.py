"""One run of one scenario, written to a folder with its manifest.

The files are written into a staging folder that replaces the output folder at the
end (:func:`experiments.result_folder.replacing`): a crash or Ctrl-C never leaves a
half-written table, an earlier run is only replaced by a complete new one, and a folder
holding anything else is refused before the run starts (:func:`check_run_folder`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from overplay.experiments.result_folder import check_result_folder, replacing
from overplay.model import LeverageModel, Scenario
from overplay.model.columns import ACTION_COLUMNS, names
from overplay.model.scenarios import dump_scenario
from overplay.model.summary import summarise

OUTPUT_FILES = (
    "rounds.parquet",
    "payoffs.parquet",
    "actions.csv",
    "summary.json",
    "scenario.resolved.yaml",
    "manifest.json",
)


@dataclass
class RunResult:
    """What a finished run produced (also written to disk by :func:`write_outputs`)."""

    model: LeverageModel
    rounds: pd.DataFrame
    payoffs: pd.DataFrame
    actions: pd.DataFrame
    summary: dict[str, Any]


def run_scenario(scenario: Scenario, progress: Callable[[int], None] | None = None) -> RunResult:
    """Run a resolved scenario to its end and collect its tables and summary."""
    model = LeverageModel(scenario, rng=scenario.seed)
    model.run(progress=progress)
    rounds = model.datacollector.get_table_dataframe("rounds")
    payoffs = model.datacollector.get_table_dataframe("payoffs")
    actions = pd.DataFrame(model.action_log, columns=names(ACTION_COLUMNS))
    return RunResult(model, rounds, payoffs, actions, summarise(model))


def config_hash(scenario: Scenario) -> str:
    """SHA-256 of the fully resolved scenario (what the run depended on)."""
    return hashlib.sha256(dump_scenario(scenario).encode()).hexdigest()


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in ("overplay", "mesa", "numpy", "pandas", "pyarrow", "pydantic", "pyyaml"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _git(*args: str) -> str | None:
    """A git command's output in the source tree; None outside a checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", *args], cwd=here, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


@functools.cache
def git_commit() -> str | None:
    """The commit of the source tree, if it is a git checkout. Read once per process
    (every command reads it as it starts), so a long job's last manifest names the tree
    it started from, not a commit made while it ran."""
    return _git("rev-parse", "HEAD") or None


@functools.cache
def git_dirty() -> bool | None:
    """Whether tracked files differed from that commit (read once, as above)."""
    status = _git("--no-optional-locks", "status", "--porcelain", "--untracked-files=no")
    return None if status is None else bool(status)


def read_source_tree() -> None:
    """Read the commit and its dirty flag now (commands call this as they start; the
    values are kept for the process's manifests)."""
    git_commit()
    git_dirty()


def manifest_common(started: datetime, status: str) -> dict[str, Any]:
    """What every output folder's manifest records about how it was made."""
    return {
        "versions": package_versions(),
        "git_commit": git_commit(),
        "git_dirty": git_dirty(),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "status": status,
    }


def manifest(
    scenario: Scenario, started: datetime, status: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "kind": "run",
        "scenario": scenario.name,
        "config_hash": config_hash(scenario),
        "seed": scenario.seed,
        "steps": scenario.steps,
        **manifest_common(started, status),
        "files": list(OUTPUT_FILES),
        **(extra or {}),
    }


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(Path(temp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def check_run_folder(out_dir: Path) -> None:
    """Refuse, before the run, an output folder holding anything but an earlier run."""
    check_result_folder(out_dir, "run")


def write_outputs(result: RunResult, out_dir: Path, started: datetime) -> None:
    """Write every contract file into ``out_dir``, replacing an earlier run there as one."""
    check_run_folder(out_dir)
    scenario = result.model.config
    texts = {
        "summary.json": json_text(result.summary),
        "scenario.resolved.yaml": dump_scenario(scenario),
        "manifest.json": json_text(manifest(scenario, started, "completed")),
    }
    with replacing(out_dir) as stage:
        result.rounds.to_parquet(stage / "rounds.parquet", index=False)
        result.payoffs.to_parquet(stage / "payoffs.parquet", index=False)
        result.actions.to_csv(stage / "actions.csv", index=False)
        for name, content in texts.items():
            (stage / name).write_text(content, encoding="utf-8")


def json_text(document: Any) -> str:
    """Strict JSON (NaN and infinities become null, numpy scalars plain numbers), indented."""
    return json.dumps(_strict(document), indent=2, allow_nan=False) + "\n"


def _strict(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _strict(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_strict(item) for item in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
