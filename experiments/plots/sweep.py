"""Figures for a sweep: the analysis its design was made for, or the outcomes against
each input when it has none.

A sobol design gets Sobol indices, a morris design the μ*–σ screening, a full
factorial the overuse curve by its levers and heatmaps over two inputs; a latin
hypercube, an explicit list of points (or any other design) the outcomes against each
input (``scatter.py``, as the EMA Workbench's pairs plots), and a latin hypercube also
PRIM on China's final light separation share below 80 % when that splits the runs; a
sweep that kept per-step data also gets the scenario comparison and history figures
(``compare.py``). The folder is read once, and each analysis runs once, through the
same code as ``overplay analyze`` (``run_method``), so ``overplay plot`` draws exactly
what ``overplay analyze`` would, and writes no tables.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from matplotlib.figure import Figure

from overplay.experiments.analysis import AnalysisError, Sweep, load_sweep_folder, run_method
from overplay.experiments.plots import PlotError, compare, scatter

#: The scenario-discovery question a latin hypercube is drawn for.
PRIM_OUTCOME, PRIM_BELOW = "china_processing_share_final_light", 0.8

Figures = list[tuple[str, Figure]]


def figures(folder: Path) -> Figures:
    """The design's figures, then (for sweeps that kept per-step data) the comparison
    and history figures, as (file stem, figure); a folder the analysis refuses (an
    unfinished sweep, say) becomes a :class:`PlotError` with the same advice."""
    try:
        sweep = load_sweep_folder(folder)
        draw = DESIGNS.get(sweep.method, _scatter)
        return draw(sweep) + compare.figures(folder)
    except AnalysisError as exc:
        raise PlotError(str(exc)) from None


def _sobol(sweep: Sweep) -> Figures:
    return run_method(sweep, "sobol").draw()


def _morris(sweep: Sweep) -> Figures:
    return run_method(sweep, "morris").draw()


def _grid(sweep: Sweep) -> Figures:
    """The overuse curve by the levers (by the inputs with most levels if there are no
    levers), with a heatmap per outcome over x × hue; nothing when no input varies (a
    curve of one point says nothing)."""
    varied = [name for name in sweep.names if sweep.design[name].nunique() > 1]
    by = [lever for lever in sweep.levers if lever in varied] or _most_levels(sweep)
    by = [name for name in by if name in varied]
    if not by:
        return []
    hints = sweep.spec.get("figures") or {}
    x, hue = hints.get("x"), hints.get("hue")
    return run_method(sweep, "curve", by=by, x=x, hue=hue).draw()


def _most_levels(sweep: Sweep) -> list[str]:
    """The two inputs that took the most distinct values (ties in the spec's order)."""
    counts = sweep.design[sweep.names].nunique()
    return sorted(sweep.names, key=lambda name: -counts[name])[:2]


def _scatter(sweep: Sweep) -> Figures:
    """Each outcome against each input, every run a point."""
    return scatter.figures(sweep)


def _explicit(sweep: Sweep) -> Figures:
    """The points' outcomes against each input, and the curve when they form a grid."""
    return _grid(sweep) + _scatter(sweep)


def _latin_hypercube(sweep: Sweep) -> Figures:
    """Outcomes against each input, and PRIM when the condition holds in some runs but
    not all (otherwise there is no box to find)."""
    drawn = _scatter(sweep)
    if PRIM_OUTCOME not in sweep.runs.columns:
        return drawn
    values = sweep.runs.loc[sweep.runs["status"] == "ok", PRIM_OUTCOME].dropna()
    holds = values < PRIM_BELOW
    if not holds.any() or holds.all():
        return drawn
    return drawn + run_method(sweep, "prim", [PRIM_OUTCOME], below=PRIM_BELOW).draw()


#: Design method → what to draw for it (any other: the outcomes against each input).
DESIGNS: dict[str, Callable[[Sweep], Figures]] = {
    "sobol": _sobol,
    "morris": _morris,
    "full_factorial": _grid,
    "explicit": _explicit,
    "latin_hypercube": _latin_hypercube,
}
