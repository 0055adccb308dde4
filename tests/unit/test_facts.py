"""The facts file: every fact traced to its source's number, periods read right, and a
bad facts file refused with file, line and column."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from overplay.experiments.validation.facts import load_facts
from overplay.experiments.validation.periods import months
from overplay.model.problems import ScenarioError

ROOT = Path(__file__).resolve().parents[2]
SOURCED = ROOT.parent / "shared" / "data" / "stylized_facts.csv"

#: Facts that are not a sourced row's value as is, with the arithmetic from the sourced
#: value or its notes (ids refer to shared/data/stylized_facts.csv and docs/odd.md).
DERIVED = {
    "Q09": 830 / 3660 - 1,  # Oct 2010 exports over Sep 2010 (notes)
    "J05": -0.34,  # notes: -34 % vs 2010
    "P11": 0.83,  # notes: +83 % q/q
    "P08": 135 / 8.71,  # La oxide 2008 -> Q2 2011 (notes)
    "P05": 195 / 20,  # year-end 2011 Nd oxide over history's 20 USD/kg reference
    "P02": 2300 / 118.49,  # Dy oxide late 2011 over 2008 (P02 / P01)
    "M05": 105_000 / 123_000,  # China over world mine output 2014 (notes)
    "M12": 270_000 / 390_000,
    "S01": 2012 + 11 / 12,  # first feed 30 Nov 2012
    "S03": 1 - 0.7,  # Japan's Nd from China: what Sojitz (Lynas) does not supply
    "E16": 90.85 / 49 - 1,  # notes: ~90.85 late Aug 2025 over Dec 2024
    "G06:2025-05": -0.74,
    "G06:2025-06": -0.38,
    "G06:2025-07": 0.057,
}


def test_every_fact_is_its_sources_number_or_a_stated_derivation():
    if not SOURCED.exists():
        pytest.skip("shared/data/stylized_facts.csv is not beside this checkout")
    sourced = pd.read_csv(SOURCED).set_index("id")["value"]
    for fact in load_facts().facts:
        expected = DERIVED.get(fact.fact, sourced.get(fact.fact))
        assert expected is not None, f"{fact.fact}: no sourced value and no derivation"
        assert fact.value == pytest.approx(expected, rel=0.01, abs=0.005), fact.fact


def test_every_cited_id_is_listed_in_the_odd():
    odd = (ROOT / "docs" / "odd.md").read_text()
    listed = set(re.findall(r"^\| ([A-Z]\d\d) \|", odd, re.M))
    for fact in load_facts().facts:
        assert set(fact.refs.split()) <= listed, fact.fact


def test_the_fit_window_splits_the_facts_into_both_samples():
    facts = load_facts().facts
    samples = {f.fact: f.sample("2014-12") for f in facts}
    assert samples["Q08"] == "in" and samples["M12"] == "out"
    assert {"in", "out"} == set(samples.values())
    assert not load_facts().by_id()["P07"].fitted(), "a fact with a reason is not fitted"
    assert not load_facts().by_id()["M12"].fitted(), "out-of-sample facts are never fitted"


@pytest.mark.parametrize(
    ("period", "first", "last", "count"),
    [
        ("2010", "2010-01", "2010-12", 12),
        ("2010-10", "2010-10", "2010-10", 1),
        ("2011-Q4", "2011-10", "2011-12", 3),
        ("2020-2023", "2020-01", "2023-12", 48),
    ],
)
def test_periods_cover_their_months(period, first, last, count):
    covered = months(period)
    assert (covered[0], covered[-1], len(covered)) == (first, last, count)


@pytest.mark.parametrize("period", ["2010-13", "2011-Q5", "2013-2011", "10", "2010-1"])
def test_bad_periods_are_refused(period):
    with pytest.raises(ValueError, match="period"):
        months(period)


def test_deviation_is_in_units_of_the_tolerance():
    facts = load_facts().by_id()
    relative, absolute = facts["Q08"], facts["M02"]  # 20 % and 0.02 tolerances
    assert relative.deviation(39813 * 1.1) == pytest.approx(0.5)
    assert relative.within(39813 * 0.81) and not relative.within(39813 * 0.79)
    assert absolute.deviation(0.976 - 0.03) == pytest.approx(-1.5)


def _write(tmp_path: Path, rows: list[str]) -> Path:
    bundled = (ROOT / "experiments" / "data" / "history.csv").read_text().splitlines()
    path = tmp_path / "facts.csv"
    path.write_text("\n".join([bundled[0], bundled[1], *rows]) + "\n")
    return path


def test_a_bad_facts_file_is_refused_with_file_line_and_column(tmp_path):
    good = (ROOT / "experiments" / "data" / "history.csv").read_text().splitlines()[1]
    unknown = good.replace("china_recorded_exports", "exports_by_magic").replace("Q08", "Q98")
    bad_period = good.replace(",2010,", ",2010-13,").replace("Q08", "Q97")
    path = _write(tmp_path, [unknown, bad_period, good])
    with pytest.raises(ScenarioError) as caught:
        load_facts(path)
    text = str(caught.value)
    assert f"{path}:3: observation: unknown observation 'exports_by_magic'" in text
    assert f"{path}:4: period:" in text and "2010-13" in text
    assert f"{path}:5: fact: Q08 repeats line 2" in text


def test_lines_are_the_editors_and_a_byte_order_mark_is_dropped(tmp_path):
    """A blank line still counts, as an editor counts it; a spreadsheet's "CSV UTF-8"
    starts with a byte-order mark that is no part of the column ``fact``."""
    lines = (ROOT / "experiments" / "data" / "history.csv").read_text().splitlines()
    path = tmp_path / "facts.csv"
    path.write_text("\n".join([lines[0], "", lines[1], lines[1]]) + "\n", encoding="utf-8-sig")
    with pytest.raises(ScenarioError) as caught:
        load_facts(path)
    assert str(caught.value) == f"{path}:4: fact: Q08 repeats line 3"


def test_a_relative_tolerance_on_an_observed_zero_is_refused(tmp_path):
    good = (ROOT / "experiments" / "data" / "history.csv").read_text().splitlines()[1]
    assert ",39813," in good and ",relative," in good
    path = _write(tmp_path, [good.replace("Q08", "Q96").replace(",39813,", ",0,")])
    with pytest.raises(ScenarioError, match=r":3: tolerance_kind: a relative tolerance needs"):
        load_facts(path)


def test_a_facts_file_without_a_column_says_which(tmp_path):
    path = tmp_path / "facts.csv"
    path.write_text("fact,value\nQ08,1\n")
    with pytest.raises(ScenarioError, match=r"facts.csv:1: missing column\(s\): refs"):
        load_facts(path)
