"""Tables for the report as data (text per cell, numbers already formatted), so the
template lays them out and escapes every cell; nothing here writes HTML."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Cell:
    """One cell as shown; numbers are right-aligned (class ``num``); ``detail`` is a
    smaller second line (an interval under its mean, say)."""

    text: str
    numeric: bool = False
    detail: str = ""


@dataclass(frozen=True)
class Table:
    """A caption, a header row and body rows, every cell already formatted."""

    caption: str
    columns: list[Cell]
    rows: list[list[Cell]]


def number(value: float) -> str:
    """Thousands separators for large or whole numbers, 3 significant digits otherwise."""
    if pd.isna(value):
        return "–"
    return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:.3g}"


def _cell(value: Any, numeric: bool) -> Cell:
    if isinstance(value, Cell):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return Cell(str(value), numeric)
    return Cell(number(value), True)


def table(frame: pd.DataFrame, caption: str = "", numeric: Collection[str] = ()) -> Table:
    """``frame`` as a :class:`Table`; ``numeric`` names columns of text or ready-made
    :class:`Cell` values that hold numbers, and so align right like numeric ones."""
    right = [frame[c].dtype.kind in "iuf" or c in numeric for c in frame.columns]
    return Table(
        caption,
        [Cell(str(c), r) for c, r in zip(frame.columns, right, strict=True)],
        [
            [_cell(v, r) for v, r in zip(row, right, strict=True)]
            for row in frame.itertuples(index=False)
        ],
    )
