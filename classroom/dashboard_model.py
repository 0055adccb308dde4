"""The model the dashboard drives: :class:`LeverageModel` with the page's levers as
explicit keywords.

SolaraViz builds a model from its inputs by keyword and checks them against the
model's signature: Mesa 3.3 refuses a ``**overrides`` catch-all, and Mesa 3.5's Reset
passes its own ``scenario=`` object to a model that has a ``scenario`` keyword. So
this wrapper names every lever and has no keyword called ``scenario``.

The numeric levers are multipliers of the chosen scenario's own values (1 = as the
scenario has it; firms and seed 0 = the scenario's), so that every bundled scenario,
the calibrated one included, runs as published until a lever is moved;
:attr:`DashboardModel.levers` says in words what each lever set, and which levers the
chosen strategies do not use.

Scenario files are read only when the page is served to this computer alone
(``OVERPLAY_DASHBOARD_FILES=1``, which ``overplay dashboard`` sets for a loopback
address): served to a classroom network, a path typed into the page would let anyone
probe the instructor's files through the error messages.
"""

from __future__ import annotations

import os
import threading
import warnings
from pathlib import Path
from typing import Any

from overplay.agents.strategies import REGISTRY
from overplay.agents.strategies.base import StrategyError, lookup
from overplay.model.config import Scenario
from overplay.model.leverage_model import LeverageModel
from overplay.model.problems import ScenarioError
from overplay.model.scenario_checks import ScenarioNote
from overplay.model.scenarios import resolve_scenario

#: The select's entry that keeps the scenario's own strategies.
AS_SCENARIO = "as in the scenario"
#: The scenario a first-time user sees: China's "caution, not coercion" licensing.
DEFAULT_SCENARIO = "restraint"
#: Not offered on the page: the human seat is the seminar's.
NOT_PLAYABLE = {"human"}
#: China's strategy parameters the severity lever scales: the share of licence
#: applications refused (1 - approval_rate), a quota's cut, or both at once.
_APPROVAL, _CUT, _SEVERITY = "approval_rate", "cut", "severity"
#: Importer strategy parameters that are a subsidy budget (USD m a year).
_BUDGETS = ("subsidy_usd_m_per_year_at_full_risk", "subsidy_usd_m_per_year")
#: Whether scenario files may be read (see the module's docstring).
FILES_ALLOWED = "OVERPLAY_DASHBOARD_FILES"
#: Larger files are refused unread.
MAX_FILE_BYTES = 1_000_000
#: Resolving a scenario silences its notes with ``warnings.catch_warnings``, which
#: changes process-wide state: one browser session at a time.
_BUILDING = threading.Lock()


class FileRefusedError(ValueError):
    """A scenario file the page may not read."""


def strategies(role: str) -> list[str]:
    """Strategy names a page can choose for a role, the scenario's own first."""
    names = sorted(name for (r, name) in REGISTRY if r == role and name not in NOT_PLAYABLE)
    return [AS_SCENARIO, *names]


def files_allowed() -> bool:
    return os.environ.get(FILES_ALLOWED) == "1"


def _defaults(role: str, name: str) -> dict[str, Any]:
    cls = lookup(name, role)
    if cls is None:
        raise StrategyError(f"unknown {role} strategy {name!r}")
    return {k: f.default for k, f in cls.Params.model_fields.items()}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class DashboardModel(LeverageModel):
    """LeverageModel for SolaraViz. ``problem`` is a message when the scenario file or
    a lever could not be used (the page shows it; the default scenario runs instead),
    or when a step failed (the run stops there)."""

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
        firms: int = 0,
        seed: int = 0,
        rng: Any = None,
    ) -> None:
        self.problem = ""
        levers = (
            china_strategy, importer_strategy, severity, elasticity, risk_half_life,
            subsidy_budget, firms, seed,
        )  # fmt: skip
        source: str | Path = scenario_name
        with _BUILDING:
            try:
                if scenario_file.strip():
                    source = self._file(scenario_file)
                overrides = self._checked(source, *levers)
            except (ScenarioError, StrategyError, FileRefusedError) as exc:
                self.problem = f"{source}: {exc}"
                source = DEFAULT_SCENARIO
                overrides = self._checked(source, *levers)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ScenarioNote)
                super().__init__(source, rng=rng, **overrides)
        self.scenario_label = f"{self.config.name}: {self.config.description}"

    @staticmethod
    def _file(text: str) -> Path:
        """A scenario file the page may read, or :class:`FileRefusedError` saying why not."""
        if not files_allowed():
            raise FileRefusedError(
                "scenario files are read only when the dashboard is served to this "
                "computer alone (overplay dashboard --host 127.0.0.1)"
            )
        path = Path(text.strip()).expanduser()
        if path.is_file() and path.stat().st_size > MAX_FILE_BYTES:
            raise FileRefusedError(f"larger than {MAX_FILE_BYTES:,} bytes: not a scenario")
        return path

    def step(self) -> None:
        """A month; a failure stops the run with its message on the page instead of
        breaking the page (a strategy may not fit a scenario's materials)."""
        try:
            super().step()
        except (ValueError, KeyError, StrategyError) as exc:
            self.problem = f"the run stopped in {self.date}: {exc}"
            self.running = False

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
            flat = self._china(base, china_strategy, severity)
            flat |= self._importers(base, importer_strategy, subsidy_budget)
            flat |= self._world(base, elasticity, risk_half_life)
            if firms:
                flat["firms.count"] = int(firms)
            if seed:
                flat["seed"] = int(seed)
            self.levers.append(f"{firms or base.firms.count} firms, seed {seed or base.seed}")
            resolve_scenario(source, flat)
        return flat

    def _china(self, base: Scenario, chosen: str, severity: float) -> dict[str, Any]:
        """China's strategy, its refusals scaled by ``severity``. Only the parameters
        the scenario gave and the scaled ones are passed: class defaults can name
        materials a scenario does not have."""
        ref = base.china.strategy
        name = ref.name if chosen == AS_SCENARIO else chosen
        params = dict(ref.params) if name == ref.name else {}
        defaults = _defaults("china", name)
        merged = {**defaults, **params}
        if merged.get("instrument") == "ban" or not any(
            _number(merged.get(k)) for k in (_APPROVAL, _CUT, _SEVERITY)
        ):
            self.levers.append(f"China: {name} (severity not used: it refuses all or nothing)")
            return {"china.strategy": {"name": name, "params": params}}
        if severity != 1:
            if _number(merged.get(_SEVERITY)):
                params[_SEVERITY] = min(1.0, merged[_SEVERITY] * severity)
            for key in (_APPROVAL, _CUT):
                if _number(merged.get(key)):
                    refused = (1 - merged[key]) if key == _APPROVAL else merged[key]
                    refused = min(1.0, max(0.0, refused * severity))
                    params[key] = 1 - refused if key == _APPROVAL else refused
        shown = {**defaults, **params}
        if _number(shown.get(_SEVERITY)):
            words = f"{shown[_SEVERITY]:.0%} refused (licences) or cut (quotas)"
        elif shown.get("instrument") == "quota" or (
            _number(shown.get(_CUT)) and not _number(shown.get(_APPROVAL))
        ):
            words = f"quotas cut {shown[_CUT]:.0%}"
        else:
            words = f"{1 - shown[_APPROVAL]:.0%} refused by licences"
        self.levers.append(f"China: {name}, {words}")
        return {"china.strategy": {"name": name, "params": params}}

    def _importers(self, base: Scenario, chosen: str, budget: float) -> dict[str, Any]:
        """Each importer's strategy, its subsidy budget scaled."""
        flat: dict[str, Any] = {}
        described: dict[str, list[str]] = {}  # lever in words -> the importers it applies to
        for importer, ref in base.importers.items():
            name = ref.strategy.name if chosen == AS_SCENARIO else chosen
            params = dict(ref.strategy.params) if name == ref.strategy.name else {}
            merged = {**_defaults("importer", name), **params}
            words = f"{name}, subsidy lever not used"
            for key in _BUDGETS:
                if _number(merged.get(key)):
                    if budget != 1:
                        params[key] = float(merged[key]) * budget
                    words = f"{name}, USD {float(params.get(key, merged[key])):,.0f} m subsidy"
            described.setdefault(words, []).append(importer)
            flat[f"importers.{importer}.strategy"] = {"name": name, "params": params}
        self.levers += [f"{', '.join(names)}: {words}" for words, names in described.items()]
        return flat

    def _world(self, base: Scenario, elasticity: float, risk_half_life: float) -> dict[str, Any]:
        flat: dict[str, Any] = {}
        for material, spec in base.materials.items():
            value = spec.price_elasticity * elasticity
            if elasticity != 1:
                flat[f"materials.{material}.price_elasticity"] = value
            self.levers.append(f"{material} price elasticity {value:.2f}")
        half_life = base.risk.half_life_months * risk_half_life
        if risk_half_life != 1:
            flat["risk.half_life_months"] = half_life
        self.levers.append(f"risk memory half-life {half_life:.0f} months")
        return flat
