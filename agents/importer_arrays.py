"""The importers' per-material state as importers × materials arrays.

Strategies, actions and the docs read an importer's stockpile, risk and the like by
material name (``state.stockpile["heavy"]``); the compiled month reads and writes them
for all importers at once. Keeping the numbers in arrays that each importer sees through
a :class:`ByMaterial` mapping serves both without rebuilding arrays from dicts, and
dicts from arrays, every month (that cost more than the month's arithmetic).
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from overplay.agents.importer import ImporterState

# The ImporterState attributes kept in arrays, each a dict by material before adoption.
PER_MATERIAL = (
    "stockpile",
    "stockpile_target_days",
    "price_floor",
    "research_stock",
    "recycling_rate",
    "risk",
    "refusal_memory",
    "magnet_capacity",
    "magnet_built",
)


class ByMaterial(MutableMapping[str, float]):
    """One importer's row of an importers × materials array, by material name.

    Holds the whole array and the row number (not a row view), so a copied model's
    importers still share its copied arrays.
    """

    __slots__ = ("_column", "_row", "_table")

    def __init__(self, table: np.ndarray, row: int, column: dict[str, int]) -> None:
        self._table, self._row, self._column = table, row, column

    def __getitem__(self, material: str) -> float:
        return self._table.item(self._row, self._column[material])

    def __setitem__(self, material: str, value: float) -> None:
        self._table[self._row, self._column[material]] = value

    def __delitem__(self, material: str) -> None:
        raise TypeError("an importer keeps a value for every material")

    def __iter__(self) -> Iterator[str]:
        return iter(self._column)

    def __len__(self) -> int:
        return len(self._column)

    def __repr__(self) -> str:
        return repr(dict(self))


@dataclass
class ImporterArrays:
    """Importers × materials (I × M) state, plus per-importer constants (I)."""

    stockpile: np.ndarray  # t
    stockpile_target_days: np.ndarray  # days of need
    price_floor: np.ndarray  # USD/kg (0: none)
    research_stock: np.ndarray  # USD m of accumulated R&D
    recycling_rate: np.ndarray  # share of need recycled
    risk: np.ndarray  # perceived supply risk
    refusal_memory: np.ndarray  # remembered months of refused supply
    magnet_capacity: np.ndarray  # known magnet plants in the territory, t of content/yr
    magnet_built: np.ndarray  # magnet plants its subsidies built, t of content/yr
    sensitivity: np.ndarray  # how strongly each importer perceives risk (I)
    holding_cost_per_month: np.ndarray  # share of the stockpile's value (I)

    @classmethod
    def adopt(cls, states: list[ImporterState], materials: list[str]) -> ImporterArrays:
        """Move the importers' per-material dicts into arrays (importers in the order
        given) and give each importer :class:`ByMaterial` views of its rows."""
        column = {m: j for j, m in enumerate(materials)}
        tables = {
            name: np.array(
                [[getattr(s, name)[m] for m in materials] for s in states], dtype=float
            ).reshape(len(states), len(materials))
            for name in PER_MATERIAL
        }
        for row, state in enumerate(states):
            for name, table in tables.items():
                setattr(state, name, ByMaterial(table, row, column))
        return cls(
            **tables,
            sensitivity=np.array([s.config.risk_sensitivity for s in states], dtype=float),
            holding_cost_per_month=np.array(
                [s.config.stockpile_holding_cost_per_year / 12 for s in states], dtype=float
            ),
        )
