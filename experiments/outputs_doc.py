"""Write the column tables of ``docs/outputs.md`` from the column declarations.

``python -m overplay.experiments.outputs_doc`` rewrites each generated table in place
(between its ``<!-- columns:<table> … -->`` and ``<!-- /columns:<table> -->`` markers;
the prose around them is written by hand); ``--check`` only compares and exits 1 when
a table differs from what :mod:`overplay.model.columns` declares (for CI and tests).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from overplay.experiments.generated_doc import write_or_check
from overplay.model.columns import (
    ACTION_COLUMNS,
    CHINA_CUMULATIVE_PAYOFF,
    PAYOFF_COLUMNS,
    ROUND_COLUMNS,
    WORLD_SERIES,
)

ROOT = Path(__file__).resolve().parent.parent
OUTPUTS = ROOT / "docs" / "outputs.md"
COMMAND = "python -m overplay.experiments.outputs_doc"

#: Each generated table: its marker name → (shown name, meaning, unit) per row.
TABLES: dict[str, list[tuple[str, str, str]]] = {
    "rounds": [(c.name, c.meaning, c.unit) for c in ROUND_COLUMNS],
    "payoffs": [(c.name, c.meaning, c.unit) for c in PAYOFF_COLUMNS],
    "actions": [(c.name, c.meaning, c.unit) for c in ACTION_COLUMNS],
    "model_series": [
        (
            CHINA_CUMULATIVE_PAYOFF.name,
            CHINA_CUMULATIVE_PAYOFF.meaning,
            CHINA_CUMULATIVE_PAYOFF.unit,
        )
    ]
    + [(f"{c.name}_<material>", c.meaning, c.unit) for c in WORLD_SERIES],
}
BLOCK = re.compile(r"(<!-- columns:(\w+) [^\n]*-->\n)(.*?)(<!-- /columns:\2 -->)", re.DOTALL)


def markdown_table(rows: list[tuple[str, str, str]]) -> str:
    lines = ["| column | meaning | unit |", "|---|---|---|"]
    lines += [f"| `{name}` | {meaning} | {unit} |" for name, meaning, unit in rows]
    return "\n".join(lines) + "\n"


def render(text: str) -> str:
    """``text`` with every marked table replaced by the one the declarations give."""

    def table(match: re.Match[str]) -> str:
        opening, name, _old, closing = match.groups()
        if name not in TABLES:
            raise ValueError(f"docs/outputs.md marks an unknown table: columns:{name}")
        return f"{opening}{markdown_table(TABLES[name])}{closing}"

    rendered = BLOCK.sub(table, text)
    missing = set(TABLES) - {m.group(2) for m in BLOCK.finditer(text)}
    if missing:
        raise ValueError(f"docs/outputs.md has no marked table for: {sorted(missing)}")
    return rendered


def _rewritten(current: str | None) -> str:
    if current is None:
        raise SystemExit("the file to rewrite does not exist (its prose is written by hand)")
    return render(current)


def main(argv: list[str] | None = None) -> int:
    return write_or_check(argv, COMMAND, OUTPUTS, _rewritten)


if __name__ == "__main__":
    sys.exit(main())
