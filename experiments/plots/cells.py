"""Annotated cell grids shared by the tournament and equilibrium figures: payoff colour
scales (diverging around 0 when payoffs straddle it), readable cell text, outlines for
equilibria, and how names and money are written."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colorbar import Colorbar
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator, StrMethodFormatter

from overplay.experiments.plots.theme import wrap

#: Importing states as written in prose.
STATES = {"us": "US", "eu": "EU", "japan": "Japan"}


def money(value: float) -> str:
    """USD m with thousands separators and a true minus sign, as on the axes."""
    return f"{value:,.0f}".replace("-", "\N{MINUS SIGN}")


def shown(name: str, width: int = 20) -> str:
    """A strategy, profile or move name as plain words, wrapped to fit a tick label."""
    return wrap(name.replace("_", " "), width)


def _norm(values: np.ndarray) -> Normalize:
    """Diverging around 0 when values straddle it (gains vs losses), else their range."""
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    if low < 0 < high:
        bound = max(-low, high)
        return Normalize(-bound, bound)
    return Normalize(low, high) if high > low else Normalize(low - 1, high + 1)


def _colours(values: np.ndarray) -> str:
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    if low < 0 < high:
        return "RdBu"
    return "Blues" if low >= 0 else "Reds_r"


def _dark(rgba: tuple[float, float, float, float]) -> bool:
    red, green, blue, _ = rgba
    return 0.299 * red + 0.587 * green + 0.114 * blue < 0.5


def heatmap(
    ax: Axes,
    table: pd.DataFrame,
    *,
    colours: str | None = None,
    norm: Normalize | None = None,
    texts: np.ndarray | None = None,
    fontsize: str | float = "small",
) -> AxesImage:
    """``table`` as annotated cells, labelled by its index and columns as they are (see
    :func:`labelled`); colours default to a payoff scale, diverging around 0 when payoffs
    straddle it, so losses read as losses."""
    values = table.to_numpy(float)
    image = ax.imshow(
        values, cmap=colours or _colours(values), norm=norm or _norm(values), aspect="auto"
    )
    texts = np.vectorize(money)(values) if texts is None else texts
    for (row, col), value in np.ndenumerate(values):
        ax.text(
            col,
            row,
            texts[row, col],
            ha="center",
            va="center",
            fontsize=fontsize,
            color="white" if _dark(image.cmap(image.norm(value))) else "black",
        )
    ax.set_xticks(range(values.shape[1]), [str(c) for c in table.columns])
    ax.set_yticks(range(values.shape[0]), [str(i) for i in table.index])
    ax.grid(visible=False)
    ax.spines[:].set_visible(False)
    ax.tick_params(length=0)
    return image


def labelled(table: pd.DataFrame) -> pd.DataFrame:
    """A strategy × profile table with its names as tick labels."""
    return table.rename(index=shown, columns=lambda name: shown(name, 14))


def colour_bar(figure: Figure, image: AxesImage, ax: Axes, label: str) -> Colorbar:
    """A colour bar beside ``ax`` with few, readable ticks."""
    bar = figure.colorbar(image, ax=ax, label=label)
    bar.ax.yaxis.set_major_locator(MaxNLocator(6))
    bar.ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    bar.ax.tick_params(length=3)
    return bar


def outline(ax: Axes, row: int, col: int, width: int = 1) -> None:
    """A frame around cells (``width`` columns from ``col``): marks an equilibrium."""
    ax.add_patch(
        Rectangle(
            (col - 0.5, row - 0.5), width, 1, fill=False, edgecolor="black", lw=4, clip_on=False
        )
    )


def cell_size(table: pd.DataFrame) -> str:
    """Cell text size: smaller when many cells share the slide."""
    rows, cols = table.shape
    return "small" if rows <= 8 and cols <= 6 else "x-small"
