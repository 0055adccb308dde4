"""What both classroom servers check before they start: their extra's packages and a
free port, each refused in one line (exit 2) instead of a failure deep in the server."""

from __future__ import annotations

import importlib.util
import socket

from overplay.experiments.errors import UserError


def missing(modules: tuple[str, ...]) -> list[str]:
    """The modules this environment cannot import."""
    absent = []
    for module in modules:
        try:
            found = importlib.util.find_spec(module) is not None
        except ImportError:  # a parent package missing
            found = False
        if not found:
            absent.append(module)
    return absent


def check_port(host: str, port: int) -> None:
    """Refuse a port another program holds."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise UserError(
                f"--port {port}: cannot listen on {host}:{port} ({exc.strerror}); "
                "choose another port with --port"
            ) from None
