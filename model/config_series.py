"""The scenario schema's exogenous time series (``series:``): what history supplies
month by month rather than the model working it out.

Each series is a mapping of months (``"YYYY-MM"``) to values, one mapping per material
(and, for capacity, per producer and stage). :mod:`overplay.model.series` turns them
into monthly values: *levels* (world demand, China's supply price) are interpolated
linearly between their points; *settings* (China's production quota, a producer's
capacity) hold from their month until the next point, like the decisions they record.
A series on a material also sets that material's value at the scenario's start, so a
scenario that starts later (a window of a longer history) starts from the data of its
own start month. Units and sources as for the fields of the same name.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from overplay.model.config_base import MONTH_PATTERN, Strict
from overplay.model.units import STAGES


def _months_in_order(points: dict[str, float]) -> dict[str, float]:
    """Every key a ``YYYY-MM`` month; at least one point."""
    if not points:
        raise ValueError("give at least one point, e.g. {'2010-01': 120000}")
    bad = [key for key in points if not MONTH_PATTERN.match(key)]
    if bad:
        raise ValueError(f"months are 'YYYY-MM' (quoted in YAML), got {bad[0]!r}")
    return dict(sorted(points.items()))


#: A series: values by month. Positive values (a level or a rate).
Positive = Annotated[dict[str, Annotated[float, Field(gt=0)]], AfterValidator(_months_in_order)]
#: A series whose values may be zero (capacity idled).
NonNegative = Annotated[dict[str, Annotated[float, Field(ge=0)]], AfterValidator(_months_in_order)]
#: A series of fractions.
Fractions = Annotated[
    dict[str, Annotated[float, Field(ge=0, le=1)]], AfterValidator(_months_in_order)
]

#: Series that set a material's field at the start, by field name: the levels a
#: window starts from (:meth:`overplay.model.config.Scenario._series_at_start`).
MATERIAL_SERIES = (
    "demand_t_per_year",
    "reference_price_usd_per_kg",
    "china_production_quota_t_per_year",
    "china_mining_share",
    "china_processing_share",
)
#: Every series keyed by material first, whose keys must name materials.
MATERIAL_KEYED = (*MATERIAL_SERIES, "china_price_usd_per_kg")


class SeriesConfig(Strict):
    """Exogenous inputs by month. Empty by default: the world then evolves from its
    start values only (trend growth, the configured quota)."""

    demand_t_per_year: dict[str, Positive] = Field(
        default_factory=dict,
        description="World demand at China's supply price, before thrift and the price "
        "response, t REO/yr, by material; linear between points, the first value before "
        "the first point, and growth at the material's `demand_growth_per_year` after the "
        "last.",
    )
    reference_price_usd_per_kg: dict[str, Positive] = Field(
        default_factory=dict,
        description="China's supply price (the price its legal producers sell at when "
        "nothing binds), USD/kg, by material; linear between points, flat outside them.",
    )
    china_price_usd_per_kg: dict[str, Positive] = Field(
        default_factory=dict,
        description="China's domestic price where it was observed, USD/kg, by material: "
        "from the first point to the last (linear between) it is China's domestic price, "
        "in place of the price its home market would clear at; for windows moved by what "
        "the model leaves out (speculative stocking, state purchases). After the last "
        "point the home market moves on from there.",
    )
    china_production_quota_t_per_year: dict[str, Positive] = Field(
        default_factory=dict,
        description="China's legal production quota, t REO/yr, by material; each value "
        "holds from its month (China's `production_quota` action, taken on that month).",
    )
    china_mining_share: dict[str, Fractions] = Field(
        default_factory=dict,
        description="China's share of world mine output, by material; read at the start "
        "only (later shares are the model's).",
    )
    china_processing_share: dict[str, Fractions] = Field(
        default_factory=dict,
        description="China's share of separation, by material; read at the start only.",
    )
    producer_capacity_t_per_year: dict[str, dict[str, dict[str, NonNegative]]] = Field(
        default_factory=dict,
        description="Known capacity events: a named producer's nameplate capacity by "
        "material and stage (`mining`, `processing`), t/yr; each value holds from its "
        "month (a restart, an idling, an expansion). A point at or before the start "
        "replaces the capacity the producer's shares give.",
    )

    magnet_capacity_t_per_year: dict[str, dict[str, NonNegative]] = Field(
        default_factory=dict,
        description="Magnet making in a named importer's territory, t of rare-earth "
        "content/yr, by material; each value holds from its month (a plant opening or "
        "closing). A point at or before the start replaces the importer's "
        "`magnet_capacity_t_per_year`.",
    )

    def stage_problems(self) -> list[tuple[tuple, str]]:
        """Stages of ``producer_capacity_t_per_year`` that do not exist."""
        return [
            (
                (("series", "producer_capacity_t_per_year", producer, material, stage),),
                f"unknown stage {stage!r}; stages: {', '.join(STAGES)}",
            )
            for producer, materials in self.producer_capacity_t_per_year.items()
            for material, stages in materials.items()
            for stage in stages
            if stage not in STAGES
        ]
