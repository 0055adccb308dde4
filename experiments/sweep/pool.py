"""The sweep's worker processes: started lean, and never outliving the sweep.

- **Start method**: ``forkserver`` where the platform has it, with the model and its
  compiled loops preloaded (:mod:`experiments.sweep.preload`), so each worker is a fork
  of a process that already imported them instead of a fresh interpreter importing
  them again (about 2 CPU-s each); ``spawn`` elsewhere.
- **Lean main**: multiprocessing makes every new worker re-import the parent's
  ``__main__`` before it runs anything — for ``overplay`` the whole command line, for a
  script everything it imports. Workers need only :mod:`experiments.sweep.work`, so
  ``__main__`` is hidden while a worker may start.
- **No orphans**: each worker holds the read end of a pipe whose only write end is the
  parent's. When the parent exits, however it exits (``kill -9`` included), the kernel
  closes the write end and a thread in the worker ends it; the parent also closes it on
  purpose to stop the workers at once (Ctrl-C, SIGTERM, an error). Workers ignore SIGINT:
  Ctrl-C reaches the whole process group, and the parent decides what stops.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import types
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from typing import Any

#: Imported once by the forkserver; its forks (the workers) inherit them.
PRELOAD = ["overplay.experiments.sweep.preload"]


def worker_context() -> BaseContext:
    """``forkserver`` with the model preloaded where available (Linux, macOS), else
    ``spawn``. The preload applies when the process's forkserver first starts."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


class WorkerPool:
    """A process pool whose workers start lean and end with the sweep (see module doc)."""

    def __init__(self, workers: int) -> None:
        context = worker_context()
        self._reader, self._writer = context.Pipe(duplex=False)
        self._executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(self._reader,),
        )

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        with hidden_main():  # the executor starts workers while submitting
            return self._executor.submit(fn, *args)

    def close(self, now: bool = False) -> None:
        """Let the workers finish and exit, or (``now``) end them at once, dropping the
        work in flight."""
        if now:
            self._writer.close()
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._writer.close()
        self._reader.close()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.close(now=kind is not None)


@contextmanager
def hidden_main() -> Iterator[None]:
    """An empty ``__main__`` while worker processes start: they then have nothing to
    re-import (multiprocessing reads ``__main__``'s name and file to decide). Nothing
    sent to a worker may then refer to ``__main__``."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def _start_worker(parent_alive: Connection) -> None:
    """Worker initializer: ignore Ctrl-C, and end when the parent's pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(
        target=_exit_when_closed, args=(parent_alive,), daemon=True, name="exit-with-parent"
    ).start()


def _exit_when_closed(parent_alive: Connection) -> None:
    with suppress(EOFError, OSError):
        parent_alive.recv_bytes()  # nothing is ever sent: this returns at end of file
    os._exit(1)  # no clean-up: the work in flight is dropped, as its parent asked or died
