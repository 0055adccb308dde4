"""Run-time benchmark of Overplay's LeverageModel, with a bare-Mesa floor for comparison.

Measures, with ``time.perf_counter``, ``gc.collect()`` between cases and a fixed seed:

(0) the first baseline run in the process, which also loads the compiled loops
    (numba's on-disk cache; compiles them if the cache is empty) — reported on its
    own, and kept out of every other figure;
(a) the median wall time of a full baseline run, ``LeverageModel("baseline").run()``
    including construction, over ``--repeats`` runs (default 5);
(b) Overplay's time per step at 100, 1,000 and 10,000 firms: a model is built with
    ``LeverageModel("baseline", firms=N)`` and ``--steps`` steps (default 24, i.e. eight
    decision rounds and two investment months) are timed after construction; the
    figure is the median over the repeats of (block time / steps);
(c) the "bare-Mesa floor": a plain ``mesa.Model`` holding the same number of agents
    (a trivial Agent subclass whose ``step`` does nothing) whose ``step`` only calls
    ``self.agents.shuffle_do("step")``, timed the same way;
(d) what the per-step tables cost when they are read: a step leaves a record and the
    ``rounds``/``payoffs`` rows are written on the first read, so (b) does not include
    them; this times ``get_table_dataframe`` for both tables after the steps, per step.

It reports Overplay's ms/step divided by the floor's at each N (how much a step costs
beyond Mesa merely visiting every agent once) and the 10,000/1,000 ratio of
Overplay's time per step (10 would be linear scaling in the number of firms).

It prints figures and ratios and asserts nothing: timings depend on the machine.

Run from the repository root with the project's environment:

    python benchmarks/run_time.py            # full run, human-readable table
    python benchmarks/run_time.py --json     # one JSON object on stdout, nothing else
    python benchmarks/run_time.py --quick    # fast smoke mode (1 repeat, few steps)
    python benchmarks/run_time.py --repeats 9 --steps 48

JSON keys: ``first_run_s``, ``baseline_run_s_median``, ``ms_per_step``, ``bare_mesa_ms_per_step``,
``ratio_to_bare_mesa``, ``tables_ms_per_step`` (each of the last four keyed by "100", "1000",
"10000"),
``scaling_10000_over_1000``, plus ``settings`` and ``versions`` describing the run.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import mesa
from environment import versions  # benchmarks/, the script's folder

from overplay.model import LeverageModel

SEED = 1
FIRM_COUNTS = (100, 1_000, 10_000)


class NoopAgent(mesa.Agent):
    """An agent that does nothing when stepped."""

    def step(self) -> None:
        pass


class BareModel(mesa.Model):
    """The floor: N do-nothing agents, activated once per step in random order."""

    def __init__(self, n_agents: int, seed: int = SEED) -> None:
        super().__init__(rng=seed)
        for _ in range(n_agents):
            NoopAgent(self)

    def step(self) -> None:
        self.agents.shuffle_do("step")


def _timed(fn: Callable[[], Any]) -> float:
    """Seconds taken by ``fn()``, after a garbage collection."""
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def baseline_run_seconds(repeats: int) -> list[float]:
    """Wall time of constructing and running the baseline scenario to its end."""
    return [_timed(lambda: LeverageModel("baseline", rng=SEED).run()) for _ in range(repeats)]


def ms_per_step(build: Callable[[], Any], steps: int, repeats: int) -> float:
    """Median over ``repeats`` fresh models of (time of ``steps`` steps) / steps, in ms."""
    figures = []
    for _ in range(repeats):
        gc.collect()
        model = build()
        gc.collect()
        start = time.perf_counter()
        for _ in range(steps):
            model.step()
        figures.append((time.perf_counter() - start) / steps * 1e3)
        del model
    return statistics.median(figures)


def tables_ms_per_step(firms: int, steps: int, repeats: int) -> float:
    """Median over ``repeats`` runs of the time to read both per-step tables, per step."""
    figures = []
    for _ in range(repeats):
        model = LeverageModel("baseline", firms=firms, rng=SEED)
        model.run(steps)
        gc.collect()
        start = time.perf_counter()
        for table in ("rounds", "payoffs"):
            model.datacollector.get_table_dataframe(table)
        figures.append((time.perf_counter() - start) / steps * 1e3)
    return statistics.median(figures)


def measure(repeats: int, step_repeats: int, steps: int) -> dict[str, Any]:
    first = baseline_run_seconds(1)[0]
    runs = baseline_run_seconds(repeats)
    overplay: dict[str, float] = {}
    floor: dict[str, float] = {}
    tables: dict[str, float] = {}
    for n in FIRM_COUNTS:
        overplay[str(n)] = ms_per_step(
            lambda n=n: LeverageModel("baseline", firms=n, rng=SEED), steps, step_repeats
        )
        # N do-nothing agents; Overplay also holds a few state and producer agents,
        # negligible next to N.
        floor[str(n)] = ms_per_step(lambda n=n: BareModel(n), steps, step_repeats)
        tables[str(n)] = tables_ms_per_step(n, steps, step_repeats)
    ratio = {k: overplay[k] / floor[k] if floor[k] > 0 else float("inf") for k in overplay}
    return {
        "first_run_s": first,
        "baseline_run_s_median": statistics.median(runs),
        "baseline_run_s_all": runs,
        "ms_per_step": overplay,
        "bare_mesa_ms_per_step": floor,
        "ratio_to_bare_mesa": ratio,
        "tables_ms_per_step": tables,
        "scaling_10000_over_1000": overplay["10000"] / overplay["1000"],
        "bare_mesa_scaling_10000_over_1000": floor["10000"] / floor["1000"],
    }


def report(result: dict[str, Any]) -> str:
    s = result["settings"]
    lines = [
        f"Overplay run-time benchmark (seed {s['seed']}, {s['repeats']} baseline repeat(s), "
        f"{s['steps']} steps x {s['step_repeats']} repeat(s) per size"
        f"{', quick mode' if s['quick'] else ''})",
        "",
        f"first baseline run in this process (loads the compiled loops): "
        f"{result['first_run_s']:.3f} s",
        "full baseline run (incl. construction): "
        f"median {result['baseline_run_s_median']:.3f} s "
        f"(all: {', '.join(f'{x:.3f}' for x in result['baseline_run_s_all'])})",
        "",
        f"{'firms':>8}  {'Overplay ms/step':>17}  {'bare Mesa ms/step':>18}  {'ratio':>8}"
        f"  {'tables on read ms/step':>23}",
    ]
    for key in result["ms_per_step"]:
        lines.append(
            f"{int(key):>8,}  {result['ms_per_step'][key]:>17.3f}  "
            f"{result['bare_mesa_ms_per_step'][key]:>18.4f}  "
            f"{result['ratio_to_bare_mesa'][key]:>8.2f}"
            f"  {result['tables_ms_per_step'][key]:>23.3f}"
        )
    lines += [
        "",
        f"scaling 10,000 / 1,000 firms: Overplay {result['scaling_10000_over_1000']:.2f}x, "
        f"bare Mesa {result['bare_mesa_scaling_10000_over_1000']:.2f}x (10x = linear)",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object only")
    parser.add_argument(
        "--quick", action="store_true", help="smoke mode: 1 repeat of everything, 3 steps per size"
    )
    parser.add_argument(
        "--repeats", type=int, default=None, help="baseline runs (default 5; 1 with --quick)"
    )
    parser.add_argument(
        "--step-repeats",
        type=int,
        default=None,
        help="fresh models per size (default 3; 1 with --quick)",
    )
    parser.add_argument(
        "--steps", type=int, default=None, help="steps timed per model (default 24; 3 with --quick)"
    )
    args = parser.parse_args(argv)
    quick = args.quick
    repeats = args.repeats or (1 if quick else 5)
    step_repeats = args.step_repeats or (1 if quick else 3)
    steps = args.steps or (3 if quick else 24)
    if min(repeats, step_repeats, steps) < 1:
        parser.error("--repeats, --step-repeats and --steps must be at least 1")

    result = measure(repeats, step_repeats, steps)
    result["settings"] = {
        "quick": quick,
        "seed": SEED,
        "repeats": repeats,
        "step_repeats": step_repeats,
        "steps": steps,
        "firm_counts": list(FIRM_COUNTS),
    }
    result["versions"] = versions()
    if args.json:
        sys.stdout.write(json.dumps(result) + "\n")
    else:
        print(report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
