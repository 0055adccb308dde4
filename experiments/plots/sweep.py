"""Figures for a sweep: the analysis its design was made for.

A sobol design gets Sobol indices, a morris design the μ*–σ screening, a full
factorial (or explicit points) the overuse curve by its levers and heatmaps over two
inputs, a latin hypercube PRIM on China's final light separation share below 80 %
when that splits the runs; a sweep that kept per-step data also gets the scenario
comparison and history figures (``compare.py``). Everything is computed with
``analyze(..., write=False)``, so ``overplay plot`` draws exactly what ``overplay
analyze`` would, and writes no tables.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from matplotlib.figure import Figure

from experiments.analysis import AnalysisError, Sweep, analyze, load_sweep_folder
from experiments.plots import PlotError, compare, heatmap

#: The scenario-discovery question a latin hypercube is drawn for.
PRIM_OUTCOME, PRIM_BELOW = "china_processing_share_final_light", 0.8

Figures = list[tuple[str, Figure]]


def figures(folder: Path) -> Figures:
    """The design's figures, then (for sweeps that kept per-step data) the comparison
    and history figures, as (file stem, figure); a folder the analysis refuses (an
    unfinished sweep, say) becomes a :class:`PlotError` with the same advice."""
    try:
        sweep = load_sweep_folder(folder)
        draw = DESIGNS.get(sweep.method, lambda _: [])
        return draw(sweep) + compare.figures(folder)
    except AnalysisError as exc:
        raise PlotError(str(exc)) from None


def _sobol(sweep: Sweep) -> Figures:
    return analyze(sweep.folder, "sobol", write=False).draw()


def _morris(sweep: Sweep) -> Figures:
    return analyze(sweep.folder, "morris", write=False).draw()


def _grid(sweep: Sweep) -> Figures:
    """The overuse curve by the levers (by the inputs with most levels if there are no
    levers), and a heatmap per outcome over two of them; nothing when no input varies
    (a curve of one point says nothing)."""
    varied = [name for name in sweep.names if sweep.design[name].nunique() > 1]
    by = [lever for lever in sweep.levers if lever in varied] or _most_levels(sweep)
    by = [name for name in by if name in varied]
    if not by:
        return []
    hints = sweep.spec.get("figures") or {}
    x, hue = hints.get("x"), hints.get("hue")
    drawn = analyze(sweep.folder, "curve", by=by, x=x, hue=hue, write=False).draw()
    pair = [x, hue] if x and hue else by[:2]
    if len(pair) == 2:
        inputs = {p.name: p for p in sweep.inputs}
        table = analyze(sweep.folder, "curve", by=pair, write=False).table
        drawn += heatmap.figures(table, inputs[pair[0]], inputs[pair[1]])
    return drawn


def _most_levels(sweep: Sweep) -> list[str]:
    """The two inputs that took the most distinct values (ties in the spec's order)."""
    counts = sweep.design[sweep.names].nunique()
    return sorted(sweep.names, key=lambda name: -counts[name])[:2]


def _latin_hypercube(sweep: Sweep) -> Figures:
    """PRIM only when the condition holds in some runs but not all: otherwise there is
    no box to find."""
    if PRIM_OUTCOME not in sweep.runs.columns:
        return []
    values = sweep.runs.loc[sweep.runs["status"] == "ok", PRIM_OUTCOME].dropna()
    holds = values < PRIM_BELOW
    if not holds.any() or holds.all():
        return []
    return analyze(sweep.folder, "prim", [PRIM_OUTCOME], below=PRIM_BELOW,
                   write=False).draw()


#: Design method → what to draw for it.
DESIGNS: dict[str, Callable[[Sweep], Figures]] = {
    "sobol": _sobol, "morris": _morris, "full_factorial": _grid, "explicit": _grid,
    "latin_hypercube": _latin_hypercube}
