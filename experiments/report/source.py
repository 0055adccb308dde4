"""A result folder as the report reads it.

The folder is recognised by :func:`experiments.plots.kind_of` (no folder, no or bad
``manifest.json``, an unknown kind or an unfinished result are refused there) and each
file is read through :mod:`experiments.plots.files`, so a missing, empty or unreadable
file becomes one :class:`~experiments.plots.PlotError` naming it and the command that
writes it again (the command line prints it as one line, exit 2), never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from overplay.experiments.plots import PlotError, files, kind_of

#: The command that writes each kind of result, for "run it again".
COMMANDS = {
    "run": "overplay run",
    "sweep": "overplay sweep",
    "tournament": "overplay tournament",
    "equilibrium": "overplay equilibrium",
    "calibration": "overplay calibrate",
    "validation": "overplay validate-history",
    "revealed": "overplay revealed-preference",
    "findings": "overplay findings",
}


class ResultFolder:
    """A finished result folder of a known kind, and its files read with checks."""

    def __init__(self, folder: Path) -> None:
        self.kind = kind_of(folder)
        self.path = folder
        self.manifest = self.json("manifest.json")

    def json(self, name: str) -> dict[str, Any]:
        """A JSON object from the folder."""
        return files.json_mapping(self.path / name, PlotError, self._redo())

    def yaml(self, name: str) -> dict[str, Any]:
        """A YAML mapping from the folder."""
        return files.yaml_mapping(self.path / name, PlotError, self._redo())

    def table(self, name: str) -> pd.DataFrame:
        """A Parquet table from the folder, with at least one row."""
        return files.table(self.path / name, PlotError, self._redo())

    def _redo(self) -> str:
        return (
            f"the folder is damaged or incomplete: run `{COMMANDS[self.kind]} ... "
            f"--out {self.path}` again"
        )
