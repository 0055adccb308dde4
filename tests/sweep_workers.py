"""Work functions the sweep-safety tests hand to the executors. They live in a module (not a
test file) because worker processes import them by name."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from overplay.experiments.sweep.work import RunConfiguration, run_chunk


def _folder(chunk: list[RunConfiguration]) -> Path:
    """The test's folder: the runs' scenario file is written there."""
    return Path(chunk[0].scenario).parent


def die_once_then_run(chunk: list[RunConfiguration]) -> list[tuple[dict[str, Any], Any]]:
    """The first chunk to arrive kills its own worker (as the OOM killer would); every
    later one, and that chunk's retry, runs normally."""
    marker = _folder(chunk) / "a-worker-died"
    if not marker.exists():
        marker.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return run_chunk(chunk)


def always_die(chunk: list[RunConfiguration]) -> list[tuple[dict[str, Any], Any]]:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


def sleep_forever(chunk: list[RunConfiguration]) -> list[tuple[dict[str, Any], Any]]:
    """Leave the worker's pid in the test's folder, then work "forever"."""
    (_folder(chunk) / f"worker-{os.getpid()}.pid").touch()
    time.sleep(600)
    raise AssertionError("unreachable")


def loaded_modules(chunk: list[RunConfiguration]) -> list[tuple[dict[str, Any], Any]]:
    """Which of the heavy modules the worker has: the command line must not be one."""
    row = {
        "run_id": chunk[0].run_id,
        **{
            name: name in sys.modules
            for name in ("overplay.experiments.cli", "typer", "overplay.model.leverage_model")
        },
    }
    return [(row, None)]
