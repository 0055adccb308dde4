"""The model the dashboard drives: :class:`LeverageModel` with the page's levers as
explicit keywords.

SolaraViz builds a model from its inputs by keyword and checks them against the
model's signature: Mesa 3.3 refuses a ``**overrides`` catch-all, and Mesa 3.5's Reset
passes its own ``scenario=`` object to a model that has a ``scenario`` keyword. So
this wrapper names every lever and has no keyword called ``scenario``.

The numeric levers are multipliers of the chosen scenario's own values (1 = as the
scenario has it), so that every bundled scenario, the calibrated one included, runs
as published until a lever is moved; :attr:`DashboardModel.levers` says in words what
each lever set.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from overplay.agents.strategies import REGISTRY
from overplay.model.config import Scenario
from overplay.model.leverage_model import LeverageModel
from overplay.model.problems import ScenarioError
from overplay.model.scenario_checks import ScenarioNote
from overplay.model.scenarios import resolve_scenario

#: The select's entry that keeps the scenario's own strategies.
AS_SCENARIO = "as in the scenario"
#: The scenario a first-time user sees: China's "caution, not coercion" licensing.
DEFAULT_SCENARIO = "restraint"
#: Strategies a page can run: every registered one but the human seat (the seminar's).
PLAYABLE = {"human"}
#: China's strategy parameters the severity lever scales, and how: the share of
#: licence applications refused (1 - approval_rate) or a quota's cut.
_REFUSED = {"approval_rate": True, "cut": False}
#: Importer strategy parameters that are a subsidy budget (USD m a year).
_BUDGETS = ("subsidy_usd_m_per_year_at_full_risk", "subsidy_usd_m_per_year")


def strategies(role: str) -> list[str]:
    """Strategy names a page can choose for a role, the scenario's own first."""
    names = sorted(name for (r, name) in REGISTRY if r == role and name not in PLAYABLE)
    return [AS_SCENARIO, *names]


def _params(role: str, name: str, given: dict[str, Any]) -> dict[str, Any]:
    """A strategy's parameters: its class defaults under what the scenario gave."""
    fields = REGISTRY[(role, name)].Params.model_fields
    return {**{k: f.default for k, f in fields.items()}, **given}


class DashboardModel(LeverageModel):
    """LeverageModel for SolaraViz. ``problem`` is a message when the scenario file
    could not be used (the page shows it; the default scenario runs instead)."""

    def __init__(
        self,
        scenario_name: str = DEFAULT_SCENARIO,
        scenario_file: str = "",
        china_strategy: str = AS_SCENARIO,
        importer_strategy: str = AS_SCENARIO,
        severity: float = 1.0,
        elasticity: float = 1.0,
        risk_half_life: float = 1.0,
        subsidy_budget: float = 1.0,
        firms: int = 200,
        seed: int = 1,
        rng: Any = None,
    ) -> None:
        self.problem = ""
        levers = (
            china_strategy, importer_strategy, severity, elasticity, risk_half_life,
            subsidy_budget, firms, seed,
        )  # fmt: skip
        source: str | Path = scenario_name
        if scenario_file.strip():
            source = Path(scenario_file.strip()).expanduser()
        try:
            overrides = self._checked(source, *levers)
        except ScenarioError as exc:  # a file that does not load, or levers it refuses
            self.problem = f"{source}: {exc}"
            source = DEFAULT_SCENARIO
            overrides = self._checked(source, *levers)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScenarioNote)
            super().__init__(source, rng=rng, **overrides)
        self.scenario_label = f"{self.config.name}: {self.config.description}"

    def _checked(
        self,
        source: str | Path,
        china_strategy: str,
        importer_strategy: str,
        severity: float,
        elasticity: float,
        risk_half_life: float,
        subsidy_budget: float,
        firms: int,
        seed: int,
    ) -> dict[str, Any]:
        """The scenario keys the levers set on ``source``, resolved once so that a
        problem is a :class:`ScenarioError` before the model is built."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScenarioNote)
            base = resolve_scenario(source, {})
            self.levers: list[str] = []
            flat = self._overrides(
                base,
                china_strategy,
                importer_strategy,
                severity,
                elasticity,
                risk_half_life,
                subsidy_budget,
            )
            flat["firms.count"] = int(firms)
            flat["seed"] = int(seed)
            resolve_scenario(source, flat)
        return flat

    def _overrides(
        self,
        base: Scenario,
        china_strategy: str,
        importer_strategy: str,
        severity: float,
        elasticity: float,
        risk_half_life: float,
        subsidy_budget: float,
    ) -> dict[str, Any]:
        """The scenario keys the levers set, and :attr:`levers` in words."""
        flat: dict[str, Any] = {}
        china = base.china.strategy
        name = china.name if china_strategy == AS_SCENARIO else china_strategy
        params = _params("china", name, dict(china.params) if name == china.name else {})
        scaled = {
            k: float(v)
            for k, v in params.items()
            if k in _REFUSED and isinstance(v, int | float) and not isinstance(v, bool)
        }
        for key, is_approval in _REFUSED.items():
            if key in scaled:
                refused = (1.0 - scaled[key]) if is_approval else scaled[key]
                refused = min(1.0, max(0.0, refused * severity))
                params[key] = 1.0 - refused if is_approval else refused
                self.levers.append(f"China: {name}, {refused:.0%} refused ({key})")
        if not scaled:
            self.levers.append(f"China: {name} (severity not used by this strategy)")
        flat["china.strategy"] = {"name": name, "params": params}
        importers: dict[str, list[str]] = {}  # lever in words -> the importers it applies to
        for importer, ref in base.importers.items():
            chosen = ref.strategy.name if importer_strategy == AS_SCENARIO else importer_strategy
            given = dict(ref.strategy.params) if chosen == ref.strategy.name else {}
            params = _params("importer", chosen, given)
            words = chosen
            for key in _BUDGETS:
                if isinstance(params.get(key), int | float):
                    params[key] = float(params[key]) * subsidy_budget
                    words += f", USD {params[key]:,.0f} m subsidy"
            importers.setdefault(words, []).append(importer)
            flat[f"importers.{importer}.strategy"] = {"name": chosen, "params": params}
        self.levers += [f"{', '.join(names)}: {words}" for words, names in importers.items()]
        for material, spec in base.materials.items():
            value = spec.price_elasticity * elasticity
            flat[f"materials.{material}.price_elasticity"] = value
            self.levers.append(f"{material} price elasticity {value:.2f}")
        half_life = base.risk.half_life_months * risk_half_life
        flat["risk.half_life_months"] = half_life
        self.levers.append(f"risk memory half-life {half_life:.0f} months")
        return flat
