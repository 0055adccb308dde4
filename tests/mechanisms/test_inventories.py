"""Inventories are drawn down in a spike and rebuilt after it (``docs/odd.md`` §7.1,
§7.6): stocks are worth less while the price is above China's, so firms and states
buy less than they use during a restriction and rebuild when it ends, at a rate the
market can supply (rebuilding holds the price up)."""

from __future__ import annotations

from overplay.model import LeverageModel
from tests.helpers import build, event

SIX_MONTHS = [
    event(4, "china", "license", ["light"], approval_rate=0.4, delay_months=0),
    event(10, "china", "open", ["light"]),
]


def path(model: LeverageModel, months: int) -> list[tuple[float, float, float]]:
    """(price multiple, firms' inventory, states' stockpile) of light, month by month."""
    rows = []
    for _ in range(months):
        model.step()
        rows.append(
            (
                model.price_x["light"] / model.reference_price["light"],
                float(model.firm_population.inventory[:, 0].sum()),
                float(model.importer_arrays.stockpile[:, 0].sum()),
            )
        )
    return rows


def test_firms_draw_stocks_down_in_a_spike_and_rebuild_them_after():
    rows = path(build(SIX_MONTHS, seed=3), 24)
    before, during, after = rows[2][1], rows[8][1], rows[23][1]
    assert during < 0.5 * before
    assert after > before
    assert rows[12][0] > 1.2  # rebuilding holds the price up after the licence ends


def test_states_build_stockpiles_more_slowly_at_scarcity_prices():
    events = [
        event(1, "japan", "stockpile", target_days=120.0),
        event(1, "china", "license", ["light"], approval_rate=0.4, delay_months=0),
    ]
    calm = path(build([events[0]], seed=3), 12)
    scarce = path(build(events, seed=3), 12)
    assert scarce[11][2] < 0.75 * calm[11][2]
