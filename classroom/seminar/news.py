"""News cards and briefings: the bundled deck (``decks/news.yaml``) or one of the
facilitator's, each card a headline, a text, its sources and the actions it stands
for; and each country's private briefing (``decks/briefings.yaml``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from overplay.agents.actions import Action, Kind


class CardAction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actor: str
    kind: Kind
    materials: list[str] = Field(default_factory=list)
    targets: list[str] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)

    def action(self) -> Action:
        return Action(
            self.actor, self.kind, tuple(self.materials), tuple(self.targets), dict(self.params),
            source="news",
        )  # fmt: skip


class Card(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)
    sources: list[str] = Field(min_length=1)
    actions: list[CardAction] = Field(min_length=1)


class Deck(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cards: list[Card] = Field(min_length=1)

    def card(self, card_id: str) -> Card:
        for card in self.cards:
            if card.id == card_id:
                return card
        raise KeyError(card_id)


def load_deck(path: str | Path | None = None) -> Deck:
    """A deck of cards: the bundled one, or a YAML file of the same shape (a
    :class:`ValueError` naming the file and the key when it is not)."""
    if path is None:
        text = resources.files("overplay.classroom.seminar.decks").joinpath("news.yaml")
        source, raw = "news.yaml", text.read_text(encoding="utf-8")
    else:
        source, raw = str(path), Path(path).read_text(encoding="utf-8")
    try:
        return Deck.model_validate(yaml.safe_load(raw))
    except (yaml.YAMLError, ValidationError) as exc:
        raise ValueError(f"{source}: not a deck of news cards: {exc}") from None


class Briefing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1)
    text: str = Field(min_length=1)
    goals: str = Field(min_length=1)
    sources: list[str] = Field(min_length=1)


def load_briefings() -> dict[str, Briefing]:
    """The bundled briefings, by country."""
    text = resources.files("overplay.classroom.seminar.decks").joinpath("briefings.yaml")
    raw = yaml.safe_load(text.read_text(encoding="utf-8"))
    return {country: Briefing.model_validate(entry) for country, entry in raw.items()}
