"""The overuse question inside what history allows: the overuse design (frequency x
severity x duration x instrument, ``experiments/specs/overuse.yaml``) run over the
calibrated ensemble, with China's payoff weighed by every weight set of the region
revealed preference identified.

Each design point is compared with China never restricting (``hold``) on the same
parameter set and seed: the gain in China's discounted payoff, and how much faster
China's separation share falls. Bands are over parameter sets, seeds and weight sets
together, so the answer's uncertainty is the fit's and the weights', not only the
seeds'. Only parameters that describe behaviour carry over from the fitted 2009-2014
world to the design's scenario (the spec marks structural ones ``transfer: false``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from overplay.experiments.outcomes import outcomes_of
from overplay.experiments.sweep.designs import design_points
from overplay.experiments.sweep.spec import SweepSpec
from overplay.experiments.validation.calibration_spec import CalibrationSpec
from overplay.experiments.validation.revealed import (
    TERMS,
    WEIGHTS,
    distinct,
    payoff_scales,
    reference_weights,
    refuse_deciding_china,
    with_weights_to_rescale,
)
from overplay.experiments.validation.tasks import map_tasks
from overplay.model.leverage_model import LeverageModel
from overplay.model.scenario_checks import ScenarioNote
from overplay.model.scenarios import load_scenario

#: The unmeasured weight the overuse threshold is read along.
LEVERAGE_VALUE_WEIGHT = "leverage_value_usd_m_per_month"
CONTROL = "never restricts"
OUTCOMES = (
    "china_processing_share_final_light",
    "china_processing_share_final_heavy",
    "non_china_processing_capacity_final_light",
    "non_china_processing_capacity_final_heavy",
    "peak_price_multiple_light",
)


@dataclass(frozen=True)
class AnswerRuns:
    """One row per (point, set, seed): the design inputs and outcomes; and each run's
    China payoff terms month by month (runs x months x terms)."""

    runs: pd.DataFrame
    flows: np.ndarray
    #: Per run, the weights its terms were simulated at (a design may vary them).
    references: list[dict[str, float]]


def _settings(
    sweep: SweepSpec, calibration: CalibrationSpec, point: dict, row: dict, seed: int
) -> list[tuple[str, Any]]:
    fitted = [
        (key, float(row[p.name])) for p in calibration.parameters if p.transfer for key in p.keys
    ]
    inputs = {p.name: p for p in sweep.inputs}
    chosen = [(inputs[name].key, value) for name, value in point.items()]
    return [*sweep.overrides.items(), *fitted, *chosen, ("seed", seed)]


def _run(scenario: str, settings: list[tuple[str, Any]]) -> tuple[dict, np.ndarray, dict]:
    """One run: outcomes, China's monthly payoff terms, the weights it was run at."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioNote)
        config = with_weights_to_rescale(load_scenario(scenario, settings, parse_once=True))
    model = LeverageModel(config, record_tables=False)
    flows = []
    while model.running:
        model.step()
        booked = model.ledger.month.get("china", {})
        flows.append([booked.get(term, 0.0) for term in TERMS])
    return outcomes_of(model, OUTCOMES), np.asarray(flows), reference_weights(model)


def run_answer(
    sweep: SweepSpec,
    calibration: CalibrationSpec,
    ensemble: pd.DataFrame,
    seeds: int,
    *,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> AnswerRuns:
    """The design's points and the control, on every set and seed."""
    points = [{}, *design_points(sweep.design, sweep.inputs, sweep.seed)]
    control = ("china.strategy", {"name": "hold"})
    tasks = []
    for p, point in enumerate(points):
        for row in ensemble.to_dict("records"):
            for seed in range(1, seeds + 1):
                settings = _settings(sweep, calibration, point, row, seed)
                if not point:
                    settings.append(control)
                tasks.append((p, int(row["set"]), seed, point, settings))
    _check_rescalable(sweep, points, [task[4] for task in tasks if task[1:3] == tasks[0][1:3]])
    results = map_tasks(_run, [(sweep.scenario, task[4]) for task in tasks], workers, progress)
    rows = []
    for (p, set_id, seed, point, _), (values, _, _) in zip(tasks, results, strict=True):
        label = CONTROL if not point else ", ".join(f"{k}={v}" for k, v in point.items())
        rows.append({"point": p, "label": label, "set": set_id, "seed": seed, **point, **values})
    months = min(len(r[1]) for r in results)
    flows = np.stack([r[1][:months] for r in results])
    return AnswerRuns(pd.DataFrame(rows), flows, [r[2] for r in results])


def _check_rescalable(
    sweep: SweepSpec, points: list[dict], settings: list[list[tuple[str, Any]]]
) -> None:
    """Refuse a design in which China decides on its own payoff: the region's weights
    are applied after each run, which is exact only if China's moves ignore them."""
    for point, point_settings in zip(points, settings, strict=True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScenarioNote)
            scenario = load_scenario(sweep.scenario, point_settings, parse_once=True)
        label = ", ".join(f"{k}={v}" for k, v in point.items()) or CONTROL
        refuse_deciding_china(scenario, f"sweep {sweep.name!r}, point {label}")


def china_payoffs(answer: AnswerRuns, weights: pd.DataFrame) -> np.ndarray:
    """China's discounted payoff of every run under every weight set (runs x sets)."""
    payoffs = np.empty((len(answer.flows), len(weights)))
    months = np.arange(answer.flows.shape[1])
    for reference in distinct(answer.references):
        rows = [i for i, r in enumerate(answer.references) if r == reference]
        scale, monthly = payoff_scales(reference, weights)
        discount = monthly[:, None] ** months[None, :]
        payoffs[rows] = np.einsum("rmj,wj,wm->rw", answer.flows[rows], scale, discount)
    return payoffs


def _band(values: np.ndarray) -> tuple[float, float, float]:
    values = values[np.isfinite(values)]
    if not len(values):
        return (np.nan, np.nan, np.nan)
    low, mid, high = np.quantile(values, (0.05, 0.5, 0.95))
    return float(low), float(mid), float(high)


def leverage_sweep(weights: pd.DataFrame) -> pd.DataFrame:
    """The weight sets with the value of held leverage set to each value of its swept
    grid in turn: the break-even is read along that value even where the region pins
    it to one or two values."""
    grid = next(w.grid for w in WEIGHTS if w.name == LEVERAGE_VALUE_WEIGHT)
    swept = [weights.assign(**{LEVERAGE_VALUE_WEIGHT: value}) for value in grid]
    return pd.concat(swept, ignore_index=True).drop_duplicates(ignore_index=True)


def break_even(gain: np.ndarray, leverage_value: np.ndarray) -> float:
    """The value China puts on held leverage (USD m per importer-month) at which the
    median gain crosses zero, read off the gains' medians at each swept value (runs x
    weight sets in; linear between values). Restriction costs China held leverage, so
    the gain falls as that value rises: below the break-even restriction pays. inf
    when it pays at every swept value, 0 when it does not pay at the lowest; otherwise
    the first crossing."""
    values = np.unique(leverage_value)
    medians = np.array([np.median(gain[:, leverage_value == v]) for v in values])
    if (medians > 0).all():
        return float("inf")
    if medians[0] <= 0:
        return 0.0
    k = int(np.argmax(medians <= 0))
    x0, x1, y0, y1 = values[k - 1], values[k], medians[k - 1], medians[k]
    return float(x0 + (x1 - x0) * y0 / (y0 - y1))


def effects(answer: AnswerRuns, weights: pd.DataFrame) -> pd.DataFrame:
    """Per design point, against the control on the same set and seed: China's payoff
    gain (median, 90 % band and share of cases above 0, over sets, seeds and weight
    sets), the leverage value at which it stops paying, and the change in China's final
    separation shares and non-China capacity."""
    runs = answer.runs
    key = list(zip(runs["set"], runs["seed"], strict=True))
    control = {k: i for i, k in enumerate(key) if runs["point"].iloc[i] == 0}
    base = np.array([control[k] for k in key])
    payoff = china_payoffs(answer, weights)
    gain = payoff - payoff[base]
    swept = leverage_sweep(weights)
    swept_payoff = china_payoffs(answer, swept)
    swept_gain = swept_payoff - swept_payoff[base]
    inputs = [c for c in runs.columns if c not in ("point", "label", "set", "seed", *OUTCOMES)]
    rows = []
    for point, frame in runs.groupby("point", sort=True):
        if point == 0:
            continue
        index = frame.index.to_numpy()
        cases = gain[index].ravel()
        row: dict[str, Any] = {"label": frame["label"].iloc[0]}
        row |= {c: frame[c].iloc[0] for c in inputs}
        low, mid, high = _band(cases)
        row |= {
            "payoff_gain_median": mid,
            "payoff_gain_low": low,
            "payoff_gain_high": high,
            "pays_share": float((cases > 0).mean()),
        }
        row["break_even_leverage_value"] = break_even(
            swept_gain[index], swept[LEVERAGE_VALUE_WEIGHT].to_numpy()
        )
        for outcome in OUTCOMES[:4]:
            change = frame[outcome].to_numpy() - runs[outcome].to_numpy()[base[index]]
            low, mid, high = _band(change)
            row |= {f"{outcome}_change": mid, f"{outcome}_low": low, f"{outcome}_high": high}
        rows.append(row)
    return pd.DataFrame(rows)
