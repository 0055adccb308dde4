"""``overplay findings``: the overuse study over the calibrated ensemble and the
identified weight region, written as a result folder (``overplay plot``/``report``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from overplay.experiments.errors import UserError
from overplay.experiments.plots import PlotError, files
from overplay.experiments.result_folder import check_result_folder
from overplay.experiments.single_run import manifest_common
from overplay.experiments.sweep.spec import load_sweep
from overplay.experiments.validation.answer import effects, run_answer
from overplay.experiments.validation.facts import bundled
from overplay.experiments.validation.outputs import write_result
from overplay.experiments.validation.revealed import WEIGHTS, in_region
from overplay.experiments.validation.revealed_output import REGION
from overplay.experiments.validation.validate import Inputs

BUNDLED_SWEEP = "specs/overuse.yaml"
EFFECTS = "effects.parquet"
RUNS = "runs.parquet"
WEIGHT_SETS = "weights.parquet"


def region_weights(folder: Path, strategy: str, min_confidence: float = 0.0) -> pd.DataFrame:
    """The weight sets of a revealed-preference folder that reproduce the most of
    China's decision points under ``strategy``, and stay in that region in at least
    ``min_confidence`` of the resamples of the parameter sets (0: the whole region)."""
    try:
        table = files.table(
            folder / REGION,
            PlotError,
            "run `overplay revealed-preference` first",
            columns=("strategy", "points_right", *(w.name for w in WEIGHTS)),
        )
    except PlotError as error:
        raise UserError(str(error)) from None
    mine = table[table["strategy"] == strategy]
    if mine.empty:
        known = ", ".join(sorted(table["strategy"].unique()))
        raise UserError(f"{folder / REGION}: no strategy {strategy!r}; known: {known}")
    if min_confidence > 0 and "region_confidence" not in mine:
        raise UserError(f"{folder / REGION}: no region_confidence; re-run it")
    best = mine[in_region(mine, min_confidence)]
    if best.empty:
        raise UserError(f"{folder / REGION}: no weight set of the region is that robust")
    return best[[w.name for w in WEIGHTS] + ["points_right"]].reset_index(drop=True)


def check_same_ensemble(region: Path, inputs: Inputs, sets: int) -> None:
    """Refuse a weight region identified on another ensemble or spec than the design
    will run, or on fewer of its sets (``--sets`` takes the first ones): its weights
    were read off other parameter sets' histories."""
    manifest = region / "manifest.json"
    try:
        document = json.loads(manifest.read_text())
    except (OSError, ValueError):
        hint = "run `overplay revealed-preference` first"
        raise UserError(f"{manifest}: cannot read; {hint}") from None
    if document.get("ensemble_sha256") != inputs.ensemble_sha256:
        raise UserError(
            f"{manifest}: the region was identified on another ensemble "
            f"({document.get('ensemble', 'unrecorded')}) than {inputs.ensemble_path}; run "
            f"`overplay revealed-preference --ensemble {inputs.ensemble_path}` first"
        )
    if document.get("spec") != inputs.spec.name:
        raise UserError(
            f"{manifest}: the region was identified with spec {document.get('spec')!r}, "
            f"not {inputs.spec.name!r}; run `overplay revealed-preference` with this spec"
        )
    identified_on = document.get("parameter_sets", 0)
    if identified_on < sets:
        raise UserError(
            f"{manifest}: the region was identified on the first {identified_on} parameter "
            f"sets, and findings would run {sets}; run `overplay revealed-preference` on "
            f"at least as many, or findings with `--sets {identified_on}`"
        )


def findings(
    inputs: Inputs,
    region: Path,
    strategy: str,
    min_confidence: float,
    sweep_path: Path | None,
    sets: int | None,
    seeds: int,
    out: Path,
    *,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Run the design over the ensemble, weigh China's payoff by the region, write."""
    check_result_folder(out, "findings")
    started = datetime.now(UTC)
    ensemble = inputs.ensemble.head(sets or len(inputs.ensemble))
    check_same_ensemble(region, inputs, len(ensemble))
    weights = region_weights(region, strategy, min_confidence)
    sweep_path = sweep_path or bundled(BUNDLED_SWEEP)
    sweep = load_sweep(sweep_path)
    answer = run_answer(sweep, inputs.spec, ensemble, seeds, workers=workers, progress=progress)
    table = effects(answer, weights)
    document = {
        "spec": inputs.spec.name,
        "sweep": str(sweep_path),
        **inputs.provenance(),
        "parameter_sets": len(ensemble),
        "seeds": seeds,
        "region": str(region),
        "strategy": strategy,
        "min_confidence": min_confidence,
        "weight_sets": len(weights),
        "points_right": int(weights["points_right"].iloc[0]),
        **manifest_common(started, "completed"),
    }
    tables = {EFFECTS: table, RUNS: answer.runs, WEIGHT_SETS: weights}
    write_result(out, "findings", tables, {}, document)
    return table
