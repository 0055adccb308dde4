"""The action log in plain words: "2026-04: China requires licences for heavy rare
earths bound for the US, approving 30 % of applications after a 2-month review".

The log (``model.action_log``) keeps parameters as ``key=value`` text so that it can
be written as a table; a classroom reads sentences. Every action kind and every
logged event has a sentence; an unknown one (a new kind, say) falls back to its
name, its parameters and its note, so nothing is hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

#: Actor and target names as a sentence writes them.
NAMES = {
    "china": "China",
    "us": "the US",
    "eu": "the EU",
    "japan": "Japan",
    "wto": "the WTO",
    "mp_materials": "MP Materials",
    "other_producers": "the rest of the world",
    "other_mines": "the rest of the world",
    "other": "third countries",
}


def name(actor: str) -> str:
    """An actor's name in a sentence ("the US", "Lynas", "South Korea", "Entrant 6")."""
    if actor in NAMES:
        return NAMES[actor]
    words = actor.replace("_", " ").strip()
    return words.title() if words else "someone"


def material_words(material: str) -> str:
    """The words for a material ("heavy rare earths"); no material is every one."""
    return f"{material} rare earths" if material else "rare earths"


def parameters(text: str) -> dict[str, str]:
    """The log's ``key=value;key=value`` parameters as a mapping."""
    pairs = (item.split("=", 1) for item in str(text or "").split(";") if "=" in item)
    return {key.strip(): value.strip() for key, value in pairs}


def _number(params: Mapping[str, str], key: str, default: float = 0.0) -> float:
    try:
        return float(params.get(key, default))
    except ValueError:
        return default


def _goods(row: Mapping[str, Any], params: Mapping[str, str]) -> str:
    """What an export measure covers: the material's separated products, its magnets,
    or both."""
    material = material_words(row.get("material", ""))
    products = params.get("products", "all")
    if products == "magnets":
        return f"magnets made with {material}"
    if products == "oxides":
        return material
    return f"{material} and magnets made with them"


def _destination(row: Mapping[str, Any]) -> str:
    target = row.get("target", "")
    return f"bound for {name(target)}" if target else "to every destination"


def _delay(params: Mapping[str, str]) -> str:
    months = _number(params, "effective_in_months")
    return f", taking effect in {months:g} month(s)" if months > 0 else ""


def _licence(row: Mapping[str, Any], p: Mapping[str, str]) -> str:
    approval = _number(p, "approval_rate", 0.8)
    review = _number(p, "delay_months", -1)
    when = f"a {review:g}-month review" if review >= 0 else "the statutory review"
    return (
        f"China requires licences for {_goods(row, p)} {_destination(row)}, approving "
        f"{approval:.0%} of applications after {when}{_delay(p)}"
    )


def _quota(row: Mapping[str, Any], p: Mapping[str, str]) -> str:
    tonnage = _number(p, "t_per_year")
    size = f"{tonnage:,.0f} t a year in all" if tonnage > 0 else f"{_number(p, 'cut'):.0%} less"
    return f"China sets an export quota on {_goods(row, p)} {_destination(row)}: {size}{_delay(p)}"


def _switch(on: str, off: str) -> Callable[[Mapping[str, Any], Mapping[str, str]], str]:
    return lambda row, p: on if p.get("active", "True") != "False" else off


def _actor(row: Mapping[str, Any]) -> str:
    return name(row.get("actor", ""))


def _paid_by(row: Mapping[str, Any]) -> str:
    """Who pays, when a state's subsidy does (the log's source ``subsidy:us``)."""
    source = str(row.get("source", ""))
    return (
        f", paid by {name(source.split(':', 1)[1])}'s subsidy"
        if source.startswith("subsidy:")
        else ""
    )


def _money(p: Mapping[str, str], key: str) -> str:
    return f"USD {_number(p, key):,.0f} m"


_SENTENCES: dict[str, Callable[[Mapping[str, Any], Mapping[str, str]], str]] = {
    "open": lambda r, p: f"China lifts its restrictions on {_goods(r, p)} {_destination(r)}",
    "license": _licence,
    "quota": _quota,
    "ban": lambda r, p: f"China bans exports of {_goods(r, p)} {_destination(r)}{_delay(p)}",
    "tech_ban": _switch(
        "China bans exports of rare-earth processing technology",
        "China lifts its ban on exporting processing technology",
    ),
    "enforce": lambda r, p: (
        f"China cracks down on illegal mining and smuggling "
        f"({_number(p, 'level', 1):.0%} of full effort)"
    ),
    "price_war": lambda r, p: (
        f"China cuts {material_words(r.get('material', ''))} prices by "
        f"{_number(p, 'discount', 0.3):.0%} to undercut new producers"
        if p.get("active", "True") != "False"
        else f"China ends its price war on {material_words(r.get('material', ''))}"
    ),
    "production_quota": lambda r, p: (
        f"China sets its {r.get('material', '')} mining quota at "
        f"{_number(p, 't_per_year'):,.0f} t a year"
        if _number(p, "t_per_year") > 0
        else f"China lifts its {r.get('material', '')} mining quota"
    ),
    "reserve": lambda r, p: (
        f"China stops trading {material_words(r.get('material', ''))} for its state reserve"
        if _number(p, "t_per_month") == 0
        else f"China {'buys' if _number(p, 't_per_month') > 0 else 'sells'} "
        f"{abs(_number(p, 't_per_month')):,.0f} t of {material_words(r.get('material', ''))} "
        f"a month {'for' if _number(p, 't_per_month') > 0 else 'from'} its state reserve"
    ),
    "partnership": _switch(
        "China offers partnerships to producers abroad", "China ends its partnerships abroad"
    ),
    "accept_deal": lambda r, p: (
        f"China accepts {name(p.get('importer', r.get('target', '')))}'s deal and lifts "
        f"its restrictions on it"
    ),
    "suspend": lambda r, p: (
        f"China suspends its announced restrictions on {material_words(r.get('material', ''))} "
        f"{_destination(r)} for {_number(p, 'months', 12):g} months"
    ),
    "abolish_quotas": lambda r, p: "China abolishes its export quotas",
    "stockpile": lambda r, p: (
        f"{_actor(r)} stockpiles {material_words(r.get('material', ''))} toward "
        f"{_number(p, 'target_days'):.0f} days of use"
    ),
    "subsidize": lambda r, p: (
        f"{_actor(r)} ends its subsidy for {p.get('stage', 'processing')} of "
        f"{material_words(r.get('material', ''))}"
        if _number(p, "usd_m_per_year") == 0
        else f"{_actor(r)} subsidises {p.get('stage', 'processing')} of "
        f"{material_words(r.get('material', ''))}: {_money(p, 'usd_m_per_year')} a year"
        + (f" for {_number(p, 'years'):g} years" if _number(p, "years") > 0 else "")
    ),
    "price_floor": lambda r, p: (
        f"{_actor(r)} guarantees producers of {material_words(r.get('material', ''))} a "
        f"floor price of USD {_number(p, 'usd_per_kg'):,.0f}/kg"
    ),
    "research": lambda r, p: (
        f"{_actor(r)} stops funding research on {material_words(r.get('material', ''))}"
        if _number(p, "usd_m_per_year") == 0
        else f"{_actor(r)} funds research to use less {material_words(r.get('material', ''))}: "
        f"{_money(p, 'usd_m_per_year')} a year"
    ),
    "retaliate": lambda r, p: (
        f"{_actor(r)} stops retaliating against China"
        if _number(p, "level", 1) == 0
        else f"{_actor(r)} retaliates against China with "
        f"{p.get('instrument', 'tariffs').replace('_', ' ')} "
        f"({_number(p, 'level', 1):.0%} of its strongest)"
    ),
    "offer_deal": lambda r, p: (
        f"{_actor(r)} offers China a deal: {_money(p, 'concession_usd_m')} in concessions "
        f"for lifting its restrictions, for {_number(p, 'months', 12):g} months"
    ),
    "wto_case": lambda r, p: f"{_actor(r)} files a WTO case against China's export restrictions",
    "coordinate": lambda r, p: (
        f"{_actor(r)} coordinates stockpiles and subsidies with its allies"
        if p.get("active", "True") != "False"
        else f"{_actor(r)} stops coordinating with its allies"
    ),
    "invest": lambda r, p: (
        f"{_actor(r)} starts building {_number(p, 'capacity_t_per_year'):,.0f} t a year of "
        f"{p.get('stage', '')} capacity for {material_words(r.get('material', ''))}"
        + (f", ready in {_number(p, 'lead_time_years'):g} years" if "lead_time_years" in p else "")
        + _paid_by(r)
    ),
    "abandon": lambda r, p: (
        f"{_actor(r)} abandons its {p.get('stage', '')} project for "
        f"{material_words(r.get('material', ''))}"
    ),
    "exit": lambda r, p: f"{_actor(r)} closes",
    "capacity": lambda r, p: (
        f"{_actor(r)}'s {material_words(r.get('material', ''))} capacity changes: "
        + ", ".join(f"{stage} {size}" for stage, size in p.items())
    ),
    "magnet_plant": lambda r, p: (
        f"{_actor(r)} subsidises a magnet plant for {material_words(r.get('material', ''))} "
        f"({_number(p, 'capacity_t_per_year'):,.0f} t a year)"
    ),
    "magnet_capacity": lambda r, p: (
        f"{_actor(r)}'s magnet plants for {material_words(r.get('material', ''))}: "
        f"{r.get('parameters', '')}"
    ),
    "join_partnership": lambda r, p: "A producer abroad joins a partnership with China",
    "deal_lapsed": lambda r, p: f"{_actor(r)}'s offer of a deal lapses unanswered",
    "ruling": lambda r, p: (
        f"The WTO dismisses {name(r.get('target', ''))}'s case against China"
        if "dismissed" in str(r.get("note", ""))
        else f"The WTO rules for {name(r.get('target', ''))} against China"
    ),
    "ruling_complied": lambda r, p: (
        f"China complies with the WTO ruling for {name(r.get('target', ''))}"
    ),
}


def sentence(row: Mapping[str, Any]) -> str:
    """One action-log row as "YYYY-MM: sentence", with the row's note when it has one."""
    params = parameters(row.get("parameters", ""))
    kind = str(row.get("action", ""))
    make = _SENTENCES.get(kind)
    if make is None:
        details = ", ".join(f"{k} {v}" for k, v in params.items())
        parts = [_actor(row), kind.replace("_", " "), row.get("material"), row.get("target")]
        text = " ".join(str(p) for p in parts if p) + (f" ({details})" if details else "")
    else:
        text = make(row, params)
    text = text[:1].upper() + text[1:]
    note = str(row.get("note") or "").strip()
    return f"{row.get('date', '')}: {text}" + (f" — {note}" if note else "")
