"""Analysis of a finished sweep folder: sensitivity indices, scenario discovery, curves.

Four methods, each reading what ``overplay sweep`` wrote (``manifest.json``,
``spec.resolved.yaml``, ``design.parquet``, ``runs.parquet``) and writing its tables
(Parquet) and figures (PNG, drawn by ``experiments.plots.sensitivity`` and ``.curve``,
which ``overplay plot`` also uses) into ``DIR/analysis/``:

``sobol``
    Variance-based indices (SALib, Saltelli/Jansen estimators) from a sobol design.
    Replicates are averaged per design point, so the indices apportion the variance of
    the *expected* outcome; seed noise that survives the averaging shows up as spurious
    index mass and wide confidence intervals.
``morris``
    Elementary-effects screening (SALib) from a morris design; the unit-cube matrix is
    rebuilt from the design's values.
``prim``
    Scenario discovery (PRIM, Friedman & Fisher 1999, in the EMA Workbench's
    implementation): which box of inputs concentrates the runs in which a condition on
    an outcome holds, e.g. "China's processing share ends below 80 %".
``curve``
    The "overuse curve": mean outcome and its 95 % t-interval for each combination of
    the levers, with the share of runs that reached a threshold for the
    years-to-threshold outcomes.

Design points that repeat another point's runs exactly — the same seed and the same
value of every outcome, replicate by replicate, as when a lever ignores an input it is
crossed with — are not independent observations: the curve (and every table made by
:func:`summarise`) counts each such run once and says how many it left out.

Bad input (unknown method or outcome, a folder that is not a finished sweep or is
damaged, a design the method cannot use) raises :class:`AnalysisError`, a
:class:`~experiments.errors.UserError` whose message says what to do; the command line
turns it into one line on stderr and exit 2.
"""

from __future__ import annotations

import functools
import math
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from pydantic import ValidationError

from overplay.experiments.errors import UserError
from overplay.experiments.outcomes import is_outcome, threshold_of
from overplay.experiments.plots import curve, files, heatmap, sensitivity
from overplay.experiments.plots.theme import save, themed
from overplay.experiments.single_run import atomic_write
from overplay.experiments.stats import CONF_LEVEL, t_interval
from overplay.experiments.sweep.spec import Parameter, category_key

METHODS = ("sobol", "morris", "prim", "curve")
#: Column :func:`summarise` reads, when present, to count repeated runs once: the first
#: design point whose runs each run's point repeats (itself if none).
SAME_RUNS_AS = "same_runs_as"
RUN_COLUMNS = ("run_id", "point_id", "replicate", "seed", "status", "error", SAME_RUNS_AS)
YEARS_PREFIX = "years_to_"

#: Options each method accepts (beyond ``outcomes``); ``write`` is common to all.
OPTIONS: dict[str, tuple[str, ...]] = {
    "sobol": ("num_resamples", "conf_level", "seed"),
    "morris": ("num_resamples", "conf_level", "seed"),
    "prim": ("below", "above", "min_density", "peel_alpha", "mass_min"),
    "curve": ("by", "x", "hue", "conf_level"),
}


#: What to do about a damaged sweep folder.
REDO = (
    "the folder is damaged or incomplete: run the same `overplay sweep` command again "
    "(it rewrites the spec and design files and keeps the finished runs)"
)

#: Options that are also ``overplay analyze`` flags (named in error messages).
FLAGS = ("outcome", "below", "above", "min_density", "by", "x", "hue")


class AnalysisError(UserError):
    """A request the sweep folder cannot answer; the message says how to fix it."""


@dataclass
class Sweep:
    """What an analysis needs from a sweep folder, read once and checked."""

    folder: Path
    manifest: dict[str, Any]
    spec: dict[str, Any]
    inputs: list[Parameter]
    levers: list[str]
    design: pd.DataFrame
    runs: pd.DataFrame

    @property
    def method(self) -> str:
        """The design method (the spec's, which the manifest repeats)."""
        return str(self.spec.get("design", {}).get("method", self.manifest.get("design")))

    @property
    def names(self) -> list[str]:
        """Input names in the stored SALib problem's (column) order."""
        return [p.name for p in self.inputs]

    @property
    def replicates(self) -> int:
        """Seeds per design point, to tell a complete sweep from a partial one."""
        return int(self.spec.get("replicates", 1))

    @property
    def seed(self) -> int:
        """The sweep's root seed, reused for bootstrap intervals so they reproduce."""
        return int(self.spec.get("seed", 0))

    @functools.cached_property
    def same_runs_as(self) -> pd.Series:
        """Design point → the first point whose runs it repeats exactly (itself if
        none): the same seed and the same value of every outcome, replicate by
        replicate. Such points are not independent observations."""
        runs = self.runs.sort_values(["point_id", "replicate"], kind="stable")
        keys = ["replicate", "seed", "status", *self.outcome_columns]
        hashes = pd.util.hash_pandas_object(runs[keys], index=False).astype(str)
        signatures = hashes.groupby(runs["point_id"].to_numpy()).agg(" ".join)
        first: dict[str, int] = {}
        return pd.Series(
            {
                int(point): first.setdefault(signature, int(point))
                for point, signature in signatures.items()
            },
            name=SAME_RUNS_AS,
        )

    def repeats_note(self) -> str | None:
        """What :attr:`same_runs_as` found, with the first example, for notes."""
        same = self.same_runs_as
        repeated = same[same.index != same.to_numpy()]
        if repeated.empty:
            return None
        point, original = int(repeated.index[0]), int(repeated.iloc[0])
        return (
            f"{len(repeated)} of {len(same)} design points repeat an earlier point's "
            f"runs exactly (same seeds, same outcomes: an input they vary has no effect "
            f"there), e.g. {self.describe(point)} repeats {self.describe(original)}; "
            "each repeated run is counted once in means and intervals"
        )

    def describe(self, point: int) -> str:
        """A design point by its inputs (``point 6 (instrument = ban, ...)``)."""
        row = self.design.set_index("point_id").loc[point, self.names]
        values = ", ".join(
            f"{name} = {value}"
            for name, value in row.items()
            if not (isinstance(value, float) and math.isnan(value))
        )
        return f"point {point} ({values})"

    def with_repeats_marked(self, runs: pd.DataFrame) -> pd.DataFrame:
        """``runs`` with the :data:`SAME_RUNS_AS` column :func:`summarise` reads."""
        return runs.assign(**{SAME_RUNS_AS: runs["point_id"].map(self.same_runs_as)})

    @property
    def outcome_columns(self) -> list[str]:
        """Numeric outcome columns of runs.parquet: the spec's outcomes in its order,
        then any other numeric column that is neither an input nor run bookkeeping."""
        kept = [c for c in self.spec.get("outcomes", []) if c in self.runs.columns]
        skip = {*RUN_COLUMNS, *self.names, *kept}
        extra = [c for c in self.runs.columns if c not in skip]
        return [c for c in [*kept, *extra] if pd.api.types.is_numeric_dtype(self.runs[c])]


@dataclass
class AnalysisResult:
    """The tables of one analysis (``main`` is the one to show first), the files
    written, notes on what was skipped or chosen, and its figures as (file stem,
    figure), drawn on demand (``overplay plot`` draws them without writing tables)."""

    method: str
    main: str
    tables: dict[str, pd.DataFrame]
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    draw: Callable[[], list[tuple[str, Figure]]] = field(default=lambda: [], repr=False)

    @property
    def table(self) -> pd.DataFrame:
        """The main table (what the command line prints)."""
        return self.tables[self.main]


# ---------------------------------------------------------------------------------------
# entry point


def analyze(
    folder: str | Path, method: str, outcomes: Sequence[str] | None = None, **options: Any
) -> AnalysisResult:
    """Analyse the sweep in ``folder`` with ``method`` and write the results to
    ``folder/analysis/``.

    One entry point for the command line and notebooks, so both check input the same
    way: the method and options are validated before anything is read, and every
    problem raises :class:`AnalysisError` with a message that says what to do.
    ``options`` are method-specific (see :data:`OPTIONS`); ``None`` values are ignored,
    so the command line can pass every flag. ``write=False`` skips the files.
    """
    write = bool(options.pop("write", True))
    given = _options(method, options)
    sweep = load_sweep_folder(Path(folder))
    result = run_method(sweep, method, outcomes, **given)
    if write:
        target = sweep.folder / "analysis"
        target.mkdir(exist_ok=True)
        for name, table in result.tables.items():
            path = target / f"{name}.parquet"
            atomic_write(path, lambda p, t=table: t.to_parquet(p, index=False))
            result.files.append(path)
        with themed():
            for stem, figure in result.draw():
                result.files += save(figure, target, stem, formats=("png",))
    return result


def run_method(
    sweep: Sweep, method: str, outcomes: Sequence[str] | str | None = None, **options: Any
) -> AnalysisResult:
    """``method`` on a sweep already read (``overplay plot`` reads the folder once for
    all its figures); nothing is written."""
    given = _options(method, options)
    requested = [outcomes] if isinstance(outcomes, str) else list(outcomes or [])
    for name in requested:
        _check_outcome(sweep, name)
    runner: dict[str, Callable[..., AnalysisResult]] = {
        "sobol": _sobol,
        "morris": _morris,
        "prim": _prim,
        "curve": _curve,
    }
    return runner[method](sweep, requested, **given)


def _options(method: str, options: dict[str, Any]) -> dict[str, Any]:
    """The options given (``None`` and empty ones dropped), refused when the method
    does not take them."""
    if method not in METHODS:
        raise AnalysisError(
            f"--method: unknown method {method!r}; choose "
            f"{', '.join(METHODS[:-1])} or {METHODS[-1]}"
        )
    given = {k: v for k, v in options.items() if v is not None and v != [] and v != ()}
    wrong = sorted(set(given) - set(OPTIONS[method]))
    if wrong:
        allowed = ", ".join(_flag(o) for o in ("outcome", *OPTIONS[method]) if o in FLAGS)
        raise AnalysisError(
            f"{', '.join(map(_flag, wrong))}: does not apply to --method "
            f"{method} (it takes {allowed})"
        )
    return given


def _flag(option: str) -> str:
    """An option as the command line spells it, so messages match what users typed."""
    return f"--{option.replace('_', '-')}"


# ---------------------------------------------------------------------------------------
# reading a sweep folder


def load_sweep_folder(folder: Path) -> Sweep:
    """Read and cross-check a sweep folder, so each method can trust what it gets.

    Refuses (with what to do) a path that is not a sweep folder, a sweep that has not
    finished, a damaged file (each named), and a design table whose columns disagree
    with the stored problem.
    """
    if not folder.is_dir():
        what = "not a folder" if folder.exists() else "no such folder"
        raise AnalysisError(f"{folder}: {what}; give the --out folder of `overplay sweep`")
    manifest_file = folder / "manifest.json"
    if not manifest_file.exists():
        raise AnalysisError(
            f"{folder}: not a sweep folder (no manifest.json); give the "
            "--out folder of `overplay sweep`"
        )
    manifest = files.json_mapping(manifest_file, AnalysisError, REDO)
    if manifest.get("kind") != "sweep":
        raise AnalysisError(
            f"{folder}: holds a {manifest.get('kind', 'unknown')!r} output, "
            "not a sweep; give the --out folder of `overplay sweep`"
        )
    for name in ("spec.resolved.yaml", "design.parquet"):
        if not (folder / name).exists():
            raise AnalysisError(f"{folder}: {name} is missing; {REDO}")
    if not (folder / "runs.parquet").exists() or manifest.get("status") != "completed":
        raise AnalysisError(
            f"{folder}: the sweep has not finished (no consolidated "
            "runs.parquet); run the same `overplay sweep` command again "
            "to finish it"
        )
    spec = files.yaml_mapping(folder / "spec.resolved.yaml", AnalysisError, REDO)
    inputs: list[Parameter] = []
    levers: list[str] = []
    for section in ("uncertainties", "levers"):
        raws = spec.get(section) or []
        for i, raw in enumerate(raws if isinstance(raws, list) else [raws]):
            try:
                inputs.append(Parameter.model_validate(raw))
            except ValidationError as exc:
                raise AnalysisError(
                    f"{folder}/spec.resolved.yaml: {section}.{i}: {exc.errors()[0]['msg']}"
                ) from None
            if section == "levers":
                levers.append(inputs[-1].name)
    names = [p.name for p in inputs]
    design = files.table(folder / "design.parquet", AnalysisError, REDO, ("point_id",))
    runs = files.table(
        folder / "runs.parquet",
        AnalysisError,
        REDO,
        ("run_id", "point_id", "replicate", "seed", "status", "error"),
    )
    problem = manifest.get("problem")
    problem_names = list(problem.get("names", names)) if isinstance(problem, dict) else names
    if problem_names != names:
        raise AnalysisError(
            f"{folder}: manifest problem names {problem_names} differ from "
            f"the spec's inputs {names}; the folder was edited by hand"
        )
    missing = [n for n in names if n not in design.columns]
    if missing:
        raise AnalysisError(f"{folder}/design.parquet: missing column(s) {missing}")
    if list(design["point_id"]) != list(range(len(design))):
        raise AnalysisError(
            f"{folder}/design.parquet: point_id is not 0..{len(design) - 1} "
            "in order, so the SALib sample order is lost"
        )
    return Sweep(folder, manifest, spec, inputs, levers, design, runs)


def _check_outcome(sweep: Sweep, name: str) -> None:
    """Unknown outcome names and outcomes the sweep did not keep are different mistakes
    with different fixes, so they get different messages."""
    kept = sweep.outcome_columns
    if not is_outcome(name) and name not in kept:
        raise AnalysisError(
            f"--outcome: unknown outcome {name!r}; this sweep has: {', '.join(kept)}"
        )
    if name not in sweep.runs.columns:
        raise AnalysisError(
            f"--outcome: {name!r} was not kept by this sweep; add it to "
            f"the spec's outcomes and re-run, or choose one of: "
            f"{', '.join(kept)}"
        )


def _is_years(outcome: str) -> bool:
    """Years-to-threshold outcomes are NaN when never reached: they need shares."""
    return outcome.startswith(YEARS_PREFIX)


def _never_reached(outcome: str) -> str:
    """Why a years-to-threshold outcome has no value, and what to ask for instead."""
    threshold = threshold_of(outcome)
    if threshold is None:
        return " (NaN where the threshold was never reached)"
    percent = round(threshold * 100)
    share = outcome.removeprefix("years_to_")
    higher = outcome.replace(f"_{percent}pct_", f"_{min(percent + 15, 99)}pct_")
    return (
        f" (NaN where the share never fell below {percent} %; analyse {share} instead, "
        f"or keep a higher threshold such as {higher})"
    )


def _require_design(sweep: Sweep, method: str) -> None:
    """Sobol and Morris estimators only make sense on their own sampling designs."""
    if sweep.method != method:
        raise AnalysisError(
            f"--method {method} needs a sweep with design.method: {method} "
            f"(this one is {sweep.method}); run a {method} design, or use "
            "--method prim or curve, which take any design"
        )


def _successful(sweep: Sweep, notes: list[str]) -> pd.DataFrame:
    """The runs that finished; how many failed goes into ``notes`` (PRIM and the curve
    use what there is, unlike the indices, which need every design point)."""
    failed = int((sweep.runs["status"] != "ok").sum())
    if failed:
        notes.append(f"left out {failed} failed run(s)")
    return sweep.runs[sweep.runs["status"] == "ok"]


def _point_means(sweep: Sweep, method: str) -> pd.DataFrame:
    """Per-design-point means over replicates, in design (SALib sample) order.

    The estimators pair rows by position, so one missing or failed point would shift
    every pairing: refuse instead of dropping.
    """
    runs = sweep.runs
    failed = runs[runs["status"] != "ok"]
    if len(failed):
        first = failed.iloc[0]
        raise AnalysisError(
            f"{sweep.folder}: {len(failed)} of {len(runs)} runs failed (first: run "
            f"{int(first['run_id'])}: {first['error']}); {method} needs every design point, "
            "so fix the cause and run the same `overplay sweep` command with --retry-failed"
        )
    expected = len(sweep.design) * sweep.replicates
    counts = runs.groupby("point_id").size().reindex(sweep.design["point_id"], fill_value=0)
    short = counts[counts < sweep.replicates]
    if len(runs) < expected or len(short):
        raise AnalysisError(
            f"{sweep.folder}: {len(runs)} of {expected} runs stored ({len(short)} design "
            f"point(s) incomplete, first: point {int(short.index[0]) if len(short) else '?'})"
            f"; {method} needs every design point, so finish the sweep by running the same "
            "`overplay sweep` command again"
        )
    numeric = runs[["point_id", *sweep.outcome_columns]].astype(
        dict.fromkeys(sweep.outcome_columns, float)
    )
    grouped = numeric.groupby("point_id")
    # A point with any replicate missing is missing: a mean over the rest would be a
    # mean over a selected subset (e.g. only the runs that reached a threshold).
    means = grouped.mean().mask(grouped.agg(lambda s: s.isna().any()).astype(bool))
    return means.reindex(sweep.design["point_id"])


def _index_outcomes(
    sweep: Sweep, means: pd.DataFrame, requested: list[str], method: str, result_notes: list[str]
) -> list[str]:
    """The outcomes to compute indices for: the requested ones (NaN is an error), or
    every numeric outcome (those with NaN, or constant for Sobol, are skipped with a
    note, since their indices are undefined)."""
    chosen = []
    for name in requested or sweep.outcome_columns:
        values = means[name]
        if values.isna().any():
            count = int(values.isna().sum())
            why = _never_reached(name) if _is_years(name) else ""
            if requested:
                raise AnalysisError(
                    f"--outcome {name}: {count} design point(s) have no "
                    f"value{why}; {method} needs a value at every point"
                )
            result_notes.append(f"skipped {name}: {count} design point(s) without a value{why}")
            continue
        if method == "sobol" and np.ptp(values.to_numpy()) == 0:
            if requested:
                raise AnalysisError(
                    f"--outcome {name}: constant ({values.iloc[0]:g}) over "
                    "the design, so it has no variance to apportion"
                )
            result_notes.append(f"skipped {name}: constant over the design")
            continue
        chosen.append(name)
    if not chosen:
        raise AnalysisError(
            f"no outcome of this sweep can be analysed with {method}: " + "; ".join(result_notes)
        )
    return chosen


# ---------------------------------------------------------------------------------------
# unit cube


def to_unit(parameter: Parameter, values: pd.Series) -> np.ndarray:
    """Map an input's values back to the unit cube: the inverse of ``from_unit``.

    Reals and integers invert exactly ((v - low) / (high - low)); a category maps to
    the centre of its equal-width bin, since the coordinate it was drawn from is lost.
    """
    if parameter.kind == "categorical":
        categories = list(parameter.values or [])
        lookup = {category_key(v): i for i, v in enumerate(categories)}
        unknown = sorted({str(v) for v in values if category_key(v) not in lookup})
        if unknown:
            raise AnalysisError(
                f"design.parquet: {parameter.name} has value(s) {unknown} "
                f"outside its categories {categories}"
            )
        index = np.array([lookup[category_key(v)] for v in values], dtype=float)
        return (index + 0.5) / len(categories)
    low, high = float(parameter.low), float(parameter.high)  # type: ignore[arg-type]
    return (values.to_numpy(dtype=float) - low) / (high - low)


def unit_design(sweep: Sweep) -> np.ndarray:
    """The design in the unit cube, columns in the stored problem's order."""
    return np.column_stack([to_unit(p, sweep.design[p.name]) for p in sweep.inputs])


# ---------------------------------------------------------------------------------------
# sobol


def _check_saltelli(sweep: Sweep, second_order: bool) -> int:
    """Check the design has Saltelli's block layout and return N.

    SALib pairs rows by position: each block of D+2 (2D+2 with second order) rows is
    A, AB_1..AB_D, [BA_1..BA_D,] B, where AB_i is A with column i taken from B. A wrong
    second_order flag or a reordered table would give plausible but wrong indices, so
    the layout is verified on the values.
    """
    d = len(sweep.inputs)
    size = 2 * d + 2 if second_order else d + 2
    n_points = len(sweep.design)
    if n_points % size:
        raise AnalysisError(
            f"{sweep.folder}/design.parquet: {n_points} points is not a multiple of "
            f"{size} (N·({'2D+2' if second_order else 'D+2'}) with D = {d}); the design "
            "does not match spec.resolved.yaml design.second_order"
        )
    values = sweep.design[sweep.names].astype(str).to_numpy()
    blocks = values.reshape(n_points // size, size, d)
    a, b = blocks[:, 0, :], blocks[:, -1, :]
    for i in range(d):
        others = [j for j in range(d) if j != i]
        ab = blocks[:, 1 + i, :]
        ok = (ab[:, others] == a[:, others]).all() and (ab[:, i] == b[:, i]).all()
        if second_order:
            ba = blocks[:, 1 + d + i, :]
            ok = ok and (ba[:, others] == b[:, others]).all() and (ba[:, i] == a[:, i]).all()
        if not ok:
            raise AnalysisError(
                f"{sweep.folder}/design.parquet: rows are not in SALib's "
                f"Saltelli order (column {sweep.names[i]}); the design "
                "table was changed after sampling"
            )
    return n_points // size


def _sobol(
    sweep: Sweep,
    requested: list[str],
    num_resamples: int = 100,
    conf_level: float = CONF_LEVEL,
    seed: int | None = None,
) -> AnalysisResult:
    """First-order and total Sobol indices per outcome × input (with 95 % bootstrap
    intervals), and second-order indices when the design has them."""
    from SALib.analyze import sobol

    _require_design(sweep, "sobol")
    second_order = bool(sweep.spec.get("design", {}).get("second_order", False))
    n_base = _check_saltelli(sweep, second_order)
    means = _point_means(sweep, "sobol")
    notes: list[str] = []
    chosen = _index_outcomes(sweep, means, requested, "sobol", notes)
    problem = sweep.manifest["problem"]
    rows, pairs = [], []
    for outcome in chosen:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            si = sobol.analyze(
                problem,
                means[outcome].to_numpy(dtype=float),
                calc_second_order=second_order,
                num_resamples=num_resamples,
                conf_level=conf_level,
                seed=sweep.seed if seed is None else seed,
            )
        for j, name in enumerate(sweep.names):
            rows.append(
                {
                    "outcome": outcome,
                    "input": name,
                    "S1": si["S1"][j],
                    "S1_conf": si["S1_conf"][j],
                    "ST": si["ST"][j],
                    "ST_conf": si["ST_conf"][j],
                }
            )
        if second_order:
            for j in range(len(sweep.names)):
                for k in range(j + 1, len(sweep.names)):
                    pairs.append(
                        {
                            "outcome": outcome,
                            "input_1": sweep.names[j],
                            "input_2": sweep.names[k],
                            "S2": si["S2"][j, k],
                            "S2_conf": si["S2_conf"][j, k],
                        }
                    )
    if n_base < 64:
        notes.append(
            f"N = {n_base} base samples: the intervals are wide; use design.samples "
            ">= 256 for stable indices"
        )
    tables = {"sobol": pd.DataFrame(rows)}
    if second_order:
        tables["sobol_s2"] = pd.DataFrame(pairs)
    return AnalysisResult(
        "sobol",
        "sobol",
        tables,
        notes=notes,
        draw=lambda: sensitivity.sobol_figures(tables["sobol"], n_base),
    )


# ---------------------------------------------------------------------------------------
# morris


def _check_trajectories(unit: np.ndarray, d: int, folder: Path) -> int:
    """Check the design is Morris trajectories (D+1 rows, one input moving per step)
    and return their number; SALib would otherwise mis-attribute the effects."""
    if len(unit) % (d + 1):
        raise AnalysisError(
            f"{folder}/design.parquet: {len(unit)} points is not a multiple "
            f"of D+1 = {d + 1}; it is not a Morris design"
        )
    steps = np.diff(unit.reshape(-1, d + 1, d), axis=1)
    moved = (np.abs(steps) > 1e-12).sum(axis=2)
    if (moved > 1).any():
        raise AnalysisError(
            f"{folder}/design.parquet: rows are not in Morris trajectory "
            "order (a step moves more than one input)"
        )
    return len(unit) // (d + 1)


def _morris(
    sweep: Sweep,
    requested: list[str],
    num_resamples: int = 100,
    conf_level: float = CONF_LEVEL,
    seed: int | None = None,
) -> AnalysisResult:
    """Morris screening per outcome × input: mu, mu_star (with its 95 % bootstrap
    interval) and sigma, with elementary effects per full input range."""
    from SALib.analyze import morris

    _require_design(sweep, "morris")
    levels = int(sweep.spec.get("design", {}).get("levels", 4))
    unit = unit_design(sweep)
    trajectories = _check_trajectories(unit, len(sweep.inputs), sweep.folder)
    means = _point_means(sweep, "morris")
    notes: list[str] = []
    chosen = _index_outcomes(sweep, means, requested, "morris", notes)
    still = (
        (np.abs(np.diff(unit.reshape(trajectories, -1, len(sweep.inputs)), axis=1)) <= 1e-12)
        .all(axis=2)
        .sum()
    )
    if still:
        notes.append(
            f"{int(still)} trajectory step(s) leave every input unchanged after "
            "rounding (integers) or binning (categories); they count as zero "
            "effects"
        )
    rows = []
    for outcome in chosen:
        si = morris.analyze(
            sweep.manifest["problem"],
            unit,
            means[outcome].to_numpy(dtype=float),
            num_resamples=num_resamples,
            conf_level=conf_level,
            num_levels=levels,
            seed=sweep.seed if seed is None else seed,
        )
        for j, name in enumerate(sweep.names):
            rows.append(
                {
                    "outcome": outcome,
                    "input": name,
                    "mu": float(si["mu"][j]),
                    "mu_star": float(si["mu_star"][j]),
                    "mu_star_conf": float(si["mu_star_conf"][j]),
                    "sigma": float(si["sigma"][j]),
                }
            )
    if trajectories < 10:
        notes.append(
            f"{trajectories} trajectories: use design.samples >= 10 for a reliable ranking"
        )
    table = pd.DataFrame(rows)
    return AnalysisResult(
        "morris",
        "morris",
        {"morris": table},
        notes=notes,
        draw=lambda: sensitivity.morris_figures(table, trajectories),
    )


# ---------------------------------------------------------------------------------------
# prim


def _slug(value: float) -> str:
    """A threshold as part of a file name, so different conditions do not overwrite."""
    return re.sub(r"[^0-9a-zA-Z.-]", "_", f"{value:g}")


def _prim(
    sweep: Sweep,
    requested: list[str],
    below: float | None = None,
    above: float | None = None,
    min_density: float = 0.8,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
) -> AnalysisResult:
    """Scenario discovery: the peeling trajectory of PRIM for ``outcome < below`` (or
    ``> above``) over every run, and the chosen box — the one with the highest
    coverage among those with density >= ``min_density``, then the densest, then the
    simplest (if none is dense enough: the densest).

    Each run is a case (replicates are not averaged: the question is where the
    condition happens, seed noise included). A years-to-threshold outcome that never
    reached its threshold counts as infinitely many years.
    """
    if len(requested) != 1:
        raise AnalysisError("--method prim needs exactly one --outcome (the condition's outcome)")
    if (below is None) == (above is None):
        raise AnalysisError(
            "--method prim needs exactly one of --below X or --above X "
            "(the condition on the outcome)"
        )
    if not 0 < min_density <= 1:
        raise AnalysisError(f"min_density must be in (0, 1], not {min_density}")
    outcome = requested[0]
    notes: list[str] = []
    runs = _successful(sweep, notes)
    values = runs[outcome].astype(float)
    if _is_years(outcome):
        values = values.fillna(math.inf)
    elif values.isna().any():
        notes.append(f"left out {int(values.isna().sum())} run(s) without a value of {outcome}")
        runs, values = runs[values.notna()], values[values.notna()]
    sign, threshold = ("<", below) if below is not None else (">", above)
    condition = f"{outcome} {sign} {threshold:g}"
    hits = (values < threshold) if below is not None else (values > threshold)
    y = hits.to_numpy(dtype=int)
    if len(y) == 0 or y.min() == y.max():
        share = "all" if len(y) and y[0] else "none"
        raise AnalysisError(
            f"{condition} holds in {share} of the {len(y)} runs, so there is "
            "nothing to discover; choose a threshold inside the outcome's "
            f"range ({values.replace(math.inf, np.nan).min():g} to "
            f"{values.replace(math.inf, np.nan).max():g})"
        )
    x = pd.DataFrame({p.name: _prim_column(p, runs[p.name]) for p in sweep.inputs})
    box = _run_prim(x, y, peel_alpha, mass_min)
    trajectory = box.peeling_trajectory.rename(
        columns={"id": "box", "res_dim": "restricted_dims", "k": "cases", "n": "runs"}
    )
    trajectory = trajectory[
        ["box", "coverage", "density", "mass", "restricted_dims", "runs", "cases"]
    ].astype({"box": int, "restricted_dims": int, "runs": int, "cases": int})
    dense = trajectory[trajectory["density"] >= min_density]
    if len(dense):
        chosen = int(
            dense.sort_values(
                ["coverage", "density", "restricted_dims"], ascending=[False, False, True]
            ).iloc[0]["box"]
        )
    else:
        chosen = int(
            trajectory.sort_values(["density", "coverage"], ascending=False).iloc[0]["box"]
        )
        notes.append(f"no box reaches density {min_density:g}; chose the densest")
    trajectory.insert(1, "chosen", trajectory["box"] == chosen)
    limits = _box_limits(sweep, box, chosen)
    stats_row = trajectory.loc[trajectory["box"] == chosen].iloc[0]
    notes.insert(
        0,
        f"{condition}: {int(y.sum())} of {len(y)} runs; box {chosen}: "
        f"coverage {stats_row['coverage']:.2f}, density "
        f"{stats_row['density']:.2f}, {int(stats_row['restricted_dims'])} "
        "restricted input(s)",
    )
    stem = f"prim_{outcome}_{'below' if below is not None else 'above'}_{_slug(threshold)}"
    tables = {f"{stem}_box": limits, f"{stem}_trajectory": trajectory}
    ranges = {p.name: _sampled_range(p) for p in sweep.inputs}
    return AnalysisResult(
        "prim",
        f"{stem}_box",
        tables,
        notes=notes,
        draw=lambda: sensitivity.prim_figures(stem, trajectory, limits, ranges, condition),
    )


def _sampled_range(parameter: Parameter) -> sensitivity.Range:
    """What an input was sampled over (categories named as in the box table), so the
    box figure can show the box against it."""
    if parameter.kind == "categorical":
        return [category_key(v) for v in parameter.values or []]
    return float(parameter.low), float(parameter.high)  # type: ignore[arg-type]


def _prim_column(parameter: Parameter, values: pd.Series) -> pd.Series:
    """PRIM treats float columns as real and the rest as categories. Integers go in as
    floats: the EMA Workbench pastes an integer box out to a fractional limit (2.5),
    which pandas 3 refuses to store in an integer column (a crash, not a box)."""
    if parameter.kind == "categorical":
        return values.map(category_key).astype(object)
    return values.astype("float64")


def _run_prim(x: pd.DataFrame, y: np.ndarray, peel_alpha: float, mass_min: float) -> Any:
    """One PRIM box with its whole peeling trajectory.

    The EMA Workbench uses one threshold both to mark cases of interest and to accept
    the final box (else it returns a 'dump box' without the trajectory); a tiny
    threshold keeps the trajectory, and the density requirement is applied afterwards.
    """
    with warnings.catch_warnings():  # its optional extras (ipyparallel, altair) warn
        warnings.simplefilter("ignore")
        try:
            from ema_workbench.analysis import prim
        except ImportError:
            raise AnalysisError(
                "PRIM needs the EMA Workbench: pip install 'overplay[analysis]'"
            ) from None

    with warnings.catch_warnings():  # EMA 2.5.3 uses pandas APIs deprecated in pandas 3
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        finder = prim.Prim(
            x,
            y,
            threshold=1e-9,
            peel_alpha=peel_alpha,
            paste_alpha=peel_alpha,
            mass_min=mass_min,
            threshold_type=prim.ABOVE,
        )
        return finder.find_box()


def _box_limits(sweep: Sweep, box: Any, chosen: int) -> pd.DataFrame:
    """The chosen box per input: its range (reals, integers) or categories, whether it
    is restricted, and the quasi-p-values of the restriction (-1 → NaN)."""
    limits = box.box_lims[chosen]
    initial = box.prim.box_init
    qp = box.qp[chosen]
    rows = []
    for p in sweep.inputs:
        if p.name not in limits.columns:  # a single-category column PRIM dropped
            continue
        low, high = limits[p.name].iloc[0], limits[p.name].iloc[1]
        start_low, start_high = initial[p.name].iloc[0], initial[p.name].iloc[1]
        qp_low, qp_high = qp.get(p.name) or [-1, -1]
        row: dict[str, Any] = {
            "input": p.name,
            "kind": p.kind,
            "qp_low": np.nan if qp_low == -1 else float(qp_low),
            "qp_high": np.nan if qp_high == -1 else float(qp_high),
        }
        if p.kind == "categorical":
            order = [category_key(v) for v in p.values or []]
            kept = [v for v in order if v in set(low)]
            row |= {
                "restricted": set(low) != set(start_low),
                "low": np.nan,
                "high": np.nan,
                "categories": ", ".join(kept),
            }
        else:
            row |= {
                "restricted": bool(low > start_low or high < start_high),
                "low": float(low),
                "high": float(high),
                "categories": "",
            }
        rows.append(row)
    table = pd.DataFrame(
        rows,
        columns=["input", "kind", "restricted", "low", "high", "categories", "qp_low", "qp_high"],
    )
    return table.sort_values("restricted", ascending=False, kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------
# curve


def _curve(
    sweep: Sweep,
    requested: list[str],
    by: Sequence[str] | None = None,
    x: str | None = None,
    hue: str | None = None,
    conf_level: float = CONF_LEVEL,
) -> AnalysisResult:
    """Mean and t-interval of each outcome for each combination of the levers (or
    ``by``): how an outcome changes as a policy is used more. Years-to-threshold
    outcomes are averaged over the runs that reached the threshold and also get the
    share that did. Runs that repeat another point's runs exactly count once.

    Figures: a curve per outcome over ``x`` (a line per ``hue`` value) and, with a
    hue, a heatmap per outcome over ``x`` × ``hue``, both from one table."""
    columns = list(by or sweep.levers)
    if not columns:
        raise AnalysisError(
            f"this sweep has no levers; give --by COLUMN (one of: {', '.join(sweep.names)})"
        )
    x = x or columns[0]
    hue = hue if hue is not None else (columns[1] if len(columns) > 1 else None)
    for option, name in [*(("--by", c) for c in columns), ("--x", x), ("--hue", hue)]:
        if name is not None and name not in sweep.names:
            raise AnalysisError(
                f"{option}: unknown column {name!r}; choose an input: {', '.join(sweep.names)}"
            )
    if hue == x:
        hue = None
    inputs = {p.name: p for p in sweep.inputs}
    notes: list[str] = []
    runs = sweep.with_repeats_marked(_successful(sweep, notes))
    repeats = sweep.repeats_note()
    if repeats:
        notes.append(repeats)
    chosen = requested or [
        c for c in sweep.outcome_columns if runs[c].notna().any() or _is_years(c)
    ]
    table = summarise(runs, columns, chosen, conf_level)
    drawn_by = [c for c in (x, hue) if c is not None]
    plot = table if drawn_by == columns else summarise(runs, drawn_by, chosen, conf_level)

    def draw() -> list[tuple[str, Figure]]:
        figures = curve.figures(plot, inputs[x], inputs[hue] if hue else None)
        if hue is not None:
            figures += heatmap.figures(plot, inputs[x], inputs[hue])
        return figures

    return AnalysisResult("curve", "curve", {"curve": table}, notes=notes, draw=draw)


def summarise(
    runs: pd.DataFrame, columns: list[str], outcomes: list[str], conf_level: float = CONF_LEVEL
) -> pd.DataFrame:
    """Tidy per-group statistics: runs, n (values), mean, std, t-interval, and for
    years-to-threshold outcomes the number and share of runs that reached it.

    The interval is :func:`~overplay.experiments.stats.t_interval` (NaN below two values).
    When ``runs`` has a :data:`SAME_RUNS_AS` column (``Sweep.with_repeats_marked``),
    a run that repeats another point's run in the same group (same replicate) is
    counted once: ``repeats`` says how many were left out, ``runs`` counts the rest.
    """
    rows = []
    for keys, group in runs.groupby(columns, sort=True, dropna=False):
        keys = keys if isinstance(keys, tuple) else (keys,)
        distinct = (
            group.drop_duplicates([SAME_RUNS_AS, "replicate"]) if SAME_RUNS_AS in group else group
        )
        for outcome in outcomes:
            values = distinct[outcome].astype(float)
            interval = t_interval(values, conf_level)
            n = interval.n
            row = dict(zip(columns, keys, strict=True)) | {
                "outcome": outcome,
                "runs": len(values),
                "n": n,
                "mean": interval.mean,
                "std": float(values.std(ddof=1)) if n > 1 else np.nan,  # skips missing
                "ci_low": interval.low,
                "ci_high": interval.high,
                "reached": float(n) if _is_years(outcome) else np.nan,
                "reached_share": n / len(values) if _is_years(outcome) else np.nan,
                "repeats": len(group) - len(distinct),
            }
            rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------
# comparison


def compare_table(
    folder: str | Path, outcomes: Sequence[str] | None = None, conf_level: float = CONF_LEVEL
) -> pd.DataFrame:
    """The numbers behind ``overplay compare``: per design point (a scenario, or a
    combination of the inputs that vary) and outcome, the successful runs, the mean
    and its t-interval over the seeds (``ci_low``, ``ci_high``), as :func:`summarise`
    gives them; the spec's outcomes unless ``outcomes`` names some."""
    sweep = load_sweep_folder(Path(folder))
    for name in outcomes or []:
        _check_outcome(sweep, name)
    notes: list[str] = []
    runs = sweep.with_repeats_marked(_successful(sweep, notes))
    if runs.empty:
        raise AnalysisError(
            f"{sweep.folder}: no run succeeded, so there is nothing to "
            "compare; see the error column of runs.parquet"
        )
    by = [n for n in sweep.names if sweep.design[n].nunique(dropna=False) > 1] or sweep.names
    if not by:
        runs, by = runs.assign(point="all"), ["point"]
    return summarise(runs, by, list(outcomes or sweep.outcome_columns), conf_level)
