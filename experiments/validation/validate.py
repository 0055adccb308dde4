"""``overplay validate-history``: the calibrated ensemble run over 2009-2025, every
fact read in every run, in sample and out of it, and the pattern checks.

The folder it writes is a result like any other (``overplay plot``/``report`` read
it): the fact table, the patterns, each run's facts and world series, a manifest.
"""

from __future__ import annotations

import csv
import hashlib
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from overplay.experiments.errors import UserError
from overplay.experiments.result_folder import check_result_folder
from overplay.experiments.single_run import manifest_common
from overplay.experiments.validation.calibration_spec import CalibrationSpec, load_calibration
from overplay.experiments.validation.ensemble import (
    EnsembleRuns,
    fact_table,
    overrides,
    pattern_table,
    run_ensemble,
)
from overplay.experiments.validation.facts import FactTable, bundled, read_csv_rows
from overplay.experiments.validation.outputs import write_result
from overplay.model import load_scenario
from overplay.model.problems import ScenarioError
from overplay.model.scenario_checks import ScenarioNote

BUNDLED_SPEC = "specs/calibrate_history.yaml"
BUNDLED_ENSEMBLE = "data/calibrated_ensemble.csv"
TABLE = "facts.parquet"
PATTERNS = "patterns.parquet"
VALUES = "runs.parquet"
WORLD = "world.parquet"


def read_ensemble(path: Path, spec: CalibrationSpec) -> pd.DataFrame:
    """An ensemble file with a ``set`` column (distinct whole numbers: runs are matched
    to their set by it) and one column per fitted parameter."""
    try:
        rows, header = read_csv_rows(path)
    except OSError as error:
        raise UserError(f"{path}: cannot read the ensemble: {error.strerror}") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise UserError(f"{path}: not an ensemble CSV ({error})") from None
    needed = ["set", *(p.name for p in spec.parameters)]
    missing = [c for c in needed if c not in header]
    if missing:
        raise UserError(f"{path}: missing column(s) {', '.join(missing)} (the spec fits them)")
    if not rows:
        raise UserError(f"{path}: no parameter sets (a header and no rows)")
    lines = [line for line, _ in rows]
    text = pd.DataFrame([row for _, row in rows], columns=header)[needed]
    numbers = text.apply(pd.to_numeric, errors="coerce")
    for column in needed:
        bad = np.flatnonzero(numbers[column].isna().to_numpy())
        if len(bad):
            value = text[column].iloc[bad[0]]
            raise UserError(f"{path}:{lines[bad[0]]}: {column}: {value!r} is not a number")
    _check_set_ids(path, numbers["set"], lines)
    numbers["set"] = numbers["set"].astype(int)
    _check_rows(path, spec, numbers, lines)
    return numbers


def _check_set_ids(path: Path, sets: pd.Series, lines: list[int]) -> None:
    first: dict[float, int] = {}
    for line, value in zip(lines, sets, strict=True):
        if value != round(value):
            raise UserError(f"{path}:{line}: set: {value} is not a whole number")
        if value in first:
            raise UserError(f"{path}:{line}: set: {value:g} repeats line {first[value]}")
        first[value] = line


def _check_rows(
    path: Path, spec: CalibrationSpec, ensemble: pd.DataFrame, lines: list[int]
) -> None:
    """Every set as the scenario's schema sees it, before any run: a value it refuses
    is reported at its line and column here, not as a worker's failure later."""
    column = {key: p.name for p in spec.parameters for key in p.keys}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioNote)
        for line, row in zip(lines, ensemble.to_dict("records"), strict=True):
            try:
                load_scenario(spec.scenario, overrides(spec, row, 1), parse_once=True)
            except ScenarioError as error:
                problem = error.problems[0]
                name = column.get(problem.path, problem.path)
                raise UserError(f"{path}:{line}: {name}: {problem.message}") from None


def json_rows(table: pd.DataFrame) -> list[dict]:
    """The fact table as ``--json`` prints it: one object per fact."""
    return [
        {
            "fact": row.fact,
            "observed": row.observed,
            "median": None if np.isnan(row.median) else row.median,
            "band": [
                None if np.isnan(row.band_low) else row.band_low,
                None if np.isnan(row.band_high) else row.band_high,
            ],
            "tolerance": row.tolerance,
            "tolerance_kind": row.tolerance_kind,
            "within_tolerance": bool(row.within_tolerance),
            "sample": row.sample,
        }
        for row in table.itertuples()
    ]


@dataclass(frozen=True)
class Inputs:
    """A checked spec, its facts and the ensemble to run."""

    spec: CalibrationSpec
    facts: FactTable
    ensemble: pd.DataFrame
    ensemble_path: Path
    ensemble_sha256: str

    def provenance(self) -> dict[str, str]:
        """The ensemble as a manifest records it: later steps that combine two results
        (findings weighs by a revealed-preference region) check they share it."""
        return {"ensemble": str(self.ensemble_path), "ensemble_sha256": self.ensemble_sha256}


def prepare(spec_path: Path | None, ensemble_path: Path | None) -> Inputs:
    """Read and check the inputs (the bundled spec and ensemble by default) before
    anything runs."""
    spec, facts = load_calibration(spec_path or bundled(BUNDLED_SPEC))
    ensemble_path = ensemble_path or bundled(BUNDLED_ENSEMBLE)
    ensemble = read_ensemble(ensemble_path, spec)
    digest = hashlib.sha256(ensemble_path.read_bytes()).hexdigest()
    return Inputs(spec, facts, ensemble, ensemble_path, digest)


def validate_history(
    inputs: Inputs,
    seeds: int,
    out: Path,
    *,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run, write the folder, return the fact table and the pattern table."""
    check_result_folder(out, "validation")
    started = datetime.now(UTC)
    spec, facts = inputs.spec, inputs.facts
    runs = run_ensemble(
        spec, inputs.ensemble, facts.facts, seeds, workers=workers, progress=progress
    )
    table = fact_table(facts.facts, runs.values, spec.fit_window_end)
    patterns = pattern_table(runs.patterns)
    _write(out, inputs, seeds, runs, table, patterns, started)
    return table, patterns


def _write(
    out: Path,
    inputs: Inputs,
    seeds: int,
    runs: EnsembleRuns,
    table: pd.DataFrame,
    patterns: pd.DataFrame,
    started: datetime,
) -> None:
    document = {
        "spec": inputs.spec.name,
        "fit_window_end": inputs.spec.fit_window_end,
        "facts": inputs.facts.path,
        **inputs.provenance(),
        "parameter_sets": int(runs.values["set"].nunique()),
        "seeds": seeds,
        **manifest_common(started, "completed"),
    }
    tables = {TABLE: table, PATTERNS: patterns, VALUES: runs.values, WORLD: runs.world}
    texts = {"validation.json": json.dumps(json_rows(table), indent=1)}
    write_result(out, "validation", tables, texts, document)
