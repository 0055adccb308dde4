"""The run summary: the handful of numbers a run is judged by.

Built from the recorder's running tallies and cached world values, so it needs no
per-step table and costs the same whether or not the tables were recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from overplay.model.columns import (
    CHINA_MINING_SHARE,
    CHINA_PROCESSING_SHARE,
    NON_CHINA_PROCESSING_CAPACITY,
    PRICE_MULTIPLE,
    world_key,
)
from overplay.model.tally import SHARE_THRESHOLD, MaterialTally

if TYPE_CHECKING:
    from overplay.model.leverage_model import LeverageModel


def percent_name(threshold: float) -> str:
    """A share threshold as it appears in outcome names: 0.8 → ``80pct`` (so the
    threshold an outcome asks about is visible in its name)."""
    percent = threshold * 100
    if not (0 < percent < 100 and abs(percent - round(percent)) < 1e-9):
        raise ValueError(f"share thresholds are whole percents between 1 and 99, not {threshold!r}")
    return f"{round(percent)}pct"


def years_below(tally: MaterialTally, threshold: float) -> float | None:
    """Years from the start until China's processing share first fell below
    ``threshold`` (None if it never did); step 1 is the first month, at 0 years."""
    first = tally.first_step_below(threshold)
    return None if first is None else round((first - 1) / 12, 2)


def summarise(
    model: LeverageModel, thresholds: Iterable[float] = (SHARE_THRESHOLD,)
) -> dict[str, Any]:
    """Per material, per player and per importer outcomes of a run (so far); one
    ``years_to_processing_share_below_<N>pct`` per share threshold (default 80 %)."""
    tally, world = model.recorder.tally, model.recorder.world
    materials = {}
    for m in model.materials:
        t = tally.materials[m]
        materials[m] = {
            "china_processing_share_initial": model.config.materials[m].china_processing_share,
            "china_processing_share_final": float(world[world_key(CHINA_PROCESSING_SHARE, m)]),
            "china_processing_share_min": float(t.min_processing_share),
            "china_mining_share_initial": model.config.materials[m].china_mining_share,
            "china_mining_share_final": float(world[world_key(CHINA_MINING_SHARE, m)]),
            "peak_price_multiple": float(t.peak_price_multiple),
            "peak_price_date": t.peak_price_date,
            "final_price_multiple": float(world[world_key(PRICE_MULTIPLE, m)]),
            **{
                f"years_to_processing_share_below_{percent_name(x)}": years_below(t, x)
                for x in thresholds
            },
            "non_china_processing_capacity_initial": float(t.initial_processing_capacity),
            "non_china_processing_capacity_final": float(
                world[world_key(NON_CHINA_PROCESSING_CAPACITY, m)]
            ),
            "non_china_mining_capacity_final": float(model.nonchina_capacity(m, "mining")),
        }
    players: dict[str, dict[str, float]] = {}
    for name, value in model.payoff.items():
        players[name] = {
            "cumulative_payoff": model.discounted_payoff[name],
            "undiscounted_payoff": value,
        }
    for producer in model.producers:
        players[producer.name] = {
            "cumulative_payoff": producer.discounted_profit,
            "undiscounted_payoff": producer.cumulative_profit,
            "exited": producer.exit_step is not None,
        }
    pop = model.firm_population
    for i, n in enumerate(model.importer_names):
        members = pop.region == i
        players[f"firms_{n}"] = {
            "cumulative_payoff": float(pop.discounted_profit[members].sum()),
            "undiscounted_payoff": float(pop.cumulative_profit[members].sum()),
            "firms": int(members.sum()),
        }
    importers = {}
    for n in model.importer_names:
        importers[n] = {
            "total_lost_output_usd_m": tally.total_lost_output(n),
            "max_shortage_fraction": float(tally.max_shortage[n]),
            "final_perceived_risk": {m: model.importers[n].risk[m] for m in model.materials},
            "final_reputation_of_china": model.china.reputation[n],
        }
    return {
        "scenario": model.config.name,
        "seed": model.config.seed,
        "steps": model.step_count,
        "start": model.config.start,
        "end": model.date,
        "materials": materials,
        "players": players,
        "importers": importers,
        "restriction_rounds": tally.restriction_rounds(),
        "entrants": sum(1 for p in model.producers if p.name.startswith("entrant_")),
        "exits": sum(1 for p in model.producers if p.exit_step is not None),
        "discount_rate_per_year": model.config.payoffs.discount_rate_per_year,
    }
