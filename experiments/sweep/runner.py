"""Running a sweep: run configurations, executors (serial, processes, Dask) and the loop
that streams finished chunks into the store.

Results never depend on the executor: every run's seed is spawned from the root
seed (by replicate, or by run id without common random numbers), each run is
independent, and the store sorts by run id.
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from experiments.single_run import manifest_common
from experiments.sweep.designs import design_points, salib_problem
from experiments.sweep.spec import SCENARIO_KEY, SweepSpec, spec_hash
from experiments.sweep.store import Store, spec_yaml
from experiments.sweep.work import RunConfiguration, run_chunk
from experiments.tournament import reference_from, scenario_reference

Executor = Literal["serial", "processes", "dask"]
#: Chunks queued per worker: enough to keep workers busy, few enough that finished
#: results are never held beyond the moment they are stored (memory stays flat).
IN_FLIGHT = 2


def configurations(spec: SweepSpec, spec_file: Path) -> tuple[list[RunConfiguration],
                                                              pd.DataFrame]:
    """Every run of the sweep in run-id order (point-major), and the design table."""
    points = design_points(spec.design, spec.inputs, spec.seed)
    keys = {p.name: p.key for p in spec.inputs}
    common = spec.seeds == "per_replicate"
    children = np.random.SeedSequence(spec.seed).spawn(
        spec.replicates if common else len(points) * spec.replicates)
    base = scenario_reference(spec, spec_file)
    runs = []
    for point_id, point in enumerate(points):
        settings = [(keys[n], v) for n, v in point.items()]
        reference = next((reference_from(str(v), spec_file) for k, v in settings
                          if k == SCENARIO_KEY), base)
        for replicate in range(spec.replicates):
            run_id = point_id * spec.replicates + replicate
            child = children[replicate if common else run_id]
            seed = int(child.generate_state(1, dtype=np.uint32)[0])
            overrides = (*spec.overrides.items(),
                         *((k, v) for k, v in settings if k != SCENARIO_KEY), ("seed", seed))
            runs.append(RunConfiguration(run_id, point_id, replicate, seed, reference,
                                         tuple(overrides), tuple(point.items()),
                                         tuple(spec.outcomes), spec.per_round))
    design = pd.DataFrame([{"point_id": i, **p} for i, p in enumerate(points)])
    return runs, design


def _chunks(runs: list[RunConfiguration], workers: int,
            largest: int = 16) -> list[list[RunConfiguration]]:
    """Guided self-scheduling: each chunk a quarter of each worker's remaining share (at
    most ``largest`` runs), so chunks shrink toward the end and the workers finish
    together, while early chunks are large enough to amortise dispatch and Parquet parts."""
    chunks, start = [], 0
    while start < len(runs):
        size = max(1, min(largest, (len(runs) - start) // (4 * workers)))
        chunks.append(runs[start:start + size])
        start += size
    return chunks


def execute(chunks: list[list[RunConfiguration]], executor: Executor, workers: int,
            scheduler: str | None) -> Iterator[list[tuple[dict[str, Any], Any]]]:
    """Finished chunks, in completion order, from the chosen executor."""
    if executor == "serial":
        for chunk in chunks:
            yield run_chunk(chunk)
    elif executor == "processes":
        pool = ProcessPoolExecutor(max_workers=workers,
                                   mp_context=multiprocessing.get_context("spawn"))
        queue = iter(chunks)
        pending = {pool.submit(run_chunk, c) for c in itertools.islice(queue, IN_FLIGHT * workers)}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    pending |= {pool.submit(run_chunk, c) for c in itertools.islice(queue, 1)}
                    yield future.result()
        finally:  # on an error or Ctrl-C, drop the work not yet started
            pool.shutdown(wait=True, cancel_futures=True)
    else:
        from dask.distributed import Client, LocalCluster
        from dask.distributed import as_completed as dask_completed

        cluster = None if scheduler else LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        try:
            with Client(scheduler or cluster) as client:
                queue = iter(chunks)
                size = IN_FLIGHT * len(client.scheduler_info()["workers"] or [None])
                running = dask_completed(client.map(run_chunk, list(itertools.islice(
                    queue, max(size, IN_FLIGHT))), pure=False))
                try:
                    for future in running:
                        for chunk in itertools.islice(queue, 1):
                            running.add(client.submit(run_chunk, chunk, pure=False))
                        result = future.result()
                        future.release()  # the cluster may now forget it
                        yield result
                finally:
                    running.clear()
        finally:
            if cluster is not None:
                cluster.close()


def run_sweep(spec: SweepSpec, spec_file: Path, out_dir: Path, executor: Executor = "processes",
              workers: int | None = None, scheduler: str | None = None,
              progress: Callable[[int, int], None] | None = None,
              retry_failed: bool = False) -> pd.DataFrame:
    """Run what is not in ``out_dir`` yet; return the consolidated runs table.

    ``progress(done, total)`` is called as chunks finish. Failed runs are final (a run
    is deterministic) unless ``retry_failed`` — e.g. after fixing a bug or freeing memory.
    """
    workers = 1 if executor == "serial" else (workers or max(1, multiprocessing.cpu_count()))
    runs, design = configurations(spec, spec_file)
    store = Store(out_dir)
    started = datetime.now(UTC)
    manifest = {"kind": "sweep", "spec": spec.name, "spec_hash": spec_hash(spec),
                "root_seed": spec.seed, "runs": len(runs), "design": spec.design.method,
                "problem": salib_problem(spec.inputs), "executor": executor,
                "workers": workers, **manifest_common(started, "running")}
    store.open(manifest["spec_hash"], spec_yaml(spec), design, manifest)
    done = store.done(retry_failed)
    todo = [r for r in runs if r.run_id not in done]
    finished = len(runs) - len(todo)
    if progress:
        progress(finished, len(runs))
    for results in execute(_chunks(todo, workers), executor, workers, scheduler):
        rounds = [r for _, r in results if r is not None]
        store.append([row for row, _ in results],
                     pd.concat(rounds, ignore_index=True) if rounds else None)
        finished += len(results)
        if progress:
            progress(finished, len(runs))
    table = store.consolidate()
    failed = int((table["status"] != "ok").sum()) if len(table) else 0
    store.write_manifest(manifest | manifest_common(started, "completed") | {
        "failed_runs": failed, "seeds": table["seed"].tolist() if len(table) else []})
    return table

