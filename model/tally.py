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

from overplay.agents.actions import Regime
from overplay.model.columns import (
    CHINA_PROCESSING_SHARE,
    NON_CHINA_PROCESSING_CAPACITY,
    PRICE_MULTIPLE,
    world_key,
)

if TYPE_CHECKING:
    from overplay.model.leverage_model import LeverageModel

#: What an open regime allows: every request, no cap.
OPEN_LIMITS = (1.0, math.inf)

#: China's processing share whose crossing the overuse question asks about by default
#: (outcomes and summaries may ask about any other: the tally keeps every record low).
SHARE_THRESHOLD = 0.8


@dataclass
class MaterialTally:
    """Extremes and first crossings of one material's world series.

    ``record_lows`` holds (step, share) each time China's processing share reached a new
    low: the first step below any threshold is the first record low under it, so every
    threshold can be asked about after the run without choosing it before.
    """

    peak_price_multiple: float = -math.inf
    peak_price_date: str = ""
    record_lows: list[tuple[int, float]] = field(default_factory=list)
    initial_processing_capacity: float | None = None

    @property
    def min_processing_share(self) -> float:
        return self.record_lows[-1][1] if self.record_lows else math.inf

    def first_step_below(self, threshold: float) -> int | None:
        """The first step at which the share was below ``threshold`` (None: never)."""
        return next((step for step, share in self.record_lows if share < threshold), None)


@dataclass
class RunTally:
    """Per-material extremes, per-importer losses and China's regimes by round."""

    materials: dict[str, MaterialTally]
    importers: list[str]
    lost_output: list[np.ndarray]  # each month's lost output, importers × materials
    max_shortage: dict[str, float]
    #: Per material, the keys of the recorder's world series this tally reads: price
    #: multiple, China's processing share, non-China processing capacity.
    world_keys: dict[str, tuple[str, str, str]]
    regimes_by_round: dict[int, set[str]] = field(default_factory=dict)

    @classmethod
    def for_model(cls, model: LeverageModel) -> RunTally:
        return cls(
            materials={m: MaterialTally() for m in model.materials},
            importers=list(model.importer_names),
            lost_output=[],
            max_shortage=dict.fromkeys(model.importer_names, -math.inf),
            world_keys={
                m: (
                    world_key(PRICE_MULTIPLE, m),
                    world_key(CHINA_PROCESSING_SHARE, m),
                    world_key(NON_CHINA_PROCESSING_CAPACITY, m),
                )
                for m in model.materials
            },
        )

    def add(self, model: LeverageModel, world: dict[str, float]) -> None:
        """Fold in the month just cleared (called by the recorder after each step, with
        the world series it has just cached for Mesa's model reporters)."""
        chn, step = model.china, model.step_count
        names, mats = model.importer_names, model.materials
        # Regimes are StrEnum members, equal to (and hashed as) their values. A regime
        # that withholds nothing this month (a licence approving every request after
        # its review, as after 2015 [W02]) is no restriction. Oxides and magnets alike.
        seen = self.regimes_by_round.setdefault(model.round, set())
        if not chn.restricted_pairs():
            seen.add(Regime.OPEN)
        else:
            seen.update(
                policy[(m, n)].regime if policy[(m, n)].limits(step) != OPEN_LIMITS else Regime.OPEN
                for policy in chn.books().values()
                for m in mats
                for n in names
            )
        self.lost_output.append(model.last.flows.lost_output_usd_m)
        for n, shortages in zip(names, model.last.shortage.tolist(), strict=True):
            self.max_shortage[n] = max(self.max_shortage[n], *shortages)
        for m, (price_key, share_key, capacity_key) in self.world_keys.items():
            tally = self.materials[m]
            price, share = world[price_key], world[share_key]
            if tally.initial_processing_capacity is None:
                tally.initial_processing_capacity = world[capacity_key]
            if price > tally.peak_price_multiple:  # strict: the first peak's date, as idxmax
                tally.peak_price_multiple, tally.peak_price_date = price, model.date
            if share < tally.min_processing_share:
                tally.record_lows.append((model.step_count, share))

    def total_lost_output(self, importer: str) -> float:
        """Summed like a pandas column: numpy's pairwise sum over the months' values in
        the table's order (month by month, material by material)."""
        if not self.lost_output:
            return 0.0
        row = self.importers.index(importer)
        return float(np.sum(np.concatenate([month[row] for month in self.lost_output])))

    def restriction_rounds(self) -> dict[str, int]:
        """Decision rounds in which China applied each kind of restriction to anyone."""
        return {
            regime.value: sum(regime.value in seen for seen in self.regimes_by_round.values())
            for regime in (Regime.LICENSING, Regime.QUOTA, Regime.BAN)
        }

    def rounds_with_any_restriction(self) -> int:
        return sum(
            any(r != Regime.OPEN.value for r in seen) for seen in self.regimes_by_round.values()
        )
