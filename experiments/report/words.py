"""What the scenario template needs beyond the scenario itself: percentages as a
reader writes them and each strategy's rule in one sentence. These return plain text;
the template (``templates/scenario.html``) lays it out and escapes it."""

from __future__ import annotations

from typing import Any

from overplay.agents.strategies import lookup


def percent(value: float) -> str:
    """``0.4`` → ``40%``; one decimal only when a whole percent would round it."""
    return f"{value:.0%}" if abs(value * 100 - round(value * 100)) < 0.05 else f"{value:.1%}"


def rule_words(role: str, name: str) -> str:
    """The first sentence of the strategy's rule (its docstring); empty if unknown."""
    cls = lookup(name, role)
    return " ".join((cls.__doc__ or "").split()).split(". ")[0].rstrip(".") + "." if cls else ""


def lowered(sentence: str) -> str:
    """The sentence to follow a dash: its first letter in lower case."""
    return sentence[:1].lower() + sentence[1:]


def mean_share(shares: dict[str, float]) -> float:
    """An importer's demand share averaged over the materials."""
    return sum(shares.values()) / len(shares)


def importer_rules(scenario: dict[str, Any]) -> dict[str, str]:
    """Each importer strategy in play, once, with its rule."""
    return {
        i["strategy"]["name"]: rule_words("importer", i["strategy"]["name"])
        for i in scenario["importers"].values()
    }
