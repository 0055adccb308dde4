"""Names that become folder names: a scenario's or spec's ``name`` picks the default
output folder ``results/<name>``, so it must be one plain path component."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema

#: Letters, digits, ``.``, ``_`` and ``-``; starts with a letter or digit (so never ``..``
#: or a hidden file), at most 100 characters (well inside any file system's name limit).
OUTPUT_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
#: The rule in words: users see this, not the regular expression.
OUTPUT_NAME_RULE = (
    "must be one plain folder name: letters, digits, '.', '_' and '-', "
    "starting with a letter or digit, at most 100 characters"
)


def _plain_folder_name(value: str) -> str:
    if not re.fullmatch(OUTPUT_NAME_PATTERN, value):
        raise ValueError(f"{value!r} {OUTPUT_NAME_RULE}")
    return value


OutputName = Annotated[
    str,
    AfterValidator(_plain_folder_name),
    WithJsonSchema({"type": "string", "pattern": OUTPUT_NAME_PATTERN}),
]
