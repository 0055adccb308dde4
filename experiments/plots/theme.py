"""One look for every figure: slide-sized, legible when projected, colour-blind safe.

Figures are 1280×720 px (12.8 × 7.2 in at 100 dpi) so they drop onto a 16:9 slide
unscaled; fonts are seaborn's "talk" sizes. Figures are built with matplotlib's object
API under :func:`themed` — no pyplot state, no GUI backend, safe in worker processes.
"""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path

import matplotlib as mpl
import seaborn as sns
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from overplay.experiments.single_run import atomic_write

WIDTH_IN, HEIGHT_IN, DPI = 12.8, 7.2, 100
#: Formats drawn by default: PNG for slides, SVG for print.
FORMATS = ("png", "svg")
#: Colour-blind-safe palette (seaborn's), in the order series are drawn.
PALETTE = sns.color_palette("colorblind")
#: Restrictions shaded on time axes, by regime.
REGIME_COLOURS = {"licensing": "#f2c14e", "quota": "#f78154", "ban": "#b33f40"}


def _rc() -> dict[str, object]:
    rc: dict[str, object] = {}
    rc |= sns.axes_style("whitegrid")
    rc |= sns.plotting_context("talk", font_scale=0.8)
    rc |= {
        "axes.prop_cycle": mpl.cycler(color=PALETTE),
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
        "svg.fonttype": "none",
        "legend.frameon": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    return rc


@contextlib.contextmanager
def themed() -> Iterator[None]:
    """Draw (and save) inside this, so every artist picks up the theme."""
    with mpl.rc_context(_rc()):
        yield


def slide(
    rows: int = 1,
    cols: int = 1,
    *,
    height_ratios: Sequence[float] | None = None,
    sharex: bool = False,
) -> tuple[Figure, list[Axes]]:
    """A 1280×720 figure with a grid of axes (flattened, row by row)."""
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    axes = figure.subplots(
        rows,
        cols,
        squeeze=False,
        sharex=sharex,
        gridspec_kw={"height_ratios": height_ratios} if height_ratios else None,
    )
    return figure, list(axes.flat)


def title(figure: Figure, text: str) -> None:
    """The figure's headline: what it shows."""
    figure.suptitle(text, x=0.01, horizontalalignment="left", fontsize="large", fontweight="bold")


def note(figure: Figure, *lines: str, width: int = 160) -> None:
    """How to read the figure, under the panels (a figure note, as in print)."""
    text = "\n".join(textwrap.fill(line, width) for line in lines if line)
    if text:
        figure.supxlabel(text, x=0.01, horizontalalignment="left", fontsize="x-small", color="0.25")


def legend(figure: Figure, handles: Sequence[Artist]) -> None:
    """One legend for the whole figure, under the panels: it never covers data, event
    numbers or titles, and panels drawing the same series share it."""
    unique = {h.get_label(): h for h in handles if not h.get_label().startswith("_")}
    if unique:
        figure.legend(
            list(unique.values()), list(unique), loc="outside right center", fontsize="small"
        )


def wrap(text: str, width: int = 40) -> str:
    return textwrap.fill(text, width)


def save(figure: Figure, folder: Path, stem: str, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Write the figure as ``stem.<format>`` for each format; the paths written.

    The constrained layout (half the cost of a save) is worked out once, with the first
    format: later formats keep the axes where it put them instead of laying out again.
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, fmt in enumerate(formats):
        path = folder / f"{stem}.{fmt}"
        atomic_write(path, lambda p, f=fmt: figure.savefig(p, format=f))
        if number == 0:
            figure.set_layout_engine("none")
        paths.append(path)
    return paths
