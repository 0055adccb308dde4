"""Actions that arrive while the model runs (a person's, a strategy's) are checked as
scripted events are at load time: role, materials, targets and parameter ranges. A
quota cut of 5 used to give shares of -4.75e14 and NaN in the results."""

from __future__ import annotations

import pytest

from overplay.agents.actions import Action, Kind
from overplay.model import LeverageModel


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (Action("china", Kind.QUOTA, ("light",), ("us",), {"cut": 5}), "params.cut"),
        (Action("china", Kind.BAN, ("unobtainium",), ("us",)), "materials"),
        (Action("china", Kind.BAN, ("light",), ("narnia",)), "targets"),
        (Action("us", Kind.BAN, ("light",), ("japan",)), "cannot take action 'ban'"),
    ],
)
def test_a_bad_action_is_refused_before_it_changes_anything(action: Action, expected: str) -> None:
    model = LeverageModel("baseline", rng=1, firms=10, years=1)
    model.step()
    log = list(model.action_log)
    with pytest.raises(ValueError, match=expected):
        model.apply(action)
    assert model.action_log == log


def test_a_good_action_is_applied() -> None:
    model = LeverageModel("baseline", rng=1, firms=10, years=1)
    model.apply(Action("china", Kind.QUOTA, ("light",), ("us",), {"cut": 0.3}))
    assert model.action_log[-1]["action"] == "quota"
