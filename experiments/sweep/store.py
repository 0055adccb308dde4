"""A sweep's folder: results appended as atomic Parquet parts, resumable, never duplicated.

Layout::

    DIR/manifest.json        spec hash, seeds, versions, status
    DIR/spec.resolved.yaml   the spec as validated
    DIR/design.parquet       the design points (point_id + inputs)
    DIR/parts/runs-*.parquet finished runs, one file per finished chunk
                             (runs-FIRST-LAST-TIME: run ids and a time stamp)
    DIR/rounds/*.parquet     per-step data of those runs (if asked for)
    DIR/runs.parquet         all runs, one row each, sorted by run_id (at the end)

Each part is written to a temporary name and renamed, so a crash or ``kill -9``
loses at most the chunks in flight; a re-run reads the parts, skips their runs,
and finishes the rest.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from experiments.single_run import atomic_write
from model.scenarios import Problem, ScenarioError


class Store:
    """Where a sweep's runs go."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.parts = folder / "parts"
        self.rounds = folder / "rounds"

    def open(self, spec_hash: str, spec_yaml: str, design: pd.DataFrame,
             manifest: dict[str, Any]) -> None:
        """Create the folder, or check an existing one belongs to the same spec."""
        existing = self.folder / "manifest.json"
        if existing.exists():
            previous = json.loads(existing.read_text())
            if previous.get("spec_hash") != spec_hash:
                raise ScenarioError([Problem(
                    str(existing), 1, "spec_hash",
                    "this folder holds a sweep of a different spec; use another --out "
                    "folder, or delete this one to start again")])
        self.parts.mkdir(parents=True, exist_ok=True)
        self.rounds.mkdir(exist_ok=True)
        self._drop_orphan_rounds()
        if not existing.exists():
            atomic_write(self.folder / "spec.resolved.yaml",
                         lambda p: p.write_text(spec_yaml))
            atomic_write(self.folder / "design.parquet",
                         lambda p: design.to_parquet(p, index=False))
        self.write_manifest(manifest)

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        atomic_write(self.folder / "manifest.json",
                     lambda p: p.write_text(json.dumps(manifest, indent=2) + "\n"))

    def done(self, retry_failed: bool = False) -> set[int]:
        """Run ids already stored (with ``retry_failed``, only those that succeeded)."""
        ids: set[int] = set()
        for part in sorted(self.parts.glob("runs-*.parquet")):
            stored = pd.read_parquet(part, columns=["run_id", "status"])
            if retry_failed:
                stored = stored[stored["status"] == "ok"]
            ids.update(stored["run_id"].tolist())
        return ids

    def append(self, rows: list[dict[str, Any]], rounds: pd.DataFrame | None) -> None:
        """Store a finished chunk: its per-step data first, then its runs (the runs part
        is what marks the chunk done, so a crash in between only redoes the chunk)."""
        first, last = min(r["run_id"] for r in rows), max(r["run_id"] for r in rows)
        # the time stamp keeps a retried run's part from replacing an earlier chunk's
        name = f"{first:08d}-{last:08d}-{time.time_ns()}.parquet"
        if rounds is not None and len(rounds):
            atomic_write(self.rounds / f"rounds-{name}",
                         lambda p: rounds.to_parquet(p, index=False))
        table = pd.DataFrame(rows)
        atomic_write(self.parts / f"runs-{name}", lambda p: table.to_parquet(p, index=False))

    def _drop_orphan_rounds(self) -> None:
        """Per-step parts whose runs part was never written (killed in between): their
        runs will be run again, so keeping them would duplicate rows."""
        for part in self.rounds.glob("rounds-*.parquet"):
            if not (self.parts / part.name.replace("rounds-", "runs-", 1)).exists():
                part.unlink()

    def consolidate(self) -> pd.DataFrame:
        """All runs, one row each, sorted by run id, written to runs.parquet."""
        parts = [pd.read_parquet(p) for p in sorted(self.parts.glob("runs-*.parquet"))]
        table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        if len(table):  # a run stored twice (retried after failing): keep its success
            ok = table["status"].eq("ok").rename("_ok")
            table = (table.assign(_ok=ok).sort_values(["run_id", "_ok"], kind="stable")
                     .drop_duplicates("run_id", keep="last").drop(columns="_ok")
                     .reset_index(drop=True))
        atomic_write(self.folder / "runs.parquet", lambda p: table.to_parquet(p, index=False))
        return table


def spec_yaml(spec: Any) -> str:
    return yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False)
