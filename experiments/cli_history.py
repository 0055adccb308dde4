"""The history commands: ``overplay calibrate`` (fit to the facts of the fit window)
and ``overplay validate-history`` (every fact, in and out of sample, against the
calibrated ensemble). Registered on :mod:`overplay.experiments.cli`'s app."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from overplay.experiments.cli_base import _load_compiled, _name_column, command, err, out

if TYPE_CHECKING:
    import pandas as pd

EnsembleOption = Annotated[
    Path | None, typer.Option(help="Ensemble CSV (default: the bundled calibrated ensemble).")
]
SpecOption = Annotated[
    Path | None,
    typer.Option(help="The calibration spec the ensemble was fitted with (default: bundled)."),
]
WorkersOption = Annotated[int, typer.Option(min=1, help="Worker processes.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
SetsOption = Annotated[
    int | None, typer.Option(min=1, help="Parameter sets used: the first N (default: all).")
]


def _counter(name: str, unit: str, hidden: bool) -> tuple[Progress, Callable[[int, int], None]]:
    """A progress bar counting ``unit`` and the callback that advances it."""
    bar = Progress(
        _name_column(),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} " + unit),
        TimeElapsedColumn(),
        console=err,
        disable=hidden,
    )
    task = bar.add_task(name, total=None)
    return bar, lambda done, total: bar.update(task, completed=done, total=total)


@command()
def calibrate(
    spec: Annotated[Path, typer.Argument(help="Calibration spec YAML.")],
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Fit folder (default: results/calibration-<spec name>)."),
    ] = None,
    workers: WorkersOption = 1,
    tiny: Annotated[
        bool, typer.Option("--tiny", help="The spec's tiny budget (a smoke test, minutes).")
    ] = False,
    restart: Annotated[
        bool, typer.Option("--restart", help="Start over instead of resuming a stopped fit.")
    ] = False,
    quiet: QuietOption = False,
) -> None:
    """Fit the spec's parameters to the facts of its fit window (ABC-SMC); re-run the
    same command to resume. Writes the ensemble, the point estimate and a manifest."""
    from overplay.experiments.validation.calibration_spec import load_calibration

    parsed, facts = load_calibration(spec)
    try:
        from overplay.experiments.validation.calibrate import ENSEMBLE, POINT, calibrate
    except ModuleNotFoundError as missing:
        err.print(f"overplay calibrate needs {missing.name}: pip install 'overplay[calibration]'")
        raise typer.Exit(1) from None
    target = out_dir or Path("results") / f"calibration-{parsed.name}"
    _load_compiled(quiet)
    budget = parsed.tiny_budget if tiny else parsed.budget
    bar = Progress(
        _name_column(),
        BarColumn(),
        TextColumn("generation {task.fields[generation]}/{task.total}"),
        TextColumn("{task.fields[runs]} runs"),
        TimeElapsedColumn(),
        console=err,
        disable=quiet,
    )
    task = bar.add_task(parsed.name, total=budget.generations, generation=0, runs=0)
    runs = 0

    def advance(generation: int, evaluated: int) -> None:
        nonlocal runs
        runs += evaluated * parsed.seeds_per_particle
        bar.update(task, completed=max(generation, 0), generation=generation + 1, runs=runs)

    with bar:
        try:
            result = calibrate(
                parsed,
                facts,
                target,
                tiny=tiny,
                workers=workers,
                restart=restart,
                progress=advance,
                log_generations=not quiet and not err.is_terminal,
            )
        except KeyboardInterrupt:
            err.print(
                f"interrupted: complete generations are in {target}; run the same "
                "command again to resume"
            )
            raise typer.Exit(130) from None
        bar.update(task, completed=budget.generations, generation=result.generations)
    out.print(
        f"{result.generations} generation(s), {result.simulations} particles proposed "
        f"({result.simulations * parsed.seeds_per_particle} runs), epsilon "
        f"{result.epsilon:.3f} (stops at {budget.minimum_epsilon}); the last generation's "
        f"weights are worth {result.effective_sample_size:.1f} equally weighted particles"
    )
    if result.effective_sample_size < budget.population_size / 10:
        err.print(
            "warning: the posterior weights are concentrated on a few particles, so the "
            "point estimate (a weighted median) rests on them; widen the budget or see "
            "docs/validation.md"
        )
    for name, value in result.point.items():
        out.print(f"  {name} = {value:.4g}")
    out.print(f"Wrote {target}/ ({ENSEMBLE}, {POINT}, manifest.json, abc.db)")


@command("validate-history")
def validate_history_command(
    ensemble: EnsembleOption = None,
    spec: SpecOption = None,
    seeds: Annotated[int, typer.Option(min=1, help="Seeds per parameter set.")] = 3,
    workers: WorkersOption = 1,
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path(
        "results/validate-history"
    ),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print only a JSON list, one object per fact.")
    ] = False,
    quiet: QuietOption = False,
) -> None:
    """Run the calibrated ensemble over 2009-2025 and read every fact, in and out of
    sample, against its declared tolerance; misses are listed, not hidden."""
    import json

    from overplay.experiments.validation.validate import json_rows, prepare, validate_history

    inputs = prepare(spec, ensemble)
    _load_compiled(quiet or as_json)
    bar, advance = _counter("validate-history", "runs", quiet or as_json)
    with bar:
        table, patterns = validate_history(
            inputs,
            seeds,
            out_dir,
            workers=workers,
            progress=advance,
        )
    if as_json:
        print(json.dumps(json_rows(table), indent=1))
        return
    _print_validation(table, patterns)
    out.print(f"Wrote {out_dir}/ (facts.parquet, validation.json, patterns.parquet, runs.parquet)")
    out.print(f"Figures: overplay plot {out_dir}   Report: overplay report {out_dir}")


def _figure(value: float) -> str:
    """Tonnes with thousands separators, shares and multiples to three digits."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _print_validation(table: pd.DataFrame, patterns: pd.DataFrame) -> None:
    from rich.table import Table

    for sample, title in (("in", "In sample (fitted window)"), ("out", "Out of sample")):
        rows = table[table["sample"] == sample]
        view = Table(title=f"{title}: {int(rows['within_tolerance'].sum())}/{len(rows)} within")
        for column in ("fact", "observed", "median", "90 % band", "tolerance", "within"):
            view.add_column(column, justify="left" if column == "fact" else "right")
        for row in rows.itertuples():
            tolerance = (
                f"±{row.tolerance:.0%}"
                if row.tolerance_kind == "relative"
                else f"±{row.tolerance:g}"
            )
            view.add_row(
                row.fact + ("" if row.fitted or sample == "out" else " (not fitted)"),
                _figure(row.observed),
                _figure(row.median),
                f"{_figure(row.band_low)} – {_figure(row.band_high)}",
                tolerance,
                "yes" if row.within_tolerance else "MISS",
            )
        out.print(view)
    misses = table[~table["within_tolerance"]]
    if len(misses):
        out.print("Misses: " + ", ".join(misses["fact"]))
    checks = Table(title="Pattern checks (runs that show each pattern)")
    for column in ("pattern", "runs", "first run"):
        checks.add_column(column)
    for row in patterns.itertuples():
        checks.add_row(row.pattern, f"{row.runs_passed}/{row.runs}", row.measured_first_run)
    out.print(checks)


@command("revealed-preference")
def revealed_preference_command(
    ensemble: EnsembleOption = None,
    spec: SpecOption = None,
    sets: SetsOption = None,
    seeds: Annotated[int, typer.Option(min=1, help="Seeds per parameter set.")] = 2,
    workers: WorkersOption = 1,
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path(
        "results/revealed-preference"
    ),
    quiet: QuietOption = False,
) -> None:
    """Which of China's unmeasured payoff weights make a best-responding China choose
    as China did at the sources' decision points (2010, 2014, April and November 2025)."""
    from rich.table import Table

    from overplay.experiments.validation.revealed_output import revealed_preference
    from overplay.experiments.validation.validate import prepare

    inputs = prepare(spec, ensemble)
    _load_compiled(quiet)
    bar, advance = _counter("revealed-preference", "decision states", quiet)
    with bar:
        _, brief = revealed_preference(
            inputs,
            sets,
            seeds,
            out_dir,
            workers=workers,
            progress=advance,
        )
    view = Table(title="The weight region: sets that get the most decision points right")
    view.add_column("")
    for strategy in brief["strategy"]:
        view.add_column(strategy)
    for field in brief.columns.drop("strategy"):
        view.add_row(field, *(str(v) for v in brief[field]))
    out.print(view)
    out.print(f"Wrote {out_dir}/ (region.parquet, summary.parquet, decisions.parquet)")
    out.print(f"Figures: overplay plot {out_dir}   Report: overplay report {out_dir}")


@command()
def findings(
    region: Annotated[
        Path,
        typer.Option(help="A revealed-preference folder: its weight region weighs China's payoff."),
    ] = Path("results/revealed-preference"),
    strategy: Annotated[
        str, typer.Option(help="Whose region: look_ahead_best_response or myopic_best_response.")
    ] = "look_ahead_best_response",
    min_confidence: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Only the region's weight sets that stay in it in at least this share of "
            "resamples of the parameter sets (0: the whole region; 0.9: its robust core).",
        ),
    ] = 0.0,
    sweep: Annotated[
        Path | None, typer.Option(help="The overuse design (default: the bundled overuse.yaml).")
    ] = None,
    ensemble: EnsembleOption = None,
    spec: SpecOption = None,
    sets: SetsOption = None,
    seeds: Annotated[int, typer.Option(min=1, help="Seeds per parameter set.")] = 3,
    workers: WorkersOption = 1,
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path(
        "results/findings"
    ),
    quiet: QuietOption = False,
) -> None:
    """The overuse study over the calibrated ensemble, China's payoff weighed by the
    identified weight region: when restriction pays China, and what it costs its share."""
    from overplay.experiments.validation.answer_output import findings as run_findings
    from overplay.experiments.validation.validate import prepare

    inputs = prepare(spec, ensemble)
    _load_compiled(quiet)
    bar, advance = _counter("findings", "runs", quiet)
    with bar:
        table = run_findings(
            inputs,
            region,
            strategy,
            min_confidence,
            sweep,
            sets,
            seeds,
            out_dir,
            workers=workers,
            progress=advance,
        )
    shown = table[["label", "payoff_gain_median", "pays_share"]].copy()
    shown["payoff_gain_median"] = shown["payoff_gain_median"].map(lambda v: f"{v:,.0f}")
    shown["pays_share"] = shown["pays_share"].map(lambda v: f"{v:.0%}")
    from rich.table import Table

    view = Table(title="China's payoff gain over never restricting (USD m, median)")
    for column in ("design point", "gain", "cases it pays"):
        view.add_column(column)
    for row in shown.itertuples(index=False):
        view.add_row(*row)
    out.print(view)
    out.print(f"Wrote {out_dir}/ (effects.parquet, runs.parquet, weights.parquet)")
