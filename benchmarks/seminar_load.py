"""Load check of ``overplay seminar``: eight teams and a facilitator polling every
second through one round, on 127.0.0.1.

Starts ``overplay seminar`` on a free port with a fresh database, creates two
sessions of four teams (China, the US, Japan, the EU: a session has one team per
country), joins the eight teams, and then for ``--seconds`` (default 300, a 5-minute
round) has each team poll its status page every second and submit a decision once, at
a random moment, while the facilitator polls both consoles every second. It prints
the requests made, the p50/p95/max response times of polls and of submissions, and
whether every submission was counted (read back from the database). It asserts
nothing: timings depend on the machine.

    python benchmarks/seminar_load.py                 # five minutes
    python benchmarks/seminar_load.py --seconds 30    # a quick look
    python benchmarks/seminar_load.py --json
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

COUNTRIES = ("china", "us", "japan", "eu")
DECISIONS = {
    "china": {"regime:heavy:us": "license", "severity:heavy:us": "40"},
    "us": {"stockpile_days": "120"},
    "japan": {"subsidy_processing": "200"},
    "eu": {"coordinate": "join"},
}


class Client:
    """A browser: its own cookies, timed requests."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def call(self, path: str, form: dict | None = None) -> tuple[int, float, str]:
        data = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, data=data, timeout=30) as answer:
                body, status = answer.read().decode(), answer.status
        except urllib.error.HTTPError as error:
            body, status = error.read().decode(), error.code
        return status, time.perf_counter() - started, body


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int, database: Path) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "overplay.experiments.cli", "seminar", "--host", "127.0.0.1",
         "--port", str(port), "--db", str(database)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                return server
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the seminar server did not start")


def create_session(facilitator: Client, minutes: float) -> tuple[str, dict[str, str]]:
    form = {"scenario": "baseline", "countries": list(COUNTRIES), "rounds": 2,
            "minutes": minutes, "seed": 1}  # fmt: skip
    opener = facilitator.opener
    request = urllib.request.Request(
        facilitator.base + "/new", data=urllib.parse.urlencode(form, doseq=True).encode()
    )
    with opener.open(request) as answer:  # follows the redirect to the console
        console = answer.read().decode()
        session_id = answer.geturl().rstrip("/").rsplit("/", 1)[1]
    codes = dict(re.findall(r"<td>(\w+)</td><td class=\"code\">([A-Z0-9]{6})</td>", console))
    facilitator.call(f"/f/{session_id}/control", {"do": "open"})
    return session_id, codes


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="overplay-load-"))
    server = start_server(port, folder / "seminar.db")
    base = f"http://127.0.0.1:{port}"
    polls: list[float] = []
    submits: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    try:
        facilitator = Client(base)
        minutes = (args.seconds + 60) / 60  # the round outlasts the load
        sessions = [create_session(facilitator, minutes) for _ in range(2)]
        stop_at = time.monotonic() + args.seconds

        def team(code: str, country: str) -> None:
            client = Client(base)
            client.call("/join", {"code": code})
            submit_at = time.monotonic() + random.uniform(0, args.seconds * 0.9)
            submitted = False
            while time.monotonic() < stop_at:
                status, took, _ = client.call("/team/status")
                with lock:
                    polls.append(took)
                    if status != 200:
                        failures.append(f"{country} poll {status}")
                if not submitted and time.monotonic() >= submit_at:
                    status, took, _ = client.call("/team/submit", DECISIONS[country])
                    with lock:
                        submits.append(took)
                        if status != 200:
                            failures.append(f"{country} submit {status}")
                    submitted = True
                time.sleep(max(0.0, 1 - took))

        def console() -> None:
            while time.monotonic() < stop_at:
                for session_id, _ in sessions:
                    status, took, _ = facilitator.call(f"/f/{session_id}/status")
                    with lock:
                        polls.append(took)
                        if status != 200:
                            failures.append(f"facilitator poll {status}")
                time.sleep(1)

        threads = [threading.Thread(target=console)] + [
            threading.Thread(target=team, args=(codes[c], c))
            for _, codes in sessions
            for c in codes
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with sqlite3.connect(folder / "seminar.db") as db:
            counted = db.execute("SELECT count(*) FROM submissions").fetchone()[0]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    figures = {
        "seconds": args.seconds,
        "clients": 9,
        "requests": len(polls) + len(submits),
        "poll_ms": {"p50": percentile(polls, 0.5), "p95": percentile(polls, 0.95),
                    "max": max(polls) * 1000},
        "submit_ms": {"p50": percentile(submits, 0.5), "p95": percentile(submits, 0.95),
                      "max": max(submits) * 1000},
        "submissions_sent": len(submits),
        "submissions_counted": counted,
        "failures": failures,
    }  # fmt: skip
    if args.json:
        print(json.dumps(figures))
        return
    print(f"{figures['clients']} clients (8 teams in 2 sessions, 1 facilitator), "
          f"{args.seconds:.0f} s, {figures['requests']:,} requests")  # fmt: skip
    for name in ("poll_ms", "submit_ms"):
        f = figures[name]
        print(f"{name[:-3]:>7}: p50 {f['p50']:6.1f} ms   p95 {f['p95']:6.1f} ms   "
              f"max {f['max']:6.1f} ms")  # fmt: skip
    print(f"submissions: {figures['submissions_counted']} counted of "
          f"{figures['submissions_sent']} sent; failures: {len(failures)}")  # fmt: skip
    print(f"mean poll {statistics.mean(polls) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
