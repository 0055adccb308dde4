"""Browser tests: Debian's chromium driven by Playwright, on a closed network.

Every request that is not to 127.0.0.1 is aborted and recorded, so a test proves the
page works offline by asserting the record is empty. Without chromium the tests skip,
except where ``OVERPLAY_REQUIRE_BROWSER=1`` (as ``.ci/run`` sets): there a missing
browser fails them, so CI never passes by skipping.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
#: Flags that keep chromium quiet on a closed network (classroom_notes.md).
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
LOCAL = ("http://127.0.0.1", "ws://127.0.0.1")


def need_chromium() -> None:
    """Skip (or, in CI, fail) when there is no chromium to drive."""
    if CHROMIUM.exists() and shutil.which("chromium"):
        return
    message = "needs Debian's chromium (.ci/run installs it)"
    if os.environ.get("OVERPLAY_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def offline_browser(viewport: dict | None = None) -> Iterator[tuple[object, list[str]]]:
    """A chromium context that may reach only 127.0.0.1, and the list of the URLs it
    tried to reach elsewhere."""
    need_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    outside: list[str] = []

    def route(r) -> None:
        if r.request.url.startswith(LOCAL):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        context = browser.new_context(viewport=viewport or {"width": 1400, "height": 1000})
        context.route("**/*", route)
        try:
            yield context, outside
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(arguments: list[str], port: int, timeout: float = 180) -> Iterator[str]:
    """``overplay ARGUMENTS`` as a server on ``port``, until it answers; its address.
    Stopped (with its children) afterwards; its output is shown if it never answers."""
    url = f"http://127.0.0.1:{port}/"
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"overplay-server-{port}.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "overplay.experiments.cli", *arguments],
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the server did not answer at {url}:\n{log.read_text()}")
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
