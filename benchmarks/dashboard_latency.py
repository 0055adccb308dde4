"""How long a first-time user waits on ``overplay dashboard``.

Starts ``overplay dashboard`` on a free 127.0.0.1 port and measures, with
``time.perf_counter``:

(a) server start: from launching the command to its first HTTP answer;
(b) page usable: from opening the page in headless chromium to the month line
    ("Not started …") being shown — the controls are live from then on;
(c) Step to updated plots: from a click on Step to the month counter moving on,
    which happens once the page's figures are redrawn; the first Step (which also
    loads, or on a fresh install compiles, the model's loops) is reported apart from
    the median of the next ``--steps`` ones (default 10).

Chromium is Debian's (``/usr/bin/chromium``) driven by Playwright, with every request
beyond 127.0.0.1 aborted and counted (``outside_requests``, 0 offline). It prints
figures and asserts nothing: timings depend on the machine.

    python benchmarks/dashboard_latency.py            # a table
    python benchmarks/dashboard_latency.py --json     # one JSON object on stdout
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-dev-shm-usage"]  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_server(url: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"no answer from {url} within {timeout:.0f} s") from None
            time.sleep(0.1)


def measure(steps: int) -> dict:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "overplay.experiments.cli", "dashboard", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_server(url)
        server_start = time.perf_counter() - started
        outside: list[str] = []

        def route(r) -> None:
            if r.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1")):
                r.continue_()
            else:
                outside.append(r.request.url)
                r.abort()

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.route("**/*", route)
            page = context.new_page()
            opened = time.perf_counter()
            page.goto(url)
            page.get_by_text("Not started").wait_for(timeout=300_000)
            usable = time.perf_counter() - opened
            times = []
            for n in range(1, steps + 2):
                clicked = time.perf_counter()
                page.get_by_role("button", name="Step").click()
                page.locator(".overplay-date", has_text=f"({n} of").wait_for(timeout=300_000)
                times.append(time.perf_counter() - clicked)
            browser.close()
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    return {
        "server_start_s": round(server_start, 2),
        "page_usable_s": round(usable, 2),
        "first_step_s": round(times[0], 2),
        "step_s_median": round(statistics.median(times[1:]), 2),
        "step_s_max": round(max(times[1:]), 2),
        "outside_requests": len(outside),
        "settings": {"steps": steps, "scenario": "restraint (the page's default)"},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = measure(args.steps)
    if args.json:
        print(json.dumps(figures))
        return
    print(f"server start (command to first answer)   {figures['server_start_s']:6.2f} s")
    print(f"page usable (open to controls live)      {figures['page_usable_s']:6.2f} s")
    print(f"first Step (loads the compiled loops)    {figures['first_step_s']:6.2f} s")
    print(f"Step to updated plots, median of {args.steps:<3}     {figures['step_s_median']:6.2f} s")
    print(f"  slowest                                {figures['step_s_max']:6.2f} s")
    print(f"requests beyond 127.0.0.1                {figures['outside_requests']:6d}")


if __name__ == "__main__":
    main()
