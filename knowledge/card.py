"""The answer card: what a status means, why it happens, what to do, and the refund."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

LANGUAGES: tuple[str, ...] = ("en", "es", "pt", "fr", "ru", "pl", "de")
"""Languages every card carries aliases for (pt is Brazilian Portuguese)."""

CARD_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")


class Refund(BaseModel):
    """Whether money comes back on its own, and how."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    automatic: Literal["yes", "no", "depends"]
    text: str = Field(min_length=1, max_length=600)


class CardText(BaseModel):
    """What a person reads of a card, in one language."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, max_length=80)
    summary: str = Field(min_length=1, max_length=220)
    meaning: str = Field(min_length=1, max_length=900)
    causes: tuple[str, ...] = Field(min_length=1)
    steps: tuple[str, ...] = Field(min_length=1)
    refund: str = Field(min_length=1, max_length=700)

    @field_validator("causes", "steps")
    @classmethod
    def _no_blank_items(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not item.strip() for item in value):
            raise ValueError("has an empty item")
        return value


class Card(BaseModel):
    """One answer card, loaded from one YAML file under knowledge/cards/."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(max_length=40)
    title: str = Field(min_length=1, max_length=80)
    summary: str = Field(min_length=1, max_length=200)
    aliases: dict[str, tuple[str, ...]]
    questions: tuple[str, ...] = ()
    meaning: str = Field(min_length=1, max_length=800)
    causes: tuple[str, ...] = Field(min_length=1)
    steps: tuple[str, ...] = Field(min_length=1)
    refund: Refund
    related: tuple[str, ...] = ()
    sources: tuple[str, ...] = Field(min_length=1)
    contact_seller: bool = False
    """Contacting the seller is one of the steps: the bot offers "I contacted the seller"
    (a reminder to open a dispute if they stay silent) only on such cards."""

    translations: dict[str, CardText] = Field(default_factory=dict, exclude=True)
    """The card in other languages, from ``cards/i18n/<lang>.yaml`` (set by the loader)."""

    def text(self, language: str = "en") -> CardText:
        """The card's texts in ``language``, English when it has none in that language."""
        found = self.translations.get(language)
        if found is not None:
            return found
        return CardText(
            title=self.title,
            summary=self.summary,
            meaning=self.meaning,
            causes=self.causes,
            steps=self.steps,
            refund=self.refund.text,
        )

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not CARD_ID.match(value):
            raise ValueError("must be lowercase words joined by '-', like 'shipment-cancelled'")
        return value

    @field_validator("aliases")
    @classmethod
    def _every_language(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        unknown = sorted(set(value) - set(LANGUAGES))
        if unknown:
            raise ValueError(
                f"unknown language(s) {', '.join(unknown)}; use {', '.join(LANGUAGES)}"
            )
        missing = [lang for lang in LANGUAGES if not value.get(lang)]
        if missing:
            raise ValueError(f"needs at least one alias in: {', '.join(missing)}")
        for lang, phrases in value.items():
            if any(not p.strip() for p in phrases):
                raise ValueError(f"empty alias in '{lang}'")
        return value

    @field_validator("causes", "steps", "questions", "sources")
    @classmethod
    def _no_blank_items(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not item.strip() for item in value):
            raise ValueError("has an empty item")
        return value

    @model_validator(mode="after")
    def _not_related_to_itself(self) -> Card:
        if self.id in self.related:
            raise ValueError("a card cannot list itself under 'related'")
        return self
