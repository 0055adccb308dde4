"""Docs generated from the code (the strategy catalogue, the output column tables):
one command-line shape for all of them, ``--check`` to fail on drift and ``--output``
to write elsewhere."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path


def write_or_check(
    argv: list[str] | None, command: str, default: Path, render: Callable[[str | None], str]
) -> int:
    """Write what ``render`` makes of the file's current text (None: no file yet) to
    ``--output``; with ``--check`` write nothing and exit 1 if it would change."""
    parser = argparse.ArgumentParser(prog=command, description=f"Write {default.name}.")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the file differs from the generated one"
    )
    parser.add_argument(
        "--output", type=Path, default=default, help=f"the file to write (default: {default})"
    )
    args = parser.parse_args(argv)
    current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
    rendered = render(current)
    if args.check:
        if rendered != current:
            print(f"{args.output} is out of date: run {command}", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.write_text(rendered, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0
