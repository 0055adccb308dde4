"""The run summary: the handful of numbers a run is judged by."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from agents.actions import Regime

if TYPE_CHECKING:
    from model.leverage_model import LeverageModel

SHARE_THRESHOLD = 0.8


def summarise(model: LeverageModel, rounds: pd.DataFrame) -> dict[str, Any]:
    """Per material, per player and per importer outcomes of a finished run."""
    world = rounds.drop_duplicates(["step", "material"])
    materials = {}
    for m in model.materials:
        w = world[world["material"] == m].sort_values("step")
        below = w[w["china_processing_share"] < SHARE_THRESHOLD]
        first = int(below["step"].iloc[0]) if len(below) else None
        materials[m] = {
            "china_processing_share_initial": model.config.materials[m].china_processing_share,
            "china_processing_share_final": float(w["china_processing_share"].iloc[-1]),
            "china_processing_share_min": float(w["china_processing_share"].min()),
            "china_mining_share_initial": model.config.materials[m].china_mining_share,
            "china_mining_share_final": float(w["china_mining_share"].iloc[-1]),
            "peak_price_multiple": float(w["price_multiple"].max()),
            "peak_price_date": str(w.loc[w["price_multiple"].idxmax(), "date"]),
            "final_price_multiple": float(w["price_multiple"].iloc[-1]),
            "years_to_processing_share_below_80pct": (None if first is None
                                                      else round((first - 1) / 12, 2)),
            "non_china_processing_capacity_initial": float(
                w["non_china_processing_capacity"].iloc[0]),
            "non_china_processing_capacity_final": float(
                w["non_china_processing_capacity"].iloc[-1]),
            "non_china_mining_capacity_final": float(w["non_china_mining_capacity"].iloc[-1]),
        }
    players: dict[str, dict[str, float]] = {}
    for name, value in model.payoff.items():
        players[name] = {"cumulative_payoff": model.discounted_payoff[name],
                         "undiscounted_payoff": value}
    for producer in model.producers:
        players[producer.name] = {"cumulative_payoff": producer.discounted_profit,
                                  "undiscounted_payoff": producer.cumulative_profit,
                                  "exited": producer.exit_step is not None}
    pop = model.firm_population
    for i, n in enumerate(model.importer_names):
        members = pop.region == i
        players[f"firms_{n}"] = {
            "cumulative_payoff": float(pop.discounted_profit[members].sum()),
            "undiscounted_payoff": float(pop.cumulative_profit[members].sum()),
            "firms": int(members.sum())}
    importers = {}
    for n in model.importer_names:
        r = rounds[rounds["importer"] == n]
        importers[n] = {
            "total_lost_output_usd_m": float(r["lost_output"].sum()),
            "max_shortage_fraction": float(r["shortage_fraction"].max()),
            "final_perceived_risk": {m: model.importers[n].risk[m] for m in model.materials},
            "final_reputation_of_china": model.china.reputation[n],
        }
    return {
        "scenario": model.config.name, "seed": model.config.seed,
        "steps": model.step_count, "start": model.config.start, "end": model.date,
        "materials": materials, "players": players, "importers": importers,
        "restriction_rounds": restriction_rounds(rounds),
        "entrants": sum(1 for p in model.producers if p.name.startswith("entrant_")),
        "exits": sum(1 for p in model.producers if p.exit_step is not None),
        "discount_rate_per_year": model.config.payoffs.discount_rate_per_year,
    }


def restriction_rounds(rounds: pd.DataFrame) -> dict[str, int]:
    """Decision rounds in which China applied each kind of restriction to anyone."""
    counts = {}
    by_round = rounds.groupby("round")["china_policy"].agg(lambda s: set(s))
    for regime in (Regime.LICENSING, Regime.QUOTA, Regime.BAN):
        counts[regime.value] = int(np.sum([regime.value in s for s in by_round]))
    return counts
