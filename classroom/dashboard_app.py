"""The dashboard's page: Mesa's SolaraViz over :class:`DashboardModel`, with
matplotlib figures only (Altair's components fetch vega from a CDN, so they stay blank
offline). Serve it with ``overplay dashboard``, which also turns solara's telemetry and
its PyPI version check off (a bare ``solara run`` leaves them on).

One model per browser session: :func:`Page` is rendered once per connection and builds
its own model. The figures are the run dashboard's (``overplay plot``), drawn from the
live model's tables, so the page and a saved run look alike.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from html import escape

import pandas as pd
import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz

from overplay.classroom.dashboard_model import (
    DEFAULT_SCENARIO,
    DashboardModel,
    files_allowed,
    strategies,
)
from overplay.classroom.words import sentence
from overplay.experiments.plots import run as run_figures
from overplay.experiments.plots import timeline
from overplay.experiments.plots.theme import themed
from overplay.model.scenario_files import bundled_names

#: Newest actions the overview lists; the action log tab has them all.
LATEST = 6
#: Panels scroll inside their cell of the page's grid instead of spilling over.
SCROLL = {"height": "100%", "overflow-y": "auto"}
_DRAWING = threading.Lock()


def model_params() -> dict:
    """SolaraViz's inputs, one per keyword of :class:`DashboardModel`."""
    return {
        "scenario_name": {
            "type": "Select",
            "value": DEFAULT_SCENARIO,
            "values": bundled_names(),
            "label": "Scenario",
        },
        **(
            {
                "scenario_file": {
                    "type": "InputText",
                    "value": "",
                    "label": "…or a scenario YAML file (path; used instead when given)",
                }
            }
            if files_allowed()
            else {}
        ),
        "china_strategy": {
            "type": "Select",
            "value": strategies("china")[0],
            "values": strategies("china"),
            "label": "China's strategy",
        },
        "importer_strategy": {
            "type": "Select",
            "value": strategies("importer")[0],
            "values": strategies("importer"),
            "label": "Importers' strategy",
        },
        "severity": _multiplier("Restriction severity (× share refused)", 3.0),
        "elasticity": _multiplier("Price elasticity of demand (×)", 3.0, low=0.25),
        "risk_half_life": _multiplier("Risk memory half-life (×)", 4.0, low=0.25),
        "subsidy_budget": _multiplier("Importers' subsidy budget (×)", 4.0),
        "firms": {
            "type": "SliderInt",
            "value": 0,
            "min": 0,
            "max": 2000,
            "step": 20,
            "label": "Firms (0: the scenario's)",
        },
        "seed": {
            "type": "SliderInt",
            "value": 0,
            "min": 0,
            "max": 100,
            "step": 1,
            "label": "Seed (0: the scenario's)",
        },
    }


def _multiplier(label: str, high: float, low: float = 0.0) -> dict:
    return {
        "type": "SliderFloat",
        "value": 1.0,
        "min": low,
        "max": high,
        "step": 0.05,
        "label": label,
    }


def live_run(model: DashboardModel) -> run_figures.RunResult:
    """The live model's tables as the run dashboard reads a saved run."""
    rounds = model.datacollector.get_table_dataframe("rounds")
    rounds["month"] = timeline.months(rounds["date"])
    payoffs = model.datacollector.get_table_dataframe("payoffs")
    payoffs["month"] = timeline.months(payoffs["date"]) if len(payoffs) else pd.Series()
    scenario = model.config.model_dump(mode="json")
    return run_figures.RunResult(None, rounds, payoffs, scenario, {})  # type: ignore[arg-type]


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _figures(model: DashboardModel, draw: Callable[[run_figures.RunResult], list[Figure]]):
    """Run-dashboard figures of the months so far, as PNG images. Drawn and saved under
    one lock: the theme is matplotlib's process-wide rc state, and every browser
    session draws in its own thread."""
    if model.steps == 0:
        return solara.Info("Press Step (or ▶) to simulate the first month.")
    with _DRAWING, themed():
        images = [_png(figure) for figure in draw(live_run(model))]
    return solara.Column([solara.Image(image, width="100%") for image in images], style=SCROLL)


def _html(*blocks: str) -> solara.Element:
    """Blocks of (already escaped) HTML. Not ``solara.Markdown``: it loads KaTeX from
    a CDN, which a closed classroom network answers with 404s."""
    return solara.HTML(tag="div", unsafe_innerHTML="".join(blocks))


def _items(texts: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(t)}</li>" for t in texts) + "</ul>"


def indicators(model: DashboardModel) -> str:
    """The last month in a line: each material's ex-China price and China's separation
    share, and the importers' average shortage and stockpile."""
    rounds = model.datacollector.get_table_dataframe("rounds")
    last = rounds[rounds["step"] == rounds["step"].max()]
    parts = []
    for material, rows in last.groupby("material", sort=False):
        parts.append(
            f"{material}: USD {rows['price_ex_china'].iloc[0]:,.0f}/kg outside China, "
            f"China separates {rows['china_processing_share'].iloc[0]:.0%}"
        )
    parts.append(
        f"importers short of {last['shortage_fraction'].mean():.1%} of their needs, "
        f"{last['stockpile_days'].mean():.0f} days in stock"
    )
    return "; ".join(parts)


def Overview(model: DashboardModel):
    """Where the run stands, what the levers set and what just happened, in words."""
    months = round(model.config.years * 12)
    if model.steps == 0:
        when = f"Not started: the first month is {model.date}. Press Step or ▶."
    else:
        when = f"Month simulated: {model.date} ({model.steps} of {months})"
    latest = [sentence(row) for row in model.action_log[-LATEST:][::-1]]
    children = [
        _html(
            f"<h3 class='overplay-date'>{escape(when)}</h3>",
            f"<p class='overplay-now'><b>Now</b> — {escape(indicators(model))}</p>"
            if model.steps
            else "",
            "<p><b>Latest actions</b></p>",
            _items(latest or ["none yet"]),
            f"<p><b>Scenario</b> — {escape(model.scenario_label)}</p>",
            f"<p><b>Levers</b> — {escape('; '.join(model.levers))}</p>",
            "<p>Tabs: <i>Page 0</i> markets, <i>Page 1</i> importers' stockpiles and "
            "shortages, <i>Page 2</i> risk, reputation and payoffs, <i>Page 3</i> every "
            "action in words. Change levers, then <b>Reset</b> to start again with them.</p>",
            "<p><i>The first step after installing takes up to a minute: the model "
            "compiles its loops once, and later runs reuse them.</i></p>",
        )
    ]
    if model.problem:
        children.insert(0, solara.Error(model.problem))
    return solara.Column(children, style=SCROLL)


def ActionLog(model: DashboardModel):
    """Every action so far, newest first, in plain words."""
    rows = [sentence(row) for row in model.action_log[::-1]]
    heading = "<h3>Actions, newest first</h3>"
    return solara.Column([_html(heading, _items(rows or ["No action yet."]))], style=SCROLL)


def Prices(model: DashboardModel):
    return _figures(model, lambda run: [run_figures.prices(run)])


def Shares(model: DashboardModel):
    return _figures(model, lambda run: [run_figures.shares(run)])


def Importers(model: DashboardModel):
    """Stockpiles and shortages, one figure per material (scrolling in their cell)."""
    return _figures(model, lambda run: [figure for _, figure in run_figures.importers(run)])


def Risk(model: DashboardModel):
    return _figures(model, lambda run: [run_figures.risk(run)])


def Payoffs(model: DashboardModel):
    return _figures(model, lambda run: [run_figures.payoffs(run)])


COMPONENTS = [
    (Overview, 0),
    (Prices, 0),
    (Shares, 0),
    (Importers, 1),
    (Risk, 2),
    (Payoffs, 2),
    (ActionLog, 3),
]


@solara.component
def Page():
    model = solara.use_memo(DashboardModel, [])  # one model per browser session
    solara.Title("Overplay dashboard")
    SolaraViz(
        model,
        components=COMPONENTS,
        model_params=model_params(),
        name="Overplay — rare-earth leverage",
    )
