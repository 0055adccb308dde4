"""What ``pip install .`` ships: the README's first command installs only the packages and
data ``pyproject.toml`` lists, while the editable install the tests run under sees the
whole tree, so a missing entry would pass every other test."""

from __future__ import annotations

import fnmatch
import importlib.metadata
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("model", "agents", "experiments", "classroom")  # installed as overplay.<folder>


def setuptools_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]


def package_data() -> dict[str, list[str]]:
    return setuptools_config()["package-data"]


def package_name(folder: Path) -> str:
    return ".".join(("overplay", *folder.relative_to(ROOT).parts))


def test_every_folder_is_a_listed_package_under_overplay() -> None:
    config = setuptools_config()
    assert config["package-dir"] == {f"overplay.{name}": name for name in FOLDERS}
    folders = [
        d
        for name in FOLDERS
        for d in (ROOT / name, *(ROOT / name).rglob("*"))
        if d.is_dir() and d.name != "__pycache__"
    ]
    assert sorted(config["packages"]) == sorted(package_name(d) for d in folders)


def shipped(path: Path, globs: dict[str, list[str]]) -> bool:
    """Whether a package-data glob of the file's package (or of a parent) covers it."""
    parts = path.relative_to(ROOT).parts
    for depth in range(len(parts) - 1, 0, -1):
        package, rest = ".".join(("overplay", *parts[:depth])), "/".join(parts[depth:])
        if any(fnmatch.fnmatch(rest, glob) for glob in globs.get(package, [])):
            return True
    return False


def test_every_data_file_is_listed_in_package_data() -> None:
    globs = package_data()
    data = [
        p
        for name in FOLDERS
        for p in (ROOT / name).rglob("*")
        if p.is_file()
        and p.suffix not in (".py", ".pyc")
        and "__pycache__" not in p.parts
        and not p.name.startswith(".")
    ]
    assert len(data) > 10
    missing = [str(p.relative_to(ROOT)) for p in data if not shipped(p, globs)]
    assert missing == []


def test_only_the_overplay_namespace_is_importable(tmp_path: Path) -> None:
    """Installed, the folders answer to ``overplay.*`` only: a bare ``import model`` (which
    another package's top-level name could shadow) fails outside the repository."""
    assert importlib.metadata.distribution("overplay").read_text("top_level.txt").split() == [
        "overplay"
    ]
    for name in FOLDERS:
        bare = subprocess.run(
            [sys.executable, "-I", "-c", f"import {name}"], cwd=tmp_path, capture_output=True
        )
        assert bare.returncode != 0 and b"ModuleNotFoundError" in bare.stderr
    named = subprocess.run(
        [sys.executable, "-I", "-c", "from overplay.model import LeverageModel"], cwd=tmp_path
    )
    assert named.returncode == 0
