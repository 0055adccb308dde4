"""What every ``overplay`` command shares: the typer app, the consoles, the decorator
that turns a user's mistake into one line and an exit code, and loading the compiled
model before a progress bar. Command modules (``cli``, ``cli_history``) import it, so
none imports another back."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import typer
from rich.console import Console
from rich.progress import TextColumn

from overplay.experiments.errors import MachineError, UserError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Overplay: an agent-based, game-theoretic model of rare-earth export-control leverage.",
)
out = Console(markup=False, emoji=False, highlight=False)
err = Console(stderr=True, markup=False, emoji=False, highlight=False, soft_wrap=True)


def _name_column() -> TextColumn:
    """A progress bar's description in bold, never read as markup (it holds names)."""
    return TextColumn("{task.description}", style="bold", markup=False)


def _reported(error: BaseException) -> int | None:
    """Print an error the user can act on — every located problem, or one line — and
    return its exit code; None (nothing printed) for a bug, which keeps its traceback."""
    from overplay.model.problems import ScenarioError

    if isinstance(error, ScenarioError):
        for problem in error.problems:
            err.print(str(problem))
        return 2
    if isinstance(error, UserError):
        err.print(str(error))
        return 2
    if isinstance(error, OSError) and error.strerror:
        where = f"{error.filename}: " if error.filename else ""
        err.print(f"{where}{error.strerror}")
        return 1
    if isinstance(error, MachineError | OSError):
        err.print(str(error))
        return 1
    return None


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """Warnings as one located line (the loader's notes: ``FILE:LINE: note: …``)."""
    from overplay.model.scenario_checks import ScenarioNote

    kind = "note" if issubclass(category, ScenarioNote) else category.__name__
    err.print(f"{filename}:{lineno}: {kind}: {message}")


def command(*args: Any, **kwargs: Any) -> Callable[[Callable], Callable]:
    """``app.command`` whose errors the user can act on end in one line and an exit
    code, and whose warnings print as one line each, whether the CLI runs as a program
    or under typer's test runner."""

    def register(function: Callable) -> Callable:
        @functools.wraps(function)
        def guarded(*a: Any, **kw: Any) -> Any:
            from overplay.experiments.single_run import read_source_tree

            read_source_tree()  # the manifest names the tree the command started from
            try:
                with warnings.catch_warnings():
                    warnings.showwarning = _show_warning
                    return function(*a, **kw)
            except (typer.Exit, typer.Abort):
                raise
            except Exception as exc:
                code = _reported(exc)
                if code is None:
                    raise
                raise typer.Exit(code) from None

        return app.command(*args, **kwargs)(guarded)

    return register


def _load_compiled(quiet: bool) -> None:
    """Load the model's compiled loops before any progress bar (and before workers are
    spawned); the first run after installing compiles them."""
    from overplay.model.compiled import load_compiled_loops

    if quiet:
        load_compiled_loops()
        return
    with err.status(
        "Loading the compiled model (the first run after installing compiles it: about ten seconds)"
    ):
        load_compiled_loops()
