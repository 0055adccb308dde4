"""Actions that arrive while the model runs (a person's, a strategy's) are checked as
scripted events are at load time: role, materials, targets and parameter ranges. A
quota cut of 5 used to give shares of -4.75e14 and NaN in the results."""

from __future__ import annotations

import pytest

from overplay.agents.actions import KINDS, KINDS_OF_ROLE, REGIME_OF_KIND, Action, Kind
from overplay.agents.china import SupplierState
from overplay.agents.importer import ImporterState
from overplay.agents.producers import Producer
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


AGENT_OF_ROLE = {"china": SupplierState, "importer": ImporterState, "producer": Producer}


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_is_declared_with_a_handler_its_actor_has(kind: Kind) -> None:
    """One declaration per kind: a role, and a method of that role's agent to carry it out."""
    spec = KINDS[kind]
    assert kind in KINDS_OF_ROLE[spec.role]
    assert callable(getattr(AGENT_OF_ROLE[spec.role], spec.handler, None))
    assert (kind in REGIME_OF_KIND) == (spec.regime is not None)


def test_an_action_naming_no_material_is_logged_per_material_only_if_its_kind_says_so() -> None:
    model = LeverageModel("baseline", rng=1, firms=10, years=1)
    model.apply(Action("us", Kind.STOCKPILE, params={"target_days": 90}))
    model.apply(Action("us", Kind.RETALIATE))
    rows = [(r["action"], r["material"]) for r in model.action_log]
    assert rows == [("stockpile", m) for m in model.materials] + [("retaliate", "")]
