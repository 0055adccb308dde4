"""A team's decision form: the fields each country sees, what each costs, and how a
filled-in form becomes the list of actions the rules check and store.

China sets, per material and destination, the regime of its exports (keep, open,
licences with a share refused, a quota with a cut, a ban). An importer sets its
stockpile target, subsidies and research, retaliation, a deal offer and coordination.
A field left blank changes nothing, so an empty form is "carry on as before".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

REGIMES = ("keep", "open", "license", "quota", "ban")


@dataclass(frozen=True)
class Field:
    """One input of an importer's form: its name, label, unit and what it costs."""

    name: str
    label: str
    unit: str
    cost: str


IMPORTER_FIELDS = (
    Field("stockpile_days", "Stockpile target", "days of use",
          "Buying stock costs its price now and a holding cost each year; it covers "
          "shortfalls when supply is refused."),
    Field("subsidy_processing", "Subsidy for separation plants outside China", "USD m a year",
          "Paid every year for three years; plants take years to build."),
    Field("subsidy_mining", "Subsidy for mines outside China", "USD m a year",
          "Paid every year for three years; mines take years to build."),
    Field("research", "Research to use less rare earths", "USD m a year",
          "Paid every year; cuts demand after a lag of about a year."),
    Field("retaliate", "Retaliation (tariffs, chip controls)", "0-100 % of strongest",
          "Costs China and you both; may deter the next restriction."),
    Field("offer_deal", "Offer China a deal", "USD m of concessions",
          "Paid if China accepts and lifts its restrictions on you for a year."),
)  # fmt: skip


def china_cells(materials: list[str], destinations: list[str]) -> list[tuple[str, str]]:
    """The (material, destination) pairs of China's form, one row each."""
    return [(m, d) for m in materials for d in destinations]


def _number(form: Mapping[str, Any], name: str) -> float | None:
    text = str(form.get(name, "")).strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a number") from None


def china_decision(
    form: Mapping[str, Any], materials: list[str], destinations: list[str]
) -> list[dict[str, Any]]:
    """China's form as actions: ``regime:<m>:<d>`` and ``severity:<m>:<d>`` (the share
    refused by licences, or a quota's cut, in %)."""
    actions: list[dict[str, Any]] = []
    for material, destination in china_cells(materials, destinations):
        regime = str(form.get(f"regime:{material}:{destination}", "keep"))
        if regime not in REGIMES:
            raise ValueError(f"regime:{material}:{destination}: unknown regime {regime!r}")
        if regime == "keep":
            continue
        action: dict[str, Any] = {"kind": regime, "materials": [material], "targets": [destination]}
        severity = _number(form, f"severity:{material}:{destination}")
        share = 0.5 if severity is None else severity / 100
        if regime == "license":
            action["params"] = {"approval_rate": 1 - share}
        elif regime == "quota":
            action["params"] = {"cut": share}
        actions.append(action)
    return actions


def importer_decision(form: Mapping[str, Any], materials: list[str]) -> list[dict[str, Any]]:
    """An importer's form as actions (blank fields change nothing; budgets split evenly
    over the materials)."""
    actions: list[dict[str, Any]] = []
    days = _number(form, "stockpile_days")
    if days is not None:
        actions.append({"kind": "stockpile", "params": {"target_days": days}})
    share = 1 / max(len(materials), 1)
    for field, stage in (("subsidy_processing", "processing"), ("subsidy_mining", "mining")):
        amount = _number(form, field)
        if amount is not None:
            actions += [
                {"kind": "subsidize", "materials": [m],
                 "params": {"usd_m_per_year": amount * share, "stage": stage, "years": 3.0}}
                for m in materials
            ]  # fmt: skip
    research = _number(form, "research")
    if research is not None:
        actions += [
            {"kind": "research", "materials": [m], "params": {"usd_m_per_year": research * share}}
            for m in materials
        ]
    level = _number(form, "retaliate")
    if level is not None:
        actions.append({"kind": "retaliate", "params": {"level": level / 100}})
    offer = _number(form, "offer_deal")
    if offer is not None and offer > 0:
        actions.append(
            {"kind": "offer_deal", "params": {"concession_usd_m": offer, "months": 12.0}}
        )
    coordinate = str(form.get("coordinate", "")).strip()
    if coordinate not in ("", "join", "leave"):
        raise ValueError(f"coordinate: {coordinate!r} is not join or leave")
    if coordinate:
        actions.append({"kind": "coordinate", "params": {"active": coordinate == "join"}})
    return actions
