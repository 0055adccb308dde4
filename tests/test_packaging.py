"""Every data file in the packages ships with them: ``pip install .`` (the README's first
command) installs only what ``package-data`` lists, while the editable install the tests
run under sees the whole tree, so a missing glob would pass every other test."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("model", "agents", "experiments")


def package_data() -> dict[str, list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["setuptools"]["package-data"]


def shipped(path: Path, globs: dict[str, list[str]]) -> bool:
    """Whether a package-data glob of the file's package (or of a parent) covers it."""
    parts = path.relative_to(ROOT).parts
    for depth in range(len(parts) - 1, 0, -1):
        package, rest = ".".join(parts[:depth]), "/".join(parts[depth:])
        if any(fnmatch.fnmatch(rest, glob) for glob in globs.get(package, [])):
            return True
    return False


def test_every_data_file_is_listed_in_package_data() -> None:
    globs = package_data()
    data = [p for name in PACKAGES for p in (ROOT / name).rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
            and not p.name.startswith(".")]
    assert len(data) > 10
    missing = [str(p.relative_to(ROOT)) for p in data if not shipped(p, globs)]
    assert missing == []
