"""The column declarations are what the recorder writes, and tables read in pieces are
the tables read at once (rows are added on read through Mesa's public API)."""

from __future__ import annotations

import mesa
import pandas as pd
import pytest

from overplay.model import LeverageModel
from overplay.model.columns import (
    ACTION_COLUMNS,
    CHINA_CUMULATIVE_PAYOFF,
    PAYOFF_COLUMNS,
    ROUND_COLUMNS,
    WORLD_SERIES,
    names,
    world_key,
)


@pytest.mark.parametrize("columns", [ROUND_COLUMNS, PAYOFF_COLUMNS, ACTION_COLUMNS])
def test_each_table_names_a_column_once_with_a_unit_and_a_meaning(columns) -> None:
    assert len(set(names(columns))) == len(columns)
    assert all(column.unit and column.meaning for column in columns)


def test_model_reporters_are_the_declared_world_series() -> None:
    model = LeverageModel("baseline", firms=20, years=1).run(2)
    collected = model.datacollector.get_model_vars_dataframe()
    expected = [CHINA_CUMULATIVE_PAYOFF.name]
    expected += [world_key(series, m) for m in model.materials for series in WORLD_SERIES]
    assert list(collected.columns) == expected
    assert len(collected) == 3  # step 0 and two months


def test_tables_read_in_pieces_equal_tables_read_once() -> None:
    """Each read adds only the months recorded since the last one, through Mesa's own
    DataCollector tables (no private state)."""
    once = LeverageModel("baseline", firms=20, years=1).run(5)
    pieces = LeverageModel("baseline", firms=20, years=1).run(3)
    early = pieces.datacollector.get_table_dataframe("rounds")
    assert early.equals(pieces.datacollector.get_table_dataframe("rounds"))
    pieces.run(2)
    for table, columns in (("rounds", ROUND_COLUMNS), ("payoffs", PAYOFF_COLUMNS)):
        whole = once.datacollector.get_table_dataframe(table)
        read = pieces.datacollector.get_table_dataframe(table)
        assert list(read.columns) == names(columns)
        pd.testing.assert_frame_equal(read, whole)
        assert pieces.datacollector.tables[table].keys() == set(names(columns))
    pd.testing.assert_frame_equal(
        pieces.datacollector.get_table_dataframe("rounds").iloc[: len(early)], early
    )
    assert isinstance(pieces.datacollector, mesa.DataCollector)
    assert "tables" not in vars(type(pieces.datacollector))
