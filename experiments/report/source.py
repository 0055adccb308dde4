"""A result folder as the report reads it, checked file by file.

A damaged or foreign folder (no or bad ``manifest.json``, a missing, empty or
unreadable table, an unfinished result, a kind the report does not know) becomes one
:class:`~experiments.plots.PlotError` naming the file and what to do, which the
command line prints as one line (exit 2) instead of a traceback from deep inside
pandas or the figures.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from experiments.plots import KINDS, PlotError

#: What each kind of result needs for its report (its tables and its figures); an
#: equilibrium's tables depend on which games it solved (:data:`EQUILIBRIUM_TABLES`).
NEEDED = {
    "run": ("manifest.json", "summary.json", "scenario.resolved.yaml", "rounds.parquet",
            "payoffs.parquet"),
    "sweep": ("manifest.json", "spec.resolved.yaml", "design.parquet", "runs.parquet"),
    "tournament": ("manifest.json", "spec.resolved.yaml", "ranking.parquet",
                   "payoff_matrix.parquet"),
    "equilibrium": ("manifest.json", "equilibria.json"),
}
EQUILIBRIUM_TABLES = {"stage_game": "stage_game_payoffs.parquet",
                      "meta_game": "replicator.parquet"}
COMMANDS = {"run": "overplay run", "sweep": "overplay sweep",
            "tournament": "overplay tournament", "equilibrium": "overplay equilibrium"}
WRITERS = "overplay run, sweep, tournament or equilibrium"


class ResultFolder:
    """A result folder, its manifest and its kind; :meth:`check` before drawing."""

    def __init__(self, folder: Path) -> None:
        if not folder.is_dir():
            what = "not a folder" if folder.exists() else "no such folder"
            raise PlotError(f"{folder}: {what}; give a folder written by {WRITERS}")
        if not (folder / "manifest.json").is_file():
            raise PlotError(f"{folder}: no manifest.json, so not a result folder; give a "
                            f"folder written by {WRITERS}")
        self.path = folder
        self.kind = ""  # not known until the manifest is read
        self.manifest = self.json("manifest.json")
        self.kind = str(self.manifest.get("kind", "run"))
        if self.kind not in KINDS:
            raise PlotError(f"{folder / 'manifest.json'}: kind {self.kind!r} is not a result "
                            f"the report knows ({', '.join(KINDS)})")

    def check(self) -> None:
        """Refuse an unfinished result and any missing, empty or unreadable file the
        report needs, before a single table or figure is made."""
        status = self.manifest.get("status", "completed")
        if status != "completed":
            again = ("run the same `overplay sweep` command again to finish it"
                     if self.kind == "sweep" else f"run the {self.kind} again")
            raise PlotError(f"{self.path}: the {self.kind} has not finished (status "
                            f"{status!r} in manifest.json); {again}, then report it")
        needed = list(NEEDED[self.kind])
        if self.kind == "equilibrium":
            document = self.json("equilibria.json")
            needed += [table for game, table in EQUILIBRIUM_TABLES.items() if game in document]
        for name in needed:
            if name.endswith(".parquet"):
                self._rows(name)
            elif name.endswith(".yaml"):
                self.yaml(name)
            else:
                self.json(name)
        for part in sorted((self.path / "rounds").glob("*.parquet")):  # a sweep's steps
            self._readable(part)

    def json(self, name: str) -> dict[str, Any]:
        """A JSON object from the folder."""
        try:
            value = json.loads(self._text(name))
        except json.JSONDecodeError as exc:
            raise PlotError(f"{self.path / name}: not valid JSON ({exc.msg}, line "
                            f"{exc.lineno}); {self._redo()}") from None
        return self._mapping(name, value)

    def yaml(self, name: str) -> dict[str, Any]:
        """A YAML mapping from the folder."""
        try:
            value = yaml.safe_load(self._text(name))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" (line {mark.line + 1})" if mark else ""
            raise PlotError(f"{self.path / name}: not valid YAML{line}; "
                            f"{self._redo()}") from None
        return self._mapping(name, value)

    def table(self, name: str) -> pd.DataFrame:
        """A Parquet table from the folder, with at least one row."""
        self._rows(name)
        return pd.read_parquet(self.path / name)

    def _mapping(self, name: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise PlotError(f"{self.path / name}: holds a {type(value).__name__}, not the "
                            f"mapping overplay writes; {self._redo()}")
        return value

    def _text(self, name: str) -> str:
        path = self._present(name)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise PlotError(f"{path}: not UTF-8 text; {self._redo()}") from None
        if not text.strip():
            raise PlotError(f"{path}: empty; {self._redo()}")
        return text

    def _rows(self, name: str) -> None:
        if self._readable(self._present(name)) == 0:
            raise PlotError(f"{self.path / name}: the table has no rows; {self._redo()}")

    def _readable(self, path: Path) -> int:
        """The Parquet file's row count, read from its footer (cheap)."""
        try:
            return pq.ParquetFile(path).metadata.num_rows
        except (pa.ArrowException, OSError) as exc:
            raise PlotError(f"{path}: not a readable Parquet table ({exc}); "
                            f"{self._redo()}") from None

    def _present(self, name: str) -> Path:
        path = self.path / name
        if not path.is_file():
            raise PlotError(f"{path}: missing; {self._redo()}")
        return path

    def _redo(self) -> str:
        """What to do about a damaged file: write the result again."""
        command = COMMANDS.get(self.kind)
        again = f"`{command} ... --out {self.path}`" if command else "the command that made it"
        return f"the folder is damaged or incomplete: run {again} again"
