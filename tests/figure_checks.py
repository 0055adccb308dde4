"""Checks on rendered figures: slide size, titles, labelled axes, no overlapping text."""

from __future__ import annotations

import itertools

from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.text import Text
from matplotlib.transforms import Bbox

#: Overlaps smaller than this (px², e.g. touching glyph boxes) are not counted.
TOLERANCE_PX2 = 4.0


def _texts(figure: Figure) -> list[tuple[str, Text]]:
    """Every visible, non-empty text artist, named by where it sits."""
    found: list[tuple[str, Text]] = []
    for name in ("_suptitle", "_supxlabel", "_supylabel"):
        text = getattr(figure, name, None)
        if text is not None:
            found.append((name.strip("_"), text))
    for i, ax in enumerate(figure.axes):
        found += [
            (f"axes{i}.title", ax.title),
            (f"axes{i}._left_title", ax._left_title),
            (f"axes{i}._right_title", ax._right_title),
            (f"axes{i}.xlabel", ax.xaxis.label),
            (f"axes{i}.ylabel", ax.yaxis.label),
        ]
        found += [(f"axes{i}.xtick", t) for t in _shown_tick_labels(ax.xaxis)]
        found += [(f"axes{i}.ytick", t) for t in _shown_tick_labels(ax.yaxis)]
        found += [(f"axes{i}.text", t) for t in ax.texts]
    for i, legend in enumerate(_legends(figure)):
        found += [(f"legend{i}", t) for t in legend.get_texts()]
        found.append((f"legend{i}.title", legend.get_title()))
    return [(n, t) for n, t in found if t.get_visible() and t.get_text().strip()]


def _legends(figure: Figure) -> list[Legend]:
    return [*(ax.get_legend() for ax in figure.axes if ax.get_legend()), *figure.legends]


def _shown_tick_labels(axis: Axis) -> list[Text]:
    """Tick labels matplotlib actually draws: those of ticks inside the view limits."""
    low, high = sorted(axis.get_view_interval())
    slack = (high - low) * 1e-9
    return [
        tick.label1
        for tick in axis.get_major_ticks() + axis.get_minor_ticks()
        if low - slack <= tick.get_loc() <= high + slack
    ]


def _area(a: Bbox, b: Bbox) -> float:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(width, 0.0) * max(height, 0.0)


def text_problems(figure: Figure) -> list[str]:
    """Texts that overlap each other or stick out of the figure, after a full draw."""
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    page = Bbox.from_bounds(0, 0, *canvas.get_width_height())
    boxes = [
        (name, text.get_text(), text.get_window_extent(renderer)) for name, text in _texts(figure)
    ]
    problems = [
        f"{name} {label!r} outside the figure"
        for name, label, box in boxes
        if _area(box, page) < box.width * box.height - TOLERANCE_PX2
    ]
    for i, legend in enumerate(_legends(figure)):  # a legend box hiding other text
        frame = legend.get_window_extent(renderer)
        problems += [
            f"legend{i} covers {name} {label!r}"
            for name, label, box in boxes
            if not name.startswith(f"legend{i}") and _area(frame, box) > TOLERANCE_PX2
        ]
    for (n1, t1, b1), (n2, t2, b2) in itertools.combinations(boxes, 2):
        if _area(b1, b2) > TOLERANCE_PX2:
            problems.append(f"{n1} {t1!r} overlaps {n2} {t2!r}")
    return problems


def axes_problems(figure: Figure) -> list[str]:
    """Axes with data but without a title or a y label, or an x label where x is drawn."""
    problems = []
    for i, ax in enumerate(_data_axes(figure)):
        if not (ax.get_title() or ax.get_title(loc="left")):
            problems.append(f"axes{i} has no title")
        if not ax.get_ylabel():
            problems.append(f"axes{i} has no y label")
        if (
            ax.xaxis.get_visible()
            and any(t.get_text() for t in ax.get_xticklabels())
            and not ax.get_xlabel()
        ):
            problems.append(f"axes{i} has no x label")
    return problems


def _data_axes(figure: Figure) -> list[Axes]:
    """Axes that draw data (not colour bars)."""
    return [ax for ax in figure.axes if not hasattr(ax, "_colorbar")]


def check_figure(figure: Figure) -> list[str]:
    """Everything wrong with a figure meant for a 1280×720 slide."""
    problems = []
    width, height = (figure.get_size_inches() * figure.dpi).round()
    if (width, height) != (1280, 720):
        problems.append(f"size {width:.0f}×{height:.0f}, not 1280×720")
    if figure.get_suptitle() == "":
        problems.append("no headline (suptitle)")
    return problems + axes_problems(figure) + text_problems(figure)
