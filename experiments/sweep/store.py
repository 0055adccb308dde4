"""A sweep's folder: results appended as atomic Parquet parts, resumable, never duplicated.

Layout::

    DIR/.lock                held while a sweep writes here (see lock.py)
    DIR/manifest.json        spec and scenario hashes, seeds, versions, status
    DIR/spec.resolved.yaml   the spec as validated
    DIR/design.parquet       the design points (point_id + inputs)
    DIR/parts/runs-*.parquet finished runs, one file per finished chunk
                             (runs-FIRST-LAST-TIME: run ids and a time stamp)
    DIR/rounds/*.parquet     per-step data of those runs (if asked for)
    DIR/runs.parquet         all runs, one row each, sorted by run_id (at the end)
    DIR/damaged/             parts set aside as unreadable (their runs were redone)

Each part is written to a temporary name and renamed, so a crash or ``kill -9``
loses at most the chunks in flight; a re-run reads the parts, skips their runs,
and finishes the rest. A part damaged since (a disk error, a stray edit) is moved
to ``DIR/damaged/`` with its per-step or runs twin (out of the folders readers scan)
and its runs are run again: runs are deterministic, so redoing them loses nothing. A
damaged manifest is refused instead: it holds the hashes that say whether the parts
belong to this spec. So is any folder that is not a sweep's (:func:`check_sweep_folder`),
before anything is written into it.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from overplay.experiments.errors import UserError
from overplay.experiments.result_folder import manifest_of_kind, names, visible_entries
from overplay.experiments.single_run import atomic_write
from overplay.model.problems import Problem, ScenarioError

#: Columns every runs part has (a part without them is not one of ours).
RUNS_COLUMNS = ("run_id", "status")
#: What a sweep folder may hold: the sweep's files, what ``overplay plot``, ``report`` and
#: ``analyze`` add, and the spec ``overplay compare`` writes there before its sweep.
SWEEP_NAMES = frozenset(
    {
        "manifest.json",
        "spec.resolved.yaml",
        "design.parquet",
        "parts",
        "rounds",
        "runs.parquet",
        "damaged",
        "figures",
        "report.html",
        "analysis",
        "compare.yaml",
    }
)


def check_sweep_folder(target: Path) -> None:
    """Refuse (:class:`UserError`), before anything is created there, a ``target`` a sweep
    must not write into: a file, a folder with a damaged manifest or another kind of
    result, or a non-empty folder without a manifest holding names that are not a
    sweep's (a sweep stopped before its manifest leaves only its own). Unlike a run's
    folder it is never replaced, so files a user adds beside a manifest stay."""
    entries = visible_entries(target)
    if entries and manifest_of_kind(target, "sweep") is None:
        foreign = [name for name in entries if name not in SWEEP_NAMES]
        if foreign:
            raise UserError(
                f"{target}: not a sweep folder (holds {names(foreign)}); choose another --out"
            )


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr)


class Store:
    """Where a sweep's runs go."""

    def __init__(self, folder: Path, notify: Callable[[str], None] = _to_stderr) -> None:
        self.folder = folder
        self.parts = folder / "parts"
        self.rounds = folder / "rounds"
        self.notify = notify

    def open(self, manifest: dict[str, Any], spec_yaml: str, design: pd.DataFrame) -> None:
        """Create the folder, or check an existing one is a sweep folder
        (:func:`check_sweep_folder`) of the same spec and scenarios (``manifest``'s
        ``spec_hash`` and ``scenario_hash``); set aside damaged parts."""
        check_sweep_folder(self.folder)
        existing = self.folder / "manifest.json"
        if existing.exists():
            self._check_same_spec(existing, manifest)
        self.parts.mkdir(parents=True, exist_ok=True)
        self.rounds.mkdir(exist_ok=True)
        self._set_aside_damaged_parts()
        self._drop_orphan_rounds()
        # deterministic from the (checked) spec: rewriting them repairs a damaged copy
        atomic_write(self.folder / "spec.resolved.yaml", lambda p: p.write_text(spec_yaml))
        atomic_write(self.folder / "design.parquet", lambda p: design.to_parquet(p, index=False))
        self.write_manifest(manifest)

    @staticmethod
    def _check_same_spec(path: Path, manifest: dict[str, Any]) -> None:
        previous = json.loads(path.read_text(encoding="utf-8"))  # checked: a sweep's
        changed = [
            (key, what)
            for key, what in (
                ("spec_hash", "a different spec"),
                (
                    "scenario_hash",
                    "the same spec, but its scenario files (or files they "
                    "extend) have changed since",
                ),
            )
            if previous.get(key, manifest[key]) != manifest[key]
        ]  # older folders: no hash
        if changed:
            key, what = changed[0]
            raise ScenarioError(
                [
                    Problem(
                        str(path),
                        1,
                        key,
                        f"this folder holds a sweep of {what}; use another --out "
                        "folder, or delete this one to start again",
                    )
                ]
            )

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        atomic_write(
            self.folder / "manifest.json",
            lambda p: p.write_text(json.dumps(manifest, indent=2) + "\n"),
        )

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
            atomic_write(
                self.rounds / f"rounds-{name}", lambda p: rounds.to_parquet(p, index=False)
            )
        table = pd.DataFrame(rows)
        atomic_write(self.parts / f"runs-{name}", lambda p: table.to_parquet(p, index=False))

    def _set_aside_damaged_parts(self) -> None:
        """Move unreadable parts (and their twins) to ``DIR/damaged/``: their runs are not
        done, so they are run again. Runs parts are read whole (they are small); per-step
        parts, which can be large, by their footer."""
        for part in sorted(self.parts.glob("runs-*.parquet")):
            problem = _unreadable(part, lambda p: _check_runs_part(pd.read_parquet(p)))
            if problem:
                self._set_aside(
                    part, self.rounds / part.name.replace("runs-", "rounds-", 1), problem
                )
        for part in sorted(self.rounds.glob("rounds-*.parquet")):
            problem = _unreadable(part, pq.read_metadata)
            if problem:
                self._set_aside(
                    part, self.parts / part.name.replace("rounds-", "runs-", 1), problem
                )

    def _set_aside(self, part: Path, twin: Path, problem: str) -> None:
        damaged = self.folder / "damaged"
        damaged.mkdir(exist_ok=True)
        for path in (part, twin):
            if path.exists():
                path.rename(damaged / path.name)
        self.notify(
            f"{part}: damaged ({problem}); moved to {damaged}/ and its runs will be run again"
        )

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
            table = (
                table.assign(_ok=ok)
                .sort_values(["run_id", "_ok"], kind="stable")
                .drop_duplicates("run_id", keep="last")
                .drop(columns="_ok")
                .reset_index(drop=True)
            )
        atomic_write(self.folder / "runs.parquet", lambda p: table.to_parquet(p, index=False))
        return table


def _check_runs_part(table: pd.DataFrame) -> None:
    missing = [c for c in RUNS_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"no {', '.join(missing)} column")


def _unreadable(part: Path, read: Callable[[Path], object]) -> str | None:
    """Why ``part`` cannot be read as Parquet, or None. A file the system refuses to open
    (permissions, I/O error: an errno) is the machine's problem and is raised as is."""
    try:
        read(part)
    except (pa.ArrowException, ValueError) as exc:
        return str(exc).splitlines()[0]
    except OSError as exc:  # pyarrow reports a corrupt page as OSError without errno
        if exc.errno is not None:
            raise
        return str(exc).splitlines()[0]
    return None


def spec_yaml(spec: Any) -> str:
    return yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False)
