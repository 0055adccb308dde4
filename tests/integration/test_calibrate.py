"""``overplay calibrate``: a tiny fit writes its outputs, is the same with one worker or
two and after an interruption, recovers parameters it was given, and refuses a bad
spec with located errors."""

from __future__ import annotations

import json
import logging
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from overplay.experiments.cli import app
from overplay.experiments.validation import calibrate as calibrate_module
from overplay.experiments.validation.calibrate import (
    _quiet_pyabc,
    calibrate,
    distance,
    natural,
    point_scenario,
    prior,
    resume_key,
    simulate,
    systematic_resample,
    window_years,
)
from overplay.experiments.validation.calibration_spec import load_calibration
from overplay.experiments.validation.facts import load_facts
from overplay.model import load_scenario

pytest.importorskip("pyabc")
ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "experiments" / "specs" / "calibrate_history.yaml"


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> tuple[Path, str]:
    """The tiny fit's folder and what the command printed."""
    folder = tmp_path_factory.mktemp("fit") / "tiny"
    result = CliRunner().invoke(app, ["calibrate", str(SPEC), "--tiny", "--out", str(folder)])
    assert result.exit_code == 0, result.output
    return folder, result.output


@pytest.fixture(scope="module")
def tiny(tiny_run) -> Path:
    return tiny_run[0]


def test_the_command_counts_particles_and_their_runs(tiny_run):
    folder, output = tiny_run
    spec, _ = load_calibration(SPEC)
    particles = yaml.safe_load((folder / "manifest.json").read_text())["simulations"]
    runs = particles * spec.seeds_per_particle
    assert f"{particles} particles proposed ({runs} runs)" in output


def test_pyabc_logs_only_its_generation_lines_where_no_bar_is_drawn():
    _quiet_pyabc(log_generations=True)
    assert logging.getLogger("ABC").isEnabledFor(logging.INFO)
    assert not logging.getLogger("ABC.Sampler").isEnabledFor(logging.INFO)
    assert not logging.getLogger("ABC.History").isEnabledFor(logging.INFO)
    _quiet_pyabc()
    assert not logging.getLogger("ABC").isEnabledFor(logging.INFO)


def test_a_tiny_fit_writes_an_ensemble_a_point_scenario_and_a_manifest(tiny):
    spec, _ = load_calibration(SPEC)
    ensemble = pd.read_csv(tiny / "ensemble.csv")
    names = [p.name for p in spec.parameters]
    assert list(ensemble.columns) == ["set", *names]
    for p in spec.parameters:
        assert ensemble[p.name].between(p.prior.low, p.prior.high).all(), p.name
    point = load_scenario(tiny / "calibrated.yaml")
    assert point.name == "calibrated"
    assert point.market.price_speed_per_month == pytest.approx(
        yaml.safe_load((tiny / "calibrated.yaml").read_text())["market"]["price_speed_per_month"]
    )
    manifest = yaml.safe_load((tiny / "manifest.json").read_text())
    assert manifest["status"] == "completed" and manifest["tiny"] is True
    assert manifest["kind"] == "calibration"
    assert manifest["generations"] == spec.tiny_budget.generations
    # Kish's effective sample size: between one particle and the whole population.
    assert 1.0 <= manifest["effective_sample_size"] <= spec.tiny_budget.population_size


def test_the_point_scenario_keeps_six_significant_digits_of_small_values():
    """A log-uniform prior may fit a value far below 1e-6, which six decimals write
    as 0; the point file keeps six significant digits at any magnitude."""
    spec, _ = load_calibration(SPEC)
    point = {p.name: (p.prior.low + p.prior.high) / 2 for p in spec.parameters}
    point["leakage_rate"] = 3.14159265e-8
    written = yaml.safe_load(point_scenario(spec, point))
    assert written["market"]["leakage_rate"] == pytest.approx(3.14159e-8, rel=1e-9)


def test_the_distance_is_the_rms_or_the_largest_deviation_in_tolerance_units():
    """Hand-computed: two facts 0.5 and 2 tolerances away (one relative, one absolute)
    are sqrt((0.25 + 4) / 2) = 1.458 apart by RMS and 2 by the largest deviation, so
    only ``max`` keeps a fit at epsilon 1 from leaving one fact far out."""
    facts = load_facts().by_id()
    relative = next(f for f in facts.values() if f.tolerance_kind == "relative")
    absolute = next(f for f in facts.values() if f.tolerance_kind == "absolute")
    simulated = {
        relative.fact: relative.value * (1 + 0.5 * relative.tolerance),
        absolute.fact: absolute.value - 2 * absolute.tolerance,
    }
    pair = (relative, absolute)
    assert distance(pair)(simulated, {}) == pytest.approx(np.sqrt(4.25 / 2))
    assert distance(pair, "max")(simulated, {}) == pytest.approx(2.0)
    assert distance(pair, "max")({**simulated, absolute.fact: float("nan")}, {}) == np.inf


def test_a_particle_of_several_seeds_reads_each_fact_as_their_median(monkeypatch):
    """Three runs on three seeds: each fact is their median, and a run that cannot
    measure a fact leaves it unmeasured; one seed per particle returns its run as is."""
    spec, facts = load_calibration(SPEC)
    fitted = tuple(f for f in facts.facts if f.fitted(spec.fit_window_end))[:2]
    seeds: list[int] = []
    values = [5.0, 1.0, 3.0, np.nan]

    def one_run(_spec, run_facts, _values, seed, _years):
        seeds.append(seed)
        return {f.fact: values[len(seeds) - 1] for f in run_facts}

    monkeypatch.setattr(calibrate_module, "simulate", one_run)
    parameters = dict(prior(spec.parameters).rvs())
    three = calibrate_module._Model(spec.model_copy(update={"seeds_per_particle": 3}), fitted, 6)
    assert three(parameters) == {f.fact: 3.0 for f in fitted}
    assert len(set(seeds)) == 3
    seeds.clear()
    values[:3] = [np.nan, 1.0, 2.0]
    assert all(np.isnan(v) for v in three(parameters).values())
    seeds.clear()
    values[0] = 7.0
    one = calibrate_module._Model(spec.model_copy(update={"seeds_per_particle": 1}), fitted, 6)
    assert one(parameters) == {f.fact: 7.0 for f in fitted}
    assert len(seeds) == 1


def test_the_ensemble_represents_the_posterior_weights():
    """Systematic resampling: each particle appears floor or ceil of size x weight
    times, a weightless one never, and the same seed draws the same sets."""
    weights = np.random.default_rng(2).random(200) ** 4
    weights[::7] = 0.0
    weights /= weights.sum()
    chosen = systematic_resample(weights, 40, np.random.default_rng(3))
    counts = np.bincount(chosen, minlength=200)
    assert counts.sum() == 40
    assert (np.abs(counts - 40 * weights) < 1).all()
    assert counts[::7].sum() == 0
    assert (systematic_resample(weights, 40, np.random.default_rng(3)) == chosen).all()


def test_a_log_uniform_parameter_is_sampled_as_its_uniform_logarithm():
    """The kernel moves log-uniform parameters in their logarithm; what the model gets
    is back in natural units, inside the prior's bounds and uniform in log."""
    spec, _ = load_calibration(SPEC)
    half_life = next(p for p in spec.parameters if p.prior.distribution == "loguniform")
    distribution = prior(spec.parameters)
    draws = [natural(spec.parameters, dict(distribution.rvs())) for _ in range(4000)]
    values = np.array([d[half_life.name] for d in draws])
    low, high = half_life.prior.low, half_life.prior.high
    assert values.min() >= low and values.max() <= high
    # Uniform in log: the geometric midpoint splits the draws in half, the arithmetic
    # one does not (a uniform prior would put half below (low + high) / 2).
    assert abs(np.mean(values < np.sqrt(low * high)) - 0.5) < 0.03
    assert np.mean(values < (low + high) / 2) > 0.7


def test_the_tiny_fit_reports_log_uniform_parameters_in_natural_units(tiny):
    spec, _ = load_calibration(SPEC)
    ensemble = pd.read_csv(tiny / "ensemble.csv")
    for p in spec.parameters:
        assert ensemble[p.name].between(p.prior.low, p.prior.high).all(), p.name


def test_the_fit_report_shows_every_in_sample_fact_against_the_ensemble(tiny):
    fit = pd.read_parquet(tiny / "fit.parquet")
    in_sample = [f.fact for f in load_facts().facts if f.sample("2014-12") == "in"]
    assert list(fit["fact"]) == in_sample
    assert (fit["runs"] == len(pd.read_csv(tiny / "ensemble.csv")) * 3).all()
    runner = CliRunner()
    assert runner.invoke(app, ["plot", str(tiny), "--format", "png"]).exit_code == 0
    assert (tiny / "figures" / "fit_facts.png").is_file()
    assert runner.invoke(app, ["report", str(tiny)]).exit_code == 0
    page = (tiny / "report.html").read_text()
    assert "The fit" in page and "In-sample facts" in page


def test_the_fit_is_the_same_with_two_workers_and_after_an_interruption(tiny, tmp_path):
    spec, facts = load_calibration(SPEC)

    def stop(generation: int, _evaluated: int) -> None:
        if generation == 1:
            raise KeyboardInterrupt

    folder = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        calibrate(spec, facts, folder, tiny=True, workers=2, progress=stop)
    assert not (folder / "ensemble.csv").exists()
    first = json.loads((folder / "manifest.json").read_text())
    calibrate(spec, facts, folder, tiny=True, workers=2)
    pd.testing.assert_frame_equal(
        pd.read_csv(folder / "ensemble.csv"), pd.read_csv(tiny / "ensemble.csv")
    )
    # The manifest dates the fit from its first session and lists both.
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["started"] == first["started"]
    assert manifest["sessions"][0]["started"] == first["started"]
    assert len(manifest["sessions"]) == 2 and manifest["status"] == "completed"


def test_a_stopped_fit_resumes_only_with_the_same_facts_and_scenario(monkeypatch):
    """Editing a fitted fact or the scenario between a stop and a resume changes the
    objective, so the database must not be reused."""
    spec, facts = load_calibration(SPEC)
    fitted = tuple(f for f in facts.facts if f.fitted(spec.fit_window_end))
    key = resume_key(spec, fitted, tiny=True)
    assert resume_key(spec, fitted, tiny=True) == key
    moved = (fitted[0].model_copy(update={"value": fitted[0].value * 1.1}), *fitted[1:])
    assert resume_key(spec, moved, tiny=True)["objective_hash"] != key["objective_hash"]
    assert resume_key(spec, fitted[1:], tiny=True)["objective_hash"] != key["objective_hash"]
    # The same scenario name with edited contents (history.yaml changed in between).
    edited = load_scenario(spec.scenario).model_copy(update={"seed": 99})
    monkeypatch.setattr(calibrate_module, "load_scenario", lambda name: edited)
    assert resume_key(spec, fitted, tiny=True)["objective_hash"] != key["objective_hash"]


def _synthetic(tmp_path: Path, truth: dict[str, float]) -> Path:
    """A spec fitting two parameters to facts the model itself produced at ``truth``
    (the mean over three seeds), with 10 % tolerances, read as the history fit reads
    them: the largest deviation, each particle the median of three seeds."""
    spec_text = textwrap.dedent(
        """
        name: synthetic
        scenario: crisis_2010
        fit_window_end: "2011-12"
        seed: 7
        facts: facts.csv
        parameters:
          - name: leakage_rate
            keys: [market.leakage_rate]
            prior: {distribution: uniform, low: 0.05, high: 0.5}
            why: test
          - name: price_speed
            keys: [market.price_speed_per_month]
            prior: {distribution: uniform, low: 0.05, high: 0.6}
            why: test
        budget: {population_size: 24, generations: 5, minimum_epsilon: 0.2}
        distance: max
        seeds_per_particle: 3
        ensemble_size: 10
        """
    )
    (tmp_path / "spec.yaml").write_text(spec_text)
    bundled = load_facts()
    chosen = [bundled.by_id()[f] for f in ("Q13", "J02", "J04", "P08", "P05")]
    (tmp_path / "facts.csv").write_text((ROOT / "experiments/data/history.csv").read_text())
    spec, _ = load_calibration(tmp_path / "spec.yaml")
    years = window_years(spec)
    runs = [simulate(spec, tuple(chosen), truth, seed, years) for seed in (1, 2, 3)]
    rows = pd.read_csv(tmp_path / "facts.csv")
    rows = rows[rows["fact"].isin([f.fact for f in chosen])].copy()
    rows["value"] = [float(np.mean([r[f] for r in runs])) for f in rows["fact"]]
    rows["tolerance"], rows["tolerance_kind"] = 0.1, "relative"
    rows.to_csv(tmp_path / "facts.csv", index=False)
    return tmp_path / "spec.yaml"


@pytest.mark.slow
def test_a_fit_recovers_the_parameters_that_made_its_facts(tmp_path):
    """Known truth, facts made by the model at it: the posterior median must be within
    15 % of each prior's range of the truth."""
    truth = {"leakage_rate": 0.3, "price_speed": 0.2}
    path = _synthetic(tmp_path, truth)
    spec, facts = load_calibration(path)
    result = calibrate(spec, facts, tmp_path / "fit", workers=2)
    for p in spec.parameters:
        width = p.prior.high - p.prior.low
        assert abs(result.point[p.name] - truth[p.name]) <= 0.15 * width, (
            p.name,
            result.point,
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("seed: 2014", "seed: 2014\nextra_key: 1"),
        ("low: 0.05, high: 0.6}", "low: 0.6, high: 0.05}"),
        ("low: 0.03, high: 0.25}", "low: 0.03, high: 2.5}"),
        ('fit_window_end: "2014-12"', 'fit_window_end: "2008-12"'),
    ],
)
def test_a_bad_spec_is_refused_with_its_line(tmp_path, change, message):
    text = SPEC.read_text()
    assert change in text
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace(change, message, 1))
    result = CliRunner().invoke(app, ["calibrate", str(path), "--tiny", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{path}:" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "abc.db").exists()


def test_a_fit_refuses_a_folder_of_another_result(tmp_path):
    out = tmp_path / "fit"
    out.mkdir()
    (out / "rounds.parquet").write_text("not mine")
    result = CliRunner().invoke(app, ["calibrate", str(SPEC), "--tiny", "--out", str(out)])
    assert result.exit_code == 2
    assert "not a calibration folder" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["rounds.parquet"]
