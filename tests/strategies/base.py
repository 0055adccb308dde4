"""The base test class of rule-based strategies, after the Axelrod library's ``TestPlayer``.

A strategy's test class subclasses :class:`StrategyTest`, declares ``name``, ``player``
(the strategy class) and ``expected_classifier``, and overrides ``test_scripted_match``
and ``test_in_model``:

* a scripted match (:meth:`StrategyTest.versus_test`): a sequence of situations — what
  the other players and scripted events do, round by round — and the exact actions the
  strategy must answer with in each. Between rounds the strategy's own actions are
  carried into the next observation (:func:`carried`: its bans stay in force, its
  stockpile targets stay set), as the model would;
* an in-model check: a small running model (:meth:`StrategyTest.build`) in which the
  strategy does what its docstring says.

The base class's own tests — the contract every strategy meets — run for every
subclass. :func:`assert_base_contract` is the part that holds for any registered
strategy, tested or not (``test_registry.py``).
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from overplay.agents.actions import KINDS, Action, Kind
from overplay.agents.observations import ChinaObservation, ImporterObservation, PolicyView
from overplay.agents.strategies import REGISTRY, StrategyError, make_strategy
from overplay.agents.strategies.base import CLASSIFIER_DEFAULTS, Strategy
from overplay.model import LeverageModel
from tests.helpers import build, event, run

MATERIALS = ("light", "heavy")
IMPORTERS = ("us", "japan", "eu")
DESTINATIONS = (*IMPORTERS, "other")
#: Materials and destinations as the strategies' covering actions list them (sorted).
BOTH = ("heavy", "light")
EVERYWHERE = ("eu", "japan", "other", "us")
#: Modules of the rule-based strategies: each of these needs its own test class.
RULE_MODULES = ("overplay.agents.strategies.china", "overplay.agents.strategies.importer")


# -- observation factories ------------------------------------------------------------------
def view(
    regime: str = "open",
    approval_rate: float = 1.0,
    delay_months: float = 0.0,
    cut: float = 0.0,
    months_in_place: int = 0,
) -> PolicyView:
    """China's regime toward one destination for one material."""
    return PolicyView(regime, approval_rate, delay_months, cut, months_in_place)


def _per(default: Mapping, value: Any) -> dict:
    """A mapping with defaults: a number sets every entry, a mapping overrides some."""
    if value is None:
        return dict(default)
    if isinstance(value, Mapping):
        return {**default, **value}
    return dict.fromkeys(default, value)


def _as_view(value: str | PolicyView) -> PolicyView:
    return value if isinstance(value, PolicyView) else view(value)


def china_obs(
    round: int = 1, policy: Mapping | None = None, regimes: Mapping | None = None, **overrides: Any
) -> ChinaObservation:
    """What China sees in a calm world: everything open, nobody retaliating, no offers,
    no diversification. ``regimes`` changes the regime of (material, destination) pairs,
    or of every material toward a destination given alone (values: regime names or
    PolicyViews); mapping fields take a number (for every entry) or partial mappings."""
    table = (
        dict(policy)
        if policy is not None
        else {(m, d): view() for m in MATERIALS for d in DESTINATIONS}
    )
    for key, value in (regimes or {}).items():
        for pair in [key] if isinstance(key, tuple) else [(m, key) for m in MATERIALS]:
            table[pair] = _as_view(value)
    fields: dict[str, Any] = {
        "round": round,
        "step": 3 * round + 1,
        "date": "2025-01",
        "materials": MATERIALS,
        "importers": IMPORTERS,
        "policy": table,
        "deal_offers": {},
        "quota_allowed": True,
        "tech_ban": False,
    }
    per = {
        "price_multiple": dict.fromkeys(MATERIALS, 1.0),
        "processing_share": {"light": 0.91, "heavy": 0.999},
        "diversification_momentum": dict.fromkeys(MATERIALS, 0.0),
        "reputation": dict.fromkeys(DESTINATIONS, 1.0),
        "retaliation": dict.fromkeys(IMPORTERS, 0.0),
        "leverage": {(i, m): 0.5 for i in IMPORTERS for m in MATERIALS},
        "price_war": dict.fromkeys(MATERIALS, 0.0),
    }
    for key, default in per.items():
        fields[key] = _per(default, overrides.pop(key, None))
    return ChinaObservation(**{**fields, **overrides})


def importer_obs(
    name: str = "japan",
    round: int = 1,
    regimes: str | PolicyView | Mapping | None = None,
    **overrides: Any,
) -> ImporterObservation:
    """What an importer sees in a calm world: no risk, everything open, no shortage,
    60 days of stockpile target, no budgets. ``regimes`` is China's regime toward it:
    one for every material, or a mapping per material."""
    policy = {m: view() for m in MATERIALS}
    if isinstance(regimes, Mapping):
        policy.update({m: _as_view(v) for m, v in regimes.items()})
    elif regimes is not None:
        policy = {m: _as_view(regimes) for m in MATERIALS}
    policy = {**policy, **overrides.pop("policy_toward_me", {})}
    fields: dict[str, Any] = {
        "name": name,
        "round": round,
        "step": 3 * round + 1,
        "date": "2025-01",
        "materials": MATERIALS,
        "allies": tuple(i for i in IMPORTERS if i != name),
        "reputation_of_china": 1.0,
        "policy_toward_me": policy,
        "retaliating": 0.0,
        "wto_case_filed": False,
        "coordinating": False,
        "deal_pending": False,
    }
    per = {
        "risk": dict.fromkeys(MATERIALS, 0.0),
        "shortage": dict.fromkeys(MATERIALS, 0.0),
        "price_multiple": dict.fromkeys(MATERIALS, 1.0),
        "stockpile_days": dict.fromkeys(MATERIALS, 60.0),
        "stockpile_target_days": dict.fromkeys(MATERIALS, 60.0),
        "subsidy": {(m, s): 0.0 for m in MATERIALS for s in ("mining", "processing")},
        "research": dict.fromkeys(MATERIALS, 0.0),
        "import_value_share": {"light": 0.4, "heavy": 0.6},
        "leverage": dict.fromkeys(MATERIALS, 0.5),
    }
    for key, default in per.items():
        fields[key] = _per(default, overrides.pop(key, None))
    return ImporterObservation(**{**fields, **overrides})


def calm(rounds: int) -> list[dict[str, Any]]:
    """A script of ``rounds`` rounds in which nobody else does anything."""
    return [{} for _ in range(rounds)]


# -- expected actions -----------------------------------------------------------------------
def china(
    kind: str, materials: Iterable[str] = (), targets: Iterable[str] = (), **params: Any
) -> Action:
    """An action of China's, as a strategy returns it."""
    return Action("china", Kind(kind), tuple(materials), tuple(targets), params)


def by(actor: str, kind: str, materials: Iterable[str] = (), **params: Any) -> Action:
    """An importer's action, as a strategy returns it."""
    return Action(actor, Kind(kind), tuple(materials), (), params)


def _comparable(action: Action) -> tuple:
    """An action with its numbers rounded, so 0.6 × 400 × 0.75 equals 180."""
    params = tuple(
        sorted((k, round(v, 9) if isinstance(v, float) else v) for k, v in action.params.items())
    )
    return (
        action.actor,
        action.kind,
        action.materials,
        action.targets,
        params,
        action.source,
        action.note,
    )


# -- carrying a player's own actions into its next observation --------------------------------
def carried(observation: ChinaObservation | ImporterObservation, actions: Iterable[Action]) -> dict:
    """The fields of the player's next observation that its own ``actions`` set, as
    applying them in the model would; everything else is up to the script.

    China: regimes (an accepted deal opens the importer), price wars, enforcement and
    the reserve's rate. An importer:
    its own settings. Deal offers are not carried: the model lets them lapse after
    China's turn, so the script says when one is pending."""
    if isinstance(observation, ChinaObservation):
        return _carried_by_china(observation, actions)
    return _carried_by_importer(observation, actions)


def _carried_by_china(obs: ChinaObservation, actions: Iterable[Action]) -> dict[str, Any]:
    policy, price_war = dict(obs.policy), dict(obs.price_war)
    reserve_rate, enforcement = dict(obs.reserve_rate), obs.enforcement
    for action in actions:
        materials = action.materials or obs.materials
        regime = KINDS[action.kind].regime
        if regime is not None:
            params = action.params
            delay = params.get("delay_months", 0.0)
            new = view(
                regime.value,
                params.get("approval_rate", 1.0),
                2.0 if delay < 0 else delay,  # negative: timing.licence_delay_months (default 2)
                params.get("cut", 0.0),
            )
            for m in materials:
                for d in action.targets or DESTINATIONS:
                    policy[(m, d)] = new
        elif action.kind is Kind.PRICE_WAR:
            for m in materials:
                price_war[m] = action.param("discount") if action.param("active") else 0.0
        elif action.kind is Kind.ACCEPT_DEAL:
            for m in obs.materials:
                policy[(m, action.param("importer"))] = view()
        elif action.kind is Kind.ENFORCE:
            enforcement = action.param("level")
        elif action.kind is Kind.RESERVE:
            for m in materials:
                reserve_rate[m] = action.param("t_per_month")
    return {
        "policy": policy,
        "price_war": price_war,
        "reserve_rate": reserve_rate,
        "enforcement": enforcement,
    }


def _carried_by_importer(obs: ImporterObservation, actions: Iterable[Action]) -> dict[str, Any]:
    state: dict[str, Any] = {
        "stockpile_target_days": dict(obs.stockpile_target_days),
        "subsidy": dict(obs.subsidy),
        "research": dict(obs.research),
        "retaliating": obs.retaliating,
        "coordinating": obs.coordinating,
        "wto_case_filed": obs.wto_case_filed,
        "months_since_programme": dict(obs.months_since_programme),
        "open_since_programme": dict(obs.open_since_programme),
    }
    for action in actions:
        materials = action.materials or obs.materials
        if action.kind is Kind.STOCKPILE:
            for m in materials:
                state["stockpile_target_days"][m] = action.param("target_days")
        elif action.kind is Kind.SUBSIDIZE:
            for m in materials:
                state["subsidy"][(m, action.param("stage"))] = action.param("usd_m_per_year")
                if action.param("years") > 0:  # a programme: running for its length
                    state["months_since_programme"][m] = -12 * action.param("years")
                    state["open_since_programme"][m] = False
        elif action.kind is Kind.RESEARCH:
            for m in materials:
                state["research"][m] = action.param("usd_m_per_year")
        elif action.kind is Kind.RETALIATE:
            state["retaliating"] = action.param("level")
        elif action.kind is Kind.COORDINATE:
            state["coordinating"] = action.param("active")
        elif action.kind is Kind.WTO_CASE:
            state["wto_case_filed"] = True
    return state


# -- the base contract of every registered strategy -------------------------------------------
def observe_a_ban() -> dict[str, Any]:
    """One real observation per role, from a model in which Japan is under a ban."""
    model = build([event(2, "china", "ban", ["heavy"], ["japan"])], seed=5)
    run(model, 7)
    producer = model.producers[0]
    pop = model.firm_population
    multiple = np.array([model.price_x[m] / model.reference_price[m] for m in model.materials])
    return {
        "china": model.observe_china(),
        "importer": model.observe_importer(model.importers["japan"]),
        "producer": model.observe_producer(
            producer, producer.name, tuple(model.materials), producer.country, producer.cost_factor
        ),
        "firm": pop.observe(multiple),
    }


def _snapshot(observation: Any) -> Any:
    """A deep copy, sharing the fields excluded from comparison (the forecaster)."""
    shared = {
        id(value): value
        for f in dataclasses.fields(observation)
        if not f.compare
        for value in [getattr(observation, f.name)]
    }
    return copy.deepcopy(observation, memo=shared)


def _same(a: Any, b: Any) -> bool:
    """Deep equality that also compares numpy arrays and nested observations (fields
    excluded from a dataclass's comparison are skipped, as ``==`` would)."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(
            _same(getattr(a, f.name), getattr(b, f.name))
            for f in dataclasses.fields(a)
            if f.compare
        )
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and np.array_equal(a, b)
    if isinstance(a, Mapping):
        return isinstance(b, Mapping) and set(a) == set(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    return a == b


def assert_base_contract(cls: type[Strategy], observations: Mapping[str, Any]) -> None:
    """What every registered strategy meets, whoever wrote it: registered under its own
    role and name, a docstring and a description with a well-formed classifier, and a
    ``decide`` (with default parameters) that leaves its observation as it found it."""
    role, name = cls.role, cls.name
    assert REGISTRY[(role, name)] is cls
    assert (cls.__doc__ or "").strip(), f"{name} has no docstring"
    described = cls.describe()
    assert described["rule"] and described["name"] == name and described["role"] == role
    classifier = described["classifier"]
    assert set(CLASSIFIER_DEFAULTS) <= set(classifier)
    depth = classifier["memory_depth"]
    assert depth == float("inf") or (isinstance(depth, int) and depth >= 0)
    for flag in ("stochastic", "look_ahead", "best_response", "learns"):
        assert isinstance(classifier[flag], bool), f"{name}: {flag} is not a bool"
    strategy = cls()  # default parameters
    if role == "any" or classifier["look_ahead"] or role not in observations:
        return  # needs a forecaster or a person; no default observation to give
    observation = observations[role]
    before = _snapshot(observation)
    strategy.decide(observation, np.random.default_rng(3))
    assert _same(observation, before), f"{name}.decide changed its observation"


def strategy_test_classes() -> list[type[StrategyTest]]:
    """Every strategy's test class, from the ``test_*_strategies.py`` files beside this
    one (imported here, so that the answer does not depend on what pytest collected)."""
    for file in sorted(Path(__file__).parent.glob("test_*_strategies.py")):
        importlib.import_module(f"{__package__}.{file.stem}")
    found, pending = [], list(StrategyTest.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending += cls.__subclasses__()
    return found


def rule_classifier(**flags: Any) -> dict[str, Any]:
    """The classifier of a deterministic rule without memory or foresight that does not
    learn, with ``flags`` changed or added (a strategy's ``expected_classifier``)."""
    return {**CLASSIFIER_DEFAULTS, **flags}


# -- the base test class --------------------------------------------------------------------
class StrategyTest:
    """Tests every rule-based strategy passes, run for each subclass (pytest collects
    the subclasses, named ``Test…``, not this class)."""

    name: ClassVar[str]
    player: ClassVar[type[Strategy]]
    expected_classifier: ClassVar[dict[str, Any]]

    @property
    def role(self) -> str:
        return self.player.role

    def test_is_registered_under_its_name(self) -> None:
        assert self.player.name == self.name
        assert REGISTRY[(self.role, self.name)] is self.player
        assert self.player.__module__ in RULE_MODULES

    def test_classifier(self) -> None:
        assert self.player.describe()["classifier"] == self.expected_classifier

    def test_meets_the_base_contract(self, observations: Mapping[str, Any]) -> None:
        assert_base_contract(self.player, observations)

    def test_parameters_are_described_and_validated(self) -> None:
        for field, info in self.player.describe()["params"].items():
            assert info["description"], f"{self.name}.{field} has no description"
        with pytest.raises(StrategyError):
            make_strategy(self.name, {"no_such_parameter": 1}, self.role)

    def test_ignores_the_random_generator_unless_stochastic(
        self, observations: Mapping[str, Any]
    ) -> None:
        if self.expected_classifier["stochastic"]:
            pytest.skip("a stochastic strategy may use the random generator")
        first = self.player().decide(observations[self.role], np.random.default_rng(1))
        second = self.player().decide(observations[self.role], np.random.default_rng(2))
        assert first == second

    def test_scripted_match(self) -> None:
        pytest.fail(f"{type(self).__name__} has no scripted match: override test_scripted_match")

    def test_in_model(self) -> None:
        pytest.fail(f"{type(self).__name__} has no in-model check: override test_in_model")

    # -- helpers for the subclasses' tests ------------------------------------------------------
    def versus_test(
        self,
        script: list[dict[str, Any]],
        expected_actions: list[Iterable[Action]],
        params: Mapping[str, Any] | None = None,
        seed: int = 17,
        **base: Any,
    ) -> None:
        """Play the strategy (with ``params``) through the scripted rounds and compare its
        actions, round by round, with ``expected_actions`` (Axelrod's ``versus_test``).

        Each round observes ``base`` (defaults of the observation factory; ``round`` is
        the first round's number, 1 unless given) overridden by the state the strategy's
        own earlier actions left behind, overridden by that round's script entry: the
        script plays the other players and the scripted events.
        """
        assert len(script) == len(expected_actions), "one expected entry per scripted round"
        strategy = make_strategy(self.name, dict(params or {}), self.role)
        observe = china_obs if self.role == "china" else importer_obs
        rng = np.random.default_rng(seed)
        first = base.pop("round", 1)
        state: dict[str, Any] = {}
        played = []
        for number, situation in enumerate(script, start=first):
            observation = observe(**{**base, "round": number, **state, **situation})
            actions = tuple(strategy.decide(observation, rng))
            played.append(actions)
            state = carried(observation, actions)
        assert [[_comparable(a) for a in r] for r in played] == [
            [_comparable(a) for a in r] for r in expected_actions
        ]

    def build(
        self, events: list[dict] | None = None, importer: str = "japan", **dotted: Any
    ) -> LeverageModel:
        """A quiet model (``tests.helpers.build``) in which this strategy plays China or,
        for an importer's strategy, ``importer``."""
        key = "china__strategy" if self.role == "china" else f"importers__{importer}__strategy"
        return build(events, **{key: self.name, **dotted})


def actions_of(model: LeverageModel, actor: str) -> list[dict[str, Any]]:
    """The rows of the model's action log taken by ``actor``."""
    return [row for row in model.action_log if row["actor"] == actor]
