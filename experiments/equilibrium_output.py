"""Writing and printing equilibrium results."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

from overplay.experiments.result_folder import check_result_folder, replacing
from overplay.experiments.single_run import json_text, manifest_common


def write_equilibrium(
    result: dict[str, Any], document: dict[str, Any], out_dir: Path, started: datetime
) -> None:
    """equilibria.json, the stage game's payoff table, the tournament's tables and the
    replicator paths, and a manifest, replacing an earlier equilibrium in ``out_dir``."""
    check_result_folder(out_dir, "equilibrium")
    tables: dict[str, pd.DataFrame] = {}
    if "stage_game" in result:
        tables["stage_game_payoffs"] = result["stage_game"]["payoffs"]
    if "meta_game" in result:
        game = result["meta_game"]
        rows, cols = game["replicator_paths"]
        paths = pd.concat(
            [
                pd.DataFrame(rows, columns=game["china_strategies"]).assign(population="china"),
                pd.DataFrame(cols, columns=game["profiles"]).assign(population="importers"),
            ]
        )
        tables["replicator"] = paths.rename_axis("step").reset_index()
        for name, table in result["tournament_tables"].items():
            tables[f"tournament_{name}"] = table
    files = ["equilibria.json", *(f"{name}.parquet" for name in tables)]
    info = manifest_common(started, "completed") | {
        "kind": "equilibrium",
        "spec": result["name"],
        "files": files,
    }
    with replacing(out_dir) as stage:
        (stage / "equilibria.json").write_text(json_text(document), encoding="utf-8")
        for name, table in tables.items():
            table.to_parquet(stage / f"{name}.parquet", index=False)
        (stage / "manifest.json").write_text(json_text(info), encoding="utf-8")


def _equilibrium_table(title: str, equilibria: list[dict[str, Any]]) -> Table:
    table = Table(title=title)
    table.add_column("#", justify="right")
    table.add_column("player")
    table.add_column("strategy (probability)")
    table.add_column("payoff USD m", justify="right")
    for number, eq in enumerate(equilibria, start=1):
        for player, mix in eq["strategies"].items():
            played = ", ".join(f"{s} ({p:.2f})" for s, p in mix.items() if p > 1e-9)
            table.add_row(str(number), player, played, f"{eq['payoffs'][player]:,.0f}")
    return table


def print_equilibria(document: dict[str, Any], console: Console) -> None:
    """Human-readable equilibria of each part."""
    if "stage_game" in document:
        state = document["stage_game"]["state"]
        console.print(
            _equilibrium_table(
                f"Stage game at {state['date']} ({state['scenario']}, {state['horizon_rounds']} "
                "rounds)",
                document["stage_game"]["equilibria"],
            )
        )
    if "meta_game" in document:
        console.print(
            _equilibrium_table(
                "Meta-game: China strategy × importer profile", document["meta_game"]["equilibria"]
            )
        )
    if "discount_sweep" in document:
        table = Table(title="China strategies in equilibrium by discount rate")
        table.add_column("annual discount rate", justify="right")
        table.add_column("discount factor / yr", justify="right")
        table.add_column("China strategies played in equilibrium")
        for row in document["discount_sweep"]:
            table.add_row(
                f"{row['discount_rate']:.2f}",
                f"{row['discount_factor_per_year']:.3f}",
                ", ".join(row["china_strategies_in_equilibrium"]) or "—",
            )
        console.print(table)
