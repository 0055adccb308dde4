"""The ``overplay`` command line.

Exit codes: 0 success, 2 bad input (one ``FILE:LINE: key: message`` line per
problem, no traceback), 1 a problem of the machine (disk, permissions, network: one
line, no traceback).

Everything printed is plain text: names, paths and messages come from users, so rich's
markup (``[bold]``, ``[/]``) and emoji codes (``:100:``) are never interpreted. The model
(and numba with it) is imported only by the commands that need it, so ``--help`` is quick.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from overplay.experiments.cli_base import (
    _load_compiled,
    _name_column,
    _reported,
    app,
    command,
    err,
    out,
)
from overplay.experiments.errors import UserError

if TYPE_CHECKING:
    import pandas as pd


def _overrides(assignments: list[str]) -> list[tuple[str, Any]]:
    from overplay.model.overrides import parse_assignment

    return [parse_assignment(text, i) for i, text in enumerate(assignments, start=1)]


@command()
def run(
    scenario: Annotated[
        str, typer.Argument(help="Bundled scenario name or YAML path.")
    ] = "baseline",
    seed: Annotated[int | None, typer.Option(help="Random seed (default: the scenario's).")] = None,
    years: Annotated[float | None, typer.Option(help="Simulated years.")] = None,
    rounds: Annotated[
        int | None, typer.Option(help="Simulated decision rounds (instead of --years).")
    ] = None,
    firms: Annotated[int | None, typer.Option(help="Number of firm agents.")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a parameter: key.path=value (repeatable)."),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default: results/<scenario>-seed<N>)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or table.")] = False,
) -> None:
    """Run one scenario and write rounds.parquet, actions.csv, summary.json and a manifest."""
    from overplay.experiments.single_run import (
        OUTPUT_FILES,
        check_run_folder,
        run_scenario,
        write_outputs,
    )
    from overplay.model.scenarios import load_scenario

    pairs = _overrides(set_ or [])
    if seed is not None:
        pairs.append(("seed", seed, "--seed"))
    if years is not None:
        pairs.append(("years", years, "--years"))
    if rounds is not None and years is not None:
        raise UserError("--rounds and --years: give one of them, not both")
    if rounds is not None:
        if rounds < 1:
            raise UserError(f"--rounds: {rounds} is not a number of rounds; give 1 or more")
        interval = load_scenario(scenario, pairs).timing.decision_interval_months
        pairs.append(("years", rounds * interval / 12, "--rounds"))
    if firms is not None:
        pairs.append(("firms.count", firms, "--firms"))
    resolved = load_scenario(scenario, pairs)
    target = out_dir or Path("results") / f"{resolved.name}-seed{resolved.seed}"
    check_run_folder(target)
    started = datetime.now(UTC)
    _load_compiled(quiet)
    if quiet:
        result = run_scenario(resolved)
    else:
        with Progress(
            _name_column(),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} months"),
            TimeRemainingColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task(f"{resolved.name} (seed {resolved.seed})", total=resolved.steps)
            result = run_scenario(resolved, progress=lambda n: bar.advance(task, n))
    write_outputs(result, target, started)
    if not quiet:
        _print_summary(result.summary)
        out.print(f"Wrote {target}/ ({', '.join(OUTPUT_FILES)})")
        out.print(f"Figures: overplay plot {target}   Report: overplay report {target}")


def _print_summary(summary: dict[str, Any]) -> None:
    table = Table(
        title=f"{summary['scenario']} · seed {summary['seed']} · "
        f"{summary['start']} → {summary['end']}"
    )
    table.add_column("material")
    table.add_column("China processing share", justify="right")
    table.add_column("China mining share", justify="right")
    table.add_column("peak price ×", justify="right")
    table.add_column("years to processing < 80 %", justify="right")
    table.add_column("non-China processing t/yr", justify="right")
    for name, m in summary["materials"].items():
        years = m["years_to_processing_share_below_80pct"]
        table.add_row(
            name,
            f"{m['china_processing_share_initial']:.1%} → {m['china_processing_share_final']:.1%}",
            f"{m['china_mining_share_initial']:.1%} → {m['china_mining_share_final']:.1%}",
            f"{m['peak_price_multiple']:.1f} ({m['peak_price_date']})",
            "never" if years is None else f"{years:.1f}",
            f"{m['non_china_processing_capacity_initial']:,.0f} → "
            f"{m['non_china_processing_capacity_final']:,.0f}",
        )
    out.print(table)
    players = Table(title="Discounted payoffs (USD m)")
    players.add_column("player")
    players.add_column("payoff", justify="right")
    for name, p in summary["players"].items():
        if name == "china" or name in summary["importers"]:
            players.add_row(name, f"{p['cumulative_payoff']:,.0f}")
    rounds = ", ".join(f"{k} {v}" for k, v in summary["restriction_rounds"].items())
    out.print(players)
    out.print(
        f"Restriction rounds: {rounds}; entrants {summary['entrants']}, exits {summary['exits']}"
    )


@command()
def validate(
    file: Annotated[str, typer.Argument(help="Scenario YAML (or a bundled name).")],
    set_: Annotated[list[str] | None, typer.Option("--set", help="key.path=value")] = None,
) -> None:
    """Check a scenario without running it: exit 0 if valid, 2 with every problem listed."""
    from overplay.model.scenarios import load_scenario

    scenario = load_scenario(file, _overrides(set_ or []))
    out.print(
        f"{file}: valid ({scenario.name}, {scenario.steps} months from {scenario.start}, "
        f"{len(scenario.events)} events)"
    )


@command()
def scenarios() -> None:
    """List the bundled scenarios."""
    from overplay.model.scenario_files import bundled_names
    from overplay.model.scenarios import load_scenario

    table = Table(title="Bundled scenarios")
    table.add_column("name")
    table.add_column("description")
    for name in bundled_names():
        table.add_row(name, load_scenario(name).description)
    out.print(table)


@command()
def strategies(
    role: Annotated[str | None, typer.Option(help="china, importer, firm or producer.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """List the registered strategies."""
    from overplay.agents.strategies import REGISTRY, strategies_for
    from overplay.agents.strategies.base import PLAYER_ROLES

    if role is not None and role not in (*PLAYER_ROLES, "firm", "producer"):
        err.print(f"--role: unknown role {role!r}; choose china, importer, firm or producer")
        raise typer.Exit(2)
    classes = strategies_for(role) if role else [c for _, c in sorted(REGISTRY.items())]
    rows = []
    for cls in classes:  # a role-'any' strategy is listed once per role it can fill
        for filled in ((role,) if role else PLAYER_ROLES) if cls.role == "any" else (cls.role,):
            rows.append(cls.describe() | {"role": filled})
    rows.sort(key=lambda r: (r["role"], r["name"]))
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2, default=str) + "\n")
        return
    table = Table(title="Strategies")
    for column in ("name", "role", "rule"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["name"], row["role"], row["rule"])
    out.print(table)


@command()
def tournament(
    spec: Annotated[Path, typer.Argument(help="Tournament spec YAML.")],
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: results/<spec name>).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or table.")] = False,
) -> None:
    """Round-robin of China's strategies against importer profiles over seeded replicates."""
    from overplay.experiments.result_folder import check_result_folder
    from overplay.experiments.tournament import load_tournament, matches, run_tournament
    from overplay.experiments.tournament_output import print_ranking, write_tournament

    parsed = load_tournament(spec)
    target = out_dir or Path("results") / parsed.name
    check_result_folder(target, "tournament")
    started = datetime.now(UTC)
    total = len(matches(parsed, spec))
    _load_compiled(quiet)
    if quiet:
        tables = run_tournament(parsed, spec, workers)
    else:
        with Progress(
            _name_column(),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} matches"),
            TimeRemainingColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task(f"{parsed.name} ({workers} worker(s))", total=total)
            tables = run_tournament(parsed, spec, workers, progress=lambda n: bar.advance(task, n))
    write_tournament(tables, parsed, target, started, workers)
    if not quiet:
        print_ranking(tables["ranking"], out)
        out.print(f"Wrote {target}/ ({', '.join(sorted(tables))}.parquet, manifest.json)")


@command()
def equilibrium(
    spec: Annotated[Path, typer.Argument(help="Equilibrium spec YAML.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
    workers: Annotated[int, typer.Option(min=1, help="Workers for the tournament.")] = 1,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Also write tables here (default: results/<spec name>)."),
    ] = None,
) -> None:
    """Nash equilibria of the stage game at a model state, of the meta-game over
    strategies, and across discount factors."""
    from overplay.experiments.equilibrium import as_json as to_json
    from overplay.experiments.equilibrium import load_equilibrium, run_equilibrium
    from overplay.experiments.equilibrium_output import print_equilibria, write_equilibrium
    from overplay.experiments.result_folder import check_result_folder

    parsed = load_equilibrium(spec)
    target = out_dir or Path("results") / parsed.name
    check_result_folder(target, "equilibrium")
    started = datetime.now(UTC)
    _load_compiled(as_json)
    if as_json:
        result = run_equilibrium(parsed, spec, workers)
    else:
        with Progress(
            _name_column(),
            BarColumn(),
            TextColumn("{task.completed} simulations"),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task(parsed.name, total=None)
            result = run_equilibrium(parsed, spec, workers, progress=lambda n: bar.advance(task, n))
    document = to_json(result)
    write_equilibrium(result, document, target, started)
    if as_json:
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        print_equilibria(document, out)
        out.print(f"Wrote {target}/")


def _rate(bar: Progress, task: Any) -> str:
    speed = bar.tasks[task].speed
    return f"{speed:.1f} runs/s" if speed else ""


@command()
def sweep(
    spec: Annotated[Path, typer.Argument(help="Sweep spec YAML.")],
    workers: Annotated[int | None, typer.Option(min=1, help="Workers (default: cores).")] = None,
    executor: Annotated[str, typer.Option(help="serial, processes or dask.")] = "processes",
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Dask scheduler address (tcp://HOST:PORT) instead of a local cluster "
            "(10 s connection timeout)."
        ),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: results/<spec name>).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Run again the runs stored as failed.")
    ] = False,
) -> None:
    """A designed batch of runs, streamed to disk; re-run the same command to resume."""
    if executor not in ("serial", "processes", "dask"):
        err.print(f"--executor: unknown executor {executor!r}; choose serial, processes or dask")
        raise typer.Exit(2)
    if scheduler and executor != "dask":
        err.print("--scheduler needs --executor dask")
        raise typer.Exit(2)
    _run_sweep_file(spec, out_dir, executor, workers, scheduler, quiet, retry_failed)


def _run_sweep_file(
    spec: Path,
    out_dir: Path | None,
    executor: str,
    workers: int | None,
    scheduler: str | None,
    quiet: bool,
    retry_failed: bool = False,
) -> Path:
    """Validate and run a sweep spec with a progress bar; the output folder."""
    from overplay.experiments.sweep.runner import run_sweep
    from overplay.experiments.sweep.spec import load_sweep

    parsed = load_sweep(spec)
    target = out_dir or Path("results") / parsed.name
    _load_compiled(quiet)
    try:
        if quiet:
            table = run_sweep(
                parsed, spec, target, executor, workers, scheduler, retry_failed=retry_failed
            )
        else:
            bar = Progress(
                _name_column(),
                BarColumn(),
                TextColumn("{task.completed}/{task.total} runs"),
                TextColumn("{task.fields[rate]}"),
                TimeRemainingColumn(),
                console=err,
            )
            task = bar.add_task(parsed.name, total=None, rate="")

            def advance(done: int, total: int) -> None:
                # shown from the runner's first report: a refused sweep draws no bar
                if not bar.live.is_started:
                    bar.start()
                bar.update(task, completed=done, total=total, rate=_rate(bar, task))

            try:
                table = run_sweep(
                    parsed,
                    spec,
                    target,
                    executor,
                    workers,
                    scheduler,
                    progress=advance,
                    retry_failed=retry_failed,
                )
            finally:
                bar.stop()
    except KeyboardInterrupt:
        err.print(
            f"interrupted: finished runs are in {target}/parts; run the same "
            "command again to finish the rest"
        )
        raise typer.Exit(130) from None
    failed = int((table["status"] != "ok").sum()) if len(table) else 0
    out.print(f"{len(table)} runs ({failed} failed) in {target}/runs.parquet")
    return target


@command()
def compare(
    scenarios: Annotated[list[str], typer.Argument(help="Bundled names or YAML paths.")],
    seeds: Annotated[int, typer.Option(min=1, help="Runs per scenario (common seeds).")] = 20,
    seed: Annotated[int, typer.Option(min=0, help="Root seed.")] = 2026,
    years: Annotated[float | None, typer.Option(help="Simulated years.")] = None,
    firms: Annotated[int | None, typer.Option(min=1, help="Firm agents per run.")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Workers (default: cores).")] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: results/compare-<names>).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Run scenarios over the same seeds, keep every step, and draw the comparison
    (and, for scenarios with observed facts, the history figure)."""
    import yaml

    from overplay.experiments.analysis import compare_table
    from overplay.experiments.plots import plot_folder
    from overplay.experiments.single_run import atomic_write
    from overplay.experiments.sweep.comparison import comparison_spec
    from overplay.experiments.sweep.store import check_sweep_folder
    from overplay.model.scenarios import load_scenario

    for name in scenarios:
        load_scenario(name)  # every located problem, before anything is written
    data = comparison_spec(scenarios, seeds, seed, years, firms)
    target = out_dir or Path("results") / data["name"]
    check_sweep_folder(target)  # before compare.yaml is written into it
    target.mkdir(parents=True, exist_ok=True)
    spec_file = target / "compare.yaml"
    text = yaml.safe_dump(data, sort_keys=False)
    if not spec_file.is_file() or spec_file.read_text(encoding="utf-8") != text:
        # only a different comparison changes it, and the sweep then refuses to resume
        atomic_write(spec_file, lambda p: p.write_text(text, encoding="utf-8"))
    _run_sweep_file(spec_file, target, "processes", workers, None, quiet)
    written = plot_folder(target)
    _print_comparison(compare_table(target), f"Mean over {seeds} common seeds [95 % interval]")
    out.print(f"Wrote {len(written)} figure file(s) to {target / 'figures'}/")


def _cell(value: Any) -> str:
    """A table cell: NaN as a dash, large numbers with thousands separators."""
    import numpy as np

    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return "–"
        return f"{value:,.0f}" if abs(value) >= 1e4 else f"{value:.4g}"
    return str(value)


def _print_comparison(table: pd.DataFrame, title: str) -> None:
    """One row per outcome, one column per scenario (design point): mean [95 % band]."""
    stats = (
        "outcome",
        "runs",
        "n",
        "mean",
        "std",
        "ci_low",
        "ci_high",
        "repeats",
        "reached",
        "reached_share",
    )
    inputs = [c for c in table.columns if c not in stats]
    labels = table[inputs].astype(str).agg(" / ".join, axis=1) if inputs else table["runs"]
    cells = table.assign(
        point=labels,
        cell=[
            f"{_cell(m)} [{_cell(lo)}, {_cell(hi)}]" if m == m else "–"
            for m, lo, hi in zip(table["mean"], table["ci_low"], table["ci_high"], strict=True)
        ],
    )
    grid = cells.pivot(index="outcome", columns="point", values="cell")
    grid = grid.loc[list(dict.fromkeys(table["outcome"]))]
    _print_frame(grid.reset_index(), title, split=False)


def _print_frame(frame: pd.DataFrame, title: str, split: bool = True) -> None:
    """A table per outcome (narrow enough for a terminal), names never cut short."""
    if split and "outcome" in frame.columns and frame["outcome"].nunique() > 1:
        for outcome, rows in frame.groupby("outcome", sort=False):
            _print_frame(rows.drop(columns="outcome"), f"{title}: {outcome}")
        return
    table = Table(title=title)
    for column in frame.columns:
        numeric = frame[column].dtype.kind in "iufc"
        table.add_column(str(column), justify="right" if numeric else "left", no_wrap=not numeric)
    for row in frame.itertuples(index=False):
        table.add_row(*(_cell(v) for v in row))
    out.print(table)


@command("analyze")
def analyze_command(
    folder: Annotated[Path, typer.Argument(help="A sweep's output folder.")],
    method: Annotated[
        str | None,
        typer.Option(help="sobol, morris (need that design), prim or curve (any design)."),
    ] = None,
    outcome: Annotated[
        list[str] | None,
        typer.Option(
            help="Outcome to analyse (repeatable; default: every numeric outcome; prim: "
            "exactly one)."
        ),
    ] = None,
    below: Annotated[float | None, typer.Option(help="prim: the condition is outcome < X.")] = None,
    above: Annotated[float | None, typer.Option(help="prim: the condition is outcome > X.")] = None,
    min_density: Annotated[
        float | None, typer.Option(help="prim: density the chosen box must reach (default 0.8).")
    ] = None,
    x: Annotated[
        str | None,
        typer.Option(help="curve: input on the figure's x axis (default: the first lever)."),
    ] = None,
    hue: Annotated[
        str | None,
        typer.Option(
            help="curve: input that splits the figure's lines (default: the second lever)."
        ),
    ] = None,
    by: Annotated[
        list[str] | None,
        typer.Option(help="curve: group by these inputs instead of the levers (repeatable)."),
    ] = None,
) -> None:
    """Sensitivity indices (sobol, morris), scenario discovery (prim) or the overuse
    curve (curve) of a finished sweep; tables and figures go to DIR/analysis/."""
    from overplay.experiments.analysis import METHODS, analyze

    if method is None:
        err.print(f"--method: give one of {', '.join(METHODS)}")
        raise typer.Exit(2)
    result = analyze(
        folder,
        method,
        outcome,
        below=below,
        above=above,
        min_density=min_density,
        x=x,
        hue=hue,
        by=by,
    )
    _print_frame(result.table, f"{method} · {folder}")
    for name, frame in result.tables.items():
        if name != result.main and method == "prim":
            _print_frame(frame, "peeling trajectory")
    for note in result.notes:
        out.print(f"note: {note}")
    if result.files:
        out.print(f"Wrote {len(result.files)} file(s) to {result.files[0].parent}/")


@command("plot")
def plot_command(
    folder: Annotated[
        Path, typer.Argument(help="A result folder (run, sweep, tournament, equilibrium).")
    ],
    fmt: Annotated[
        list[str] | None,
        typer.Option("--format", help="png and/or svg (repeatable; default both)."),
    ] = None,
) -> None:
    """Draw every figure for the result in FOLDER into FOLDER/figures."""
    from overplay.experiments.plots import plot_folder

    formats = fmt or ["png", "svg"]
    wrong = sorted(set(formats) - {"png", "svg"})
    if wrong:
        err.print(f"--format: unknown format(s) {', '.join(wrong)}; choose png or svg")
        raise typer.Exit(2)
    written = plot_folder(folder, formats)
    out.print(f"Wrote {len(written)} file(s) to {folder / 'figures'}/")


@command("report")
def report_command(
    folder: Annotated[
        Path, typer.Argument(help="A result folder (run, sweep, tournament, equilibrium).")
    ],
) -> None:
    """Write FOLDER/report.html: one self-contained page to hand out or print."""
    from overplay.experiments.report import write_report

    path = write_report(folder)
    out.print(f"Wrote {path}")


# These modules register their commands on the app: history (calibrate,
# validate-history, ...) and classroom (dashboard).
from overplay.experiments import cli_classroom, cli_history  # noqa: E402, F401


def main() -> None:
    """Console-script entry point: user mistakes exit 2 and machine problems exit 1, in
    one line each, without a traceback (also for errors raised while typer parses)."""
    try:
        app()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:
        code = _reported(exc)
        if code is None:
            raise
        sys.exit(code)


if __name__ == "__main__":
    main()
