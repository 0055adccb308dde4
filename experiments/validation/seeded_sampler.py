"""A pyabc sampler whose generations depend on the spec's seed only, not on the number
of worker processes.

pyabc's own parallel samplers reseed each worker from the operating system, so two runs
of the same fit differ; its single-core sampler is reproducible but uses one core. Here
every candidate particle gets its own seed from (spec seed, generation, index), and
candidates are evaluated in fixed-size batches and accepted in index order, so the
accepted population is the same with one worker or eight. Surplus evaluations of the
last batch are dropped, which costs at most one batch per generation.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler

from overplay.experiments.sweep.pool import WorkerPool

#: Candidates evaluated per batch (the unit of parallel work and of waste).
BATCH = 16


def candidate_seed(seed: int, generation: int, index: int) -> int:
    """The seed of one candidate particle: independent streams per (generation, index);
    pyabc numbers the prior sample that calibrates the first epsilon -1."""
    return int(np.random.SeedSequence([seed, generation + 1, index]).generate_state(1)[0])


def _simulate(pickled: bytes, seed: int) -> Any:
    """Evaluate one candidate in a worker with its own seed."""
    np.random.seed(seed)
    random.seed(seed)
    return cloudpickle.loads(pickled)()


class SeededSampler(Sampler):
    """Deterministic batches of candidates, evaluated inline or on a worker pool.

    ``progress`` is called with the number of evaluations each batch adds. One fit
    calls pyabc once, so the pool lives until :meth:`close`, not pyabc's ``stop``."""

    def __init__(
        self,
        seed: int,
        workers: int = 1,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        super().__init__()
        self.seed = seed
        self.workers = workers
        self.progress = progress
        self._pool: WorkerPool | None = None

    def sample_until_n_accepted(
        self,
        n: int,
        simulate_one: Callable,
        t: int,
        *,
        max_eval: float = np.inf,
        all_accepted: bool = False,
        ana_vars: Any = None,
    ) -> Any:
        sample = self._create_empty_sample()
        evaluations = 0
        for particle in self._candidates(simulate_one, t):
            sample.append(particle)
            evaluations += 1
            if sample.n_accepted >= n or evaluations >= max_eval:
                break
        self.nr_evaluations_ = evaluations
        if sample.n_accepted < n:
            sample.ok = False
        return sample

    def _candidates(self, simulate_one: Callable, t: int) -> Iterator[Any]:
        """Evaluated candidates in index order, a batch at a time."""
        pickled = cloudpickle.dumps(simulate_one)
        start = 0
        while True:
            seeds = [candidate_seed(self.seed, t, i) for i in range(start, start + BATCH)]
            if self.workers <= 1:
                batch = [_simulate(pickled, s) for s in seeds]
            else:
                futures = [self.pool().submit(_simulate, pickled, s) for s in seeds]
                batch = [f.result() for f in futures]
            if self.progress is not None:
                self.progress(t, len(batch))
            yield from batch
            start += BATCH

    def pool(self) -> WorkerPool:
        if self._pool is None:
            self._pool = WorkerPool(self.workers)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
