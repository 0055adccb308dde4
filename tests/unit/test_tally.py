"""The running tallies behind summaries and outcomes equal what the per-step tables say,
and turning the tables off changes nothing but the tables."""

from __future__ import annotations

import pytest

from overplay.experiments.outcomes import outcomes_of
from overplay.model import LeverageModel, load_scenario
from overplay.model.summary import summarise
from tests.helpers import build, event, run


def _run(record_tables: bool) -> LeverageModel:
    scenario = load_scenario("coercion", [("seed", 5), ("years", 4)])
    return LeverageModel(scenario, record_tables=record_tables).run()


@pytest.fixture(scope="module")
def with_tables() -> LeverageModel:
    return _run(True)


def test_summary_matches_the_rounds_table(with_tables: LeverageModel) -> None:
    rounds = with_tables.datacollector.get_table_dataframe("rounds")
    summary = summarise(with_tables)
    assert sum(summary["restriction_rounds"].values()) > 0, "coercion should restrict"
    for m, values in summary["materials"].items():
        w = rounds[rounds["material"] == m].drop_duplicates("step").sort_values("step")
        assert values["china_processing_share_final"] == w["china_processing_share"].iloc[-1]
        assert values["china_processing_share_min"] == w["china_processing_share"].min()
        assert values["peak_price_multiple"] == w["price_multiple"].max()
        assert values["peak_price_date"] == w.loc[w["price_multiple"].idxmax(), "date"]
        assert (
            values["non_china_processing_capacity_initial"]
            == (w["non_china_processing_capacity"].iloc[0])
        )
        below = w[w["china_processing_share"] < 0.8]
        expected = None if below.empty else round((below["step"].iloc[0] - 1) / 12, 2)
        assert values["years_to_processing_share_below_80pct"] == expected
    for n, values in summary["importers"].items():
        r = rounds[rounds["importer"] == n]
        assert values["total_lost_output_usd_m"] == pytest.approx(r["lost_output"].sum(), rel=1e-12)
        assert values["max_shortage_fraction"] == r["shortage_fraction"].max()
    # A licence approving every request is open trade in the counts.
    restricting = rounds["china_policy"].where(
        (rounds["china_policy"] != "licensing") | (rounds["licence_approval_rate"] < 1), "open"
    )
    by_round = restricting.groupby(rounds["round"]).agg(set)
    for regime, count in summary["restriction_rounds"].items():
        assert count == sum(regime in seen for seen in by_round)
    assert outcomes_of(with_tables)["restriction_rounds"] == sum(
        seen != {"open"} for seen in by_round
    )


def test_tables_off_changes_only_the_tables(with_tables: LeverageModel) -> None:
    lean = _run(False)
    assert lean.datacollector.get_table_dataframe("rounds").empty
    assert lean.datacollector.get_table_dataframe("payoffs").empty
    assert summarise(lean) == summarise(with_tables)
    assert outcomes_of(lean) == outcomes_of(with_tables)
    assert lean.datacollector.get_model_vars_dataframe().equals(
        with_tables.datacollector.get_model_vars_dataframe()
    )


def test_any_share_threshold_is_an_outcome_named_after_it(with_tables: LeverageModel) -> None:
    """Heavy rare earths rarely fall below 80 %: other thresholds are asked for by name,
    and each equals the first month the rounds table shows the share below it."""
    rounds = with_tables.datacollector.get_table_dataframe("rounds")
    shares = {
        m: rows.drop_duplicates("step").sort_values("step")
        for m, rows in rounds.groupby("material")
    }
    names = [
        f"{stem}_{pct}pct_{m}"
        for stem in ("years_to_processing_share_below", "processing_share_below")
        for pct in (99, 95, 80, 50)
        for m in ("light", "heavy")
    ]
    values = outcomes_of(with_tables, names)
    summary = summarise(with_tables, thresholds=(0.8, 0.95))["materials"]
    reached = 0
    for pct in (99, 95, 80, 50):
        for m, w in shares.items():
            below = w[w["china_processing_share"] < pct / 100]
            years = None if below.empty else round((below["step"].iloc[0] - 1) / 12, 2)
            reached += years is not None
            got = values[f"years_to_processing_share_below_{pct}pct_{m}"]
            assert got == years if years is not None else got != got  # NaN: never
            assert values[f"processing_share_below_{pct}pct_{m}"] == float(years is not None)
            if pct in (80, 95):
                assert summary[m][f"years_to_processing_share_below_{pct}pct"] == years
    assert 0 < reached < 8, "thresholds should split the runs' crossings"


def test_a_licence_that_withholds_nothing_is_not_counted_as_a_restriction() -> None:
    """After 2015 exports needed a licence that approved every request [W02]: open
    trade in all but name. A licence counts once it withholds (here: from its review)."""
    pro_forma = event(2, "china", "license", approval_rate=1.0, delay_months=0)
    model = build([pro_forma])
    run(model, 12)
    assert summarise(model)["restriction_rounds"]["licensing"] == 0
    reviewed = event(2, "china", "license", approval_rate=1.0, delay_months=2)
    model = build([reviewed])
    run(model, 12)
    assert summarise(model)["restriction_rounds"]["licensing"] == 1
