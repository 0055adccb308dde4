"""numba's ``njit`` with its on-disk cache in a per-user cache folder.

numba caches compiled code beside the source by default. For an installed package that
is ``site-packages/<package>/__pycache__``: files pip does not know about, which survive
an uninstall and, after ``pip install -e``, leave folders Python takes for empty
namespace packages. The cache therefore lives in the user's cache folder
(``platformdirs.user_cache_dir("overplay")/numba``), or in the temporary folder when that
is not writable. ``NUMBA_CACHE_DIR`` set by the user still wins.

numba checks only the source file of a cached function, not the files of the functions
it calls: after an edit to ``market.py``, a kernel in ``clearing_kernel.py`` would run
its stale compiled copy. The cache folder is therefore named by a digest of every
source file that defines compiled loops, so any edit to one compiles afresh.
"""

from __future__ import annotations

import hashlib
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


def _sources_digest() -> str:
    """A digest of the package's source files that define compiled loops."""
    root = Path(__file__).resolve().parents[1]  # the folder holding model/ and agents/
    digest = hashlib.sha256()
    for path in sorted(root.glob("*/*.py")):
        text = path.read_bytes()
        if b"@njit" in text:
            digest.update(path.name.encode() + text)
    return digest.hexdigest()[:16]


def _choose_cache_dir() -> Path:
    user = os.getuid() if hasattr(os, "getuid") else os.getlogin()
    version = _sources_digest()
    for candidate in (
        Path(platformdirs.user_cache_dir("overplay")) / "numba" / version,
        Path(tempfile.gettempdir()) / f"overplay-numba-{user}" / version,
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
