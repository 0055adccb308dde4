"""The catalogue of per-run outcomes that sweeps (and tournaments) can keep."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from model.summary import summarise

if TYPE_CHECKING:
    from model.leverage_model import LeverageModel

MATERIALS = ("light", "heavy")
PLAYERS = ("china", "us", "japan", "eu")
PER_MATERIAL = ("china_processing_share_final", "china_mining_share_final",
                "peak_price_multiple", "non_china_processing_capacity_final",
                "years_to_processing_share_below_80pct", "processing_share_below_80pct")

#: Outcome name → what it measures (unit).
OUTCOMES: dict[str, str] = {
    **{f"{o}_{m}": o.replace("_", " ") + f" ({m})" for o in PER_MATERIAL for m in MATERIALS},
    **{f"payoff_{p}": f"discounted payoff of {p} (USD m)" for p in PLAYERS},
    "payoff_importers": "discounted payoff of the importers together (USD m)",
    **{f"lost_output_{p}": f"total lost output of {p} (USD m)" for p in PLAYERS[1:]},
    "restriction_rounds": "decision rounds with any restriction in force",
    "entrants": "new producers outside China",
    "exits": "producers that exited",
}


def outcomes_of(model: LeverageModel) -> dict[str, Any]:
    """Every catalogued outcome a finished run has (others are absent, e.g. a scenario
    without Japan has no ``payoff_japan``)."""
    summary = summarise(model)
    out: dict[str, Any] = {}
    for material, values in summary["materials"].items():
        years = values["years_to_processing_share_below_80pct"]
        for key in PER_MATERIAL[:4]:
            out[f"{key}_{material}"] = values[key]
        out[f"years_to_processing_share_below_80pct_{material}"] = (
            math.nan if years is None else years)
        out[f"processing_share_below_80pct_{material}"] = float(years is not None)
    for player in model.players():
        out[f"payoff_{player}"] = model.discounted_payoff[player]
    out["payoff_importers"] = sum(model.discounted_payoff[p] for p in model.importer_names)
    for name, values in summary["importers"].items():
        out[f"lost_output_{name}"] = values["total_lost_output_usd_m"]
    out["restriction_rounds"] = model.recorder.tally.rounds_with_any_restriction()
    out["entrants"] = summary["entrants"]
    out["exits"] = summary["exits"]
    return out
