"""``overplay report DIR``: one self-contained HTML file to hand out or print.

The page holds the scenario in plain words, the key tables, every figure of
``overplay plot`` (embedded as PNG, so the file travels alone) with its reading note
as caption, and the manifest. It uses no script and no external resource.
"""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from matplotlib.figure import Figure

from experiments.plots import figures_of, kind_of
from experiments.plots.theme import themed
from experiments.report.sections import SECTIONS, Section, manifest_section
from experiments.single_run import atomic_write

STYLE = """
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #0173b2;
     padding-bottom: 0.2em; margin-top: 2em; }
.meta { color: #555; } nav ol { columns: 2; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.85em; min-width: 40%; }
caption { text-align: left; font-weight: bold; padding: 0.3em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; }
.num { text-align: right; font-variant-numeric: tabular-nums; } th { background: #eef4fa; }
figure { margin: 1.5em 0; } figure img { width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 0.85em; color: #444; }
code { background: #f3f3f3; padding: 0 0.2em; }
@media print {
  body { max-width: none; margin: 0; font-size: 10pt; }
  h2 { page-break-after: avoid; } figure, table { page-break-inside: avoid; }
  nav { display: none; }
}
"""

KIND_TITLES = {"run": "Run", "sweep": "Sweep", "tournament": "Tournament",
               "equilibrium": "Equilibrium"}


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode()


def _figure_html(number: int, stem: str, figure: Figure) -> str:
    """The figure as an embedded image; its headline as caption and alt text (the
    reading note is part of the image)."""
    headline = escape(figure.get_suptitle())
    return (f'<figure id="{escape(stem)}"><img alt="{headline}" '
            f'src="data:image/png;base64,{_png(figure)}">'
            f"<figcaption>Figure {number}: {headline} (<code>{escape(stem)}</code>)"
            "</figcaption></figure>")


def _name(folder: Path) -> str:
    """What the result is called: the scenario and seed of a run, the spec's name
    otherwise (the folder's name if neither is recorded)."""
    manifest = json.loads((folder / "manifest.json").read_text())
    if manifest.get("scenario"):
        return f"{manifest['scenario']}, seed {manifest.get('seed')}"
    return str(manifest.get("spec") or folder.name)


def render(folder: Path) -> str:
    """The report page for the result in ``folder``."""
    kind = kind_of(folder)
    sections: list[Section] = SECTIONS[kind](folder)
    with themed():
        figures = figures_of(folder)
        sections.append(("Figures", "".join(_figure_html(n, s, f) for n, (s, f)
                                            in enumerate(figures, start=1))
                         or "<p>No figures for this result.</p>"))
    sections.append(manifest_section(folder))
    toc = "".join(f'<li><a href="#s{i}">{escape(h)}</a></li>'
                  for i, (h, _) in enumerate(sections))
    body = "".join(f'<section id="s{i}"><h2>{escape(h)}</h2>{html}</section>'
                   for i, (h, html) in enumerate(sections))
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    name = escape(_name(folder))
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>Overplay {KIND_TITLES[kind].lower()} report — {name}</title>"
            f"<style>{STYLE}</style></head><body>"
            f"<h1>Overplay {KIND_TITLES[kind].lower()} report: {name}</h1>"
            f'<p class="meta">Made {made} from <code>{escape(str(folder))}</code> by '
            f"<code>overplay report</code>.</p><nav><ol>{toc}</ol></nav>{body}</body></html>")


def write_report(folder: Path) -> Path:
    """Write ``folder/report.html`` (atomically); its path."""
    page = render(folder)
    path = folder / "report.html"
    atomic_write(path, lambda p: p.write_text(page, encoding="utf-8"))
    return path
