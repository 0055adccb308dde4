"""Figures for every result Overplay writes, in one theme (see ``theme.py``).

``plot_folder(DIR)`` recognises what a result folder holds from its ``manifest.json``
``kind`` and draws that kind's figures into ``DIR/figures/``. Each kind's module
exposes ``figures(folder) -> list[(file stem, Figure)]``.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from experiments.plots.theme import FORMATS, save, themed

#: Result kind (manifest ``kind``) → module drawing its figures.
KINDS = {"run": "experiments.plots.run", "tournament": "experiments.plots.tournament",
         "equilibrium": "experiments.plots.equilibrium", "sweep": "experiments.plots.sweep"}


class PlotError(ValueError):
    """A folder that holds no result the plots know; the message says what to do."""


def kind_of(folder: Path) -> str:
    """The result kind recorded in the folder's manifest."""
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        raise PlotError(f"{folder}: no manifest.json; give a folder written by overplay "
                        "run, sweep, tournament or equilibrium")
    kind = json.loads(manifest.read_text()).get("kind", "run")
    if kind not in KINDS:
        raise PlotError(f"{manifest}: kind {kind!r} has no figures yet; known: "
                        f"{', '.join(sorted(KINDS))}")
    return kind


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
