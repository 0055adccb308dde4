"""Serving the seminar: the address teams type, the checks a first-time facilitator
needs (the extra installed, the port free), then one uvicorn worker (the rounds' timer
lives in the process; the state lives in the database file)."""

from __future__ import annotations

import socket
from pathlib import Path

from overplay.classroom.serving import check_port, missing
from overplay.experiments.errors import UserError

_NEEDED = ("fastapi", "uvicorn", "multipart", "segno", "jinja2")


def missing_packages() -> list[str]:
    return missing(_NEEDED)


def lan_address() -> str:
    """This computer's address on its network, found without sending anything (a UDP
    socket is pointed at a private address; no packet leaves). 127.0.0.1 if none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.254.254.254", 1))
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def join_address(host: str, port: int) -> str:
    shown = lan_address() if host in ("0.0.0.0", "") else host
    return f"http://{shown}:{port}/"


def serve(host: str, port: int, database: Path, say=print) -> None:
    """Run the seminar server until interrupted."""
    absent = missing_packages()
    if absent:
        raise UserError(
            f"overplay seminar needs the seminar extra (missing: {', '.join(absent)}): "
            "pip install 'overplay[seminar]'"
        )
    check_port(host, port)
    if database.parent and not database.parent.exists():
        raise UserError(f"--db {database}: folder {database.parent} does not exist")
    import uvicorn

    from overplay.classroom.seminar.app import create_app

    address = join_address(host, port)
    app = create_app(database, address)
    say(f"Overplay seminar: {address} (database {database}; Ctrl+C stops it)")
    if host in ("127.0.0.1", "localhost"):
        say("Only this computer can reach it: use --host 0.0.0.0 for a classroom network.")
    uvicorn.run(app, host=host, port=port, workers=1, log_level="warning")
