"""Running a list of independent tasks in order, inline or on worker processes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from overplay.experiments.sweep.pool import WorkerPool


def map_tasks(
    function: Callable[..., Any],
    arguments: Sequence[tuple[Any, ...]],
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> list[Any]:
    """``function(*args)`` for each tuple, results in the tasks' order whatever the
    number of workers (``function`` must be importable by a worker); ``progress(done,
    total)`` after each."""
    total = len(arguments)
    results: list[Any] = []
    if workers <= 1:
        for args in arguments:
            results.append(function(*args))
            if progress:
                progress(len(results), total)
        return results
    with WorkerPool(workers) as pool:
        futures = [pool.submit(function, *args) for args in arguments]
        for future in futures:
            results.append(future.result())
            if progress:
                progress(len(results), total)
    return results
