"""Reading a result folder's files so that a damaged one says what is wrong in one line.

A missing, empty, unreadable or foreign file (a manifest that is not JSON, a table
that is not Parquet or has no rows, YAML that is not a mapping) raises the caller's
error class — :class:`~experiments.plots.PlotError` for figures, ``AnalysisError`` for
analyses, both :class:`~experiments.errors.UserError` — naming the file and what to
do, instead of a traceback from deep inside pandas, pyarrow or the figures.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import yaml

from overplay.experiments.errors import UserError

#: What to do about a damaged file (callers may add the command that wrote it).
REDO = "the folder is damaged or incomplete: write the result again"


def text(path: Path, error: type[UserError], redo: str = REDO) -> str:
    """A file's text; missing, empty or non-UTF-8 is an error."""
    if not path.is_file():
        what = "a folder, not a file" if path.is_dir() else "missing"
        raise error(f"{path}: {what}; {redo}")
    try:
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise error(f"{path}: not UTF-8 text; {redo}") from None
    if not content.strip():
        raise error(f"{path}: empty; {redo}")
    return content


def json_mapping(path: Path, error: type[UserError], redo: str = REDO) -> dict[str, Any]:
    """A JSON object (manifests, summaries, equilibria)."""
    try:
        value = json.loads(text(path, error, redo))
    except json.JSONDecodeError as exc:
        raise error(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno}); {redo}") from None
    return _mapping(path, value, error, redo)


def yaml_mapping(path: Path, error: type[UserError], redo: str = REDO) -> dict[str, Any]:
    """A YAML mapping (resolved scenarios and specs)."""
    try:
        value = yaml.safe_load(text(path, error, redo))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark else ""
        raise error(f"{path}: not valid YAML{line}; {redo}") from None
    return _mapping(path, value, error, redo)


def table(
    path: Path, error: type[UserError], redo: str = REDO, columns: tuple[str, ...] = ()
) -> pd.DataFrame:
    """A Parquet table (a file, or a folder of part files) with at least one row and
    the given columns."""
    if not path.exists():
        raise error(f"{path}: missing; {redo}")
    try:
        frame = pd.read_parquet(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise error(f"{path}: not a readable Parquet table ({reason}); {redo}") from None
    if frame.empty:
        raise error(f"{path}: the table has no rows; {redo}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise error(f"{path}: missing column(s) {', '.join(missing)}; {redo}")
    return frame


def _mapping(path: Path, value: Any, error: type[UserError], redo: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise error(
            f"{path}: holds a {type(value).__name__}, not the mapping overplay writes; {redo}"
        )
    return value
