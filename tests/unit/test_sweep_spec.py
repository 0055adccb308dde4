"""Sweep specs are checked whole before anything runs: every value and both bounds
against the scenario, each problem at its line; explicit points, repeated values and
conditional inputs; the design's size against a limit; names that pick folders."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from overplay.experiments.sweep.designs import design_points
from overplay.experiments.sweep.spec import MAX_RUNS, design_size, load_sweep
from overplay.model.naming import OUTPUT_NAME_RULE
from overplay.model.problems import ScenarioError

BASE = """\
name: {name}
scenario: baseline
overrides: {{years: 1, firms.count: 10, china.strategy: {{name: periodic_coercion}}}}
uncertainties:
  - name: leakage
    key: market.leakage_rate
    kind: real
    low: {low}
    high: {high}
levers:
  - name: period_rounds
    key: china.strategy.params.period_rounds
    kind: categorical
    values: {periods}
  - name: instrument
    key: china.strategy.params.instrument
    kind: categorical
    values: [licensing, quota, ban]
design: {design}
replicates: {replicates}
outcomes: [payoff_china]
"""


def _spec(tmp_path: Path, **fields: object) -> Path:
    values = {
        "name": "ok",
        "low": 0.0,
        "high": 0.5,
        "periods": "[8, 4, 2]",
        "design": "{method: full_factorial}",
        "replicates": 2,
    } | fields
    path = tmp_path / "spec.yaml"
    path.write_text(BASE.format(**values))
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_sweep(path)
    return [str(p) for p in caught.value.problems]


def _line(path: Path, text: str) -> int:
    """The (first) line of the spec holding ``text``."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_a_valid_spec_loads(tmp_path):
    spec = load_sweep(_spec(tmp_path))
    assert design_size(spec) == (27, "levels' product")


def test_every_categorical_value_is_checked_at_its_line(tmp_path):
    path = _spec(tmp_path, periods="[8, 4, 0]")  # only 8 was probed before
    (problem,) = _problems(path)
    assert problem.startswith(
        f"{path}:{_line(path, 'values: [8, 4, 0]')}: levers.0.values.2: "
        "china.strategy.params.period_rounds = 0 is not valid"
    )


def test_both_bounds_of_a_range_are_checked_at_their_lines(tmp_path):
    path = _spec(tmp_path, low=-0.5, high=1.5)  # only the low bound was probed before
    problems = _problems(path)
    assert [p.split(": ")[0:2] for p in problems] == [
        [f"{path}:{_line(path, 'low:')}", "uncertainties.0.low"],
        [f"{path}:{_line(path, 'high:')}", "uncertainties.0.high"],
    ]
    only_high = _spec(tmp_path, low=0.1, high=1.5)
    assert [p.split(": ")[1] for p in _problems(only_high)] == ["uncertainties.0.high"]


def test_repeated_categories_would_count_one_point_twice(tmp_path):
    path = _spec(tmp_path, periods="[8, 4, 8.0]")
    (problem,) = _problems(path)
    assert "levers.0" in problem and "values.2: 8.0 repeats values.0" in problem


@pytest.mark.parametrize(
    ("design", "message"),
    [
        ("{method: explicit, points: []}", "design.points: an explicit design needs at least one"),
        ("{method: explicit}", "design.points: an explicit design needs at least one"),
        (
            "{method: explicit, points: [{period_rounds: 3}]}",
            "design.points.0.period_rounds: 3 is outside the input's values [8, 4, 2]",
        ),
        (
            "{method: explicit, points: [{leakage: 0.9}]}",
            "design.points.0.leakage: 0.9 is outside the input's range [0, 0.5]",
        ),
        (
            "{method: explicit, points: "
            "[{period_rounds: 8}, {period_rounds: 4}, {period_rounds: 8}]}",
            "design.points.2: repeats design.points.0",
        ),
        (
            "{method: latin_hypercube, samples: 4, points: [{period_rounds: 8}]}",
            "design.points: only an explicit design takes points",
        ),
    ],
)
def test_explicit_points(tmp_path, design, message):
    path = _spec(tmp_path, design=design)
    (problem,) = _problems(path)
    assert f":{_line(path, 'design:')}: " in problem and message in problem


@pytest.mark.parametrize(
    ("design", "replicates", "size"),
    [
        ("{method: full_factorial, levels: 100}", 10_000, "100 × 3 × 3 = 900 point(s)"),
        ("{method: sobol, samples: 524288, second_order: true}", 1, "N·(2D+2) = 4,194,304"),
        ("{method: latin_hypercube, samples: 1000000}", 1, "samples = 1,000,000"),
        ("{method: morris, samples: 1000000, levels: 4}", 1, "N·(D+1) = 4,000,000"),
    ],
)
def test_a_design_too_large_is_refused_before_it_is_drawn(tmp_path, design, replicates, size):
    path = _spec(tmp_path, design=design, replicates=replicates)
    (problem,) = _problems(path)  # from the spec alone: nothing is enumerated
    assert f":{_line(path, 'design:')}: design: " in problem
    assert size.split(" = ")[-1] in problem and f"max_runs = {MAX_RUNS:,}" in problem


def test_max_runs_raises_the_limit_and_has_a_ceiling(tmp_path):
    path = _spec(tmp_path, design="{method: latin_hypercube, samples: 150000}", replicates=1)
    assert "max_runs" in _problems(path)[0]
    path.write_text(path.read_text() + "max_runs: 200000\n")
    assert design_size(load_sweep(path))[0] == 150_000
    path.write_text(path.read_text().replace("200000", "5000000"))
    assert "max_runs" in _problems(path)[0]


@pytest.mark.parametrize("name", ["../escape", "/tmp/abs", ".hidden", "a/b", "x" * 101, ""])
def test_a_name_cannot_leave_results(tmp_path, name):
    path = _spec(tmp_path, name=repr(name))
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}:1: name: ")
    assert problem.endswith(OUTPUT_NAME_RULE) and "pattern" not in problem, problem


@pytest.mark.parametrize(
    ("field", "value"),
    [("replicates", "true"), ("low", ".inf"), ("high", ".nan"), ("low", "false")],
)
def test_booleans_are_not_numbers_and_numbers_are_finite(tmp_path, field, value):
    path = _spec(tmp_path, **{field: value})
    problems = _problems(path)
    assert any(f":{_line(path, f'{field}:')}: " in p for p in problems), problems


def test_only_with_leaves_an_ignored_input_out_of_the_points_it_does_not_apply_to(tmp_path):
    path = _spec(tmp_path)
    text = path.read_text().replace(
        "levers:\n",
        "levers:\n  - {name: severity, key: china.strategy.params.severity, "
        "kind: categorical, values: [0.3, 0.9], only_with: {instrument: [licensing, quota]}}\n",
    )
    path.write_text(text)
    spec = load_sweep(path)
    points = design_points(spec.design, spec.inputs, spec.seed)
    assert design_size(spec)[0] == len(points) == 3 * 3 * (2 + 2 + 1)
    bans = [p for p in points if p["instrument"] == "ban"]
    assert len(bans) == 9 and all("severity" not in p for p in bans)
    assert len({tuple(sorted(p.items())) for p in points}) == len(points)
    path.write_text(text.replace("[licensing, quota]}", "[licensing, embargo]}"))
    assert "not ['embargo']" in _problems(path)[0]
    path.write_text(text.replace("{method: full_factorial}", "{method: latin_hypercube}"))
    assert "only a full_factorial design" in _problems(path)[0]


def test_the_bundled_specs_load_and_overuse_does_not_cross_bans_with_severity():
    specs = Path(__file__).resolve().parents[2] / "experiments" / "specs"
    overuse = load_sweep(specs / "overuse.yaml")
    points = design_points(overuse.design, overuse.inputs, overuse.seed)
    assert "period_rounds" in overuse.levers[0].name
    assert len(points) == 42 and len(points) * overuse.replicates == 1_260
    keys = [tuple(sorted(p.items())) for p in points]
    assert len(set(keys)) == len(keys)
    for name in ("smoke", "sobol"):
        load_sweep(specs / f"{name}.yaml")


def test_checking_a_spec_leaves_it_as_written(tmp_path):
    """Probing values against the scenario once wrote them into the spec's own override
    mappings, so its hash and spec.resolved.yaml held the last value probed."""
    import yaml

    path = _spec(tmp_path)
    written = yaml.safe_load(path.read_text())["overrides"]
    assert load_sweep(path).overrides == written


def test_the_sweep_command_prints_located_problems_and_exits_2(tmp_path):
    path = _spec(tmp_path, periods="[8, 0]", low=-1)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "overplay.experiments.cli",
            "sweep",
            str(path),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert [line.split(": ")[1] for line in lines] == ["uncertainties.0.low", "levers.0.values.1"]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "value, reason",
    [
        ("2025-02-30", "not a valid date"),
        ("!!float abc", "not a valid number"),
        ("9" * 5000, "not a valid whole number"),
    ],
)
def test_a_value_yaml_cannot_build_is_a_located_problem(tmp_path, value, reason):
    path = _spec(tmp_path, periods=f"[8, {value}]")
    line = _line(path, "values: [8,")
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}:{line}: levers.0.values.1: {reason}: "), problem


SHARES = """\
name: shares
scenario: baseline
overrides: {{years: 1, firms.count: 10}}
uncertainties:
  - name: us_share
    key: importers.us.demand_share_outside_china.light
    kind: real
    low: 0.01
    high: 0.5
  - name: japan_share
    key: importers.japan.demand_share_outside_china.light
    kind: real
    low: 0.01
    high: {japan_high}
design: {design}
outcomes: [payoff_china]
"""


def _shares(
    tmp_path: Path, japan_high: float = 0.4, design: str = "{method: latin_hypercube, samples: 4}"
) -> Path:
    path = tmp_path / "shares.yaml"
    path.write_text(SHARES.format(japan_high=japan_high, design=design))
    return path


def test_ranges_valid_alone_but_not_together_are_refused_at_the_first_input(tmp_path):
    path = _shares(tmp_path)
    (problem,) = _problems(path)
    assert problem.startswith(
        f"{path}:{_line(path, 'high: 0.5')}: uncertainties.0.high: "
        "with every real/integer input at its high (us_share = 0.5, "
        "japan_share = 0.4)"
    ), problem
    load_sweep(_shares(tmp_path, japan_high=0.25))  # ranges that fit together load


def test_an_explicit_point_whose_values_do_not_fit_together_is_refused(tmp_path):
    design = (
        "{method: explicit, points: [{us_share: 0.3, japan_share: 0.3}, "
        "{us_share: 0.45, japan_share: 0.4}]}"
    )
    path = _shares(tmp_path, design=design)
    (problem,) = _problems(path)
    assert (
        f":{_line(path, 'design:')}: design.points.1: us_share, japan_share together "
        "are not valid: " in problem
    ), problem
