"""Observation functions against values computed by hand on a small rounds table."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest

from overplay.experiments.validation.facts import Fact
from overplay.experiments.validation.observe import (
    OBSERVATIONS,
    ObservationError,
    RunView,
    observe,
    observe_all,
)

MONTHS = [f"2010-{m:02d}" for m in range(1, 13)]
IMPORTERS = ["japan", "us"]


def _rounds() -> pd.DataFrame:
    """The twelve months of 2010 x light/heavy x japan/us, values chosen to be checked
    by hand: month k (1..12) exports 100k t to Japan and 10k to the US (light; heavy a
    tenth), leakage a fifth of exports, 50 t non-China to each importer."""
    rows = []
    for k, date in enumerate(MONTHS, start=1):
        for material, scale in (("light", 1.0), ("heavy", 0.1)):
            for importer, share in zip(IMPORTERS, (100.0, 10.0), strict=True):
                exports = share * k * scale
                rows.append(
                    {
                        "step": k,
                        "date": date,
                        "material": material,
                        "importer": importer,
                        "exports_from_china": exports,
                        "leakage": exports / 5,
                        "non_china_supply": 50.0,
                        "magnets_from_china": 2.0 * k,
                        "china_legal_output": 1000.0 * scale,
                        "china_illegal_output": 0.0,
                        "china_mining_share": 0.9 if material == "light" else 0.99,
                        "china_processing_share": 0.95 if material == "light" else 1.0,
                        "price_multiple": float(k) * (1 if material == "light" else 2),
                        "price_china": 10.0 + k,
                        "non_china_processing_capacity": 1000.0 + 3000.0 * (k - 1),
                        "china_dependence": 0.8,
                        "thrift": 0.1 if importer == "japan" else 0.3,
                    }
                )
    frame = pd.DataFrame(rows)
    # World flows: the importers' plus a third country's 5 t a month per material
    # (exports and magnets; smuggling keeps the importers' one to five).
    totals = frame.groupby(["date", "material"])[
        ["exports_from_china", "magnets_from_china"]
    ].transform("sum")
    frame["china_exports_all"] = totals["exports_from_china"] + 5
    frame["china_leakage_all"] = frame["china_exports_all"] / 5
    frame["china_magnet_exports_all"] = totals["magnets_from_china"] + 5
    return frame


def _fact(observation: str, period: str = "2010", **fields) -> Fact:
    values = {
        "fact": "Z01",
        "refs": "Z01",
        "observation": observation,
        "material": "all",
        "importer": "all",
        "period": period,
        "value": 1.0,
        "unit": "t",
        "tolerance": 0.1,
        "tolerance_kind": "relative",
        "definition": "test",
        "source": "test",
        "url": "https://example.org",
        **fields,
    }
    return Fact(**values)


@pytest.fixture
def view() -> RunView:
    return RunView(_rounds())


def test_china_recorded_exports_are_legal_exports_to_every_destination(view):
    fact = _fact("china_recorded_exports", "2010-Q1")  # months 1-3, third country's 5 t
    assert observe(view, fact) == pytest.approx((100 + 10) * 1.1 * (1 + 2 + 3) + 2 * 3 * 5)
    japan = _fact("china_recorded_exports", "2010-Q1", importer="japan")
    assert observe(view, japan) == pytest.approx(100 * 1.1 * (1 + 2 + 3))


def test_partner_records_add_what_is_smuggled_half_a_month_later(view):
    fact = _fact("partner_recorded_imports", "2010-02", importer="japan", material="light")
    assert observe(view, fact) == pytest.approx(0.5 * 200 * 1.2 + 0.5 * 100 * 1.2)


def test_all_imports_add_non_china_supply(view):
    first_month = _fact("all_imports", "2010-01", importer="us")  # nothing earlier
    assert observe(view, first_month) == pytest.approx((10 + 1) * 1.2 + 2 * 50)
    march = _fact("all_imports", "2010-03", importer="us")
    shipped = {k: (10 * k + k) * 1.2 + 2 * 50 for k in (2, 3)}
    assert observe(view, march) == pytest.approx(0.5 * shipped[3] + 0.5 * shipped[2])


def test_a_change_compares_monthly_rates_for_flows(view):
    # Q2 has one month here (April): 4x; Q1's monthly rate is 2x on average
    fact = _fact("china_recorded_exports", "2010-04", base_period="2010-Q1", importer="us")
    assert observe(view, fact) == pytest.approx(4 / 2 - 1)


def test_a_change_compares_means_for_levels(view):
    fact = _fact("price_multiple", "2010-04", base_period="2010-01", material="heavy")
    assert observe(view, fact) == pytest.approx(8 / 2 - 1)


def test_the_partner_to_china_ratio_counts_leakage(view):
    # World legal exports in month k: 121 k + 10 t; partners record 1.2 times that,
    # half of it a month late (January, the run's first month, stands for December).
    legal = sum(121 * k + 10 for k in range(1, 13))
    arrived = 0.6 * legal + 0.6 * (131 + sum(121 * k + 10 for k in range(1, 12)))
    assert observe(view, _fact("partner_to_china_ratio", "2010")) == pytest.approx(arrived / legal)


def test_peak_and_mean_prices(view):
    assert observe(view, _fact("peak_price_multiple", "2010", material="light")) == 12
    assert observe(view, _fact("price_multiple", "2010", material="light")) == pytest.approx(6.5)
    assert observe(view, _fact("china_price", "2010-Q1", material="light")) == pytest.approx(12)


def test_shares_of_all_rare_earths_weight_materials_by_world_supply(view):
    # light supply 1000 + 2 x 50; heavy 100 + 2 x 50 -> weights 1100 and 200
    expected = (0.9 * 1100 + 0.99 * 200) / 1300
    assert observe(view, _fact("mining_share", "2010")) == pytest.approx(expected)
    heavy = _fact("processing_share", "2010", material="heavy")
    assert observe(view, heavy) == pytest.approx(1.0)


def test_importer_shares_are_weighted_by_supply_received(view):
    month = _fact("thrift", "2010-01", material="light")
    japan, us = 100 * 1.2 + 50, 10 * 1.2 + 50
    assert observe(view, month) == pytest.approx((0.1 * japan + 0.3 * us) / (japan + us))


def test_first_expansion_is_the_end_of_the_month_capacity_first_rises_5000_t(view):
    fact = _fact("first_processing_expansion", "2010", material="light")
    # 1000, 4000, 7000: 7000 >= 1000 + 5000 in March
    assert observe(view, fact) == pytest.approx(2010 + 3 / 12)


def test_first_expansion_never_reached_is_censored_after_the_period(view):
    fact = _fact("first_processing_expansion", "2010-01", material="light")
    assert observe(view, fact) == pytest.approx(2010 + 1 / 12 + 1 / 12)


def test_non_china_mining_gain_needs_a_later_year():
    rounds = pd.concat(
        [_rounds(), _rounds().assign(date=lambda r: r["date"].str.replace("2010", "2012"))]
    )
    rounds.loc[rounds["date"].str.startswith("2012"), "china_mining_share"] -= 0.1
    fact = _fact("non_china_mining_gain", "2011-2012", base_period="2010")
    with pytest.raises(ObservationError, match="does not cover 2011-01"):
        observe(RunView(rounds), fact)
    fact = _fact("non_china_mining_gain", "2012", base_period="2010")
    assert observe(RunView(rounds), fact) == pytest.approx(0.1 / 2)


def test_a_fact_outside_the_run_is_nan_in_observe_all():
    values = observe_all(_rounds(), (_fact("china_recorded_exports", "2011"),))
    assert math.isnan(values["Z01"])


def test_a_price_of_all_materials_is_refused(view):
    with pytest.raises(ObservationError, match="needs one material"):
        observe(view, _fact("price_multiple", "2010"))


def test_a_missing_importer_is_refused(view):
    with pytest.raises(ObservationError, match="no importer 'eu'"):
        observe(view, _fact("thrift", "2010", importer="eu"))


def test_every_observation_has_a_test_here():
    tested = {
        "china_recorded_exports",
        "partner_recorded_imports",
        "all_imports",
        "partner_to_china_ratio",
        "peak_price_multiple",
        "price_multiple",
        "china_price",
        "mining_share",
        "processing_share",
        "thrift",
        "first_processing_expansion",
        "non_china_mining_gain",
        "magnet_exports",
        "china_dependence",
    }
    assert set(OBSERVATIONS) == tested


def test_magnets_and_dependence(view):
    assert observe(view, _fact("magnet_exports", "2010-02")) == pytest.approx(4 * 4 + 2 * 5)
    dependence = _fact("china_dependence", "2010", importer="japan")
    assert observe(view, dependence) == pytest.approx(0.8)


def test_docs_describe_every_observation():
    """``docs/validation.md`` is where a user writing facts of their own reads what each
    observation measures; an observation added without a row there is undocumented."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "validation.md").read_text()
    table = text[text.index("| observation |") : text.index("Flows are summed")]
    documented = set(re.findall(r"`([a-z_]+)`", table))
    assert documented == set(OBSERVATIONS)
