"""Running aggregates of a run, kept each step so its summary needs no per-step table.

Sweeps that keep no per-step data switch the recorder's tables off; the summary and
every catalogued outcome then come from these tallies, and they equal what the tables
would give (the same values, taken in the same order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from agents.actions import Regime

if TYPE_CHECKING:
    from model.leverage_model import LeverageModel

#: China's processing share whose crossing the overuse question asks about.
SHARE_THRESHOLD = 0.8


@dataclass
class MaterialTally:
    """Extremes and first crossings of one material's world series."""

    peak_price_multiple: float = -math.inf
    peak_price_date: str = ""
    min_processing_share: float = math.inf
    first_step_below_threshold: int | None = None
    initial_processing_capacity: float | None = None


@dataclass
class RunTally:
    """Per-material extremes, per-importer losses and China's regimes by round."""

    materials: dict[str, MaterialTally]
    importers: list[str]
    lost_output: list[np.ndarray]  # each month's lost output, importers × materials
    max_shortage: dict[str, float]
    regimes_by_round: dict[int, set[str]] = field(default_factory=dict)

    @classmethod
    def for_model(cls, model: LeverageModel) -> RunTally:
        return cls(materials={m: MaterialTally() for m in model.materials},
                   importers=list(model.importer_names), lost_output=[],
                   max_shortage=dict.fromkeys(model.importer_names, -math.inf))

    def add(self, model: LeverageModel) -> None:
        """Fold in the month just cleared (called by the recorder after each step)."""
        rows = model.last["rows"]
        policy = model.china.policy
        names, mats = model.importer_names, model.materials
        self.regimes_by_round.setdefault(model.round, set()).update(
            policy[(m, n)].regime.value for m in mats for n in names)
        self.lost_output.append(model.last["flows"].lost_output_usd_m)
        for n, shortages in zip(names, model.last["shortage_fraction"].tolist(), strict=True):
            self.max_shortage[n] = max(self.max_shortage[n], *shortages)
        for m in mats:
            row, tally = rows[m], self.materials[m]
            price = row["price_ex_china"] / model.reference_price[m]
            share = row["china_processing_share"]
            if tally.initial_processing_capacity is None:
                tally.initial_processing_capacity = model.nonchina_capacity(m, "processing")
            if price > tally.peak_price_multiple:  # strict: the first peak's date, as idxmax
                tally.peak_price_multiple, tally.peak_price_date = price, model.date
            tally.min_processing_share = min(tally.min_processing_share, share)
            if tally.first_step_below_threshold is None and share < SHARE_THRESHOLD:
                tally.first_step_below_threshold = model.step_count

    def total_lost_output(self, importer: str) -> float:
        """Summed like a pandas column: numpy's pairwise sum over the months' values in
        the table's order (month by month, material by material)."""
        if not self.lost_output:
            return 0.0
        row = self.importers.index(importer)
        return float(np.sum(np.concatenate([month[row] for month in self.lost_output])))

    def restriction_rounds(self) -> dict[str, int]:
        """Decision rounds in which China applied each kind of restriction to anyone."""
        return {regime.value: sum(regime.value in seen for seen in self.regimes_by_round.values())
                for regime in (Regime.LICENSING, Regime.QUOTA, Regime.BAN)}

    def rounds_with_any_restriction(self) -> int:
        return sum(any(r != Regime.OPEN.value for r in seen)
                   for seen in self.regimes_by_round.values())
