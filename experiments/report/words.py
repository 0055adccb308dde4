"""A scenario in plain words: what a newcomer needs to read a run without the YAML."""

from __future__ import annotations

from html import escape
from typing import Any

from agents.strategies import lookup


def _percent(value: float) -> str:
    return f"{value:.0%}" if abs(value * 100 - round(value * 100)) < 0.05 else f"{value:.1%}"


def rule_words(role: str, name: str) -> str:
    """The first sentence of the strategy's rule (its docstring)."""
    cls = lookup(name, role)
    return " ".join((cls.__doc__ or "").split()).split(". ")[0].rstrip(".") + "." if cls else ""


def _params(params: dict[str, Any] | None) -> str:
    return (" (" + ", ".join(f"{escape(str(k))} = {escape(str(v))}" for k, v in params.items())
            + ")") if params else ""


def strategy_words(role: str, spec: dict[str, Any]) -> str:
    """``name`` (parameters set) — its rule."""
    rule = rule_words(role, spec["name"])
    return (f"<code>{escape(spec['name'])}</code>{_params(spec.get('params'))}"
            + (f" — {escape(rule[0].lower() + rule[1:])}" if rule else "."))


def scenario_words(scenario: dict[str, Any]) -> list[str]:
    """Paragraphs describing the world, the players, their strategies and the events."""
    timing = scenario["timing"]
    paragraphs = [
        f"<b>{escape(scenario['name'])}</b>: "
        f"{escape((scenario.get('description') or 'no description').rstrip('.'))}. "
        f"It starts in {scenario['start']} and runs {scenario['years']:g} years in monthly "
        f"steps; players decide every {timing['decision_interval_months']} months and "
        f"producers invest every {timing['investment_interval_months']} months. "
        f"Seed {scenario['seed']}."]
    materials = []
    for name, m in scenario["materials"].items():
        materials.append(
            f"<b>{name}</b> rare earths: world demand {m['demand_t_per_year']:,.0f} t a year "
            f"growing {_percent(m['demand_growth_per_year'])} a year at a reference price of "
            f"{m['reference_price_usd_per_kg']:g} USD/kg; China mines "
            f"{_percent(m['china_mining_share'])} and separates "
            f"{_percent(m['china_processing_share'])} of it.")
    paragraphs.append(" ".join(materials))
    paragraphs.append("<b>China</b> plays "
                      + strategy_words("china", scenario["china"]["strategy"]))
    importers = [f"<li><b>{escape(name)}</b>: "
                 f"{_percent(sum(i['demand_share'].values()) / len(i['demand_share']))} of "
                 f"world demand on average, stockpile target {i['stockpile_target_days']:g} "
                 f"days; plays <code>{escape(i['strategy']['name'])}</code>"
                 + _params(i["strategy"].get("params")) + "</li>"
                 for name, i in scenario["importers"].items()]
    paragraphs.append("Importing states: <ul>" + "".join(importers) + "</ul>")
    rules = {i["strategy"]["name"]: rule_words("importer", i["strategy"]["name"])
             for i in scenario["importers"].values()}
    paragraphs.append("Their rules: <ul>" + "".join(
        f"<li><code>{escape(n)}</code>: {escape(r)}</li>" for n, r in rules.items()) + "</ul>")
    producers = [escape(f"{p['name']} ({p['country']})") for p in scenario.get("producers", [])]
    if producers:
        paragraphs.append(f"Producers outside China at the start: {', '.join(producers)}; "
                          f"{scenario['firms']['count']:,} manufacturing firms buy the "
                          "materials.")
    events = scenario.get("events") or []
    if events:
        items = []
        for e in events:
            whom = f" toward {', '.join(e['targets'])}" if e.get("targets") else ""
            items.append(escape(f"{e['at']}: {e['actor']} — {e['action']}{whom}"
                                + (f" ({e['note']})" if e.get("note") else "")))
        paragraphs.append("Scripted events: <ul>" + "".join(f"<li>{i}</li>" for i in items)
                          + "</ul>")
    return paragraphs
