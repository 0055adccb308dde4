"""Running a sweep: its run configurations, and the loop that streams finished chunks from
an executor into the store — one sweep per folder at a time, stopped cleanly by Ctrl-C
or SIGTERM.

Results never depend on the executor: every run's seed is spawned from the root
seed (by replicate, or by run id without common random numbers), each run is
independent, and the store sorts by run id.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from overplay.experiments.single_run import manifest_common
from overplay.experiments.sweep.designs import design_points, salib_problem
from overplay.experiments.sweep.executors import Executor, dask_client, execute
from overplay.experiments.sweep.lock import folder_lock
from overplay.experiments.sweep.spec import SCENARIO_KEY, SweepSpec, spec_hash
from overplay.experiments.sweep.store import Store, check_sweep_folder, spec_yaml
from overplay.experiments.sweep.work import RunConfiguration
from overplay.experiments.tournament import reference_from, scenario_reference
from overplay.model.scenarios import dump_scenario, load_scenario


def configurations(spec: SweepSpec, spec_file: Path) -> tuple[list[RunConfiguration], pd.DataFrame]:
    """Every run of the sweep in run-id order (point-major), and the design table."""
    points = design_points(spec.design, spec.inputs, spec.seed)
    keys = {p.name: p.key for p in spec.inputs}
    common = spec.seeds == "per_replicate"
    children = np.random.SeedSequence(spec.seed).spawn(
        spec.replicates if common else len(points) * spec.replicates
    )
    base = scenario_reference(spec, spec_file)
    runs = []
    for point_id, point in enumerate(points):
        settings = [(keys[n], v) for n, v in point.items()]
        reference = next(
            (reference_from(str(v), spec_file) for k, v in settings if k == SCENARIO_KEY), base
        )
        for replicate in range(spec.replicates):
            run_id = point_id * spec.replicates + replicate
            child = children[replicate if common else run_id]
            seed = int(child.generate_state(1, dtype=np.uint32)[0])
            overrides = (
                *spec.overrides.items(),
                *((k, v) for k, v in settings if k != SCENARIO_KEY),
                ("seed", seed),
            )
            runs.append(
                RunConfiguration(
                    run_id,
                    point_id,
                    replicate,
                    seed,
                    reference,
                    tuple(overrides),
                    tuple(point.items()),
                    tuple(spec.outcomes),
                    spec.per_round,
                )
            )
    design = pd.DataFrame([{"point_id": i, **p} for i, p in enumerate(points)])
    return runs, design


def scenario_hash(spec: SweepSpec, spec_file: Path) -> str:
    """What the runs read besides the spec: every scenario they start from, resolved
    (its file, whatever it ``extends``, the defaults), with the spec's overrides — so a
    sweep resumed after a scenario file changed is refused like a changed spec."""
    inputs = [p for p in spec.inputs if p.key == SCENARIO_KEY]
    references = (
        [reference_from(str(v), spec_file) for v in inputs[0].values or []]
        if inputs
        else [scenario_reference(spec, spec_file)]
    )
    digest = hashlib.sha256()
    for reference in dict.fromkeys(references):
        resolved = load_scenario(reference, list(spec.overrides.items()))
        digest.update(dump_scenario(resolved).encode())
    return digest.hexdigest()


def run_sweep(
    spec: SweepSpec,
    spec_file: Path,
    out_dir: Path,
    executor: Executor = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    retry_failed: bool = False,
) -> pd.DataFrame:
    """Run what is not in ``out_dir`` yet; return the consolidated runs table.

    ``progress(done, total)`` is called as chunks finish. Failed runs are final (a run
    is deterministic) unless ``retry_failed`` — e.g. after fixing a bug or freeing memory.
    Another sweep writing to ``out_dir``, or a folder that is not a sweep's, is refused
    (:class:`UserError`); SIGTERM stops the sweep like Ctrl-C (``KeyboardInterrupt``),
    keeping the finished runs. The folder is checked and the Dask scheduler reached
    before anything is created, so a refused sweep leaves nothing behind.
    """
    workers = 1 if executor == "serial" else (workers or max(1, multiprocessing.cpu_count()))
    runs, design = configurations(spec, spec_file)
    store = Store(out_dir)
    started = datetime.now(UTC)
    manifest = {
        "kind": "sweep",
        "spec": spec.name,
        "spec_hash": spec_hash(spec),
        "scenario_hash": scenario_hash(spec, spec_file),
        "root_seed": spec.seed,
        "runs": len(runs),
        "design": spec.design.method,
        "problem": salib_problem(spec.inputs),
        "executor": executor,
        "workers": workers,
        **manifest_common(started, "running"),
    }
    check_sweep_folder(out_dir)
    connected = dask_client(workers, scheduler) if executor == "dask" else nullcontext()
    with connected as client, folder_lock(out_dir), _sigterm_as_interrupt():
        store.open(manifest, spec_yaml(spec), design)
        done = store.done(retry_failed)
        todo = [r for r in runs if r.run_id not in done]
        finished = len(runs) - len(todo)
        if progress:
            progress(finished, len(runs))
        for results in execute(todo, executor, workers, client):
            rounds = [r for _, r in results if r is not None]
            store.append(
                [row for row, _ in results],
                pd.concat(rounds, ignore_index=True) if rounds else None,
            )
            finished += len(results)
            if progress:
                progress(finished, len(runs))
        table = store.consolidate()
        failed = int((table["status"] != "ok").sum()) if len(table) else 0
        store.write_manifest(
            manifest
            | manifest_common(started, "completed")
            | {"failed_runs": failed, "seeds": table["seed"].tolist() if len(table) else []}
        )
    return table


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (``kill``, a batch system's time limit) stops the sweep as Ctrl-C does: the
    workers end, the finished runs stay, the same command resumes. Signal handlers can
    only be set from the main thread; elsewhere SIGTERM keeps its usual meaning."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
