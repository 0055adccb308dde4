"""Figures for every result Overplay writes, in one theme (see ``theme.py``).

``plot_folder(DIR)`` recognises what a result folder holds from its ``manifest.json``
``kind`` and draws that kind's figures into ``DIR/figures/``. Each kind's module
exposes ``figures(folder) -> list[(file stem, Figure)]``.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from overplay.experiments.errors import UserError
from overplay.experiments.plots import files
from overplay.experiments.plots.theme import FORMATS, save, themed

#: Result kind (manifest ``kind``) → module drawing its figures.
KINDS = {
    "run": "overplay.experiments.plots.run",
    "tournament": "overplay.experiments.plots.tournament",
    "equilibrium": "overplay.experiments.plots.equilibrium",
    "sweep": "overplay.experiments.plots.sweep",
    "calibration": "overplay.experiments.plots.validation",
    "validation": "overplay.experiments.plots.validation",
    "revealed": "overplay.experiments.plots.validation",
    "findings": "overplay.experiments.plots.validation",
}


#: What writes a result folder, for messages about folders that are not one.
WRITERS = (
    "overplay run, sweep, tournament, equilibrium, calibrate, validate-history, "
    "revealed-preference or findings"
)


class PlotError(UserError):
    """A folder that holds no result the plots know, or a damaged one; the message
    names the file and says what to do (the command line prints it, exit 2)."""


def kind_of(folder: Path) -> str:
    """The result kind recorded in the folder's manifest, once the manifest is read and
    the result is known to be finished."""
    if not folder.is_dir():
        what = "not a folder" if folder.exists() else "no such folder"
        raise PlotError(f"{folder}: {what}; give a folder written by {WRITERS}")
    if not (folder / "manifest.json").is_file():
        raise PlotError(
            f"{folder}: no manifest.json, so not a result folder; give a "
            f"folder written by {WRITERS}"
        )
    manifest = files.json_mapping(folder / "manifest.json", PlotError)
    kind = manifest.get("kind", "run")
    if kind not in KINDS:
        raise PlotError(
            f"{folder / 'manifest.json'}: kind {kind!r} has no figures; known: "
            f"{', '.join(sorted(KINDS))}"
        )
    status = manifest.get("status", "completed")
    if status != "completed":
        again = (
            "run the same `overplay sweep` command again to finish it"
            if kind == "sweep"
            else f"run the {kind} again"
        )
        raise PlotError(
            f"{folder}: the {kind} has not finished (status {status!r} in manifest.json); {again}"
        )
    return str(kind)


def figures_of(folder: Path) -> list[tuple[str, Figure]]:
    """Every figure for the result in ``folder`` (drawn under the theme)."""
    module = importlib.import_module(KINDS[kind_of(folder)])
    with themed():
        return module.figures(folder)


def plot_folder(folder: Path, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Draw the folder's figures into ``folder/figures``; the files written."""
    written: list[Path] = []
    with themed():
        for stem, figure in figures_of(folder):
            written += save(figure, folder / "figures", stem, formats)
    return written
