"""Writing and printing tournament results."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import yaml
from rich.console import Console
from rich.table import Table

from overplay.experiments.result_folder import check_result_folder, replacing
from overplay.experiments.single_run import json_text, manifest_common
from overplay.experiments.tournament import TournamentSpec


def write_tournament(
    tables: dict[str, pd.DataFrame],
    spec: TournamentSpec,
    out_dir: Path,
    started: datetime,
    workers: int,
) -> None:
    """Every table as Parquet, the resolved spec and a manifest, replacing an earlier
    tournament in ``out_dir`` as one."""
    check_result_folder(out_dir, "tournament")
    resolved = yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False)
    info = manifest_common(started, "completed") | {
        "kind": "tournament",
        "spec": spec.name,
        "seed": spec.seed,
        "match_seeds": tables["matches"]["seed"].tolist(),
        "workers": workers,
        "files": [*sorted(f"{name}.parquet" for name in tables), "spec.resolved.yaml"],
    }
    with replacing(out_dir) as stage:
        for name, table in tables.items():
            table.to_parquet(stage / f"{name}.parquet", index=False)
        (stage / "spec.resolved.yaml").write_text(resolved, encoding="utf-8")
        (stage / "manifest.json").write_text(json_text(info), encoding="utf-8")


def print_ranking(ranking: pd.DataFrame, console: Console) -> None:
    """China's strategies by mean discounted payoff, with intervals and outcomes."""
    table = Table(title="Ranking of China's strategies (discounted payoffs, USD m, 95 % CI)")
    for column in (
        "rank",
        "China strategy",
        "China payoff",
        "importers' payoff",
        "China light sep. share",
        "China heavy sep. share",
    ):
        table.add_column(column, justify="left" if "strategy" in column else "right")
    for _, row in ranking.iterrows():
        table.add_row(
            str(row["rank"]),
            row["china_strategy"],
            f"{row['china_payoff_mean']:,.0f} [{row['china_payoff_ci95_low']:,.0f}, "
            f"{row['china_payoff_ci95_high']:,.0f}]",
            f"{row['importers_payoff_mean']:,.0f} [{row['importers_payoff_ci95_low']:,.0f}, "
            f"{row['importers_payoff_ci95_high']:,.0f}]",
            f"{row.get('china_processing_share_final_light_mean', float('nan')):.1%}",
            f"{row.get('china_processing_share_final_heavy_mean', float('nan')):.1%}",
        )
    console.print(table)
