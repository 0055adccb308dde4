"""``overplay dashboard`` refuses what a first-time user gets wrong in one line and
exit 2: the extra not installed, a port already taken. It warns when solara would need
the internet, and runs solara with its telemetry and version check off."""

from __future__ import annotations

import socket

from typer.testing import CliRunner

from overplay.classroom import dashboard_server
from overplay.experiments.cli import app


def test_without_the_dashboard_extra_it_says_what_to_install(monkeypatch):
    monkeypatch.setattr(dashboard_server, "missing_packages", lambda: ["solara"])
    result = CliRunner().invoke(app, ["dashboard"])
    assert result.exit_code == 2
    assert "pip install 'overplay[dashboard]'" in result.output
    assert "Traceback" not in result.output


def test_a_port_in_use_is_refused_before_solara_starts(monkeypatch):
    started = []
    monkeypatch.setattr(dashboard_server.subprocess, "run", lambda *a, **k: started.append(a))
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = CliRunner().invoke(app, ["dashboard", "--port", str(port)])
    assert result.exit_code == 2 and f"--port {port}" in result.output
    assert started == []


def test_the_installed_pins_serve_offline_with_telemetry_off(monkeypatch):
    assert dashboard_server.missing_packages() == []
    assert dashboard_server.offline_warnings() == []
    calls = []

    class Done:
        returncode = 0

    def run(command, env, check):
        calls.append((command, env))
        return Done()

    monkeypatch.setattr(dashboard_server.subprocess, "run", run)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = CliRunner().invoke(app, ["dashboard", "--port", str(port)])
    assert result.exit_code == 0, result.output
    assert f"http://localhost:{port}/" in result.output
    command, env = calls[0]
    assert command[command.index("--port") + 1] == str(port)
    assert {"--production", "--no-check-version", "--no-open"} <= set(command)
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"


def test_a_solara_that_needs_the_internet_is_named(monkeypatch):
    versions = {"solara": "1.64.1", "ipyvue": "3.1.1", "ipyvuetify": "1.12.0"}
    monkeypatch.setattr(dashboard_server.importlib.metadata, "version", versions.__getitem__)
    warnings = dashboard_server.offline_warnings()
    assert any("solara 1.64.1" in w for w in warnings)
    assert any(w.startswith("ipyvue 3.x") for w in warnings)
    assert not any("ipyvuetify" in w for w in warnings)
