"""Where a sweep's chunks run: in this process, in a pool of worker processes, or on a Dask
cluster — and how runs are cut into chunks.

Results never depend on the executor or the chunking: each run carries its own seed and
the store sorts by run id.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, Literal

from overplay.experiments.errors import MachineError
from overplay.experiments.sweep.pool import WorkerPool
from overplay.experiments.sweep.work import RunConfiguration, run_chunk

Executor = Literal["serial", "processes", "dask"]
Chunk = list[RunConfiguration]
Results = list[tuple[dict[str, Any], Any]]
Work = Callable[[Chunk], Results]

#: Chunks queued per worker (per Dask thread): enough to keep workers busy, few enough
#: that finished results are never held beyond the moment they are stored.
IN_FLIGHT = 2
#: Chunks hold at most this many runs in small sweeps; big sweeps allow larger ones, so
#: that a worker writes at most about ``PARTS_PER_WORKER`` part files.
SMALL_CHUNK = 16
PARTS_PER_WORKER = 64
#: Times a chunk may kill its worker, running alone, before the sweep stops.
ATTEMPTS = 3
#: How long to wait for a ``--scheduler`` that does not answer.
SCHEDULER_TIMEOUT = "10s"


class ChunkQueue:
    """Runs handed out in chunks by guided self-scheduling: each chunk a quarter of each
    worker's share of what remains (capped), so chunks shrink toward the end and the
    workers finish together. The worker count is read at each take, so a growing Dask
    cluster gets chunks sized for it. Chunks given back (their worker died) come first."""

    def __init__(self, runs: list[RunConfiguration]) -> None:
        self._runs = runs
        self._next = 0
        self._returned: deque[Chunk] = deque()

    def __bool__(self) -> bool:
        return bool(self._returned) or self._next < len(self._runs)

    def take(self, workers: int) -> Chunk:
        if self._returned:
            return self._returned.popleft()
        largest = max(SMALL_CHUNK, len(self._runs) // (PARTS_PER_WORKER * workers))
        size = max(1, min(largest, (len(self._runs) - self._next) // (4 * workers)))
        chunk = self._runs[self._next : self._next + size]
        self._next += len(chunk)
        return chunk

    def give_back(self, chunk: Chunk) -> None:
        self._returned.append(chunk)


def execute(
    runs: list[RunConfiguration],
    executor: Executor,
    workers: int,
    client: Any = None,
    work: Work = run_chunk,
) -> Iterator[Results]:
    """Finished chunks of ``runs``, in completion order, from the chosen executor (for
    ``dask``, on ``client``: see :func:`dask_client`)."""
    queue = ChunkQueue(runs)
    if executor == "serial":
        while queue:
            yield work(queue.take(1))
    elif executor == "processes":
        yield from _processes(queue, workers, work)
    else:
        yield from _dask(queue, client, work)


def _processes(queue: ChunkQueue, workers: int, work: Work) -> Iterator[Results]:
    """A worker pool. If a worker dies, the pool breaks and fails every chunk in it, the
    innocent with the guilty: they all go back to the queue as suspects, and a new pool
    runs the suspects one at a time before anything else. A chunk is blamed only for a
    pool that broke while it ran alone; blamed ``ATTEMPTS`` times, it stops the sweep. So
    chunks that merely shared a pool with killed ones are never counted, and a death
    caused by memory pressure from many workers gets a retry without that pressure."""
    blamed: Counter[int] = Counter()
    suspects: set[int] = set()  # first run ids of chunks lost in a broken pool
    while queue:
        with WorkerPool(workers) as pool:
            pending: dict[Future, Chunk] = {}
            lost: list[Chunk] = []
            broken = False
            while (queue or pending) and not lost:
                window = 1 if suspects else IN_FLIGHT * workers
                while queue and len(pending) < window and not broken:
                    chunk = queue.take(workers)
                    try:
                        pending[pool.submit(work, chunk)] = chunk
                    except BrokenProcessPool:  # a worker died since the last wait
                        queue.give_back(chunk)  # never ran: neither lost nor a suspect
                        broken = True
                if not pending:
                    break
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                if any(isinstance(f.exception(), BrokenProcessPool) for f in done):
                    done, _ = wait(pending)  # a broken pool fails all the rest at once
                for future in done:
                    chunk = pending.pop(future)
                    if isinstance(future.exception(), BrokenProcessPool):
                        lost.append(chunk)
                    else:
                        suspects.discard(chunk[0].run_id)
                        yield future.result()
        if len(lost) == 1:  # it ran alone: the death was its own
            chunk = lost[0]
            blamed[chunk[0].run_id] += 1
            if blamed[chunk[0].run_id] >= ATTEMPTS:
                raise MachineError(
                    f"worker processes died {ATTEMPTS} times while running runs "
                    f"{chunk[0].run_id}-{chunk[-1].run_id} (killed, or out of memory?); the "
                    "finished runs are kept: run the same command again to resume, with "
                    "fewer --workers if memory is short"
                )
        for chunk in lost:
            suspects.add(chunk[0].run_id)
            queue.give_back(chunk)


@contextmanager
def dask_client(workers: int, scheduler: str | None) -> Iterator[Any]:
    """A client of the Dask scheduler at ``scheduler``, or of a local cluster of
    ``workers`` processes. Connect before the sweep writes anything, so a mistyped or
    unreachable address leaves no folder behind (:class:`MachineError`, one line)."""
    from dask.distributed import Client, LocalCluster

    cluster = (
        None
        if scheduler
        else LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
    )
    try:
        try:
            client = Client(scheduler or cluster, timeout=SCHEDULER_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise MachineError(
                f"cannot reach the Dask scheduler at {scheduler} within "
                f"{SCHEDULER_TIMEOUT} ({type(exc).__name__}); is it running? "
                "check --scheduler"
            ) from None
        except (ValueError, TypeError) as exc:  # e.g. "missing port number"
            raise MachineError(
                f"--scheduler {scheduler}: not a scheduler address "
                f"({exc}); give it as tcp://HOST:PORT"
            ) from None
        with client:
            yield client
    finally:
        if cluster is not None:
            cluster.close()


def _dask(queue: ChunkQueue, client: Any, work: Work) -> Iterator[Results]:
    """Chunks on a Dask cluster. Workers that join while the sweep runs get work: the
    in-flight window and chunk size follow the cluster's thread count, read as chunks
    finish. Dask reschedules a lost worker's chunks itself, up to its
    ``distributed.scheduler.allowed-failures``; beyond that (``KilledWorker``) the sweep
    stops with a :class:`MachineError`, keeping the finished runs."""
    from dask.distributed import KilledWorker, as_completed

    running = as_completed()
    top_up(client, running, queue, work)
    try:
        for future in running:
            try:
                result = future.result()
            except KilledWorker as exc:
                raise MachineError(
                    f"Dask workers died repeatedly while running a chunk ({exc}; killed, "
                    "or out of memory?); the finished runs are kept: run the same command "
                    "again to resume"
                ) from None
            future.release()  # the cluster may now forget it
            yield result
            top_up(client, running, queue, work)
    finally:
        running.clear()


def top_up(client: Any, running: Any, queue: ChunkQueue, work: Work) -> None:
    """Submit chunks until ``IN_FLIGHT`` per thread of the cluster *now* are running."""
    # nthreads() lists every worker; scheduler_info() lists only five on some distributed
    # versions unless asked for n_workers=-1 (the default from 2025 on)
    threads = max(1, sum(client.nthreads().values()))
    while queue and running.count() < IN_FLIGHT * threads:
        running.add(client.submit(work, queue.take(threads), pure=False))
