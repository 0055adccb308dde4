"""Browser tests: Debian's chromium driven by Playwright, on a closed network.

Every request that is not to 127.0.0.1 is aborted and recorded, so a test proves the
page works offline by asserting the record is empty. Without chromium the tests skip,
except where ``OVERPLAY_REQUIRE_BROWSER=1`` (as ``.ci/run`` sets): there a missing
browser fails them, so CI never passes by skipping.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
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


def _missing(message: str) -> None:
    if os.environ.get("OVERPLAY_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def need_chromium() -> None:
    """Skip (or, in CI, fail) when there is no chromium, or no Playwright, to drive."""
    if not (CHROMIUM.exists() and shutil.which("chromium")):
        _missing("needs Debian's chromium (.ci/run installs it)")
    if importlib.util.find_spec("playwright") is None:
        _missing("needs playwright (the test extras install it)")


@contextlib.contextmanager
def offline_browser(viewport: dict | None = None) -> Iterator[tuple[object, list[str]]]:
    """A chromium context that may reach only 127.0.0.1, and the list of the URLs it
    tried to reach elsewhere."""
    need_chromium()
    from playwright import sync_api

    outside: list[str] = []

    def route(r) -> None:
        if r.request.url.startswith(LOCAL):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    def route_websocket(socket) -> None:  # page.route does not see websockets
        if socket.url.startswith(LOCAL):
            socket.connect_to_server()
        else:
            outside.append(socket.url)
            socket.close()

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        context = browser.new_context(viewport=viewport or {"width": 1400, "height": 1000})
        context.route("**/*", route)
        context.route_web_socket(re.compile(".*"), route_websocket)
        try:
            yield context, outside
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(arguments: list[str], port: int, log: Path, timeout: float = 180):
    """``overplay ARGUMENTS`` in its own process group, once it answers on ``port``
    (its output appended to ``log`` and shown if it never does)."""
    url = f"http://127.0.0.1:{port}/"
    with log.open("ab") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "overplay.experiments.cli", *arguments],
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                stop_server(server)
                pytest.fail(f"the server did not answer at {url}:\n{log.read_text()}")
            time.sleep(0.3)


def stop_server(server: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Stop a server and its children (``SIGKILL`` to simulate a crash)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, sig)
    server.wait(timeout=30)


@contextlib.contextmanager
def serving(arguments: list[str], port: int) -> Iterator[str]:
    """``overplay ARGUMENTS`` as a server on ``port`` while the block runs; its address."""
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"overplay-server-{port}.log"
    server = start_server(arguments, port, log)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop_server(server)
