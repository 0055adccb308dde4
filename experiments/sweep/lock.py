"""One sweep at a time per folder: an OS advisory lock on ``DIR/.lock``.

``fcntl.flock`` rather than a lock *file* whose existence is the lock: the kernel drops
the lock when its holder exits however it exits (``kill -9`` included), so a dead sweep
never leaves a stale lock to clean up by hand. (The ``filelock`` package would wrap the
same call, but it truncates the file on every attempt, so a refused sweep could not read
who holds the lock; it is not a dependency either.) POSIX only, like the rest of the
sweep runtime.
"""

from __future__ import annotations

import fcntl
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from overplay.experiments.errors import UserError

LOCK_NAME = ".lock"


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold ``folder``'s sweep lock for the block; refuse (:class:`UserError`) if another
    process holds it, naming that process."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = Path(path).read_text(errors="replace").strip() or "another process"
            raise UserError(
                f"{folder}: another sweep is writing to this folder ({holder}); wait for it "
                "to finish or stop it, then run the same command again to resume — or "
                "choose another --out"
            ) from None
        os.ftruncate(descriptor, 0)
        os.write(descriptor, _holder().encode())
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _holder() -> str:
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else "python"
    return f"pid {os.getpid()} on {socket.gethostname()}, started {started}: {command}\n"
