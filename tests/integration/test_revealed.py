"""Revealed preference and the overuse answer: re-weighting simulated payoff terms must
give what the model's own strategies and payoff accounting give at the scenario's
weights, and China's scripted choices are removed from the decision date on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from overplay.agents.strategies.base import make_strategy
from overplay.experiments.errors import UserError
from overplay.experiments.sweep.spec import load_sweep
from overplay.experiments.validation import answer, revealed
from overplay.experiments.validation.answer_output import region_weights
from overplay.experiments.validation.calibration_spec import load_calibration
from overplay.experiments.validation.ensemble import overrides
from overplay.experiments.validation.facts import bundled
from overplay.experiments.validation.validate import BUNDLED_SPEC
from overplay.model.forecast import advance_to_round
from overplay.model.leverage_model import LeverageModel
from overplay.model.observing import observe_china
from overplay.model.scenarios import load_scenario

SPEC, _ = load_calibration(bundled(BUNDLED_SPEC))
POINT = {"period_rounds": 4, "severity": 0.6, "duration_rounds": 1, "instrument": "licensing"}
ROW = {"set": 1, **{p.name: (p.prior.low + p.prior.high) / 2 for p in SPEC.parameters}}


def test_chinas_own_moves_from_the_decision_date_are_removed():
    scenario = revealed.decision_scenario(SPEC, overrides(SPEC, ROW, 1), "2025-04")
    china = [e for e in scenario.events if e.actor == "china"]
    assert china and all(str(e.at) < "2025-04" for e in china)
    assert any(e.actor == "us" and str(e.at) >= "2025-04" for e in scenario.events)


def test_chinas_moves_given_as_step_numbers_are_removed_by_their_month(monkeypatch):
    """An event's ``at`` may be a step (1 = the first month): it is compared as the
    month it falls in, not as text ("198" sorts before "2025-04", "30" after it)."""
    history = load_scenario("history")
    move = next(e for e in history.events if e.actor == "china")
    early = move.model_copy(update={"at": 30})  # 2011-06
    late = move.model_copy(update={"at": 198})  # 2025-06
    edited = history.model_copy(update={"events": [early, late]})
    monkeypatch.setattr(revealed, "load_scenario", lambda *a, **k: edited)
    kept = revealed.decision_scenario(SPEC, overrides(SPEC, ROW, 1), "2025-04").events
    assert kept == [early]


def test_a_china_that_weighs_its_own_payoff_is_refused(monkeypatch):
    """Re-weighting after a run is exact only if China's moves ignore the weights."""
    history = load_scenario("history")
    strategy = history.china.strategy.model_copy(update={"name": "myopic_best_response"})
    deciding = history.model_copy(
        update={"china": history.china.model_copy(update={"strategy": strategy})}
    )
    monkeypatch.setattr(revealed, "load_scenario", lambda *a, **k: deciding)
    with pytest.raises(UserError, match="decides on its own payoff"):
        revealed.simulate_decisions(SPEC, pd.DataFrame([ROW]), seeds=1)


def test_chinas_observed_price_is_kept_only_before_the_decision_date():
    """From a decision on China's price is its home market's: the observed series is
    cut at the month before, at the level it had there."""
    scenario = revealed.decision_scenario(SPEC, overrides(SPEC, ROW, 1), "2011-09")
    observed = load_scenario("history").series.china_price_usd_per_kg["light"]
    kept = scenario.series.china_price_usd_per_kg["light"]
    assert max(kept) == "2011-08" and all(kept[m] == observed[m] for m in kept if m < "2011-08")
    halfway = (observed["2011-07"] + observed["2011-09"]) / 2  # August, between them
    assert kept["2011-08"] == pytest.approx(halfway)
    assert revealed.decision_scenario(
        SPEC, overrides(SPEC, ROW, 1), "2010-07"
    ).series.china_price_usd_per_kg == {
        "light": {"2010-06": 20.0},
        "heavy": {"2010-06": 118.0},
    }


@pytest.mark.parametrize("point", [revealed.DECISIONS[0], revealed.DECISIONS[2]])
def test_reweighted_terms_pick_what_the_best_response_strategy_picks(point):
    """At the scenario's own weights the re-weighting must agree with the strategy
    forecasting on the model itself."""
    settings = overrides(SPEC, ROW, 1)
    simulated = revealed.Simulated(
        pd.DataFrame([{"set": 1, "seed": 1, "point": point.name}]),
        [revealed._point_task(SPEC, settings, point, 12)[1]],
        [revealed._point_task(SPEC, settings, point, 3)[0]],
        3,
    )
    reference = {**simulated.references[0], "discount_rate_per_year": 0.05}
    grid = pd.DataFrame([reference])
    picked = revealed.choices(simulated, grid)
    scenario = revealed.decision_scenario(SPEC, settings, point.date)
    assert scenario.payoffs.discount_rate_per_year == 0.05
    for strategy_name, rounds in revealed.HORIZONS.items():
        state = advance_to_round(LeverageModel(scenario, rng=scenario.seed), point.date)
        params = {"moves": list(point.menu)}
        if strategy_name == "look_ahead_best_response":
            params["rounds"] = rounds
        strategy = make_strategy(strategy_name, params, "china")
        chosen = strategy.decide(observe_china(state), np.random.default_rng(0))
        move = chosen[0].note.removeprefix("move:")
        assert point.menu[int(picked[strategy_name][0, 0])] == move, strategy_name


def test_chinas_payoff_reweighted_at_its_own_weights_is_the_runs_payoff(tmp_path):
    sweep_text = bundled("specs/overuse.yaml").read_text()
    sweep_text = sweep_text.replace("values: [8, 4, 2]", "values: [4]").replace(
        "values: [licensing, quota, ban]", "values: [licensing]"
    )
    sweep_text = (
        sweep_text.replace("values: [1, 2]", "values: [1]")
        .replace("values: [0.3, 0.6, 0.9]", "values: [0.6]")
        .replace(
            "only_with: {instrument: [licensing, quota]}", "only_with: {instrument: [licensing]}"
        )
    )
    (tmp_path / "sweep.yaml").write_text(
        sweep_text.replace("firms.count: 40", "firms.count: 10\n  years: 3")
    )
    sweep = load_sweep(tmp_path / "sweep.yaml")
    ensemble = pd.DataFrame([ROW])
    runs = answer.run_answer(sweep, SPEC, ensemble, 1)
    assert list(runs.runs["label"]) == [
        answer.CONTROL,
        "period_rounds=4, severity=0.6, duration_rounds=1, instrument=licensing",
    ]
    weights = pd.DataFrame([{**runs.references[0], "discount_rate_per_year": 0.05}])
    payoffs = answer.china_payoffs(runs, weights)[:, 0]
    for i, label in enumerate(runs.runs["label"]):
        settings = answer._settings(
            sweep,
            SPEC,
            {} if i == 0 else POINT,
            ROW,
            1,
        )
        if i == 0:
            settings.append(("china.strategy", {"name": "hold"}))
        model = LeverageModel(load_scenario(sweep.scenario, settings), record_tables=False)
        model.run()
        assert payoffs[i] == pytest.approx(model.discounted_payoff["china"], rel=1e-9), label
    table = answer.effects(runs, weights)
    assert len(table) == 1
    assert table["payoff_gain_median"].iloc[0] == pytest.approx(payoffs[1] - payoffs[0])
    assert table["pays_share"].iloc[0] == float(payoffs[1] > payoffs[0])


def test_the_region_counts_a_point_when_most_runs_choose_as_china_did():
    flows_open_best = {
        "open": np.ones((12, len(revealed.TERMS))),
        "quota": np.zeros((12, len(revealed.TERMS))),
        "ban": np.zeros((12, len(revealed.TERMS))),
    }
    flows_quota_best = {m: -v for m, v in flows_open_best.items()}
    point = revealed.DECISIONS[0]  # China chose the quota
    simulated = revealed.Simulated(
        pd.DataFrame([{"set": 1, "seed": s, "point": point.name} for s in (1, 2, 3)]),
        [flows_open_best, flows_quota_best, flows_quota_best],
        [{w.name: 1.0 for w in revealed.WEIGHTS if w.term}] * 3,
        3,
    )
    grid = pd.DataFrame(
        [{w.name: 1.0 for w in revealed.WEIGHTS} | {"discount_rate_per_year": 0.05}]
    )
    table = revealed.region(simulated, grid)  # the other points have no runs: NaN
    np.testing.assert_allclose(table[f"share_{point.name}"], [2 / 3, 2 / 3])
    assert list(table["points_right"]) == [1, 1]


def test_region_confidence_is_how_often_a_weight_set_stays_in_the_region_when_sets_resample():
    """Four parameter sets: a weight set right in all four stays in the region in every
    resample, one right in none never does, and one right in three of four drops out
    when a resample draws the fourth set at least twice: 1 - (3/4)^4 - 4(1/4)(3/4)^3."""
    match = np.array([[1, 1, 1, 1], [0, 0, 0, 0], [1, 1, 1, 0]], bool)
    sets = np.array([1, 2, 3, 4])
    rng = np.random.default_rng(7)
    confidence = revealed.region_confidence([(match, sets)], 3, 4000, rng)
    assert confidence[0] == 1.0 and confidence[1] == 0.0
    assert confidence[2] == pytest.approx((3 / 4) ** 4 + (3 / 4) ** 3, abs=0.03)


def test_findings_can_rest_on_the_regions_robust_core_alone(tmp_path):
    base = {"strategy": "look_ahead_best_response"} | {w.name: 1.0 for w in revealed.WEIGHTS}
    rows = [
        base | {"points_right": right, "region_confidence": confidence}
        for right, confidence in ((4, 0.95), (4, 0.6), (3, 1.0))
    ]
    pd.DataFrame(rows).to_parquet(tmp_path / "region.parquet")
    whole = region_weights(tmp_path, "look_ahead_best_response")
    core = region_weights(tmp_path, "look_ahead_best_response", 0.9)
    assert (len(whole), len(core)) == (2, 1)
    with pytest.raises(UserError, match="that robust"):
        region_weights(tmp_path, "look_ahead_best_response", 0.99)


@pytest.mark.parametrize(
    ("medians", "expected"),
    [
        ((10, 0, -10), 100.0),
        ((10, 5, 1), float("inf")),
        ((-1, -5, -9), 0.0),
        ((30, 10, -10), 150.0),
    ],
)
def test_break_even_is_where_the_median_gain_crosses_zero(medians, expected):
    values = np.array([0.0, 100.0, 200.0] * 2)
    gain = np.array([list(medians) * 2], float)
    assert answer.break_even(gain, values) == expected


def test_the_break_even_is_read_along_every_swept_leverage_value():
    """A region that pins the leverage value to one value still gets a break-even: the
    sweep sets every value of its grid on each of the region's other weights."""
    region = pd.DataFrame(
        [
            {w.name: w.grid[1] for w in revealed.WEIGHTS},
            {w.name: w.grid[2] for w in revealed.WEIGHTS},
        ]
    )
    swept = answer.leverage_sweep(region)
    grid = next(w.grid for w in revealed.WEIGHTS if w.name == answer.LEVERAGE_VALUE_WEIGHT)
    assert len(swept) == 2 * len(grid)
    for _, rows in swept.groupby("domestic_industry_weight"):
        assert sorted(rows[answer.LEVERAGE_VALUE_WEIGHT]) == sorted(grid)


def test_each_run_is_reweighted_from_the_weights_it_was_simulated_at():
    """Two runs with the same terms, simulated at different leverage values: at one
    target weight set they must come out equal."""
    leverage = revealed.TERMS.index("leverage_value")
    flows = np.zeros((2, 3, len(revealed.TERMS)))
    flows[0, :, leverage] = 400.0  # the term at leverage value 400 ...
    flows[1, :, leverage] = 800.0  # ... and at 800 are the same held leverage
    base = {w.name: 1.0 for w in revealed.WEIGHTS if w.term is not None}
    runs = answer.AnswerRuns(
        pd.DataFrame({"point": [0, 0]}),
        flows,
        [
            {**base, answer.LEVERAGE_VALUE_WEIGHT: 400.0},
            {**base, answer.LEVERAGE_VALUE_WEIGHT: 800.0},
        ],
    )
    target = pd.DataFrame(
        [{**base, answer.LEVERAGE_VALUE_WEIGHT: 200.0, "discount_rate_per_year": 0}]
    )
    payoffs = answer.china_payoffs(runs, target)[:, 0]
    assert payoffs == pytest.approx([600.0, 600.0])


@pytest.mark.parametrize(
    ("strategy", "reads"),
    [
        ({"name": "hold"}, False),
        ({"name": "periodic_coercion"}, False),
        ({"name": "myopic_best_response"}, True),
        ({"name": "look_ahead_best_response"}, True),
    ],
)
def test_findings_refuse_a_china_that_decides_on_its_own_payoff(strategy, reads):
    settings = [("china.strategy", strategy)]
    assert revealed.reads_own_payoff(load_scenario("baseline", settings)) is reads
    sweep = load_sweep(bundled("specs/overuse.yaml"))
    if reads:
        with pytest.raises(UserError, match=strategy["name"]):
            answer._check_rescalable(sweep, [{}], [settings])
    else:
        answer._check_rescalable(sweep, [{}], [settings])
