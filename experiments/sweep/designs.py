"""Design points from the inputs' space, drawn by SALib and SciPy, never by hand.

Every design first produces points in the unit cube (or, for full factorials and
explicit lists, values directly); unit coordinates are then mapped to each input's
range: reals linearly, integers and categories by equal-width bins (so the end values
are as likely as any other; rounding would give them half-width bins).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
from SALib.sample import latin, morris, sobol

from overplay.experiments.sweep.spec import Design, Parameter, category_key


def salib_problem(inputs: list[Parameter]) -> dict[str, Any]:
    """SALib's problem definition over the unit cube (values are mapped afterwards)."""
    return {
        "num_vars": len(inputs),
        "names": [p.name for p in inputs],
        "bounds": [[0.0, 1.0]] * len(inputs),
    }


def from_unit(parameter: Parameter, u: float) -> Any:
    """Map a coordinate in [0, 1] to the input's value."""
    u = float(np.clip(u, 0.0, 1.0))
    if parameter.kind == "categorical":
        values = parameter.values or []
        return values[min(int(u * len(values)), len(values) - 1)]
    if parameter.kind == "integer":
        low, high = math.ceil(parameter.low), math.floor(parameter.high)
        return low + min(int(u * (high - low + 1)), high - low)
    return float(parameter.low + u * (parameter.high - parameter.low))


def factorial_points(inputs: list[Parameter], levels: int) -> list[dict[str, Any]]:
    """Every combination of the inputs' grids; an input with ``only_with`` varies only in
    the combinations where its controlling input takes one of the named values, and is
    left out of the others (so it is never crossed with a lever that ignores it)."""
    grids = {p.name: p.grid(levels) for p in inputs}
    always = [p for p in inputs if p.only_with is None]
    points = []
    for combo in itertools.product(*(grids[p.name] for p in always)):
        chosen = dict(zip([p.name for p in always], combo, strict=True))
        varied = [p for p in inputs if p.only_with is not None and _applies(p, chosen)]
        for extra in itertools.product(*(grids[p.name] for p in varied)):
            values = chosen | dict(zip([p.name for p in varied], extra, strict=True))
            points.append({p.name: values[p.name] for p in inputs if p.name in values})
    return points


def _applies(parameter: Parameter, chosen: dict[str, Any]) -> bool:
    ((name, values),) = (parameter.only_with or {}).items()
    return category_key(chosen[name]) in {category_key(v) for v in values}


def unit_sample(design: Design, inputs: list[Parameter], seed: int) -> np.ndarray | None:
    """The design in the unit cube, in SALib's order (None for factorial/explicit)."""
    problem = salib_problem(inputs)
    if design.method == "latin_hypercube":
        return latin.sample(problem, design.samples, seed=seed)
    if design.method == "sobol":
        return sobol.sample(
            problem, design.samples, calc_second_order=design.second_order, seed=seed
        )
    if design.method == "morris":
        return morris.sample(problem, design.samples, num_levels=design.levels, seed=seed)
    return None


def design_points(design: Design, inputs: list[Parameter], seed: int) -> list[dict[str, Any]]:
    """Every design point as input name → value, in a fixed order."""
    if design.method == "explicit":
        return [dict(point) for point in design.points]
    if design.method == "full_factorial":
        return factorial_points(inputs, design.levels)
    unit = unit_sample(design, inputs, seed)
    return [{p.name: from_unit(p, u) for p, u in zip(inputs, row, strict=True)} for row in unit]
