"""The run dashboard: one slide per question a reader asks of a single run.

Prices (did restriction bite?), shares (is China's grip loosening?), capacity (is
anyone building?), importers (who ran short, how long did stockpiles last?), risk
and reputation (what did the restriction cost China in trust?) and payoffs (who
gained?). Restriction periods are shaded and scripted events numbered on every panel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from overplay.experiments.plots import PlotError, files, timeline
from overplay.experiments.plots.labels import FRACTIONS, SERIES, series_label
from overplay.experiments.plots.theme import PALETTE, legend, note, slide, title
from overplay.model.tally import SHARE_THRESHOLD


@dataclass
class RunResult:
    """What a run folder holds, read once for all its figures."""

    folder: Path
    rounds: pd.DataFrame
    payoffs: pd.DataFrame
    scenario: dict[str, Any]
    summary: dict[str, Any]

    @classmethod
    def read(cls, folder: Path) -> RunResult:
        """The run's tables and documents; a missing, empty or damaged one is a
        :class:`PlotError` naming it."""
        redo = f"the folder is damaged or incomplete: run `overplay run ... --out {folder}` again"
        rounds = files.table(
            folder / "rounds.parquet", PlotError, redo, ("date", "step", "material", "importer")
        )
        rounds["month"] = timeline.months(rounds["date"])
        payoffs = files.table(folder / "payoffs.parquet", PlotError, redo, ("date",))
        payoffs["month"] = timeline.months(payoffs["date"])
        scenario = files.yaml_mapping(folder / "scenario.resolved.yaml", PlotError, redo)
        summary = files.json_mapping(folder / "summary.json", PlotError, redo)
        return cls(folder, rounds, payoffs, scenario, summary)

    @property
    def materials(self) -> list[str]:
        return list(dict.fromkeys(self.rounds["material"]))

    @property
    def importers(self) -> list[str]:
        return list(dict.fromkeys(self.rounds["importer"]))

    @property
    def world(self) -> pd.DataFrame:
        """One row per month and material."""
        return self.rounds.drop_duplicates(["step", "material"])

    @property
    def name(self) -> str:
        return f"{self.scenario.get('name', 'run')}, seed {self.scenario.get('seed')}"

    def spans(self, material: str | None) -> list[tuple[pd.Timestamp, pd.Timestamp, str]]:
        return timeline.restriction_spans(timeline.harshest_regime(self.rounds, material))

    @property
    def events(self) -> list[tuple[pd.Timestamp, str]]:
        """Scripted events within the simulated months."""
        marks = timeline.event_marks(self.scenario.get("events") or [], self.scenario["start"])
        last = self.rounds["month"].max()
        return [(month, label) for month, label in marks if month <= last]


def _decorate(ax: Axes, run: RunResult, material: str | None) -> list[Any]:
    """Shade the material's restrictions (every material's if None), number the events;
    the legend handles for the shading."""
    spans = run.spans(material)
    timeline.shade_restrictions(ax, spans)
    timeline.mark_events(ax, run.events)
    timeline.date_axis(ax)
    ax.set_xlabel("month")
    return timeline.regime_handles(spans)


def _note(figure: Figure, run: RunResult, reading: str) -> None:
    """How to read it, and the key to the numbered event lines."""
    key = "; ".join(f"{n} {m:%Y-%m} {label}" for n, (m, label) in enumerate(run.events, start=1))
    note(figure, reading, f"Scripted events (dotted lines): {key}." if key else "")


def _handles(axes: list[Axes], shading: list[Any]) -> list[Any]:
    """The lines of every panel and the regime patches, for the figure's one legend."""
    return [h for ax in axes for h in ax.get_legend_handles_labels()[0]] + shading


def _per_material(run: RunResult, headline: str, reading: str, draw: Any) -> Figure:
    figure, axes = slide(1, len(run.materials), sharex=True)
    world = run.world
    shading = []
    for ax, material in zip(axes, run.materials, strict=True):
        draw(ax, world[world["material"] == material], material)
        ax.set_title(f"{material} rare earths")
        shading += _decorate(ax, run, material)
    legend(figure, _handles(axes, shading))
    title(figure, headline)
    _note(figure, run, reading)
    return figure


def _two_and_five(value: float, _position: int) -> str:
    """Minor log-axis labels at 2× and 5× the decade only (more would overlap)."""
    mantissa = value / 10 ** math.floor(math.log10(value)) if value > 0 else 0
    return f"{value:,.0f}" if round(mantissa) in (2, 5) else ""


def prices(run: RunResult) -> Figure:
    def draw(ax: Axes, rows: pd.DataFrame, material: str) -> None:
        ax.plot(rows["month"], rows["price_ex_china"], label="ex-China price", lw=2.5)
        ax.plot(rows["month"], rows["price_china"], label="China's domestic price", lw=2)
        top, bottom = rows["price_ex_china"].max(), rows["price_china"].min()
        if bottom > 0 and top / bottom > 10:
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
            ax.yaxis.set_minor_formatter(FuncFormatter(_two_and_five))
        else:  # from zero: small moves must not look like spikes
            ax.set_ylim(0, top * 1.2)
        ax.set_ylabel("price (USD/kg)")

    return _per_material(
        run,
        f"Prices inside and outside China — {run.name}",
        "Shaded: China restricting exports of that material (the harshest "
        "regime toward any importer).",
        draw,
    )


def shares(run: RunResult) -> Figure:
    def draw(ax: Axes, rows: pd.DataFrame, material: str) -> None:
        ax.plot(rows["month"], rows["china_processing_share"], label="separation", lw=2.5)
        ax.plot(rows["month"], rows["china_mining_share"], label="mining", lw=2)
        ax.axhline(
            SHARE_THRESHOLD, color="0.4", ls="--", lw=1, label=f"{SHARE_THRESHOLD:.0%} threshold"
        )
        ax.set_ylim(0, 1.02)
        ax.set_ylabel("China's share of world output (fraction)")

    return _per_material(
        run,
        f"China's share of mining and separation — {run.name}",
        "The overuse question: does China's separation share fall below the "
        "threshold? Shaded: restrictions.",
        draw,
    )


def capacity(run: RunResult) -> Figure:
    def draw(ax: Axes, rows: pd.DataFrame, material: str) -> None:
        ax.plot(rows["month"], rows["non_china_mining_capacity"], label="mining", lw=2)
        ax.plot(rows["month"], rows["non_china_processing_capacity"], label="separation", lw=2.5)
        ax.plot(
            rows["month"],
            rows["non_china_processing_capacity"] + rows["non_china_processing_pipeline"],
            ls="--",
            lw=1.5,
            color=PALETTE[1],
            label="separation incl. under construction",
        )
        ax.set_ylim(bottom=0)
        ax.set_ylabel("non-China capacity (t/yr)")

    return _per_material(
        run,
        f"Capacity outside China by stage — {run.name}",
        "Dashed: capacity once the projects under construction are finished. Shaded: restrictions.",
        draw,
    )


def _by_importer(
    run: RunResult, headline: str, reading: str, panels: list[tuple[str, str, str | None]]
) -> Figure:
    """One panel per (panel title, column, material or None = the importer's value, the
    same on every material row), a line per importer."""
    figure, axes = slide(1, len(panels), sharex=True)
    colours = dict(zip(run.importers, PALETTE, strict=False))
    shading = []
    for ax, (heading, column, material) in zip(axes, panels, strict=True):
        rows = run.rounds[run.rounds["material"] == (material or run.materials[0])]
        for importer, group in rows.groupby("importer", sort=False):
            ax.plot(group["month"], group[column], label=importer, color=colours[importer], lw=2)
        ax.set_ylabel(series_label(column))
        ax.set_title(heading)
        # fractions keep a visible scale, so rounding noise does not fill the panel
        top = rows[column].max()
        ax.set_ylim(0, max(top * 1.08, 0.05) if SERIES[column][1] in FRACTIONS else None)
        shading += _decorate(ax, run, material)
    legend(figure, _handles(axes, shading))
    title(figure, headline)
    _note(figure, run, reading)
    return figure


def importers(run: RunResult) -> list[tuple[str, Figure]]:
    """Stockpile days and shortages per importer, for each material."""
    figures = []
    for material in run.materials:
        figures.append(
            (
                f"run_importers_{material}",
                _by_importer(
                    run,
                    f"Importers' stockpiles and shortages ({material}) — {run.name}",
                    "Shortage: share of firms' need unmet after inventories and stockpile releases."
                    " Shaded: restrictions.",
                    [
                        ("stockpiles", "stockpile_days", material),
                        ("shortages", "shortage_fraction", material),
                    ],
                ),
            )
        )
    return figures


def magnets(run: RunResult) -> list[tuple[str, Figure]]:
    """Chinese magnets each importer received and was refused, per material; none when
    the scenario has no magnet stage (no magnets ordered from China)."""
    rounds = run.rounds
    if (
        "magnets_from_china" not in rounds
        or not ((rounds["magnets_from_china"] + rounds["magnets_refused"]) > 0).any()
    ):
        return []
    panels = []
    for m in run.materials:
        panels += [
            (f"received, {m}", "magnets_from_china", m),
            (f"refused, {m}", "magnets_refused", m),
        ]
    figure = _by_importer(
        run,
        f"Magnets made in China: received and refused — {run.name}",
        "Rare-earth content of the magnets each importer's own plants cannot make. "
        "Shaded: restrictions.",
        panels,
    )
    return [("run_magnets", figure)]


def risk(run: RunResult) -> Figure:
    panels = [(f"risk, {m} rare earths", "perceived_risk", m) for m in run.materials]
    panels.append(("China's reputation", "reputation", None))
    return _by_importer(
        run,
        f"Perceived supply risk and China's reputation — {run.name}",
        "Risk decays with a half-life once restrictions end; reputation "
        "recovers more slowly. Shaded: restrictions.",
        panels,
    )


def payoffs(run: RunResult) -> Figure:
    """Discounted cumulative payoffs of China and the importers."""
    figure, axes = slide()
    ax = axes[0]
    states = run.payoffs[run.payoffs["role"].isin(["china", "importer"])]
    for colour, (player, rows) in zip(PALETTE, states.groupby("player", sort=False), strict=False):
        ax.plot(rows["month"], rows["discounted_cumulative"], label=player, lw=2.5, color=colour)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_title("China and the importing states")
    ax.set_ylabel("discounted cumulative payoff (USD m)")
    legend(figure, _handles(axes, _decorate(ax, run, None)))
    title(figure, f"Who gained? Discounted payoffs — {run.name}")
    _note(
        figure,
        run,
        f"Discount rate {run.scenario['payoffs']['discount_rate_per_year']:.0%}"
        " a year. Shaded: China restricting any material.",
    )
    return figure


def figures(folder: Path) -> list[tuple[str, Figure]]:
    """The run dashboard: every run figure as (file stem, figure)."""
    run = RunResult.read(folder)
    return [
        ("run_prices", prices(run)),
        ("run_shares", shares(run)),
        ("run_capacity", capacity(run)),
        *importers(run),
        *magnets(run),
        ("run_risk", risk(run)),
        ("run_payoffs", payoffs(run)),
    ]
