"""numba's ``njit`` with its on-disk cache in a per-user cache folder.

numba caches compiled code beside the source by default. For an installed package that
is ``site-packages/<package>/__pycache__``: files pip does not know about, which survive
an uninstall and, after ``pip install -e``, leave folders Python takes for empty
namespace packages. The cache therefore lives in the user's cache folder
(``platformdirs.user_cache_dir("overplay")/numba``), or in the temporary folder when that
is not writable. ``NUMBA_CACHE_DIR`` set by the user still wins.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numba
import platformdirs

__all__ = ["cache_dir", "njit"]


def _writable_dir(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK | os.X_OK)


def _choose_cache_dir() -> Path:
    user = os.getuid() if hasattr(os, "getuid") else os.getlogin()
    for candidate in (
        Path(platformdirs.user_cache_dir("overplay")) / "numba",
        Path(tempfile.gettempdir()) / f"overplay-numba-{user}",
    ):
        if _writable_dir(candidate):
            return candidate
    raise PermissionError(
        f"no writable folder for numba's cache (tried {candidate.parent}); set NUMBA_CACHE_DIR"
    )


if not numba.config.CACHE_DIR:  # read from NUMBA_CACHE_DIR when numba was imported
    numba.config.CACHE_DIR = str(_choose_cache_dir())


def cache_dir() -> Path:
    """Where the compiled loops are kept (for messages and tests)."""
    return Path(numba.config.CACHE_DIR)


njit = numba.njit
