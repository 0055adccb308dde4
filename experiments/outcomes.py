"""The catalogue of per-run outcomes that sweeps (and tournaments) can keep.

Threshold outcomes carry their threshold in their name, so a table or a figure always
says which one it asks about: ``years_to_processing_share_below_80pct_light`` and
``processing_share_below_80pct_light`` are catalogued, and any whole percent from 1 to
99 may be asked for the same way (``years_to_processing_share_below_95pct_heavy``:
heavy rare earths rarely fall below 80 %).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from overplay.model.summary import summarise, years_below
from overplay.model.tally import SHARE_THRESHOLD, MaterialTally

if TYPE_CHECKING:
    from overplay.model.leverage_model import LeverageModel

MATERIALS = ("light", "heavy")
PLAYERS = ("china", "us", "japan", "eu")
PER_MATERIAL = (
    "china_processing_share_final",
    "china_mining_share_final",
    "peak_price_multiple",
    "non_china_processing_capacity_final",
)
#: Threshold outcomes: ``<stem>_<N>pct_<material>``, N a whole percent (1–99).
THRESHOLD_STEMS = ("years_to_processing_share_below", "processing_share_below")
THRESHOLD_PATTERN = re.compile(
    rf"^({'|'.join(THRESHOLD_STEMS)})_([1-9][0-9]?)pct_"
    rf"({'|'.join(MATERIALS)})$"
)
#: The threshold catalogued by default (the overuse question's 80 %).
DEFAULT_PERCENT = round(SHARE_THRESHOLD * 100)

#: Outcome name → what it measures (unit).
OUTCOMES: dict[str, str] = {
    **{f"{o}_{m}": o.replace("_", " ") + f" ({m})" for o in PER_MATERIAL for m in MATERIALS},
    **{
        f"years_to_processing_share_below_{DEFAULT_PERCENT}pct_{m}": (
            f"years until China's {m} separation share first fell below "
            f"{DEFAULT_PERCENT} % (NaN if never)"
        )
        for m in MATERIALS
    },
    **{
        f"processing_share_below_{DEFAULT_PERCENT}pct_{m}": (
            f"1 if China's {m} separation share fell below {DEFAULT_PERCENT} %, else 0"
        )
        for m in MATERIALS
    },
    **{f"payoff_{p}": f"discounted payoff of {p} (USD m)" for p in PLAYERS},
    "payoff_importers": "discounted payoff of the importers together (USD m)",
    **{f"lost_output_{p}": f"total lost output of {p} (USD m)" for p in PLAYERS[1:]},
    "restriction_rounds": "decision rounds with any restriction in force",
    "entrants": "new producers outside China",
    "exits": "producers that exited",
}


def is_outcome(name: str) -> bool:
    """Catalogued, or a threshold outcome at another whole percent."""
    return name in OUTCOMES or THRESHOLD_PATTERN.match(name) is not None


def threshold_of(name: str) -> float | None:
    """The share threshold a threshold outcome asks about (0.8 for ``..._80pct_...``)."""
    match = THRESHOLD_PATTERN.match(name)
    return None if match is None else int(match.group(2)) / 100


def _threshold_outcome(tally: MaterialTally, stem: str, threshold: float) -> float:
    """Years until the share fell below ``threshold`` (NaN: never), or whether it did."""
    years = years_below(tally, threshold)
    if stem.startswith("years"):
        return math.nan if years is None else years
    return float(years is not None)


def outcomes_of(model: LeverageModel, names: Iterable[str] = ()) -> dict[str, Any]:
    """Every catalogued outcome a finished run has (others are absent, e.g. a scenario
    without Japan has no ``payoff_japan``), and the threshold outcomes in ``names``."""
    summary = summarise(model)
    tally = model.recorder.tally
    out: dict[str, Any] = {}
    for material, values in summary["materials"].items():
        for key in PER_MATERIAL:
            out[f"{key}_{material}"] = values[key]
    catalogued = [
        f"{stem}_{DEFAULT_PERCENT}pct_{material}"
        for material in summary["materials"]
        for stem in THRESHOLD_STEMS
    ]
    for name in (*catalogued, *names):
        match = THRESHOLD_PATTERN.match(name)
        if match and name not in out and match.group(3) in tally.materials:
            stem, percent, material = match.groups()
            out[name] = _threshold_outcome(tally.materials[material], stem, int(percent) / 100)
    for player in model.players():
        out[f"payoff_{player}"] = model.discounted_payoff[player]
    out["payoff_importers"] = sum(model.discounted_payoff[p] for p in model.importer_names)
    for name, values in summary["importers"].items():
        out[f"lost_output_{name}"] = values["total_lost_output_usd_m"]
    out["restriction_rounds"] = model.recorder.tally.rounds_with_any_restriction()
    out["entrants"] = summary["entrants"]
    out["exits"] = summary["exits"]
    return out
