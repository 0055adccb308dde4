"""Result folders: never write over a folder that holds something else, and replace a
result's files all at once.

A run, tournament or equilibrium writes its whole set of files into a staging folder
beside the target and swaps it into place at the end: a failed or interrupted command
leaves the earlier result intact and consistent, and a new result never keeps an
earlier one's figures or report. (Sweeps are resumable and manage their own folder.)
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from overplay.experiments.errors import MachineError, UserError

#: Written into a result folder later, by ``overplay plot`` and ``overplay report``.
ADDED_LATER = ("figures", "report.html", "analysis")


#: What to do about a damaged manifest where a result of this kind would be written.
DAMAGED_ADVICE = {
    "sweep": "if the spec and its scenarios are unchanged, delete this file and run the "
    "same command to resume — otherwise choose another --out or delete the folder",
}
#: ... and where any other kind would be (it replaces the folder whole).
REPLACE_ADVICE = "remove the folder or choose another --out"


def visible_entries(target: Path) -> list[str]:
    """The names in ``target`` (none if it does not exist), hidden ones (locks,
    half-written temporaries) left out; a file where a folder should be is refused."""
    if not target.exists():
        return []
    if not target.is_dir():
        raise MachineError(f"{target}: exists and is not a folder; choose another --out")
    return sorted(p.name for p in target.iterdir() if not p.name.startswith("."))


def manifest_of_kind(folder: Path, kind: str) -> dict[str, Any] | None:
    """The folder's manifest (None if it has none), refused when it is damaged or was
    written by another kind of result."""
    path = folder / "manifest.json"
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        manifest = None
    if not isinstance(manifest, dict):
        advice = DAMAGED_ADVICE.get(kind, REPLACE_ADVICE)
        raise UserError(f"{path}: damaged (not a JSON manifest); {advice}")
    found = manifest.get("kind")
    if found != kind:
        raise UserError(
            f"{folder}: holds a {found or 'different'} result, not a {kind}; choose another --out"
        )
    return manifest


def names(entries: list[str]) -> str:
    """At most three names, for a message."""
    return ", ".join(entries[:3]) + (", ..." if len(entries) > 3 else "")


def check_result_folder(target: Path, kind: str) -> None:
    """Refuse, before anything runs, a target that holds anything but an earlier result of
    the same kind (with its figures and report: exit 2), or that cannot be written (a
    file, a read-only folder: exit 1)."""
    here = Path.cwd().resolve()
    if target.resolve() in (here, *here.parents):
        raise UserError(
            f"{target}: is the current folder or holds it; a result needs a "
            "folder of its own (e.g. --out results/NAME)"
        )
    entries = visible_entries(target)
    if entries:
        _check_own_files(target, kind, entries)
    ancestor = target.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise MachineError(f"{ancestor}: not a folder; choose another --out")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise MachineError(f"{ancestor}: not writable; choose another --out")


def _check_own_files(target: Path, kind: str, entries: list[str]) -> None:
    """The folder is replaced whole: everything in it must be the earlier result's."""
    manifest = manifest_of_kind(target, kind)
    if manifest is None:
        raise UserError(
            f"{target}: not a {kind} folder (holds {names(entries)}); choose "
            "another --out or empty it"
        )
    files = manifest.get("files", [])
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise UserError(
            f"{target / 'manifest.json'}: damaged ('files' is not a list of "
            f"names); {REPLACE_ADVICE}"
        )
    owned = {"manifest.json", *files, *ADDED_LATER}
    foreign = [name for name in entries if name not in owned]
    if foreign:
        raise UserError(
            f"{target}: holds files the earlier {kind} did not write "
            f"({names(foreign)}); move them or choose another --out"
        )


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """An empty staging folder beside ``target``; when the block succeeds it takes the
    target's place (the earlier contents are removed), otherwise it is removed and the
    target is untouched."""
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.new-"))
    try:
        yield stage
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(stage, 0o777 & ~umask)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
    try:
        if target.exists():
            os.rename(target, old)
        os.rename(stage, target)
    except BaseException:
        if old.exists():
            os.rename(old, target)
        shutil.rmtree(stage, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)
