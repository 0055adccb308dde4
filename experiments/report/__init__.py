"""``overplay report DIR``: one self-contained HTML file to hand out or print.

The page holds the setup in plain words, the key tables, every figure of ``overplay
plot`` (embedded as PNG, so the file travels alone) with its headline as caption, and
the manifest. It uses no script and no external resource.

The page is a Jinja2 template (``templates/report.html``) with autoescaping on: names,
descriptions and notes come from scenarios and specs that anyone may write, so every
value is escaped where it is placed, and no Python here writes HTML. The figures'
base64 text needs no escaping and is not marked safe either.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jinja2
from matplotlib.figure import Figure

from overplay.experiments.plots import PlotError, figures_of
from overplay.experiments.plots.theme import themed
from overplay.experiments.report import words
from overplay.experiments.report.sections import (
    AFTER_FIGURES,
    BEFORE_FIGURES,
    Section,
    manifest_section,
)
from overplay.experiments.report.source import ResultFolder
from overplay.experiments.single_run import atomic_write

TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("overplay.experiments.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.filters.update(fmt=format, percent=words.percent, lowered=words.lowered)
TEMPLATES.globals.update(
    rule_words=words.rule_words, mean_share=words.mean_share, importer_rules=words.importer_rules
)


@dataclass(frozen=True)
class EmbeddedFigure:
    """A figure as the page shows it: number, file stem, headline and PNG (base64)."""

    number: int
    stem: str
    headline: str
    png: str


def _embedded(number: int, stem: str, figure: Figure) -> EmbeddedFigure:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return EmbeddedFigure(
        number, stem, figure.get_suptitle(), base64.b64encode(buffer.getvalue()).decode("ascii")
    )


def _name(result: ResultFolder) -> str:
    """What the result is called: the scenario and seed of a run, the spec's name
    otherwise (the folder's name if neither is recorded)."""
    manifest = result.manifest
    if manifest.get("scenario"):
        return f"{manifest['scenario']}, seed {manifest.get('seed')}"
    return str(manifest.get("spec") or result.path.name)


def render(folder: Path) -> str:
    """The report page for the result in ``folder``; a damaged or foreign folder raises
    :class:`PlotError` saying what is wrong."""
    result = ResultFolder(folder)
    try:
        return _page(result)
    except (KeyError, TypeError, IndexError, jinja2.UndefinedError) as exc:
        raise PlotError(
            f"{folder}: the {result.kind}'s files lack what the report needs "
            f"({type(exc).__name__}: {exc}); were they edited by hand? Run the "
            "command that made them again"
        ) from None


def _page(result: ResultFolder) -> str:
    sections: list[Section] = BEFORE_FIGURES[result.kind](result)
    with themed():
        figures = [
            _embedded(n, stem, figure)
            for n, (stem, figure) in enumerate(figures_of(result.path), start=1)
        ]
    sections.append(Section("Figures", "figures.html", figures))
    sections += AFTER_FIGURES.get(result.kind, lambda _: [])(result)
    sections.append(manifest_section(result))
    return TEMPLATES.get_template("report.html").render(
        kind=result.kind,
        name=_name(result),
        folder=str(result.path),
        made=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        sections=sections,
    )


def write_report(folder: Path) -> Path:
    """Write ``folder/report.html`` (atomically); its path."""
    page = render(folder)
    path = folder / "report.html"
    atomic_write(path, lambda p: p.write_text(page, encoding="utf-8"))
    return path
