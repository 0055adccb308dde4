"""Serving the dashboard: checks what a first-time user gets wrong (the extra not
installed, a port in use, a solara that needs the internet), then runs solara's
own server on :mod:`overplay.classroom.dashboard_app`, with its telemetry off."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys

from overplay.classroom.dashboard_model import FILES_ALLOWED
from overplay.classroom.serving import check_port, missing
from overplay.experiments.errors import UserError

APP = "overplay.classroom.dashboard_app"
LOOPBACK = ("127.0.0.1", "::1", "localhost")
#: The dashboard extra's offline pins (pyproject.toml): the versions whose assets ship
#: on PyPI. Another solara renders a blank page without the internet.
OFFLINE_SOLARA = "1.58.2"
#: Solara's usage telemetry off; its check of components' hooks off (it warns about
#: Mesa's own code, which the user cannot change).
ENVIRONMENT = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "SOLARA_CHECK_HOOKS": "off"}
_NEEDED = ("solara", "solara_assets", "ipyvue", "ipyvuetify", "networkx", "mesa.visualization")


def missing_packages() -> list[str]:
    """The dashboard's imports this environment lacks."""
    return missing(_NEEDED)


def offline_warnings() -> list[str]:
    """Versions that work online but not on a closed classroom network."""
    problems = []
    solara = importlib.metadata.version("solara")
    if solara != OFFLINE_SOLARA:
        problems.append(
            f"solara {solara} is installed; offline pages need {OFFLINE_SOLARA} "
            "(pip install 'overplay[dashboard]')"
        )
    for widgets in ("ipyvue", "ipyvuetify"):
        major = importlib.metadata.version(widgets).split(".")[0]
        if major != "1":
            problems.append(f"{widgets} {major}.x needs Vue 3 from the internet; install 1.x")
    return problems


def command(host: str, port: int) -> list[str]:
    """solara's server in production mode (no reloading), not opening a browser and not
    asking PyPI for a newer solara (which would advise an upgrade that breaks offline)."""
    return [
        sys.executable, "-m", "solara", "run", APP,
        "--host", host, "--port", str(port), "--production", "--no-open", "--no-check-version",
    ]  # fmt: skip


def serve(host: str, port: int, say=print, warn=print) -> int:
    """Run the dashboard until interrupted; solara's exit code."""
    absent = missing_packages()
    if absent:
        raise UserError(
            "overplay dashboard needs the dashboard extra (missing: "
            f"{', '.join(absent)}): pip install 'overplay[dashboard]'"
        )
    check_port(host, port)
    for warning in offline_warnings():
        warn(f"warning: {warning}")
    shown = "localhost" if host in LOOPBACK else (f"[{host}]" if ":" in host else host)
    say(f"Overplay dashboard: http://{shown}:{port}/ (starting; Ctrl+C stops it)")
    if host in ("0.0.0.0", "::"):
        say(f"Listening on every network: others open http://<this computer's address>:{port}/")
    environment = {**os.environ, **ENVIRONMENT}
    # Scenario files typed into the page are read only when no one else can reach it.
    environment[FILES_ALLOWED] = "1" if host in LOOPBACK else "0"
    try:
        return subprocess.run(command(host, port), env=environment, check=False).returncode
    except KeyboardInterrupt:
        return 0
