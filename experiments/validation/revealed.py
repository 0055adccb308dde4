"""China's payoff weights identified by revealed preference.

No data measures how China weighs leverage against export revenue, so the weights are
read off what China did: at each decision point of the sources a best-responding China
(myopic: one round ahead; look-ahead: four) on the calibrated history should choose as
China chose. The weights that make it do so are the region later answers rest on.

Why this is cheap: China's payoff is a sum of terms, and the terms the unmeasured
weights scale enter linearly (leverage value x V_L, captured industry x omega, leverage
lost x Y_L, retaliation x its cost), while nothing in a forecast depends on China's
weights (China holds its move; importers react to its policy, not to its payoff). So
each move is simulated once per parameter set and seed, its monthly payoff terms kept,
and every weight set (discount rate included) is a re-weighting of those terms.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np
import pandas as pd

from overplay.agents.moves import actions_of
from overplay.agents.strategies.base import CLASSIFIER_DEFAULTS, lookup
from overplay.experiments.errors import UserError
from overplay.experiments.validation.calibration_spec import CalibrationSpec
from overplay.experiments.validation.ensemble import overrides
from overplay.experiments.validation.tasks import map_tasks
from overplay.model.calendar import date_of_step, month_index, step_of_date
from overplay.model.columns import (
    CAPTURED_INDUSTRY,
    LEVERAGE_LOSS,
    LEVERAGE_VALUE,
    PAYOFF_TERMS,
    RETALIATION,
    WTO_DEFIANCE,
)
from overplay.model.config import Scenario
from overplay.model.events import event_step
from overplay.model.forecast import _without_foresight, advance_to_round, forecast_copy
from overplay.model.leverage_model import LeverageModel
from overplay.model.scenario_checks import ScenarioNote
from overplay.model.scenarios import load_scenario
from overplay.model.series import DatedSeries

#: Rounds a best response looks ahead: myopic (the strategy's one round) and
#: look-ahead (look_ahead_best_response's default four).
HORIZONS = {"myopic_best_response": 1, "look_ahead_best_response": 4}
TERMS = tuple(t.name for t in PAYOFF_TERMS)
#: Resamples of the parameter sets behind ``region_confidence``, and their fixed seed
#: (the same inputs give the same confidence).
BOOTSTRAP_DRAWS = 500
BOOTSTRAP_SEED = 2014
#: A weight set in the region in at least this share of resamples is in its robust core.
ROBUST_CONFIDENCE = 0.9


@dataclass(frozen=True)
class DecisionPoint:
    """A choice China made, when, among which moves, and which moves count as it."""

    name: str
    date: str
    menu: tuple[str, ...]
    observed: tuple[str, ...]
    what: str
    refs: str


DECISIONS = (
    DecisionPoint(
        "cut_2010",
        "2010-07",
        ("open", "quota", "ban"),
        ("quota",),
        "July 2010: export quotas cut ~40 %, not held and not a ban",
        "Q03 Q04",
    ),
    DecisionPoint(
        "quotas_go_2014",
        "2014-10",
        ("quota", "open", "license"),
        ("open",),
        "After the WTO ruling (Aug 2014) the quotas were abolished (Jan 2015); licences "
        "stayed a formality",
        "W01 W02 T04",
    ),
    DecisionPoint(
        "licence_2025",
        "2025-04",
        ("open", "license_heavy", "license", "ban_heavy", "ban"),
        ("license_heavy", "license"),
        "April 2025: licences for seven medium and heavy rare earths, not a ban",
        "E01 E02",
    ),
    DecisionPoint(
        "suspend_2025",
        "2025-11",
        ("license", "license_heavy", "open"),
        ("license_heavy", "open"),
        "November 2025: the October expansion to all rare earths suspended after the Busan "
        "deal, the April licences kept",
        "E12 E14",
    ),
)


@dataclass(frozen=True)
class Weight:
    """An unmeasured payoff weight: the term it scales (None: the discount rate), how
    to read the scenario's value, and the grid swept."""

    name: str
    term: str | None
    grid: tuple[float, ...]
    what: str


WEIGHTS = (
    Weight(
        "leverage_value_usd_m_per_month",
        LEVERAGE_VALUE.name,
        (0.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1600.0, 3200.0),
        "value of leverage held, per importer at full indispensability (USD m/month)",
    ),
    Weight(
        "domestic_industry_weight",
        CAPTURED_INDUSTRY.name,
        (0.0, 0.05, 0.1, 0.2, 0.4),
        "share of importers' lost output captured by Chinese industry",
    ),
    Weight(
        "leverage_loss_years",
        LEVERAGE_LOSS.name,
        (0.0, 2.5, 5.0, 10.0, 20.0),
        "years of lost margin charged for capacity built abroad",
    ),
    Weight(
        "retaliation_scale",
        RETALIATION.name,
        (0.0, 0.25, 0.5, 1.0, 2.0),
        "importers' retaliation cost to China, times the scenario's",
    ),
    Weight(
        "wto_defiance_cost_usd_m_per_month",
        WTO_DEFIANCE.name,
        (0.0, 50.0, 200.0, 800.0),
        "cost to China of defying a WTO ruling (ODD 7.8), per winning complainant (USD m/month)",
    ),
    Weight(
        "discount_rate_per_year",
        None,
        (0.02, 0.05, 0.1, 0.2),
        "China's discount rate per year",
    ),
)


#: The weights that are China's own settings (``china.<name>``); the retaliation scale
#: multiplies the importers' costs and is 1 in every scenario.
CHINA_WEIGHTS = (
    "leverage_value_usd_m_per_month",
    "domestic_industry_weight",
    "leverage_loss_years",
    "wto_defiance_cost_usd_m_per_month",
)


def reference_weights(model: LeverageModel) -> dict[str, float]:
    """The scenario's values of the weights the terms were simulated at."""
    china = model.config.china
    return {**{name: getattr(china, name) for name in CHINA_WEIGHTS}, "retaliation_scale": 1.0}


def distinct(references: list[dict[str, float]]) -> list[dict[str, float]]:
    """The different weight sets runs were simulated at, in order of first use."""
    seen: list[dict[str, float]] = []
    for reference in references:
        if reference not in seen:
            seen.append(reference)
    return seen


def reads_own_payoff(scenario: Scenario) -> bool:
    """Whether China's strategy decides on its own payoff (best-responds or learns):
    then its moves depend on the weights, and re-weighing its payoff after a run is not
    the run it would have played at other weights."""
    strategy = scenario.china.strategy
    cls = lookup(strategy.name, "china")
    if cls is None:
        return False
    classifier = {**CLASSIFIER_DEFAULTS, **cls.classifier}
    return bool(classifier["best_response"] or classifier["learns"])


def refuse_deciding_china(scenario: Scenario, where: str) -> None:
    """Refuse a China whose moves depend on the weights (:func:`reads_own_payoff`):
    weight sets are applied to its payoff after each run."""
    if reads_own_payoff(scenario):
        raise UserError(
            f"{where}: China plays {scenario.china.strategy.name!r}, which decides on its "
            "own payoff; weight sets are applied to China's payoff after each run, which "
            "is only the run China would have played if its moves ignore them. Give China "
            "a rule strategy (one that neither best-responds nor learns)."
        )


def with_weights_to_rescale(scenario: Scenario) -> Scenario:
    """The scenario with every swept weight it sets to zero at one instead: a term
    simulated at zero could not be re-weighted. Exact, because nothing but China's
    payoff reads them as long as China's moves do not (:func:`reads_own_payoff`)."""
    china = scenario.china
    zero = {name: 1.0 for name in CHINA_WEIGHTS if getattr(china, name) == 0}
    if not zero:
        return scenario
    return scenario.model_copy(update={"china": china.model_copy(update=zero)})


def decision_scenario(spec: CalibrationSpec, settings: list[tuple[str, Any]], date: str):
    """The spec's scenario with these parameters, China's own scripted moves from
    ``date`` on removed (they are what is being explained), and its observed domestic
    price too (:func:`observed_price_before`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioNote)
        scenario = load_scenario(spec.scenario, settings, parse_once=True)
    decided = step_of_date(scenario.start, date)
    kept = [
        e
        for e in scenario.events
        if not (e.actor == "china" and event_step(e, scenario.start) >= decided)
    ]
    series = scenario.series.model_copy(
        update={"china_price_usd_per_kg": observed_price_before(scenario, date)}
    )
    return with_weights_to_rescale(scenario.model_copy(update={"events": kept, "series": series}))


def observed_price_before(scenario: Scenario, date: str) -> dict[str, dict[str, float]]:
    """China's observed domestic price (``series.china_price_usd_per_kg``) for the
    months before ``date`` only, the same there: from ``date`` on China's price is its
    home market's. What the price did after a decision followed from the decision
    being explained (2011's stocking came with the 2010 quota) and from speculation a
    deciding China could not foresee, so no move may count on it."""
    kept: dict[str, dict[str, float]] = {}
    last = month_index(date) - 1
    for material, points in scenario.series.china_price_usd_per_kg.items():
        before = {month: value for month, value in points.items() if month < date}
        if not before:
            continue
        if len(before) < len(points):  # the level the month before, as it was
            before[date_of_step(date, 0)] = DatedSeries.of(points).level(last)
        kept[material] = before
    return kept


def term_flows(state: LeverageModel, move: str, months: int) -> np.ndarray:
    """China's payoff terms, month by month (months x terms, undiscounted), if it took
    ``move`` in the round ``state`` has opened and held it."""
    copy = forecast_copy(state)
    _without_foresight(copy, "china")
    actions = actions_of(move, "china", tuple(copy.materials))
    for action in actions:
        copy.apply(action)
    copy.last_chosen["china"] = actions
    copy.continue_round(1)
    copy.end_month()
    flows = np.zeros((months, len(TERMS)))
    for month in range(months):
        if month:
            copy.step()
        booked = copy.ledger.month.get("china", {})
        flows[month] = [booked.get(term, 0.0) for term in TERMS]
    return flows


def _point_task(
    spec: CalibrationSpec, settings: list[tuple[str, Any]], point: DecisionPoint, months: int
) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """A worker's task: advance to the decision, simulate every move of its menu."""
    scenario = decision_scenario(spec, settings, point.date)
    state = advance_to_round(LeverageModel(scenario, rng=scenario.seed), point.date)
    flows = {move: term_flows(state, move, months) for move in point.menu}
    return reference_weights(state), flows


@dataclass(frozen=True)
class Simulated:
    """Every (parameter set, seed, decision point): the monthly terms of each move."""

    tasks: pd.DataFrame  # set, seed, point
    flows: list[dict[str, np.ndarray]]
    #: Per task, the weights its terms were simulated at: a spec may set them per set.
    references: list[dict[str, float]]
    interval: int


def simulate_decisions(
    spec: CalibrationSpec,
    ensemble: pd.DataFrame,
    seeds: int,
    *,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> Simulated:
    scenario = load_scenario(spec.scenario, parse_once=True)
    refuse_deciding_china(scenario, f"scenario {spec.scenario!r}")
    interval = scenario.timing.decision_interval_months
    months = max(HORIZONS.values()) * interval
    tasks = [
        (int(row["set"]), seed, point, overrides(spec, row, seed))
        for row in ensemble.to_dict("records")
        for seed in range(1, seeds + 1)
        for point in DECISIONS
    ]
    results = map_tasks(
        _point_task, [(spec, s, p, months) for _, _, p, s in tasks], workers, progress
    )
    frame = pd.DataFrame(
        [(s, seed, p.name) for s, seed, p, _ in tasks], columns=["set", "seed", "point"]
    )
    return Simulated(frame, [f for _, f in results], [r for r, _ in results], interval)


def weight_grid() -> pd.DataFrame:
    return pd.DataFrame(
        list(product(*(w.grid for w in WEIGHTS))), columns=[w.name for w in WEIGHTS]
    )


def payoff_scales(
    reference: dict[str, float], weights: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """For each weight set: the factor on each payoff term relative to the weights the
    terms were simulated at (weight sets x terms), and its monthly discount factor."""
    scale = np.ones((len(weights), len(TERMS)))
    for weight in WEIGHTS:
        if weight.term is not None:
            column = TERMS.index(weight.term)
            base = reference[weight.name]
            scale[:, column] = weights[weight.name].to_numpy() / base if base else 0.0
    return scale, (1 + weights["discount_rate_per_year"].to_numpy()) ** (-1 / 12)


def choices(simulated: Simulated, grid: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per horizon: the move index a best response picks, weight sets x tasks (the
    first of the menu on a tie, as the strategies do)."""
    references = distinct(simulated.references)
    scales = [payoff_scales(reference, grid) for reference in references]
    which = [references.index(reference) for reference in simulated.references]
    picked: dict[str, np.ndarray] = {}
    for strategy, rounds in HORIZONS.items():
        months = rounds * simulated.interval
        # weight sets x months, per distinct reference
        discounts = [monthly[:, None] ** np.arange(months)[None, :] for _, monthly in scales]
        rows = []
        for flows, k in zip(simulated.flows, which, strict=True):
            stacked = np.stack([f[:months] for f in flows.values()])  # moves x months x terms
            values = np.einsum("kmj,gj,gm->gk", stacked, scales[k][0], discounts[k])
            rows.append(values.argmax(axis=1))
        picked[strategy] = np.stack(rows, axis=1)
    return picked


def region(simulated: Simulated, grid: pd.DataFrame) -> pd.DataFrame:
    """Per weight set and strategy: the share of runs choosing as China did at each
    decision point, how many points it gets right (a majority of runs), and how often
    it stays in the region when the parameter sets are resampled."""
    picked = choices(simulated, grid)
    task_sets = simulated.tasks["set"].to_numpy()
    out = []
    for strategy, chosen in picked.items():
        frame = grid.copy()
        frame.insert(0, "strategy", strategy)
        right = np.zeros(len(grid), int)
        matches = []
        for point in DECISIONS:
            columns = np.flatnonzero(simulated.tasks["point"].to_numpy() == point.name)
            observed = [point.menu.index(m) for m in point.observed]
            match = np.isin(chosen[:, columns], observed)
            share = match.mean(axis=1) if len(columns) else np.full(len(grid), np.nan)
            frame[f"share_{point.name}"] = share
            right += share > 0.5
            if len(columns):
                matches.append((match, task_sets[columns]))
        frame["points_right"] = right
        rng = np.random.default_rng(BOOTSTRAP_SEED)
        frame["region_confidence"] = region_confidence(matches, len(grid), BOOTSTRAP_DRAWS, rng)
        out.append(frame)
    return pd.concat(out, ignore_index=True)


def region_confidence(
    matches: list[tuple[np.ndarray, np.ndarray]],
    weight_sets: int,
    draws: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Per weight set, the share of bootstrap resamples of the parameter sets (each set
    with all its seeds) in which it gets as many decision points right as the best
    weight set of that resample: whether its place in the region is more than the luck
    of 40 sets. ``matches`` holds, per decision point, whether each weight set's choice
    (rows) in each run (columns) is China's, and the parameter set of each run."""
    if not matches:
        return np.full(weight_sets, np.nan)
    sets = np.unique(np.concatenate([column_sets for _, column_sets in matches]))
    counts = rng.multinomial(len(sets), np.full(len(sets), 1 / len(sets)), size=draws)
    right = np.zeros((weight_sets, draws), int)
    for match, column_sets in matches:
        weights = counts[:, np.searchsorted(sets, column_sets)]  # resamples x runs
        total = weights.sum(axis=1).astype(float)
        total[total == 0] = np.nan  # a resample without this point's sets: not right
        right += (match.astype(float) @ weights.T) / total > 0.5
    return (right == right.max(axis=0)).mean(axis=1)


def in_region(frame: pd.DataFrame, min_confidence: float = 0.0) -> pd.Series:
    """Which rows of one strategy's region table are in its region (the most decision
    points right) and, when ``min_confidence`` > 0, stay in it in at least that share
    of the resamples of the parameter sets (a table without confidences: none do)."""
    inside = frame["points_right"] == frame["points_right"].max()
    if min_confidence <= 0:
        return inside
    if "region_confidence" not in frame:
        return pd.Series(False, index=frame.index)
    return inside & (frame["region_confidence"] >= min_confidence)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per strategy: the most decision points any weight set gets right, how many sets
    do, how many of those stay in the region in resamples of the parameter sets (the
    robust core) and at which leverage values, and each weight's range over the region."""
    rows = []
    for strategy, frame in table.groupby("strategy", sort=False):
        best = int(frame["points_right"].max())
        inside = frame[in_region(frame)]
        robust = frame[in_region(frame, ROBUST_CONFIDENCE)]
        row: dict[str, Any] = {
            "strategy": strategy,
            "points_right": f"{best} of {len(DECISIONS)}",
            "weight_sets": f"{len(inside)} of {len(frame)}",
            "robust_weight_sets": f"{len(robust)}",
            "robust_leverage_values": ", ".join(
                f"{v:g}" for v in sorted(robust["leverage_value_usd_m_per_month"].unique())
            ),
        }
        for weight in WEIGHTS:
            values = sorted(inside[weight.name].unique())
            row[weight.name] = ", ".join(f"{v:g}" for v in values)
        rows.append(row)
    return pd.DataFrame(rows)
