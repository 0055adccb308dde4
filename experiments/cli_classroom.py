"""The classroom commands: ``overplay dashboard`` and ``overplay seminar``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from overplay.experiments.cli_base import command, err, out


@command()
def dashboard(
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve on.")] = 8765,
    host: Annotated[
        str, typer.Option(help="Address to listen on (0.0.0.0: every network, for a class).")
    ] = "127.0.0.1",
) -> None:
    """Open the model in a browser, offline: pick a scenario, move levers, step, watch.

    Mesa's SolaraViz page (needs the dashboard extra: pip install 'overplay[dashboard]').
    """
    from overplay.classroom.dashboard_server import serve

    code = serve(host, port, say=out.print, warn=err.print)
    if code:
        raise typer.Exit(code)


@command()
def seminar(
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve on.")] = 8000,
    host: Annotated[
        str, typer.Option(help="Address to listen on (0.0.0.0: the classroom's network).")
    ] = "0.0.0.0",
    db: Annotated[
        Path, typer.Option(help="The session database (kept; a restart resumes from it).")
    ] = Path("overplay-seminar.db"),
) -> None:
    """Run a policy seminar: teams play countries from their own browsers.

    Needs the seminar extra: pip install 'overplay[seminar]'. Open the address it prints,
    create a session, and hand out the team codes.
    """
    from overplay.classroom.seminar.server import serve

    serve(host, port, db, say=out.print)
