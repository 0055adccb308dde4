"""Names that become folder names: a scenario's or spec's ``name`` picks the default
output folder ``results/<name>``, so it must be one plain path component."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

#: Letters, digits, ``.``, ``_`` and ``-``; starts with a letter or digit (so never ``..``
#: or a hidden file), at most 100 characters (well inside any file system's name limit).
OUTPUT_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"

OutputName = Annotated[str, StringConstraints(pattern=OUTPUT_NAME_PATTERN)]
