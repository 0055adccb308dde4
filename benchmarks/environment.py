"""What a benchmark ran on: Python, CPUs and package versions (shared by the benchmarks,
which run as scripts from the repository root)."""

from __future__ import annotations

import os
import platform
from importlib import metadata

PACKAGES = ("overplay", "mesa", "numpy", "pandas", "pyarrow", "psutil")


def versions() -> dict[str, object]:
    out: dict[str, object] = {"python": platform.python_version(), "cpu_count": os.cpu_count()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out
