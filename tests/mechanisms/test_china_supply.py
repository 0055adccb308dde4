"""China as a supplier (``docs/odd.md`` §7.3): a production quota and capacity that
bind, black output beyond the quota that a crackdown cuts, a state reserve that buys
and sells, and exports that run below an export quota when foreign demand falls."""

from __future__ import annotations

import pytest

from overplay.agents.actions import Action, Kind
from overplay.agents.china_supply import ChinaSupply
from tests.helpers import build, event, run, series

QUOTA = 400_000.0  # t/yr, above the ~270,000 t China sells of light rare earths in the baseline


def light_row(rounds, column: str):
    return series(rounds, column, "light")


def test_black_output_is_1_6_tonnes_per_tonne_of_quota_and_a_crackdown_ends_it():
    """168,000 t of black supply against a 105,000 t quota in 2015 [seed 003]; the
    2016-2018 campaign cut it."""
    model = build(materials__light__china_production_quota_t_per_year=QUOTA)
    rounds = run(model, 2)
    assert light_row(rounds, "china_illegal_output").loc[1] == pytest.approx(1.6 * QUOTA / 12)
    model.apply(Action("china", Kind.ENFORCE, params={"level": 1.0}))
    rounds = run(model, 1)
    assert light_row(rounds, "china_illegal_output").loc[3] == 0.0
    # Without a quota there is no state plan to evade, so no black output.
    assert light_row(run(build(), 1), "china_illegal_output").loc[1] == 0.0


def test_black_output_grows_with_the_domestic_price():
    supply = ChinaSupply({"light": 1e6}, {"light": QUOTA}, 1.6, 1.0)
    at_reference = supply.illegal("light", 50.0, 50.0, 0.0)
    assert supply.illegal("light", 100.0, 50.0, 0.0) == pytest.approx(2 * at_reference)
    assert supply.illegal("light", 100.0, 50.0, 0.5) == pytest.approx(at_reference)


def test_a_binding_production_quota_raises_the_domestic_and_the_export_price():
    """A quota below what China's own mines supply, with black output cracked down,
    leaves home and export demand short: both prices rise (2011). The quota bounds
    China's mines; the foreign ore its separators buy comes on top."""
    model = build()
    imported = model.last.ore_to_china["light"]  # t/month, at the start
    free = run(model, 12)
    own = (light_row(free, "china_legal_output").loc[1] - imported) * 12
    tight = build(
        materials__light__china_production_quota_t_per_year=0.8 * own,
        china__illegal_supply_per_quota=0.0,
    )
    rounds = run(tight, 12)
    assert light_row(free, "price_china").max() == pytest.approx(50.0)
    assert light_row(rounds, "price_china").iloc[-1] > 1.2 * 50.0
    assert light_row(rounds, "price_ex_china").iloc[-1] > 1.2 * 50.0
    assert light_row(rounds, "china_legal_output").loc[1] == pytest.approx(
        0.8 * own / 12 + imported
    )


def test_the_reserve_buying_raises_the_domestic_price_and_selling_lowers_it():
    model = build(
        materials__light__china_production_quota_t_per_year=QUOTA,
        materials__light__china_reserve_t=1_000_000.0,
        china__illegal_supply_per_quota=0.0,
    )
    run(model, 1)
    model.apply(Action("china", Kind.RESERVE, ("light",), params={"t_per_month": 20_000.0}))
    rounds = run(model, 6)
    assert light_row(rounds, "price_china").loc[7] > 50.0 * 1.2
    assert light_row(rounds, "china_reserve_t").loc[7] == pytest.approx(1_000_000 + 6 * 20_000)
    model.apply(Action("china", Kind.RESERVE, ("light",), params={"t_per_month": -40_000.0}))
    rounds = run(model, 12)
    assert light_row(rounds, "price_china").loc[19] < 50.0  # sales beyond home demand
    payoffs = model.datacollector.get_table_dataframe("payoffs")
    china = payoffs[payoffs.player == "china"].set_index("step")
    assert (china.loc[2:7, "stockpile_purchases"] < 0).all()  # buying costs
    assert (china.loc[8:19, "stockpile_purchases"] > 0).all()  # selling earns


def test_the_reserve_never_sells_more_than_it_holds():
    model = build(materials__light__china_reserve_t=30_000.0)
    model.apply(Action("china", Kind.RESERVE, ("light",), params={"t_per_month": -20_000.0}))
    rounds = run(model, 3)
    assert list(light_row(rounds, "china_reserve_t")) == pytest.approx([10_000.0, 0.0, 0.0])


def test_exports_run_below_an_export_quota_when_foreign_demand_falls():
    """The quota caps exports; it does not oblige China to ship: when demand abroad
    shrinks, exports fall below the cap (2012-2014)."""
    model = build(
        [event(13, "china", "quota", ["light"], cut=0.4)],
        materials__light__demand_growth_per_year=-0.2,
    )
    rounds = run(model, 48)
    exports = light_row(rounds, "exports_from_china")
    cap = model.china.policy[("light", "japan")].baseline_t_per_month * 0.6
    assert exports.loc[13] == pytest.approx(cap, rel=1e-6)
    assert exports.loc[48] < 0.8 * cap
