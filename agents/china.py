"""The supplier state: export policy per material and destination, and its other levers."""

from __future__ import annotations

from dataclasses import dataclass, replace

import mesa
import numpy as np

from overplay.agents.actions import (
    REGIME_OF_KIND,
    Action,
    Kind,
    Logged,
    Regime,
    open_in_effect,
)
from overplay.agents.china_supply import ChinaSupply
from overplay.agents.observations import ChinaObservation, PolicyView
from overplay.agents.strategies.base import Strategy
from overplay.model.calendar import date_of_step
from overplay.model.columns import CONCESSIONS

#: The destination standing for third countries (not a strategic player).
OTHER = "other"
_OPEN = Regime.OPEN


@dataclass(frozen=True)
class ExportPolicy:
    """China's regime toward one destination for one material."""

    regime: Regime = Regime.OPEN
    approval_rate: float = 1.0
    delay_months: float = 0.0
    cut: float = 0.0
    since_step: int = 0
    baseline_t_per_month: float = 0.0

    @property
    def open_in_effect(self) -> bool:
        return open_in_effect(self.regime, self.approval_rate)

    def limits(self, step: int) -> tuple[float, float]:
        """(share of requests approved, absolute cap in t/month) this month.

        Licensing approves nothing until the review delay has passed, then the
        approval rate; a quota caps shipments at (1 - cut) of the pre-quota
        baseline; a ban ships nothing.
        """
        if self.regime is Regime.OPEN:
            return 1.0, float("inf")
        if self.regime is Regime.BAN:
            return 0.0, 0.0
        if self.regime is Regime.QUOTA:
            if self.baseline_t_per_month <= 0:  # no export history yet: cut requests
                return 1.0 - self.cut, float("inf")
            return 1.0, (1.0 - self.cut) * self.baseline_t_per_month
        elapsed = step - self.since_step + 1
        ready = min(1.0, max(0.0, elapsed - self.delay_months))
        return self.approval_rate * ready, float("inf")

    def view(self, step: int) -> PolicyView:
        return PolicyView(
            self.regime.value,
            self.approval_rate,
            self.delay_months,
            self.cut,
            step - self.since_step if self.regime is not Regime.OPEN else 0,
        )


def _baseline(old: ExportPolicy, trailing_t_per_month: float) -> float:
    """The exports a quota cuts from: those of the year before the pair was last open.

    A pair already restricted keeps the baseline it had when it left open trade, so a
    quota imposed during a ban (or tightened under a quota) is not based on the
    restricted months (a halt to Japan followed by a quota, 2010)."""
    if old.regime is not Regime.OPEN and old.baseline_t_per_month > 0:
        return old.baseline_t_per_month
    return trailing_t_per_month


def tonnage_cut(t_per_year: float, baselines: list[float]) -> float:
    """The cut that holds pairs with these pre-quota exports (t/month) to ``t_per_year``
    together, shared pro rata to those exports: 0 when they already ship less (and
    when nothing has been shipped, so there is nothing to share)."""
    total = sum(baselines)
    if total <= 0:
        return 0.0
    return max(0.0, 1.0 - t_per_year / 12.0 / total)


def _concerns(suspension: Action, announced: Action) -> bool:
    """Whether an announced restriction shares a material and a destination with a
    suspension (an empty list stands for all)."""
    return all(
        not mine or not theirs or bool(set(mine) & set(theirs))
        for mine, theirs in (
            (suspension.materials, announced.materials),
            (suspension.targets, announced.targets),
        )
    )


class SupplierState(mesa.Agent):
    """China. Decides each round through its strategy; the model applies the actions."""

    name = "china"

    def __init__(
        self,
        model: mesa.Model,
        strategy: Strategy,
        materials: list[str],
        destinations: list[str],
        supply: ChinaSupply,
    ) -> None:
        super().__init__(model)
        self.strategy = strategy
        self.supply = supply
        self.materials = materials
        self.destinations = destinations
        self.policy: dict[tuple[str, str], ExportPolicy] = {
            (m, d): ExportPolicy() for m in materials for d in destinations
        }
        self.magnet_policy: dict[tuple[str, str], ExportPolicy] = dict.fromkeys(
            self.policy, ExportPolicy()
        )
        self.tech_ban = False
        self.enforcement = 0.0
        self.price_war: dict[str, float] = dict.fromkeys(materials, 0.0)
        self.partnership_offered = False
        self.partners = 0
        self.quota_allowed = True
        self.reputation: dict[str, float] = dict.fromkeys(destinations, 1.0)
        self.truce_until: dict[str, int] = {}
        self.quota_steps: list[int] = []

    # -- observation -----------------------------------------------------------------
    def observe(self) -> ChinaObservation:
        return self.model.observe_china()

    def decide(self) -> tuple[Action, ...]:
        return tuple(self.strategy.decide(self.observe(), self.model.rng))

    # -- applying actions --------------------------------------------------------------
    def books(self) -> dict[str, dict[tuple[str, str], ExportPolicy]]:
        """Each product with a regime of its own, and its export policy: separated
        products (``oxides``: oxides, metals) and permanent magnets (``magnets``,
        ``docs/odd.md`` §7.16)."""
        return {"oxides": self.policy, "magnets": self.magnet_policy}

    def restrict(
        self,
        action: Action,
        baseline: dict[str, dict[tuple[str, str], float]],
        step: int,
    ) -> list[tuple[str, str]]:
        """Set the export regime for the action's (material, destination) pairs, for the
        products it names (``baseline``: each product's trailing exports by pair).

        Targets under a deal's truce are skipped. Returns the pairs changed.
        """
        regime = REGIME_OF_KIND[action.kind]
        params = dict(action.params)
        products = params.pop("products", "all")
        if regime is Regime.QUOTA and not self.quota_allowed:
            # After a lost WTO case, quotas are replaced by licensing (W02); the licences
            # carry the quota's cut, since a ruling still condemns what they stand for.
            regime = Regime.LICENSING
            params = {
                "approval_rate": 1.0 - params["cut"],
                "delay_months": self.model.config.timing.licence_delay_months,
                "cut": params["cut"],
            }
        materials = action.materials or tuple(self.materials)
        targets = action.targets or tuple(self.destinations)
        changed = []
        for product, book in self.books().items():
            if products in ("all", product):
                changed += self._restrict_book(
                    book, regime, params, materials, targets, step, baseline.get(product, {})
                )
        return list(dict.fromkeys(changed))

    def under_truce(self, destination: str, step: int) -> bool:
        """Whether a deal's truce shields ``destination`` from new restrictions."""
        return self.truce_until.get(destination, -1) >= step

    def _tonnage_as_cut(
        self, action: Action, baseline: dict[str, dict[tuple[str, str], float]], step: int
    ) -> tuple[Action, str]:
        """A quota given as a yearly tonnage, as the cut it makes of the pairs' pre-quota
        exports (targets under a truce left out), and a log note saying so."""
        products = action.params.get("products", "all")
        tonnage = action.params["t_per_year"]
        baselines = [
            _baseline(book[(m, d)], baseline.get(product, {}).get((m, d), 0.0))
            for product, book in self.books().items()
            if products in ("all", product)
            for m in action.materials or self.materials
            for d in action.targets or self.destinations
            if not self.under_truce(d, step)
        ]
        cut = tonnage_cut(tonnage, baselines)
        note = f"{tonnage:,.0f} t/yr over these pairs: a cut of {cut:.2f} of their exports"
        return replace(action, params={**action.params, "cut": cut}), note

    def _restrict_book(
        self,
        book: dict[tuple[str, str], ExportPolicy],
        regime: Regime,
        params: dict,
        materials: tuple[str, ...],
        targets: tuple[str, ...],
        step: int,
        baseline: dict[tuple[str, str], float],
    ) -> list[tuple[str, str]]:
        """One product's side of :meth:`restrict`."""
        changed = []
        for m in materials:
            for d in targets:
                if regime is not Regime.OPEN and self.under_truce(d, step):
                    continue
                old = book[(m, d)]
                if regime is Regime.OPEN and old.regime is Regime.OPEN:
                    continue
                delay = params.get("delay_months", 0.0)
                if delay < 0:  # not given: the scenario's statutory review period
                    delay = self.model.config.timing.licence_delay_months
                approval = params.get("approval_rate", 1.0)
                # A regime already in force keeps its start, unless a licence tightens:
                # stricter conditions need new applications (April 2025's dual-use
                # licences on top of the licences required since 2015 [E01, W02]).
                tightened = regime is Regime.LICENSING and (
                    approval < old.approval_rate or delay > old.delay_months
                )
                kept = old.regime is regime and not tightened
                new = ExportPolicy(
                    regime=regime,
                    approval_rate=approval,
                    delay_months=delay,
                    cut=params.get("cut", 0.0),
                    since_step=old.since_step if kept else step,
                    baseline_t_per_month=_baseline(old, baseline.get((m, d), 0.0)),
                )
                if new != old:
                    book[(m, d)] = new
                    changed.append((m, d))
        return changed

    def abolish_quotas(self, step: int) -> None:
        """Comply with a lost WTO case: quotas become licences that approve everything.

        Licences replace quotas for flows already running, so no review gap opens
        (the licence is dated as if in place for its whole delay).
        """
        self.quota_allowed = False
        delay = self.model.config.timing.licence_delay_months
        for book in self.books().values():
            for key, policy in book.items():
                if policy.regime is Regime.QUOTA:
                    book[key] = replace(
                        policy,
                        regime=Regime.LICENSING,
                        approval_rate=1.0,
                        delay_months=delay,
                        cut=0.0,
                        since_step=step - int(delay) - 1,
                    )

    # Each method below carries out one action kind (see ``KINDS`` in
    # ``agents/actions.py``, which names them).
    def set_regime(self, action: Action) -> Logged:
        """An export regime for the action's pairs, quotas based on the exports of the
        year before the pair was last open; logged once per pair that changed.

        A restriction announced ahead (``effective_in_months`` > 0) changes nothing yet:
        it joins the model's timeline at the month it takes effect (source
        ``announced``), where a suspension can still postpone it."""
        months = round(action.params.get("effective_in_months", 0.0))
        if months > 0:
            step = self.model.step_count + months
            due = replace(
                action, params={**action.params, "effective_in_months": 0.0}, source="announced"
            )
            self.model.events.setdefault(step, []).append(due)
            note = f"announced; takes effect {self._date(step)}"
            return Logged(self._pairs(action), f"{note}: {action.note}" if action.note else note)
        baseline = {
            product: {k: (float(np.mean(h)) if h else 0.0) for k, h in history.items()}
            for product, history in (
                ("oxides", self.model.export_history),
                ("magnets", self.model.magnet_export_history),
            )
        }
        note = ""
        if action.kind is Kind.QUOTA and action.params.get("t_per_year", 0.0) > 0:
            action, note = self._tonnage_as_cut(action, baseline, self.model.step_count)
            note = f"{note}: {action.note}" if action.note else note
        return Logged(tuple(self.restrict(action, baseline, self.model.step_count)), note)

    def suspend_announced(self, action: Action) -> Logged:
        """Postpone by ``months`` every announced restriction not yet in effect that
        concerns the action's materials and targets (all, if it names none); logged once
        per pair postponed."""
        months = round(action.param("months"))
        timeline, now = self.model.events, self.model.step_count
        postponed: list[tuple[int, Action]] = []
        for step in [s for s in timeline if s > now]:
            keep = []
            for due in timeline[step]:
                if due.source == "announced" and _concerns(action, due):
                    postponed.append((step, due))
                else:
                    keep.append(due)
            timeline[step] = keep
        pairs: list[tuple[str, str]] = []
        for step, due in postponed:
            timeline.setdefault(step + months, []).append(due)
            pairs += self._pairs(due)
        first = min((step for step, _ in postponed), default=now) + months
        note = f"postponed {months} months, to {self._date(first)} at the earliest"
        return Logged(tuple(dict.fromkeys(pairs)), note)

    def _pairs(self, action: Action) -> tuple[tuple[str, str], ...]:
        """The (material, destination) pairs an action names (all, if it names none)."""
        return tuple(
            (m, d)
            for m in action.materials or self.materials
            for d in action.targets or self.destinations
        )

    def _date(self, step: int) -> str:
        return date_of_step(self.model.config.start, step)

    def set_tech_ban(self, action: Action) -> None:
        self.tech_ban = bool(action.param("active"))

    def set_enforcement(self, action: Action) -> None:
        """Enforcement against smuggling and illegal mining (a crackdown): it cuts
        leakage and black output alike."""
        self.enforcement = min(max(float(action.param("level")), 0.0), 1.0)

    def set_production_quota(self, action: Action) -> None:
        """A legal production quota for the action's materials (0 lifts it: output is
        then limited by capacity only)."""
        quota = float(action.param("t_per_year")) or float("inf")
        for m in action.materials or self.materials:
            self.supply.production_quota[m] = quota

    def set_reserve(self, action: Action) -> None:
        """Buy for (positive) or sell from (negative) the state reserve each month, t."""
        for m in action.materials or self.materials:
            self.supply.reserve_rate[m] = float(action.param("t_per_month"))

    def set_price_war(self, action: Action) -> None:
        discount = float(action.param("discount")) if action.param("active") else 0.0
        for m in action.materials or self.materials:
            self.price_war[m] = min(max(discount, 0.0), 0.9)

    def set_partnership(self, action: Action) -> None:
        self.partnership_offered = bool(action.param("active"))

    def accept_deal(self, action: Action) -> Logged:
        """Take an importer's pending offer: its concession is paid, restrictions on it
        are lifted and a truce holds for the offer's months; it stops retaliating.
        Without a pending offer nothing happens (and nothing is logged)."""
        name = action.param("importer")
        state = self.model.importers.get(name)
        if state is None or state.deal_offer is None:
            return Logged(())
        value = state.deal_offer
        step = self.model.step_count
        self.model.add_payoff("china", (CONCESSIONS, value))
        self.model.add_payoff(name, (CONCESSIONS, -value))
        self.truce_until[name] = step + round(state.deal_months)
        opening = Action("china", Kind.OPEN, targets=(name,), source=action.source)
        changed = self.restrict(opening, {}, step)
        state.retaliation = 0.0
        state.deal_offer = None
        return Logged(
            (("", name),), f"concession {value:.0f} USD m; {len(changed)} restriction(s) lifted"
        )

    def restricted_pairs(self) -> list[tuple[str, str]]:
        """Pairs under a restriction of either product."""
        open_, magnets = _OPEN, self.magnet_policy  # locals: called twice a month
        return [
            k
            for k, p in self.policy.items()
            if p.regime is not open_ or magnets[k].regime is not open_
        ]

    def regime_toward(self, material: str, destination: str) -> Regime:
        return self.policy[(material, destination)].regime
