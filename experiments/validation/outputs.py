"""Writing a history command's result folder the way every result is written: checked
before anything runs, then replaced whole from a staging folder (a failed or
interrupted command leaves the earlier result as it was)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from overplay.experiments.result_folder import replacing
from overplay.experiments.single_run import json_text


def write_result(
    target: Path,
    kind: str,
    tables: dict[str, pd.DataFrame],
    texts: dict[str, str],
    manifest: dict[str, Any],
) -> None:
    """Parquet tables and text files by name, and a manifest listing them."""
    document = {"kind": kind, **manifest, "files": sorted([*tables, *texts])}
    with replacing(target) as stage:
        for name, table in tables.items():
            table.to_parquet(stage / name, index=False)
        for name, text in texts.items():
            (stage / name).write_text(text, encoding="utf-8")
        (stage / "manifest.json").write_text(json_text(document), encoding="utf-8")
