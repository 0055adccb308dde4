"""Small *real* result folders for figure and report tests, made by the same code the
command line uses (never mocked frames): a run with events and restrictions, a
tournament, an equilibrium, and sweeps of each design (1- or 2-year runs, few firms)."""

from __future__ import annotations

from pathlib import Path

from overplay.experiments.single_run import run_scenario, write_outputs
from overplay.model import load_scenario

RUN = ("crisis_2010", [("years", 3), ("firms.count", 20)])  # 2009-2011: cut, ban, quota

TOURNAMENT = """\
name: plots_tournament
years: 1
firms: 12
replicates: 2
seed: 3
china: [always_open, always_ban, {name: periodic_coercion, params: {instrument: quota}}]
importers:
  passive: passive
  hawks: retaliator
"""

EQUILIBRIUM = """\
name: plots_equilibrium
stage_game:
  date: "2025-04"
  firms: 12
  horizon_rounds: 1
  actions:
    china: [open, ban_heavy]
    us: [hold, retaliate]
meta_game:
  tournament: plots_tournament.yaml
  replicator_steps: 200
discount_sweep:
  discount_rates: [0.0, 0.05, 0.2, 1.0]
"""

SWEEP = """\
name: plots_{name}
scenario: baseline
overrides: {{years: {years}, firms.count: 10, china.strategy: {{name: periodic_coercion}},
            materials.light.china_processing_share: 0.81}}
uncertainties:
  - {{name: elasticity, key: materials.light.price_elasticity, kind: real, low: 0.1, high: 0.4}}
levers:
  - {{name: period_rounds, key: china.strategy.params.period_rounds, kind: integer,
      low: 2, high: 4}}
  - {{name: instrument, key: china.strategy.params.instrument, kind: categorical,
      values: [licensing, ban]}}
design: {design}
replicates: {replicates}
seed: 5
outcomes: [china_processing_share_final_light, payoff_china, payoff_importers,
           restriction_rounds, years_to_processing_share_below_80pct_light]
per_round: {per_round}
"""

#: Sweep name → (design, replicates, years, per_round).
SWEEPS = {
    "factorial": ("{method: full_factorial, levels: 2}", 3, 1, "none"),
    "sobol": ("{method: sobol, samples: 8}", 1, 1, "none"),
    "morris": ("{method: morris, samples: 4, levels: 4}", 1, 1, "none"),
    "lhs": ("{method: latin_hypercube, samples: 24}", 1, 1, "none"),
    "explicit": (
        "{method: explicit, points: ["
        "{elasticity: 0.1, period_rounds: 2, instrument: licensing}, "
        "{elasticity: 0.2, period_rounds: 4, instrument: licensing}, "
        "{elasticity: 0.3, period_rounds: 2, instrument: ban}, "
        "{elasticity: 0.4, period_rounds: 4, instrument: ban}]}",
        2,
        1,
        "none",
    ),
}

COMPARE = """\
name: plots_compare
scenario: baseline
overrides: {years: 2, firms.count: 10}
levers:
  - {name: scenario, key: scenario, kind: categorical, values: [baseline, coercion]}
design: {method: full_factorial}
replicates: 3
seed: 2
outcomes: [china_processing_share_final_light, payoff_china]
per_round: all
"""


def make_run(root: Path) -> Path:
    """``overplay run crisis_2010 --years 3 --firms 20`` into ``root/run``."""
    from datetime import UTC, datetime

    name, overrides = RUN
    result = run_scenario(load_scenario(name, overrides))
    out = root / "run"
    write_outputs(result, out, datetime.now(UTC))
    return out


def make_tournament(root: Path) -> Path:
    from datetime import UTC, datetime

    from overplay.experiments.tournament import load_tournament, run_tournament
    from overplay.experiments.tournament_output import write_tournament

    spec_file = root / "plots_tournament.yaml"
    spec_file.write_text(TOURNAMENT)
    spec = load_tournament(spec_file)
    out = root / "tournament"
    write_tournament(run_tournament(spec, spec_file), spec, out, datetime.now(UTC), 1)
    return out


def make_equilibrium(root: Path) -> Path:
    import subprocess
    import sys

    (root / "plots_tournament.yaml").write_text(TOURNAMENT)
    spec_file = root / "plots_equilibrium.yaml"
    spec_file.write_text(EQUILIBRIUM)
    out = root / "equilibrium"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "overplay.experiments.cli",
            "equilibrium",
            str(spec_file),
            "--json",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    # What the command printed, for the test that --json prints JSON and nothing else.
    (root / "equilibrium_stdout.txt").write_text(proc.stdout)
    return out


def make_sweep(root: Path, name: str) -> Path:
    """A finished sweep folder (serial executor) for one of :data:`SWEEPS` or
    ``compare`` (two scenarios over the same seeds, every step kept)."""
    from overplay.experiments.sweep.runner import run_sweep
    from overplay.experiments.sweep.spec import load_sweep

    spec_file = root / f"plots_{name}.yaml"
    if name == "compare":
        spec_file.write_text(COMPARE)
    else:
        design, replicates, years, per_round = SWEEPS[name]
        spec_file.write_text(
            SWEEP.format(
                name=name, design=design, replicates=replicates, years=years, per_round=per_round
            )
        )
    out = root / name
    run_sweep(load_sweep(spec_file), spec_file, out, "serial", workers=1)
    return out
