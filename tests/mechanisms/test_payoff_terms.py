"""Payoffs decomposed: every month's payoff is the sum of its terms, and each term
moves with what drives it (licensing_2025: retaliation, two deals; the baseline: a price
floor)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from overplay.model import LeverageModel
from overplay.model.columns import PAYOFF_TERMS
from overplay.model.payoff_ledger import PayoffLedger
from tests.helpers import build, event

TERMS = [column.name for column in PAYOFF_TERMS]


@pytest.fixture(scope="module")
def model() -> LeverageModel:
    model = LeverageModel("licensing_2025", firms=60, rng=5)
    model.run()
    return model


@pytest.fixture(scope="module")
def payoffs(model) -> pd.DataFrame:
    return model.datacollector.get_table_dataframe("payoffs")


def by_month(payoffs: pd.DataFrame, player: str) -> pd.DataFrame:
    return payoffs[payoffs.player == player].set_index("date")


def test_each_month_is_the_sum_of_its_terms(model, payoffs):
    np.testing.assert_allclose(payoffs[TERMS].sum(axis=1), payoffs.payoff, rtol=1e-9, atol=1e-6)
    china = by_month(payoffs, "china")
    # China earns on what it ships, except in months the ex-China price of a material
    # is below China's unit cost (its share of the reference price).
    rounds = model.datacollector.get_table_dataframe("rounds")
    cost_share = model.config.market.china_cost_share
    below_cost = set(rounds.loc[rounds.price_multiple < cost_share, "date"])
    assert set(china.index[china.export_margin < 0]) <= below_cost
    assert china.export_margin.sum() > 0 and china.loc["2025-03", "export_margin"] > 0
    assert (china.firms_profit == 0).all() and (china.producer_profit == 0).all()
    us = by_month(payoffs, "us")
    assert (us.export_margin == 0).all() and (us.leverage_value == 0).all()


def test_a_deal_pays_china_what_the_importer_concedes(payoffs):
    china, us = by_month(payoffs, "china"), by_month(payoffs, "us")
    # The scenario's deals: 500 in 2025-05 (Geneva), 1,000 in 2025-11 (Busan).
    assert china.loc["2025-05", "concessions"] == pytest.approx(500.0)
    assert us.loc["2025-05", "concessions"] == pytest.approx(-500.0)
    assert china.loc["2025-11", "concessions"] == pytest.approx(1000.0)
    assert china.concessions.sum() == pytest.approx(1500.0)
    assert (by_month(payoffs, "japan").concessions == 0).all()


def test_retaliation_costs_china_and_the_retaliator_while_it_lasts(payoffs):
    china, us = by_month(payoffs, "china"), by_month(payoffs, "us")
    assert china.loc["2025-04", "retaliation"] < 0 and us.loc["2025-04", "retaliation"] < 0
    assert china.loc["2025-03", "retaliation"] == 0 == us.loc["2025-03", "retaliation"]
    # Retaliation stops when China accepts a deal.
    assert china.loc["2025-06", "retaliation"] == 0


def test_a_price_floor_costs_its_host_only_after_it_is_set():
    """The baseline's DoD floor for MP Materials' NdPr from 2025-07 [E15]: the US pays
    for it once set, where its producers separate light rare earths; Japan never."""
    model = LeverageModel("baseline", firms=60, rng=5)
    model.run(24)
    payoffs = model.datacollector.get_table_dataframe("payoffs")
    us = by_month(payoffs, "us")
    assert (us.loc[:"2025-06", "price_floor_support"] == 0).all()
    assert us.loc["2025-07":, "price_floor_support"].lt(0).any()
    assert (by_month(payoffs, "japan").price_floor_support == 0).all()


def test_restrictions_move_china_from_export_margin_to_captured_industry():
    """A ban on everything: exports (and their margin) fall, importers' lost output
    (captured industry) rises."""

    def china_terms(events: list[dict]) -> pd.Series:
        model = build(events, firms__count=60)
        model.run(12)
        payoffs = model.datacollector.get_table_dataframe("payoffs")
        return payoffs[payoffs.player == "china"][TERMS].sum()

    free = china_terms([])
    banned = china_terms([event(2, "china", "ban", ["light", "heavy"])])
    assert banned.export_margin < 0.5 * free.export_margin
    assert banned.captured_industry > free.captured_industry + 1.0


def test_third_countries_joining_pay_china_a_partnership_term():
    model = build([event(1, "china", "partnership", active=True)], firms__count=40)
    model.run(36)
    payoffs = model.datacollector.get_table_dataframe("payoffs")
    joined = model.china.partners
    value = model.config.china.partnership_value_usd_m
    assert joined > 0
    assert payoffs[payoffs.player == "china"].partnerships.sum() == pytest.approx(joined * value)


def test_only_declared_terms_are_booked():
    with pytest.raises(ValueError, match="not a payoff term"):
        PayoffLedger().add("china", ((TERMS_NOT_A_TERM, 1.0),))


class _NotATerm:
    name = "payoff"


TERMS_NOT_A_TERM = _NotATerm()
