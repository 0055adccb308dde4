"""numba keeps the compiled loops in a per-user cache folder, never inside the package.

Caches written into ``site-packages/<package>/__pycache__`` survived ``pip install -e``
over ``pip install .`` and turned the package folders into empty namespace packages,
so every command failed (issue 11)."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from numba.core.registry import CPUDispatcher

from overplay.model.jit import cache_dir

COMPILED_MODULES = (
    "overplay.model.market",
    "overplay.model.clearing_kernel",
    "overplay.model.month_kernel",
    "overplay.agents.firm_kernels",
    "overplay.agents.strategies.firm",
)
PACKAGE_ROOTS = [
    Path(importlib.import_module(name).__file__).resolve().parent
    for name in ("overplay.model", "overplay.agents", "overplay.experiments")
]


def compiled_functions() -> list[CPUDispatcher]:
    found = []
    for name in COMPILED_MODULES:
        module = importlib.import_module(name)
        found += [v for v in vars(module).values() if isinstance(v, CPUDispatcher)]
    return found


def test_every_compiled_loop_caches_in_the_user_cache_folder() -> None:
    functions = compiled_functions()
    assert len(functions) >= 10
    for function in functions:
        path = Path(function._cache._cache_path).resolve()
        assert path.is_relative_to(cache_dir().resolve()), function
        assert not any(path.is_relative_to(root) for root in PACKAGE_ROOTS), function


@pytest.mark.skipif(sys.platform != "linux", reason="XDG_CACHE_HOME is Linux's convention")
def test_the_cache_folder_follows_the_platform_and_the_users_override(tmp_path) -> None:
    probe = "from overplay.model.jit import cache_dir; print(cache_dir())"
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    default = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert Path(default).parent == tmp_path / "xdg" / "overplay" / "numba"
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "mine")
    chosen = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert Path(chosen) == tmp_path / "mine"


def test_kernels_taking_named_tuples_load_from_the_cache() -> None:
    """Kernels that take and return named tuples are cached like the rest: a process that
    simulates a month after another has compiles nothing."""
    probe = (
        "from overplay.model.compiled import load_compiled_loops\n"
        "from overplay.model import month_kernel\n"
        "from overplay.agents import firm_kernels\n"
        "load_compiled_loops()\n"
        "for f in (month_kernel.run_month, firm_kernels.memories):\n"
        "    print(f.__name__, sum(f.stats.cache_hits.values()), len(f.stats.cache_misses))\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True)
    second = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout.split()
    assert second == ["run_month", "1", "0", "memories", "1", "0"]


def test_an_edit_to_any_kernel_source_gets_a_fresh_cache_folder(tmp_path, monkeypatch) -> None:
    """numba checks only a cached function's own file; the folder is named by every
    kernel source, so editing ``market.py`` cannot leave a caller's stale copy in use."""
    from overplay.model import jit

    package = tmp_path / "pkg"
    for folder in ("model", "agents"):
        (package / folder).mkdir(parents=True)
    (package / "model" / "jit.py").write_text("# stand-in\n")
    (package / "model" / "market.py").write_text("@njit\ndef f(): return 1\n")
    (package / "agents" / "plain.py").write_text("x = 1\n")
    monkeypatch.setattr(jit, "__file__", str(package / "model" / "jit.py"))
    before = jit._sources_digest()
    (package / "agents" / "plain.py").write_text("x = 2\n")
    assert jit._sources_digest() == before  # files without compiled loops do not count
    (package / "model" / "market.py").write_text("@njit\ndef f(): return 2\n")
    assert jit._sources_digest() != before
