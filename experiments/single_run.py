"""One run of one scenario, written to a folder with its manifest.

Files are written to temporary names and renamed into place, so a crash or
Ctrl-C never leaves a half-written table behind, and an earlier run's files
are only replaced by complete new ones.
"""

from __future__ import annotations

import hashlib
import json
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

from model import LeverageModel, Scenario
from model.scenarios import dump_scenario
from model.summary import summarise

OUTPUT_FILES = ("rounds.parquet", "payoffs.parquet", "actions.csv", "summary.json",
                "scenario.resolved.yaml", "manifest.json")
ACTION_COLUMNS = ["step", "date", "actor", "action", "material", "target", "parameters",
                  "source", "note"]


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
    actions = pd.DataFrame(model.action_log, columns=ACTION_COLUMNS)
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


def git_commit() -> str | None:
    """The commit of the source tree, if it is a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def manifest_common(started: datetime, status: str) -> dict[str, Any]:
    """What every output folder's manifest records about how it was made."""
    return {
        "versions": package_versions(),
        "git_commit": git_commit(),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "status": status,
    }


def manifest(scenario: Scenario, started: datetime, status: str,
             extra: dict[str, Any] | None = None) -> dict[str, Any]:
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


def write_outputs(result: RunResult, out_dir: Path, started: datetime) -> None:
    """Write every contract file into ``out_dir`` (created if needed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    scenario = result.model.config

    def text(content: str) -> Callable[[Path], None]:
        return lambda p: p.write_text(content, encoding="utf-8")

    atomic_write(out_dir / "rounds.parquet", lambda p: result.rounds.to_parquet(p, index=False))
    atomic_write(out_dir / "payoffs.parquet",
                  lambda p: result.payoffs.to_parquet(p, index=False))
    atomic_write(out_dir / "actions.csv", lambda p: result.actions.to_csv(p, index=False))
    atomic_write(out_dir / "summary.json",
                  text(json.dumps(result.summary, indent=2, default=_json_default) + "\n"))
    atomic_write(out_dir / "scenario.resolved.yaml", text(dump_scenario(scenario)))
    atomic_write(out_dir / "manifest.json",
                  text(json.dumps(manifest(scenario, started, "completed"), indent=2) + "\n"))


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")
